"""skcontrast.metrics: neighbour label agreement, alignment, uniformity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.distance import pdist
from sklearn.neighbors import NearestNeighbors

from skcontrast import metrics
from skcontrast.metrics import (
    alignment,
    neighbor_label_agreement,
    rankme,
    rankme_scorer,
    uniformity,
)
from skcontrast.utils._sklearn import InvalidParameterError


def _unit(z):
    n = np.linalg.norm(z, axis=1, keepdims=True)
    return np.divide(z, n, out=np.zeros_like(z), where=n > 0)


# ---------------------------------------------------------------------- neighbour agreement


def test_agreement_matches_sklearn_neighbours(rng):
    Z = rng.standard_normal((120, 5))
    y = rng.integers(0, 3, 120)
    k = 7
    ind = NearestNeighbors(n_neighbors=k, metric="cosine").fit(Z).kneighbors(return_distance=False)
    expected = np.mean(y[ind] == y[:, None])
    assert neighbor_label_agreement(Z, y, k) == pytest.approx(expected)


def test_agreement_separated_clusters_is_one_and_chance_formula(rng):
    y = np.array(["a"] * 10 + ["b"] * 20 + ["c"] * 5)
    directions = np.eye(3)[np.unique(y, return_inverse=True)[1]]
    Z = directions * 5 + rng.normal(scale=0.01, size=(35, 3))
    score, chance = neighbor_label_agreement(Z, y, k=4, return_chance=True)
    assert score == 1.0
    # chance: probability that a random other point shares the label
    per_point = np.array([(np.sum(y == label) - 1) / (len(y) - 1) for label in y])
    assert chance == pytest.approx(per_point.mean())


def test_agreement_of_random_embedding_is_near_chance(rng):
    Z = rng.standard_normal((2000, 8))
    y = rng.integers(0, 4, 2000)
    score, chance = neighbor_label_agreement(Z, y, k=10, return_chance=True)
    assert abs(score - chance) < 0.03


def test_agreement_validation(rng):
    Z = rng.standard_normal((6, 2))
    with pytest.raises(ValueError, match="k must be at most n_samples - 1 = 5"):
        neighbor_label_agreement(Z, [0, 1] * 3, k=6)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        neighbor_label_agreement(Z, [0, 1, 0], k=2)
    with pytest.raises(ValueError, match=r"missing label.*rows \[1, 4\]"):
        neighbor_label_agreement(Z, [0, np.nan, 1, 0, None, 1], k=2)
    with pytest.raises(ValueError, match="mixes label types"):
        neighbor_label_agreement(Z, np.array([0, "a", 1, 0, "a", 1], dtype=object), k=2)
    Z[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"Input Z contains NaN.* column 1 at row\(s\) \[2\]"):
        neighbor_label_agreement(Z, [0, 1] * 3, k=2)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda Z, good: neighbor_label_agreement(Z, [0, 1] * 3, k=2), "Z"),
        (lambda Z, good: alignment(Z, good), "z1"),
        (lambda Z, good: alignment(good, Z), "z2"),
        (lambda Z, good: uniformity(Z), "z"),
        (lambda Z, good: rankme(Z), "Z"),
    ],
)
def test_non_finite_input_names_the_argument_column_and_rows(rng, call, name, bad):
    good = rng.standard_normal((6, 3))
    Z = good.copy()
    Z[[1, 4], 2] = bad
    kind = "NaN" if np.isnan(bad) else "infinity"
    with pytest.raises(
        ValueError, match=rf"^Input {name} contains {kind} .* column 2 at row\(s\) \[1, 4\]"
    ):
        call(Z, good)


_Z2 = [[1.0, 0.0], [0.0, 1.0]]


@pytest.mark.parametrize(
    ("func", "kwargs", "bad"),
    [
        (neighbor_label_agreement, {"Z": _Z2, "y": [0, 1], "k": 0}, "k"),
        (neighbor_label_agreement, {"Z": _Z2, "y": [0, 1], "k": 1.5}, "k"),
        (neighbor_label_agreement, {"Z": "not an array", "y": [0, 1], "k": 1}, "Z"),
        (neighbor_label_agreement, {"Z": _Z2, "y": 7, "k": 1}, "y"),
        (
            neighbor_label_agreement,
            {"Z": _Z2, "y": [0, 1], "return_chance": "yes"},
            "return_chance",
        ),
        (alignment, {"z1": [[1.0]], "z2": [[1.0]], "alpha": 0}, "alpha"),
        (alignment, {"z1": [[1.0]], "z2": [[1.0]], "alpha": "two"}, "alpha"),
        (alignment, {"z1": 3, "z2": [[1.0]]}, "z1"),
        (uniformity, {"z": [[1.0], [2.0]], "t": -1.0}, "t"),
        (uniformity, {"z": None}, "z"),
        (rankme, {"Z": None}, "Z"),
    ],
)
def test_public_functions_reject_invalid_values(func, kwargs, bad):
    with pytest.raises(InvalidParameterError, match=f"'{bad}' parameter"):
        func(**kwargs)


# ---------------------------------------------------------------------- alignment


def test_alignment_reference(rng):
    z1 = rng.standard_normal((50, 6))
    z2 = z1 + rng.normal(scale=0.3, size=z1.shape)
    expected = np.mean(np.sum((_unit(z1) - _unit(z2)) ** 2, axis=1))
    assert alignment(z1, z2) == pytest.approx(expected)
    expected3 = np.mean(np.linalg.norm(_unit(z1) - _unit(z2), axis=1) ** 3)
    assert alignment(z1, z2, alpha=3) == pytest.approx(expected3)
    # invariant to positive rescaling of rows, zero for identical views, 4 for antipodes
    assert alignment(z1 * 7.0, z2 * rng.random((50, 1))) == pytest.approx(expected)
    assert alignment(z1, z1) == pytest.approx(0.0, abs=1e-12)
    assert alignment(z1, -z1) == pytest.approx(4.0)
    # nearly identical views: normalised in float64, so tiny alignments stay accurate
    z3 = z1 + 1e-7 * rng.standard_normal(z1.shape)
    tiny = np.mean(np.sum((_unit(z1) - _unit(z3)) ** 2, axis=1))
    assert alignment(z1, z3) == pytest.approx(tiny, rel=1e-6, abs=0)


def test_alignment_shape_mismatch(rng):
    with pytest.raises(ValueError, match="same shape"):
        alignment(rng.standard_normal((4, 2)), rng.standard_normal((5, 2)))


# ---------------------------------------------------------------------- uniformity


def test_uniformity_reference(rng, monkeypatch):
    z = rng.standard_normal((70, 4))
    sq = pdist(_unit(z), "sqeuclidean")
    expected = np.log(np.mean(np.exp(-2.0 * sq)))
    assert uniformity(z) == pytest.approx(expected)
    assert uniformity(z, t=0.5) == pytest.approx(np.log(np.mean(np.exp(-0.5 * sq))))
    monkeypatch.setattr(metrics, "_UNIFORMITY_BLOCK", 8)  # blocks across the rows
    assert uniformity(z) == pytest.approx(expected)


def test_uniformity_extremes(rng):
    assert uniformity([[1.0, 0.0], [-1.0, 0.0]]) == pytest.approx(-8.0)
    assert uniformity(np.ones((5, 3))) == pytest.approx(0.0, abs=1e-12)
    collapsed = uniformity(np.ones((50, 3)) + rng.normal(scale=0.01, size=(50, 3)))
    spread = uniformity(rng.standard_normal((50, 3)))
    assert spread < collapsed
    # large t stays finite (log-sum-exp)
    assert np.isfinite(uniformity(rng.standard_normal((30, 3)), t=1e4))


def test_uniformity_needs_two_rows():
    with pytest.raises(ValueError, match="minimum of 2"):
        uniformity([[1.0, 2.0]])


@given(
    n=st.integers(2, 30),
    d=st.integers(1, 5),
    t=st.floats(0.1, 10.0),
    alpha=st.floats(0.5, 3.0),
    seed=st.integers(0, 2**16),
)
def test_property_bounds(n, d, t, alpha, seed):
    rng = np.random.default_rng(seed)
    z1, z2 = rng.standard_normal((2, n, d))
    u = uniformity(z1, t=t)
    assert -4.0 * t - 1e-9 <= u <= 1e-9
    a = alignment(z1, z2, alpha=alpha)
    assert 0.0 <= a <= 2.0**alpha + 1e-9


# ------------------------------------------------------------------------- RankMe


def _rankme_reference(Z, eps=1e-7):
    """Garrido et al. (2023), eq. 1, written out from the paper."""
    s = np.linalg.svd(np.asarray(Z, dtype=np.float64), compute_uv=False)
    p = s / np.sum(np.abs(s)) + eps
    return float(np.exp(-np.sum(p * np.log(p))))


def test_rankme_reference_and_extremes(rng):
    Z = rng.standard_normal((40, 6)) @ np.diag([5.0, 3.0, 1.0, 0.5, 0.1, 0.0])
    assert rankme(Z) == pytest.approx(_rankme_reference(Z), rel=1e-12)
    # k equal singular values give rank k (up to the 1e-7 epsilon)
    Q, _ = np.linalg.qr(rng.standard_normal((30, 5)))
    assert rankme(Q[:, :3] * 7.0) == pytest.approx(3.0, rel=1e-5)
    # rows on one line: rank 1; all zero: 0
    assert rankme(np.outer(rng.standard_normal(20), rng.standard_normal(4))) == pytest.approx(
        1.0, rel=1e-5
    )
    assert rankme(np.zeros((5, 3))) == 0.0


def test_rankme_orders_a_collapsing_embedding(rng):
    full = rng.standard_normal((200, 8))
    squashed = full * np.array([1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1])
    assert rankme(full) > rankme(squashed) > rankme(full[:, :4])


@given(
    n=st.integers(1, 25),
    d=st.integers(1, 6),
    scale=st.floats(1e-3, 1e3),
    seed=st.integers(0, 2**16),
)
def test_property_rankme_bounds_and_invariances(n, d, scale, seed):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, d))
    r = rankme(Z)
    assert 1.0 - 1e-6 <= r <= min(n, d) * (1 + 1e-5)
    assert rankme(scale * Z) == pytest.approx(r, rel=1e-9)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    assert rankme(Z @ Q) == pytest.approx(r, rel=1e-6)
    assert rankme(Z[rng.permutation(n)]) == pytest.approx(r, rel=1e-9)


def test_rankme_scorer_is_label_free_and_uses_transform(rng):
    from sklearn.decomposition import PCA

    X = rng.standard_normal((30, 5))
    pca = PCA(n_components=3).fit(X)
    assert rankme_scorer(pca, X) == rankme(pca.transform(X))
    assert rankme_scorer(pca, X, y=np.arange(30)) == rankme(pca.transform(X))
