"""
Grid search over temperature and size, then a pickled model reused
===================================================================

The embedder is an ordinary scikit-learn step, so ``GridSearchCV`` tunes its
temperature and embedding size through the pipeline (``embed__temperature``,
``embed__n_components``), with the downstream probe's accuracy as the score.
The best pipeline is pickled, loaded back as it would be next month, and gives
identical predictions. The embedder can also be selected without labels: its
own ``score`` is minus the contrastive loss on fixed-seed views.

Set ``SKCONTRAST_FAST=1`` for a quick run.
"""

# %%
import os
import pickle
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast import ConditionJitter, ContrastiveEmbedder, make_reaction_conditions

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


X, y = make_reaction_conditions(300 if FAST else 1000, random_state=1)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        (
            "embed",
            ContrastiveEmbedder(
                augmenter=ConditionJitter(std=0.1, mask_prob=0.05),
                hidden_dims=(64,),
                max_epochs=5 if FAST else 40,
                random_state=0,
            ),
        ),
        ("probe", LogisticRegression()),
    ]
)
grid = {"embed__temperature": [0.1, 0.5], "embed__n_components": [4, 16]}
search = GridSearchCV(pipe, grid, cv=3, scoring="roc_auc").fit(X_train, y_train)

# %%
# The grid, best first
results = pd.DataFrame(search.cv_results_)
table = (
    results[
        [
            "param_embed__temperature",
            "param_embed__n_components",
            "mean_test_score",
            "std_test_score",
            "mean_fit_time",
        ]
    ]
    .rename(
        columns=lambda c: (
            c.replace("param_embed__", "")
            .replace("mean_test_score", "CV AUC")
            .replace("std_test_score", "sd")
            .replace("mean_fit_time", "fit s")
        )
    )
    .sort_values("CV AUC", ascending=False)
    .reset_index(drop=True)
)
print("GridSearchCV over the embedder inside the pipeline (3-fold ROC AUC)")
print(table.to_markdown(floatfmt=("", ".2f", ".0f", ".3f", ".3f", ".2f")))

# %%
# Pickle the best pipeline, load it back, reuse it
path = OUTPUT / "best_reaction_model.pkl"
with open(path, "wb") as handle:
    pickle.dump(search.best_estimator_, handle)
with open(path, "rb") as handle:
    reloaded = pickle.load(handle)
same = np.array_equal(search.best_estimator_.predict_proba(X_test), reloaded.predict_proba(X_test))
print(
    f"best: {search.best_params_}; held-out AUC of the reloaded model: "
    f"{search.score(X_test, y_test):.3f}; predictions identical after pickling: {same}"
)

# %%
# Label-free selection: the embedder's own score (minus the contrastive loss)
unsupervised = GridSearchCV(pipe.named_steps["embed"], {"hidden_dims": [(16,), (64,)]}, cv=3).fit(
    StandardScaler().fit_transform(X_train)
)
print(
    f"label-free choice of hidden_dims: {unsupervised.best_params_['hidden_dims']} "
    f"(score {unsupervised.best_score_:.3f})"
)

fig, ax = plt.subplots(figsize=(4.5, 3.5))
for n_comp, part in table.groupby("n_components"):
    part = part.sort_values("temperature")
    ax.errorbar(
        part["temperature"],
        part["CV AUC"],
        yerr=part["sd"],
        marker="o",
        label=f"n_components={n_comp}",
        capsize=3,
    )
ax.set_xscale("log")
ax.set_xlabel("temperature")
ax.set_ylabel("3-fold ROC AUC of the probe")
ax.legend()
fig.tight_layout()
fig.savefig(OUTPUT / "grid_search.png", dpi=100)
print(f"model pickled to {shown(path)}; figure saved to {shown(OUTPUT / 'grid_search.png')}")
