"""Morgan fingerprints: skcontrast's MorganFeaturizer against the usual ways to get them.

Compares, in one process and on the same data (wall clock, best of ``--repeats``
interleaved rounds, so background load hits every method alike):

* ``parse only``: ``Chem.MolFromSmiles`` over the rows (the floor of any SMILES featurizer);
* (a) the tutorial loop: ``MolFromSmiles`` + ``GetFingerprint`` +
  ``DataStructs.ConvertToNumpyArray``;
* (b) ``MolFromSmiles`` + the generator's ``GetFingerprintAsNumPy``, stacked;
* (b') ``MolFromSmiles`` + batched ``GetFingerprints`` (bit vectors, no NumPy conversion);
* (c) scikit-fingerprints ``ECFPFingerprint`` at n_jobs 1 and 2;
* (d) ``skcontrast.featurize.MorganFeaturizer`` at n_jobs 1 and 2;
* (c)/(d) ``, chiral``: both with ``include_chirality=True`` at n_jobs=1, where
  skcontrast parses with the full ``MolFromSmiles`` (stereo perception included),
  so the pair isolates the gain that does not come from skipping stereo;

on the distinct real molecules of ``../shared/data/diverse_molecules.smi`` and on
the ``linker_smiles`` column of ``../shared/data/mof_yield_dataset.csv`` as it is
(20 000 rows, 10 distinct linkers). It also times the first call with n_jobs=2
on 200 molecules before any worker pool exists (the cold start a user sees).
All outputs are checked to be identical to (b) (the chiral ones to each other).

Two more sections:

* ``distinct``: the independent harness's case, MorganFeaturizer against skfp's
  ``ECFPFingerprint`` at n_jobs=1 on 6 000 distinct molecules (a seeded random
  sample of the diverse set, and its first 6 000 lines), warm (one untimed call
  each), the two alternating for ``--distinct-repeats`` rounds; it prints the
  median wall and CPU times, the median of the per-round ratios, and (less
  sensitive to a loaded machine) the median CPU-time ratio over 500-molecule
  chunks run back to back;
* ``descriptors``: ``DescriptorFeaturizer(descriptors="all", on_invalid="nan")``
  against RDKit's own ``Descriptors.CalcMolDescriptors`` loop on 1 000 distinct
  molecules, alternating, median of ``--desc-repeats`` rounds.

Run from the project root::

    python benchmarks/bench_featurize.py            # all three sections
    python benchmarks/bench_featurize.py --sections distinct descriptors
    python benchmarks/bench_featurize.py --quick    # a smoke run on 2 000 rows

``SKCONTRAST_DATA=/path/to/shared/data`` points it at the data elsewhere.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator
from rdkit.rdBase import BlockLogs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere
from skcontrast.featurize import MorganFeaturizer

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKCONTRAST_DATA", ROOT.parent / "shared" / "data"))
RADIUS, N_BITS = 2, 2048


def _generator():
    return rdFingerprintGenerator.GetMorganGenerator(radius=RADIUS, fpSize=N_BITS)


def parse_only(smiles):
    with BlockLogs():
        return [Chem.MolFromSmiles(s) for s in smiles]


def tutorial_loop(smiles):
    gen = _generator()
    rows = []
    with BlockLogs():
        for s in smiles:
            fp = gen.GetFingerprint(Chem.MolFromSmiles(s))
            arr = np.zeros((N_BITS,), dtype=np.uint8)
            DataStructs.ConvertToNumpyArray(fp, arr)
            rows.append(arr)
    return np.array(rows)


def as_numpy_loop(smiles):
    gen = _generator()
    with BlockLogs():
        return np.array([gen.GetFingerprintAsNumPy(Chem.MolFromSmiles(s)) for s in smiles])


def batched_bitvects(smiles):
    with BlockLogs():
        mols = [Chem.MolFromSmiles(s) for s in smiles]
    return _generator().GetFingerprints(mols)


def skfp(n_jobs, chirality=False):
    from skfp.fingerprints import ECFPFingerprint

    est = ECFPFingerprint(
        fp_size=N_BITS, radius=RADIUS, include_chirality=chirality, n_jobs=n_jobs
    )

    def run(smiles):
        with BlockLogs():  # skfp leaves RDKit's stderr on; don't time the terminal
            return est.transform(list(smiles))

    return run


def skcontrast(n_jobs, chirality=False):
    est = MorganFeaturizer(
        radius=RADIUS, n_bits=N_BITS, include_chirality=chirality, n_jobs=n_jobs
    )
    return est.transform


def have_skfp() -> bool:
    try:
        import skfp  # noqa: F401
    except ImportError:
        return False
    return True


def timed(func, data):
    start = time.perf_counter()
    out = func(data)
    return time.perf_counter() - start, out


def cold_start(n=200):
    """First n_jobs=2 call on a small input, before any worker pool exists."""
    smiles = [
        line.split()[0] for line in (DATA / "diverse_molecules.smi").read_text().splitlines()[:n]
    ]
    rows = []
    t, _ = timed(skcontrast(2), smiles)  # falls back to in-process: no pool started
    rows.append(("skcontrast n_jobs=2, first call", n, t))
    if have_skfp():
        t, _ = timed(skfp(2), smiles)  # starts the loky pool
        rows.append(("skfp n_jobs=2, first call", n, t))
        t, _ = timed(skfp(2), smiles)
        rows.append(("skfp n_jobs=2, second call", n, t))
    return rows


def run_set(name, smiles, methods, repeats):
    best = {label: np.inf for label in methods}
    outputs = {}
    for _ in range(repeats):
        for label, func in methods.items():
            t, out = timed(func, smiles)
            best[label] = min(best[label], t)
            outputs.setdefault(label, out)
    for label, out in outputs.items():
        if label.startswith(("(c)", "(d)", "(a)")):
            reference = outputs[
                "(c) skfp n_jobs=1, chiral" if "chiral" in label else "(b) GetFingerprintAsNumPy"
            ]
            dense = out.toarray() if hasattr(out, "toarray") else np.asarray(out)
            assert np.array_equal(dense, reference), f"{label} differs on {name}"
    return best


def distinct_case(smiles, repeats):
    """ours vs skfp, n_jobs=1, warm, alternating; medians of wall and CPU time."""
    from skfp.fingerprints import ECFPFingerprint

    ours = MorganFeaturizer(radius=RADIUS, n_bits=N_BITS, n_jobs=1)
    theirs = ECFPFingerprint(fp_size=N_BITS, radius=RADIUS, n_jobs=1)
    with BlockLogs():  # skfp leaves RDKit's stderr on; don't time the terminal
        assert np.array_equal(ours.transform(smiles), theirs.transform(smiles))  # warm-up
        wall = {"ours": [], "skfp": []}
        cpu = {"ours": [], "skfp": []}
        for r in range(repeats):
            pair = (("ours", ours), ("skfp", theirs))
            for name, est in pair if r % 2 == 0 else pair[::-1]:
                w, c = time.perf_counter(), time.process_time()
                est.transform(smiles)
                wall[name].append(time.perf_counter() - w)
                cpu[name].append(time.process_time() - c)
    ratios = np.array(wall["skfp"]) / np.array(wall["ours"])
    # load-robust figure: the same 500-molecule chunk back to back, order
    # alternating, CPU time; the median of the per-chunk ratios
    chunk_ratios = []
    with BlockLogs():
        for r in range(2):
            for k, start in enumerate(range(0, len(smiles), 500)):
                chunk = smiles[start : start + 500]
                got = {}
                pair = (("ours", ours), ("skfp", theirs))
                for name, est in pair if (r + k) % 2 == 0 else pair[::-1]:
                    c = time.process_time()
                    est.transform(chunk)
                    got[name] = time.process_time() - c
                chunk_ratios.append(got["skfp"] / got["ours"])
    return {
        "chunk ratio": float(np.median(chunk_ratios)),
        "ours wall": np.median(wall["ours"]),
        "skfp wall": np.median(wall["skfp"]),
        "ours cpu": np.median(cpu["ours"]),
        "skfp cpu": np.median(cpu["skfp"]),
        "median ratio": float(np.median(ratios)),
        "best ratio": min(wall["skfp"]) / min(wall["ours"]),
    }


def descriptors_case(smiles, repeats):
    """DescriptorFeaturizer('all') vs RDKit's CalcMolDescriptors loop, alternating."""
    import warnings

    from rdkit.Chem import Descriptors

    from skcontrast.featurize import DescriptorFeaturizer

    def rdkit_loop(items):
        with BlockLogs():
            rows = [
                Descriptors.CalcMolDescriptors(Chem.MolFromSmiles(s), missingVal=np.nan)
                for s in items
            ]
        out = np.array([list(row.values()) for row in rows], dtype=float)
        out[~np.isfinite(out)] = np.nan
        return out

    est = DescriptorFeaturizer(descriptors="all", on_invalid="nan", n_jobs=1)

    def ours(items):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return est.transform(items)

    times = {"rdkit": [], "ours": []}
    outputs = {}
    for r in range(repeats):
        pair = (("ours", ours), ("rdkit", rdkit_loop))
        for name, func in pair if r % 2 == 0 else pair[::-1]:
            t, out = timed(func, smiles)
            times[name].append(t)
            outputs.setdefault(name, out)
    assert np.array_equal(outputs["ours"], outputs["rdkit"], equal_nan=True)
    return {name: float(np.median(v)) for name, v in times.items()}, outputs["ours"].shape


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 000 rows per data set")
    parser.add_argument("--repeats", type=int, default=None, help="rounds (default 3, quick 2)")
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=["table", "distinct", "descriptors"],
        default=["table", "distinct", "descriptors"],
    )
    parser.add_argument("--distinct-n", type=int, default=6000)
    parser.add_argument("--distinct-repeats", type=int, default=7)
    parser.add_argument("--desc-n", type=int, default=1000)
    parser.add_argument("--desc-repeats", type=int, default=2)
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 3)
    if not DATA.is_dir():
        print(f"real data folder {DATA} is absent: nothing to benchmark")
        return 0

    diverse = [
        line.split()[0]
        for line in (DATA / "diverse_molecules.smi").read_text().splitlines()
        if line.strip()
    ]
    mof = pd.read_csv(DATA / "mof_yield_dataset.csv")["linker_smiles"].tolist()
    if args.quick:
        diverse, mof = diverse[:2000], mof[:2000]

    print(f"# bench_featurize: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, python {platform.python_version()}, "
          f"rdkit {Chem.rdBase.rdkitVersion}, {time.strftime('%Y-%m-%d %H:%M')}")
    if "table" in args.sections:
        table_section(diverse, mof, repeats)
    if "distinct" in args.sections and have_skfp():
        n = args.distinct_n
        print(f"\nDistinct molecules, n_jobs=1, warm, alternating, {args.distinct_repeats} rounds "
              f"(median); radius={RADIUS}, n_bits={N_BITS}:\n")
        print("| sample | n | ours wall (s) | skfp wall (s) | ours CPU (s) | skfp CPU (s) "
              "| skfp/ours (median of rounds) | best/best | CPU, paired 500-chunks |")
        print("|---|---|---|---|---|---|---|---|---|")
        picked = np.random.default_rng(0).choice(len(diverse), n, replace=False)
        samples = {
            f"random {n} (seed 0)": [diverse[i] for i in picked],
            f"first {n} lines": diverse[:n],
        }
        for label, smiles in samples.items():
            r = distinct_case(smiles, args.distinct_repeats)
            print(f"| {label} | {len(smiles)} | {r['ours wall']:.3f} | {r['skfp wall']:.3f} | "
                  f"{r['ours cpu']:.3f} | {r['skfp cpu']:.3f} | {r['median ratio']:.2f}x | "
                  f"{r['best ratio']:.2f}x | {r['chunk ratio']:.2f}x |")
    if "descriptors" in args.sections:
        rng = np.random.default_rng(1)
        smiles = [diverse[i] for i in rng.choice(len(diverse), args.desc_n, replace=False)]
        times, shape = descriptors_case(smiles, args.desc_repeats)
        print(f"\nDescriptorFeaturizer(descriptors='all'), {shape[1]} descriptors, "
              f"{shape[0]} distinct molecules, n_jobs=1, median of {args.desc_repeats} "
              "alternating rounds (outputs checked equal, NaN where RDKit gives none):\n")
        print("| method | time (s) | ms/molecule | vs RDKit loop |")
        print("|---|---|---|---|")
        for label, key in (("RDKit CalcMolDescriptors loop", "rdkit"),
                           ("skcontrast DescriptorFeaturizer('all')", "ours")):
            print(f"| {label} | {times[key]:.2f} | {times[key] / shape[0] * 1000:.1f} | "
                  f"{times['rdkit'] / times[key]:.2f}x |")
    return 0


def table_section(diverse, mof, repeats):
    print(f"# wall clock, best of {repeats} interleaved rounds; radius={RADIUS}, n_bits={N_BITS}\n")

    print("Cold start (first call, 200 molecules, no worker pool yet):")
    for label, _, t in cold_start():
        print(f"  {label:34s} {t * 1000:8.1f} ms")
    print()

    methods = {
        "parse only": parse_only,
        "(a) tutorial loop": tutorial_loop,
        "(b) GetFingerprintAsNumPy": as_numpy_loop,
        "(b') batched GetFingerprints": batched_bitvects,
    }
    if have_skfp():
        methods["(c) skfp n_jobs=1"] = skfp(1)
        methods["(c) skfp n_jobs=2"] = skfp(2)
        methods["(c) skfp n_jobs=1, chiral"] = skfp(1, chirality=True)
    else:
        print("scikit-fingerprints is not installed: (c) left out (pip install '.[bench]')\n")
    methods["(d) skcontrast n_jobs=1"] = skcontrast(1)
    methods["(d) skcontrast n_jobs=2"] = skcontrast(2)
    if have_skfp():
        methods["(d) skcontrast n_jobs=1, chiral"] = skcontrast(1, chirality=True)

    # warm the worker pool once so that (c)/(d) n_jobs=2 are timed warm
    skcontrast(2)(diverse)

    header = (f"| {'data set':<10} | {'method':<30} | {'rows':>6} | {'distinct':>8} | "
              f"{'time (s)':>8} | {'mol/s':>9} | {'vs (a)':>7} | {'vs skfp':>7} |")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for name, smiles in (("diverse", diverse), ("MOF", mof)):
        best = run_set(name, smiles, methods, repeats)
        n_distinct = len(set(smiles))
        for label, t in best.items():
            vs_skfp = ""
            if label.startswith("(d)") and have_skfp():
                vs_skfp = f"{best[label.replace('(d) skcontrast', '(c) skfp')] / t:.2f}x"
            print(f"| {name:<10} | {label:<30} | {len(smiles):>6} | {n_distinct:>8} | "
                  f"{t:>8.3f} | {len(smiles) / t:>9.0f} | "
                  f"{best['(a) tutorial loop'] / t:>6.2f}x | {vs_skfp:>7} |")


if __name__ == "__main__":
    raise SystemExit(main())
