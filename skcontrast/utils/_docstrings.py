"""Shared docstring fragments, substituted into estimators' numpydoc docstrings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T", bound=Callable)


class Substitution:
    """Decorate a function or class to ``%``-substitute its docstring.

    >>> @Substitution(who="chemists")
    ... def f():
    ...     '''For %(who)s.'''
    >>> f.__doc__
    'For chemists.'
    """

    def __init__(self, **params: str) -> None:
        self.params = params

    def __call__(self, obj: T) -> T:
        if obj.__doc__:
            obj.__doc__ = obj.__doc__ % self.params
        return obj


_random_state_docstring = """random_state : int, Generator, RandomState or None, default=None
        Seeds the random draws. An int makes results reproducible across runs
        and across :func:`sklearn.base.clone`; a ``Generator`` seeds a child
        stream (the caller's generator is advanced, never shared); None draws a
        seed from NumPy's global random state.""".rstrip()

_n_jobs_docstring = """n_jobs : int or None, default=None
        Number of worker processes. None means 1 unless in a
        :obj:`joblib.parallel_backend` context; -1 means all processors.""".rstrip()

_device_docstring = """device : {"auto", "cpu", "cuda"} or str, default="auto"
        Torch device. "auto" picks CUDA when it is available, else the CPU.""".rstrip()
