"""Class labels as integer codes, with errors that name the bad rows."""

from __future__ import annotations

import numpy as np
import pandas as pd


def label_codes(y: np.ndarray) -> np.ndarray:
    """Integer codes 0..n_classes-1 for the 1-D labels ``y`` (int64).

    Missing labels (NaN, None, pandas NA) and labels of mixed types (e.g. ints
    and strings) are a ``ValueError`` rather than a class of their own or a bare
    ``TypeError`` from sorting.
    """
    missing = np.flatnonzero(pd.isna(y))
    if missing.size:
        raise ValueError(
            f"y has {missing.size} missing label(s) (NaN or None) at rows "
            f"{missing[:5].tolist()}; drop those rows or give them a label."
        )
    try:
        return np.unique(y, return_inverse=True)[1].astype(np.int64).reshape(-1)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in y})
        raise ValueError(f"y mixes label types {kinds}; use one type for all labels.") from None
