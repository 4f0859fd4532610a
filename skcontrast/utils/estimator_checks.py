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
import pkgutil
from collections.abc import Iterator

from sklearn.base import BaseEstimator

import skcontrast
from skcontrast.augment import BitDropout, ConditionJitter, SpectrumAugmenter
from skcontrast.embed import ContrastiveEmbedder
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

#: ``{Estimator: {check_name: reason}}`` for checks that fail by design.
EXPECTED_FAILED_CHECKS: dict[type, dict[str, str]] = {
    BitDropout: dict(_AUGMENTER_XFAILS),
    ConditionJitter: dict(_AUGMENTER_XFAILS),
    SpectrumAugmenter: dict(_AUGMENTER_XFAILS),
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
