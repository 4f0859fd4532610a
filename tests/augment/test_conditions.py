"""ConditionJitter: the lectures' recipes, properties and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skcontrast.augment import ConditionJitter

LECTURE_BOUNDS = [(25, 150), (0.05, 1.20), (10, 200), (0.2, 8.0)]


def _conditions(rng, n):
    """(T, conc, current, time) inside the lecture's bounds."""
    return np.column_stack(
        [
            rng.uniform(40, 130, n),
            rng.uniform(0.1, 1.1, n),
            rng.uniform(20, 190, n),
            rng.uniform(0.5, 7.5, n),
        ]
    )


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32)
matrices = st.tuples(st.integers(1, 25), st.integers(1, 6)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=finite)
)


@settings(max_examples=30)
@given(
    X=matrices,
    std=st.floats(0, 3),
    rel=st.floats(0, 0.5),
    mask=st.floats(0, 1),
    fit_bounds=st.booleans(),
    float32=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_properties(X, std, rel, mask, fit_bounds, float32, seed):
    if float32:
        X = X.astype(np.float32)
    before = X.copy()
    params = dict(std=std, relative_std=rel, mask_prob=mask, random_state=seed)
    params["bounds"] = "fit" if fit_bounds else None
    aug = ConditionJitter(**params).fit(X)
    view = aug.augment(X)
    np.testing.assert_array_equal(X, before)  # never mutated
    assert view.shape == X.shape and view.dtype == X.dtype
    assert np.isfinite(view).all()
    if fit_bounds:
        assert (view >= X.min(axis=0)).all() and (view <= X.max(axis=0)).all()
    # same int random_state replays the same views
    again = ConditionJitter(**params).fit(X)
    np.testing.assert_array_equal(again.augment(X), view)
    np.testing.assert_array_equal(again.augment(X), aug.augment(X))


@settings(max_examples=20)
@given(X=matrices, seed=st.integers(0, 1000))
def test_zero_strength_is_identity(X, seed):
    aug = ConditionJitter(std=0.0, relative_std=0.0, mask_prob=0.0, random_state=seed).fit(X)
    np.testing.assert_array_equal(aug.augment(X), X)
    # bounds="fit" on the fitted data clips nothing either
    aug = ConditionJitter(std=0.0, bounds="fit", random_state=seed).fit(X)
    np.testing.assert_array_equal(aug.augment(X), X)


@settings(max_examples=20)
@given(X=matrices, std=st.floats(0.01, 3), seed=st.integers(0, 1000))
def test_successive_views_differ(X, std, seed):
    aug = ConditionJitter(std=std, random_state=seed).fit(X)
    assert not np.array_equal(aug.augment(X), aug.augment(X))


def test_lecture18_recipe_moments(global_random_seed):
    """T ± 2 °C, conc ± 3 %, current ± 5 mA, time ± 5 %, clipped to bounds."""
    rng = np.random.default_rng(global_random_seed)
    X = _conditions(rng, 20_000)
    aug = ConditionJitter(
        std=[2.0, 0.0, 5.0, 0.0],
        relative_std=[0.0, 0.03, 0.0, 0.05],
        bounds=LECTURE_BOUNDS,
        random_state=global_random_seed,
    ).fit(X)
    view = aug.augment(X)
    low, high = np.array(LECTURE_BOUNDS).T
    assert (view >= low).all() and (view <= high).all()
    diff = view - X
    inner = (X[:, 0] > 60) & (X[:, 0] < 110)  # far from the clipping bounds
    assert np.std(diff[inner, 0]) == pytest.approx(2.0, rel=0.05)
    assert np.std(diff[:, 2]) == pytest.approx(5.0, rel=0.05)
    assert np.std(diff[:, 1] / X[:, 1]) == pytest.approx(0.03, rel=0.05)
    assert np.std(diff[:, 3] / X[:, 3]) == pytest.approx(0.05, rel=0.05)
    assert abs(np.mean(diff[:, 2])) < 0.2


def test_lecture12_z_space_recipe(global_random_seed):
    """Gaussian jitter 0.05 in z-space, then mask one column with probability 0.05."""
    rng = np.random.default_rng(global_random_seed)
    X = rng.standard_normal((40_000, 4))
    X -= X.mean(axis=0)
    aug = ConditionJitter(std=0.05, mask_prob=0.05, random_state=global_random_seed).fit(X)
    view = aug.augment(X)
    masked = view == aug.mean_  # the imputed value is exactly the fitted mean
    assert masked.sum(axis=1).max() == 1
    assert masked.any(axis=1).mean() == pytest.approx(0.05, abs=0.005)
    # the masked column is uniform over the columns
    assert masked.sum(axis=0) / masked.sum() == pytest.approx([0.25] * 4, abs=0.03)
    resid = (view - X)[~masked]
    assert np.std(resid) == pytest.approx(0.05, rel=0.03)


def test_mask_prob_one_masks_exactly_one_column_per_row():
    X = np.arange(40, dtype=float).reshape(10, 4)
    aug = ConditionJitter(std=0.0, mask_prob=1.0, random_state=0).fit(X)
    view = aug.augment(X)
    changed = view != X
    assert (changed.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(view[changed], np.broadcast_to(aug.mean_, X.shape)[changed])


def test_both_noises_on_one_column_are_independent(global_random_seed):
    X = np.full((50_000, 1), 10.0)
    aug = ConditionJitter(std=1.0, relative_std=0.1, random_state=global_random_seed).fit(X)
    # Var = std^2 + (rel * x)^2 = 1 + 1 = 2 (correlated draws would give 4)
    assert np.var(aug.augment(X)) == pytest.approx(2.0, rel=0.05)


def test_open_bounds_with_none():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    aug = ConditionJitter(std=100.0, bounds=[(None, 0.5), (0.0, None)], random_state=0).fit(X)
    view = np.vstack([aug.augment(X) for _ in range(20)])
    assert view[:, 0].max() <= 0.5 and view[:, 1].min() >= 0.0
    assert view[:, 0].min() < -10 and view[:, 1].max() > 10


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"std": -0.1}, "std"),
        ({"std": [0.1, -1.0, 0.0]}, "std must be finite and >= 0"),
        ({"std": [0.1, 0.2]}, "one value per selected column"),
        ({"relative_std": -1}, "relative_std"),
        ({"relative_std": [0, 0, np.nan]}, "relative_std"),
        ({"mask_prob": 1.5}, "mask_prob"),
        ({"mask_prob": -0.1}, "mask_prob"),
        ({"bounds": [(0, 1), (2, 1), (0, 1)]}, r"bounds\[1\] \(column 1\) must have low <= high"),
        ({"bounds": [(0, 1)]}, "one \\(low, high\\) pair per selected column"),
        ({"bounds": [(0, 1), 3, (0, 1)]}, r"bounds\[1\].*pair"),
        ({"bounds": [(0, 1), ("a", 1), (0, 1)]}, r"bounds\[1\] \(column 1\) must hold numbers"),
        ({"bounds": "data"}, "bounds"),
        ({"random_state": -1}, "random_state"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        ConditionJitter(**params).fit(np.ones((4, 3)))


def test_per_column_values_follow_columns():
    X = np.zeros((20_000, 3))
    aug = ConditionJitter(std=[1.0, 0.0], columns=[2, 0], random_state=0).fit(X)
    view = aug.augment(X)
    assert np.std(view[:, 2]) == pytest.approx(1.0, rel=0.05)
    assert (view[:, 0] == 0).all() and (view[:, 1] == 0).all()


@settings(max_examples=25)
@given(
    data=st.data(),
    n=st.integers(1, 30),
    k=st.integers(1, 5),
    std=st.floats(0, 50),
    rel=st.floats(0, 2),
    seed=st.integers(0, 1000),
)
def test_explicit_bounds_are_respected(data, n, k, std, rel, seed):
    lows = data.draw(st.lists(st.floats(-100, 100), min_size=k, max_size=k))
    widths = data.draw(st.lists(st.floats(0, 50), min_size=k, max_size=k))
    bounds = [(lo, lo + w) for lo, w in zip(lows, widths, strict=True)]
    X = np.random.default_rng(seed).uniform(-200, 200, size=(n, k))
    aug = ConditionJitter(std=std, relative_std=rel, bounds=bounds, random_state=seed).fit(X)
    for float32 in (False, True):
        Xd = X.astype(np.float32) if float32 else X
        view = aug.augment(Xd)
        low, high = np.array(bounds, dtype=Xd.dtype).T
        assert (view >= low).all() and (view <= high).all()


# ------------------------------------------------------------------ units="std"


@settings(max_examples=25)
@given(
    X=matrices,
    std=st.floats(0, 3),
    rel=st.floats(0, 0.5),
    float32=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_std_units_equal_data_units_times_column_std(X, std, rel, float32, seed):
    """units="std" is units="data" with std times each column's spread (ddof=0): the
    fitted std_ holds the data-unit values, and the views are equal by construction."""
    if float32:
        X = X.astype(np.float32)
    rel_aug = ConditionJitter(std=std, relative_std=rel, units="std", random_state=seed).fit(X)
    column_std = X.std(axis=0, dtype=np.float64)
    column_std[X.min(axis=0) == X.max(axis=0)] = 0.0  # a constant column gets no noise
    np.testing.assert_array_equal(rel_aug.std_, std * column_std)
    data_aug = ConditionJitter(
        std=rel_aug.std_, relative_std=rel, units="data", random_state=seed
    ).fit(X)
    np.testing.assert_array_equal(rel_aug.augment(X), data_aug.augment(X))
    assert np.isfinite(rel_aug.augment(X)).all()


@settings(max_examples=25)
@given(
    X=matrices,
    c=st.floats(1e-3, 1e3),
    seed=st.integers(0, 2**32 - 1),
)
def test_std_units_are_invariant_to_rescaling(X, c, seed):
    """augment(c X) == c augment(X) for the same seed, relative and multiplicative noise."""
    params = dict(std=0.3, relative_std=0.1, units="std", random_state=seed)
    view = ConditionJitter(**params).fit(X).augment(X)
    scaled = ConditionJitter(**params).fit(c * X).augment(c * X)
    scale = c * max(1.0, float(np.abs(X).max()))
    np.testing.assert_allclose(scaled, c * view, rtol=1e-9, atol=1e-12 * scale)


def test_std_units_constant_column_gets_no_noise():
    X = np.column_stack([np.full(50, 1e6 / 3), np.linspace(0.0, 1.0, 50)])
    aug = ConditionJitter(std=0.5, units="std", random_state=0).fit(X)
    assert aug.std_[0] == 0.0 and aug.std_[1] > 0
    view = aug.augment(X)
    np.testing.assert_array_equal(view[:, 0], X[:, 0])
    assert np.isfinite(view).all() and (view[:, 1] != X[:, 1]).any()


def test_std_units_applied_noise_has_the_column_spread():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 2)) * np.array([[3.0, 0.01]])
    aug = ConditionJitter(std=0.1, units="std", random_state=0).fit(X)
    delta = aug.augment(X) - X
    np.testing.assert_allclose(delta.std(axis=0), 0.1 * X.std(axis=0), rtol=0.03)


def test_std_units_on_csr_match_dense():
    import scipy.sparse as sp

    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 5)) * (rng.uniform(size=(30, 5)) < 0.4)
    X[:, 2] = 0.0  # an all-zero (constant) column
    dense = ConditionJitter(std=0.2, units="std", random_state=0).fit(X)
    sparse = ConditionJitter(std=0.2, units="std", random_state=0).fit(sp.csr_matrix(X))
    np.testing.assert_allclose(sparse.std_, dense.std_, rtol=1e-12)
    assert dense.std_[2] == 0.0 and sparse.std_[2] == 0.0


def test_units_is_validated():
    with pytest.raises(ValueError, match="units"):
        ConditionJitter(units="percent").fit(np.ones((3, 2)))


def test_pickle_of_an_earlier_version_keeps_data_units():
    import pickle

    X = np.arange(12.0).reshape(6, 2)
    aug = ConditionJitter(std=0.5, random_state=0).fit(X)
    state = aug.__getstate__()
    state.pop("units")  # as pickled before ``units`` existed
    old = ConditionJitter.__new__(ConditionJitter)
    old.__setstate__(state)
    assert old.get_params()["units"] == "data"
    restored = pickle.loads(pickle.dumps(aug))
    np.testing.assert_array_equal(old.augment(X), restored.augment(X))


def test_std_units_pass_the_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    from skcontrast.utils._test_common import EXPECTED_FAILED_CHECKS
    from skcontrast.utils.estimator_checks import check_augmenter

    aug = ConditionJitter(std=0.1, relative_std=0.05, mask_prob=0.2, units="std", random_state=0)
    check_augmenter(aug)
    check_estimator(aug, expected_failed_checks=EXPECTED_FAILED_CHECKS[ConditionJitter])
