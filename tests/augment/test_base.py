"""Behaviour shared by every augmenter: columns=, containers, validation, torch entry point."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skcontrast.augment import BitDropout, ConditionJitter, SpectrumAugmenter

AUGMENTERS = [
    ConditionJitter(std=0.3, relative_std=0.1, mask_prob=0.3, random_state=0),
    SpectrumAugmenter(
        noise_std=0.05,
        scale_std=0.1,
        baseline_slope_std=0.01,
        baseline_offset_std=0.1,
        max_shift=2,
        stretch_std=0.02,
        band_dropout_prob=0.5,
        band_max_width=3,
        normalize="snv",
        random_state=0,
    ),
    BitDropout(p=0.3, random_state=0),
]
IDS = [type(a).__name__ for a in AUGMENTERS]


def _data(rng, n=20, d=12):
    return rng.uniform(0.5, 2.0, size=(n, d))


@pytest.mark.parametrize("augmenter", AUGMENTERS, ids=IDS)
@settings(max_examples=15)
@given(data=st.data())
def test_columns_leave_other_columns_bit_identical(augmenter, data):
    augmenter = clone(augmenter)
    d = 12
    mask = data.draw(st.lists(st.booleans(), min_size=d, max_size=d).filter(lambda m: sum(m) >= 4))
    cols = np.flatnonzero(mask)
    X = _data(np.random.default_rng(data.draw(st.integers(0, 100))), d=d)
    aug = augmenter.set_params(columns=cols.tolist()).fit(X)
    view = aug.augment(X)
    others = np.setdiff1d(np.arange(d), cols)
    np.testing.assert_array_equal(view[:, others], X[:, others])
    assert not np.array_equal(view[:, cols], X[:, cols])
    # the same selection as a boolean mask, a slice-free name list: same view
    assert aug.columns_.tolist() == cols.tolist()


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ([0, 2], [0, 2]),
        ([-1], [4]),
        (np.array([True, False, False, False, True]), [0, 4]),
        (slice(1, 3), [1, 2]),
        (["b", "e"], [1, 4]),
        (pd.Index(["c"]), [2]),
    ],
)
def test_columns_forms(columns, expected):
    X = pd.DataFrame(np.ones((3, 5)), columns=list("abcde"))
    aug = ConditionJitter(columns=columns).fit(X)
    assert aug.columns_.tolist() == expected


@pytest.mark.parametrize(
    ("columns", "match"),
    [
        (["zz"], "unknown column name"),
        ([7], "out of range"),
        ([True, False], "boolean mask"),
        ([0, 0], "more than once"),
        (slice(3, 3), "selects no column"),
        ([0.5], "columns must be"),
    ],
)
def test_bad_columns(columns, match):
    X = pd.DataFrame(np.ones((3, 5)), columns=list("abcde"))
    with pytest.raises((ValueError, TypeError), match=match):
        ConditionJitter(columns=columns).fit(X)


def test_column_names_need_a_dataframe():
    with pytest.raises(ValueError, match="feature_names_in_"):
        BitDropout(columns=["a"]).fit(np.ones((2, 2)))


@pytest.mark.parametrize("augmenter", AUGMENTERS, ids=IDS)
def test_nan_and_inf_are_rejected_naming_column_and_row(augmenter):
    augmenter = clone(augmenter)
    X = np.ones((6, 8))
    X[4, 3] = np.nan
    with pytest.raises(ValueError, match=r"NaN.*column 3.*4"):
        augmenter.fit(X)
    good = augmenter.fit(np.ones((6, 8)))
    X[4, 3] = np.inf
    with pytest.raises(ValueError, match=r"infinity.*column 3"):
        good.augment(X)


@pytest.mark.parametrize("augmenter", AUGMENTERS, ids=IDS)
def test_pandas_in_pandas_out(augmenter):
    augmenter = clone(augmenter)
    rng = np.random.default_rng(0)
    X = pd.DataFrame(_data(rng), columns=[f"f{i}" for i in range(12)], index=range(100, 120))
    aug = augmenter.fit(X)
    view = aug.augment(X)
    assert isinstance(view, pd.DataFrame)
    assert view.index.equals(X.index) and view.columns.equals(X.columns)
    for out in (aug.fit_transform(X), aug.transform(X)):  # the same container as X
        assert isinstance(out, pd.DataFrame)
        assert out.index.equals(X.index) and out.columns.equals(X.columns)
    pd.testing.assert_frame_equal(aug.transform(X), X)
    assert isinstance(aug.transform(X.to_numpy()), np.ndarray)
    assert aug.get_feature_names_out().tolist() == list(X.columns)


@pytest.mark.parametrize("augmenter", AUGMENTERS, ids=IDS)
def test_csr_in_csr_out_same_views_as_dense(augmenter):
    """CSR (e.g. count fingerprints) is fitted without densifying; views match dense."""
    rng = np.random.default_rng(0)
    X = _data(rng) * (rng.uniform(size=(20, 12)) < 0.4)
    dense, csr = clone(augmenter).fit(X), clone(augmenter).fit(sp.csr_matrix(X))
    for name in ("mean_", "bounds_"):
        if getattr(dense, name, None) is not None:
            np.testing.assert_allclose(getattr(csr, name), getattr(dense, name), rtol=1e-12)
    view = csr.augment(sp.csr_matrix(X))
    assert sp.issparse(view) and view.shape == X.shape
    np.testing.assert_allclose(view.toarray(), dense.augment(X), rtol=1e-12, atol=1e-15)
    assert sp.issparse(csr.transform(sp.csr_matrix(X)))
    np.testing.assert_array_equal(csr.transform(sp.csr_matrix(X)).toarray(), X)
    X[7, 5] = np.nan
    with pytest.raises(ValueError, match=r"NaN.*column 5.*row\(s\) 7"):
        clone(augmenter).fit(sp.csr_matrix(X))


def test_bounds_fit_on_csr_count_the_implicit_zeros():
    X = sp.csr_matrix(np.array([[1.0, 0.0], [2.0, 3.0]]))
    aug = ConditionJitter(bounds="fit").fit(X)
    np.testing.assert_array_equal(aug.bounds_, [[1.0, 2.0], [0.0, 3.0]])


@pytest.mark.parametrize("augmenter", AUGMENTERS, ids=IDS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_augment_tensor_contract(augmenter, dtype):
    augmenter = clone(augmenter)
    rng = np.random.default_rng(0)
    X_np = _data(rng)
    aug = augmenter.fit(X_np)
    X = torch.as_tensor(X_np, dtype=dtype)
    X_before = X.clone()
    global_state = torch.get_rng_state()
    a = aug.augment_tensor(X, torch.Generator().manual_seed(3))
    b = aug.augment_tensor(X, torch.Generator().manual_seed(3))
    assert torch.equal(torch.get_rng_state(), global_state), "global torch RNG was used"
    assert a.dtype == dtype and a.shape == X.shape and a.device == X.device
    assert a.data_ptr() != X.data_ptr()
    assert torch.equal(X, X_before)
    assert torch.equal(a, b), "the same generator seed must give the same view"
    c = aug.augment_tensor(X, torch.Generator().manual_seed(4))
    assert not torch.equal(a, c)


@pytest.mark.parametrize("augmenter", AUGMENTERS, ids=IDS)
def test_augment_tensor_errors(augmenter):
    augmenter = clone(augmenter)
    aug = augmenter.fit(np.ones((4, 12)))
    g = torch.Generator()
    with pytest.raises(ValueError, match="expecting 12 features"):
        aug.augment_tensor(torch.ones(4, 5), g)
    with pytest.raises(ValueError, match="2-D floating-point"):
        aug.augment_tensor(torch.ones(4, 12, dtype=torch.int64), g)
    with pytest.raises(NotFittedError):
        type(augmenter)().augment_tensor(torch.ones(4, 12), g)


@pytest.mark.parametrize("augmenter", AUGMENTERS, ids=IDS)
def test_tensor_cache_is_not_pickled(augmenter):
    augmenter = clone(augmenter)
    aug = augmenter.set_params(columns=[0, 2, 3, 4, 5]).fit(np.ones((4, 12)))
    aug.augment(np.ones((4, 12)))
    assert aug._tensor_cache, "statistics should be cached as tensors after a view"
    restored = pickle.loads(pickle.dumps(aug))
    assert "_tensor_cache" not in restored.__dict__
    np.testing.assert_array_equal(restored.augment(np.ones((4, 12))), aug.augment(np.ones((4, 12))))


@pytest.mark.parametrize("augmenter", AUGMENTERS, ids=IDS)
def test_unfitted_methods_raise(augmenter):
    augmenter = clone(augmenter)
    for method in ("augment", "transform"):
        with pytest.raises(NotFittedError):
            getattr(type(augmenter)(), method)(np.ones((2, 12)))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("augmenter", AUGMENTERS, ids=IDS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_augment_tensor_on_cuda(augmenter, dtype):
    augmenter = clone(augmenter)
    aug = augmenter.set_params(columns=None).fit(np.random.default_rng(0).uniform(size=(30, 12)))
    X = torch.rand(30, 12, dtype=dtype, device="cuda")
    before = X.clone()
    out = aug.augment_tensor(X, torch.Generator(device="cuda").manual_seed(0))
    assert out.device == X.device and out.dtype == dtype and out.shape == X.shape
    assert torch.equal(X, before) and torch.isfinite(out).all()
    assert not torch.equal(out, X)


@pytest.mark.parametrize(
    "augmenter",
    [
        *AUGMENTERS,
        ConditionJitter(std=0.1, relative_std=0.2, mask_prob=0.3, bounds="fit", columns=[1, 3]),
        SpectrumAugmenter(
            max_shift=2,
            stretch_std=0.1,
            band_dropout_prob=1.0,
            band_max_width=4,
            normalize="minmax",
        ),
        SpectrumAugmenter(scale_std=0.1, noise_std=0.0, normalize="l2", columns=slice(2, None)),
    ],
    ids=lambda a: type(a).__name__,
)
def test_augment_tensor_never_reads_values_on_the_host(augmenter):
    """On the meta device a tensor has no data: any .item(), .cpu() or data-dependent
    shape would raise, so passing here means no host synchronisation on CUDA, and the
    fitted statistics follow X's device."""
    aug = clone(augmenter).set_params(random_state=0).fit(_data(np.random.default_rng(0)))
    X = torch.empty(20, 12, device="meta")
    out = aug.augment_tensor(X, torch.Generator())
    assert out.device.type == "meta" and out.shape == X.shape and out.dtype == X.dtype
