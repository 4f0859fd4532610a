"""View generators (augmenters), mixup and make_views.

Augmenters behave like dropout: ``augment(X)`` draws a new random view,
``fit_transform`` returns one training view, and ``transform`` is the identity
so nothing is augmented at predict or scoring time. The augmenters are
:class:`ConditionJitter`, :class:`SpectrumAugmenter` and :class:`BitDropout`;
:class:`AutoAugmenter` chooses among them from the data (the default of
:class:`~skcontrast.embed.ContrastiveEmbedder`); write your own by
subclassing :class:`BaseAugmenter`, or from a torch function with
:class:`FunctionAugmenter`.
"""

from skcontrast.augment._auto import AutoAugmenter, column_kinds
from skcontrast.augment._base import BaseAugmenter
from skcontrast.augment._bits import BitDropout
from skcontrast.augment._conditions import ConditionJitter
from skcontrast.augment._function import FunctionAugmenter
from skcontrast.augment._mixup import mixup
from skcontrast.augment._spectra import SpectrumAugmenter
from skcontrast.augment._views import make_views

__all__ = [
    "AutoAugmenter",
    "BaseAugmenter",
    "BitDropout",
    "ConditionJitter",
    "FunctionAugmenter",
    "SpectrumAugmenter",
    "column_kinds",
    "make_views",
    "mixup",
]
