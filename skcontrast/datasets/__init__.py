"""Synthetic generators and loaders of real files."""

__all__: list[str] = []
