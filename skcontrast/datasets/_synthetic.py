"""Seed-style synthetic data sets from the lectures, as scikit-learn ``make_*`` generators."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from skcontrast.utils._random import check_generator
from skcontrast.utils._sklearn import Interval, StrOptions, validate_params

_RANDOM_STATE = ["random_state", np.random.Generator]

REACTION_COLUMNS = ["T_C", "conc_M", "current_mA", "time_h"]


def _as_output(X, y, columns, target, as_frame):
    if not as_frame:
        return X, y
    return pd.DataFrame(X, columns=columns), pd.Series(y, name=target)


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 2, None, closed="left")],
        "noise": [Interval(numbers.Real, 0, None, closed="left")],
        "random_state": _RANDOM_STATE,
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_reaction_conditions(
    n_samples: int = 1500,
    *,
    noise: float = 0.35,
    random_state=None,
    as_frame: bool = False,
):
    """Electrochemical reaction conditions with a graded success label (lecture 18, 3.4).

    Temperature ``T_C`` uniform in 25-150 °C, concentration ``conc_M`` in
    0.05-1.2 M, ``current_mA`` in 10-200 mA, and ``time_h`` log-normal around
    2.5 h (clipped to 0.2-8 h). A latent score favours mid-high temperature, mid
    concentration, moderate time and current::

        score = 0.03 (T - 95) + 2 (conc - 0.55) + 0.4 log(time / 2) + 0.01 (current - 120)

    plus Gaussian noise; ``success = sigmoid(score) > 0.55``.

    Parameters
    ----------
    n_samples : int, default=1500
        Number of reactions.
    noise : float, default=0.35
        Standard deviation of the noise added to the latent score.
    random_state : int, Generator, RandomState or None, default=None
        Seeds the draws; an int gives the same data every time.
    as_frame : bool, default=False
        Return a DataFrame (columns ``T_C, conc_M, current_mA, time_h``) and a
        Series ``success``.

    Returns
    -------
    X : ndarray of shape (n_samples, 4) or DataFrame
    y : ndarray of shape (n_samples,) of int (0/1) or Series

    Examples
    --------
    >>> from skcontrast.datasets import make_reaction_conditions
    >>> X, y = make_reaction_conditions(100, random_state=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((100, 4), [0, 1])
    >>> bool((X[:, 0] >= 25).all() and (X[:, 0] <= 150).all())
    True
    """
    rng = check_generator(random_state)
    temperature = rng.uniform(25.0, 150.0, n_samples)
    conc = rng.uniform(0.05, 1.20, n_samples)
    current = rng.uniform(10.0, 200.0, n_samples)
    time_h = np.clip(np.exp(rng.normal(np.log(2.5), 0.35, n_samples)), 0.2, 8.0)
    score = (
        0.030 * (temperature - 95.0)
        + 2.0 * (conc - 0.55)
        + 0.40 * np.log(time_h / 2.0)
        + 0.010 * (current - 120.0)
    )
    score = score + rng.normal(0.0, noise, n_samples)
    y = (1.0 / (1.0 + np.exp(-score)) > 0.55).astype(np.int64)
    X = np.column_stack([temperature, conc, current, time_h])
    return _as_output(X, y, REACTION_COLUMNS, "success", as_frame)


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 2, None, closed="left")],
        "units": [StrOptions({"normalized", "chemistry"})],
        "random_state": _RANDOM_STATE,
        "as_frame": ["boolean"],
        "shuffle": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_two_regimes(
    n_samples: int = 240,
    *,
    units: str = "normalized",
    random_state=None,
    as_frame: bool = False,
    shuffle: bool = False,
):
    """The lecture's 2-D toy: two reaction regimes as two Gaussian clouds.

    With ``units="normalized"`` the features are a normalised temperature and a
    solvent-family flag in [0, 1] (regime 1 around (0.70, 0.95), regime 0 around
    (0.40, 0.10)); with ``units="chemistry"`` they are ``T_C`` in °C (110 vs 55,
    clipped to 25-150) and ``conc_M`` (0.60 vs 0.25 M, clipped to 0.05-1.2).

    Parameters
    ----------
    n_samples : int, default=240
        Total rows, split evenly between the regimes (label 1 first).
    units : {"normalized", "chemistry"}, default="normalized"
        Normalised features or chemistry units (°C and mol/L).
    random_state : int, Generator, RandomState or None, default=None
        Seeds the draws; an int gives the same data every time.
    as_frame : bool, default=False
        Return a DataFrame and a Series instead of arrays.
    shuffle : bool, default=False
        Shuffle the rows (drawn after everything else, so the same rows come out
        in another order). Unshuffled, label 1 comes first: use a shuffled or
        stratified split.

    Returns
    -------
    X : ndarray of shape (n_samples, 2) or DataFrame
    y : ndarray of shape (n_samples,) or Series named ``regime``

    Examples
    --------
    >>> from skcontrast.datasets import make_two_regimes
    >>> X, y = make_two_regimes(10, random_state=0)
    >>> X.shape, int(y.sum())
    ((10, 2), 5)
    """
    rng = check_generator(random_state)
    n_pos = n_samples - n_samples // 2
    n_neg = n_samples // 2
    if units == "normalized":
        pos = np.column_stack(
            [rng.normal(0.70, 0.08, n_pos), np.clip(rng.normal(0.95, 0.05, n_pos), 0, 1)]
        )
        neg = np.column_stack(
            [rng.normal(0.40, 0.10, n_neg), np.clip(rng.normal(0.10, 0.06, n_neg), 0, 1)]
        )
        columns = ["temperature_norm", "solvent_flag"]
    else:
        pos = np.column_stack(
            [
                np.clip(rng.normal(110.0, 12.0, n_pos), 25, 150),
                np.clip(rng.normal(0.60, 0.08, n_pos), 0.05, 1.20),
            ]
        )
        neg = np.column_stack(
            [
                np.clip(rng.normal(55.0, 12.0, n_neg), 25, 150),
                np.clip(rng.normal(0.25, 0.07, n_neg), 0.05, 1.20),
            ]
        )
        columns = ["T_C", "conc_M"]
    X = np.vstack([pos, neg])
    y = np.concatenate([np.ones(n_pos, dtype=np.int64), np.zeros(n_neg, dtype=np.int64)])
    if shuffle:
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]
    return _as_output(X, y, columns, "regime", as_frame)


@validate_params(
    {
        "n_per_class": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_classes": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_points": [Interval(numbers.Integral, 8, None, closed="left")],
        "center_jitter": [Interval(numbers.Real, 0, None, closed="left")],
        "noise_std": [Interval(numbers.Real, 0, None, closed="left")],
        "baseline_std": [Interval(numbers.Real, 0, None, closed="left")],
        "scale_std": [Interval(numbers.Real, 0, None, closed="left")],
        "random_state": _RANDOM_STATE,
        "as_frame": ["boolean"],
        "return_wavenumbers": ["boolean"],
        "shuffle": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_spectra(
    n_per_class: int = 30,
    n_classes: int = 3,
    *,
    n_points: int = 600,
    center_jitter: float = 6.0,
    noise_std: float = 0.0,
    baseline_std: float = 0.0,
    scale_std: float = 0.0,
    random_state=None,
    as_frame: bool = False,
    return_wavenumbers: bool = False,
    shuffle: bool = False,
):
    """IR-like spectra: sums of three Gaussian peaks whose centres shift by class.

    On a grid of ``n_points`` wavenumbers from 400 to 1800 cm⁻¹, each class has
    three peaks, centred as in lecture 18: class 0 at 500, 980, 1480 cm⁻¹, class 1
    at 540, 1020, 1520, class 2 at 600, 1100, 1600; a further class moves on by
    the class 1 -> 2 step (60, 80, 80 cm⁻¹), so from class 5 on the last peak
    leaves the grid. Widths 22, 24, 28 and heights 1.0, 0.75, 0.6. Each spectrum
    jitters every peak's centre (sd ``center_jitter``, 6 cm⁻¹ in the lecture),
    width (sd 2, at least 8) and height (sd 0.06, at least 0.2).

    Measurement effects are off by default (clean spectra, as in the lecture);
    switch them on to mimic spectra recorded on different days or instruments:
    an intensity scale ``1 + N(0, scale_std)``, a linear baseline whose ends
    differ by ``N(0, baseline_std)`` plus an offset ``N(0, baseline_std / 2)``,
    and white noise ``N(0, noise_std)``.

    Parameters
    ----------
    n_per_class : int, default=30
        Spectra per class.
    n_classes : int, default=3
        Number of classes (peak-position families).
    n_points : int, default=600
        Points on the wavenumber axis.
    center_jitter : float, default=6.0
        Standard deviation of each peak centre within a class (cm⁻¹).
    noise_std : float, default=0.0
        White measurement noise.
    baseline_std : float, default=0.0
        Size of the per-spectrum linear baseline.
    scale_std : float, default=0.0
        Per-spectrum relative intensity scale.
    random_state : int, Generator, RandomState or None, default=None
        Seeds the draws; an int gives the same data every time.
    as_frame : bool, default=False
        Return a DataFrame whose column names are the wavenumbers (``"wn_400.0"``...)
        and a Series ``label``.
    return_wavenumbers : bool, default=False
        Also return the wavenumber grid as a third value.
    shuffle : bool, default=False
        Shuffle the rows (drawn after everything else, so the same spectra come
        out in another order). Unshuffled, the rows are grouped by class: use a
        shuffled or stratified split.

    Returns
    -------
    X : ndarray of shape (n_per_class * n_classes, n_points) or DataFrame
    y : ndarray of shape (n_per_class * n_classes,) or Series
    wavenumbers : ndarray of shape (n_points,), only with ``return_wavenumbers=True``

    Examples
    --------
    >>> from skcontrast.datasets import make_spectra
    >>> X, y, wn = make_spectra(4, 3, random_state=0, return_wavenumbers=True)
    >>> X.shape, y.tolist(), (wn[0], wn[-1])
    ((12, 600), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], (np.float64(400.0), np.float64(1800.0)))
    """
    rng = check_generator(random_state)
    wavenumbers = np.linspace(400.0, 1800.0, n_points)
    k = np.arange(n_classes)
    centers = np.array([[500.0, 980.0, 1480.0], [540.0, 1020.0, 1520.0], [600.0, 1100.0, 1600.0]])
    if n_classes > 3:  # further classes continue with the class 1 -> 2 step
        extra = centers[2] + (k[3:, None] - 2) * (centers[2] - centers[1])
        centers = np.vstack([centers, extra])
    centers = centers[:n_classes]  # (classes, 3)
    y = np.repeat(k, n_per_class).astype(np.int64)
    n = y.shape[0]
    mu = centers[y] + rng.normal(0.0, center_jitter, (n, 3))
    sig = np.maximum(8.0, np.array([22.0, 24.0, 28.0]) + rng.normal(0.0, 2.0, (n, 3)))
    amp = np.maximum(0.2, np.array([1.0, 0.75, 0.6]) + rng.normal(0.0, 0.06, (n, 3)))
    diff = (wavenumbers[None, None, :] - mu[:, :, None]) / sig[:, :, None]
    X = (amp[:, :, None] * np.exp(-0.5 * diff**2)).sum(axis=1)
    if scale_std:
        X *= 1.0 + rng.normal(0.0, scale_std, (n, 1))
    if baseline_std:
        ramp = np.linspace(-0.5, 0.5, n_points)[None, :]
        X += rng.normal(0.0, baseline_std, (n, 1)) * ramp
        X += rng.normal(0.0, baseline_std / 2, (n, 1))
    if noise_std:
        X += rng.normal(0.0, noise_std, X.shape)
    if shuffle:
        order = rng.permutation(n)
        X, y = X[order], y[order]
    decimals = 1  # enough decimals that every column name is distinct
    while len({f"{w:.{decimals}f}" for w in wavenumbers}) < n_points:
        decimals += 1
    columns = [f"wn_{w:.{decimals}f}" for w in wavenumbers]
    out = _as_output(X, y, columns, "label", as_frame)
    return (*out, wavenumbers) if return_wavenumbers else out
