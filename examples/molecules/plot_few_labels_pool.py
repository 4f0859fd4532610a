"""
Few labels, many molecules: pretrain on the pool, freeze, probe
================================================================

A medicinal chemist has one ChEMBL document's series (1 017 molecules,
CHEMBL2321810, shipped inside RDKit's ``Contrib/FreeWilson/data``) but pIC50
measured for only a few of them. The recipe:

1. pretrain a :class:`~skcontrast.embed.ContrastiveEmbedder` on **every**
   molecule, without labels (the pool);
2. freeze it with :class:`sklearn.frozen.FrozenEstimator`, so that fitting
   the probe Pipeline on the labelled rows never retrains it on them;
3. fit a linear probe (RidgeCV) on the fingerprint and the embedding side by
   side (a ``FeatureUnion`` with ``"passthrough"``): the embedding can only add
   what the fingerprint lacks;
4. ask :func:`~skcontrast.model_selection.label_efficiency` whether it helped:
   5 % and 10 % of the labels drawn again and again, all labels by 5-fold CV,
   the fingerprint alone (the baseline a chemist would otherwise use) scored
   on the same draws.

What was measured (full run, 50 epochs, 10 draws, ``benchmarks/bench_real.py
--case chembl``): ECFP4 + RidgeCV 0.819 / 0.721 / 0.553 pIC50 RMSE at 5 % /
10 % / 100 % of the labels; fingerprint + VICReg embedding 0.809 / 0.701 /
0.543, better on 8 of 10 draws at 5 % and on every draw at 10 %, by 0.01-0.02
pIC50, less than one sd of the draws. The embedding alone does worse than the
fingerprint. Adding 19 063 diverse molecules
(``../shared/data/diverse_molecules.smi``) to the pool made it *worse*
(0.844 / 0.744): a pool helps when it holds the same chemistry as the labelled
series, not just more molecules. Set ``SKCONTRAST_POOL_SMI`` to a SMILES file
to try your own pool.

Set ``SKCONTRAST_FAST=1`` for a quick run (5 epochs, 3 draws): its numbers are
not the measured ones above.
"""

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from rdkit import RDConfig
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, make_pipeline

from skcontrast.embed import ContrastiveEmbedder
from skcontrast.featurize import MorganFeaturizer
from skcontrast.model_selection import label_efficiency

FAST = os.environ.get("SKCONTRAST_FAST") == "1"
OUTPUT = Path(os.environ.get("SKCONTRAST_OUTPUT", "output"))
OUTPUT.mkdir(parents=True, exist_ok=True)
POOL_SMI = os.environ.get("SKCONTRAST_POOL_SMI")


def shown(path: Path) -> str:
    """A saved file as the reader can find it, never as an absolute path."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return f"{path.name} (in the folder SKCONTRAST_OUTPUT names)"


# %%
# One ChEMBL document: 1 017 molecules with measured pIC50
folder = Path(RDConfig.RDContribDir) / "FreeWilson" / "data"
smiles = pd.read_csv(folder / "CHEMBL2321810.smi", sep=" ", header=None, names=["smiles", "Name"])
activity = pd.read_csv(folder / "CHEMBL2321810_act.csv")
data = smiles.merge(activity, on="Name", validate="one_to_one")
featurizer = MorganFeaturizer(radius=2, n_bits=2048)  # ECFP4
X = featurizer.fit_transform(data["smiles"].to_numpy()).astype(np.float32)
y = data["Act"].to_numpy(dtype=float)
print(f"{len(y)} molecules, pIC50 {y.min():.1f} to {y.max():.1f}")

pool = X
if POOL_SMI:  # an extra unlabelled pool, one SMILES per line
    lines = Path(POOL_SMI).read_text().splitlines()
    extra = sorted({line.split()[0] for line in lines if line.strip()} - set(data["smiles"]))
    pool = np.vstack([X, featurizer.transform(np.array(extra, dtype=object)).astype(np.float32)])
print(f"pretraining pool: {pool.shape[0]} molecules (no labels used)")

# %%
# Pretrain once on the pool, then freeze
#
# VICReg keeps the variance of every embedding dimension, which suits a
# regression target; the views are the embedder's defaults.
embedder = ContrastiveEmbedder(loss="vicreg", max_epochs=5 if FAST else 50, random_state=0)
frozen = FrozenEstimator(embedder.fit(pool))

# %%
# The recipe on one split: 51 labelled molecules (5 %)
#
# ``fit`` on the probe Pipeline fits RidgeCV only; the frozen embedder keeps
# what it learnt from the pool.
X_lab, X_rest, y_lab, y_rest = train_test_split(X, y, train_size=0.05, random_state=0)
alphas = np.logspace(-3, 3, 13)
model = make_pipeline(
    FeatureUnion([("fingerprint", "passthrough"), ("embedding", frozen)]), RidgeCV(alphas=alphas)
).fit(X_lab, y_lab)
baseline = RidgeCV(alphas=alphas).fit(X_lab, y_lab)
for name, m in (("ECFP4", baseline), ("ECFP4 + embedding", model)):
    rmse = np.sqrt(np.mean((m.predict(X_rest) - y_rest) ** 2))
    print(f"one split, 51 labels, {name}: RMSE {rmse:.3f} pIC50 on the other {len(y_rest)}")

# %%
# Does pretraining help? Many draws per budget, the baseline on the same draws
result = label_efficiency(
    frozen,
    X,
    y,
    budgets=(0.05, 0.1, 1.0),
    n_repeats=3 if FAST else 10,
    probe=RidgeCV(alphas=alphas),
    random_state=0,
)
summary = result.summary.reset_index()
names = {"raw": "ECFP4", "embedding": "embedding", "raw+embedding": "ECFP4 + embedding"}
print()
print("| budget | labels | features | RMSE (pIC50) | sd | draws | wins vs ECFP4 |")
print("|---|---|---|---|---|---|---|")
for row in summary.itertuples():
    wins = "" if np.isnan(row.wins_vs_raw) else f"{row.wins_vs_raw:.1f}"
    print(
        f"| {row.budget:g} | {row.n_labelled} | {names[row.features]} | {row.mean:.3f} "
        f"| {row.sd:.3f} | {row.n_draws} | {wins} |"
    )
print()
print(
    "The whole budget is scored by 5-fold CV (each probe trains on 4/5 of the labels); "
    "'wins' is the fraction of draws on which a row beat ECFP4 on the same draw."
)

# %%
# The label-efficiency curve
fig, ax = plt.subplots(figsize=(5.5, 3.8))
for features, label in names.items():
    part = summary[summary["features"] == features]
    ax.errorbar(
        part["n_labelled"], part["mean"], yerr=part["sd"], marker="o", capsize=3, label=label
    )
ax.set_xscale("log")
ax.set_xlabel("labelled molecules")
ax.set_ylabel("RMSE (pIC50), lower is better")
ax.set_title("CHEMBL2321810: frozen, pool-pretrained embedding")
ax.legend()
fig.tight_layout()
path = OUTPUT / "few_labels_pool.png"
fig.savefig(path, dpi=100)
print(f"figure saved to {shown(path)}")
