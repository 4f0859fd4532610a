"""MorganFeaturizer: Morgan (ECFP-like) fingerprints from SMILES with RDKit."""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from skcontrast.featurize._smiles import (
    N_JOBS_CONSTRAINT,
    StatelessSmilesMixin,
    check_input_shape,
    dedupe,
    handle_invalid,
    map_distinct,
)
from skcontrast.featurize._workers import morgan_chunk
from skcontrast.utils._docstrings import Substitution, _n_jobs_docstring
from skcontrast.utils._sklearn import Interval, StrOptions


@Substitution(n_jobs=_n_jobs_docstring)
class MorganFeaturizer(StatelessSmilesMixin, TransformerMixin, BaseEstimator):
    """Morgan fingerprints of SMILES strings or RDKit molecules, as uint8 features.

    A stateless transformer over RDKit's :mod:`rdkit.Chem.rdFingerprintGenerator`
    Morgan generator: the output equals, bit for bit, what
    ``GetMorganGenerator(radius=radius, fpSize=n_bits, includeChirality=...)``
    gives for each molecule parsed by ``Chem.MolFromSmiles`` with its defaults.
    ``fit`` only validates; ``transform`` works without it.

    Each distinct SMILES in a call is parsed and fingerprinted once, and the rows
    are filled from it: data that repeat a few reagents over many experiments
    cost little more than the distinct reagents. Rows are never dropped or
    reordered.

    Parameters
    ----------
    radius : int, default=2
        Radius of the circular environments (2 gives ECFP4-like fingerprints).
    n_bits : int, default=2048
        Length of the folded fingerprint.
    count : bool, default=False
        Count how many environments hash to each bit instead of setting bits.
        Counts are stored as uint8 and saturate at 255 (a bit hit more often
        than that is reported as 255).
    include_chirality : bool, default=False
        Include atom chirality (CIP tags) in the invariants, so enantiomers get
        different fingerprints.
    on_invalid : {"raise", "zeros"}, default="raise"
        What to do with rows that are not a valid molecule (an unparsable or
        empty SMILES, None/NaN, a value that is neither a string nor an RDKit
        ``Mol``). ``"raise"`` raises a ``ValueError`` naming the first rows (by
        position and value) and why; ``"zeros"`` gives them all-zero rows and
        emits one ``UserWarning`` with their count.
    %(n_jobs)s
        Parallelism is over the distinct molecules; below a few thousand
        distinct molecules the work runs in-process, since starting worker
        processes would cost more than it saves.
    sparse_output : bool, default=False
        Return a :class:`scipy.sparse.csr_matrix` instead of a dense array.

    Attributes
    ----------
    n_features_in_ : int
        Only set when ``fit`` saw a 2-D (one-column) input.
    feature_names_in_ : ndarray of str
        The column name, when ``fit`` saw a one-column DataFrame.

    See Also
    --------
    DescriptorFeaturizer : RDKit descriptors (molecular weight, logP, ...).

    Notes
    -----
    Accepted inputs: a list, tuple, 1-D ndarray or pandas Series of SMILES
    strings or RDKit ``Mol`` objects, or a 2-D input with exactly one column
    (what :class:`~sklearn.compose.ColumnTransformer` passes for a list
    selection such as ``["smiles"]``; a bare ``"smiles"`` passes a Series).
    RDKit's own log messages are silenced while parsing; problems are reported
    by the Python error or warning instead.

    Without ``include_chirality``, SMILES are parsed as ``MolFromSmiles`` does
    minus its final stereo perception (10-15 %% of the parse with RDKit 2026.03
    on the benchmark's molecules), which no non-chiral Morgan bit reads, and a
    molecule without explicit hydrogen atoms is sanitized in place rather than
    through a copy: the bits and the rejected SMILES are the same (checked on
    ~20 000 real molecules, 50 000 mutated SMILES, and by a property test).
    Molecules are parsed, then fingerprinted, in blocks of 256, through RDKit's
    batched ``GetFingerprints``.

    Examples
    --------
    >>> from skcontrast.featurize import MorganFeaturizer
    >>> fp = MorganFeaturizer(n_bits=1024)
    >>> X = fp.fit_transform(["CCO", "c1ccccc1", "CCO"])
    >>> X.shape, X.dtype
    ((3, 1024), dtype('uint8'))
    >>> bool((X[0] == X[2]).all())
    True
    >>> fp.get_feature_names_out()[:3]
    array(['morgan_0', 'morgan_1', 'morgan_2'], dtype=object)
    """

    _parameter_constraints: ClassVar[dict] = {
        "radius": [Interval(Integral, 0, None, closed="left")],
        "n_bits": [Interval(Integral, 1, None, closed="left")],
        "count": ["boolean"],
        "include_chirality": ["boolean"],
        "on_invalid": [StrOptions({"raise", "zeros"})],
        "n_jobs": N_JOBS_CONSTRAINT,
        "sparse_output": ["boolean"],
    }

    def __init__(
        self,
        *,
        radius: int = 2,
        n_bits: int = 2048,
        count: bool = False,
        include_chirality: bool = False,
        on_invalid: str = "raise",
        n_jobs: int | None = None,
        sparse_output: bool = False,
    ) -> None:
        self.radius = radius
        self.n_bits = n_bits
        self.count = count
        self.include_chirality = include_chirality
        self.on_invalid = on_invalid
        self.n_jobs = n_jobs
        self.sparse_output = sparse_output

    def transform(self, X: Any) -> np.ndarray | sp.csr_matrix:
        """Compute the fingerprints.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            SMILES strings or RDKit ``Mol`` objects.

        Returns
        -------
        X_new : ndarray or csr_matrix of shape (n_samples, n_bits), dtype uint8
            Bits (0/1), or counts saturated at 255 when ``count=True``.
        """
        self._validate_params()
        values, index = check_input_shape(self, X, reset=False)
        distinct, inverse = dedupe(values)
        rows, valid = map_distinct(
            morgan_chunk,
            distinct,
            n_jobs=self.n_jobs,
            unpack=self._unpack,
            radius=int(self.radius),
            n_bits=int(self.n_bits),
            count=bool(self.count),
            include_chirality=bool(self.include_chirality),
        )
        handle_invalid(
            values=values,
            index=index,
            distinct=distinct,
            inverse=inverse,
            valid=valid,
            on_invalid=self.on_invalid,
            estimator_name=type(self).__name__,
        )
        # rows of invalid molecules are already zero; -1 rows (wrong type) index a
        # zero row appended at the end
        if len(distinct) != len(values):  # else inverse is arange: rows are in order
            rows = np.vstack([rows, np.zeros((1, rows.shape[1]), dtype=np.uint8)])
            if self.sparse_output:
                return sp.csr_matrix(rows)[inverse]
            return rows[inverse]
        return sp.csr_matrix(rows) if self.sparse_output else rows

    def _unpack(self, packed: np.ndarray) -> np.ndarray:
        if self.count:
            return packed
        return np.unpackbits(packed, axis=1, count=int(self.n_bits), bitorder="little")

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names ``morgan_0 ... morgan_{n_bits-1}``.

        Parameters
        ----------
        input_features : ignored
            Accepted for API compatibility.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        self._validate_params()
        return np.asarray([f"morgan_{i}" for i in range(self.n_bits)], dtype=object)
