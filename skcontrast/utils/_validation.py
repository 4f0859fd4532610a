"""One input check for every float entry point: validate, check finiteness, cast.

Every ``fit``, ``partial_fit``, ``transform``, ``score``, ``kneighbors`` and
metric of skcontrast takes float features through :func:`validate_float`, so
that

- NaN and infinity are reported in one format, naming the column (and its name
  when the feature names are known), the first rows and their values;
- a finite value too large for float32 is never silently turned into ``inf``
  (or a NaN downstream) by a cast: the cast raises a ``ValueError`` naming the
  column, the rows, the values and float32's limit.

The message format::

    Input X contains NaN in column 2 ('temp') at row(s) [3, 17] (values [nan, nan]);
    2 non-finite value(s) in that column, 3 in all (columns [2, 5]).

scikit-learn's own ``check_array`` message ("Input X contains NaN.") names
neither the row nor the column, and names nothing for sparse input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from skcontrast.utils._sklearn import validate_data

#: The largest finite float32 magnitude (about 3.4e38).
FLOAT32_MAX = float(np.finfo(np.float32).max)

_FLOAT_DTYPES = [np.float64, np.float32]
_SHOWN = 5


def _column_label(col: int, feature_names) -> str:
    if feature_names is False:  # 1-D input: no column to name
        return ""
    if feature_names is not None and col < len(feature_names):
        return f"column {col} ({str(feature_names[col])!r})"
    return f"column {col}"


def _entries(X, bad_mask_of) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, columns, values) of the entries of X where ``bad_mask_of(values)`` holds.

    Sorted by column, then row. X is a 2-D ndarray or a CSR matrix/array.
    """
    if sp.issparse(X):
        X = X.tocsr()
        positions = np.flatnonzero(bad_mask_of(X.data))
        rows = np.searchsorted(X.indptr, positions, side="right") - 1
        cols = X.indices[positions].astype(np.int64)
        vals = X.data[positions]
    else:
        rows, cols = np.nonzero(bad_mask_of(X))
        vals = X[rows, cols]
    order = np.lexsort((rows, cols))
    return rows[order], cols[order], vals[order]


def _describe(rows, cols, vals, feature_names) -> tuple[str, str]:
    """The first bad column's label and the ``at row(s) ...`` clause, with totals."""
    col = int(cols[0])
    in_col = cols == col
    if feature_names is False:  # 1-D input
        shown_rows = [int(r) for r in rows[:_SHOWN]]
        shown_vals = [float(v) for v in vals[:_SHOWN]]
        return "", f"at row(s) {shown_rows} (value(s) {shown_vals}); {rows.size} in all"
    col_rows, col_vals = rows[in_col], vals[in_col]
    shown_rows = [int(r) for r in col_rows[:_SHOWN]]
    shown_vals = [float(v) for v in col_vals[:_SHOWN]]
    bad_cols = np.unique(cols)
    tail = f"; {col_rows.size} such value(s) in that column"
    if bad_cols.size > 1:
        more = ", ".join(_column_label(int(c), feature_names) for c in bad_cols[1:_SHOWN])
        if bad_cols.size > _SHOWN:
            more += ", ..."
        tail += f", {rows.size} in all (also {more})"
    clause = f"at row(s) {shown_rows} (value(s) {shown_vals}){tail}"
    return _column_label(col, feature_names), clause


def check_finite(X, *, feature_names: Sequence[str] | None = None, input_name: str = "X") -> None:
    """Raise a ``ValueError`` naming the first column holding NaN or infinity.

    Parameters
    ----------
    X : ndarray of shape (n_samples,) or (n_samples, n_features), or CSR matrix, float
        Only the stored values of a sparse matrix are checked; 1-D input (a
        target ``y``) is reported by row only.
    feature_names : sequence of str, default=None
        Column names, quoted after the column index when given.
    input_name : str, default="X"
        The argument's name in the message.

    Raises
    ------
    ValueError
        "Input X contains NaN in column j ('name') at row(s) [...] (value(s)
        [...]); ..." (or "infinity" when the column holds no NaN).
    """
    values = X.data if sp.issparse(X) else X
    # fast path without a full-size mask (as scikit-learn); an overflowing sum
    # only sends us to the exact check
    with np.errstate(over="ignore", invalid="ignore"):
        if values.size == 0 or np.isfinite(values.sum()):
            return
    if X.ndim == 1:
        X, feature_names = X.reshape(-1, 1), False
    rows, cols, vals = _entries(X, lambda v: ~np.isfinite(v))
    if rows.size == 0:
        return
    column, clause = _describe(rows, cols, vals, feature_names)
    first_col = vals[cols == cols[0]]
    kind = "NaN" if np.isnan(first_col).any() else "infinity"
    where = f"in {column} " if column else ""
    raise ValueError(
        f"Input {input_name} contains {kind} (NaN or inf are not allowed) {where}{clause}. "
        "Impute or remove these values before calling."
    )


def as_float32(X, *, feature_names: Sequence[str] | None = None, input_name: str = "X"):
    """Cast finite float X to float32, refusing values beyond float32's range.

    Parameters
    ----------
    X : ndarray or CSR matrix, float, finite
        Already checked by :func:`check_finite`.
    feature_names : sequence of str, default=None
        Column names, for the message.
    input_name : str, default="X"
        The argument's name in the message.

    Returns
    -------
    ndarray or CSR matrix, float32
        X itself when it is already float32.

    Raises
    ------
    ValueError
        When a value's magnitude exceeds float32's largest finite value (about
        3.4e38): the cast would turn it into infinity. The message names the
        column, the rows, the values and the limit.
    """
    if X.dtype == np.float32:
        return X
    with np.errstate(over="ignore"):
        X32 = X.astype(np.float32)
    values = X32.data if sp.issparse(X32) else X32
    with np.errstate(over="ignore", invalid="ignore"):
        if values.size == 0 or np.isfinite(values.sum()):
            return X32
    if np.isfinite(values).all():
        return X32
    rows, cols, vals = _entries(X, lambda v: np.abs(v) > FLOAT32_MAX)
    column, clause = _describe(rows, cols, vals, feature_names)
    raise ValueError(
        f"Input {input_name} has values outside float32's range (magnitude at most "
        f"{FLOAT32_MAX:.7g}) in {column} {clause}. skcontrast computes in float32, "
        "where they would become infinite: rescale or log-transform this column."
    )


def validate_float(
    estimator,
    X,
    *,
    reset: bool,
    float32: bool = False,
    input_name: str = "X",
    accept_sparse: str | bool = "csr",
    **kwargs,
):
    """Validate float input: shape and names, finiteness, and optionally float32.

    Parameters
    ----------
    estimator : estimator or None
        With an estimator, ``sklearn.utils.validation.validate_data`` checks the
        number of features and their names against the fit (``reset=False``)
        or records them (``reset=True``), and ``feature_names_in_`` names the
        columns in messages. None (a function such as a metric) uses
        ``sklearn.utils.check_array``.
    X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
    reset : bool
        Passed to ``validate_data`` (ignored without an estimator).
    float32 : bool, default=False
        Cast to float32 (with :func:`as_float32`'s range check). Otherwise
        float32 and float64 are kept and other numbers become float64.
    input_name : str, default="X"
        The argument's name in messages.
    accept_sparse : str or bool, default="csr"
        Passed to scikit-learn.
    **kwargs
        Passed to ``validate_data`` / ``check_array`` (``ensure_min_samples``,
        ``order``, ``copy``...).

    Returns
    -------
    ndarray or CSR matrix
        float32, or float32/float64 as given.

    Raises
    ------
    ValueError
        For NaN, infinity, a value beyond float32's range (with ``float32``),
        and everything scikit-learn's validation raises.
    """
    if estimator is None:
        columns = getattr(X, "columns", None)
        feature_names = None
        if columns is not None and all(isinstance(c, str) for c in columns):
            feature_names = np.asarray(columns, dtype=object)
        X = check_array(
            X,
            accept_sparse=accept_sparse,
            dtype=_FLOAT_DTYPES,
            ensure_all_finite=False,
            input_name=input_name,
            **kwargs,
        )
    else:
        X = validate_data(
            estimator,
            X,
            reset=reset,
            accept_sparse=accept_sparse,
            dtype=_FLOAT_DTYPES,
            ensure_all_finite=False,
            **kwargs,
        )
        feature_names = getattr(estimator, "feature_names_in_", None)
    check_finite(X, feature_names=feature_names, input_name=input_name)
    if float32:
        X = as_float32(X, feature_names=feature_names, input_name=input_name)
    return X
