"""partial_fit keeps the fitted model: a changed parameter that defines it is refused.

Also: transform and score validate parameters, and use the fitted loss and the
training temperature.
"""

from __future__ import annotations

import copy
import pickle
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn import config_context
from sklearn.preprocessing import FunctionTransformer
from skorch.callbacks import Callback

from skcontrast.augment import ConditionJitter
from skcontrast.embed import MLPEncoder
from skcontrast.utils._sklearn import InvalidParameterError
from tests.embed._support import data as _data
from tests.embed._support import tiny as _small


class _Noop(Callback):
    pass


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # chance-level advice on tiny data
        yield


def _model_state(emb):
    net = emb.net_
    return (
        copy.deepcopy(net.module_.state_dict()),
        copy.deepcopy(net.head_.state_dict()),
        emb.n_iter_,
        len(net.history),
        float(net.criterion_.temperature),
    )


def _assert_same_state(emb, state):
    weights, head, n_iter, n_history, temperature = state
    for key, tensor in emb.net_.module_.state_dict().items():
        torch.testing.assert_close(tensor, weights[key], rtol=0, atol=0)
    for key, tensor in emb.net_.head_.state_dict().items():
        torch.testing.assert_close(tensor, head[key], rtol=0, atol=0)
    assert emb.n_iter_ == n_iter and len(emb.net_.history) == n_history
    assert float(emb.net_.criterion_.temperature) == temperature


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"n_components": 7}, "n_components from 2 to 7"),
        ({"hidden_dims": (16,)}, "hidden_dims from (8,) to (16,)"),
        ({"projection_dim": None}, "projection_dim from 4 to None"),
        ({"encoder": MLPEncoder}, "encoder from None to MLPEncoder"),
        ({"encoder_kwargs": {"dropout": 0.5}}, "encoder_kwargs from None to {'dropout': 0.5}"),
        ({"loss": "info_nce"}, "loss from 'nt_xent' to 'info_nce'"),
        ({"loss": "supcon"}, "loss from 'nt_xent' to 'supcon'"),  # was: "needs class labels"
        (
            {"augmenter": ConditionJitter(std=0.3)},
            "augmenter from ConditionJitter(std=0.3) to ConditionJitter(std=0.3) (another object)",
        ),
        ({"early_stopping": 3}, "early_stopping from False to 3"),
        ({"callbacks": [_Noop()]}, "callbacks from None to [<"),
        ({"device": "cuda:0"}, "device from 'cpu' to 'cuda:0'"),
        ({"random_state": 1}, "random_state from 0 to 1"),
    ],
)
def test_partial_fit_refuses_a_changed_parameter_that_defines_the_model(change, named):
    """set_params(n_components=7) then partial_fit trained the old model, and
    get_params() no longer described it; loss="supcon" asked for labels."""
    X = _data()
    emb = _small().fit(X)
    state, fitted = _model_state(emb), emb.get_params(deep=False)
    emb.set_params(**change, temperature=0.7)
    with pytest.raises(ValueError, match=re.escape(named)) as excinfo:
        emb.partial_fit(X)
    assert "call fit to train a new model" in str(excinfo.value)
    _assert_same_state(emb, state)  # nothing reached the model, not even the temperature
    assert emb.set_params(**fitted).partial_fit(X).n_iter_ == 2  # set back: it continues


def test_every_changed_parameter_is_named():
    X = _data()
    emb = _small().fit(X).set_params(n_components=7, hidden_dims=(16,), loss="info_nce")
    with pytest.raises(ValueError) as excinfo:
        emb.partial_fit(X)
    message = str(excinfo.value)
    for named in ("n_components from 2 to 7", "hidden_dims from (8,) to (16,)", "loss from"):
        assert named in message


def test_partial_fit_accepts_the_fitted_values_given_again():
    X = _data()
    callback = _Noop()
    emb = _small(early_stopping=True, callbacks=[("noop", callback)]).fit(X)
    emb.set_params(
        hidden_dims=[8],  # a list of the same widths
        n_components=np.int64(2),
        encoder_kwargs={},  # the same encoder as None
        early_stopping=5,  # True means a patience of 5
        callbacks=[("noop", callback)],  # a new list of the same callbacks
        device="auto" if not torch.cuda.is_available() else "cpu",  # resolves to "cpu"
        augmenter__std=0.9,  # nested: not detected (documented), and not used
        lr=0.01,
        batch_size=8,
        temperature=0.5,
    )
    assert emb.partial_fit(X).n_iter_ == 2
    assert emb.net_.criterion_.temperature == 0.5


def test_parameters_the_fitted_encoder_did_not_use_may_change():
    X = _data()
    emb = _small(encoder=MLPEncoder(3, 5, hidden_dims=(4,))).fit(X)
    emb.set_params(n_components=9, hidden_dims=(64,))  # an instance sets the width itself
    assert emb.partial_fit(X).transform(X).shape == (len(X), 5)
    emb = _small(encoder=MLPEncoder).fit(X)
    assert emb.set_params(hidden_dims=(64,)).partial_fit(X).n_iter_ == 2  # a class ignores it


def test_a_model_without_a_record_trains_and_scores_with_its_fitted_loss():
    """A pickle of an older version has no record of its parameters: partial_fit
    then uses the fitted net's loss for the labels and the chance value."""
    X = np.tile(_data()[:1], (24, 1))  # identical rows: at chance
    emb = _small(augmenter=FunctionTransformer(), batch_size=8).fit(X)
    emb.__dict__.pop("_fitted_params", None)  # as in a pickle of the previous version
    emb.set_params(loss="supcon")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        emb.partial_fit(X)  # no labels needed: the model trains with NT-Xent
    (warning,) = (w for w in caught if "chance value" in str(w.message))
    assert "log(2b - 1) = log(15)" in str(warning.message)
    assert np.isfinite(emb.score(X))


def test_score_uses_the_fitted_loss():
    X = _data()
    y = np.arange(len(X)) % 2
    emb = _small().fit(X)
    score = emb.score(X)
    assert emb.set_params(loss="supcon").score(X) == score  # was: "needs class labels"
    emb = _small(loss="supcon").fit(X, y)
    score = emb.score(X, y)
    assert emb.set_params(loss="nt_xent").score(X, y) == score  # was: labels dropped


def test_score_uses_the_training_temperature_and_changes_nothing_pickled():
    X = _data()
    emb = _small().fit(X)
    score, blob = emb.score(X), pickle.dumps(emb)
    emb.set_params(temperature=5.0)
    assert emb.score(X) == score  # the model's temperature, fixed at fit
    assert emb.net_.criterion_.temperature == 0.2
    assert pickle.dumps(emb.set_params(temperature=0.2)) == blob
    emb.set_params(temperature=5.0).partial_fit(X)  # partial_fit updates it
    assert emb.net_.criterion_.temperature == 5.0
    assert emb.score(X) != score


@pytest.mark.parametrize("method", ["transform", "score"])
def test_transform_and_score_validate_parameters(method):
    """batch_size=0 was evaluated in batches of 2 (the batch iterator clamps)."""
    X = _data()
    emb = _small().fit(X).set_params(batch_size=0)
    with pytest.raises(InvalidParameterError, match="'batch_size' parameter"):
        getattr(emb, method)(X)
    with config_context(skip_parameter_validation=True):  # respected, as in partial_fit
        getattr(emb, method)(X)
