"""Class labels as integer codes, with errors that name the bad rows."""

from __future__ import annotations

import numpy as np
import pandas as pd


def label_codes(y: np.ndarray, *, input_name: str = "y", item: str = "label") -> np.ndarray:
    """Integer codes 0..n_classes-1 for the 1-D labels ``y`` (int64).

    Missing labels (NaN, None, pandas NA) and labels of mixed types (e.g. ints
    and strings) are a ``ValueError`` rather than a class of their own or a bare
    ``TypeError`` from sorting. ``input_name`` and ``item`` name the argument
    and its values in messages (``"groups"``, ``"group"``).
    """
    missing = np.flatnonzero(pd.isna(y))
    if missing.size:
        raise ValueError(
            f"{input_name} has {missing.size} missing {item}(s) (NaN or None) at rows "
            f"{missing[:5].tolist()}; drop those rows or give them a {item}."
        )
    try:
        return np.unique(y, return_inverse=True)[1].astype(np.int64).reshape(-1)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in y})
        raise ValueError(
            f"{input_name} mixes {item} types {kinds}; use one type for all {item}s."
        ) from None
