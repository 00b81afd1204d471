"""A2CMLP: A2C with MLP actor and critic over K copies of an environment, compiled when it can be.

SB3's ``A2C("MlpPolicy")`` maths and defaults (RL-Zoo CartPole settings: 8 envs, 5 steps,
γ = 0.99, RMSprop lr 7e-4 (ρ = 0.99, ε = 1e-5), value coefficient 0.5, gradient norm clip 0.5,
separate tanh networks of 64-64 units for actor and critic, no entropy bonus); the maths is in
:mod:`fastfa.kernels.nn.a2c`.  Differences from SB3: PyTorch-default (uniform) initialisation with
the policy output layer scaled by 0.01 instead of orthogonal initialisation; float64 throughout.

Two loops, same numbers for the same seed:

* the **compiled loop** (``fastfa.kernels.nn.a2c.a2c_run_tpl`` specialised on the env's functions,
  cached on disk for the built-in envs) when the env is a :class:`fastfa.envs.CompiledEnv` (the
  user's own too, checked once with :func:`fastfa.envs.check_compiled_env`) or a gymnasium env
  with a compiled twin (CartPole-v1, Acrobot-v1, MountainCar-v0), see
  :func:`fastfa.agents.compiled_control.compiled_target`;
* the **Python loop** otherwise (or with ``compiled=False``): K copies of the env
  (``gymnasium.make(env.spec)``, else ``copy.deepcopy``), each step calling the same kernels.

All K envs draw from one env generator (the Python loop gives the K copies one shared
``np_random``), envs are stepped in order k = 0 … K−1 and an ended episode is reset at once.

Example::

    >>> from fastfa.agents import A2CMLP
    >>> agent = A2CMLP("CartPole-v1", seed=0).learn(200_000)          # doctest: +SKIP
    >>> agent.evaluate(episodes=10).mean_return                       # doctest: +SKIP
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TYPE_CHECKING

import numpy as np

from .._checks import check_int_min, check_interval, check_positive
from ._contract import check_budget, env_id_of, make_config, resolve_env
from ._deep import DeepContract
from .._typing import ArrayLike, Callback, EnvArg, FeaturesArg, PathLike

if TYPE_CHECKING:
    from typing_extensions import Self

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
        dtype: ``"float64"`` (default) or ``"float32"`` parameters and batch arithmetic (twice the
            vector width; what SB3 and JAX use; tanh then uses XLA's float32 approximation, within
            7 float32 ulp — see ``fastfa.kernels.nn.tanh``).
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
    dtype: str = "float64"

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
        if self.dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}")


class A2CMLP(DeepContract):
    """MLP A2C: ``A2CMLP(env="CartPole-v1", features=None, *, config=None, seed=None, compiled="auto",
    **overrides)``.  ``env``: an env id, a gymnasium env or a :class:`fastfa.envs.CompiledEnv` with a
    1-D Box observation and ``Discrete`` actions; options: :class:`A2CMLPConfig`.  ``compiled``:
    ``"auto"`` (the compiled loop when the env allows it), ``True`` (required) or ``False`` (Python loop)."""

    _can_chunk = True

    def __init__(
        self,
        env: EnvArg = "CartPole-v1",
        features: FeaturesArg = None,
        *,
        config: A2CMLPConfig | None = None,
        seed: int | None = None,
        compiled: Any = "auto",
        **overrides: Any,
    ) -> None:
        from gymnasium import spaces

        from ..kernels.nn import a2c as KA
        from ..kernels.nn import mlp
        from .compiled_control import compiled_target

        if "env_id" in overrides:  # 0.1.0 keyword
            env = overrides.pop("env_id")
        if features is not None:
            raise TypeError("A2CMLP learns its own features (MLPs): features must be None")
        if compiled not in ("auto", True, False):
            raise ValueError(f"compiled must be 'auto', True or False, got {compiled!r}")
        c = make_config(A2CMLPConfig, config, overrides, "A2CMLP")
        proto = resolve_env(env)
        obs_sp, act_sp = proto.observation_space, proto.action_space
        if not (isinstance(obs_sp, spaces.Box) and len(obs_sp.shape) == 1):
            raise ValueError(f"env: A2CMLP needs a 1-D Box observation space, got {obs_sp!r}")
        if not (isinstance(act_sp, spaces.Discrete) and int(act_sp.start) == 0):
            raise ValueError(f"env: A2CMLP needs a Discrete action space starting at 0, got {act_sp!r}")
        target = compiled_target(proto)
        if compiled is True and target is None:
            raise ValueError(
                "compiled=True: the env is not a fastfa.envs.CompiledEnv or a gymnasium env with a compiled twin"
            )
        self.config, self.seed = c, seed
        self.env, self.env_id = proto, (env if isinstance(env, str) else env_id_of(proto))
        self.compiled = target is not None and compiled is not False
        self._target = target if self.compiled else None
        self.obs_dim, self.n_actions = int(obs_sp.shape[0]), int(act_sp.n)
        K, N = c.n_envs, c.n_steps
        self.hp = KA.make_hp(c.gamma, c.learning_rate, c.rms_alpha, c.rms_eps, c.vf_coef, c.max_grad_norm)
        self.act = mlp.ACT_TANH if c.activation == "tanh" else mlp.ACT_RELU
        self._step_quantum = K * N
        self.sizes_pi = np.array([self.obs_dim, *c.hidden, self.n_actions], np.int64)
        self.sizes_v = np.array([self.obs_dim, *c.hidden, 1], np.int64)
        s_init, s_act, s_env = np.random.SeedSequence(seed).spawn(3)
        init = np.random.default_rng(s_init)
        self.theta_pi = mlp.aligned_zeros(mlp.mlp_n_params(self.sizes_pi), c.dtype)  # (64-byte aligned)
        self.theta_v = mlp.aligned_zeros(mlp.mlp_n_params(self.sizes_v), c.dtype)
        mlp.mlp_init(self.theta_pi, self.sizes_pi, init)
        mlp.mlp_init(self.theta_v, self.sizes_v, init)
        n_out = (self.sizes_pi[-2] + 1) * self.n_actions
        self.theta_pi[-n_out:] *= 0.01  # small policy output layer (SB3 uses orthogonal gain 0.01)
        self.rms_pi = mlp.aligned_zeros(self.theta_pi.shape[0], c.dtype)
        self.rms_v = mlp.aligned_zeros(self.theta_v.shape[0], c.dtype)
        self.rng, self.env_rng = np.random.default_rng(s_act), np.random.default_rng(s_env)
        state_size = target.cenv.state.shape[0] if self.compiled else 1
        self.env_states = np.zeros((K, state_size))
        self.obs = np.zeros((K, self.obs_dim))
        self.ep_len, self.ep_ret = np.zeros(K, np.int64), np.zeros(K)
        self.counts = np.zeros(2, np.int64)  # episodes finished, env steps done
        self.started = False  # envs reset (at the first learn)
        self._ret, self._len, self._end = np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
        self._envs: list | None = None
        self._nets = KA.A2CNets(
            self.theta_pi, self.sizes_pi, self.theta_v, self.sizes_v, self.rms_pi, self.rms_v, self.act
        )
        self.work = KA.make_work(self._nets, K, N)

    # ------------------------------------------------------------------ state
    @property
    def num_timesteps(self) -> int:
        """Env steps done (summed over the envs)."""
        return int(self.counts[1])

    @property
    def n_episodes(self) -> int:
        """Episodes finished."""
        return int(self.counts[0])

    @property
    def episode_returns(self) -> np.ndarray:
        return self._ret[: self.n_episodes]

    @property
    def episode_lengths(self) -> np.ndarray:
        return self._len[: self.n_episodes]

    @property
    def episode_end_steps(self) -> np.ndarray:
        return self._end[: self.n_episodes]

    def _greedy_net(self):
        return self.theta_pi, self.sizes_pi, self.act, 0

    def _episodes(self, extra: int):
        """Episode arrays with room for ``extra`` more episodes (an episode lasts >= 1 step)."""
        from ..kernels.nn import a2c as KA

        n = self.n_episodes
        cap = n + extra + self.config.n_envs
        if self._ret.shape[0] < cap:
            self._ret, self._len, self._end = (
                np.concatenate([a[:n], np.zeros(cap - n, a.dtype)]) for a in (self._ret, self._len, self._end)
            )
        return KA.A2CEpisodes(self.ep_len, self.ep_ret, self._ret, self._len, self._end)

    # ------------------------------------------------------------------ learning
    def learn(
        self,
        *args: Any,
        total_steps: int | None = None,
        episodes: int | None = None,
        callback: Callback | None = None,
        progress: bool = False,
        checkpoint_every: int | None = None,
        checkpoint_path: PathLike | None = None,
        chunk: int | None = None,
    ) -> Self:
        """Train for ``total_steps`` more env steps, or until ``episodes`` more episodes finished, in
        whole updates of ``n_envs * n_steps`` steps (both given: whichever comes first); returns ``self``.
        Callbacks, progress and checkpoints as :meth:`fastfa.agents.DQN.learn` (between chunks)."""
        if episodes is None:
            return super().learn(
                *args,
                total_steps=total_steps,
                callback=callback,
                progress=progress,
                checkpoint_every=checkpoint_every,
                checkpoint_path=checkpoint_path,
                chunk=chunk,
            )
        _, episodes = check_budget(None, episodes)
        assert episodes is not None  # check_budget: one of the two is given
        if checkpoint_every is not None:
            raise ValueError("checkpoint_every: checkpoints need a total_steps budget (not episodes=)")
        stop_at = self._stop_at = self.n_episodes + int(episodes)

        def until(info: dict) -> bool | None:  # the compiled loop stops at the update reaching stop_at
            user_stop = callback is not None and callback(info) is False
            return False if user_stop or info["episode"] >= stop_at else None

        try:
            return super().learn(
                *args,
                total_steps=total_steps if total_steps is not None else 2**62 - self._step_quantum,
                callback=until,
                progress=progress,
                chunk=chunk or 1_000_000,
            )
        finally:
            self._stop_at = -1

    _stop_at = -1

    def _learn_chunk(self, total_steps: int) -> None:
        """Train ``ceil(total_steps / (n_envs·n_steps))`` more updates (fewer if an ``episodes`` budget ends)."""
        from ..kernels.nn import a2c as KA

        n_updates = -(-int(total_steps) // self._step_quantum)
        eps = self._episodes(n_updates * self._step_quantum)
        if self.compiled:
            status = self._run_compiled(n_updates, eps)
        else:
            status = self._run_python(n_updates, eps)
        if status != KA.OK:
            raise FloatingPointError(
                "A2CMLP: the gradient became non-finite; training stopped "
                f"(learning_rate={self.config.learning_rate} too large?)"
            )

    def _units(self):
        """The fused training loop and the greedy evaluation for this env (cached for built-in envs)."""
        from .compiled_control import env_unit

        cenv = self._target.cenv
        return lambda tpl, name: env_unit(tpl, cenv, name)

    def _run_compiled(self, n_updates, eps) -> int:
        from ..kernels.nn import a2c as KA

        unit = self._units()(KA.a2c_run_tpl, "a2c_mlp")
        assert self._target is not None  # compiled mode has a target env
        cenv = self._target.cenv
        status = unit(
            cenv.params,
            self.env_states,
            self.env_rng,
            self.obs,
            self._nets,
            self.work,
            self.hp,
            eps,
            int(self._target.max_steps),
            n_updates,
            int(self._stop_at),
            not self.started,
            self.rng,
            self.counts,
        )
        self.started = True
        return status

    def _make_envs(self) -> list:
        import gymnasium

        def one():
            if self.env.spec is not None:
                try:
                    return gymnasium.make(self.env.spec)
                except (gymnasium.error.Error, ValueError, TypeError):  # e.g. a wrapper gymnasium cannot re-make
                    pass
            return copy.deepcopy(self.env)

        envs = [one() for _ in range(self.config.n_envs)]
        for e in envs:
            e.unwrapped.np_random = self.env_rng  # one shared env generator, as in the compiled loop
        return envs

    def _run_python(self, n_updates, eps) -> int:
        """The Python loop: the compiled loop's steps, one env step per gymnasium call."""
        from ..kernels.nn import a2c as KA

        if self._envs is None:
            self._envs = self._make_envs()
        envs, nets, w, hp, K = self._envs, self._nets, self.work, self.hp, self.config.n_envs
        if not self.started:
            for k in range(K):
                self.obs[k] = envs[k].reset()[0]
            self.started = True
        actions = np.empty(K, np.int64)
        for _ in range(n_updates):
            for n in range(self.config.n_steps):
                KA.a2c_act(nets, w, self.obs, n, self.rng, actions)
                for k in range(K):
                    o, r, term, trunc, _ = envs[k].step(int(actions[k]))
                    x = np.asarray(o, dtype=np.float64)
                    r = float(r)
                    self.ep_len[k] += 1
                    self.ep_ret[k] += r
                    trunc = bool(trunc) and not term
                    if trunc:
                        r += hp.gamma * KA.a2c_value1(nets, w, x)
                    w.rew[n, k], w.done[n, k] = r, term or trunc
                    self.counts[1] += 1
                    if term or trunc:
                        KA.a2c_record(eps, k, int(self.counts[0]), int(self.counts[1]))
                        self.counts[0] += 1
                        x = np.asarray(envs[k].reset()[0], dtype=np.float64)
                    self.obs[k] = x
            if KA.a2c_update(nets, w, self.obs, hp) != KA.OK:
                return KA.NOT_FINITE
            if 0 <= self._stop_at <= self.counts[0]:
                break
        return KA.OK

    def evaluate_returns(self, episodes: int = 10, seed: int | None = None) -> np.ndarray:
        """Greedy returns of ``episodes`` episodes (the same numbers as
        ``evaluate(episodes=..., seed=...).returns``; one compiled call when the env runs compiled)."""
        from ..kernels.nn import a2c as KA

        if isinstance(episodes, bool) or not isinstance(episodes, (int, np.integer)) or not 1 <= episodes <= 10**9:
            raise ValueError(f"episodes must be an int in [1, 1e9], got {episodes!r}")
        if not self.compiled:
            return self.evaluate(episodes=episodes, seed=seed).returns
        out, lengths = np.empty(episodes), np.empty(episodes, np.int64)
        unit = self._units()(KA.a2c_greedy_tpl, "a2c_mlp_greedy")
        rng = np.random.default_rng(seed)
        assert self._target is not None  # compiled mode has a target env
        unit(self._target.cenv.params, rng, self._nets, episodes, int(self._target.max_steps), out, lengths)
        return out

    def predict(self, obs: ArrayLike, deterministic: bool = True) -> ArrayLike:
        """Most probable action (``deterministic``) or a sample of the policy; a batch -> an array."""
        from ..kernels.nn import mlp

        if np.ndim(obs) == 2:
            return np.array([self.predict(o, deterministic) for o in np.asarray(obs)], dtype=np.int64)
        x = np.asarray(obs, dtype=np.float64).reshape(1, self.obs_dim)
        if not np.all(np.isfinite(x)):
            raise ValueError("obs contains NaN or inf")
        dt = self.theta_pi.dtype  # as in the training loops: the observation in the networks' precision
        logits = mlp.mlp_forward(
            self.theta_pi, self.sizes_pi, self.act, x.astype(dt), np.empty(mlp.mlp_acts_size(self.sizes_pi, 1), dt)
        )[0]
        if deterministic:
            return int(np.argmax(logits))
        p = np.exp(logits - logits.max())
        return int(self.rng.choice(self.n_actions, p=p / p.sum()))

    # ------------------------------------------------------------------ files
    _STATE = ("theta_pi", "theta_v", "rms_pi", "rms_v", "obs", "ep_len", "ep_ret")

    def save(self, path: PathLike, include_buffer: bool = True) -> Path:
        """Everything needed to resume bit-identically (parameters, RMSprop state, envs, generators),
        pickle-free.  The Python loop's gymnasium envs cannot be saved: a loaded agent restarts them."""
        from ._a2c_mlp_io import save_a2c_mlp

        return save_a2c_mlp(self, path)

    @classmethod
    def load(cls, path: PathLike, env: EnvArg = None) -> "A2CMLP":
        """Rebuild an agent saved by :meth:`save` (0.1.0 files too); ``env``: the env to train on
        (default: the saved id; required for an env without one)."""
        from ._a2c_mlp_io import load_a2c_mlp

        return load_a2c_mlp(cls, path, env)
