"""Each plotting function returns a Figure (Agg backend) and rejects bad shapes."""

import matplotlib

matplotlib.use("Agg")

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


def test_plot_training_curve_from_embedder():
    from skcontrast.embed import ContrastiveEmbedder

    X = np.random.default_rng(0).normal(size=(40, 3))
    emb = ContrastiveEmbedder(
        hidden_dims=(4,),
        n_components=2,
        max_epochs=3,
        validation_fraction=0.25,
        device="cpu",
        random_state=0,
    )
    with pytest.warns(UserWarning):
        emb.fit(X)
    fig = plot_training_curve(emb)
    assert isinstance(fig, Figure)
    with pytest.raises(NotFittedError):
        plot_training_curve(ContrastiveEmbedder())
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels[:2] == ["train loss", "validation loss"] and "chance" in labels[2]


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
