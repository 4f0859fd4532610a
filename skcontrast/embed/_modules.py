"""Default torch modules: the MLP encoder and the projection head."""

from __future__ import annotations

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
