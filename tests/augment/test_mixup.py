"""mixup: convex combinations with Beta(alpha, alpha) weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcontrast.augment import mixup


@settings(max_examples=25)
@given(
    m=st.integers(1, 20),
    d=st.integers(1, 6),
    n=st.integers(1, 50),
    alpha=st.floats(0.05, 5),
    float32=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_rows_are_convex_combinations(m, d, n, alpha, float32, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d)).astype(np.float32 if float32 else np.float64)
    y = rng.normal(size=m)
    before = X.copy()
    X_new, y_new = mixup(X, y, alpha=alpha, n_samples=n, random_state=seed)
    np.testing.assert_array_equal(X, before)
    assert X_new.shape == (n, d) and X_new.dtype == X.dtype and y_new.shape == (n,)
    tol = 1e-5 if float32 else 1e-12
    assert (X_new >= X.min(axis=0) - tol).all() and (X_new <= X.max(axis=0) + tol).all()
    again = mixup(X, y, alpha=alpha, n_samples=n, random_state=seed)
    np.testing.assert_array_equal(again[0], X_new)
    np.testing.assert_array_equal(again[1], y_new)


def test_same_weight_mixes_x_and_y():
    X = np.array([[0.0], [1.0]])
    y = np.array([10.0, 20.0])
    X_new, y_new = mixup(X, y, n_samples=200, random_state=0)
    # X and y are mixed with the same lam: y = 10 + 10 * x
    np.testing.assert_allclose(y_new, 10 + 10 * X_new[:, 0])


def test_beta_weights(global_random_seed):
    X = np.array([[0.0], [1.0]])
    lam = mixup(X, alpha=0.4, n_samples=40_000, random_state=global_random_seed)[:, 0]
    # a mixture of Beta(0.4, 0.4) (distinct pair) and the parents themselves: mean 1/2
    assert np.mean(lam) == pytest.approx(0.5, abs=0.01)
    assert (np.abs(lam - 0.5) > 0.4).mean() > 0.4  # Beta(0.4, 0.4) is U-shaped


def test_one_hot_targets_and_dataframe():
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1.0, 1.0, 1.0]})
    Y = np.eye(3)
    X_new, Y_new = mixup(X, Y, n_samples=10, random_state=0)
    assert isinstance(X_new, pd.DataFrame) and list(X_new.columns) == ["a", "b"]
    np.testing.assert_allclose(Y_new.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alpha": 0}, "alpha"),
        ({"alpha": -1}, "alpha"),
        ({"n_samples": 0}, "n_samples"),
        ({"random_state": "x"}, "random_state"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mixup(np.ones((3, 2)), **kwargs)


def test_bad_inputs():
    with pytest.raises(ValueError, match="y has 2 rows but X has 3"):
        mixup(np.ones((3, 2)), np.ones(2))
    with pytest.raises(ValueError, match=r"y must be numeric.*one-hot"):
        mixup(np.ones((2, 2)), ["a", "b"])


@pytest.mark.parametrize("container", [np.asarray, pd.DataFrame])
def test_bad_values_in_x_are_named_by_column_rows_and_values(container):
    X = np.ones((5, 3), dtype=np.float32)
    X[[1, 3], 2] = [np.nan, np.inf]
    X[0, 0] = -np.inf
    with pytest.raises(
        ValueError,
        match=r"^Input X contains infinity \(NaN or inf are not allowed\) in column 0 at "
        r"row\(s\) \[0\] \(value\(s\) \[-inf\]\); 1 such value\(s\) in that column, 3 in "
        r"all \(also column 2\)\.",
    ):
        mixup(container(X))
    X[0, 0] = 1.0
    with pytest.raises(
        ValueError,
        match=r"^Input X contains NaN .* in column 2 at row\(s\) \[1, 3\] "
        r"\(value\(s\) \[nan, inf\]\); 2 such value\(s\) in that column\.",
    ):
        mixup(container(X))


def test_bad_values_in_y_are_named_as_y():
    X = np.ones((4, 2))
    with pytest.raises(
        ValueError,
        match=r"^Input y contains NaN \(NaN or inf are not allowed\) at "
        r"row\(s\) \[1, 2\] \(value\(s\) \[nan, nan\]\)",
    ):
        mixup(X, [0.0, np.nan, np.nan, 1.0])
    y = np.zeros((4, 3))
    y[3, 1] = np.inf
    with pytest.raises(
        ValueError,
        match=r"^Input y contains infinity .* in column 1 at row\(s\) \[3\] "
        r"\(value\(s\) \[inf\]\)",
    ):
        mixup(X, y)
    with pytest.raises(ValueError, match="y has 3 rows but X has 4"):  # shape first
        mixup(X, [np.nan, 0.0, 1.0])


def test_positional_arguments_follow_the_design_signature():
    X = np.array([[0.0, 0.0], [1.0, 2.0]])
    a = mixup(X, None, 0.4, 5, 0)
    np.testing.assert_array_equal(a, mixup(X, alpha=0.4, n_samples=5, random_state=0))
