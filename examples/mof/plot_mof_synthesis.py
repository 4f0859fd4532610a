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
* Most records succeed, so the table gives ROC AUC, average precision and
  balanced accuracy (mean ± sd over the folds), beside the base rate: a
  model that scores every record with the training success rate.

The script says what it is doing, fold by fold, with the time since it started.

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
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, balanced_accuracy_score, roc_auc_score
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
N_FOLDS = 5
PROCESS = ["temperature", "time_h", "concentration_M", "solvent_DMF"]
N_BITS = 256
START = time.perf_counter()


def progress(message: str) -> None:
    """One plain line with the time since the start, printed at once."""
    print(f"[{time.perf_counter() - START:5.0f} s] {message}", flush=True)


def shown(path: Path) -> str:
    """A saved file as the reader can find it, never as an absolute path: relative to the
    working folder when it lies inside it, else its name in the SKCONTRAST_OUTPUT folder."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return f"{path.name} (in the folder SKCONTRAST_OUTPUT names)"


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
    linker = frame["linker_smiles"].to_numpy()
    data_name = f"MOF synthesis ({csv.name})"
    source = f"{csv.name}: {len(frame)} records sampled from the file, {len(set(linker))} linkers"
else:
    frame, y = make_reaction_conditions(N_ROWS, random_state=7, as_frame=True)
    y = y.to_numpy()
    features = ColumnTransformer([("process", StandardScaler(), list(frame.columns))])
    views = make_pipeline(ConditionJitter(std=0.03, mask_prob=0.02))
    linker = None
    data_name = "synthetic reaction conditions"
    source = f"no MOF file at {shown(csv)}: {len(frame)} synthetic reaction conditions instead"
progress(source)

MAX_EPOCHS = 3 if FAST else 20
embedder = ContrastiveEmbedder(
    augmenter=views,
    hidden_dims=(256,),
    n_components=64,
    projection_dim=64,
    temperature=0.2,
    batch_size=256,
    max_epochs=MAX_EPOCHS,
    random_state=0,
)


def scores(y_true, proba):
    """Threshold-free ranking scores, and balanced accuracy at probability 0.5.

    With most records successful, plain accuracy rewards predicting success
    every time; balanced accuracy (the mean of the two recalls) is 0.5 then.
    """
    return {
        "ROC AUC": roc_auc_score(y_true, proba),
        "average precision": average_precision_score(y_true, proba),
        "balanced accuracy": balanced_accuracy_score(y_true, (proba > 0.5).astype(int)),
    }


# %%
# 5-fold cross-validation: base rate, raw baseline, contrastive probe, probe with 1x / 5x views
folds = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=0)
results: dict[str, list[dict]] = {}
start = time.perf_counter()
for fold, (train, test) in enumerate(folds.split(frame, y), start=1):
    where = f"fold {fold}/{N_FOLDS}"
    progress(f"{where}: featurizing {len(train)} training and {len(test)} test records")
    feats = clone(features).fit(frame.iloc[train])
    F_train, F_test = feats.transform(frame.iloc[train]), feats.transform(frame.iloc[test])

    base = DummyClassifier(strategy="prior").fit(F_train, y[train]).predict_proba(F_test)[:, 1]
    results.setdefault("base rate (no model)", []).append(scores(y[test], base))
    probe = LogisticRegression(max_iter=2000)
    raw = probe.fit(F_train, y[train]).predict_proba(F_test)[:, 1]
    results.setdefault("raw features + LogReg", []).append(scores(y[test], raw))

    progress(f"{where}: training the ContrastiveEmbedder, {MAX_EPOCHS} epochs, no labels")
    tick = time.perf_counter()
    emb = clone(embedder).fit(F_train)
    last = emb.history_[-1, "train_loss"]
    progress(f"{where}: embedder trained in {time.perf_counter() - tick:.0f} s (loss {last:.2f})")
    Z_train, Z_test = emb.transform(F_train), emb.transform(F_test)
    for k in (0, 1, 5):
        name = "contrastive probe" + (f" + {k}x views" if k else "")
        progress(f"{where}: {name}")
        Z_fit, y_fit = Z_train, y[train]
        if k:
            extra = [emb.transform(v) for v in make_views(emb.augmenter_, F_train, n_views=k)]
            Z_fit = np.vstack([Z_train, *extra])
            y_fit = np.concatenate([y[train]] * (k + 1))
        scaler_probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        proba = scaler_probe.fit(Z_fit, y_fit).predict_proba(Z_test)[:, 1]
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
table.index.name = f"model ({N_FOLDS}-fold CV, mean ± sd)"
print(source)
print(
    f"success rate {y.mean():.2f}: the base rate row scores every record with it, so its "
    f"average precision is the success rate; {N_FOLDS}-fold CV took {elapsed:.0f} s"
)
print(table.to_markdown())

# %%
# Figures: the last fold's training curve, and its test-fold embedding coloured by
# linker and by outcome. The curve sits between the chance value (the encoder
# tells no records apart) and the least value NT-Xent can take at this batch
# size and temperature; the right-hand axis reads how far it has come.
fig = plot_training_curve(emb, title=f"{data_name}: embedder of fold {fold} of {N_FOLDS}")
fig.savefig(OUTPUT / "mof_training_curve.png", dpi=100)

panels = 2 if linker is not None else 1
fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4.5), squeeze=False)
outcome = np.where(y[test] == 1, "yield > 20 %", "yield ≤ 20 %")
if linker is not None:
    plot_embedding(
        Z_test, linker[test], ax=axes[0, 0], legend_title="linker", title="Coloured by linker"
    )
plot_embedding(Z_test, outcome, ax=axes[0, -1], legend_title="outcome", title="Coloured by outcome")
fig.suptitle(f"{data_name}: test-fold embedding of fold {fold} of {N_FOLDS} (PCA)")
fig.tight_layout()
fig.savefig(OUTPUT / "mof_embedding.png", dpi=100)
saved = [shown(OUTPUT / name) for name in ("mof_training_curve.png", "mof_embedding.png")]
progress(f"figures saved to {saved[0]} and {saved[1]}")
