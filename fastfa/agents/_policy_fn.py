"""``policy_function()`` builders: an agent's greedy policy as a jitted ``obs -> action`` function that
the user can call from their own ``@numba.njit`` code.

The parameters are copied and frozen into the compiled function (Numba treats closure arrays as
constants), so the function does not see later learning: call ``policy_function()`` again.
The first call compiles (about a second); the function is not cached across processes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["greedy_linear_q", "greedy_softmax_linear", "greedy_mlp"]


def _encoder(features):
    """A jitted ``x(obs) -> (indices, values)`` for the features that have one, else TypeError."""
    from numba import njit

    from ..features import GridTileCoder, StateAggregation

    if isinstance(features, GridTileCoder):
        from ..kernels.features.gridtiles import grid_tiles

        cf, ci, n = features.cf.copy(), features.ci.copy(), int(features.n_active)

        @njit
        def encode(obs):
            x = np.empty(obs.shape[0])
            for k in range(obs.shape[0]):
                x[k] = obs[k]
            out = np.empty(n, np.int64)
            grid_tiles(x, cf, ci, out)
            return out, np.ones(n)

        return encode
    if isinstance(features, StateAggregation):
        first, ns, ng = features.first, features.n_states, features.n_groups

        @njit
        def encode(obs):
            s = min(max(int(obs), first), first + ns - 1)
            out = np.empty(1, np.int64)
            out[0] = (s - first) * ng // ns
            return out, np.ones(1)

        return encode
    raise TypeError(
        f"policy_function() needs features with a compiled encoder (GridTileCoder or "
        f"StateAggregation), got {type(features).__name__}"
    )


def greedy_linear_q(features, w):
    """argmax_a Σ_k v_k w[i_k, a] (lowest index among ties), ``w`` of shape (n_features, n_actions)."""
    from numba import njit

    encode = _encoder(features)
    w = np.ascontiguousarray(w, dtype=np.float64).copy()
    n_actions = w.shape[1]

    @njit
    def policy(obs):
        i, v = encode(obs)
        best, a_best = -np.inf, 0
        for a in range(n_actions):
            q = 0.0
            for k in range(i.shape[0]):
                q += v[k] * w[i[k], a]
            if q > best:
                best, a_best = q, a
        return a_best

    return policy


def greedy_softmax_linear(features, theta):
    """argmax_a Σ_k v_k θ[i_k, a]: the most probable action of a linear softmax policy."""
    return greedy_linear_q(features, theta)


def greedy_mlp(theta, sizes, act, action_start=0):
    """argmax of an MLP's outputs (fastfa.kernels.nn.mlp layout) for one observation."""
    from numba import njit

    from ..kernels.nn import mlp

    theta = np.ascontiguousarray(theta).copy()
    sizes = np.asarray(sizes, np.int64).copy()
    n_acts = int(mlp.mlp_acts_size(sizes, 1))
    d = int(sizes[0])
    dt = theta.dtype
    act = int(act)
    start = int(action_start)

    @njit
    def policy(obs):
        x = np.empty((1, d), dt)
        for k in range(d):
            x[0, k] = obs[k]
        q = mlp.mlp_forward(theta, sizes, act, x, np.empty(n_acts, dt))
        return int(np.argmax(q[0])) + start

    return policy
