"""One input check for every float entry point: validate, check finiteness, cast.

Every ``fit``, ``partial_fit``, ``transform``, ``score``, ``kneighbors`` and
metric of skcontrast takes float features through :func:`validate_float`, so
that

- NaN and infinity are reported in one format, naming the column (and its name
  when the feature names are known), the first rows and their values;
- a finite value too large for float32 is never silently turned into ``inf``
  (or a NaN downstream) by a cast: the cast raises a ``ValueError`` naming the
  column, the rows, the values and float32's limit.

The message format (rows and columns counted from 0; at most 5 rows, values
and further columns are listed):

>>> import numpy as np
>>> from skcontrast.utils._validation import check_finite
>>> X = np.zeros((20, 6))
>>> X[[3, 17], 2] = np.nan
>>> X[8, 5] = np.inf
>>> check_finite(X, feature_names=["a", "b", "temp", "d", "e", "f"])
Traceback (most recent call last):
    ...
ValueError: Input X contains NaN (NaN or inf are not allowed) in column 2
('temp') at row(s) [3, 17] (value(s) [nan, nan]); 2 such value(s) in that
column, 3 in all (also column 5 ('f')). Impute or remove these values before
calling.

The augmenters' refusal of a view that overflowed (``BaseAugmenter``) and the
float32 range check (:func:`as_float32`) use the same clause, built by
:func:`_report`.

scikit-learn's own ``check_array`` message ("Input X contains NaN.") names
neither the row nor the column, and names nothing for sparse input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from skcontrast.utils._sklearn import validate_data

#: The largest finite float32 magnitude (about 3.4e38).
FLOAT32_MAX = float(np.finfo(np.float32).max)

_FLOAT_DTYPES = [np.float64, np.float32]
_SHOWN = 5


def _all_finite(X) -> bool:
    """Whether every (stored) value of X is finite: one pass, a sum, when it is.

    X is an ndarray or a sparse matrix/array (only its stored values count). An
    overflowing sum of finite values only sends us to the exact check, without
    NumPy warnings; no full-size mask is built on the fast path (as
    scikit-learn).
    """
    values = X.data if sp.issparse(X) else X
    with np.errstate(over="ignore", invalid="ignore"):
        if values.size == 0 or np.isfinite(values.sum()):
            return True
    return bool(np.isfinite(values).all())


def _not_finite(values: np.ndarray) -> np.ndarray:
    return ~np.isfinite(values)


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


def _describe(rows, cols, vals, feature_names, values_label: str) -> tuple[str, str]:
    """The first bad column's label and the ``at row(s) ...`` clause, with totals."""
    col = int(cols[0])
    in_col = cols == col
    if feature_names is False:  # 1-D input
        shown_rows = [int(r) for r in rows[:_SHOWN]]
        shown_vals = [float(v) for v in vals[:_SHOWN]]
        return "", (f"at row(s) {shown_rows} ({values_label} {shown_vals}); {rows.size} in all")
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
    clause = f"at row(s) {shown_rows} ({values_label} {shown_vals}){tail}"
    return _column_label(col, feature_names), clause


def _report(
    X,
    bad_mask_of: Callable[[np.ndarray], np.ndarray] = _not_finite,
    *,
    feature_names: Sequence[str] | None = None,
    shown: np.ndarray | None = None,
    values_label: str = "value(s)",
) -> tuple[str | None, str, str] | None:
    """Locate X's bad entries: ``(kind, column label, clause)``, or None if there are none.

    The one place where skcontrast's messages about bad values are worded.

    Parameters
    ----------
    X : ndarray of shape (n_samples,) or (n_samples, n_features), or CSR matrix
        The array searched (only a sparse matrix's stored values).
    bad_mask_of : callable, default=not finite
        Maps an array of values to a boolean mask of the bad ones.
    feature_names : sequence of str, default=None
        Column names, quoted after the column index when given.
    shown : ndarray shaped like X, default=None
        Values shown at the bad positions instead of X's (dense X only): e.g.
        the input of an augmenter when X is the view that overflowed.
    values_label : str, default="value(s)"
        How the shown values are introduced ("input value(s)" with ``shown``).

    Returns
    -------
    kind : {"NaN", "infinity"} or None
        "NaN" when the first bad column holds a NaN, "infinity" when it holds an
        infinity (and no NaN), None when its bad values are finite.
    column : str
        "column j" or "column j ('name')"; "" for 1-D X (named by row only).
    clause : str
        "at row(s) [...] (value(s) [...]); N such value(s) in that column, M in
        all (also column k, ...)", the totals after the semicolon; for 1-D X,
        "at row(s) [...] (value(s) [...]); M in all".
    """
    if X.ndim == 1:
        X, feature_names = X.reshape(-1, 1), False
        if shown is not None:
            shown = np.asarray(shown).reshape(-1, 1)
    rows, cols, vals = _entries(X, bad_mask_of)
    if rows.size == 0:
        return None
    first = vals[cols == cols[0]]
    kind = "NaN" if np.isnan(first).any() else "infinity" if np.isinf(first).any() else None
    if shown is not None:
        vals = np.asarray(shown)[rows, cols]
    column, clause = _describe(rows, cols, vals, feature_names, values_label)
    return kind, column, clause


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
        "Input X contains NaN (NaN or inf are not allowed) in column j ('name')
        at row(s) [...] (value(s) [...]); ..." (or "infinity" when the column
        holds no NaN).
    """
    if _all_finite(X):
        return
    kind, column, clause = _report(X, feature_names=feature_names)
    where = f"in {column} " if column else ""
    raise ValueError(
        f"Input {input_name} contains {kind} (NaN or inf are not allowed) {where}{clause}. "
        "Impute or remove these values before calling."
    )


def as_float32(X, *, feature_names: Sequence[str] | None = None, input_name: str = "X"):
    """Cast float X to float32, refusing NaN, infinity and values beyond float32's range.

    Parameters
    ----------
    X : ndarray or CSR matrix, float
        Checked by :func:`check_finite` first: float32 X is returned as is. NaN
        or infinity left in float64 X raise :func:`check_finite`'s error (looked
        for only when the cast result is not finite, so a finite X costs one
        cast and one sum).
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
        column, the rows, the values and the limit. Also for NaN or infinity
        in float64 X, as :func:`check_finite`.
    """
    if X.dtype == np.float32:  # nothing to cast (and not checked again)
        return X
    with np.errstate(over="ignore"):
        X32 = X.astype(np.float32)
    if _all_finite(X32):
        return X32
    check_finite(X, feature_names=feature_names, input_name=input_name)
    _, column, clause = _report(X, lambda v: np.abs(v) > FLOAT32_MAX, feature_names=feature_names)
    where = f"in {column} " if column else ""
    raise ValueError(
        f"Input {input_name} has values outside float32's range (magnitude at most "
        f"{FLOAT32_MAX:.7g}) {where}{clause}. skcontrast computes in float32, "
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
