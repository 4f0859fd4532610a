"""Contrastive losses: NT-Xent (SimCLR), one-directional InfoNCE and SupCon.

Plain torch functions (no scikit-learn), plus :class:`torch.nn.Module` classes
that follow one contract, :class:`ContrastiveLoss`: whether the loss needs
labels (``requires_labels``), its value at chance for a batch size
(``chance_value``) and one call on the two views of a batch
(``forward_views(z1, z2, labels=None)``). :data:`LOSSES` maps the names that
``ContrastiveEmbedder(loss=...)`` accepts to the classes, and
:func:`check_loss` turns a name, a class or an instance into the loss module
that the embedder trains with.

Each loss casts float16/bfloat16 inputs to float32 (float64 stays float64)
before anything else, then L2-normalises them and computes the similarities
and the softmax with autocast switched off; the loss is float32 (or float64).
For float16, bfloat16 and float32 inputs at temperatures from 1e-3 to 1e3 the
loss and its gradients are finite (tested with ordinary rows, an all-zero row,
and an encoder run under float16/bfloat16 autocast). An all-zero row
normalises to the zero vector (cosine similarity 0 with every row) and passes
back a zero gradient. A row with a small non-zero norm has a truly large
gradient, about 1 / (temperature * norm), which overflows float16 above 65504;
a :class:`torch.amp.GradScaler` skips such a step.

Examples
--------
The worked example of the contrastive-learning lecture (3 pairs in 2-D,
temperature 0.2): the first anchor's term is -log(34.3 / (34.3 + 34.3 + 1)),
which the lecture, rounding its intermediates, gives as about 0.706.

>>> import torch
>>> from skcontrast.losses import info_nce
>>> xa = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
>>> xb = torch.tensor([[1.0, 1.0], [1.0, -1.0], [0.0, 1.0]])
>>> terms = info_nce(xa, xb, temperature=0.2, reduction="none")
>>> round(terms[0].item(), 3)
0.708
"""

from __future__ import annotations

import abc
import copy
import inspect
import math
import numbers
import types
from collections.abc import Mapping
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "LOSSES",
    "ContrastiveLoss",
    "InfoNCELoss",
    "NTXentLoss",
    "SupConLoss",
    "check_loss",
    "info_nce",
    "nt_xent",
    "supcon",
]

_REDUCTIONS = ("mean", "sum", "none")
_NORM_EPS = 1e-12  # F.normalize's default, so non-zero rows are unchanged


def _check_temperature(temperature: float) -> float:
    if isinstance(temperature, torch.Tensor):  # e.g. a learnable temperature
        # its value is checked on the CPU only: on a GPU that would sync every batch
        if temperature.numel() != 1 or (
            temperature.device.type == "cpu"
            and not bool(torch.isfinite(temperature).all() and (temperature > 0).all())
        ):
            raise ValueError(
                f"temperature must be a finite scalar > 0, got the tensor {temperature!r}."
            )
        return temperature
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, numbers.Real)
        or not math.isfinite(temperature)
        or temperature <= 0
    ):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}.")
    return float(temperature)


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}.")


def _check_pair(z1: torch.Tensor, z2: torch.Tensor) -> None:
    _check_views_shape(z1, z2)
    if z1.shape[0] < 2:
        raise ValueError(
            "a contrastive loss needs at least 2 samples in a batch (each sample's "
            f"negatives are the other samples), got a batch of {z1.shape[0]}."
        )


def _check_views_shape(z1: torch.Tensor, z2: torch.Tensor) -> None:
    if z1.ndim != 2 or z2.ndim != 2:
        raise ValueError(
            f"z1 and z2 must be 2-D (batch, dim) tensors, got shapes {tuple(z1.shape)} "
            f"and {tuple(z2.shape)}."
        )
    if z1.shape != z2.shape:
        raise ValueError(
            f"z1 and z2 must have the same shape, got {tuple(z1.shape)} and {tuple(z2.shape)}."
        )


def _normalize(z: torch.Tensor) -> torch.Tensor:
    # The cast comes first, so the norm and its backward run in float32 (float64
    # when given): logits / temperature cannot overflow half precision.
    if z.dtype in (torch.float16, torch.bfloat16):
        z = z.float()
    # Non-zero rows: exactly F.normalize (z / max(||z||, eps)). An all-zero row
    # stays zero, but F.normalize's backward would scale its gradient by 1 / eps
    # (1e12: inf once cast back to float16); `where` makes it 0 instead, since a
    # zero row has no direction to differentiate.
    norm = torch.linalg.vector_norm(z, ord=2, dim=1, keepdim=True)
    nonzero = (z != 0).any(dim=1, keepdim=True)
    return torch.where(nonzero, z / norm.clamp_min(_NORM_EPS), 0.0)


def _reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def nt_xent(
    z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.2, reduction: str = "mean"
) -> torch.Tensor:
    """Symmetric NT-Xent (SimCLR) loss over the 2B views of a batch.

    Each of the 2B L2-normalised embeddings is an anchor; its positive is its
    partner view and the other 2B - 2 views are its negatives. Computed as a
    ``cross_entropy`` over the (2B, 2B) similarity matrix divided by the
    temperature, with the self-similarities masked to -inf.

    Parameters
    ----------
    z1, z2 : torch.Tensor of shape (B, D)
        Embeddings of the two views; row i of ``z1`` and row i of ``z2`` are a
        positive pair. B must be at least 2.
    temperature : float, default=0.2
        Softmax temperature (> 0). Smaller values push negatives apart harder.
    reduction : {"mean", "sum", "none"}, default="mean"
        "none" returns the 2B per-anchor terms (the ``z1`` anchors first).

    Returns
    -------
    torch.Tensor
        A scalar, or shape (2B,) with ``reduction="none"``.

    Raises
    ------
    ValueError
        If ``z1`` and ``z2`` are not 2-D of the same shape, B < 2, or
        ``temperature`` or ``reduction`` is invalid.

    References
    ----------
    T. Chen, S. Kornblith, M. Norouzi and G. Hinton, "A Simple Framework for
    Contrastive Learning of Visual Representations", ICML 2020.

    Examples
    --------
    Identical views of 5 collinear embeddings give the chance value log(2B - 1):

    >>> import math, torch
    >>> from skcontrast.losses import nt_xent
    >>> z = torch.ones(5, 3)
    >>> round(nt_xent(z, z).item(), 5) == round(math.log(9), 5)
    True
    """
    _check_pair(z1, z2)
    _check_reduction(reduction)
    temperature = _check_temperature(temperature)
    batch = z1.shape[0]
    with torch.autocast(device_type=z1.device.type, enabled=False):
        z = _normalize(torch.cat([z1, z2], dim=0))
        logits = (z @ z.T) / temperature
        self_mask = torch.eye(2 * batch, dtype=torch.bool, device=z.device)
        logits = logits.masked_fill(self_mask, float("-inf"))
        idx = torch.arange(batch, device=z.device)
        targets = torch.cat([idx + batch, idx])
        loss = F.cross_entropy(logits, targets, reduction="none")
    return _reduce(loss, reduction)


def info_nce(
    z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.2, reduction: str = "mean"
) -> torch.Tensor:
    """One-directional InfoNCE, as in the lectures: anchors ``z1``, candidates ``z2``.

    ``loss_i = -log( exp(s_ii / t) / sum_j exp(s_ij / t) )`` with ``s`` the cosine
    similarities between row i of ``z1`` and row j of ``z2``.

    Parameters
    ----------
    z1, z2 : torch.Tensor of shape (B, D)
        Anchors and candidates; row i of each is a positive pair. B >= 2.
    temperature : float, default=0.2
        Softmax temperature (> 0).
    reduction : {"mean", "sum", "none"}, default="mean"
        "none" returns the B per-anchor terms.

    Returns
    -------
    torch.Tensor
        A scalar, or shape (B,) with ``reduction="none"``.

    Raises
    ------
    ValueError
        If ``z1`` and ``z2`` are not 2-D of the same shape, B < 2, or
        ``temperature`` or ``reduction`` is invalid.

    References
    ----------
    A. van den Oord, Y. Li and O. Vinyals, "Representation Learning with
    Contrastive Predictive Coding", arXiv:1807.03748, 2018.
    """
    _check_pair(z1, z2)
    _check_reduction(reduction)
    temperature = _check_temperature(temperature)
    with torch.autocast(device_type=z1.device.type, enabled=False):
        logits = (_normalize(z1) @ _normalize(z2).T) / temperature
        targets = torch.arange(z1.shape[0], device=z1.device)
        loss = F.cross_entropy(logits, targets, reduction="none")
    return _reduce(loss, reduction)


def supcon(
    z: torch.Tensor, labels: torch.Tensor, temperature: float = 0.2, reduction: str = "mean"
) -> torch.Tensor:
    """Supervised contrastive loss (Khosla et al., 2020, the "L_out" form).

    Every row is an anchor; its positives are all other rows with the same
    label, its denominator all other rows. Anchors without any positive (their
    label occurs once in the batch) are left out of the mean and the sum.

    Parameters
    ----------
    z : torch.Tensor of shape (N, D)
        Embeddings, typically both views stacked: ``torch.cat([z1, z2])``.
    labels : torch.Tensor of shape (N,)
        Integer (or bool) class labels, stacked the same way as ``z``; an array
        or list is converted with :func:`torch.as_tensor`. Floating-point labels
        are a ``ValueError``: they are usually a regression target passed by
        mistake.
    temperature : float, default=0.2
        Softmax temperature (> 0).
    reduction : {"mean", "sum", "none"}, default="mean"
        "mean" averages the terms of the anchors that have a positive, "sum"
        adds them up, "none" returns one term per anchor (0 for an anchor
        without a positive).

    Returns
    -------
    torch.Tensor
        A scalar, or shape (N,) with ``reduction="none"``. A batch in which no
        anchor has a positive (every label occurs once) gives 0, not NaN and not
        an error, so that one unlucky random batch does not stop training; that
        0 is still connected to the graph of ``z``, so ``backward()`` runs and
        passes back zero gradients.

    Raises
    ------
    ValueError
        If ``z`` is not 2-D, ``labels`` is not 1-D with one entry per row of
        ``z``, ``labels`` is floating-point or complex, ``z`` has fewer than 2
        rows, or ``temperature`` or ``reduction`` is invalid.

    References
    ----------
    P. Khosla, P. Teterwak, C. Wang, A. Sarna, Y. Tian, P. Isola, A. Maschinot,
    C. Liu and D. Krishnan, "Supervised Contrastive Learning", NeurIPS 2020.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import supcon
    >>> z = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> good = supcon(z, torch.tensor([0, 0, 1, 1]))
    >>> bad = supcon(z, torch.tensor([0, 1, 0, 1]))
    >>> bool(good < bad)
    True
    """
    if z.ndim != 2:
        raise ValueError(f"z must be a 2-D (batch, dim) tensor, got shape {tuple(z.shape)}.")
    labels = torch.as_tensor(labels, device=z.device)
    if labels.is_floating_point() or labels.is_complex():
        raise ValueError(
            f"labels must be integer (or bool) class labels, got dtype {labels.dtype}; "
            "floating-point labels are usually a regression target passed by mistake. "
            "Encode the classes as integers, e.g. with sklearn's LabelEncoder."
        )
    if labels.ndim != 1 or labels.shape[0] != z.shape[0]:
        raise ValueError(
            f"labels must be 1-D with one entry per row of z: got shape "
            f"{tuple(labels.shape)} for {z.shape[0]} rows."
        )
    if z.shape[0] < 2:
        raise ValueError(
            f"a contrastive loss needs at least 2 samples in a batch, got {z.shape[0]}."
        )
    _check_reduction(reduction)
    temperature = _check_temperature(temperature)
    n = z.shape[0]
    with torch.autocast(device_type=z.device.type, enabled=False):
        zn = _normalize(z)
        self_mask = torch.eye(n, dtype=torch.bool, device=z.device)
        logits = ((zn @ zn.T) / temperature).masked_fill(self_mask, float("-inf"))
        log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        positives = (labels[:, None] == labels[None, :]) & ~self_mask
        n_pos = positives.sum(dim=1)
        pos_log_prob = log_prob.masked_fill(~positives, 0.0).sum(dim=1)
        has_pos = n_pos > 0
        # an anchor without a positive gives +0 with a zero gradient
        loss = (-pos_log_prob / n_pos.clamp(min=1)).masked_fill(~has_pos, 0.0)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    # the mean over the anchors with a positive; 0, still in the graph, when there
    # are none. No boolean indexing or .any(): neither syncs a GPU.
    return loss.sum() / has_pos.sum().clamp(min=1)


def _check_batch_size(batch_size: int) -> int:
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or batch_size < 2
    ):
        raise ValueError(
            "batch_size must be an integer >= 2 (a contrastive batch needs two rows), "
            f"got {batch_size!r}."
        )
    return int(batch_size)


class ContrastiveLoss(nn.Module, abc.ABC):
    """The contract of every loss that :class:`~skcontrast.embed.ContrastiveEmbedder` trains with.

    A loss module that scores the two augmented views of a batch of B rows.
    A subclass implements :meth:`forward_views`, sets the class attribute
    ``requires_labels`` when it needs class labels, and overrides
    :meth:`chance_value` (and sets ``chance_formula``) when it knows its value
    at chance. Calling the module, ``loss(z1, z2, labels=None)``, runs
    :meth:`forward_views` (except for :class:`SupConLoss`, which keeps its
    older ``loss(z, labels)`` call).

    Pass a subclass or an instance as ``ContrastiveEmbedder(loss=...)``; see
    :func:`check_loss` for what the embedder does with each, and for how its
    ``temperature`` reaches the loss.

    Attributes
    ----------
    requires_labels : bool
        Class attribute, False by default. True when :meth:`forward_views`
        needs ``labels`` (then the embedder requires a classification y at fit
        and passes its integer codes); False when the loss uses the views alone
        and ignores ``labels``.
    chance_formula : str or None
        Class attribute, None by default: :meth:`chance_value` written as a
        formula of the batch size b, for messages (``"log(2b - 1)"`` for
        :class:`NTXentLoss`); None when there is no chance value or no short
        formula for it.
    temperature : float, torch.Tensor or None
        The softmax temperature, for losses that have one (set by their
        ``__init__``); None (set by this base class) for a loss without a
        temperature, such as a variance-keeping loss. A subclass whose
        ``__init__`` takes a parameter named ``temperature`` gets the
        embedder's ``temperature`` when given to it by class.

    See Also
    --------
    NTXentLoss, InfoNCELoss, SupConLoss : The built-in losses.
    check_loss : Turn ``loss=`` (a name, a class or an instance) into a loss.
    LOSSES : The registered names.

    Notes
    -----
    A subclass calls ``super().__init__()`` first. Its ``forward_views``
    should return a scalar (the embedder calls ``backward()`` on it and logs
    it), accept float16/bfloat16 inputs (the encoder may run under autocast),
    and keep ``labels`` as the third, optional argument even when it ignores
    them, so that the embedder calls every loss the same way. A batch always
    holds at least 2 rows.

    Examples
    --------
    A decoupled contrastive loss (C.-H. Yeh et al., "Decoupled Contrastive
    Learning", ECCV 2022): NT-Xent with the positive left out of each anchor's
    denominator. Its value for identical embeddings
    is log(2B - 2), which it reports as its chance value:

    >>> import math, torch
    >>> import torch.nn.functional as F
    >>> from skcontrast.losses import ContrastiveLoss, check_loss
    >>> class DecoupledLoss(ContrastiveLoss):
    ...     chance_formula = "log(2b - 2)"
    ...
    ...     def __init__(self, temperature=0.2):
    ...         super().__init__()
    ...         self.temperature = temperature
    ...
    ...     def forward_views(self, z1, z2, labels=None):
    ...         b = z1.shape[0]
    ...         z = F.normalize(torch.cat([z1, z2]).float(), dim=1)
    ...         sim = z @ z.T / self.temperature
    ...         positive = torch.cat([sim.diagonal(b), sim.diagonal(-b)])
    ...         self_or_partner = torch.eye(2 * b, dtype=torch.bool, device=z.device)
    ...         self_or_partner |= self_or_partner.roll(b, dims=1)
    ...         negatives = sim.masked_fill(self_or_partner, float("-inf"))
    ...         return (negatives.logsumexp(dim=1) - positive).mean()
    ...
    ...     def chance_value(self, batch_size):
    ...         return math.log(2 * batch_size - 2)
    >>> loss = check_loss(DecoupledLoss, temperature=0.5)  # what the embedder does
    >>> loss
    DecoupledLoss()
    >>> loss.temperature, loss.requires_labels
    (0.5, False)
    >>> g = torch.Generator().manual_seed(0)
    >>> z1, z2 = torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g)
    >>> loss(z1, z2).shape  # the same as loss.forward_views(z1, z2)
    torch.Size([])
    >>> z = torch.ones(5, 3)  # an encoder that cannot tell rows apart
    >>> math.isclose(loss(z, z).item(), loss.chance_value(5), rel_tol=1e-6)
    True

    ``ContrastiveEmbedder(loss=DecoupledLoss)`` trains with it at the
    embedder's temperature, and ``loss=DecoupledLoss(temperature=0.1)`` with a
    copy of that instance, at 0.1.
    """

    requires_labels: ClassVar[bool] = False
    chance_formula: ClassVar[str | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.temperature: float | torch.Tensor | None = None

    @abc.abstractmethod
    def forward_views(
        self, z1: torch.Tensor, z2: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The loss of a batch from the embeddings of its two views.

        Parameters
        ----------
        z1, z2 : torch.Tensor of shape (B, D)
            Embeddings (any float dtype) of the two views of the same B rows:
            row i of ``z1`` and row i of ``z2`` come from row i of the batch.
        labels : torch.Tensor of shape (B,), dtype int64, or None
            Class codes of the B rows (one per row, not per view), on the
            device of ``z1``. Required when ``requires_labels`` is True;
            ignored otherwise, so that a caller can always pass them.

        Returns
        -------
        torch.Tensor
            A scalar (for the built-in losses: unless their ``reduction`` is
            ``"none"``), float32 for float16/bfloat16/float32 input.

        Raises
        ------
        ValueError
            For embeddings of the wrong shape, or missing or mis-shaped labels
            when ``requires_labels`` is True.
        """

    def forward(
        self, z1: torch.Tensor, z2: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """:meth:`forward_views`, so that ``loss(z1, z2, labels=None)`` runs it."""
        return self.forward_views(z1, z2, labels)

    def chance_value(self, batch_size: int) -> float | None:
        """The loss of an encoder that cannot tell rows apart, for a batch of this size.

        That is the value of :meth:`forward_views` when all 2B embeddings are
        equal (or all zero), whatever the temperature. The embedder warns when
        the final training loss stays within a few percent of it. This base
        implementation returns None: not defined by the batch size alone, and
        no warning.

        Parameters
        ----------
        batch_size : int
            B, the number of rows in the batch (2B views); at least 2.

        Returns
        -------
        float or None

        Raises
        ------
        ValueError
            If ``batch_size`` is not an integer >= 2.
        """
        _check_batch_size(batch_size)
        return None


class _TemperatureLoss(ContrastiveLoss):
    """A built-in loss: a temperature (> 0) and a reduction ("mean", "sum", "none")."""

    def __init__(self, temperature: float = 0.2, reduction: str = "mean") -> None:
        super().__init__()
        self.temperature = _check_temperature(temperature)
        _check_reduction(reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"temperature={self.temperature}, reduction={self.reduction!r}"


class NTXentLoss(_TemperatureLoss):
    """:func:`nt_xent` (SimCLR) as a :class:`ContrastiveLoss`: ``loss(z1, z2)``.

    Registered in :data:`LOSSES` as ``"nt_xent"``. It ignores labels, and its
    chance value for a batch of B rows is log(2B - 1): each of the 2B anchors
    picks its partner out of 2B - 1 candidates.

    Parameters
    ----------
    temperature : float, default=0.2
        Softmax temperature (> 0).
    reduction : {"mean", "sum", "none"}, default="mean"
        How the per-anchor terms are combined.

    Attributes
    ----------
    requires_labels : bool
        False: labels are ignored.
    chance_formula : str
        ``"log(2b - 1)"``.

    References
    ----------
    T. Chen, S. Kornblith, M. Norouzi and G. Hinton, "A Simple Framework for
    Contrastive Learning of Visual Representations", ICML 2020.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import NTXentLoss
    >>> loss = NTXentLoss(temperature=0.5)
    >>> z = torch.ones(4, 2)
    >>> round(loss(z, z).item(), 4), round(loss.chance_value(4), 4)  # log(7)
    (1.9459, 1.9459)
    """

    chance_formula: ClassVar[str] = "log(2b - 1)"

    def forward_views(
        self, z1: torch.Tensor, z2: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``nt_xent(z1, z2, temperature, reduction)``; ``labels`` are ignored.

        Parameters
        ----------
        z1, z2 : torch.Tensor of shape (B, D)
            Embeddings of the two views; B >= 2.
        labels : torch.Tensor of shape (B,) or None
            Ignored.

        Returns
        -------
        torch.Tensor
            A scalar, or shape (2B,) with ``reduction="none"``.

        Raises
        ------
        ValueError
            If ``z1`` and ``z2`` are not 2-D of the same shape, or B < 2.
        """
        return nt_xent(z1, z2, self.temperature, self.reduction)

    def chance_value(self, batch_size: int) -> float:
        """log(2B - 1), for a batch of B >= 2 rows (see :meth:`ContrastiveLoss.chance_value`)."""
        return math.log(2 * _check_batch_size(batch_size) - 1)


class InfoNCELoss(_TemperatureLoss):
    """:func:`info_nce` as a :class:`ContrastiveLoss`: ``loss(z1, z2)``.

    Registered in :data:`LOSSES` as ``"info_nce"``. One-directional: the B
    rows of ``z1`` are the anchors, the B rows of ``z2`` the candidates. It
    ignores labels, and its chance value for a batch of B rows is log(B).

    Parameters
    ----------
    temperature : float, default=0.2
        Softmax temperature (> 0).
    reduction : {"mean", "sum", "none"}, default="mean"
        How the per-anchor terms are combined.

    Attributes
    ----------
    requires_labels : bool
        False: labels are ignored.
    chance_formula : str
        ``"log(b)"``.

    References
    ----------
    A. van den Oord, Y. Li and O. Vinyals, "Representation Learning with
    Contrastive Predictive Coding", arXiv:1807.03748, 2018.
    """

    chance_formula: ClassVar[str] = "log(b)"

    def forward_views(
        self, z1: torch.Tensor, z2: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``info_nce(z1, z2, temperature, reduction)``; ``labels`` are ignored.

        Parameters
        ----------
        z1, z2 : torch.Tensor of shape (B, D)
            Anchors and candidates; B >= 2.
        labels : torch.Tensor of shape (B,) or None
            Ignored.

        Returns
        -------
        torch.Tensor
            A scalar, or shape (B,) with ``reduction="none"``.

        Raises
        ------
        ValueError
            If ``z1`` and ``z2`` are not 2-D of the same shape, or B < 2.
        """
        return info_nce(z1, z2, self.temperature, self.reduction)

    def chance_value(self, batch_size: int) -> float:
        """log(B), for a batch of B >= 2 rows (see :meth:`ContrastiveLoss.chance_value`)."""
        return math.log(_check_batch_size(batch_size))


class SupConLoss(_TemperatureLoss):
    """:func:`supcon` as a :class:`ContrastiveLoss`: ``loss(z, labels)``.

    Registered in :data:`LOSSES` as ``"supcon"``; ``requires_labels`` is True.
    Called as a module it keeps its own signature, ``loss(z, labels)`` on
    stacked embeddings; :meth:`forward_views` is the contract's call on the
    two views and the labels of their rows.

    Parameters
    ----------
    temperature : float, default=0.2
        Softmax temperature (> 0).
    reduction : {"mean", "sum", "none"}, default="mean"
        How the per-anchor terms are combined.

    Attributes
    ----------
    requires_labels : bool
        True: :meth:`forward_views` needs the rows' class labels.
    chance_formula : None
        No chance value (see :meth:`chance_value`).

    References
    ----------
    P. Khosla, P. Teterwak, C. Wang, A. Sarna, Y. Tian, P. Isola, A. Maschinot,
    C. Liu and D. Krishnan, "Supervised Contrastive Learning", NeurIPS 2020.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.losses import SupConLoss
    >>> loss = SupConLoss(temperature=0.5)
    >>> g = torch.Generator().manual_seed(0)
    >>> z1, z2 = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    >>> labels = torch.tensor([0, 1, 0, 1])
    >>> by_views = loss.forward_views(z1, z2, labels)
    >>> stacked = loss(torch.cat([z1, z2]), torch.cat([labels, labels]))
    >>> bool(by_views == stacked)
    True
    """

    requires_labels: ClassVar[bool] = True

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """``supcon(z, labels, temperature, reduction)`` on stacked embeddings.

        Parameters
        ----------
        z : torch.Tensor of shape (N, D)
            Embeddings, typically both views stacked.
        labels : torch.Tensor of shape (N,)
            Integer (or bool) class labels, stacked the same way.

        Returns
        -------
        torch.Tensor
            A scalar, or shape (N,) with ``reduction="none"``.
        """
        return supcon(z, labels, self.temperature, self.reduction)

    def forward_views(
        self, z1: torch.Tensor, z2: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """SupCon over the 2B views: ``supcon(cat([z1, z2]), cat([labels, labels]))``.

        Every view's positives are its partner view and both views of every
        other row with the same label.

        Parameters
        ----------
        z1, z2 : torch.Tensor of shape (B, D)
            Embeddings of the two views of the same B rows.
        labels : torch.Tensor of shape (B,)
            Integer (or bool) class codes of the B rows; an array or a list is
            converted with :func:`torch.as_tensor`.

        Returns
        -------
        torch.Tensor
            A scalar, or shape (2B,) with ``reduction="none"`` (the ``z1``
            anchors first).

        Raises
        ------
        ValueError
            If ``labels`` is None, not 1-D with one entry per row of ``z1``, or
            floating-point; if ``z1`` and ``z2`` are not 2-D of the same shape.
        """
        if labels is None:
            raise ValueError(
                "SupConLoss needs labels (requires_labels=True): call "
                "forward_views(z1, z2, labels) with one class label per row."
            )
        _check_views_shape(z1, z2)
        labels = torch.as_tensor(labels, device=z1.device)
        if labels.ndim != 1 or labels.shape[0] != z1.shape[0]:
            raise ValueError(
                f"labels must be 1-D with one entry per row of z1: got shape "
                f"{tuple(labels.shape)} for {z1.shape[0]} rows."
            )
        return supcon(
            torch.cat([z1, z2]), torch.cat([labels, labels]), self.temperature, self.reduction
        )

    def chance_value(self, batch_size: int) -> None:
        """None: how close to chance a trained SupCon loss can get depends on the labels.

        Identical embeddings give log(2B - 1) whatever the labels, as for
        NT-Xent, but the best reachable value also does (about log(2n - 1)
        for a row of a class with n rows in the batch), so with imbalanced
        classes a good encoder sits within a few percent of log(2B - 1).

        Raises
        ------
        ValueError
            If ``batch_size`` is not an integer >= 2.
        """
        _check_batch_size(batch_size)
        return None


#: The registered losses: ``ContrastiveEmbedder(loss=name)`` trains with
#: ``LOSSES[name](temperature=temperature)``. Read-only; a loss of your own is
#: passed to the embedder as a class or an instance (see :func:`check_loss`).
LOSSES: Mapping[str, type[ContrastiveLoss]] = types.MappingProxyType(
    {"nt_xent": NTXentLoss, "info_nce": InfoNCELoss, "supcon": SupConLoss}
)


def _takes_temperature(cls: type) -> bool:
    """Whether ``cls(temperature=...)`` is a call its ``__init__`` names."""
    try:
        parameters = inspect.signature(cls).parameters
    except (TypeError, ValueError):  # no signature to read
        return False
    param = parameters.get("temperature")
    return param is not None and param.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )


def _temperature_applies(loss) -> bool:
    """Whether :func:`check_loss` gives this ``loss=`` value the embedder's temperature.

    True for a registered name and for a class whose ``__init__`` takes
    ``temperature``; False for an instance (it keeps its own) and for anything
    else. The embedder re-syncs ``criterion_.temperature`` (at ``partial_fit``)
    only when this is True.
    """
    if isinstance(loss, str):
        return loss in LOSSES and _takes_temperature(LOSSES[loss])
    return isinstance(loss, type) and _takes_temperature(loss)


def _describe(value) -> str:
    if isinstance(value, type):
        return f"the class {value.__module__}.{value.__qualname__}"
    if isinstance(value, nn.Module):
        return f"a {type(value).__qualname__} instance"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_loss(loss, temperature: float = 0.2) -> ContrastiveLoss:
    """A fresh loss module from ``ContrastiveEmbedder``'s ``loss`` parameter.

    Parameters
    ----------
    loss : str, ContrastiveLoss subclass or ContrastiveLoss instance
        - a name in :data:`LOSSES` (``"nt_xent"``, ``"info_nce"``,
          ``"supcon"``): ``LOSSES[loss](temperature=temperature)``;
        - a :class:`ContrastiveLoss` subclass: ``loss(temperature=temperature)``
          when its ``__init__`` has a parameter named ``temperature``, else
          ``loss()``;
        - a :class:`ContrastiveLoss` instance: ``copy.deepcopy(loss)``, used
          with its own settings (its own temperature: ``temperature`` is
          ignored), so the parameter is never modified, as for the embedder's
          ``encoder`` instance and skorch's ``criterion``.
    temperature : float or torch.Tensor, default=0.2
        The temperature for a name or a class (checked by the loss: > 0).

    Returns
    -------
    ContrastiveLoss
        A new module, never ``loss`` itself.

    Raises
    ------
    TypeError
        If ``loss`` is none of the above (for example a torch loss that does
        not subclass :class:`ContrastiveLoss`, or an abstract subclass), or the
        class cannot be built without arguments other than ``temperature``;
        the message names ``loss`` and what it accepts.
    ValueError
        If ``loss`` is a string that is not a registered name, if the loss has
        ``reduction="none"`` (training needs a scalar), or if ``temperature``
        is invalid for the loss.

    Examples
    --------
    >>> from skcontrast.losses import NTXentLoss, check_loss
    >>> check_loss("nt_xent", temperature=0.5)
    NTXentLoss(temperature=0.5, reduction='mean')
    >>> mine = NTXentLoss(temperature=0.1, reduction="sum")
    >>> copied = check_loss(mine, temperature=0.5)  # keeps its own settings
    >>> copied, copied is mine
    (NTXentLoss(temperature=0.1, reduction='sum'), False)
    """
    accepted = (
        f"one of the names {sorted(LOSSES)}, a ContrastiveLoss subclass or a "
        "ContrastiveLoss instance (skcontrast.losses.ContrastiveLoss)"
    )
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"loss must be {accepted}; got the unknown name {loss!r}.")
        instance = LOSSES[loss](temperature=temperature)
    elif isinstance(loss, type) and issubclass(loss, ContrastiveLoss):
        if inspect.isabstract(loss):
            missing = ", ".join(sorted(loss.__abstractmethods__))
            raise TypeError(
                f"loss must be {accepted}; got {_describe(loss)}, which is abstract: "
                f"subclass it and define {missing}."
            )
        kwargs = {"temperature": temperature} if _takes_temperature(loss) else {}
        call = f"{loss.__qualname__}({'temperature=...' if kwargs else ''})"
        try:
            instance = loss(**kwargs)
        except TypeError as exc:
            raise TypeError(
                f"loss={loss.__qualname__} could not be built as {call}: {exc}. Pass an "
                "instance instead, e.g. loss=" + loss.__qualname__ + "(...)."
            ) from exc
    elif isinstance(loss, ContrastiveLoss):
        instance = copy.deepcopy(loss)
    else:
        hint = ""
        if isinstance(loss, nn.Module) or (isinstance(loss, type) and issubclass(loss, nn.Module)):
            hint = (
                " A torch loss must subclass ContrastiveLoss and define "
                "forward_views(z1, z2, labels=None)."
            )
        raise TypeError(f"loss must be {accepted}; got {_describe(loss)}.{hint}")
    if getattr(instance, "reduction", "mean") == "none":
        raise ValueError(
            f"loss must give a scalar to train with, but {_describe(instance)} has "
            "reduction='none'; use 'mean' or 'sum'."
        )
    return instance
