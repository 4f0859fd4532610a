"""Row normalisation shared by :class:`CosineRetriever` and :mod:`skcontrast.metrics`."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: Rows normalised at a time (bounds the float64 scratch copy).
_NORMALIZE_ROWS = 16_384


def normalize_rows(X, start: int = 0, stop: int | None = None, dtype=np.float32) -> np.ndarray:
    """L2-normalised copy of rows ``start:stop`` of X (zero rows stay zero), in ``dtype``.

    Works on a dense array or a CSR matrix (densified ``_NORMALIZE_ROWS`` rows at
    a time). Norms are computed in float64 after scaling each row by its largest
    absolute value, so huge finite values do not overflow.

    Every step works row by row on a C-ordered float64 copy, so the sum of
    squares runs along a contiguous row, in an order set by the row length
    alone: a row's result depends neither on the other rows, ``start`` and
    ``stop``, nor on the input's memory layout.
    """
    stop = X.shape[0] if stop is None else stop
    out = np.empty((stop - start, X.shape[1]), dtype=dtype)
    for s in range(start, stop, _NORMALIZE_ROWS):
        e = min(s + _NORMALIZE_ROWS, stop)
        block = X[s:e]
        block = block.toarray() if sp.issparse(block) else block
        block = np.array(block, dtype=np.float64, order="C")  # a copy: X is never modified
        scale = np.abs(block).max(axis=1, initial=0.0)
        scale[scale == 0] = 1.0
        block /= scale[:, None]
        norms = np.linalg.norm(block, axis=1)
        norms[norms == 0] = 1.0
        block /= norms[:, None]
        out[s - start : e - start] = block
    return out
