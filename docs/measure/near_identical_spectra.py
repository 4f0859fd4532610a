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


def chemometric():
    """SNV, Savitzky-Golay first derivative, column standardisation."""
    return [FunctionTransformer(snv), FunctionTransformer(savgol_derivative), StandardScaler()]


def run(name, preprocess, X, y, views) -> dict:
    """Train the embedder on ``preprocess(X)``; return its final loss, chance, warning, probe."""
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
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    return {
        "input": name,
        "final_loss": float(embedder.history_[-1, "train_loss"]),
        "chance": math.log(2 * len(X) - 1),
        "warned": any("chance value" in str(w.message) for w in caught),
        "probe": float(cross_val_score(LogisticRegression(max_iter=2000), Z, y, cv=cv).mean()),
    }


def baseline(steps, X, y) -> float:
    """5-fold accuracy of a logistic regression after ``steps``, on the same split."""
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    model = make_pipeline(*steps, LogisticRegression(max_iter=2000))
    return float(cross_val_score(model, X, y, cv=cv).mean())


def measure() -> dict:
    """All the numbers of the recipe: the three embedder runs and the two baselines."""
    X, y = near_identical_spectra()
    return {
        "shape": X.shape,
        "runs": [
            run("raw spectra, mild views", [], X, y, MILD),
            run("raw spectra, lab-variability views", [], X, y, LAB),
            run("SNV + SG + scaling, mild views", chemometric(), X, y, MILD),
        ],
        "baseline_raw": baseline([StandardScaler()], X, y),
        "baseline_chemometric": baseline(chemometric(), X, y),
    }


def rst_table(result: dict) -> str:
    """The runs as a reST simple table."""
    widths = (34, 10, 9, 6, 5)
    rule = "  ".join("=" * w for w in widths)
    header = ("Input to the embedder", "Final loss", "log(2B-1)", "Warned", "Probe")
    lines = [rule, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), rule]
    for r in result["runs"]:
        cells = (r["input"], f"{r['final_loss']:.3f}", f"{r['chance']:.3f}",
                 "yes" if r["warned"] else "no", f"{r['probe']:.3f}")
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
    lines.append(rule)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    result = measure()
    print(f"{result['shape'][0]} spectra x {result['shape'][1]} points, 2 origins")
    print(rst_table(result))
    print(f"baseline: standardised raw spectra + LogReg  {result['baseline_raw']:.3f}")
    print(f"baseline: SNV + SG + scaling + LogReg        {result['baseline_chemometric']:.3f}")
