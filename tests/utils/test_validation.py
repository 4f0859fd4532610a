"""The one float-input check: NaN/inf and float32-overflow messages, casts."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import BaseEstimator

from skcontrast.utils import _validation
from skcontrast.utils._validation import (
    FLOAT32_MAX,
    _all_finite,
    _report,
    as_float32,
    check_finite,
    validate_float,
)


class _Probe(BaseEstimator):
    """A minimal estimator for validate_data."""


def test_nan_message_names_column_name_rows_and_values():
    X = pd.DataFrame({"pressure": [1.0, 2.0, 3.0, 4.0], "temp": [20.0, np.nan, 25.0, np.nan]})
    est = _Probe()
    with pytest.raises(ValueError) as info:
        validate_float(est, X, reset=True)
    msg = str(info.value)
    assert "Input X contains NaN" in msg
    assert "column 1 ('temp')" in msg
    assert "row(s) [1, 3]" in msg
    assert "value(s) [nan, nan]" in msg
    assert "np.float" not in msg


def test_names_come_from_the_fit_at_transform_time():
    est = _Probe()
    validate_float(est, pd.DataFrame({"a": [1.0, 2.0], "temp": [3.0, 4.0]}), reset=True)
    with pytest.raises(ValueError, match=r"column 1 \('temp'\) at row\(s\) \[0\]"):
        validate_float(est, pd.DataFrame({"a": [1.0], "temp": [np.inf]}), reset=False)


def test_infinity_and_several_columns_are_counted():
    X = np.zeros((6, 4))
    X[4, 2] = -np.inf
    X[[0, 5], 3] = np.nan
    with pytest.raises(ValueError) as info:
        check_finite(X, input_name="Z")
    msg = str(info.value)
    assert msg.startswith("Input Z contains infinity (NaN or inf are not allowed) in column 2 ")
    assert "row(s) [4] (value(s) [-inf])" in msg
    assert "3 in all (also column 3)" in msg


def test_sparse_input_names_the_same_rows_and_columns_as_dense():
    X = np.zeros((5, 3))
    X[3, 1] = np.nan
    X[1, 1] = np.nan
    X[2, 0] = 1.0
    messages = []
    for data in (X, sp.csr_matrix(X), sp.csr_array(X)):
        with pytest.raises(ValueError) as info:
            check_finite(data)
        messages.append(str(info.value))
    assert len(set(messages)) == 1
    assert "column 1 at row(s) [1, 3]" in messages[0]


def test_float32_overflow_is_refused_with_column_rows_value_and_limit():
    X = pd.DataFrame({"MolWt": [170.3, 226.4], "Ipc": [12.0, 1.45e42]})
    est = _Probe()
    with pytest.raises(ValueError) as info:
        validate_float(est, X, reset=True, float32=True)
    msg = str(info.value)
    assert "outside float32's range" in msg
    assert "column 1 ('Ipc')" in msg
    assert "row(s) [1]" in msg
    assert "1.45e+42" in msg
    assert re.search(r"3\.40282\d*e\+38", msg)


def test_float32_overflow_in_sparse_input():
    X = sp.csr_matrix(np.array([[0.0, 1e40], [2.0, 0.0]]))
    with pytest.raises(ValueError, match=r"column 1 at row\(s\) \[0\] \(value\(s\) \[1e\+40\]\)"):
        as_float32(X)


def test_values_at_the_float32_limit_are_cast_not_refused():
    X = np.array([[FLOAT32_MAX, -FLOAT32_MAX], [1.0, 0.5]])
    out = validate_float(None, X, reset=False, float32=True)
    assert out.dtype == np.float32
    assert np.isfinite(out).all()


def test_float32_kept_and_float64_kept_without_cast():
    X64 = np.arange(6.0).reshape(3, 2)
    assert validate_float(None, X64, reset=False).dtype == np.float64
    X32 = X64.astype(np.float32)
    assert validate_float(None, X32, reset=False, float32=True) is X32


def test_large_finite_values_whose_sum_overflows_pass():
    X = np.full((4, 2), 0.9 * FLOAT32_MAX, dtype=np.float32)
    check_finite(X)  # the fast path's sum overflows; every value is finite
    assert as_float32(X.astype(np.float64)).dtype == np.float32


@given(
    st.lists(
        st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=20,
    )
)
def test_float32_cast_either_succeeds_finite_or_raises(values):
    X = np.array(values, dtype=np.float64).reshape(-1, 1)
    try:
        out = as_float32(X)
    except ValueError as exc:
        assert np.abs(X).max() > FLOAT32_MAX
        assert "outside float32's range" in str(exc)
    else:
        assert np.isfinite(out).all()
        assert out.dtype == np.float32


def test_one_dimensional_input_is_named_by_row():
    y = np.array([0.0, np.nan, 1.0])
    with pytest.raises(
        ValueError,
        match=r"^Input y contains NaN \(NaN or inf are not allowed\) "
        r"at row\(s\) \[1\] \(value\(s\) \[nan\]\); 1 in all",
    ):
        check_finite(y, input_name="y")


def test_a_function_names_dataframe_columns():
    Z = pd.DataFrame({"z0": [0.0, 1.0], "z1": [np.inf, 2.0]})
    with pytest.raises(ValueError, match=r"Input Z contains infinity .* column 1 \('z1'\)"):
        validate_float(None, Z, reset=False, input_name="Z")


def test_the_module_docstring_shows_the_real_message():
    """The documented format is the message check_finite raises (also a doctest)."""
    doc = " ".join(_validation.__doc__.split())
    X = np.zeros((20, 6))
    X[[3, 17], 2] = np.nan
    X[8, 5] = np.inf
    with pytest.raises(ValueError) as info:
        check_finite(X, feature_names=["a", "b", "temp", "d", "e", "f"])
    assert f"ValueError: {info.value}" in doc


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (np.zeros((0, 3)), True),
        (np.full((3, 2), 0.9 * FLOAT32_MAX, dtype=np.float32), True),  # the sum overflows
        (np.array([1.0, np.nan]), False),
        (np.array([[1.0], [-np.inf]]), False),
        (sp.csr_matrix(np.array([[0.0, np.inf], [1.0, 0.0]])), False),
        (sp.csr_array(np.eye(3)), True),
    ],
)
def test_all_finite(values, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning from the fast path
        assert _all_finite(values) is expected


def test_report_kind_column_and_clause():
    X = np.zeros((4, 3))
    X[[2, 0], 1] = [np.inf, np.nan]
    X[1, 2] = np.inf
    kind, column, clause = _report(X, feature_names=["a", "b", "c"])
    assert (kind, column) == ("NaN", "column 1 ('b')")
    assert clause == (
        "at row(s) [0, 2] (value(s) [nan, inf]); 2 such value(s) in that column, "
        "3 in all (also column 2 ('c'))"
    )
    assert _report(np.ones((2, 2))) is None
    # finite bad values (a range check) have no kind
    kind, column, _ = _report(np.array([[1.0, 5.0]]), lambda v: v > 2)
    assert kind is None and column == "column 1"


def test_report_shows_other_values_at_the_bad_positions():
    """An augmenter locates its view's overflow and shows the input values there."""
    view = np.array([[1.0, np.inf], [2.0, 3.0], [4.0, -np.inf]])
    X = np.array([[1.0, 3e38], [2.0, 3.0], [4.0, -3.1e38]])
    kind, column, clause = _report(view, shown=X, values_label="input value(s)")
    assert (kind, column) == ("infinity", "column 1")
    assert clause == (
        "at row(s) [0, 2] (input value(s) [3e+38, -3.1e+38]); 2 such value(s) in that column"
    )
    kind, column, clause = _report(view[:, 1], shown=X[:, 1])  # 1-D: by row only
    assert column == "" and clause.endswith("[3e+38, -3.1e+38]); 2 in all")


def test_float32_overflow_of_a_vector_is_named_by_row():
    with pytest.raises(
        ValueError,
        match=r"^Input y has values outside float32's range \(magnitude at most "
        r"3\.402823e\+38\) at row\(s\) \[1\] \(value\(s\) \[1e\+40\]\); 1 in all\. ",
    ):
        as_float32(np.array([1.0, 1e40, 2.0]), input_name="y")


def test_float32_cast_of_unchecked_nan_or_inf_reports_them():
    """as_float32 on float64 X that skipped check_finite: its message, not a crash."""
    X = np.array([[1.0, np.nan], [1e40, 0.0]])
    with pytest.raises(ValueError, match=r"^Input X contains NaN .* in column 1 at row\(s\) \[0\]"):
        as_float32(X)
