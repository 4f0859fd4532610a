"""The torch modules of ContrastiveEmbedder: the default MLP encoder and projection
head, how the ``encoder`` slot becomes a module, and the probe of its output width."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn


class MLPEncoder(nn.Module):
    """A multilayer perceptron ``in_features -> hidden_dims... -> out_features``.

    Linear layers with ReLU between them and no activation after the last one,
    so the embedding can take any sign. ``hidden_dims=()`` gives a linear encoder.

    Parameters
    ----------
    in_features : int
        Number of input features.
    out_features : int
        Embedding size (``n_components`` of :class:`~skcontrast.embed.ContrastiveEmbedder`).
    hidden_dims : sequence of int, default=(256,)
        Widths of the hidden layers.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.

    Examples
    --------
    >>> import torch
    >>> from skcontrast.embed import MLPEncoder
    >>> MLPEncoder(6, 2, hidden_dims=(8,))(torch.zeros(3, 6)).shape
    torch.Size([3, 2])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        hidden_dims: Sequence[int] = (256,),
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = in_features
        for hidden in hidden_dims:
            layers += [nn.Linear(width, int(hidden)), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = int(hidden)
        layers.append(nn.Linear(width, out_features))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ProjectionHead(nn.Module):
    """SimCLR's projection head: ``Linear -> ReLU -> Linear`` (used for the loss only).

    Parameters
    ----------
    in_features : int
        The encoder's output size.
    out_features : int
        ``projection_dim``.
    hidden_features : int or None, default=None
        Hidden width; None uses ``in_features``.
    """

    def __init__(self, in_features: int, out_features: int, hidden_features: int | None = None):
        super().__init__()
        hidden = in_features if hidden_features is None else hidden_features
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, out_features)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def build_encoder(
    encoder, encoder_kwargs, hidden_dims, n_features: int, n_components: int
) -> nn.Module:
    """The module for ``ContrastiveEmbedder``'s ``encoder`` slot.

    None builds an :class:`MLPEncoder` (``hidden_dims`` unless
    ``encoder_kwargs`` names its own); a Module subclass is called as
    ``encoder(n_features, n_components, **encoder_kwargs)``; a Module instance
    is deep-copied, so the parameter is never trained in place.
    """
    kwargs = dict(encoder_kwargs or {})
    if encoder is None:
        kwargs.setdefault("hidden_dims", tuple(hidden_dims))
        return MLPEncoder(n_features, n_components, **kwargs)
    if isinstance(encoder, nn.Module):
        return copy.deepcopy(encoder)
    if isinstance(encoder, type) and issubclass(encoder, nn.Module):
        return encoder(n_features, n_components, **kwargs)
    raise TypeError(
        f"encoder must be None, a torch.nn.Module subclass or a Module instance, got {encoder!r}."
    )


def output_width(encoder: nn.Module, n_features: int) -> int:
    """The encoder's output width, probed on a (2, n_features) batch of zeros.

    The probe runs in eval mode without gradients and leaves the encoder's mode
    as it was. An encoder that fails on the batch, or does not return a
    ``(batch, width)`` tensor, is a ``ValueError``.
    """
    was_training = encoder.training
    device = next(iter(encoder.parameters()), torch.zeros(0)).device
    encoder.eval()
    try:
        with torch.no_grad():
            out = encoder(torch.zeros(2, n_features, device=device))
    except Exception as exc:
        raise ValueError(f"the encoder failed on a (2, {n_features}) float32 batch: {exc}") from exc
    finally:
        encoder.train(was_training)
    if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[0] != 2:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"the encoder must map (batch, {n_features}) to (batch, n_components); "
            f"it returned {shape}."
        )
    return int(out.shape[1])
