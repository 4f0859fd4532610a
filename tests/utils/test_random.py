import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import skcontrast
from skcontrast.utils import check_generator, draw_seed


def test_version_is_a_string():
    assert isinstance(skcontrast.__version__, str) and skcontrast.__version__[0].isdigit()


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_int_replays_the_same_stream(seed):
    assert check_generator(seed).integers(1 << 30, size=4).tolist() == (
        check_generator(seed).integers(1 << 30, size=4).tolist()
    )


def test_generator_is_not_shared_but_advanced():
    parent = np.random.default_rng(0)
    state = parent.bit_generator.state
    child = check_generator(parent)
    assert child is not parent
    assert parent.bit_generator.state != state
    # the same parent state gives the same child
    assert check_generator(np.random.default_rng(0)).random() == check_generator(
        np.random.default_rng(0)
    ).random()


def test_random_state_instance_and_none():
    a = check_generator(np.random.RandomState(3)).random()
    b = check_generator(np.random.RandomState(3)).random()
    assert a == b
    np.random.seed(5)  # noqa: NPY002 - None means the global state
    c = check_generator(None).random()
    np.random.seed(5)  # noqa: NPY002 - None means the global state
    assert check_generator(None).random() == c


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_bad_random_state(bad):
    with pytest.raises((TypeError, ValueError), match="random_state"):
        check_generator(bad)


def test_draw_seed_is_a_python_int():
    seed = draw_seed(np.random.default_rng(1))
    assert isinstance(seed, int) and 0 <= seed < 2**63
