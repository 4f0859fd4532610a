"""The skorch net behind ContrastiveEmbedder: two views per batch, built on the device.

skorch keeps the bookkeeping (history, callbacks, optimizer, device moves, CUDA-safe
pickling); this subclass changes what a batch is and what a training step does:

- batches are whole tensors sliced with a shuffled index tensor, never lists of
  samples collated by a ``DataLoader`` (skorch's per-sample path caps training at
  about 50 k samples/s on a GPU). X is moved to the device once when it fits, or
  streamed from pinned CPU memory with non-blocking copies when it does not;
- a training step draws two views of the batch with the augmenter's
  ``augment_tensor`` on the training device (a foreign scikit-learn transformer
  runs through its ``transform`` on the CPU), runs encoder -> projection head ->
  contrastive loss on both views in one forward pass;
- inference returns the encoder output only.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping

from skcontrast.augment._views import _steps, apply_tensor_steps
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


def _generator_key(name: str, device) -> str:
    """The key of a random stream: ``"views/cpu"``, ``"shuffle/cuda:0"``..."""
    return f"{name}/{device}"


def _plain_generator_states(states: dict) -> dict:
    """Generator states as ``{"name/device": uint8 ndarray}``.

    Pickles of older versions keyed them by ``(name, device)`` tuples and held
    fresh torch tensors, whose pickle embeds a memory address (so it differed
    between two ``pickle.dumps`` of the same net).
    """
    plain = {}
    for key, state in states.items():
        if isinstance(key, tuple):
            key = _generator_key(*key)
        if isinstance(state, torch.Tensor):
            state = state.detach().cpu().numpy()
        plain[str(key)] = np.array(state, dtype=np.uint8, copy=True)
    return plain


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


class FiniteLossGuard(Callback):
    """Stop training with a clear error as soon as a batch loss is NaN or infinite."""

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        key = "train_loss" if training else "valid_loss"
        value = net.history[-1, "batches", -1, key]
        if not math.isfinite(value):
            epoch = len(net.history)
            batch_no = len(net.history[-1, "batches"])
            raise FloatingPointError(
                f"the contrastive {key.replace('_', ' ')} became {value} at epoch {epoch}, "
                f"batch {batch_no}. Lower lr, raise temperature, scale the input "
                "features, or check the augmenter for NaN/inf."
            )


class EarlyStoppingWithHead(EarlyStopping):
    """skorch's ``EarlyStopping`` that restores the projection head with the encoder.

    skorch saves and restores ``module_`` only; the head is part of the trained
    model too (``score`` and ``partial_fit`` use it), so the best epoch's head
    comes back with the best epoch's encoder.
    """

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        self.best_head_weights_ = None

    def on_epoch_end(self, net, **kwargs):
        try:
            super().on_epoch_end(net, **kwargs)
        finally:  # also when it stops training (KeyboardInterrupt) at patience 0
            head = getattr(net, "head_", None)
            if self.load_best and head is not None and self.best_epoch_ == net.history[-1, "epoch"]:
                self.best_head_weights_ = copy.deepcopy(head.state_dict())

    def on_train_end(self, net, **kwargs):
        head = getattr(net, "head_", None)
        restore = (
            self.load_best
            and self.best_epoch_ != net.history[-1, "epoch"]
            and self.best_model_weights_ is not None
            and head is not None
            and getattr(self, "best_head_weights_", None) is not None
        )
        super().on_train_end(net, **kwargs)
        if restore:
            head.load_state_dict(self.best_head_weights_)

    def __getstate__(self):
        state = super().__getstate__()
        state["best_head_weights_"] = None
        return state


class ContrastiveNet(NeuralNet):
    """A skorch ``NeuralNet`` that trains an encoder with a contrastive loss.

    ``module`` is the encoder, ``criterion`` a contrastive loss module
    (:class:`~skcontrast.losses.NTXentLoss`, ...). Extra parameters:

    head : torch.nn.Module or None
        Projection head used for the loss only (registered as ``head_``).
    augmenter : fitted augmenter, Pipeline of augmenters or transformer
        Makes the views.
    view_seed : int
        Seeds the view and shuffle generators.
    valid_fraction : float
        Fraction of rows held out (with ``view_seed``) for ``valid_loss``.
    supervised : bool
        Pass y to the criterion (SupCon).
    """

    def __init__(
        self,
        module,
        criterion,
        *args,
        head=None,
        augmenter=None,
        view_seed: int = 0,
        valid_fraction: float = 0.0,
        supervised: bool = False,
        **kwargs,
    ) -> None:
        # set before NeuralNet.__init__: skorch refuses torch components set later
        self.head = head
        self.augmenter = augmenter
        self.view_seed = view_seed
        self.valid_fraction = valid_fraction
        self.supervised = supervised
        super().__init__(module, criterion, *args, **kwargs)

    # --- set-up -----------------------------------------------------------------
    @property
    def _default_callbacks(self):
        return [*super()._default_callbacks, ("finite_loss_guard", FiniteLossGuard())]

    def initialize_module(self):
        super().initialize_module()
        if self.head is not None:
            self.head_ = self.head
        self._view_steps = [] if self.augmenter is None else _steps(self.augmenter)
        return self

    def _generator(self, name: str, device: torch.device, offset: int) -> torch.Generator:
        key = _generator_key(name, device)
        gens = self.__dict__.setdefault("_generators", {})
        if key not in gens:
            gen = torch.Generator(device=device).manual_seed(self.view_seed + offset)
            saved = self.__dict__.get("_generator_states", {}).pop(key, None)
            if saved is not None:  # a pickled net continues its streams where they were
                gen.set_state(torch.from_numpy(np.array(saved, dtype=np.uint8, copy=True)))
            gens[key] = gen
        return gens[key]

    def __getstate__(self):
        state = super().__getstate__()
        for key in ("_generators", "_view_steps"):
            state.pop(key, None)
        # module/head are the same objects as module_/head_, which skorch pickles in
        # its device-mapped blob; pickling them again would store the weights twice
        # and, for a CUDA model, plainly (unloadable on a CPU-only machine)
        state["module"] = None
        if state.get("head") is not None:
            state["head"] = None
            state["_head_was_set"] = True
        # plain data (str keys, uint8 arrays), so that two pickles of one net are
        # byte-identical: get_state() makes a new tensor on each call, and a
        # pickled tensor embeds the memory address of its storage
        gens = self.__dict__.get("_generators", {})
        states = {
            **self.__dict__.get("_generator_states", {}),
            **{key: gen.get_state() for key, gen in gens.items()},
        }
        state["_generator_states"] = _plain_generator_states(dict(sorted(states.items())))
        return state

    def __setstate__(self, state):
        head_was_set = state.pop("_head_was_set", False)
        state["_generator_states"] = _plain_generator_states(state.get("_generator_states", {}))
        super().__setstate__(state)
        self.__dict__["module"] = self.__dict__.get("module_")
        if head_was_set:
            self.__dict__["head"] = self.__dict__.get("head_")
        self._view_steps = [] if self.augmenter is None else _steps(self.augmenter)

    # --- data -------------------------------------------------------------------
    @property
    def torch_device(self) -> torch.device:
        return torch.device(self.device)

    def get_dataset(self, X, y=None):
        if isinstance(X, BatchData):
            return X
        return BatchData(X, y, self.torch_device)

    def get_split_datasets(self, X, y=None, **fit_params):
        if not self.valid_fraction:
            return self.get_dataset(X, y), None
        n = X.shape[0]
        order = np.random.default_rng(self.view_seed).permutation(n)
        n_valid = round(self.valid_fraction * n)
        valid, train = np.sort(order[:n_valid]), np.sort(order[n_valid:])
        y_train = None if y is None else y[train]
        y_valid = None if y is None else y[valid]
        return self.get_dataset(X[train], y_train), self.get_dataset(X[valid], y_valid)

    def get_iterator(self, dataset, training=False):
        data = self.get_dataset(dataset)
        generator = None
        if training:
            generator = self._generator("shuffle", data.index_device, 1)
        return BatchIterator(data, self.batch_size, shuffle=training, generator=generator)

    # --- steps ------------------------------------------------------------------
    def make_views(self, Xb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Two views of the batch, stacked: shape (2 * len(Xb), n_features).

        The batch is stacked twice and augmented in one pass: every augmenter
        draws independently per row, so the halves are two independent views.
        """
        return apply_tensor_steps(self._view_steps, torch.cat([Xb, Xb], dim=0), generator)

    def contrastive_loss(
        self, Xb: torch.Tensor, yb: torch.Tensor | None, generator: torch.Generator
    ) -> torch.Tensor:
        views = self.make_views(Xb, generator)
        z = self.module_(views)
        if self.head is not None:
            z = self.head_(z)
        if self.supervised:
            return self.criterion_(z, torch.cat([yb, yb]))
        z1, z2 = z.chunk(2, dim=0)
        return self.criterion_(z1, z2)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xb, yb = batch
        loss = self.contrastive_loss(Xb, yb, self._generator("views", Xb.device, 0))
        loss.backward()
        return {"loss": loss, "y_pred": None}

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)
        # the validation loss uses the same views every epoch, so epochs compare
        for key, gen in self.__dict__.get("_generators", {}).items():
            if key.split("/", 1)[0] == "valid":
                gen.manual_seed(self.view_seed + 2)

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        Xb, yb = batch
        with torch.no_grad():
            loss = self.contrastive_loss(Xb, yb, self._generator("valid", Xb.device, 2))
        return {"loss": loss, "y_pred": None}

    # --- inference --------------------------------------------------------------
    def embed(self, X, batch_size: int) -> np.ndarray:
        """Encoder outputs for X (NumPy or CSR), batch by batch, as float32."""
        self.check_is_fitted()
        self._set_training(False)
        X = _float32(X)
        device = self.torch_device
        n = X.shape[0]
        out: np.ndarray | None = None
        with torch.inference_mode():
            for start in range(0, n, batch_size):
                stop = min(start + batch_size, n)
                chunk = X[start:stop]
                chunk = chunk.toarray() if sp.issparse(chunk) else chunk
                xb = tensor_view(np.ascontiguousarray(chunk))
                zb = self.module_(xb.to(device)).float().cpu().numpy()
                if out is None:
                    out = np.empty((n, zb.shape[1]), dtype=np.float32)
                out[start:stop] = zb
        assert out is not None
        return out

    def evaluate_loss(self, X, y, seed: int, batch_size: int) -> float:
        """Mean contrastive loss over X with views from a generator seeded with ``seed``."""
        self.check_is_fitted()
        self._set_training(False)
        data = BatchData(X, y, self.torch_device)
        generator = torch.Generator(device=self.torch_device).manual_seed(seed)
        total, count = 0.0, 0
        with torch.no_grad():
            for Xb, yb in BatchIterator(data, batch_size, shuffle=False):
                loss = self.contrastive_loss(Xb, yb, generator)
                total += float(loss) * len(Xb)
                count += len(Xb)
        return total / count
