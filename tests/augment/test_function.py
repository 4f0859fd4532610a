"""FunctionAugmenter: a torch function of (X, generator) as an augmenter."""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skcontrast.augment import ConditionJitter, FunctionAugmenter, make_views
from skcontrast.utils._sklearn import InvalidParameterError
from skcontrast.utils._test_common import _multiplicative_noise
from skcontrast.utils.estimator_checks import check_augmenter


def _shift(X, generator, delta=1.0):
    """Deterministic: X + delta."""
    return X + delta


def _data(n=30, d=5, dtype=np.float64):
    return np.random.default_rng(0).uniform(0.5, 2.0, size=(n, d)).astype(dtype)


def test_none_is_the_identity_as_a_new_array():
    X = _data()
    view = FunctionAugmenter(random_state=0).fit(X).augment(X)
    np.testing.assert_array_equal(view, X)
    assert not np.shares_memory(view, X)


def test_func_and_kw_args_are_applied_to_the_selected_columns_only():
    X = _data()
    aug = FunctionAugmenter(_shift, kw_args={"delta": 2.5}, columns=[1, 3]).fit(X)
    view = aug.augment(X)
    np.testing.assert_array_equal(view[:, [1, 3]], X[:, [1, 3]] + 2.5)
    np.testing.assert_array_equal(view[:, [0, 2, 4]], X[:, [0, 2, 4]])
    # names, on a DataFrame, and the container kept
    df = pd.DataFrame(X, columns=list("abcde"))
    out = FunctionAugmenter(_shift, columns=["e"]).fit(df).augment(df)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list("abcde")
    np.testing.assert_array_equal(out["e"], df["e"] + 1.0)


def test_views_come_from_the_generator_and_replay():
    X = _data()
    aug = FunctionAugmenter(_multiplicative_noise, kw_args={"std": 0.1}, random_state=3).fit(X)
    state = torch.get_rng_state()
    first = [aug.augment(X), aug.augment(X)]
    assert torch.equal(torch.get_rng_state(), state)  # torch's global RNG is not touched
    assert not np.array_equal(first[0], first[1])
    aug.fit(X)
    again = [aug.augment(X), aug.augment(X)]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_and_augment_tensor_works(dtype):
    X = _data(dtype=dtype)
    aug = FunctionAugmenter(_multiplicative_noise, random_state=0).fit(X)
    assert aug.augment(X).dtype == dtype
    Xt = torch.from_numpy(X.copy())
    out = aug.augment_tensor(Xt, torch.Generator().manual_seed(0))
    assert out.dtype == Xt.dtype and out.shape == Xt.shape
    np.testing.assert_array_equal(Xt.numpy(), X)


def test_sparse_input_stays_sparse():
    X = sp.random(20, 6, density=0.5, format="csr", random_state=0)
    view = FunctionAugmenter(_shift, random_state=0).fit(X).augment(X)
    assert sp.issparse(view)
    np.testing.assert_array_equal(view.toarray(), X.toarray() + 1.0)


def test_the_common_checks_pass_with_a_module_level_function():
    check_augmenter(FunctionAugmenter(_multiplicative_noise, kw_args={"std": 0.2}))


def test_pickles_with_a_module_level_function_not_with_a_lambda(tmp_path):
    X = _data()
    aug = FunctionAugmenter(_multiplicative_noise, random_state=0).fit(X)
    aug.augment(X)
    joblib.dump(aug, tmp_path / "aug.joblib")
    restored = [pickle.loads(pickle.dumps(aug)), joblib.load(tmp_path / "aug.joblib")]
    expected = aug.augment(X)
    for copy in restored:
        np.testing.assert_array_equal(copy.augment(X), expected)
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(FunctionAugmenter(lambda X, g: X).fit(X))


def _returns_ndarray(X, generator):
    return X.numpy()


def _drops_a_column(X, generator):
    return X[:, 1:] * 1.0


def _to_float64(X, generator):
    return X.double() * 1.0


def _writes_into_X(X, generator):
    return X.mul_(2.0)


def test_a_non_tensor_is_a_type_error_naming_func_and_what_it_returned():
    X = _data()
    aug = FunctionAugmenter(_returns_ndarray).fit(X)
    with pytest.raises(TypeError, match=r"func=_returns_ndarray returned ndarray; it must return"):
        aug.augment(X)


@pytest.mark.parametrize(
    ("func", "match"),
    [
        (_drops_a_column, r"func=_drops_a_column returned a tensor of shape \(30, 4\), dtype "),
        (
            _to_float64,
            r"func=_to_float64 returned a tensor of shape \(30, 5\), dtype torch\.float64",
        ),
    ],
)
def test_a_wrong_shape_or_dtype_is_a_value_error_naming_func(func, match):
    X = _data(dtype=np.float32)
    aug = FunctionAugmenter(func).fit(X)
    with pytest.raises(ValueError, match=match) as info:
        aug.augment(X)
    assert "for X of shape (30, 5), dtype torch.float32, on cpu" in str(info.value)
    with pytest.raises(ValueError, match=match):
        FunctionAugmenter(func).fit_transform(X)


def test_writing_into_X_is_refused():
    X = _data()
    aug = FunctionAugmenter(_writes_into_X, columns=[0, 1]).fit(X)  # a copy of the columns
    with pytest.raises(ValueError, match=r"func=_writes_into_X wrote into its input X"):
        aug.augment(X)
    np.testing.assert_array_equal(X, _data())


def test_returning_X_itself_still_gives_a_new_view():
    X = _data()
    for func in (lambda X, g: X, lambda X, g: X[:, :]):
        view = FunctionAugmenter(func).fit(X).augment(X)
        np.testing.assert_array_equal(view, X)
        assert not np.shares_memory(view, X)


@pytest.mark.parametrize(
    ("params", "name"), [({"func": "log"}, "func"), ({"kw_args": [("std", 1)]}, "kw_args")]
)
def test_invalid_parameters_are_named(params, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        FunctionAugmenter(**params).fit(_data())


def test_in_a_pipeline_make_views_and_grid_search():
    X = _data(n=60)
    pipe = make_pipeline(
        ConditionJitter(std=0.0, random_state=0),
        FunctionAugmenter(_multiplicative_noise, kw_args={"std": 0.1}, random_state=0),
    ).fit(X)
    v1, v2 = make_views(pipe, X)
    assert not np.array_equal(v1, v2)
    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    clf = make_pipeline(FunctionAugmenter(_multiplicative_noise), LogisticRegression())
    grid = {"functionaugmenter__kw_args": [{"std": 0.0}, {"std": 0.1}]}
    search = GridSearchCV(clf, grid, cv=3).fit(X, y)
    assert search.best_params_["functionaugmenter__kw_args"] in grid["functionaugmenter__kw_args"]


def test_contrastive_embedder_trains_with_it():
    from skcontrast.embed import ContrastiveEmbedder

    X = _data(n=40, dtype=np.float32)
    emb = ContrastiveEmbedder(
        augmenter=FunctionAugmenter(_multiplicative_noise, kw_args={"std": 0.2}),
        hidden_dims=(),
        n_components=2,
        projection_dim=None,
        batch_size=20,
        max_epochs=1,
        device="cpu",
        random_state=0,
    ).fit(X)
    assert emb.transform(X).shape == (40, 2)
    assert isinstance(emb.augmenter_, FunctionAugmenter) and emb.augmenter_.random_state is not None


def test_func_runs_under_inference_mode():
    """Inference tensors have no version counter: the in-place check is skipped."""
    X = torch.arange(12.0).reshape(4, 3)
    augmenter = FunctionAugmenter(_times_two_example, random_state=0).fit(X.numpy())
    with torch.inference_mode():
        out = augmenter.augment_tensor(X.clone(), torch.Generator().manual_seed(0))
    torch.testing.assert_close(out, 2 * X)


def _times_two_example(X, generator):
    return X * 2
