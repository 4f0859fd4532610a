"""Input checks shared by :class:`CosineRetriever` and :mod:`skcontrast.metrics`."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: Rows normalised at a time (bounds the float64 scratch copy).
_NORMALIZE_ROWS = 16_384


def check_finite_rows(X, name: str = "X") -> None:
    """Raise a ValueError naming the first (up to 5) rows holding NaN or infinity.

    ``X`` is a 2-D ndarray or a CSR matrix/array.
    """
    if sp.issparse(X):
        bad = ~np.isfinite(X.data)
        if not bad.any():
            return
        rows_of_data = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        positions = np.flatnonzero(bad)
        rows, cols, vals = rows_of_data[positions], X.indices[positions], X.data[positions]
    else:
        bad = ~np.isfinite(X)
        if not bad.any():
            return
        rows, cols = np.nonzero(bad)
        vals = X[rows, cols]
    bad_rows, first = np.unique(rows, return_index=True)
    shown = ", ".join(f"row {rows[i]} column {cols[i]} = {vals[i]!r}" for i in first[:5])
    raise ValueError(
        f"Input {name} contains NaN or inf in {bad_rows.size} row(s) "
        f"(first: {shown}). Remove or impute these rows before calling."
    )


def normalize_rows(X, start: int = 0, stop: int | None = None, dtype=np.float32) -> np.ndarray:
    """L2-normalised copy of rows ``start:stop`` of X (zero rows stay zero), in ``dtype``.

    Works on a dense array or a CSR matrix (densified ``_NORMALIZE_ROWS`` rows at
    a time). Norms are computed in float64 after scaling each row by its largest
    absolute value, so huge finite values do not overflow.
    """
    stop = X.shape[0] if stop is None else stop
    out = np.empty((stop - start, X.shape[1]), dtype=dtype)
    for s in range(start, stop, _NORMALIZE_ROWS):
        e = min(s + _NORMALIZE_ROWS, stop)
        block = X[s:e]
        block = block.toarray() if sp.issparse(block) else block
        block = np.array(block, dtype=np.float64)  # a copy: X is never modified
        scale = np.abs(block).max(axis=1, initial=0.0)
        scale[scale == 0] = 1.0
        block /= scale[:, None]
        norms = np.linalg.norm(block, axis=1)
        norms[norms == 0] = 1.0
        block /= norms[:, None]
        out[s - start : e - start] = block
    return out
