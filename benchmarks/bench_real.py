"""Does pretraining help on real measurements? Three cases, their baselines, our recipes.

Each data set ships inside a package this project already uses (nothing is
downloaded):

* **fermentation** (chemotools ``load_fermentation_test``): 1 626 on-line ATR-MIR
  spectra of one lignocellulose fermentation, one every 1.25 min, and 34 HPLC
  glucose references (g/L). The file's last three rows are constant (1.0
  everywhere: padding) and are dropped; each reference is matched to the real
  spectrum nearest in time (spectrum i at i x 1.25 min). Preprocessing, as
  chemotools' fermentation tutorial: RangeCut 950-1550 cm-1, LinearCorrection,
  Savitzky-Golay first derivative (window 15, order 2), then block scaling (the
  whole block divided by its total standard deviation, one number fitted on
  all spectra). Baselines a chemometrician picks: PLS(2), mean-centred (not
  autoscaled), and RidgeCV on the preprocessed spectra. Pretraining sees all
  1 626 spectra (column-standardised); the embedding is block-scaled too, so
  both blocks of ``[raw | embedding]`` have unit total variance. Also reported:
  the pooled leave-one-out RMSE on all 34 references.
* **chembl** (RDKit ``Contrib/FreeWilson/data/CHEMBL2321810*``): 1 017 molecules
  of one ChEMBL document with measured pIC50. Baseline: ECFP4 (2 048 bits,
  radius 2) + RidgeCV. Pretraining sees the 1 017 molecules, and with
  ``--pool`` also the distinct molecules of ``../shared/data/diverse_molecules.smi``.
* **coffee** (chemotools ``load_coffee``): 60 ATR-FTIR spectra of coffee from
  three origins, 20 each (classification, balanced accuracy). Baseline: SNV,
  Savitzky-Golay first derivative (window 21, order 2), StandardScaler +
  LogisticRegression. Budgets: 3 and 6 labelled spectra (1 and 2 per origin),
  all (5-fold).

The protocol is :func:`skcontrast.model_selection.label_efficiency`: the
embedder is pretrained once without labels; each label budget is drawn
``--repeats`` times (the whole budget: 5-fold CV); on every draw the same probe
is fitted on the raw features, the embedding and both side by side, and scored
on the rows left out. The baseline is the "raw" row of the same draws. No
setting is tuned on the scored rows.

Recipes (``--recipes``, comma-separated):

* ``defaults``: ``ContrastiveEmbedder()`` with every parameter at its default
  (``augmenter="auto"``);
* ``previous``: the defaults before ``augmenter="auto"``
  (``augmenter=None``: ``ConditionJitter(std=0.1)`` in data units);
* ``vicreg``: the default views with ``loss="vicreg"``;
* ``bits03`` / ``vicreg_bits03`` (chembl): ``BitDropout(p=0.3)`` views, NT-Xent / VICReg;
* ``spectra``: VICReg with ``SpectrumAugmenter(noise_std=0.1, scale_std=0.1, max_shift=2)``
  on the standardised spectra;
* ``groups`` (fermentation): the defaults with ``groups`` = the 12.5-minute
  window of the run (10 consecutive spectra are positives of each other);
* ``rankme``: temperature chosen among 0.1/0.2/0.5 by RankMe on the
  pretraining rows (no label used), then the defaults otherwise.

``--select`` runs the RankMe-vs-labels comparison instead: NT-Xent temperature
{0.1, 0.2, 0.5} x view strength {0.1, 0.3} (BitDropout p on bits,
ConditionJitter std on standardised spectra); RankMe of the pool's embedding
picks a setting without labels, the best probe per budget (on the same draws)
is the label-selected one.

Run from the project root (minutes on 2 cores)::

    python benchmarks/bench_real.py --case fermentation --recipes defaults,vicreg,groups
    python benchmarks/bench_real.py --case chembl --pool
    python benchmarks/bench_real.py --case coffee --recipes defaults,vicreg,spectra
    python benchmarks/bench_real.py --case chembl --select --epochs 20 --repeats 5
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
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cross_decomposition import PLSRegression
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import LeaveOneOut, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere
from skcontrast.augment import BitDropout, SpectrumAugmenter
from skcontrast.embed import ContrastiveEmbedder
from skcontrast.metrics import rankme
from skcontrast.model_selection import label_efficiency

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKCONTRAST_DATA", ROOT.parent / "shared" / "data"))
ALPHAS = np.logspace(-3, 3, 13)  # RidgeCV's grid, on block-scaled or 0/1 inputs


class BlockScaler(TransformerMixin, BaseEstimator):
    """Divide a block of columns by its total standard deviation (multi-block PLS scaling).

    ``X / sqrt(sum of column variances)``, fitted once: the block then has unit
    total variance whatever its number of columns or units, so a derivative
    spectrum (values ~1e-3) and a 64-column embedding weigh the same in
    ``[raw | embedding]``, and one RidgeCV alpha grid suits both (Westerhuis et
    al., J. Chemometrics 1998, block scaling). It keeps the shape of each
    spectrum (no per-column autoscaling, which inflates noisy wavelengths).
    """

    def fit(self, X, y=None):
        X = validate_data(self, X, reset=True)
        self.scale_ = float(np.sqrt(np.var(X, axis=0).sum())) or 1.0
        return self

    def transform(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False) / self.scale_


def fermentation():
    """Preprocessed on-line spectra, glucose g/L (chemotools ``load_fermentation_test``).

    The file ends with three constant rows (every value 1.0, rows 1626-1628:
    padding, not spectra); the last HPLC sample (33.88 h) is nearest in time to
    the first of them, and matching it there made one of the 34 references
    unpredictable (the baseline's 5-label RMSE 11.5 instead of 4.5 g/L). They
    are dropped, and each reference is matched to the nearest real spectrum.
    """
    from chemotools.baseline import LinearCorrection
    from chemotools.datasets import load_fermentation_test
    from chemotools.derivative import SavitzkyGolay
    from chemotools.feature_selection import RangeCut

    spectra, hplc = load_fermentation_test()
    wavenumbers = spectra.columns.to_numpy(dtype=float)
    S = spectra.to_numpy(dtype=float)
    minutes = np.arange(len(S)) * 1.25
    real = S.std(axis=1) > 0
    print(f"  dropping {np.count_nonzero(~real)} constant rows {np.flatnonzero(~real).tolist()}")
    S, minutes = S[real], minutes[real]
    nearest = np.array([np.argmin(np.abs(minutes - 60 * t)) for t in hplc["time"]])
    pre = make_pipeline(
        RangeCut(start=950, end=1550, x_axis=wavenumbers),
        LinearCorrection(),
        SavitzkyGolay(window_length=15, polyorder=2, deriv=1),
        BlockScaler(),
    )
    P = pre.fit_transform(S)
    probes = {
        "PLS(2)": PLSRegression(n_components=2, scale=False),
        "RidgeCV": RidgeCV(alphas=ALPHAS),
    }
    groups = np.arange(len(P)) // 10  # 10 spectra = a 12.5-minute window of the run
    return Case(
        P[nearest],
        hplc["glucose"].to_numpy(dtype=float),
        P,
        probes,
        (5, 10, 1.0),
        30,
        scale_input=True,
        block_scale_embedding=True,
        groups=groups,
        loo=True,
    )


def chembl(pool: bool):
    """ECFP4 bits, pIC50 (RDKit ``Contrib/FreeWilson/data/CHEMBL2321810*``)."""
    from rdkit import RDConfig

    from skcontrast.featurize import MorganFeaturizer

    folder = Path(RDConfig.RDContribDir) / "FreeWilson" / "data"
    smi = pd.read_csv(folder / "CHEMBL2321810.smi", sep=" ", header=None, names=["smiles", "Name"])
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
    probes = {"RidgeCV": RidgeCV(alphas=ALPHAS)}
    return Case(X, data["Act"].to_numpy(dtype=float), X_pool, probes, (0.05, 0.1, 1.0), 10)


def coffee():
    """ATR-FTIR spectra of coffee from three origins (chemotools ``load_coffee``).

    60 spectra, 1 841 points, 20 per origin (Ethiopia, Brasil, Vietnam): a
    measured classification case. Preprocessing as chemotools' coffee tutorial:
    SNV, Savitzky-Golay first derivative (window 21, order 2); probe
    StandardScaler + LogisticRegression, scored by balanced accuracy
    (higher is better). Budgets: 1 and 2 spectra per origin, all (5-fold).
    """
    from chemotools.datasets import load_coffee
    from chemotools.derivative import SavitzkyGolay
    from chemotools.scatter import StandardNormalVariate

    spectra, labels = load_coffee()
    pre = make_pipeline(
        StandardNormalVariate(), SavitzkyGolay(window_length=21, polyorder=2, deriv=1)
    )
    P = pre.fit_transform(spectra.to_numpy(dtype=float))
    probes = {"LogReg": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))}
    return Case(P, labels.iloc[:, 0].to_numpy(), P, probes, (3, 6, 1.0), 30, scale_input=True)


class Case:
    """What a case gives the benchmark."""

    def __init__(
        self,
        X,
        y,
        X_pool,
        probes,
        budgets,
        repeats,
        *,
        scale_input=False,
        block_scale_embedding=False,
        groups=None,
        loo=False,
    ):
        self.X, self.y, self.X_pool, self.probes = X, y, X_pool, probes
        self.budgets, self.repeats = budgets, repeats
        self.scale_input = scale_input  # the embedder sees column-standardised input
        self.block_scale_embedding = block_scale_embedding  # as the raw block
        self.groups = groups  # per pool row, for the "groups" recipe
        self.loo = loo  # also pooled leave-one-out on all labels (small cases)


def make_embedder(name: str, epochs: int | None, **params):
    """An unfitted ContrastiveEmbedder for a recipe (see the module docstring)."""
    kwargs = {"random_state": 0, **params}
    if epochs is not None:
        kwargs["max_epochs"] = epochs
    if name == "defaults":
        return ContrastiveEmbedder(**kwargs)
    if name == "vicreg":
        return ContrastiveEmbedder(loss="vicreg", **kwargs)
    if name == "previous":
        return ContrastiveEmbedder(augmenter=None, **kwargs)
    if name == "bits03":
        return ContrastiveEmbedder(augmenter=BitDropout(p=0.3), **kwargs)
    if name == "vicreg_bits03":
        return ContrastiveEmbedder(loss="vicreg", augmenter=BitDropout(p=0.3), **kwargs)
    if name == "spectra":
        views = SpectrumAugmenter(noise_std=0.1, scale_std=0.1, max_shift=2)
        return ContrastiveEmbedder(loss="vicreg", augmenter=views, **kwargs)
    if name == "groups":
        return ContrastiveEmbedder(**kwargs)
    raise SystemExit(f"unknown recipe {name!r}")


def fit_frozen(emb, case: Case, groups=None):
    """Pretrain on the case's pool (no labels) and freeze: a Pipeline with its scaling."""
    steps = [StandardScaler()] if case.scale_input else []
    steps.append(emb)
    if case.block_scale_embedding:
        steps.append(BlockScaler())
    model = make_pipeline(*steps)
    fit_params = {} if groups is None else {"contrastiveembedder__groups": groups}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the chance warning is in the table
        model.fit(case.X_pool, **fit_params)
    return FrozenEstimator(model)


def recipe(name: str, case: Case, epochs: int | None):
    """A fitted, frozen embedder for a recipe."""
    if name == "rankme":
        scores = {}
        for t in (0.1, 0.2, 0.5):
            model = fit_frozen(make_embedder("defaults", epochs, temperature=t), case)
            scores[t] = round(rankme(model.transform(case.X_pool)), 2)
        best = max(scores, key=scores.get)
        print(f"  RankMe by temperature: {scores} -> {best}", flush=True)
        return fit_frozen(make_embedder("defaults", epochs, temperature=best), case)
    groups = case.groups if name == "groups" else None
    if name == "groups" and groups is None:
        raise SystemExit("recipe 'groups' needs a case with groups (fermentation)")
    return fit_frozen(make_embedder(name, epochs), case, groups)


def pooled_loo(frozen, case: Case, probe) -> dict:
    """Pooled leave-one-out RMSE on all labels, per feature set (the chemometric habit)."""
    Z = frozen.transform(case.X)
    out = {}
    for name, M in {"raw": case.X, "embedding": Z, "raw+embedding": np.hstack([case.X, Z])}.items():
        pred = cross_val_predict(probe, M, case.y, cv=LeaveOneOut()).ravel()
        out[name] = float(np.sqrt(np.mean((pred - case.y) ** 2)))
    return out


def select(case: Case, case_name: str, epochs: int | None, repeats: int) -> None:
    """RankMe-selected vs label-selected over a small grid (issue 13, item 5).

    Grid: NT-Xent temperature {0.1, 0.2, 0.5} x view strength {weak, strong}
    (BitDropout p 0.1/0.3 on bits; ConditionJitter std 0.1/0.3 on standardised
    spectra). RankMe of the pretraining rows' embedding picks one setting with
    no label; the label-selected setting is the best probe at each budget on the
    same draws (an oracle: it looks at the scored rows).
    """
    from skcontrast.augment import ConditionJitter

    probe_name, probe = "RidgeCV", case.probes["RidgeCV"]
    budgets = [b for b in case.budgets if b != 1.0]
    rows = []
    for t in (0.1, 0.2, 0.5):
        for strength in (0.1, 0.3):
            views = (
                BitDropout(p=strength) if case_name == "chembl" else ConditionJitter(std=strength)
            )
            start = time.perf_counter()
            frozen = fit_frozen(
                make_embedder("defaults", epochs, temperature=t, augmenter=views), case
            )
            fit_s = time.perf_counter() - start
            rank = rankme(frozen.transform(case.X_pool))
            result = label_efficiency(
                frozen,
                case.X,
                case.y,
                budgets=budgets,
                n_repeats=repeats,
                probe=probe,
                random_state=0,
            )
            row = {"temperature": t, "strength": strength, "RankMe": round(rank, 2)}
            for (budget, _, features), r in result.summary.iterrows():
                row[f"{features}@{budget}"] = r["mean"]
            row["pretrain_s"] = round(fit_s, 1)
            rows.append(row)
            print(f"  {row}", flush=True)
    table = pd.DataFrame(rows)
    print(
        f"\nprobe {probe_name}, {repeats} draws per budget; view strength = "
        f"{'BitDropout p' if case_name == 'chembl' else 'ConditionJitter std'}"
    )
    with pd.option_context("display.width", 200, "display.precision", 3):
        print(table.to_string(index=False))
    by_rank = table["RankMe"].idxmax()
    for budget in budgets:
        for features in ("embedding", "raw+embedding"):
            col = f"{features}@{budget}"
            best = table[col].idxmin()
            gap = table.loc[by_rank, col] - table.loc[best, col]
            print(
                f"  {col}: RankMe picks T={table.loc[by_rank, 'temperature']}, "
                f"s={table.loc[by_rank, 'strength']} -> {table.loc[by_rank, col]:.3f}; "
                f"labels pick T={table.loc[best, 'temperature']}, s={table.loc[best, 'strength']} "
                f"-> {table.loc[best, col]:.3f}; gap {gap:+.3f}; "
                f"raw {table[f'raw@{budget}'].iloc[0]:.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--case", choices=["fermentation", "chembl", "coffee"], default="fermentation"
    )
    parser.add_argument("--recipes", default="defaults,vicreg,rankme")
    parser.add_argument("--pool", action="store_true", help="chembl: add diverse_molecules.smi")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--select", action="store_true", help="RankMe vs label-selected grid")
    parser.add_argument("--epochs", type=int, default=None, help="max_epochs (default 50)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()

    print(f"case {args.case}", flush=True)
    if args.case == "fermentation":
        case = fermentation()
    elif args.case == "chembl":
        case = chembl(args.pool)
    else:
        case = coffee()
    repeats = args.repeats or case.repeats
    epochs = args.epochs
    if args.quick:
        repeats, epochs = 2, 3
    print(
        f"  {case.X.shape[0]} labelled rows x {case.X.shape[1]} features, pretraining on "
        f"{case.X_pool.shape[0]} rows; budgets {case.budgets}, {repeats} draws",
        flush=True,
    )
    if args.select:
        select(case, args.case, epochs, repeats)
        return
    rows, loo_rows = [], []
    for name in args.recipes.split(","):
        start = time.perf_counter()
        frozen = recipe(name, case, epochs)
        fit_s = time.perf_counter() - start
        for probe_name, probe in case.probes.items():
            result = label_efficiency(
                frozen,
                case.X,
                case.y,
                budgets=case.budgets,
                n_repeats=repeats,
                cv=5,
                probe=probe,
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
                        result.metric: f"{r['mean']:.3f} ± {r['sd']:.3f}",
                        "n_draws": r["n_draws"],
                        "wins_vs_raw": r["wins_vs_raw"],
                        "pretrain_s": round(fit_s, 1),
                    }
                )
            if case.loo:
                for features, rmse in pooled_loo(frozen, case, probe).items():
                    loo_rows.append(
                        {
                            "recipe": "baseline" if features == "raw" else name,
                            "probe": probe_name,
                            "features": features,
                            "pooled LOO RMSE": round(rmse, 3),
                        }
                    )
        print(f"  {name}: pretrained in {fit_s:.1f} s", flush=True)
        done = pd.DataFrame([r for r in rows if r["recipe"] in (name, "baseline")])
        with pd.option_context("display.width", 200, "display.max_rows", 200):
            print(
                done.drop_duplicates(subset=["recipe", "probe", "features", "budget"]).to_string(
                    index=False
                ),
                flush=True,
            )
    table = pd.DataFrame(rows).drop_duplicates(subset=["recipe", "probe", "features", "budget"])
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(table.to_string(index=False))
        if loo_rows:
            loo = pd.DataFrame(loo_rows).drop_duplicates(subset=["recipe", "probe", "features"])
            print(f"\nall {case.X.shape[0]} labels, pooled leave-one-out:")
            print(loo.to_string(index=False))


if __name__ == "__main__":
    main()
