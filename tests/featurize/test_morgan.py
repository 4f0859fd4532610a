"""MorganFeaturizer: exact RDKit agreement, fast parse, zero-filled rows, sklearn integration.

The shared front end (input forms, dedupe, invalid-row messages, n_jobs) is
tested once for both featurizers in ``test_smiles.py``.
"""

from __future__ import annotations

import io
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator
from rdkit.rdBase import BlockLogs
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast.featurize import MorganFeaturizer, _workers
from skcontrast.utils._sklearn import InvalidParameterError
from tests.featurize._molecules import INVALID


def rdkit_reference(smiles, radius=2, n_bits=2048, count=False, chirality=False):
    """What RDKit gives, one molecule at a time, with MolFromSmiles' defaults."""
    gen = rdFingerprintGenerator.GetMorganGenerator(
        radius=radius, fpSize=n_bits, includeChirality=chirality
    )
    rows = []
    with BlockLogs():
        for s in smiles:
            mol = Chem.MolFromSmiles(s) if isinstance(s, str) else s
            if count:
                rows.append(np.minimum(gen.GetCountFingerprintAsNumPy(mol), 255))
            else:
                rows.append(gen.GetFingerprintAsNumPy(mol))
    return np.asarray(rows, dtype=np.uint8)


# --------------------------------------------------------------- exactness
@pytest.mark.parametrize("radius", [0, 1, 2, 3])
@pytest.mark.parametrize("n_bits", [64, 2048])
@pytest.mark.parametrize("count", [False, True])
@pytest.mark.parametrize("chirality", [False, True])
def test_bit_for_bit_equal_to_rdkit(smiles, radius, n_bits, count, chirality):
    out = MorganFeaturizer(
        radius=radius, n_bits=n_bits, count=count, include_chirality=chirality
    ).fit_transform(smiles)
    assert out.dtype == np.uint8
    assert out.shape == (len(smiles), n_bits)
    np.testing.assert_array_equal(out, rdkit_reference(smiles, radius, n_bits, count, chirality))


def test_equal_to_rdkit_on_real_smiles(shared_data):
    path = shared_data / "solubility.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    smiles = pd.read_csv(path)["smiles"].tolist()
    np.testing.assert_array_equal(MorganFeaturizer().transform(smiles), rdkit_reference(smiles))
    np.testing.assert_array_equal(
        MorganFeaturizer(count=True, include_chirality=True).transform(smiles),
        rdkit_reference(smiles, count=True, chirality=True),
    )


def test_equal_to_rdkit_on_diverse_sample(shared_data, rng):
    path = shared_data / "diverse_molecules.smi"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    lines = path.read_text().split()
    smiles = [lines[i] for i in rng.choice(len(lines), size=1500, replace=False)]
    np.testing.assert_array_equal(MorganFeaturizer().transform(smiles), rdkit_reference(smiles))


def test_counts_saturate_at_255():
    chain = "C" * 400  # ~398 CH2 groups hash to the same radius-0 bit
    out = MorganFeaturizer(count=True).transform([chain, "CC"])
    raw = rdFingerprintGenerator.GetMorganGenerator(radius=2).GetCountFingerprintAsNumPy(
        Chem.MolFromSmiles(chain)
    )
    assert raw.max() > 255
    assert out.dtype == np.uint8 and out.max() == 255
    np.testing.assert_array_equal(out[0], np.minimum(raw, 255))
    bits = MorganFeaturizer().transform([chain])
    np.testing.assert_array_equal(bits[0], (raw > 0).astype(np.uint8))


def test_chirality_separates_enantiomers():
    pair = ["C[C@H](N)C(=O)O", "C[C@@H](N)C(=O)O"]
    plain = MorganFeaturizer().transform(pair)
    chiral = MorganFeaturizer(include_chirality=True).transform(pair)
    assert np.array_equal(plain[0], plain[1])
    assert not np.array_equal(chiral[0], chiral[1])


def test_mol_inputs_equal_smiles_inputs(smiles):
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    mixed = [m if i % 2 else s for i, (s, m) in enumerate(zip(smiles, mols, strict=True))]
    expected = MorganFeaturizer().transform(smiles)
    np.testing.assert_array_equal(MorganFeaturizer().transform(mols), expected)
    np.testing.assert_array_equal(MorganFeaturizer().transform(mixed), expected)


# -------------------------------------------------------------- fast parse


def test_fast_parse_is_used_only_without_chirality(monkeypatch):
    seen = []
    monkeypatch.setattr(_workers, "to_mol_without_stereo", lambda s: seen.append(s))
    MorganFeaturizer(include_chirality=True).transform(["CCO"])
    assert seen == []


# ------------------------------------------------------------------ blocks
@pytest.mark.parametrize("count", [False, True])
@pytest.mark.parametrize("n_bits", [2048, 1001])
def test_blocks_keep_rows_in_place_around_invalid_molecules(smiles, count, n_bits):
    """Rows are parsed and fingerprinted in blocks; invalid molecules anywhere
    (a whole block of them, a block's first or last row) keep every row in place."""
    block = _workers.BLOCK
    valid = [s for s in smiles if Chem.MolFromSmiles(s) is not None]
    items = [f"{valid[i % len(valid)]}.{'C' * (i // len(valid) + 1)}" for i in range(3 * block + 7)]
    bad = {0, block - 1, block, 2 * block - 1, *range(2 * block, 3 * block), len(items) - 1}
    for i in bad:
        items[i] = "C1CC"
    rows, ok = _workers.morgan_chunk(
        items, radius=2, n_bits=n_bits, count=count, include_chirality=False, pack=False
    )
    assert ok.tolist() == [i not in bad for i in range(len(items))]
    good = [i for i in range(len(items)) if i not in bad]
    reference = rdkit_reference([items[i] for i in good], n_bits=n_bits, count=count)
    np.testing.assert_array_equal(rows[good], reference)
    assert not rows[sorted(bad)].any()


@pytest.mark.parametrize("n_bits", [8, 61, 2048])
def test_packed_rows_are_little_endian_bytes(smiles, n_bits):
    """Workers send bit rows packed, bit j in byte j // 8, least significant first."""
    packed, ok = _workers.morgan_chunk(
        smiles, radius=2, n_bits=n_bits, count=False, include_chirality=False, pack=True
    )
    assert packed.shape == (len(smiles), (n_bits + 7) // 8) and ok.all()
    bits = np.unpackbits(packed, axis=1, count=n_bits, bitorder="little")
    np.testing.assert_array_equal(bits, rdkit_reference(smiles, n_bits=n_bits))
    assert MorganFeaturizer(n_bits=n_bits)._unpack(packed).tolist() == bits.tolist()


# ----------------------------------------------------------- invalid input


def test_zeros_keep_every_row_and_warn_once():
    rows = ["CCO", *INVALID, None, ["CCO"], "CCO"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = MorganFeaturizer(on_invalid="zeros").transform(pd.Series(rows, dtype=object))
    user = [w for w in caught if issubclass(w.category, UserWarning)]
    assert len(user) == 1
    n_bad = len(INVALID) + 2
    assert f"{n_bad} of {len(rows)} rows" in str(user[0].message)
    assert out.shape == (len(rows), 2048)
    assert not out[1:-1].any()
    np.testing.assert_array_equal(out[0], out[-1])
    assert out[0].any()


def test_zeros_sparse_output():
    with pytest.warns(UserWarning, match="1 of 3 rows"):
        out = MorganFeaturizer(on_invalid="zeros", sparse_output=True).transform(
            ["CCO", None, "CCO"]
        )
    assert isinstance(out, sp.csr_matrix) and out.dtype == np.uint8
    assert out[1].nnz == 0 and out[0].nnz == out[2].nnz > 0


SMILES_CHARS = st.sampled_from(list("CNOScn()=#[]+-@H123456789/\\.lBrF"))


@given(
    st.lists(
        st.text(SMILES_CHARS, max_size=12) | st.text(max_size=6) | st.none() | st.integers(),
        min_size=1,
        max_size=8,
    )
)
def test_random_strings_only_raise_the_documented_error(strings):
    fp = MorganFeaturizer(n_bits=128)
    try:
        out = fp.transform(strings)
    except ValueError as error:
        assert "not valid molecules" in str(error)
    else:
        np.testing.assert_array_equal(out, rdkit_reference(strings, n_bits=128))
        assert all(isinstance(s, str) for s in strings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        zeros = MorganFeaturizer(n_bits=128, on_invalid="zeros").transform(strings)
    assert zeros.shape == (len(strings), 128)


@given(st.text(SMILES_CHARS, min_size=1, max_size=14) | st.text(min_size=1, max_size=4))
def test_fast_parse_agrees_with_molfromsmiles(text):
    with BlockLogs():
        full = _workers.to_mol(text)
        fast = _workers.to_mol_without_stereo(text)
    assert (full is None) == (fast is None)
    if full is not None:
        gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=256)
        np.testing.assert_array_equal(
            gen.GetCountFingerprintAsNumPy(full), gen.GetCountFingerprintAsNumPy(fast)
        )


# ------------------------------------------------------- sklearn behaviour
def test_stateless_fit_returns_self_and_transform_needs_no_fit(smiles):
    fp = MorganFeaturizer(n_bits=128)
    assert fp.fit(smiles) is fp
    np.testing.assert_array_equal(
        MorganFeaturizer(n_bits=128).transform(smiles), fp.transform(smiles)
    )
    np.testing.assert_array_equal(fp.fit_transform(smiles), fp.fit(smiles).transform(smiles))


def test_parameters_are_validated_in_transform_too():
    with pytest.raises(InvalidParameterError, match="'radius' parameter"):
        MorganFeaturizer(radius=-1).transform(["CCO"])
    with pytest.raises(InvalidParameterError, match="'on_invalid' parameter"):
        MorganFeaturizer(on_invalid="drop").fit(["CCO"])


def test_params_not_mutated(smiles):
    fp = MorganFeaturizer(radius=1, n_bits=256, count=True)
    params = fp.get_params()
    fp.fit(smiles).transform(smiles)
    assert fp.get_params() == params


@pytest.mark.parametrize("sparse_output", [False, True])
def test_pickle_round_trip(smiles, sparse_output):
    fp = MorganFeaturizer(radius=3, n_bits=512, sparse_output=sparse_output).fit(smiles)
    expected = fp.transform(smiles)
    for loaded in (pickle.loads(pickle.dumps(fp)), _joblib_round_trip(fp)):
        out = loaded.transform(smiles)
        if sparse_output:
            assert (out != expected).nnz == 0
        else:
            np.testing.assert_array_equal(out, expected)
        assert loaded.get_params() == fp.get_params()


def _joblib_round_trip(obj):
    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


def test_subset_and_order_invariance(smiles, rng):
    X = np.asarray(smiles * 3, dtype=object)
    full = MorganFeaturizer().transform(X)
    mask = rng.random(len(X)) < 0.5
    np.testing.assert_array_equal(MorganFeaturizer().transform(X[mask]), full[mask])
    order = rng.permutation(len(X))
    np.testing.assert_array_equal(MorganFeaturizer().transform(X[order]), full[order])


def test_idempotent(smiles):
    fp = MorganFeaturizer(count=True)
    np.testing.assert_array_equal(fp.transform(smiles), fp.transform(smiles))


def test_feature_names_and_pandas_output(smiles):
    fp = MorganFeaturizer(n_bits=32)
    names = fp.get_feature_names_out()
    assert list(names) == [f"morgan_{i}" for i in range(32)]
    X = pd.Series(smiles, index=np.arange(100, 100 + len(smiles)))
    out = fp.set_output(transform="pandas").fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(names)
    np.testing.assert_array_equal(out.index, X.index)
    np.testing.assert_array_equal(out.to_numpy(), MorganFeaturizer(n_bits=32).transform(smiles))


def _records(smiles):
    n = len(smiles)
    return pd.DataFrame(
        {
            "smiles": smiles,
            "temperature": np.linspace(25, 150, n),
            "time_h": np.arange(n, dtype=float),
        }
    )


@pytest.mark.parametrize("selector", ["smiles", ["smiles"]])
def test_column_transformer(smiles, selector):
    df = _records(smiles)
    ct = ColumnTransformer(
        [
            ("fp", MorganFeaturizer(n_bits=64), selector),
            ("process", StandardScaler(), ["temperature", "time_h"]),
        ]
    )
    out = ct.fit_transform(df)
    assert out.shape == (len(smiles), 66)
    np.testing.assert_array_equal(out[:, :64], MorganFeaturizer(n_bits=64).transform(smiles))
    names = ct.get_feature_names_out()
    assert names[0] == "fp__morgan_0" and names[-1] == "process__time_h"
    ct.set_output(transform="pandas")
    assert list(ct.fit_transform(df).columns) == list(names)
    restored = pickle.loads(pickle.dumps(ct))
    np.testing.assert_array_equal(restored.transform(df).to_numpy(), ct.transform(df).to_numpy())


def test_grid_search_over_radius(smiles):
    X = pd.Series(smiles * 4)
    y = np.array([int("N" in s or "n" in s) for s in X])
    pipe = make_pipeline(MorganFeaturizer(n_bits=256), LogisticRegression(max_iter=200))
    search = GridSearchCV(pipe, {"morganfeaturizer__radius": [0, 2]}, cv=3)
    search.fit(X, y)
    assert search.best_params_["morganfeaturizer__radius"] in (0, 2)
    assert len(search.cv_results_["params"]) == 2
    assert search.best_estimator_.named_steps["morganfeaturizer"].radius in (0, 2)
    assert search.score(X, y) > 0.5


def test_clone_keeps_params():
    fp = MorganFeaturizer(radius=1, include_chirality=True, n_jobs=2)
    assert clone(fp).get_params() == fp.get_params()


# ------------------------------------------------- real data, edge cases
def test_mof_file_with_its_repeats(shared_data):
    path = shared_data / "mof_yield_dataset.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    column = pd.read_csv(path)["linker_smiles"]
    out = MorganFeaturizer().transform(column)
    assert out.shape == (len(column), 2048)
    distinct = column.unique().tolist()
    reference = dict(zip(distinct, rdkit_reference(distinct), strict=True))
    for i in np.linspace(0, len(column) - 1, 200).astype(int):
        np.testing.assert_array_equal(out[i], reference[column.iloc[i]])


def test_all_rows_invalid_with_zeros():
    with pytest.warns(UserWarning, match="3 of 3 rows"):
        out = MorganFeaturizer(on_invalid="zeros", n_bits=16).transform([None, "", "C1CC"])
    np.testing.assert_array_equal(out, np.zeros((3, 16), dtype=np.uint8))
