"""CosineRetriever at scale: sharded on dask vs in memory, and approximate (faiss) vs exact.

``--sharded``: 200 000 x 128 float32 items, 1 000 queries, k=10. The anchor is
the in-memory ``CosineRetriever().fit(X)``; the sharded retriever is
``fit(dask.array.from_array(X, chunks=...))`` in 4 and 8 row blocks, searched
with dask's local threaded scheduler (no distributed client: on one machine
the shards live in this process, so this measures the cost of the sharding
itself, not the gain of more machines). All in the same process, interleaved
round by round (the order reversed each round); best and median wall time and
the per-round ratio sharded / in-memory. "same" checks that indices and
distances are identical (``array_equal``) to the in-memory ones. A second row
set searches the fitted items themselves (``kneighbors()``, each item
excluded) at 20 000 items, where the sharded search runs n_shards**2 tasks.

``--approx``: recall@10 (``skcontrast.neighbors.recall_at_k`` on all queries)
and query time of ``algorithm="hnsw"`` and ``"ivf"`` against exact search, on
three kinds of data (items and queries drawn alike), n x 128 float32:

- tight clusters: 1 000 centres N(0, I), each point a centre plus N(0, 0.1**2 I);
- broad clusters: the same with N(0, 0.7**2 I) (cosine to its centre about 0.8);
- very broad clusters: the same with N(0, 1.5**2 I) (cosine to its centre about 0.55);
- isotropic: N(0, I), no structure.

Build (fit) times are single-threaded for the faiss indexes (deterministic
builds). Query times: best of 3 interleaved rounds of all the queries.

    python benchmarks/bench_retrieve_scale.py                 # both, full size
    python benchmarks/bench_retrieve_scale.py --quick         # smoke size
    python benchmarks/bench_retrieve_scale.py --approx --items 50000
    python benchmarks/bench_retrieve_scale.py --approx --kinds "very broad clusters"
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from skcontrast.neighbors import CosineRetriever, recall_at_k  # noqa: E402


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _header(title):
    import dask
    import faiss

    print(
        f"# {title}: {platform.machine()}, {os.cpu_count()} CPUs, python "
        f"{platform.python_version()}, numpy {np.__version__}, dask {dask.__version__}, "
        f"faiss {faiss.__version__}, load average {os.getloadavg()[0]:.1f}, "
        f"{time.strftime('%Y-%m-%d %H:%M')}"
    )


def bench_sharded(n_items, n_queries, k, rounds, shard_counts, self_items):
    import dask
    import dask.array as da

    _header("sharded vs in-memory")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_items, 128)).astype(np.float32)
    Q = rng.normal(size=(n_queries, 128)).astype(np.float32)

    def run(shards, queries, items):
        def fit():
            if shards == 0:
                return CosineRetriever(n_neighbors=k).fit(items)
            chunk = -(-items.shape[0] // shards)
            return CosineRetriever(n_neighbors=k).fit(da.from_array(items, chunks=(chunk, -1)))

        return fit

    for label, items, queries in [
        (f"{n_items} items, {n_queries} queries", X, Q),
        (f"{self_items} items, kneighbors() on the items", X[:self_items], None),
    ]:
        print(f"\n## {label}, k={k}")
        names = [0, *shard_counts]
        fits = {s: [] for s in names}
        searches = {s: [] for s in names}
        results = {}
        with dask.config.set(scheduler="threads"):
            for r in range(rounds):
                order = names if r % 2 == 0 else names[::-1]
                for s in order:
                    t_fit, ret = _timed(run(s, queries, items))
                    t_search, res = _timed(lambda ret=ret, q=queries: ret.kneighbors(q))
                    fits[s].append(t_fit)
                    searches[s].append(t_search)
                    results[s] = res
        ref = results[0]
        print(
            "| retriever | fit s (best) | search s (best / median) | ratio to in-memory "
            "(per-round median) | same |"
        )
        print("|---|---|---|---|---|")
        for s in names:
            ratio = np.median(np.array(searches[s]) / np.array(searches[0]))
            same = np.array_equal(results[s][1], ref[1]) and np.array_equal(results[s][0], ref[0])
            name = "in memory (numpy)" if s == 0 else f"dask, {s} shards"
            print(
                f"| {name} | {min(fits[s]):.2f} | {min(searches[s]):.2f} / "
                f"{np.median(searches[s]):.2f} | {ratio:.2f} | {same} |"
            )


def _kind(kind, n, n_queries, rng):
    d = 128
    if kind == "isotropic":
        return rng.normal(size=(n, d)).astype(np.float32), rng.normal(size=(n_queries, d)).astype(
            np.float32
        )
    spread = {"tight clusters": 0.1, "broad clusters": 0.7, "very broad clusters": 1.5}[kind]
    centres = rng.normal(size=(1000, d))

    def draw(m):
        return (centres[rng.integers(1000, size=m)] + spread * rng.normal(size=(m, d))).astype(
            np.float32
        )

    return draw(n), draw(n_queries)


KINDS = ["tight clusters", "broad clusters", "very broad clusters", "isotropic"]


def bench_approx(n_items, n_queries, k, rounds, kinds=tuple(KINDS)):
    _header("approximate vs exact")
    configs = [
        ("exact", None),
        ("hnsw", None),
        ("hnsw", {"efSearch": 16}),
        ("ivf", None),
        ("ivf", {"nprobe": 1}),
    ]
    print(f"\n## {n_items} x 128 items, {n_queries} queries, recall@{k}")
    print(
        "| data | algorithm | params | fit s | query s (best) | queries/s | "
        "speed-up vs exact | recall@10 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for kind in kinds:
        X, Q = _kind(kind, n_items, n_queries, np.random.default_rng(1))
        fitted = []
        for algorithm, params in configs:
            t_fit, ret = _timed(
                lambda a=algorithm, p=params, X=X: CosineRetriever(
                    n_neighbors=k, algorithm=a, algorithm_params=p
                ).fit(X)
            )
            fitted.append((algorithm, ret, t_fit))
        times = [[] for _ in fitted]
        for r in range(rounds):
            order = range(len(fitted)) if r % 2 == 0 else range(len(fitted))[::-1]
            for i in order:
                times[i].append(_timed(lambda ret=fitted[i][1], Q=Q: ret.kneighbors(Q))[0])
        for i, (algorithm, ret, t_fit) in enumerate(fitted):
            recall = recall_at_k(ret, Q, k=k, n_queries=None)
            best = min(times[i])
            print(
                f"| {kind} | {algorithm} | {ret.algorithm_params_ or ''} | {t_fit:.1f} | "
                f"{best:.3f} | {n_queries / best:.0f} | {min(times[0]) / best:.2f} | "
                f"{recall:.3f} |"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sharded", action="store_true")
    parser.add_argument("--approx", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smoke size")
    parser.add_argument("--items", type=int, default=None)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="data kinds for --approx, comma-separated"
    )
    args = parser.parse_args()
    both = not (args.sharded or args.approx)
    if args.quick:
        args.rounds = 1
    if args.sharded or both:
        n = args.items or (20_000 if args.quick else 200_000)
        bench_sharded(
            n, args.queries, 10, args.rounds, (4, 8), self_items=2_000 if args.quick else 20_000
        )
    if args.approx or both:
        n = args.items or (10_000 if args.quick else 50_000)
        bench_approx(n, args.queries, 10, args.rounds, args.kinds.split(","))


if __name__ == "__main__":
    main()
