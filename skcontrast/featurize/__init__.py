"""Featurizers on RDKit: MorganFeaturizer, DescriptorFeaturizer."""

from skcontrast.featurize._descriptors import DescriptorFeaturizer
from skcontrast.featurize._morgan import MorganFeaturizer

__all__ = ["DescriptorFeaturizer", "MorganFeaturizer"]
