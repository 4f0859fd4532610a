"""Exact top-k inner-product search kernels, one query chunk at a time.

Every kernel takes L2-normalised float32 items (``n_items``, d) and yields, for
each chunk of at most ``batch_size`` queries, the ``k`` largest similarities in
descending order and their item indices. Only one ``batch_size x n_items``
float32 similarity block is alive at a time.

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
    never returned.
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
        yield _topk_numpy(sims, k, grouped)


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
            vals, idx = _topk_torch(sims, k, grouped)
            vals, idx = vals.cpu().numpy(), idx.cpu().numpy()
        yield vals, idx


# ---------------------------------------------------------------------- faiss


def search_faiss(
    index,
    n_items: int,
    chunks: Iterator[tuple[int, np.ndarray]],
    k: int,
    exclude_self: bool,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """faiss ``IndexFlatIP`` kernel (exact); self is removed from k + 1 results."""
    for start, queries in chunks:
        if not exclude_self:
            vals, idx = index.search(queries, k)
            yield vals, idx.astype(np.int64, copy=False)
            continue
        kk = min(k + 1, n_items)
        vals, idx = index.search(queries, kk)
        b = queries.shape[0]
        keep = idx != (start + np.arange(b))[:, None]
        # A row whose own index was not returned (ties with duplicates, zero
        # rows) keeps its k best others: drop its last, weakest, entry.
        missing = keep.all(axis=1)
        keep[missing, kk - 1] = False
        yield (
            vals[keep].reshape(b, kk - 1)[:, :k],
            idx[keep].reshape(b, kk - 1)[:, :k].astype(np.int64, copy=False),
        )
