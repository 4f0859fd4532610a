"""Fixtures of the featurizer tests."""

from __future__ import annotations

import pytest

from tests.featurize._molecules import SMILES


@pytest.fixture
def smiles() -> list[str]:
    return list(SMILES)
