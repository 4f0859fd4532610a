"""Multi-process training with ``torch.distributed``: the process group, the split of
each global batch between the processes, and gathering rows with autograd.

``ContrastiveEmbedder(distributed=True)`` under a launcher (``torchrun``,
``accelerate launch``: the environment variables ``WORLD_SIZE``, ``RANK``,
``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``) trains one model with all the
processes:

- every process holds the whole X and walks through the same shuffled global
  batches (the shuffle generator is seeded alike everywhere, the seed is
  broadcast from rank 0 when ``random_state`` is None);
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

import torch
import torch.distributed as dist

__all__ = [
    "agree_seed",
    "all_reduce_mean",
    "gather_rows",
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


def agree_seed(seed: int, distributed: bool, device) -> int:
    """Rank 0's seed on every process (``seed`` itself for a single process).

    With ``random_state=None`` every process draws its own seed; the model's
    views, shuffling and validation split must be the same everywhere.
    """
    if not distributed or not start_process_group(device):
        return seed
    value = torch.tensor([int(seed)], dtype=torch.int64, device=_collective_device())
    dist.broadcast(value, src=0)
    return int(value.item())


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

    Floating-point tensors go through an all_gather whose backward sums the gradients that all the processes pass back for each
    process's rows (as lightly's ``GatherLayer`` does): a loss computed on the
    gathered tensors on every process therefore passes back ``world_size``
    times its gradient, which ``DistributedDataParallel``'s averaging over the
    processes divides out. Integer and bool tensors (labels, groups; bool
    becomes int64) are gathered without gradients. The processes may hold
    different numbers of rows (even none): rows are padded to the largest
    count for the collective and the padding is dropped.

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
