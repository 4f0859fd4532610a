"""Pickles of a fitted ContrastiveEmbedder are deterministic and hold plain generator states."""

from __future__ import annotations

import copy
import pickle
import threading
import warnings
from unittest.mock import patch

import joblib
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast.embed import ContrastiveEmbedder
from tests.embed._support import tiny as _tiny


def _fitted(**kw):
    X = np.random.default_rng(0).normal(size=(40, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _tiny(**{"max_epochs": 2, **kw}).fit(X), X


def test_two_pickles_of_a_fitted_embedder_are_byte_identical():
    emb, X = _fitted()
    blob = pickle.dumps(emb)
    assert pickle.dumps(emb) == blob  # generator states held torch tensors keyed by address
    assert joblib.hash(emb) == joblib.hash(emb)  # so joblib.Memory (and dask) can key on it
    emb.transform(X)
    emb.score(X)
    assert pickle.dumps(emb) == blob  # inference changes nothing that is pickled
    loaded = pickle.loads(blob)
    assert pickle.dumps(loaded) == pickle.dumps(loaded)


def test_two_pickles_of_a_fitted_pipeline_are_byte_identical():
    emb, X = _fitted()
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        pipe = make_pipeline(StandardScaler(), emb, LogisticRegression()).fit(X, y)
    blob = pickle.dumps(pipe)
    pipe.predict_proba(X)
    assert pickle.dumps(pipe) == blob


def test_generator_states_are_plain_data_keyed_by_name_and_device():
    emb, _ = _fitted()
    states = emb.net_.__getstate__()["_generator_states"]
    assert set(states) == {"views/cpu", "shuffle/cpu"}
    for state in states.values():
        assert type(state) is np.ndarray and state.dtype == np.uint8 and state.ndim == 1


def test_a_loaded_copy_transforms_and_continues_training_identically():
    emb, X = _fitted()
    loaded = pickle.loads(pickle.dumps(emb))
    assert all(type(s) is np.ndarray for s in loaded.net_._generator_states.values())
    np.testing.assert_array_equal(loaded.transform(X), emb.transform(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        loaded.partial_fit(X)
        emb.partial_fit(X)
    np.testing.assert_array_equal(loaded.transform(X), emb.transform(X))
    assert loaded.score(X) == emb.score(X)


def _getstate_of_earlier_versions(emb):
    """ContrastiveEmbedder.__getstate__ before plain states: the skorch net as it is."""
    from skcontrast import __version__

    return {**emb.__dict__, "_skcontrast_version": __version__}


def test_pickles_of_the_previous_format_still_continue_their_streams():
    """Generator states keyed by (name, device) tuples and held as torch tensors."""
    emb, X = _fitted()
    state = _getstate_of_earlier_versions(emb)
    net_state = state["net_"].__getstate__()
    net_state["_generator_states"] = {
        tuple(key.split("/")): torch.from_numpy(value.copy())
        for key, value in net_state["_generator_states"].items()
    }
    old_net = type(emb.net_).__new__(type(emb.net_))
    old_net.__setstate__(net_state)
    assert set(old_net._generator_states) == {"views/cpu", "shuffle/cpu"}
    old = ContrastiveEmbedder.__new__(ContrastiveEmbedder)
    old.__setstate__({**state, "net_": old_net})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        old.partial_fit(X)
        emb.partial_fit(X)
    np.testing.assert_array_equal(old.transform(X), emb.transform(X))


def test_pickles_holding_the_skorch_net_load_and_continue_identically():
    """Pickles of versions before plain states hold the net itself."""
    emb, X = _fitted()
    with patch.object(ContrastiveEmbedder, "__getstate__", _getstate_of_earlier_versions):
        blob = pickle.dumps(emb)
    assert b"__cuda_dependent_attributes__" in blob
    old = pickle.loads(blob)
    assert "_net_state" in old.__getstate__()  # saved again, it is plain data
    np.testing.assert_array_equal(old.transform(X), emb.transform(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        old.partial_fit(X)
        emb.partial_fit(X)
    np.testing.assert_array_equal(old.transform(X), emb.transform(X))
    assert old.history_[-1, "train_loss"] == emb.history_[-1, "train_loss"]


def test_pickle_then_load_then_pickle_gives_the_same_bytes():
    emb, X = _fitted(projection_dim=None, validation_fraction=0.25, early_stopping=2)
    blob = pickle.dumps(emb)
    loaded = pickle.loads(blob)
    assert pickle.dumps(loaded) == blob
    assert pickle.dumps(copy.deepcopy(loaded)) == blob
    np.testing.assert_array_equal(loaded.transform(X), emb.transform(X))


def test_a_loaded_copy_resumes_validation_and_early_stopping_identically():
    emb, X = _fitted(validation_fraction=0.25, early_stopping=1, max_epochs=4)
    loaded = pickle.loads(pickle.dumps(emb))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        loaded.partial_fit(X)
        emb.partial_fit(X)
    keys = ("train_loss", "valid_loss", "valid_loss_best", "train_loss_best")
    assert [[e.get(k) for k in keys] for e in loaded.history_] == [
        [e.get(k) for k in keys] for e in emb.history_
    ]
    np.testing.assert_array_equal(loaded.transform(X), emb.transform(X))


def test_the_pickled_state_holds_no_torch_or_skorch_object():
    emb, _ = _fitted()
    blob = pickle.dumps(emb)
    for name in (b"torch", b"skorch", b"__cuda_dependent_attributes__", b"builtins"):
        assert name not in blob


def test_loading_in_another_thread_does_not_change_a_fit():
    # dask's event loop unpickles task arguments (a fitted embedder in the
    # scorer) while the task thread trains: loading must not touch torch's
    # global random generator, which the fit seeds for its initial weights.
    X = np.random.default_rng(0).random((120, 64)).astype(np.float32)

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # chance level on random X
            emb = ContrastiveEmbedder(random_state=0, max_epochs=4, n_threads=1).fit(X)
        return [p.detach().clone() for p in emb.net_.module_.parameters()]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        blob = pickle.dumps(ContrastiveEmbedder(random_state=1, max_epochs=1, n_threads=1).fit(X))
    alone = fit()
    stop = threading.Event()

    def load_repeatedly():
        while not stop.is_set():
            pickle.loads(blob)

    loader = threading.Thread(target=load_repeatedly)
    loader.start()
    try:
        concurrent = [fit() for _ in range(3)]
    finally:
        stop.set()
        loader.join()
    for params in concurrent:
        assert all(torch.equal(a, b) for a, b in zip(alone, params, strict=True))
