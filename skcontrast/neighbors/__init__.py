"""CosineRetriever: exact (optionally sharded on dask) or approximate cosine nearest neighbours."""

from skcontrast.neighbors._approximate import recall_at_k
from skcontrast.neighbors._retriever import CosineRetriever

__all__ = ["CosineRetriever", "recall_at_k"]
