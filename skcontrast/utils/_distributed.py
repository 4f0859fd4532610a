"""Multi-process training with ``torch.distributed``: the process group, the split of
each global batch between the processes, and gathering rows with autograd.

``ContrastiveEmbedder(distributed=True)`` under a launcher (``torchrun``,
``accelerate launch``: the environment variables ``WORLD_SIZE``, ``RANK``,
``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``) trains one model with all the
processes:

- every process holds the whole X (checked at the start by one collective,
  :func:`agree_start`, which also gives every process rank 0's seed) and walks
  through the same shuffled global batches (the shuffle generator is seeded
  alike everywhere);
- every process draws the two views of the whole global batch from the same
  view generator, then keeps its contiguous slice of rows (:func:`local_bounds`),
  so the views are exactly those that one process would train on;
- the encoder and head run on the slice inside ``DistributedDataParallel``
  (gradients averaged over the processes), and the loss gathers the slices'
  embeddings (and labels, groups) with an autograd-aware all_gather
  (:func:`gather_rows`), so its value is the loss of the global batch.

skorch's ``AccelerateMixin`` is not used: its training step replaces the net's
two-view step, it moves the data to devices itself, and it wraps the
parameter-free loss in DDP; plain ``torch.distributed`` covers what is needed.
"""

from __future__ import annotations

import atexit
import os
import zlib

import numpy as np
import scipy.sparse as sp
import torch
import torch.distributed as dist

__all__ = [
    "agree_start",
    "all_reduce_mean",
    "gather_rows",
    "is_lead_process",
    "is_multi_process",
    "launched_world_size",
    "local_bounds",
    "start_process_group",
]


def launched_world_size() -> int:
    """The number of processes the launcher started (``WORLD_SIZE``), 1 without one.

    Raises
    ------
    ValueError
        If ``WORLD_SIZE`` is set but is not a positive integer.
    """
    value = os.environ.get("WORLD_SIZE", "1").strip() or "1"
    try:
        world = int(value)
    except ValueError:
        world = 0
    if world < 1:
        raise ValueError(
            f"the environment variable WORLD_SIZE must be an integer >= 1, got {value!r}."
        )
    return world


def is_multi_process() -> bool:
    """Whether a default process group of two or more processes is initialised."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def _wants_cuda(device) -> bool:
    device = str(device)
    if device == "auto":
        return torch.cuda.is_available()
    return device.startswith("cuda")


def start_process_group(device) -> bool:
    """Initialise the default process group when a launcher started several processes.

    Uses an already initialised group as it is. Otherwise, when ``WORLD_SIZE``
    is above 1, initialises one from the launcher's environment variables
    (``init_method="env://"``) with the ``nccl`` backend for a CUDA ``device``
    (after ``torch.cuda.set_device(LOCAL_RANK)``, so that ``"cuda"`` is this
    process's GPU) and ``gloo`` on the CPU; it is destroyed when the
    process exits.

    Parameters
    ----------
    device : str or torch.device
        The embedder's ``device`` (``"auto"``, ``"cpu"``, ``"cuda"``...).

    Returns
    -------
    bool
        True when training is multi-process (a group of two or more
        processes); False for a single process (no launcher, or
        ``WORLD_SIZE=1``), which then trains as if ``distributed=False``.

    Raises
    ------
    RuntimeError
        If a launcher started several processes but this torch build has no
        ``torch.distributed``.
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size() > 1
    if launched_world_size() <= 1:
        return False
    if not dist.is_available():
        raise RuntimeError(
            "distributed=True and WORLD_SIZE > 1, but this torch build has no torch.distributed."
        )
    if _wants_cuda(device):
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        backend = "nccl"
    else:
        backend = "gloo"
    dist.init_process_group(backend=backend, init_method="env://")
    atexit.register(_destroy_group)
    return dist.get_world_size() > 1


def _destroy_group() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def _collective_device() -> torch.device:
    """Where small tensors for a collective live: the current GPU for nccl, else the CPU."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _fingerprint(values) -> list[int]:
    """(present, rows, columns, CRC-32 of the values) of an array, a CSR matrix or None.

    The CRC is exact (no float rounding to tolerate between machines) and is
    computed a block of rows at a time, so a non-contiguous X is copied one
    block at a time at most.
    """
    if values is None:
        return [0, 0, 0, 0]
    shape = tuple(values.shape)
    columns = int(np.prod(shape[1:], dtype=np.int64)) if len(shape) > 1 else 1
    if sp.issparse(values):
        values = values.tocsr()
        parts = [values.data, values.indices, values.indptr]
    else:
        values = np.asarray(values)
        step = max(1, (1 << 26) // max(1, values.itemsize * columns))  # about 64 MB
        parts = [values[start : start + step] for start in range(0, shape[0], step)]
    crc = 0
    for part in parts:
        crc = zlib.crc32(np.ascontiguousarray(part).data, crc)
    return [1, int(shape[0]), columns, crc]


def _describe(name: str, rows: int, columns: int, present: int, ndim: int) -> str:
    if not present:
        return f"no {name}"
    return f"{rows} rows and {columns} columns" if ndim > 1 else f"{rows} rows"


def agree_start(seed: int, X, y, groups, *, distributed: bool, device, failed: bool = False) -> int:
    """The one collective that starts a multi-process fit: the same data, rank 0's seed.

    Every process passes the seed it drew, the data it was given and whether
    its own checks failed (``failed``). One all_gather of a few integers per process
    (each array's shape and a CRC-32 of its values, the error flag and the
    seed) lets every process take the same decision: ranks given different
    data would walk through different numbers of batches and wait forever
    for each other, and a rank whose checks raised would leave the others
    waiting at the next collective. A single process (``distributed`` False,
    no launcher, ``WORLD_SIZE=1``) returns ``seed`` and computes nothing.

    Parameters
    ----------
    seed : int
        This process's seed (with ``random_state=None`` every process draws its own).
    X : ndarray or CSR matrix
        The validated X (ignored when ``failed``).
    y, groups : ndarray or None
        The class codes and group codes (ignored when ``failed``).
    distributed : bool
        The embedder's ``distributed``.
    device : str or torch.device
        The embedder's ``device`` (for the process group's backend).
    failed : bool, default=False
        This process's checks raised: it only takes part in the collective
        (and then raises its own error).

    Returns
    -------
    int
        Rank 0's seed.

    Raises
    ------
    ValueError
        On every process that did not fail, the same message: the ranks whose
        checks failed, or else each array that differs from rank 0's (its
        rows and columns, or its values), with the reminder that every
        process calls ``fit`` with the whole X.
    """
    if not distributed or not start_process_group(device):
        return seed
    data = {"X": X, "y": y, "groups": groups}
    names = list(data)
    mine = [int(failed), int(seed)]
    for name in names:  # the same length on every process, failed or not
        mine += [0, 0, 0, 0] if failed else _fingerprint(data[name])
    value = torch.tensor(mine, dtype=torch.int64, device=_collective_device())
    parts = [torch.empty_like(value) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, value)
    table = [part.tolist() for part in parts]
    if failed:
        return seed
    failures = [rank for rank, row in enumerate(table) if row[0]]
    if failures:
        raise ValueError(
            f"distributed=True: fit failed on rank(s) {', '.join(map(str, failures))} "
            "before training (that process raised the error that says why: the checks "
            "of X, y, groups or the parameters); this process stops too instead of "
            "waiting for it forever."
        )
    differences = []
    for rank, row in enumerate(table[1:], start=1):
        for i, name in enumerate(names):
            present, rows, columns, crc = row[2 + 4 * i : 6 + 4 * i]
            present0, rows0, columns0, crc0 = table[0][2 + 4 * i : 6 + 4 * i]
            ndim = 2 if name == "X" else 1
            if (present, rows, columns) != (present0, rows0, columns0):
                differences.append(
                    f"{name} has {_describe(name, rows, columns, present, ndim)} on rank "
                    f"{rank} but {_describe(name, rows0, columns0, present0, ndim)} on rank 0"
                )
            elif crc != crc0:
                differences.append(f"{name} holds other values on rank {rank} than on rank 0")
    if differences:
        raise ValueError(
            "distributed=True, but the processes were not given the same data: "
            + "; ".join(differences)
            + ". Every process must call fit with the whole X (and the same y and "
            "groups): each trains on its slice of every global batch."
        )
    return int(table[0][1])


def is_lead_process(distributed: bool) -> bool:
    """Whether this process prints and warns: rank 0 of a multi-process fit, else True."""
    return not (distributed and is_multi_process()) or dist.get_rank() == 0


def local_bounds(n_rows: int, rank: int, world_size: int) -> tuple[int, int]:
    """This process's rows ``[start, stop)`` of a global batch of ``n_rows``.

    Contiguous slices, in rank order, whose sizes differ by at most one (as
    :func:`numpy.array_split`), so that the slices gathered in rank order are
    the global batch in its order.

    Examples
    --------
    >>> [local_bounds(5, rank, 2) for rank in range(2)]
    [(0, 3), (3, 5)]
    """
    base, extra = divmod(int(n_rows), int(world_size))
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


class _AllGatherRows(torch.autograd.Function):
    """``dist.all_gather`` whose backward sums every process's gradient for each part.

    The pattern of SimCLR's and lightly's ``GatherLayer``, on public
    collectives only (``torch.distributed.nn.functional.all_gather`` is
    deprecated since torch 2.13, and the functional collectives that replace
    it are private).
    """

    @staticmethod
    def forward(ctx, tensor: torch.Tensor):
        parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, tensor)
        return tuple(parts)

    @staticmethod
    def backward(ctx, *grads: torch.Tensor) -> torch.Tensor:
        stacked = torch.stack(grads).contiguous()
        dist.all_reduce(stacked, op=dist.ReduceOp.SUM)
        return stacked[dist.get_rank()]


def gather_rows(*tensors: torch.Tensor | None) -> tuple[torch.Tensor | None, ...]:
    """Every process's rows of each tensor, concatenated in rank order.

    Floating-point tensors go through an all_gather whose backward sums the gradients
    that all the processes pass back for each process's rows (as lightly's
    ``GatherLayer`` does): a loss computed on the gathered tensors on every process
    therefore passes back ``world_size`` times its gradient, which
    ``DistributedDataParallel``'s averaging over the processes divides out. Integer and
    bool tensors (labels, groups; bool becomes int64) are gathered without gradients.
    The processes may hold different numbers of rows (even none): rows are padded to the
    largest count for the collective and the padding is dropped.

    Parameters
    ----------
    *tensors : torch.Tensor or None
        Tensors with the same number of rows (dim 0) on this process; None
        stays None.

    Returns
    -------
    tuple
        One gathered tensor (or None) per argument.
    """
    present = [t for t in tensors if t is not None]
    if not present:
        return tensors
    world = dist.get_world_size()
    n = present[0].shape[0]
    count = torch.tensor([n], dtype=torch.int64, device=_collective_device())
    counts = [torch.empty_like(count) for _ in range(world)]
    dist.all_gather(counts, count)
    sizes = [int(c.item()) for c in counts]
    most = max(sizes)
    gathered = []
    for tensor in tensors:
        if tensor is None:
            gathered.append(None)
            continue
        if tensor.dtype == torch.bool:
            tensor = tensor.to(torch.int64)
        if most > n:
            pad = tensor.new_zeros((most - n, *tensor.shape[1:]))
            tensor = torch.cat([tensor, pad])
        tensor = tensor.contiguous()
        if tensor.is_floating_point():
            parts = _AllGatherRows.apply(tensor)
        else:
            parts = [torch.empty_like(tensor) for _ in range(world)]
            dist.all_gather(parts, tensor)
        gathered.append(torch.cat([part[:size] for part, size in zip(parts, sizes, strict=True)]))
    return tuple(gathered)


def all_reduce_mean(value: torch.Tensor) -> torch.Tensor:
    """The mean over the processes of a detached scalar, the same on every process.

    What the history records, so that the loss guard and early stopping take
    the same decision on every process (none waits forever for the others).
    A NaN on one process is a NaN on all.
    """
    total = value.detach().clone()
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return total / dist.get_world_size()
