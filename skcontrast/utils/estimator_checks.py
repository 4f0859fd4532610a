"""The estimator-check harness: which estimators are tested, with which parameters.

``tests/test_common.py`` runs scikit-learn's ``parametrize_with_checks`` over
:func:`_tested_estimators`, declaring the checks each estimator legitimately
fails in :data:`EXPECTED_FAILED_CHECKS` (each with its one-line reason).

Every public estimator must have an entry in :data:`INIT_PARAMS` (``{}`` when the
defaults are fine); a discovery test compares :func:`all_estimators` with it, so a
new estimator cannot be forgotten. ``INIT_PARAMS`` sets non-zero strengths for
augmenters (an augmenter at zero strength is the identity and would pass every
check vacuously) and tiny networks for the embedder.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

from sklearn.base import BaseEstimator

import skcontrast
from skcontrast.featurize import DescriptorFeaturizer, MorganFeaturizer

#: Parameters used to build each estimator for the common checks.
INIT_PARAMS: dict[type, dict] = {
    DescriptorFeaturizer: {},
    MorganFeaturizer: {"n_bits": 64},
}

#: ``{Estimator: {check_name: reason}}`` for checks that fail by design.
_STATELESS_NAMES = (
    "stateless featurizer: its output columns follow from its parameters alone, so "
    "get_feature_names_out works before fit (string-input behaviour is tested in "
    "tests/featurize)"
)
EXPECTED_FAILED_CHECKS: dict[type, dict[str, str]] = {
    DescriptorFeaturizer: {"check_get_feature_names_out_error": _STATELESS_NAMES},
    MorganFeaturizer: {"check_get_feature_names_out_error": _STATELESS_NAMES},
}


def all_estimators() -> list[tuple[str, type]]:
    """Public estimator classes of skcontrast, found by walking its public packages.

    A class is public when a public (sub)package lists it in ``__all__``.

    Returns
    -------
    list of (name, class), sorted by name.
    """
    found: dict[str, type] = {}
    modules = [skcontrast]
    for info in pkgutil.walk_packages(skcontrast.__path__, prefix="skcontrast."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        if not info.ispkg and info.name.rsplit(".", 1)[-1] not in {"losses", "metrics", "plotting"}:
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except ImportError:  # an optional extra (e.g. matplotlib) is missing
            continue
    for module in modules:
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                found[name] = obj
    return sorted(found.items())


def _tested_estimators() -> Iterator[BaseEstimator]:
    """Yield one small instance of every estimator listed in :data:`INIT_PARAMS`."""
    for cls, params in sorted(INIT_PARAMS.items(), key=lambda item: item[0].__name__):
        yield cls(**params)


def _expected_failed_checks(estimator: BaseEstimator) -> dict[str, str]:
    """The ``expected_failed_checks`` callable for ``parametrize_with_checks``."""
    return EXPECTED_FAILED_CHECKS.get(type(estimator), {})
