"""The callbacks ContrastiveEmbedder trains with, and how its parameters set them up.

:class:`FiniteLossGuard` is one of ContrastiveNet's default callbacks;
:class:`EarlyStoppingWithHead` is skorch's ``EarlyStopping`` that also restores
the projection head. :func:`make_callbacks` turns the embedder's
``callbacks``, ``early_stopping`` and ``verbose`` into the list the net gets.

With ``verbose=1`` the net prints through :class:`EpochLog` (skorch's
``PrintLog``) and shows a :class:`TerminalProgressBar` (skorch's
``ProgressBar``): colours and the redrawn bar only on a terminal, plain lines
in logs, files and pipes.
"""

from __future__ import annotations

import copy
import math
import os
import re
import sys

import numpy as np
from skorch.callbacks import Callback, EarlyStopping, PrintLog, ProgressBar

#: An ANSI "select graphic rendition" code, as skorch's ``Ansi`` colours are.
_ANSI_SGR = re.compile(r"\x1b\[[0-9;]*m")

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


def is_terminal(stream) -> bool:
    """Whether ``stream`` is an interactive terminal that may get colours.

    False for files, pipes, logs and captured output (``isatty()`` is False or
    missing), and whenever the ``NO_COLOR`` environment variable is set to a
    non-empty value (https://no-color.org).
    """
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class EpochLog(PrintLog):
    """skorch's per-epoch table, coloured only on a terminal, with ``epoch k/n``.

    skorch's ``PrintLog`` colours each improved value with ANSI escape codes
    (``\\x1b[32m...\\x1b[0m``), which show up as garbage in log files, CI logs
    and pipes. Here the codes are written only when the sink is ``print`` and
    ``sys.stdout`` is a terminal (:func:`is_terminal`, checked at each epoch);
    any other sink (a logger's ``info``, say) gets plain text. The epoch column
    reads ``k/n``, where n is the last epoch the current ``fit`` or
    ``partial_fit`` call may reach (early stopping can end it sooner).
    """

    def on_train_begin(self, net, **kwargs):
        self.last_epoch_ = len(net.history) + int(net.max_epochs)
        return super().on_train_begin(net, **kwargs)

    def format_row(self, row, key, color):
        last = getattr(self, "last_epoch_", None)
        if key == "epoch" and last is not None:
            width = len(str(last))
            return f"{row[key]:>{width}}/{last}"
        return super().format_row(row, key, color)

    def table(self, row):
        text = super().table(row)
        if self.sink is print and is_terminal(sys.stdout):
            return text
        return _ANSI_SGR.sub("", text)


class TerminalProgressBar(ProgressBar):
    """skorch's per-epoch progress bar, shown only on a terminal or in a notebook.

    tqdm redraws its bar with carriage returns on ``sys.stderr``; in a log
    file or a pipe every redraw becomes text. There the bar is left out, and
    :class:`EpochLog` still writes one line per epoch.
    """

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        if self._use_notebook() or is_terminal(sys.stderr):
            super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)
        else:
            self.pbar_ = None

    def on_batch_end(self, net, **kwargs):
        if getattr(self, "pbar_", None) is not None:
            super().on_batch_end(net, **kwargs)

    def on_epoch_end(self, net, **kwargs):
        if getattr(self, "pbar_", None) is not None:
            super().on_epoch_end(net, **kwargs)


def patience(early_stopping):
    """``early_stopping`` as the patience it sets up (False when off)."""
    if isinstance(early_stopping, (bool, np.bool_)):  # np.False_ is "off" too
        return DEFAULT_PATIENCE if early_stopping else False
    return early_stopping


def early_stopping_monitor(validation_fraction) -> str:
    """What early stopping watches: ``valid_loss`` with a validation split, else ``train_loss``."""
    return "valid_loss" if validation_fraction else "train_loss"


def make_callbacks(callbacks, early_stopping, monitor: str, verbose) -> list:
    """The callbacks for a new net, from the embedder's parameters.

    The user's callbacks are deep-copied (skorch initialises them in place), then
    come early stopping on ``monitor`` (:func:`early_stopping_monitor` at fit;
    the saved one when a net is rebuilt on load) and, when ``verbose``, a
    progress bar on a terminal (:class:`TerminalProgressBar`).
    """
    callbacks = copy.deepcopy(list(callbacks or []))
    wait = patience(early_stopping)
    if wait is not False:
        callbacks.append(
            (
                "early_stopping",
                EarlyStoppingWithHead(
                    monitor=monitor, patience=int(wait), load_best=True, sink=_sink(verbose)
                ),
            )
        )
    if verbose:
        callbacks.append(("progress_bar", TerminalProgressBar()))
    return callbacks


def _silent(*args, **kwargs) -> None:
    """A picklable sink that prints nothing."""


def _sink(verbose):
    return print if verbose else _silent
