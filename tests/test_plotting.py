"""Each plotting function returns a Figure (Agg backend) and rejects bad shapes."""

import matplotlib

matplotlib.use("Agg")

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.exceptions import NotFittedError

from skcontrast.plotting import (
    plot_embedding,
    plot_similarity_matrix,
    plot_training_curve,
    plot_views,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    matplotlib.pyplot.close("all")


def test_plot_views_spectra_and_conditions():
    rng = np.random.default_rng(0)
    spectra = rng.normal(size=(4, 60))
    fig = plot_views(spectra, [spectra + 0.1, spectra - 0.1], x_axis=np.linspace(400, 1800, 60))
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 3
    cond = rng.normal(size=(30, 2))
    fig2 = plot_views(cond, [cond + 0.05], feature_names=["T / °C", "c / M"], n_points=5)
    assert isinstance(fig2, Figure) and fig2.axes[0].get_xlabel() == "T / °C"
    frame = pd.DataFrame(cond, columns=["T", "c"])
    for names in (None, frame.columns, np.array(["T", "c"])):  # names from X or array-like
        ax = plot_views(frame, [frame + 0.05], feature_names=names).axes[0]
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("T", "c")
    with pytest.raises(ValueError, match="views\\[0\\]"):
        plot_views(cond, [cond[:3]])
    with pytest.raises(ValueError, match="x_axis"):
        plot_views(spectra, [spectra], x_axis=np.arange(3))


def _legend(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def _secondary_axes(ax) -> list:
    return list(ax.child_axes)


@pytest.fixture(scope="module")
def fitted_embedder():
    from skcontrast.embed import ContrastiveEmbedder

    X = np.random.default_rng(0).normal(size=(40, 3))
    emb = ContrastiveEmbedder(
        hidden_dims=(4,),
        n_components=2,
        max_epochs=3,
        batch_size=15,
        temperature=0.5,
        validation_fraction=0.25,
        device="cpu",
        random_state=0,
    )
    with pytest.warns(UserWarning):  # 3 epochs: near chance
        emb.fit(X)
    return emb


def test_plot_training_curve_from_embedder(fitted_embedder):
    from skcontrast.embed import ContrastiveEmbedder

    fig = plot_training_curve(fitted_embedder)
    assert isinstance(fig, Figure)
    with pytest.raises(NotFittedError):
        plot_training_curve(ContrastiveEmbedder())
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.lines]
    assert labels[0].startswith("train loss") and labels[1] == "validation loss"
    assert ax.get_title() == "Training curve"
    # 30 training rows in batches of 15: chance log(29) and the NT-Xent bound at t = 0.5
    loss = fitted_embedder.net_.criterion_
    chance, bound = loss.chance_value(15), loss.lower_bound(15)
    assert bound == pytest.approx(math.log(1 + 28 * math.exp(-15 / (14 * 0.5))))
    assert _legend(ax)[2:] == [
        f"chance = {chance:.2f} (log(2·15 - 1))",
        f"lower bound = {bound:.2f} (τ = 0.5)",
    ]
    assert ax.lines[2].get_ydata()[0] == pytest.approx(chance)
    assert ax.lines[3].get_ydata()[0] == pytest.approx(bound)
    # the last epoch's place between chance (0 %) and the bound (100 %)
    last = fitted_embedder.history_[-1, "train_loss"]
    percent = 100 * (chance - last) / (chance - bound)
    assert labels[0] == f"train loss (last {last:.2f}: {percent:.0f} %)"
    (right,) = _secondary_axes(ax)
    assert right.get_ylabel() == "% of the way from chance to the bound"


def test_plot_training_curve_title_and_switches(fitted_embedder):
    ax = plot_training_curve(fitted_embedder, title="MOF synthesis, fold 2 of 5").axes[0]
    assert ax.get_title() == "MOF synthesis, fold 2 of 5"
    ax = plot_training_curve(fitted_embedder, lower_bound=False).axes[0]
    assert not _secondary_axes(ax) and not any("bound" in t for t in _legend(ax))
    ax = plot_training_curve(fitted_embedder, chance=False).axes[0]
    assert not _secondary_axes(ax) and not any("chance" in t for t in _legend(ax))
    assert any("lower bound" in t for t in _legend(ax))


def test_plot_training_curve_from_history_and_other_losses(fitted_embedder):
    from skcontrast.losses import InfoNCELoss, SupConLoss

    history = fitted_embedder.history_
    ax = plot_training_curve(history).axes[0]  # temperature unknown: chance only
    assert _legend(ax)[2:] == [f"chance = {math.log(29):.2f} (log(2·15 - 1))"]
    assert not _secondary_axes(ax)
    info = InfoNCELoss(temperature=0.2)
    ax = plot_training_curve(history, loss=info).axes[0]
    assert _legend(ax)[2:] == [
        f"chance = {math.log(15):.2f} (log(15))",
        f"lower bound = {info.lower_bound(15):.2f} (τ = 0.2)",
    ]
    ax = plot_training_curve(history, loss=SupConLoss()).axes[0]  # neither is known
    assert _legend(ax)[1:] == ["validation loss"] and not _secondary_axes(ax)


def test_spectra_are_drawn_against_wavenumbers_in_cm():
    from skcontrast.datasets import make_spectra

    X, _, wavenumbers = make_spectra(2, 3, n_points=80, random_state=0, return_wavenumbers=True)
    ax = plot_views(X, [X + 0.1], x_axis=wavenumbers).axes[0]
    assert ax.get_xlabel() == "Wavenumber (cm⁻¹)"
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), wavenumbers)
    ax = plot_views(X, [X + 0.1]).axes[0]  # the axis is not known
    assert ax.get_xlabel() == "feature index"
    frame, _ = make_spectra(2, 3, n_points=80, random_state=0, as_frame=True)
    ax = plot_views(frame, [frame + 0.1]).axes[0]  # read from the columns wn_400.0, ...
    assert ax.get_xlabel() == "Wavenumber (cm⁻¹)"
    np.testing.assert_allclose(ax.lines[0].get_xdata(), wavenumbers, atol=0.05)
    nm = np.linspace(900, 1700, 80)
    ax = plot_views(X, [X + 0.1], x_axis=nm, x_label="Wavelength (nm)").axes[0]
    assert ax.get_xlabel() == "Wavelength (nm)"


def test_plot_embedding_gives_the_explained_variance_and_colours_categories():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    Z = rng.normal(size=(60, 6)) * [4.0, 2.0, 1.0, 1.0, 0.5, 0.5]
    linkers = np.array(["O=C(O)c1ccc(cc1)C(=O)O", "c1ccc2[nH]cnc2c1", "Cc1ncc[nH]1"] * 20)
    ax = plot_embedding(Z, linkers, legend_title="linker").axes[0]
    shares = PCA(n_components=2).fit(Z).explained_variance_ratio_
    assert ax.get_xlabel() == f"PC 1 ({100 * shares[0]:.1f} % of variance)"
    assert ax.get_ylabel() == f"PC 2 ({100 * shares[1]:.1f} % of variance)"
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "linker"
    assert sorted(t.get_text() for t in legend.get_texts()) == sorted(set(linkers))
    colours = {tuple(c.get_facecolor()[0]) for c in ax.collections}
    assert len(colours) == 3  # one colour per linker
    many = plot_embedding(Z, np.arange(60) % 10).axes[0]  # ten linkers: legend beside the axes
    assert len(many.get_legend().get_texts()) == 10
    assert len({tuple(c.get_facecolor()[0]) for c in many.collections}) == 10
    assert many.get_legend().get_title().get_text() == "label"
    tsne = plot_embedding(Z, method="tsne").axes[0]
    assert tsne.get_xlabel() == "t-SNE 1"


def test_plot_training_curve_weights_the_batch_sizes_as_train_loss_does():
    from skorch.history import History

    from skcontrast.losses import NTXentLoss

    history = History()
    for epoch, value in enumerate([6.0, 5.0], start=1):
        history.new_epoch()
        history.record("epoch", epoch)
        history.record("train_loss", value)
        for size in (256, 64):  # 320 rows in batches of 256
            history.new_batch()
            history.record_batch("train_batch_size", size)
    loss = NTXentLoss(temperature=0.2)
    ax = plot_training_curve(history, loss=loss).axes[0]
    chance = (256 * math.log(511) + 64 * math.log(127)) / 320
    bound = (256 * loss.lower_bound(256) + 64 * loss.lower_bound(64)) / 320
    assert _legend(ax)[1:] == [
        f"chance = {chance:.2f} (log(2b - 1) over batches of b = 256 and 64)",
        f"lower bound = {bound:.2f} (τ = 0.2)",
    ]
    assert [t for t in ax.get_xticks() if 1 <= t <= 2] == [1, 2]  # whole epochs


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_plot_embedding(method):
    Z = np.random.default_rng(0).normal(size=(40, 6))
    fig = plot_embedding(Z, np.arange(40) % 3, method=method)
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].collections) == 3
    with pytest.raises(ValueError, match="labels"):
        plot_embedding(Z, np.arange(3))


def test_plot_embedding_of_one_component_and_bad_labels():
    Z = np.random.default_rng(0).normal(size=(20, 1))
    ax = plot_embedding(Z, np.arange(20) % 2).axes[0]
    assert ax.get_xlabel() == "component 1" and len(ax.collections) == 2
    with pytest.raises(ValueError, match="missing label"):
        plot_embedding(Z, np.where(np.arange(20) == 3, np.nan, 1.0))


def test_plot_similarity_matrix_handles_zero_rows():
    Z = np.vstack([np.zeros(3), np.eye(3)])
    fig = plot_similarity_matrix(Z)
    assert isinstance(fig, Figure)
    S = fig.axes[0].images[0].get_array()
    assert np.isfinite(S).all() and S[0, 0] == 0 and S[1, 1] == pytest.approx(1)
