"""Synthetic generators from the lectures and loaders of real files (nothing bundled)."""

from skcontrast.datasets._loaders import load_mof_synthesis
from skcontrast.datasets._synthetic import make_reaction_conditions, make_spectra, make_two_regimes

__all__ = ["load_mof_synthesis", "make_reaction_conditions", "make_spectra", "make_two_regimes"]
