"""Pretrain on a pool, probe on the labelled few: ``FrozenEstimator(embedder)`` in a Pipeline.

A :class:`~skcontrast.ContrastiveEmbedder` placed as a plain step of a
classifier Pipeline is refitted on the labelled rows each time the Pipeline
is fitted. Wrapped in :class:`sklearn.frozen.FrozenEstimator` (scikit-learn
>= 1.6), the embedder pretrained on every row stays as it is under
``Pipeline.fit``, ``clone``, ``cross_val_score`` and ``GridSearchCV``, and
the Pipeline's embedding is the pretrained embedder's.
"""

import copy

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast import ConditionJitter, ContrastiveEmbedder

# a few epochs keep these tests quick: the embedders end near chance, and say so
pytestmark = pytest.mark.filterwarnings("ignore:the final training loss:UserWarning")


@pytest.fixture(scope="module")
def pool():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 4))
    y = (X[:, 0] ** 2 + X[:, 1] > 1).astype(int)
    labelled = rng.choice(len(X), size=43, replace=False)
    return X, y, labelled


@pytest.fixture(scope="module")
def pretrained(pool):
    X, _, _ = pool
    embedder = ContrastiveEmbedder(
        augmenter=ConditionJitter(std=0.1),
        hidden_dims=(16,),
        n_components=8,
        projection_dim=8,
        batch_size=120,
        max_epochs=4,
        device="cpu",
        random_state=0,
    )
    return make_pipeline(StandardScaler(), embedder).fit(X)  # every row, no labels


def _snapshot(pretrained):
    embedder = pretrained[-1]
    state = {k: v.clone() for k, v in embedder.net_.module_.state_dict().items()}
    return embedder.net_, len(embedder.history_), copy.deepcopy(pretrained[0].mean_), state


def _assert_unchanged(pretrained, snapshot):
    net, n_epochs, mean, state = snapshot
    embedder = pretrained[-1]
    assert embedder.net_ is net and len(embedder.history_) == n_epochs
    np.testing.assert_array_equal(pretrained[0].mean_, mean)
    now = embedder.net_.module_.state_dict()
    assert all(torch.equal(now[k], v) for k, v in state.items())


def test_frozen_embedder_is_not_refit_by_the_probe_pipeline(pool, pretrained):
    X, y, labelled = pool
    before = _snapshot(pretrained)
    probe = make_pipeline(FrozenEstimator(pretrained), LogisticRegression())
    probe.fit(X[labelled], y[labelled])
    _assert_unchanged(pretrained, before)
    # the probe sees the pretrained embedding of every row, not one refit on 43 rows
    np.testing.assert_array_equal(probe[:-1].transform(X), pretrained.transform(X))
    assert probe[-1].coef_.shape == (1, 8)
    assert 0.0 <= probe.score(X, y) <= 1.0


def test_clone_keeps_the_pretrained_embedder(pool, pretrained):
    X, y, labelled = pool
    before = _snapshot(pretrained)
    probe = make_pipeline(FrozenEstimator(pretrained), LogisticRegression())
    cloned = clone(probe)
    assert cloned[0].estimator is pretrained  # FrozenEstimator clones to itself
    cloned.fit(X[labelled], y[labelled])
    _assert_unchanged(pretrained, before)


def test_model_selection_fits_only_the_probe(pool, pretrained):
    X, y, labelled = pool
    before = _snapshot(pretrained)
    probe = make_pipeline(FrozenEstimator(pretrained), LogisticRegression())
    scores = cross_val_score(probe, X[labelled], y[labelled], cv=3)
    assert scores.shape == (3,)
    search = GridSearchCV(probe, {"logisticregression__C": [0.1, 1.0]}, cv=3)
    search.fit(X[labelled], y[labelled])
    _assert_unchanged(pretrained, before)
    assert search.best_estimator_[0].estimator is pretrained
    np.testing.assert_array_equal(search.best_estimator_[:-1].transform(X), pretrained.transform(X))


def test_without_frozen_estimator_the_pipeline_refits_the_embedder(pool, pretrained):
    """The trap the README's quick start avoids: a plain step is refit on the labelled rows."""
    X, y, labelled = pool
    probe = make_pipeline(clone(pretrained), LogisticRegression()).fit(X[labelled], y[labelled])
    np.testing.assert_allclose(probe[0][0].mean_, X[labelled].mean(axis=0))
    assert not np.allclose(probe[0][0].mean_, pretrained[0].mean_)
