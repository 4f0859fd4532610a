"""make_views: several random views from a fitted augmenter or Pipeline of augmenters."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.pipeline import Pipeline

from skcontrast.utils._sklearn import Interval, check_is_fitted, validate_params
from skcontrast.utils._validation import as_float32, check_finite


def _flatten(augmenter) -> list:
    """The steps of a Pipeline of augmenters in order, nested Pipelines unrolled.

    A step that is not itself an augmenter but holds one (a ``ColumnTransformer``
    or ``FeatureUnion`` of augmenters) is an error: it would run its augmenters
    through ``transform``, the identity, and every view would silently equal X.
    """
    if isinstance(augmenter, Pipeline):
        steps = []
        for _, step in augmenter.steps:
            if step is not None and not (isinstance(step, str) and step == "passthrough"):
                steps.extend(_flatten(step))
        return steps
    if not hasattr(augmenter, "augment") and hasattr(augmenter, "get_params"):
        hidden = sorted(
            {
                type(value).__name__
                for value in augmenter.get_params(deep=True).values()
                if hasattr(value, "augment") and hasattr(value, "augment_tensor")
            }
        )
        if hidden:
            raise ValueError(
                f"augmenter: the {type(augmenter).__name__} holds {', '.join(hidden)}, "
                "which it would run through transform (the identity for augmenters), so "
                "every view would equal X. Chain augmenters in a Pipeline and pick their "
                "columns with columns= instead."
            )
    return [augmenter]


def _steps(augmenter) -> list:
    steps = _flatten(augmenter)
    for step in steps:
        if not hasattr(step, "augment") and not hasattr(step, "transform"):
            raise TypeError(f"augmenter: {type(step).__name__} has neither augment nor transform.")
        check_is_fitted(step)
    return steps


@validate_params(
    {
        "augmenter": [object],
        "X": ["array-like"],
        "n_views": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def make_views(augmenter, X, n_views=2) -> list:
    """Return ``n_views`` random views of X.

    Parameters
    ----------
    augmenter : fitted augmenter or fitted Pipeline of augmenters
        Each step's ``augment`` is applied in order (a step without ``augment``,
        e.g. a ``StandardScaler``, is applied through its ``transform``).
    X : array-like or DataFrame of shape (n_samples, n_features)
        Data to augment (floats; NaN and inf are rejected).
    n_views : int >= 1, default=2
        Number of views.

    Returns
    -------
    list of n_views arrays (or DataFrames when X is one) shaped like X
        Successive views differ; each call advances the augmenters' generators.

    Raises
    ------
    ValueError
        For NaN or infinity in X (naming the column, its name, the first rows
        and their values), for a number of features other than at fit, and for
        a view that would hold NaN or infinity (an augmentation took values
        near the dtype's largest finite value beyond it), as each step's
        ``augment``; for ``n_views < 1`` (``InvalidParameterError``); and for
        augmenters hidden in a ``ColumnTransformer`` or ``FeatureUnion``
        (their ``transform`` is the identity, so every view would equal X).
    TypeError
        For a step with neither ``augment`` nor ``transform``.
    NotFittedError
        When a step is not fitted.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skcontrast.augment import BitDropout, ConditionJitter, make_views
    >>> X = np.hstack([np.zeros((3, 2)), np.ones((3, 8))])
    >>> view = make_pipeline(
    ...     ConditionJitter(std=0.05, mask_prob=0.05, columns=[0, 1], random_state=0),
    ...     BitDropout(p=0.2, columns=slice(2, None), random_state=0),
    ... ).fit(X)
    >>> v1, v2 = make_views(view, X)
    >>> v1.shape, bool((v1 != v2).any())
    ((3, 10), True)
    """
    steps = _steps(augmenter)
    views = []
    for _ in range(n_views):
        Xv = X
        for step in steps:
            Xv = step.augment(Xv) if hasattr(step, "augment") else step.transform(Xv)
        views.append(Xv)
    return views


def augment_tensor_with(augmenter, X: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One view of a tensor from a fitted augmenter or fitted Pipeline of augmenters.

    The tensor counterpart of :func:`make_views` (for ``ContrastiveEmbedder``):
    each step with ``augment_tensor`` runs on X's device with ``generator``; any
    other fitted transformer (e.g. a ``StandardScaler``) runs through its
    ``transform`` on the CPU, and its output comes back to X's device and dtype.

    Parameters
    ----------
    augmenter : fitted augmenter or fitted Pipeline of augmenters
    X : torch.Tensor of shape (n_samples, n_features)
    generator : torch.Generator on X's device

    Returns
    -------
    torch.Tensor
        A new tensor; X is not modified.

    Raises
    ------
    ValueError
        When a step without ``augment_tensor`` outputs NaN or infinity, or
        (for a float32 X) values beyond float32's range, naming the step, the
        column, the rows and the values (see :func:`apply_tensor_steps`).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcontrast.augment import ConditionJitter
    >>> from skcontrast.augment._views import augment_tensor_with
    >>> X = np.arange(12.0).reshape(4, 3)
    >>> pipe = make_pipeline(StandardScaler(), ConditionJitter(std=0.1)).fit(X)
    >>> view = augment_tensor_with(pipe, torch.tensor(X), torch.Generator().manual_seed(0))
    >>> view.shape, view.dtype
    (torch.Size([4, 3]), torch.float64)
    """
    return apply_tensor_steps(_steps(augmenter), X, generator)


def apply_tensor_steps(steps: list, X: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Run already-unrolled fitted steps (see :func:`augment_tensor_with`) on a tensor.

    The output of a step without ``augment_tensor`` (a ``StandardScaler``, a
    ``FunctionTransformer``...) comes back from the host checked: NaN or
    infinity, and for a float32 X values beyond float32's range (which the
    cast back to X's dtype would turn into infinity, and training into a
    "loss became nan" error), raise a ``ValueError`` naming the step, the
    column, the rows and the values. A finite output costs a sum or two.

    Parameters
    ----------
    steps : list of fitted estimators
        As returned by ``_steps``.
    X : torch.Tensor of shape (n_samples, n_features)
    generator : torch.Generator on X's device

    Returns
    -------
    torch.Tensor
        A new tensor on X's device, in X's dtype.

    Raises
    ------
    ValueError
        As :func:`augment_tensor_with`.
    """
    out = X
    for step in steps:
        if hasattr(step, "augment_tensor"):
            out = step.augment_tensor(out, generator)
        else:
            with warnings.catch_warnings():
                # fitted on a DataFrame (column names), fed arrays batch by batch
                warnings.filterwarnings("ignore", message="X does not have valid feature names")
                host = step.transform(out.detach().cpu().numpy())
            host = host.toarray() if sp.issparse(host) else np.asarray(host)
            if host.dtype.kind == "f":
                name = f"X (the output of {type(step).__name__} in the augmenter)"
                check_finite(host, input_name=name)
                if X.dtype == torch.float32:
                    host = as_float32(host, input_name=name)
            out = torch.as_tensor(host, dtype=X.dtype, device=X.device)
    return out.clone() if out is X else out
