"""Exact Tanimoto (Jaccard) top-k search for binary and count fingerprints.

The Tanimoto similarity of two rows of non-negative integers ``a`` and ``b`` is

    T(a, b) = sum_j min(a_j, b_j) / (sum_j a_j + sum_j b_j - sum_j min(a_j, b_j)),

and 0 when the denominator is 0 (two all-zero rows). On 0/1 rows it is the
bit-vector form ``|a & b| / (|a| + |b| - |a & b|)``. It is RDKit's definition:
``DataStructs.TanimotoSimilarity`` on ``ExplicitBitVect`` (``BitOps.cpp``) and
on ``SparseIntVect`` count vectors, ``TverskySimilarity(v1, v2, 1, 1)`` in
``SparseIntVect.h`` (``andSum`` = sum of the minima; 0 when the denominator is
0). The numerator and the two sums are integers computed exactly, and the
similarity is their float64 quotient, the same correctly rounded double as
RDKit's ``andSum / denom``.

**Sum of minima as a product.** For one column with the distinct non-zero
values ``v_1 < ... < v_m`` among the items (the column's *levels*),

    min(a, b) = sum_t clip(a - v_{t-1}, 0, v_t - v_{t-1}) [b >= v_t]     (v_0 = 0)

for any query value ``a >= 0`` and any item value ``b`` of that column (``b``
is a level or 0: the terms up to ``b`` add up to ``min(a, b)``). Expanding
each item row into the 0/1 indicators ``[b >= v_t]`` (one per level up to its
value) and each query row into the weights ``clip(...)`` (the full step on
every level up to ``a``, the rest of ``a`` on the next level) turns the sum of
minima into a sparse-query times item-matrix product, with one level per
column for bits (the product is then the common-bit count). Every term is an integer and every
partial sum at most the item's total, so the product is exact in float32 when
the items' totals are at most ``2**24`` (0/1 fingerprints of up to 16 million
bits) and in float64 up to ``2**53``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from skcontrast.utils._sklearn import validate_data
from skcontrast.utils._validation import _report, check_finite

#: Largest stored value and row total accepted: float64 sums stay exact below 2**53.
MAX_TOTAL = 2**52

#: Largest item total for which the float32 product is exact.
_FLOAT32_EXACT = 2**24

#: Item matrices of at most this many bytes are stored dense (faster product).
DENSE_BYTES = 1 << 30

#: float64 similarities per chunk of queries (32 MiB): bounds the chunk's rows.
CHUNK_VALUES = 1 << 22


def check_counts(estimator, X, *, reset: bool, input_name: str = "X") -> sp.csr_array:
    """Validate fingerprints for Tanimoto: a CSR array of non-negative int64 counts.

    Parameters
    ----------
    estimator : estimator
        ``validate_data`` checks the number of features and their names against
        the fit (``reset=False``) or records them (``reset=True``).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Bits (0/1, bool) or counts, of any numeric dtype.
    reset : bool
        Passed to ``validate_data``.
    input_name : str, default="X"
        The argument's name in messages.

    Returns
    -------
    csr_array of shape (n_samples, n_features), int64
        Canonical: sorted indices, no duplicates, no stored zeros. X is never
        modified.

    Raises
    ------
    ValueError
        For NaN or infinity (as :func:`~skcontrast.utils._validation.check_finite`),
        and for a negative value, a value that is not an integer, or one above
        ``2**52``: the message names the column (and its name when known), the
        first rows and their values. Also when a row's total exceeds ``2**52``,
        and for everything scikit-learn's validation raises.
    """
    X = validate_data(
        estimator,
        X,
        reset=reset,
        accept_sparse="csr",
        dtype="numeric",
        ensure_all_finite=False,
    )
    if X.dtype == bool:
        X = X.astype(np.uint8)
    names = getattr(estimator, "feature_names_in_", None)
    is_float = X.dtype.kind == "f"
    if is_float:
        check_finite(X, feature_names=names, input_name=input_name)

    def bad(values):
        out = values < 0
        if is_float:
            out |= (values != np.floor(values)) | (values > MAX_TOTAL)
        elif values.dtype.itemsize == 8:  # (u)int64 beyond 2**52
            out |= values > MAX_TOTAL
        return out

    values = X.data if sp.issparse(X) else X
    if values.size and bad(values).any():
        _, column, clause = _report(X, bad, feature_names=names)
        raise ValueError(
            f"Input {input_name} must hold fingerprints, non-negative integers (0/1 bits or "
            f"counts) with metric='tanimoto'; found a value that is negative, not an "
            f"integer or above 2**52 in {column} {clause}. Pass the bits or counts "
            "themselves (MorganFeaturizer output), or use metric='cosine' for real-valued features."
        )
    counts = sp.csr_array(X, dtype=np.int64, copy=True)
    counts.sum_duplicates()
    counts.eliminate_zeros()
    totals = row_totals(counts)
    if totals.size and totals.max() > MAX_TOTAL:
        rows = np.flatnonzero(totals > MAX_TOTAL)
        shown = [int(r) for r in rows[:5]]
        raise ValueError(
            f"Input {input_name} has rows whose counts add up to more than 2**52 with "
            f"metric='tanimoto' (row(s) {shown}, totals {[int(totals[r]) for r in shown]}; "
            f"{rows.size} in all): their sums would no longer be exact in float64."
        )
    return counts


def row_totals(counts: sp.csr_array) -> np.ndarray:
    """int64 sum of each row of a canonical CSR array (exact)."""
    totals = np.zeros(counts.shape[0], dtype=np.int64)
    nonempty = np.flatnonzero(np.diff(counts.indptr))
    if nonempty.size:
        totals[nonempty] = np.add.reduceat(counts.data, counts.indptr[nonempty])
    return totals


class TanimotoIndex:
    """The fitted items, expanded into levels, for exact Tanimoto searches.

    Built from the canonical int64 CSR items of :func:`check_counts`; derived
    data only (it is rebuilt from the items, never pickled by the retriever).

    Attributes
    ----------
    totals : ndarray of shape (n_items,), int64
        Each item's sum of counts (number of on bits).
    item_matrix : ndarray or csr_array of shape (n_levels, n_items)
        ``[b >= v_t]`` per level ``t`` and item: float32 when every item total
        is at most ``2**24``, else float64; dense when it fits in
        :data:`DENSE_BYTES`, else CSR.
    """

    def __init__(self, items: sp.csr_array):
        n_items, n_features = items.shape
        self.n_items = n_items
        self.n_features = n_features
        self.totals = row_totals(items)
        rows = np.repeat(np.arange(n_items), np.diff(items.indptr))
        cols = items.indices.astype(np.int64)
        vals = items.data

        # distinct (column, value) pairs, sorted by column then value: the levels
        order = np.lexsort((vals, cols))
        c_sorted, v_sorted = cols[order], vals[order]
        new = np.ones(order.size, dtype=bool)
        new[1:] = (c_sorted[1:] != c_sorted[:-1]) | (v_sorted[1:] != v_sorted[:-1])
        level_of = np.empty(order.size, dtype=np.int64)
        level_of[order] = np.cumsum(new) - 1
        self.level_cols = c_sorted[new]
        self.level_vals = v_sorted[new]
        n_levels = self.level_cols.size
        self.col_start = np.searchsorted(self.level_cols, np.arange(n_features + 1))
        previous = np.zeros(n_levels, dtype=np.int64)
        same_col = np.zeros(n_levels, dtype=bool)
        same_col[1:] = self.level_cols[1:] == self.level_cols[:-1]
        previous[1:][same_col[1:]] = self.level_vals[:-1][same_col[1:]]
        self.level_weights = self.level_vals - previous
        # levels as one sorted int64 key (column, rank of the value among all levels)
        self.values = np.unique(self.level_vals)
        self._stride = self.values.size + 1
        self.level_keys = self.level_cols * self._stride + np.searchsorted(
            self.values, self.level_vals, side="right"
        )

        # items: indicator of every level of the column up to the stored value
        first = self.col_start[cols]
        lengths = level_of - first + 1
        levels = _ranges(first, lengths)
        item_of = np.repeat(rows, lengths)
        exact32 = self.totals.size == 0 or self.totals.max() <= _FLOAT32_EXACT
        self.dtype = np.float32 if exact32 else np.float64
        if n_levels * n_items * np.dtype(self.dtype).itemsize <= DENSE_BYTES:
            matrix = np.zeros((n_levels, n_items), dtype=self.dtype)
            matrix[levels, item_of] = 1
        else:
            matrix = sp.csr_array(
                (np.ones(levels.size, dtype=self.dtype), (levels, item_of)),
                shape=(n_levels, n_items),
            )
        self.item_matrix = matrix

    def expand_queries(self, queries: sp.csr_array) -> sp.csr_array:
        """Query rows as level weights ``clip(a - v_{t-1}, 0, v_t - v_{t-1})``, (n, n_levels).

        A query value ``a`` gets the full weight ``v_t - v_{t-1}`` on every
        level ``v_t <= a`` of its column and the partial weight ``a - v_{t-1}``
        on the next level, if any, so that the weights times ``[b >= v_t]`` add
        up to ``min(a, b)`` for every item value ``b`` of the column.
        """
        n = queries.shape[0]
        rows = np.repeat(np.arange(n), np.diff(queries.indptr))
        cols = queries.indices.astype(np.int64)
        values = queries.data
        ranks = np.searchsorted(self.values, values, side="right")
        # the levels of the column up to the query's value: [first, end)
        end = np.searchsorted(self.level_keys, cols * self._stride + ranks, side="right")
        first, stop = self.col_start[cols], self.col_start[cols + 1]
        lengths = np.maximum(end - first, 0)
        levels = _ranges(first, lengths)
        weights = self.level_weights[levels]
        # the next level, partially: a - v_{t-1} (v_{t-1} < a < v_t)
        partial = np.flatnonzero(end < stop)
        below = np.where(end[partial] > first[partial], self.level_vals[end[partial] - 1], 0)
        strict = values[partial] > below  # a equal to a level needs no partial step
        partial, below = partial[strict], below[strict]
        return sp.csr_array(
            (
                np.concatenate([weights, values[partial] - below]).astype(self.dtype),
                (
                    np.concatenate([np.repeat(rows, lengths), rows[partial]]),
                    np.concatenate([levels, end[partial]]),
                ),
            ),
            shape=(n, self.level_cols.size),
        )

    def similarities(self, queries: sp.csr_array) -> np.ndarray:
        """Tanimoto similarities of canonical int64 CSR queries to every item.

        Returns
        -------
        ndarray of shape (n_queries, n_items), float64
            ``common / (|a| + |b| - common)`` with ``common`` the exact sum of
            minima; 0 where both rows are zero.
        """
        common = self.expand_queries(queries) @ self.item_matrix
        if sp.issparse(common):
            common = common.toarray()
        common = np.asarray(common, dtype=np.float64)  # exact integers
        denom = row_totals(queries).astype(np.float64)[:, None] + self.totals.astype(np.float64)
        denom -= common  # exact: integers below 2**53
        np.divide(common, denom, out=common, where=denom > 0)  # common is 0 where denom is 0
        return common


def _ranges(first: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(first[i], first[i] + lengths[i])`` over i."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    offsets = np.arange(total) - np.repeat(ends - lengths, lengths)
    return np.repeat(first, lengths) + offsets


def top_k(sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest of each row, descending, ties by the smaller column (exact).

    ``sims`` (float64, modified only where the caller put ``-inf``) has at least
    k columns. The k-th largest value ``T`` of each row is found by partition;
    the row keeps every value above ``T`` and, of the values equal to ``T``,
    those with the smallest columns, so any number of ties is resolved by index.
    """
    b, n = sims.shape
    kth = np.partition(sims, n - k, axis=1)[:, n - k] if k < n else sims.min(axis=1)
    keep = sims >= kth[:, None]
    surplus = np.flatnonzero(keep.sum(axis=1) > k)
    if surplus.size:  # ties at the k-th value: keep the smallest columns among them
        s = sims[surplus]
        above, tied = s > kth[surplus, None], s == kth[surplus, None]
        need = k - above.sum(axis=1)
        keep[surplus] = above | (tied & (np.cumsum(tied, axis=1) <= need[:, None]))
    rows, cols = np.nonzero(keep)  # k per row, row-major
    cols = cols.reshape(b, k)
    vals = sims[rows, cols.ravel()].reshape(b, k)
    order = np.lexsort((cols, -vals), axis=1)
    return np.take_along_axis(vals, order, axis=1), np.take_along_axis(cols, order, axis=1)


def search(
    index: TanimotoIndex,
    queries: sp.csr_array,
    k: int,
    batch_size: int,
    exclude_self: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k Tanimoto neighbours of each query, ``batch_size`` queries at a time.

    A chunk holds at most ``CHUNK_VALUES // n_items`` queries (at least one),
    so its float64 similarity block stays within 32 MiB; chunks only bound the
    memory, each query's result is a function of the query and the items.

    With ``exclude_self`` the queries are the items and query ``i`` never gets
    item ``i``. Returns float64 similarities (descending, ties by the smaller
    index) and int64 indices, each of shape ``(n_queries, k)``.
    """
    n = queries.shape[0]
    batch_size = max(1, min(batch_size, CHUNK_VALUES // max(index.n_items, 1)))
    sims_out = np.empty((n, k))
    idx_out = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        sims = index.similarities(queries[start:stop])
        if exclude_self:
            rows = np.arange(stop - start)
            sims[rows, start + rows] = -np.inf
        sims_out[start:stop], idx_out[start:stop] = top_k(sims, k)
    return sims_out, idx_out
