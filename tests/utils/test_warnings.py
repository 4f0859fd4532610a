"""warn_user: warnings point at the user's line, past library and pool frames."""

from __future__ import annotations

import os
import threading
import warnings

import pytest
from joblib import Parallel, delayed, parallel_config

import skcontrast
from skcontrast.utils._warnings import _is_plumbing, warn_user

# a function "inside skcontrast": its frames are library frames, as the estimators' are
_LIBRARY_FILE = os.path.join(os.path.dirname(skcontrast.__file__), "_fake_for_test_warnings.py")
_LIBRARY_CODE = """
def library_call(msg):
    warn_user(msg)

def library_pool(msg, n_jobs):  # as GridSearchCV: the library runs library code in joblib
    Parallel(n_jobs=n_jobs)(delayed(library_call)(msg) for _ in range(2))
"""
_namespace: dict = {"warn_user": warn_user, "Parallel": Parallel, "delayed": delayed}
exec(compile(_LIBRARY_CODE, _LIBRARY_FILE, "exec"), _namespace)
library_call, library_pool = _namespace["library_call"], _namespace["library_pool"]


def test_plumbing_covers_the_pools():
    import concurrent.futures.thread
    import multiprocessing.pool

    import joblib.parallel
    import sklearn.utils.parallel
    from joblib.externals.loky import process_executor

    for module in (
        joblib.parallel,
        process_executor,
        sklearn.utils.parallel,
        concurrent.futures.thread,
        multiprocessing.pool,
        threading,
    ):
        assert _is_plumbing(module.__file__), module
    assert _is_plumbing("<frozen runpy>")
    assert not _is_plumbing(__file__)


def test_points_at_the_direct_caller_outside_the_library():
    with pytest.warns(UserWarning, match="direct") as record:
        library_call("direct")
    assert record[0].filename == __file__


def test_points_past_joblib_at_the_users_line():
    with pytest.warns(UserWarning, match="pooled") as record:
        library_pool("pooled", n_jobs=1)
    assert {w.filename for w in record} == {__file__}  # was joblib's parallel.py


def test_a_threading_backend_with_one_job_runs_in_the_users_thread():
    """n_jobs=1 runs sequentially whatever the backend: the user's line is on the stack."""
    with parallel_config(backend="threading"), pytest.warns(UserWarning, match="one job") as record:
        library_pool("one job", n_jobs=1)
    assert {w.filename for w in record} == {__file__}
    assert len(record) == 2  # each call warns: nothing is deduplicated


def test_a_parallel_config_with_more_jobs_runs_in_worker_threads():
    """n_jobs=None takes the jobs of an enclosing parallel_config: worker threads,
    whose stacks hold no user frame, so the library line is named."""
    with (
        parallel_config(backend="threading", n_jobs=2),
        pytest.warns(UserWarning, match="configured") as record,
    ):
        library_pool("configured", n_jobs=None)
    assert {w.filename for w in record} == {_LIBRARY_FILE}


def test_without_a_user_frame_it_points_at_the_library_line():
    """In a pool worker, no frame is the user's: the warning then names the library
    line that raised it (not a frame of joblib or of the worker's start-up)."""
    with pytest.warns(UserWarning, match="worker") as record:
        Parallel(n_jobs=2, backend="threading")(delayed(library_call)("worker") for _ in range(2))
        thread = threading.Thread(target=library_call, args=("worker",))
        thread.start()
        thread.join()
    assert {w.filename for w in record} == {_LIBRARY_FILE}
    assert len(record) == 3


def test_category_is_kept():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_user("custom", RuntimeWarning)
    assert caught[0].category is RuntimeWarning and caught[0].filename == __file__
