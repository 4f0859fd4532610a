"""The estimator-check harness: which estimators are tested, with which parameters.

``tests/test_common.py`` runs scikit-learn's ``parametrize_with_checks`` over
:func:`_tested_estimators`, declaring the checks each estimator legitimately
fails in :data:`EXPECTED_FAILED_CHECKS` (each with its one-line reason).

Every public estimator must have an entry in :data:`INIT_PARAMS` (``{}`` when the
defaults are fine); a discovery test compares :func:`all_estimators` with it, so a
new estimator cannot be forgotten. ``INIT_PARAMS`` sets non-zero strengths for
augmenters (an augmenter at zero strength is the identity and would pass every
check vacuously) and tiny networks for the embedder.
"""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
from collections.abc import Iterator

import numpy as np
from sklearn.base import BaseEstimator, clone

import skcontrast
from skcontrast.augment import BitDropout, ConditionJitter, SpectrumAugmenter
from skcontrast.embed import ContrastiveEmbedder
from skcontrast.featurize import DescriptorFeaturizer, MorganFeaturizer
from skcontrast.neighbors import CosineRetriever

#: Parameters used to build each estimator for the common checks.
INIT_PARAMS: dict[type, dict] = {
    ContrastiveEmbedder: {
        "hidden_dims": (8,),
        "n_components": 3,
        "projection_dim": 4,
        "batch_size": 32,
        "max_epochs": 2,
        "device": "cpu",
        "random_state": 0,
    },
    BitDropout: {"p": 0.2, "random_state": 0},
    DescriptorFeaturizer: {},
    MorganFeaturizer: {"n_bits": 64},
    CosineRetriever: {"n_neighbors": 3, "batch_size": 7},
    ConditionJitter: {"std": 0.1, "relative_std": 0.05, "mask_prob": 0.2, "random_state": 0},
    SpectrumAugmenter: {
        "noise_std": 0.05,
        "scale_std": 0.05,
        "baseline_slope_std": 0.01,
        "baseline_offset_std": 0.05,
        "max_shift": 1,
        "stretch_std": 0.01,
        "band_dropout_prob": 0.5,
        "band_max_width": 2,
        "random_state": 0,
    },
}

_AUGMENTER_XFAILS = {
    "check_transformer_general": (
        "augmenters are dropout-like: fit_transform returns a random training view while "
        "transform is the identity, so the two differ by design (DESIGN.md)"
    ),
    "check_transformer_data_not_an_array": (
        "compares fit_transform with fit().transform, which differ by design for augmenters "
        "(a random training view vs the identity)"
    ),
}

_STATELESS_NAMES = (
    "stateless featurizer: its output columns follow from its parameters alone, so "
    "get_feature_names_out works before fit (string-input behaviour is tested in "
    "tests/featurize)"
)

#: ``{Estimator: {check_name: reason}}`` for checks that fail by design.
EXPECTED_FAILED_CHECKS: dict[type, dict[str, str]] = {
    BitDropout: dict(_AUGMENTER_XFAILS),
    ConditionJitter: dict(_AUGMENTER_XFAILS),
    SpectrumAugmenter: dict(_AUGMENTER_XFAILS),
    DescriptorFeaturizer: {"check_get_feature_names_out_error": _STATELESS_NAMES},
    MorganFeaturizer: {"check_get_feature_names_out_error": _STATELESS_NAMES},
}


def all_estimators() -> list[tuple[str, type]]:
    """Public estimator classes of skcontrast, found by walking its public packages.

    A class is public when a public (sub)package lists it in ``__all__``.

    Returns
    -------
    list of (name, class), sorted by name.
    """
    found: dict[str, type] = {}
    modules = [skcontrast]
    for info in pkgutil.walk_packages(skcontrast.__path__, prefix="skcontrast."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        if not info.ispkg and info.name.rsplit(".", 1)[-1] not in {"losses", "metrics", "plotting"}:
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except ImportError:  # an optional extra (e.g. matplotlib) is missing
            continue
    for module in modules:
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                found[name] = obj
    return sorted(found.items())


def _tested_estimators() -> Iterator[BaseEstimator]:
    """Yield one small instance of every estimator listed in :data:`INIT_PARAMS`."""
    for cls, params in sorted(INIT_PARAMS.items(), key=lambda item: item[0].__name__):
        yield cls(**params)


def _expected_failed_checks(estimator: BaseEstimator) -> dict[str, str]:
    """The ``expected_failed_checks`` callable for ``parametrize_with_checks``."""
    return EXPECTED_FAILED_CHECKS.get(type(estimator), {})


# --------------------------------------------------------------------------
# Augmenter checks, yielded the imbalanced-learn way (``_yield_sampler_checks``).


def _augmenter_data(dtype=np.float64) -> np.ndarray:
    """Spectrum-like positive rows, long enough for any band width used in INIT_PARAMS."""
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
    """Run every augmenter check on ``augmenter`` (raises AssertionError on the first failure).

    Examples
    --------
    >>> from skcontrast.augment import BitDropout
    >>> from skcontrast.utils.estimator_checks import check_augmenter
    >>> check_augmenter(BitDropout(p=0.1))
    """
    name = type(augmenter).__name__
    for check in _yield_augmenter_checks(augmenter):
        check(name, augmenter)
