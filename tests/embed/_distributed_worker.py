"""One rank of the multi-process checks of test_distributed.py (run by torchrun).

``python -m torch.distributed.run --standalone --nproc_per_node 2
tests/embed/_distributed_worker.py OUT_DIR`` writes, per rank, into OUT_DIR:

- ``loss_<rank>.pt``: for each built-in loss, the gathered loss on this rank's
  slice of a fixed global batch and the gradient of this rank's rows (divided
  by the world size, as DDP's averaging does);
- ``params_<rank>.pt``: the parameters after ``ContrastiveEmbedder(distributed=True).fit``;
- ``printed_<rank>.txt``: what this rank printed (stdout) and the warnings it
  raised during the fits with ``verbose=1``;
- ``dropout_<rank>.pt``: the parameters after a fit with dropout, and the
  first training batch's dropout mask (kept units) and live inputs (nonzero);
- ``mismatch_<case>_<rank>.txt``: the error of a fit given another X on rank 1
  (``rows``, ``values``) or a NaN on rank 1 only (``nan``);
- ``refused_<rank>.txt``: the error for a loss without gather_distributed;
- ``model_0.pkl`` and ``Z_0.npy`` (rank 0): the pickled estimator and its
  transform of X.
"""

from __future__ import annotations

import contextlib
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from skorch.callbacks import Callback

from skcontrast.embed import ContrastiveEmbedder
from skcontrast.losses import (
    BarlowTwinsLoss,
    ContrastiveLoss,
    InfoNCELoss,
    NTXentLoss,
    SupConLoss,
    VICRegLoss,
)
from skcontrast.utils._distributed import local_bounds

#: The global batch of the loss check: 7 rows (3 + 4: unequal slices) of 5 dims.
N_ROWS, N_DIMS = 7, 5


def global_batch():
    g = torch.Generator().manual_seed(0)
    z1 = torch.randn(N_ROWS, N_DIMS, generator=g, dtype=torch.float64)
    z2 = torch.randn(N_ROWS, N_DIMS, generator=g, dtype=torch.float64)
    labels = torch.tensor([0, 1, 0, 2, 1, 1, 2])
    return z1, z2, labels


def loss_cases():
    """(name, loss, call) for each built-in loss, called on the views of some rows."""
    return [
        ("nt_xent", NTXentLoss(0.5), lambda f, a, b, y: f(a, b)),
        ("nt_xent_groups", NTXentLoss(0.5), lambda f, a, b, y: f.forward_views(a, b, groups=y)),
        ("info_nce", InfoNCELoss(0.5), lambda f, a, b, y: f(a, b)),
        ("info_nce_groups", InfoNCELoss(0.5), lambda f, a, b, y: f.forward_views(a, b, groups=y)),
        ("supcon", SupConLoss(0.5), lambda f, a, b, y: f.forward_views(a, b, y)),
        (
            "supcon_stacked",
            SupConLoss(0.5),
            lambda f, a, b, y: f(torch.cat([a, b]), torch.cat([y, y])),
        ),
        ("vicreg", VICRegLoss(), lambda f, a, b, y: f(a, b)),
        ("barlow_twins", BarlowTwinsLoss(), lambda f, a, b, y: f(a, b)),
    ]


class LocalOnlyLoss(ContrastiveLoss):
    """A user loss that does not opt in to gather_distributed."""

    def forward_views(self, z1, z2, labels=None):
        return (z1 - z2).pow(2).mean()


class RecordDropout(Callback):
    """Records, into ``MASKS``, the first training forward pass of each Dropout layer."""

    def on_train_begin(self, net, **kwargs):
        for module in net.module_.modules():
            if isinstance(module, torch.nn.Dropout):
                module.register_forward_hook(_record_mask)


MASKS: list = []


def _record_mask(module, inputs, output):
    if module.training and not MASKS:
        MASKS.append((output != 0, inputs[0] != 0))


def _params(emb) -> dict:
    params = {f"encoder.{k}": v for k, v in emb.net_.module_.state_dict().items()}
    params.update({f"head.{k}": v for k, v in emb.net_.head_.state_dict().items()})
    params["train_loss"] = torch.tensor([row["train_loss"] for row in emb.history_])
    return params


def mismatches(X: np.ndarray, rank: int, out: Path) -> None:
    """Fits whose X differs on rank 1: every rank must raise (none may hang)."""
    other = X.copy()
    other[5, 2] += 1.0
    broken = X.copy()
    broken[3, 1] = np.nan
    for case, X_rank in (("rows", X[:-1]), ("values", other), ("nan", broken)):
        try:
            ContrastiveEmbedder(max_epochs=1, device="cpu", distributed=True, random_state=0).fit(
                X if rank == 0 else X_rank
            )
        except ValueError as exc:
            (out / f"mismatch_{case}_{rank}.txt").write_text(str(exc))


#: The embedder of the fits, on every rank and in the one-process comparison.
FIT_SETTINGS = dict(
    hidden_dims=(16,),
    n_components=4,
    projection_dim=8,
    batch_size=20,
    max_epochs=3,
    lr=1e-2,
    device="cpu",
    n_threads=1,
    random_state=0,
)


def fit_data() -> np.ndarray:
    """The X every rank fits (the whole X, as distributed=True requires)."""
    return np.random.default_rng(0).normal(size=(60, 6)).astype(np.float32)


def main(out: Path) -> None:
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    z1, z2, labels = global_batch()
    start, stop = local_bounds(N_ROWS, rank, world)
    results = {}
    for name, loss, call in loss_cases():
        loss.gather_distributed = True
        a = z1[start:stop].clone().requires_grad_(True)
        b = z2[start:stop].clone().requires_grad_(True)
        value = call(loss, a, b, labels[start:stop])
        value.backward()
        results[name] = (value.detach(), a.grad / world, b.grad / world)
    torch.save(results, out / f"loss_{rank}.pt")

    X = fit_data()
    settings = dict(FIT_SETTINGS, distributed=True)
    printed = out / f"printed_{rank}.txt"
    with (
        printed.open("w") as sink,
        contextlib.redirect_stdout(sink),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        emb = ContrastiveEmbedder(verbose=1, **settings).fit(X)
        dropped = ContrastiveEmbedder(
            encoder_kwargs={"dropout": 0.5}, callbacks=[RecordDropout()], **settings
        ).fit(X)
        for warning in caught:
            print(f"{warning.category.__name__}: {warning.message}")
    torch.save(_params(emb), out / f"params_{rank}.pt")
    torch.save({"params": _params(dropped), "mask": MASKS[0]}, out / f"dropout_{rank}.pt")
    mismatches(X, rank, out)
    try:
        ContrastiveEmbedder(loss=LocalOnlyLoss, max_epochs=1, device="cpu", distributed=True).fit(X)
    except ValueError as exc:
        (out / f"refused_{rank}.txt").write_text(str(exc))
    if rank == 0:
        (out / "model_0.pkl").write_bytes(pickle.dumps(emb))
        np.save(out / "Z_0.npy", emb.transform(X))
    dist.barrier()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
