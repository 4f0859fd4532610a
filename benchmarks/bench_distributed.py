"""2-process vs 1-process CPU training throughput of ContrastiveEmbedder(distributed=True).

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_distributed.py

It launches this file under torchrun twice (1 and 2 processes, gloo, one torch
thread each) on the same data, same global batch, same epochs, and prints rows/s,
the ratio, and the per-process figures the projection in benchmarks/README.md
uses: compute time per step, and bytes moved per step by the loss's all_gather
(2 views x b rows x projection_dim float32, from every process) and by DDP's
gradient all-reduce (every parameter, float32).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N_ROWS, N_FEATURES, BATCH, EPOCHS = 4096, 256, 512, 3
PARAMS = dict(hidden_dims=(512,), n_components=64, projection_dim=64)


def worker(out: Path) -> None:
    import numpy as np
    import torch.distributed as dist

    from skcontrast.embed import ContrastiveEmbedder

    X = np.random.default_rng(0).normal(size=(N_ROWS, N_FEATURES)).astype(np.float32)
    emb = ContrastiveEmbedder(
        **PARAMS,
        batch_size=BATCH,
        max_epochs=1,
        device="cpu",
        n_threads=1,
        distributed=True,
        random_state=0,
    )
    emb.fit(X)  # warm-up epoch (and process group start)
    emb.set_params(max_epochs=EPOCHS)
    if dist.is_initialized():
        dist.barrier()
    start = time.perf_counter()
    emb.partial_fit(X)
    seconds = time.perf_counter() - start
    n_params = sum(p.numel() for p in emb.net_.module_.parameters())
    n_params += sum(p.numel() for p in emb.net_.head_.parameters())
    rank = dist.get_rank() if dist.is_initialized() else 0
    world = dist.get_world_size() if dist.is_initialized() else 1
    if rank == 0:
        steps = EPOCHS * (N_ROWS // BATCH)
        (out / f"world_{world}.json").write_text(
            json.dumps({"seconds": seconds, "steps": steps, "n_params": n_params, "world": world})
        )


def launch(n_proc: int, out: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command += [f"--nproc_per_node={n_proc}", __file__, "--worker", str(out)]
    subprocess.run(command, env=env, check=True, timeout=300, capture_output=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        launch(1, out)
        launch(2, out)
        one = json.loads((out / "world_1.json").read_text())
        two = json.loads((out / "world_2.json").read_text())
    rows = EPOCHS * (N_ROWS // BATCH) * BATCH
    print(f"X {N_ROWS} x {N_FEATURES}, global batch {BATCH}, {EPOCHS} epochs, {PARAMS}")
    print(f"cores on this machine: {os.cpu_count()}, load average: {os.getloadavg()}")
    for result in (one, two):
        step_ms = 1e3 * result["seconds"] / result["steps"]
        print(
            f"{result['world']} process(es): {rows / result['seconds']:10.0f} rows/s, "
            f"{step_ms:7.1f} ms per global step"
        )
    print(f"speed-up 2 vs 1 process: {one['seconds'] / two['seconds']:.2f}x")
    b = BATCH // 2
    gather = 2 * b * PARAMS["projection_dim"] * 4
    allreduce = one["n_params"] * 4
    print(
        f"per process and step: all_gather sends {gather / 1e3:.0f} kB (receives x world), "
        f"DDP all-reduce of {one['n_params']} parameters = {allreduce / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(Path(sys.argv[2]))
    else:
        main()
