"""View generators: ConditionJitter, SpectrumAugmenter, BitDropout, mixup, make_views.

Augmenters behave like dropout: ``augment(X)`` draws a new random view,
``fit_transform`` returns one training view, and ``transform`` is the identity
so nothing is augmented at predict or scoring time.
"""

from skcontrast.augment._bits import BitDropout
from skcontrast.augment._conditions import ConditionJitter
from skcontrast.augment._mixup import mixup
from skcontrast.augment._spectra import SpectrumAugmenter
from skcontrast.augment._views import make_views

__all__ = ["BitDropout", "ConditionJitter", "SpectrumAugmenter", "make_views", "mixup"]
