"""SpectrumAugmenter: each operation alone, the full recipe, properties and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcontrast.augment import SpectrumAugmenter
from tests.augment._spectra_support import only as _only
from tests.augment._spectra_support import spectra as _spectra

strengths = st.fixed_dictionaries(
    {
        "noise_std": st.floats(0, 0.5),
        "scale_std": st.floats(0, 0.5),
        "baseline_slope_std": st.floats(0, 0.05),
        "baseline_offset_std": st.floats(0, 0.5),
        "max_shift": st.integers(0, 10),
        "stretch_std": st.floats(0, 0.2),
        "band_dropout_prob": st.floats(0, 1),
        "band_max_width": st.integers(1, 8),
        "normalize": st.sampled_from([None, "minmax", "l2", "snv"]),
    }
)


@settings(max_examples=30)
@given(
    params=strengths,
    n=st.integers(1, 20),
    d=st.integers(8, 60),
    float32=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_properties(params, n, d, float32, seed):
    X = _spectra(np.random.default_rng(seed), n, d)
    if float32:
        X = X.astype(np.float32)
    before = X.copy()
    aug = SpectrumAugmenter(**params, random_state=seed).fit(X)
    view = aug.augment(X)
    np.testing.assert_array_equal(X, before)
    assert view.shape == X.shape and view.dtype == X.dtype
    assert np.isfinite(view).all()
    replay = SpectrumAugmenter(**params, random_state=seed).fit(X)
    np.testing.assert_array_equal(replay.augment(X), view)


@settings(max_examples=20)
@given(n=st.integers(1, 10), d=st.integers(1, 50), seed=st.integers(0, 1000))
def test_zero_strength_is_identity(n, d, seed):
    X = _spectra(np.random.default_rng(seed), n, d)
    np.testing.assert_array_equal(_only(random_state=seed).fit(X).augment(X), X)


@settings(max_examples=20)
@given(params=strengths, seed=st.integers(0, 1000))
def test_successive_views_differ(params, seed):
    params = {**params, "noise_std": max(params["noise_std"], 0.01)}
    X = _spectra(np.random.default_rng(seed), 5, 40)
    aug = SpectrumAugmenter(**params, random_state=seed).fit(X)
    assert not np.array_equal(aug.augment(X), aug.augment(X))


def _shifted(row, s):
    """row shifted right by s points, edge values repeated."""
    idx = np.clip(np.arange(row.size) - s, 0, row.size - 1)
    return row[idx]


@settings(max_examples=25)
@given(max_shift=st.integers(1, 12), d=st.integers(2, 80), seed=st.integers(0, 1000))
def test_shift_never_exceeds_max_shift(max_shift, d, seed):
    X = np.random.default_rng(seed).uniform(size=(40, d))
    view = _only(max_shift=max_shift, random_state=seed).fit(X).augment(X)
    seen = set()
    for row, out in zip(X, view, strict=True):
        shifts = [
            s
            for s in range(-max_shift, max_shift + 1)
            if np.allclose(out, _shifted(row, s), rtol=0, atol=1e-9)
        ]
        assert shifts, "a row is not an integer shift within max_shift"
        seen.update(shifts)
    if d > 2 * max_shift:
        assert len(seen) > 1


def test_shifts_are_uniform(global_random_seed):
    X = np.tile(np.arange(50.0), (20_000, 1))
    view = _only(max_shift=3, random_state=global_random_seed).fit(X).augment(X)
    shifts = np.rint(X[:, 25] - view[:, 25]).astype(int)
    counts = np.bincount(shifts + 3, minlength=7) / len(shifts)
    assert counts == pytest.approx([1 / 7] * 7, abs=0.015)


def test_stretch_is_about_the_centre(global_random_seed):
    d = 101
    X = np.tile(np.arange(d, dtype=float), (500, 1))
    view = _only(stretch_std=0.05, random_state=global_random_seed).fit(X).augment(X)
    # a ramp stays a (clipped) ramp, monotone, with its centre fixed
    assert (np.diff(view, axis=1) >= -1e-9).all()
    np.testing.assert_allclose(view[:, 50], 50.0, atol=1e-9)
    slopes = view[:, 51] - view[:, 50]  # = 1 / stretch factor
    assert np.std(np.log(slopes)) == pytest.approx(0.05, rel=0.15)


def test_scale_only_is_a_per_row_factor(global_random_seed):
    X = _spectra(np.random.default_rng(global_random_seed), 4000, 30)
    view = _only(scale_std=0.1, random_state=global_random_seed).fit(X).augment(X)
    factor = view / X
    np.testing.assert_allclose(factor, factor[:, :1] * np.ones_like(factor), rtol=1e-12)
    assert np.std(factor[:, 0]) == pytest.approx(0.1, rel=0.06)
    assert np.mean(factor[:, 0]) == pytest.approx(1.0, abs=0.01)


def test_baseline_is_linear_and_centred(global_random_seed):
    X = _spectra(np.random.default_rng(global_random_seed), 4000, 41)
    aug = _only(baseline_slope_std=0.002, baseline_offset_std=0.1, random_state=global_random_seed)
    base = aug.fit(X).augment(X) - X
    np.testing.assert_allclose(np.diff(base, n=2, axis=1), 0.0, atol=1e-12)
    slope = base[:, 1] - base[:, 0]
    assert np.std(slope) == pytest.approx(0.002, rel=0.06)
    assert np.std(base[:, 20]) == pytest.approx(0.1, rel=0.06)  # the offset, at the centre


def test_noise_moments(global_random_seed):
    X = _spectra(np.random.default_rng(global_random_seed), 200, 100).astype(np.float32)
    view = _only(noise_std=0.02, random_state=global_random_seed).fit(X).augment(X)
    noise = (view - X).astype(np.float64)
    assert np.std(noise) == pytest.approx(0.02, rel=0.02)
    assert abs(np.mean(noise)) < 0.001


@settings(max_examples=25)
@given(width=st.integers(1, 15), d=st.integers(15, 60), seed=st.integers(0, 1000))
def test_band_dropout_flattens_one_window(width, d, seed):
    X = np.random.default_rng(seed).uniform(size=(30, d))
    aug = _only(band_dropout_prob=1.0, band_max_width=width, random_state=seed).fit(X)
    view = aug.augment(X)
    for row, out in zip(X, view, strict=True):
        changed = np.flatnonzero(out != row)
        assert 1 <= changed.size <= width  # every point of the window changes
        lo, hi = changed[0] - 1, changed[-1] + 1  # the neighbours just outside it
        assert changed[-1] - changed[0] + 1 == changed.size  # one contiguous window
        if lo < 0:  # at the left edge: held at the right neighbour
            np.testing.assert_allclose(out[:hi], row[hi], rtol=1e-12, atol=1e-12)
        elif hi >= d:  # at the right edge: held at the left neighbour
            np.testing.assert_allclose(out[lo + 1 :], row[lo], rtol=1e-12, atol=1e-12)
        else:
            line = np.linspace(row[lo], row[hi], hi - lo + 1)
            np.testing.assert_allclose(out[lo : hi + 1], line, rtol=1e-12, atol=1e-12)


def test_band_dropout_probability_and_widths(global_random_seed):
    X = np.random.default_rng(global_random_seed).uniform(size=(10_000, 50))
    aug = _only(band_dropout_prob=0.3, band_max_width=10, random_state=global_random_seed)
    view = aug.fit(X).augment(X)
    changed = (view != X).sum(axis=1)
    # widths 1..10 are uniform and a window of width w changes all its w points
    assert (changed > 0).mean() == pytest.approx(0.3, abs=0.02)
    assert changed.max() == 10
    assert changed[changed > 0].mean() == pytest.approx(5.5, abs=0.2)


@pytest.mark.parametrize("how", ["minmax", "l2", "snv"])
def test_normalisations(how, global_random_seed):
    X = _spectra(np.random.default_rng(global_random_seed), 50, 80)
    X[0] = 1.0  # a constant row stays finite
    view = _only(noise_std=0.05, normalize=how, random_state=global_random_seed).fit(X).augment(X)
    rows = view[1:]
    if how == "minmax":
        np.testing.assert_allclose(rows.min(axis=1), 0.0, atol=1e-12)
        np.testing.assert_allclose(rows.max(axis=1), 1.0, atol=1e-12)
    elif how == "l2":
        np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-12)
    else:
        np.testing.assert_allclose(rows.mean(axis=1), 0.0, atol=1e-12)
        np.testing.assert_allclose(rows.std(axis=1), 1.0, atol=1e-12)
    assert np.isfinite(view).all()
    constant = _only(normalize=how).fit(X[:1]).augment(X[:1])
    expected = {"minmax": 0.0, "l2": 1 / np.sqrt(80), "snv": 0.0}[how]
    np.testing.assert_allclose(constant, expected, atol=1e-12)  # a constant row's image


@pytest.mark.parametrize("how", ["minmax", "l2", "snv"])
@pytest.mark.parametrize("magnitude", [1e-40, 1e20, 3e38])
def test_normalisations_do_not_overflow_on_finite_float32(how, magnitude):
    """Finite rows of any magnitude normalise to finite, correct rows (minmax made
    NaN of a row spanning more than float32's range, l2 zeroed rows above ~1e19)."""
    X = _spectra(np.random.default_rng(0), 5, 40) - 0.5
    X = (X / np.abs(X).max(axis=1, keepdims=True) * magnitude).astype(np.float32)
    assert np.isfinite(X).all()
    view = _only(normalize=how).fit(X).augment(X).astype(np.float64)
    assert np.isfinite(view).all()
    if how == "minmax":
        np.testing.assert_allclose(view.min(axis=1), 0.0, atol=1e-6)
        np.testing.assert_allclose(view.max(axis=1), 1.0, atol=1e-6)
    elif how == "l2":
        np.testing.assert_allclose(np.linalg.norm(view, axis=1), 1.0, atol=1e-5)
    else:
        np.testing.assert_allclose(view.mean(axis=1), 0.0, atol=1e-5)
        np.testing.assert_allclose(view.std(axis=1), 1.0, atol=1e-5)


def test_lecture18_view_recipe_runs_on_float32():
    X = _spectra(np.random.default_rng(0), 90, 600).astype(np.float32)
    aug = SpectrumAugmenter(
        noise_std=0.06,
        scale_std=0.15,
        baseline_slope_std=0.0015,
        max_shift=4,
        stretch_std=0.015,
        band_dropout_prob=0.5,
        band_max_width=35,
        normalize="minmax",
        random_state=0,
    ).fit(X)
    v1, v2 = aug.augment(X), aug.augment(X)
    assert v1.dtype == np.float32 and not np.array_equal(v1, v2)
    assert np.allclose(v1.min(axis=1), 0) and np.allclose(v1.max(axis=1), 1)
    # views of the same row stay closer to each other than to other rows
    d_same = np.linalg.norm(v1 - v2, axis=1).mean()
    d_other = np.linalg.norm(v1 - np.roll(v2, 45, axis=0), axis=1).mean()
    assert d_same < d_other


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"noise_std": -0.1}, "noise_std"),
        ({"scale_std": -1}, "scale_std"),
        ({"baseline_slope_std": -1}, "baseline_slope_std"),
        ({"baseline_offset_std": -1}, "baseline_offset_std"),
        ({"max_shift": -1}, "max_shift"),
        ({"max_shift": 1.5}, "max_shift"),
        ({"stretch_std": -0.1}, "stretch_std"),
        ({"band_dropout_prob": 1.1}, "band_dropout_prob"),
        ({"band_max_width": 0}, "band_max_width"),
        ({"normalize": "area"}, "normalize"),
        ({"band_dropout_prob": 0.5, "band_max_width": 11}, r"band_max_width=11 .*10 feature"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        SpectrumAugmenter(**params).fit(np.ones((3, 10)))


def test_band_wider_than_spectrum_is_fine_without_dropout():
    SpectrumAugmenter(band_max_width=50).fit(np.ones((3, 10)))


def test_columns_select_the_spectrum_block():
    rng = np.random.default_rng(0)
    X = np.hstack([rng.uniform(size=(10, 3)), _spectra(rng, 10, 40)])
    aug = SpectrumAugmenter(max_shift=3, normalize="snv", columns=slice(3, None), random_state=0)
    view = aug.fit(X).augment(X)
    np.testing.assert_array_equal(view[:, :3], X[:, :3])
    np.testing.assert_allclose(view[:, 3:].mean(axis=1), 0, atol=1e-12)


def test_cpu_blocks_give_the_same_view(monkeypatch):
    """The CPU warp runs in blocks of rows; block size must not change the view."""
    import torch

    from skcontrast.augment import _spectra as spectra_module

    X = _spectra(np.random.default_rng(0), 23, 40)
    aug = _only(max_shift=3, stretch_std=0.05, noise_std=0.01, random_state=0).fit(X)
    Xt = torch.from_numpy(X)
    whole = aug.augment_tensor(Xt, torch.Generator().manual_seed(1))
    monkeypatch.setattr(spectra_module, "_CPU_BLOCK", 3 * 40 + 7)  # 3 rows per block, 8 blocks
    blocks = aug.augment_tensor(Xt, torch.Generator().manual_seed(1))
    assert torch.equal(whole, blocks)
