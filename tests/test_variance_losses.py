"""VICReg and Barlow Twins: references, extremes, the loss contract, training."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from skcontrast.embed import ContrastiveEmbedder
from skcontrast.losses import (
    LOSSES,
    BarlowTwinsLoss,
    VICRegLoss,
    barlow_twins,
    check_loss,
    vicreg,
)
from skcontrast.losses._registry import _temperature_applies


def _vicreg_numpy(a, b, lam=25.0, mu=25.0, nu=1.0, eps=1e-4):
    """Bardes et al. (2022), eqs. 1-5, in float64 NumPy."""
    d = a.shape[1]
    inv = np.mean((a - b) ** 2)

    def v(z):
        return np.mean(np.maximum(0.0, 1.0 - np.sqrt(z.var(axis=0, ddof=1) + eps)))

    def c(z):
        cov = np.cov(z, rowvar=False, ddof=1).reshape(d, d)
        return (np.sum(cov**2) - np.sum(np.diag(cov) ** 2)) / d

    return lam * inv + mu * (v(a) + v(b)) / 2 + nu * (c(a) + c(b))


def _barlow_numpy(a, b, lam=5e-3, eps=1e-5):
    """Zbontar et al. (2021), eq. 1, with BatchNorm-style standardisation."""
    n = a.shape[0]
    sa = (a - a.mean(0)) / np.sqrt(a.var(0) + eps)
    sb = (b - b.mean(0)) / np.sqrt(b.var(0) + eps)
    c = sa.T @ sb / n
    off = np.sum(c**2) - np.sum(np.diag(c) ** 2)
    return np.sum((1.0 - np.diag(c)) ** 2) + lam * off


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 12),
    d=st.integers(1, 6),
    scale=st.floats(0.05, 5.0),
    seed=st.integers(0, 2**16),
)
def test_match_numpy_references(n, d, scale, seed):
    rng = np.random.default_rng(seed)
    a, b = scale * rng.standard_normal((2, n, d))
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    assert vicreg(ta, tb).item() == pytest.approx(_vicreg_numpy(a, b), rel=1e-9, abs=1e-12)
    assert barlow_twins(ta, tb).item() == pytest.approx(_barlow_numpy(a, b), rel=1e-9, abs=1e-12)


def test_extremes():
    spread = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]], dtype=torch.float64)
    assert vicreg(2 * spread, 2 * spread).item() == 0.0
    assert barlow_twins(spread, spread).item() < 1e-8
    collapsed = torch.ones(6, 3, dtype=torch.float64)
    # every dimension at zero spread: the variance hinge is 1 - sqrt(eps) per view
    assert vicreg(collapsed, collapsed).item() == pytest.approx(25 * (1 - 1e-2), rel=1e-12)
    # standardised to zero: C = 0, so each diagonal term costs 1
    assert barlow_twins(collapsed, collapsed).item() == pytest.approx(3.0, rel=1e-12)
    # a collapsed embedding always costs more than a spread, aligned one
    assert vicreg(collapsed, collapsed) > vicreg(2 * spread, 2 * spread + 0.1)


def test_each_vicreg_weight_scales_its_term():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(2, 8, 4, generator=g, dtype=torch.float64)
    terms = [
        vicreg(a, b, lambda_param=1, mu_param=0, nu_param=0),
        vicreg(a, b, lambda_param=0, mu_param=1, nu_param=0),
        vicreg(a, b, lambda_param=0, mu_param=0, nu_param=1),
    ]
    assert vicreg(a, b, 2.0, 3.0, 5.0).item() == pytest.approx(
        (2 * terms[0] + 3 * terms[1] + 5 * terms[2]).item(), rel=1e-12
    )


@pytest.mark.parametrize("fn", [vicreg, barlow_twins])
def test_gradcheck_float64(fn):
    g = torch.Generator().manual_seed(1)
    a, b = (torch.randn(5, 3, generator=g, dtype=torch.float64).requires_grad_() for _ in "ab")
    assert torch.autograd.gradcheck(fn, (a, b))


@pytest.mark.parametrize("fn", [vicreg, barlow_twins])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_inputs_give_a_finite_float32_loss(fn, dtype):
    g = torch.Generator().manual_seed(2)
    a, b = torch.randn(2, 16, 8, generator=g).to(dtype)
    value = fn(a, b)
    assert value.dtype == torch.float32 and torch.isfinite(value)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert fn(a.float(), b.float()).dtype == torch.float32


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: vicreg(torch.ones(1, 2), torch.ones(1, 2)), "at least 2 samples"),
        (lambda: vicreg(torch.ones(3, 2), torch.ones(3, 3)), "same shape"),
        (lambda: vicreg(torch.ones(3, 2), torch.ones(3, 2), lambda_param=-1), "lambda_param"),
        (lambda: vicreg(torch.ones(3, 2), torch.ones(3, 2), eps=0.0), "eps"),
        (lambda: barlow_twins(torch.ones(3, 2), torch.ones(3, 2), lambda_param=np.nan), "lambda"),
        (lambda: VICRegLoss(mu_param=True), "mu_param"),
        (lambda: BarlowTwinsLoss(eps=-1.0), "eps"),
    ],
)
def test_invalid_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("name", "cls"), [("vicreg", VICRegLoss), ("barlow_twins", BarlowTwinsLoss)]
)
def test_registered_without_a_temperature(name, cls):
    assert LOSSES[name] is cls
    loss = check_loss(name, temperature=0.5)
    assert type(loss) is cls and loss.temperature is None
    assert not _temperature_applies(name) and not _temperature_applies(cls)
    assert type(check_loss(cls, temperature=0.5)) is cls
    assert not cls.requires_labels and cls.chance_formula is None
    assert loss.chance_value(8) is None
    g = torch.Generator().manual_seed(3)
    z1, z2 = torch.randn(2, 6, 4, generator=g)
    got = loss.forward_views(z1, z2)
    assert torch.equal(loss(z1, z2), got)
    assert torch.equal(loss.forward_views(z1, z2, torch.arange(6)), got)  # labels ignored


@pytest.mark.parametrize("loss", ["vicreg", "barlow_twins"])
def test_embedder_trains_with_it_and_keeps_variance(loss):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 6)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no chance warning: these losses have none
        emb = ContrastiveEmbedder(
            loss=loss, n_components=4, max_epochs=15, batch_size=40, random_state=0
        ).fit(X)
    history = emb.history_[:, "train_loss"]
    assert np.all(np.isfinite(history)) and history[-1] < history[0]
    Z = emb.transform(X)
    assert np.all(np.isfinite(Z)) and np.all(Z.std(axis=0) > 0)
    assert np.isfinite(emb.score(X))
    emb.partial_fit(X)  # max_epochs more epochs, continuing from the fitted weights
    assert len(emb.history_) == 2 * len(history)
    assert np.all(np.isfinite(emb.history_[:, "train_loss"]))
