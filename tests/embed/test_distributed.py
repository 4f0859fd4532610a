"""Multi-process training: ContrastiveEmbedder(distributed=True) and gather_distributed.

The multi-process checks launch ``tests/embed/_distributed_worker.py`` once with
torchrun (2 CPU processes, gloo, ``--standalone`` picks a free port) and compare
what the ranks wrote with the same computation in this plain pytest process.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist

from skcontrast.embed import ContrastiveEmbedder
from skcontrast.losses import NTXentLoss, VICRegLoss
from skcontrast.utils._distributed import local_bounds

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from _distributed_worker import (  # noqa: E402
    FIT_SETTINGS,
    N_ROWS,
    fit_data,
    global_batch,
    loss_cases,
)

#: A hang (a collective one rank never reaches) fails the test instead of blocking CI.
TIMEOUT_S = 240
WORLD = 2

pytestmark = pytest.mark.skipif(not dist.is_available(), reason="torch without torch.distributed")


@pytest.fixture(scope="module")
def ranks_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ranks")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE.parents[1]), os.environ.get("PYTHONPATH", "")]),
        "OMP_NUM_THREADS": "1",
    }
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={WORLD}",
        str(HERE / "_distributed_worker.py"),
        str(out),
    ]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"torchrun with {WORLD} processes did not finish in {TIMEOUT_S} s: {exc}")
    if done.returncode != 0:
        pytest.fail(
            f"torchrun failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    out.joinpath("stdout.txt").write_text(done.stdout)
    return out


@pytest.mark.parametrize("name", [case[0] for case in loss_cases()])
def test_gathered_loss_equals_global_batch_loss(ranks_out, name):
    """(a) On each rank, the gathered loss of its slice is the loss of the global batch,
    and its gradient (divided by the world size, as DDP averages) that of its rows."""
    z1, z2, labels = global_batch()
    _, loss, call = next(case for case in loss_cases() if case[0] == name)
    a, b = z1.clone().requires_grad_(True), z2.clone().requires_grad_(True)
    expected = call(loss, a, b, labels)
    expected.backward()
    for rank in range(WORLD):
        value, grad_a, grad_b = torch.load(ranks_out / f"loss_{rank}.pt")[name]
        start, stop = local_bounds(N_ROWS, rank, WORLD)
        assert stop - start in (3, 4)  # unequal slices: the padding path
        assert abs(float(value) - float(expected)) <= 1e-6
        torch.testing.assert_close(grad_a, a.grad[start:stop], rtol=0, atol=1e-6)
        torch.testing.assert_close(grad_b, b.grad[start:stop], rtol=0, atol=1e-6)


def test_parameters_identical_across_ranks(ranks_out):
    """(b) DDP gives both ranks the same averaged gradients: bit-identical parameters."""
    rank0 = torch.load(ranks_out / "params_0.pt")
    rank1 = torch.load(ranks_out / "params_1.pt")
    assert rank0.keys() == rank1.keys()
    for key in rank0:
        assert torch.equal(rank0[key], rank1[key]), key


def test_rank0_model_unpickles_and_transforms_in_a_plain_process(ranks_out):
    """(c) No process group is needed (none exists here) to load and transform."""
    assert not dist.is_initialized()
    model = pickle.loads((ranks_out / "model_0.pkl").read_bytes())
    X = fit_data()
    np.testing.assert_array_equal(model.transform(X), np.load(ranks_out / "Z_0.npy"))
    assert model.distributed is True
    assert model.net_.criterion_.gather_distributed is False
    assert "_ddp" not in model.net_.__dict__


def test_two_processes_train_as_one_on_the_global_batch(ranks_out):
    """(d) Same global batches, same views (drawn for the whole batch from the shared
    stream), the global-batch loss: one process gives the same model, up to float
    rounding (DDP sums the two halves' gradients in another order)."""
    one = ContrastiveEmbedder(**FIT_SETTINGS).fit(fit_data())
    ranks = torch.load(ranks_out / "params_0.pt")
    np.testing.assert_allclose(
        ranks["train_loss"].numpy(), [row["train_loss"] for row in one.history_], rtol=1e-6
    )
    for key, value in one.net_.module_.state_dict().items():
        torch.testing.assert_close(ranks[f"encoder.{key}"], value, rtol=0, atol=1e-5)


def test_only_rank0_prints(ranks_out):
    """Epoch table, views, the capped batch and the chance-level warning: rank 0 only."""
    assert (ranks_out / "printed_1.txt").read_text() == ""
    printed = (ranks_out / "printed_0.txt").read_text()
    assert len([line for line in printed.splitlines() if "/3" in line]) == 3
    assert "views (augmenter_)" in printed
    assert "chance value" in printed  # the tiny fit's chance-level warning, once


def test_dropout_masks_differ_across_ranks_and_parameters_stay_identical(ranks_out):
    """Each rank draws its own dropout masks (not rank 0's for its row i), and DDP
    still gives both ranks the same parameters."""
    rank0, rank1 = (torch.load(ranks_out / f"dropout_{rank}.pt") for rank in range(WORLD))
    (kept0, live0), (kept1, live1) = rank0["mask"], rank1["mask"]
    assert kept0.shape == kept1.shape
    both = live0 & live1  # units that a dropped mask would zero on both ranks
    assert both.sum() > 20
    assert not torch.equal(kept0[both], kept1[both])
    for key in rank0["params"]:
        assert torch.equal(rank0["params"][key], rank1["params"][key]), key


@pytest.mark.parametrize(
    ("case", "expected"),
    [("rows", "59 rows"), ("values", "other values"), ("nan", "failed on rank(s) 1")],
)
def test_another_X_on_one_rank_raises_on_every_rank(ranks_out, case, expected):
    """Every rank raises (none hangs), with the same message naming what differs."""
    texts = [(ranks_out / f"mismatch_{case}_{rank}.txt").read_text() for rank in range(WORLD)]
    assert expected in texts[0]
    if case == "nan":  # rank 1 raises its own validation error
        assert "NaN" in texts[1]
    else:
        assert texts[0] == texts[1]
        assert "whole X" in texts[0]


def test_loss_without_gather_support_is_refused(ranks_out):
    for rank in range(WORLD):
        text = (ranks_out / f"refused_{rank}.txt").read_text()
        assert "LocalOnlyLoss" in text and "supports_gather_distributed" in text


# --- in one plain process ----------------------------------------------------------
@pytest.mark.filterwarnings("ignore:the final training loss is at or near its chance value")
def test_distributed_without_launcher_is_single_process(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    X = np.random.default_rng(1).normal(size=(40, 5))
    params = dict(hidden_dims=(8,), n_components=3, max_epochs=2, device="cpu", random_state=0)
    plain = ContrastiveEmbedder(**params).fit(X)
    launched = ContrastiveEmbedder(distributed=True, **params).fit(X)
    assert not dist.is_initialized()
    np.testing.assert_array_equal(plain.transform(X), launched.transform(X))
    monkeypatch.setenv("WORLD_SIZE", "1")
    again = ContrastiveEmbedder(distributed=True, **params).fit(X)
    np.testing.assert_array_equal(plain.transform(X), again.transform(X))


def test_bad_world_size_is_named(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "two")
    X = np.random.default_rng(1).normal(size=(10, 3))
    with pytest.raises(ValueError, match="WORLD_SIZE"):
        ContrastiveEmbedder(distributed=True, max_epochs=1, device="cpu").fit(X)


def test_gather_distributed_is_a_no_op_in_one_process():
    g = torch.Generator().manual_seed(0)
    z1, z2 = torch.randn(6, 4, generator=g), torch.randn(6, 4, generator=g)
    for cls in (NTXentLoss, VICRegLoss):
        assert cls.supports_gather_distributed
        assert torch.equal(cls(gather_distributed=True)(z1, z2), cls()(z1, z2))
    assert "gather_distributed=True" in repr(NTXentLoss(gather_distributed=True))
    assert "gather_distributed" not in repr(NTXentLoss())


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_gather_distributed_must_be_bool(value):
    with pytest.raises(ValueError, match="gather_distributed must be True or False"):
        NTXentLoss(gather_distributed=value)
