"""
Spectra: 12 labels per class, a contrastive probe, and retrieval
================================================================

Lecture 18's IR-like spectra: three classes whose peaks sit a few tens of
wavenumbers apart, each spectrum with its own peak jitter, recorded with the
nuisances of real measurements (intensity scale, a sloped baseline, noise).
Views mimic
the instrument: a small shift and stretch of the axis, a baseline tilt,
intensity scaling, noise and a dropped band, then min-max normalisation
(:class:`~skcontrast.SpectrumAugmenter`). The embedder learns from all spectra
without labels; a linear probe then sees only 12 labelled spectra per class.
It is compared, on the same unlabelled test spectra, with the same probe on the
raw spectra and on the chemometric baseline a spectroscopist would pick (SNV,
Savitzky-Golay first derivative, standardisation). Finally a new spectrum is
matched to its 5 most similar library spectra by cosine similarity.

Set ``SKCONTRAST_FAST=1`` for a quick run.
"""

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
from scipy.signal import savgol_filter
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skcontrast import (
    ContrastiveEmbedder,
    CosineRetriever,
    SpectrumAugmenter,
    make_spectra,
    make_views,
)
from skcontrast.metrics import neighbor_label_agreement
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


N_LABELLED = 12


def minmax_rows(X):
    X = np.asarray(X, dtype=float)
    low, high = X.min(axis=1, keepdims=True), X.max(axis=1, keepdims=True)
    return (X - low) / np.where(high - low > 0, high - low, 1.0)


def snv(X):
    X = np.asarray(X, dtype=float)
    return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)


def first_derivative(X):
    return savgol_filter(X, window_length=15, polyorder=2, deriv=1, axis=1)


# %%
# Spectra, labels for 12 per class, and the views
MEASUREMENT = {"center_jitter": 15.0, "noise_std": 0.1, "baseline_std": 1.0, "scale_std": 0.3}
X, y, wavenumbers = make_spectra(
    40 if FAST else 150, 3, **MEASUREMENT, random_state=0, return_wavenumbers=True
)
rng = np.random.default_rng(0)
labelled = np.concatenate(
    [rng.choice(np.flatnonzero(y == k), N_LABELLED, replace=False) for k in range(3)]
)
test = np.setdiff1d(np.arange(len(y)), labelled)

views = SpectrumAugmenter(
    noise_std=0.05,
    scale_std=0.2,
    baseline_slope_std=0.0005,
    baseline_offset_std=0.1,
    max_shift=4,
    stretch_std=0.01,
    band_dropout_prob=0.5,
    band_max_width=35,
    normalize="minmax",
    random_state=0,
)
X_norm = minmax_rows(X)
fig = plot_views(X_norm, make_views(views.fit(X_norm), X_norm, n_views=2), x_axis=wavenumbers)
fig.savefig(OUTPUT / "spectra_views.png", dpi=100)

# %%
# Pretrain without labels (DESIGN.md's small-data recipe: a linear encoder,
# 16 components, the whole set in one batch, temperature 0.5), then probe.
embed = make_pipeline(
    FunctionTransformer(minmax_rows),
    ContrastiveEmbedder(
        augmenter=views,
        hidden_dims=(),
        n_components=16,
        batch_size=len(X),
        temperature=0.5,
        max_epochs=40 if FAST else 150,
        random_state=0,
    ),
).fit(X)
Z = embed.transform(X)

probes = {
    "raw spectra + LogReg": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
    "SNV + SG derivative + LogReg": make_pipeline(
        FunctionTransformer(snv),
        FunctionTransformer(first_derivative),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    ),
}
rows = []
for name, model in probes.items():
    model.fit(X[labelled], y[labelled])
    rows.append({"model": name, "accuracy": accuracy_score(y[test], model.predict(X[test]))})
probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
probe.fit(Z[labelled], y[labelled])
rows.append(
    {"model": "contrastive probe", "accuracy": accuracy_score(y[test], probe.predict(Z[test]))}
)
agreement = {
    "raw spectra + LogReg": neighbor_label_agreement(X, y, k=5),
    "SNV + SG derivative + LogReg": neighbor_label_agreement(first_derivative(snv(X)), y, k=5),
    "contrastive probe": neighbor_label_agreement(Z, y, k=5),
}
_, chance = neighbor_label_agreement(Z, y, k=5, return_chance=True)
table = pd.DataFrame(rows).set_index("model")
table["5-NN label agreement"] = pd.Series(agreement)
print(f"Spectra: {N_LABELLED} labels per class, {len(test)} test spectra, 3 classes")
print(table.to_markdown(floatfmt=".3f"))
print(f"(5-NN agreement of random picks: {chance:.3f})")

# %%
# Which past spectra look like a new one?
X_new, y_new = make_spectra(1, 3, **MEASUREMENT, random_state=123)
retriever = CosineRetriever(n_neighbors=5).fit(Z)
similarity, index = retriever.retrieve(embed.transform(X_new[1:2]))
hits = pd.DataFrame(
    {"library row": index[0], "cosine similarity": similarity[0], "class": y[index[0]]}
)
print(f"5 nearest library spectra to a new class-{y_new[1]} spectrum:")
print(hits.to_markdown(index=False, floatfmt=(".0f", ".3f", ".0f")))

plot_training_curve(embed[-1]).savefig(OUTPUT / "spectra_training_curve.png", dpi=100)
plot_embedding(Z, y, title="Spectra embedding").savefig(OUTPUT / "spectra_embedding.png", dpi=100)
print(f"figures saved to {shown(OUTPUT / 'spectra_*.png')}")
