"""The loss registry: LOSSES, and check_loss for ContrastiveEmbedder's ``loss``.

Imported and documented through :mod:`skcontrast.losses`.
"""

from __future__ import annotations

import copy
import inspect
import types
from collections.abc import Mapping

from torch import nn

from skcontrast.losses._base import ContrastiveLoss
from skcontrast.losses._builtin import InfoNCELoss, NTXentLoss, SupConLoss
from skcontrast.losses._variance import BarlowTwinsLoss, VICRegLoss

#: The registered losses: ``ContrastiveEmbedder(loss=name)`` trains with
#: ``LOSSES[name](temperature=temperature)`` (``LOSSES[name]()`` for a loss without
#: a temperature). Read-only; a loss of your own is
#: passed to the embedder as a class or an instance (see :func:`check_loss`).
LOSSES: Mapping[str, type[ContrastiveLoss]] = types.MappingProxyType(
    {
        "nt_xent": NTXentLoss,
        "info_nce": InfoNCELoss,
        "supcon": SupConLoss,
        "vicreg": VICRegLoss,
        "barlow_twins": BarlowTwinsLoss,
    }
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
          ``"supcon"``, ``"vicreg"``, ``"barlow_twins"``):
          ``LOSSES[loss](temperature=temperature)``, or ``LOSSES[loss]()`` for
          a loss without a temperature (VICReg, Barlow Twins);
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
        cls = LOSSES[loss]
        instance = cls(temperature=temperature) if _takes_temperature(cls) else cls()
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
