"""The two loops of the linear :class:`fastfa.agents.A2C`: the Python loop over K gymnasium env
copies and one call of the fused compiled loop (``kernels/loops/a2c_linear_loop.py``).  Both step
env k, reset it at once when its episode ends, then env k + 1, all on one env generator, and give
the same numbers (``tests/agents/test_a2c_linear.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np


class A2CLoops:
    """Mixin of :class:`fastfa.agents.A2C`: ``n_updates`` updates in either loop."""

    # attributes of the agent this mixin sets (typed by the agent)
    _obs: Any
    _states: Any
    _ep_ret: Any
    _ep_len: Any
    num_timesteps: Any

    if TYPE_CHECKING:  # the agent's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    def _run_python(self, n_updates: int, stop_eps: int) -> None:
        """``n_updates`` updates (fewer if the finished episodes reach ``stop_eps`` >= 0) on the envs."""
        cfg = self.config
        K, N = self.n_envs, self.n_steps
        if self._obs is None:  # start the envs, k ascending, all on the one env generator
            for e in self.envs:
                e.unwrapped.np_random = self.env_rng
            self._obs = np.stack([e.reset()[0] for e in self.envs])
            self._ep_ret, self._ep_len = np.zeros(K), np.zeros(K, np.int64)
        for _ in range(n_updates):
            Fs, As, Rs, Dn, Vs = [], [], np.zeros((N, K)), np.zeros((N, K), bool), np.zeros((N, K))
            for t in range(N):
                F = self._F(self._obs)
                env_a, a = self._act_batch(F)
                Vs[t] = self._values(F)
                for k, e in enumerate(self.envs):
                    o, r, term, trunc, _ = e.step(env_a[k])
                    r = float(r)
                    self._ep_ret[k] += r
                    self._ep_len[k] += 1
                    if trunc and not term:  # bootstrap from the final observation
                        r += cfg.gamma * float(self._values(self._F(o[None]))[0])
                    Rs[t, k], Dn[t, k] = r, term or trunc
                    self.num_timesteps += 1
                    if term or trunc:
                        self.log.returns.append(float(self._ep_ret[k]))
                        self.log.lengths.append(int(self._ep_len[k]))
                        self._ep_ret[k], self._ep_len[k] = 0.0, 0
                        o, _ = e.reset()
                    self._obs[k] = o
                Fs.append(F)
                As.append(a)
            g = self._values(self._F(self._obs))
            G = np.empty((N, K))
            for t in range(N - 1, -1, -1):
                g = Rs[t] + cfg.gamma * np.where(Dn[t], 0.0, g)
                G[t] = g
            self._update(np.concatenate(Fs), np.concatenate(As), (G - Vs).reshape(-1))
            if stop_eps >= 0 and self.log.n_episodes >= stop_eps:
                break

    def _run_compiled(self, n_updates: int, stop_eps: int) -> None:
        """The same updates in one call of the fused loop (``kernels/loops/a2c_linear_loop.py``)."""
        from ..kernels.loops import a2c_linear_loop as L
        from ..kernels.nn.a2c import A2CEpisodes
        from .compiled_control import env_unit

        assert self._target is not None  # compiled mode has a target env
        cenv = self._target.cenv
        K, N = self.n_envs, self.n_steps
        sp = self.action_space
        act_dim = 1 if self.discrete else int(sp.shape[0])
        act_f32 = (not self.discrete) and sp.dtype == np.float32
        unit = env_unit(
            L.a2c_lin_run_tpl,
            cenv,
            f"a2c_linear_{'softmax' if self.discrete else f'gaussian{act_dim}'}",
            DISCRETE=self.discrete,
            ACT_DIM=act_dim,
            ACT_F32=act_f32,
        )
        reset_all = self._obs is None
        if reset_all:
            self._obs = np.zeros((K, int(cenv.observation_space.shape[0])))
            self._states = np.zeros((K, cenv.state.shape[0]))
            self._ep_ret, self._ep_len = np.zeros(K), np.zeros(K, np.int64)
        cf, ci = self.features.cf, self.features.ci
        room = n_updates * K * N + K
        eps = A2CEpisodes(
            self._ep_len, self._ep_ret, np.zeros(room), np.zeros(room, np.int64), np.zeros(room, np.int64)
        )
        counts = np.array([0, 0], np.int64)
        work = L.make_work(K, N, int(self.features.n_active), act_dim, self.discrete)
        pol, hp = self._lin()
        max_eps = -1 if stop_eps < 0 else stop_eps - self.log.n_episodes
        status = unit(
            cenv.params, self._states, self.env_rng, self._obs, cf, ci, pol, self.w, hp, eps,
            int(self._target.max_steps), n_updates, max_eps, reset_all, self.rng, counts, work,
        )  # fmt: skip
        n = int(counts[0])
        self.log.returns.extend(eps.returns[:n].tolist())
        self.log.lengths.extend(eps.lengths[:n].tolist())
        self.num_timesteps += int(counts[1])
        self._raise(status)
