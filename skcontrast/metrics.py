"""Judging an embedding: neighbour label agreement, alignment, uniformity, RankMe.

- :func:`neighbor_label_agreement` needs labels: do the k nearest cosine
  neighbours share a point's label more often than random picks would?
- :func:`alignment` and :func:`uniformity` (Wang & Isola, 2020) need no labels:
  positive pairs should land close (low alignment) while the whole embedding
  spreads over the unit sphere (low, i.e. very negative, uniformity).
- :func:`rankme` (Garrido et al., 2023) needs no labels either: the effective
  rank of the embedding, higher when it uses more of its dimensions.
  :func:`rankme_scorer` puts it into ``GridSearchCV(scoring=...)`` for
  label-free model selection.

The first three work on L2-normalised rows: they normalise their inputs first
(zero rows stay zero), so an embedding and any positive rescaling of its rows
score the same. :func:`rankme` works on the raw embedding, as in the paper.

References
----------
Wang, T. and Isola, P. (2020). Understanding contrastive representation learning
through alignment and uniformity on the hypersphere. ICML.

Garrido, Q., Balestriero, R., Najman, L. and LeCun, Y. (2023). RankMe: Assessing
the downstream performance of pretrained self-supervised representations by
their rank. ICML.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.special import logsumexp
from sklearn.utils import check_consistent_length, column_or_1d

from skcontrast.neighbors import CosineRetriever
from skcontrast.neighbors._normalize import normalize_rows
from skcontrast.utils._labels import label_codes
from skcontrast.utils._sklearn import Interval, validate_params
from skcontrast.utils._validation import validate_float

__all__ = ["alignment", "neighbor_label_agreement", "rankme", "rankme_scorer", "uniformity"]

#: Rows per block in :func:`uniformity` (bounds memory to block x n_samples).
_UNIFORMITY_BLOCK = 1024

#: The epsilon added to each normalised singular value in :func:`rankme`
#: (Garrido et al., 2023, eq. 1; their reference code uses 1e-7).
_RANKME_EPS = 1e-7


def _embedding(Z, name: str, min_samples: int = 1) -> np.ndarray:
    """Z as a dense float32/float64 array; NaN and inf named by column and rows."""
    return validate_float(
        None,
        Z,
        reset=False,
        input_name=name,
        accept_sparse=False,
        ensure_min_samples=min_samples,
    )


@validate_params(
    {
        "Z": ["array-like"],
        "y": ["array-like"],
        "k": [Interval(numbers.Integral, 1, None, closed="left")],
        "return_chance": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def neighbor_label_agreement(Z, y, k: int = 5, *, return_chance: bool = False):
    """Mean fraction of each point's k nearest cosine neighbours sharing its label.

    This is precision@k of same-label retrieval, the lectures' check "do
    neighbours share the label more often than random picks?". Each point is
    excluded from its own neighbours (exact, via :class:`CosineRetriever`).

    The chance level is what k random other points would give:
    ``sum_c n_c (n_c - 1) / (n (n - 1))`` for class sizes ``n_c``, the
    probability that a random other point shares the label. A useful
    embedding scores well above it; 1 means every neighbour shares the label.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_components)
        The embedding (rows are L2-normalised internally).
    y : array-like of shape (n_samples,)
        Labels (any hashable values).
    k : int, default=5
        Neighbours per point; at most ``n_samples - 1``.
    return_chance : bool, default=False
        Also return the chance level.

    Returns
    -------
    agreement : float
        Mean over points of the fraction of their k neighbours with the same label.
    chance : float
        The expected agreement of random picks; only when ``return_chance``.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        When ``k`` is not a positive integer or ``return_chance`` not a bool.
    ValueError
        - For NaN or infinity in Z: the message names the column (and its name
          for a DataFrame), the first rows and their values;
        - for Z that is not 2-D, not numeric or has fewer than 2 rows;
        - for y that is not 1-D, has another length than Z, has missing labels
          (NaN, None: the rows are named) or labels of types that cannot be
          compared;
        - for ``k > n_samples - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.metrics import neighbor_label_agreement
    >>> Z = np.array([[1.0, 0.1], [1.0, 0.2], [0.9, 0.0], [0.1, 1.0], [0.0, 1.0], [0.2, 0.9]])
    >>> y = [0, 0, 0, 1, 1, 1]
    >>> neighbor_label_agreement(Z, y, k=2, return_chance=True)
    (1.0, 0.4)
    """
    Z = _embedding(Z, "Z", min_samples=2)
    y = column_or_1d(y, warn=True)
    check_consistent_length(Z, y)
    n = Z.shape[0]
    if k > n - 1:
        raise ValueError(
            f"k must be at most n_samples - 1 = {n - 1} (each point is excluded from "
            f"its own neighbours), got k={k}."
        )
    codes = label_codes(y)
    neighbours = CosineRetriever(n_neighbors=k).fit(Z).kneighbors(return_distance=False)
    agreement = float(np.mean(codes[neighbours] == codes[:, None]))
    if not return_chance:
        return agreement
    sizes = np.bincount(codes).astype(np.float64)
    chance = float(np.sum(sizes * (sizes - 1)) / (n * (n - 1)))
    return agreement, chance


@validate_params(
    {
        "z1": ["array-like"],
        "z2": ["array-like"],
        "alpha": [Interval(numbers.Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def alignment(z1, z2, alpha: float = 2.0) -> float:
    """Alignment of positive pairs: mean ``||f(x) - f(y)||**alpha`` (lower is better).

    Row i of ``z1`` and row i of ``z2`` embed two views of the same record. Rows
    are L2-normalised first, so the value lies in ``[0, 2**alpha]``: 0 when every
    pair coincides.

    Parameters
    ----------
    z1, z2 : array-like of shape (n_pairs, n_components)
        Embeddings of the two views.
    alpha : float, default=2
        Exponent of the distance (Wang & Isola use 2).

    Returns
    -------
    float

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        When ``alpha`` is not a positive number.
    ValueError
        - For NaN or infinity in z1 or z2: the message names the argument, the
          column (and its name for a DataFrame), the first rows and their
          values;
        - for z1 or z2 that is empty, not 2-D or not numeric, or when their
          shapes differ.

    Examples
    --------
    >>> from skcontrast.metrics import alignment
    >>> alignment([[1.0, 0.0], [0.0, 2.0]], [[3.0, 0.0], [0.0, -1.0]])
    2.0
    """
    z1 = _embedding(z1, "z1")
    z2 = _embedding(z2, "z2")
    if z1.shape != z2.shape:
        raise ValueError(f"z1 and z2 must have the same shape, got {z1.shape} and {z2.shape}.")
    a = normalize_rows(z1, dtype=np.float64)
    b = normalize_rows(z2, dtype=np.float64)
    return float(np.mean(np.linalg.norm(a - b, axis=1) ** alpha))


@validate_params(
    {
        "z": ["array-like"],
        "t": [Interval(numbers.Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def uniformity(z, t: float = 2.0) -> float:
    """Uniformity: ``log mean_{i<j} exp(-t ||f(x_i) - f(x_j)||**2)`` (lower is better).

    Rows are L2-normalised first. The value is at most 0 (every point at the same
    place) and decreases as the points spread over the sphere. Computed in float64
    with a log-sum-exp, in blocks of rows (memory ``1024 x n_samples``).

    Parameters
    ----------
    z : array-like of shape (n_samples, n_components)
        The embedding; at least 2 rows.
    t : float, default=2
        Temperature of the Gaussian potential (Wang & Isola use 2).

    Returns
    -------
    float

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        When ``t`` is not a positive number.
    ValueError
        - For NaN or infinity in z: the message names the column (and its name
          for a DataFrame), the first rows and their values;
        - for z that is not 2-D, not numeric or has fewer than 2 rows.

    Examples
    --------
    >>> from skcontrast.metrics import uniformity
    >>> round(uniformity([[1.0, 0.0], [-1.0, 0.0]]), 6)  # antipodal: -t * 4
    -8.0
    """
    z = normalize_rows(_embedding(z, "z", min_samples=2), dtype=np.float64)
    n = z.shape[0]
    sq_norms = np.einsum("ij,ij->i", z, z)
    parts = []
    for start in range(0, n, _UNIFORMITY_BLOCK):
        stop = min(start + _UNIFORMITY_BLOCK, n)
        sq = sq_norms[start:stop, None] + sq_norms[None, :] - 2.0 * (z[start:stop] @ z.T)
        np.maximum(sq, 0.0, out=sq)
        upper = np.arange(n)[None, :] > np.arange(start, stop)[:, None]
        if upper.any():
            parts.append(logsumexp(-t * sq[upper]))
    n_pairs = n * (n - 1) / 2
    return float(logsumexp(parts) - np.log(n_pairs))


@validate_params({"Z": ["array-like"]}, prefer_skip_nested_validation=True)
def rankme(Z) -> float:
    """RankMe: the effective rank of an embedding (higher is better).

    ``exp(-sum_k p_k log p_k)`` with ``p_k = s_k / sum(s) + 1e-7`` and ``s`` the
    singular values of ``Z`` (Garrido et al., 2023, eq. 1; Roy & Vetterli, 2007).
    It lies between about 1 (every row on one line: a collapsed embedding) and
    ``min(n_samples, n_components)`` (all singular values equal). Computed in
    float64 on the embedding as given (not normalised, not centred, as in the
    paper), so it is unchanged by scaling Z and by rotating its rows or columns.

    Garrido et al. found that, among runs of one method, a higher RankMe on the
    training data predicts a better linear probe: it selected SimCLR's
    temperature and learning rate within half a point of the label-selected
    choice. It compares embeddings of the *same* width trained on the same data;
    it does not judge views (an embedding can spread its rank over noise).

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_components)
        The embedding, e.g. ``embedder.transform(X)``; at least 1 row.

    Returns
    -------
    float
        The effective rank; 0.0 for an all-zero embedding (no singular value to
        share the rank among).

    Raises
    ------
    ValueError
        For NaN or infinity in Z (the message names the column, rows and
        values), or for Z that is empty, not 2-D or not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.metrics import rankme
    >>> round(rankme(np.eye(4)), 3)  # four equal singular values
    4.0
    >>> round(rankme([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]), 3)  # one direction
    1.0
    """
    Z = _embedding(Z, "Z")
    s = np.linalg.svd(np.asarray(Z, dtype=np.float64), compute_uv=False)
    total = s.sum()
    if total == 0.0:
        return 0.0
    p = s / total + _RANKME_EPS
    return float(np.exp(-np.sum(p * np.log(p))))


def rankme_scorer(estimator, X, y=None) -> float:
    """Label-free scorer for ``GridSearchCV(scoring=rankme_scorer)``: RankMe of ``transform(X)``.

    A scorer in scikit-learn's callable form ``scorer(estimator, X, y)``: it
    embeds the held-out fold with the fitted estimator (a ContrastiveEmbedder,
    or a Pipeline ending in one) and returns :func:`rankme` of the result; ``y``
    is ignored, so the search needs no labels (call ``search.fit(X)``).

    Use it to choose settings that the embedder's own label-free ``score`` cannot
    (temperature, batch size, learning rate), between candidates with the same
    ``n_components``: RankMe grows with the width, so comparing widths with it
    picks the widest.

    Parameters
    ----------
    estimator : fitted transformer
        Anything with ``transform``.
    X : array-like of shape (n_samples, n_features)
        The held-out rows.
    y : ignored

    Returns
    -------
    float
        ``rankme(estimator.transform(X))``.

    References
    ----------
    Garrido, Q. et al. (2023). RankMe. ICML.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skcontrast.embed import ContrastiveEmbedder
    >>> from skcontrast.metrics import rankme_scorer
    >>> X, _ = make_blobs(n_samples=80, n_features=8, centers=4, random_state=0)
    >>> search = GridSearchCV(
    ...     ContrastiveEmbedder(n_components=4, max_epochs=5, random_state=0),
    ...     {"temperature": [0.1, 0.5]}, scoring=rankme_scorer, cv=2,
    ... ).fit(X)
    >>> search.best_params_["temperature"] in (0.1, 0.5)
    True
    """
    return rankme(estimator.transform(X))
