"""ConditionJitter: setpoint jitter, mask-and-impute and clipping for tabular conditions."""

from __future__ import annotations

from numbers import Real
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils.sparsefuncs import mean_variance_axis

from skcontrast.augment._base import BaseAugmenter, _per_column
from skcontrast.utils._docstrings import Substitution, _random_state_docstring
from skcontrast.utils._sklearn import Interval, StrOptions


def _resolve_bounds(bounds, X_cols: np.ndarray, column_ids: np.ndarray) -> np.ndarray | None:
    """``bounds`` as a float64 array of shape (n_columns, 2), or None."""
    if bounds is None:
        return None
    if isinstance(bounds, str):  # "fit" (the constraint allows nothing else)
        low, high = X_cols.min(axis=0), X_cols.max(axis=0)
        if sp.issparse(low):  # CSR X: min/max over the stored values and the zeros
            low, high = low.toarray().ravel(), high.toarray().ravel()
        return np.stack([low, high], axis=1).astype(np.float64)
    pairs = list(bounds)
    n_cols = X_cols.shape[1]
    if len(pairs) != n_cols:
        raise ValueError(
            f"bounds must hold one (low, high) pair per selected column ({n_cols}), "
            f"got {len(pairs)}."
        )
    out = np.empty((n_cols, 2), dtype=np.float64)
    for j, pair in enumerate(pairs):
        try:
            low, high = pair
        except (TypeError, ValueError):
            raise ValueError(
                f"bounds[{j}] (column {int(column_ids[j])}) must be a (low, high) pair, "
                f"got {pair!r}."
            ) from None
        try:
            low = -np.inf if low is None else float(low)
            high = np.inf if high is None else float(high)
        except (TypeError, ValueError):
            raise ValueError(
                f"bounds[{j}] (column {int(column_ids[j])}) must hold numbers or None, "
                f"got {pair!r}."
            ) from None
        if np.isnan(low) or np.isnan(high) or low > high:
            raise ValueError(
                f"bounds[{j}] (column {int(column_ids[j])}) must have low <= high "
                f"(None for unbounded), got ({low}, {high})."
            )
        out[j] = low, high
    return out


def _column_std(X_cols) -> np.ndarray:
    """Population standard deviation (ddof=0) of each column, in float64.

    Exactly 0 for a column whose minimum equals its maximum: rounding in the
    mean would otherwise leave a constant column a tiny, scale-dependent spread.
    Dense or CSR (zeros included, without densifying).
    """
    if sp.issparse(X_cols):
        X64 = X_cols.astype(np.float64)
        _, var = mean_variance_axis(X64, axis=0)
        low = X64.min(axis=0).toarray().ravel()
        high = X64.max(axis=0).toarray().ravel()
    else:
        var = X_cols.var(axis=0, dtype=np.float64)
        low, high = X_cols.min(axis=0), X_cols.max(axis=0)
    std = np.sqrt(np.asarray(var, dtype=np.float64).reshape(-1))
    std[np.asarray(low) == np.asarray(high)] = 0.0
    return std


@Substitution(random_state=_random_state_docstring)
class ConditionJitter(BaseAugmenter):
    """Jitter tabular reaction conditions the way a lab varies them.

    For each row of the selected columns, in this order:

    1. additive Gaussian noise ``x + N(0, std)`` (e.g. ``T ± 2 °C``) and
       multiplicative noise ``x * (1 + N(0, relative_std))`` (e.g. ``conc ± 3 %%``),
       each a scalar or one value per column;
    2. mask-and-impute: with probability ``mask_prob`` the row gets one random
       column replaced by its mean seen in fit (a missing log);
    3. clipping to physical ``bounds``.

    ``augment`` draws a new view at each call; ``transform`` is the identity, so
    nothing is jittered at predict time; ``fit_transform`` returns one training
    view.

    Parameters
    ----------
    std : float or array-like of shape (n_columns,), default=0.05
        Standard deviation of the additive noise, in the units given by
        ``units``.
    relative_std : float or array-like of shape (n_columns,), default=0.0
        Standard deviation of the multiplicative noise (0.03 means 3 %%).
    mask_prob : float in [0, 1], default=0.0
        Probability that a row has one random column replaced by its fitted mean.
    bounds : None, "fit" or array-like of shape (n_columns, 2), default=None
        Clip the view to these limits: None (no clipping), ``"fit"`` (the min and
        max of each column seen in fit) or one ``(low, high)`` pair per selected
        column (``None`` for an open side).
    units : {"data", "std"}, default="data"
        The units of ``std``. ``"data"``: the units of X (``std=2.0`` on a
        temperature column is "± 2 °C", as a chemist states a tolerance).
        ``"std"``: multiples of each column's standard deviation seen in fit
        (the population standard deviation, ``ddof=0``), so that one scalar
        means the same on columns of any scale (``std=0.05`` is "5 %% of each
        column's spread", what ``std=0.05`` means after a ``StandardScaler``);
        a constant column (its minimum equal to its maximum in fit) gets no
        additive noise. ``std_`` holds the values applied, in the units of X,
        either way. ``relative_std``, ``mask_prob`` and ``bounds`` do not
        depend on ``units``.
    columns : None, array-like of int, bool or str, or slice, default=None
        The columns to jitter (all when None): integer indices, a boolean mask, a
        slice, or names when fitted on a DataFrame. Others are left bit-identical.
    %(random_state)s

    Attributes
    ----------
    columns_ : ndarray of shape (n_columns,)
        Indices of the jittered columns.
    std_ : ndarray of shape (n_columns,)
        The standard deviation of the additive noise applied to each jittered
        column, in the units of X: ``std`` itself under ``units="data"``,
        ``std`` times the column's standard deviation seen in fit under
        ``units="std"``.
    relative_std_ : ndarray of shape (n_columns,)
        The multiplicative noise level of each jittered column.
    mean_ : ndarray of shape (n_columns,)
        Column means seen in fit (the values imputed by masking).
    bounds_ : ndarray of shape (n_columns, 2) or None
        The clipping limits.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in fit, when X was a DataFrame.

    See Also
    --------
    SpectrumAugmenter : views of spectra.
    BitDropout : views of fingerprints.
    make_views : several views at once, from an augmenter or a Pipeline of them.

    Examples
    --------
    The lecture's recipe on (T, conc, current, time): ``T ± 2 °C``,
    ``conc ± 3 %%``, ``current ± 5 mA``, ``time ± 5 %%``, clipped to bounds.

    >>> import numpy as np
    >>> from skcontrast.augment import ConditionJitter
    >>> X = np.array([[80.0, 0.5, 50.0, 2.0], [120.0, 1.0, 150.0, 6.0]])
    >>> jitter = ConditionJitter(
    ...     std=[2.0, 0.0, 5.0, 0.0], relative_std=[0.0, 0.03, 0.0, 0.05],
    ...     bounds=[(25, 150), (0.05, 1.2), (10, 200), (0.2, 8.0)], random_state=0,
    ... ).fit(X)
    >>> view = jitter.augment(X)
    >>> view.shape, bool(np.abs(view - X).max() < 20)
    ((2, 4), True)
    >>> bool((jitter.augment(X) != view).any())  # a new view at each call
    True
    >>> bool((jitter.transform(X) == X).all())  # the identity at inference
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseAugmenter._parameter_constraints,
        "std": [Interval(Real, 0, None, closed="left"), "array-like"],
        "relative_std": [Interval(Real, 0, None, closed="left"), "array-like"],
        "mask_prob": [Interval(Real, 0, 1, closed="both")],
        "bounds": [None, StrOptions({"fit"}), "array-like"],
        "units": [StrOptions({"data", "std"})],
    }

    _zero_strength: ClassVar[dict] = {"std": 0.0, "relative_std": 0.0, "mask_prob": 0.0}

    def __init__(
        self,
        *,
        std=0.05,
        relative_std=0.0,
        mask_prob=0.0,
        bounds=None,
        units="data",
        columns=None,
        random_state=None,
    ):
        self.std = std
        self.relative_std = relative_std
        self.mask_prob = mask_prob
        self.bounds = bounds
        self.units = units
        self.columns = columns
        self.random_state = random_state

    def _fit_columns(self, X_cols: np.ndarray) -> None:
        n_cols = X_cols.shape[1]
        self.std_ = _per_column(self.std, "std", n_cols)
        if self.units == "std":
            self.std_ = self.std_ * _column_std(X_cols)
        self.relative_std_ = _per_column(self.relative_std, "relative_std", n_cols)
        self.mean_ = np.asarray(X_cols.mean(axis=0, dtype=np.float64)).reshape(-1)
        self._column_ids = np.arange(n_cols, dtype=np.float64)
        self.bounds_ = _resolve_bounds(self.bounds, X_cols, self.columns_)
        self._low = None if self.bounds_ is None else self.bounds_[:, 0].copy()
        self._high = None if self.bounds_ is None else self.bounds_[:, 1].copy()
        self._use_abs = bool((self.std_ > 0).any())
        self._use_rel = bool((self.relative_std_ > 0).any())
        # One normal draw per entry suffices when no column has both kinds of noise.
        self._two_draws = bool(((self.std_ > 0) & (self.relative_std_ > 0)).any())

    def __setstate__(self, state):
        # pickles of earlier versions, which had no ``units``: their std was in data units
        state = dict(state)
        state.setdefault("units", "data")
        super().__setstate__(state)

    def _augment_block(self, X: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, k = X.shape
        dev, dt = X.device, X.dtype
        out = None
        if self._use_abs or self._use_rel:
            std = self._tensor("std_", dev, dt)
            rel = self._tensor("relative_std_", dev, dt)
            if self._two_draws:
                z = torch.randn((2, n, k), generator=generator, device=dev, dtype=dt)
                out = torch.addcmul(X, X, z[1].mul_(rel))  # x * (1 + rel * z1)
                out.addcmul_(z[0], std)  # + std * z0
            else:
                z = torch.randn((n, k), generator=generator, device=dev, dtype=dt)
                if not self._use_rel:
                    out = torch.addcmul(X, z, std)
                elif not self._use_abs:
                    out = torch.addcmul(X, X, z.mul_(rel))
                else:  # each column has one kind: x + z * (std + rel * x)
                    out = torch.addcmul(X, z, torch.addcmul(std, X, rel))
        if self.mask_prob > 0 and k > 0:
            # One uniform per row: the row is masked when u < mask_prob, and then
            # floor(u * k / mask_prob) is its (uniform) masked column; otherwise
            # that index is >= k and matches no column.
            u = torch.rand((n, 1), generator=generator, device=dev, dtype=dt)
            col = u.mul_(k / self.mask_prob).floor_()  # float compare: no int64 pass
            hit = col == self._tensor("_column_ids", dev, dt)
            mean = self._tensor("mean_", dev, dt)
            if out is None:
                out = torch.where(hit, mean, X)
            else:
                torch.where(hit, mean, out, out=out)
        if self.bounds_ is not None:
            low, high = self._tensor("_low", dev, dt), self._tensor("_high", dev, dt)
            out = torch.clamp(X, low, high) if out is None else out.clamp_(low, high)
        return X.clone() if out is None else out
