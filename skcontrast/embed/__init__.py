"""ContrastiveEmbedder, its skorch net and the default torch modules."""

from skcontrast.embed._embedder import ContrastiveEmbedder
from skcontrast.embed._modules import MLPEncoder, ProjectionHead
from skcontrast.embed._net import ContrastiveNet

__all__ = ["ContrastiveEmbedder", "ContrastiveNet", "MLPEncoder", "ProjectionHead"]
