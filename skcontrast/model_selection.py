"""Does pretraining help on my data? Label-efficiency reports.

:func:`label_efficiency` answers it in one call: it pretrains the embedder once
on every row (labels unused), then, for each label budget, draws labelled
subsets again and again and fits the same linear probe on the raw features, on
the embedding, and on both side by side, scoring each on the rows it did not
see. Every feature set is scored on the same draws, so the comparison is
paired: the summary says how often the embedding beat the raw features.

The probe on ``[raw | embedding]`` is the one to watch when the raw features
are already good (a chemometric preprocessing, a fingerprint): it can only add
what the raw features lack, as ``FeatureUnion([("raw", "passthrough"),
("embedding", FrozenEstimator(embedder))])`` in a Pipeline does.
"""

from __future__ import annotations

import math
import numbers
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import check_scoring
from sklearn.model_selection import KFold, ShuffleSplit, StratifiedKFold, StratifiedShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch, check_consistent_length
from sklearn.utils.multiclass import type_of_target

from skcontrast.utils._random import check_generator
from skcontrast.utils._sklearn import Interval, validate_params
from skcontrast.utils._validation import validate_float

__all__ = ["FEATURE_SETS", "label_efficiency"]

#: The feature sets :func:`label_efficiency` can fit the probe on.
FEATURE_SETS = ("raw", "embedding", "raw+embedding")


def _default_probe(classification: bool, sparse: bool):
    scaler = StandardScaler(with_mean=not sparse)  # centring would densify sparse X
    if classification:
        return make_pipeline(scaler, LogisticRegression(max_iter=2000))
    return make_pipeline(scaler, RidgeCV(alphas=np.logspace(-3, 3, 13)))


def _default_scoring(target_type: str) -> str:
    if target_type == "binary":
        return "roc_auc"
    if target_type == "multiclass":
        return "balanced_accuracy"
    return "neg_root_mean_squared_error"


def _n_labelled(budget, n_samples: int) -> int:
    if isinstance(budget, numbers.Integral) and not isinstance(budget, bool):
        n = int(budget)
    else:
        n = round(float(budget) * n_samples)
    if n < 2 or n > n_samples:
        raise ValueError(
            f"budgets: {budget!r} gives {n} labelled rows; each budget must give between "
            f"2 and the {n_samples} labelled rows of X (a fraction in (0, 1] or a count)."
        )
    return n


def _splits(n_labelled, n_samples, y, classification, n_repeats, cv, seed):
    """(train, test) index pairs: repeated draws, or cv folds for the whole budget."""
    rows = np.zeros((n_samples, 1))
    if n_labelled == n_samples:
        splitter = (StratifiedKFold if classification else KFold)(
            n_splits=cv, shuffle=True, random_state=seed
        )
        return list(splitter.split(rows, y))
    splitter = (StratifiedShuffleSplit if classification else ShuffleSplit)(
        n_splits=n_repeats, train_size=n_labelled, random_state=seed
    )
    return list(splitter.split(rows, y))


@validate_params(
    {
        "embedder": "no_validation",
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "X_unlabelled": [None, "array-like", "sparse matrix"],
        "budgets": ["array-like"],
        "n_repeats": [Interval(numbers.Integral, 1, None, closed="left")],
        "cv": [Interval(numbers.Integral, 2, None, closed="left")],
        "probe": "no_validation",
        "scoring": [None, str, callable],
        "features": ["array-like"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=False,
)
def label_efficiency(
    embedder,
    X,
    y,
    *,
    X_unlabelled=None,
    budgets=(0.05, 0.1, 1.0),
    n_repeats: int = 10,
    cv: int = 5,
    probe=None,
    scoring=None,
    features=FEATURE_SETS,
    random_state=None,
    verbose: int = 0,
) -> Bunch:
    """Score a probe on raw features, the embedding and both, at several label budgets.

    The protocol (what a real-data claim needs: label budget, number of draws,
    mean ± sd, the baseline on the same draws):

    1. Pretrain: ``clone(embedder).fit(vstack([X, X_unlabelled]))``, without
       labels, once. A :class:`sklearn.frozen.FrozenEstimator` is used as it
       is (pretrained elsewhere, e.g. on a larger pool).
    2. For each budget: draw ``n_repeats`` labelled subsets of that size
       (stratified for class labels) and score the probe, fitted on the
       subset, on the remaining rows of X; the whole budget (1.0, or the count
       of X's rows) uses ``cv``-fold cross-validation instead.
    3. On every draw, the probe is fitted on each feature set: ``"raw"`` (X),
       ``"embedding"`` (``embedder.transform(X)``) and ``"raw+embedding"``
       (both, side by side).

    The embedding sees every row of X, labelled or not, during pretraining
    (never its labels): the usual transductive setting of semi-supervised
    evaluation, and the situation of a chemist whose unlabelled records
    include those later measured.

    Parameters
    ----------
    embedder : transformer
        A :class:`~skcontrast.embed.ContrastiveEmbedder` (or any unsupervised
        transformer, or a Pipeline ending in one), cloned and fitted on the
        rows of X and X_unlabelled; or a ``FrozenEstimator`` of a fitted one.
    X : array-like or sparse matrix of shape (n_samples, n_features)
        The labelled rows, numeric (the raw features the probe also sees).
    y : array-like of shape (n_samples,)
        Their labels: class labels ("binary"/"multiclass") or a continuous
        target (for example a concentration in g/L).
    X_unlabelled : array-like or sparse matrix of shape (n_pool, n_features), default=None
        Further rows without labels, used for pretraining only.
    budgets : sequence of float or int, default=(0.05, 0.1, 1.0)
        Label budgets: a fraction of X's rows in (0, 1], or a count >= 2.
    n_repeats : int, default=10
        Draws per budget below the whole of X.
    cv : int, default=5
        Folds for the whole-budget case. Its score is the mean of the folds'
        scores, as :func:`~sklearn.model_selection.cross_val_score` gives:
        with one row per fold (leave-one-out) an RMSE is that row's absolute
        error, so keep several rows per fold, or score pooled out-of-fold
        predictions with :func:`~sklearn.model_selection.cross_val_predict`.
    probe : estimator, default=None
        Fitted on each draw (cloned). None: StandardScaler + RidgeCV (alphas
        1e-3 ... 1e3) for a continuous target, StandardScaler +
        LogisticRegression for class labels (the scaler does not centre a
        sparse X).
    scoring : str or callable, default=None
        A scikit-learn scorer name or callable. None: "roc_auc" for binary
        labels, "balanced_accuracy" for multiclass, RMSE for a continuous
        target. A ``neg_*`` scorer is reported without its sign (as an error,
        lower is better), named without ``neg_``.
    features : sequence of {"raw", "embedding", "raw+embedding"}, default=all three
        The feature sets to score.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws and the folds (the embedder keeps its own
        ``random_state``).
    verbose : int, default=0
        With 1 or more, one line per budget on stdout (what is being done, how
        far, elapsed seconds).

    Returns
    -------
    result : sklearn.utils.Bunch
        - ``scores``: a DataFrame, one row per (budget, draw, feature set),
          columns ``budget``, ``n_labelled`` (the labelled rows of the budget;
          in the whole-budget case each fold's probe trains on (cv - 1) / cv
          of them), ``draw``, ``features``, ``score``;
        - ``summary``: a DataFrame indexed by (``budget``, ``n_labelled``,
          ``features``), columns ``mean``, ``sd`` (sample standard deviation
          over draws, ddof=1), ``n_draws`` and ``wins_vs_raw`` (the fraction
          of draws on which that feature set scored better than ``"raw"``;
          NaN for ``"raw"``, or when ``"raw"`` is not in ``features``);
        - ``metric`` (str), ``greater_is_better`` (bool);
        - ``embedder``: the fitted embedder used.

    Raises
    ------
    ValueError
        - For NaN or infinity in X or X_unlabelled (named by column, rows and
          values), or when their numbers of columns differ;
        - for a budget that gives fewer than 2 or more than n_samples rows, or
          fewer rows than classes, or two budgets of the same size; for an
          unknown feature set; for fewer rows of a class than ``cv`` in the
          whole-budget case;
        - for a score that is NaN or infinite (named by budget, draw and
          feature set), rather than a mean over fewer draws.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.embed import ContrastiveEmbedder
    >>> from skcontrast.model_selection import label_efficiency
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 5))
    >>> y = X[:, 0] + 0.1 * rng.standard_normal(60)
    >>> result = label_efficiency(
    ...     ContrastiveEmbedder(loss="vicreg", n_components=3, max_epochs=3, random_state=0),
    ...     X, y, budgets=(10, 1.0), n_repeats=3, random_state=0,
    ... )
    >>> result.metric, result.greater_is_better
    ('root_mean_squared_error', False)
    >>> result.summary.index.names
    FrozenList(['budget', 'n_labelled', 'features'])
    >>> result.summary.loc[(10, 10, "raw"), "n_draws"]
    np.int64(3)
    """
    X = validate_float(None, X, reset=False, input_name="X", accept_sparse="csr")
    if X_unlabelled is not None:
        X_unlabelled = validate_float(
            None, X_unlabelled, reset=False, input_name="X_unlabelled", accept_sparse="csr"
        )
        if X_unlabelled.shape[1] != X.shape[1]:
            raise ValueError(
                f"X_unlabelled has {X_unlabelled.shape[1]} columns but X has {X.shape[1]}."
            )
    y = np.asarray(y)
    check_consistent_length(X, y)
    features = list(features)
    unknown = [f for f in features if f not in FEATURE_SETS]
    if unknown or not features:
        raise ValueError(f"features must be a non-empty subset of {FEATURE_SETS}, got {features}.")
    target_type = type_of_target(y, input_name="y")
    classification = target_type in ("binary", "multiclass")
    n_samples = X.shape[0]
    budgets = list(budgets)
    sizes = [_n_labelled(b, n_samples) for b in budgets]
    if classification:
        n_classes = np.unique(y).size
        for b, n in zip(budgets, sizes, strict=True):
            if n < n_classes:
                raise ValueError(
                    f"budgets: {b!r} gives {n} labelled rows, fewer than the {n_classes} "
                    "classes of y; a stratified draw needs one row per class."
                )
    if len(set(sizes)) != len(sizes):
        raise ValueError(f"budgets {budgets} give the same number of labelled rows twice: {sizes}.")
    if classification and n_samples in sizes:
        classes, counts = np.unique(y, return_counts=True)
        if counts.min() < cv:
            rare = classes[counts.argmin()].item()  # a plain value for the message
            raise ValueError(
                f"the whole budget is scored by {cv}-fold stratified cross-validation, but "
                f"class {rare!r} of y has only {counts.min()} rows: lower cv to at most "
                f"{counts.min()}."
            )
    probe = _default_probe(classification, sp.issparse(X)) if probe is None else probe
    scoring = _default_scoring(target_type) if scoring is None else scoring
    scorer = check_scoring(probe, scoring=scoring)
    metric = scoring if isinstance(scoring, str) else getattr(scoring, "__name__", "score")
    flip = isinstance(scoring, str) and scoring.startswith("neg_")
    if flip:
        metric = metric[len("neg_") :]
    greater_is_better = not flip
    rng = check_generator(random_state)

    start = time.perf_counter()
    if isinstance(embedder, FrozenEstimator):
        fitted = embedder
    else:
        pool = X
        if X_unlabelled is not None:
            stack = sp.vstack if sp.issparse(X) or sp.issparse(X_unlabelled) else np.vstack
            pool = stack([X, X_unlabelled])
        if verbose:
            print(f"label_efficiency: pretraining on {pool.shape[0]} rows", flush=True)
        fitted = clone(embedder).fit(pool)
    Z = np.asarray(fitted.transform(X))
    matrices = {"raw": X, "embedding": Z}
    if "raw+embedding" in features:
        both = sp.hstack([X, Z], format="csr") if sp.issparse(X) else np.hstack([X, Z])
        matrices["raw+embedding"] = both

    records = []
    for budget, n in zip(budgets, sizes, strict=True):
        seed = int(rng.integers(2**31 - 1))
        splits = _splits(n, n_samples, y, classification, n_repeats, cv, seed)
        for draw, (train, test) in enumerate(splits):
            for name in features:
                M = matrices[name]
                model = clone(probe).fit(M[train], y[train])
                score = float(scorer(model, M[test], y[test]))
                if not np.isfinite(score):
                    raise ValueError(
                        f"the probe's {metric} on budget {budget!r}, draw {draw}, features "
                        f"{name!r} is {score} (for example a test fold with a single class "
                        "for ROC AUC): choose another scoring, budget or cv."
                    )
                records.append((budget, n, draw, name, -score if flip else score))
        if verbose:
            kind = f"{cv}-fold CV" if n == n_samples else f"{len(splits)} draws"
            print(
                f"label_efficiency: budget {budget!r} ({n} labelled rows, {kind}) done, "
                f"{time.perf_counter() - start:.1f} s",
                flush=True,
            )
    scores = pd.DataFrame.from_records(
        records, columns=["budget", "n_labelled", "draw", "features", "score"]
    )
    return Bunch(
        scores=scores,
        summary=_summarize(scores, greater_is_better),
        metric=metric,
        greater_is_better=greater_is_better,
        embedder=fitted,
    )


def _summarize(scores: pd.DataFrame, greater_is_better: bool) -> pd.DataFrame:
    keys = ["budget", "n_labelled", "features"]
    grouped = scores.groupby(keys, sort=False)["score"]
    summary = pd.DataFrame(
        {"mean": grouped.mean(), "sd": grouped.std(ddof=1), "n_draws": grouped.size()}
    )
    wide = scores.pivot_table(
        index=["budget", "n_labelled", "draw"], columns="features", values="score"
    )
    wins = []
    for budget, n, name in summary.index:
        if name == "raw" or "raw" not in wide.columns:
            wins.append(math.nan)
            continue
        block = wide.loc[(budget, n)]
        better = block[name] > block["raw"] if greater_is_better else block[name] < block["raw"]
        wins.append(float(better.mean()))
    summary["wins_vs_raw"] = wins
    return summary
