"""SpectrumAugmenter(units="relative"): strengths in multiples of each spectrum's spread."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcontrast.augment import SpectrumAugmenter
from tests.augment._spectra_support import only as _only
from tests.augment._spectra_support import spectra as _spectra

relative_strengths = st.fixed_dictionaries(
    {
        "noise_std": st.floats(0, 0.5),
        "scale_std": st.floats(0, 0.5),
        "baseline_slope_std": st.floats(0, 0.5),
        "baseline_offset_std": st.floats(0, 0.5),
        "max_shift": st.integers(0, 5),
        "stretch_std": st.floats(0, 0.05),
        "band_dropout_prob": st.floats(0, 1),
        "band_max_width": st.integers(1, 8),
        "baseline_curve_std": st.floats(0, 0.5),
        "baseline_curve_degree": st.integers(2, 4),
        "gain_std": st.floats(0, 0.2),
    }
)


@settings(max_examples=30, deadline=None)
@given(
    params=relative_strengths,
    c=st.floats(1e-3, 1e3),
    d=st.integers(10, 80),
    seed=st.integers(0, 2**32 - 1),
)
def test_relative_views_are_invariant_to_rescaling(params, c, d, seed):
    """augment(c X) == c augment(X) for the same seed (c > 0)."""
    X = _spectra(np.random.default_rng(seed % 1000), n=12, d=d)
    aug = SpectrumAugmenter(**params, units="relative", random_state=seed)
    view = aug.fit(X).augment(X)
    scaled = aug.fit(c * X).augment(c * X)
    np.testing.assert_allclose(scaled, c * view, rtol=1e-9, atol=1e-12 * c)


@settings(max_examples=30, deadline=None)
@given(
    params=relative_strengths,
    k=st.floats(-1e2, 1e2),
    seed=st.integers(0, 2**32 - 1),
)
def test_offset_free_relative_views_are_invariant_to_a_shift(params, k, seed):
    """Without intensity scaling or gain, augment(X + k) == augment(X) + k."""
    X = _spectra(np.random.default_rng(seed % 1000), n=12, d=40)
    aug = SpectrumAugmenter(
        **{**params, "scale_std": 0.0, "gain_std": 0.0}, units="relative", random_state=seed
    )
    view = aug.fit(X).augment(X)
    shifted = aug.fit(X + k).augment(X + k)
    np.testing.assert_allclose(shifted, view + k, rtol=0, atol=1e-9 * (1 + abs(k)))


def test_relative_noise_is_in_multiples_of_the_row_spread():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 500)) * np.geomspace(1e-3, 1e3, 400)[:, None]
    aug = _only(noise_std=0.1, units="relative", random_state=0).fit(X)
    ratio = (aug.augment(X) - X).std(axis=1) / X.std(axis=1)
    np.testing.assert_allclose(ratio, 0.1, rtol=0.15)


@pytest.mark.parametrize("d", [100, 1841])
def test_relative_slope_is_the_end_to_end_tilt(d):
    """One setting, the same tilt (in row spreads) on a short and a long spectrum."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, d))
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)  # SNV
    aug = _only(baseline_slope_std=0.2, units="relative", random_state=0).fit(X)
    base = aug.augment(X) - X
    np.testing.assert_allclose(np.diff(base, n=2, axis=1), 0.0, atol=1e-12)  # a line
    np.testing.assert_allclose(base.mean(axis=1), 0.0, atol=1e-12)  # about the centre
    tilt = base[:, -1] - base[:, 0]
    assert abs(tilt.std() / 0.2 - 1) < 0.08


def test_relative_offset_scales_with_the_row_spread():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 50)) * np.array([0.01, 100.0]).repeat(1500)[:, None]
    aug = _only(baseline_offset_std=0.3, units="relative", random_state=0).fit(X)
    offset = (aug.augment(X) - X).mean(axis=1) / X.std(axis=1)
    np.testing.assert_allclose(offset[:1500].std(), 0.3, rtol=0.1)
    np.testing.assert_allclose(offset[1500:].std(), 0.3, rtol=0.1)


def test_relative_constant_row_gets_no_additive_view():
    X = np.vstack([np.full(30, 1e6 / 3), np.linspace(0, 1, 30)])
    aug = _only(
        noise_std=0.3,
        baseline_offset_std=0.3,
        baseline_slope_std=0.3,
        units="relative",
        random_state=0,
    ).fit(X)
    view = aug.augment(X)
    np.testing.assert_array_equal(view[0], X[0])
    assert np.isfinite(view).all() and (view[1] != X[1]).any()


def test_data_units_views_are_unchanged_by_the_new_parameter():
    """units="data" (the default) draws and applies exactly what it did before."""
    X = _spectra(np.random.default_rng(3))
    params = dict(
        noise_std=0.05,
        scale_std=0.1,
        baseline_slope_std=0.001,
        baseline_offset_std=0.1,
        max_shift=2,
        random_state=0,
    )
    a = SpectrumAugmenter(**params).fit(X)
    b = SpectrumAugmenter(**params, units="data").fit(X)
    np.testing.assert_array_equal(a.augment(X), b.augment(X))
    # the per-index slope: slope * (i - c)
    only = _only(baseline_slope_std=0.01, random_state=0).fit(X)
    base = only.augment(X) - X
    step = np.diff(base, axis=1)
    np.testing.assert_allclose(step, np.broadcast_to(step[:, :1], step.shape), atol=1e-12)


def test_units_is_validated():
    with pytest.raises(ValueError, match="units"):
        SpectrumAugmenter(units="std").fit(np.ones((3, 5)))


def test_pickle_of_an_earlier_version_keeps_data_units():
    X = _spectra(np.random.default_rng(4), n=5, d=20)
    aug = SpectrumAugmenter(baseline_slope_std=0.01, random_state=0).fit(X)
    state = aug.__getstate__()
    state.pop("units")
    state.pop("_tilt_axis")  # as pickled before ``units`` existed
    old = SpectrumAugmenter.__new__(SpectrumAugmenter)
    old.__setstate__(state)
    assert old.get_params()["units"] == "data"
    restored = pickle.loads(pickle.dumps(aug))
    np.testing.assert_array_equal(old.augment(X), restored.augment(X))


def test_relative_units_pass_the_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    from skcontrast.utils._test_common import EXPECTED_FAILED_CHECKS, INIT_PARAMS
    from skcontrast.utils.estimator_checks import check_augmenter

    aug = SpectrumAugmenter(**{**INIT_PARAMS[SpectrumAugmenter], "units": "relative"})
    check_augmenter(aug)
    check_estimator(aug, expected_failed_checks=EXPECTED_FAILED_CHECKS[SpectrumAugmenter])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1e-30, 1.0, 1e30])
def test_row_spread_is_the_population_std(dtype, size):
    """Each row's spread, as NumPy's std in float64, without overflow of the squares
    (float32 rows near 1e30) and exactly 0 for constant rows."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X = (size * np.cumsum(rng.normal(size=(40, 445)), axis=1)).astype(dtype)
    X[3] = dtype(size / 3)  # constant rows: exactly 0
    X[4] = 0.0
    X[5, :] = X[5, 0]
    X[6] = size * (1e4 + rng.normal(0, 1e-3, 445)).astype(dtype)  # a small spread on a big mean
    spread = SpectrumAugmenter._row_spread(torch.from_numpy(X)).numpy()[:, 0]
    assert spread.dtype == dtype and np.isfinite(spread).all()
    expected = X.astype(np.float64).std(axis=1)
    expected[3:6] = 0.0  # NumPy's own rounding leaves constant rows a tiny spread
    assert (spread[3:6] == 0).all()
    rtol = 1e-4 if dtype == np.float32 else 1e-8  # row 6 cancels 7 digits
    np.testing.assert_allclose(spread, expected, rtol=rtol, atol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_spread_of_rows_near_the_largest_float(dtype):
    torch = pytest.importorskip("torch")
    big = np.finfo(dtype).max / 4  # squares overflow; the spreads do not
    X = np.zeros((3, 50), dtype=dtype)
    X[0, ::2], X[0, 1::2] = big, -big
    X[1, :] = big
    X[2, 0] = big
    spread = SpectrumAugmenter._row_spread(torch.from_numpy(X)).numpy()[:, 0]
    expected = (X / big).astype(np.float64).std(axis=1) * big
    expected[1] = 0.0
    np.testing.assert_allclose(spread, expected, rtol=1e-5)
