"""Shared fixtures: seeds, the optional ../shared/data folder, headless plotting."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("MPLBACKEND", "Agg")

# CI runs on 2 slow cores: no per-example deadline, fewer examples by default.
settings.register_profile(
    "skcontrast",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("skcontrast")

SHARED_DATA = Path(
    os.environ.get(
        "SKCONTRAST_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)


@pytest.fixture
def global_random_seed() -> int:
    """The seed for statistical tests (as scikit-learn's fixture, one value)."""
    return int(os.environ.get("SKCONTRAST_TESTS_GLOBAL_RANDOM_SEED", 42))


@pytest.fixture
def shared_data() -> Path:
    """The ``../shared/data`` folder beside the project; skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (it sits beside the project)")
    return SHARED_DATA


@pytest.fixture
def rng(global_random_seed: int) -> np.random.Generator:
    return np.random.default_rng(global_random_seed)
