"""View generators: ConditionJitter, SpectrumAugmenter, BitDropout, mixup."""

__all__: list[str] = []
