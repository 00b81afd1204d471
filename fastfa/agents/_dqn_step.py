"""The DQN agent's step-by-step interface (the Learner protocol of ``fastfa.loop.run``): what the
Python loop calls on every env step.  The fused compiled loop does the same in
``kernels/loops/dqn_loop.py``; both follow Stable-Baselines3's step order, bit for bit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import math

from .._typing import ArrayLike


def _K():
    from ..kernels.nn import dqn

    return dqn


class DQNSteps:
    """Mixin of :class:`fastfa.agents.DQN`: ε-greedy action, store, target update, training phase."""

    # attributes of the agent this mixin sets (typed by the agent)
    _x: Any
    _ep_ret: Any
    _ep_len: Any
    _in_episode: Any

    if TYPE_CHECKING:  # the agent's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    def _act(self, x: ArrayLike):
        K = _K()
        if self.cnt[K.C_STEPS] < self.config.learning_starts or self.rng.random() < self.exploration_rate:
            return int(self.rng.integers(0, self.n_actions))
        return int(K.dqn_greedy(self.theta, self.sizes, int(self.hp[K.HP_ACT]), x, self._acts1))

    def begin_episode(self, obs: ArrayLike) -> ArrayLike:
        self._x = self._obs(obs)
        self._ep_ret, self._ep_len = 0.0, 0
        self._in_episode = True
        return self._act(self._x) + self.action_start

    def step(
        self, obs: ArrayLike, action: int, reward: float, next_obs: ArrayLike, terminated: bool, truncated: bool
    ) -> int:
        K = _K()
        x2 = self._obs(next_obs, "next_obs")
        a = int(action) - self.action_start
        if not 0 <= a < self.n_actions:
            raise ValueError(
                f"action must be in [{self.action_start}, {self.action_start + self.n_actions}), got {action!r}"
            )
        if not math.isfinite(reward):
            raise ValueError(f"reward must be finite, got {reward!r}")
        bargs = self._buffer_args()
        K.dqn_store(*bargs, self.config.prioritized, self._x, a, reward, x2, bool(terminated), bool(truncated))
        self.cnt[K.C_STEPS] += 1
        self._ep_ret += reward
        self._ep_len += 1
        t = self.cnt[K.C_STEPS]
        if t % self.config.target_update_interval == 0:
            K.polyak_update(self.theta_target, self.theta, self.config.tau)
        if terminated or truncated:
            self._in_episode = False
            self.cnt[K.C_EPISODES] += 1
            self.episode_returns.append(self._ep_ret)
            self.episode_end_steps.append(int(t))
            self.episode_lengths.append(self._ep_len)
        if t % self.config.train_freq == 0 and t > self.config.learning_starts:
            K.dqn_train_steps(
                self.theta,
                self.theta_target,
                self.sizes,
                self.adam_m,
                self.adam_v,
                self.cnt,
                self.hp,
                *bargs,
                self.buffer.rng,
                self.config.gradient_steps,
            )
            self._check_finite()
        if terminated or truncated:
            return 0
        self._x = x2
        return self._act(x2) + self.action_start
