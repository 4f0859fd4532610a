"""ContrastiveEmbedder(n_threads=...): torch's CPU threads during a call, restored after."""

from __future__ import annotations

import os
import sys
import types

import pytest
import torch
from joblib import Parallel, delayed, parallel_config
from skorch.callbacks import Callback

from skcontrast.utils import _threads
from skcontrast.utils._sklearn import InvalidParameterError
from skcontrast.utils._threads import effective_n_threads, env_thread_limit, torch_threads
from tests.embed._support import data, tiny

pytestmark = pytest.mark.filterwarnings("ignore:the final training loss is at or near")


class ThreadRecorder(Callback):
    """Records torch's thread count at each epoch and batch of training."""

    def initialize(self):
        self.seen_ = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.seen_.append(torch.get_num_threads())

    def on_batch_end(self, net, **kwargs):
        self.seen_.append(torch.get_num_threads())


def recorded(emb) -> set[int]:
    return set(dict(emb.net_.callbacks_)["threads"].seen_)


@pytest.fixture
def three_threads():
    """torch at 3 threads during the test (a count no default below resolves to)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(3)
    yield 3
    torch.set_num_threads(previous)


@pytest.fixture
def main_program(monkeypatch):
    """As in the main program: no thread-limit variables, no parent process."""
    for name in _threads.THREAD_LIMIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(_threads.multiprocessing, "parent_process", lambda: None)
    monkeypatch.delitem(sys.modules, "distributed", raising=False)


@pytest.fixture
def child_process(main_program, monkeypatch):
    """As in a multiprocessing child process."""
    monkeypatch.setattr(_threads.multiprocessing, "parent_process", lambda: object())


# ---------------------------------------------------------------- resolution
def test_int_is_used_as_given(child_process):
    assert effective_n_threads(5, current=2) == 5
    assert effective_n_threads(1, current=8) == 1


def test_none_keeps_torch_setting_in_main_program(main_program):
    assert effective_n_threads(None, current=7) == 7
    assert effective_n_threads(None) == torch.get_num_threads()


def test_none_in_child_process_without_limit_is_one(child_process):
    assert effective_n_threads(None, current=8) == 1


def test_none_in_child_process_follows_environment(child_process, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert effective_n_threads(None, current=8) == 3
    assert effective_n_threads(None, current=2) == 2  # never raised above torch's count
    monkeypatch.setenv("MKL_NUM_THREADS", "2")  # torch: MKL_NUM_THREADS wins
    assert effective_n_threads(None, current=8) == 2


@pytest.mark.parametrize(
    ("value", "expected"), [("4", 4), ("4,2", 4), (" 2 ", 2), ("", None), ("0", None), ("x", None)]
)
def test_env_thread_limit_parses_like_torch(monkeypatch, value, expected):
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    assert env_thread_limit() == expected


@pytest.mark.parametrize("nthreads", [1, 2])
def test_none_in_dask_worker_is_one_thread_per_task(main_program, monkeypatch, nthreads):
    """A task of a dask worker without a nanny (no limit in the environment) gets one thread."""
    worker = types.SimpleNamespace(state=types.SimpleNamespace(nthreads=nthreads))
    fake = types.SimpleNamespace(get_worker=lambda: worker)
    monkeypatch.setitem(sys.modules, "distributed", fake)
    assert effective_n_threads(None, current=64) == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "4")  # the environment (or the nanny's 1) wins
    assert effective_n_threads(None, current=64) == 4
    assert effective_n_threads(None, current=2) == 2  # never more than torch's own count
    assert effective_n_threads(3, current=64) == 3  # the user's n_threads wins


def test_distributed_imported_outside_a_worker_is_main_program(main_program, monkeypatch):
    def no_worker():
        raise ValueError("No worker found")

    monkeypatch.setitem(sys.modules, "distributed", types.SimpleNamespace(get_worker=no_worker))
    assert effective_n_threads(None, current=6) == 6


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_effective_n_threads_rejects_bad_values(bad):
    with pytest.raises(ValueError, match=r"n_threads must be None or an int >= 1, got"):
        effective_n_threads(bad, current=2)


def test_joblib_threads_of_the_main_program_keep_torch_setting(main_program):
    counts = Parallel(n_jobs=2, backend="threading")(
        delayed(effective_n_threads)(None, 4) for _ in range(2)
    )
    assert counts == [4, 4]


def test_loky_workers_follow_joblib_inner_limit():
    """joblib sets OMP_NUM_THREADS in loky workers; None follows it there."""
    with parallel_config(backend="loky", inner_max_num_threads=1):
        results = Parallel(n_jobs=2)(
            delayed(_threads.effective_n_threads)(None, 8) for _ in range(2)
        )
        limits = Parallel(n_jobs=2)(delayed(os.getenv)("OMP_NUM_THREADS") for _ in range(2))
    assert limits == ["1", "1"]
    assert results == [1, 1]


# ---------------------------------------------------------------- the context
def test_torch_threads_sets_and_restores(three_threads):
    with torch_threads(1) as used:
        assert used == 1
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 3


def test_torch_threads_restores_after_an_error(three_threads):
    with pytest.raises(RuntimeError, match="boom"), torch_threads(2):
        assert torch.get_num_threads() == 2
        raise RuntimeError("boom")
    assert torch.get_num_threads() == 3


def test_torch_threads_none_changes_nothing_in_main_program(three_threads, main_program):
    with torch_threads(None) as used:
        assert used == torch.get_num_threads() == 3
    assert torch.get_num_threads() == 3


# ---------------------------------------------------------------- the embedder
def test_fit_and_partial_fit_run_with_n_threads_and_restore(three_threads):
    X = data(n=48)
    emb = tiny(n_threads=1, max_epochs=2, callbacks=[("threads", ThreadRecorder())]).fit(X)
    assert recorded(emb) == {1}
    assert torch.get_num_threads() == 3
    dict(emb.net_.callbacks_)["threads"].seen_.clear()
    emb.set_params(n_threads=2).partial_fit(X)  # n_threads may change between calls
    assert recorded(emb) == {2}
    assert torch.get_num_threads() == 3


def test_fit_none_keeps_torch_setting_in_main_program(three_threads, main_program):
    emb = tiny(callbacks=[("threads", ThreadRecorder())]).fit(data(n=48))
    assert recorded(emb) == {3}
    assert torch.get_num_threads() == 3


@pytest.mark.parametrize("method", ["transform", "score"])
def test_transform_and_score_run_with_n_threads(three_threads, monkeypatch, method):
    X = data(n=48)
    emb = tiny(n_threads=2).fit(X)
    inner = {"transform": "embed", "score": "evaluate_loss"}[method]
    original = getattr(emb.net_, inner)
    seen = []

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(emb.net_, inner, spy)
    getattr(emb, method)(X)
    assert seen == [2]
    assert torch.get_num_threads() == 3


def test_fits_in_joblib_threads_use_n_threads_each(three_threads, main_program):
    def fit_one(seed):
        emb = tiny(random_state=seed, n_threads=1, callbacks=[("threads", ThreadRecorder())])
        return recorded(emb.fit(data(n=48, seed=seed)))

    seen = Parallel(n_jobs=2, backend="threading")(delayed(fit_one)(s) for s in range(2))
    assert seen == [{1}, {1}]
    assert torch.get_num_threads() == 3


def test_restored_after_a_failed_fit(three_threads):
    X = data(n=48)
    X_bad = X * 1e30  # the loss overflows: FloatingPointError from the guard
    emb = tiny(n_threads=1, lr=1e6)
    with pytest.raises(FloatingPointError):
        emb.fit(X_bad)
    assert torch.get_num_threads() == 3


@pytest.mark.parametrize("bad", [0, -2, 1.5, "1"])
def test_invalid_n_threads_names_the_parameter(bad):
    X = data(n=48)
    with pytest.raises(InvalidParameterError, match=r"'n_threads' parameter"):
        tiny(n_threads=bad).fit(X)
    emb = tiny().fit(X).set_params(n_threads=bad)
    for call in (emb.partial_fit, emb.transform, emb.score):
        with pytest.raises(InvalidParameterError, match=r"'n_threads' parameter"):
            call(X)


def test_unpickling_an_embedder_saved_before_n_threads(three_threads):
    import pickle

    emb = tiny().fit(data(n=48))
    state = emb.__getstate__()
    del state["n_threads"]
    old = ContrastiveEmbedderShell()
    old.__class__ = type(emb)
    old.__setstate__(state)
    assert old.get_params()["n_threads"] is None
    assert pickle.loads(pickle.dumps(old)).transform(data(n=4)).shape == (4, 2)


class ContrastiveEmbedderShell:
    """An empty object whose class is swapped to load a state by hand."""


def test_overlapping_blocks_in_threads_restore_the_original_count():
    import threading

    original = torch.get_num_threads()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with torch_threads(3):
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b():
        a_in.wait(5)
        with torch_threads(1):  # enters while a's block holds 3
            b_in.set()
            a_out.wait(5)  # a's block ends first

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert _threads._active == 0
    assert _threads._original == original
    # a new thread starts from the count the first block found
    seen = []
    t = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    t.start()
    t.join(10)
    assert torch.get_num_threads() == original
    assert seen == [original]
