"""Small embedders and data shared by the embedder's test modules."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin

from skcontrast.augment import ConditionJitter
from skcontrast.embed import ContrastiveEmbedder


class GaussianNoise(TransformerMixin, BaseEstimator):
    """A minimal device-side augmenter (the interface skcontrast augmenters implement)."""

    def __init__(self, std=0.1):
        self.std = std

    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        return np.asarray(X).copy()

    def augment_tensor(self, X, generator):
        noise = torch.randn(X.shape, generator=generator, device=X.device, dtype=X.dtype)
        return X + self.std * noise


def blobs(n=240, d=6, k=3, seed=0):
    """``k`` Gaussian blobs in ``d`` dimensions: (X, y)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(k, d))
    y = rng.integers(0, k, n)
    return centers[y] + rng.normal(size=(n, d)), y


def small(**kw) -> ContrastiveEmbedder:
    """An embedder that learns the blobs in a few epochs."""
    params = dict(
        augmenter=GaussianNoise(0.3),
        hidden_dims=(32,),
        n_components=4,
        projection_dim=8,
        batch_size=64,
        max_epochs=3,
        device="cpu",
        random_state=0,
    )
    params.update(kw)
    return ContrastiveEmbedder(**params)


def tiny(**kw) -> ContrastiveEmbedder:
    """The smallest embedder that trains: for checks of input, parameters and pickles."""
    params = dict(
        augmenter=ConditionJitter(std=0.3),
        hidden_dims=(8,),
        n_components=2,
        projection_dim=4,
        batch_size=16,
        max_epochs=1,
        device="cpu",
        random_state=0,
    )
    params.update(kw)
    return ContrastiveEmbedder(**params)


def data(n=24, d=3, seed=0):
    """Standard normal rows."""
    return np.random.default_rng(seed).normal(size=(n, d))
