"""y for the loss: integer class codes when the loss needs labels, None otherwise.

A loss needs labels when its ``requires_labels`` is True
(:class:`~skcontrast.losses.ContrastiveLoss`): SupCon among the built-in ones.
Groups (positives from metadata) become integer codes too, for a loss whose
``accepts_groups`` is True.
"""

from __future__ import annotations

import contextlib

import numpy as np
from sklearn.utils.multiclass import type_of_target

from skcontrast.losses import LOSSES
from skcontrast.utils._labels import label_codes


def requires_labels(loss) -> bool:
    """Whether ``ContrastiveEmbedder(loss=...)`` needs y, from the name, class or instance."""
    spec = LOSSES.get(loss) if isinstance(loss, str) else loss
    return bool(getattr(spec, "requires_labels", False))


def accepts_groups(loss) -> bool:
    """Whether the loss (a name, class or instance) takes ``groups`` in ``forward_views``."""
    spec = LOSSES.get(loss) if isinstance(loss, str) else loss
    return bool(getattr(spec, "accepts_groups", False))


def encode_groups(X, groups, *, loss):
    """Integer codes of ``groups`` (one per row of X) for the loss, or None without groups.

    Raises a ValueError naming the loss when it does not take groups, and
    naming the rows of missing values.
    """
    if groups is None:
        return None
    if not accepts_groups(loss):
        hint = (
            " Its positives come from y: put the groups into y's classes, or use "
            'loss="nt_xent".'
            if requires_labels(loss)
            else ' Use loss="nt_xent" or "info_nce", which take groups.'
        )
        raise ValueError(
            f"groups were given, but {describe_loss(loss)} does not take them "
            f"(its accepts_groups is False).{hint}"
        )
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.shape[0] != X.shape[0]:
        raise ValueError(
            "groups must be 1-D with one value per row of X: got shape "
            f"{groups.shape} for {X.shape[0]} rows."
        )
    return label_codes(groups, input_name="groups", item="group")


def describe_loss(loss) -> str:
    """``loss="supcon"``, ``loss=MyLoss`` or ``loss=MyLoss(...)``, for messages.

    A registered class (the net's criterion in pickles of earlier versions) is
    named by its registered name.
    """
    if isinstance(loss, str):
        return f'loss="{loss}"'
    if isinstance(loss, type):
        for name, cls in LOSSES.items():
            if cls is loss:
                return f'loss="{name}"'
        return f"loss={loss.__qualname__}"
    return f"loss={type(loss).__qualname__}(...)"


def encode_labels(X, y, *, needed: bool, loss_text: str, training: bool):
    """Integer class codes of y for a loss that needs labels (None when ``needed`` is False).

    y must be a classification target ("binary" or "multiclass" for
    ``type_of_target``). Training (fit, partial_fit) needs at least two
    classes; ``score`` accepts a single one (a cross-validation fold).
    ``loss_text`` names the loss in messages (:func:`describe_loss`).
    """
    if not needed:
        return None
    if y is None:
        raise ValueError(
            f"{loss_text} needs class labels: pass y (fit(X, y), partial_fit(X, y), "
            "score(X, y))."
        )
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must be 1-D with one label per row of X: got shape {y.shape} for {X.shape[0]} rows."
        )
    # SupCon compares labels within a batch only, so codes are made afresh on
    # each call: score and partial_fit accept classes that fit never saw
    codes = label_codes(y)  # missing and mixed-type labels first, named by row
    kind = _target_type(y)
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"{loss_text} needs class labels in y, but y is {kind!r} "
            f"(sklearn.utils.multiclass.type_of_target(y) == {kind!r}); as classes, "
            f"its {np.unique(codes).size} distinct values would make nearly every "
            "row a class of its own. Bin y into classes first (e.g. np.digitize or "
            'KBinsDiscretizer), or use loss="nt_xent", which ignores y.'
        )
    if training and not codes.any():  # codes start at 0: all zero is one class
        raise ValueError(
            f"y has a single class ({_plain(y[0])!r}) in its {y.shape[0]} rows: "
            f"{loss_text} needs at least two classes to train (with one, every "
            "row is a positive of every other and the embedding collapses). Give "
            'labels of several classes, or use loss="nt_xent", which ignores y.'
        )
    return codes


def _target_type(y: np.ndarray) -> str:
    """``type_of_target(y)``, also for an object array of numbers (which it calls "unknown")."""
    kind = type_of_target(y, input_name="y")
    if kind == "unknown" and y.dtype == object:
        with contextlib.suppress(TypeError, ValueError):
            kind = type_of_target(y.astype(np.float64), input_name="y")
    return kind


def _plain(value):
    """A NumPy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value
