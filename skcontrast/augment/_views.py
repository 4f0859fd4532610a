"""make_views: several random views from a fitted augmenter or Pipeline of augmenters."""

from __future__ import annotations

from numbers import Integral

from sklearn.pipeline import Pipeline

from skcontrast.utils._sklearn import Interval, check_is_fitted, validate_params


def _steps(augmenter) -> list:
    if isinstance(augmenter, Pipeline):
        steps = [step for _, step in augmenter.steps if step is not None and step != "passthrough"]
    else:
        steps = [augmenter]
    for step in steps:
        if not hasattr(step, "augment") and not hasattr(step, "transform"):
            raise TypeError(
                f"augmenter: {type(step).__name__} has neither augment nor transform."
            )
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
    n_views : int >= 1, default=2

    Returns
    -------
    list of n_views arrays (or DataFrames when X is one) shaped like X
        Successive views differ; each call advances the augmenters' generators.

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
