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


def test_spectra_peaks_are_the_lectures_centres():
    X, y, wn = make_spectra(
        20, 4, n_points=1401, center_jitter=0.0, random_state=0, return_wavenumbers=True
    )
    lecture = [[500, 980, 1480], [540, 1020, 1520], [600, 1100, 1600], [660, 1180, 1680]]
    windows = [(400, 800), (800, 1300), (1300, 1800)]
    for k, centres in enumerate(lecture):
        for (low, high), centre in zip(windows, centres, strict=True):
            inside = (wn >= low) & (wn < high)
            peaks = wn[inside][np.argmax(X[y == k][:, inside], axis=1)]
            assert np.abs(peaks - centre).max() <= 2, (k, centre)


def test_spectra_column_names_are_distinct_on_fine_grids():
    X, _ = make_spectra(1, 2, n_points=20_000, random_state=0, as_frame=True)
    assert X.columns.is_unique and X.columns[0] == "wn_400.00"
    assert make_spectra(1, 2, random_state=0, as_frame=True)[0].columns[0] == "wn_400.0"


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


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ("CCO,120,24,0.1,1,inf\n", r"yield.*infinite.*row 0"),
        ("CCO,120,24,0.1,1,35\nCCO,120,24,0.1,1,-3\n", r"\[0, 100\].*row 1: -3"),
        ("", "no records"),
    ],
)
def test_loader_rejects_impossible_yields_and_empty_files(tmp_path, rows, match):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + rows)
    with pytest.raises(ValueError, match=match):
        load_mof_synthesis(path)


def test_loader_keeps_the_files_own_success_column_out_of_the_way(tmp_path):
    path = tmp_path / "with_success.csv"
    path.write_text(HEADER.strip() + ",success\nCCO,120,24,0.1,1,5,1\n")
    with pytest.raises(ValueError, match="already has a 'success' column"):
        load_mof_synthesis(path)


def test_loader_warns_on_fractional_yields(tmp_path):
    path = tmp_path / "fractions.csv"
    path.write_text(HEADER + "CCO,120,24,0.1,1,0.35\nCCO,80,12,0.05,0,0.1\n")
    with pytest.warns(UserWarning, match="fractions"):
        frame = load_mof_synthesis(path)
    assert frame["success"].tolist() == [0, 0]
    assert load_mof_synthesis(path, success_threshold=0.2)["success"].tolist() == [1, 0]


def test_loader_on_the_shared_file(shared_data):
    frame = load_mof_synthesis(shared_data / "mof_yield_dataset.csv")
    assert len(frame) == 20_000
    assert frame["linker_smiles"].nunique() == 10
    np.testing.assert_array_equal(frame["success"], (frame["yield"] > 20).astype(int))


@pytest.mark.parametrize(
    ("make", "kw"),
    [(make_spectra, {"n_per_class": 10}), (make_two_regimes, {"n_samples": 30})],
)
def test_shuffle_reorders_the_same_rows(make, kw):
    X, y = make(**kw, random_state=0)
    Xs, ys = make(**kw, random_state=0, shuffle=True)
    assert not np.array_equal(ys, y) and np.array_equal(np.sort(ys), np.sort(y))
    order = np.lexsort(X.T)
    np.testing.assert_array_equal(Xs[np.lexsort(Xs.T)], X[order])
