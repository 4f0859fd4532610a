"""ContrastiveEmbedder, its skorch net and the default torch modules."""

from skcontrast.embed._embedder import ContrastiveEmbedder
from skcontrast.embed._modules import MLPEncoder, ProjectionHead
from skcontrast.embed._warnings import SkippedBlockWarning

__all__ = ["ContrastiveEmbedder", "MLPEncoder", "ProjectionHead", "SkippedBlockWarning"]
