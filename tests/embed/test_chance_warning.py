"""The chance-level warning: advice that fits the input, attributed to the user's line."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skcontrast.datasets import make_spectra
from skcontrast.embed import ContrastiveEmbedder
from skcontrast.embed._diagnostics import input_kind

N = 32


def _identity_views(**kw):
    """Views equal to the rows: identical rows can only reach the chance loss."""
    params = dict(
        augmenter=FunctionTransformer(),
        hidden_dims=(8,),
        n_components=2,
        projection_dim=4,
        max_epochs=1,
        device="cpu",
        random_state=0,
    )
    params.update(kw)
    return ContrastiveEmbedder(**params)


def _fingerprints():
    return np.tile([1.0, 0.0, 1.0, 1.0, 0.0, 0.0], (N, 1))


def _spectra():
    axis = np.linspace(0, 1, 60)
    curve = np.exp(-(((axis - 0.4) / 0.1) ** 2)) + 0.3 * axis
    return np.tile(curve, (N, 1))


def _conditions():
    return np.tile([80.0, 2.1, 0.35, 12.0], (N, 1))


def _advice(X) -> str:
    with pytest.warns(UserWarning, match="chance value") as record:
        _identity_views().fit(X)
    assert len(record) == 1
    return str(record[0].message)


def test_advice_fits_the_input():
    binary, spectra, other = _advice(_fingerprints()), _advice(_spectra()), _advice(_conditions())
    assert "BitDropout" in binary and "SNV" not in binary
    assert "SNV" in spectra and "derivative" in spectra and "BitDropout" not in spectra
    assert "StandardScaler" in other and "SNV" not in other and "BitDropout" not in other
    assert len({binary, spectra, other}) == 3


def test_input_kind_from_cheap_statistics():
    rng = np.random.default_rng(0)
    bits = (rng.random((300, 64)) < 0.1).astype(np.float32)
    assert input_kind(bits) == "binary"
    assert input_kind(sp.csr_matrix(bits)) == "binary"
    counts = sp.csr_matrix(bits * rng.integers(2, 5, bits.shape))
    assert input_kind(counts) == "other"
    noisy_spectra = _spectra() + rng.normal(scale=1e-3, size=(N, 60))
    assert input_kind(noisy_spectra) == "spectra"
    assert input_kind(make_spectra(n_per_class=5, random_state=0)[0]) == "spectra"
    assert input_kind(rng.normal(size=(300, 60))) == "other"  # unordered columns
    assert input_kind(_spectra()[:, :10]) == "other"  # too few columns for spectra
    mixed = np.hstack([rng.normal(size=(300, 10)), bits[:, :8]])  # mostly continuous
    assert input_kind(mixed) == "other"


def test_warning_points_at_the_users_line_through_a_pipeline_and_a_grid_search():
    X = _fingerprints()
    with pytest.warns(UserWarning, match="chance value") as record:
        make_pipeline(_identity_views()).fit(X)
    assert {w.filename for w in record} == {__file__}
    with pytest.warns(UserWarning, match="chance value") as record:
        GridSearchCV(_identity_views(), {"temperature": [0.2]}, cv=2, n_jobs=1).fit(X)
    assert {w.filename for w in record} == {__file__}  # was joblib's parallel.py
