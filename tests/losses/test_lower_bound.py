"""ContrastiveLoss.lower_bound: the least value a loss can take on a batch.

The bound is checked three ways: equal to the loss at its minimiser (the two
views of each row equal, the rows a regular simplex), never above the loss of
seeded random embeddings, and reached by L-BFGS on free embeddings.
"""

import math

import pytest
import torch

from skcontrast.losses import (
    ContrastiveLoss,
    InfoNCELoss,
    NTXentLoss,
    SupConLoss,
    info_nce,
    nt_xent,
)

LOSSES = {"nt_xent": (NTXentLoss, nt_xent), "info_nce": (InfoNCELoss, info_nce)}


def _simplex(b: int) -> torch.Tensor:
    """B unit vectors in R^B whose sum is zero: a regular simplex (pairwise cosine -1/(B-1))."""
    vertices = torch.eye(b, dtype=torch.float64) - 1.0 / b
    return vertices / vertices.norm(dim=1, keepdim=True)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("b", [2, 3, 5, 16])
@pytest.mark.parametrize("t", [0.1, 0.5, 2.0])
def test_lower_bound_is_the_loss_of_a_regular_simplex(name, b, t):
    cls, function = LOSSES[name]
    z = _simplex(b)
    assert cls(temperature=t).lower_bound(b) == pytest.approx(function(z, z, t).item(), rel=1e-9)


def test_lower_bound_formulas():
    b, t = 432, 0.5  # the MOF run: chance log(863) = 6.76
    assert NTXentLoss(temperature=t).lower_bound(b) == pytest.approx(
        math.log(1 + (2 * b - 2) * math.exp(-b / ((b - 1) * t)))
    )
    assert NTXentLoss(temperature=t).lower_bound(b) == pytest.approx(4.763, abs=1e-3)
    assert InfoNCELoss(temperature=t).lower_bound(b) == pytest.approx(
        math.log(1 + (b - 1) * math.exp(-b / ((b - 1) * t)))
    )


@pytest.mark.parametrize("cls", [NTXentLoss, InfoNCELoss])
def test_lower_bound_lies_between_zero_and_chance_and_grows_with_temperature(cls):
    for b in (2, 8, 256):
        bounds = [cls(temperature=t).lower_bound(b) for t in (0.05, 0.2, 1.0, 10.0, 1e4)]
        assert all(0 < x < cls().chance_value(b) for x in bounds)
        assert bounds == sorted(bounds)
        # an infinitely hot softmax cannot tell rows apart: the bound tends to chance
        assert bounds[-1] == pytest.approx(cls().chance_value(b), rel=1e-3)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("d", [2, 8, 32])
def test_no_embedding_goes_below_the_lower_bound(name, d):
    cls, function = LOSSES[name]
    g = torch.Generator().manual_seed(d)
    b, t = 8, 0.3
    bound = cls(temperature=t).lower_bound(b)
    for _ in range(20):
        z1 = torch.randn(b, d, generator=g, dtype=torch.float64)
        z2 = z1 + 0.3 * torch.randn(b, d, generator=g, dtype=torch.float64)
        assert function(z1, z2, t).item() >= bound
    z1[0] = 0.0  # an all-zero row (cosine 0 with everything) keeps the bound
    assert function(z1, z2, t).item() >= bound


@pytest.mark.parametrize("name", LOSSES)
def test_optimising_free_embeddings_reaches_the_lower_bound(name):
    cls, function = LOSSES[name]
    b, d, t = 6, 8, 0.5
    torch.manual_seed(0)
    z = torch.randn(2 * b, d, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS(
        [z],
        max_iter=200,
        tolerance_grad=1e-12,
        tolerance_change=1e-15,
        line_search_fn="strong_wolfe",
    )

    def closure():
        optimizer.zero_grad()
        loss = function(z[:b], z[b:], t)
        loss.backward()
        return loss

    optimizer.step(closure)
    bound = cls(temperature=t).lower_bound(b)
    assert bound - 1e-12 <= function(z[:b], z[b:], t).item() <= bound + 1e-6  # up to rounding


def test_lower_bound_of_a_learnable_temperature_is_a_float():
    loss = NTXentLoss(temperature=torch.nn.Parameter(torch.tensor(0.5)))
    assert isinstance(loss.lower_bound(4), float)
    assert loss.lower_bound(4) == NTXentLoss(temperature=0.5).lower_bound(4)


def test_losses_without_a_known_bound_return_none():
    class Plain(ContrastiveLoss):
        def forward_views(self, z1, z2, labels=None):
            return (z1 - z2).pow(2).mean()

    assert Plain().lower_bound(4) is None
    assert SupConLoss().lower_bound(4) is None  # depends on the labels in the batch


@pytest.mark.parametrize("cls", [NTXentLoss, InfoNCELoss, SupConLoss])
@pytest.mark.parametrize("batch_size", [1, 0, 2.5, True, "4"])
def test_lower_bound_rejects_bad_batch_sizes(cls, batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        cls().lower_bound(batch_size)
