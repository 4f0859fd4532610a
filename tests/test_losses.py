"""Losses: the lecture's worked example, a float64 NumPy reference, edge cases, the contract."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from skcontrast import losses
from skcontrast.losses import (
    LOSSES,
    ContrastiveLoss,
    InfoNCELoss,
    NTXentLoss,
    SupConLoss,
    _temperature_applies,
    check_loss,
    info_nce,
    nt_xent,
    supcon,
)


def _np_nt_xent(z1, z2, t):
    """SimCLR Algorithm 1, transcribed as a float64 loop (lightly's reference form)."""
    z = np.concatenate([z1, z2]).astype(np.float64)
    z /= np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
    n = z1.shape[0]
    total = 0.0
    for i in range(2 * n):
        j = (i + n) % (2 * n)
        sims = np.array([z[i] @ z[k] / t for k in range(2 * n) if k != i])
        m = sims.max()
        total += -(z[i] @ z[j] / t) + m + np.log(np.exp(sims - m).sum())
    return total / (2 * n)


def _np_info_nce(z1, z2, t):
    a = z1 / np.linalg.norm(z1, axis=1, keepdims=True)
    b = z2 / np.linalg.norm(z2, axis=1, keepdims=True)
    s = a @ b.T / t
    s = s - s.max(axis=1, keepdims=True)
    return float(np.mean(-np.diag(s) + np.log(np.exp(s).sum(axis=1))))


LECTURE_A = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
LECTURE_B = torch.tensor([[1.0, 1.0], [1.0, -1.0], [0.0, 1.0]])


def test_lecture_worked_example():
    terms = info_nce(LECTURE_A, LECTURE_B, temperature=0.2, reduction="none")
    assert terms.shape == (3,)
    # the lecture rounds 1/sqrt(2) to 0.707 and e^3.535 to 34.3 and gets ~0.706
    assert terms[0].item() == pytest.approx(0.706, abs=2e-3)
    exact = -math.log(math.exp(0.5**0.5 / 0.2) / (2 * math.exp(0.5**0.5 / 0.2) + 1))
    assert terms[0].item() == pytest.approx(exact, rel=1e-6)
    assert info_nce(LECTURE_A, LECTURE_B, 0.2).item() == pytest.approx(terms.mean().item())
    ref = _np_info_nce(LECTURE_A.numpy().astype(float), LECTURE_B.numpy().astype(float), 0.2)
    assert info_nce(LECTURE_A, LECTURE_B, 0.2).item() == pytest.approx(ref, rel=1e-5)


@given(
    n=st.integers(2, 8),
    d=st.sampled_from([1, 2, 16]),
    t=st.sampled_from([0.1, 0.5, 1.0, 10.0]),
    seed=st.integers(0, 10_000),
)
def test_nt_xent_matches_numpy_reference(n, d, t, seed):
    rng = np.random.default_rng(seed)
    z1, z2 = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    got = nt_xent(torch.from_numpy(z1), torch.from_numpy(z2), t).item()
    assert got == pytest.approx(_np_nt_xent(z1, z2, t), rel=1e-9, abs=1e-9)
    got_nce = info_nce(torch.from_numpy(z1), torch.from_numpy(z2), t).item()
    assert got_nce == pytest.approx(_np_info_nce(z1, z2, t), rel=1e-9, abs=1e-9)


def test_collinear_embeddings_give_log_2n_minus_1():
    z = torch.ones(5, 3)
    assert nt_xent(z, z, 0.3).item() == pytest.approx(math.log(9), rel=1e-6)
    assert info_nce(z, z, 0.3).item() == pytest.approx(math.log(5), rel=1e-6)


def test_symmetric_in_argument_order():
    g = torch.Generator().manual_seed(0)
    z1, z2 = torch.randn(6, 4, generator=g), torch.randn(6, 4, generator=g)
    assert nt_xent(z1, z2).item() == pytest.approx(nt_xent(z2, z1).item(), rel=1e-6)
    # info_nce is one-directional: swapping generally changes it
    assert info_nce(z1, z2).item() != pytest.approx(info_nce(z2, z1).item(), rel=1e-6)


def test_aligned_views_beat_random_views():
    g = torch.Generator().manual_seed(1)
    z = torch.randn(32, 8, generator=g)
    aligned = nt_xent(z, z + 0.01 * torch.randn(32, 8, generator=g))
    shuffled = nt_xent(z, torch.randn(32, 8, generator=g))
    assert aligned < shuffled


@pytest.mark.parametrize("fn", [nt_xent, info_nce])
def test_fewer_than_two_samples_is_an_error(fn):
    with pytest.raises(ValueError, match="at least 2 samples"):
        fn(torch.ones(1, 3), torch.ones(1, 3))


def test_supcon_single_row_is_an_error():
    with pytest.raises(ValueError, match="at least 2 samples"):
        supcon(torch.ones(1, 3), torch.tensor([0]))


@pytest.mark.parametrize(
    ("z1", "z2", "match"),
    [
        (torch.ones(3, 2), torch.ones(4, 2), "same shape"),
        (torch.ones(3), torch.ones(3), "2-D"),
    ],
)
def test_shape_errors(z1, z2, match):
    with pytest.raises(ValueError, match=match):
        nt_xent(z1, z2)


@pytest.mark.parametrize("t", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_temperature(t):
    with pytest.raises(ValueError, match="temperature"):
        nt_xent(torch.ones(2, 2), torch.ones(2, 2), t)
    with pytest.raises(ValueError, match="temperature"):
        NTXentLoss(temperature=t)


@pytest.mark.parametrize("t", [True, "0.5", torch.tensor(0.0), torch.tensor([0.5, 0.5])])
def test_bad_temperature_types(t):
    with pytest.raises(ValueError, match="temperature"):
        nt_xent(torch.ones(2, 2), torch.eye(2), t)


def test_numpy_and_tensor_temperatures_are_accepted():
    z1, z2 = torch.eye(3), torch.eye(3).flip(0)
    expected = nt_xent(z1, z2, 0.5)
    for t in (np.float32(0.5), np.float64(0.5), torch.tensor(0.5)):
        torch.testing.assert_close(nt_xent(z1, z2, t), expected)


def test_supcon_labels_must_be_one_dimensional():
    with pytest.raises(ValueError, match="1-D"):
        supcon(torch.randn(4, 3), torch.tensor([[0, 1], [0, 1]]))


def test_gradcheck_float64():
    g = torch.Generator().manual_seed(2)
    z1 = torch.randn(4, 3, dtype=torch.float64, generator=g, requires_grad=True)
    z2 = torch.randn(4, 3, dtype=torch.float64, generator=g, requires_grad=True)
    labels = torch.tensor([0, 1, 0, 1, 0, 1, 0, 1])
    assert torch.autograd.gradcheck(lambda a, b: nt_xent(a, b, 0.5), (z1, z2))
    assert torch.autograd.gradcheck(lambda a, b: info_nce(a, b, 0.5), (z1, z2))
    assert torch.autograd.gradcheck(lambda a, b: supcon(torch.cat([a, b]), labels, 0.5), (z1, z2))


@pytest.mark.parametrize("fn", [nt_xent, info_nce])
def test_finite_at_low_temperature_and_zero_embeddings(fn):
    g = torch.Generator().manual_seed(3)
    z1 = torch.randn(8, 4, generator=g, requires_grad=True)
    z2 = torch.randn(8, 4, generator=g)
    loss = fn(z1, z2, 1e-3)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(z1.grad).all()
    zeros = torch.zeros(8, 4, requires_grad=True)
    loss0 = fn(zeros, torch.zeros(8, 4), 0.01)
    loss0.backward()
    assert torch.isfinite(loss0) and torch.isfinite(zeros.grad).all()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_inputs_are_stable(dtype):
    g = torch.Generator().manual_seed(4)
    z1, z2 = torch.randn(16, 8, generator=g), torch.randn(16, 8, generator=g)
    ref = nt_xent(z1, z2, 0.01).item()
    got = nt_xent(z1.to(dtype), z2.to(dtype), 0.01)
    assert got.dtype == torch.float32 and torch.isfinite(got)
    assert got.item() == pytest.approx(ref, rel=0.05)


def test_stable_under_cpu_autocast():
    g = torch.Generator().manual_seed(5)
    lin = torch.nn.Linear(8, 8)
    x1, x2 = torch.randn(16, 8, generator=g), torch.randn(16, 8, generator=g)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        z1, z2 = lin(x1), lin(x2)
        assert z1.dtype == torch.bfloat16
        loss = nt_xent(z1, z2, 0.01)
    assert loss.dtype == torch.float32 and torch.isfinite(loss)


def test_supcon_reduces_to_pairs_with_unique_labels():
    """With one label per pair, SupCon's positives are exactly the partner views."""
    g = torch.Generator().manual_seed(6)
    z1, z2 = torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g)
    labels = torch.arange(5).repeat(2)
    assert supcon(torch.cat([z1, z2]), labels, 0.3).item() == pytest.approx(
        nt_xent(z1, z2, 0.3).item(), rel=1e-5
    )


def test_supcon_anchor_without_positive_is_left_out():
    z = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    terms = supcon(z, torch.tensor([0, 0, 1]), reduction="none")
    assert terms[2].item() == 0.0
    assert supcon(z, torch.tensor([0, 0, 1])).item() == pytest.approx(terms[:2].mean().item())
    with pytest.raises(ValueError, match="one entry per row"):
        supcon(z, torch.tensor([0, 1]))


def test_module_wrappers_route_temperature():
    g = torch.Generator().manual_seed(7)
    z1, z2 = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    assert NTXentLoss(0.7)(z1, z2).item() == pytest.approx(nt_xent(z1, z2, 0.7).item())
    assert InfoNCELoss(0.7)(z1, z2).item() == pytest.approx(info_nce(z1, z2, 0.7).item())
    labels = torch.tensor([0, 1, 0, 1, 0, 1, 0, 1])
    z = torch.cat([z1, z2])
    assert SupConLoss(0.7)(z, labels).item() == pytest.approx(supcon(z, labels, 0.7).item())


def _pair_loss(fn, z1, z2, t):
    """``fn(z1, z2, t)``; for supcon, the stacked views with 4 classes of 4 rows."""
    if fn is supcon:
        return supcon(torch.cat([z1, z2]), torch.tensor([0, 1, 2, 3] * 4), t)
    return fn(z1, z2, t)


@pytest.mark.parametrize("t", [1e-3, 1e-2, 1.0, 1e3])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
@pytest.mark.parametrize("fn", [nt_xent, info_nce, supcon])
def test_zero_row_gives_finite_gradients_in_every_dtype(fn, dtype, t):
    g = torch.Generator().manual_seed(8)
    z1, z2 = torch.randn(8, 4, generator=g), torch.randn(8, 4, generator=g)
    z1[0] = 0.0
    z2[3] = 0.0
    # leaves of the low-precision dtype itself: the gradient flows back through the cast
    z1 = z1.to(dtype).requires_grad_(True)
    z2 = z2.to(dtype).requires_grad_(True)
    loss = _pair_loss(fn, z1, z2, t)
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert z1.grad.dtype == dtype
    assert torch.isfinite(z1.grad).all() and torch.isfinite(z2.grad).all()
    # F.normalize's backward scales a zero row's gradient by 1 / eps = 1e12 (inf
    # once cast back to float16); a zero row has no direction, so it gets none
    assert (z1.grad[0] == 0).all() and (z2.grad[3] == 0).all()
    # the loss and the other rows' gradients match float64 on the same (rounded)
    # values, to the precision of the input dtype
    a = z1.detach().double().requires_grad_(True)
    b = z2.detach().double().requires_grad_(True)
    loss64 = _pair_loss(fn, a, b, t)
    loss64.backward()
    assert loss.item() == pytest.approx(loss64.item(), rel=1e-5)
    rtol = {torch.float16: 2e-3, torch.bfloat16: 1e-2, torch.float32: 1e-5}[dtype]
    for got, ref in ((z1.grad, a.grad), (z2.grad, b.grad)):
        assert ref.abs().max() > 0
        torch.testing.assert_close(got.double(), ref, rtol=rtol, atol=rtol * ref.abs().max().item())


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("fn", [nt_xent, info_nce, supcon])
def test_zero_row_under_cpu_autocast_gives_finite_weight_gradients(fn, dtype):
    """The module docstring's autocast claim, with an encoder output that is exactly 0."""
    torch.manual_seed(9)
    lin = torch.nn.Linear(4, 6, bias=False)
    g = torch.Generator().manual_seed(9)
    x1, x2 = torch.randn(8, 4, generator=g), torch.randn(8, 4, generator=g)
    x1[0] = 0.0  # so the encoder's output row 0 is exactly zero
    with torch.autocast("cpu", dtype=dtype):
        z1, z2 = lin(x1), lin(x2)
        assert z1.dtype == dtype and (z1[0] == 0).all()
        loss = _pair_loss(fn, z1, z2, 0.01)
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    # under the old normalisation float16 gave inf * 0 = NaN here
    assert torch.isfinite(lin.weight.grad).all() and lin.weight.grad.abs().max() > 0


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_supcon_batch_without_positives_gives_a_connected_zero(reduction):
    g = torch.Generator().manual_seed(10)
    z = torch.randn(5, 3, generator=g, requires_grad=True)
    loss = supcon(z, torch.arange(5), 0.1, reduction=reduction)
    assert loss.grad_fn is not None
    assert loss.shape == ((5,) if reduction == "none" else ())
    assert (loss == 0).all() and not torch.signbit(loss).any()
    loss.sum().backward()
    assert z.grad is not None and (z.grad == 0).all()


@pytest.mark.parametrize(
    "labels",
    [torch.tensor([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0, 1.0]), [0.5, 1.5, 0.5, 1.5]],
)
def test_supcon_rejects_floating_labels(labels):
    with pytest.raises(ValueError, match=r"labels must be integer.*float(32|64)"):
        supcon(torch.randn(4, 3), labels)


def test_supcon_accepts_integer_and_bool_labels():
    g = torch.Generator().manual_seed(11)
    z = torch.randn(6, 3, generator=g)
    expected = supcon(z, torch.tensor([0, 1, 0, 1, 1, 0]), 0.5)
    for labels in (
        torch.tensor([False, True, False, True, True, False]),
        torch.tensor([3, 7, 3, 7, 7, 3], dtype=torch.int8),
        np.array([0, 1, 0, 1, 1, 0]),
        [0, 1, 0, 1, 1, 0],
    ):
        torch.testing.assert_close(supcon(z, labels, 0.5), expected)


# --- the ContrastiveLoss contract -------------------------------------------------------


def _views(b, d=4, seed=12, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, d, generator=g, dtype=dtype), torch.randn(b, d, generator=g, dtype=dtype)


def _labels(b):
    return torch.arange(b) % 2  # two classes, every class at least once for b >= 2


def _function_call(name, z1, z2, labels, t):
    """The loss through the existing function, as the net calls it today."""
    if name == "supcon":
        return supcon(torch.cat([z1, z2]), torch.cat([labels, labels]), t)
    return {"nt_xent": nt_xent, "info_nce": info_nce}[name](z1, z2, t)


#: The registered losses with a temperature (the variance-keeping ones are
#: tested in test_variance_losses.py).
CONTRASTIVE = ["info_nce", "nt_xent", "supcon"]


def test_registry_lists_the_built_in_losses():
    assert dict(LOSSES) == {
        "nt_xent": NTXentLoss,
        "info_nce": InfoNCELoss,
        "supcon": SupConLoss,
        "vicreg": losses.VICRegLoss,
        "barlow_twins": losses.BarlowTwinsLoss,
    }
    with pytest.raises(TypeError):
        LOSSES["mine"] = NTXentLoss  # read-only: pass your own loss as a class


def test_every_registered_loss_is_public():
    for name, cls in LOSSES.items():
        assert getattr(losses, cls.__name__) is cls
        assert cls.__name__ in losses.__all__, name
    for name in ("ContrastiveLoss", "LOSSES", "check_loss"):
        assert name in losses.__all__


@pytest.mark.parametrize("name", CONTRASTIVE)
def test_registered_loss_follows_the_contract(name):
    cls = LOSSES[name]
    assert issubclass(cls, ContrastiveLoss)
    assert isinstance(cls.requires_labels, bool)
    loss = cls(temperature=0.3)
    assert loss.temperature == 0.3
    z1, z2 = _views(6)
    labels = _labels(6)
    got = loss.forward_views(z1, z2, labels)
    assert got.shape == () and got.dtype == torch.float32 and torch.isfinite(got)
    # the views call equals the existing function call, bit for bit
    assert torch.equal(got, _function_call(name, z1, z2, labels, 0.3))
    if cls.requires_labels:
        with pytest.raises(ValueError, match="labels"):
            loss.forward_views(z1, z2)
    else:
        # labels are ignored, so the net may always pass them
        assert torch.equal(loss.forward_views(z1, z2), got)
        assert torch.equal(loss(z1, z2), got)
        assert torch.equal(loss.forward_views(z1, z2, torch.zeros(6, dtype=torch.int64)), got)


@pytest.mark.parametrize("b", [2, 5, 64])
@pytest.mark.parametrize("t", [0.05, 1.0])
@pytest.mark.parametrize("name", CONTRASTIVE)
def test_chance_value_is_the_loss_of_identical_embeddings(name, t, b):
    loss = LOSSES[name](temperature=t)
    chance = loss.chance_value(b)
    z = torch.ones(b, 3, dtype=torch.float64)
    value = loss.forward_views(z, 2.5 * z, _labels(b)).item()  # collinear: all equal
    assert loss.forward_views(torch.zeros(b, 3), torch.zeros(b, 3), _labels(b)).item() == (
        pytest.approx(value, rel=1e-6)
    )
    if name == "supcon":
        # identical embeddings give log(2B - 1) whatever the labels, yet the best
        # reachable value depends on the class sizes too: not a chance reference
        assert chance is None
        assert value == pytest.approx(math.log(2 * b - 1), rel=1e-9)
        assert loss.forward_views(z, z, torch.zeros(b, dtype=torch.int64)).item() == (
            pytest.approx(value, rel=1e-9)
        )
    else:
        assert isinstance(chance, float)
        assert value == pytest.approx(chance, rel=1e-9)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_chance_formula_states_the_chance_value(name):
    cls = LOSSES[name]
    formula = cls.chance_formula
    if cls().chance_value(2) is None:
        assert formula is None
        return
    assert formula in {"log(2b - 1)", "log(b)"}
    for b in (2, 5, 64):
        arg = 2 * b - 1 if formula == "log(2b - 1)" else b
        assert cls().chance_value(b) == math.log(arg)


def test_chance_values_of_the_built_in_losses():
    assert NTXentLoss().chance_value(5) == pytest.approx(math.log(9))
    assert InfoNCELoss().chance_value(5) == pytest.approx(math.log(5))
    assert NTXentLoss().chance_value(np.int64(3)) == pytest.approx(math.log(5))


@pytest.mark.parametrize("batch_size", [1, 0, -3, 2.0, True, "4", None])
@pytest.mark.parametrize("cls", [*LOSSES.values(), "base"])
def test_chance_value_rejects_bad_batch_sizes(cls, batch_size):
    loss = _AlignmentLoss() if cls == "base" else cls()
    with pytest.raises(ValueError, match="batch_size must be an integer >= 2"):
        loss.chance_value(batch_size)


def test_supcon_forward_views_label_errors():
    z1, z2 = _views(4)
    loss = SupConLoss()
    with pytest.raises(ValueError, match=r"one entry per row of z1.*\(3,\) for 4 rows"):
        loss.forward_views(z1, z2, torch.tensor([0, 1, 0]))
    with pytest.raises(ValueError, match="labels must be integer"):
        loss.forward_views(z1, z2, torch.tensor([0.0, 1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="same shape"):
        loss.forward_views(z1, z2[:3], torch.tensor([0, 1, 0, 1]))
    # arrays and lists are converted, as supcon does
    expected = loss.forward_views(z1, z2, torch.tensor([0, 1, 0, 1]))
    torch.testing.assert_close(loss.forward_views(z1, z2, np.array([0, 1, 0, 1])), expected)
    torch.testing.assert_close(loss.forward_views(z1, z2, [0, 1, 0, 1]), expected)


def test_supcon_forward_views_with_unique_labels_is_nt_xent():
    z1, z2 = _views(5)
    got = SupConLoss(0.3).forward_views(z1, z2, torch.arange(5))
    assert got.item() == pytest.approx(nt_xent(z1, z2, 0.3).item(), rel=1e-5)


def test_old_module_calls_are_unchanged():
    z1, z2 = _views(4)
    labels = torch.tensor([0, 1, 0, 1, 0, 1, 0, 1])
    z = torch.cat([z1, z2])
    assert torch.equal(NTXentLoss(0.7)(z1, z2), nt_xent(z1, z2, 0.7))
    assert torch.equal(InfoNCELoss(0.7)(z1, z2), info_nce(z1, z2, 0.7))
    assert torch.equal(SupConLoss(0.7)(z, labels), supcon(z, labels, 0.7))
    terms = NTXentLoss(0.7, reduction="none").forward_views(z1, z2)
    assert torch.equal(terms, nt_xent(z1, z2, 0.7, reduction="none"))


@pytest.mark.parametrize("name", CONTRASTIVE)
def test_forward_views_gradcheck_float64(name):
    z1, z2 = (z.requires_grad_(True) for z in _views(4, 3, dtype=torch.float64))
    loss = LOSSES[name](temperature=0.5)
    labels = _labels(4)
    assert torch.autograd.gradcheck(lambda a, b: loss.forward_views(a, b, labels), (z1, z2))


class _AlignmentLoss(ContrastiveLoss):
    """A loss without a temperature: 1 - mean cosine similarity of the partners."""

    def forward_views(self, z1, z2, labels=None):
        return 1 - torch.nn.functional.cosine_similarity(z1, z2).mean()


class _ScaledNTXent(NTXentLoss):
    def __init__(self, temperature=0.2, scale=1.0):
        super().__init__(temperature)
        self.scale = scale

    def forward_views(self, z1, z2, labels=None):
        return self.scale * super().forward_views(z1, z2, labels)


class _NeedsWidth(ContrastiveLoss):
    def __init__(self, width):
        super().__init__()
        self.width = width

    def forward_views(self, z1, z2, labels=None):
        return z1.sum() * 0


class _Abstract(ContrastiveLoss):
    pass


def test_base_class_defaults():
    loss = _AlignmentLoss()
    assert loss.requires_labels is False
    assert loss.temperature is None
    assert loss.chance_value(8) is None
    assert loss.chance_formula is None
    z1, z2 = _views(3)
    assert torch.equal(loss(z1, z2), loss.forward_views(z1, z2))
    with pytest.raises(TypeError, match="abstract"):
        ContrastiveLoss()
    with pytest.raises(TypeError, match="abstract"):
        _Abstract()


def test_a_learnable_temperature_can_replace_the_attribute():
    class Learnable(NTXentLoss):
        def __init__(self, temperature=0.2):
            super().__init__(temperature)
            self.temperature = torch.nn.Parameter(torch.tensor(float(temperature)))

    loss = check_loss(Learnable, 0.4)
    assert [p for p in loss.parameters()] == [loss.temperature]
    z1, z2 = _views(4)
    loss.forward_views(z1, z2).backward()
    assert loss.temperature.grad is not None


@pytest.mark.parametrize("name", CONTRASTIVE)
def test_check_loss_by_name(name):
    loss = check_loss(name, temperature=0.4)
    assert type(loss) is LOSSES[name]
    assert loss.temperature == 0.4 and loss.reduction == "mean"
    assert check_loss(name, 0.4) is not loss  # fresh every call
    assert _temperature_applies(name)


def test_check_loss_by_class():
    loss = check_loss(_ScaledNTXent, temperature=0.4)
    assert type(loss) is _ScaledNTXent and loss.temperature == 0.4 and loss.scale == 1.0
    assert _temperature_applies(_ScaledNTXent)
    # a class without a temperature parameter is built without arguments
    plain = check_loss(_AlignmentLoss, temperature=0.4)
    assert type(plain) is _AlignmentLoss and plain.temperature is None
    assert not _temperature_applies(_AlignmentLoss)
    with pytest.raises(ValueError, match="temperature"):
        check_loss(NTXentLoss, temperature=-1.0)


@pytest.mark.parametrize(
    "loss",
    [
        NTXentLoss(0.1, reduction="sum"),
        InfoNCELoss(0.9),
        SupConLoss(0.05),
        _ScaledNTXent(0.3, scale=2.0),
        _AlignmentLoss(),
    ],
    ids=lambda loss: type(loss).__name__,
)
def test_check_loss_deep_copies_an_instance_with_its_own_settings(loss):
    got = check_loss(loss, temperature=0.4)
    assert got is not loss and type(got) is type(loss)
    assert vars(got).keys() == vars(loss).keys()
    assert got.temperature == loss.temperature  # the embedder's temperature is ignored
    assert getattr(got, "reduction", None) == getattr(loss, "reduction", None)
    assert getattr(got, "scale", None) == getattr(loss, "scale", None)
    assert not _temperature_applies(loss)
    got.temperature = 123.0
    assert loss.temperature != 123.0  # the parameter is never modified


def test_check_loss_deep_copies_parameters():
    loss = NTXentLoss()
    loss.temperature = torch.nn.Parameter(torch.tensor(0.3))
    got = check_loss(loss)
    assert got.temperature is not loss.temperature
    assert torch.equal(got.temperature, loss.temperature)


@pytest.mark.parametrize(
    ("loss", "error", "match"),
    [
        (
            "ntxent",
            ValueError,
            r"loss must be one of the names \['barlow_twins', 'info_nce', 'nt_xent', 'supcon', "
            r"'vicreg'\]",
        ),
        ("", ValueError, "unknown name ''"),
        (None, TypeError, "loss must be .*ContrastiveLoss subclass.*; got None"),
        (3, TypeError, "loss must be .*; got 3"),
        (nt_xent, TypeError, "loss must be .*; got <function nt_xent"),
        (torch.nn.CrossEntropyLoss(), TypeError, "got a CrossEntropyLoss instance.*subclass"),
        (torch.nn.MSELoss, TypeError, "got the class torch.nn.*MSELoss.*forward_views"),
        (int, TypeError, "loss must be .*; got the class builtins.int"),
        (ContrastiveLoss, TypeError, "loss must be .*abstract.*define forward_views"),
        (_Abstract, TypeError, "abstract"),
        (_NeedsWidth, TypeError, r"loss=_NeedsWidth could not be built as _NeedsWidth\(\)"),
        (NTXentLoss(reduction="none"), ValueError, "loss must give a scalar.*reduction='none'"),
    ],
)
def test_check_loss_rejects_bad_values(loss, error, match):
    with pytest.raises(error, match=match):
        check_loss(loss, temperature=0.2)


def test_custom_loss_trains_a_linear_encoder():
    """What the net does with any loss: one call for all, then backward and a step."""
    torch.manual_seed(13)
    g = torch.Generator().manual_seed(13)
    x = torch.randn(16, 5, generator=g)
    for loss_param in ("nt_xent", "supcon", _AlignmentLoss, _ScaledNTXent(0.5, scale=3.0)):
        loss = check_loss(loss_param, temperature=0.5)
        lin = torch.nn.Linear(5, 4)
        labels = _labels(16) if loss.requires_labels else None
        value = loss.forward_views(lin(x), lin(x + 0.1), labels)
        value.backward()
        assert torch.isfinite(value) and lin.weight.grad.abs().max() > 0
