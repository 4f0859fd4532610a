"""What the training input looks like, for advice that fits it.

``ContrastiveEmbedder.fit`` records :func:`input_kind` of its X (a few cheap
statistics on a sample of rows); when the final training loss sits at its
chance value, :func:`chance_advice` gives the advice for that kind of input:
fingerprints need milder views, near-identical spectra need chemometric
preprocessing, other features a common scale.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: At most this many rows are looked at ...
_MAX_ROWS = 256
#: ... and at most about this many values (fewer rows for very wide input).
_MAX_VALUES = 2**20
#: Columns needed for input to count as spectra.
_SPECTRA_MIN_FEATURES = 20
#: Spectra: the mean step between neighbouring columns is below this fraction of
#: the mean spread of a row's values (about 1.4 for unordered columns).
_SMOOTHNESS = 0.5

_ADVICE = {
    "binary": (
        "The input looks like binary fingerprints: weaken the augmenter (e.g. a lower "
        "BitDropout p, so that two views of a molecule share most of their bits) or "
        "train for more epochs."
    ),
    "spectra": (
        "The input looks like spectra: make rows differ visibly by preprocessing as a "
        "chemometrician would (SNV, a Savitzky-Golay derivative, then column "
        "standardisation, in the same Pipeline), then train longer or weaken the augmenter."
    ),
    "other": (
        "Make rows differ visibly on the scale the augmenter perturbs (e.g. a "
        "StandardScaler before the embedder), weaken the augmenter, or train for more "
        "epochs."
    ),
}


def input_kind(X) -> str:
    """``"binary"``, ``"spectra"`` or ``"other"``: what the rows of X look like.

    Decided on evenly spaced rows (at most 256, fewer for very wide X):

    - "binary" when at least half the columns hold only 0 and 1 (fingerprints;
      for CSR, only the stored values are looked at);
    - "spectra" when X is dense, has at least 20 mostly continuous columns,
      and each row is a smooth curve over them: neighbouring columns differ much
      less than the row's values spread (an ordered axis);
    - "other" otherwise.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)

    Returns
    -------
    str
    """
    n, d = X.shape
    if n == 0 or d == 0:
        return "other"
    n_rows = max(2, min(n, _MAX_ROWS, _MAX_VALUES // d))
    rows = np.unique(np.linspace(0, n - 1, n_rows).astype(np.int64))
    sample = X[rows]
    if sp.issparse(sample):  # implicit zeros are binary: only stored values can differ
        data = sample.data
        non_binary = np.unique(sample.indices[(data != 0) & (data != 1)]).size
        return "binary" if non_binary <= d / 2 else "other"
    sample = np.asarray(sample)
    if ((sample == 0) | (sample == 1)).all(axis=0).sum() >= d / 2:
        return "binary"
    if d >= _SPECTRA_MIN_FEATURES:
        step = np.abs(np.diff(sample, axis=1)).mean(dtype=np.float64)
        centred = sample - sample.mean(axis=1, keepdims=True, dtype=np.float64)
        spread = np.abs(centred).mean(dtype=np.float64)
        if spread > 0 and step < _SMOOTHNESS * spread:
            return "spectra"
    return "other"


def chance_advice(kind: str) -> str:
    """The advice, for input of this kind, when the loss sits at its chance value."""
    return _ADVICE.get(kind, _ADVICE["other"])
