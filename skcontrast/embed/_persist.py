"""How a fitted ContrastiveEmbedder is saved and loaded: plain data in, the net rebuilt out.

The persisted state of a fitted embedder (for pickle, joblib and
``skops.io`` alike) holds its parameters, its fitted attributes and, instead of
the skorch net, the net's :meth:`~skcontrast.embed._net.ContrastiveNet.plain_state`:
NumPy arrays (weights on the CPU, optimizer state, random streams), the history
and the training settings. On load, :func:`rebuild_net` builds the net again
from the parameters recorded at fit, with the classes they name:
:class:`~skcontrast.embed.MLPEncoder` and
:class:`~skcontrast.embed.ProjectionHead`, a registered loss, the fitted
augmenter, skorch's default callbacks and the user's own ``callbacks`` and
``encoder`` class (which ``skops.io.load`` constructs only when the user trusts
them), and copies the arrays into it. Nothing is unpickled, and no class is
imported by a name found in the data.
"""

from __future__ import annotations

import contextlib
import itertools
import numbers

import torch
from skorch.utils import get_map_location

from skcontrast.embed._callbacks import EpochLog, make_callbacks
from skcontrast.embed._modules import ProjectionHead, build_encoder
from skcontrast.embed._net import TRAINING_SETTINGS, ContrastiveNet
from skcontrast.utils._persistence import check_plain_data

#: The key of the net's plain state in the embedder's persisted state.
NET_STATE = "_net_state"


def make_net(
    encoder: torch.nn.Module,
    head: torch.nn.Module | None,
    *,
    augmenter,
    loss,
    callbacks: list,
    device: str,
    settings: dict,
) -> ContrastiveNet:
    """An initialized :class:`ContrastiveNet` (Adam, no train split) with ``settings``.

    ``settings`` holds :data:`~skcontrast.embed._net.TRAINING_SETTINGS`.
    """
    net = ContrastiveNet(
        module=encoder,
        criterion=loss,  # built by skcontrast.losses.check_loss
        criterion__temperature=settings["criterion__temperature"],
        head=head,
        augmenter=augmenter,
        view_seed=settings["view_seed"],
        valid_fraction=settings["valid_fraction"],
        optimizer=torch.optim.Adam,
        lr=settings["lr"],
        optimizer__weight_decay=settings["optimizer__weight_decay"],
        max_epochs=settings["max_epochs"],
        batch_size=settings["batch_size"],
        train_split=None,
        callbacks=callbacks,
        callbacks__print_log=EpochLog(),  # plain lines unless stdout is a terminal
        device=device,
        verbose=settings["verbose"],
    )
    net.initialize()
    return net


def rebuild_net(embedder, state: dict) -> ContrastiveNet:
    """The net of a loaded embedder, built from its fitted parameters and ``state``.

    ``embedder`` holds its parameters and fitted attributes (``_fitted_params``,
    ``n_features_in_``, ``_n_features_out``, ``augmenter_``); ``state`` is the
    net's plain state. A model saved on CUDA loads on the CPU, with skorch's
    ``DeviceWarning``, when this machine has no CUDA device. The modules are
    built under a forked torch random state: loading changes no random stream.

    Raises
    ------
    TypeError
        When a field holds anything but what skcontrast writes there (bytes, a
        function, an encoder that is not a ``torch.nn.Module`` subclass...).
    ValueError
        When the saved weights or optimizer state do not fit the modules the
        parameters describe.
    """
    state = check_plain_data(state, "the saved net state")
    if type(state) is not dict or not {"device", "settings"} <= state.keys():
        raise ValueError("the saved net state is not one skcontrast writes.")
    fitted = embedder.__dict__.get("_fitted_params")
    if type(fitted) is not dict:
        raise ValueError("the saved state has a net but no _fitted_params.")
    settings = state["settings"]
    if type(settings) is not dict or set(settings) != set(TRAINING_SETTINGS):
        raise ValueError(f"the saved net settings must name exactly {TRAINING_SETTINGS}.")
    encoder_param = fitted["encoder"]
    if not (
        encoder_param is None
        or isinstance(encoder_param, torch.nn.Module)
        or (isinstance(encoder_param, type) and issubclass(encoder_param, torch.nn.Module))
    ):
        raise TypeError(
            "encoder must be None, a torch.nn.Module subclass or a Module instance; the "
            f"saved state names {encoder_param!r}. It is refused and nothing was called."
        )
    device = _loadable_device(state["device"])
    n_features, width = embedder.n_features_in_, embedder._n_features_out
    for name, value in (("n_features_in_", n_features), ("_n_features_out", width)):
        if not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"the saved {name} must be a positive int, got {value!r}.")
    _check_sizes_before_building(encoder_param, fitted, int(n_features), int(width), state)
    monitor = state.get("early_stopping_monitor")
    if monitor not in (None, "valid_loss", "train_loss"):
        raise ValueError(
            f"the saved early_stopping_monitor must be 'valid_loss', 'train_loss' or None, "
            f"got {monitor!r}."
        )
    # Built on the meta device, then given empty storage: the saved weights
    # overwrite them, so no initialiser runs and torch's global random
    # generator is neither drawn from nor saved and restored. (A fork_rng here
    # rewinds the generator under a fit running in another thread of the
    # process: dask's event loop unpickles task arguments while the task
    # thread trains.) A user encoder class is still built for real, under a
    # forked random state (its __init__ may create tensors that are neither
    # parameters nor persistent buffers).
    own = encoder_param is None  # skcontrast's MLPEncoder: no tensors but weights
    with torch.device("meta") if own else _forked_rng(encoder_param):
        encoder = build_encoder(
            encoder_param,
            fitted["encoder_kwargs"],
            fitted["hidden_dims"],
            int(n_features),
            fitted["n_components"],
        )
    if own:
        encoder = encoder.to_empty(device="cpu")
    head = None
    if fitted["projection_dim"] is not None:
        with torch.device("meta"):
            head = ProjectionHead(int(width), fitted["projection_dim"])
        head = head.to_empty(device="cpu")
    net = make_net(
        encoder,
        head,
        augmenter=embedder.augmenter_,
        loss=fitted["loss"],
        # the monitor chosen at fit (partial_fit may have changed
        # validation_fraction since)
        callbacks=make_callbacks(
            fitted["callbacks"], fitted["early_stopping"], monitor, settings["verbose"]
        ),
        device=device,
        settings=settings,
    )
    net.load_plain_state(state)
    return net


def _linear_stack_size(widths: list[int]) -> int:
    """The number of weights of Linear layers chaining ``widths`` (with biases)."""
    return sum(a * b + b for a, b in itertools.pairwise(widths))


def _saved_size(part, name: str) -> int:
    if part is None:
        return 0
    if type(part) is not dict:
        raise TypeError(f"the saved {name} weights must be a dict of arrays.")
    return sum(int(getattr(value, "size", 1)) for value in part.values())


def _check_sizes_before_building(encoder_param, fitted, n_features, width, state) -> None:
    """Refuse a file whose parameters describe modules other than its saved weights.

    Checked before any module is built, so that a crafted file cannot make
    loading allocate a huge default encoder or head (its ``n_features_in_``,
    ``hidden_dims`` or ``projection_dim`` inflated) that its weights do not fill.
    A user's own encoder class is trusted by name and not checked here (its
    ``load_state_dict`` compares the shapes).
    """
    kwargs = fitted.get("encoder_kwargs") or {}
    if encoder_param is None and type(kwargs) is dict:
        hidden = kwargs.get("hidden_dims", fitted.get("hidden_dims", ()))
        n_components = fitted.get("n_components")
        widths = [n_features, *tuple(hidden), n_components]
        if not all(isinstance(w, numbers.Integral) and w >= 1 for w in widths):
            raise ValueError(f"the saved encoder widths must be positive ints, got {widths}.")
        expected, saved = _linear_stack_size(widths), _saved_size(state.get("module"), "encoder")
        if expected != saved:
            raise ValueError(
                f"the saved parameters describe an encoder of {expected} weights (widths "
                f"{widths}), but the file holds {saved}: it was not written by skcontrast, "
                "or was altered; nothing was built."
            )
    projection_dim = fitted.get("projection_dim")
    if projection_dim is not None:
        if not isinstance(projection_dim, numbers.Integral) or projection_dim < 1:
            raise ValueError(
                f"the saved projection_dim must be a positive int, got {projection_dim!r}."
            )
        expected = _linear_stack_size([width, width, int(projection_dim)])
        saved = _saved_size(state.get("head"), "head")
        if expected != saved:
            raise ValueError(
                f"the saved parameters describe a projection head of {expected} weights, but "
                f"the file holds {saved}: it was not written by skcontrast, or was altered; "
                "nothing was built."
            )


def _loadable_device(device) -> str:
    """The saved device, or "cpu" (with skorch's DeviceWarning) when CUDA is missing."""
    if type(device) is not str:
        raise TypeError(f"the saved device must be a str, got {type(device).__name__}.")
    try:
        location = get_map_location(device)  # warns (DeviceWarning) when CUDA is missing
    except RuntimeError as exc:
        raise ValueError(f"the saved device {device!r} is not a torch device: {exc}") from None
    return device if location.type == torch.device(device).type else str(location)


def _forked_rng(encoder_param):
    """A user encoder class may draw when built: fork the random state around it.

    An instance is deep-copied, which draws nothing, so nothing is forked: a
    fork restores the global generator on exit, under any fit running in
    another thread of this process.
    """
    if isinstance(encoder_param, type):
        return torch.random.fork_rng(devices=[])
    return contextlib.nullcontext()
