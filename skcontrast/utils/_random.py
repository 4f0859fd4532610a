"""Random-state helpers shared by every estimator.

scikit-learn's ``check_random_state`` rejects :class:`numpy.random.Generator`,
which DESIGN.md promises to accept, so skcontrast normalises every
``random_state`` to a fresh ``Generator`` with :func:`check_generator`.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_random_state

_MAX_SEED = 2**63 - 1


def check_generator(random_state: int | np.random.Generator | np.random.RandomState | None):
    """Turn ``random_state`` into a new :class:`numpy.random.Generator`.

    Parameters
    ----------
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        - int: ``default_rng(random_state)``, so the same int replays the same
          stream (also across :func:`sklearn.base.clone`);
        - Generator: a child generator seeded from it, so the caller's generator
          is advanced but never shared;
        - None or RandomState: a seed drawn from ``check_random_state`` (None uses
          NumPy's global state, as scikit-learn does).

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> from skcontrast.utils import check_generator
    >>> a = check_generator(0).normal(size=3)
    >>> b = check_generator(0).normal(size=3)
    >>> bool((a == b).all())
    True
    """
    if isinstance(random_state, np.random.Generator):
        return np.random.default_rng(int(random_state.integers(_MAX_SEED)))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative int, got {random_state}.")
        return np.random.default_rng(int(random_state))
    if random_state is None or isinstance(random_state, np.random.RandomState):
        rs = check_random_state(random_state)
        return np.random.default_rng(int(rs.randint(np.iinfo(np.int32).max)))
    raise TypeError(
        "random_state must be None, an int, a numpy.random.Generator or a "
        f"numpy.random.RandomState, got {random_state!r}."
    )


def draw_seed(rng: np.random.Generator) -> int:
    """Draw one int seed (for torch) from a NumPy generator.

    Parameters
    ----------
    rng : numpy.random.Generator
        Advanced by one draw.

    Returns
    -------
    int
        In ``[0, 2**63 - 1)``, accepted by ``torch.Generator.manual_seed``.
    """
    return int(rng.integers(_MAX_SEED))
