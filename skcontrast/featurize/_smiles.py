"""Shared machinery of the featurizers: input coercion, parse-once dedupe, invalid rows.

Everything here is private. The featurizers call, in order:

1. :func:`as_molecule_column` turns a list, ndarray, Series or one-column 2-D
   input into a 1-D object array (one molecule per row);
2. :func:`dedupe` maps the rows to their distinct SMILES strings / ``Mol``
   objects (hashed in C by :func:`pandas.factorize`, first-appearance order), so
   each distinct molecule is parsed and featurized once per call; rows that are
   neither a string nor a ``Mol`` are set aside as invalid;
3. :func:`map_distinct` runs a chunk function over the distinct molecules,
   serially or in ``n_jobs`` worker processes (RDKit objects are built inside
   the workers, since they cannot be pickled cheaply);
4. :func:`handle_invalid` raises, or warns once with the count, naming the
   first rows (position and value) and why RDKit rejected them.

RDKit's own stderr logging is silenced with :class:`rdkit.rdBase.BlockLogs`
while parsing; problems are reported through Python exceptions and warnings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from rdkit import Chem, rdBase
from rdkit.rdBase import BlockLogs

from skcontrast.utils._dask import is_dask_collection
from skcontrast.utils._sklearn import Interval, _fit_context, validate_data
from skcontrast.utils._warnings import warn_user

#: Below this many distinct molecules, ``n_jobs > 1`` still runs in-process.
#: Measured on 2 shared cores: a warm worker pool costs ~12 ms per call, and a
#: cold one ~1-2 s to start (its workers import only NumPy and RDKit), against
#: ~10 k molecules/s in-process. 4 000 distinct molecules keeps small and
#: medium inputs free of any start-up cost, while larger ones repay it.
MIN_PARALLEL = 4000

#: The ``n_jobs`` constraint of the featurizers: joblib's values, without 0.
N_JOBS_CONSTRAINT = [
    Interval(Integral, None, -1, closed="right"),
    Interval(Integral, 1, None, closed="left"),
    None,
]

#: Rows named in an error or warning message.
N_SHOWN = 5


def as_molecule_column(X: Any, *, allow_empty: bool = False) -> tuple[np.ndarray, Any, bool]:
    """Return X as a 1-D object array of molecules, its pandas index, and whether X was 2-D.

    Accepts a list/tuple, a 1-D ndarray (object or NumPy string dtype), a pandas
    Series, or a 2-D input with exactly one column (ndarray, DataFrame, or any
    object with ``to_numpy``): the blocks and partitions dask hands a function.
    An input with no rows is an error unless ``allow_empty`` (``transform``
    allows it, so that an empty dask partition gives an empty output). A dask
    collection is refused: calling ``to_numpy`` on it would compute all of it
    into this process.
    """
    if is_dask_collection(X):
        raise TypeError(
            f"X is a dask collection ({type(X).__name__}); the featurizers work on "
            "in-memory blocks. Map them over the partitions, e.g. "
            "dask_ml.wrappers.ParallelPostFit(featurizer, transform_meta=...) on a "
            "one-column dask DataFrame, or X.map_partitions(featurizer.transform, "
            "meta=...); see the user guide's 'Scaling out' page."
        )
    if isinstance(X, (str, bytes, Chem.Mol)):
        raise TypeError(
            "X must be a 1-D sequence of SMILES strings or RDKit Mol objects (or a "
            f"one-column 2-D input), got a single {type(X).__name__}; wrap it in a list."
        )
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError("X must hold SMILES strings or RDKit Mol objects; got a sparse matrix.")
    index = X.index if hasattr(X, "iloc") else None
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:  # pandas DataFrame
        if X.shape[1] != 1:
            raise ValueError(
                f"X must have exactly one column of SMILES, got {X.shape[1]} columns "
                f"{list(X.columns)[:5]}; select the SMILES column, e.g. "
                "ColumnTransformer([('fp', featurizer, 'smiles')])."
            )
        arr = X.iloc[:, 0].to_numpy(dtype=object)
    elif hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):  # Series, polars
        arr = np.asarray(X.to_numpy(), dtype=object)
    elif isinstance(X, np.ndarray):
        arr = X.astype(object, copy=False)
    else:
        if not hasattr(X, "__len__") or not hasattr(X, "__getitem__"):
            raise TypeError(
                "X must be a 1-D sequence of SMILES strings or RDKit Mol objects, "
                f"got {type(X).__name__}."
            )
        arr = np.fromiter(X, dtype=object, count=len(X))
        # a list of equal-length rows ([["CCO"], ["CC"]]) is a 2-D input
        row_like = (list, tuple, np.ndarray)
        widths = (
            {len(r) if isinstance(r, row_like) else -1 for r in arr}
            if len(arr) and isinstance(arr[0], row_like)
            else {-1}
        )
        if len(widths) == 1 and (width := widths.pop()) >= 0:
            if width != 1:
                raise ValueError(f"X must have exactly one column of SMILES, got {width}.")
            arr = np.fromiter((row[0] for row in arr), dtype=object, count=len(arr))
            arr = arr.reshape(-1, 1)
    was_2d = arr.ndim == 2 or (hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2)
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise ValueError(
                f"X must have exactly one column of SMILES, got shape {arr.shape}."
            )
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"X must be 1-D (or 2-D with one column), got an array of shape {arr.shape}."
        )
    if arr.shape[0] == 0 and not allow_empty:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={arr.shape}) while a minimum of 1 is required."
        )
    return arr, index, was_2d


def _type_problem(value: Any) -> str:
    """Why a row that is not a str or Mol cannot be a molecule."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "missing value"
    return f"not a SMILES string or RDKit Mol ({type(value).__name__})"


def dedupe(values: np.ndarray) -> tuple[list, np.ndarray]:
    """Distinct molecules in first-appearance order, and the row -> distinct map.

    Strings are compared by value, ``Mol`` objects by identity (hashing in C
    through :func:`pandas.factorize`). Rows that are missing, unhashable or of
    any other type get code -1.

    Returns
    -------
    distinct : list of str or Mol
    inverse : ndarray of intp, shape (n_rows,)
        ``values[i]`` is ``distinct[inverse[i]]``, or invalid where -1.
    """
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # an unhashable row (a list, a dict, ...)
        hashable = np.array([_hashable(v) for v in values], dtype=bool)
        codes = np.full(len(values), -1, dtype=np.intp)
        sub_codes, uniques = pd.factorize(values[hashable], use_na_sentinel=True)
        codes[hashable] = sub_codes
    codes = np.asarray(codes, dtype=np.intp)
    ok = np.fromiter((isinstance(u, (str, Chem.Mol)) for u in uniques), bool, len(uniques))
    if ok.all():
        return list(uniques), codes
    remap = np.full(len(uniques) + 1, -1, dtype=np.intp)  # remap[-1] is -1
    remap[:-1][ok] = np.arange(int(ok.sum()))
    return [u for u, keep in zip(uniques, ok, strict=True) if keep], remap[codes]


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def parse_problem(item: Any) -> str:
    """Say why RDKit rejects a string or Mol (called only for the rows shown)."""
    if isinstance(item, Chem.Mol):
        return "molecule has no atoms"
    if not item.strip():
        return "empty string"
    try:
        item.encode("utf-8")
    except UnicodeEncodeError:
        return "not encodable as UTF-8"
    capture = getattr(rdBase, "CaptureErrorLog", None)  # RDKit >= 2026.03
    with BlockLogs():
        if capture is not None:
            with capture() as log:
                raw = Chem.MolFromSmiles(item, sanitize=False)
            messages = log.messages
        else:  # pragma: no cover - older RDKit
            raw, messages = Chem.MolFromSmiles(item, sanitize=False), ""
        if raw is None:
            return _syntax_message(messages)
        if raw.GetNumAtoms() == 0:
            return "molecule has no atoms"
        try:
            problems = Chem.DetectChemistryProblems(raw)
        except Exception:  # pragma: no cover - defensive, RDKit-version dependent
            problems = ()
    if problems:
        return problems[0].Message()
    return "RDKit could not sanitize it"


def _syntax_message(messages: str) -> str:
    """The gist of RDKit's captured SMILES parse error, without timestamps."""
    lines = [re.sub(r"^\[[0-9:]+\] ", "", line).strip() for line in messages.splitlines()]
    lines = [line.removeprefix("SMILES Parse Error: ") for line in lines if line]
    if not lines:
        return "SMILES syntax error"
    gist = re.sub(r" for input: .*$", "", lines[0]).removesuffix(":").strip()
    gist = re.sub(r" while parsing(: .*)?$", "", gist)
    for line in lines[1:2]:
        if line.startswith("check for mistakes around position"):
            gist += " " + line.removeprefix("check for mistakes ").removesuffix(":")
    return f"SMILES {gist}" if not gist.startswith("SMILES") else gist


def map_distinct(
    chunk_func: Callable[..., tuple[np.ndarray, np.ndarray]],
    distinct: Sequence,
    *,
    n_jobs: int | None,
    min_parallel: int | None = None,
    unpack: Callable[[np.ndarray], np.ndarray] | None = None,
    **kwargs: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``chunk_func(items, **kwargs) -> (rows, valid)`` over the distinct molecules.

    With ``n_jobs`` resolving to more than one worker and at least
    ``min_parallel`` items, the items are dealt round-robin into ``n_jobs``
    chunks (so long and short molecules spread evenly) and run through
    :class:`joblib.Parallel` preferring processes (the loky backend unless a
    joblib context says otherwise). joblib's own ``Parallel``/``delayed`` are
    used rather than scikit-learn's wrappers on purpose: the chunk functions
    read no scikit-learn configuration, and the wrappers would make every fresh
    worker import scikit-learn (seconds) for nothing. ``unpack`` turns a chunk's
    returned rows (e.g. bit-packed, to cut inter-process traffic) into the
    final rows.
    """
    if min_parallel is None:
        min_parallel = MIN_PARALLEL
    n_workers = effective_n_jobs(n_jobs)
    n_workers = min(n_workers, len(distinct))
    if n_workers <= 1 or len(distinct) < min_parallel:
        return chunk_func(distinct, pack=False, **kwargs)
    items = list(distinct)
    chunks = [items[k::n_workers] for k in range(n_workers)]
    results = Parallel(n_jobs=n_workers, prefer="processes")(
        delayed(chunk_func)(chunk, pack=unpack is not None, **kwargs) for chunk in chunks
    )
    blocks = [unpack(r) if unpack is not None else r for r, _ in results]
    rows = np.empty((len(items), blocks[0].shape[1]), dtype=blocks[0].dtype)
    valid = np.empty(len(items), dtype=bool)
    for k, (block, (_, chunk_valid)) in enumerate(zip(blocks, results, strict=True)):
        rows[k::n_workers] = block
        valid[k::n_workers] = chunk_valid
    return rows, valid


def _describe(value: Any) -> str:
    text = repr(value) if not isinstance(value, Chem.Mol) else "<rdkit Mol>"
    return text if len(text) <= 80 else text[:77] + "..."


def handle_invalid(
    *,
    values: np.ndarray,
    index: Any,
    distinct: Sequence,
    inverse: np.ndarray,
    valid: np.ndarray,
    on_invalid: str,
    estimator_name: str,
) -> np.ndarray:
    """Find invalid rows; raise (``"raise"``) or warn once with the count.

    Returns the boolean mask of invalid rows (all False when every row is valid).
    """
    invalid = inverse < 0
    if not valid.all():
        invalid |= ~valid[np.maximum(inverse, 0)] & (inverse >= 0)
    n_bad = int(invalid.sum())
    if n_bad == 0:
        return invalid
    shown = []
    for i in np.flatnonzero(invalid)[:N_SHOWN]:
        i = int(i)
        reason = _type_problem(values[i]) if inverse[i] < 0 else parse_problem(distinct[inverse[i]])
        label = ""
        if index is not None and not _is_default_index(index):
            label = f" (index {index[i]!r})"
        shown.append(f"row {i}{label}: {_describe(values[i])} ({reason})")
    more = f"; and {n_bad - len(shown)} more" if n_bad > len(shown) else ""
    what = f"{n_bad} of {len(values)} rows of X are not valid molecules: " + "; ".join(shown)
    what += more
    if on_invalid == "raise":
        raise ValueError(
            f"{what}. Fix or remove them, or pass on_invalid='zeros' to "
            f"{estimator_name} to keep every row."
        )
    fill = "all-zero" if on_invalid == "zeros" else "all-NaN"
    warn_user(f"{estimator_name}: {what}. They get {fill} rows (on_invalid={on_invalid!r}).")
    return invalid


def _is_default_index(index: Any) -> bool:
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def check_input_shape(estimator: Any, X: Any, *, reset: bool) -> tuple[np.ndarray, Any]:
    """Coerce X and keep sklearn's ``n_features_in_`` / ``feature_names_in_`` bookkeeping.

    A one-column 2-D input (a DataFrame from ``ColumnTransformer``) records or
    checks its column through :func:`sklearn.utils.validation.validate_data`;
    a 1-D input (list, Series) has no columns to record, and is accepted by a
    featurizer fitted on either form, since the featurizers are stateless.
    An input with no rows is an error in ``fit`` (``reset=True``), as in
    scikit-learn, and accepted otherwise (``transform`` of an empty dask
    partition returns an empty output).
    """
    values, index, was_2d = as_molecule_column(X, allow_empty=not reset)
    if reset:
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(estimator, attr):
                delattr(estimator, attr)
    if was_2d and (reset or hasattr(estimator, "n_features_in_")):
        validate_data(estimator, X, reset=reset, skip_check_array=True)
    return values, index


class StatelessSmilesMixin:
    """What the stateless RDKit featurizers share: string-input tags, always fitted,
    and a ``fit`` that validates the parameters and the input's shape only.

    Subclasses add parameter checks beyond ``_parameter_constraints`` in
    ``_check_params``.
    """

    def __sklearn_is_fitted__(self) -> bool:
        """Stateless: always fitted."""
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = []
        return tags

    def _check_params(self) -> None:
        """Checks beyond the parameter constraints (none by default)."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None):
        """Validate the parameters and the input's shape; learn nothing.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            SMILES strings or RDKit ``Mol`` objects.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The featurizer.
        """
        self._check_params()
        check_input_shape(self, X, reset=True)
        return self
