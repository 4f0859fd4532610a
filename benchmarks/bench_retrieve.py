"""Exact cosine k-NN: skcontrast CosineRetriever against scikit-learn and faiss.

Full size (the issue's setting): 200 000 x 128 float32 items, 2 000 queries, k=10.

* Speed: every method runs in the same process on the same arrays, interleaved
  round by round, so a busy machine slows all of them alike; the table reports
  the best and the median queries/s and the per-round ratios to the anchors.
  Fit (normalising and storing the items) is timed separately from the search.
* Peak memory: each method runs again in a fresh subprocess that loads the
  arrays from ``.npy`` files, resets the kernel's peak-RSS counter
  (``/proc/self/clear_refs``) and reports ``VmHWM - VmRSS`` at the start, i.e.
  the extra resident memory of fit + search, which sees NumPy, torch and faiss
  allocations alike (tracemalloc would miss faiss and torch).
* Exactness: the neighbour sets are compared with scikit-learn's (the float64
  reference) and with faiss: the mean fraction of shared neighbours per query
  and the fraction of queries whose sets are identical.

    python benchmarks/bench_retrieve.py            # full size
    python benchmarks/bench_retrieve.py --quick    # smoke size
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _methods(k: int) -> dict:
    """name -> (fit(X) -> state, search(state, Q) -> indices)."""
    from sklearn.neighbors import NearestNeighbors

    from skcontrast.neighbors import CosineRetriever

    methods = {
        "sklearn NearestNeighbors(cosine, brute)": (
            lambda X: NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(X),
            lambda nn, Q: nn.kneighbors(Q, return_distance=False),
        ),
    }
    if _has("faiss"):
        import faiss

        def faiss_fit(X):
            Xn = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-30)
            index = faiss.IndexFlatIP(X.shape[1])
            index.add(np.ascontiguousarray(Xn, dtype=np.float32))
            return index

        def faiss_search(index, Q):
            Qn = Q / np.maximum(np.linalg.norm(Q, axis=1, keepdims=True), 1e-30)
            return index.search(np.ascontiguousarray(Qn, dtype=np.float32), k)[1]

        methods["faiss IndexFlatIP (normalised)"] = (faiss_fit, faiss_search)
    backends = ["numpy", "torch"] + (["faiss"] if _has("faiss") else [])
    import torch

    for backend in backends:
        label = f"skcontrast CosineRetriever({backend})"
        if backend == "torch":
            device = "cuda" if torch.cuda.is_available() else "cpu"
            label = f"skcontrast CosineRetriever(torch, {device})"
        methods[label] = (
            lambda X, b=backend: CosineRetriever(n_neighbors=k, backend=b).fit(X),
            lambda r, Q: r.kneighbors(Q, return_distance=False),
        )
    methods["skcontrast CosineRetriever(auto)"] = (
        lambda X: CosineRetriever(n_neighbors=k).fit(X),
        lambda r, Q: r.kneighbors(Q, return_distance=False),
    )
    return methods


# ---------------------------------------------------------------------- memory


def _proc_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def _child(method: str, folder: str, k: int) -> None:
    X = np.load(Path(folder) / "items.npy")
    Q = np.load(Path(folder) / "queries.npy")
    fit, search = _methods(k)[method]
    # warm the libraries up on a tiny problem, so their one-off buffers count as baseline
    search(fit(X[: max(4 * k, 64)]), Q[:2])
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    base = _proc_kb("VmRSS")
    state = fit(X)
    search(state, Q)
    print(json.dumps({"peak_extra_mb": (_proc_kb("VmHWM") - base) / 1024}))


def _limit_threads(n: int) -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(n)
    import torch

    torch.set_num_threads(n)
    if _has("faiss"):
        import faiss

        faiss.omp_set_num_threads(n)


def _memory(method: str, folder: str, k: int, threads: int | None) -> float:
    extra = ["--threads", str(threads)] if threads else []
    out = subprocess.run(
        [sys.executable, __file__, "--child", method, "--folder", folder, "-k", str(k), *extra],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_extra_mb"]


# ---------------------------------------------------------------------- main


def _agreement(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    shared = [len(set(x) & set(y)) / len(x) for x, y in zip(a, b, strict=True)]
    return float(np.mean(shared)), float(np.mean(np.asarray(shared) == 1.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke size")
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-memory", action="store_true", help="skip the subprocess runs")
    parser.add_argument(
        "--threads", type=int, default=None, help="limit BLAS/OpenMP/torch/faiss threads"
    )
    parser.add_argument("--skip", nargs="*", default=[], help="skip methods containing these")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads:
        _limit_threads(args.threads)
    if args.child:
        _child(args.child, args.folder, args.k)
        return
    if args.quick:
        args.items, args.dim, args.queries, args.rounds = 20_000, 64, 200, 2

    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.items, args.dim), dtype=np.float32)
    Q = rng.standard_normal((args.queries, args.dim), dtype=np.float32)
    methods = {
        name: m for name, m in _methods(args.k).items() if not any(s in name for s in args.skip)
    }
    print(
        f"items {args.items} x {args.dim} float32, {args.queries} queries, k={args.k}, "
        f"{args.rounds} interleaved rounds, {os.cpu_count()} CPU(s), "
        f"threads {args.threads or 'all'}, "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )

    states, fit_s, search_s, neighbours = {}, {}, {name: [] for name in methods}, {}
    for name, (fit, _) in methods.items():
        t0 = time.perf_counter()
        states[name] = fit(X)
        fit_s[name] = time.perf_counter() - t0
    for name, (_, search) in methods.items():  # warm-up (also the exactness run)
        neighbours[name] = search(states[name], Q)
    for _ in range(args.rounds):
        for name, (_, search) in methods.items():
            t0 = time.perf_counter()
            search(states[name], Q)
            search_s[name].append(time.perf_counter() - t0)
    load_end = os.getloadavg()[0]

    memory = {}
    if not args.no_memory:
        with tempfile.TemporaryDirectory() as folder:
            np.save(Path(folder) / "items.npy", X)
            np.save(Path(folder) / "queries.npy", Q)
            del states
            for name in methods:
                memory[name] = _memory(name, folder, args.k, args.threads)

    sk = "sklearn NearestNeighbors(cosine, brute)"
    fa = "faiss IndexFlatIP (normalised)"
    if sk not in methods:
        sk = fa
    times = {name: np.asarray(ts) for name, ts in search_s.items()}
    header = (
        "| method | fit s | search q/s (best) | q/s (median) | x sklearn | x faiss "
        "| peak extra MB | same sets as sklearn | shared with sklearn | shared with faiss |"
    )
    print()
    print(header)
    print("|" + "---|" * header.count(" | ") + "---|")
    for name in methods:
        best = args.queries / times[name].min()
        median = args.queries / np.median(times[name])
        # per-round ratios, then the median: both runs in a round saw the same load
        x_sk = np.median(times[sk] / times[name])
        x_fa = np.median(times[fa] / times[name]) if fa in times else float("nan")
        mean_sk, same_sk = _agreement(neighbours[name], neighbours[sk])
        mean_fa = _agreement(neighbours[name], neighbours[fa])[0] if fa in neighbours else np.nan
        mem = f"{memory[name]:.0f}" if name in memory else "-"
        print(
            f"| {name} | {fit_s[name]:.2f} | {best:.0f} | {median:.0f} | {x_sk:.2f} | "
            f"{x_fa:.2f} | {mem} | {same_sk:.4f} | {mean_sk:.5f} | {mean_fa:.5f} |"
        )
    print(f"\nload average at the end of the speed rounds: {load_end:.2f}")


if __name__ == "__main__":
    main()
