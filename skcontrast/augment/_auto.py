"""AutoAugmenter: views chosen from the data, the default of ContrastiveEmbedder.

``fit(X)`` sorts the columns of X into three kinds with a few cheap, deterministic
statistics (:func:`column_kinds`) and builds one skcontrast augmenter per kind,
restricted to its columns with ``columns=``:

- **fingerprint bits** -> :class:`BitDropout`;
- **spectra** (a wide block of smoothly varying ordered columns) ->
  :class:`SpectrumAugmenter` in units relative to each spectrum's spread;
- **other continuous columns** -> :class:`ConditionJitter` in units of each
  column's standard deviation.

Several kinds give a Pipeline of these augmenters (as ``examples/mof`` writes
by hand). ``ContrastiveEmbedder(augmenter="auto")`` uses the views an
``AutoAugmenter()`` chooses from its training X.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import make_pipeline

from skcontrast.augment._base import _IdentityAtInference, _like
from skcontrast.augment._bits import BitDropout
from skcontrast.augment._conditions import ConditionJitter
from skcontrast.augment._spectra import SpectrumAugmenter
from skcontrast.augment._views import augment_tensor_with, fit_views, make_views
from skcontrast.utils._docstrings import Substitution, _random_state_docstring
from skcontrast.utils._random import check_generator, draw_seed
from skcontrast.utils._sklearn import Interval, _fit_context, check_is_fitted
from skcontrast.utils._validation import validate_float

#: The statistics are computed on at most this many evenly spaced rows ...
_MAX_ROWS = 10_000
#: ... and at most about this many values (fewer rows for very wide X).
_MAX_VALUES = 2**22
#: 0/1 columns count as fingerprint bits only when X has at least this many:
#: a few 0/1 columns are one-hot categories (a solvent, a catalyst), jittered.
MIN_BITS = 32
#: Non-negative integer columns that are not 0/1 (count fingerprints) count as
#: fingerprint columns only when X has at least this many 0/1-or-count
#: columns: wider than any descriptor set (RDKit's full list has about 210),
#: whose counts (ring counts, donors) are jittered, not dropped.
MIN_COUNT_FINGERPRINT = 512
#: The kinds :func:`column_kinds` returns.
KINDS = ("bits", "spectrum", "continuous")


def column_kinds(
    X, *, min_width: int = 50, min_correlation: float = 0.5
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Sort the columns of X into fingerprint bits, spectra and other continuous columns.

    The rules, on at most 10 000 evenly spaced rows (fewer for very wide X:
    at most about 4 million values), so that the same X always gives the same
    answer:

    1. **spectrum**: in a dense X (at least 3 rows), two neighbouring columns
       ``j`` and ``j + 1`` are *linked* when the Pearson correlation of their
       values across the rows is at least ``min_correlation`` (a smooth curve
       over an ordered axis: neighbouring wavelengths rise and fall together).
       A column constant over the rows links to nothing by itself, but a run
       of at most ``min_width`` constant columns (a dark region, a masked or
       saturated channel) between two linked pairs is bridged: it stays inside
       the spectrum, so that one spectrum is not split in two with
       independent baselines. A longer constant run, or one at an end of the
       axis, is not. A maximal run of linked columns that holds at least
       ``min_width`` non-constant columns is one spectrum block. Column
       standardisation and Savitzky-Golay derivatives keep neighbouring
       columns correlated, so preprocessed spectra count too; so do spectra
       of integer counts (binned mass spectra, XRD, CCD counts), which rule
       2 would otherwise take for count fingerprints.
    2. **bits**: among the columns outside spectrum blocks, those whose
       values are all 0 or 1 (constant columns of zeros included), when
       there are at least 32 of them; and, when there are at least 512
       columns that are 0/1 or non-negative integers zero in at least half
       the rows, those integer columns too (count fingerprints: most
       substructures are absent from most molecules). An integer column that
       is mostly nonzero (a temperature in °C, a time in h) stays continuous.
       For a CSR X only the stored values are looked at (the implicit zeros
       are 0), and no spectrum is looked for.
    3. **continuous**: every other column.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Finite values (validated by the caller).
    min_width : int, default=50
        Fewest non-constant columns of a spectrum block, and the longest run
        of constant columns bridged inside one.
    min_correlation : float, default=0.5
        Smallest correlation between neighbouring columns of a spectrum block.
        0.5, not higher: a Savitzky-Golay first derivative (window 15, order
        2) of white noise has a lag-1 correlation of 0.8, and 0.7-0.8 was
        the floor on the fermentation spectra; unordered columns pass it by
        chance with probability at most 1/3 each (3 rows), so 49 in a row
        (about 1e-23) do not.

    Returns
    -------
    kinds : ndarray of str of shape (n_features,)
        ``"bits"``, ``"spectrum"`` or ``"continuous"`` for each column.
    blocks : list of (start, stop) pairs
        The spectrum blocks, as column ranges ``start:stop``, in order.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.augment import column_kinds
    >>> rng = np.random.default_rng(0)
    >>> axis = np.linspace(0, 1, 100)
    >>> spectra = np.sin(6 * axis + rng.uniform(0, 3, (20, 1)))
    >>> bits = rng.integers(0, 2, (20, 64)).astype(float)
    >>> X = np.hstack([rng.normal(size=(20, 3)), spectra, bits])
    >>> kinds, blocks = column_kinds(X)
    >>> [(str(k), int((kinds == k).sum())) for k in ("continuous", "spectrum", "bits")]
    [('continuous', 3), ('spectrum', 100), ('bits', 64)]
    >>> blocks
    [(3, 103)]
    """
    n, d = X.shape
    kinds = np.full(d, "continuous", dtype=object)
    if n == 0 or d == 0:
        return kinds.astype(str), []
    n_rows = max(2, min(n, _MAX_ROWS, _MAX_VALUES // d))
    rows = np.unique(np.linspace(0, n - 1, n_rows).astype(np.int64))
    sample = X[rows]
    blocks: list[tuple[int, int]] = []
    if sp.issparse(sample):
        sample = sp.csr_matrix(sample)
        data, cols = sample.data, sample.indices
        not_binary = np.zeros(d, dtype=bool)
        not_binary[cols[(data != 0) & (data != 1)]] = True
        not_count = np.zeros(d, dtype=bool)
        not_count[cols[(data < 0) | (data != np.round(data))]] = True
        nonzero = np.bincount(cols[data != 0], minlength=d)
    else:
        sample = np.asarray(sample, dtype=np.float64)
        not_binary = ~((sample == 0) | (sample == 1)).all(axis=0)
        not_count = ~((sample >= 0) & (sample == np.round(sample))).all(axis=0)
        nonzero = np.count_nonzero(sample, axis=0)
        if sample.shape[0] >= 3 and d >= min_width:
            blocks = _spectrum_blocks(sample, min_width, min_correlation)
    # the bits and counts rules look only at the columns outside spectrum blocks: an
    # integer-count spectrum (binned MS, XRD, CCD counts) is a spectrum, not counts
    outside = np.ones(d, dtype=bool)
    for start, stop in blocks:
        outside[start:stop] = False
        kinds[start:stop] = "spectrum"
    binary = ~not_binary & outside
    # a count fingerprint's column is mostly zeros (most substructures are absent
    # from most molecules); an integer process column (a temperature in degC, a
    # time in h) is not, and stays continuous beside the bits
    mostly_zero = nonzero <= sample.shape[0] / 2
    count = ~not_count & outside & (mostly_zero | binary)
    if count.sum() >= MIN_COUNT_FINGERPRINT and binary.sum() >= MIN_BITS:
        kinds[count] = "bits"
    elif binary.sum() >= MIN_BITS:
        kinds[binary] = "bits"
    return kinds.astype(str), blocks


def _spectrum_blocks(
    sample: np.ndarray, min_width: int, min_correlation: float
) -> list[tuple[int, int]]:
    """The spectrum blocks of a dense sample (rule 2 of :func:`column_kinds`)."""
    d = sample.shape[1]
    centred = sample - sample.mean(axis=0)
    sq = (centred * centred).sum(axis=0)
    flat = sq == 0  # constant over the sampled rows
    num = (centred[:, :-1] * centred[:, 1:]).sum(axis=0)
    den = np.sqrt(sq[:-1] * sq[1:])
    r = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    linked = (r >= min_correlation) & (den > 0)
    # bridge interior flat runs of at most min_width columns: the links into and
    # out of the run count as linked when the columns on either side are linked
    # to their other neighbours
    j = 0
    while j < d:
        if not flat[j]:
            j += 1
            continue
        start = j
        while j < d and flat[j]:
            j += 1
        # flat columns start..j-1; links start-1 (into the run) .. j-1 (out of it)
        if start >= 2 and j <= d - 2 and j - start <= min_width and linked[start - 2] and linked[j]:
            linked[start - 1 : j] = True
    blocks = []
    j = 0
    while j < d - 1:
        if not linked[j]:
            j += 1
            continue
        start = j
        while j < d - 1 and linked[j]:
            j += 1
        stop = j + 1  # links start..j-1 join columns start..j
        if (~flat[start:stop]).sum() >= min_width:
            blocks.append((start, stop))
    return blocks


def _ranges(idx: np.ndarray) -> str:
    """Column indices as a short text: ``0-3, 7, 10-2057``."""
    if idx.size == 0:
        return ""
    parts, start, prev = [], int(idx[0]), int(idx[0])
    for i in [*idx[1:].tolist(), None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if i is not None:
            start = prev = i
    text = ", ".join(parts[:6])
    return text + (f", ... ({len(parts)} ranges)" if len(parts) > 6 else "")


def _select(idx: np.ndarray, d: int):
    """``columns=`` for these indices: None for all, a slice when consecutive."""
    if idx.size == d:
        return None
    if idx.size and int(idx[-1]) - int(idx[0]) == idx.size - 1:
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


@Substitution(random_state=_random_state_docstring)
class AutoAugmenter(_IdentityAtInference):
    """Views chosen from the data: BitDropout on bits, relative jitter, spectrum views.

    ``fit(X)`` sorts the columns with :func:`column_kinds` and builds one
    augmenter per kind of column found, restricted to those columns:

    - fingerprint bits (0/1 columns, at least 32 of them) ->
      ``BitDropout(p=bit_p)``. The default ``bit_p=0.3`` drops about a third
      of a molecule's set bits per view: on a ChEMBL series (ECFP4, 2 048
      bits) the probe on the embedding was best at p = 0.3 among 0.02-0.5,
      and p = 0.02 (two views nearly identical, an easy task that teaches
      little) was far too weak (issue 13 of skcontrast; SimCLR's finding
      that strong views matter, Chen et al. 2020);
    - each spectrum block (at least ``spectrum_min_width`` neighbouring
      columns that rise and fall together, integer counts included, short
      constant stretches bridged; see :func:`column_kinds`) -> a
      ``SpectrumAugmenter`` in
      units of each spectrum's spread (see :meth:`views_for`);
    - other continuous columns -> ``ConditionJitter(std=jitter_std,
      units="std")``: Gaussian noise of ``jitter_std`` times each column's
      standard deviation seen in fit, so the views mean the same on columns
      in kelvin and in mol/L (0.1, the former default ``std=0.1`` on
      standardised columns).

    Several kinds give a Pipeline of these augmenters, in the order above. The
    chosen views are in ``augmenter_`` (fitted) and described in words in
    ``description_``. Like every augmenter, ``augment`` draws a new view,
    ``transform`` is the identity and ``fit_transform`` returns one view.

    Parameters
    ----------
    bit_p : float in [0, 1], default=0.3
        ``BitDropout`` probability for fingerprint bits.
    jitter_std : float >= 0, default=0.1
        Jitter of continuous columns, in multiples of each column's standard
        deviation.
    spectrum_strength : float >= 0, default=1.0
        A factor on the strengths of the spectrum views (see
        :meth:`views_for`); 0 leaves spectra unchanged.
    spectrum_min_width : int >= 3, default=50
        Fewest neighbouring non-constant columns that make a spectrum block
        (and the longest constant run bridged inside one).
    spectrum_min_correlation : float in [0, 1], default=0.5
        Smallest correlation (across rows) between neighbouring columns of a
        spectrum block.
    %(random_state)s

    Attributes
    ----------
    augmenter_ : augmenter or Pipeline of augmenters
        The chosen views, fitted on X.
    description_ : str
        What was chosen, for which columns, in one line per augmenter.
    column_kinds_ : ndarray of str of shape (n_features_in_,)
        ``"bits"``, ``"spectrum"`` or ``"continuous"`` for each column.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in fit, when X was a DataFrame.

    See Also
    --------
    column_kinds : the rules that sort the columns.
    skcontrast.embed.ContrastiveEmbedder : ``augmenter="auto"`` uses these views.

    Examples
    --------
    Four process columns beside 64 fingerprint bits (the MOF case):

    >>> import numpy as np
    >>> from skcontrast.augment import AutoAugmenter
    >>> rng = np.random.default_rng(0)
    >>> X = np.hstack([rng.normal(100, 20, (30, 4)), rng.integers(0, 2, (30, 64))])
    >>> auto = AutoAugmenter(random_state=0).fit(X)
    >>> print(auto.description_)
    BitDropout(p=0.3) on 64 fingerprint-bit columns (4-67)
    ConditionJitter(std=0.1, units='std') on 4 continuous columns (0-3)
    >>> auto.augment(X).shape
    (30, 68)
    """

    _parameter_constraints: ClassVar[dict] = {
        "bit_p": [Interval(Real, 0, 1, closed="both")],
        "jitter_std": [Interval(Real, 0, None, closed="left")],
        "spectrum_strength": [Interval(Real, 0, None, closed="left")],
        "spectrum_min_width": [Interval(Integral, 3, None, closed="left")],
        "spectrum_min_correlation": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state", np.random.Generator],
    }

    #: Parameter values under which every view is the identity.
    _zero_strength: ClassVar[dict] = {"bit_p": 0.0, "jitter_std": 0.0, "spectrum_strength": 0.0}

    def __init__(
        self,
        *,
        bit_p=0.3,
        jitter_std=0.1,
        spectrum_strength=1.0,
        spectrum_min_width=50,
        spectrum_min_correlation=0.5,
        random_state=None,
    ):
        self.bit_p = bit_p
        self.jitter_std = jitter_std
        self.spectrum_strength = spectrum_strength
        self.spectrum_min_width = spectrum_min_width
        self.spectrum_min_correlation = spectrum_min_correlation
        self.random_state = random_state

    def views_for(self, X) -> tuple[object, str, np.ndarray]:
        """The views for X, not fitted, and their description (what ``fit`` fits).

        Parameters
        ----------
        X : ndarray or CSR matrix of shape (n_samples, n_features)
            Validated, finite training data (``fit`` and
            ``ContrastiveEmbedder.fit`` validate it first).

        Returns
        -------
        augmenter : augmenter or Pipeline of augmenters
            Unfitted, each with ``random_state=None``: ``fit`` seeds each step
            from this one's ``random_state``, the embedder from its own.
        description : str
            One line per augmenter: its settings and its columns.
        kinds : ndarray of str of shape (n_features,)
            :func:`column_kinds` of X.
        """
        self._validate_params()
        d = X.shape[1]
        kinds, blocks = column_kinds(
            X,
            min_width=int(self.spectrum_min_width),
            min_correlation=float(self.spectrum_min_correlation),
        )
        rs = None  # the caller seeds each step: fit from random_state, the embedder from its own
        steps, lines = [], []
        bits = np.flatnonzero(kinds == "bits")
        if bits.size:
            steps.append(BitDropout(p=float(self.bit_p), columns=_select(bits, d), random_state=rs))
            lines.append(
                f"BitDropout(p={self.bit_p:g}) on {bits.size} fingerprint-bit columns "
                f"({_ranges(bits)})"
            )
        for start, stop in blocks:
            idx = np.arange(start, stop)
            step = _spectrum_views(
                float(self.spectrum_strength), columns=_select(idx, d), random_state=rs
            )
            steps.append(step)
            lines.append(
                f"{_short_repr(step)} on a {stop - start}-column spectrum ({start}-{stop - 1})"
            )
        other = np.flatnonzero(kinds == "continuous")
        if other.size or not steps:
            steps.append(
                ConditionJitter(
                    std=float(self.jitter_std),
                    units="std",
                    columns=_select(other, d),
                    random_state=rs,
                )
            )
            lines.append(
                f"ConditionJitter(std={self.jitter_std:g}, units='std') on {other.size} "
                f"continuous columns ({_ranges(other)})"
            )
        augmenter = steps[0] if len(steps) == 1 else make_pipeline(*steps)
        return augmenter, "\n".join(lines), kinds

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Choose the views from X and fit them.

        Parameters
        ----------
        X : array-like, DataFrame or CSR matrix of shape (n_samples, n_features)
            Training data (floats; NaN and infinity are refused).
        y : None
            Ignored.

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            For NaN or infinity in X, naming the column, the first rows and
            their values; for invalid parameters (``InvalidParameterError``).
        """
        Xv = validate_float(self, X, reset=True)
        views, self.description_, self.column_kinds_ = self.views_for(Xv)
        seed = draw_seed(check_generator(self.random_state))
        self.augmenter_ = fit_views(
            views,
            Xv,
            seed=seed,
            feature_names=getattr(self, "feature_names_in_", None),
            validated=True,
        )
        return self

    def augment(self, X):
        """Return a new random view of X (same shape, dtype and container).

        Parameters
        ----------
        X : array-like, DataFrame or CSR matrix of shape (n_samples, n_features_in_)

        Returns
        -------
        ndarray, DataFrame or CSR matrix of shape (n_samples, n_features_in_)

        Raises
        ------
        ValueError
            As each chosen augmenter's ``augment``.
        NotFittedError
            Before ``fit``.
        """
        check_is_fitted(self)
        return make_views(self.augmenter_, X, n_views=1)[0]

    def augment_tensor(self, X, generator):
        """A new random view of a 2-D float tensor on its device (for ContrastiveEmbedder).

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features_in_)
        generator : torch.Generator on X's device

        Returns
        -------
        torch.Tensor
            Same shape, dtype and device; X is not modified.
        """
        check_is_fitted(self)
        return augment_tensor_with(self.augmenter_, X, generator)

    def fit_transform(self, X, y=None):
        """Fit, then return one training view: ``fit(X).augment(X)``.

        Parameters
        ----------
        X : array-like, DataFrame or CSR matrix of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        ndarray, DataFrame or CSR matrix of shape (n_samples, n_features)
        """
        view = self.fit(X, y).augment(X)
        if hasattr(view, "columns"):
            view = view.to_numpy()
        return _like(X, view, self, "transform")


def _short_repr(step) -> str:
    """``SpectrumAugmenter(noise_std=0.02, ...)`` without columns and random_state."""
    params = step.get_params(deep=False)
    defaults = type(step)().get_params(deep=False)
    shown = [
        f"{k}={v!r}"
        for k, v in params.items()
        if k not in ("columns", "random_state") and v != defaults[k]
    ]
    return f"{type(step).__name__}({', '.join(shown)})"


def _spectrum_views(strength: float, *, columns, random_state) -> SpectrumAugmenter:
    """The spectrum views of AutoAugmenter, in units of each spectrum's spread."""
    return SpectrumAugmenter(
        units="relative",
        noise_std=0.05 * strength,
        scale_std=0.1 * strength,
        baseline_offset_std=0.1 * strength,
        baseline_slope_std=0.1 * strength,
        columns=columns,
        random_state=random_state,
    )
