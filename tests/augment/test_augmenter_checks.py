"""skcontrast's own augmenter checks over every augmenter in INIT_PARAMS (utils/_test_common)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import skcontrast.augment
from skcontrast.augment import BaseAugmenter
from skcontrast.utils._test_common import _tested_estimators
from skcontrast.utils.estimator_checks import (
    _yield_augmenter_checks,
    check_augmenter_identity_at_zero_strength,
)

AUGMENTERS = [e for e in _tested_estimators() if isinstance(e, BaseAugmenter)]
CASES = [(aug, check) for aug in AUGMENTERS for check in _yield_augmenter_checks(aug)]


def test_every_augmenter_class_is_checked():
    """Every public augmenter has non-identity parameters in INIT_PARAMS (utils/_test_common)."""
    public = {
        name
        for name in skcontrast.augment.__all__
        if isinstance(obj := getattr(skcontrast.augment, name), type)
        and issubclass(obj, BaseAugmenter)
        and obj is not BaseAugmenter
    }
    assert public >= {"BitDropout", "ConditionJitter", "FunctionAugmenter", "SpectrumAugmenter"}
    assert {type(a).__name__ for a in AUGMENTERS} == public


def test_every_augment_module_has_its_test_module():
    """Tests mirror the package: skcontrast/augment/_name.py is tested in test_name.py."""
    package = Path(skcontrast.augment.__file__).parent
    here = Path(__file__).parent
    modules = sorted(p.stem[1:] for p in package.glob("_*.py") if p.stem != "__init__")
    missing = [m for m in modules if not (here / f"test_{m}.py").is_file()]
    assert not missing, (
        f"no tests/augment/test_<name>.py for skcontrast/augment/_<name>.py: {missing}"
    )


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
