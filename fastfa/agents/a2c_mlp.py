"""A2CMLP: A2C with MLP actor and critic, fully compiled over K compiled env twins.

SB3's ``A2C("MlpPolicy")`` maths and defaults (RL-Zoo CartPole settings: 8 envs, 5 steps,
γ = 0.99, RMSprop lr 7e-4 (ρ = 0.99, ε = 1e-5), value coefficient 0.5, gradient norm clip 0.5,
separate tanh networks of 64-64 units for actor and critic, no entropy bonus), run in one
``@njit`` loop (:mod:`fastfa.kernels.nn.a2c`) over the compiled twins of CartPole-v1,
Acrobot-v1, MountainCar-v0 and PuckWorldDiscrete-v0.  Differences from SB3: PyTorch-default
(uniform) initialisation with the policy output layer scaled by 0.01 instead of orthogonal
initialisation; float64 throughout.

Example::

    >>> from fastfa.agents import A2CMLP
    >>> agent = A2CMLP("CartPole-v1", seed=0).learn(200_000)          # doctest: +SKIP
    >>> agent.evaluate(episodes=10).mean_return                       # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

from pathlib import Path

import numpy as np

from .. import io as _io
from .._checks import check_count, check_int_min, check_interval, check_positive
from ._contract import env_id_of, make_config
from ._deep import DeepContract
from .._typing import ArrayLike, EnvArg, FeaturesArg, PathLike

if TYPE_CHECKING:
    import gymnasium

__all__ = ["A2CMLP", "A2CMLPConfig"]


@dataclass(frozen=True)
class A2CMLPConfig:
    """Hyper-parameters of :class:`A2CMLP` (SB3's A2C defaults, RL-Zoo CartPole settings).

    Attributes:
        n_envs: parallel envs (int >= 1).
        n_steps: steps per env and update (int >= 1); an update uses n_envs * n_steps samples.
        gamma: discount in [0, 1].
        learning_rate: RMSprop step size (> 0).
        vf_coef: weight of the value loss (>= 0).
        max_grad_norm: global gradient-norm clip (>= 0; 0 = no clipping).
        rms_alpha: RMSprop decay ρ in [0, 1).
        rms_eps: RMSprop ε (> 0).
        hidden: widths of the hidden layers of both networks (ints >= 1).
        activation: ``"tanh"`` or ``"relu"``.
    """

    n_envs: int = 8
    n_steps: int = 5
    gamma: float = 0.99
    learning_rate: float = 7e-4
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    rms_alpha: float = 0.99
    rms_eps: float = 1e-5
    hidden: tuple = (64, 64)
    activation: str = "tanh"

    def __post_init__(self):
        check_int_min("n_envs", self.n_envs, 1)
        check_int_min("n_steps", self.n_steps, 1)
        check_interval("gamma", self.gamma, 0.0, 1.0)
        check_positive("learning_rate", self.learning_rate)
        check_interval("vf_coef", self.vf_coef, 0.0, 1e9)
        check_interval("max_grad_norm", self.max_grad_norm, 0.0, math.inf)
        check_interval("rms_alpha", self.rms_alpha, 0.0, 1.0)
        check_positive("rms_eps", self.rms_eps)
        h = tuple(self.hidden) if isinstance(self.hidden, (list, tuple)) else (self.hidden,)
        for x in h:
            check_int_min("hidden (each width)", x, 1)
        object.__setattr__(self, "hidden", tuple(int(x) for x in h))
        if self.activation not in ("tanh", "relu"):
            raise ValueError(f"activation must be 'tanh' or 'relu', got {self.activation!r}")


class A2CMLP(DeepContract):
    """Compiled MLP A2C: ``A2CMLP(env, features=None, *, config=None, seed=None, **overrides)``; ``env`` is an
    env id (or a gymnasium env made from one) with a compiled twin; options: :class:`A2CMLPConfig`."""

    def __init__(
        self,
        env: str | gymnasium.Env = "CartPole-v1",
        features: FeaturesArg = None,
        *,
        config: A2CMLPConfig | None = None,
        seed: int | None = None,
        **overrides: Any,
    ) -> None:
        from ..kernels.nn import a2c as KA
        from ..kernels.nn import dqn
        from ..kernels.envs import classic as envs_classic
        from ..kernels.nn import mlp
        from ..kernels.envs import puck_corridor as pg_envs
        from .dqn import _TWINS

        if "env_id" in overrides:
            env = overrides.pop("env_id")
        if features is not None:
            raise TypeError("A2CMLP learns its own features (MLPs): features must be None")
        env_id = env if isinstance(env, str) else env_id_of(env)
        if env_id not in _TWINS:
            raise ValueError(f"env {env_id!r} has no compiled twin; known: {', '.join(sorted(_TWINS))}")
        c = make_config(A2CMLPConfig, config, overrides, "A2CMLP")
        self.config = c
        n_envs, n_steps, hidden, activation = c.n_envs, c.n_steps, c.hidden, c.activation
        kind, params_fn, max_len = _TWINS[env_id]
        self.env_id, self.env_kind = env_id, kind
        self.env_params = getattr(pg_envs if params_fn.startswith("puckworld") else envs_classic, params_fn)()
        import gymnasium

        probe = gymnasium.make(env_id)
        self.obs_dim = int(np.prod(probe.observation_space.shape or ()))
        self.n_actions = int(probe.action_space.n)  # type: ignore[attr-defined]  # _TWINS: all Discrete
        self.hp = np.zeros(KA.HP_LEN)
        self.hp[
            [
                KA.HP_GAMMA,
                KA.HP_LR,
                KA.HP_RMS_ALPHA,
                KA.HP_RMS_EPS,
                KA.HP_VF_COEF,
                KA.HP_MAX_GRAD_NORM,
                KA.HP_MAX_EP_LEN,
                KA.HP_N_ENVS,
                KA.HP_N_STEPS,
            ]
        ] = [c.gamma, c.learning_rate, c.rms_alpha, c.rms_eps, c.vf_coef, c.max_grad_norm, max_len, n_envs, n_steps]
        self.act = mlp.ACT_TANH if activation == "tanh" else mlp.ACT_RELU
        h = [int(x) for x in hidden]
        self._init_args = dict(env_id=env_id, **{k: v for k, v in dataclasses.asdict(c).items()}, seed=seed)
        self._init_args["hidden"] = h
        self._step_quantum = n_envs * n_steps
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
        return self._ret[: self.n_episodes]

    @property
    def episode_end_steps(self) -> np.ndarray:
        return self._end[: self.n_episodes]

    _can_chunk = True
    num_timesteps: int

    def _greedy_net(self):
        return self.theta_pi, self.sizes_pi, self.act, 0

    def _learn_chunk(self, total_steps: int):
        """Train for ``total_steps`` env steps (whole updates of n_envs·n_steps)."""
        from ..kernels.nn import a2c as KA

        cap = self.n_episodes + total_steps // 8 + 16  # an episode lasts >= 8 steps in these envs
        ret, end = np.zeros(cap), np.zeros(cap, np.int64)
        ret[: self.n_episodes], end[: self.n_episodes] = self.episode_returns, self.episode_end_steps
        n_done, steps, status = KA.a2c_train(
            self.env_kind,
            self.env_params,
            self.env_states,
            self.env_rng,
            self.obs,
            self.ep_len,
            self.ep_ret,
            self.theta_pi,
            self.sizes_pi,
            self.theta_v,
            self.sizes_v,
            self.act,
            self.rms_pi,
            self.rms_v,
            self.hp,
            int(total_steps),
            self.rng,
            ret,
            end,
            self.n_episodes,
            self.num_timesteps,
        )
        self._ret, self._end = ret, end
        self.n_episodes, self.num_timesteps = min(n_done, cap), steps
        if status < 0:
            raise FloatingPointError(
                "A2CMLP: the gradient became non-finite; training stopped "
                f"(learning_rate={self.hp[KA.HP_LR]} too large?)"
            )

    def evaluate_returns(self, episodes: int = 10, seed: int | None = None) -> np.ndarray:
        """Greedy returns of ``episodes`` episodes in one compiled call on the twin (fast; no lengths) --
        the same numbers as ``evaluate(episodes=..., seed=...).returns``."""
        from ..kernels.nn import a2c as KA

        if isinstance(episodes, bool) or not isinstance(episodes, (int, np.integer)) or not 1 <= episodes <= 10**9:
            raise ValueError(f"episodes must be an int in [1, 1e9], got {episodes!r}")
        out = np.empty(episodes)
        KA.a2c_evaluate(
            self.env_kind,
            self.env_params,
            np.random.default_rng(seed),
            self.theta_pi,
            self.sizes_pi,
            self.act,
            self.obs_dim,
            episodes,
            int(self.hp[KA.HP_MAX_EP_LEN]),
            out,
        )
        return out

    def predict(self, obs: ArrayLike, deterministic: bool = True) -> ArrayLike:
        """Most probable action (``deterministic``) or a sample of the policy; a batch -> an array."""
        from ..kernels.nn import mlp

        if np.ndim(obs) == 2:
            return np.array([self.predict(o, deterministic) for o in np.asarray(obs)], dtype=np.int64)
        x = np.asarray(obs, dtype=np.float64).reshape(1, self.obs_dim)
        if not np.all(np.isfinite(x)):
            raise ValueError("obs contains NaN or inf")
        logits = mlp.mlp_forward(
            self.theta_pi, self.sizes_pi, self.act, x, np.empty(mlp.mlp_acts_size(self.sizes_pi, 1))
        )[0]
        if deterministic:
            return int(np.argmax(logits))
        p = np.exp(logits - logits.max())
        return int(self.rng.choice(self.n_actions, p=p / p.sum()))

    _STATE = ("theta_pi", "theta_v", "rms_pi", "rms_v", "env_states", "obs", "ep_len", "ep_ret")

    def save(self, path: PathLike, include_buffer: bool = True) -> Path:
        """Everything needed to resume bit-identically (parameters, RMSprop state, envs, RNGs), pickle-free."""
        from .. import io as _io

        arrays = {k: getattr(self, k) for k in self._STATE}
        arrays.update(episode_returns=self.episode_returns, episode_end_steps=self.episode_end_steps)
        meta = {
            "args": self._init_args,
            "num_timesteps": int(self.num_timesteps),
            "n_episodes": int(self.n_episodes),
            "rng": _io.rng_state(self.rng),
            "env_rng": _io.rng_state(self.env_rng),
            "contract": {"pending": self._pending, "wall_time_s": self._wall_s},
        }
        return _io.save(path, "A2CMLP", meta, arrays)

    @classmethod
    @_io.loader
    def load(cls, path: PathLike, env: EnvArg = None) -> "A2CMLP":
        """Rebuild an agent saved by :meth:`save` (0.1.0 files too); ``env``: an id or env of the same
        compiled twin (default: the saved id)."""
        from .. import io as _io

        _, meta, arrays = _io.load(path, kind="A2CMLP")
        args = dict(meta["args"])
        args["hidden"] = tuple(args["hidden"])
        env_id = args.pop("env_id")
        agent = cls(env if env is not None else env_id, seed=args.pop("seed", None), **args)
        for k in cls._STATE:  # exact shapes (a corrupt entry must not broadcast), finite values
            target = getattr(agent, k)
            target[...] = _io.check_array(arrays, k, kind="biuf", shape=target.shape, finite=True)
        n_ep = len(_io.check_array(arrays, "episode_returns", kind="f", shape=(None,)))
        agent._ret = np.array(arrays["episode_returns"], dtype=np.float64)
        agent._end = np.array(_io.check_array(arrays, "episode_end_steps", kind="iu", shape=(n_ep,)), dtype=np.int64)
        # n_episodes indexes the episode arrays inside the compiled loop: it must be their length
        agent.n_episodes = check_count("n_episodes", meta["n_episodes"], low=n_ep, high=n_ep)
        agent.num_timesteps = check_count("num_timesteps", meta["num_timesteps"], low=0)
        if (agent.ep_len < 0).any():
            raise ValueError("ep_len must be >= 0")
        agent.rng, agent.env_rng = _io.rng_from_state(meta["rng"]), _io.rng_from_state(meta["env_rng"])
        c = meta.get("contract", {})
        agent._pending, agent._wall_s = c.get("pending"), float(c.get("wall_time_s", 0.0))
        return agent
