"""The registry of the common tests: which estimators are tested, with which parameters.

Private test support, as scikit-learn's
``sklearn/utils/_test_common/instance_generator.py`` and imbalanced-learn's
``imblearn/utils/_test_common/instance_generator.py``: ``tests/test_common.py``
runs scikit-learn's ``parametrize_with_checks`` over :func:`_tested_estimators`,
declaring the checks each estimator legitimately fails in
:data:`EXPECTED_FAILED_CHECKS` (each with its one-line reason), and
``tests/augment/test_augmenter_checks.py`` runs
:func:`skcontrast.utils.estimator_checks.check_augmenter` over the augmenters
among them.

Every public estimator must have an entry in :data:`INIT_PARAMS` (``{}`` when the
defaults are fine); a discovery test compares :func:`all_estimators` with it, so a
new estimator cannot be forgotten. ``INIT_PARAMS`` sets non-zero strengths for
augmenters (an augmenter at zero strength is the identity and would pass every
check vacuously) and tiny networks for the embedder.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import torch
from sklearn.base import BaseEstimator

import skcontrast
from skcontrast.augment import (
    AutoAugmenter,
    BitDropout,
    ConditionJitter,
    FunctionAugmenter,
    SpectrumAugmenter,
)
from skcontrast.embed import ContrastiveEmbedder
from skcontrast.featurize import DescriptorFeaturizer, MorganFeaturizer
from skcontrast.neighbors import CosineRetriever


def _multiplicative_noise(X: torch.Tensor, generator: torch.Generator, std: float = 0.1):
    """``x * (1 + N(0, std))``: the non-identity ``func`` FunctionAugmenter is checked with.

    At module level, so that the augmenter pickles.
    """
    noise = torch.randn(X.shape, generator=generator, device=X.device, dtype=X.dtype)
    return X * (1 + std * noise)


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
    AutoAugmenter: {"random_state": 0},
    BitDropout: {"p": 0.2, "random_state": 0},
    DescriptorFeaturizer: {},
    MorganFeaturizer: {"n_bits": 64},
    CosineRetriever: {"n_neighbors": 3, "batch_size": 7},
    ConditionJitter: {"std": 0.1, "relative_std": 0.05, "mask_prob": 0.2, "random_state": 0},
    FunctionAugmenter: {
        "func": _multiplicative_noise,
        "kw_args": {"std": 0.1},
        "random_state": 0,
    },
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
    AutoAugmenter: dict(_AUGMENTER_XFAILS),
    BitDropout: dict(_AUGMENTER_XFAILS),
    ConditionJitter: dict(_AUGMENTER_XFAILS),
    FunctionAugmenter: dict(_AUGMENTER_XFAILS),
    SpectrumAugmenter: dict(_AUGMENTER_XFAILS),
    DescriptorFeaturizer: {"check_get_feature_names_out_error": _STATELESS_NAMES},
    MorganFeaturizer: {"check_get_feature_names_out_error": _STATELESS_NAMES},
}


def _public_modules() -> list:
    """skcontrast, its public subpackages and its public modules (those with ``__all__``).

    A (sub)package is public when no part of its name starts with ``_``; the
    public modules are ``losses``, ``metrics`` and ``plotting``. A module whose
    import fails because an optional extra is missing is left out.
    """
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
    return modules


def _public_classes() -> list[tuple[str, type]]:
    """Every public estimator class of skcontrast, base classes included.

    A class is public when one of :func:`_public_modules` lists it in ``__all__``.

    Returns
    -------
    list of (name, class), sorted by name.
    """
    found: dict[str, type] = {}
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                found[name] = obj
    return sorted(found.items())


def all_estimators() -> list[tuple[str, type]]:
    """Public estimator classes of skcontrast, without the base classes.

    The public classes of :func:`_public_classes` less the abstract ones and
    those named ``Base*`` (``BaseAugmenter`` is public to be subclassed, not an
    estimator to test), as scikit-learn's ``all_estimators`` leaves out
    abstract classes.

    Returns
    -------
    list of (name, class), sorted by name.
    """
    return [
        (name, cls)
        for name, cls in _public_classes()
        if not (inspect.isabstract(cls) or name.startswith("Base"))
    ]


def _tested_estimators() -> Iterator[BaseEstimator]:
    """Yield one small instance of every estimator listed in :data:`INIT_PARAMS`."""
    for cls, params in sorted(INIT_PARAMS.items(), key=lambda item: item[0].__name__):
        yield cls(**params)


def _expected_failed_checks(estimator: BaseEstimator) -> dict[str, str]:
    """The ``expected_failed_checks`` callable for ``parametrize_with_checks``."""
    return EXPECTED_FAILED_CHECKS.get(type(estimator), {})
