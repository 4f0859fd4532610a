"""SpectrumAugmenter's curved baseline, smooth gain, and the scatter (MSC) view."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from numpy.polynomial import legendre

from skcontrast.augment import SpectrumAugmenter
from tests.augment._spectra_support import ZERO, spectra
from tests.augment._spectra_support import only as _only


def _spectra(rng, n=30, d=120):
    return spectra(rng, n, d, offset=(0.1, 0.3))  # offsets away from 0


# ------------------------------------------------------------ curved baseline


@pytest.mark.parametrize("degree", [2, 3, 5])
def test_curved_baseline_has_the_given_degree(degree, global_random_seed):
    """view - x is exactly a polynomial of the given degree, without its constant
    and linear Legendre terms (the offset and slope have their own parameters)."""
    X = _spectra(np.random.default_rng(global_random_seed), n=400, d=150)
    aug = _only(
        baseline_curve_std=0.3, baseline_curve_degree=degree, random_state=global_random_seed
    ).fit(X)
    base = aug.augment(X) - X
    t = np.linspace(-1, 1, X.shape[1])
    coef, (residual, *_) = legendre.legfit(t, base.T, degree, full=True)
    assert residual.max() < 1e-20  # an exact fit: nothing of a higher degree
    np.testing.assert_allclose(coef[:2], 0.0, atol=1e-12)  # no offset, no slope
    # each coefficient ~ N(0, baseline_curve_std): its value at the ends of the axis
    np.testing.assert_allclose(coef[2:].std(axis=1), 0.3, rtol=0.15)
    assert (np.abs(coef[2:]) > 0).all()


def test_curved_baseline_in_relative_units_follows_the_row_spread():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 60)) * np.array([0.01, 100.0]).repeat(1000)[:, None]
    aug = _only(baseline_curve_std=0.2, units="relative", random_state=0).fit(X)
    base = aug.augment(X) - X
    t = np.linspace(-1, 1, X.shape[1])
    a2 = legendre.legfit(t, base.T, 2)[2] / X.std(axis=1)
    np.testing.assert_allclose([a2[:1000].std(), a2[1000:].std()], 0.2, rtol=0.1)


# ---------------------------------------------------------------- smooth gain


def test_smooth_gain_statistics():
    """On constant rows view - 1 is g: standard deviation gain_std at every point and
    correlation exp(-d**2 / (2 l**2)) between points d apart (fractions of the axis)."""
    n, d, std, scale = 6000, 101, 0.05, 0.2
    X = np.ones((n, d))
    aug = _only(gain_std=std, gain_length_scale=scale, random_state=0).fit(X)
    g = aug.augment(X) - 1.0
    np.testing.assert_allclose(g.std(axis=0), std, rtol=0.08)
    np.testing.assert_allclose(g.mean(axis=0), 0.0, atol=0.1 * std)
    for lag in (5, 20, 40):  # d = lag / (d - 1) of the axis
        corr = np.mean(g[:, :-lag] * g[:, lag:]) / std**2
        expected = np.exp(-((lag / (d - 1)) ** 2) / (2 * scale**2))
        assert abs(corr - expected) < 0.06, (lag, corr, expected)


def test_smooth_gain_is_smooth_and_scales_with_the_length_scale():
    X = np.ones((500, 400))

    def roughness(scale):
        g = _only(gain_std=0.05, gain_length_scale=scale, random_state=0).fit(X).augment(X) - 1
        return np.abs(np.diff(g, n=2, axis=1)).mean() / g.std()

    smooth, rough = roughness(0.4), roughness(0.05)
    assert smooth < 1e-3  # nothing like white noise (whose second difference is ~2.3 std)
    assert rough > 10 * smooth  # second differences grow like 1 / length_scale**2


def test_smooth_gain_multiplies_the_spectrum():
    X = _spectra(np.random.default_rng(1))
    aug = _only(gain_std=0.05, random_state=0).fit(X)
    g = aug.augment(X) / X - 1
    again = _only(gain_std=0.05, random_state=0).fit(2.0 * X)
    np.testing.assert_allclose(again.augment(2.0 * X) / (2.0 * X) - 1, g, atol=1e-12)


# ------------------------------------------------------------------- scatter


def test_scale_and_offset_are_the_scatter_that_msc_corrects():
    """View a + b * x: MSC against the training mean maps it back to MSC(x)."""
    scatter = pytest.importorskip("chemotools.scatter")
    X = _spectra(np.random.default_rng(2), n=50, d=200)
    msc = scatter.MultiplicativeScatterCorrection().fit(X)
    for units in ("data", "relative"):
        aug = _only(scale_std=0.2, baseline_offset_std=0.3, units=units, random_state=0).fit(X)
        view = aug.augment(X)
        assert np.abs(view - X).max() > 0.1  # a strong view ...
        # ... that MSC removes entirely
        np.testing.assert_allclose(msc.transform(view), msc.transform(X), atol=1e-9)
    # a curved baseline is not scatter: MSC leaves it
    curved = _only(baseline_curve_std=0.3, random_state=0).fit(X).augment(X)
    assert np.abs(msc.transform(curved) - msc.transform(X)).max() > 0.01


# ------------------------------------------------------------- API contract


@pytest.mark.parametrize(
    "params, match",
    [
        ({"baseline_curve_std": -1}, "baseline_curve_std"),
        ({"baseline_curve_degree": 1}, "baseline_curve_degree"),
        ({"baseline_curve_degree": 2.5}, "baseline_curve_degree"),
        ({"gain_std": -0.1}, "gain_std"),
        ({"gain_length_scale": 0.0}, "gain_length_scale"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        SpectrumAugmenter(**params).fit(np.ones((3, 10)))


def test_new_views_are_off_by_default_and_at_zero_strength():
    X = _spectra(np.random.default_rng(3))
    assert SpectrumAugmenter().baseline_curve_std == 0 and SpectrumAugmenter().gain_std == 0
    view = _only(baseline_curve_degree=4, gain_length_scale=0.01, random_state=0).fit(X)
    np.testing.assert_array_equal(view.augment(X), X)


def test_single_point_spectra():
    X = np.arange(1.0, 6.0)[:, None]
    aug = _only(baseline_curve_std=0.5, gain_std=0.5, units="relative", random_state=0).fit(X)
    assert np.isfinite(aug.augment(X)).all()


def test_pickle_of_an_earlier_version_has_the_new_views_off():
    X = _spectra(np.random.default_rng(4), n=5, d=20)
    aug = SpectrumAugmenter(noise_std=0.01, random_state=0).fit(X)
    state = aug.__getstate__()
    for name in (
        "units",
        "baseline_curve_std",
        "baseline_curve_degree",
        "gain_std",
        "gain_length_scale",
        "_tilt_axis",
        "_curve_basis",
        "_frac_axis",
    ):
        state.pop(name)
    old = SpectrumAugmenter.__new__(SpectrumAugmenter)
    old.__setstate__(state)
    assert old.get_params()["gain_std"] == 0.0
    restored = pickle.loads(pickle.dumps(aug))
    np.testing.assert_array_equal(old.augment(X), restored.augment(X))


@pytest.mark.parametrize("units", ["data", "relative"])
def test_new_views_pass_the_estimator_checks(units):
    from sklearn.utils.estimator_checks import check_estimator

    from skcontrast.utils._test_common import EXPECTED_FAILED_CHECKS, INIT_PARAMS
    from skcontrast.utils.estimator_checks import check_augmenter

    params = {
        **INIT_PARAMS[SpectrumAugmenter],
        "baseline_curve_std": 0.05,
        "baseline_curve_degree": 3,
        "gain_std": 0.05,
        "units": units,
    }
    check_augmenter(SpectrumAugmenter(**params))
    check_augmenter(SpectrumAugmenter(**{**ZERO, "gain_std": 0.05}))  # each alone
    check_augmenter(SpectrumAugmenter(**{**ZERO, "baseline_curve_std": 0.05}))
    check_estimator(
        SpectrumAugmenter(**params),
        expected_failed_checks=EXPECTED_FAILED_CHECKS[SpectrumAugmenter],
    )
