"""n-step returns from a :class:`~fastfa.buffers.ReplayBuffer` (``n_step > 1``).

A sample of row i follows the stored rows i, i+1, … for K ≤ n steps, stopping at a terminal
row (``terminated``), at a time-limit cut (``truncated``) and at the newest stored row:
``rewards`` = Σ_{k<K} γᵏ R_{t+k+1}, ``next_obs`` = S_{t+K}, ``discounts`` = γᴷ (0 at a terminal).
"""

from __future__ import annotations

import numpy as np

from ._common import NStepTransitions, kernels


def check_n_step(n_step, gamma) -> tuple[int, float]:
    """``(n_step, gamma)`` checked: an int >= 1 and a real in [0, 1]."""
    if not isinstance(n_step, (int, np.integer)) or isinstance(n_step, (bool, np.bool_)) or not 1 <= n_step <= 2**20:
        raise ValueError(f"n_step must be an int in [1, {2**20}], got {n_step!r}")
    if isinstance(gamma, (bool, np.bool_)):
        raise TypeError(f"gamma must be a real number in [0, 1], got {gamma!r}")
    try:
        gamma = float(gamma)
    except (TypeError, ValueError):
        raise TypeError(f"gamma must be a real number in [0, 1], got {gamma!r}") from None
    if not (0.0 <= gamma <= 1.0):
        raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
    return int(n_step), gamma


def sample(buf, batch_size: int) -> NStepTransitions:
    """An n-step sample (C fast path when available, else the Numba kernel; same rows and values)."""
    if buf._fast is not None:
        s = buf._fast.nstep_sample(batch_size, buf.rng, buf.n_step, buf.gamma, NStepTransitions)
        if s is not None:
            return s
    buf._check_batch(batch_size)
    u = buf.rng.random(batch_size)
    idx = np.empty(batch_size, np.int64)
    out = buf._out(batch_size)
    g = np.empty(batch_size, np.float32)
    kernels().replay_sample_nstep_into(
        buf.obs,
        buf.actions,
        buf.rewards,
        buf.next_obs,
        buf.terminated,
        buf.truncated,
        buf.state,
        buf.n_step,
        buf.gamma,
        u,
        idx,
        *out,
        g,
    )
    if buf._reshape:
        out = buf._shape_out(*out)
    return NStepTransitions._make((*out, g))
