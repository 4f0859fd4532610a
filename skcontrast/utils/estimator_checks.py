"""Checks that an augmenter behaves as skcontrast's augmenters do.

:func:`check_augmenter` runs every check below on one augmenter instance (a
subclass of :class:`~skcontrast.augment.BaseAugmenter`, or any object with the
same methods); each ``check_augmenter_*(name, augmenter)`` is one of them, to
run alone. They complement scikit-learn's ``parametrize_with_checks``, as
imbalanced-learn's sampler checks do (``_yield_sampler_checks``), with what
scikit-learn cannot know about augmenters: the identity at zero strength, no
mutation of X, successive views that differ, replay after a refit, a clone or
a pickle, float32 kept, finite views, and ``transform`` as the identity.

Give the augmenter non-zero strengths: at zero strength it is the identity and
most checks pass vacuously. skcontrast's own augmenters are checked in
``tests/augment/test_augmenter_checks.py``, with the parameters the common
tests use (the private registry ``skcontrast.utils._test_common``).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import numpy as np
from sklearn.base import clone

__all__ = [
    "check_augmenter",
    "check_augmenter_does_not_mutate_input",
    "check_augmenter_identity_at_zero_strength",
    "check_augmenter_no_nan",
    "check_augmenter_pickle_replays_next_view",
    "check_augmenter_preserves_float32",
    "check_augmenter_refit_and_clone_replay",
    "check_augmenter_successive_views_differ",
    "check_augmenter_transform_is_identity",
]


# --------------------------------------------------------------------------
# Augmenter checks, yielded the imbalanced-learn way (``_yield_sampler_checks``).


def _augmenter_data(dtype=np.float64) -> np.ndarray:
    """Spectrum-like positive rows (25 x 40), long enough for small band widths."""
    rng = np.random.default_rng(0)
    return rng.uniform(0.5, 2.0, size=(25, 40)).astype(dtype)


def _seeded(augmenter):
    augmenter = clone(augmenter)
    if augmenter.get_params().get("random_state") is None:
        augmenter.set_params(random_state=0)
    return augmenter


def check_augmenter_identity_at_zero_strength(name: str, augmenter) -> None:
    """With every strength at zero, ``augment`` returns X unchanged."""
    zero = dict(type(augmenter)._zero_strength)
    if "bounds" in augmenter.get_params():
        zero["bounds"] = None
    X = _augmenter_data()
    aug = _seeded(augmenter).set_params(**zero).fit(X)
    view = aug.augment(X)
    assert not np.shares_memory(view, X), f"{name}.augment returned X or a view of it"
    np.testing.assert_array_equal(view, X, err_msg=f"{name} at zero strength is not the identity")


def check_augmenter_does_not_mutate_input(name: str, augmenter) -> None:
    """Neither fit, augment, transform nor fit_transform writes into X."""
    X = _augmenter_data()
    X_before = X.copy()
    aug = _seeded(augmenter)
    aug.fit(X)
    aug.augment(X)
    aug.transform(X)
    aug.fit_transform(X)
    np.testing.assert_array_equal(X, X_before, err_msg=f"{name} modified X in place")


def check_augmenter_successive_views_differ(name: str, augmenter) -> None:
    """Two successive ``augment`` calls give two different views."""
    X = _augmenter_data()
    aug = _seeded(augmenter).fit(X)
    assert not np.array_equal(aug.augment(X), aug.augment(X)), (
        f"{name}: two successive views are identical"
    )


def check_augmenter_refit_and_clone_replay(name: str, augmenter) -> None:
    """Refitting, or fitting a clone, with the same int random_state replays the views."""
    X = _augmenter_data()
    aug = _seeded(augmenter)
    first = [aug.fit(X).augment(X), aug.augment(X)]
    again = [aug.fit(X).augment(X), aug.augment(X)]
    cloned = clone(aug).fit(X)
    other = [cloned.augment(X), cloned.augment(X)]
    for a, b, c in zip(first, again, other, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=f"{name}: refit does not replay")
        np.testing.assert_array_equal(a, c, err_msg=f"{name}: a clone does not replay")


def check_augmenter_preserves_float32(name: str, augmenter) -> None:
    """float32 in, float32 out, from augment, transform and fit_transform."""
    X = _augmenter_data(np.float32)
    aug = _seeded(augmenter)
    for out in (aug.fit_transform(X), aug.augment(X), aug.transform(X)):
        assert out.dtype == np.float32, f"{name} returned {out.dtype} for float32 input"


def check_augmenter_pickle_replays_next_view(name: str, augmenter) -> None:
    """A pickle taken mid-stream gives the same next view as the original."""
    X = _augmenter_data()
    aug = _seeded(augmenter).fit(X)
    aug.augment(X)
    restored = pickle.loads(pickle.dumps(aug))
    np.testing.assert_array_equal(
        restored.augment(X), aug.augment(X), err_msg=f"{name}: unpickled stream differs"
    )


def check_augmenter_no_nan(name: str, augmenter) -> None:
    """Views of finite data are finite, in float32 and float64."""
    for dtype in (np.float64, np.float32):
        X = _augmenter_data(dtype)
        aug = _seeded(augmenter).fit(X)
        for _ in range(3):
            assert np.isfinite(aug.augment(X)).all(), f"{name} produced NaN or inf"


def check_augmenter_transform_is_identity(name: str, augmenter) -> None:
    """``transform`` returns an equal copy of X: nothing is augmented at inference."""
    X = _augmenter_data()
    aug = _seeded(augmenter).fit(X)
    out = aug.transform(X)
    assert out is not X and not np.shares_memory(out, X), f"{name}.transform returned X itself"
    np.testing.assert_array_equal(out, X)


def _yield_augmenter_checks(augmenter) -> Iterator:
    """Yield the augmenter checks, each a callable ``check(name, augmenter)``."""
    yield check_augmenter_identity_at_zero_strength
    yield check_augmenter_does_not_mutate_input
    yield check_augmenter_successive_views_differ
    yield check_augmenter_refit_and_clone_replay
    yield check_augmenter_preserves_float32
    yield check_augmenter_pickle_replays_next_view
    yield check_augmenter_no_nan
    yield check_augmenter_transform_is_identity


def check_augmenter(augmenter) -> None:
    """Run every augmenter check on ``augmenter``; raise AssertionError on the first failure.

    The augmenter is cloned for each check (and seeded with ``random_state=0``
    when its ``random_state`` is None), so it is not modified.

    Parameters
    ----------
    augmenter : BaseAugmenter
        An unfitted augmenter with non-zero strengths (at zero strength it is
        the identity, and most checks would pass vacuously). Its class must be
        importable by module and name, so that the pickle check can pickle it.

    Raises
    ------
    AssertionError
        Naming the augmenter and what failed, e.g. "Scale modified X in place".

    See Also
    --------
    skcontrast.augment.BaseAugmenter : the base class to subclass, with a worked example.

    Examples
    --------
    >>> from skcontrast.augment import BitDropout
    >>> from skcontrast.utils.estimator_checks import check_augmenter
    >>> check_augmenter(BitDropout(p=0.1))
    """
    name = type(augmenter).__name__
    for check in _yield_augmenter_checks(augmenter):
        check(name, augmenter)
