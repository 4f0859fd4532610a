"""Measure the "near-identical spectra" recipe of the user guide.

Makes 120 IR-like spectra of one material from two origins (the origins differ
by one small peak), with per-sample intensity scale and baseline that dominate
the differences, then trains the same ContrastiveEmbedder (linear encoder,
whole-set batch) on the raw spectra and on SNV -> Savitzky-Golay first
derivative -> StandardScaler. It prints the final training loss against its
chance value log(2B - 1), whether the embedder warned, and the 5-fold accuracy
of a LogisticRegression probe on each embedding and on the preprocessed
features. Run from the repository root:

    PYTHONPATH=. python docs/measure/near_identical_spectra.py
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.signal import savgol_filter
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skcontrast.augment import SpectrumAugmenter
from skcontrast.embed import ContrastiveEmbedder


def snv(X):
    X = np.asarray(X, dtype=float)
    return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)


def savgol_derivative(X):
    return savgol_filter(X, window_length=15, polyorder=2, deriv=1, axis=1)


def near_identical_spectra(n_per_origin=60, n_points=300, seed=0):
    rng = np.random.default_rng(seed)
    axis = np.linspace(0.0, 1.0, n_points)

    def peak(centre, width, height):
        return height * np.exp(-0.5 * ((axis - centre) / width) ** 2)

    base = peak(0.2, 0.02, 1.0) + peak(0.45, 0.03, 0.6) + peak(0.7, 0.015, 0.8)
    X, y = [], []
    for origin in (0, 1):
        for _ in range(n_per_origin):
            s = base * (1 + rng.normal(0, 0.03, size=1))
            s = s + peak(0.58, 0.01, 0.04 if origin else 0.0)  # the origin's marker
            s = s + peak(rng.uniform(0.1, 0.9), 0.01, 0.03)  # what makes a sample itself
            s = s * rng.uniform(0.7, 1.3) + rng.normal(0, 0.3) + rng.normal(0, 0.3) * axis
            X.append(s + rng.normal(0, 0.002, n_points))
            y.append(origin)
    return np.asarray(X), np.asarray(y)


MILD = dict(noise_std=0.002, scale_std=0.05)
# views whose intensity and baseline vary as much as the samples' own do
LAB = dict(noise_std=0.002, scale_std=0.2, baseline_offset_std=0.3, baseline_slope_std=0.3)


def run(name, preprocess, X, y, views):
    embedder = ContrastiveEmbedder(
        hidden_dims=(),
        n_components=16,
        projection_dim=16,
        augmenter=SpectrumAugmenter(**views, random_state=0),
        temperature=0.5,
        batch_size=len(X),
        max_epochs=200,
        lr=1e-2,
        device="cpu",
        random_state=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Z = make_pipeline(*preprocess, embedder).fit_transform(X)
    warned = any("chance value" in str(w.message) for w in caught)
    final = embedder.history_[-1, "train_loss"]
    chance = math.log(2 * len(X) - 1)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    probe = cross_val_score(LogisticRegression(max_iter=2000), Z, y, cv=cv).mean()
    print(f"{name:<34}{final:>12.3f}{chance:>10.3f}{warned!s:>8}{probe:>10.3f}")


if __name__ == "__main__":
    X, y = near_identical_spectra()
    print(f"{X.shape[0]} spectra x {X.shape[1]} points, 2 origins")
    header = ("input to the embedder", "final loss", "log(2B-1)", "warned", "probe")
    print(f"{header[0]:<34}{header[1]:>12}{header[2]:>10}{header[3]:>8}{header[4]:>10}")
    run("raw spectra, mild views", [], X, y, MILD)
    run("raw spectra, lab-variability views", [], X, y, LAB)
    chemometric = [FunctionTransformer(snv), FunctionTransformer(savgol_derivative),
                   StandardScaler()]
    run("SNV + SG + scaling, mild views", chemometric, X, y, MILD)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    for name, steps in [("raw features, LogReg", [StandardScaler()]),
                        ("SNV + SG + scaling, LogReg", chemometric)]:
        acc = cross_val_score(make_pipeline(*steps, LogisticRegression(max_iter=2000)), X, y,
                              cv=cv).mean()
        print(f"baseline: {name:<30}{acc:>10.3f}")
