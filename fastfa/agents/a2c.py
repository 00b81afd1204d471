"""A2C: synchronous advantage actor-critic with n-step returns over vectorised envs (linear version).

Every update collects ``n_steps`` transitions from each of ``n_envs`` environments
(``gymnasium.vector.SyncVectorEnv`` with same-step autoreset), then, for every
sample (Mnih et al. 2016; S&B 13.5 with n-step returns)::

    G_t = R_{t+1} + γ G_{t+1}   (bootstrapped with v̂(S_{t+n}); 0 after a termination;
                                 γ v̂(final obs) after a time-limit truncation)
    A_t = G_t − v̂(S_t)
    w ← w + (α_w / B) Σ_t A_t x(S_t)
    θ ← θ + (α / B) Σ_t A_t ∇ ln π(A_t|S_t)       (B = n_envs · n_steps)

The softmax actor's batched gradient is one call of the compiled
``softmax_pa_batch_grad`` kernel.  Features: sparse (tile coding, turned into dense
rows) or dense fastfa feature objects.  The MLP (deep) version is not implemented here.

Example::

    >>> from fastfa.agents import A2C
    >>> from fastfa.features import Fourier
    >>> import numpy as np
    >>> f = Fourier(low=[-2.4, -3, -0.21, -3], high=[2.4, 3, 0.21, 3], order=2)
    >>> agent = A2C(f, "CartPole-v1", alpha=0.05, alpha_w=0.1, gamma=0.99, n_envs=8, n_steps=5, seed=0)
    >>> agent.learn(total_steps=20_000)                                    # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np

from ._pg_base import PGConfig, _PGAgent

__all__ = ["A2C"]


class A2C(_PGAgent):
    """Linear A2C.  Args: features, env (id or callable making one env), config/overrides,
    ``n_envs`` (>= 1), ``n_steps`` (>= 1), ``seed``."""

    def __init__(self, features, env, config: PGConfig | None = None, *, n_envs: int = 8, n_steps: int = 5,
                 seed: int | None = None, **overrides):
        import gymnasium

        for name, v in (("n_envs", n_envs), ("n_steps", n_steps)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        if isinstance(env, str):
            from ..envs import make

            env_id = env
            env_fn = lambda: make(env_id)  # noqa: E731
        elif callable(env):
            env_fn = env
        else:
            raise TypeError("env must be an env id or a callable returning a gymnasium env")
        self.vec = gymnasium.vector.SyncVectorEnv([env_fn for _ in range(n_envs)],
                                                  autoreset_mode=gymnasium.vector.AutoresetMode.SAME_STEP)
        super().__init__(features, self.vec.single_action_space, config, seed=seed, **overrides)
        self.n_envs, self.n_steps = int(n_envs), int(n_steps)
        self.num_timesteps = 0
        self.episode_returns: list = []
        self._obs = None

    def _X(self, obs) -> np.ndarray:
        """Dense feature rows [n, F] of a batch of observations."""
        F = int(self.features.n_features)
        if self.sparse:
            idx = np.asarray(self.features.indices_batch(obs), dtype=np.int64)
            X = np.zeros((idx.shape[0], F))
            rows = np.repeat(np.arange(idx.shape[0]), idx.shape[1])
            np.add.at(X, (rows, idx.ravel()), 1.0)
            return X
        X = np.ascontiguousarray(self.features.transform_batch(obs), dtype=np.float64)
        if not np.all(np.isfinite(X)):
            raise ValueError("features: x(obs) contains NaN or inf")
        return X

    def _act_batch(self, X):
        if self.discrete:
            from ..kernels.policy_gradient import categorical_sample

            H = X @ self.policy.theta
            H -= H.max(axis=1, keepdims=True)
            P = np.exp(H)
            P /= P.sum(axis=1, keepdims=True)
            a = np.array([categorical_sample(p, self.rng) for p in P], dtype=np.int64)
            return a, a
        raw = np.empty((X.shape[0], self.policy.action_dim))
        env_a = np.empty_like(raw, dtype=self.action_space.dtype)
        for i in range(X.shape[0]):
            raw[i], env_a[i] = self.policy.sample(X[i], self.rng)
        return env_a, raw

    def learn(self, env=None, *, total_steps: int, seed: int | None = None, progress: bool = False, callback=None):
        """Train for ``total_steps`` environment steps (summed over the envs); returns ``self``.

        ``self.episode_returns`` lists finished episodes' returns in completion order.
        """
        if isinstance(total_steps, bool) or not isinstance(total_steps, (int, np.integer)) or total_steps <= 0:
            raise ValueError(f"total_steps must be a positive int, got {total_steps!r}")
        cfg = self.config
        if self._obs is None or seed is not None:
            self._obs, _ = self.vec.reset(seed=seed if seed is not None else self.seed)
            self._ep_ret = np.zeros(self.n_envs)
        K, N = self.n_envs, self.n_steps
        target = self.num_timesteps + total_steps
        while self.num_timesteps < target:
            Xs, As, Rs, Dn, Vs = [], [], np.zeros((N, K)), np.zeros((N, K), bool), np.zeros((N, K))
            for t in range(N):
                X = self._X(self._obs)
                env_a, a = self._act_batch(X)
                obs, r, term, trunc, info = self.vec.step(env_a)
                r = np.asarray(r, dtype=np.float64).copy()
                self._ep_ret += r
                if np.any(trunc & ~term):  # bootstrap from the final observation of truncated episodes
                    for i in np.nonzero(trunc & ~term)[0]:
                        r[i] += cfg.gamma * float(self._X(info["final_obs"][i][None])[0] @ self.w)
                for i in np.nonzero(term | trunc)[0]:
                    self.episode_returns.append(float(self._ep_ret[i]))
                    self._ep_ret[i] = 0.0
                Xs.append(X)
                As.append(a)
                Rs[t], Dn[t], Vs[t] = r, term | trunc, X @ self.w
                self._obs = obs
                self.num_timesteps += K
            g = self._X(self._obs) @ self.w
            G = np.empty((N, K))
            for t in range(N - 1, -1, -1):
                g = Rs[t] + cfg.gamma * np.where(Dn[t], 0.0, g)
                G[t] = g
            X = np.concatenate(Xs)
            A = np.concatenate(As)
            adv = (G - Vs).reshape(-1)
            B = adv.shape[0]
            self.w = self.w + (cfg.alpha_w / B) * (adv @ X)
            self._check_w()
            if self.discrete:
                grad, _ = self.policy.batch_grad(X, A, adv)
                self._add_to_policy([grad / B], cfg.alpha)
            else:
                acc = [np.zeros_like(p) for p in self._params()]
                for i in range(B):
                    for s, gr in zip(acc, self._grad_log_pi(X[i], A[i])):
                        s += adv[i] * gr
                self._add_to_policy([s / B for s in acc], cfg.alpha)
            if callback is not None and callback({"total_steps": self.num_timesteps,
                                                  "episodes": len(self.episode_returns)}) is False:
                break
        return self

    def save(self, path):
        """Config, features, policy and critic (pickle-free; the vector envs are not saved)."""
        return super().save(path)

    @classmethod
    def load(cls, path, env, *, features=None, n_envs: int = 8, n_steps: int = 5) -> "A2C":
        """Rebuild an A2C saved by :meth:`save` on ``env`` (id or callable); envs start fresh."""
        from .. import io as _io
        from .policy_gradient import ActorCritic

        _, meta, arrays = _io.load(path, kind="A2C")
        saved = ActorCritic._from_loaded(meta, arrays, features)  # same file layout
        agent = cls(saved.features, env, saved.config, n_envs=n_envs, n_steps=n_steps, seed=meta["seed"])
        agent.w = saved.w
        for k, v in saved.policy.state_dict().items():
            setattr(agent.policy, k, v)
        agent.rng = saved.rng
        return agent
