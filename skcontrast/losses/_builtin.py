"""The built-in loss modules: NTXentLoss, InfoNCELoss and SupConLoss.

Imported and documented through :mod:`skcontrast.losses`.
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch

from skcontrast.losses._base import (
    ContrastiveLoss,
    _check_batch_size,
    _check_gather,
    _softmax_lower_bound,
)
from skcontrast.losses._functional import (
    _check_groups,
    _check_pair,
    _check_reduction,
    _check_temperature,
    _check_views_shape,
    info_nce,
    info_nce_grouped,
    nt_xent,
    supcon,
)


class _TemperatureLoss(ContrastiveLoss):
    """A built-in loss: a temperature (> 0), a reduction ("mean", "sum", "none")
    and ``gather_distributed``."""

    supports_gather_distributed: ClassVar[bool] = True

    def __init__(
        self, temperature: float = 0.2, reduction: str = "mean", gather_distributed: bool = False
    ) -> None:
        super().__init__()
        self.temperature = _check_temperature(temperature)
        _check_reduction(reduction)
        self.reduction = reduction
        self.gather_distributed = _check_gather(gather_distributed)

    def extra_repr(self) -> str:
        text = f"temperature={self.temperature}, reduction={self.reduction!r}"
        return text + (", gather_distributed=True" if self.gather_distributed else "")


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
    gather_distributed : bool, default=False
        In multi-process training (a default ``torch.distributed`` process
        group of two or more processes), compute the loss over the
        embeddings (and labels, groups) of all the processes, gathered with
        autograd: the loss of the global batch (lightly's parameter; see
        :meth:`ContrastiveLoss.gather_views`). No effect in a single process.

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
    accepts_groups: ClassVar[bool] = True

    def forward_views(
        self,
        z1: torch.Tensor,
        z2: torch.Tensor,
        labels: torch.Tensor | None = None,
        *,
        groups: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``nt_xent(z1, z2, temperature, reduction)``; ``labels`` are ignored.

        With ``groups``, every view of a row of the same group is a positive
        too and none is a negative: ``supcon(cat([z1, z2]), cat([groups,
        groups]))`` (Khosla et al., 2020, with the groups as classes), which
        equals NT-Xent when every group holds one row.

        Parameters
        ----------
        z1, z2 : torch.Tensor of shape (B, D)
            Embeddings of the two views; B >= 2.
        labels : torch.Tensor of shape (B,) or None
            Ignored.
        groups : torch.Tensor of shape (B,), integer, or None
            Group codes of the rows (keyword only).

        Returns
        -------
        torch.Tensor
            A scalar, or shape (2B,) with ``reduction="none"``.

        Raises
        ------
        ValueError
            If ``z1`` and ``z2`` are not 2-D of the same shape, B < 2, or
            ``groups`` is not 1-D integer with one entry per row.
        """
        z1, z2, _, groups = self.gather_views(z1, z2, None, groups)
        if groups is None:
            return nt_xent(z1, z2, self.temperature, self.reduction)
        _check_pair(z1, z2)
        groups = _check_groups(groups, z1)
        return supcon(
            torch.cat([z1, z2]), torch.cat([groups, groups]), self.temperature, self.reduction
        )

    def chance_value(self, batch_size: int) -> float:
        """log(2B - 1), for a batch of B >= 2 rows (see :meth:`ContrastiveLoss.chance_value`)."""
        return math.log(2 * _check_batch_size(batch_size) - 1)

    def lower_bound(self, batch_size: int) -> float:
        """log(1 + (2B - 2) exp(-B / ((B - 1) t))) at temperature t, for B >= 2 rows.

        Reached when the two views of each row coincide and the B rows form a
        regular simplex, which needs ``B - 1`` dimensions or more (see
        :meth:`ContrastiveLoss.lower_bound`; derived as in K. Graf et al.,
        "Dissecting Supervised Contrastive Learning", ICML 2021).
        """
        return _softmax_lower_bound(
            batch_size, 2 * _check_batch_size(batch_size) - 2, self.temperature
        )


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
    gather_distributed : bool, default=False
        In multi-process training (a default ``torch.distributed`` process
        group of two or more processes), compute the loss over the
        embeddings (and labels, groups) of all the processes, gathered with
        autograd: the loss of the global batch (lightly's parameter; see
        :meth:`ContrastiveLoss.gather_views`). No effect in a single process.

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

    accepts_groups: ClassVar[bool] = True

    def forward_views(
        self,
        z1: torch.Tensor,
        z2: torch.Tensor,
        labels: torch.Tensor | None = None,
        *,
        groups: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``info_nce(z1, z2, temperature, reduction)``; ``labels`` are ignored.

        With ``groups``, each anchor's positives are the candidates of its
        group (:func:`info_nce_grouped`), which equals InfoNCE when every group
        holds one row.

        Parameters
        ----------
        z1, z2 : torch.Tensor of shape (B, D)
            Anchors and candidates; B >= 2.
        labels : torch.Tensor of shape (B,) or None
            Ignored.
        groups : torch.Tensor of shape (B,), integer, or None
            Group codes of the rows (keyword only).

        Returns
        -------
        torch.Tensor
            A scalar, or shape (B,) with ``reduction="none"``.

        Raises
        ------
        ValueError
            If ``z1`` and ``z2`` are not 2-D of the same shape, B < 2, or
            ``groups`` is not 1-D integer with one entry per row.
        """
        z1, z2, _, groups = self.gather_views(z1, z2, None, groups)
        if groups is None:
            return info_nce(z1, z2, self.temperature, self.reduction)
        return info_nce_grouped(z1, z2, groups, self.temperature, self.reduction)

    def chance_value(self, batch_size: int) -> float:
        """log(B), for a batch of B >= 2 rows (see :meth:`ContrastiveLoss.chance_value`)."""
        return math.log(_check_batch_size(batch_size))

    def lower_bound(self, batch_size: int) -> float:
        """log(1 + (B - 1) exp(-B / ((B - 1) t))) at temperature t, for B >= 2 rows.

        Reached when the two views of each row coincide and the B rows form a
        regular simplex, which needs ``B - 1`` dimensions or more (see
        :meth:`ContrastiveLoss.lower_bound`).
        """
        return _softmax_lower_bound(batch_size, _check_batch_size(batch_size) - 1, self.temperature)


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
    gather_distributed : bool, default=False
        In multi-process training (a default ``torch.distributed`` process
        group of two or more processes), compute the loss over the
        embeddings (and labels, groups) of all the processes, gathered with
        autograd: the loss of the global batch (lightly's parameter; see
        :meth:`ContrastiveLoss.gather_views`). No effect in a single process.

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
        labels = torch.as_tensor(labels, device=z.device)
        if z.ndim == 2 and tuple(labels.shape) == (z.shape[0],):  # else supcon says why
            z, labels = self._gather(z, labels)
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
        z1, z2, labels, _ = self.gather_views(z1, z2, labels)
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
