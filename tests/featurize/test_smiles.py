"""The shared SMILES front end (``skcontrast.featurize._smiles``).

Input coercion, parse-once dedupe, invalid-row messages and ``on_invalid``,
``n_jobs`` parsing and the in-process fallback, RDKit log blocking: first
through both featurizers, then each function of the module directly.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from joblib import effective_n_jobs, parallel_config
from rdkit import Chem
from sklearn.base import BaseEstimator

from skcontrast.featurize import DescriptorFeaturizer, MorganFeaturizer, _smiles, _workers
from skcontrast.utils._sklearn import InvalidParameterError

FEATURIZERS = [MorganFeaturizer, DescriptorFeaturizer]


def _dense(out):
    return out.toarray() if sp.issparse(out) else out


# =========================================================== through the featurizers
# ------------------------------------------------------------------- input forms
@pytest.mark.parametrize("cls", FEATURIZERS)
@pytest.mark.parametrize(
    "make",
    [
        list,
        tuple,
        lambda s: np.asarray(s, dtype=object),
        lambda s: np.asarray(s),  # a unicode array
        lambda s: pd.Series(s),
        lambda s: pd.Series(s, dtype="string"),
        lambda s: pd.DataFrame({"smiles": s}),
        lambda s: np.asarray(s, dtype=object).reshape(-1, 1),
        lambda s: [[x] for x in s],
    ],
)
def test_accepted_input_forms(smiles, make, cls):
    expected = cls().transform(smiles)
    np.testing.assert_array_equal(cls().fit_transform(make(smiles)), expected)


@pytest.mark.parametrize("cls", FEATURIZERS)
@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        ("CCO", TypeError, "single str"),
        (Chem.MolFromSmiles("CCO"), TypeError, "single Mol"),
        (pd.DataFrame({"a": ["C"], "b": ["N"]}), ValueError, "exactly one column"),
        (np.array([["C", "N"]], dtype=object), ValueError, "exactly one column"),
        (np.zeros((2, 1, 1)), ValueError, "1-D"),
        (sp.csr_matrix(np.ones((2, 1))), TypeError, "sparse"),
        (5, TypeError, "int"),
    ],
)
def test_rejected_input_forms(X, error, match, cls):
    with pytest.raises(error, match=match):
        cls().fit(X)
    with pytest.raises(error, match=match):
        cls().transform(X)


@pytest.mark.parametrize("cls", FEATURIZERS)
def test_input_is_not_modified(smiles, cls):
    X = pd.Series([*smiles, None])
    before = X.copy()
    with pytest.warns(UserWarning):
        cls(on_invalid="zeros").fit_transform(X)
    pd.testing.assert_series_equal(X, before)


@pytest.mark.parametrize("cls", FEATURIZERS)
def test_polars_one_column_frame(smiles, cls):
    pl = pytest.importorskip("polars", reason="polars is optional")
    out = cls().fit_transform(pl.DataFrame({"smiles": smiles}))
    np.testing.assert_array_equal(out, cls().transform(smiles))


@pytest.mark.parametrize("cls", FEATURIZERS)
def test_fitted_column_name_is_checked(smiles, cls):
    df = pd.DataFrame({"smiles": smiles})
    fp = cls().fit(df)
    width = len(fp.get_feature_names_out())
    np.testing.assert_array_equal(fp.feature_names_in_, ["smiles"])
    assert fp.n_features_in_ == 1
    with pytest.raises(ValueError, match="feature names"):
        fp.transform(df.rename(columns={"smiles": "linker"}))
    # a 1-D input has no column to compare: accepted by the stateless featurizer
    assert fp.transform(df["smiles"]).shape == (len(smiles), width)
    fp.fit(df["smiles"])  # refit on 1-D forgets the column
    assert not hasattr(fp, "feature_names_in_") and not hasattr(fp, "n_features_in_")


@pytest.mark.parametrize("cls", FEATURIZERS)
def test_tags_are_honest(cls):
    tags = cls().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert not tags.requires_fit


# ------------------------------------------------------------------------ dedupe
@pytest.mark.parametrize(
    "make", [MorganFeaturizer, lambda: MorganFeaturizer(sparse_output=True), DescriptorFeaturizer]
)
def test_dedupe_gives_the_same_rows_as_row_by_row(smiles, rng, make):
    rows = [smiles[i] for i in rng.integers(0, 8, size=200)]
    fp = make()
    one_by_one = np.vstack([_dense(fp.transform([s])) for s in rows])
    np.testing.assert_array_equal(_dense(fp.transform(rows)), one_by_one)


@pytest.mark.parametrize(
    ("cls", "parser"),
    [(MorganFeaturizer, "to_mol_without_stereo"), (DescriptorFeaturizer, "to_mol")],
)
def test_each_distinct_smiles_is_parsed_once(monkeypatch, smiles, cls, parser):
    calls = []
    real = getattr(_workers, parser)

    def counting(item):
        calls.append(item)
        return real(item)

    monkeypatch.setattr(_workers, parser, counting)
    rows = smiles[:4] * 50
    cls().transform(rows)
    assert sorted(calls) == sorted(smiles[:4])


# ----------------------------------------------------------------- invalid rows
@pytest.mark.parametrize("cls", FEATURIZERS)
def test_invalid_rows_raise_with_rows_and_values(cls):
    rows = ["CCO", "C1CC", None, "c1ccccc1", "", 3.5, float("nan"), "C(C)(C)(C)(C)C", "\ud800"]
    with pytest.raises(ValueError, match="7 of 9 rows") as info:
        cls().transform(rows)
    message = str(info.value)
    for expected in [
        "row 1: 'C1CC' (SMILES unclosed ring)",
        "row 2: None (missing value)",
        "row 4: '' (empty string)",
        "row 5: 3.5 (not a SMILES string or RDKit Mol (float))",
        "row 6: nan (missing value)",
        "and 2 more",
        "on_invalid='zeros'",
        f"to {cls.__name__}",
    ]:
        assert expected in message
    assert "row 7" not in message  # only the first 5 are named


@pytest.mark.parametrize("cls", FEATURIZERS)
def test_error_names_pandas_index_labels(cls):
    X = pd.Series(["CCO", "C1CC"], index=["exp-7", "exp-9"])
    with pytest.raises(ValueError, match=r"row 1 \(index 'exp-9'\): 'C1CC'"):
        cls().transform(X)


@pytest.mark.parametrize("cls", FEATURIZERS)
def test_empty_molecule_objects_are_invalid(cls):
    with pytest.raises(ValueError, match="molecule has no atoms"):
        cls().transform([Chem.Mol(), "CCO"])


@pytest.mark.parametrize(
    "make",
    [MorganFeaturizer, lambda: MorganFeaturizer(include_chirality=True), DescriptorFeaturizer],
)
def test_unencodable_string_is_an_invalid_row_not_a_crash(make):
    with pytest.raises(ValueError, match="not encodable as UTF-8"):
        make().transform(["CCO", "C\ud800"])


@pytest.mark.parametrize("cls", FEATURIZERS)
def test_invalid_row_warning_points_at_the_users_line(cls):
    featurizer = cls(on_invalid="zeros").set_output(transform="pandas")
    with pytest.warns(UserWarning, match="not valid molecules") as record:
        featurizer.transform(["CCO", "not a smiles"])
    assert record[0].filename == __file__


@pytest.mark.parametrize("cls", FEATURIZERS)
def test_rdkit_logging_is_silenced(capfd, cls):
    with pytest.warns(UserWarning):
        cls(on_invalid="zeros").transform(["C1CC", "c1cccc1", "CCO"])
    assert capfd.readouterr().err == ""


# ------------------------------------------------------------------------ n_jobs
@pytest.mark.parametrize("cls", FEATURIZERS)
def test_n_jobs_zero_is_rejected_by_the_constraint(cls):
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter"):
        cls(n_jobs=0).fit(["CCO"])  # not joblib's late "n_jobs == 0 has no meaning"


@pytest.mark.parametrize("cls", FEATURIZERS)
@pytest.mark.parametrize("n_jobs", [None, 1, 2, -1, -2])
def test_n_jobs_accepted_values(cls, n_jobs):
    assert cls(n_jobs=n_jobs).fit(["CCO"]).transform(["CCO"]).shape[0] == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: MorganFeaturizer(**kw),
        lambda **kw: MorganFeaturizer(count=True, **kw),
        lambda **kw: DescriptorFeaturizer(**kw),
    ],
)
def test_parallel_path_equals_serial(monkeypatch, smiles, make):
    monkeypatch.setattr(_smiles, "MIN_PARALLEL", 0)
    rows = smiles * 3 + [Chem.MolFromSmiles("CCN")]
    with pytest.warns(UserWarning, match="2 of"):
        parallel = make(n_jobs=2, on_invalid="zeros").transform([*rows, "C1CC", None])
    serial = make().transform(rows)
    np.testing.assert_array_equal(parallel[: len(rows)], serial)
    assert not parallel[len(rows) :].any()


@pytest.mark.parametrize("cls", FEATURIZERS)
def test_small_inputs_do_not_start_workers(monkeypatch, smiles, cls):
    def forbidden(*args, **kwargs):
        raise AssertionError("a worker pool was started for a small input")

    monkeypatch.setattr(_smiles, "Parallel", forbidden)
    assert cls(n_jobs=2).transform(smiles).shape[0] == len(smiles)


# ============================================================ the functions directly
# ------------------------------------------------------------- as_molecule_column
def test_as_molecule_column_returns_values_index_and_dimensionality():
    arr, index, was_2d = _smiles.as_molecule_column(["CCO", "CC"])
    assert arr.dtype == object and arr.shape == (2,) and list(arr) == ["CCO", "CC"]
    assert index is None and not was_2d

    series = pd.Series(["CCO", "CC"], index=["a", "b"])
    arr, index, was_2d = _smiles.as_molecule_column(series)
    assert list(index) == ["a", "b"] and not was_2d and arr.dtype == object

    frame = pd.DataFrame({"smiles": ["CCO", "CC"]}, index=[10, 11])
    arr, index, was_2d = _smiles.as_molecule_column(frame)
    assert list(arr) == ["CCO", "CC"] and list(index) == [10, 11] and was_2d

    for two_d in (np.array([["CCO"], ["CC"]]), [["CCO"], ["CC"]], [("CCO",), ("CC",)]):
        arr, index, was_2d = _smiles.as_molecule_column(two_d)
        assert list(arr) == ["CCO", "CC"] and arr.ndim == 1 and was_2d and index is None


def test_as_molecule_column_unicode_array_becomes_object():
    arr, _, _ = _smiles.as_molecule_column(np.array(["CCO", "c1ccccc1"]))
    assert arr.dtype == object and all(isinstance(v, str) for v in arr)


def test_as_molecule_column_keeps_mol_objects_as_they_are():
    mol = Chem.MolFromSmiles("CCO")
    arr, _, _ = _smiles.as_molecule_column([mol, "CC"])
    assert arr[0] is mol


def test_as_molecule_column_ragged_rows_stay_rows():
    # rows of different widths are not a 2-D input: each row is an (invalid) value
    arr, _, was_2d = _smiles.as_molecule_column([["CCO"], ["CC", "N"]])
    assert arr.shape == (2,) and not was_2d
    assert arr[1] == ["CC", "N"]


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (b"CCO", TypeError, "single bytes"),
        ([["C", "N"], ["O", "S"]], ValueError, "exactly one column of SMILES, got 2"),
        (pd.DataFrame({"a": ["C"], "b": ["N"]}), ValueError, r"\['a', 'b'\]"),
        ((s for s in ["CCO"]), TypeError, "generator"),
        (np.array([], dtype=object).reshape(0, 1), ValueError, "0 sample"),
        (sp.coo_matrix(np.ones((2, 1))), TypeError, "sparse"),
    ],
)
def test_as_molecule_column_rejects(X, error, match):
    with pytest.raises(error, match=match):
        _smiles.as_molecule_column(X)


# ------------------------------------------------------------------------- dedupe
def test_dedupe_first_appearance_order_and_inverse():
    values = np.array(["CC", "CCO", "CC", "N", "CCO", "CC"], dtype=object)
    distinct, inverse = _smiles.dedupe(values)
    assert distinct == ["CC", "CCO", "N"]
    np.testing.assert_array_equal(inverse, [0, 1, 0, 2, 1, 0])
    assert inverse.dtype == np.intp
    assert [distinct[i] for i in inverse] == list(values)


def test_dedupe_compares_mols_by_identity():
    a, b = Chem.MolFromSmiles("CCO"), Chem.MolFromSmiles("CCO")
    distinct, inverse = _smiles.dedupe(np.array([a, b, a, "CCO"], dtype=object))
    assert len(distinct) == 3
    assert distinct[0] is a and distinct[1] is b and distinct[2] == "CCO"
    np.testing.assert_array_equal(inverse, [0, 1, 0, 2])


def test_dedupe_sets_aside_rows_of_other_types():
    values = np.array([None, "CC", 3.5, float("nan"), pd.NA, 7, "CC", "N"], dtype=object)
    distinct, inverse = _smiles.dedupe(values)
    assert distinct == ["CC", "N"]
    np.testing.assert_array_equal(inverse, [-1, 0, -1, -1, -1, -1, 0, 1])


def test_dedupe_unhashable_rows_fall_back_without_error():
    values = np.empty(5, dtype=object)
    values[:] = ["CC", ["CCO"], "N", {"a": 1}, "CC"]
    distinct, inverse = _smiles.dedupe(values)
    assert distinct == ["CC", "N"]
    np.testing.assert_array_equal(inverse, [0, -1, 1, -1, 0])


def test_dedupe_all_invalid():
    distinct, inverse = _smiles.dedupe(np.array([None, 1, 2.0], dtype=object))
    assert distinct == []
    np.testing.assert_array_equal(inverse, [-1, -1, -1])


# -------------------------------------------------------- why a row is rejected
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "missing value"),
        (pd.NA, "missing value"),
        (float("nan"), "missing value"),
        (3.5, "not a SMILES string or RDKit Mol (float)"),
        (7, "not a SMILES string or RDKit Mol (int)"),
        (["CCO"], "not a SMILES string or RDKit Mol (list)"),
    ],
)
def test_type_problem(value, reason):
    assert _smiles._type_problem(value) == reason


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (Chem.Mol(), "molecule has no atoms"),
        ("", "empty string"),
        ("   ", "empty string"),
        ("C\ud800", "not encodable as UTF-8"),
        ("C1CC", "SMILES unclosed ring"),
        ("C)C", "SMILES extra close parentheses around position 2"),
        ("X", "SMILES syntax error around position 1"),
        ("c1cccc1", "Can't kekulize mol"),
        ("C(C)(C)(C)(C)C", "Explicit valence for atom # 0 C"),
    ],
)
def test_parse_problem(item, reason, capfd):
    assert _smiles.parse_problem(item).startswith(reason)
    assert capfd.readouterr().err == ""  # BlockLogs: RDKit prints nothing


@pytest.mark.parametrize(
    ("messages", "gist"),
    [
        ("", "SMILES syntax error"),
        ("\n  \n", "SMILES syntax error"),
        (
            "[12:00:01] SMILES Parse Error: syntax error while parsing: CC(\n"
            "[12:00:01] SMILES Parse Error: check for mistakes around position 3:\n"
            "[12:00:01] SMILES Parse Error: CC(\n",
            "SMILES syntax error around position 3",
        ),
        (
            "[01:02:03] SMILES Parse Error: unclosed ring for input: 'C1CC'\n",
            "SMILES unclosed ring",
        ),
        ("SMILES something odd:", "SMILES something odd"),
    ],
)
def test_syntax_message(messages, gist):
    assert _smiles._syntax_message(messages) == gist


def test_describe_truncates_and_names_mols():
    assert _smiles._describe("CCO") == "'CCO'"
    assert _smiles._describe(Chem.MolFromSmiles("CCO")) == "<rdkit Mol>"
    long = _smiles._describe("C" * 200)
    assert len(long) == 80 and long.endswith("...")


@pytest.mark.parametrize(
    ("index", "default"),
    [
        (pd.RangeIndex(3), True),
        (pd.RangeIndex(1, 4), False),
        (pd.RangeIndex(0, 6, 2), False),
        (pd.Index([0, 1, 2]), False),
    ],
)
def test_is_default_index(index, default):
    assert _smiles._is_default_index(index) is default


# ------------------------------------------------------------------ map_distinct
def _chunk(items, *, pack, offset=0):
    """Row i holds (len(item) + offset, pack); valid is whether the item is long."""
    rows = np.array([[len(s) + offset, int(pack)] for s in items], dtype=np.int64)
    return rows, np.array([len(s) > 1 for s in items])


def test_map_distinct_serial_passes_kwargs_and_pack_false():
    calls = []

    def chunk(items, **kwargs):
        calls.append((list(items), kwargs))
        return _chunk(items, **kwargs)

    rows, valid = _smiles.map_distinct(chunk, ["C", "CC", "CCC"], n_jobs=None, offset=10)
    assert calls == [(["C", "CC", "CCC"], {"pack": False, "offset": 10})]
    np.testing.assert_array_equal(rows, [[11, 0], [12, 0], [13, 0]])
    np.testing.assert_array_equal(valid, [False, True, True])


@pytest.mark.parametrize("n_jobs", [None, 1, 4])
def test_map_distinct_below_min_parallel_stays_in_process(monkeypatch, n_jobs):
    def forbidden(*args, **kwargs):
        raise AssertionError("a worker pool was started")

    monkeypatch.setattr(_smiles, "Parallel", forbidden)
    rows, _ = _smiles.map_distinct(_chunk, ["C", "CC"], n_jobs=n_jobs, min_parallel=3)
    np.testing.assert_array_equal(rows[:, 0], [1, 2])
    monkeypatch.setattr(_smiles, "MIN_PARALLEL", 3)  # the default threshold
    rows, _ = _smiles.map_distinct(_chunk, ["C", "CC"], n_jobs=n_jobs)
    np.testing.assert_array_equal(rows[:, 0], [1, 2])


def test_map_distinct_one_item_stays_in_process(monkeypatch):
    # n_workers is capped at the number of items: one item never starts a pool
    monkeypatch.setattr(_smiles, "Parallel", None)
    rows, valid = _smiles.map_distinct(_chunk, ["CC"], n_jobs=4, min_parallel=0)
    np.testing.assert_array_equal(rows, [[2, 0]])
    np.testing.assert_array_equal(valid, [True])


@pytest.mark.parametrize(("n_jobs", "n_chunks"), [(2, 2), (3, 3), (16, 7), (-1, None)])
def test_map_distinct_round_robin_restores_order(n_jobs, n_chunks):
    items = ["C" * k for k in range(1, 8)]
    chunks = []

    def chunk(items, **kwargs):
        chunks.append(list(items))
        return _chunk(items, **kwargs)

    with parallel_config(backend="threading"):  # the same dealing, without processes
        rows, valid = _smiles.map_distinct(chunk, items, n_jobs=n_jobs, min_parallel=0)
        if n_chunks is None:
            n_chunks = min(len(items), effective_n_jobs(n_jobs))
    np.testing.assert_array_equal(rows, [[k, 0] for k in range(1, 8)])
    np.testing.assert_array_equal(valid, [k > 1 for k in range(1, 8)])
    expected_n = max(n_chunks, 1)
    assert len(chunks) == expected_n
    assert sorted(chunks) == sorted(items[k::expected_n] for k in range(expected_n))


def test_map_distinct_packs_and_unpacks():
    def unpack(rows):
        assert (rows[:, 1] == 1).all()  # the chunks were told to pack
        return rows * [1, 0] + [0, 9]

    items = ["C", "CC", "CCC", "CCCC"]
    with parallel_config(backend="threading"):
        rows, valid = _smiles.map_distinct(_chunk, items, n_jobs=2, min_parallel=0, unpack=unpack)
    np.testing.assert_array_equal(rows, [[1, 9], [2, 9], [3, 9], [4, 9]])
    np.testing.assert_array_equal(valid, [False, True, True, True])


def test_map_distinct_in_worker_processes():
    items = ["C" * k for k in range(1, 6)]
    rows, valid = _smiles.map_distinct(_chunk, items, n_jobs=2, min_parallel=0, offset=100)
    np.testing.assert_array_equal(rows[:, 0], [101, 102, 103, 104, 105])
    np.testing.assert_array_equal(valid, [False, True, True, True, True])


# ----------------------------------------------------------------- handle_invalid
def _handle(values, *, on_invalid="raise", index=None, valid=None, name="Featurizer"):
    values = np.asarray(values, dtype=object)
    distinct, inverse = _smiles.dedupe(values)
    if valid is None:
        valid = np.ones(len(distinct), dtype=bool)
    return _smiles.handle_invalid(
        values=values,
        index=index,
        distinct=distinct,
        inverse=inverse,
        valid=np.asarray(valid, dtype=bool),
        on_invalid=on_invalid,
        estimator_name=name,
    )


def test_handle_invalid_all_valid_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mask = _handle(["CCO", "CC", "CCO"])
    assert mask.dtype == bool and not mask.any() and mask.shape == (3,)


def test_handle_invalid_flags_every_row_of_an_invalid_distinct():
    # "C1CC" is distinct 1; rejected by the chunk (valid False): both its rows are invalid
    with pytest.warns(UserWarning, match="3 of 5 rows") as record:
        mask = _handle(["CCO", "C1CC", None, "C1CC", "CCO"], on_invalid="zeros", valid=[1, 0])
    np.testing.assert_array_equal(mask, [False, True, True, True, False])
    message = str(record[0].message)
    assert message.startswith("Featurizer: ")
    assert "row 1: 'C1CC' (SMILES unclosed ring)" in message
    assert "row 2: None (missing value)" in message
    assert "row 3: 'C1CC'" in message
    assert "all-zero rows (on_invalid='zeros')" in message


def test_handle_invalid_nan_and_raise_messages():
    with pytest.warns(UserWarning, match=r"all-NaN rows \(on_invalid='nan'\)"):
        _handle(["CCO", None], on_invalid="nan")
    with pytest.raises(ValueError, match=r"pass on_invalid='zeros' to MyFeaturizer"):
        _handle(["CCO", None], name="MyFeaturizer")


def test_handle_invalid_names_at_most_n_shown_rows():
    n = _smiles.N_SHOWN + 3
    with pytest.raises(ValueError) as info:
        _handle([None] * n)
    message = str(info.value)
    assert f"{n} of {n} rows" in message
    assert f"row {_smiles.N_SHOWN - 1}:" in message
    assert f"row {_smiles.N_SHOWN}:" not in message
    assert "; and 3 more." in message
    with pytest.raises(ValueError) as info:
        _handle([None] * _smiles.N_SHOWN)
    assert "more" not in str(info.value)


@pytest.mark.parametrize(
    ("index", "label"),
    [
        (None, None),
        (pd.RangeIndex(2), None),
        (pd.RangeIndex(5, 7), "(index 6)"),
        (pd.Index(["a", "b"]), "(index 'b')"),
    ],
)
def test_handle_invalid_index_labels(index, label):
    with pytest.raises(ValueError) as info:
        _handle(["CCO", None], index=index)
    message = str(info.value)
    if label is None:
        assert "row 1: None" in message and "(index" not in message
    else:
        assert f"row 1 {label}: None" in message


# -------------------------------------------------------------- check_input_shape
class _Stateless(BaseEstimator):
    pass


def test_check_input_shape_records_a_2d_column_only():
    est = _Stateless()
    values, index = _smiles.check_input_shape(
        est, pd.DataFrame({"smiles": ["CCO", "CC"]}, index=[3, 4]), reset=True
    )
    assert list(values) == ["CCO", "CC"] and list(index) == [3, 4]
    assert est.n_features_in_ == 1
    np.testing.assert_array_equal(est.feature_names_in_, ["smiles"])

    _smiles.check_input_shape(est, pd.Series(["CCO"]), reset=True)
    assert not hasattr(est, "n_features_in_") and not hasattr(est, "feature_names_in_")

    _smiles.check_input_shape(est, [["CCO"], ["CC"]], reset=True)  # 2-D, no names
    assert est.n_features_in_ == 1 and not hasattr(est, "feature_names_in_")


def test_check_input_shape_checks_the_fitted_column():
    est = _Stateless()
    _smiles.check_input_shape(est, pd.DataFrame({"smiles": ["CCO"]}), reset=True)
    _smiles.check_input_shape(est, pd.DataFrame({"smiles": ["CC"]}), reset=False)
    with pytest.raises(ValueError, match="feature names"):
        _smiles.check_input_shape(est, pd.DataFrame({"linker": ["CC"]}), reset=False)
    # 1-D input after a 2-D fit: nothing to compare, accepted, nothing changes
    values, _ = _smiles.check_input_shape(est, ["CC"], reset=False)
    assert list(values) == ["CC"] and est.n_features_in_ == 1


def test_check_input_shape_without_fit_records_nothing():
    est = _Stateless()
    _smiles.check_input_shape(est, pd.DataFrame({"smiles": ["CCO"]}), reset=False)
    assert not hasattr(est, "n_features_in_") and not hasattr(est, "feature_names_in_")
