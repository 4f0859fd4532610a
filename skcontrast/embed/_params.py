"""The parameters that define a fitted ContrastiveEmbedder, and the device it resolves to.

``fit`` records :data:`FIXED_AT_FIT` with :func:`fixed_params`; ``partial_fit``
refuses, through :func:`changed_fixed_params`, a ``set_params`` change to any
of them since then. Values are compared by value (numbers, strings, tuples,
dicts; ``device`` also by the device it resolves to), objects (an encoder,
augmenter or loss instance, each callback, a random generator) by identity.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from skcontrast.embed._callbacks import patience

#: The parameters that define the fitted model: partial_fit refuses changes to them.
FIXED_AT_FIT = (
    "encoder",
    "encoder_kwargs",
    "hidden_dims",
    "n_components",
    "projection_dim",
    "augmenter",
    "loss",
    "early_stopping",
    "callbacks",
    "device",
    "random_state",
)


def fixed_params(estimator) -> dict:
    """The values of the parameters that define the model, as partial_fit compares them.

    Containers are copied (an in-place change of the list or dict given is a
    change); objects are kept as they are (compared by identity).
    """
    record = {}
    for name in FIXED_AT_FIT:
        value = getattr(estimator, name)
        if isinstance(value, (list, dict)):
            value = copy.copy(value)
        record[name] = value
    return record


def changed_fixed_params(fitted: dict, estimator, device_: str) -> list[str]:
    """``"name from old to new"`` for each parameter that changed since ``fit``.

    Parameters the fitted encoder did not use are ignored: ``hidden_dims`` with
    an encoder given (or ``hidden_dims`` in ``encoder_kwargs``), and
    ``n_components`` and ``encoder_kwargs`` with an encoder instance.
    """
    encoder = fitted["encoder"]
    ignored = set()
    if encoder is not None or "hidden_dims" in (fitted["encoder_kwargs"] or {}):
        ignored.add("hidden_dims")
    if isinstance(encoder, torch.nn.Module):
        ignored.update(("n_components", "encoder_kwargs"))
    changes = []
    for name in FIXED_AT_FIT:
        old, new = fitted[name], getattr(estimator, name)
        if name in ignored or _same_param(name, old, new):
            continue
        if name == "device" and _same_device(new, device_):
            continue
        old_text, new_text = _describe(old), _describe(new)
        if old_text == new_text:
            new_text += " (another object)"
        changes.append(f"{name} from {old_text} to {new_text}")
    return changes


def resolve_device(device) -> str:
    """``device`` as a torch device string: "auto" is cuda when available, else cpu."""
    device = str(device)
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} but CUDA is not available on this machine; use "
            'device="cpu" or "auto".'
        )
    try:
        torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device={device!r} is not a torch device: {exc}") from None
    return device


def _same_param(name: str, old, new) -> bool:
    """Whether a parameter that defines the model still has its fitted value."""
    if old is new:
        return True
    if name in ("encoder", "augmenter", "loss") and not (
        isinstance(old, str) and isinstance(new, str)
    ):
        return False  # objects, classes: by identity; names ("auto", "nt_xent"): by value
    if name == "callbacks":
        old, new = list(old or []), list(new or [])
        return len(old) == len(new) and all(map(_same_callback, old, new))
    generators = (np.random.RandomState, np.random.Generator)
    if isinstance(old, generators) or isinstance(new, generators):
        return False  # random generators: by identity
    if name == "encoder_kwargs":
        old, new = dict(old or {}), dict(new or {})
    elif name == "hidden_dims":
        old, new = _as_tuple(old), _as_tuple(new)
    elif name == "early_stopping":
        old, new = patience(old), patience(new)
    elif name == "device":
        old, new = str(old), str(new)
    return _equal(old, new)


def _same_callback(old, new) -> bool:
    if isinstance(old, tuple) and isinstance(new, tuple) and len(old) == len(new) == 2:
        return _equal(old[0], new[0]) and old[1] is new[1]
    return old is new


def _same_device(new, device_: str) -> bool:
    """Whether a new ``device`` resolves to the device the model lives on."""
    try:
        return _indexed(resolve_device(new)) == _indexed(device_)
    except (ValueError, RuntimeError, AssertionError):  # AssertionError: torch without CUDA
        return False


def _indexed(device) -> torch.device:
    """``torch.device(device)``, with the current CUDA device's index for "cuda"."""
    device = torch.device(device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    return device


def _as_tuple(value):
    try:
        return tuple(value)
    except TypeError:
        return value


def _equal(old, new) -> bool:
    """``old == new`` by value, containers item by item (lists and tuples alike).

    Items that cannot be compared as a bool (arrays) are equal only when they
    are the same object.
    """
    if old is new:
        return True
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_equal(old[key], new[key]) for key in old)
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        return len(old) == len(new) and all(map(_equal, old, new))
    if type(old) is not type(new) and (isinstance(old, bool) or isinstance(new, bool)):
        return False  # True == 1, but they are different settings
    try:
        return bool(old == new)
    except (TypeError, ValueError):
        return False


def _describe(value) -> str:
    """A one-line description of a parameter value, for messages."""
    if isinstance(value, torch.nn.Module):
        return f"<{type(value).__name__} instance>"
    if isinstance(value, type):
        return value.__name__
    text = " ".join(repr(value).split())
    return text if len(text) <= 80 else text[:77] + "..."
