"""skcontrast: contrastive representation learning for chemists, as scikit-learn estimators.

The public names are importable from the top level (``from skcontrast import
ContrastiveEmbedder``); they are loaded lazily, so ``import skcontrast`` does not
import torch or RDKit until a name that needs them is used.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0.dev0"

_LAZY = {
    "AutoAugmenter": "skcontrast.augment",
    "ConditionJitter": "skcontrast.augment",
    "SpectrumAugmenter": "skcontrast.augment",
    "BitDropout": "skcontrast.augment",
    "FunctionAugmenter": "skcontrast.augment",
    "BaseAugmenter": "skcontrast.augment",
    "mixup": "skcontrast.augment",
    "make_views": "skcontrast.augment",
    "ContrastiveEmbedder": "skcontrast.embed",
    "make_reaction_conditions": "skcontrast.datasets",
    "make_spectra": "skcontrast.datasets",
    "make_two_regimes": "skcontrast.datasets",
    "load_mof_synthesis": "skcontrast.datasets",
    "CosineRetriever": "skcontrast.neighbors",
    "MorganFeaturizer": "skcontrast.featurize",
    "DescriptorFeaturizer": "skcontrast.featurize",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skcontrast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
