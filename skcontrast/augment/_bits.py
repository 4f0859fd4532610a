"""BitDropout: fingerprint bit dropout."""

from __future__ import annotations

from numbers import Real
from typing import ClassVar

import torch

from skcontrast.augment._base import BaseAugmenter
from skcontrast.utils._docstrings import Substitution, _random_state_docstring
from skcontrast.utils._sklearn import Interval


@Substitution(random_state=_random_state_docstring)
class BitDropout(BaseAugmenter):
    """Zero the set bits (or counts) of fingerprints independently with probability p.

    Each entry of the selected columns is kept with probability ``1 - p`` and
    set to 0 otherwise (``b * 1{u > p}``, the lecture's fingerprint dropout);
    zeros stay zeros, so a view never gains a bit. Works on binary and count
    fingerprints alike.

    Parameters
    ----------
    p : float in [0, 1], default=0.02
        Probability that an entry is zeroed.
    columns : None, array-like of int, bool or str, or slice, default=None
        The fingerprint columns (all when None): integer indices, a boolean mask,
        a slice, or names when fitted on a DataFrame. Others are left
        bit-identical.
    %(random_state)s

    Attributes
    ----------
    columns_ : ndarray of shape (n_columns,)
        Indices of the columns subject to dropout.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in fit, when X was a DataFrame.

    See Also
    --------
    ConditionJitter : views of tabular conditions and descriptors.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.augment import BitDropout
    >>> X = np.ones((4, 256), dtype=np.float32)
    >>> view = BitDropout(p=0.1, random_state=0).fit(X).augment(X)
    >>> view.dtype, bool(set(np.unique(view)) <= {0.0, 1.0})
    (dtype('float32'), True)
    >>> bool(0.05 < 1 - view.mean() < 0.15)
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseAugmenter._parameter_constraints,
        "p": [Interval(Real, 0, 1, closed="both")],
    }

    _zero_strength: ClassVar[dict] = {"p": 0.0}

    def __init__(self, *, p=0.02, columns=None, random_state=None):
        self.p = p
        self.columns = columns
        self.random_state = random_state

    def _augment_block(self, X: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.p <= 0:
            return X.clone()
        u = torch.rand(X.shape, generator=generator, device=X.device, dtype=X.dtype)
        return X.masked_fill(u < self.p, 0.0)

    def _augment_block_inplace(self, X: torch.Tensor, generator: torch.Generator) -> None:
        """``_augment_block`` written into X (possibly a view of a batch's columns).

        The same random numbers and the same values: zeroing needs no copy of
        the 2 048 columns of a fingerprint, so a Pipeline writes the view straight
        into its copy of the batch.
        """
        if self.p <= 0:
            return
        u = torch.rand(X.shape, generator=generator, device=X.device, dtype=X.dtype)
        X.masked_fill_(u < self.p, 0.0)
