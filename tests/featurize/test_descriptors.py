"""DescriptorFeaturizer: RDKit agreement, name validation, filled rows, sklearn integration.

The shared front end (input forms, dedupe, invalid-row messages, n_jobs) is
tested once for both featurizers in ``test_smiles.py``.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdkit import Chem
from rdkit.Chem import Descriptors, rdMolDescriptors
from rdkit.rdBase import BlockLogs
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import StandardScaler

from skcontrast.featurize import DescriptorFeaturizer, _descriptors, _workers
from skcontrast.utils._sklearn import InvalidParameterError
from tests.featurize._molecules import INVALID


def test_default_descriptors_equal_rdkit(smiles):
    out = DescriptorFeaturizer().fit_transform(smiles)
    assert out.dtype == np.float64 and out.shape == (len(smiles), 4)
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    expected = np.array(
        [
            [
                Descriptors.MolWt(m),
                Descriptors.MolLogP(m),
                Descriptors.TPSA(m),
                rdMolDescriptors.CalcNumRings(m),
            ]
            for m in mols
        ]
    )
    np.testing.assert_array_equal(out, expected)


def test_any_descriptor_from_rdkit_list(smiles):
    names = tuple(name for name, _ in Descriptors.descList[::25])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a few descriptors are NaN on salts
        out = DescriptorFeaturizer(descriptors=names, on_invalid="nan").transform(smiles)
    table = dict(Descriptors.descList)
    expected = np.array(
        [[table[n](Chem.MolFromSmiles(s)) for n in names] for s in smiles], dtype=float
    )
    expected[~np.isfinite(expected)] = np.nan
    np.testing.assert_array_equal(out, expected)


# ------------------------------------------------------------------- "all"
def _rdkit_all(smiles):
    """RDKit's own call: CalcMolDescriptors, a NaN for whatever fails."""
    with BlockLogs():
        mols = [Chem.MolFromSmiles(s) for s in smiles]
    rows = [Descriptors.CalcMolDescriptors(m, missingVal=np.nan) for m in mols]
    return np.array([list(row.values()) for row in rows], dtype=float), list(rows[0])


def test_all_is_rdkits_whole_list_in_its_order(smiles):
    names = [name for name, _ in Descriptors.descList]
    desc = DescriptorFeaturizer(descriptors="all")
    assert list(desc.get_feature_names_out()) == names
    assert len(names) == len(set(names)) > 200
    with pytest.warns(UserWarning, match="no finite value"):
        out = DescriptorFeaturizer(descriptors="all", on_invalid="nan").fit_transform(smiles)
    expected, rdkit_names = _rdkit_all(smiles)
    assert rdkit_names == names
    expected[~np.isfinite(expected)] = np.nan
    assert out.shape == (len(smiles), len(names)) and out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)


def test_all_equals_rdkit_on_real_molecules(shared_data, rng):
    path = shared_data / "diverse_molecules.smi"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    lines = path.read_text().split()
    smiles = [lines[i] for i in rng.choice(len(lines), size=50, replace=False)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = DescriptorFeaturizer(descriptors="all", on_invalid="nan").transform(smiles)
    expected, _ = _rdkit_all(smiles)
    expected[~np.isfinite(expected)] = np.nan
    np.testing.assert_array_equal(out, expected)


def test_all_raises_by_default_naming_row_smiles_and_descriptors(smiles):
    expected, names = _rdkit_all(smiles)
    bad_rows = np.flatnonzero(~np.isfinite(expected).all(axis=1))
    assert len(bad_rows) > 0  # the copper complex has no Gasteiger charges
    first = int(bad_rows[0])
    first_bad = names[int(np.flatnonzero(~np.isfinite(expected[first]))[0])]
    with pytest.raises(ValueError, match="no finite value") as info:
        DescriptorFeaturizer(descriptors="all").transform(smiles)
    message = str(info.value)
    assert f"row {first}: {smiles[first]!r}" in message
    assert first_bad in message and "on_invalid='nan'" in message


def test_all_with_zeros_fills_uncomputable_values_with_zero(smiles):
    expected, _ = _rdkit_all(smiles)
    with pytest.warns(UserWarning, match="set to 0.0"):
        out = DescriptorFeaturizer(descriptors="all", on_invalid="zeros").transform(smiles)
    expected[~np.isfinite(expected)] = 0.0
    np.testing.assert_array_equal(out, expected)


def test_all_in_parameter_validation():
    assert "all" in str(DescriptorFeaturizer._parameter_constraints["descriptors"][-1])
    with pytest.raises(InvalidParameterError, match="'descriptors' parameter"):
        DescriptorFeaturizer(descriptors="ALL").fit(["CCO"])


def test_stereo_descriptors_see_stereo():
    out = DescriptorFeaturizer(descriptors=["NumAtomStereoCenters"]).transform(
        ["C[C@H](N)C(=O)O", "CCO"]
    )
    np.testing.assert_array_equal(out[:, 0], [1, 0])


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("MolWeight", "'MolWt'"), ("tpsa", "'TPSA'"), ("molLogP", "'MolLogP'")],
)
def test_unknown_names_list_close_matches(name, suggestion):
    with pytest.raises(ValueError, match=f"{name!r} is not an RDKit descriptor") as info:
        DescriptorFeaturizer(descriptors=("MolWt", name)).fit(["CCO"])
    assert suggestion in str(info.value)


@pytest.mark.parametrize(
    ("descriptors", "match"),
    [((), "at least one"), (("MolWt", "MolWt"), "more than once"), ((3,), "not a string")],
)
def test_bad_descriptor_lists(descriptors, match):
    with pytest.raises(ValueError, match=match):
        DescriptorFeaturizer(descriptors=descriptors).fit(["CCO"])
    with pytest.raises(ValueError, match=match):
        DescriptorFeaturizer(descriptors=descriptors).transform(["CCO"])


def test_a_string_is_not_a_descriptor_list():
    with pytest.raises(ValueError, match="'descriptors' parameter"):
        DescriptorFeaturizer(descriptors="MolWt").fit(["CCO"])


@pytest.mark.parametrize(("on_invalid", "fill"), [("zeros", 0.0), ("nan", np.nan)])
def test_invalid_rows_are_filled_and_counted(on_invalid, fill):
    rows = ["CCO", *INVALID, None, 7, "CCO"]
    with pytest.warns(UserWarning, match=f"{len(INVALID) + 2} of {len(rows)} rows") as record:
        out = DescriptorFeaturizer(on_invalid=on_invalid).transform(rows)
    assert len([w for w in record if issubclass(w.category, UserWarning)]) == 1
    assert out.shape == (len(rows), 4)
    np.testing.assert_array_equal(out[1:-1], np.full((len(rows) - 2, 4), fill))
    np.testing.assert_array_equal(out[0], out[-1])
    assert np.isfinite(out[0]).all()


def test_failing_descriptor_warns_instead_of_silent_nan(monkeypatch):
    def table():
        return {"MolWt": Descriptors.MolWt, "Boom": _boom}

    monkeypatch.setattr(_workers, "descriptor_table", table)
    monkeypatch.setattr(_descriptors, "descriptor_table", table)
    rows = pd.Series(["CCO", "CC", "CCO"], index=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"3 of 3 rows .* row 0 \(index 'a'\): 'CCO' \(Boom\)"):
        DescriptorFeaturizer(descriptors=["MolWt", "Boom"]).transform(rows)
    with pytest.warns(UserWarning, match="Boom: 3") as record:
        out = DescriptorFeaturizer(descriptors=["MolWt", "Boom"], on_invalid="nan").transform(rows)
    assert len(record) == 1
    assert np.isnan(out[:, 1]).all() and np.isfinite(out[:, 0]).all()


def test_infinite_values_follow_on_invalid_too(monkeypatch):
    def table():
        return {"MolWt": Descriptors.MolWt, "Huge": lambda mol: float("inf")}

    monkeypatch.setattr(_workers, "descriptor_table", table)
    monkeypatch.setattr(_descriptors, "descriptor_table", table)
    with pytest.raises(ValueError, match=r"row 0: 'CCO' \(Huge\)"):
        DescriptorFeaturizer(descriptors=["MolWt", "Huge"]).transform(["CCO"])
    with pytest.warns(UserWarning, match="set to nan"):
        out = DescriptorFeaturizer(descriptors=["Huge"], on_invalid="nan").transform(["CCO"])
    assert np.isnan(out).all()


def _boom(mol):
    raise RuntimeError("RDKit could not compute this")


@given(
    st.lists(
        st.text(st.sampled_from(list("CNOc1()=#[]+-")), max_size=10) | st.text(max_size=4),
        min_size=1,
        max_size=6,
    )
)
def test_random_strings_nan_policy_never_raises(strings):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = DescriptorFeaturizer(on_invalid="nan").transform(strings)
    assert out.shape == (len(strings), 4)
    for row, s in zip(out, strings, strict=True):
        with BlockLogs():
            mol = _workers.to_mol(s)
        valid = mol is not None and mol.GetNumAtoms() > 0
        assert np.isnan(row).all() != valid


def test_stateless_fit_and_feature_names(smiles):
    desc = DescriptorFeaturizer(descriptors=["TPSA", "RingCount"])
    assert desc.fit(smiles) is desc
    assert list(desc.get_feature_names_out()) == ["TPSA", "RingCount"]
    out = desc.set_output(transform="pandas").transform(pd.Series(smiles))
    assert list(out.columns) == ["TPSA", "RingCount"]
    restored = pickle.loads(pickle.dumps(desc))
    pd.testing.assert_frame_equal(restored.transform(smiles), desc.transform(smiles))


@pytest.mark.parametrize("selector", ["smiles", ["smiles"]])
def test_column_transformer(smiles, selector):
    df = pd.DataFrame({"smiles": smiles, "temperature": np.linspace(20, 90, len(smiles))})
    ct = ColumnTransformer(
        [
            ("desc", DescriptorFeaturizer(), selector),
            ("process", StandardScaler(), ["temperature"]),
        ]
    )
    out = ct.fit_transform(df)
    np.testing.assert_array_equal(out[:, :4], DescriptorFeaturizer().transform(smiles))
    assert list(ct.get_feature_names_out())[:2] == ["desc__MolWt", "desc__MolLogP"]


def test_all_rows_invalid_with_nan():
    with pytest.warns(UserWarning, match="2 of 2 rows"):
        out = DescriptorFeaturizer(on_invalid="nan").transform([None, "C1CC"])
    assert out.shape == (2, 4) and np.isnan(out).all()
