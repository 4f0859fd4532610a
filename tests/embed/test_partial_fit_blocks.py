"""partial_fit on a block under 2 rows: skipped with SkippedBlockWarning when fitted."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from skcontrast.embed import ContrastiveEmbedder, SkippedBlockWarning
from tests.embed._support import small as _small


def _state(emb):
    return {k: v.clone() for k, v in emb.net_.module_.state_dict().items()}


@pytest.fixture(scope="module")
def fitted():
    X = np.random.default_rng(0).normal(size=(24, 5)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the chance-level warning of a tiny fit
        return _small(max_epochs=2).fit(X), X


@pytest.mark.parametrize(
    "block",
    [
        lambda X: X[:1],
        lambda X: X[:0],
        lambda X: X[:1].tolist(),
        lambda X: pd.DataFrame(X[:1], columns=[f"x{i}" for i in range(5)]).to_numpy(),
    ],
    ids=["1 row", "0 rows", "list of 1 row", "1 row from pandas"],
)
def test_a_fitted_model_skips_a_small_block_and_warns(fitted, block):
    emb, X = fitted
    before, n_iter, n_history = _state(emb), emb.n_iter_, len(emb.history_)
    n = len(block(X))
    with pytest.warns(SkippedBlockWarning, match=rf"skipped a block of {n} row\(s\)"):
        assert emb.partial_fit(block(X)) is emb
    assert emb.n_iter_ == n_iter and len(emb.history_) == n_history
    for name, value in _state(emb).items():
        assert (value == before[name]).all(), name


def test_skipped_block_warning_is_a_user_warning():
    assert issubclass(SkippedBlockWarning, UserWarning)


def test_a_skipped_row_is_still_checked(fitted):
    emb, X = fitted
    bad = X[:1].copy()
    bad[0, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        emb.partial_fit(bad)
    with pytest.raises(ValueError, match="4 features"):
        emb.partial_fit(X[:1, :4])


def test_two_rows_train(fitted):
    emb, X = fitted
    emb = _small(max_epochs=2).fit(X)
    n_iter = emb.n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkippedBlockWarning)
        warnings.filterwarnings("ignore", message=".*chance value")
        emb.partial_fit(X[:2])
    assert emb.n_iter_ == n_iter + 2


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_a_new_model_still_needs_two_rows(method):
    """fit, and partial_fit of an unfitted model (which starts a new one), need 2 rows."""
    X = np.ones((1, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="minimum of 2 is required"):
        getattr(ContrastiveEmbedder(max_epochs=1), method)(X)


def test_transform_of_no_rows_is_an_empty_embedding(fitted):
    # An empty dask partition reaches transform as a block of 0 rows.
    emb, X = fitted
    Z = emb.transform(X[:0])
    assert Z.shape == (0, emb.transform(X[:1]).shape[1])
    assert Z.dtype == np.float32
    with pytest.raises(ValueError, match="features"):
        emb.transform(np.zeros((0, X.shape[1] + 1), dtype=np.float32))


class _ArrayOnly:
    """An array-like with neither ``shape`` nor ``len``: its row count is unknown."""

    def __init__(self, X):
        self._X = X

    def __array__(self, dtype=None, copy=None):
        return self._X if dtype is None else self._X.astype(dtype)


def test_a_block_of_unknown_length_is_trained_not_skipped(fitted):
    emb, X = fitted
    emb = _small(max_epochs=2).fit(X)
    n_iter = emb.n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkippedBlockWarning)
        warnings.filterwarnings("ignore", message=".*chance value")
        emb.partial_fit(_ArrayOnly(X[:10]))
    assert emb.n_iter_ == n_iter + 2
