"""The chance-level warning: its chance value, advice that fits the input, the user's line."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.signal import savgol_filter
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skcontrast.augment import BitDropout, ConditionJitter
from skcontrast.datasets import make_spectra
from skcontrast.embed import ContrastiveEmbedder
from skcontrast.embed._diagnostics import input_kind
from skcontrast.losses import ContrastiveLoss, nt_xent

N = 32


def _identity_views(**kw):
    """Views equal to the rows: identical rows can only reach the chance loss."""
    params = dict(
        augmenter=FunctionTransformer(),
        hidden_dims=(8,),
        n_components=2,
        projection_dim=4,
        max_epochs=1,
        device="cpu",
        random_state=0,
    )
    params.update(kw)
    return ContrastiveEmbedder(**params)


def _fingerprints(n_bits=64):
    return np.tile(np.arange(n_bits) % 3 == 0, (N, 1)).astype(np.float64)


def _spectra():
    axis = np.linspace(0, 1, 60)
    curve = np.exp(-(((axis - 0.4) / 0.1) ** 2)) + 0.3 * axis
    return np.tile(curve, (N, 1))


def _conditions():
    return np.tile([80.0, 2.1, 0.35, 12.0], (N, 1))


def _conditions_with_one_hot_solvent():
    """Temperature, concentration, time and a solvent one-hot over 4 solvents."""
    return np.tile([80.0, 2.1, 0.35, 0.0, 1.0, 0.0, 0.0], (N, 1))


def _snv(X):
    return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)


def _advice(X, **kw) -> str:
    with pytest.warns(UserWarning, match="chance value") as record:
        _identity_views(**kw).fit(X)
    assert len(record) == 1
    return str(record[0].message)


def test_advice_fits_the_input():
    binary, spectra, other = _advice(_fingerprints()), _advice(_spectra()), _advice(_conditions())
    assert "BitDropout" in binary and "SNV" not in binary
    assert "SNV" in spectra and "derivative" in spectra and "BitDropout" not in spectra
    assert "StandardScaler" in other and "SNV" not in other and "BitDropout" not in other
    assert len({binary, spectra, other}) == 3


def test_a_one_hot_solvent_beside_conditions_is_not_a_fingerprint():
    """3 numeric conditions and a 4-column one-hot solvent were classed "binary" and
    told to lower BitDropout's p, although the views came from ConditionJitter."""
    X = _conditions_with_one_hot_solvent()
    assert input_kind(X) == "other"
    assert input_kind(sp.csr_matrix(X)) == "other"
    for augmenter in (ConditionJitter(std=0.0), FunctionTransformer()):
        advice = _advice(X, augmenter=augmenter)
        assert "BitDropout" not in advice and "fingerprint" not in advice
        assert "StandardScaler" in advice
    assert input_kind(_fingerprints(n_bits=8)) == "other"  # a few 0/1 columns
    assert input_kind(_fingerprints(n_bits=32)) == "binary"


def test_bitdropout_in_the_augmenter_gets_the_bitdropout_advice():
    """Whatever the input looks like, a BitDropout step is what to weaken."""
    for X in (_fingerprints(n_bits=8), _fingerprints()):
        advice = _advice(X, augmenter=BitDropout(p=0.0))
        assert "lower BitDropout p" in advice
    nested = make_pipeline(make_pipeline(ConditionJitter(std=0.0), BitDropout(p=0.0)))
    assert "lower BitDropout p" in _advice(_fingerprints(n_bits=8), augmenter=nested)
    # wide fingerprints with another augmenter: BitDropout is suggested, not "lowered"
    advice = _advice(_fingerprints(), augmenter=ConditionJitter(std=0.0))
    assert "fingerprints" in advice and "BitDropout(p=0.02)" in advice
    assert "lower BitDropout p" not in advice


def test_preprocessed_spectra_are_not_told_to_preprocess():
    raw = make_spectra(n_per_class=20, noise_std=0.1, baseline_std=1.0, random_state=0)[0]
    derivative = savgol_filter(_snv(raw), window_length=15, polyorder=2, deriv=1, axis=1)
    assert input_kind(raw) == "spectra"
    assert input_kind(_snv(raw)) == "scaled_spectra"
    assert input_kind(StandardScaler().fit_transform(derivative)) == "scaled_spectra"
    assert input_kind(StandardScaler().fit_transform(raw)) == "scaled_spectra"
    # at chance (identical rows): the advice for SNV'd spectra is to weaken or train
    advice = _advice(_snv(_spectra()))
    assert "already scaled" in advice and "weaken the augmenter" in advice
    assert "not yet preprocessed" not in advice
    # raw spectra: preprocessing is advised only if it was not done yet
    advice = _advice(_spectra())
    assert "If they are not yet preprocessed" in advice and "if they are, weaken" in advice


@pytest.mark.parametrize(
    ("loss", "logits"), [("nt_xent", lambda b: 2 * b - 1), ("info_nce", lambda b: b)]
)
def test_chance_is_averaged_over_batches_as_the_training_loss_is(loss, logits):
    """100 rows in batches of 64 and 36: the epoch's loss at chance is the mean of
    the batches' chance values weighted by batch size (as skorch averages
    train_loss), below the chance value of the first batch alone."""
    X = np.tile(_fingerprints()[:1], (100, 1))  # identical rows: exactly at chance
    chance = (64 * math.log(logits(64)) + 36 * math.log(logits(36))) / 100
    assert chance < 0.97 * math.log(logits(64))  # so the first batch's value missed it
    with pytest.warns(UserWarning, match="at or near its chance value") as record:
        emb = _identity_views(loss=loss, batch_size=64).fit(X)
    assert len(record) == 1
    assert emb.history_[-1, "batches", :, "train_batch_size"] == [64, 36]
    assert emb.history_[-1, "train_loss"] == pytest.approx(chance, rel=1e-4)
    message = str(record[0].message)
    assert f"vs chance {chance:.4f}" in message
    assert "1 x 64 and 1 x 36 rows, weighted by b" in message
    # one batch size: the formula with its value
    with pytest.warns(UserWarning, match=rf"log\({logits(32)}\) for batches of b = 32") as record:
        _identity_views(loss=loss, batch_size=32).fit(X[:64])


def test_input_kind_from_cheap_statistics():
    rng = np.random.default_rng(0)
    bits = (rng.random((300, 64)) < 0.1).astype(np.float32)
    assert input_kind(bits) == "binary"
    assert input_kind(sp.csr_matrix(bits)) == "binary"
    counts = sp.csr_matrix(bits * rng.integers(2, 5, bits.shape))
    assert input_kind(counts) == "other"
    noisy_spectra = _spectra() + rng.normal(scale=1e-3, size=(N, 60))
    assert input_kind(noisy_spectra) == "spectra"
    assert input_kind(make_spectra(n_per_class=5, random_state=0)[0]) == "spectra"
    assert input_kind(rng.normal(size=(300, 60))) == "other"  # unordered columns
    assert input_kind(_spectra()[:, :10]) == "other"  # too few columns for spectra
    mixed = np.hstack([rng.normal(size=(300, 10)), bits[:, :8]])  # mostly continuous
    assert input_kind(mixed) == "other"


def test_warning_points_at_the_users_line_through_a_pipeline_and_a_grid_search():
    X = _fingerprints()
    with pytest.warns(UserWarning, match="chance value") as record:
        make_pipeline(_identity_views()).fit(X)
    assert {w.filename for w in record} == {__file__}
    with pytest.warns(UserWarning, match="chance value") as record:
        GridSearchCV(_identity_views(), {"temperature": [0.2]}, cv=2, n_jobs=1).fit(X)
    assert {w.filename for w in record} == {__file__}  # was joblib's parallel.py


class _NTXentOfMyOwn(ContrastiveLoss):
    """NT-Xent as a loss of one's own, with a chance value of its choosing (or none)."""

    chance: float | None = None

    def __init__(self, temperature=0.2):
        super().__init__()
        self.temperature = temperature

    def forward_views(self, z1, z2, labels=None):
        return nt_xent(z1, z2, self.temperature)

    def chance_value(self, batch_size):
        return type(self).chance


def test_the_chance_value_comes_from_the_loss(monkeypatch):
    X = np.tile(_fingerprints()[:1], (N, 1))  # identical rows: exactly at chance
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # chance_value None: no warning
        _identity_views(loss=_NTXentOfMyOwn, batch_size=N).fit(X)
    monkeypatch.setattr(_NTXentOfMyOwn, "chance", math.log(2 * N - 1))
    message = _advice(X, loss=_NTXentOfMyOwn, batch_size=N)
    expected = f"_NTXentOfMyOwn.chance_value(b) = log({2 * N - 1}) for batches of b = {N}"
    assert expected in message
    # a loss that states its formula is described by it
    monkeypatch.setattr(_NTXentOfMyOwn, "chance_formula", "log(2b - 1)", raising=False)
    message = _advice(X, loss=_NTXentOfMyOwn, batch_size=N)
    assert f"log(2b - 1) = log({2 * N - 1}) for batches of b = {N}" in message
    monkeypatch.setattr(_NTXentOfMyOwn, "chance", 0.5)  # not the log of an integer
    message = _advice(X, loss=_NTXentOfMyOwn, batch_size=N)
    assert f"log(2b - 1) = 0.5000 for batches of b = {N}" in message
