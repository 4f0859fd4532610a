"""Featurizers on RDKit: MorganFeaturizer, DescriptorFeaturizer."""

__all__: list[str] = []
