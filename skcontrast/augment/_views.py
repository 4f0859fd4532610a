"""Views from an augmenter or a Pipeline of augmenters: fitting them, and drawing views.

``fit_views`` fits a clone of an augmenter the way ``ContrastiveEmbedder`` does;
``make_views`` draws several random views from a fitted one, and
``augment_tensor_with`` one view of a tensor on its device.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags

from skcontrast.augment._base import BaseAugmenter
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


def fit_views(augmenter, X, *, seed: int, feature_names=None, validated: bool = False):
    """Fit a clone of an augmenter, or of a Pipeline of augmenters, to make training views.

    What ``ContrastiveEmbedder.fit`` does with its ``augmenter``, in this order:

    1. clone ``augmenter`` (the argument is left untouched) and unroll its
       Pipelines into steps, nested Pipelines included, ``"passthrough"`` and
       None steps dropped (a ``ColumnTransformer`` or ``FeatureUnion`` holding
       augmenters is a ``ValueError``, as in :func:`make_views`);
    2. give each step whose ``random_state`` is None a seed of its own, drawn
       in step order from ``numpy.random.default_rng(seed)`` as
       ``int(rng.integers(2**31 - 1))``; steps with a ``random_state`` set, or
       without one, draw nothing. So ``make_views`` on the result replays, and
       the same ``seed`` gives the same fitted steps;
    3. densify a CSR X (``X.toarray()``) unless every step with ``fit``
       declares sparse input in its scikit-learn tags;
    4. wrap a dense ndarray X in a DataFrame with ``feature_names`` as its
       columns, when given, so that ``columns=`` can name columns;
    5. fit each step on the previous step's ``transform`` output (the identity
       for augmenters, a scaled X after a ``StandardScaler``), not on a random
       view as ``Pipeline.fit`` would: ``bounds="fit"`` and the imputed means
       come from the real data. A step's ndarray output is named with the
       DataFrame's columns again.

    With ``validated=True`` (what the embedder passes, having validated X
    itself), the skcontrast augmenters before the first other step are fitted
    on X as it is, without a DataFrame, a second input check or a NaN scan of
    the whole X per step, and without a copy between them (their
    ``transform`` is the identity); the fitted steps are those of step 5.

    Parameters
    ----------
    augmenter : augmenter, Pipeline of augmenters, or other transformer
        Not modified. There is no default here: the caller passes its own
        (the embedder passes ``ConditionJitter(std=0.1)`` for None).
    X : ndarray, CSR matrix or DataFrame of shape (n_samples, n_features)
        Validated training data.
    seed : int
        Seeds the steps whose ``random_state`` is None (the embedder passes
        the seed it draws from its own ``random_state``).
    feature_names : array-like of str or None, default=None
        Column names for a dense ndarray X (the embedder's
        ``feature_names_in_``); ignored for CSR input.
    validated : bool, default=False
        Whether X is already validated: a finite float32 or float64 ndarray or
        CSR matrix, as ``utils/_validation.validate_float`` returns it (not
        checked again). With False each step's ``fit`` validates its input.

    Returns
    -------
    augmenter : the fitted clone
        A Pipeline comes back as a Pipeline, with its steps fitted.

    Raises
    ------
    ValueError
        For augmenters hidden in a ``ColumnTransformer`` or ``FeatureUnion``,
        and whatever a step's ``fit`` raises (invalid parameters, ``columns``
        naming unknown columns, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skcontrast.augment import BitDropout, ConditionJitter, make_views
    >>> from skcontrast.augment._views import fit_views
    >>> X = np.hstack([np.zeros((3, 2)), np.ones((3, 8))])
    >>> pipe = make_pipeline(ConditionJitter(std=0.05, columns=["T", "conc"]), BitDropout(p=0.2))
    >>> names = ["T", "conc"] + [f"bit{i}" for i in range(8)]
    >>> fitted = fit_views(pipe, X, seed=0, feature_names=names)
    >>> fitted[0].columns_.tolist(), pipe[0].random_state is None
    ([0, 1], True)
    >>> rng = np.random.default_rng(0)
    >>> [step.random_state for step in fitted] == [int(rng.integers(2**31 - 1)) for _ in range(2)]
    True
    """
    augmenter = clone(augmenter)
    steps = _flatten(augmenter)  # nested Pipelines unrolled; passthrough dropped
    # random_state=None steps get seeds from ours, so make_views(fitted, X)
    # replays too (the embedder's training views come from its net's generator)
    rng = np.random.default_rng(seed)
    for step in steps:
        params = step.get_params(deep=False) if hasattr(step, "get_params") else {}
        if "random_state" in params and params["random_state"] is None:
            step.set_params(random_state=int(rng.integers(2**31 - 1)))
    X_fit = X
    if sp.issparse(X) and not all(
        get_tags(step).input_tags.sparse for step in steps if hasattr(step, "fit")
    ):
        X_fit = X.toarray()
    names = feature_names if isinstance(X_fit, np.ndarray) else None
    first = 0
    if validated and (names is None or all(isinstance(c, str) for c in names)):
        # the leading augmenters: fitted on the validated X itself (no re-validation,
        # no NaN scan, no DataFrame, no copy); each one's transform is the identity
        while first < len(steps) and _plain_fit(steps[first]):
            steps[first]._fit_validated(X_fit, names)
            first += 1
        if first == len(steps):
            return augmenter
    if names is not None:
        X_fit = pd.DataFrame(X_fit, columns=names)
    for i, step in enumerate(steps[first:], start=first):
        step.fit(X_fit)
        if i + 1 < len(steps):
            out = step.transform(X_fit)
            if isinstance(X_fit, pd.DataFrame) and not isinstance(out, pd.DataFrame):
                out = pd.DataFrame(out, columns=X_fit.columns, index=X_fit.index)
            X_fit = out
    return augmenter


@validate_params(
    {
        "augmenter": [object],
        "X": ["array-like", "sparse matrix"],
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
    X : array-like, DataFrame or CSR matrix of shape (n_samples, n_features)
        Data to augment (floats; NaN and inf are rejected). A CSR X is
        densified by each step's ``augment`` and comes back as CSR (a preview:
        training views are made batch by batch).
    n_views : int >= 1, default=2
        Number of views.

    Returns
    -------
    list of n_views arrays (DataFrames or CSR matrices when X is one) shaped like X
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


def _plain_fit(step) -> bool:
    """Whether a step is a skcontrast augmenter with the base class's fit and transform.

    Such a step can be fitted on X validated by the caller (``_fit_validated``)
    and its transform, the identity, skipped.
    """
    return (
        isinstance(step, BaseAugmenter)
        and type(step).fit is BaseAugmenter.fit
        and type(step).transform is BaseAugmenter.transform
    )


def _writes_in_place(step) -> bool:
    """Whether a skcontrast augmenter's view can be written into the batch it is given.

    True unless its class replaces ``augment_tensor`` (then that is called).
    """
    return type(step).augment_tensor is BaseAugmenter.augment_tensor


def apply_tensor_steps(
    steps: list, X: torch.Tensor, generator: torch.Generator, *, overwrite: bool = False
) -> torch.Tensor:
    """Run already-unrolled fitted steps (see :func:`augment_tensor_with`) on a tensor.

    The output of a step without ``augment_tensor`` (a ``StandardScaler``, a
    ``FunctionTransformer``...) comes back from the host checked: NaN or
    infinity, and for a float32 X values beyond float32's range (which the
    cast back to X's dtype would turn into infinity, and training into a
    "loss became nan" error), raise a ``ValueError`` naming the step, the
    column, the rows and the values. A finite output costs a sum or two.

    skcontrast augmenters restricted to some ``columns`` write their view into
    one copy of X made for the whole Pipeline (none with ``overwrite=True``),
    in place, instead of each copying the whole batch: the values and the
    random numbers drawn are those of each step's ``augment_tensor``.

    Parameters
    ----------
    steps : list of fitted estimators
        As returned by ``_steps``.
    X : torch.Tensor of shape (n_samples, n_features)
    generator : torch.Generator on X's device
    overwrite : bool, default=False
        Whether X may be overwritten (the caller made it for this call, as
        ``ContrastiveNet.two_views`` does with its stacked batch); X is then
        returned when every step writes in place.

    Returns
    -------
    torch.Tensor
        A new tensor on X's device, in X's dtype (or X itself, overwritten,
        with ``overwrite=True``).

    Raises
    ------
    ValueError
        As :func:`augment_tensor_with`.
    """
    out = X
    owned = overwrite  # whether out may be written into
    for step in steps:
        if isinstance(step, BaseAugmenter) and _writes_in_place(step):
            step._check_tensor(out)
            if owned or not step._all_columns:
                if not owned:
                    out = out.clone()  # the one copy of X, for all the steps
                out = step._augment_into(out, generator)
            else:
                out = step._augment_block(out, generator)  # a new tensor
            owned = True
        elif hasattr(step, "augment_tensor"):
            out, owned = step.augment_tensor(out, generator), False
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
            owned = False  # it may share memory with X (a transform returning its input)
    return out.clone() if out is X and not overwrite else out
