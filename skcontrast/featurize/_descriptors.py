"""DescriptorFeaturizer: RDKit molecular descriptors (MolWt, MolLogP, TPSA, ...)."""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from skcontrast.featurize._smiles import (
    N_JOBS_CONSTRAINT,
    N_SHOWN,
    StatelessSmilesMixin,
    _describe,
    _is_default_index,
    check_input_shape,
    dedupe,
    handle_invalid,
    map_distinct,
)
from skcontrast.featurize._workers import all_descriptor_names, descriptor_chunk, descriptor_table
from skcontrast.utils._docstrings import Substitution, _n_jobs_docstring
from skcontrast.utils._sklearn import StrOptions
from skcontrast.utils._warnings import warn_user


@Substitution(n_jobs=_n_jobs_docstring)
class DescriptorFeaturizer(StatelessSmilesMixin, TransformerMixin, BaseEstimator):
    """RDKit molecular descriptors of SMILES strings or RDKit molecules, as float64 features.

    A stateless transformer: ``fit`` validates the parameters (unknown
    descriptor names raise a ``ValueError`` listing close matches) and
    ``transform`` works without it. Each distinct SMILES in a call is parsed
    (``Chem.MolFromSmiles`` with its defaults) and described once, calling
    RDKit's descriptor functions one by one as
    :func:`rdkit.Chem.Descriptors.CalcMolDescriptors` does; rows are never
    dropped or reordered.

    Parameters
    ----------
    descriptors : "all", or tuple or list of str, default=("MolWt", "MolLogP", "TPSA", "NumRings")
        ``"all"`` is RDKit's whole descriptor list
        (:data:`rdkit.Chem.Descriptors.descList`), in its order, as the
        installed RDKit provides it (217 descriptors in RDKit 2026.03; the list
        can change between RDKit releases, so compare
        ``get_feature_names_out()`` before reusing a model across versions).
        Or names from that list (e.g. ``"MolWt"``, ``"MolLogP"``, ``"TPSA"``,
        ``"RingCount"``, ``"NumHDonors"``, ``"FractionCSP3"``), or a counting
        function of :mod:`rdkit.Chem.rdMolDescriptors` without its ``Calc``
        prefix (``"NumRings"``, ``"NumAtoms"``, ``"NumHBA"``, ...). They are the
        output columns, in this order.
    on_invalid : {"raise", "zeros", "nan"}, default="raise"
        What to do with rows that are not a valid molecule (an unparsable or
        empty SMILES, None/NaN, a value that is neither a string nor an RDKit
        ``Mol``), and with single values RDKit cannot compute for a valid
        molecule (a descriptor function that raises, or returns NaN or an
        infinity, such as the Gasteiger partial charges or the ``BCUT2D_*``
        descriptors on molecules with atoms they have no parameters for).
        ``"raise"`` raises a ``ValueError`` naming the first rows (position
        and value), and why or which descriptors; ``"zeros"`` and ``"nan"``
        put 0.0 or NaN in those rows and values and emit one ``UserWarning``
        each for invalid rows and for uncomputable values, with their counts.
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
    No NaN or infinity reaches the output unless ``on_invalid="nan"`` asked
    for it, and then with a warning. With ``descriptors="all"`` a few
    molecules in a hundred typically lack some values (on 2 000 molecules of
    varied origin, 34 lacked the four Gasteiger partial-charge descriptors
    and/or the eight ``BCUT2D_*`` ones), so ``"all"`` usually goes with
    ``on_invalid="nan"`` and an imputer, or with a model that accepts NaN
    (:class:`~sklearn.ensemble.HistGradientBoostingRegressor`). Inputs are
    accepted in the same forms as :class:`MorganFeaturizer` (1-D, or 2-D with
    one column).

    ``"all"`` costs tens of milliseconds per distinct molecule on one core;
    ``Ipc`` and ``AvgIpc``, which each compute the characteristic polynomial
    of the molecule's adjacency matrix, take about three quarters of it (on
    150 varied molecules). Use ``n_jobs`` on large inputs.

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
        "descriptors": [list, tuple, StrOptions({"all"})],
        "on_invalid": [StrOptions({"raise", "zeros", "nan"})],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(
        self,
        *,
        descriptors: str | tuple[str, ...] | list[str] = ("MolWt", "MolLogP", "TPSA", "NumRings"),
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
        if isinstance(self.descriptors, str):  # "all", the one string the constraints allow
            return all_descriptor_names()
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
        X_new : ndarray of shape (n_samples, n_descriptors), dtype float64
            In the units RDKit gives (``MolWt`` in g/mol, ``TPSA`` in Å², counts
            as floats).

        Raises
        ------
        ValueError
            With ``on_invalid="raise"``: when a row is not a valid molecule, or
            when RDKit gives no finite value for some descriptor of a valid one
            (the message names the first rows, their SMILES and descriptors).
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
        fill = np.nan if self.on_invalid == "nan" else 0.0
        self._handle_non_finite(rows, valid, names, values, index, inverse, fill)
        rows = np.vstack([rows, np.full((1, len(names)), fill)])
        rows[np.flatnonzero(~valid)] = fill
        return rows[inverse]  # -1 (a row of the wrong type) takes the fill row

    def _handle_non_finite(
        self,
        rows: np.ndarray,
        valid: np.ndarray,
        names: tuple[str, ...],
        values: np.ndarray,
        index: Any,
        inverse: np.ndarray,
        fill: float,
    ) -> None:
        """Raise, or fill in place and warn, for values RDKit could not compute."""
        bad = ~np.isfinite(rows)
        bad[~valid] = False  # invalid molecules were handled already
        bad_distinct = bad.any(axis=1)
        if not bad_distinct.any():
            return
        seen = inverse >= 0
        affected = np.zeros(len(values), dtype=bool)
        affected[seen] = bad_distinct[inverse[seen]]
        per_descriptor = bad[inverse[affected]].sum(axis=0)
        shown = []
        for i in np.flatnonzero(affected)[:N_SHOWN]:
            i = int(i)
            which = [names[j] for j in np.flatnonzero(bad[inverse[i]])]
            listed = ", ".join(which[:4])
            if len(which) > 4:
                listed += f" and {len(which) - 4} more"
            label = ""
            if index is not None and not _is_default_index(index):
                label = f" (index {index[i]!r})"
            shown.append(f"row {i}{label}: {_describe(values[i])} ({listed})")
        n_rows = int(affected.sum())
        more = f"; and {n_rows - len(shown)} more" if n_rows > len(shown) else ""
        counts = ", ".join(
            f"{name}: {int(n)}" for name, n in zip(names, per_descriptor, strict=True) if n
        )
        what = (
            f"RDKit gave no finite value (it raised, or gave NaN or an infinity) for some "
            f"descriptors of {n_rows} of {len(values)} rows of X: " + "; ".join(shown) + more
            + f". Rows per descriptor: {counts}"
        )
        if self.on_invalid == "raise":
            raise ValueError(
                f"{what}. Pass on_invalid='nan' to DescriptorFeaturizer to get NaN there "
                "(for an imputer or a model that accepts NaN), on_invalid='zeros' to get "
                "0.0, or leave those descriptors out."
            )
        rows[bad] = fill
        warn_user(
            f"DescriptorFeaturizer: {what}. They are set to {fill} "
            f"(on_invalid={self.on_invalid!r})."
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
