"""The contrastive losses as plain torch functions: nt_xent, info_nce and supcon.

With their input checks and helpers. Imported and documented through
:mod:`skcontrast.losses`.
"""

from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F

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


def _check_groups(groups, z1: torch.Tensor) -> torch.Tensor:
    groups = torch.as_tensor(groups, device=z1.device)
    if groups.ndim != 1 or groups.shape[0] != z1.shape[0]:
        raise ValueError(
            f"groups must be 1-D with one entry per row of z1: got shape "
            f"{tuple(groups.shape)} for {z1.shape[0]} rows."
        )
    if groups.is_floating_point() or groups.is_complex():
        raise ValueError(f"groups must be integer codes, got dtype {groups.dtype}.")
    return groups


def info_nce_grouped(
    z1: torch.Tensor,
    z2: torch.Tensor,
    groups: torch.Tensor,
    temperature: float = 0.2,
    reduction: str = "mean",
) -> torch.Tensor:
    """One-directional InfoNCE whose positives are every candidate of the anchor's group.

    ``loss_i = -mean_{j: g_j = g_i} log( exp(s_ij / t) / sum_k exp(s_ik / t) )``:
    the multi-positive form of Khosla et al. (2020, "L_out") with anchors ``z1``
    and candidates ``z2``. Row i's own candidate is always a positive, so every
    anchor has one; with all groups distinct it is :func:`info_nce`.

    Parameters
    ----------
    z1, z2 : torch.Tensor of shape (B, D)
        Anchors and candidates; B >= 2.
    groups : torch.Tensor of shape (B,), integer
        Group codes of the B rows.
    temperature : float, default=0.2
    reduction : {"mean", "sum", "none"}, default="mean"

    Returns
    -------
    torch.Tensor
        A scalar, or shape (B,) with ``reduction="none"``.

    Raises
    ------
    ValueError
        If ``z1`` and ``z2`` are not 2-D of the same shape, B < 2, groups is
        not 1-D integer with one entry per row, or ``temperature`` or
        ``reduction`` is invalid.
    """
    _check_pair(z1, z2)
    _check_reduction(reduction)
    temperature = _check_temperature(temperature)
    groups = _check_groups(groups, z1)
    with torch.autocast(device_type=z1.device.type, enabled=False):
        logits = (_normalize(z1) @ _normalize(z2).T) / temperature
        log_prob = F.log_softmax(logits, dim=1)
        positive = groups[:, None] == groups[None, :]
        loss = -(log_prob * positive).sum(dim=1) / positive.sum(dim=1)
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
