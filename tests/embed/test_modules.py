"""The encoder slot and the width probe (skcontrast.embed._modules)."""

from __future__ import annotations

import pytest
import torch

from skcontrast.embed import MLPEncoder
from skcontrast.embed._modules import build_encoder, output_width


def test_build_encoder_fills_the_slot():
    default = build_encoder(None, None, (8,), 5, 3)
    assert isinstance(default, MLPEncoder) and output_width(default, 5) == 3
    by_class = build_encoder(MLPEncoder, {"hidden_dims": ()}, (8,), 5, 2)
    assert len(by_class.net) == 1  # encoder_kwargs win over hidden_dims
    instance = torch.nn.Linear(5, 7)
    copied = build_encoder(instance, None, (8,), 5, 3)
    assert copied is not instance and output_width(copied, 5) == 7
    with pytest.raises(TypeError, match="encoder must be None"):
        build_encoder("mlp", None, (8,), 5, 3)


def test_output_width_probes_in_eval_mode_and_restores_the_mode():
    encoder = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Dropout(0.5)).train()
    assert output_width(encoder, 4) == 6 and encoder.training
    with pytest.raises(ValueError, match=r"failed on a \(2, 3\) float32 batch"):
        output_width(encoder, 3)
    with pytest.raises(ValueError, match=r"map \(batch, 4\) to \(batch, n_components\)"):
        output_width(torch.nn.Flatten(0), 4)
