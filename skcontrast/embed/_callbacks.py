"""The callbacks ContrastiveEmbedder trains with, and how its parameters set them up.

:class:`FiniteLossGuard` is one of ContrastiveNet's default callbacks;
:class:`EarlyStoppingWithHead` is skorch's ``EarlyStopping`` that also restores
the projection head. :func:`make_callbacks` turns the embedder's
``callbacks``, ``early_stopping`` and ``verbose`` into the list the net gets.
"""

from __future__ import annotations

import copy
import math

import numpy as np
from skorch.callbacks import Callback, EarlyStopping, ProgressBar

#: The patience that ``early_stopping=True`` sets up.
DEFAULT_PATIENCE = 5


class FiniteLossGuard(Callback):
    """Stop training with a clear error as soon as a batch loss is NaN or infinite."""

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        key = "train_loss" if training else "valid_loss"
        value = net.history[-1, "batches", -1, key]
        if not math.isfinite(value):
            epoch = len(net.history)
            batch_no = len(net.history[-1, "batches"])
            raise FloatingPointError(
                f"the contrastive {key.replace('_', ' ')} became {value} at epoch {epoch}, "
                f"batch {batch_no}. Lower lr, raise temperature, scale the input "
                "features, or check the augmenter for NaN/inf."
            )


class EarlyStoppingWithHead(EarlyStopping):
    """skorch's ``EarlyStopping`` that restores the projection head with the encoder.

    skorch saves and restores ``module_`` only; the head is part of the trained
    model too (``score`` and ``partial_fit`` use it), so the best epoch's head
    comes back with the best epoch's encoder.
    """

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        self.best_head_weights_ = None

    def on_epoch_end(self, net, **kwargs):
        try:
            super().on_epoch_end(net, **kwargs)
        finally:  # also when it stops training (KeyboardInterrupt) at patience 0
            head = getattr(net, "head_", None)
            if self.load_best and head is not None and self.best_epoch_ == net.history[-1, "epoch"]:
                self.best_head_weights_ = copy.deepcopy(head.state_dict())

    def on_train_end(self, net, **kwargs):
        head = getattr(net, "head_", None)
        restore = (
            self.load_best
            and self.best_epoch_ != net.history[-1, "epoch"]
            and self.best_model_weights_ is not None
            and head is not None
            and getattr(self, "best_head_weights_", None) is not None
        )
        super().on_train_end(net, **kwargs)
        if restore:
            head.load_state_dict(self.best_head_weights_)

    def __getstate__(self):
        state = super().__getstate__()
        state["best_head_weights_"] = None
        return state


def patience(early_stopping):
    """``early_stopping`` as the patience it sets up (False when off)."""
    if isinstance(early_stopping, (bool, np.bool_)):  # np.False_ is "off" too
        return DEFAULT_PATIENCE if early_stopping else False
    return early_stopping


def make_callbacks(callbacks, early_stopping, validation_fraction, verbose) -> list:
    """The callbacks for a new net, from the embedder's parameters.

    The user's callbacks are deep-copied (skorch initialises them in place), then
    come early stopping (on ``valid_loss`` with a validation split, else on
    ``train_loss``) and, when ``verbose``, a progress bar.
    """
    callbacks = copy.deepcopy(list(callbacks or []))
    wait = patience(early_stopping)
    if wait is not False:
        monitor = "valid_loss" if validation_fraction else "train_loss"
        callbacks.append(
            (
                "early_stopping",
                EarlyStoppingWithHead(
                    monitor=monitor, patience=int(wait), load_best=True, sink=_sink(verbose)
                ),
            )
        )
    if verbose:
        callbacks.append(("progress_bar", ProgressBar()))
    return callbacks


def _silent(*args, **kwargs) -> None:
    """A picklable sink that prints nothing."""


def _sink(verbose):
    return print if verbose else _silent
