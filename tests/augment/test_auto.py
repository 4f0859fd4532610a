"""AutoAugmenter and column_kinds: views chosen from the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from skcontrast.augment import (
    AutoAugmenter,
    BitDropout,
    ConditionJitter,
    SpectrumAugmenter,
    column_kinds,
    make_views,
)
from skcontrast.utils.estimator_checks import check_augmenter


def _spectra(n=40, width=200, seed=0):
    rng = np.random.default_rng(seed)
    axis = np.linspace(0, 1, width)
    return np.sin(6 * axis + rng.uniform(0, 3, (n, 1))) + rng.normal(0, 0.01, (n, width))


def _bits(n=40, width=64, seed=1):
    return np.random.default_rng(seed).integers(0, 2, (n, width)).astype(np.float64)


def _process(n=40, width=4, seed=2):
    return np.random.default_rng(seed).normal(100.0, 20.0, (n, width))


def test_kinds_of_a_mixed_input():
    X = np.hstack([_process(), _spectra(), _bits()])
    kinds, blocks = column_kinds(X)
    assert kinds[:4].tolist() == ["continuous"] * 4
    assert set(kinds[4:204]) == {"spectrum"}
    assert set(kinds[204:]) == {"bits"}
    assert blocks == [(4, 204)]


def test_few_binary_columns_are_categories_not_bits():
    X = np.hstack([_process(), _bits(width=31)])
    kinds, _ = column_kinds(X)
    assert set(kinds) == {"continuous"}
    kinds, _ = column_kinds(np.hstack([_process(), _bits(width=32)]))
    assert (kinds == "bits").sum() == 32


def test_count_fingerprints_only_when_wide():
    rng = np.random.default_rng(0)
    counts = rng.poisson(0.3, (50, 600)).astype(float)
    counts[0] = 2  # every column a count column ...
    counts[:, :40] = rng.integers(0, 2, (50, 40))  # ... but 40 columns of 0/1
    assert set(column_kinds(counts)[0]) == {"bits"}
    narrow = counts[:, :100]  # 40 binary + 60 count columns: descriptor-like
    kinds, _ = column_kinds(narrow)
    assert (kinds == "bits").sum() == 40 and (kinds == "continuous").sum() == 60


def test_shuffled_spectrum_columns_are_not_a_spectrum():
    X = _spectra()
    order = np.random.default_rng(0).permutation(X.shape[1])
    kinds, blocks = column_kinds(X[:, order])
    assert blocks == [] and set(kinds) == {"continuous"}


def test_narrow_or_broken_blocks_are_not_spectra():
    X = _spectra(width=49)
    assert column_kinds(X)[1] == []
    assert column_kinds(X, min_width=40)[1] == [(0, 49)]
    X = _spectra(width=120)
    X[:, 60] = np.random.default_rng(3).normal(size=X.shape[0])  # a break in the middle
    assert column_kinds(X)[1] == [(0, 60), (61, 120)]


def test_two_rows_never_make_a_spectrum():
    # across two rows every correlation is +-1: no evidence of an ordered axis
    X = np.random.default_rng(0).normal(size=(2, 100))
    assert column_kinds(X)[1] == []


def test_sparse_input():
    X = sp.csr_matrix(_bits(width=100))
    assert set(column_kinds(X)[0]) == {"bits"}
    Xc = sp.csr_matrix(np.where(_bits(width=100) > 0, 0.37, 0.0))
    assert set(column_kinds(Xc)[0]) == {"continuous"}


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 30),
    d=st.integers(1, 80),
    seed=st.integers(0, 2**16),
    integer=st.booleans(),
)
def test_kinds_are_a_partition_and_deterministic(n, d, seed, integer):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 3, (n, d)).astype(float) if integer else rng.normal(size=(n, d))
    kinds, blocks = column_kinds(X)
    assert kinds.shape == (d,) and set(kinds) <= {"bits", "spectrum", "continuous"}
    for start, stop in blocks:
        assert stop - start >= 50 and set(kinds[start:stop]) == {"spectrum"}
    again, blocks_again = column_kinds(X.copy())
    assert (again == kinds).all() and blocks_again == blocks
    # the rows' order does not matter (every row is looked at below 10 000)
    perm = rng.permutation(n)
    assert (column_kinds(X[perm])[0] == kinds).all()


def test_integer_process_columns_beside_a_fingerprint_stay_continuous():
    # A temperature in degC and a time in h are integers but mostly nonzero: not
    # count-fingerprint columns, even beside 2 048 bits (they would be zeroed).
    rng = np.random.default_rng(0)
    n = 300
    process = np.column_stack(
        [rng.choice([80, 100, 120, 160], n), rng.choice([2, 6, 12, 24], n), rng.random(n)]
    ).astype(float)
    for fingerprint in (
        (rng.random((n, 2048)) < 0.05).astype(float),  # bits
        rng.poisson(0.1, (n, 2048)).astype(float),  # counts
    ):
        kinds, _ = column_kinds(np.hstack([process, fingerprint]))
        assert kinds[:3].tolist() == ["continuous"] * 3
        assert (kinds[3:] == "bits").all()


def test_auto_on_the_mof_case_is_a_pipeline_of_column_subsets():
    X = np.hstack([_process(), _bits(width=2048)])
    auto = AutoAugmenter(random_state=0).fit(X)
    assert isinstance(auto.augmenter_, Pipeline)
    bits, jitter = (step for _, step in auto.augmenter_.steps)
    assert isinstance(bits, BitDropout) and bits.p == 0.3
    assert bits.columns_.tolist() == list(range(4, 2052))
    assert isinstance(jitter, ConditionJitter) and jitter.units == "std"
    assert jitter.columns_.tolist() == [0, 1, 2, 3]
    # relative jitter: 0.1 of each column's standard deviation, in data units
    np.testing.assert_allclose(jitter.std_, 0.1 * X[:, :4].std(axis=0))
    assert auto.description_.splitlines() == [
        "BitDropout(p=0.3) on 2048 fingerprint-bit columns (4-2051)",
        "ConditionJitter(std=0.1, units='std') on 4 continuous columns (0-3)",
    ]
    view = auto.augment(X)
    assert ((view[:, 4:] == 0) | (view[:, 4:] == X[:, 4:])).all()  # bits only dropped
    dropped = 1 - view[:, 4:].sum() / X[:, 4:].sum()
    assert 0.25 < dropped < 0.35
    assert (view[:, :4] != X[:, :4]).all()


def test_auto_on_fingerprints_only_is_one_bitdropout():
    auto = AutoAugmenter(bit_p=0.2, random_state=0).fit(_bits(width=128))
    assert isinstance(auto.augmenter_, BitDropout)
    assert auto.augmenter_.p == 0.2 and auto.augmenter_.columns is None


def test_auto_on_spectra_is_relative():
    X = _spectra()
    auto = AutoAugmenter(random_state=0).fit(X)
    assert isinstance(auto.augmenter_, SpectrumAugmenter)
    assert auto.augmenter_.units == "relative"
    assert "200-column spectrum (0-199)" in auto.description_
    # relative units: the same views on X scaled by 1000 (up to rounding)
    scaled = AutoAugmenter(random_state=0).fit(1000 * X)
    np.testing.assert_allclose(
        scaled.augment(1000 * X), 1000 * auto.augment(X), rtol=1e-6, atol=1e-6
    )


def test_auto_on_a_dataframe_and_in_make_views():
    X = pd.DataFrame(np.hstack([_process(), _bits()]), columns=[f"c{i}" for i in range(68)])
    auto = AutoAugmenter(random_state=0).fit(X)
    v1, v2 = make_views(auto, X)
    assert isinstance(v1, pd.DataFrame) and list(v1.columns) == list(X.columns)
    assert not v1.equals(v2)
    pd.testing.assert_frame_equal(auto.transform(X), X)


def test_auto_replays_with_its_random_state():
    X = np.hstack([_process(), _bits()])
    a = AutoAugmenter(random_state=3).fit(X).augment(X)
    b = clone(AutoAugmenter(random_state=3)).fit(X).augment(X)
    c = AutoAugmenter(random_state=4).fit(X).augment(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_auto_steps_get_distinct_seeds():
    auto = AutoAugmenter(random_state=0).fit(np.hstack([_process(), _bits()]))
    seeds = [step.random_state for _, step in auto.augmenter_.steps]
    assert len(set(seeds)) == len(seeds)


def test_auto_refuses_nan_naming_the_column():
    X = _process()
    X[5, 2] = np.nan
    with pytest.raises(ValueError, match="column 2"):
        AutoAugmenter().fit(X)


def test_auto_passes_the_augmenter_checks():
    check_augmenter(AutoAugmenter(random_state=0))


def _count_spectra(n=60, width=600, dark=(300, 340), seed=0):
    """Integer counts on an ordered axis (binned MS, XRD, CCD Raman): a background
    and two peaks whose heights vary between rows, Poisson noise, and a dark region
    of exact zeros."""
    rng = np.random.default_rng(seed)
    axis = np.linspace(0, 1, width)
    heights = rng.lognormal(0, 0.5, (n, 3))  # a background level and two peaks
    mean = 30 * heights[:, 2:] + heights[:, :1] * 200 * np.exp(-0.5 * ((axis - 0.25) / 0.15) ** 2)
    mean = mean + heights[:, 1:2] * 150 * np.exp(-0.5 * ((axis - 0.7) / 0.12) ** 2)
    X = rng.poisson(mean).astype(float)
    X[:, dark[0] : dark[1]] = 0.0
    return X


def test_count_spectra_with_a_dark_region_are_spectra_not_fingerprints():
    X = _count_spectra()
    assert (np.round(X) == X).all() and (X >= 0).all()
    kinds, blocks = column_kinds(X)
    assert blocks == [(0, 600)] and set(kinds) == {"spectrum"}
    auto = AutoAugmenter(random_state=0).fit(X)
    assert isinstance(auto.augmenter_, SpectrumAugmenter)
    assert "600-column spectrum (0-599)" in auto.description_


def test_morgan_fingerprints_are_still_bits():
    Chem = pytest.importorskip("rdkit.Chem")
    AllChem = pytest.importorskip("rdkit.Chem.AllChem")
    cores = ["c1ccccc1", "C1CCNCC1", "c1ccncc1", "C1CCOC1", "c1ccsc1"]
    tails = ["C", "CC", "CCO", "C(=O)O", "N", "Cl", "OC", "C(F)(F)F", "C#N", "CCN(C)C"]
    mols = [Chem.MolFromSmiles(core + tail) for core in cores for tail in tails]
    X = np.array(
        [list(AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=2048)) for m in mols],
        dtype=float,
    )
    assert X.shape == (50, 2048)
    kinds, blocks = column_kinds(X)
    assert blocks == [] and set(kinds) == {"bits"}


@pytest.mark.parametrize("density", [0.01, 0.05, 0.3])
def test_random_sparse_bits_are_still_bits(density):
    X = (np.random.default_rng(0).random((50, 2048)) < density).astype(float)
    kinds, blocks = column_kinds(X)
    assert blocks == [] and set(kinds) == {"bits"}


def test_short_flat_gaps_stay_inside_a_spectrum():
    X = _spectra(width=120)
    X[:, 60] = 3.0  # a constant column (a saturated or masked channel)
    assert column_kinds(X)[1] == [(0, 120)]
    X[:, 50:70] = 0.0  # a flat stretch of 20 columns
    assert column_kinds(X)[1] == [(0, 120)]
    X = _spectra(width=200)
    X[:, 60:111] = 0.0  # 51 flat columns: longer than min_width, a split
    assert column_kinds(X)[1] == [(0, 60), (111, 200)]
    X = _spectra(width=120)
    X[:, :10] = 0.0  # flat at an edge: not bridged, not spectrum
    assert column_kinds(X)[1] == [(10, 120)]


def test_flat_columns_alone_never_make_a_spectrum():
    # 60 columns, 50 of them flat: 10 linked columns are not a spectrum
    X = np.hstack([_spectra(width=5), np.zeros((40, 50)), _spectra(width=5, seed=1)])
    assert column_kinds(X)[1] == []


def test_auto_augments_csr_input():
    X = sp.csr_matrix(np.hstack([_process(), _bits(width=64)]))
    auto = AutoAugmenter(random_state=0)
    first = auto.fit_transform(X)
    assert sp.issparse(first) and first.shape == X.shape
    view = auto.augment(X)
    assert sp.issparse(view) and view.shape == X.shape
    dense, Xd = view.toarray(), X.toarray()
    assert ((dense[:, 4:] == 0) | (dense[:, 4:] == Xd[:, 4:])).all()
    assert (dense[:, :4] != Xd[:, :4]).any()
    v1, v2 = make_views(auto, X)
    assert sp.issparse(v1) and (v1 != v2).nnz > 0
