"""CosineRetriever: exact cosine nearest neighbours."""

__all__: list[str] = []
