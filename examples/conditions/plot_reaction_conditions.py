"""
Embedding 4-D reaction conditions: probe, ROC and precision-recall
==================================================================

Lecture 18's reaction-conditions data: temperature 25-150 °C, concentration,
current and time, with a graded success label. Views mimic the lab: each
setpoint is jittered as a thermostat, a balance and a power supply would
(``T ± 2 °C``, ``conc ± 3 %``, ``current ± 5 mA``, ``time ± 5 %``), clipped to the
physical ranges. A :class:`~skcontrast.ContrastiveEmbedder` learns from those
views without labels; a logistic-regression probe on the frozen embedding is
compared with the same probe on the raw (standardised) conditions, on the same
held-out split. The script prints the table and saves the ROC and PR curves.

Set ``SKCONTRAST_FAST=1`` for a quick run (fewer rows and epochs).
"""

# %%
# Data and views
# --------------
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    PrecisionRecallDisplay,
    RocCurveDisplay,
    accuracy_score,
    average_precision_score,
    f1_score,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast import ConditionJitter, ContrastiveEmbedder, make_reaction_conditions, make_views
from skcontrast.plotting import plot_embedding, plot_training_curve, plot_views

FAST = os.environ.get("SKCONTRAST_FAST") == "1"
OUTPUT = Path(os.environ.get("SKCONTRAST_OUTPUT", "output"))
OUTPUT.mkdir(parents=True, exist_ok=True)


def shown(path: Path) -> str:
    """A saved file as the reader can find it, never as an absolute path: relative to the
    working folder when it lies inside it, else its name in the SKCONTRAST_OUTPUT folder."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return f"{path.name} (in the folder SKCONTRAST_OUTPUT names)"


X, y = make_reaction_conditions(400 if FAST else 1500, random_state=0, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)

# Lab variability in physical units: absolute jitter for T and current, relative
# jitter for concentration and time, clipped to the ranges of the experiment.
views = ConditionJitter(
    std=[2.0, 0.0, 5.0, 0.0],
    relative_std=[0.0, 0.03, 0.0, 0.05],
    bounds=[(25, 150), (0.05, 1.2), (10, 200), (0.2, 8.0)],
    random_state=0,
)
fig = plot_views(
    X.to_numpy()[:, :2],
    [v.to_numpy()[:, :2] for v in make_views(views.fit(X), X, n_views=2)],
    feature_names=["temperature / °C", "concentration / M"],
)
fig.savefig(OUTPUT / "conditions_views.png", dpi=100)

# %%
# Pretrain on the physical views, probe on the frozen embedding
# -------------------------------------------------------------
# The jitter acts on the raw conditions, so the embedder sees them before
# scaling; the encoder's first layer learns the scales. A small MLP suits 1 000+
# rows (DESIGN.md recipe: one hidden layer, temperature 0.1-0.2).
embedder = ContrastiveEmbedder(
    augmenter=views,
    hidden_dims=(64,),
    n_components=16,
    temperature=0.2,
    batch_size=256,
    max_epochs=10 if FAST else 60,
    random_state=0,
)
models = {
    "raw conditions + LogReg": make_pipeline(StandardScaler(), LogisticRegression()),
    # the default views: ConditionJitter(std=0.1) in standardised units
    "z-space views + probe": make_pipeline(
        StandardScaler(), clone(embedder).set_params(augmenter=None), LogisticRegression()
    ),
    "physical views + probe": make_pipeline(embedder, StandardScaler(), LogisticRegression()),
}
rows, curves = [], {}
for name, model in models.items():
    model.fit(X_train, y_train)
    proba = model.predict_proba(X_test)[:, 1]
    pred = (proba > 0.5).astype(int)
    curves[name] = proba
    rows.append(
        {
            "model": name,
            "ROC AUC": roc_auc_score(y_test, proba),
            "average precision": average_precision_score(y_test, proba),
            "accuracy": accuracy_score(y_test, pred),
            "F1": f1_score(y_test, pred),
        }
    )
table = pd.DataFrame(rows).set_index("model")
print(f"Reaction conditions: {len(X_train)} training / {len(X_test)} test rows")
print(table.to_markdown(floatfmt=".3f"))

# %%
# Curves and the embedding
# ------------------------
fig, (ax_roc, ax_pr) = plt.subplots(1, 2, figsize=(9, 4))
for name, proba in curves.items():
    RocCurveDisplay.from_predictions(y_test, proba, name=name, ax=ax_roc)
    PrecisionRecallDisplay.from_predictions(y_test, proba, name=name, ax=ax_pr)
ax_roc.set_title("ROC, held-out conditions")
ax_pr.set_title("Precision-recall, held-out conditions")
fig.tight_layout()
fig.savefig(OUTPUT / "conditions_roc_pr.png", dpi=100)

fitted = models["physical views + probe"][0]
plot_training_curve(fitted).savefig(OUTPUT / "conditions_training_curve.png", dpi=100)
fig = plot_embedding(fitted.transform(X_test), y_test.to_numpy(), title="Embedding of test rows")
fig.savefig(OUTPUT / "conditions_embedding.png", dpi=100)
print(f"figures saved to {shown(OUTPUT / 'conditions_*.png')}")
