"""Policy-gradient agents with linear function approximation (S&B chapter 13).

Each agent = ``features`` + a policy (:class:`~fastfa.policies.SoftmaxLinear` for a
``Discrete`` action space, :class:`~fastfa.policies.GaussianLinear` for a ``Box``)
+ optionally a linear critic + a frozen :class:`PGConfig`; it learns on any
gymnasium env through :func:`fastfa.loop.run`.

* :class:`Reinforce` (13.3): at the end of each episode, for t = 0 … T−1,
  ``θ ← θ + α γᵗ G_t ∇ ln π(A_t|S_t, θ)`` (θ changes step by step, as in the book's box).
  ``gamma_t=False`` drops the γᵗ factor (the common practical choice).
  ``n_rollouts = N > 1``: θ is held fixed for N episodes and moved by the *mean* of their
  gradients, the lecture's G̃ (average of N returns) estimator.
* :class:`ReinforceBaseline` (13.4): ``δ = G_t − v̂(S_t, w)``, ``w ← w + α_w δ x(S_t)``,
  ``θ ← θ + α γᵗ δ ∇ ln π``.
* :class:`ActorCritic` (13.5, episodic with eligibility traces)::

      δ = R + γ v̂(S') − v̂(S)          (v̂(S') = 0 if S' is terminal; a truncation bootstraps)
      z_w ← γ λ_w z_w + x(S);   z_θ ← γ λ_θ z_θ + I ∇ ln π(A|S);   I ← γ I  (``gamma_t``)
      w ← w + α_w δ z_w;        θ ← θ + α δ z_θ

* :class:`QAC`: critic Q_w(s,a) = w[:, a]·x(s) learned by Sarsa(0),
  actor ``θ ← θ + α Q_w(S,A) ∇ ln π(A|S)`` (Discrete actions).

Features: a sparse fastfa feature object (``sparse = True``: ``indices(obs)``, binary) or a
dense one (``transform(obs)``).  Gaussian policies use the dense vector.  Non-finite
parameters stop training with ``FloatingPointError``.
"""

from __future__ import annotations

import numpy as np

from ._pg_base import ConstantFeatures, PGConfig, _PGAgent
from .._typing import ArrayLike

__all__ = ["PGConfig", "Reinforce", "ReinforceBaseline", "ActorCritic", "QAC", "ConstantFeatures"]


class Reinforce(_PGAgent):
    """REINFORCE: Monte Carlo policy gradient (S&B 13.3); see the module docstring."""

    has_critic = False
    _baseline = False

    def _compiled_alg(self):
        from ..kernels.codes import PG_REINFORCE, PG_REINFORCE_BASELINE

        return PG_REINFORCE_BASELINE if self._baseline else PG_REINFORCE

    def begin_episode(self, obs: ArrayLike) -> ArrayLike:
        self._xs: list = []
        self._as: list = []
        self._rs: list[float] = []
        x = self._x(obs)
        a_env, a = self._sample(x)
        self._xs.append(x)
        self._as.append(a)
        return a_env

    def step(
        self, obs: ArrayLike, action: ArrayLike, reward: float, next_obs: ArrayLike, terminated: bool, truncated: bool
    ) -> ArrayLike:
        self._rs.append(reward)
        if terminated or truncated:
            return action
        x = self._x(next_obs)
        a_env, a = self._sample(x)
        self._xs.append(x)
        self._as.append(a)
        return a_env

    def end_episode(self) -> None:
        cfg = self.config
        T = len(self._rs)
        G = np.empty(T)
        g = 0.0
        for t in range(T - 1, -1, -1):
            g = self._rs[t] + cfg.gamma * g
            G[t] = g
        disc = 1.0
        if cfg.n_rollouts == 1:  # the book's box: θ moves at every t
            for t in range(T):
                x, a = self._xs[t], self._as[t]
                delta = G[t]
                if self._baseline:
                    delta = G[t] - self._v(x)
                    self._add_v(x, cfg.alpha_w * delta)
                self._step_policy(x, a, cfg.alpha * (disc if cfg.gamma_t else 1.0) * delta)
                disc *= cfg.gamma
            return
        # averaged over N rollouts: accumulate at fixed θ, apply the mean every N episodes
        if self._batch is None:
            self._batch = [np.zeros_like(p) for p in self._params()]
        for t in range(T):
            x, a = self._xs[t], self._as[t]
            delta = G[t]
            if self._baseline:
                delta = G[t] - self._v(x)
                self._add_v(x, cfg.alpha_w * delta)
            scale = (disc if cfg.gamma_t else 1.0) * delta
            for acc, gr in zip(self._batch, self._grad_log_pi(x, a)):
                acc += scale * gr
            disc *= cfg.gamma
        self._n_eps += 1
        if self._n_eps == cfg.n_rollouts:
            self._add_to_policy([b / cfg.n_rollouts for b in self._batch], cfg.alpha)
            self._batch, self._n_eps = None, 0


class ReinforceBaseline(Reinforce):
    """REINFORCE with a learned state-value baseline v̂(s, w) = w·x(s) (S&B 13.4)."""

    has_critic = True
    _baseline = True


class ActorCritic(_PGAgent):
    """One-step actor-critic with eligibility traces λ^θ, λ^w (S&B 13.5); λ = 0: the one-step version."""

    def _compiled_alg(self):
        from ..kernels.codes import PG_AC_TRACES, PG_ACTOR_CRITIC

        if self.config.lam == 0.0 and self.config.lam_w == 0.0:
            return PG_ACTOR_CRITIC
        return PG_AC_TRACES

    def begin_episode(self, obs: ArrayLike) -> ArrayLike:
        if self.config.lam > 0.0 or self.config.lam_w > 0.0:
            self._z_w = np.zeros_like(self.w)
            self._z = [np.zeros_like(p) for p in self._params()]
        self._I = 1.0
        self._xt = self._x(obs)
        a_env, self._at = self._sample(self._xt)
        return a_env

    def step(
        self, obs: ArrayLike, action: ArrayLike, reward: float, next_obs: ArrayLike, terminated: bool, truncated: bool
    ) -> ArrayLike:
        cfg = self.config
        x, a = self._xt, self._at
        x1 = None if terminated else self._x(next_obs)
        delta = reward + (0.0 if x1 is None else cfg.gamma * self._v(x1)) - self._v(x)
        i_fac = self._I if cfg.gamma_t else 1.0
        if cfg.lam == 0.0 and cfg.lam_w == 0.0:  # one-step actor-critic: sparse updates, no traces
            self._add_v(x, cfg.alpha_w * delta)
            self._step_policy(x, a, cfg.alpha * delta * i_fac)
        else:
            self._trace_update(x, a, delta, i_fac)
        self._I *= cfg.gamma
        if terminated or truncated:
            return action
        assert x1 is not None  # not terminated
        self._xt = x1
        a_env, self._at = self._sample(x1)
        return a_env

    def _trace_update(self, x: np.ndarray, a, delta, i_fac) -> None:
        cfg = self.config
        self._z_w *= cfg.gamma * cfg.lam_w
        self._z_w += self._grad_v(x)
        for z, gr in zip(self._z, self._grad_log_pi(x, a)):
            z *= cfg.gamma * cfg.lam
            z += i_fac * gr
        self.w += cfg.alpha_w * delta * self._z_w
        self._check_w()
        self._add_to_policy([delta * z for z in self._z], cfg.alpha)


class QAC(_PGAgent):
    """Q actor-critic: linear Q_w(s,a) = w[:, a]·x(s) by Sarsa(0); θ ← θ + α Q_w(S,A) ∇ ln π(A|S)."""

    def _init_critic(self):
        if not self.discrete:
            raise TypeError("QAC needs a Discrete action space (its critic is one weight vector per action)")
        self.w = np.zeros((int(self.features.n_features), int(self.action_space.n)))

    def _compiled_alg(self):
        from ..kernels.codes import PG_QAC

        return PG_QAC

    def _q(self, x: np.ndarray, a) -> float:
        # sums in index order, as the compiled loop (numpy's sum adds 8 or more terms pairwise)
        from ..kernels.loops.pg_env_loop import sparse_q

        if x.dtype.kind in "iu":
            if not self.w.flags.c_contiguous:
                self.w = np.ascontiguousarray(self.w)
            return float(sparse_q(self.w.reshape(-1), x, int(a), self.w.shape[1]))
        return float(x @ self.w[:, a])

    def q_values(self, obs: ArrayLike) -> np.ndarray:
        x = self._x(obs)
        return self.w[x].sum(axis=0) if x.dtype.kind in "iu" else x @ self.w

    def value(self, obs: ArrayLike) -> float:
        """v̂(s) = Σ_a π(a|s) Q_w(s, a)."""
        x = self._x(obs)
        return float(self.policy.probs(x) @ self.q_values(obs))

    def begin_episode(self, obs: ArrayLike) -> ArrayLike:
        self._I = 1.0
        self._xt = self._x(obs)
        self._at = self._sample(self._xt)[0]
        return self._at

    def step(
        self, obs: ArrayLike, action: ArrayLike, reward: float, next_obs: ArrayLike, terminated: bool, truncated: bool
    ) -> ArrayLike:
        cfg = self.config
        x, a = self._xt, self._at
        q_sa = self._q(x, a)
        self._step_policy(x, a, cfg.alpha * (self._I if cfg.gamma_t else 1.0) * q_sa)
        if terminated:
            target, x1, a1 = reward, None, action
        else:
            x1 = self._x(next_obs)
            a1 = self._sample(x1)[0]
            target = reward + cfg.gamma * self._q(x1, a1)
        delta = target - q_sa
        if x.dtype.kind in "iu":
            np.add.at(self.w[:, a], x, cfg.alpha_w * delta)
        else:
            self.w[:, a] += cfg.alpha_w * delta * x
        self._check_w()
        self._I *= cfg.gamma
        if terminated or truncated:
            return action
        self._xt, self._at = x1, a1
        return a1
