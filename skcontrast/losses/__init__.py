"""Contrastive losses (NT-Xent/SimCLR, one-directional InfoNCE, SupCon) and
variance-keeping ones (VICReg, Barlow Twins).

Plain torch functions (no scikit-learn), plus :class:`torch.nn.Module` classes
that follow one contract, :class:`ContrastiveLoss`: whether the loss needs
labels (``requires_labels``), its value at chance for a batch size
(``chance_value``) and one call on the two views of a batch
(``forward_views(z1, z2, labels=None)``). :data:`LOSSES` maps the names that
``ContrastiveEmbedder(loss=...)`` accepts to the classes, and
:func:`check_loss` turns a name, a class or an instance into the loss module
that the embedder trains with.

Each contrastive loss casts float16/bfloat16 inputs to float32 (float64 stays
float64) before anything else, then L2-normalises them and computes the similarities
and the softmax with autocast switched off; the loss is float32 (or float64).
For float16, bfloat16 and float32 inputs at temperatures from 1e-3 to 1e3 the
loss and its gradients are finite (tested with ordinary rows, an all-zero row,
and an encoder run under float16/bfloat16 autocast). An all-zero row
normalises to the zero vector (cosine similarity 0 with every row) and passes
back a zero gradient. A row with a small non-zero norm has a truly large
gradient, about 1 / (temperature * norm), which overflows float16 above 65504;
a :class:`torch.amp.GradScaler` skips such a step. The variance-keeping
losses (:func:`vicreg`, :func:`barlow_twins`) cast the same way and run with
autocast switched off, but do not normalise rows: they use the embedding's
scale.

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

from skcontrast.losses._base import ContrastiveLoss
from skcontrast.losses._builtin import InfoNCELoss, NTXentLoss, SupConLoss
from skcontrast.losses._functional import info_nce, info_nce_grouped, nt_xent, supcon
from skcontrast.losses._registry import (
    LOSSES,
    _temperature_applies,  # noqa: F401  (private; skcontrast.embed._net and tests import it)
    check_loss,
)
from skcontrast.losses._variance import BarlowTwinsLoss, VICRegLoss, barlow_twins, vicreg

__all__ = [
    "LOSSES",
    "BarlowTwinsLoss",
    "ContrastiveLoss",
    "InfoNCELoss",
    "NTXentLoss",
    "SupConLoss",
    "VICRegLoss",
    "barlow_twins",
    "check_loss",
    "info_nce",
    "info_nce_grouped",
    "nt_xent",
    "supcon",
    "vicreg",
]
