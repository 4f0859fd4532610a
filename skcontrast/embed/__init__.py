"""ContrastiveEmbedder, its skorch net and the default torch modules."""

from skcontrast.embed._embedder import ContrastiveEmbedder
from skcontrast.embed._modules import MLPEncoder, ProjectionHead

__all__ = ["ContrastiveEmbedder", "MLPEncoder", "ProjectionHead"]
