"""Pickles carry the skcontrast version, and loading warns on a mismatch."""

from __future__ import annotations

import warnings


class InconsistentVersionWarning(UserWarning):
    """A pickled skcontrast estimator is loaded by another skcontrast version."""


class VersionedPickleMixin:
    """Adds ``_skcontrast_version`` to the pickled state; warns when it differs on load."""

    def __getstate__(self):
        from skcontrast import __version__

        # a copy: object.__getstate__ (which BaseEstimator's calls) returns __dict__ itself
        state = dict(super().__getstate__())
        state["_skcontrast_version"] = __version__
        return state

    def __setstate__(self, state):
        from skcontrast import __version__

        saved = state.pop("_skcontrast_version", None)
        if saved is not None and saved != __version__:
            warnings.warn(
                f"{type(self).__name__} was pickled with skcontrast {saved} and is "
                f"loaded with skcontrast {__version__}: results may differ.",
                InconsistentVersionWarning,
                stacklevel=2,
            )
        super().__setstate__(state)
