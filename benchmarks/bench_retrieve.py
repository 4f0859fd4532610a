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

* Round order: each round runs the methods in the reverse order of the round
  before, so no method always follows the same one (faiss's OpenMP threads keep
  spinning for a while after a search, which slows whatever runs next).

Tanimoto (``--tanimoto``): ``CosineRetriever(metric="tanimoto")`` against
RDKit's ``DataStructs.BulkTanimotoSimilarity`` called once per query (what a
chemist writes), on Morgan fingerprints (radius 2, 2 048 bits; bits and counts)
of ``diverse_molecules.smi`` from the shared data folder (``../shared/data``
beside the project, or ``SKCONTRAST_DATA``). The RDKit side gets its
fingerprints from ``rdFingerprintGenerator`` directly and selects the top k of
each similarity list by ``numpy.lexsort`` (similarity, then index, as the
retriever). "same as RDKit" is the fraction of queries whose k indices and
similarities are identical. FPSim2 is not run: its wheel installs but needs
PyTables (``tables``), which the project's environment lacks; chemfp is
licensed and not used.

    python benchmarks/bench_retrieve.py            # full size
    python benchmarks/bench_retrieve.py --quick    # smoke size
    python benchmarks/bench_retrieve.py --items 100000 --queries 1000 --no-memory
    python benchmarks/bench_retrieve.py --tanimoto  # fingerprints, 19 063 molecules
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from functools import partial
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
    parser.add_argument("--tanimoto", action="store_true", help="fingerprint Tanimoto rows")
    parser.add_argument("--molecules", type=int, default=None, help="library size (tanimoto)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads:
        _limit_threads(args.threads)
    if args.child:
        _child(args.child, args.folder, args.k)
        return
    if args.tanimoto:
        _tanimoto_main(args)
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
    for round_ in range(args.rounds):
        order = list(methods.items())
        for name, (_, search) in order if round_ % 2 else order[::-1]:
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


# ---------------------------------------------------------------------- tanimoto


def _data_folder() -> Path:
    folder = Path(os.environ.get("SKCONTRAST_DATA", ROOT.parent / "shared" / "data"))
    if not (folder / "diverse_molecules.smi").is_file():
        sys.exit(f"{folder / 'diverse_molecules.smi'} is absent: set SKCONTRAST_DATA")
    return folder


def _rdkit_top_k(query_fps, fps, k: int) -> tuple[np.ndarray, np.ndarray]:
    from rdkit import DataStructs

    cols = np.arange(len(fps))
    sims_out, idx_out = [], []
    for fp in query_fps:
        sims = np.asarray(DataStructs.BulkTanimotoSimilarity(fp, fps))
        idx = np.lexsort((cols, -sims))[:k]
        sims_out.append(sims[idx])
        idx_out.append(idx)
    return np.array(sims_out), np.array(idx_out)


def _tanimoto_main(args) -> None:
    from rdkit import Chem, RDLogger
    from rdkit.Chem import rdFingerprintGenerator

    RDLogger.DisableLog("rdApp.*")  # hydrogen warnings from a few SMILES

    from skcontrast.featurize import MorganFeaturizer
    from skcontrast.neighbors import CosineRetriever

    smiles = (_data_folder() / "diverse_molecules.smi").read_text().split()
    if args.quick:
        args.molecules, args.queries, args.rounds = 2_000, 100, 2
    smiles = smiles[: args.molecules]
    n_queries = min(args.queries, len(smiles))
    print(
        f"Tanimoto: {len(smiles)} molecules (Morgan radius 2, 2048 bits), {n_queries} "
        f"queries, k={args.k}, {args.rounds} rounds, {os.cpu_count()} CPU(s), "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    header = (
        "| fingerprint | method | fit s | search q/s (best) | q/s (median) | x RDKit "
        "| same as RDKit |"
    )
    print()
    print(header)
    print("|" + "---|" * header.count(" | ") + "---|")
    for count in (False, True):
        kind = "counts" if count else "bits"
        fingerprint = generator.GetCountFingerprint if count else generator.GetFingerprint
        fps = [fingerprint(m) for m in mols]
        X = MorganFeaturizer(count=count, sparse_output=True).fit_transform(smiles)
        t0 = time.perf_counter()
        retriever = CosineRetriever(metric="tanimoto", n_neighbors=args.k).fit(X)
        retriever.retrieve(X[:1])  # builds the level index, counted in fit
        fit_s = time.perf_counter() - t0
        methods = {
            "RDKit BulkTanimotoSimilarity per query": partial(
                _rdkit_top_k, fps[:n_queries], fps, args.k
            ),
            'skcontrast CosineRetriever(metric="tanimoto")': partial(
                retriever.retrieve, X[:n_queries]
            ),
        }
        results = {name: f() for name, f in methods.items()}  # warm-up and exactness
        times = {name: [] for name in methods}
        for round_ in range(args.rounds):
            names = list(methods) if round_ % 2 else list(methods)[::-1]
            for name in names:
                t0 = time.perf_counter()
                methods[name]()
                times[name].append(time.perf_counter() - t0)
        anchor = "RDKit BulkTanimotoSimilarity per query"
        ref_sims, ref_idx = results[anchor]
        for name in methods:
            ts = np.asarray(times[name])
            sims, idx = results[name]
            same = np.mean((idx == ref_idx).all(axis=1) & (sims == ref_sims).all(axis=1))
            ratio = np.median(np.asarray(times[anchor]) / ts)
            fit = f"{fit_s:.2f}" if name != anchor else "-"
            print(
                f"| {kind} | {name} | {fit} | {n_queries / ts.min():.0f} | "
                f"{n_queries / np.median(ts):.0f} | {ratio:.2f} | {same:.4f} |"
            )
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
