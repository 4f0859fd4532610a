"""label_efficiency: the protocol it documents, paired draws, errors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import KFold, ShuffleSplit
from sklearn.preprocessing import FunctionTransformer

from skcontrast.model_selection import label_efficiency


class _RowCounter(TransformerMixin, BaseEstimator):
    """Records how many rows it was fitted on; embeds by the first two columns."""

    def fit(self, X, y=None):
        assert y is None  # pretraining never sees labels
        self.n_rows_ = X.shape[0]
        return self

    def transform(self, X):
        return np.asarray(X)[:, :2] * 2.0


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    latent = rng.standard_normal((80, 1))
    X = np.hstack([latent + 0.3 * rng.standard_normal((80, 1)), rng.standard_normal((80, 6))])
    y = latent[:, 0]
    return X, y, latent


def test_follows_the_documented_protocol(regression):
    X, y, _ = regression
    result = label_efficiency(
        _RowCounter(), X, y, budgets=(0.25, 1.0), n_repeats=4, cv=3,
        probe=LinearRegression(), random_state=7,
    )
    assert result.metric == "root_mean_squared_error" and not result.greater_is_better
    rng = np.random.default_rng(7)
    draws = ShuffleSplit(4, train_size=20, random_state=int(rng.integers(2**31 - 1)))
    folds = KFold(3, shuffle=True, random_state=int(rng.integers(2**31 - 1)))
    Z = X[:, :2] * 2.0
    for budget, splits in ((0.25, draws), (1.0, folds)):
        for draw, (train, test) in enumerate(splits.split(X)):
            for name, M in (("raw", X), ("embedding", Z), ("raw+embedding", np.hstack([X, Z]))):
                want = root_mean_squared_error(
                    y[test], LinearRegression().fit(M[train], y[train]).predict(M[test])
                )
                s = result.scores
                got = s.loc[
                    (s["budget"] == budget) & (s["draw"] == draw) & (s["features"] == name),
                    "score",
                ]
                assert got.item() == pytest.approx(want, rel=1e-10)
    summary = result.summary
    assert summary.loc[(0.25, 20, "raw"), "n_draws"] == 4
    assert summary.loc[(1.0, 80, "embedding"), "n_draws"] == 3
    block = result.scores.query("budget == 0.25 and features == 'raw'")["score"]
    assert summary.loc[(0.25, 20, "raw"), "sd"] == pytest.approx(block.std(ddof=1))


def test_pretrains_once_on_labelled_and_unlabelled_rows(regression):
    X, y, _ = regression
    pool = np.random.default_rng(1).standard_normal((50, X.shape[1]))
    result = label_efficiency(_RowCounter(), X, y, X_unlabelled=pool, budgets=(10,), n_repeats=2)
    assert result.embedder.n_rows_ == 130
    frozen = FrozenEstimator(_RowCounter().fit(pool))
    assert label_efficiency(frozen, X, y, budgets=(10,), n_repeats=2).embedder is frozen


def test_an_informative_embedding_wins_on_every_draw(regression):
    X, y, latent = regression
    oracle = FrozenEstimator(FunctionTransformer(lambda M: latent[: len(M)]).fit(X))
    result = label_efficiency(
        oracle, X, y, budgets=(8,), n_repeats=5, features=("raw", "embedding"), random_state=0
    )
    assert result.summary.loc[(8, 8, "embedding"), "wins_vs_raw"] == 1.0
    assert np.isnan(result.summary.loc[(8, 8, "raw"), "wins_vs_raw"])
    # the draws do not depend on the embedder: raw scores are the same
    again = label_efficiency(
        FrozenEstimator(PCA(2).fit(X)), X, y, budgets=(8,), n_repeats=5,
        features=("raw",), random_state=0,
    )
    np.testing.assert_array_equal(
        again.scores["score"], result.scores.query("features == 'raw'")["score"]
    )


def test_class_labels_are_drawn_stratified_and_scored_by_roc_auc():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    y = (X[:, 0] > 0.5).astype(int)
    result = label_efficiency(
        FrozenEstimator(PCA(2).fit(X)), X, y, budgets=(4, 1.0), n_repeats=6, random_state=0
    )
    assert result.metric == "roc_auc" and result.greater_is_better
    assert result.scores["score"].between(0, 1).all()
    assert set(result.summary.index.get_level_values("n_labelled")) == {4, 60}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"budgets": (1,)}, r"budgets: 1 gives 1 labelled rows"),
        ({"budgets": (0.001,)}, r"budgets: 0.001 gives 0 labelled rows"),
        ({"budgets": (500,)}, r"between 2 and the 40"),
        ({"features": ("raw", "pca")}, "features must be a non-empty subset"),
        ({"X_unlabelled": np.zeros((5, 2))}, "X_unlabelled has 2 columns but X has 3"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    X = np.random.default_rng(0).standard_normal((40, 3))
    with pytest.raises(ValueError, match=match):
        label_efficiency(_RowCounter(), X, X[:, 0], **kwargs)


def test_budget_below_the_number_of_classes_and_non_finite_input():
    X = np.random.default_rng(0).standard_normal((30, 3))
    with pytest.raises(ValueError, match="fewer than the 3 classes"):
        label_efficiency(_RowCounter(), X, np.arange(30) % 3, budgets=(2,))
    X[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"Input X contains NaN.* column 1 at row\(s\) \[4\]"):
        label_efficiency(_RowCounter(), X, X[:, 0])


def test_sparse_x_with_the_default_probe():
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    dense = (rng.random((50, 8)) < 0.3).astype(float)
    y = dense[:, 0] + 0.1 * rng.standard_normal(50)
    result = label_efficiency(
        FrozenEstimator(PCA(2).fit(dense)), sp.csr_matrix(dense), y, budgets=(10,),
        n_repeats=2, random_state=0,
    )
    dense_result = label_efficiency(
        FrozenEstimator(PCA(2).fit(dense)), dense, y, budgets=(10,), n_repeats=2,
        random_state=0,
    )
    assert result.scores["score"].notna().all()
    assert set(result.scores["features"]) == set(dense_result.scores["features"])


def test_rare_class_and_non_finite_scores_are_refused():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = np.zeros(40, dtype=int)
    y[:3] = 1
    with pytest.raises(ValueError, match="class 1 of y has only 3 rows: lower cv"):
        label_efficiency(_RowCounter(), X, y, budgets=(1.0,), cv=5)
    # 4 test rows: some draws hold no row of class 1, where ROC AUC is undefined
    with pytest.raises(ValueError, match=r"budget 36, draw \d+, features 'raw' is nan"):
        label_efficiency(_RowCounter(), X, y, budgets=(36,), n_repeats=20, random_state=0)
    with pytest.raises(ValueError, match="same number of labelled rows twice"):
        label_efficiency(_RowCounter(), X, X[:, 0], budgets=(0.25, 10))
