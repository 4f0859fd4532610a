"""skcontrast's own augmenter checks over every augmenter in INIT_PARAMS."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from skcontrast.augment._base import BaseAugmenter
from skcontrast.utils.estimator_checks import (
    _tested_estimators,
    _yield_augmenter_checks,
    check_augmenter_identity_at_zero_strength,
)

AUGMENTERS = [e for e in _tested_estimators() if isinstance(e, BaseAugmenter)]
CASES = [(aug, check) for aug in AUGMENTERS for check in _yield_augmenter_checks(aug)]


def test_every_augmenter_class_is_checked():
    assert {type(a).__name__ for a in AUGMENTERS} >= {
        "BitDropout",
        "ConditionJitter",
        "SpectrumAugmenter",
    }


@pytest.mark.parametrize(
    ("augmenter", "check"),
    CASES,
    ids=[f"{type(a).__name__}-{c.__name__}" for a, c in CASES],
)
def test_augmenter_check(augmenter, check):
    check(type(augmenter).__name__, augmenter)


class _Leaky(BaseAugmenter):
    """A broken augmenter (adds noise even at zero strength) to show the checks bite."""

    _parameter_constraints: ClassVar[dict] = dict(BaseAugmenter._parameter_constraints)
    _zero_strength: ClassVar[dict] = {}

    def __init__(self, *, columns=None, random_state=None):
        self.columns = columns
        self.random_state = random_state

    def _augment_block(self, X, generator):
        import torch

        return X + torch.randn(X.shape, generator=generator, dtype=X.dtype)


def test_identity_check_catches_a_leaky_augmenter():
    with pytest.raises(AssertionError, match="identity"):
        check_augmenter_identity_at_zero_strength("_Leaky", _Leaky())
    assert np.isfinite(_Leaky(random_state=0).fit(np.ones((2, 2))).augment(np.ones((2, 2)))).all()
