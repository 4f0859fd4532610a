"""BitDropout on binary and count fingerprints."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skcontrast.augment import BitDropout

fingerprints = st.tuples(st.integers(1, 20), st.integers(1, 64)).flatmap(
    lambda shape: arrays(np.uint8, shape, elements=st.integers(0, 5))
)


@settings(max_examples=30)
@given(X=fingerprints, p=st.floats(0, 1), float32=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_only_drops_entries(X, p, float32, seed):
    X = X.astype(np.float32 if float32 else np.float64)
    before = X.copy()
    view = BitDropout(p=p, random_state=seed).fit(X).augment(X)
    np.testing.assert_array_equal(X, before)
    assert view.dtype == X.dtype and view.shape == X.shape
    assert ((view == X) | (view == 0)).all()  # kept or zeroed, never gained
    np.testing.assert_array_equal(BitDropout(p=p, random_state=seed).fit(X).augment(X), view)


@settings(max_examples=20)
@given(X=fingerprints, seed=st.integers(0, 1000))
def test_zero_and_one(X, seed):
    X = X.astype(float)
    np.testing.assert_array_equal(BitDropout(p=0.0, random_state=seed).fit(X).augment(X), X)
    assert (BitDropout(p=1.0, random_state=seed).fit(X).augment(X) == 0).all()


def test_rate_and_independence(global_random_seed):
    X = np.ones((2000, 256))
    aug = BitDropout(p=0.02, random_state=global_random_seed).fit(X)
    dropped = aug.augment(X) == 0
    assert dropped.mean() == pytest.approx(0.02, rel=0.05)
    # per-row counts follow Binomial(256, 0.02): variance n p (1 - p)
    assert dropped.sum(axis=1).var() == pytest.approx(256 * 0.02 * 0.98, rel=0.15)
    assert not np.array_equal(aug.augment(X), aug.augment(X))


def test_columns_restrict_dropout_to_the_fingerprint():
    X = np.hstack([np.full((50, 4), 7.0), np.ones((50, 32))])
    view = BitDropout(p=0.5, columns=slice(4, None), random_state=0).fit(X).augment(X)
    np.testing.assert_array_equal(view[:, :4], X[:, :4])
    assert (view[:, 4:] == 0).any()


@pytest.mark.parametrize("p", [-0.1, 1.01, "half"])
def test_bad_p(p):
    with pytest.raises((ValueError, TypeError), match="'p' parameter"):
        BitDropout(p=p).fit(np.ones((2, 3)))


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_in_place_dropout_draws_and_writes_what_the_block_does(p):
    """The in-place form (used on a batch's columns, a strided view) is bit-identical
    to ``_augment_block`` for the same generator state."""
    import torch

    X = (np.random.default_rng(0).uniform(size=(9, 30)) < 0.5).astype(np.float32)
    aug = BitDropout(p=p, columns=slice(4, None)).fit(X)
    batch = torch.from_numpy(X.copy())
    expected = aug._augment_block(batch[:, 4:].contiguous(), torch.Generator().manual_seed(3))
    aug._augment_block_inplace(batch[:, 4:], torch.Generator().manual_seed(3))
    assert torch.equal(batch[:, 4:], expected)
    assert torch.equal(batch[:, :4], torch.from_numpy(X[:, :4]))
