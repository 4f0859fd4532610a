"""FunctionAugmenter: an augmenter from a torch function of (X, generator)."""

from __future__ import annotations

from typing import ClassVar

import torch

from skcontrast.augment._base import BaseAugmenter
from skcontrast.utils._docstrings import Substitution, _random_state_docstring


def _describe_func(func) -> str:
    """``func``'s name for messages: its qualified name, else its repr."""
    return getattr(func, "__qualname__", None) or repr(func)


@Substitution(random_state=_random_state_docstring)
class FunctionAugmenter(BaseAugmenter):
    """Make views with a torch function of ``(X, generator)``.

    The counterpart of scikit-learn's ``FunctionTransformer`` and
    imbalanced-learn's ``FunctionSampler`` for views: ``func`` is applied to the
    selected columns at each ``augment`` (and at each training batch of
    :class:`~skcontrast.embed.ContrastiveEmbedder`, on its device), and
    :class:`BaseAugmenter` provides the rest: ``columns=``, seeding, ``augment``
    / ``transform`` / ``fit_transform``, DataFrames and CSR input. Subclass
    :class:`BaseAugmenter` instead when the views need statistics of the
    training data (means, bounds).

    ``func(X, generator, **kw_args)`` receives the selected columns as a 2-D
    float32 or float64 tensor (CPU or CUDA) and a ``torch.Generator`` on the
    same device, and returns a **new** tensor of the same shape, dtype and
    device. It draws every random number from ``generator`` (never from torch's
    global random state), so that successive views differ and a refit with the
    same int ``random_state`` replays them, and it never writes into ``X``.

    Parameters
    ----------
    func : callable or None, default=None
        ``func(X, generator, **kw_args) -> torch.Tensor``. None is the identity.
        Use a function defined at module level (``def`` in a module of yours):
        the augmenter then pickles, with ``pickle`` and ``joblib``, as every
        skcontrast estimator does; a lambda or a function defined inside
        another function does not pickle.
    kw_args : dict or None, default=None
        Extra keyword arguments of ``func`` (its strengths, say). They are
        parameters of the augmenter, so ``GridSearchCV`` can tune
        ``functionaugmenter__kw_args``.
    columns : None, array-like of int, bool or str, or slice, default=None
        The columns handed to ``func`` (all when None): integer indices, a
        boolean mask, a slice, or names when fitted on a DataFrame. Others are
        left bit-identical.
    %(random_state)s

    Attributes
    ----------
    columns_ : ndarray of shape (n_columns,)
        Indices of the columns handed to ``func``.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in fit, when X was a DataFrame.

    Raises
    ------
    TypeError
        From ``augment``, ``fit_transform`` and ``augment_tensor``, when ``func``
        returns something other than a ``torch.Tensor``.
    ValueError
        From the same methods, when ``func`` returns a tensor of another shape,
        dtype or device than its input, or writes into its input (seen after the
        call, so that input is modified by then); the message names ``func``
        and what it returned.

    See Also
    --------
    BaseAugmenter : subclass it for augmenters that learn from the training data.
    make_views : several views at once.

    Examples
    --------
    Multiplicative noise ``x * (1 + N(0, std))``, written once as a torch
    function of ``(X, generator)``:

    >>> import numpy as np
    >>> import torch
    >>> from skcontrast.augment import FunctionAugmenter
    >>> def multiplicative_noise(X, generator, std=0.05):
    ...     noise = torch.randn(X.shape, generator=generator, device=X.device, dtype=X.dtype)
    ...     return X * (1 + std * noise)
    >>> X = np.arange(1.0, 9.0, dtype=np.float32).reshape(4, 2)
    >>> aug = FunctionAugmenter(
    ...     multiplicative_noise, kw_args={"std": 0.1}, columns=[1], random_state=0
    ... ).fit(X)
    >>> view = aug.augment(X)
    >>> view.dtype, bool((view[:, 0] == X[:, 0]).all()), bool((view[:, 1] != X[:, 1]).all())
    (dtype('float32'), True, True)
    >>> bool((aug.augment(X) != view).any())  # a new view at each call
    True
    >>> bool((aug.transform(X) == X).all())  # the identity at inference
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseAugmenter._parameter_constraints,
        "func": [callable, None],
        "kw_args": [dict, None],
    }

    _zero_strength: ClassVar[dict] = {"func": None}

    def __init__(self, func=None, *, kw_args=None, columns=None, random_state=None):
        self.func = func
        self.kw_args = kw_args
        self.columns = columns
        self.random_state = random_state

    def _augment_block(self, X: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.func is None:
            return X.clone()
        # _version is bumped by any in-place write into X (or a view of it);
        # inference tensors (under torch.inference_mode) have no version counter
        version = None if X.is_inference() else X._version
        out = self.func(X, generator, **(self.kw_args or {}))
        name = _describe_func(self.func)
        if version is not None and X._version != version:
            raise ValueError(
                f"FunctionAugmenter: func={name} wrote into its input X; it must return "
                "a new tensor (e.g. X * s, not X.mul_(s))."
            )
        if not isinstance(out, torch.Tensor):
            raise TypeError(
                f"FunctionAugmenter: func={name} returned {type(out).__name__}; it must "
                "return a torch.Tensor of its input's shape, dtype and device."
            )
        if out.shape != X.shape or out.dtype != X.dtype or out.device != X.device:
            raise ValueError(
                f"FunctionAugmenter: func={name} returned a tensor of shape "
                f"{tuple(out.shape)}, dtype {out.dtype}, on {out.device}, for X of shape "
                f"{tuple(X.shape)}, dtype {X.dtype}, on {X.device}; it must return a "
                "tensor of X's shape, dtype and device (e.g. cast with .to(X))."
            )
        if out.untyped_storage().data_ptr() == X.untyped_storage().data_ptr():
            return out.clone()  # X itself, or a view of it: a view is a new tensor
        return out
