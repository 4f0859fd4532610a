"""Plain data for persisted states: what skops can store and load without running code.

The persisted state of a skcontrast estimator holds parameters, NumPy arrays
and lists, tuples and dicts (with str keys) of str, int, float, bool and None:
no pickled bytes, no torch objects, no functions. :func:`plain_data` turns a
value into that form when a state is written (NumPy scalars become Python
scalars); :func:`check_plain_data` refuses anything else when a state is read,
so a crafted file cannot smuggle an object through a field that should hold
data. :func:`tensor_to_array` and :func:`array_to_tensor` move tensors (weights,
optimizer state) to and from CPU NumPy arrays.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import torch

#: Python types a plain value may be (besides lists, tuples, dicts and arrays).
_SCALARS = (str, int, float, bool, type(None))
#: NumPy dtype kinds a persisted array may have: bool, int, uint, float, complex.
_ARRAY_KINDS = "biufc"


def plain_data(value: Any, where: str) -> Any:
    """``value`` as plain data: NumPy scalars and 0-d tensors become Python scalars,
    other tensors CPU NumPy arrays.

    Raises
    ------
    TypeError
        For any other object, naming ``where`` (the field) and its type.
    """
    if isinstance(value, np.generic):  # before the scalars: np.float64 is a float
        return value.item()
    if isinstance(value, torch.Tensor):  # e.g. a callback that records a tensor in the history
        if value.ndim == 0 and not value.is_complex():
            return value.item()
        return _check_array(tensor_to_array(value, where), where)
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, np.ndarray):
        return _check_array(value, where)
    if isinstance(value, (list, tuple)):
        return type(value)(plain_data(item, f"{where}[{i}]") for i, item in enumerate(value))
    if isinstance(value, dict):
        return {
            _key(key, where): plain_data(item, f"{where}[{key!r}]") for key, item in value.items()
        }
    raise TypeError(
        f"{where} holds a {type(value).__module__}.{type(value).__qualname__}; a persisted "
        "skcontrast state holds only str, int, float, bool, None, NumPy arrays and "
        "lists, tuples and dicts of them."
    )


def check_plain_data(value: Any, where: str) -> Any:
    """``value`` if it is plain data (as :func:`plain_data` writes it), else a ``TypeError``.

    Used when a state is loaded: the error names the field and the type found
    there, and nothing in ``value`` is called.
    """
    if type(value) in _SCALARS:
        return value
    if isinstance(value, np.ndarray):  # a subclass (joblib's memmap) passed skops' review
        return _check_array(value, where)
    if type(value) in (list, tuple):
        for i, item in enumerate(value):
            check_plain_data(item, f"{where}[{i}]")
        return value
    if type(value) is dict:
        for key, item in value.items():
            _key(key, where)
            check_plain_data(item, f"{where}[{key!r}]")
        return value
    raise TypeError(
        f"{where} holds a {type(value).__module__}.{type(value).__qualname__}, where a "
        "skcontrast state holds only str, int, float, bool, None, NumPy arrays and "
        "lists, tuples and dicts of them. The file was not written by skcontrast, or "
        "was altered; it is refused and nothing in it was run."
    )


def _key(key, where: str) -> str:
    if type(key) is not str:
        raise TypeError(f"{where} has a key of type {type(key).__name__} ({key!r}); keys are str.")
    return key


def _check_array(array: np.ndarray, where: str) -> np.ndarray:
    if array.dtype.kind not in _ARRAY_KINDS:
        raise TypeError(
            f"{where} is an array of dtype {array.dtype}; a skcontrast state holds "
            "numeric and boolean arrays only."
        )
    return array


def tensor_to_array(tensor: torch.Tensor, where: str) -> np.ndarray:
    """A CPU NumPy copy of a tensor (its dtype kept).

    Raises
    ------
    TypeError
        For a dtype NumPy has no equivalent of (bfloat16, float8...).
    """
    try:
        return tensor.detach().to("cpu", copy=True).numpy()
    except TypeError as exc:
        raise TypeError(
            f"{where}: a tensor of dtype {tensor.dtype} cannot be stored as a NumPy array "
            f"({exc}); convert the module to float32 before saving it."
        ) from None


def array_to_tensor(array: Any, where: str) -> torch.Tensor:
    """A CPU tensor holding a copy of a persisted NumPy array.

    Raises
    ------
    TypeError
        When ``array`` is not a numeric or boolean NumPy array (a crafted file
        holding bytes or an object there).
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"{where} holds a {type(array).__module__}.{type(array).__qualname__} where a "
            "skcontrast state holds a NumPy array. The file was not written by skcontrast, "
            "or was altered; it is refused and nothing in it was run."
        )
    return torch.from_numpy(np.array(_check_array(array, where), copy=True))


def canonical_state(value: Any, _memo: dict | None = None) -> Any:
    """``value`` with its str (dict keys and values) interned, containers shared as before.

    Pickle writes a string once and refers back to it when the *same object*
    comes again, so the bytes of a pickle depend on which equal strings are one
    object. A loaded estimator's strings are not those of the fitted one (the
    unpickler makes new ones), so without this a pickle of a loaded copy would
    differ from the pickle it came from. Interning makes equal strings one
    object in both. Dicts, lists and tuples (exactly those types) are rebuilt,
    once each: a container shared by two fields stays shared; other objects
    and arrays are kept as they are.
    """
    memo = {} if _memo is None else _memo
    kind = type(value)
    if kind is str:
        return sys.intern(value)
    if kind not in (dict, list, tuple):
        return value
    if id(value) in memo:
        return memo[id(value)]
    if kind is dict:
        new = {canonical_state(k, memo): canonical_state(v, memo) for k, v in value.items()}
    else:
        new = kind(canonical_state(item, memo) for item in value)
    memo[id(value)] = new
    return new
