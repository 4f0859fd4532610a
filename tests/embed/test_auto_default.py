"""ContrastiveEmbedder's data-aware defaults: augmenter="auto" and the batch capped by the rows."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from skcontrast.augment import AutoAugmenter, BitDropout, ConditionJitter, SpectrumAugmenter
from skcontrast.embed import ContrastiveEmbedder

# two epochs of tiny models: the loss stays near its chance value, which is not tested here
pytestmark = pytest.mark.filterwarnings("ignore:the final training loss:UserWarning")

SMALL = {"hidden_dims": (8,), "n_components": 3, "projection_dim": 4, "max_epochs": 2}


def _emb(**params):
    return ContrastiveEmbedder(**{**SMALL, "device": "cpu", "random_state": 0, **params})


def _mixed(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return np.hstack([rng.normal(100.0, 20.0, (n, 4)), rng.integers(0, 2, (n, 64))])


def test_auto_is_the_default():
    assert ContrastiveEmbedder().augmenter == "auto"


def test_auto_picks_views_from_the_training_data():
    X = _mixed()
    emb = _emb().fit(X)
    assert isinstance(emb.augmenter_, Pipeline)
    bits, jitter = (step for _, step in emb.augmenter_.steps)
    assert isinstance(bits, BitDropout) and bits.p == 0.3
    assert bits.columns_.tolist() == list(range(4, 68))
    assert isinstance(jitter, ConditionJitter) and jitter.units == "std"
    assert emb.augmenter_description_ == AutoAugmenter().fit(X).description_
    assert emb.augmenter == "auto"  # the parameter is left as given


def test_auto_on_spectra_picks_spectrum_views():
    axis = np.linspace(0, 1, 80)
    X = np.sin(6 * axis + np.random.default_rng(0).uniform(0, 3, (30, 1)))
    emb = _emb().fit(X)
    assert isinstance(emb.augmenter_, SpectrumAugmenter) and emb.augmenter_.units == "relative"


def test_an_autoaugmenter_instance_is_resolved_with_its_settings():
    emb = _emb(augmenter=AutoAugmenter(bit_p=0.1, jitter_std=0.5)).fit(_mixed())
    bits, jitter = (step for _, step in emb.augmenter_.steps)
    assert bits.p == 0.1 and jitter.std == 0.5


def test_none_keeps_the_earlier_default():
    emb = _emb(augmenter=None).fit(_mixed())
    assert isinstance(emb.augmenter_, ConditionJitter)
    assert emb.augmenter_.std == 0.1 and emb.augmenter_.units == "data"
    assert emb.augmenter_.columns is None
    assert emb.augmenter_description_.startswith("ConditionJitter(")


def test_auto_is_deterministic_with_random_state():
    X = _mixed()
    np.testing.assert_array_equal(_emb().fit(X).transform(X), _emb().fit(X).transform(X))


def test_partial_fit_accepts_an_equal_auto_string():
    X = _mixed()
    emb = _emb().fit(X)
    emb.set_params(augmenter="".join(["au", "to"]))  # equal, not the same object
    emb.partial_fit(X)
    assert emb.n_iter_ == 4


@pytest.mark.parametrize(
    ("n", "validation_fraction", "batch_size", "expected"),
    [(30, 0.0, 256, 30), (30, 0.2, 256, 24), (300, 0.0, 256, 256), (30, 0.0, 8, 8)],
)
def test_batch_is_capped_by_the_training_rows(n, validation_fraction, batch_size, expected):
    X = np.random.default_rng(0).normal(size=(n, 5))
    emb = _emb(batch_size=batch_size, validation_fraction=validation_fraction)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning about the batch: the cap is silent
        warnings.filterwarnings("ignore", message="the final training loss")  # 2 epochs
        emb.fit(X)
    assert emb.batch_size_ == expected
    assert emb.batch_size == batch_size  # the parameter is never modified
    sizes = [b["train_batch_size"] for b in emb.history_[-1, "batches"] if "train_batch_size" in b]
    assert sizes[0] == expected


def test_partial_fit_records_the_new_batch():
    X = np.random.default_rng(0).normal(size=(30, 5))
    emb = _emb().fit(X)
    emb.set_params(batch_size=10).partial_fit(X)
    assert emb.batch_size_ == 10


def test_verbose_prints_the_views_and_the_capped_batch(capsys):
    _emb(verbose=1).fit(_mixed(n=20))
    out = capsys.readouterr().out
    assert "views (augmenter_): BitDropout(p=0.3) on 64 fingerprint-bit columns (4-67)" in out
    assert "ConditionJitter(std=0.1, units='std') on 4 continuous columns (0-3)" in out
    assert "batch: 20 rows (batch_size=256 capped by the 20 training rows)" in out


def test_quiet_by_default(capsys):
    _emb().fit(_mixed(n=20))
    assert capsys.readouterr().out == ""


def test_a_failed_fit_leaves_no_description():
    emb = _emb().fit(_mixed())
    X = _mixed()
    X[0, 0] = np.nan
    with pytest.raises(ValueError):
        emb.fit(X)
    assert not hasattr(emb, "augmenter_description_") and not hasattr(emb, "batch_size_")
