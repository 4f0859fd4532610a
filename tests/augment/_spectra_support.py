"""Test spectra and a one-view SpectrumAugmenter, shared by the spectrum tests."""

from __future__ import annotations

import numpy as np

from skcontrast.augment import SpectrumAugmenter

ZERO = dict(SpectrumAugmenter._zero_strength)


def spectra(rng, n=30, d=120, offset=(0.0, 0.1)):
    """Gaussian peaks on a common axis (as in lecture 18) on a per-row offset."""
    axis = np.linspace(0, 1, d)
    centres = rng.uniform(0.2, 0.8, size=(n, 1))
    return np.exp(-0.5 * ((axis - centres) / 0.05) ** 2) + rng.uniform(*offset, size=(n, 1))


def only(**params):
    """A SpectrumAugmenter with every view off but those given."""
    return SpectrumAugmenter(**{**ZERO, **params})
