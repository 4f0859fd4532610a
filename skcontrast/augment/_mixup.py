"""mixup: synthetic convex combinations of rows, for supervised robustness."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_array

from skcontrast.utils._docstrings import Substitution, _random_state_docstring
from skcontrast.utils._random import check_generator
from skcontrast.utils._sklearn import Interval, validate_params
from skcontrast.utils._validation import check_finite, validate_float


@validate_params(
    {
        "X": ["array-like"],
        "y": [None, "array-like"],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state", np.random.Generator],
    },
    prefer_skip_nested_validation=True,
)
@Substitution(random_state=_random_state_docstring)
def mixup(X, y=None, alpha=0.4, n_samples=100, random_state=None):
    """Synthesise ``n_samples`` rows as convex combinations of random pairs of rows.

    Each new row is ``lam * X[i] + (1 - lam) * X[j]`` with ``i, j`` drawn
    uniformly and ``lam ~ Beta(alpha, alpha)``; when y is given the same ``lam``
    mixes ``y[i]`` and ``y[j]`` (soft labels). MixUp blends identities, so it
    is for supervised robustness and never for contrastive positive pairs.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_rows, n_features)
        Rows to mix (float32 is preserved; NaN and inf are rejected).
    y : array-like of shape (n_rows,) or (n_rows, n_outputs), default=None
        Numeric targets mixed with the same weights (e.g. yields, one-hot labels).
    alpha : float > 0, default=0.4
        Parameter of the symmetric Beta distribution of the weights; small
        values keep new rows close to one of their parents.
    n_samples : int >= 1, default=100
        Number of rows to synthesise.
    %(random_state)s

    Returns
    -------
    X_new : ndarray or DataFrame of shape (n_samples, n_features)
        A DataFrame (same columns) when X is one.
    y_new : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Only when y is given.

    Raises
    ------
    ValueError
        For NaN or infinity in X ("Input X contains NaN (NaN or inf are not
        allowed) in column j ('name') at row(s) [...] (value(s) [...]); ...",
        naming the column, its name for a DataFrame, the first rows and their
        values) or in y ("Input y contains ...", by row for a 1-D y, by column
        for a 2-D one); for a non-numeric y (e.g. class labels as strings: the
        message suggests one-hot encoding); for a y whose number of rows
        differs from X's; and (``InvalidParameterError``) for ``alpha <= 0`` or
        ``n_samples < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.augment import mixup
    >>> X = np.array([[0.0, 0.0], [1.0, 2.0]])
    >>> X_new, y_new = mixup(X, [0.0, 1.0], n_samples=5, random_state=0)
    >>> X_new.shape, y_new.shape
    ((5, 2), (5,))
    >>> bool(np.allclose(X_new[:, 1], 2 * X_new[:, 0]))  # on the segment
    True
    """
    # float32 is kept (mixup does not cast); NaN/inf are named by column, row and value
    Xa = validate_float(None, X, reset=True, accept_sparse=False, input_name="X")
    m = Xa.shape[0]
    if y is not None:
        try:
            ya = check_array(
                y,
                ensure_2d=False,
                dtype=[np.float64, np.float32],
                ensure_all_finite=False,
                input_name="y",
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"y must be numeric (mixup blends targets: one-hot encode class labels): {exc}"
            ) from None
        if ya.shape[0] != m:
            raise ValueError(f"y has {ya.shape[0]} rows but X has {m}.")
        check_finite(ya, input_name="y")  # a vector by row, an (n, k) y by column
    rng = check_generator(random_state)
    pairs = rng.integers(0, m, size=(2, n_samples))
    lam = rng.beta(alpha, alpha, size=n_samples)
    lam_x = lam.astype(Xa.dtype)[:, None]
    X_new = lam_x * Xa[pairs[0]] + (1 - lam_x) * Xa[pairs[1]]
    if hasattr(X, "iloc") and hasattr(X, "columns"):
        X_new = type(X)(X_new, columns=X.columns)
    if y is None:
        return X_new
    lam_y = lam.astype(ya.dtype).reshape((-1,) + (1,) * (ya.ndim - 1))
    y_new = lam_y * ya[pairs[0]] + (1 - lam_y) * ya[pairs[1]]
    return X_new, y_new
