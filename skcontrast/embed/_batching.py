"""Whole-tensor batches for ContrastiveNet: rows held once, sliced by index tensors.

Batches are whole tensors sliced with a shuffled index tensor, never lists of
samples collated by a ``DataLoader`` (skorch's per-sample path caps training at
about 50 k samples/s on a GPU). X is moved to the device once when it fits, or
streamed from pinned CPU memory with non-blocking copies when it does not; CSR
X stays sparse on the CPU and is densified one batch at a time.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
import torch

from skcontrast.utils._torch import tensor_view
from skcontrast.utils._validation import validate_float

_SPARSE = "sparse"
_DEVICE = "device"
_PINNED = "pinned"


def _float32(X):
    """X (ndarray or CSR) as float32.

    ``ContrastiveEmbedder`` passes float32 already; anything else goes through
    the one float-input check, so that no cast here turns a value beyond
    float32's range into infinity.
    """
    if getattr(X, "dtype", None) == np.float32 and (sp.issparse(X) or isinstance(X, np.ndarray)):
        return X
    return validate_float(None, X, reset=False, float32=True)


def _fits_on_device(nbytes: int, device: torch.device) -> bool:
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return nbytes < 0.5 * free


class BatchData:
    """Training rows held for whole-batch indexing.

    Dense X lives on the training device when it fits (on the CPU it is shared with
    the NumPy array, no copy); otherwise in pinned CPU memory, copied batch by batch
    with non-blocking transfers. CSR X stays sparse on the CPU and is densified one
    batch at a time.
    """

    def __init__(self, X, y, device: torch.device) -> None:
        self.device = device
        X = _float32(X)
        self.n = X.shape[0]
        if sp.issparse(X):
            self.X = sp.csr_matrix(X)
            self.location = _SPARSE
        else:
            Xt = tensor_view(np.ascontiguousarray(X))
            if _fits_on_device(Xt.element_size() * Xt.nelement(), device):
                self.X = Xt.to(device)
                self.location = _DEVICE
            else:
                self.X = Xt.pin_memory()
                self.location = _PINNED
                self._buffers: list[torch.Tensor | None] = [None, None]
                self._events: list[torch.cuda.Event | None] = [None, None]
                self._turn = 0
        self.y = None if y is None else torch.as_tensor(y).to(device)

    def __len__(self) -> int:
        return self.n

    @property
    def index_device(self) -> torch.device:
        """Where shuffled index tensors should live."""
        return self.device if self.location == _DEVICE else torch.device("cpu")

    def rows(self, index: torch.Tensor | slice) -> torch.Tensor:
        """The rows at ``index`` as a float32 tensor on the training device."""
        if self.location == _DEVICE:
            return self.X[index]
        if self.location == _SPARSE:
            idx = index if isinstance(index, slice) else index.numpy()
            dense = torch.from_numpy(self.X[idx].toarray())
            return dense.to(self.device, non_blocking=False)
        # pinned: gather into one of two pinned buffers, copy asynchronously
        idx = torch.arange(index.start, index.stop) if isinstance(index, slice) else index
        k = self._turn
        self._turn = 1 - k
        if self._events[k] is not None:
            self._events[k].synchronize()  # the copy that last used this buffer is done
        size = (len(idx), self.X.shape[1])
        buf = self._buffers[k]
        if buf is None or buf.shape[0] < size[0]:
            buf = torch.empty(size, dtype=self.X.dtype).pin_memory()
            self._buffers[k] = buf
        torch.index_select(self.X, 0, idx, out=buf[: size[0]])
        out = buf[: size[0]].to(self.device, non_blocking=True)
        event = torch.cuda.Event()
        event.record()
        self._events[k] = event
        return out

    def labels(self, index: torch.Tensor | slice) -> torch.Tensor | None:
        if self.y is None:
            return None
        if isinstance(index, torch.Tensor):
            index = index.to(self.y.device)
        return self.y[index]


class BatchIterator:
    """Re-iterable whole-batch iterator; shuffles with its own torch generator.

    A contrastive loss needs two samples: a final batch of a single sample is
    dropped when training (shuffled, so no row is always left out) and joined to
    the previous batch otherwise.
    """

    def __init__(
        self,
        data: BatchData,
        batch_size: int,
        shuffle: bool,
        generator: torch.Generator | None = None,
    ) -> None:
        self.data = data
        self.batch_size = max(2, min(int(batch_size), data.n))
        self.shuffle = shuffle
        self.generator = generator

    def _bounds(self) -> list[tuple[int, int]]:
        n, bs = self.data.n, self.batch_size
        bounds = [(s, min(s + bs, n)) for s in range(0, n, bs)]
        if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
            if self.shuffle:  # training: drop it (reshuffled next epoch)
                bounds.pop()
            else:  # evaluation: every row counts, so join it to the previous batch
                bounds[-2:] = [(bounds[-2][0], n)]
        return bounds

    def __len__(self) -> int:
        return len(self._bounds())

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        order = None
        if self.shuffle:
            order = torch.randperm(
                self.data.n, generator=self.generator, device=self.data.index_device
            )
        for start, stop in self._bounds():
            index = slice(start, stop) if order is None else order[start:stop]
            yield self.data.rows(index), self.data.labels(index)
