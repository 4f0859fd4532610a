"""Approximate cosine search on faiss (HNSW, IVF) and its recall against exact search.

``CosineRetriever(algorithm="hnsw")`` and ``algorithm="ivf"`` index the
L2-normalised float32 items in a faiss inner-product index (on unit rows the
inner product is the cosine similarity):

- "hnsw": ``faiss.IndexHNSWFlat`` (Malkov & Yashunin, "Efficient and robust
  approximate nearest neighbor search using Hierarchical Navigable Small World
  graphs", IEEE TPAMI 2020), parameters ``M``, ``efConstruction``,
  ``efSearch``;
- "ivf": ``faiss.IndexIVFFlat`` (Jégou, Douze & Schmid, "Product quantization
  for nearest neighbor search", IEEE TPAMI 2011, the inverted file of its
  section IV; k-means coarse quantizer), parameters ``nlist``, ``nprobe``.

The index only proposes candidates (``n_neighbors + 8`` per query); their
similarities are then computed exactly as the exact search computes them
(:func:`~skcontrast.neighbors._search.pair_similarities`, float64 from the two
stored rows) and sorted by (similarity descending, index ascending). So a
returned item's distance is the same number exact search would give, and
:func:`recall_at_k` can compare the two lists value by value.

Builds are deterministic: faiss's k-means seed is fixed (``Clustering.seed``,
1234 by default) and the index is built on one OpenMP thread (HNSW insertion
on several threads depends on their timing). The same items on the same
machine and faiss version give the same index, byte for byte.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import threading

import numpy as np

from skcontrast.neighbors import _search
from skcontrast.neighbors._normalize import normalize_rows
from skcontrast.utils._dask import is_dask_collection
from skcontrast.utils._sklearn import Interval, validate_params

#: Each algorithm's parameters (faiss's names) and their defaults.
DEFAULTS = {
    "exact": {},
    "hnsw": {"M": 32, "efConstruction": 40, "efSearch": 64},
    "ivf": {"nlist": None, "nprobe": 8},
}

MISSING_MESSAGE = (
    "algorithm={algorithm!r} builds a faiss index and needs the optional 'faiss' "
    "extra, which is not installed: pip install 'skcontrast[faiss]' (it installs "
    "faiss-cpu), or use algorithm='exact'."
)


def _faiss(algorithm: str):
    try:
        import faiss
    except ImportError as exc:
        raise ImportError(MISSING_MESSAGE.format(algorithm=algorithm)) from exc
    return faiss


def check_params(algorithm: str, params: dict | None, n_items: int) -> dict:
    """``algorithm_params`` checked and completed with the defaults (``nlist`` resolved).

    Raises ValueError naming the key and value at fault.
    """
    defaults = DEFAULTS[algorithm]
    params = {} if params is None else params
    unknown = sorted(set(params) - set(defaults), key=str)
    if unknown:
        allowed = ", ".join(defaults) if defaults else "none (leave algorithm_params None)"
        raise ValueError(
            f"algorithm_params: unknown key(s) {unknown} for algorithm={algorithm!r}; "
            f"allowed: {allowed}."
        )
    resolved = {**defaults, **params}
    if algorithm == "ivf" and resolved["nlist"] is None:
        # about sqrt(n) lists (faiss's guidance is 4 to 16 sqrt(n) for millions of
        # items), with at least 39 training points per list (faiss warns below)
        resolved["nlist"] = max(1, min(round(math.sqrt(n_items)), n_items // 39))
    for key, value in resolved.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"algorithm_params[{key!r}] must be an integer >= 1, got {value!r}.")
        resolved[key] = int(value)
    if algorithm == "ivf" and resolved["nlist"] > n_items:
        raise ValueError(
            f"algorithm_params['nlist'] = {resolved['nlist']} exceeds the number of "
            f"items, {n_items}: k-means needs at least one item per list."
        )
    return resolved


# faiss's OpenMP thread count and ``distance_compute_blas_threshold`` are
# process-wide settings, which ``_one_thread`` and ``_pairwise_distances`` set
# and restore. Two threads doing so at once (a threaded dask scheduler, a
# thread pool) could interleave save and restore, and leave the other thread's
# value in place for good (thread B saves A's temporary value, then restores
# it after A has restored the original). Each setting is therefore changed
# under its own lock, held until it is restored; re-entrant, so that a nested
# use in the same thread does not deadlock. A second build (or IVF search)
# waits for the first to finish.
_THREADS_LOCK = threading.RLock()
_BLAS_THRESHOLD_LOCK = threading.RLock()


@contextlib.contextmanager
def _one_thread(faiss):
    with _THREADS_LOCK:
        before = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            yield
        finally:
            faiss.omp_set_num_threads(before)


def build_index(items: np.ndarray, algorithm: str, params: dict):
    """The faiss inner-product index of the normalised float32 ``items`` (one thread)."""
    faiss = _faiss(algorithm)
    d = items.shape[1]
    items = np.ascontiguousarray(items, dtype=np.float32)
    with _one_thread(faiss):
        if algorithm == "hnsw":
            index = faiss.IndexHNSWFlat(d, params["M"], faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = params["efConstruction"]
            index.add(items)
        else:
            quantizer = faiss.IndexFlatIP(d)
            index = faiss.IndexIVFFlat(quantizer, d, params["nlist"], faiss.METRIC_INNER_PRODUCT)
            index.cp.seed = 1234
            index.train(items)
            index.add(items)
            index.own_fields = True
            quantizer.this.disown()  # the IVF index owns (and frees) its quantizer
    _set_search_params(index, algorithm, params)
    return index


def _set_search_params(index, algorithm: str, params: dict) -> None:
    if algorithm == "hnsw":
        index.hnsw.efSearch = params["efSearch"]
    else:
        index.nprobe = params["nprobe"]


def serialize(index) -> np.ndarray:
    """faiss's own serialisation of the index, a uint8 array."""
    import faiss

    return faiss.serialize_index(index)


def check_serialized(data) -> np.ndarray:
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 1:
        raise ValueError("CosineRetriever: the saved _ann_index must be a 1-D uint8 array.")
    return data


def deserialize(data: np.ndarray, algorithm: str, params: dict):
    faiss = _faiss(algorithm)
    index = faiss.deserialize_index(data)
    _set_search_params(index, algorithm, params)
    return index


@contextlib.contextmanager
def _pairwise_distances(faiss):
    """IVF's coarse quantizer scores each (query, centroid) pair on its own.

    With many queries faiss computes them with a BLAS product, whose rounding
    depends on the block of queries; raising ``distance_compute_blas_threshold``
    makes a query's probed lists a function of that query alone (the lists are
    ``nlist`` centroids: the cost is small). A process-wide setting: changed
    under ``_BLAS_THRESHOLD_LOCK`` (see there).
    """
    with _BLAS_THRESHOLD_LOCK:
        before = faiss.cvar.distance_compute_blas_threshold
        faiss.cvar.distance_compute_blas_threshold = 2**30
        try:
            yield
        finally:
            faiss.cvar.distance_compute_blas_threshold = before


def search_rows(retriever, queries: np.ndarray, self_ids: np.ndarray | None, k: int):
    """Approximate top k of normalised float32 ``queries``; ``self_ids``: items to leave out.

    Returns float64 similarities (descending, ties by index) and int64 indices.
    A query for which the index returns fewer than ``k`` usable items (IVF with
    few probed lists) is answered by exact search.
    """
    import faiss

    index = retriever._ann_index()
    n = retriever.n_samples_fit_
    c = min(k + _search.MARGIN + int(self_ids is not None), n)
    guard = _pairwise_distances(faiss) if retriever._fit_algorithm == "ivf" else _null()
    with guard:
        _, cand = index.search(np.ascontiguousarray(queries), c)
    valid = cand >= 0
    if self_ids is not None:
        valid &= cand != self_ids[:, None]
    b = queries.shape[0]
    sims = np.empty((b, k))
    idx = np.empty((b, k), dtype=np.int64)
    ok = np.flatnonzero(valid.sum(axis=1) >= k)
    if ok.size:
        r, j = np.nonzero(valid[ok])
        cols = cand[ok][r, j].astype(np.int64)
        pair = _search.pair_similarities(
            queries.astype(np.float64),
            _search.squared_norms(queries),
            retriever._items,
            retriever._item_sq_norms(),
            ok[r],
            cols,
        )
        sims[ok], idx[ok] = _search._best_k(r, cols, pair, ok.size, k)
    short = np.setdiff1d(np.arange(b), ok)
    if short.size:
        ids = None if self_ids is None else self_ids[short]
        sims[short], idx[short] = exact_rows(retriever, queries[short], ids, k)
    return sims, idx


def _null():
    return contextlib.nullcontext()


def exact_rows(retriever, queries: np.ndarray, self_ids: np.ndarray | None, k: int):
    """Exact top k of normalised ``queries``, leaving out item ``self_ids[r]`` for query r.

    With ``self_ids``: the exact top ``k + 1``, less the query's own item when
    it is there, else less the last (then ``k + 1`` items tie or beat it).
    """
    if self_ids is None:
        return retriever._exact_search(queries, k, normalized=True)
    sims, idx = retriever._exact_search(queries, k + 1, normalized=True)
    is_self = idx == self_ids[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
    keep = np.ones_like(is_self)
    keep[np.arange(len(drop)), drop] = False
    return sims[keep].reshape(-1, k), idx[keep].reshape(-1, k)


def search(retriever, X, k: int):
    """Approximate top k of validated X (None: the items, each left out of its own list)."""
    n = retriever.n_samples_fit_
    n_q = n if X is None else X.shape[0]
    step = max(1, retriever.batch_size)
    parts = []
    for s in range(0, n_q, step):
        e = min(s + step, n_q)
        if X is None:
            queries, ids = retriever._items[s:e], np.arange(s, e)
        else:
            queries, ids = normalize_rows(X, s, e), None
        parts.append(search_rows(retriever, queries, ids, k))
    return np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])


@validate_params(
    {
        "retriever": "no_validation",  # checked below (fitted, in memory, cosine)
        "X": "no_validation",  # validated as kneighbors validates its queries
        "k": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_queries": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": "no_validation",  # check_generator's own message
    },
    prefer_skip_nested_validation=True,
)
def recall_at_k(
    retriever, X=None, k: int = 10, *, n_queries: int | None = 1000, random_state=0
) -> float:
    """Recall@k of a retriever's search against exact search, on a sample of queries.

    For each query, the share of the retriever's ``k`` neighbours whose cosine
    similarity is at least that of the exact ``k``-th neighbour (so an item
    tied with the exact ``k``-th counts as found): the "k-NN recall" of
    ann-benchmarks (Aumüller, Bernhardsson & Faithfull, Information Systems
    2020) with zero tolerance, which is exact here because both lists' similarities
    come from the same float64 computation (see
    :meth:`~skcontrast.neighbors.CosineRetriever.kneighbors`). Averaged over
    the queries.

    Parameters
    ----------
    retriever : CosineRetriever
        A fitted retriever (metric="cosine"), in memory (not fitted on a dask
        array, whose search is exact: call ``to_local()`` first).
    X : {array-like, sparse matrix} of shape (n_samples, n_features), default=None
        Queries; None samples the fitted items, each left out of its own list.
    k : int, default=10
        Neighbours compared per query.
    n_queries : int or None, default=1000
        At most this many queries, drawn without replacement from X (or from
        the items) with ``random_state``; None uses every one.
    random_state : int, numpy.random.Generator, RandomState or None, default=0
        Seeds the sample.

    Returns
    -------
    recall : float
        In [0, 1]; 1.0 for exact search (``algorithm="exact"``).

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        When ``k`` or ``n_queries`` is not an integer >= 1 (``n_queries=2.5``,
        ``k=0``); the message names the parameter.
    sklearn.exceptions.NotFittedError
        Before ``fit``.
    ValueError
        For a retriever fitted with metric="tanimoto" or on a dask array, for
        ``k`` above the number of items (less one when X is None), and for
        invalid X (as :meth:`~skcontrast.neighbors.CosineRetriever.kneighbors`).

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.neighbors import CosineRetriever, recall_at_k
    >>> X = np.random.default_rng(0).normal(size=(2000, 16))
    >>> hnsw = CosineRetriever(algorithm="hnsw").fit(X)
    >>> 0.0 <= recall_at_k(hnsw, k=10, n_queries=100) <= 1.0
    True
    >>> recall_at_k(CosineRetriever().fit(X), k=10, n_queries=100)
    1.0
    """
    from skcontrast.neighbors import _sharded
    from skcontrast.utils._random import check_generator
    from skcontrast.utils._sklearn import check_is_fitted

    check_is_fitted(retriever)
    if _sharded.is_sharded(retriever) or retriever._fitted_tanimoto():
        raise ValueError(
            "recall_at_k compares a cosine retriever fitted in memory with exact search; "
            "this one was fitted on a dask array (its search is exact; use to_local()) "
            "or with metric='tanimoto' (exact)."
        )
    X, _ = retriever._queries(X)
    if X is not None and is_dask_collection(X):
        raise ValueError("recall_at_k: pass the queries as an in-memory array (a sample).")
    total = retriever.n_samples_fit_ if X is None else X.shape[0]
    k = retriever._check_n_neighbors(k, X is None, total)
    rows = np.arange(total)
    if n_queries is not None and n_queries < total:
        rng = check_generator(random_state)
        rows = np.sort(rng.choice(total, size=n_queries, replace=False))
    if X is None:
        queries, ids = retriever._items[rows], rows
    else:
        queries, ids = normalize_rows(X[rows]), None
    exact_sims, _ = exact_rows(retriever, queries, ids, k)
    if retriever._fit_algorithm == "exact":
        found_sims = exact_sims
    else:
        found_sims, _ = search_rows(retriever, queries, ids, k)
    found = (found_sims >= exact_sims[:, k - 1 :]).sum(axis=1)
    return float(np.mean(found / k))
