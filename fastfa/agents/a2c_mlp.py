"""A2CMLP: A2C with MLP actor and critic, fully compiled over K compiled env twins.

SB3's ``A2C("MlpPolicy")`` maths and defaults (RL-Zoo CartPole settings: 8 envs, 5 steps,
γ = 0.99, RMSprop lr 7e-4 (ρ = 0.99, ε = 1e-5), value coefficient 0.5, gradient norm clip 0.5,
separate tanh networks of 64-64 units for actor and critic, no entropy bonus), run in one
``@njit`` loop (:mod:`fastfa.kernels.a2c`) over the compiled twins of CartPole-v1,
Acrobot-v1, MountainCar-v0 and PuckWorldDiscrete-v0.  Differences from SB3: PyTorch-default
(uniform) initialisation with the policy output layer scaled by 0.01 instead of orthogonal
initialisation; float64 throughout.

Example::

    >>> from fastfa.agents import A2CMLP
    >>> agent = A2CMLP("CartPole-v1", seed=0).learn(200_000)          # doctest: +SKIP
    >>> agent.evaluate(10).mean()                                     # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np

__all__ = ["A2CMLP"]


class A2CMLP:
    """Compiled MLP A2C.  Args: env id with a compiled twin; hyper-parameters as SB3's A2C; seed."""

    def __init__(self, env_id: str = "CartPole-v1", *, n_envs: int = 8, n_steps: int = 5, gamma: float = 0.99,
                 learning_rate: float = 7e-4, vf_coef: float = 0.5, max_grad_norm: float = 0.5,
                 rms_alpha: float = 0.99, rms_eps: float = 1e-5, hidden=(64, 64), activation: str = "tanh",
                 seed: int | None = None):
        from ..kernels import a2c as KA, dqn, envs_classic, mlp, pg_envs
        from .dqn import _TWINS

        if env_id not in _TWINS:
            raise ValueError(f"env_id {env_id!r} has no compiled twin; known: {', '.join(sorted(_TWINS))}")
        for name, v in (("n_envs", n_envs), ("n_steps", n_steps)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        for name, v in (("learning_rate", learning_rate), ("rms_eps", rms_eps)):
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be > 0, got {v!r}")
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
        if activation not in ("tanh", "relu"):
            raise ValueError(f"activation must be 'tanh' or 'relu', got {activation!r}")
        kind, params_fn, max_len = _TWINS[env_id]
        self.env_id, self.env_kind = env_id, kind
        self.env_params = getattr(pg_envs if params_fn.startswith("puckworld") else envs_classic, params_fn)()
        import gymnasium

        env = gymnasium.make(env_id)
        self.obs_dim = int(np.prod(env.observation_space.shape))
        self.n_actions = int(env.action_space.n)
        self.hp = np.zeros(KA.HP_LEN)
        self.hp[[KA.HP_GAMMA, KA.HP_LR, KA.HP_RMS_ALPHA, KA.HP_RMS_EPS, KA.HP_VF_COEF, KA.HP_MAX_GRAD_NORM,
                 KA.HP_MAX_EP_LEN, KA.HP_N_ENVS, KA.HP_N_STEPS]] = [gamma, learning_rate, rms_alpha, rms_eps, vf_coef,
                                                                  max_grad_norm, max_len, n_envs, n_steps]
        self.act = mlp.ACT_TANH if activation == "tanh" else mlp.ACT_RELU
        h = [int(x) for x in hidden]
        self._init_args = dict(env_id=env_id, n_envs=int(n_envs), n_steps=int(n_steps), gamma=float(gamma),
                               learning_rate=float(learning_rate), vf_coef=float(vf_coef),
                               max_grad_norm=float(max_grad_norm), rms_alpha=float(rms_alpha),
                               rms_eps=float(rms_eps), hidden=h, activation=activation, seed=seed)
        self.sizes_pi = np.array([self.obs_dim, *h, self.n_actions], np.int64)
        self.sizes_v = np.array([self.obs_dim, *h, 1], np.int64)
        ss = np.random.SeedSequence(seed)
        s_init, s_act, s_env = ss.spawn(3)
        init = np.random.default_rng(s_init)
        self.theta_pi = np.empty(mlp.mlp_n_params(self.sizes_pi))
        self.theta_v = np.empty(mlp.mlp_n_params(self.sizes_v))
        mlp.mlp_init(self.theta_pi, self.sizes_pi, init)
        mlp.mlp_init(self.theta_v, self.sizes_v, init)
        n_out = (self.sizes_pi[-2] + 1) * self.n_actions
        self.theta_pi[-n_out:] *= 0.01  # small policy output layer (SB3 uses orthogonal gain 0.01)
        self.rms_pi, self.rms_v = np.zeros_like(self.theta_pi), np.zeros_like(self.theta_v)
        self.rng, self.env_rng = np.random.default_rng(s_act), np.random.default_rng(s_env)
        self.env_states = np.zeros((n_envs, dqn.ENV_STATE_LEN))
        self.obs = np.zeros((n_envs, self.obs_dim))
        o = np.empty(self.obs_dim)
        for k in range(n_envs):
            dqn.env_reset(kind, self.env_params, self.env_states[k], self.env_rng, o)
            self.obs[k] = o
        self.ep_len, self.ep_ret = np.zeros(n_envs, np.int64), np.zeros(n_envs)
        self.num_timesteps, self.n_episodes = 0, 0
        self._ret, self._end = np.zeros(0), np.zeros(0, np.int64)

    @property
    def episode_returns(self) -> np.ndarray:
        return self._ret[:self.n_episodes]

    @property
    def episode_end_steps(self) -> np.ndarray:
        return self._end[:self.n_episodes]

    def learn(self, total_steps: int):
        """Train for ``total_steps`` env steps (whole updates of n_envs·n_steps); returns ``self``."""
        from ..kernels import a2c as KA

        if isinstance(total_steps, bool) or not isinstance(total_steps, (int, np.integer)) or total_steps <= 0:
            raise ValueError(f"total_steps must be a positive int, got {total_steps!r}")
        cap = self.n_episodes + total_steps // 8 + 16  # an episode lasts >= 8 steps in these envs
        ret, end = np.zeros(cap), np.zeros(cap, np.int64)
        ret[:self.n_episodes], end[:self.n_episodes] = self.episode_returns, self.episode_end_steps
        n_done, steps, status = KA.a2c_train(self.env_kind, self.env_params, self.env_states, self.env_rng, self.obs,
                                             self.ep_len, self.ep_ret, self.theta_pi, self.sizes_pi, self.theta_v,
                                             self.sizes_v, self.act, self.rms_pi, self.rms_v, self.hp,
                                             int(total_steps), self.rng, ret, end, self.n_episodes,
                                             self.num_timesteps)
        self._ret, self._end = ret, end
        self.n_episodes, self.num_timesteps = min(n_done, cap), steps
        if status < 0:
            raise FloatingPointError("A2CMLP: the gradient became non-finite; training stopped "
                                     f"(learning_rate={self.hp[KA.HP_LR]} too large?)")
        return self

    def evaluate(self, episodes: int = 10, seed: int | None = 0) -> np.ndarray:
        """Greedy returns of ``episodes`` episodes on the compiled twin."""
        from ..kernels import a2c as KA

        out = np.empty(episodes)
        KA.a2c_evaluate(self.env_kind, self.env_params, np.random.default_rng(seed), self.theta_pi, self.sizes_pi,
                        self.act, self.obs_dim, episodes, int(self.hp[KA.HP_MAX_EP_LEN]), out)
        return out

    def predict(self, obs, deterministic: bool = True) -> int:
        from ..kernels import mlp

        x = np.asarray(obs, dtype=np.float64).reshape(1, self.obs_dim)
        if not np.all(np.isfinite(x)):
            raise ValueError("obs contains NaN or inf")
        logits = mlp.mlp_forward(self.theta_pi, self.sizes_pi, self.act, x,
                                 np.empty(mlp.mlp_acts_size(self.sizes_pi, 1)))[0]
        if deterministic:
            return int(np.argmax(logits))
        p = np.exp(logits - logits.max())
        return int(self.rng.choice(self.n_actions, p=p / p.sum()))

    _STATE = ("theta_pi", "theta_v", "rms_pi", "rms_v", "env_states", "obs", "ep_len", "ep_ret")

    def save(self, path):
        """Everything needed to resume bit-identically (parameters, RMSprop state, envs, RNGs), pickle-free."""
        from .. import io as _io

        arrays = {k: getattr(self, k) for k in self._STATE}
        arrays.update(episode_returns=self.episode_returns, episode_end_steps=self.episode_end_steps)
        meta = {"args": self._init_args, "num_timesteps": int(self.num_timesteps), "n_episodes": int(self.n_episodes),
                "rng": _io.rng_state(self.rng), "env_rng": _io.rng_state(self.env_rng)}
        return _io.save(path, "A2CMLP", meta, arrays)

    @classmethod
    def load(cls, path) -> "A2CMLP":
        from .. import io as _io

        _, meta, arrays = _io.load(path, kind="A2CMLP")
        args = dict(meta["args"])
        args["hidden"] = tuple(args["hidden"])
        agent = cls(args.pop("env_id"), **args)
        for k in cls._STATE:
            getattr(agent, k)[...] = arrays[k]
        agent._ret = np.array(arrays["episode_returns"], dtype=np.float64)
        agent._end = np.array(arrays["episode_end_steps"], dtype=np.int64)
        agent.n_episodes, agent.num_timesteps = int(meta["n_episodes"]), int(meta["num_timesteps"])
        agent.rng, agent.env_rng = _io.rng_from_state(meta["rng"]), _io.rng_from_state(meta["env_rng"])
        return agent
