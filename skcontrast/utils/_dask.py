"""Dask detection without importing dask (one test for every entry point)."""

from __future__ import annotations

import sys


def is_dask_collection(X) -> bool:
    """Whether X is a dask collection (an array, DataFrame, Bag, Delayed...).

    The test of :func:`dask.base.is_dask_collection`: X has a callable
    ``__dask_graph__`` (and is not a class). dask is never imported here: a
    dask collection cannot exist unless dask was imported, so when
    ``dask.base`` is loaded its own function answers (it avoids building the
    graph of an expression-backed collection); otherwise ``__dask_graph__()``
    is asked directly (an object implementing the dask collection protocol
    without dask: a graph that is not None).
    """
    if isinstance(X, type) or not callable(getattr(X, "__dask_graph__", None)):
        return False
    base = sys.modules.get("dask.base")
    if base is not None:
        return bool(base.is_dask_collection(X))
    return X.__dask_graph__() is not None
