"""The skorch net behind ContrastiveEmbedder: two views per batch, built on the device.

skorch keeps the bookkeeping (history, callbacks, optimizer, device moves, CUDA-safe
pickling); this subclass changes what a batch is and what a training step does:

- batches are whole tensors sliced with a shuffled index tensor
  (:mod:`skcontrast.embed._batching`);
- a training step draws two views of the batch with the augmenter's
  ``augment_tensor`` on the training device (a foreign scikit-learn transformer
  runs through its ``transform`` on the CPU), runs encoder -> projection head ->
  loss on both views in one forward pass, and calls the loss the one way every
  :class:`~skcontrast.losses.ContrastiveLoss` is called:
  ``criterion_.forward_views(z1, z2, labels)``;
- ``criterion`` is ``ContrastiveEmbedder``'s ``loss`` (a registered name, a
  ContrastiveLoss subclass or instance), built by
  :func:`~skcontrast.losses.check_loss` with ``criterion__temperature``;
- inference returns the encoder output only;
- with ``distributed`` True under a launcher, each process trains on its slice
  of every global batch inside ``DistributedDataParallel`` and the loss gathers
  the slices (:meth:`ContrastiveNet.partial_fit`, :mod:`skcontrast.utils._distributed`).
"""

from __future__ import annotations

import contextlib
import copy

import numpy as np
import scipy.sparse as sp
import torch
from skorch import NeuralNet
from skorch.callbacks import PassthroughScoring, PrintLog, ProgressBar
from skorch.history import History

from skcontrast.augment._views import _steps, apply_tensor_steps
from skcontrast.embed._batching import BatchData, BatchIterator, _float32

# FiniteLossGuard and EarlyStoppingWithHead lived in this module: pickles of
# earlier versions name them here
from skcontrast.embed._callbacks import EarlyStoppingWithHead, FiniteLossGuard
from skcontrast.losses import _temperature_applies, check_loss
from skcontrast.utils._distributed import all_reduce_mean, local_bounds, start_process_group
from skcontrast.utils._persistence import (
    array_to_tensor,
    check_plain_data,
    plain_data,
    tensor_to_array,
)
from skcontrast.utils._torch import tensor_view

__all__ = ["ContrastiveNet", "EarlyStoppingWithHead", "FiniteLossGuard", "n_valid_rows"]

#: The trained state that a failed partial_fit puts back.
_STATEFUL = ("module_", "head_", "criterion_", "optimizer_")
#: The version of the plain state written by :meth:`ContrastiveNet.plain_state`.
PLAIN_STATE_FORMAT = 1
#: The net's settings that a plain state records (partial_fit may have changed them).
TRAINING_SETTINGS = (
    "lr",
    "optimizer__weight_decay",
    "criterion__temperature",
    "max_epochs",
    "batch_size",
    "valid_fraction",
    "view_seed",
    "verbose",
)


def n_valid_rows(valid_fraction: float, n_rows: int) -> int:
    """The rows the validation split holds out: ``round(valid_fraction * n_rows)``."""
    return round(valid_fraction * n_rows) if valid_fraction else 0


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


def _plain_tensor(value, where: str):
    return (
        tensor_to_array(value, where)
        if isinstance(value, torch.Tensor)
        else plain_data(value, where)
    )


def _plain_module_state(module: torch.nn.Module, name: str) -> dict:
    """A module's ``state_dict`` as ``{key: CPU ndarray}`` (plain values kept)."""
    return {
        key: _plain_tensor(value, f"{name} weights {key!r}")
        for key, value in module.state_dict().items()
    }


def _saved_tensor(value, where: str):
    """A persisted array as a tensor; a 0-d float array as a tensor too (Adam's step)."""
    if isinstance(value, np.ndarray):
        return array_to_tensor(value, where)
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return array_to_tensor(value, where)  # raises the TypeError naming the field


def _load_module_state(module: torch.nn.Module, saved, name: str) -> None:
    if type(saved) is not dict:
        raise TypeError(f"{name} weights must be a dict of arrays, got {type(saved).__name__}.")
    tensors = {key: _saved_tensor(value, f"{name} weights {key!r}") for key, value in saved.items()}
    try:
        module.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        message = " ".join(str(exc).split())
        raise ValueError(
            f"the saved {name} weights do not fit the {name} rebuilt from the parameters: {message}"
        ) from None


def _on_cpu(state):
    """A copy of a (nested) state dict with every tensor on the CPU.

    ``Module.load_state_dict`` and ``Optimizer.load_state_dict`` copy the values
    back to the parameters' device.
    """
    if isinstance(state, torch.Tensor):
        return state.detach().to("cpu", copy=True)
    if isinstance(state, dict):
        return {key: _on_cpu(value) for key, value in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(_on_cpu(value) for value in state)
    return copy.deepcopy(state)


def _set_loss_temperature(net, param: str, value) -> None:
    """skorch's setter of the virtual parameter ``criterion__temperature``.

    skorch's ``set_params`` rebuilds the criterion and then the optimizer when
    a ``criterion__*`` parameter changes, which would lose Adam's state and a
    learning-rate scheduler's progress. As a virtual parameter (like skorch's
    own ``lr``), the temperature is recorded and changed in the live loss
    instead, when :func:`~skcontrast.losses.check_loss` gave the loss its
    temperature (a name or a class; a loss instance keeps its own).
    """
    setattr(net, param, value)
    criterion = getattr(net, "criterion_", None)
    if criterion is None or not _temperature_applies(net.criterion):
        return
    current = getattr(criterion, "temperature", None)
    if isinstance(current, torch.Tensor):  # a learnable temperature: in place
        with torch.no_grad():
            current.fill_(value)
    else:
        criterion.temperature = value


class _EncoderHead(torch.nn.Module):
    """Encoder then head as one module, the one ``DistributedDataParallel`` wraps.

    It holds the net's own ``module_`` and ``head_`` (no copies), so the
    optimizer, the pickles and ``transform`` see the same parameters.
    """

    def __init__(self, encoder: torch.nn.Module, head: torch.nn.Module | None) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.encoder(x)
        return z if self.head is None else self.head(z)


class ContrastiveNet(NeuralNet):
    """A skorch ``NeuralNet`` that trains an encoder with a contrastive loss.

    ``module`` is the encoder; ``criterion`` a registered loss name, a
    :class:`~skcontrast.losses.ContrastiveLoss` subclass or instance, built
    with :func:`~skcontrast.losses.check_loss` and ``criterion__temperature``
    (which ``set_params`` changes in place, keeping the optimizer's state).
    Extra parameters:

    head : torch.nn.Module or None
        Projection head used for the loss only (registered as ``head_``).
    augmenter : fitted augmenter, Pipeline of augmenters or transformer
        Makes the views.
    view_seed : int
        Seeds the view and shuffle generators.
    valid_fraction : float
        Fraction of rows held out (with ``view_seed``) for ``valid_loss``.

    Labels (y) reach the loss when given; the embedder gives them exactly when
    the loss's ``requires_labels`` is True.

    ``distributed`` (an attribute, False unless the embedder sets it before
    training): train with all the processes of a launcher; see
    :meth:`partial_fit`.
    """

    distributed = False

    def __init__(
        self,
        module,
        criterion,
        *args,
        head=None,
        augmenter=None,
        view_seed: int = 0,
        valid_fraction: float = 0.0,
        **kwargs,
    ) -> None:
        # set before NeuralNet.__init__: skorch refuses torch components set later
        self.head = head
        self.augmenter = augmenter
        self.view_seed = view_seed
        self.valid_fraction = valid_fraction
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

    def initialize_criterion(self):
        """``criterion_ = check_loss(criterion, **criterion__kwargs)``: a new loss module."""
        self.criterion_ = check_loss(self.criterion, **self.get_params_for("criterion"))
        return self

    def initialize_virtual_params(self):
        super().initialize_virtual_params()
        self._register_virtual_param("criterion__temperature", _set_loss_temperature)
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

    # --- a state to go back to ----------------------------------------------------
    def snapshot(self) -> dict:
        """The trained state: weights, loss and optimizer state, history length, streams.

        Copied to the host, so that the GPU never holds a second copy of the model.
        """
        generators = self.__dict__.get("_generators", {})
        return {
            "states": {
                name: _on_cpu(getattr(self, name).state_dict())
                for name in _STATEFUL
                if getattr(self, name, None) is not None
            },
            "n_epochs": len(self.history),
            "streams": {key: gen.get_state() for key, gen in generators.items()},
        }

    def restore(self, snapshot: dict) -> None:
        """Put back a :meth:`snapshot`: weights, optimizer, history and random streams."""
        for name, state in snapshot["states"].items():
            getattr(self, name).load_state_dict(state)
        del self.history[snapshot["n_epochs"] :]
        streams = snapshot["streams"]
        generators = self.__dict__.get("_generators", {})
        for key in list(generators):
            if key in streams:
                generators[key].set_state(streams[key])
            else:
                del generators[key]
        self._set_training(False)  # at rest, as after a successful call

    # --- plain state (what ContrastiveEmbedder persists) ----------------------------
    def plain_state(self) -> dict:
        """The trained state as plain data: what pickle and skops store for the net.

        Weights, the loss's and the optimizer's state as CPU NumPy arrays, the
        history as lists and dicts of numbers and strings, the random streams
        as uint8 arrays, the device and :data:`TRAINING_SETTINGS`. Nothing
        else: the encoder, head, loss, optimizer and callbacks are rebuilt
        from the embedder's parameters on load (:meth:`load_plain_state`).
        """
        optimizer = self.optimizer_.state_dict()
        return {
            "format": PLAIN_STATE_FORMAT,
            "device": str(self.device),
            "settings": {name: plain_data(getattr(self, name), name) for name in TRAINING_SETTINGS},
            "early_stopping_monitor": getattr(
                dict(self.callbacks_).get("early_stopping"), "monitor", None
            ),
            "module": _plain_module_state(self.module_, "encoder"),
            "head": None if self.head is None else _plain_module_state(self.head_, "head"),
            "criterion": _plain_module_state(self.criterion_, "loss"),
            "optimizer": {
                "state": {
                    str(index): {
                        key: _plain_tensor(value, f"optimizer state {index} {key}")
                        for key, value in sorted(param_state.items())
                    }
                    for index, param_state in sorted(optimizer["state"].items())
                },
                "param_groups": plain_data(optimizer["param_groups"], "optimizer param_groups"),
            },
            "history": plain_data(list(self.history), "history"),
            "generators": self._plain_generators(),
        }

    def load_plain_state(self, state: dict) -> None:
        """Put back a :meth:`plain_state` in this initialized net (built as the saved one).

        Every value is checked to be plain data before it is used; the
        weights are copied into the modules (``load_state_dict``, strict).

        Raises
        ------
        TypeError
            When a field holds anything but plain data (bytes, an object).
        ValueError
            When the state's format is unknown, or the saved weights do not fit
            the modules rebuilt from the parameters.
        """
        if type(state) is not dict or state.get("format") != PLAIN_STATE_FORMAT:
            found = state.get("format") if type(state) is dict else type(state).__name__
            raise ValueError(
                f"the saved net state has format {found!r}; this skcontrast reads format "
                f"{PLAIN_STATE_FORMAT}."
            )
        for name in ("module", "head", "criterion"):
            module = None if name == "head" and self.head is None else getattr(self, f"{name}_")
            saved = state[name]
            if module is None and saved is None:
                continue
            if module is None or saved is None:
                raise ValueError(
                    f"the saved state has {'no' if saved is None else 'a'} {name}, and the "
                    f"net rebuilt from the parameters has {'one' if saved is None else 'none'}."
                )
            _load_module_state(module, saved, name)
        optimizer = check_plain_data(state["optimizer"], "optimizer")
        param_state = {}
        for index, values in optimizer["state"].items():
            if not index.isdigit():
                raise ValueError(f"optimizer state: {index!r} is not a parameter index.")
            param_state[int(index)] = {
                key: _saved_tensor(value, f"optimizer state {index} {key}")
                for key, value in values.items()
            }
        groups = [
            {key: tuple(value) if key == "betas" else value for key, value in group.items()}
            for group in optimizer["param_groups"]
        ]
        try:
            self.optimizer_.load_state_dict({"state": param_state, "param_groups": groups})
        except (ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise ValueError(
                f"the saved optimizer state does not fit the rebuilt optimizer: {exc}"
            ) from None
        history = check_plain_data(state["history"], "history")
        if type(history) is not list or not all(type(epoch) is dict for epoch in history):
            raise TypeError("history must be a list of dicts, one per epoch.")
        self.history_ = History(history)
        generators = check_plain_data(state["generators"], "generators")
        self.__dict__["_generators"] = {}
        self._generator_states = _plain_generator_states(generators)
        self._resume_callbacks()
        self._set_training(False)

    def _resume_callbacks(self) -> None:
        """What the callbacks would remember had training not stopped here.

        skorch's ``PassthroughScoring`` (``train_loss``, ``valid_loss``) keeps the
        best score since ``initialize``, and ``PrintLog`` whether it printed its
        header; both are derived here from the history. The other callbacks
        reset themselves when training begins.
        """
        for _, callback in self.callbacks_:
            if isinstance(callback, PassthroughScoring):
                flags = [epoch.get(f"{callback.name}_best") for epoch in self.history]
                if True in flags:
                    last = len(flags) - 1 - flags[::-1].index(True)
                    callback.best_score_ = self.history[last][callback.name]
            elif isinstance(callback, PrintLog) and len(self.history):
                callback.first_iteration_ = False

    # --- pickling -----------------------------------------------------------------
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
        state["_generator_states"] = self._plain_generators()
        return state

    def _plain_generators(self) -> dict:
        """The random streams as ``{"name/device": uint8 ndarray}``, sorted by key.

        Plain data (str keys, uint8 arrays), so that two pickles of one net are
        byte-identical: ``get_state()`` makes a new tensor on each call, and a
        pickled tensor embeds the memory address of its storage. States not yet
        handed to a generator (loaded, for a device not used since) are kept.
        """
        gens = self.__dict__.get("_generators", {})
        states = {
            **self.__dict__.get("_generator_states", {}),
            **{key: gen.get_state() for key, gen in gens.items()},
        }
        return _plain_generator_states(dict(sorted(states.items())))

    def __setstate__(self, state):
        head_was_set = state.pop("_head_was_set", False)
        state.pop("supervised", None)  # earlier versions: the loss's requires_labels now
        state["_generator_states"] = _plain_generator_states(state.get("_generator_states", {}))
        super().__setstate__(state)
        self.__dict__["module"] = self.__dict__.get("module_")
        if head_was_set:
            self.__dict__["head"] = self.__dict__.get("head_")
        virtual = self.__dict__.get("virtual_params_")
        if virtual is not None and "criterion__temperature" not in virtual:  # earlier versions
            self._register_virtual_param("criterion__temperature", _set_loss_temperature)
        self._view_steps = [] if self.augmenter is None else _steps(self.augmenter)

    # --- several processes ----------------------------------------------------------
    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """skorch's ``partial_fit``, with all the launcher's processes when ``distributed``.

        With ``distributed`` True and a default process group of two or more
        processes (initialised here from the launcher's environment when
        needed; see :func:`~skcontrast.utils._distributed.start_process_group`),
        every process walks through the same global batches (the same shuffle
        stream), draws the views of the whole global batch from the same view
        stream, and keeps its contiguous slice of rows
        (:func:`~skcontrast.utils._distributed.local_bounds`): the views are
        those one process would train on. Encoder and head run inside
        ``DistributedDataParallel`` (which broadcasts rank 0's weights first and
        averages the gradients), and the loss, switched to
        ``gather_distributed=True``, is that of the global batch. The batch
        losses recorded in the history are averaged over the processes, so the
        loss guard and early stopping decide alike everywhere; processes other
        than rank 0 print nothing (no epoch log, no progress bar). torch's
        global generator, which dropout draws from, is reseeded with an offset
        of the rank (from a seed drawn alike everywhere), so that each process
        draws its own masks: parameters stay identical across processes, and
        differ from a one-process fit only by the dropout draws. Afterwards
        nothing refers to the process group: the net pickles and embeds in a
        plain process. A single process
        (no launcher, or ``WORLD_SIZE=1``) trains as with ``distributed`` False.

        Raises
        ------
        ValueError
            When several processes train with a loss whose
            ``supports_gather_distributed`` is False, or ``batch_size`` is
            smaller than the number of processes.
        """
        if not (self.distributed and start_process_group(self.device)):
            return super().partial_fit(X, y, classes, **fit_params)
        with self._multi_process():
            return super().partial_fit(X, y, classes, **fit_params)

    @contextlib.contextmanager
    def _multi_process(self):
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel

        rank, world = dist.get_rank(), dist.get_world_size()
        criterion = self.criterion_
        if not getattr(criterion, "supports_gather_distributed", False):
            raise ValueError(
                f"distributed=True with {world} processes, but the loss "
                f"{type(criterion).__qualname__} does not support gather_distributed "
                "(its class attribute supports_gather_distributed is False): each process "
                "would see only its own rows as negatives. Use a built-in loss, or make "
                "the loss call self.gather_views (see skcontrast.losses.ContrastiveLoss)."
            )
        if int(self.batch_size) < world:
            raise ValueError(
                f"batch_size={self.batch_size} is smaller than the number of processes "
                f"({world}); batch_size is the global batch, split between the processes."
            )
        device = self.torch_device
        device_ids = None
        if device.type == "cuda":
            device_ids = [device.index if device.index is not None else torch.cuda.current_device()]
        state = {
            "gather": criterion.gather_distributed,
            "verbose": self.verbose,
            "callbacks_": self.callbacks_,
        }
        criterion.gather_distributed = True
        ddp = DistributedDataParallel(
            _EncoderHead(self.module_, self.head_ if self.head is not None else None),
            device_ids=device_ids,
        )
        self.__dict__["_ddp"] = ddp
        self.__dict__["_rank_world"] = (rank, world)
        # dropout draws from torch's global generator, which the embedder seeds
        # alike on every process (for the same initial weights): without an
        # offset, rank r's row i would get rank 0's row i mask. The draw below
        # is the same everywhere; the views and the shuffle have their own streams.
        torch.manual_seed(int(torch.randint(0, 2**62, (1,)).item()) + rank)
        if rank != 0:
            # verbose=0 silences the epoch log and early stopping's message;
            # the progress bar does not look at verbose
            self.verbose = 0
            self.callbacks_ = [
                (name, callback)
                for name, callback in self.callbacks_
                if not isinstance(callback, ProgressBar)
            ]
        try:
            yield
        finally:
            criterion.gather_distributed = state["gather"]
            self.verbose = state["verbose"]
            self.callbacks_ = state["callbacks_"]
            for key in ("_ddp", "_rank_world"):
                self.__dict__.pop(key, None)

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
        n_valid = n_valid_rows(self.valid_fraction, n)
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
    def two_views(self, Xb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Two views of the batch, stacked: shape (2 * len(Xb), n_features).

        The batch is stacked twice and augmented in one pass: every augmenter
        draws independently per row, so the halves are two independent views.
        (:func:`skcontrast.augment.make_views` is the public, NumPy counterpart.)
        """
        stacked = torch.cat([Xb, Xb], dim=0)  # ours: the augmenters may write into it
        return apply_tensor_steps(self._view_steps, stacked, generator, overwrite=True)

    @contextlib.contextmanager
    def grouped(self):
        """Within this block, the y the net is given holds group codes, not class labels.

        The batches' codes then go to ``criterion_.forward_views(z1, z2,
        groups=codes)`` (a loss whose ``accepts_groups`` is True). Nothing of
        it is kept after the block, so neither pickles nor later calls see it.
        """
        self.__dict__["_groups_in_y"] = True
        try:
            yield self
        finally:
            self.__dict__.pop("_groups_in_y", None)

    def contrastive_loss(
        self, Xb: torch.Tensor, yb: torch.Tensor | None, generator: torch.Generator
    ) -> torch.Tensor:
        """The loss of a batch: ``criterion_.forward_views(z1, z2, yb)`` on its two views.

        Inside :meth:`grouped`, ``forward_views(z1, z2, None, groups=yb)``.
        In multi-process training, the views of the whole batch are drawn, and
        this process keeps its slice of rows of each.
        """
        views = self.two_views(Xb, generator)
        split = self.__dict__.get("_rank_world")
        if split is not None:
            n = Xb.shape[0]
            start, stop = local_bounds(n, *split)
            views = torch.cat([views[start:stop], views[n + start : n + stop]])
            yb = None if yb is None else yb[start:stop]
        ddp = self.__dict__.get("_ddp")
        if ddp is not None and torch.is_grad_enabled():
            z = ddp(views)
        else:
            z = self.module_(views)
            if self.head is not None:
                z = self.head_(z)
        half = views.shape[0] // 2
        z1, z2 = z[:half], z[half:]
        if self.__dict__.get("_groups_in_y"):
            return self.criterion_.forward_views(z1, z2, None, groups=yb)
        return self.criterion_.forward_views(z1, z2, yb)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xb, yb = batch
        loss = self.contrastive_loss(Xb, yb, self._generator("views", Xb.device, 0))
        loss.backward()
        return {"loss": self._agreed(loss), "y_pred": None}

    def _agreed(self, loss: torch.Tensor) -> torch.Tensor:
        """The loss to record: averaged over the processes in multi-process training."""
        if self.__dict__.get("_rank_world") is None:
            return loss
        return all_reduce_mean(loss)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)
        # the validation loss uses the same views every epoch, so epochs compare
        for key, gen in self.__dict__.get("_generators", {}).items():
            if key.split("/", 1)[0] == "valid":
                gen.manual_seed(self.view_seed + 2)
        # a loaded net's saved validation stream would start where the last epoch
        # left it; the epoch starts from the seed, as the live generator just did
        saved = self.__dict__.get("_generator_states", {})
        for key in [key for key in saved if key.split("/", 1)[0] == "valid"]:
            del saved[key]

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        Xb, yb = batch
        with torch.no_grad():
            loss = self.contrastive_loss(Xb, yb, self._generator("valid", Xb.device, 2))
        return {"loss": self._agreed(loss), "y_pred": None}

    # --- inference --------------------------------------------------------------
    def embed(self, X, batch_size: int) -> np.ndarray:
        """Encoder outputs for X (NumPy or CSR), batch by batch, as float32.

        Not skorch's ``forward_iter``: that would copy all of X to the device
        first (``get_dataset``), join a final row to the previous batch, take the
        training ``batch_size`` and concatenate the outputs; this streams chunks
        of X to the device and writes each into one preallocated array.
        """
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
        """Mean contrastive loss over X with views from a generator seeded with ``seed``.

        The batches of a validation epoch, but with a generator of its own, so
        that scoring changes none of the net's random streams.
        """
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
