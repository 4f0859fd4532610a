"""ContrastiveEmbedder, its skorch net and default torch modules."""

__all__: list[str] = []
