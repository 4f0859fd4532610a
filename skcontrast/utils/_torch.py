"""NumPy -> torch without a copy, for arrays that are only read."""

from __future__ import annotations

import warnings

import numpy as np


def tensor_view(array: np.ndarray):
    """``torch.from_numpy(array)`` that also takes read-only arrays (memory maps).

    skcontrast only reads these tensors, so sharing a read-only buffer is safe;
    torch would otherwise warn that writing through the tensor is undefined.
    torch is imported here, not at module level, so that importing skcontrast
    stays light.
    """
    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(array)
