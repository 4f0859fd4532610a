"""CosineRetriever on dask arrays: items kept in shards, exact top k merged.

``CosineRetriever.fit(dask_array)`` never gathers the items into one process.
Each row block of the array becomes a *shard*: an ordinary in-memory
:class:`~skcontrast.neighbors.CosineRetriever` fitted on that block alone, built
in a dask task and kept where it was built with :func:`dask.persist` (on the
workers of a ``distributed`` client; in this process's memory, block by block,
with the local threaded scheduler). A search sends the (normalised) queries to
every shard, each shard returns its exact top k with global indices, and one
task per block of queries merges them.

**Equal to the in-memory result by construction, not by tolerance.**

- A row's normalised float32 copy is a function of that row alone
  (:func:`~skcontrast.neighbors._normalize.normalize_rows` works row by row on a
  C-ordered float64 copy), so each shard holds bit for bit the rows that an
  in-memory fit on the whole array holds.
- The similarity of a (query, item) pair is computed in float64 from those two
  float32 rows alone, in an order set by ``n_features`` alone
  (:func:`~skcontrast.neighbors._search.pair_similarities`); the float32 BLAS
  product only selects candidates, and :func:`~skcontrast.neighbors._search.settle`
  makes each shard's answer its exact top k by (float64 similarity descending,
  index ascending), whatever the shard's shape. So a pair has the same
  similarity in every shard layout.
- Shards hold consecutive rows, so a shard's local order is the global order,
  and the global top k is the top k of the union of the shards' top k: the
  merge sorts the union by (similarity descending, global index ascending) and
  keeps k (:func:`_merge`). Ties therefore go to the lower global index, as in
  memory.

With ``X=None`` (the fitted items as queries) each block of items is searched
against every shard, and against its own shard with itself excluded.
"""

from __future__ import annotations

import re

import numpy as np

from skcontrast.neighbors._normalize import normalize_rows
from skcontrast.utils._dask import is_dask_collection
from skcontrast.utils._validation import validate_float

#: Queries per task when the queries are an in-memory array.
QUERY_BLOCK = 16_384

PICKLE_MESSAGE = (
    "This CosineRetriever was fitted on a dask array: its items are shards held "
    "by dask (references to data on the workers, or in this process's dask "
    "graph), which a pickle cannot carry. Call retriever.to_local() to gather "
    "the items into an ordinary in-memory CosineRetriever (the same results, "
    "and it pickles and saves with skops), or refit it where it is loaded."
)


def is_sharded(retriever) -> bool:
    """Whether the retriever was fitted on a dask array."""
    return "_shards" in retriever.__dict__


def _as_row_blocks(X, name: str = "X"):
    """X as a 2-D dask array of row blocks (one block across the columns)."""
    import dask.array as da

    if not isinstance(X, da.Array):
        raise TypeError(
            f"{name}: CosineRetriever takes a dask array, got a {type(X).__name__}; "
            "convert a dask DataFrame with .to_dask_array(lengths=True)."
        )
    if X.ndim != 2:
        raise ValueError(
            f"{name}: expected a 2-D dask array (n_samples, n_features), got {X.ndim}-D "
            f"with shape {X.shape}."
        )
    if any(np.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()  # block lengths only: each block is counted where it is
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    return X


def _output_dtype(X) -> np.dtype:
    """float32 and float64 are kept, other numbers become float64 (as validate_float)."""
    if X.dtype in (np.float32, np.float64):
        return np.dtype(X.dtype)
    if not np.issubdtype(X.dtype, np.number) and X.dtype != np.bool_:
        raise ValueError(f"X: expected a numeric dask array, got dtype {X.dtype}.")
    return np.dtype(np.float64)


#: The rows clause of :mod:`skcontrast.utils._validation`'s messages: "at row(s) [3, 17]".
_ROWS_CLAUSE = re.compile(r"at row\(s\) \[([0-9, ]*)\]")


def _block_error(exc: ValueError, start: int, stop: int, name: str) -> ValueError:
    """The error of a block, its rows counted in the whole array (``start`` + the block's row)."""

    def shift(match: re.Match) -> str:
        rows = [start + int(r) for r in match.group(1).split(",") if r.strip()]
        return f"at row(s) {rows}"

    message = _ROWS_CLAUSE.sub(shift, str(exc))
    return ValueError(f"{name} (a dask array), the block of rows {start} to {stop - 1}: {message}")


def _fit_shard(block, start: int, stop: int, params: dict):
    from skcontrast.neighbors._retriever import CosineRetriever

    try:
        return CosineRetriever(**params).fit(block)
    except ValueError as exc:
        raise _block_error(exc, start, stop, "X") from exc


def fit(retriever, X):
    """``CosineRetriever.fit`` on a dask array: one persisted shard per row block.

    The shards are built, persisted and counted before any attribute is set
    (the retriever holds none when this is called; see ``CosineRetriever.fit``).
    """
    import dask

    from skcontrast.neighbors._backends import resolve_backend

    if retriever.metric != "cosine" or retriever.algorithm != "exact":
        raise ValueError(
            "CosineRetriever.fit on a dask array supports metric='cosine' with "
            f"algorithm='exact', got metric={retriever.metric!r}, "
            f"algorithm={retriever.algorithm!r}; compute the array first for another "
            "metric or an approximate index."
        )
    if retriever.algorithm_params:
        raise ValueError(
            f"algorithm_params={retriever.algorithm_params!r} is for algorithm='hnsw' or "
            "'ivf'; with algorithm='exact' leave it None."
        )
    X = _as_row_blocks(X)
    dtype = _output_dtype(X)
    n_samples, n_features = X.shape
    if n_samples == 0 or n_features == 0:
        raise ValueError(
            f"X: found a dask array of shape {X.shape}; at least 1 sample and 1 feature "
            "are required by CosineRetriever."
        )
    params = {"metric": "cosine", "batch_size": retriever.batch_size, "backend": retriever.backend}
    bounds = np.concatenate([[0], np.cumsum(X.chunks[0])]).astype(np.int64)
    blocks = X.to_delayed().ravel()
    shards, starts = [], []
    for block, start, stop in zip(blocks, bounds[:-1], bounds[1:], strict=True):
        if stop > start:  # empty blocks hold no items
            shards.append(dask.delayed(_fit_shard)(block, int(start), int(stop), params))
            starts.append(int(start))
    backend = resolve_backend(retriever.backend).name
    shards = dask.persist(*shards)
    # Under a distributed Client, persist returns at once and a block's error
    # would surface at the first search: fetch each shard's size (an int per
    # shard, the shards stay where they are) so that fit raises it, as it does
    # with the local schedulers (where persist has computed them already).
    dask.compute(*(dask.delayed(getattr)(shard, "n_samples_fit_") for shard in shards))
    # the attributes in the order an in-memory fit sets them (validate_data first)
    retriever.n_features_in_ = int(n_features)
    retriever.backend_ = backend
    retriever._fit_dtype = dtype
    retriever.n_samples_fit_ = int(n_samples)
    retriever._n_features_out = retriever.n_samples_fit_
    retriever._items = None
    retriever._fingerprints = None
    retriever._cache = {}
    retriever.algorithm_params_ = {}
    retriever._fit_algorithm = "exact"
    retriever._shards = tuple(shards)
    retriever._shard_starts = np.array(starts, dtype=np.int64)
    return retriever


def check_queries(retriever, X):
    """Shape and dtype of dask queries (their blocks are validated when searched)."""
    X = _as_row_blocks(X)
    if X.shape[1] != retriever.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but CosineRetriever is expecting "
            f"{retriever.n_features_in_} features as input."
        )
    if X.shape[0] == 0:
        raise ValueError("X: found a dask array with 0 rows; at least 1 is required.")
    return X, _output_dtype(X)


def _normalize_block(block, start: int, stop: int) -> np.ndarray:
    """Validated (finite) and normalised float32 rows of one block of queries."""
    try:
        block = validate_float(None, block, reset=False)
    except ValueError as exc:
        raise _block_error(exc, start, stop, "X") from exc
    return normalize_rows(block)


def _search_shard(shard, offset: int, queries, k: int, exclude_self: bool):
    """The shard's exact top ``min(k, available)`` of each query, global indices.

    ``queries`` are normalised float32 rows, or a shard (its items as queries).
    With ``exclude_self`` the queries are this shard's own items (None).
    """
    n = shard.n_samples_fit_
    if exclude_self:
        kk = min(k, n - 1)
        if kk <= 0:
            return np.empty((n, 0)), np.empty((n, 0), dtype=np.int64)
        sims, idx = shard._exact_search(None, kk)
    else:
        if not isinstance(queries, np.ndarray):
            queries = queries._items[: queries.n_samples_fit_]
        sims, idx = shard._exact_search(queries, min(k, n), normalized=True)
    return sims, idx + offset


def _merge(parts, k: int):
    """Top k of the union of the shards' answers: similarity descending, index ascending."""
    sims = np.concatenate([p[0] for p in parts], axis=1)
    idx = np.concatenate([p[1] for p in parts], axis=1)
    order = np.lexsort((idx, -sims), axis=1)[:, :k]
    return np.take_along_axis(sims, order, axis=1), np.take_along_axis(idx, order, axis=1)


def search(retriever, X, k: int):
    """Exact top k of validated queries X (in memory, dask, or None) over the shards."""
    import dask

    shards, starts = retriever._shards, retriever._shard_starts
    search_shard = dask.delayed(_search_shard, pure=True)
    merge = dask.delayed(_merge, pure=True)
    merged = []
    if X is None:
        for j, own in enumerate(shards):
            parts = [
                search_shard(shard, int(starts[i]), own, k, i == j)
                for i, shard in enumerate(shards)
            ]
            merged.append(merge(parts, k))
    else:
        for queries in _query_blocks(X):
            parts = [
                search_shard(shard, int(start), queries, k, False)
                for shard, start in zip(shards, starts, strict=True)
            ]
            merged.append(merge(parts, k))
    results = dask.compute(*merged)
    return np.vstack([r[0] for r in results]), np.vstack([r[1] for r in results])


def _query_blocks(X):
    """Delayed normalised float32 blocks of queries (in order)."""
    import dask

    if is_dask_collection(X):
        bounds = np.concatenate([[0], np.cumsum(X.chunks[0])]).astype(np.int64)
        normalize = dask.delayed(_normalize_block, pure=True)
        return [
            normalize(block, int(a), int(b))
            for block, a, b in zip(X.to_delayed().ravel(), bounds[:-1], bounds[1:], strict=True)
            if b > a
        ]
    return [
        dask.delayed(normalize_rows(X, s, min(s + QUERY_BLOCK, X.shape[0])), traverse=False)
        for s in range(0, X.shape[0], QUERY_BLOCK)
    ]


def search_blocks(retriever, X, k: int):
    """An in-memory retriever and dask queries: each block computed, validated, searched in turn.

    Only one block of queries is in this process at a time.
    """
    bounds = np.concatenate([[0], np.cumsum(X.chunks[0])]).astype(np.int64)
    sims, idx = [], []
    for block, a, b in zip(X.to_delayed().ravel(), bounds[:-1], bounds[1:], strict=True):
        if b == a:
            continue
        try:
            queries, _ = retriever._queries(block.compute())
        except ValueError as exc:
            raise _block_error(exc, int(a), int(b), "X") from exc
        s, i = retriever._search(queries, k)
        sims.append(s)
        idx.append(i)
    return np.vstack(sims), np.vstack(idx)


def to_local(retriever):
    """An in-memory CosineRetriever holding the gathered shards (the same results)."""
    import dask

    from skcontrast.neighbors import _search
    from skcontrast.neighbors._retriever import CosineRetriever

    local = CosineRetriever(**retriever.get_params())
    shards = dask.compute(*retriever._shards)
    rows = np.concatenate([s._items[: s.n_samples_fit_] for s in shards])
    # the attributes in the order fit sets them: the pickle is that of fit on the computed array
    for name in ("n_features_in_", "backend_", "_fit_dtype", "n_samples_fit_", "_n_features_out"):
        setattr(local, name, getattr(retriever, name))
    local._items = _search.pad_items(rows)
    local._fingerprints = None
    local._cache = {}
    local.algorithm_params_ = {}
    local._fit_algorithm = "exact"
    return local
