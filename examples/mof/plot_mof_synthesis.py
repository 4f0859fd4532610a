"""
MOF synthesis: a process view and a fingerprint view, then a linear probe
=========================================================================

Lecture 12's workflow as one scikit-learn pipeline. Each record is a linker
(SMILES) and four process settings (temperature, time, concentration, DMF
flag); success means a yield above 20 %.

* Features: the process settings standardised, four RDKit descriptors of the
  linker standardised, and a 256-bit Morgan fingerprint, in one
  ``ColumnTransformer``.
* Views: Gaussian jitter and mask-and-impute on the process columns, a small
  jitter on the descriptors, dropout of fingerprint bits (the lecture's
  "weak" settings), chained as a ``Pipeline`` of augmenters.
* A :class:`~skcontrast.ContrastiveEmbedder` (MLP 256 -> 64, projection head 64,
  NT-Xent at temperature 0.2) learns from the views without labels, inside
  each training fold; a logistic regression on the frozen embedding is
  scored by 5-fold cross-validation against the same logistic regression on
  the raw features, on the same folds.
* Augmentation multiplicity for the probe: the probe's training fold is
  enlarged with 1 or 5 encoded views of each training row.

The data are read from the path in ``SKCONTRAST_MOF_CSV``, or from
``shared/data/mof_yield_dataset.csv`` in the working folder or a folder above it
(``../shared/data`` beside the project); without the file the
script falls back to :func:`~skcontrast.make_reaction_conditions` (process
columns only). ``SKCONTRAST_FAST=1`` runs a small, quick version.
"""

# %%
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast import (
    BitDropout,
    ConditionJitter,
    ContrastiveEmbedder,
    DescriptorFeaturizer,
    MorganFeaturizer,
    load_mof_synthesis,
    make_reaction_conditions,
    make_views,
)
from skcontrast.plotting import plot_embedding, plot_training_curve

FAST = os.environ.get("SKCONTRAST_FAST") == "1"
OUTPUT = Path(os.environ.get("SKCONTRAST_OUTPUT", "output"))
OUTPUT.mkdir(parents=True, exist_ok=True)
N_ROWS = 400 if FAST else 2000
PROCESS = ["temperature", "time_h", "concentration_M", "solvent_DMF"]
N_BITS = 256

# %%
# Data: the MOF file when it is there, synthetic reaction conditions otherwise


def find_mof_csv() -> Path:
    """SKCONTRAST_MOF_CSV, else shared/data/ beside the project (searched upwards from here)."""
    if "SKCONTRAST_MOF_CSV" in os.environ:
        return Path(os.environ["SKCONTRAST_MOF_CSV"])
    for folder in (Path.cwd(), *Path.cwd().parents):
        candidate = folder / "shared" / "data" / "mof_yield_dataset.csv"
        if candidate.is_file():
            return candidate
    return Path("shared/data/mof_yield_dataset.csv")


csv = find_mof_csv()
if csv.is_file():
    frame = load_mof_synthesis(csv)
    frame = frame.sample(n=min(N_ROWS, len(frame)), random_state=7).reset_index(drop=True)
    y = frame["success"].to_numpy()
    features = ColumnTransformer(
        [
            ("process", StandardScaler(), PROCESS),
            (
                "descriptors",
                make_pipeline(DescriptorFeaturizer(), StandardScaler()),
                ["linker_smiles"],
            ),
            ("fingerprint", MorganFeaturizer(radius=2, n_bits=N_BITS), ["linker_smiles"]),
        ]
    )
    views = make_pipeline(
        ConditionJitter(std=0.03, mask_prob=0.02, columns=slice(0, 4)),  # process view
        ConditionJitter(std=0.01, columns=slice(4, 8)),  # descriptor jitter
        BitDropout(p=0.01, columns=slice(8, None)),  # fingerprint dropout
    )
    n_linkers = frame["linker_smiles"].nunique()
    source = f"{csv.name}: {len(frame)} records sampled from the file, {n_linkers} linkers"
else:
    frame, y = make_reaction_conditions(N_ROWS, random_state=7, as_frame=True)
    y = y.to_numpy()
    features = ColumnTransformer([("process", StandardScaler(), list(frame.columns))])
    views = make_pipeline(ConditionJitter(std=0.03, mask_prob=0.02))
    source = f"no MOF file at {csv}: {len(frame)} synthetic reaction conditions instead"

embedder = ContrastiveEmbedder(
    augmenter=views,
    hidden_dims=(256,),
    n_components=64,
    projection_dim=64,
    temperature=0.2,
    batch_size=256,
    max_epochs=3 if FAST else 20,
    random_state=0,
)


def scores(y_true, proba):
    pred = (proba > 0.5).astype(int)
    return {
        "ROC AUC": roc_auc_score(y_true, proba),
        "accuracy": accuracy_score(y_true, pred),
        "F1": f1_score(y_true, pred),
    }


# %%
# 5-fold cross-validation: raw baseline, contrastive probe, probe with 1x / 5x views
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
results: dict[str, list[dict]] = {}
start = time.perf_counter()
for train, test in folds.split(frame, y):
    feats = clone(features).fit(frame.iloc[train])
    F_train, F_test = feats.transform(frame.iloc[train]), feats.transform(frame.iloc[test])

    probe = LogisticRegression(max_iter=2000)
    raw = probe.fit(F_train, y[train]).predict_proba(F_test)[:, 1]
    results.setdefault("raw features + LogReg", []).append(scores(y[test], raw))

    emb = clone(embedder).fit(F_train)
    Z_train, Z_test = emb.transform(F_train), emb.transform(F_test)
    for k in (0, 1, 5):
        Z_fit, y_fit = Z_train, y[train]
        if k:
            extra = [emb.transform(v) for v in make_views(emb.augmenter_, F_train, n_views=k)]
            Z_fit = np.vstack([Z_train, *extra])
            y_fit = np.concatenate([y[train]] * (k + 1))
        scaler_probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        proba = scaler_probe.fit(Z_fit, y_fit).predict_proba(Z_test)[:, 1]
        name = "contrastive probe" + (f" + {k}x views" if k else "")
        results.setdefault(name, []).append(scores(y[test], proba))
elapsed = time.perf_counter() - start


def mean_sd(values):
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


table = pd.DataFrame(
    {
        name: {metric: mean_sd([r[metric] for r in runs]) for metric in runs[0]}
        for name, runs in results.items()
    }
).T
table.index.name = "model"
print(source)
print(f"success rate {y.mean():.2f}; 5-fold CV, {elapsed:.0f} s")
print(table.to_markdown())

# %%
# Figures: the last fold's training curve and its test-fold embedding
plot_training_curve(emb).savefig(OUTPUT / "mof_training_curve.png", dpi=100)
fig = plot_embedding(Z_test, y[test], title="Test-fold embedding (1 = yield > 20 %)")
fig.savefig(OUTPUT / "mof_embedding.png", dpi=100)
print(f"figures saved to {OUTPUT}/mof_training_curve.png and {OUTPUT}/mof_embedding.png")
