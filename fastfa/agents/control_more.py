"""More linear control agents: n-step SARSA (S&B 10.2), Monte Carlo control with linear q̂ (the
lecture's G_t target), and the discretised tabular Q-learning baseline.  Shared surface, config and
conventions: :mod:`fastfa.agents.control`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..kernels.codes import ALG_NSTEP_SARSA
from ._contract import default_features, is_env, resolve_env, warn_legacy
from ._control_base import ControlConfig, _Control
from .control import QLearning
from .._typing import ArrayLike, EnvArg, FeaturesArg

__all__ = ["NStepSarsa", "MCControl", "DiscretizedQLearning"]


class NStepSarsa(_Control):
    """Episodic semi-gradient n-step SARSA (S&B 10.2, box): G_{τ:τ+n} = Σ γ^k R + γ^n q̂(S_{τ+n}, A_{τ+n})."""

    _alg = ALG_NSTEP_SARSA

    def _begin(self) -> None:
        self._buf = [self._cur]  # (i, v, a) of S_τ ... S_t
        self._rew: list[float] = []

    def _flush(self, bootstrap_state) -> None:
        from ..kernels.linear.control import linear_q_update, nstep_return, q_value

        i0, v0, a0 = self._buf.pop(0)
        c = self.config
        boot = 0.0
        if bootstrap_state is not None:
            ib, vb, ab = bootstrap_state
            boot = q_value(self.approx.w, ib, vb, ab)
        g = nstep_return(np.asarray(self._rew[: c.n], dtype=np.float64), c.gamma, boot)
        self._rew.pop(0)
        linear_q_update(self.approx.w, i0, v0, a0, g, c.alpha)

    def step(
        self, obs: ArrayLike, action: int, reward: float, next_obs: ArrayLike, terminated: bool, truncated: bool
    ) -> int:
        self._check_action(action)
        if not np.isfinite(reward):
            raise ValueError(f"reward must be finite, got {reward!r}")
        i0, v0, a0 = self._buf[-1]
        if int(action) != a0:
            self._buf[-1] = (i0, v0, int(action))
        self._rew.append(float(reward))
        if terminated:
            while self._buf:
                self._flush(None)
            return 0
        i1, v1 = self._encode(next_obs)
        i1, v1 = i1.copy(), v1.copy()
        a1 = self._act(i1, v1)
        self._buf.append((i1, v1, a1))
        if len(self._rew) == self.config.n:
            self._flush(self._buf[-1])
        if truncated:  # bootstrap every pending return from the last state
            while len(self._buf) > 1:
                self._flush(self._buf[-1])
        self._cur = self._buf[-1]
        return a1


class MCControl(_Control):
    """Monte Carlo control with linear q̂ (the lecture's G_t target): every-visit updates at episode end,
    w ← w + α (G_t − q̂(S_t, A_t)) ∇q̂(S_t, A_t), processed backwards from the last step."""

    def _begin(self) -> None:
        self._ep = [self._cur]
        self._rew: list[float] = []

    def step(
        self, obs: ArrayLike, action: int, reward: float, next_obs: ArrayLike, terminated: bool, truncated: bool
    ) -> int:
        self._check_action(action)
        if not np.isfinite(reward):
            raise ValueError(f"reward must be finite, got {reward!r}")
        i0, v0, a0 = self._ep[-1]
        if int(action) != a0:
            self._ep[-1] = (i0, v0, int(action))
        self._rew.append(float(reward))
        if terminated or truncated:
            return 0
        i1, v1 = self._encode(next_obs)
        i1, v1 = i1.copy(), v1.copy()
        a1 = self._act(i1, v1)
        self._ep.append((i1, v1, a1))
        return a1

    def end_episode(self) -> None:
        from ..kernels.linear.control import linear_q_update

        g = 0.0
        for t in range(len(self._rew) - 1, -1, -1):
            g = self._rew[t] + self.config.gamma * g
            i, v, a = self._ep[t]
            linear_q_update(self.approx.w, i, v, a, g, self.config.alpha)
        self._end_of_episode()


class DiscretizedQLearning(QLearning):
    """The lecture's "discretise the continuous MDP" baseline: tabular Q-learning on a uniform grid.

    The grid is ``GridTileCoder(low, high, bins, tilings=1, anchor=True)``: ``bins`` cells per
    dimension starting at ``low``, one active cell per state, so Q-learning is tabular; on the
    compiled twins it runs in the fused compiled loop.

    Args:
        low, high: the box to discretise (observations outside are clipped into border cells).
        bins: cells per dimension.  Other arguments as :class:`QLearning` (alpha is the tabular step size).
    """

    def __init__(
        self,
        env: EnvArg,
        features: FeaturesArg = None,
        *legacy: Any,
        bins: ArrayLike = 10,
        config: ControlConfig | None = None,
        seed: int | None = None,
        **overrides: Any,
    ) -> None:
        from ..features.grid_tiles import GridTileCoder

        if is_env(env):  # contract form: the grid spans the observation box, ``bins`` cells per dimension
            if legacy:
                raise TypeError(
                    "DiscretizedQLearning(env, features=None, *, bins=10, config=None, seed=None, "
                    "**overrides): the options are keyword-only"
                )
            env = resolve_env(env)
            if features is None:
                box = default_features(env.observation_space, tilings=1, tiles=1)
                # a Box is cut into a grid; a Discrete observation is already a table (one-hot features)
                features = (
                    GridTileCoder(box.low, box.high, bins, tilings=1, anchor=True) if hasattr(box, "low") else box
                )
            super().__init__(env, features, config=config, seed=seed, **overrides)
            return
        # 0.1.0 form: (low, high, bins, n_actions, config=None, *, seed=None, **overrides)
        args = (env, features, *legacy)
        if len(args) < 4 and "n_actions" not in overrides:
            raise TypeError("DiscretizedQLearning(env, ...) needs a gymnasium env or env id first")
        low, high, bins_, *rest = args
        n_actions = rest[0] if rest else overrides.pop("n_actions")
        if len(rest) > 1:
            config = rest[1]
        warn_legacy(
            "DiscretizedQLearning(low, high, bins, n_actions, ...)",
            "DiscretizedQLearning(env, bins=..., config=..., seed=...)",
        )
        self._build(GridTileCoder(low, high, bins_, tilings=1, anchor=True), n_actions, config, seed, overrides, None)
