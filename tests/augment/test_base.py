"""Behaviour shared by every augmenter: columns=, containers, validation, torch entry point."""

from __future__ import annotations

import pickle
import warnings

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
from skcontrast.augment._base import BaseAugmenter

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
    with pytest.raises(
        ValueError, match=r"NaN .* in column 3 at row\(s\) \[4\] \(value\(s\) \[nan\]\)"
    ):
        augmenter.fit(X)
    good = augmenter.fit(np.ones((6, 8)))
    X[4, 3] = np.inf
    with pytest.raises(
        ValueError, match=r"infinity .* in column 3 at row\(s\) \[4\] \(value\(s\) \[inf\]\)"
    ):
        good.augment(X)


def _frame_with_bad_values(bad):
    """A DataFrame whose column 2 ('temp') holds ``bad`` at rows 1 and 4, column 4 at row 0."""
    X = pd.DataFrame(np.ones((6, 5)), columns=["conc", "time", "temp", "ph", "current"])
    X.iloc[[1, 4], 2] = bad
    X.iloc[0, 4] = bad
    return X


def _message(kind, value):
    return (
        rf"^Input X contains {kind} \(NaN or inf are not allowed\) in column 2 \('temp'\) "
        rf"at row\(s\) \[1, 4\] \(value\(s\) \[{value}, {value}\]\); 2 such value\(s\) in "
        rf"that column, 3 in all \(also column 4 \('current'\)\)\. Impute or remove"
    )


@pytest.mark.parametrize(
    ("bad", "kind", "value"), [(np.nan, "NaN", "nan"), (-np.inf, "infinity", "-inf")]
)
@pytest.mark.parametrize("method", ["fit", "fit_transform", "transform", "augment"])
def test_bad_values_are_named_by_column_name_rows_and_values(method, bad, kind, value):
    """One message (utils._validation's) at every entry point, with the column's name."""
    X = _frame_with_bad_values(bad)
    aug = ConditionJitter(std=0.1, random_state=0)
    if method in ("transform", "augment"):
        aug.fit(_frame_with_bad_values(1.0))
    with pytest.raises(ValueError, match=_message(kind, value)):
        getattr(aug, method)(X)


@pytest.mark.parametrize("method", ["fit", "fit_transform", "transform", "augment"])
def test_bad_values_in_csr_are_named_by_column_rows_and_values(method):
    X = sp.csr_matrix(np.array([[0.0, 1.0, np.nan], [0.0, np.inf, 2.0], [0.0, 3.0, np.nan]]))
    aug = BitDropout(p=0.5, random_state=0)
    if method in ("transform", "augment"):
        aug.fit(sp.csr_matrix(np.ones((3, 3))))
    with pytest.raises(
        ValueError,
        match=r"^Input X contains infinity \(NaN or inf are not allowed\) in column 1 at "
        r"row\(s\) \[1\] \(value\(s\) \[inf\]\); 1 such value\(s\) in that column, 3 in "
        r"all \(also column 2\)",
    ):
        getattr(aug, method)(X)


def test_finite_float32_near_its_largest_value_is_accepted_without_warnings():
    """The old check summed X unguarded: an overflowing sum warned on finite input."""
    X = np.full((4, 3), 3e38, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        aug = ConditionJitter(std=0.0, mask_prob=0.5, random_state=0).fit(X)
        assert np.isfinite(aug.augment(X)).all()
        np.testing.assert_array_equal(aug.transform(X), X)


@pytest.mark.parametrize(
    "augmenter",
    [
        ConditionJitter(std=0.0, relative_std=0.5, random_state=0),
        SpectrumAugmenter(noise_std=0.0, scale_std=0.5, random_state=0),
    ],
    ids=["ConditionJitter", "SpectrumAugmenter"],
)
@pytest.mark.parametrize("container", ["dataframe", "csr"])
def test_a_view_that_overflows_is_refused_not_returned(augmenter, container):
    """Noise on values near float32's largest finite value overflows: a clear error."""
    X = np.ones((40, 3), dtype=np.float32)
    X[:, 1] = 3.3e38
    if container == "dataframe":
        X, label = pd.DataFrame(X, columns=["a", "big", "c"]), r"column 1 \('big'\)"
    else:
        X, label = sp.csr_matrix(X), "column 1"
    aug = clone(augmenter).fit(X)  # finite X is accepted
    pattern = (
        rf"{type(augmenter).__name__} made a view holding infinity from finite X, in {label} "
        r"at row\(s\) \[\d+.*\(input value\(s\) \[3\.\d+e\+38.*beyond float32's largest "
        r"finite value \(3\.402823e\+38\)\. Rescale X"
    )
    with pytest.raises(ValueError, match=pattern):
        aug.augment(X)
    with pytest.raises(ValueError, match=pattern):
        clone(augmenter).fit_transform(X)


class _TimesTen(BaseAugmenter):
    """Multiplies the selected columns by 10: a deterministic overflow."""

    def __init__(self, *, columns=None, random_state=None):
        self.columns = columns
        self.random_state = random_state

    def _augment_block(self, X, generator):
        return X * 10


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_an_overflowing_view_is_reported_in_the_input_check_format(dtype):
    """The view's bad entries, located and worded as utils/_validation.py words NaN/inf,
    with the input values there (what the user can rescale) and the dtype's limit."""
    big = float(np.finfo(dtype).max) / 4
    X = pd.DataFrame(
        {
            "a": np.array([1.0, 2.0, 3.0, 4.0], dtype=dtype),
            "big": np.array([1.0, big, 2.0, -big], dtype=dtype),
            "huge": np.array([big, 1.0, 1.0, 1.0], dtype=dtype),
        }
    )
    shown = [float(dtype(big)), float(dtype(-big))]
    limit = float(np.finfo(dtype).max)
    expected = (
        "_TimesTen made a view holding infinity from finite X, in column 1 ('big') at "
        f"row(s) [1, 3] (input value(s) {shown}); 2 such value(s) in that column, 3 in all "
        f"(also column 2 ('huge')): the augmentation took these values beyond "
        f"{np.dtype(dtype)}'s largest finite value ({limit:.7g}). Rescale X (e.g. "
        "standardise these columns) or lower the augmentation strengths."
    )
    aug = _TimesTen().fit(X)
    for call in (aug.augment, _TimesTen().fit_transform):
        with pytest.raises(ValueError) as info:
            call(X)
        assert str(info.value) == expected
    # only the selected columns are augmented, so only they can overflow
    assert np.isfinite(_TimesTen(columns=["a"]).fit(X).augment(X).to_numpy()).all()


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
    with pytest.raises(
        ValueError, match=r"NaN .* in column 5 at row\(s\) \[7\] \(value\(s\) \[nan\]\)"
    ):
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


class _SeesColumns(ConditionJitter):
    """Records the array its statistics are computed from."""

    def _fit_columns(self, X_cols):
        self.seen_ = X_cols
        super()._fit_columns(X_cols)


@pytest.mark.parametrize(
    "columns, shares",
    [(None, True), (slice(2, 9), True), ([2, 3, 4], True), ([4, 2, 3], False), ([0, 5], False)],
)
def test_fit_computes_statistics_on_a_view_of_consecutive_columns(columns, shares):
    """No copy of X for consecutive columns (issue 17: BitDropout on 2 048 bits);
    scattered ones are gathered, and the statistics are the same either way."""
    X = _data(np.random.default_rng(0))
    aug = _SeesColumns(std=0.1, bounds="fit", mask_prob=0.5, columns=columns).fit(X)
    assert np.shares_memory(aug.seen_, X) is shares
    cols = aug.columns_
    np.testing.assert_allclose(aug.mean_, X[:, cols].mean(axis=0), rtol=1e-15)
    np.testing.assert_array_equal(aug.bounds_[:, 0], X[:, cols].min(axis=0))
    np.testing.assert_array_equal(aug.bounds_[:, 1], X[:, cols].max(axis=0))


def test_public_fit_still_validates_its_input():
    """Only fit_views inside ContrastiveEmbedder.fit skips the check; fit never does."""
    X = _data(np.random.default_rng(0))
    X[3, 5] = np.nan
    for aug in (BitDropout(p=0.1, columns=slice(4, None)), ConditionJitter(columns=[5])):
        with pytest.raises(ValueError, match=r"column 5 at row\(s\) \[3\]"):
            aug.fit(X)
