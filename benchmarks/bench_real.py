"""Does pretraining help on real measurements? Two cases, their baselines, our recipes.

Both data sets ship inside packages this project already uses:

* **fermentation** (chemotools ``load_fermentation_test``): 1 629 on-line ATR-MIR
  spectra of one lignocellulose fermentation, one every 1.25 min, and 34 HPLC
  glucose references (g/L). Each reference is matched to the spectrum nearest in
  time (spectrum i at i x 1.25 min). Preprocessing, as chemotools' fermentation
  tutorial: RangeCut 950-1550 cm-1, LinearCorrection, Savitzky-Golay first
  derivative (window 15, order 2). Baselines a chemometrician picks: PLS(2) and
  RidgeCV on the preprocessed spectra. Pretraining sees all 1 629 spectra.
* **chembl** (RDKit ``Contrib/FreeWilson/data/CHEMBL2321810*``): 1 017 molecules
  of one ChEMBL document with measured pIC50. Baseline: ECFP4 (2 048 bits,
  radius 2) + RidgeCV. Pretraining sees the 1 017 molecules, and with
  ``--pool`` also the distinct molecules of ``../shared/data/diverse_molecules.smi``.

The protocol is :func:`skcontrast.model_selection.label_efficiency`: the
embedder is pretrained once without labels; each label budget is drawn
``--repeats`` times (the whole budget: 5-fold CV); on every draw the same probe
is fitted on the raw features, the embedding and both side by side, and scored
by RMSE on the rows left out. The baseline is the "raw" row of the same draws.

Recipes (``--recipes``, comma-separated):

* ``defaults``: ``ContrastiveEmbedder()`` with every parameter at its default,
  on column-standardised input (spectra) or on the fingerprint bits;
* ``vicreg``: the default views with ``loss="vicreg"``;
* ``bits03`` (chembl): ``BitDropout(p=0.3)``, the best strength of the
  independent check;
* ``rankme`` : temperature chosen among 0.1/0.2/0.5 by RankMe on the
  pretraining rows (no label used), then the defaults otherwise.

Run from the project root (minutes on 2 cores)::

    python benchmarks/bench_real.py --case fermentation
    python benchmarks/bench_real.py --case chembl --pool
    python benchmarks/bench_real.py --quick          # a smoke run: 2 draws, 3 epochs
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cross_decomposition import PLSRegression
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere
from skcontrast.augment import BitDropout
from skcontrast.embed import ContrastiveEmbedder
from skcontrast.metrics import rankme
from skcontrast.model_selection import label_efficiency

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKCONTRAST_DATA", ROOT.parent / "shared" / "data"))


def fermentation():
    """(X_labelled, y, X_pool, probes): preprocessed spectra, glucose g/L."""
    from chemotools.baseline import LinearCorrection
    from chemotools.datasets import load_fermentation_test
    from chemotools.derivative import SavitzkyGolay
    from chemotools.feature_selection import RangeCut

    spectra, hplc = load_fermentation_test()
    wavenumbers = spectra.columns.to_numpy(dtype=float)
    S = spectra.to_numpy(dtype=float)
    minutes = np.arange(len(S)) * 1.25
    nearest = np.array([np.argmin(np.abs(minutes - 60 * t)) for t in hplc["time"]])
    pre = make_pipeline(
        RangeCut(start=950, end=1550, x_axis=wavenumbers),
        LinearCorrection(),
        SavitzkyGolay(window_length=15, polyorder=2, deriv=1),
    )
    P = pre.fit_transform(S)
    probes = {
        "PLS(2)": PLSRegression(n_components=2),
        "RidgeCV": make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13))),
    }
    return P[nearest], hplc["glucose"].to_numpy(dtype=float), P, probes


def chembl(pool: bool):
    """(X_labelled, y, X_pool, probes): ECFP4 bits, pIC50."""
    from rdkit import RDConfig

    from skcontrast.featurize import MorganFeaturizer

    folder = Path(RDConfig.RDContribDir) / "FreeWilson" / "data"
    smi = pd.read_csv(
        folder / "CHEMBL2321810.smi", sep=" ", header=None, names=["smiles", "Name"]
    )
    act = pd.read_csv(folder / "CHEMBL2321810_act.csv")
    data = smi.merge(act, on="Name", validate="one_to_one")
    featurizer = MorganFeaturizer(radius=2, n_bits=2048)
    X = featurizer.fit_transform(data["smiles"].to_numpy()).astype(np.float32)
    X_pool = X
    if pool:
        lines = (DATA / "diverse_molecules.smi").read_text().splitlines()
        extra = sorted({line.split()[0] for line in lines if line.strip()} - set(data["smiles"]))
        extra_X = featurizer.transform(np.array(extra, dtype=object)).astype(np.float32)
        X_pool = np.vstack([X, extra_X])
    probes = {"RidgeCV": RidgeCV(alphas=np.logspace(-3, 3, 13))}
    return X, data["Act"].to_numpy(dtype=float), X_pool, probes


def recipe(name: str, case: str, X_pool, epochs: int | None):
    """A fitted, frozen embedder (a Pipeline with its input scaling) for a recipe."""
    scale = case == "fermentation"
    kwargs = {"random_state": 0}
    if epochs is not None:
        kwargs["max_epochs"] = epochs
    if name == "defaults":
        emb = ContrastiveEmbedder(**kwargs)
    elif name == "vicreg":
        emb = ContrastiveEmbedder(loss="vicreg", **kwargs)
    elif name == "bits03":
        emb = ContrastiveEmbedder(augmenter=BitDropout(p=0.3), **kwargs)
    elif name == "rankme":
        scores = {}
        for t in (0.1, 0.2, 0.5):
            model = _fit(ContrastiveEmbedder(temperature=t, **kwargs), X_pool, scale)
            scores[t] = rankme(model.transform(X_pool))
        best = max(scores, key=scores.get)
        print(f"  RankMe by temperature: {scores} -> {best}", flush=True)
        emb = ContrastiveEmbedder(temperature=best, **kwargs)
    else:
        raise SystemExit(f"unknown recipe {name!r}")
    return FrozenEstimator(_fit(emb, X_pool, scale))


def _fit(emb, X_pool, scale):
    model = make_pipeline(StandardScaler(), emb) if scale else emb
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the chance warning is in the table
        return model.fit(X_pool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=["fermentation", "chembl"], default="fermentation")
    parser.add_argument("--recipes", default="defaults,vicreg,rankme")
    parser.add_argument("--pool", action="store_true", help="chembl: add diverse_molecules.smi")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()

    if args.case == "fermentation":
        X, y, X_pool, probes = fermentation()
        budgets, repeats = (5, 10, 1.0), args.repeats or 30
    else:
        X, y, X_pool, probes = chembl(args.pool)
        budgets, repeats = (0.05, 0.1, 1.0), args.repeats or 10
    epochs = None
    if args.quick:
        repeats, epochs = 2, 3
    print(
        f"case {args.case}: {X.shape[0]} labelled rows x {X.shape[1]} features, "
        f"pretraining on {X_pool.shape[0]} rows; budgets {budgets}, {repeats} draws",
        flush=True,
    )
    rows = []
    for name in args.recipes.split(","):
        start = time.perf_counter()
        frozen = recipe(name, args.case, X_pool, epochs)
        fit_s = time.perf_counter() - start
        for probe_name, probe in probes.items():
            result = label_efficiency(
                frozen, X, y, budgets=budgets, n_repeats=repeats, cv=5, probe=probe,
                random_state=0,
            )
            for (budget, n, features), r in result.summary.iterrows():
                rows.append(
                    {
                        "recipe": "baseline" if features == "raw" else name,
                        "probe": probe_name,
                        "features": features,
                        "budget": budget,
                        "n_labelled": n,
                        "RMSE": f"{r['mean']:.3f} ± {r['sd']:.3f}",
                        "wins_vs_raw": r["wins_vs_raw"],
                        "pretrain_s": round(fit_s, 1),
                    }
                )
        print(f"  {name}: pretrained in {fit_s:.1f} s", flush=True)
    table = pd.DataFrame(rows).drop_duplicates(subset=["recipe", "probe", "features", "budget"])
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
