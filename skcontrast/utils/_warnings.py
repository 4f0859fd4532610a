"""Warnings that point at the user's line, not at skcontrast's or scikit-learn's.

:func:`warn_user` attributes a warning to the innermost frame of the caller's
stack that belongs to none of the *plumbing*: skcontrast itself, scikit-learn,
skorch, joblib (and loky, bundled or not), and the standard library's
``concurrent.futures``, ``multiprocessing``, ``threading`` and ``runpy``. So a
warning raised in ``fit`` points at the user's ``pipe.fit(X)`` or
``GridSearchCV(...).fit(X)`` line, also where joblib runs the fit in the calling
thread, below its own frames: ``n_jobs=1`` with any backend, or the default
``n_jobs=None`` unless a ``joblib.parallel_config`` (``parallel_backend``) asks
for more jobs.

In a worker thread (a threading backend with more than one job, or any
``threading.Thread``) or a worker process (``GridSearchCV(n_jobs=2)`` with
loky), the stack holds no user frame at all: the user's line is on another
thread's or process's stack. There the warning names skcontrast's own line that
raised it (its module is then ``skcontrast...``, so
``warnings.filterwarnings(..., module="skcontrast")`` matches it), rather than a
frame of joblib, of ``threading`` or of the worker's start-up code, which would
say nothing about its cause.

Nothing is deduplicated: each call warns (a grid search warns once per fold, as
scikit-learn's ``ConvergenceWarning`` does), and Python's warning filters decide
what is shown.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings

#: Packages (found without importing them: skorch would import torch) and
#: standard-library modules whose frames are never the user's line.
_PLUMBING_MODULES = (
    "skcontrast",
    "sklearn",
    "skorch",
    "joblib",  # loky ships inside it, as joblib.externals.loky
    "loky",  # the standalone package, when installed
    "concurrent.futures",
    "multiprocessing",
    "threading",
    "runpy",
)


def _module_paths(name: str) -> list[str]:
    """A package's folders (with a trailing separator) or a module's file."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    if spec.submodule_search_locations:
        return [os.path.abspath(p) + os.sep for p in spec.submodule_search_locations]
    if spec.origin and os.path.isabs(spec.origin):  # not "frozen" or "built-in"
        return [os.path.abspath(spec.origin)]
    return []


def _plumbing_prefixes() -> tuple[str, ...]:
    return tuple(path for name in _PLUMBING_MODULES for path in _module_paths(name))


_PLUMBING = _plumbing_prefixes()
#: Frozen standard-library modules (``<frozen runpy>``) are plumbing too.
_FROZEN = "<frozen "


def _is_plumbing(filename: str) -> bool:
    return filename.startswith(_FROZEN) or os.path.abspath(filename).startswith(_PLUMBING)


def _user_stacklevel(frame) -> int | None:
    """The stack level (1 for ``frame``) of the first frame from ``frame`` outwards
    that is not plumbing, or None when every frame is."""
    level = 1
    while frame is not None:
        if not _is_plumbing(frame.f_code.co_filename):
            return level
        frame = frame.f_back
        level += 1
    return None


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` attributed to the user's line.

    The warning points at the first caller outside skcontrast, scikit-learn,
    skorch, joblib/loky and the standard library's thread and process pools (a
    transform wrapped by ``set_output``, a Pipeline step, a ``GridSearchCV``
    fold run in the calling thread...). Where no such frame exists (in a worker
    thread, such as joblib's threading backend with more than one job, or in a
    worker process, such as loky's), it points at the skcontrast line that
    called ``warn_user``.
    """
    level = _user_stacklevel(sys._getframe(1))  # level 1: the caller of warn_user
    # for warnings.warn, stacklevel=1 is this line and 2 the caller of warn_user
    stacklevel = 2 if level is None else level + 1
    warnings.warn(message, category, stacklevel=stacklevel)
