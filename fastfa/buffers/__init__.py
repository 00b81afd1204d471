"""Replay buffers: uniform ring (:class:`ReplayBuffer`) and proportional prioritized
(:class:`PrioritizedReplayBuffer`, Schaul et al. 2016), on preallocated typed arrays.

Both validate their input once per call and then run the Numba kernels of
``fastfa.kernels.replay.replay``.  The common Python-side calls (``add`` of an ndarray of
the storage dtype, ``sample``, PER ``sample``/``update_priorities``) take a C fast
path (the Cython extension ``fastfa.kernels.replay._replay``) that works on the same
arrays and gives bit-identical results; without the compiled extension
(``FASTFA_NO_EXT=1``) everything runs through the Numba kernels (``COMPILED`` is
False then).  The same arrays can be used from inside your own
``@njit`` code: ``buf.storage`` is the tuple ``(obs, act, rew, next_obs, term,
state)`` (``obs`` flattened to 2-D), to pass to
``fastfa.kernels.replay.replay.replay_add(*buf.storage, o, a, r, o2, d)`` and
``replay_sample(*buf.storage, rng, batch)`` together with ``buf.rng`` (a
``numpy.random.Generator``; Numba draws the same stream as NumPy).

Example::

    >>> from fastfa.buffers import ReplayBuffer
    >>> buf = ReplayBuffer(10_000, obs_shape=(4,), seed=0)
    >>> buf.add([0, 0, 0, 0], 1, 1.0, [0, 0, 0, 0.1], False)
    >>> batch = buf.sample(32)          # Transitions(obs, actions, rewards, next_obs, terminated)

The package is split by concept: :mod:`.uniform` (the ring and uniform sampling),
:mod:`.prioritized` (the sum-tree), :mod:`.nstep` (n-step returns), :mod:`.compact`
(``store_next_obs=False``) and :mod:`.files` (saving, and loading as untrusted input).
"""

from __future__ import annotations

from ._common import COMPILED, NStepTransitions, PrioritizedTransitions, Transitions
from .prioritized import PrioritizedReplayBuffer
from .uniform import ReplayBuffer

__all__ = [
    "ReplayBuffer",
    "PrioritizedReplayBuffer",
    "Transitions",
    "PrioritizedTransitions",
    "NStepTransitions",
    "COMPILED",
]
