"""Variance-keeping (non-contrastive) losses: VICReg and Barlow Twins.

Neither uses negatives: VICReg keeps every embedding dimension's spread above a
floor and decorrelates the dimensions; Barlow Twins drives the cross-correlation
of the two views' standardised embeddings to the identity. Both keep the
variance along directions that a contrastive loss is free to squash, which is
what a regression target read off the embedding needs. Imported and documented
through :mod:`skcontrast.losses`.
"""

from __future__ import annotations

import math
import numbers
from typing import ClassVar

import torch
import torch.nn.functional as F

from skcontrast.losses._base import ContrastiveLoss, _check_gather
from skcontrast.losses._functional import _check_pair


def _check_weight(name: str, value: float, *, positive: bool = False) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
        or (positive and value == 0)
    ):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}.")
    return float(value)


def _float(z: torch.Tensor) -> torch.Tensor:
    return z.float() if z.dtype in (torch.float16, torch.bfloat16) else z


def _off_diagonal_sq_sum(m: torch.Tensor) -> torch.Tensor:
    """Sum of the squared off-diagonal entries of a square matrix."""
    return m.pow(2).sum() - m.diagonal().pow(2).sum()


def vicreg(
    z1: torch.Tensor,
    z2: torch.Tensor,
    lambda_param: float = 25.0,
    mu_param: float = 25.0,
    nu_param: float = 1.0,
    eps: float = 1e-4,
) -> torch.Tensor:
    """VICReg: invariance + variance + covariance terms over a batch of two views.

    ``lambda * mse(z1, z2) + mu * (v(z1) + v(z2)) / 2 + nu * (c(z1) + c(z2))``
    with ``v(z) = mean_j relu(1 - sqrt(var_j(z) + eps))`` (the unbiased variance
    of dimension j over the batch) and ``c(z)`` the sum of the squared
    off-diagonal entries of the batch covariance of z, divided by D. The
    weights and the variance floor of 1 are the paper's (and lightly's
    ``VICRegLoss``).

    Parameters
    ----------
    z1, z2 : torch.Tensor of shape (B, D)
        Embeddings of the two views (not normalised); B >= 2.
    lambda_param, mu_param, nu_param : float, default=25, 25, 1
        Weights (>= 0) of the invariance, variance and covariance terms.
    eps : float, default=1e-4
        Added to the variance under the square root (> 0).

    Returns
    -------
    torch.Tensor
        A scalar, float32 (float64 for float64 input); half-precision input is
        cast to float32 and autocast is switched off inside.

    Raises
    ------
    ValueError
        If ``z1`` and ``z2`` are not 2-D of the same shape, B < 2, or a weight
        is negative or not finite.

    References
    ----------
    A. Bardes, J. Ponce and Y. LeCun, "VICReg: Variance-Invariance-Covariance
    Regularization for Self-Supervised Learning", ICLR 2022; the reference
    implementation is facebookresearch/vicreg, and lightly's ``VICRegLoss``.

    Examples
    --------
    Two identical views whose dimensions have unit spread and no correlation
    cost nothing:

    >>> import torch
    >>> from skcontrast.losses import vicreg
    >>> z = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]]) * 2
    >>> vicreg(z, z).item()
    0.0
    """
    _check_pair(z1, z2)
    lambda_param = _check_weight("lambda_param", lambda_param)
    mu_param = _check_weight("mu_param", mu_param)
    nu_param = _check_weight("nu_param", nu_param)
    eps = _check_weight("eps", eps, positive=True)
    batch, dim = z1.shape
    with torch.autocast(device_type=z1.device.type, enabled=False):
        a, b = _float(z1), _float(z2)
        invariance = F.mse_loss(a, b)
        variance = 0.5 * (
            F.relu(1.0 - torch.sqrt(a.var(dim=0) + eps)).mean()
            + F.relu(1.0 - torch.sqrt(b.var(dim=0) + eps)).mean()
        )
        a_c = a - a.mean(dim=0)
        b_c = b - b.mean(dim=0)
        covariance = (
            _off_diagonal_sq_sum(a_c.T @ a_c / (batch - 1))
            + _off_diagonal_sq_sum(b_c.T @ b_c / (batch - 1))
        ) / dim
        return lambda_param * invariance + mu_param * variance + nu_param * covariance


def barlow_twins(
    z1: torch.Tensor, z2: torch.Tensor, lambda_param: float = 5e-3, eps: float = 1e-5
) -> torch.Tensor:
    """Barlow Twins: drive the cross-correlation of the two views to the identity.

    Each view is standardised over the batch (per dimension: minus the mean,
    divided by ``sqrt(biased variance + eps)``, as the reference implementation's
    affine-free BatchNorm does), ``C = z1_std.T @ z2_std / B`` is their (D, D)
    cross-correlation, and the loss is ``sum_i (1 - C_ii)**2 + lambda *
    sum_{i != j} C_ij**2``.

    Parameters
    ----------
    z1, z2 : torch.Tensor of shape (B, D)
        Embeddings of the two views; B >= 2.
    lambda_param : float, default=5e-3
        Weight (>= 0) of the redundancy-reduction (off-diagonal) term; the
        paper's 0.0051 rounded as in lightly's ``BarlowTwinsLoss``.
    eps : float, default=1e-5
        Added to the variance in the standardisation (> 0), BatchNorm's default.

    Returns
    -------
    torch.Tensor
        A scalar, float32 (float64 for float64 input); half-precision input is
        cast to float32 and autocast is switched off inside.

    Raises
    ------
    ValueError
        If ``z1`` and ``z2`` are not 2-D of the same shape, B < 2, or
        ``lambda_param`` or ``eps`` is invalid.

    References
    ----------
    J. Zbontar, L. Jing, I. Misra, Y. LeCun and S. Deny, "Barlow Twins:
    Self-Supervised Learning via Redundancy Reduction", ICML 2021; the
    reference implementation is facebookresearch/barlowtwins, and lightly's
    ``BarlowTwinsLoss``.

    Examples
    --------
    Identical views with uncorrelated dimensions give C = I (up to eps):

    >>> import torch
    >>> from skcontrast.losses import barlow_twins
    >>> z = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    >>> barlow_twins(z, z).item() < 1e-4
    True
    """
    _check_pair(z1, z2)
    lambda_param = _check_weight("lambda_param", lambda_param)
    eps = _check_weight("eps", eps, positive=True)
    batch = z1.shape[0]
    with torch.autocast(device_type=z1.device.type, enabled=False):
        a, b = _float(z1), _float(z2)
        a = (a - a.mean(dim=0)) / torch.sqrt(a.var(dim=0, unbiased=False) + eps)
        b = (b - b.mean(dim=0)) / torch.sqrt(b.var(dim=0, unbiased=False) + eps)
        c = a.T @ b / batch
        on_diagonal = (1.0 - c.diagonal()).pow(2).sum()
        return on_diagonal + lambda_param * _off_diagonal_sq_sum(c)


class VICRegLoss(ContrastiveLoss):
    """:func:`vicreg` as a loss module: ``loss(z1, z2)``.

    Registered in :data:`LOSSES` as ``"vicreg"``. It has no temperature (the
    embedder's ``temperature`` is not used) and no negatives, so no chance
    value: the embedder does not warn about chance with it. Its variance term
    keeps every dimension spread out (the paper's remedy for dimensional
    collapse), which makes it worth trying when the embedding feeds a
    regression (a concentration, a yield).

    Parameters
    ----------
    lambda_param, mu_param, nu_param : float, default=25, 25, 1
        Weights of the invariance, variance and covariance terms.
    eps : float, default=1e-4
        Added to the variance under the square root.
    gather_distributed : bool, default=False
        In multi-process training, compute all three terms on the embeddings
        of all the processes, gathered with autograd: the loss of the global
        batch (see :meth:`ContrastiveLoss.gather_views`). lightly's
        ``VICRegLoss`` gathers for the variance and covariance terms only; the
        invariance term, a mean over rows, is the same either way when the
        processes hold equal numbers of rows.

    Attributes
    ----------
    requires_labels : bool
        False: labels are ignored.
    temperature : None
        No temperature.

    References
    ----------
    A. Bardes, J. Ponce and Y. LeCun, "VICReg", ICLR 2022.

    Examples
    --------
    >>> from skcontrast.losses import VICRegLoss, check_loss
    >>> check_loss("vicreg", temperature=0.5)  # the temperature does not apply
    VICRegLoss(lambda_param=25.0, mu_param=25.0, nu_param=1.0, eps=0.0001)
    """

    supports_gather_distributed: ClassVar[bool] = True

    def __init__(
        self,
        lambda_param: float = 25.0,
        mu_param: float = 25.0,
        nu_param: float = 1.0,
        eps: float = 1e-4,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        self.lambda_param = _check_weight("lambda_param", lambda_param)
        self.mu_param = _check_weight("mu_param", mu_param)
        self.nu_param = _check_weight("nu_param", nu_param)
        self.eps = _check_weight("eps", eps, positive=True)
        self.gather_distributed = _check_gather(gather_distributed)

    def extra_repr(self) -> str:
        text = (
            f"lambda_param={self.lambda_param}, mu_param={self.mu_param}, "
            f"nu_param={self.nu_param}, eps={self.eps}"
        )
        return text + (", gather_distributed=True" if self.gather_distributed else "")

    def forward_views(
        self, z1: torch.Tensor, z2: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``vicreg(z1, z2, ...)`` with this module's weights; ``labels`` are ignored.

        Parameters
        ----------
        z1, z2 : torch.Tensor of shape (B, D)
            Embeddings of the two views; B >= 2.
        labels : torch.Tensor of shape (B,) or None
            Ignored.

        Returns
        -------
        torch.Tensor
            A scalar.

        Raises
        ------
        ValueError
            If ``z1`` and ``z2`` are not 2-D of the same shape, or B < 2.
        """
        z1, z2, _, _ = self.gather_views(z1, z2)
        return vicreg(z1, z2, self.lambda_param, self.mu_param, self.nu_param, self.eps)


class BarlowTwinsLoss(ContrastiveLoss):
    """:func:`barlow_twins` as a loss module: ``loss(z1, z2)``.

    Registered in :data:`LOSSES` as ``"barlow_twins"``. No temperature, no
    negatives, no chance value (as :class:`VICRegLoss`). Its cost grows with
    the projection head's width D (a D x D cross-correlation), and the paper
    found it works best with a wide head.

    Parameters
    ----------
    lambda_param : float, default=5e-3
        Weight of the off-diagonal (redundancy-reduction) term.
    eps : float, default=1e-5
        Added to the variance in the per-view standardisation.
    gather_distributed : bool, default=False
        In multi-process training, standardise and cross-correlate the
        embeddings of all the processes, gathered with autograd: the loss of
        the global batch, as the reference implementation gets by all-reducing
        the cross-correlation matrix after a synchronised BatchNorm (see
        :meth:`ContrastiveLoss.gather_views`).

    Attributes
    ----------
    requires_labels : bool
        False: labels are ignored.
    temperature : None
        No temperature.

    References
    ----------
    J. Zbontar et al., "Barlow Twins", ICML 2021.

    Examples
    --------
    >>> from skcontrast.losses import BarlowTwinsLoss
    >>> BarlowTwinsLoss(lambda_param=0.01)
    BarlowTwinsLoss(lambda_param=0.01, eps=1e-05)
    """

    supports_gather_distributed: ClassVar[bool] = True

    def __init__(
        self, lambda_param: float = 5e-3, eps: float = 1e-5, gather_distributed: bool = False
    ) -> None:
        super().__init__()
        self.lambda_param = _check_weight("lambda_param", lambda_param)
        self.eps = _check_weight("eps", eps, positive=True)
        self.gather_distributed = _check_gather(gather_distributed)

    def extra_repr(self) -> str:
        text = f"lambda_param={self.lambda_param}, eps={self.eps}"
        return text + (", gather_distributed=True" if self.gather_distributed else "")

    def forward_views(
        self, z1: torch.Tensor, z2: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``barlow_twins(z1, z2, ...)`` with this module's settings; ``labels`` are ignored.

        Parameters
        ----------
        z1, z2 : torch.Tensor of shape (B, D)
            Embeddings of the two views; B >= 2.
        labels : torch.Tensor of shape (B,) or None
            Ignored.

        Returns
        -------
        torch.Tensor
            A scalar.

        Raises
        ------
        ValueError
            If ``z1`` and ``z2`` are not 2-D of the same shape, or B < 2.
        """
        z1, z2, _, _ = self.gather_views(z1, z2)
        return barlow_twins(z1, z2, self.lambda_param, self.eps)
