"""y for the loss (skcontrast.embed._targets)."""

from __future__ import annotations

import numpy as np
import pytest

from skcontrast.embed._targets import describe_loss, encode_labels, requires_labels
from skcontrast.losses import InfoNCELoss, SupConLoss


def test_requires_labels_reads_the_name_the_class_or_the_instance():
    assert requires_labels("supcon") and requires_labels(SupConLoss)
    assert requires_labels(SupConLoss())
    assert not requires_labels("nt_xent") and not requires_labels(InfoNCELoss())
    assert not requires_labels("unknown") and not requires_labels(object())


def test_describe_loss_names_it_as_the_user_wrote_it():
    assert describe_loss("supcon") == 'loss="supcon"'
    assert describe_loss(SupConLoss) == 'loss="supcon"'  # a registered class
    assert describe_loss(SupConLoss()) == "loss=SupConLoss(...)"


def test_encode_labels_only_when_needed():
    X = np.zeros((4, 2))
    assert encode_labels(X, None, needed=False, loss_text="", training=True) is None
    codes = encode_labels(X, ["b", "a", "b", "a"], needed=True, loss_text="", training=True)
    np.testing.assert_array_equal(codes, [1, 0, 1, 0])
    with pytest.raises(ValueError, match="loss=Mine needs at least two classes"):
        encode_labels(X, [1, 1, 1, 1], needed=True, loss_text="loss=Mine", training=True)
    assert (
        encode_labels(X, [1, 1, 1, 1], needed=True, loss_text="", training=False).tolist()
        == [0] * 4
    )
