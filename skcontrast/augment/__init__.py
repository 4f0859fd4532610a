"""View generators (augmenters), mixup and make_views.

Augmenters behave like dropout: ``augment(X)`` draws a new random view,
``fit_transform`` returns one training view, and ``transform`` is the identity
so nothing is augmented at predict or scoring time. The augmenters are
:class:`ConditionJitter`, :class:`SpectrumAugmenter` and :class:`BitDropout`;
write your own by subclassing :class:`BaseAugmenter`, or from a torch function
with :class:`FunctionAugmenter`.
"""

from skcontrast.augment._base import BaseAugmenter
from skcontrast.augment._bits import BitDropout
from skcontrast.augment._conditions import ConditionJitter
from skcontrast.augment._function import FunctionAugmenter
from skcontrast.augment._mixup import mixup
from skcontrast.augment._spectra import SpectrumAugmenter
from skcontrast.augment._views import make_views

__all__ = [
    "BaseAugmenter",
    "BitDropout",
    "ConditionJitter",
    "FunctionAugmenter",
    "SpectrumAugmenter",
    "make_views",
    "mixup",
]
