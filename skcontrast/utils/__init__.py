"""Utilities: random-state helpers, shared docstrings and estimator checks."""

from skcontrast.utils._random import check_generator, draw_seed

__all__ = ["check_generator", "draw_seed"]
