"""ContrastiveLoss: the contract of every loss the embedder trains with.

Imported and documented through :mod:`skcontrast.losses`.
"""

from __future__ import annotations

import abc
import math
import numbers
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from skcontrast.utils._distributed import gather_rows, is_multi_process


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
    at chance, and :meth:`lower_bound` when it knows the least value it can
    reach. Calling the module, ``loss(z1, z2, labels=None)``, runs
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
    accepts_groups : bool
        Class attribute, False by default. True when :meth:`forward_views`
        takes a keyword ``groups`` (a (B,) int64 tensor of group codes, or
        None): rows that share a code are positives of each other and never
        negatives. ``ContrastiveEmbedder.fit(X, groups=...)`` needs it
        (:class:`NTXentLoss`, :class:`InfoNCELoss`), and never passes
        ``groups`` to a loss without it.
    chance_formula : str or None
        Class attribute, None by default: :meth:`chance_value` written as a
        formula of the batch size b, for messages (``"log(2b - 1)"`` for
        :class:`NTXentLoss`); None when there is no chance value or no short
        formula for it.
    supports_gather_distributed : bool
        Class attribute, False by default. True when :meth:`forward_views`
        honours ``gather_distributed``: it starts with
        ``z1, z2, labels, groups = self.gather_views(z1, z2, labels, groups)``
        and computes the loss on what that returns. Every built-in loss does.
        ``ContrastiveEmbedder(distributed=True)``, when several processes
        train, sets ``gather_distributed`` to True on its loss during training
        and refuses (ValueError naming the loss) a loss without this support.
    gather_distributed : bool
        False unless set (the built-in losses take it in ``__init__``, as
        lightly's losses do). True, while a default process group of two or
        more processes is initialised: :meth:`gather_views` gathers every
        process's rows, so the loss is that of the global batch.
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
    holds at least 2 rows (in multi-process training: the global batch, while
    one process's slice may hold fewer, so a loss that supports
    ``gather_distributed`` checks the batch size after :meth:`gather_views`).

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
    accepts_groups: ClassVar[bool] = False
    chance_formula: ClassVar[str | None] = None
    supports_gather_distributed: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self.temperature: float | torch.Tensor | None = None
        self.gather_distributed: bool = False

    def gather_views(
        self,
        z1: torch.Tensor,
        z2: torch.Tensor,
        labels: torch.Tensor | None = None,
        groups: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """The views (and labels, groups) of the global batch when ``gather_distributed``.

        With ``gather_distributed`` True and a default process group of two or
        more processes initialised, every process's rows, concatenated in rank
        order, through an autograd-aware all_gather (whose backward sums the
        processes' gradients, as lightly's ``GatherLayer``); otherwise the
        arguments unchanged. Row i of the gathered ``z1`` and ``z2`` (and
        labels, groups) still come from one row of the global batch, so a loss
        computed on them is the single-process loss of the global batch, on
        every process. Its backward passes each process ``world_size`` times
        the gradient of its own rows: ``DistributedDataParallel`` averages the
        parameters' gradients over the processes, which gives the gradient of
        the global-batch loss (the convention of lightly's ``GatherLayer``).
        The processes may hold different numbers of rows.

        Parameters
        ----------
        z1, z2 : torch.Tensor of shape (b, D)
            This process's embeddings of the two views.
        labels, groups : torch.Tensor of shape (b,) or None
            This process's class codes and group codes (bool becomes int64).

        Returns
        -------
        tuple of (z1, z2, labels, groups)
            Of shape (B, D) and (B,) where B is the sum of the processes' b.
        """
        if self.gather_distributed and is_multi_process() and z1.shape != z2.shape:
            # the shape check of the loss, before a collective
            raise ValueError(
                f"z1 and z2 must have the same shape, got {tuple(z1.shape)} and {tuple(z2.shape)}."
            )
        z1, z2, labels, groups = self._gather(z1, z2, labels, groups)
        return z1, z2, labels, groups

    def _gather(self, z: torch.Tensor, *others) -> tuple:
        """``z`` and ``others`` (tensors, arrays or None, with ``z``'s rows) of the global
        batch when ``gather_distributed`` and several processes train; else unchanged.

        The one gathering step, of :meth:`gather_views` and of
        ``SupConLoss.forward`` (stacked views); arrays become tensors on ``z``'s
        device.
        """
        if not (self.gather_distributed and is_multi_process()):
            return (z, *others)
        return gather_rows(
            z, *(None if t is None else torch.as_tensor(t, device=z.device) for t in others)
        )

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

    def lower_bound(self, batch_size: int) -> float | None:
        """The smallest value the loss can take on a batch of this size.

        The counterpart of :meth:`chance_value` at the other end of training:
        plotted together, they show how far an encoder has come from chance
        (:func:`skcontrast.plotting.plot_training_curve` does). This base
        implementation returns None: not known for this loss.

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


def _check_gather(gather_distributed) -> bool:
    if not isinstance(gather_distributed, (bool, np.bool_)):
        raise ValueError(f"gather_distributed must be True or False, got {gather_distributed!r}.")
    return bool(gather_distributed)


def _softmax_lower_bound(batch_size: int, n_negatives: int, temperature) -> float:
    """log(1 + n_negatives * exp(-B / ((B - 1) * temperature))): the least value of a
    cosine-softmax loss in which each anchor scores its one positive against
    ``n_negatives`` other views of the batch (the positive in the denominator).

    Derivation (the argument of K. Graf et al., "Dissecting Supervised
    Contrastive Learning", ICML 2021, Theorem 2, with each row its own class).
    Anchor i's term is log(1 + sum_k exp((s_ik - s_ip) / t)) over its negatives
    k, with cosines s. Jensen's inequality on exp, then on the convex,
    increasing x -> log(1 + K exp(x / t)), bounds the mean over anchors below
    by log(1 + K exp((m - p) / t)), where m is the mean cosine of the
    anchor-negative pairs and p the mean cosine of the positive pairs. For
    NT-Xent, ||sum of the 2B unit vectors||^2 >= 0 gives
    2B + 2Bp + 2B(2B - 2)m >= 0, so m - p >= -(1 + p) / (2B - 2) - p >= -B / (B - 1)
    (p <= 1). For InfoNCE, with a and b the sums of the two views' vectors,
    a.b >= -||b - a||^2 / 4 >= -B^2 (1 - p) / 2 >= B^2 (p - 1) gives the same
    m - p >= -B / (B - 1). Both are equalities when the two views of each row
    coincide and the B rows form a regular simplex centred on the origin,
    which needs an embedding of at least B - 1 dimensions; in fewer the bound
    still holds, but is not reached.
    """
    b = _check_batch_size(batch_size)
    t = float(temperature.detach()) if isinstance(temperature, torch.Tensor) else float(temperature)
    return math.log1p(n_negatives * math.exp(-b / ((b - 1) * t)))
