"""How many CPU threads torch uses during a call, set for that call only.

torch runs its CPU kernels on an intra-op thread pool (OpenMP in the CPU
wheels) whose size :func:`torch.get_num_threads` reports and
:func:`torch.set_num_threads` changes. At start-up torch sizes it from
``MKL_NUM_THREADS`` or ``OMP_NUM_THREADS`` when set, else from the number of
CPU cores. Parallel workers share the cores:

- joblib's ``loky`` workers (scikit-learn's ``n_jobs``) start with
  ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` set to ``cpu_count() // n_jobs``
  (or to ``joblib.parallel_config(inner_max_num_threads=...)``), unless the
  parent process set them (joblib ``_parallel_backends._prepare_worker_env``);
- dask's nanny starts its workers with ``distributed.nanny.pre-spawn-environ``,
  whose defaults set them to 1;
- joblib's ``multiprocessing`` backend sets nothing: a forked worker inherits
  the parent's pool size, so ``n_jobs`` workers each run ``cpu_count()``
  threads; so do the tasks of a dask worker without a nanny (``dask worker
  --no-nanny``, measured: 2 torch threads each on 2 cores) and of the workers
  of ``LocalCluster(processes=False)``, threads of the client's process;
- joblib's ``threading`` backend runs its workers as threads of the main
  program, which keep torch's setting.

:func:`effective_n_threads` resolves ``ContrastiveEmbedder(n_threads=...)``
and :func:`torch_threads` applies it for one call.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import numbers
import os
import sys
import threading
from collections.abc import Iterator

#: The variables torch reads at start-up for its intra-op pool, first wins
#: (``MKL_NUM_THREADS`` takes precedence over ``OMP_NUM_THREADS`` in torch).
THREAD_LIMIT_VARIABLES = ("MKL_NUM_THREADS", "OMP_NUM_THREADS")


def env_thread_limit() -> int | None:
    """The thread limit the environment sets for torch, or None.

    The first of :data:`THREAD_LIMIT_VARIABLES` that holds a positive integer
    (OpenMP's list form ``"4,2"`` counts its first level); a variable that is
    unset, empty or malformed is skipped, as torch skips it.
    """
    for name in THREAD_LIMIT_VARIABLES:
        value = os.environ.get(name, "").split(",")[0].strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def dask_worker_nthreads() -> int | None:
    """The number of task threads of the dask worker running this call, or None.

    None outside a dask worker (also when ``distributed`` was never imported:
    a dask worker imports it before running any task).
    """
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        worker = distributed.get_worker()
    except (ValueError, AttributeError):  # ValueError: "No worker found"
        return None
    state = getattr(worker, "state", worker)  # distributed >= 2022.6 keeps it in .state
    nthreads = getattr(state, "nthreads", None)
    return int(nthreads) if nthreads else None


def in_worker() -> bool:
    """Whether this call runs in a parallel worker rather than the main program.

    A worker process (a :mod:`multiprocessing` child: joblib's ``loky`` and
    ``multiprocessing`` workers, dask's nanny workers, ``multiprocessing.Pool``,
    ``concurrent.futures.ProcessPoolExecutor``) or a task of a dask worker.
    Threads of the main program (joblib's ``threading`` backend) are not
    workers here: they share its interpreter lock, and measured on 2 busy
    cores, capping them at one torch thread each made a 2-fold grid search
    slower (``benchmarks/bench_threads.py``).
    """
    return multiprocessing.parent_process() is not None or dask_worker_nthreads() is not None


def worker_share() -> int:
    """The number of CPU threads one task of this parallel worker may use.

    The environment's limit (:func:`env_thread_limit`: what joblib's loky
    workers, dask's nanny and torchrun set), else 1: one torch thread per
    task. A worker does not know how many other workers share the cores, and a
    dask worker runs ``nthreads`` tasks at once in one process (each task
    thread a core's worth of work), so one thread per task is the share that
    never oversubscribes; it is what dask's nanny sets
    (``distributed.nanny.pre-spawn-environ``: ``OMP_NUM_THREADS=1``). A user
    who gives each task more cores says so with ``n_threads`` or the
    environment.
    """
    limit = env_thread_limit()
    if limit is not None:
        return limit
    return 1


def effective_n_threads(n_threads: int | None, current: int | None = None) -> int:
    """The number of torch CPU threads a call with ``n_threads`` runs with.

    Parameters
    ----------
    n_threads : int >= 1 or None
        An int is used as it is. None keeps torch's current count in the main
        program, and in a parallel worker (:func:`in_worker`) caps it at the
        worker's share of the cores (:func:`worker_share`).
    current : int or None, default=None
        torch's current count (:func:`torch.get_num_threads` when None).

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    ValueError
        When ``n_threads`` is neither None nor a positive int (the message
        names the parameter and the value).
    """
    if n_threads is not None:
        if isinstance(n_threads, bool) or not isinstance(n_threads, numbers.Integral):
            raise ValueError(f"n_threads must be None or an int >= 1, got {n_threads!r}.")
        if n_threads < 1:
            raise ValueError(f"n_threads must be None or an int >= 1, got {n_threads!r}.")
        return int(n_threads)
    if current is None:
        import torch

        current = torch.get_num_threads()
    if in_worker():
        return max(min(current, worker_share()), 1)
    return current


_lock = threading.Lock()
_active = 0  # torch_threads blocks running now, in any thread
_original = 0  # the count found by the first of them


@contextlib.contextmanager
def torch_threads(n_threads: int | None) -> Iterator[int]:
    """Run the block with torch's intra-op pool set by ``n_threads``; restore it after.

    Sets :func:`torch.set_num_threads` to :func:`effective_n_threads` when
    that differs from the current count, and puts the previous count back on
    exit, also when the block raises. Yields the count in effect.

    ``torch.set_num_threads`` is process-wide: it changes the calling thread's
    pool and the default of threads that start using torch afterwards (while
    torch threads already running keep their own count). So code in other
    threads of the process that starts torch work during the block runs with
    this count too. The inter-op pool (:func:`torch.set_num_interop_threads`,
    which can be set only once per process) is left alone.
    """
    import torch

    global _active, _original
    with _lock:  # blocks may overlap in threads (joblib's threading backend)
        previous = torch.get_num_threads()
        if _active == 0:
            _original = previous
        _active += 1
        wanted = effective_n_threads(n_threads, previous)
        if wanted != previous:
            torch.set_num_threads(wanted)
    try:
        yield wanted
    finally:
        with _lock:
            _active -= 1
            # the last block to end puts back the count found by the first to
            # start, whatever order overlapping blocks ended in
            restore = _original if _active == 0 else previous
            if torch.get_num_threads() != restore:
                torch.set_num_threads(restore)
