"""The base class shared by every skcontrast augmenter.

An augmenter behaves like dropout: active while training, inert at inference.

- ``fit(X)`` validates X, resolves ``columns`` into ``columns_``, records the
  statistics the subclass needs (``_fit_columns``) and seeds ``self._rng``;
- ``augment_tensor(X, generator)`` is the single implementation, on a
  ``torch.Tensor`` (CPU or CUDA), vectorised over the batch;
- ``augment(X)`` wraps it for NumPy and pandas, drawing a torch seed from the
  fitted ``self._rng`` at each call, so two calls give two different views and a
  refit with the same int ``random_state`` replays the same views;
- ``transform(X)`` is the identity (a validated copy) and ``fit_transform(X)`` is
  ``fit(X).augment(X)``: an augmenter in a Pipeline augments the training data
  only.
"""

from __future__ import annotations

import numbers
from abc import ABCMeta, abstractmethod
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin

from skcontrast.utils._persistence import canonical_state
from skcontrast.utils._random import check_generator, draw_seed
from skcontrast.utils._sklearn import _fit_context, _get_output_config, check_is_fitted
from skcontrast.utils._torch import tensor_view
from skcontrast.utils._validation import _all_finite, _report, validate_float


def _resolve_columns(columns, n_features: int, feature_names: np.ndarray | None) -> np.ndarray:
    """Turn ``columns`` into a 1-D int64 array of distinct column indices."""
    if columns is None:
        return np.arange(n_features, dtype=np.int64)
    if isinstance(columns, slice):
        idx = np.arange(n_features, dtype=np.int64)[columns]
    else:
        arr = np.asarray(columns)
        if arr.ndim != 1:
            raise ValueError(
                f"columns must be 1-D (indices, a boolean mask, a slice or names), "
                f"got an array of shape {arr.shape}."
            )
        if arr.dtype == bool:
            if arr.shape[0] != n_features:
                raise ValueError(
                    f"columns: a boolean mask must have one entry per feature "
                    f"({n_features}), got {arr.shape[0]}."
                )
            idx = np.flatnonzero(arr).astype(np.int64)
        elif arr.size and all(isinstance(c, str) for c in arr.tolist()):
            if feature_names is None:
                raise ValueError(
                    f"columns: names {arr.tolist()[:5]} need X to be a DataFrame at fit "
                    "(feature_names_in_ is not set); pass integer indices instead."
                )
            lookup = {name: i for i, name in enumerate(feature_names.tolist())}
            unknown = [c for c in arr.tolist() if c not in lookup]
            if unknown:
                raise ValueError(
                    f"columns: unknown column name(s) {unknown[:5]} "
                    f"({len(unknown)} in all); known names: {list(lookup)[:10]}."
                )
            idx = np.array([lookup[c] for c in arr.tolist()], dtype=np.int64)
        elif arr.size == 0 or all(
            isinstance(c, numbers.Integral) and not isinstance(c, bool) for c in arr.tolist()
        ):
            idx = arr.astype(np.int64).reshape(-1)
            bad = idx[(idx < -n_features) | (idx >= n_features)]
            if bad.size:
                raise ValueError(
                    f"columns: index(es) {bad[:5].tolist()} out of range for X with "
                    f"{n_features} feature(s)."
                )
            idx = np.where(idx < 0, idx + n_features, idx)
        else:
            raise TypeError(
                "columns must be None, integer indices, a boolean mask, a slice or "
                f"column names, got {columns!r}."
            )
    if idx.size == 0:
        raise ValueError(f"columns={columns!r} selects no column of X.")
    if np.unique(idx).size != idx.size:
        raise ValueError(f"columns={columns!r} selects some column more than once.")
    return idx


_MISSING = object()


def _as_slice(idx: np.ndarray) -> slice | None:
    """Increasing consecutive column indices as a slice (a view, not a copy), else None."""
    if idx.size and int(idx[-1]) - int(idx[0]) == idx.size - 1 and (np.diff(idx) == 1).all():
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return None


def _like(X, out, estimator=None, method: str | None = None):
    """``out`` (validated X or a view of it) in X's container: a pandas DataFrame
    keeps its index and columns; anything else stays as validated (ndarray, CSR).

    With ``set_output`` configured for ``method`` (pandas or polars), ``out`` is
    returned as an array for scikit-learn's wrapper to convert.
    """
    if method is not None and _get_output_config(method, estimator)["dense"] != "default":
        return out
    if hasattr(X, "iloc") and hasattr(X, "columns") and not sp.issparse(out):
        # transform/fit_transform name the columns as set_output would (the fitted
        # feature names); augment keeps X's own
        columns = X.columns if method is None else estimator.get_feature_names_out()
        return type(X)(out, index=X.index, columns=columns)
    return out


class _IdentityAtInference(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """What every augmenter shares at inference: ``transform`` validates X and returns it.

    Views are made at training time only (``augment``, ``fit_transform``); the
    tags say so to scikit-learn: float32/float64 kept, no NaN, CSR accepted.
    """

    def transform(self, X):
        """Return X unchanged (validated, as a copy): nothing is augmented at inference.

        Like ``augment`` and ``fit_transform``, it returns the container it is
        given (a DataFrame keeps its index and columns, CSR stays CSR), so the
        next step of a Pipeline sees the same kind of input at fit and at
        predict time.

        Parameters
        ----------
        X : array-like, DataFrame or CSR of shape (n_samples, n_features_in_)
            Data to validate (floats; NaN and inf are rejected).

        Returns
        -------
        ndarray, DataFrame or CSR of shape (n_samples, n_features_in_)
            A validated copy of X.

        Raises
        ------
        ValueError
            For NaN or infinity in X, naming the column (with its name when
            fitted on a DataFrame), the first rows and their values, as
            ``fit``; and for a number of features (or feature names) other than
            at fit.
        NotFittedError
            Before ``fit``.
        """
        check_is_fitted(self)
        Xv = validate_float(self, X, reset=False, copy=True)
        return _like(X, Xv, self, "transform")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = True
        return tags



class BaseAugmenter(_IdentityAtInference, metaclass=ABCMeta):
    """Base class for augmenters: subclass it to write your own.

    A subclass says what one random view of some columns is, on a
    ``torch.Tensor``; this class does the rest the same way for every
    augmenter, so the subclass works like :class:`ConditionJitter` in a
    Pipeline, in :func:`make_views`, and in
    :class:`~skcontrast.embed.ContrastiveEmbedder`, which builds its training
    views on the training device (a GPU when there is one) through
    ``augment_tensor``. For a one-off transformation, :class:`FunctionAugmenter`
    wraps a torch function without a subclass.

    **What a subclass implements**

    - ``_augment_block(self, X_cols, generator)``, required: return a **new**
      tensor of the same shape, dtype and device as ``X_cols``, the selected
      columns of a 2-D float32 or float64 tensor (CPU or CUDA). Draw every
      random number from ``generator`` (``torch.randn(X_cols.shape,
      generator=generator, device=X_cols.device, dtype=X_cols.dtype)``), never
      from torch's global random state, and never write into ``X_cols``
      (``X_cols * s``, not ``X_cols.mul_(s)``; ``X_cols.clone()`` when nothing
      changes). Work on the whole batch at once, with neither loops over rows
      nor ``.item()`` or ``.cpu()``, which synchronise the device.
    - ``_fit_columns(self, X_cols)``, optional: record what the views need from
      the training data, as NumPy attributes whose names end with ``_`` (the
      means to impute, the min and max to clip to). ``X_cols`` holds the
      selected columns, validated: a float32 or float64 ndarray, or a CSR
      matrix for sparse input. ``_augment_block`` reads such an attribute with
      ``self._tensor("mean_", X_cols.device, X_cols.dtype)``, converted once
      per device and dtype, then cached.
    - ``_zero_strength``, a class attribute: the parameter values under which
      the augmenter is the identity, e.g. ``{"p": 0.0}``.
    - ``_parameter_constraints``, a class attribute in scikit-learn's syntax,
      merged with the base's: ``{**BaseAugmenter._parameter_constraints,
      "p": [Interval(Real, 0, 1, closed="both")]}``. ``fit`` validates the
      parameters against it.
    - ``__init__``, with keyword-only parameters, each stored verbatim under its
      own name and validated nowhere (scikit-learn's ``get_params``,
      ``set_params`` and ``clone`` rely on it), including ``columns=None`` and
      ``random_state=None``.

    **What this class provides**

    - ``fit(X)``: validates the parameters and X (through skcontrast's one
      input check, ``utils/_validation.validate_float``: float32 and float64
      kept, NaN and infinity refused with their row, column and value), sets
      ``n_features_in_`` and ``feature_names_in_``, resolves ``columns``
      (indices, a boolean mask, a slice, or names when X is a DataFrame) into
      ``columns_``, calls ``_fit_columns`` and seeds its generator from
      ``random_state``;
    - ``augment_tensor(X, generator)``: checks the tensor, hands the selected
      columns to ``_augment_block`` and copies the others bit for bit;
    - ``augment(X)``: a new view of an ndarray, a DataFrame (index and columns
      kept) or a CSR matrix, from a torch seed drawn from the fitted generator
      at each call, so that successive views differ and a refit with the same
      int ``random_state`` replays them; a view that overflowed to NaN or
      infinity is refused with a clear error;
    - ``transform(X)``, the identity (a validated copy), and
      ``fit_transform(X)``, one training view (``fit(X).augment(X)``), so that
      an augmenter in a Pipeline augments the training data only;
    - ``get_feature_names_out``, ``set_output``, pickling (device tensors
      cached by ``_tensor`` are left out) and scikit-learn tags (float32 and
      float64 preserved, sparse input accepted, NaN refused).

    :func:`~skcontrast.utils.estimator_checks.check_augmenter` runs skcontrast's
    augmenter checks on an instance; give it non-zero strengths, since an
    augmenter at zero strength is the identity and passes most checks
    vacuously. scikit-learn's ``parametrize_with_checks`` applies too, with
    ``check_transformer_general`` and ``check_transformer_data_not_an_array``
    expected to fail: ``fit_transform`` returns a view while ``transform`` is
    the identity, by design.

    Attributes
    ----------
    columns_ : ndarray of shape (n_columns,)
        Indices of the augmented columns, set by ``fit``.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in fit, when X was a DataFrame.

    See Also
    --------
    FunctionAugmenter : an augmenter from a torch function, without a subclass.
    skcontrast.utils.estimator_checks.check_augmenter : the checks an augmenter passes.

    Examples
    --------
    Multiplicative noise ``x * (1 + N(0, std))``: no statistics to record, so
    no ``_fit_columns``.

    >>> from numbers import Real
    >>> import numpy as np
    >>> import torch
    >>> from sklearn.utils._param_validation import Interval
    >>> from skcontrast.augment import BaseAugmenter
    >>> from skcontrast.utils.estimator_checks import check_augmenter
    >>> class Scale(BaseAugmenter):
    ...     '''Multiply each entry by 1 + N(0, std).'''
    ...
    ...     _parameter_constraints = {
    ...         **BaseAugmenter._parameter_constraints,
    ...         "std": [Interval(Real, 0, None, closed="left")],
    ...     }
    ...     _zero_strength = {"std": 0.0}
    ...
    ...     def __init__(self, *, std=0.05, columns=None, random_state=None):
    ...         self.std = std
    ...         self.columns = columns
    ...         self.random_state = random_state
    ...
    ...     def _augment_block(self, X_cols, generator):
    ...         noise = torch.randn(
    ...             X_cols.shape, generator=generator, device=X_cols.device, dtype=X_cols.dtype
    ...         )
    ...         return X_cols * (1 + self.std * noise)
    >>> X = np.arange(1.0, 7.0).reshape(3, 2)
    >>> scale = Scale(std=0.1, columns=[0], random_state=0).fit(X)
    >>> view = scale.augment(X)
    >>> bool((view[:, 0] != X[:, 0]).all()), bool((view[:, 1] == X[:, 1]).all())
    (True, True)

    pickle finds a class by its module and name. A class defined in a module of
    yours, a script or a notebook needs nothing more; one defined in a
    doctest, as here, is added to its module by hand before the checks pickle
    it:

    >>> import sys
    >>> sys.modules[__name__].Scale = Scale
    >>> check_augmenter(Scale(std=0.1))
    """

    _parameter_constraints: ClassVar[dict] = {
        "columns": [None, "array-like", slice],
        "random_state": ["random_state", np.random.Generator],
    }

    #: Parameter values under which the augmenter is the identity.
    _zero_strength: ClassVar[dict] = {}

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate X, record the column statistics and seed the generator.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data (floats; NaN and inf are rejected).
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted augmenter.

        Raises
        ------
        ValueError
            For NaN or infinity in X: "Input X contains NaN (NaN or inf are not
            allowed) in column j ('name') at row(s) [...] (value(s) [...]); ..."
            naming the column (with its name for a DataFrame), the first rows
            and their values. Also for ``columns`` that select no column,
            repeat one, name unknown columns or hold out-of-range indices, and
            (``InvalidParameterError``, a ValueError) for invalid parameters.
        TypeError
            For ``columns`` of another kind than indices, a mask, a slice or
            names.
        """
        return self._fit_checked(validate_float(self, X, reset=True))

    @_fit_context(prefer_skip_nested_validation=True)
    def _fit_validated(self, X, feature_names=None):
        """``fit`` on X that the caller has validated, without validating or scanning it again.

        For :func:`~skcontrast.augment._views.fit_views` inside
        ``ContrastiveEmbedder.fit``, which has validated X already (finite,
        float32): a second ``validate_float`` per step would scan the whole X
        for NaN again. The parameters are validated as in ``fit``.

        Parameters
        ----------
        X : ndarray or CSR matrix of shape (n_samples, n_features), float32 or float64
            Finite, as ``validate_float`` returns it (not checked here).
        feature_names : ndarray of str of shape (n_features,) or None
            Becomes ``feature_names_in_``, as a DataFrame with these columns
            would at ``fit``.
        """
        self.n_features_in_ = X.shape[1]
        if feature_names is None:
            self.__dict__.pop("feature_names_in_", None)
        else:
            self.feature_names_in_ = np.asarray(feature_names, dtype=object)
        return self._fit_checked(X)

    def _fit_checked(self, X):
        """The part of fit after the input check: columns, statistics, generator."""
        self.columns_ = _resolve_columns(
            self.columns, self.n_features_in_, getattr(self, "feature_names_in_", None)
        )
        self._all_columns = bool(
            self.columns_.size == self.n_features_in_
            and (self.columns_ == np.arange(self.n_features_in_)).all()
        )
        self._columns_slice = None if self._all_columns else _as_slice(self.columns_)
        # the statistics are computed on a view of X when the columns are consecutive
        # (no copy of X); only a subclass that records some sees the selected columns
        if type(self)._fit_columns is not BaseAugmenter._fit_columns:
            if self._all_columns:
                X_cols = X
            elif self._columns_slice is not None:
                X_cols = X[:, self._columns_slice]
            else:
                X_cols = X[:, self.columns_]
            self._fit_columns(X_cols)
        self._rng = check_generator(self.random_state)
        self._tensor_cache = {}
        return self

    def _fit_columns(self, X_cols: np.ndarray) -> None:
        """Record what the subclass needs from the selected columns (default: nothing)."""

    # ------------------------------------------------------------ augmenting
    def augment_tensor(self, X: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Return a new random view of a 2-D float tensor, on its device.

        Only the fitted ``columns_`` change; the other columns are copied bit for
        bit. ``X`` is never modified, torch's global random state is never used
        and nothing is synchronised to the host, so this runs as fast on CUDA as
        the operations themselves.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features_in_)
            float32 or float64, on any device.
        generator : torch.Generator
            The source of randomness, on the same device as ``X``.

        Returns
        -------
        torch.Tensor
            Same shape, dtype and device as ``X``.
        """
        self._check_tensor(X)
        if self._all_columns:
            return self._augment_block(X, generator)
        return self._augment_into(X.clone(), generator)

    def _check_tensor(self, X) -> None:
        """Refuse what ``augment_tensor`` cannot take (not fitted, not a 2-D float tensor...)."""
        if "columns_" not in self.__dict__:  # check_is_fitted, without its per-batch cost
            check_is_fitted(self)
        if not isinstance(X, torch.Tensor) or X.ndim != 2 or not X.is_floating_point():
            raise ValueError(
                "augment_tensor expects a 2-D floating-point torch.Tensor, got "
                f"{type(X).__name__} {getattr(X, 'shape', '')} {getattr(X, 'dtype', '')}."
            )
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )

    def _augment_into(self, out: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Augment the fitted columns of ``out`` in place and return the view.

        ``out`` is a checked tensor that the caller owns and lets us overwrite
        (``augment_tensor`` passes a copy of X; a Pipeline in
        :func:`~skcontrast.augment._views.apply_tensor_steps` passes its one
        copy of the batch to each step in turn). A subclass with an in-place
        ``_augment_block_inplace(X_cols, generator)`` (which may get a
        non-contiguous view) writes straight into the columns of ``out``;
        otherwise ``_augment_block`` gets the selected columns as a contiguous
        tensor, as it always has, and its result is copied back. Consecutive
        columns are read and written as a slice, others with index_select and
        index_copy_. The random numbers drawn and the values written are those
        of ``_augment_block`` on the gathered columns.
        """
        inplace = getattr(self, "_augment_block_inplace", None)
        if self._all_columns:
            if inplace is None:
                return self._augment_block(out, generator)
            inplace(out, generator)
            return out
        cols = self.__dict__.get("_columns_slice", _MISSING)
        if cols is _MISSING:  # fitted by an earlier version
            cols = _as_slice(self.columns_)
        if cols is not None:
            target = out[:, cols]
            if inplace is not None:
                inplace(target, generator)
            else:
                target.copy_(self._augment_block(target.contiguous(), generator))
            return out
        index = self._tensor("columns_", out.device, torch.int64)
        block = out.index_select(1, index)
        if inplace is not None:
            inplace(block, generator)
        else:
            block = self._augment_block(block, generator)
        out.index_copy_(1, index, block)
        return out

    @abstractmethod
    def _augment_block(self, X: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Return a new random view of the selected columns ``X`` (same shape, dtype, device).

        Every random number comes from ``generator``; ``X`` is not modified.
        """

    def augment(self, X):
        """Return a new random view of X (same shape, dtype and container).

        Each call draws a new view from the generator seeded at fit; X is never
        modified. NumPy float32 and float64 are preserved (other numbers become
        float64), and a DataFrame comes back as a DataFrame with the same index
        and columns.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features_in_)
            Data to augment (floats; NaN and inf are rejected).

        Returns
        -------
        ndarray or DataFrame of shape (n_samples, n_features_in_)
            A new view; X is not modified.

        Raises
        ------
        ValueError
            For NaN or infinity in X (naming the column, its name when fitted on
            a DataFrame, the rows and the values), for a number of features
            other than at fit, and when the view itself would hold NaN or
            infinity: noise or scaling took values near the dtype's largest
            finite value (about 3.4e38 for float32) beyond it. That message
            locates the view's bad entries in the same format and shows the
            input values there. ``fit_transform`` and ``make_views`` raise the
            same way.
        NotFittedError
            Before ``fit``.
        """
        return _like(X, self._view(X))

    def _view(self, X):
        """One random view of validated X: an ndarray, or CSR for sparse X."""
        check_is_fitted(self)
        Xv = validate_float(self, X, reset=False, order="C")
        generator = torch.Generator().manual_seed(draw_seed(self._rng))
        if sp.issparse(Xv):  # a preview densifies (training views are made batch by batch)
            dense = Xv.toarray()
            view = self.augment_tensor(torch.from_numpy(dense), generator).numpy()
            self._check_view(dense, view)
            return sp.csr_matrix(view)
        view = self.augment_tensor(tensor_view(Xv), generator).numpy()
        self._check_view(Xv, view)
        return view

    def _check_view(self, X: np.ndarray, view: np.ndarray) -> None:
        """Raise if the view of finite X holds NaN or infinity (an overflow).

        Noise, scaling or a baseline applied to values near the dtype's largest
        finite value (about 3.4e38 for float32) overflow; such a view is refused
        rather than returned. One pass (a sum) when the view is finite. The
        message locates the bad entries of the view in the format of
        ``utils/_validation.py`` but shows X's values there (what the user can
        rescale). ``augment_tensor`` does not check (that would synchronise the
        device); ContrastiveEmbedder stops on the resulting non-finite loss
        instead.
        """
        if _all_finite(view):
            return
        kind, column, clause = _report(
            view,
            feature_names=getattr(self, "feature_names_in_", None),
            shown=X,
            values_label="input value(s)",
        )
        limit = float(np.finfo(view.dtype).max)
        raise ValueError(
            f"{type(self).__name__} made a view holding {kind} from finite X, in {column} "
            f"{clause}: the augmentation took these values beyond {view.dtype}'s largest "
            f"finite value ({limit:.7g}). Rescale X (e.g. standardise these columns) or "
            "lower the augmentation strengths."
        )

    def fit_transform(self, X, y=None):
        """Fit, then return one training view: ``fit(X).augment(X)``.

        Unlike most transformers this differs from ``fit(X).transform(X)``
        (which returns X): like dropout, augmentation happens at training time
        only. Like ``transform``, it returns the container it is given, so
        the next step of a Pipeline sees the same kind of input at fit and at
        predict time (and a later augmenter can name DataFrame columns).

        Parameters
        ----------
        X : array-like, DataFrame or CSR of shape (n_samples, n_features)
            Training data (floats; NaN and inf are rejected).
        y : None
            Ignored.

        Returns
        -------
        ndarray, DataFrame or CSR of shape (n_samples, n_features)
            One random view of X.

        Raises
        ------
        ValueError
            For NaN or infinity in X, naming the column (and its name), the
            first rows and their values, and for invalid ``columns`` or
            parameters, as ``fit``. Also when the view itself would hold NaN
            or infinity: noise or scaling took values near the dtype's largest
            finite value (about 3.4e38 for float32) beyond it. That message
            locates the view's bad entries in the same format and shows the
            input values there ("... made a view holding infinity from finite
            X, in column j ('name') at row(s) [...] (input value(s) [...]);
            ...").
        TypeError
            For ``columns`` of another kind than indices, a mask, a slice or
            names.
        """
        return _like(X, self.fit(X, y)._view(X), self, "transform")

    # ------------------------------------------------------------- helpers
    def _tensor(self, name: str, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        """Fitted array ``getattr(self, name)`` as a tensor, cached per device and dtype."""
        cache = self.__dict__.setdefault("_tensor_cache", {})
        key = (name, str(device), dtype)
        tensor = cache.get(key)
        if tensor is None:
            tensor = torch.as_tensor(np.asarray(getattr(self, name)), dtype=dtype, device=device)
            cache[key] = tensor
        return tensor

    def __getstate__(self):
        state = super().__getstate__()
        state = dict(state)
        state.pop("_tensor_cache", None)  # may hold CUDA tensors; rebuilt lazily
        # equal strings one object, so that a loaded copy pickles to the same bytes
        return canonical_state(state)


def _per_column(value, name: str, n_columns: int, *, low: float = 0.0) -> np.ndarray:
    """A scalar or one value per selected column, as a float64 array of length n_columns."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_columns, float(arr))
    elif arr.ndim != 1 or arr.shape[0] != n_columns:
        raise ValueError(
            f"{name} must be a scalar or one value per selected column ({n_columns}), "
            f"got shape {arr.shape}."
        )
    bad = np.flatnonzero(~np.isfinite(arr) | (arr < low))
    if bad.size:
        raise ValueError(
            f"{name} must be finite and >= {low}; column(s) {bad[:5].tolist()} have "
            f"{arr[bad[:5]].tolist()}."
        )
    return arr
