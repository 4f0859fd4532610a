"""One training epoch of ContrastiveEmbedder against a plain hand-written torch loop.

The MOF-sized problem: 4 process columns + 2048 fingerprint bits, 20 000 rows,
batch 256, MLP 2052 -> 256 -> 128, projection head 128 -> 128 -> 64, NT-Xent at
temperature 0.2, Adam, views made on the training device. Two view recipes
(``--views``):

- ``jitter`` (issue 5): ``ConditionJitter(std=0.1)`` on every column;
- ``mof`` (issue 17), the view the docs recommend for MOF records:
  ``make_pipeline(ConditionJitter(std=0.05, columns=range(4)),
  BitDropout(p=0.02, columns=range(4, 2052)))``; the plain loop draws the same
  two kinds of noise by hand (``x[:, :4] + 0.05 * N(0, 1)`` and
  ``x[:, 4:] * 1{u >= 0.02}``, one new tensor per view batch).

Both sides run in the same process on the same data, alternating. The table
reports, as medians over repeats: a whole 1-epoch fit (skcontrast's input
validation, augmenter fit, conversion and net set-up included; the plain loop's
tensor conversion, model and optimizer creation included), and the
steady-state epoch (epochs 2-3 of 3-epoch fits; skorch's history for
skcontrast). With ``--clock cpu`` every time is the process's CPU time
(``time.process_time``, less sensitive to other jobs on a loaded machine; use
``--threads 1``), and the steady epoch is ``(3-epoch fit - 1-epoch fit) / 2``
on both sides.

    python benchmarks/bench_embed.py                 # CPU, both recipes
    python benchmarks/bench_embed.py --views mof     # issue 17 only
    python benchmarks/bench_embed.py --quick         # a small smoke run
    python benchmarks/bench_embed.py --views mof --threads 1 --clock cpu   # on a loaded machine
    python benchmarks/bench_embed.py --device cuda --rows 200000 --batch-sizes 256 1024 4096
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
import warnings

import numpy as np
import torch
from sklearn.pipeline import make_pipeline

from skcontrast.augment import BitDropout, ConditionJitter
from skcontrast.embed import ContrastiveEmbedder, MLPEncoder, ProjectionHead
from skcontrast.losses import nt_xent


def make_data(n_rows: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    process = rng.normal(size=(n_rows, 4)).astype(np.float32)
    bits = (rng.random((n_rows, 2048)) < 0.05).astype(np.float32)
    return np.hstack([process, bits])


N_PROCESS = 4  # the process columns come first, the fingerprint bits after


def jitter_views(xx: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Issue 5's views by hand: Gaussian noise (std 0.1) on every column."""
    return xx + 0.1 * torch.randn(xx.shape, generator=gen, device=xx.device, dtype=xx.dtype)


def mof_views(xx: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Issue 17's views by hand: jitter the process columns, drop out the bits."""
    process, bits = xx[:, :N_PROCESS], xx[:, N_PROCESS:]
    noise = torch.randn(process.shape, generator=gen, device=xx.device, dtype=xx.dtype)
    keep = torch.rand(bits.shape, generator=gen, device=xx.device, dtype=xx.dtype) >= 0.02
    return torch.cat([process + 0.05 * noise, bits * keep], dim=1)


PLAIN_VIEWS = {"jitter": jitter_views, "mof": mof_views}
CLOCK = time.perf_counter  # --clock cpu: time.process_time


def skcontrast_augmenter(views: str, n_features: int):
    if views == "jitter":
        return ConditionJitter(std=0.1)
    return make_pipeline(
        ConditionJitter(std=0.05, columns=range(N_PROCESS)),
        BitDropout(p=0.02, columns=range(N_PROCESS, n_features)),
    )


def plain_fit(
    X: np.ndarray, batch_size: int, device: str, seed: int, epochs: int, views: str = "jitter"
):
    """The loop a user writes by hand: X on the device once, views on the device.

    Returns (total seconds, per-epoch seconds).
    """
    make_views = PLAIN_VIEWS[views]
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    torch.manual_seed(seed)
    start = CLOCK()
    Xt = torch.from_numpy(X).to(device)
    enc = MLPEncoder(X.shape[1], 128, hidden_dims=(256,)).to(device)
    head = ProjectionHead(128, 64).to(device)
    opt = torch.optim.Adam([*enc.parameters(), *head.parameters()], lr=1e-3, weight_decay=1e-5)
    gen = torch.Generator(device=device).manual_seed(seed)
    epoch_times = []
    for _ in range(epochs):
        t0 = CLOCK()
        order = torch.randperm(len(Xt), generator=gen, device=device)
        losses = []
        for s in range(0, len(Xt), batch_size):
            idx = order[s : s + batch_size]
            if len(idx) < 2:
                continue
            xb = Xt[idx]
            xx = torch.cat([xb, xb])
            v = make_views(xx, gen)
            z1, z2 = head(enc(v)).chunk(2)
            loss = nt_xent(z1, z2, 0.2)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())  # the one host sync per batch, as skorch's history
        sync()
        epoch_times.append(CLOCK() - t0)
    return CLOCK() - start, epoch_times


def skcontrast_fit(
    X: np.ndarray, batch_size: int, device: str, seed: int, epochs: int, views: str = "jitter"
):
    """ContrastiveEmbedder.fit, validation and set-up included.

    Returns (total seconds, per-epoch seconds from skorch's history).
    """
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    emb = ContrastiveEmbedder(
        hidden_dims=(256,),
        n_components=128,
        projection_dim=64,
        augmenter=skcontrast_augmenter(views, X.shape[1]),
        batch_size=batch_size,
        max_epochs=epochs,
        device=device,
        random_state=seed,
    )
    start = CLOCK()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # one epoch may sit near chance
        emb.fit(X)
    sync()
    return CLOCK() - start, list(emb.history_[:, "dur"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[256])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--views", nargs="+", choices=sorted(PLAIN_VIEWS), default=["jitter", "mof"]
    )
    parser.add_argument(
        "--clock", choices=["wall", "cpu"], default="wall", help="cpu: process CPU time"
    )
    parser.add_argument("--quick", action="store_true", help="2 000 rows, 2 repeats")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.repeats = 2_000, 2
    torch.set_num_threads(args.threads)
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    X = make_data(args.rows)
    print(
        f"torch {torch.__version__}, device {args.device}, {torch.get_num_threads()} threads, "
        f"{args.clock} clock, "
        f"X {X.shape} float32, MLP 2052->256->128, head 64"
    )
    print(
        f"{'views':>6} {'batch':>6} {'plain 1-ep fit':>15} {'skc 1-ep fit':>13} {'ratio':>6} "
        f"{'plain epoch':>12} {'skc epoch':>10} {'ratio':>6} "
        f"{'plain rows/s':>13} {'skc rows/s':>11}"
    )
    for views, bs in itertools.product(args.views, args.batch_sizes):
        plain_fit(X, bs, args.device, 0, 1, views)  # warm-up (allocator, kernels)
        skcontrast_fit(X, bs, args.device, 0, 1, views)
        one = {"plain": [], "skc": []}
        steady = {"plain": [], "skc": []}
        for r in range(args.repeats):
            for name, fn in (("plain", plain_fit), ("skc", skcontrast_fit)):
                t1 = fn(X, bs, args.device, r, 1, views)[0]
                t3, epochs = fn(X, bs, args.device, r, 3, views)
                one[name].append(t1)
                steady[name].extend([(t3 - t1) / 2] if args.clock == "cpu" else epochs[1:])
        p1, s1 = statistics.median(one["plain"]), statistics.median(one["skc"])
        pe, se = statistics.median(steady["plain"]), statistics.median(steady["skc"])
        print(
            f"{views:>6} {bs:>6} {p1:>15.3f} {s1:>13.3f} {s1 / p1:>5.2f}x {pe:>12.3f} {se:>10.3f} "
            f"{se / pe:>5.2f}x {len(X) / pe:>13,.0f} {len(X) / se:>11,.0f}"
        )


if __name__ == "__main__":
    main()
