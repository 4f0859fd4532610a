"""Dataset generators (shapes, dtypes, determinism, lecture semantics) and the MOF loader."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skcontrast.datasets import (
    load_mof_synthesis,
    make_reaction_conditions,
    make_spectra,
    make_two_regimes,
)

GENERATORS = [
    (make_reaction_conditions, {"n_samples": 50}, (50, 4)),
    (make_two_regimes, {"n_samples": 50}, (50, 2)),
    (make_two_regimes, {"n_samples": 50, "units": "chemistry"}, (50, 2)),
    (make_spectra, {"n_per_class": 5, "n_classes": 4, "n_points": 100}, (20, 100)),
]


@pytest.mark.parametrize(("make", "kw", "shape"), GENERATORS)
def test_shapes_dtypes_and_determinism(make, kw, shape):
    X, y = make(**kw, random_state=0)
    assert X.shape == shape and X.dtype == np.float64 and np.isfinite(X).all()
    assert y.shape == (shape[0],) and y.dtype == np.int64
    X2, y2 = make(**kw, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(**kw, random_state=1)
    assert not np.array_equal(X, X3)


@pytest.mark.parametrize(("make", "kw", "shape"), GENERATORS)
def test_as_frame(make, kw, shape):
    X, y = make(**kw, random_state=0, as_frame=True)
    Xa, ya = make(**kw, random_state=0)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    np.testing.assert_array_equal(X.to_numpy(), Xa)
    np.testing.assert_array_equal(y.to_numpy(), ya)


@given(n=st.integers(2, 400), seed=st.integers(0, 2**32 - 1))
def test_reaction_conditions_stay_in_physical_ranges(n, seed):
    X, y = make_reaction_conditions(n, random_state=seed)
    lo = np.array([25, 0.05, 10, 0.2])
    hi = np.array([150, 1.20, 200, 8.0])
    assert ((lo <= X) & (hi >= X)).all()
    assert set(np.unique(y)) <= {0, 1}


def test_reaction_label_follows_the_latent_score():
    X, y = make_reaction_conditions(4000, noise=0.0, random_state=0)
    hot = X[:, 0] > 130
    cold = X[:, 0] < 45
    assert y[hot].mean() > 0.8 and y[cold].mean() < 0.2


def test_spectra_peaks_shift_by_class():
    X, y, wn = make_spectra(20, 3, random_state=0, return_wavenumbers=True)
    first_peak = wn[np.argmax(np.where(wn < 800, X, 0), axis=1)]
    means = [first_peak[y == k].mean() for k in range(3)]
    assert means[0] == pytest.approx(500, abs=8)
    assert means[1] == pytest.approx(540, abs=8)
    assert means[2] == pytest.approx(600, abs=8)


def test_generator_random_state_and_bad_parameters():
    rng = np.random.default_rng(0)
    X1, _ = make_spectra(2, 2, random_state=rng)
    X2, _ = make_spectra(2, 2, random_state=rng)
    assert not np.array_equal(X1, X2)  # the generator is advanced
    with pytest.raises(ValueError, match="n_samples"):
        make_reaction_conditions(1)
    with pytest.raises(ValueError, match="units"):
        make_two_regimes(10, units="kelvin")


HEADER = "linker_smiles,temperature,time_h,concentration_M,solvent_DMF,yield\n"


def test_loader_on_a_small_csv(tmp_path):
    path = tmp_path / "mof.csv"
    path.write_text(HEADER + "CCO,120,24,0.1,1,20.0\nCCO,80,12,0.05,0,20.5\n")
    frame = load_mof_synthesis(path)
    assert frame["success"].tolist() == [0, 1]  # strictly above 20 %
    assert len(frame) == 2


def test_loader_names_missing_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("linker_smiles,temperature,yield\nCCO,120,35\n")
    with pytest.raises(ValueError, match=r"\['time_h', 'concentration_M', 'solvent_DMF'\]"):
        load_mof_synthesis(path)


def test_loader_names_bad_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "CCO,120,24,0.1,1,35\nCCO,hot,24,0.1,1,35\n")
    with pytest.raises(ValueError, match=r"temperature.*row 1: 'hot'"):
        load_mof_synthesis(path)


def test_loader_on_the_shared_file(shared_data):
    frame = load_mof_synthesis(shared_data / "mof_yield_dataset.csv")
    assert len(frame) == 20_000
    assert frame["linker_smiles"].nunique() == 10
    np.testing.assert_array_equal(frame["success"], (frame["yield"] > 20).astype(int))
