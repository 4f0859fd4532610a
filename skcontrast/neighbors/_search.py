"""Exact top-k inner-product search kernels, one query chunk at a time.

Every kernel takes L2-normalised float32 items (``n_items``, d) and yields, for
each chunk of at most ``batch_size`` queries, the chunk's queries and the
indices of their ``k`` largest float32 similarities (the candidates). Only one
``batch_size x n_items`` float32 similarity block is alive at a time.

The float32 similarities only select: :func:`rescore` then computes each
candidate pair's similarity in float64 from the two stored float32 rows, in a
fixed order, so the value returned for a (query, item) pair never depends on the
chunk, the backend or the BLAS kernel (whose float32 results do: a GEMM rounds a
row differently depending on which other rows share its block).

Selecting the k largest of a long row is the costly part after the matrix
product (``numpy.argpartition`` walks every element with an int64 index array).
The kernels therefore reduce each row in two exact steps:

1. the row (padded to ``n_pad = GROUP * n_groups`` items) is cut into
   ``n_groups`` strided groups, group j holding items ``j, j + n_groups,
   j + 2 n_groups, ...``, and the maximum of each group is taken. Strided groups
   make this an element-wise maximum of :data:`GROUP` contiguous slices of the
   row, which vectorises well (about 4x faster than reducing 64 consecutive
   items, measured with NumPy);
2. the k groups with the largest maxima are kept, and the k largest elements
   among their ``k * GROUP`` members are the answer.

Step 2 is exact: an element among the k largest of the row lies in a group whose
maximum is at least the k-th largest value, and fewer than k groups can have a
larger maximum, so the k best groups hold a k-best set (ties at the k-th value
may pick any of the tied elements, as every top-k routine does).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from skcontrast.utils._torch import tensor_view

#: Items per group in the two-step top-k selection.
GROUP = 64

#: Extra candidates per query taken from the float32 pass and re-scored in
#: float64, so that float32 near-ties at the k-th place are settled exactly.
MARGIN = 8

#: float64 values of scratch per :func:`rescore` slice (about 3 per pair and feature).
_RESCORE_VALUES = 1 << 19


def _use_groups(n_items: int, k: int) -> bool:
    """Whether the group reduction pays off (many groups compared with k)."""
    return n_items >= 8 * GROUP * k


def pad_items(items: np.ndarray) -> np.ndarray:
    """Zero-pad the rows of ``items`` to a multiple of :data:`GROUP` (C-contiguous)."""
    n_items = items.shape[0]
    n_pad = -(-n_items // GROUP) * GROUP
    if n_pad == n_items:
        return np.ascontiguousarray(items)
    padded = np.zeros((n_pad, items.shape[1]), dtype=items.dtype)
    padded[:n_items] = items
    return padded


# ---------------------------------------------------------------------- numpy


def _topk_rows_numpy(sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (descending) of each row of ``sims`` (may be modified)."""
    n = sims.shape[1]
    if k >= n:
        idx = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    else:
        idx = np.argpartition(sims, n - k, axis=1)[:, n - k :]
    vals = np.take_along_axis(sims, idx, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    return np.take_along_axis(vals, order, axis=1), np.take_along_axis(idx, order, axis=1)


def _topk_numpy(sims: np.ndarray, k: int, grouped: bool) -> tuple[np.ndarray, np.ndarray]:
    if not grouped:
        return _topk_rows_numpy(sims, k)
    b, n_pad = sims.shape
    n_groups = n_pad // GROUP
    gmax = sims.reshape(b, GROUP, n_groups).max(axis=1)
    _, groups = _topk_rows_numpy(gmax, k)
    cand = (groups[:, :, None] + n_groups * np.arange(GROUP)).reshape(b, k * GROUP)
    vals = np.take_along_axis(sims, cand, axis=1)
    top_vals, pos = _topk_rows_numpy(vals, k)
    return top_vals, np.take_along_axis(cand, pos, axis=1)


def search_numpy(
    items: np.ndarray,
    n_items: int,
    chunks: Iterator[tuple[int, np.ndarray]],
    k: int,
    batch_size: int,
    exclude_self: bool,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """NumPy kernel: one sgemm into a reused buffer per chunk, then the top-k.

    ``items`` is padded (:func:`pad_items`) with ``n_items`` real rows;
    ``chunks`` yields ``(start, queries)`` with float32 normalised queries.
    With ``exclude_self`` the query ``start + r`` is item ``start + r`` and is
    never returned. Yields ``(queries, indices)``, indices of shape
    ``(len(queries), k)``, for :func:`rescore`.
    """
    n_pad = items.shape[0]
    grouped = _use_groups(n_items, k)
    width = n_pad if grouped else n_items
    buf = None
    items_t = items[:width].T
    for start, queries in chunks:
        b = queries.shape[0]
        if buf is None or buf.shape[0] < b:
            buf = np.empty((b, width), dtype=np.float32)
        sims = buf[:b]
        np.matmul(queries, items_t, out=sims)
        if width > n_items:
            sims[:, n_items:] = -np.inf
        if exclude_self:
            rows = np.arange(b)
            sims[rows, start + rows] = -np.inf
        yield queries, _topk_numpy(sims, k, grouped)[1]


# ---------------------------------------------------------------------- torch


def _topk_torch(sims, k: int, grouped: bool):
    import torch

    if not grouped:
        return torch.topk(sims, k, dim=1, sorted=True)
    b, n_pad = sims.shape
    n_groups = n_pad // GROUP
    gmax = sims.view(b, GROUP, n_groups).amax(dim=1)
    groups = torch.topk(gmax, k, dim=1, sorted=False).indices
    offsets = n_groups * torch.arange(GROUP, device=sims.device)
    cand = (groups.unsqueeze(2) + offsets).reshape(b, k * GROUP)
    vals = torch.gather(sims, 1, cand)
    top_vals, pos = torch.topk(vals, k, dim=1, sorted=True)
    return top_vals, torch.gather(cand, 1, pos)


def search_torch(
    items: np.ndarray,
    n_items: int,
    chunks: Iterator[tuple[int, np.ndarray]],
    k: int,
    batch_size: int,
    exclude_self: bool,
    device,
    items_tensor=None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Torch kernel (same steps as :func:`search_numpy`) on ``device``.

    ``items_tensor`` is the padded item matrix already on ``device`` (on the CPU
    it shares memory with ``items``).
    """
    import torch

    grouped = _use_groups(n_items, k)
    width = items.shape[0] if grouped else n_items
    if items_tensor is None:
        items_tensor = tensor_view(items).to(device)
    items_t = items_tensor[:width].T
    buf = None
    for start, queries in chunks:
        with torch.inference_mode():
            b = queries.shape[0]
            q = tensor_view(queries).to(device)
            if buf is None or buf.shape[0] < b:
                buf = torch.empty((b, width), dtype=torch.float32, device=device)
            sims = buf[:b]
            torch.mm(q, items_t, out=sims)
            if width > n_items:
                sims[:, n_items:] = -torch.inf
            if exclude_self:
                rows = torch.arange(b, device=device)
                sims[rows, start + rows] = -torch.inf
            idx = _topk_torch(sims, k, grouped)[1].cpu().numpy()
        yield queries, idx


# ---------------------------------------------------------------------- faiss


def search_faiss(
    index,
    n_items: int,
    chunks: Iterator[tuple[int, np.ndarray]],
    k: int,
    exclude_self: bool,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """faiss ``IndexFlatIP`` kernel; self is removed from k + 1 results."""
    for start, queries in chunks:
        if not exclude_self:
            yield queries, index.search(queries, k)[1]
            continue
        kk = min(k + 1, n_items)
        idx = index.search(queries, kk)[1]
        b = queries.shape[0]
        keep = idx != (start + np.arange(b))[:, None]
        # A row whose own index was not returned (ties with duplicates, zero
        # rows) keeps its k best others: drop its last, weakest, entry.
        missing = keep.all(axis=1)
        keep[missing, kk - 1] = False
        yield queries, idx[keep].reshape(b, kk - 1)[:, :k]


# ---------------------------------------------------------------------- re-scoring


def _sum_over_features(terms: np.ndarray) -> np.ndarray:
    """Sum ``terms`` (n_features, ...) over axis 0, strictly in feature order.

    An explicit loop of element-wise additions: each output value is
    ``((t0 + t1) + t2) + ...`` whatever the array's size, layout or alignment
    (a NumPy reduction may switch between pairwise and sequential sums).
    """
    acc = terms[0].copy()
    for term in terms[1:]:
        acc += term
    return acc


def rescore(
    queries: np.ndarray, items: np.ndarray, candidates: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Float64 cosine similarities of candidate pairs; the best ``k`` of each row.

    Parameters
    ----------
    queries : ndarray of shape (n_queries, n_features), float32
        Normalised query rows.
    items : ndarray of shape (n_items, n_features), float32
        Normalised item rows.
    candidates : ndarray of shape (n_queries, n_candidates), int
        Item indices to score for each query, ``n_candidates >= k``.
    k : int
        Pairs kept per query.

    Returns
    -------
    similarities : ndarray of shape (n_queries, k), float64
        In [-1, 1], descending; ties are ordered by the smaller item index.
    indices : ndarray of shape (n_queries, k), int64

    Notes
    -----
    A product of two float32 numbers is exact in float64, and the products are
    summed in feature order (:func:`_sum_over_features`), so each similarity
    ``dot / sqrt(qq * xx)`` is a function of the two rows only. ``qq`` and ``xx``
    are summed the same way, so a row paired with an exact copy of itself gives
    ``dot == qq == xx`` and, as ``sqrt(fl(a * a)) == a`` in IEEE arithmetic,
    similarity exactly 1. A zero row has similarity 0.
    """
    b, c = candidates.shape
    d = queries.shape[1]
    sims = np.empty((b, c))
    step = max(1, _RESCORE_VALUES // ((3 * c + 1) * d))
    for s in range(0, b, step):
        e = min(s + step, b)
        # features first (the sum runs over axis 0), float64 (the products are exact)
        q = queries[s:e].T.astype(np.float64, order="C")  # (d, rows)
        x = items[candidates[s:e].T].transpose(2, 0, 1).astype(np.float64, order="C")
        terms = np.empty((d, 2 * c + 1, e - s))  # q*x | x*x | q*q, x: (d, c, rows)
        np.multiply(q[:, None, :], x, out=terms[:, :c])
        np.multiply(x, x, out=terms[:, c : 2 * c])
        np.multiply(q, q, out=terms[:, 2 * c])
        sums = _sum_over_features(terms)
        dot, xx, qq = sums[:c], sums[c : 2 * c], sums[2 * c]
        norm = np.sqrt(qq * xx)
        block = np.divide(dot, norm, out=np.zeros_like(dot), where=norm > 0)
        sims[s:e] = np.clip(block, -1.0, 1.0).T
    candidates = candidates.astype(np.int64, copy=False)
    order = np.lexsort((candidates, -sims), axis=1)[:, :k]
    return np.take_along_axis(sims, order, axis=1), np.take_along_axis(candidates, order, axis=1)
