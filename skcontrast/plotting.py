"""Figures for views, training curves, embeddings and similarity matrices.

Needs the ``plot`` extra (matplotlib): ``pip install "skcontrast[plot]"``. Every
function returns the :class:`matplotlib.figure.Figure` it drew on (the figure of
``ax`` when one is given), so scripts can ``fig.savefig(...)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skcontrast.utils._labels import label_codes

try:
    import matplotlib.pyplot as plt
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "skcontrast.plotting needs matplotlib: install the plot extra with "
        '`pip install "skcontrast[plot]"`.'
    ) from exc

__all__ = ["plot_embedding", "plot_similarity_matrix", "plot_training_curve", "plot_views"]


def _axes(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def _dense(X) -> np.ndarray:
    if hasattr(X, "toarray"):
        X = X.toarray()
    return np.asarray(X, dtype=float)


def plot_views(
    X,
    views: Sequence,
    *,
    index: int = 0,
    x_axis=None,
    feature_names: Sequence[str] | None = None,
    n_points: int = 20,
    ax=None,
):
    """Show originals next to their random views.

    Spectra (more than 2 features): row ``index`` of ``X`` and the same row of
    each view as lines against ``x_axis``. Two features (2-D conditions): the
    first ``n_points`` rows as black dots and each view of them as coloured
    dots joined to their original, so the jitter is visible in physical units.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The originals.
    views : sequence of array-like of shape (n_samples, n_features)
        For example ``make_views(augmenter, X, n_views=2)``.
    index : int, default=0
        The row shown for spectra.
    x_axis : array-like of shape (n_features,), default=None
        Wavenumbers (or any axis) for spectra; None uses the column index.
    feature_names : sequence of str, default=None
        Axis labels for 2-D conditions; None uses the columns of a DataFrame X.
    n_points : int, default=20
        Rows shown for 2-D conditions.
    ax : matplotlib Axes, default=None

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.plotting import plot_views
    >>> X = np.zeros((3, 50)); views = [X + 0.1, X - 0.1]
    >>> fig = plot_views(X, views)
    >>> len(fig.axes[0].lines)
    3
    """
    if feature_names is None and hasattr(X, "columns"):
        feature_names = [str(c) for c in X.columns]
    X = _dense(X)
    views = [_dense(v) for v in views]
    for i, view in enumerate(views):
        if view.shape != X.shape:
            raise ValueError(f"views[{i}] has shape {view.shape}; X has shape {X.shape}.")
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"X must be 2-D with at least 2 features, got shape {X.shape}.")
    if X.shape[1] == 2:
        fig, ax = _axes(ax, (4.5, 4))
        rows = np.arange(min(n_points, X.shape[0]))
        for k, view in enumerate(views):
            for r in rows:
                ax.plot(*zip(X[r], view[r], strict=True), color="0.8", lw=0.8, zorder=1)
            ax.scatter(view[rows, 0], view[rows, 1], s=14, label=f"view {k + 1}", zorder=2)
        ax.scatter(X[rows, 0], X[rows, 1], s=18, c="k", label="original", zorder=3)
        names = ("feature 0", "feature 1") if feature_names is None else list(feature_names)
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        ax.set_title("Originals and their views")
    else:
        if not 0 <= index < X.shape[0]:
            raise ValueError(f"index={index} is out of range for {X.shape[0]} rows.")
        fig, ax = _axes(ax, (7, 3.5))
        axis = np.arange(X.shape[1]) if x_axis is None else np.asarray(x_axis)
        if axis.shape != (X.shape[1],):
            raise ValueError(f"x_axis must have {X.shape[1]} values, got shape {axis.shape}.")
        ax.plot(axis, X[index], color="k", lw=1.6, label="original")
        for k, view in enumerate(views):
            ax.plot(axis, view[index], lw=1.0, alpha=0.85, label=f"view {k + 1}")
        ax.set_xlabel("wavenumber" if x_axis is not None else "feature index")
        ax.set_ylabel("intensity")
        ax.set_title(f"Row {index} and {len(views)} random views")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_training_curve(history, *, ax=None, chance: bool = True):
    """Plot ``train_loss`` (and ``valid_loss``) per epoch.

    Parameters
    ----------
    history : ContrastiveEmbedder or skorch History
        A fitted embedder (its ``history_``) or a skorch ``History``.
    ax : matplotlib Axes, default=None
    chance : bool, default=True
        Draw the NT-Xent chance level log(2B - 1) for the first batch size B, the
        value at which the encoder has learned nothing.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if hasattr(history, "fit"):  # an estimator: its history_, once fitted
        check_is_fitted(history, "history_")
        history = history.history_
    epochs = np.asarray(history[:, "epoch"])
    fig, ax = _axes(ax, (5, 3.5))
    ax.plot(epochs, history[:, "train_loss"], marker="o", ms=3, label="train loss")
    if "valid_loss" in history[-1]:
        ax.plot(epochs, history[:, "valid_loss"], marker="s", ms=3, label="validation loss")
    if chance:
        try:
            batch = history[0, "batches", 0, "train_batch_size"]
        except (KeyError, IndexError):
            batch = None
        if batch and batch > 1:
            ax.axhline(math.log(2 * batch - 1), ls="--", c="0.5", label=f"chance log(2·{batch}-1)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("contrastive loss")
    ax.set_title("Training curve")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_embedding(Z, y=None, *, method: str = "pca", random_state=0, ax=None, title=None):
    """Project an embedding to 2-D (PCA or t-SNE) and colour it by label.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_components)
    y : array-like of shape (n_samples,), default=None
        Labels for colours and a legend.
    method : {"pca", "tsne"}, default="pca"
    random_state : int, default=0
        For t-SNE.
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.plotting import plot_embedding
    >>> Z = np.random.default_rng(0).normal(size=(30, 5))
    >>> fig = plot_embedding(Z, np.arange(30) % 2)
    >>> fig.axes[0].get_xlabel()
    'PC 1'
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    Z = _dense(Z)
    if Z.ndim != 2 or Z.shape[0] < 2:
        raise ValueError(f"Z must be 2-D with at least 2 rows, got shape {Z.shape}.")
    if method not in ("pca", "tsne"):
        raise ValueError(f'method must be "pca" or "tsne", got {method!r}.')
    if Z.shape[1] == 1:
        P = np.column_stack([Z[:, 0], np.zeros(len(Z))])
    elif method == "pca":
        P = PCA(n_components=2).fit_transform(Z)
    else:
        perplexity = min(30.0, (Z.shape[0] - 1) / 3)
        P = TSNE(n_components=2, perplexity=perplexity, random_state=random_state).fit_transform(Z)
    fig, ax = _axes(ax, (4.5, 4))
    if y is None:
        ax.scatter(P[:, 0], P[:, 1], s=10)
    else:
        y = np.asarray(y)
        if y.shape[0] != Z.shape[0]:
            raise ValueError(f"y has {y.shape[0]} labels for {Z.shape[0]} rows.")
        codes = label_codes(y)  # names missing and mixed-type labels
        for code in range(codes.max() + 1):
            mask = codes == code
            label = y[mask][0]
            ax.scatter(P[mask, 0], P[mask, 1], s=10, label=str(label))
        ax.legend(fontsize="small", title="label")
    if Z.shape[1] == 1:  # nothing to project: the one component, on a line
        ax.set_xlabel("component 1")
        ax.set_yticks([])
        ax.set_title(title or "Embedding (1 component)")
    else:
        prefix = "PC" if method == "pca" else "t-SNE"
        ax.set_xlabel(f"{prefix} 1")
        ax.set_ylabel(f"{prefix} 2")
        ax.set_title(title or f"Embedding ({method.upper()})")
    fig.tight_layout()
    return fig


def plot_similarity_matrix(Z1, Z2=None, *, ax=None, title=None):
    """Heatmap of cosine similarities between the rows of ``Z1`` and ``Z2``.

    With two views of the same rows, a bright diagonal means positives are found.

    Parameters
    ----------
    Z1 : array-like of shape (n1, d)
    Z2 : array-like of shape (n2, d), default=None
        None compares ``Z1`` with itself.
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    matplotlib.figure.Figure
    """
    A = _dense(Z1)
    B = A if Z2 is None else _dense(Z2)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1]:
        raise ValueError(f"Z1 and Z2 must be 2-D with equal widths, got {A.shape} and {B.shape}.")
    norm_a = np.linalg.norm(A, axis=1, keepdims=True)
    norm_b = np.linalg.norm(B, axis=1, keepdims=True)
    S = (A / np.where(norm_a == 0, 1, norm_a)) @ (B / np.where(norm_b == 0, 1, norm_b)).T
    fig, ax = _axes(ax, (4.5, 4))
    image = ax.imshow(S, vmin=-1, vmax=1, cmap="RdBu_r")
    fig.colorbar(image, ax=ax, label="cosine similarity")
    ax.set_xlabel("rows of Z2" if Z2 is not None else "rows")
    ax.set_ylabel("rows of Z1" if Z2 is not None else "rows")
    ax.set_title(title or "Cosine similarity")
    fig.tight_layout()
    return fig
