"""Shared pieces of the replay buffers: the sample tuples, the kernel module and the C extension."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

try:
    from ..kernels.replay._replay import Ring as _Ring

    COMPILED = True
except ImportError:  # built with FASTFA_NO_EXT=1, or the extension failed to load: Numba path only
    _Ring = None
    COMPILED = False


class Transitions(NamedTuple):
    """A uniform sample: arrays with a leading batch axis."""

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray


class NStepTransitions(NamedTuple):
    """An n-step sample (``ReplayBuffer(n_step>1)``): ``rewards`` = Σ_{k<K} γᵏ R_{t+k+1},
    ``next_obs`` = S_{t+K}, ``terminated`` = the window ended on a terminal state,
    ``discounts`` = γᴷ (0 when terminated); target = rewards + discounts · max Q(next_obs)."""

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray
    discounts: np.ndarray


class PrioritizedTransitions(NamedTuple):
    """A prioritized sample: :class:`Transitions` fields plus IS ``weights`` and row ``indices``."""

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray
    weights: np.ndarray
    indices: np.ndarray


_K = None


def kernels():
    """``fastfa.kernels.replay.replay``, imported (compiled or loaded from cache) on first use, not at import."""
    global _K
    if _K is None:
        from ..kernels.replay import replay

        _K = replay
    return _K


def ring_class():
    """The C fast-path class, or None without the compiled extension."""
    return _Ring


def check_shape(name, shape):
    """A shape as a tuple of positive ints (an int is a 1-D shape)."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"{name} must be a tuple of ints, got {shape!r}") from None
    if any(isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) for s in shape):
        raise TypeError(f"{name} must be a tuple of ints, got {shape!r}")
    if any(s <= 0 for s in shape) or len(shape) > 8:
        raise ValueError(f"{name} must have at most 8 entries, each > 0, got {shape}")
    return tuple(int(s) for s in shape)


def check_state(buf) -> None:
    """ValueError unless ``buf.state`` = [pos, size] is in range for the capacity (kernels index with it)."""
    pos, size, cap = int(buf.state[0]), int(buf.state[1]), buf.capacity
    if not (0 <= size <= cap and 0 <= pos < cap and (size == cap or pos == size)):
        raise ValueError(
            f"buffer state [pos, size] = [{pos}, {size}] is out of range for capacity {cap} "
            f"(need 0 <= size <= capacity, 0 <= pos < capacity, pos == size until full); "
            "the buffer's arrays were modified"
        )
