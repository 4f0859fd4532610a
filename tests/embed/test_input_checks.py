"""ContrastiveEmbedder's checks of X, y and of parameters changed before partial_fit."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast.utils._sklearn import InvalidParameterError
from tests.embed._support import data as _data
from tests.embed._support import tiny as _small

# Ipc (Bonchev's information content) of this branched C141 alkane is 1.77e41,
# beyond float32's largest value (3.4e38)
BIG_IPC = "CC(C)(C)" * 35 + "C"
SMILES = ["CCO", "CCCC", "c1ccccc1", "CC(=O)O", "CCN", "CCCl", "CCOC", "CC(C)O"]


@pytest.fixture
def no_runtime_warnings():
    """No NumPy "overflow encountered in cast" on the way to the error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # chance-level advice on tiny data
        yield


# ------------------------------------------------------------------ float32 range
@pytest.mark.usefixtures("no_runtime_warnings")
def test_descriptor_beyond_float32_is_named_at_fit_and_transform():
    from skcontrast.featurize import DescriptorFeaturizer

    featurizer = DescriptorFeaturizer(descriptors=("MolWt", "Ipc"))
    emb = _small().fit(featurizer.fit_transform(SMILES))
    X_big = featurizer.transform([*SMILES, BIG_IPC])
    assert X_big[-1, 1] > np.finfo(np.float32).max  # finite in float64
    pattern = r"outside float32's range.* in column 1 at row\(s\) \[8\] \(value\(s\) \[1\.77"
    with pytest.raises(ValueError, match=pattern):
        emb.transform(X_big)  # was a row of inf/NaN and a NumPy RuntimeWarning
    with pytest.raises(ValueError, match=pattern):
        _small().fit(X_big)  # was "contains infinity", which X does not
    with pytest.raises(ValueError, match=pattern):
        emb.partial_fit(X_big)
    with pytest.raises(ValueError, match=pattern):
        emb.score(X_big)


@pytest.mark.usefixtures("no_runtime_warnings")
def test_descriptor_beyond_float32_is_named_by_its_name_in_a_pipeline():
    from skcontrast.featurize import DescriptorFeaturizer

    pipe = make_pipeline(
        DescriptorFeaturizer(descriptors=("MolWt", "Ipc")).set_output(transform="pandas"),
        _small(),
    )
    pipe.fit(SMILES)
    match = r"float32.* in column 1 \('Ipc'\) at row\(s\) \[8\]"
    with pytest.raises(ValueError, match=match):
        pipe.transform([*SMILES, BIG_IPC])
    with pytest.raises(ValueError, match=match):
        pipe.fit([*SMILES, BIG_IPC])


def test_float32_values_near_the_limit_are_accepted():
    X = _data()
    X[3, 1] = 3.0e38  # finite in float32
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        emb = _small().fit(X.astype(np.float32))
    assert emb.transform(X).dtype == np.float32


@pytest.mark.parametrize("where", ["data", "rows"])
def test_the_net_refuses_an_overflowing_cast_itself(where):
    """ContrastiveNet's own casts (BatchData, embed) check the range too."""
    from skcontrast.embed._batching import BatchData

    X = _data()
    X[5, 2] = 1e39
    emb = _small().fit(_data())
    with pytest.raises(ValueError, match=r"float32.*column 2 at row\(s\) \[5\]"):
        if where == "data":
            BatchData(X, None, torch.device("cpu"))
        else:
            emb.net_.embed(X, batch_size=8)


# ------------------------------------------------------------------ NaN, one format
def _frame(n=24, nan_row=None):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "temp": rng.normal(80, 5, n),
            "pressure": rng.normal(2, 0.1, n),
            "solvent": np.array(["water", "ethanol"])[rng.integers(0, 2, n)],
        }
    )
    if nan_row is not None:
        df.loc[nan_row, "temp"] = np.nan
    return df, (df["temp"].to_numpy() > 80).astype(int)


def _conditions_pipeline(pandas_out: bool):
    ct = ColumnTransformer([("num", StandardScaler(), ["temp", "pressure"])])
    if pandas_out:
        ct.set_output(transform="pandas")
    return make_pipeline(ct, _small(), LogisticRegression())


@pytest.mark.parametrize(
    ("pandas_out", "column"),
    [(False, r"column 0"), (True, r"column 0 \('num__temp'\)")],
)
def test_nan_through_a_column_transformer_is_named_at_fit_and_predict(pandas_out, column):
    expected = rf"Input X contains NaN \(NaN or inf are not allowed\) in {column} at row\(s\) \[3\]"
    df, y = _frame(nan_row=3)
    with pytest.raises(ValueError, match=expected):
        _conditions_pipeline(pandas_out).fit(df, y)
    clean, y_clean = _frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        pipe = _conditions_pipeline(pandas_out).fit(clean, y_clean)
    with pytest.raises(ValueError, match=expected):  # was sklearn's bare "contains NaN"
        pipe.predict(df)
    with pytest.raises(ValueError, match=expected):
        pipe[:-1].transform(df)


@pytest.mark.parametrize("method", ["fit", "partial_fit", "transform", "score"])
def test_nan_is_named_the_same_way_by_every_method(method):
    X = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        emb = _small().fit(X)
    X[7, 2] = np.nan
    with pytest.raises(
        ValueError,
        match=r"^Input X contains NaN \(NaN or inf are not allowed\) in column 2 at row\(s\) \[7\]",
    ):
        getattr(emb, method)(X)


@pytest.mark.parametrize("method", ["fit", "transform"])
def test_nan_in_csr_is_named_by_column_and_row(method):
    X = sp.csr_matrix(np.abs(_data()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        emb = _small().fit(X)
    X = X.tolil()
    X[3, 1] = np.nan
    X[9, 1] = np.nan
    X = X.tocsr()
    with pytest.raises(
        ValueError,
        match=(
            r"^Input X contains NaN \(NaN or inf are not allowed\) in column 1 at "
            r"row\(s\) \[3, 9\] \(value\(s\) \[nan, nan\]\)"
        ),
    ):  # was a list of (row, column) pairs
        getattr(emb, method)(X)


# ------------------------------------------------------------------ partial_fit parameters
@pytest.mark.parametrize(
    ("param", "value"),
    [("lr", -1.0), ("max_epochs", 0), ("batch_size", 1), ("temperature", 0)],
)
def test_partial_fit_validates_parameters_and_leaves_the_model(param, value):
    X = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        emb = _small().fit(X)
    weights = copy.deepcopy(emb.net_.module_.state_dict())
    head = copy.deepcopy(emb.net_.head_.state_dict())
    n_iter, lr = emb.n_iter_, emb.net_.optimizer_.param_groups[0]["lr"]
    emb.set_params(**{param: value})
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        emb.partial_fit(X)
    for key, tensor in emb.net_.module_.state_dict().items():
        torch.testing.assert_close(tensor, weights[key], rtol=0, atol=0)
    for key, tensor in emb.net_.head_.state_dict().items():
        torch.testing.assert_close(tensor, head[key], rtol=0, atol=0)
    assert emb.n_iter_ == n_iter and len(emb.net_.history) == n_iter
    assert emb.net_.optimizer_.param_groups[0]["lr"] == lr
    assert emb.net_.max_epochs == 1 and emb.net_.batch_size == 16
    assert emb.net_.criterion_.temperature == 0.2


# ------------------------------------------------------------------ supcon labels
def _labelled(n=24):
    X = _data(n)
    return X, np.arange(n) % 3


def test_supcon_refuses_a_single_class_to_train():
    X, _ = _labelled()
    one = np.full(len(X), 7)
    with pytest.raises(ValueError, match=r"y has a single class \(7\).*at least two classes"):
        _small(loss="supcon").fit(X, one)
    emb = _small(loss="supcon").fit(X, np.arange(len(X)) % 2)
    with pytest.raises(ValueError, match=r"y has a single class \('a'\)"):
        emb.partial_fit(X, np.full(len(X), "a"))
    assert emb.n_iter_ == 1


@pytest.mark.parametrize("y", [np.linspace(0, 1, 24), np.arange(24) % 3 + 0.5])
def test_supcon_refuses_a_continuous_target(y):
    X, _ = _labelled()
    with pytest.raises(
        ValueError, match=r"y is 'continuous' \(sklearn.*type_of_target.*\).*Bin y.*nt_xent"
    ):
        _small(loss="supcon").fit(X, y)
    emb = _small(loss="supcon").fit(X, np.arange(len(X)) % 2)
    for method in ("partial_fit", "score"):
        with pytest.raises(ValueError, match="continuous"):
            getattr(emb, method)(X, y)
    assert emb.n_iter_ == 1


def test_supcon_accepts_class_labels_of_any_type():
    X, y = _labelled()
    for labels in (y.astype(float), y.astype(object), np.array(["a", "b", "c"])[y], y == 1):
        emb = _small(loss="supcon").fit(X, labels)
        assert np.isfinite(emb.score(X, labels))


def test_supcon_scores_a_single_class_fold():
    """A cross-validation fold may hold one class: score accepts it (the value then
    measures how close the views of that class are)."""
    from sklearn.model_selection import GridSearchCV, KFold

    X, _ = _labelled()
    y = np.repeat([0, 1], len(X) // 2)  # sorted: KFold(2) test folds hold one class each
    emb = _small(loss="supcon").fit(X, y)
    assert np.isfinite(emb.score(X[y == 0], y[y == 0]))
    search = GridSearchCV(
        _small(loss="supcon"), {"temperature": [0.2]}, cv=KFold(4), error_score="raise"
    ).fit(X, y)
    assert np.isfinite(search.cv_results_["split0_test_score"]).all()
