"""Positives from metadata: fit(X, groups=...) and the losses that take groups."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast.augment import ConditionJitter
from skcontrast.embed import ContrastiveEmbedder
from skcontrast.losses import (
    LOSSES,
    InfoNCELoss,
    NTXentLoss,
    info_nce,
    info_nce_grouped,
    nt_xent,
    supcon,
)


def _info_nce_grouped_numpy(a, b, g, t):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    logits = a @ b.T / t
    log_prob = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    pos = g[:, None] == g[None, :]
    return np.mean([-log_prob[i, pos[i]].mean() for i in range(len(a))])


@settings(max_examples=30, deadline=None)
@given(
    b=st.integers(2, 10),
    n_groups=st.integers(1, 10),
    t=st.floats(0.05, 2.0),
    seed=st.integers(0, 2**16),
)
def test_grouped_losses_match_their_definitions(b, n_groups, t, seed):
    rng = np.random.default_rng(seed)
    a, c = rng.standard_normal((2, b, 3))
    g = rng.integers(0, n_groups, b)
    z1, z2, groups = torch.from_numpy(a), torch.from_numpy(c), torch.from_numpy(g)
    assert info_nce_grouped(z1, z2, groups, t).item() == pytest.approx(
        _info_nce_grouped_numpy(a, c, g, t), rel=1e-9
    )
    assert InfoNCELoss(t).forward_views(z1, z2, groups=groups).item() == pytest.approx(
        _info_nce_grouped_numpy(a, c, g, t), rel=1e-9
    )
    # NT-Xent with groups is SupCon over the 2B views with the groups as classes
    got = NTXentLoss(t).forward_views(z1, z2, groups=groups)
    assert torch.equal(got, supcon(torch.cat([z1, z2]), torch.cat([groups, groups]), t))


def test_one_row_per_group_is_the_plain_loss():
    g = torch.Generator().manual_seed(0)
    z1, z2 = torch.randn(2, 7, 4, generator=g, dtype=torch.float64)
    distinct = torch.arange(7)
    assert NTXentLoss(0.3).forward_views(z1, z2, groups=distinct).item() == pytest.approx(
        nt_xent(z1, z2, 0.3).item(), rel=1e-12
    )
    assert InfoNCELoss(0.3).forward_views(z1, z2, groups=distinct).item() == pytest.approx(
        info_nce(z1, z2, 0.3).item(), rel=1e-12
    )


def test_a_group_mate_is_a_positive_not_a_negative():
    g = torch.Generator().manual_seed(1)
    others = torch.randn(4, 4, generator=g, dtype=torch.float64)
    e = torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=torch.float64)
    together = torch.cat([torch.stack([e, e]), others])  # row 1 replicates row 0
    apart = torch.cat([torch.stack([e, -e]), others])  # row 1 opposite row 0
    groups = torch.tensor([0, 0, 1, 2, 3, 4])
    for loss in (NTXentLoss(0.2), InfoNCELoss(0.2)):
        # without groups, row 1 is a negative of row 0: apart is better
        assert loss.forward_views(apart, apart) < loss.forward_views(together, together)
        # with groups, it is a positive: together is better
        assert loss.forward_views(together, together, groups=groups) < loss.forward_views(
            apart, apart, groups=groups
        )


@pytest.mark.parametrize(
    ("groups", "match"),
    [
        (torch.zeros(5, dtype=torch.int64), "one entry per row"),
        (torch.zeros(6), "integer codes"),
    ],
)
def test_loss_level_group_errors(groups, match):
    z = torch.randn(6, 3)
    for loss in (NTXentLoss(), InfoNCELoss()):
        with pytest.raises(ValueError, match=match):
            loss.forward_views(z, z, groups=groups)


def test_which_losses_take_groups():
    takes = {name for name, cls in LOSSES.items() if cls.accepts_groups}
    assert takes == {"nt_xent", "info_nce"}


# ------------------------------------------------------------------ the embedder

# short fits (2-3 epochs) end near chance: that warning is tested elsewhere
_near_chance = pytest.mark.filterwarnings("ignore:the final training loss:UserWarning")


def _replicates(seed=0, n_samples=40, n_replicates=3):
    """n_samples samples measured n_replicates times each.

    The sample lives in 3 columns (small replicate noise); 3 more columns are
    nuisance that changes from one measurement to the next (large noise), so
    replicates are told apart only by learning to ignore the nuisance.
    """
    rng = np.random.default_rng(seed)
    truth = np.repeat(rng.standard_normal((n_samples, 3)), n_replicates, axis=0)
    n = n_samples * n_replicates
    X = np.hstack([truth + 0.1 * rng.standard_normal((n, 3)), 2.0 * rng.standard_normal((n, 3))])
    groups = np.repeat(np.arange(n_samples), n_replicates)
    return X.astype(np.float32), groups


def _embedder(**kwargs):
    params = dict(
        augmenter=ConditionJitter(std=0.05), hidden_dims=(32,), n_components=8,
        max_epochs=40, batch_size=60, random_state=0,
    )
    params.update(kwargs)
    return ContrastiveEmbedder(**params)


def _replicate_agreement(Z, groups):
    """Fraction of rows whose nearest other row (cosine) is one of its replicates."""
    Zn = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    sim = Zn @ Zn.T
    np.fill_diagonal(sim, -np.inf)
    return float(np.mean(groups[sim.argmax(axis=1)] == groups))


@pytest.mark.parametrize("loss", ["nt_xent", "info_nce"])
def test_groups_pull_replicates_together(loss):
    X, groups = _replicates()
    plain = _embedder(loss=loss, max_epochs=80).fit(X)
    grouped = _embedder(loss=loss, max_epochs=80).fit(X, groups=groups)
    assert np.all(np.isfinite(grouped.history_[:, "train_loss"]))
    agree_plain = _replicate_agreement(plain.transform(X), groups)
    agree_grouped = _replicate_agreement(grouped.transform(X), groups)
    # measured: 0.125 without groups, 0.43 (nt_xent) and 0.41 (info_nce) with them
    assert agree_grouped > agree_plain + 0.15, (agree_plain, agree_grouped)


@_near_chance
def test_groups_with_a_validation_split_and_partial_fit():
    X, groups = _replicates(n_samples=20)
    emb = _embedder(max_epochs=3, validation_fraction=0.25).fit(X, groups=groups)
    assert np.isfinite(emb.history_[-1, "valid_loss"])
    emb.partial_fit(X, groups=groups)
    emb.partial_fit(X)  # each call's groups stand alone
    assert len(emb.history_) == 9
    assert "_groups_in_y" not in emb.net_.__dict__  # nothing of the groups is kept


@_near_chance
def test_groups_reach_the_embedder_through_a_pipeline_and_metadata_routing():
    X, groups = _replicates(n_samples=20)
    direct = _embedder(max_epochs=2).fit(X, groups=groups)
    pipe = make_pipeline(StandardScaler(with_mean=False, with_std=False), _embedder(max_epochs=2))
    pipe.fit(X, contrastiveembedder__groups=groups)
    np.testing.assert_array_equal(pipe.transform(X), direct.transform(X))
    with sklearn.config_context(enable_metadata_routing=True):
        routed = make_pipeline(
            StandardScaler(with_mean=False, with_std=False),
            _embedder(max_epochs=2).set_fit_request(groups=True),
        )
        routed.fit(X, groups=groups)
        np.testing.assert_array_equal(routed.transform(X), direct.transform(X))
        search = GridSearchCV(
            _embedder(max_epochs=2).set_fit_request(groups=True),
            {"temperature": [0.2, 0.5]},
            cv=2,
        ).fit(X, groups=groups)
        assert search.best_params_["temperature"] in (0.2, 0.5)


@pytest.mark.parametrize(
    ("kwargs", "groups", "match"),
    [
        ({"loss": "supcon"}, None, r'loss="supcon" does not take them.*come from y'),
        ({"loss": "vicreg"}, None, r'loss="vicreg" does not take them.*"nt_xent"'),
        ({}, np.zeros(5), r"groups must be 1-D with one value per row of X: got shape \(5,\)"),
        ({}, np.array([1.0, np.nan] * 30), r"groups has 30 missing group\(s\).*rows \[1, 3, 5"),
        ({}, np.array([1, "a"] * 30, dtype=object), "groups mixes group types"),
    ],
)
def test_group_errors_are_named(kwargs, groups, match):
    X, good = _replicates(n_samples=20)
    y = np.arange(60) % 2
    with pytest.raises(ValueError, match=match):
        _embedder(max_epochs=1, **kwargs).fit(X, y, groups=good if groups is None else groups)
    emb = _embedder(max_epochs=1, **kwargs)
    with pytest.raises(ValueError, match=match):
        emb.fit(X, y, groups=good if groups is None else groups)
    assert not hasattr(emb, "net_")  # a failed fit leaves no model behind
