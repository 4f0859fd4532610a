"""The chance-level warning: the chance value of an epoch, and advice that fits the input.

:func:`chance_level` is the chance value of an epoch's ``train_loss``, from the
loss's :meth:`~skcontrast.losses.ContrastiveLoss.chance_value` for each batch.
``ContrastiveEmbedder.fit`` records :func:`input_kind` of its X (a few cheap
statistics on a sample of rows); when the final training loss sits at its
chance value, :func:`chance_advice` gives the advice for that kind of input and
the fitted augmenter: fingerprints need milder views, raw spectra chemometric
preprocessing, other features a common scale.
"""

from __future__ import annotations

import collections
import math

import numpy as np
import scipy.sparse as sp

from skcontrast.augment import BitDropout
from skcontrast.augment._views import _flatten

#: At most this many rows are looked at ...
_MAX_ROWS = 256
#: ... and at most about this many values (fewer rows for very wide input).
_MAX_VALUES = 2**20
#: Columns needed for input to count as fingerprints: a few 0/1 columns are
#: one-hot categories (a solvent, a catalyst) beside conditions, not fingerprints.
_BINARY_MIN_FEATURES = 32
#: Columns needed for input to count as spectra.
_SPECTRA_MIN_FEATURES = 20
#: Spectra: the mean step between neighbouring columns is below this fraction of
#: the mean spread of a row's values (about 1.4 for unordered columns).
_SMOOTHNESS = 0.5
#: SNV'd rows: every sampled row has |mean| and |std - 1| below this.
_ROW_TOLERANCE = 0.05
#: Standardised columns: the mean over the columns of |mean| and of |std - 1|
#: is below this (the sample holds only some of the rows).
_COLUMN_TOLERANCE = 0.25


_BITDROPOUT_ADVICE = (
    "The augmenter drops fingerprint bits: weaken it (a lower BitDropout p, so that "
    "two views of a molecule share most of their bits) or train for more epochs."
)
_ADVICE = {
    "binary": (
        "The input looks like binary fingerprints: weaken the augmenter or train for "
        "more epochs; for fingerprints, BitDropout with a small p (augmenter="
        "BitDropout(p=0.02): two views of a molecule share most of their bits) is the "
        "usual augmenter."
    ),
    "spectra": (
        "The input looks like spectra. If they are not yet preprocessed, make rows "
        "differ visibly as a chemometrician would (SNV, a Savitzky-Golay derivative, "
        "then column standardisation, in the same Pipeline); if they are, weaken the "
        "augmenter or train for more epochs."
    ),
    "scaled_spectra": (
        "The input looks like spectra that are already scaled (SNV'd rows or "
        "standardised columns): weaken the augmenter or train for more epochs (if "
        "only the columns were standardised, SNV and a Savitzky-Golay derivative "
        "before the scaling may still help)."
    ),
    "other": (
        "Make rows differ visibly on the scale the augmenter perturbs (e.g. a "
        "StandardScaler before the embedder), weaken the augmenter, or train for more "
        "epochs."
    ),
}


def input_kind(X) -> str:
    """What the rows of X look like: "binary", "spectra", "scaled_spectra" or "other".

    Decided on evenly spaced rows (at most 256, fewer for very wide X):

    - "binary" when X has at least 32 columns and at least half of them hold
      only 0 and 1 (fingerprints; for CSR, only the stored values are looked
      at). A few 0/1 columns (one-hot categories beside reaction conditions)
      are not fingerprints;
    - "spectra" when X is dense, has at least 20 columns, and each row is a
      smooth curve over them: neighbouring columns differ much less than the
      row's values spread (an ordered axis); "scaled_spectra" when, besides,
      each row has mean 0 and standard deviation 1 (SNV) or each column has
      (standardised);
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
        return "binary" if d >= _BINARY_MIN_FEATURES and non_binary <= d / 2 else "other"
    sample = np.asarray(sample, dtype=np.float64)
    if d >= _BINARY_MIN_FEATURES and ((sample == 0) | (sample == 1)).all(axis=0).sum() >= d / 2:
        return "binary"
    if d >= _SPECTRA_MIN_FEATURES:
        step = np.abs(np.diff(sample, axis=1)).mean()
        row_mean = sample.mean(axis=1, keepdims=True)
        spread = np.abs(sample - row_mean).mean()
        if spread > 0 and step < _SMOOTHNESS * spread:
            return "scaled_spectra" if _is_scaled(sample, row_mean) else "spectra"
    return "other"


def _is_scaled(sample: np.ndarray, row_mean: np.ndarray) -> bool:
    """Whether the rows are SNV'd or the columns standardised (to a tolerance)."""
    rows_snv = (np.abs(row_mean) < _ROW_TOLERANCE).all() and (
        np.abs(sample.std(axis=1) - 1) < _ROW_TOLERANCE
    ).all()
    if rows_snv:
        return True
    if sample.shape[0] < 3:
        return False
    column_mean = np.abs(sample.mean(axis=0)).mean()
    column_std = np.abs(sample.std(axis=0) - 1).mean()
    return bool(column_mean < _COLUMN_TOLERANCE and column_std < _COLUMN_TOLERANCE)


def _has_bit_dropout(augmenter) -> bool:
    if augmenter is None:
        return False
    try:
        steps = _flatten(augmenter)
    except ValueError:  # not a chain of augmenters: no BitDropout step of ours
        return False
    return any(isinstance(step, BitDropout) for step in steps)


def chance_advice(kind: str, augmenter=None) -> str:
    """The advice when the loss sits at its chance value.

    Parameters
    ----------
    kind : str
        :func:`input_kind` of the training X.
    augmenter : transformer or None, default=None
        The fitted augmenter. When it holds a :class:`~skcontrast.augment.BitDropout`
        step, the advice is to lower its ``p`` (whatever ``kind`` says).

    Returns
    -------
    str
    """
    if _has_bit_dropout(augmenter):
        return _BITDROPOUT_ADVICE
    return _ADVICE.get(kind, _ADVICE["other"])


def last_batch_sizes(history) -> list[int]:
    """The training batch sizes of the last epoch (skorch's ``batches``), or []."""
    try:
        batches = history[-1, "batches"]
        return [int(b["train_batch_size"]) for b in batches if "train_batch_size" in b]
    except (KeyError, IndexError, TypeError):
        return []


def weighted_reference(loss, sizes: list[int], method: str = "chance_value") -> float | None:
    """``loss.<method>(b)`` averaged over the batch sizes b, weighted by b as train_loss is.

    ``method`` is ``"chance_value"`` or ``"lower_bound"``. None when there are
    no batches, a batch has fewer than 2 rows, or the loss has no such value
    for one of the sizes.
    """
    get = getattr(loss, method, None)
    if not sizes or min(sizes) < 2 or get is None:
        return None
    values = {b: get(b) for b in sorted(set(sizes))}
    if any(value is None for value in values.values()):
        return None
    return float(np.average([values[b] for b in sizes], weights=sizes))


def chance_level(loss, sizes: list[int]) -> tuple[float | None, str]:
    """The chance value of an epoch's train_loss, and how it was computed.

    skorch's ``train_loss`` is the mean of the batch losses weighted by batch
    size, so the chance value is the same weighted mean of
    ``loss.chance_value(b)`` over the epoch's batch sizes b: for NT-Xent
    ``log(2b - 1)`` (one positive among 2b - 1 candidates), for InfoNCE
    ``log(b)``.

    Parameters
    ----------
    loss : ContrastiveLoss
        The loss the net trained with.
    sizes : list of int
        The sizes of the epoch's training batches.

    Returns
    -------
    chance : float or None
        None when there were no batches or the loss has no chance value for
        one of their sizes (``chance_value`` returns None, as SupCon's does).
    how : str
        The formula and the batches, for the warning.
    """
    chance = weighted_reference(loss, sizes, "chance_value")
    if chance is None:
        return None, ""
    values = {b: loss.chance_value(b) for b in sorted(set(sizes))}
    formula = getattr(loss, "chance_formula", None) or (
        f"{type(loss).__qualname__}.chance_value(b)"
    )
    counts = sorted(collections.Counter(sizes).items(), reverse=True)
    if len(counts) == 1:
        b = sizes[0]
        value = _as_log(values[b])
        return chance, f"{formula} = {value} for batches of b = {b} rows"
    parts = " and ".join(", ".join(f"{n} x {b}" for b, n in counts).rsplit(", ", 1))
    return chance, (
        f"{formula} for a batch of b rows, averaged over the last epoch's batches, "
        f"{parts} rows, weighted by b as train_loss is"
    )


def _as_log(value: float) -> str:
    """``"log(127)"`` when ``value`` is the log of an integer, else ``"4.8442"``."""
    argument = round(math.exp(value)) if value < 50 else 0
    if argument >= 1 and math.isclose(math.log(argument), value, rel_tol=0, abs_tol=1e-9):
        return f"log({argument})"
    return f"{value:.4f}"
