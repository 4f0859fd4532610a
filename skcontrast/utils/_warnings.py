"""Warnings that point at the user's line, not at skcontrast's or scikit-learn's."""

from __future__ import annotations

import os
import sys
import warnings

import sklearn

import skcontrast

_LIBRARY_DIRS = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep for module in (skcontrast, sklearn)
)


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` with the stack level of the first caller outside skcontrast
    and scikit-learn (a transform wrapped by ``set_output``, a Pipeline step...)."""
    level, frame = 2, sys._getframe(1)  # stacklevel 2: the caller of warn_user
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _LIBRARY_DIRS
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
