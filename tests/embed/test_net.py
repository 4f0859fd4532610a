"""ContrastiveNet, its batches and its callbacks (skcontrast.embed._net, _batching, _callbacks)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from skcontrast.losses import NTXentLoss
from tests.embed._support import blobs as _blobs
from tests.embed._support import small as _small


# ------------------------------------------------------------------ the net (_net)
class _CountingNoise(TransformerMixin, BaseEstimator):
    """A foreign transformer (no augment_tensor): it must run through transform."""

    calls: list = []

    def fit(self, X, y=None):
        self.n_features_in_ = np.shape(X)[1]
        return self

    def transform(self, X):
        _CountingNoise.calls.append(np.asarray(X).shape)
        return np.asarray(X) + np.random.default_rng(len(_CountingNoise.calls)).normal(
            0, 0.1, np.shape(X)
        )


def test_foreign_sklearn_transformer_as_augmenter():
    X, _ = _blobs()
    _CountingNoise.calls.clear()
    emb = _small(augmenter=_CountingNoise(), batch_size=64, max_epochs=2).fit(X)
    # one call per training batch, on both views stacked (2 x 64 rows)
    assert (128, 6) in _CountingNoise.calls
    assert len([c for c in _CountingNoise.calls if c[0] == 128]) >= 2 * (len(X) // 64)
    assert emb.transform(X).shape == (len(X), 4)


def test_pickled_net_stores_the_encoder_once_and_continues_its_streams():
    X, _ = _blobs()
    emb = _small().fit(X)
    state = emb.net_.__getstate__()
    assert state["module"] is None and state["head"] is None  # weights live in module_/head_
    loaded = pickle.loads(pickle.dumps(emb))
    assert loaded.net_.module is loaded.net_.module_
    assert loaded.net_.head is loaded.net_.head_
    # a pickle taken between partial_fit calls continues exactly as the original
    np.testing.assert_array_equal(
        loaded.partial_fit(X).transform(X), emb.partial_fit(X).transform(X)
    )


def test_two_views_are_stacked_independent_views_of_the_batch():
    X, _ = _blobs(n=40)
    net = _small(max_epochs=1).fit(X).net_
    assert not hasattr(net, "make_views")  # the public make_views is augment's
    xb = torch.as_tensor(X[:5], dtype=torch.float32)
    views = net.two_views(xb, torch.Generator().manual_seed(0))
    assert views.shape == (10, 6)
    assert not torch.equal(views[:5], views[5:])
    torch.testing.assert_close(views[:5], xb, atol=2.0, rtol=0)  # noise of std 0.3


def test_the_loss_is_built_by_check_loss_and_its_temperature_set_in_place():
    X, _ = _blobs(n=40)
    net = _small(max_epochs=1).fit(X).net_
    assert net.criterion == "nt_xent" and isinstance(net.criterion_, NTXentLoss)
    criterion, optimizer = net.criterion_, net.optimizer_
    net.set_params(criterion__temperature=0.7)  # skorch would rebuild both
    assert net.criterion_ is criterion and net.optimizer_ is optimizer
    assert criterion.temperature == 0.7 and net.criterion__temperature == 0.7
    mine = NTXentLoss(temperature=0.1)  # an instance keeps its own temperature
    net = _small(max_epochs=1, loss=mine).fit(X).net_
    net.set_params(criterion__temperature=0.7)
    assert net.criterion_ is not mine and net.criterion_.temperature == 0.1


def test_a_snapshot_puts_back_weights_history_and_streams():
    X, _ = _blobs(n=40)
    emb = _small(max_epochs=1).fit(X)
    net = emb.net_
    snapshot, Z = net.snapshot(), emb.transform(X)
    assert all(t.device.type == "cpu" for t in snapshot["states"]["module_"].values())
    net.partial_fit(X)
    assert len(net.history) == 2
    net.restore(snapshot)
    assert len(net.history) == 1 and not net.module_.training
    np.testing.assert_array_equal(emb.transform(X), Z)
    twin = pickle.loads(pickle.dumps(emb))
    np.testing.assert_array_equal(
        net.partial_fit(X).module_(torch.as_tensor(X[:3], dtype=torch.float32)).detach(),
        twin.net_.partial_fit(X).module_(torch.as_tensor(X[:3], dtype=torch.float32)).detach(),
    )


# ------------------------------------------------------------------ batches (_batching)


def test_final_batch_of_one_is_dropped():
    X, _ = _blobs(n=65)
    emb = _small(batch_size=64, max_epochs=1).fit(X)
    sizes = [b["train_batch_size"] for b in emb.history_[-1, "batches"]]
    assert sizes == [64]


def test_batch_size_larger_than_data_uses_one_batch():
    X, _ = _blobs(n=40)
    emb = _small(batch_size=256, max_epochs=1).fit(X)
    assert [b["train_batch_size"] for b in emb.history_[-1, "batches"]] == [40]


def test_evaluation_batches_keep_every_row():
    from skcontrast.embed._batching import BatchData, BatchIterator

    data = BatchData(np.zeros((65, 2), dtype=np.float32), None, torch.device("cpu"))
    assert sum(len(xb) for xb, _ in BatchIterator(data, 32, shuffle=False)) == 65
    gen = torch.Generator().manual_seed(0)
    assert sum(len(xb) for xb, _ in BatchIterator(data, 32, shuffle=True, generator=gen)) == 64


def test_csr_fingerprints_are_never_densified_whole():
    """Augmenters are fitted on the CSR matrix and batches are densified one at a time."""
    import tracemalloc

    from skcontrast.augment import BitDropout, ConditionJitter

    X = sp.random(3000, 1024, density=0.03, format="csr", random_state=0, dtype=np.float32)
    X.data[:] = 1.0
    view = make_pipeline(
        ConditionJitter(std=0.05, mask_prob=0.1, bounds="fit", columns=[0, 1, 2, 3]),
        BitDropout(p=0.1, columns=slice(4, None)),
    )
    _small(augmenter=view, max_epochs=1).fit(X[:64])  # warm-up: one-time allocations
    tracemalloc.start()
    try:
        _small(augmenter=view, max_epochs=1, batch_size=128).fit(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    dense_bytes = X.shape[0] * X.shape[1] * 4
    assert peak < dense_bytes / 4, (peak, dense_bytes)


def test_streaming_from_host_memory_matches_training_on_the_device(monkeypatch):
    """The double-buffered path for X too large for the GPU, run on the CPU with
    pinning and CUDA events stubbed out: same batches, same model."""
    from skcontrast.embed import _batching

    X, _ = _blobs(n=250)
    on_device = _small(max_epochs=2).fit(X).transform(X)

    class Event:
        def record(self):
            pass

        def synchronize(self):
            pass

    monkeypatch.setattr(_batching, "_fits_on_device", lambda nbytes, device: False)
    monkeypatch.setattr(torch.Tensor, "pin_memory", lambda self, *a, **k: self.clone())
    monkeypatch.setattr(torch.cuda, "Event", Event)
    data = _batching.BatchData(X, None, torch.device("cpu"))
    assert data.location == _batching._PINNED
    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(0))
    for start in range(0, len(X), 64):  # buffers alternate and grow; rows are right
        idx = order[start : start + 64]
        np.testing.assert_array_equal(data.rows(idx).numpy(), X[idx.numpy()].astype(np.float32))
    np.testing.assert_array_equal(data.rows(slice(10, 13)).numpy(), X[10:13].astype(np.float32))
    streamed = _small(max_epochs=2).fit(X).transform(X)
    np.testing.assert_array_equal(streamed, on_device)


# ------------------------------------------------------------------ callbacks (_callbacks)


class _NaNEncoder(torch.nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.lin = torch.nn.Linear(in_features, out_features)

    def forward(self, x):
        out = self.lin(x)
        return out * float("nan") if self.training else out


def test_nan_loss_stops_with_epoch_in_message():
    X, _ = _blobs()
    emb = _small(encoder=_NaNEncoder)
    with pytest.raises(FloatingPointError, match="epoch 1"):
        emb.fit(X)
    with pytest.raises(NotFittedError):  # no half-trained (NaN) model is left behind
        emb.transform(X)


class _Snapshots(Callback):
    def initialize(self):
        self.states_ = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.states_.append(copy.deepcopy(net.module_.state_dict()))
        self.head_states_ = getattr(self, "head_states_", [])
        self.head_states_.append(copy.deepcopy(net.head_.state_dict()))


def test_early_stopping_stops_and_restores_best_weights():
    X, _ = _blobs(n=200)
    emb = _small(
        max_epochs=300,
        lr=3e-2,
        validation_fraction=0.25,
        early_stopping=3,
        callbacks=[("snap", _Snapshots())],
    ).fit(X)
    assert emb.n_iter_ < 300
    valid = emb.history_[:, "valid_loss"]
    best = int(np.argmin(valid))
    snap = dict(emb.net_.callbacks_)["snap"]
    assert best < emb.n_iter_ - 1  # so restoring changes something
    for key, value in emb.net_.module_.state_dict().items():
        torch.testing.assert_close(value, snap.states_[best][key])
    for key, value in emb.net_.head_.state_dict().items():  # the head comes back too
        torch.testing.assert_close(value, snap.head_states_[best][key])


@pytest.mark.parametrize("off", [False, np.False_])
def test_early_stopping_off(off):
    X, _ = _blobs()
    emb = _small(max_epochs=4, early_stopping=off).fit(X)
    assert emb.n_iter_ == 4 and "early_stopping" not in dict(emb.net_.callbacks_)


def test_callbacks_parameter_is_not_mutated():
    X, _ = _blobs()
    cb = _Snapshots()
    _small(callbacks=[("snap", cb)]).fit(X)
    assert not hasattr(cb, "states_")
