"""Figures for views, training curves, embeddings and similarity matrices.

Needs the ``plot`` extra (matplotlib): ``pip install "skcontrast[plot]"``. Every
function returns the :class:`matplotlib.figure.Figure` it drew on (the figure of
``ax`` when one is given), so scripts can ``fig.savefig(...)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skcontrast.utils._labels import label_codes

try:
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
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


_WAVENUMBER_NAME = re.compile(r"wn_(-?\d+(?:\.\d+)?)")


def _wavenumbers_from_names(names: Sequence[str]) -> np.ndarray | None:
    """The wavenumbers in names such as ``"wn_400.0"`` (``make_spectra(as_frame=True)``)."""
    matches = [_WAVENUMBER_NAME.fullmatch(name) for name in names]
    if not matches or not all(matches):
        return None
    return np.array([float(match.group(1)) for match in matches])


def plot_views(
    X,
    views: Sequence,
    *,
    index: int = 0,
    x_axis=None,
    x_label: str | None = None,
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
        The spectral axis: wavenumbers in cm⁻¹ unless ``x_label`` names
        another. None reads the wavenumbers from the column names of a
        DataFrame ``X`` written as ``make_spectra(as_frame=True)`` writes them
        (``"wn_400.0"``, ...), and otherwise uses the column index.
    x_label : str, default=None
        The x-axis label for spectra. None gives "Wavenumber (cm⁻¹)" when the
        axis is known (``x_axis`` or the column names) and "feature index"
        otherwise.
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
    if x_axis is None and feature_names is not None:
        x_axis = _wavenumbers_from_names(feature_names)
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
        if x_label is None:
            x_label = "Wavenumber (cm⁻¹)" if x_axis is not None else "feature index"
        ax.set_xlabel(x_label)
        ax.set_ylabel("intensity")
        ax.set_title(f"Row {index} and {len(views)} random views")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_training_curve(
    history,
    *,
    loss=None,
    ax=None,
    chance: bool = True,
    lower_bound: bool = True,
    title: str | None = None,
):
    """Plot ``train_loss`` (and ``valid_loss``) per epoch, between chance and the best reachable.

    Two reference lines frame the curve: the loss's chance value (an encoder
    that cannot tell rows apart) and its lower bound (the least value any
    encoder can reach at this batch size and temperature: views of a row
    identical, rows spread as a regular simplex). At a high temperature the
    two are close (for NT-Xent at t = 0.5 and B = 432 rows, 6.76 and 4.76),
    so a right-hand axis reads the loss as the fraction of the way from
    chance (0 %) to the lower bound (100 %), and the legend gives that
    fraction for the last epoch. Both values are averaged over the last
    epoch's batch sizes, weighted by size as skorch's ``train_loss`` is.

    Parameters
    ----------
    history : ContrastiveEmbedder or skorch History
        A fitted embedder (its ``history_``) or a skorch ``History`` whose
        epochs hold ``train_loss`` and ``batches`` with ``train_batch_size``.
    loss : ContrastiveLoss, default=None
        The loss that was trained, for its
        :meth:`~skcontrast.losses.ContrastiveLoss.chance_value` and
        :meth:`~skcontrast.losses.ContrastiveLoss.lower_bound`. None takes
        the fitted embedder's (``net_.criterion_``); with a bare ``History``
        and no loss, the chance line is NT-Xent's log(2B - 1) and there is no
        lower bound (the temperature is unknown).
    ax : matplotlib Axes, default=None
    chance : bool, default=True
        Draw the chance value.
    lower_bound : bool, default=True
        Draw the lower bound and, with ``chance``, the right-hand progress
        axis. Nothing is drawn for a loss whose ``lower_bound`` returns None
        (SupCon's depends on the labels).
    title : str, default=None
        None gives "Training curve"; name the data and the fold, e.g.
        ``"MOF synthesis, fold 2 of 5"``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``history`` is an embedder that is not fitted.

    See Also
    --------
    skcontrast.losses.ContrastiveLoss.lower_bound : The bound and its derivation.

    References
    ----------
    F. Graf, C. Hofer, M. Niethammer and R. Kwitt, "Dissecting Supervised
    Contrastive Learning", ICML 2021: the regular-simplex minimiser behind
    the lower bound.
    """
    if hasattr(history, "fit"):  # an estimator: its history_, once fitted
        check_is_fitted(history, "history_")
        if loss is None:
            loss = getattr(getattr(history, "net_", None), "criterion_", None)
        history = history.history_
    epochs = np.asarray(history[:, "epoch"])
    train = np.asarray(history[:, "train_loss"], dtype=float)
    fig, ax = _axes(ax, (6, 3.8))
    train_line = ax.plot(epochs, train, marker="o", ms=3, label="train loss")[0]
    if "valid_loss" in history[-1]:
        ax.plot(epochs, history[:, "valid_loss"], marker="s", ms=3, label="validation loss")
    from skcontrast.embed._diagnostics import last_batch_sizes, weighted_reference
    from skcontrast.losses import NTXentLoss

    sizes = last_batch_sizes(history)
    # without a loss: NT-Xent's chance value, and no bound (it needs the temperature)
    chance_value = (
        weighted_reference(NTXentLoss() if loss is None else loss, sizes) if chance else None
    )
    bound = weighted_reference(loss, sizes, "lower_bound") if lower_bound else None
    if chance_value is not None:
        what = _formula_text(loss, sizes)
        what = f" ({what})" if what else ""
        ax.axhline(chance_value, ls="--", c="0.5", label=f"chance = {chance_value:.2f}{what}")
    if bound is not None:
        t = getattr(loss, "temperature", None)
        at = f" (τ = {float(t):g})" if t is not None else ""
        ax.axhline(bound, ls=":", c="k", label=f"lower bound = {bound:.2f}{at}")
    if chance_value is not None and bound is not None and chance_value > bound:
        span = chance_value - bound

        def progress(y):
            return 100 * (chance_value - np.asarray(y)) / span

        def loss_of(p):
            return chance_value - np.asarray(p) * span / 100

        right = ax.secondary_yaxis("right", functions=(progress, loss_of))
        right.set_ylabel("% of the way from chance to the bound")
        train_line.set_label(f"train loss (last {train[-1]:.2f}: {progress(train[-1]):.0f} %)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("contrastive loss")
    ax.set_title(title or "Training curve")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def _formula_text(loss, sizes: list[int]) -> str:
    """``log(2·256 - 1)`` for one batch size, the formula and the sizes otherwise."""
    formula = "log(2b - 1)" if loss is None else getattr(loss, "chance_formula", None)
    if formula is None:
        return ""
    distinct = sorted(set(sizes), reverse=True)
    if len(distinct) == 1:
        b = str(distinct[0])
        return re.sub(r"\bb\b", b, re.sub(r"(?<=\d)b\b", "·" + b, formula))
    listed = ", ".join(str(b) for b in distinct[:-1]) + f" and {distinct[-1]}"
    return f"{formula} over batches of b = {listed}"


def plot_embedding(
    Z,
    y=None,
    *,
    method: str = "pca",
    random_state=0,
    ax=None,
    title: str | None = None,
    legend_title: str | None = None,
):
    """Project an embedding to 2-D (PCA or t-SNE) and colour it by label or category.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_components)
    y : array-like of shape (n_samples,), default=None
        Labels or categories (class labels, linker SMILES, solvents...) for
        the colours and the legend; one colour each. A legend of more than
        five entries is drawn beside the axes.
    method : {"pca", "tsne"}, default="pca"
        With PCA the axis labels give each component's share of the
        variance of ``Z`` (``explained_variance_ratio_``).
    random_state : int, default=0
        For t-SNE.
    ax : matplotlib Axes, default=None
    title : str, default=None
    legend_title : str, default=None
        The legend's title; None gives "label".

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``Z`` is not 2-D with at least 2 rows, ``method`` is unknown, or
        ``y`` has a missing value or another length than ``Z``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.plotting import plot_embedding
    >>> Z = np.random.default_rng(0).normal(size=(30, 5)) * [3, 1, 1, 1, 1]
    >>> fig = plot_embedding(Z, np.arange(30) % 2)
    >>> fig.axes[0].get_xlabel()
    'PC 1 (54.3 % of variance)'
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    Z = _dense(Z)
    if Z.ndim != 2 or Z.shape[0] < 2:
        raise ValueError(f"Z must be 2-D with at least 2 rows, got shape {Z.shape}.")
    if method not in ("pca", "tsne"):
        raise ValueError(f'method must be "pca" or "tsne", got {method!r}.')
    axis_names = None
    if Z.shape[1] == 1:
        P = np.column_stack([Z[:, 0], np.zeros(len(Z))])
    elif method == "pca":
        pca = PCA(n_components=2)
        P = pca.fit_transform(Z)
        axis_names = [
            f"PC {i + 1} ({100 * share:.1f} % of variance)"
            for i, share in enumerate(pca.explained_variance_ratio_)
        ]
    else:
        perplexity = min(30.0, (Z.shape[0] - 1) / 3)
        P = TSNE(n_components=2, perplexity=perplexity, random_state=random_state).fit_transform(Z)
        axis_names = ["t-SNE 1", "t-SNE 2"]
    fig, ax = _axes(ax, (4.5, 4))
    if y is None:
        ax.scatter(P[:, 0], P[:, 1], s=10)
    else:
        y = np.asarray(y)
        if y.shape[0] != Z.shape[0]:
            raise ValueError(f"y has {y.shape[0]} labels for {Z.shape[0]} rows.")
        codes = label_codes(y)  # names missing and mixed-type labels
        n_codes = codes.max() + 1
        colours = plt.get_cmap("tab10" if n_codes <= 10 else "tab20")
        for code in range(n_codes):
            mask = codes == code
            label = y[mask][0]
            ax.scatter(P[mask, 0], P[mask, 1], s=10, color=colours(code % 20), label=str(label))
        where = {"loc": "center left", "bbox_to_anchor": (1.02, 0.5)} if n_codes > 5 else {}
        ax.legend(fontsize="small", title=legend_title or "label", **where)
    if Z.shape[1] == 1:  # nothing to project: the one component, on a line
        ax.set_xlabel("component 1")
        ax.set_yticks([])
        ax.set_title(title or "Embedding (1 component)")
    else:
        ax.set_xlabel(axis_names[0])
        ax.set_ylabel(axis_names[1])
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
