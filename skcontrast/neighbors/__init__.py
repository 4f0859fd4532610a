"""CosineRetriever: exact cosine nearest neighbours."""

from skcontrast.neighbors._retriever import CosineRetriever

__all__ = ["CosineRetriever"]
