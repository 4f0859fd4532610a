"""DescriptorFeaturizer: RDKit molecular descriptors (MolWt, MolLogP, TPSA, ...)."""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from skcontrast.featurize._smiles import (
    N_JOBS_CONSTRAINT,
    StatelessSmilesMixin,
    check_input_shape,
    dedupe,
    handle_invalid,
    map_distinct,
)
from skcontrast.featurize._workers import descriptor_chunk, descriptor_table
from skcontrast.utils._docstrings import Substitution, _n_jobs_docstring
from skcontrast.utils._sklearn import StrOptions
from skcontrast.utils._warnings import warn_user


@Substitution(n_jobs=_n_jobs_docstring)
class DescriptorFeaturizer(StatelessSmilesMixin, TransformerMixin, BaseEstimator):
    """RDKit molecular descriptors of SMILES strings or RDKit molecules, as float64 features.

    A stateless transformer: ``fit`` validates the parameters (unknown
    descriptor names raise a ``ValueError`` listing close matches) and
    ``transform`` works without it. Each distinct SMILES in a call is parsed
    (``Chem.MolFromSmiles`` with its defaults) and described once; rows are
    never dropped or reordered.

    Parameters
    ----------
    descriptors : tuple or list of str, default=("MolWt", "MolLogP", "TPSA", "NumRings")
        Names from RDKit's descriptor list (:data:`rdkit.Chem.Descriptors.descList`,
        e.g. ``"MolWt"``, ``"MolLogP"``, ``"TPSA"``, ``"RingCount"``,
        ``"NumHDonors"``, ``"FractionCSP3"``), or a counting function of
        :mod:`rdkit.Chem.rdMolDescriptors` without its ``Calc`` prefix
        (``"NumRings"``, ``"NumAtoms"``, ``"NumHBA"``, ...). They are the output
        columns, in this order.
    on_invalid : {"raise", "zeros", "nan"}, default="raise"
        What to do with rows that are not a valid molecule (an unparsable or
        empty SMILES, None/NaN, a value that is neither a string nor an RDKit
        ``Mol``). ``"raise"`` raises a ``ValueError`` naming the first rows (by
        position and value) and why; ``"zeros"`` and ``"nan"`` fill their rows
        with 0.0 or NaN and emit one ``UserWarning`` with their count.
    %(n_jobs)s
        Parallelism is over the distinct molecules; small inputs run in-process.

    Attributes
    ----------
    n_features_in_ : int
        Only set when ``fit`` saw a 2-D (one-column) input.
    feature_names_in_ : ndarray of str
        The column name, when ``fit`` saw a one-column DataFrame.

    See Also
    --------
    MorganFeaturizer : Morgan fingerprints.

    Notes
    -----
    A descriptor that RDKit fails to compute for a valid molecule, or that comes
    out infinite, is reported in one ``UserWarning`` (descriptor and count) and
    left as NaN/inf; no NaN appears silently. Inputs are accepted in the same
    forms as :class:`MorganFeaturizer` (1-D, or 2-D with one column).

    Examples
    --------
    >>> from skcontrast.featurize import DescriptorFeaturizer
    >>> desc = DescriptorFeaturizer(descriptors=("MolWt", "NumRings"))
    >>> desc.fit_transform(["CCO", "c1ccccc1"]).round(2)
    array([[46.07,  0.  ],
           [78.11,  1.  ]])
    >>> desc.get_feature_names_out()
    array(['MolWt', 'NumRings'], dtype=object)
    """

    _parameter_constraints: ClassVar[dict] = {
        "descriptors": [list, tuple],
        "on_invalid": [StrOptions({"raise", "zeros", "nan"})],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(
        self,
        *,
        descriptors: tuple[str, ...] | list[str] = ("MolWt", "MolLogP", "TPSA", "NumRings"),
        on_invalid: str = "raise",
        n_jobs: int | None = None,
    ) -> None:
        self.descriptors = descriptors
        self.on_invalid = on_invalid
        self.n_jobs = n_jobs

    def _check_params(self) -> None:
        self._checked_names()

    def _checked_names(self) -> tuple[str, ...]:
        """Validate ``descriptors`` against RDKit's list; raise with close matches."""
        names = tuple(self.descriptors)
        if not names:
            raise ValueError("descriptors must name at least one RDKit descriptor, got none.")
        table = descriptor_table()
        lower = {name.lower(): name for name in table}
        problems = []
        for name in names:
            if not isinstance(name, str):
                problems.append(f"{name!r} is not a string")
            elif name not in table:
                close = difflib.get_close_matches(name, table, n=3, cutoff=0.6)
                close += [lower[m] for m in difflib.get_close_matches(name.lower(), lower, n=3)]
                close = list(dict.fromkeys(close))[:3]
                hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
                problems.append(f"{name!r} is not an RDKit descriptor{hint}")
        if problems:
            raise ValueError(
                "Invalid descriptors for DescriptorFeaturizer: " + "; ".join(problems)
                + ". Valid names are those of rdkit.Chem.Descriptors.descList and the "
                "rdMolDescriptors.CalcNum* functions without 'Calc'."
            )
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"descriptors lists {duplicated} more than once.")
        return names

    def transform(self, X: Any) -> np.ndarray:
        """Compute the descriptors.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            SMILES strings or RDKit ``Mol`` objects.

        Returns
        -------
        X_new : ndarray of shape (n_samples, len(descriptors)), dtype float64
        """
        self._validate_params()
        names = self._checked_names()
        values, index = check_input_shape(self, X, reset=False)
        distinct, inverse = dedupe(values)
        rows, valid = map_distinct(descriptor_chunk, distinct, n_jobs=self.n_jobs, names=names)
        handle_invalid(
            values=values,
            index=index,
            distinct=distinct,
            inverse=inverse,
            valid=valid,
            on_invalid=self.on_invalid,
            estimator_name=type(self).__name__,
        )
        self._warn_non_finite(rows[valid], names)
        fill = np.nan if self.on_invalid == "nan" else 0.0
        rows = np.vstack([rows, np.full((1, len(names)), fill)])
        rows[np.flatnonzero(~valid)] = fill
        return rows[inverse]  # -1 (a row of the wrong type) takes the fill row

    @staticmethod
    def _warn_non_finite(rows: np.ndarray, names: tuple[str, ...]) -> None:
        bad = ~np.isfinite(rows)
        if bad.any():
            counts = ", ".join(
                f"{name}: {int(n)}" for name, n in zip(names, bad.sum(axis=0), strict=True) if n
            )
            warn_user(
                "DescriptorFeaturizer: RDKit gave NaN or infinite values for some valid "
                f"distinct molecules ({counts}); they are kept as NaN/inf."
            )

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The descriptor names, in order.

        Parameters
        ----------
        input_features : ignored
            Accepted for API compatibility.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        self._validate_params()
        return np.asarray(self._checked_names(), dtype=object)
