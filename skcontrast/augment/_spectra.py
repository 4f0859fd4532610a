"""SpectrumAugmenter: realistic, vectorised views of spectra on a common axis."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from numpy.polynomial.legendre import legvander

from skcontrast.augment._base import BaseAugmenter
from skcontrast.utils._docstrings import Substitution, _random_state_docstring
from skcontrast.utils._sklearn import Interval, StrOptions

#: Points per block when warping on the CPU (see ``SpectrumAugmenter._warp_blocks``).
_CPU_BLOCK = 1 << 21

#: Random cosines summed into the smooth gain (see ``SpectrumAugmenter._smooth_gain``).
_N_COSINES = 16


@Substitution(random_state=_random_state_docstring)
class SpectrumAugmenter(BaseAugmenter):
    """Make views of spectra: shift, stretch, scaling, gain, baselines, noise, band dropout.

    Rows are spectra sampled on a common axis (the selected columns, in order).
    Each row of a view gets, in this order and all vectorised over the batch:

    1. index shift and stretch: the row is resampled by linear interpolation at
       positions ``c + (i - c) / a - s`` (``c`` the centre of the axis, ``s`` an
       integer uniform in ``[-max_shift, max_shift]``, ``a = exp(N(0,
       stretch_std))``), repeating the edge values outside the axis;
    2. intensity scaling by ``1 + N(0, scale_std)``, and a smooth gain along the
       axis, ``x * (1 + g(i))`` with ``g`` a random smooth curve of standard
       deviation ``gain_std`` at every point and length scale
       ``gain_length_scale`` (a fraction of the axis length);
    3. a linear baseline ``offset + slope * (i - c)`` with ``offset ~ N(0,
       baseline_offset_std)`` and ``slope ~ N(0, baseline_slope_std)`` (per
       index), and a curved baseline ``sum_k a_k P_k(t)`` with ``P_k`` the
       Legendre polynomials of degree 2 to ``baseline_curve_degree`` on the
       axis mapped to ``t`` in [-1, 1] and ``a_k ~ N(0, baseline_curve_std)``
       (each term's value at either end of the axis is ``± a_k``);
    4. Gaussian noise ``N(0, noise_std)`` on every point;
    5. band dropout: with probability ``band_dropout_prob`` a contiguous window
       of width uniform in ``[1, band_max_width]`` is replaced by the straight
       line joining the points just outside it (an occluded band; a window at
       the edge of the axis is held at its one neighbour);
    6. optionally a per-row normalisation: ``"minmax"`` (to [0, 1]), ``"l2"``
       (unit norm) or ``"snv"`` (zero mean, unit standard deviation); a constant
       row becomes zeros under ``"minmax"`` and ``"snv"`` (as in
       ``MinMaxScaler``), and an all-zero row stays zero under ``"l2"``.

    ``augment`` draws a new view at each call; ``transform`` is the identity;
    ``fit_transform`` returns one training view.

    **Which view for which variability.**

    - *Multiplicative scatter* (path length, particle size, packing), the model
      that MSC corrects, ``x ≈ a + b * x_ref`` (Geladi, MacDougall and Martens,
      Appl. Spectrosc. 39 (1985) 491): ``scale_std`` draws the gain ``b`` and
      ``baseline_offset_std`` the offset ``a``, so that a view is ``a + b * x``.
      MSC maps such a view back onto the correction of ``x`` itself, whatever
      ``a`` and ``b``: these two parameters *are* the scatter view, and no
      separate parameter repeats them.
    - *Baseline drift with curvature*: ``baseline_slope_std`` and
      ``baseline_curve_std`` add the polynomial baseline terms that extended
      MSC models (Martens and Stark, J. Pharm. Biomed. Anal. 9 (1991) 625).
    - *Wavelength-dependent response* (a lamp, detector or optics differing
      between instruments or ageing; the differences that piecewise direct
      standardisation corrects, Wang, Veltkamp and Kowalski, Anal. Chem. 63
      (1991) 2750): ``gain_std``. The curve is a sum of 16 random cosines
      whose frequencies are drawn from a Gaussian of standard deviation
      ``1 / gain_length_scale`` (random Fourier features, Rahimi and Recht,
      NeurIPS 2007), so ``g`` has, at every point, standard deviation
      ``gain_std`` and, between points a distance ``d`` apart (in fractions of
      the axis), correlation ``exp(-d**2 / (2 * gain_length_scale**2))``.

    **Relative or data units.** Under ``units="data"`` (the default) the
    additive strengths (``noise_std``, ``baseline_offset_std``,
    ``baseline_slope_std``, ``baseline_curve_std``) are in the units of the
    spectra, and the slope is per index of the axis. Under
    ``units="relative"`` they are multiples of each spectrum's own spread (the
    population standard deviation of the row over the selected columns,
    computed on the input at each call, on its device; a constant row gets none
    of them), and ``baseline_slope_std`` is the tilt from one end of the axis
    to the other: one setting then means the same on a 100-point and a 1
    841-point spectrum, on absorbances or after SNV, and ``augment(c * X)``
    equals ``c * augment(X)`` for ``c > 0``. The gains (``scale_std``,
    ``gain_std``) are fractions under both. The axis parameters do not depend
    on ``units``: ``max_shift`` and ``band_max_width`` stay in points (a shift
    is a property of the instrument's grid: choose it below a peak's
    half-width, in points), ``stretch_std`` is already a fraction and
    ``gain_length_scale`` a fraction of the axis length.

    The default stays ``"data"`` so that existing recipes, stated in the units
    of the measurements, keep their meaning; prefer ``"relative"`` when one
    setting must carry across instruments, lengths or preprocessing (a slope of
    0.0015 per point tilts the ends of a 1 841-point spectrum by ±1.4, more
    than the whole spread, 1, of an SNV-normalised one;
    ``baseline_slope_std=0.1`` under ``"relative"`` is a tilt of 10 %% of each
    spectrum's spread whatever its length).

    Parameters
    ----------
    noise_std : float >= 0, default=0.02
        Standard deviation of the additive Gaussian noise (in the units given by
        ``units``).
    scale_std : float >= 0, default=0.05
        Standard deviation of the multiplicative intensity factor around 1.
    baseline_slope_std : float >= 0, default=0.0
        Standard deviation of the baseline slope: per index of the axis under
        ``units="data"``, the end-to-end tilt in multiples of the row's spread
        under ``units="relative"``.
    baseline_offset_std : float >= 0, default=0.0
        Standard deviation of the baseline offset (in the units given by
        ``units``).
    baseline_curve_std : float >= 0, default=0.0
        Standard deviation of each Legendre coefficient of the curved baseline
        (degrees 2 to ``baseline_curve_degree``), in the units given by
        ``units``. Use it for baselines that bow (scattering, fluorescence,
        drift of a stored reference).
    baseline_curve_degree : int >= 2, default=2
        Highest degree of the curved baseline; keep it low (2 or 3) so that the
        baseline stays broader than any band.
    gain_std : float >= 0, default=0.0
        Standard deviation, at every point, of the smooth relative gain
        ``g`` (0.02: the response varies by about ± 2 %% along the axis; a
        fraction under both ``units``). Use it when instruments or lamps differ
        in their response along the axis.
    gain_length_scale : float > 0, default=0.2
        Length scale of ``g`` as a fraction of the axis length (0.2: the gain
        varies over about a fifth of the axis). Keep it well above a band's
        width, or the gain reshapes bands.
    max_shift : int >= 0, default=0
        Largest index shift, in points.
    stretch_std : float >= 0, default=0.0
        Standard deviation of the log stretch factor of the axis (0.015 stretches
        by about ±1.5 %%).
    band_dropout_prob : float in [0, 1], default=0.0
        Probability that a row gets one band replaced by a straight line.
    band_max_width : int >= 1, default=30
        Widest such band, in points; must not exceed the spectrum length when
        ``band_dropout_prob > 0``.
    normalize : {None, "minmax", "l2", "snv"}, default=None
        Per-row normalisation applied last.
    units : {"data", "relative"}, default="data"
        The units of ``noise_std``, ``baseline_offset_std``,
        ``baseline_slope_std`` and ``baseline_curve_std``: those of the spectra
        (the slope per index), or
        multiples of each spectrum's spread (the slope end to end). See
        "Relative or data units" above.
    columns : None, array-like of int, bool or str, or slice, default=None
        The columns holding the spectrum (all when None), in axis order. Others
        are left bit-identical.
    %(random_state)s

    Attributes
    ----------
    columns_ : ndarray of shape (n_points,)
        Indices of the spectrum columns.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in fit, when X was a DataFrame.

    See Also
    --------
    ConditionJitter : views of tabular conditions.

    Examples
    --------
    The lecture's "stronger" view generator:

    >>> import numpy as np
    >>> from skcontrast.augment import SpectrumAugmenter
    >>> axis = np.linspace(400, 1800, 600)
    >>> X = np.exp(-0.5 * ((axis - np.array([[500.0], [1100.0]])) / 25) ** 2)
    >>> aug = SpectrumAugmenter(
    ...     noise_std=0.06, scale_std=0.15, baseline_slope_std=0.0015, max_shift=4,
    ...     stretch_std=0.015, band_dropout_prob=0.5, band_max_width=35,
    ...     normalize="minmax", random_state=0,
    ... ).fit(X)
    >>> view = aug.augment(X)
    >>> view.shape, float(view.min()), float(view.max())
    ((2, 600), 0.0, 1.0)
    >>> bool((aug.transform(X) == X).all())
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseAugmenter._parameter_constraints,
        "noise_std": [Interval(Real, 0, None, closed="left")],
        "scale_std": [Interval(Real, 0, None, closed="left")],
        "baseline_slope_std": [Interval(Real, 0, None, closed="left")],
        "baseline_offset_std": [Interval(Real, 0, None, closed="left")],
        "max_shift": [Interval(Integral, 0, None, closed="left")],
        "stretch_std": [Interval(Real, 0, None, closed="left")],
        "band_dropout_prob": [Interval(Real, 0, 1, closed="both")],
        "band_max_width": [Interval(Integral, 1, None, closed="left")],
        "baseline_curve_std": [Interval(Real, 0, None, closed="left")],
        "baseline_curve_degree": [Interval(Integral, 2, None, closed="left")],
        "gain_std": [Interval(Real, 0, None, closed="left")],
        "gain_length_scale": [Interval(Real, 0, None, closed="neither")],
        "normalize": [None, StrOptions({"minmax", "l2", "snv"})],
        "units": [StrOptions({"data", "relative"})],
    }

    _zero_strength: ClassVar[dict] = {
        "noise_std": 0.0,
        "scale_std": 0.0,
        "baseline_slope_std": 0.0,
        "baseline_offset_std": 0.0,
        "max_shift": 0,
        "stretch_std": 0.0,
        "band_dropout_prob": 0.0,
        "baseline_curve_std": 0.0,
        "gain_std": 0.0,
        "normalize": None,
    }

    def __init__(
        self,
        *,
        noise_std=0.02,
        scale_std=0.05,
        baseline_slope_std=0.0,
        baseline_offset_std=0.0,
        baseline_curve_std=0.0,
        baseline_curve_degree=2,
        gain_std=0.0,
        gain_length_scale=0.2,
        max_shift=0,
        stretch_std=0.0,
        band_dropout_prob=0.0,
        band_max_width=30,
        normalize=None,
        units="data",
        columns=None,
        random_state=None,
    ):
        self.noise_std = noise_std
        self.scale_std = scale_std
        self.baseline_slope_std = baseline_slope_std
        self.baseline_offset_std = baseline_offset_std
        self.max_shift = max_shift
        self.stretch_std = stretch_std
        self.band_dropout_prob = band_dropout_prob
        self.band_max_width = band_max_width
        self.baseline_curve_std = baseline_curve_std
        self.baseline_curve_degree = baseline_curve_degree
        self.gain_std = gain_std
        self.gain_length_scale = gain_length_scale
        self.normalize = normalize
        self.units = units
        self.columns = columns
        self.random_state = random_state

    def _fit_columns(self, X_cols: np.ndarray) -> None:
        n = X_cols.shape[1]
        if self.band_dropout_prob > 0 and self.band_max_width > n:
            raise ValueError(
                f"band_max_width={self.band_max_width} is wider than the spectrum: "
                f"the selected columns have {n} feature(s). Lower band_max_width or "
                "set band_dropout_prob=0."
            )
        centre = (n - 1) / 2.0
        self._axis = np.arange(n, dtype=np.float64) - centre  # baseline abscissa, per index
        # the same from -1/2 to 1/2: a slope on it is the tilt from one end to the other
        self._tilt_axis = self._axis / (n - 1) if n > 1 else self._axis.copy()
        # The axis in grid_sample's normalised coordinates.
        self._unit_axis = np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
        # Legendre polynomials of degree 2..baseline_curve_degree on it, one per row
        self._curve_basis = legvander(self._unit_axis, self.baseline_curve_degree)[:, 2:].T.copy()
        # the axis from 0 to 1, for the smooth gain
        self._frac_axis = (self._unit_axis + 1.0) / 2.0

    def _augment_block(self, X: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        b, n = X.shape
        dev, dt = X.device, X.dtype
        # All per-row random numbers of the batch, one call per kind.
        z = torch.randn((b, 4), generator=generator, device=dev, dtype=dt)
        u = torch.rand((b, 4), generator=generator, device=dev, dtype=dt)

        # Shift/stretch, intensity scaling and noise are fused: the noise is drawn
        # into the output buffer, then each block of warped rows is added to it,
        # scaled, while it is still in cache.
        warp = (self.max_shift > 0 or self.stretch_std > 0) and n > 1
        scale = z[:, 0].mul(self.scale_std).add_(1.0)[:, None] if self.scale_std > 0 else None
        if self.gain_std > 0:  # a per-point factor, (b, n)
            gain = self._smooth_gain(b, generator, dev, dt).add_(1.0)
            scale = gain if scale is None else gain.mul_(scale)
        out, owned = X, False
        # each row's spread, for strengths in relative units (on the input, before any view)
        spread = self._row_spread(X) if self.units == "relative" else None
        if self.noise_std > 0:
            out = torch.empty_like(X, memory_format=torch.contiguous_format)
            out.normal_(0.0, self.noise_std, generator=generator)
            if spread is not None:
                out.mul_(spread)
            owned = True
        if warp:
            if not owned:
                out = torch.empty_like(X, memory_format=torch.contiguous_format)
            for start, stop, warped in self._warp_blocks(X, z[:, 3], u[:, 0]):
                dest = out[start:stop]
                factor = None if scale is None else scale[start:stop]
                if owned and factor is None:  # add to the noise
                    dest.add_(warped)
                elif owned:
                    dest.addcmul_(warped, factor)
                elif factor is None:
                    dest.copy_(warped)
                else:
                    torch.mul(warped, factor, out=dest)
            owned = True
        elif owned and scale is None:
            out.add_(X)
        elif owned:
            out.addcmul_(X, scale)
        elif scale is not None:
            out, owned = X * scale, True

        if self.baseline_slope_std > 0 or self.baseline_offset_std > 0:
            if not owned:
                out, owned = X.clone(), True
            if self.baseline_slope_std > 0:
                slope = z[:, 1] * self.baseline_slope_std
                if spread is None:  # per index
                    out.addr_(slope, self._tensor("_axis", dev, dt))
                else:  # end-to-end tilt, in multiples of the row's spread
                    out.addr_(slope.mul_(spread[:, 0]), self._tensor("_tilt_axis", dev, dt))
            if self.baseline_offset_std > 0:
                offset = z[:, 2:3] * self.baseline_offset_std
                out.add_(offset if spread is None else offset.mul_(spread))

        if self.baseline_curve_std > 0:
            if not owned:
                out, owned = X.clone(), True
            basis = self._tensor("_curve_basis", dev, dt)
            coef = torch.randn((b, basis.shape[0]), generator=generator, device=dev, dtype=dt)
            coef.mul_(self.baseline_curve_std)
            out.addmm_(coef if spread is None else coef.mul_(spread), basis)

        if self.band_dropout_prob > 0:
            if not owned:
                out, owned = X.clone(), True
            self._band_dropout_(out, u[:, 1], u[:, 2], u[:, 3])

        if self.normalize is not None:
            if not owned:
                out, owned = X.clone(), True
            self._normalize_(out)
        return out if owned else X.clone()

    def _smooth_gain(self, b: int, generator, dev, dt) -> torch.Tensor:
        """``g``, shape (b, n): per row a sum of ``_N_COSINES`` random cosines with
        frequencies ~ N(0, 1 / gain_length_scale**2) (per axis length) and uniform
        phases (random Fourier features of a squared-exponential kernel, Rahimi and
        Recht 2007), scaled to standard deviation gain_std at every point."""
        k = _N_COSINES
        freq = torch.randn((b, k, 1), generator=generator, device=dev, dtype=dt)
        freq.div_(self.gain_length_scale)
        phase = torch.rand((b, k, 1), generator=generator, device=dev, dtype=dt)
        phase.mul_(2 * np.pi)
        amp = torch.randn((b, 1, k), generator=generator, device=dev, dtype=dt)
        amp.mul_(self.gain_std * np.sqrt(2.0 / k))
        cosines = torch.addcmul(phase, freq, self._tensor("_frac_axis", dev, dt)).cos_()
        return torch.bmm(amp, cosines).squeeze_(1)

    @staticmethod
    def _row_spread(X: torch.Tensor) -> torch.Tensor:
        """Each row's population standard deviation, shape (b, 1); exactly 0 for a
        constant row (rounding in the mean would leave it a tiny spread).

        Sums over the row divided by a power of two near its largest magnitude
        (so the squares cannot overflow): on the CPU about a sixth of the cost of
        ``torch.std`` (Welford) and ``torch.aminmax``, which made
        ``units="relative"`` cost twice ``units="data"``."""
        low = X.amin(dim=1, keepdim=True)
        high = X.amax(dim=1, keepdim=True)
        flat = low == high
        largest = torch.maximum(low.abs_(), high.abs_()).masked_fill_(flat, 1.0)
        # a power of two, so the division is exact: rounding it would blur a spread
        # of a few ulps of the mean
        # (2**(e - 1) <= largest: 2**e would overflow for float32 rows near 3.4e38)
        size = torch.ldexp(torch.ones_like(largest), torch.frexp(largest).exponent - 1)
        unit = X / size
        unit.sub_(unit.mean(dim=1, keepdim=True))
        # the corrected two-pass formula (Chan, Golub and LeVeque 1983): minus the
        # square of the centred row's mean, the rounding error of the first mean,
        # which matters when the spread is a few ulps of the mean
        residual = unit.mean(dim=1, keepdim=True)
        var = torch.linalg.vector_norm(unit, dim=1, keepdim=True).square_()
        var.div_(X.shape[1]).sub_(residual.square_()).clamp_(min=0.0)
        return var.sqrt_().mul_(size).masked_fill_(flat, 0.0)

    def __setstate__(self, state):
        # pickles of earlier versions, which had no ``units``: their strengths were in
        # data units
        state = dict(state)
        state.setdefault("units", "data")
        for name, value in (
            ("baseline_curve_std", 0.0),
            ("baseline_curve_degree", 2),
            ("gain_std", 0.0),
            ("gain_length_scale", 0.2),
        ):
            state.setdefault(name, value)
        if "_tilt_axis" not in state and "_axis" in state:
            axis, unit = state["_axis"], state["_unit_axis"]
            n = axis.shape[0]
            state["_tilt_axis"] = axis / (n - 1) if n > 1 else axis.copy()
            state["_curve_basis"] = legvander(unit, 2)[:, 2:].T.copy()
            state["_frac_axis"] = (unit + 1.0) / 2.0
        super().__setstate__(state)

    def _warp_blocks(self, X: torch.Tensor, z: torch.Tensor, u: torch.Tensor):
        """Yield ``(start, stop, rows)``: X's rows resampled at c + (i - c) / a - s.

        Linear interpolation with ``grid_sample``, edge values repeated. The grid
        is (rows, 1, n, 2) with x = unit / a - 2 s / (n - 1) and y = 0: two
        contiguous planes viewed with the pair dimension last. On the CPU rows go
        in blocks of ~2M points, so buffers stay small enough for the allocator to
        recycle (a fresh 48 MB buffer costs more in page faults than the
        arithmetic) and each block is used while in cache; the loop runs a handful
        of times whatever the batch. On other devices it is one block.
        """
        b, n = X.shape
        m = self.max_shift
        shift = (u * (2 * m + 1)).floor_().clamp_(max=2 * m).sub_(m)  # integers in [-m, m]
        offset = shift.mul_(-2.0 / (n - 1))[:, None]
        inv_stretch = z.mul(-self.stretch_std).exp_()[:, None]
        unit = self._tensor("_unit_axis", X.device, X.dtype)
        rows = b if X.device.type != "cpu" else max(1, min(b, _CPU_BLOCK // n))
        planes = torch.empty((2, rows, n), device=X.device, dtype=X.dtype)
        planes[1].zero_()
        for start in range(0, b, rows):
            stop = min(b, start + rows)
            k = stop - start
            torch.addcmul(offset[start:stop], inv_stretch[start:stop], unit, out=planes[0, :k])
            grid = planes[:, :k].permute(1, 2, 0).unsqueeze(1)
            warped = F.grid_sample(
                X[start:stop].reshape(k, 1, 1, n),
                grid,
                mode="bilinear",
                padding_mode="border",
                align_corners=True,
            )
            yield start, stop, warped.reshape(k, n)

    def _band_dropout_(self, out: torch.Tensor, u_on, u_width, u_start) -> None:
        """Replace one window per selected row, in place, by the straight line joining
        the points just outside it (a window at an edge is held at its one neighbour,
        one spanning the whole axis at its first value), so a window of width w
        changes its w points."""
        n = out.shape[1]
        w_max = self.band_max_width
        dev = out.device
        width = (u_width * w_max).long().clamp_(max=w_max - 1).add_(1)  # in [1, w_max]
        start = (u_start * (n - width + 1)).long()
        start = torch.minimum(start, n - width)
        # positions past a row's width repeat its last window point, so the scatter
        # below writes every duplicated index with one and the same value
        k = torch.minimum(torch.arange(w_max, device=dev), (width - 1)[:, None])  # (b, w_max)
        idx = start[:, None] + k
        window = out.gather(1, idx)
        stop = start + width  # first point after the window
        has_left, has_right = start > 0, stop < n
        left = out.gather(1, (start - 1).clamp(min=0)[:, None])
        right = out.gather(1, stop.clamp(max=n - 1)[:, None])
        has_left, has_right = has_left[:, None], has_right[:, None]
        left, right = (
            torch.where(has_left, left, torch.where(has_right, right, window[:, :1])),
            torch.where(has_right, right, torch.where(has_left, left, window[:, :1])),
        )
        frac = (k + 1).to(out.dtype) / (width + 1).to(out.dtype)[:, None]
        line = torch.lerp(left, right, frac)
        on = (u_on < self.band_dropout_prob)[:, None]
        out.scatter_(1, idx, torch.where(on, line, window))

    def _normalize_(self, out: torch.Tensor) -> None:
        tiny = torch.finfo(out.dtype).tiny
        # The three normalisations are scale-invariant: dividing each row by its
        # largest magnitude first keeps the span (minmax), the sum of squares (l2)
        # and the variance (snv) far from overflow: without it a finite float32
        # row spanning more than ~3.4e38 became NaN under "minmax", and one with
        # values above ~1e19 became all zeros under "l2".
        out.div_(out.abs().amax(dim=1, keepdim=True).clamp_(min=tiny))
        if self.normalize == "minmax":
            low, high = torch.aminmax(out, dim=1, keepdim=True)
            span = high - low
            flat = span <= tiny
            out.sub_(low).div_(torch.where(flat, 1.0, span))  # a constant row becomes 0
        elif self.normalize == "l2":
            norm = torch.linalg.vector_norm(out, dim=1, keepdim=True)
            out.div_(norm.clamp_(min=tiny))
        else:  # "snv"
            std, mean = torch.std_mean(out, dim=1, keepdim=True, correction=0)
            out.sub_(mean).div_(torch.where(std <= tiny, 1.0, std))
