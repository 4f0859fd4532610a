"""Torch threads for ContrastiveEmbedder: all cores vs ``n_threads`` (issue 17).

A 40-epoch fit (2 000 x 64 Gaussian rows, MLP 64 -> 128 -> 32, head 32 -> 32,
batch 256, NT-Xent, ConditionJitter views) timed

1. in the main process: torch's default (one thread per core) vs ``n_threads=1``;
2. in ``GridSearchCV(n_jobs=2, cv=2)`` over two learning rates (4 fits and
   scores in 2 workers): with joblib's ``loky`` backend, every worker at all
   cores (``n_threads=cpu_count()``: what a worker process runs with when
   nothing limits it, as under the ``multiprocessing`` backend, or under loky
   when the parent process set ``OMP_NUM_THREADS``) vs ``n_threads=None`` (the
   default: the worker's share, ``cpu_count() // 2`` from joblib); with the
   ``threading`` backend (workers are threads of the main program, where None
   keeps torch's setting), all cores vs ``n_threads=1``.

The two settings of each row alternate in one process; medians over repeats,
and the ratio of the medians (> 1: the controlled setting is faster). The
worker pools are warmed up before timing. Run::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_threads.py              # --repeats 3
    PYTHONPATH=. .venv/bin/python benchmarks/bench_threads.py --quick      # smoke size
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch
from joblib import cpu_count, parallel_config
from sklearn.model_selection import GridSearchCV

from skcontrast.augment import ConditionJitter
from skcontrast.embed import ContrastiveEmbedder


def make_embedder(epochs: int, n_threads) -> ContrastiveEmbedder:
    return ContrastiveEmbedder(
        hidden_dims=(128,),
        n_components=32,
        projection_dim=32,
        augmenter=ConditionJitter(std=0.3),
        batch_size=256,
        max_epochs=epochs,
        lr=1e-3,
        device="cpu",
        n_threads=n_threads,
        random_state=0,
    )


def time_fit(X, epochs, n_threads) -> float:
    start = time.perf_counter()
    make_embedder(epochs, n_threads).fit(X)
    return time.perf_counter() - start


def time_search(X, epochs, n_threads, backend) -> float:
    search = GridSearchCV(
        make_embedder(epochs, n_threads), {"lr": [1e-3, 3e-3]}, cv=2, n_jobs=2, refit=False
    )
    start = time.perf_counter()
    with parallel_config(backend=backend):
        search.fit(X)
    return time.perf_counter() - start


def compare(label, run_default, run_controlled, repeats) -> tuple:
    default, controlled = [], []
    for _ in range(repeats):
        default.append(run_default())
        controlled.append(run_controlled())
    d, c = statistics.median(default), statistics.median(controlled)
    spread = f"{min(default):.2f}-{max(default):.2f} / {min(controlled):.2f}-{max(controlled):.2f}"
    return label, d, c, d / c, spread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="1 repeat, 5 epochs, 500 rows")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.epochs, args.rows = 1, 5, 500
    X = np.random.default_rng(0).normal(size=(args.rows, 64)).astype(np.float32)
    cores = cpu_count()
    print(
        f"torch {torch.__version__}, {cores} cores (joblib.cpu_count), torch threads "
        f"{torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f}; "
        f"{args.rows} rows, {args.epochs} epochs, {args.repeats} repeats"
    )
    for backend in ("loky", "threading"):  # warm the pools (worker start-up, imports)
        time_search(X[:200], 1, None, backend)
    rows = [
        compare(
            "main process: torch default vs n_threads=1",
            lambda: time_fit(X, args.epochs, None),
            lambda: time_fit(X, args.epochs, 1),
            args.repeats,
        )
    ]
    for backend, controlled in (("loky", None), ("threading", 1)):
        rows.append(
            compare(
                f"GridSearchCV n_jobs=2 ({backend}): n_threads={cores} vs {controlled}",
                lambda b=backend: time_search(X, args.epochs, cores, b),
                lambda b=backend, c=controlled: time_search(X, args.epochs, c, b),
                args.repeats,
            )
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}\n")
    print("| run | all cores | controlled | ratio | range (s) |")
    print("|---|---|---|---|---|")
    for label, d, c, ratio, spread in rows:
        print(f"| {label} | {d:.2f} s | {c:.2f} s | {ratio:.2f}x | {spread} |")


if __name__ == "__main__":
    main()
