"""DQN (Mnih et al. 2013, 2015) with Double-DQN option, on compiled MLP and replay kernels.

Deep Q-learning (S&B 16.5): an MLP q(s, ·; θ) trained on minibatches drawn
uniformly from a replay buffer towards y = r + γ max_a q(s', a; θ⁻) with a
target network θ⁻ copied every C steps (or Polyak-averaged with τ < 1).
Options: prioritized replay (``prioritized=True``, Schaul et al. 2016) and
n-step returns (``n_step=n``, S&B 7.1), alone or together.  The
maths is in ``fastfa.kernels.nn.dqn``; this file validates, holds state, and
drives either

* the **Python loop** (``fastfa.loop.run``): any gymnasium env with a Box
  observation and Discrete actions; each step calls compiled kernels;
* the **compiled loop** (``kernels/loops/dqn_loop.py``, specialised on the env's
  functions): env, ε-greedy policy, replay and gradient steps fused in one
  ``@njit`` function — for any :class:`fastfa.envs.CompiledEnv` (the user's own or a
  built-in one), and for the ids ``CartPole-v1``, ``Acrobot-v1``, ``MountainCar-v0``
  (and their ``fastfa/`` ids) and ``fastfa/PuckWorldDiscrete-v0``, which run on their
  built-in CompiledEnv twins.

Both loops draw the same random streams (actions, minibatches, env resets)
and follow Stable-Baselines3's step order; for the same seed they train the
same network, bit for bit (the twins are bit-identical to gymnasium's envs).

Example::

    >>> from fastfa.agents import DQN
    >>> agent = DQN("CartPole-v1", seed=0).learn(total_steps=50_000)
    >>> agent.evaluate(episodes=10).mean_return
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from pathlib import Path

import numpy as np

from .. import io as _io
from .._checks import MAX_BUDGET, check_count
from ..buffers import PrioritizedReplayBuffer, ReplayBuffer
from ..loop import Progress, run
from ._contract import make_config, warn_legacy
from ._deep import DeepContract
from .._typing import ArrayLike, EnvArg, FeaturesArg, PathLike
from numpy.random import Generator

__all__ = ["DQN", "DQNConfig"]


@dataclass(frozen=True)
class DQNConfig:
    """Hyper-parameters of :class:`DQN` (defaults tuned for CartPole-v1, see docs/dqn.md).

    Attributes:
        hidden: widths of the hidden layers of the Q-network.
        activation: hidden activation, ``"relu"`` or ``"tanh"`` (output layer linear).
        learning_rate: optimiser step size.
        learning_rate_end: if not None, the step size decays linearly to this value
            over ``lr_decay_steps`` env steps (stabilises the final policy).
        lr_decay_steps: length of that decay, in env steps.
        buffer_size: replay capacity (transitions).
        learning_starts: env steps of uniformly random actions before learning.
        batch_size: minibatch size.
        gamma: discount γ.
        train_freq: env steps between two training phases.
        gradient_steps: gradient steps per training phase.
        target_update_interval: C, env steps between target updates.
        tau: Polyak coefficient of the target update (1.0 = hard copy).
        exploration_initial_eps, exploration_final_eps: ε at the start / the end of the decay.
        exploration_steps: env steps over which ε decays linearly.
        max_grad_norm: global gradient-norm clipping threshold (inf = none).
        double_dqn: use the Double-DQN target.
        loss: ``"huber"`` (κ = ``huber_kappa``) or ``"squared"`` (½δ²).
        huber_kappa: Huber threshold κ.
        optimizer: ``"adam"`` or ``"sgd"``.
        adam_beta1, adam_beta2, adam_eps: Adam constants (torch defaults).
        dtype: ``"float32"`` (fast) or ``"float64"`` parameters.
        prioritized: proportional prioritized replay (Schaul et al. 2016): sample row i with
            P(i) ∝ pᵢ^α, weight its loss by wᵢ = (N·P(i))^−β / maxⱼ wⱼ, and after each gradient
            step set pᵢ = |δᵢ| + ``per_eps`` for the sampled rows (new rows: the max priority).
        per_alpha: priority exponent α ≥ 0 (0 = uniform sampling, still IS-weighted).
        per_beta: initial IS exponent β₀ ∈ [0, 1], annealed linearly to 1 over ``per_beta_steps``.
        per_beta_steps: env steps (counted from the agent's first step, like ε and the lr decay)
            over which β reaches 1; 0 = β is 1 from the start.
        per_eps: ε > 0 added to |δ| so every stored transition keeps a chance to be replayed.
        n_step: n ≥ 1; n > 1 trains on n-step targets G + γᴷ max q⁻(S_{t+K}), K ≤ n, with
            windows cut at terminations (no bootstrap), time-limit truncations and the newest
            transition (bootstrap with γᴷ), exactly as ``ReplayBuffer(n_step=n)``.
    """

    hidden: tuple = (64, 64)
    activation: str = "relu"
    learning_rate: float = 2.3e-3
    learning_rate_end: float | None = 0.0
    lr_decay_steps: int = 50_000
    buffer_size: int = 100_000
    learning_starts: int = 1_000
    batch_size: int = 64
    gamma: float = 0.99
    train_freq: int = 256
    gradient_steps: int = 128
    target_update_interval: int = 10
    tau: float = 1.0
    exploration_initial_eps: float = 1.0
    exploration_final_eps: float = 0.01
    exploration_steps: int = 8_000
    max_grad_norm: float = 10.0
    double_dqn: bool = False
    loss: str = "huber"
    huber_kappa: float = 1.0
    optimizer: str = "adam"
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_eps: float = 1e-8
    dtype: str = "float32"
    prioritized: bool = False
    per_alpha: float = 0.6
    per_beta: float = 0.4
    per_beta_steps: int = 50_000
    per_eps: float = 1e-6
    n_step: int = 4

    # (field, low, high) of the int fields; (field, low, high, low_open) of the real ones
    _INTS = (
        ("lr_decay_steps", 0, MAX_BUDGET),
        ("buffer_size", 1, 2**40),
        ("learning_starts", 0, MAX_BUDGET),
        ("batch_size", 1, 2**31),
        ("train_freq", 1, MAX_BUDGET),
        ("gradient_steps", 0, 2**31),
        ("target_update_interval", 1, MAX_BUDGET),
        ("exploration_steps", 0, MAX_BUDGET),
        ("per_beta_steps", 0, MAX_BUDGET),
        ("n_step", 1, 2**20),
    )
    _REALS = (
        ("learning_rate", 0.0, math.inf, True),
        ("gamma", 0.0, 1.0, False),
        ("tau", 0.0, 1.0, True),
        ("exploration_initial_eps", 0.0, 1.0, False),
        ("exploration_final_eps", 0.0, 1.0, False),
        ("max_grad_norm", 0.0, math.inf, True),
        ("huber_kappa", 0.0, math.inf, True),
        ("adam_beta1", 0.0, 1.0, False),
        ("adam_beta2", 0.0, 1.0, False),
        ("adam_eps", 0.0, math.inf, True),
        ("per_alpha", 0.0, math.inf, False),
        ("per_beta", 0.0, 1.0, False),
        ("per_eps", 0.0, math.inf, True),
    )
    _CHOICES = (
        ("activation", ("relu", "tanh")),
        ("loss", ("huber", "squared")),
        ("optimizer", ("adam", "sgd")),
        ("dtype", ("float32", "float64")),
    )

    def __post_init__(self):
        """Check every field (type and range) once; the error names the field and its allowed range."""
        try:
            h = tuple(self.hidden)
        except TypeError:
            raise ValueError(f"DQNConfig.hidden must be a tuple of ints in [1, 65536], got {self.hidden!r}") from None
        if not h or any(
            isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)) or not 1 <= x <= 65536 for x in h
        ):
            raise ValueError(f"DQNConfig.hidden must be a non-empty tuple of ints in [1, 65536], got {self.hidden!r}")
        object.__setattr__(self, "hidden", tuple(int(x) for x in h))
        for name, choices in self._CHOICES:
            if getattr(self, name) not in choices:
                raise ValueError(f"DQNConfig.{name} must be one of {choices}, got {getattr(self, name)!r}")
        for name, low, high in self._INTS:
            v = getattr(self, name)
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or not low <= v <= high:
                raise ValueError(f"DQNConfig.{name} must be an int in [{low}, {high}], got {v!r}")
            object.__setattr__(self, name, int(v))
        for name, low, high, low_open in self._REALS:
            v = getattr(self, name)
            if not (
                isinstance(v, (int, float, np.integer, np.floating))
                and not isinstance(v, (bool, np.bool_))
                and (low < v if low_open else low <= v)
                and v <= high
                and (math.isfinite(v) or name == "max_grad_norm")
            ):  # inf: no clipping
                raise ValueError(
                    f"DQNConfig.{name} must be a finite number in {'(' if low_open else '['}{low:g}, "
                    f"{high:g}], got {v!r}"
                )
            object.__setattr__(self, name, float(v))
        if self.batch_size > self.buffer_size:
            raise ValueError(f"DQNConfig.batch_size ({self.batch_size}) must be <= buffer_size ({self.buffer_size})")
        e = self.learning_rate_end
        if e is not None and not (
            isinstance(e, (int, float, np.integer, np.floating))
            and not isinstance(e, bool)
            and math.isfinite(e)
            and e >= 0
        ):
            raise ValueError(f"DQNConfig.learning_rate_end must be None or a finite number >= 0, got {e!r}")
        for name in ("prioritized", "double_dqn"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"DQNConfig.{name} must be True or False, got {getattr(self, name)!r}")
            object.__setattr__(self, name, bool(getattr(self, name)))

    def hp_array(self, max_episode_steps: int) -> np.ndarray:
        from ..kernels.nn import dqn as K

        hp = np.zeros(K.N_HP, np.float64)
        hp[K.HP_GAMMA] = self.gamma
        hp[K.HP_LR] = self.learning_rate
        hp[K.HP_BETA1], hp[K.HP_BETA2], hp[K.HP_ADAM_EPS] = self.adam_beta1, self.adam_beta2, self.adam_eps
        hp[K.HP_MAX_GRAD_NORM] = self.max_grad_norm
        hp[K.HP_KAPPA] = self.huber_kappa
        hp[K.HP_TAU] = self.tau
        hp[K.HP_EPS_START], hp[K.HP_EPS_END] = self.exploration_initial_eps, self.exploration_final_eps
        hp[K.HP_EPS_STEPS] = self.exploration_steps
        hp[K.HP_LEARNING_STARTS] = self.learning_starts
        hp[K.HP_TRAIN_FREQ] = self.train_freq
        hp[K.HP_GRAD_STEPS] = self.gradient_steps
        hp[K.HP_TARGET_INTERVAL] = self.target_update_interval
        hp[K.HP_BATCH] = self.batch_size
        hp[K.HP_DOUBLE] = float(self.double_dqn)
        hp[K.HP_LOSS] = 1.0 if self.loss == "huber" else 0.0
        hp[K.HP_OPT] = K.OPT_ADAM if self.optimizer == "adam" else K.OPT_SGD
        hp[K.HP_ACT] = 0.0 if self.activation == "relu" else 1.0
        if self.learning_rate_end is not None and self.lr_decay_steps > 0:
            hp[K.HP_LR_END] = self.learning_rate_end
            hp[K.HP_LR_STEPS] = self.lr_decay_steps
        hp[K.HP_MAX_EP_STEPS] = max_episode_steps if max_episode_steps else 2**62
        hp[K.HP_PER] = float(self.prioritized)
        hp[K.HP_PER_ALPHA], hp[K.HP_PER_BETA0] = self.per_alpha, self.per_beta
        hp[K.HP_PER_BETA_STEPS], hp[K.HP_PER_EPS] = self.per_beta_steps, self.per_eps
        hp[K.HP_NSTEP] = self.n_step
        return hp


# env id -> the built-in CompiledEnv its fused loop runs on (module, class), episode time limit
_TWINS = {
    "CartPole-v1": ("classic", "CartPoleEnv", 500),
    "Acrobot-v1": ("classic", "AcrobotEnv", 500),
    "MountainCar-v0": ("classic", "MountainCarEnv", 200),
}
for _k in list(_TWINS):
    _TWINS["fastfa/" + _k] = _TWINS[_k]
_TWINS["fastfa/PuckWorldDiscrete-v0"] = ("pg_envs", "PuckWorldDiscreteCompiledEnv", 600)  # default params only
_TWIN_STATE_LEN = 16  # env_state's length for the ids above (the layout of files saved by 0.1.0)


def _twin_target(twin):
    """The fused-loop target of a twin id: its built-in CompiledEnv and time limit."""
    import importlib

    from .compiled_control import Target

    module, cls, max_steps = twin
    return Target(getattr(importlib.import_module(f"fastfa.envs.{module}"), cls)(), max_steps)


def _K():
    from ..kernels.nn import dqn

    return dqn


def _KE():
    from ..kernels.loops import dqn_loop

    return dqn_loop


def _compiled_env_target(env):
    """The fused-loop target (``compiled_control.Target``) when ``env`` is a
    :class:`fastfa.envs.CompiledEnv` (behind gymnasium's standard wrappers at most), else None.
    (gymnasium's own classic envs keep the Python loop here: their twins run from an env id.)"""
    from .compiled_control import compiled_target

    t = compiled_target(env)
    return t if t is not None and t.cenv is getattr(env, "unwrapped", env) else None


class DQN(DeepContract):
    """Deep Q-network agent: ``DQN(env, features=None, *, config=None, seed=None, compiled="auto", **overrides)``
    (the agent contract; learn/evaluate/log/checkpoints in :mod:`fastfa.agents._deep`).

    Args:
        env: a gymnasium env (Box observation, Discrete actions) or an env id.
        features: must be None (the network learns its own features).
        config: a :class:`DQNConfig` (or a dict of its fields); keyword ``overrides`` replace its fields.
        seed: root seed; network init, actions, minibatches and env resets each get
            a stream from ``np.random.SeedSequence(seed).spawn(4)``.
        compiled: ``"auto"`` (default) trains in the fully compiled loop when the env is a
            :class:`fastfa.envs.CompiledEnv` or an id with a compiled twin (CartPole-v1,
            Acrobot-v1, MountainCar-v0, fastfa/PuckWorldDiscrete-v0), else in the Python loop;
            ``True`` requires one of these (a gymnasium env object with a twin id then runs the
            twin); ``False`` forces Python.
    """

    def __init__(
        self,
        env: EnvArg = None,
        features: FeaturesArg = None,
        *,
        config: DQNConfig | None = None,
        seed: int | None = None,
        compiled: Any = "auto",
        **overrides: Any,
    ) -> None:
        if env is None and "env_or_id" in overrides:
            env = overrides.pop("env_or_id")
        if isinstance(features, DQNConfig):  # 0.1.0 form DQN(env_or_id, config, ...)
            warn_legacy("DQN(env, config, ...)", "DQN(env, config=config, seed=...)")
            features, config = None, features
        if features is not None:
            raise TypeError("DQN learns its own features (an MLP): features must be None")
        config = make_config(DQNConfig, config, overrides, "DQN")
        self.config = config
        self._setup_env(env, compiled)
        if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)
        ss = np.random.SeedSequence(self.seed)
        s_init, s_act, s_buf, s_env = ss.spawn(4)
        self.dtype = np.dtype(config.dtype)
        K = _K()
        self.sizes = np.array([self.obs_dim, *config.hidden, self.n_actions], np.int64)
        self.theta = np.empty(K.mlp_n_params(self.sizes), self.dtype)
        K.mlp_init(self.theta, self.sizes, np.random.default_rng(s_init))
        self.theta_target = self.theta.copy()
        self.adam_m = np.zeros_like(self.theta)
        self.adam_v = np.zeros_like(self.theta)
        self.rng = np.random.default_rng(s_act)
        self.env_seed = int(s_env.generate_state(1)[0] & 0x7FFFFFFF)
        self.env_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.env_seed)))
        self.buffer = self._new_buffer(np.random.default_rng(s_buf))
        self.cnt = np.zeros(K.N_CNT, np.int64)
        self.cnt[K.C_BAD_STEP] = -1
        self.hp = config.hp_array(self.max_episode_steps)
        if self._twin or self._target is None:
            self.env_state = np.zeros(_TWIN_STATE_LEN, np.float64)
            self.x_cur = np.zeros(self.obs_dim, np.float32)
        else:  # the env's own state size; observations in the network's dtype, as the Python loop's
            self.env_state = np.zeros(self._target.cenv.state.shape[0], np.float64)
            self.x_cur = np.zeros(self.obs_dim, self.dtype)
        self.ep_ret_cur = np.zeros(1, np.float64)
        self.episode_returns: list[float] = []
        self.episode_lengths: list[int] = []
        self.episode_end_steps: list[int] = []
        self._acts1 = np.empty(K.mlp_acts_size(self.sizes, 1), self.dtype)
        self._started_python = False
        self._in_episode = False  # Python loop: an episode is in progress

    def _new_buffer(self, rng: Generator):
        c = self.config
        if c.prioritized:  # one-step samples from Python; the agent builds n-step windows itself
            return PrioritizedReplayBuffer(
                c.buffer_size,
                (self.obs_dim,),
                obs_dtype=self.dtype,
                seed=rng,
                validate=False,
                alpha=c.per_alpha,
                beta=c.per_beta,
                eps=c.per_eps,
            )
        kw: dict[str, Any] = dict(n_step=c.n_step, gamma=c.gamma) if c.n_step > 1 else {}
        return ReplayBuffer(c.buffer_size, (self.obs_dim,), obs_dtype=self.dtype, seed=rng, validate=False, **kw)

    _NO_TREE = (np.zeros(2), np.full(2, np.inf), np.ones(1))  # placeholders for the PER arrays (unused)

    def _buffer_args(self):
        """(obs, act, rew, next_obs, term, trunc, state, sum_tree, min_tree, pstate) for the kernels."""
        b = self.buffer
        tree = (b.sum_tree, b.min_tree, b.pstate) if isinstance(b, PrioritizedReplayBuffer) else self._NO_TREE
        return (b.obs, b.actions, b.rewards, b.next_obs, b.terminated, b.truncated, b.state) + tree

    def _sync_beta(self) -> None:
        if isinstance(self.buffer, PrioritizedReplayBuffer):  # informative: the kernels use hp and the step
            self.buffer.beta = min(1.0, float(_K().per_beta_at(self.hp, self.cnt[_K().C_STEPS])))

    # ------------------------------------------------------------------ env handling
    def _setup_env(self, env_or_id, compiled):
        import gymnasium

        self.env_id = None
        env = None
        if isinstance(env_or_id, str):
            self.env_id = env_or_id
        elif isinstance(env_or_id, gymnasium.Env):
            env = env_or_id
            spec = getattr(env, "spec", None)
            self.env_id = getattr(spec, "id", None)
        else:
            raise TypeError(f"env_or_id must be a gymnasium Env or an env id string, got {type(env_or_id).__name__}")
        twin = _TWINS.get(self.env_id) if self.env_id else None
        if compiled not in ("auto", True, False):
            raise ValueError(f"compiled must be 'auto', True or False, got {compiled!r}")
        if twin is not None and env is not None and compiled is not True:
            twin = None  # a gymnasium env object: the Python loop (or its CompiledEnv's fused loop)
        if env is None:
            env = gymnasium.make(self.env_id)
        self.env = env
        self._target = _compiled_env_target(env) if twin is None else None
        if compiled is True and twin is None and self._target is None:
            raise ValueError(
                f"compiled=True: env {self.env_id!r} is neither a fastfa.envs.CompiledEnv nor an id with a "
                f"compiled twin ({', '.join(sorted(_TWINS))})"
            )
        if compiled is False:
            twin = self._target = None
        self._twin = twin is not None
        if twin is not None:
            self._target = _twin_target(twin)
        self.compiled = self._target is not None
        obs_space, act_space = env.observation_space, env.action_space
        if not isinstance(obs_space, gymnasium.spaces.Box):
            raise TypeError(f"DQN needs a Box observation space, got {obs_space}")
        if not isinstance(act_space, gymnasium.spaces.Discrete):
            raise TypeError(f"DQN needs a Discrete action space, got {act_space}")
        self.obs_shape = tuple(obs_space.shape)
        self.obs_dim = int(np.prod(self.obs_shape))
        self.n_actions = int(act_space.n)
        self.action_start = int(act_space.start)
        spec = getattr(env, "spec", None)
        self.max_episode_steps = getattr(spec, "max_episode_steps", None) or 0
        if self._target is not None:
            self.max_episode_steps = self._target.max_steps

    # ------------------------------------------------------------------ public API
    @property
    def num_timesteps(self) -> int:
        return int(self.cnt[_K().C_STEPS])

    @property
    def n_updates(self) -> int:
        return int(self.cnt[_K().C_UPDATES])

    @property
    def exploration_rate(self) -> float:
        return float(_K().epsilon_at(self.hp, self.cnt[_K().C_STEPS]))

    @property
    def _can_chunk(self) -> bool:
        return bool(self.compiled)

    def _learn_chunk(self, n) -> None:
        self._learn_raw(n, chunk=n)

    def _learn_whole(self, total, progress, callback) -> None:
        self._learn_raw(total, progress=progress, callback=callback)

    def _greedy_net(self):
        return self.theta, self.sizes, int(self.hp[_K().HP_ACT]), self.action_start

    def _learn_raw(self, total_steps: int, *, progress: bool = False, callback=None, chunk: int | None = None):
        """Train for ``total_steps`` more environment steps (the loops behind :meth:`learn`).

        Compiled loop: the episode in progress carries over between calls (so
        ``learn(a); learn(b)`` equals ``learn(a + b)``); ``chunk`` (default 10 000
        steps) sets how often ``callback(agent) -> bool|None`` and the progress bar
        run (``False`` from the callback stops).  Python loop: each call starts a new
        episode; ``callback`` is the per-episode callback of ``fastfa.loop.run``.
        Raises ``FloatingPointError`` naming the env step if a loss becomes non-finite.
        """
        total_steps = check_count("total_steps", total_steps)
        if self.compiled:
            self._learn_compiled(int(total_steps), progress, callback, chunk)
        else:
            first = not self._started_python
            self._started_python = True
            self._in_episode = False
            try:
                run(
                    self.env,
                    self,
                    total_steps=int(total_steps),
                    seed=self.env_seed if first else None,
                    callback=callback,
                    progress=progress,
                )
            finally:
                if self._in_episode and len(self.buffer):  # the budget cut the episode: stop n-step windows
                    self.buffer.truncated[(self.buffer.state[0] - 1) % self.buffer.capacity] = True
                self._sync_beta()
        return self

    def _learn_compiled(self, total, progress, callback, chunk) -> None:
        """``total`` steps of the fused loop over the target env, in chunks of ``chunk`` (callbacks
        and the progress bar run between chunks)."""
        assert self._target is not None  # compiled mode has a target env
        KE = _KE()
        unit = self._unit("run")
        chunk = int(chunk or 10_000)
        bar = Progress(total, "DQN steps", enabled=progress)
        net = KE.DQNNet(self.theta, self.theta_target, self.sizes, self.adam_m, self.adam_v)
        replay = KE.DQNReplay(*self._buffer_args(), self.buffer.rng)
        done = 0
        try:
            while done < total:
                n = min(chunk, total - done)
                eps = KE.DQNEpisodes(np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64), self.ep_ret_cur)
                n_ep = unit(
                    self._target.cenv.params,
                    self.env_state,
                    self.env_rng,
                    self.x_cur,
                    net,
                    self.cnt,
                    self.hp,
                    self.rng,
                    replay,
                    n,
                    eps,
                )
                self.episode_returns.extend(eps.returns[:n_ep].tolist())
                self.episode_lengths.extend(eps.lengths[:n_ep].tolist())
                self.episode_end_steps.extend(eps.ends[:n_ep].tolist())
                self._check_finite()
                done += n
                bar.update(n)
                if callback is not None and callback(self) is False:
                    break
        finally:
            bar.close()
            self._sync_beta()

    def _unit(self, which: str):
        """The fused loop (``"run"``) or greedy evaluation (``"greedy"``) specialised on this agent's
        CompiledEnv (``kernels/loops/dqn_loop.py``): cached on disk for a built-in env, compiled
        once per process for a user's env, which is checked first."""
        from ..envs.check import ensure_checked
        from ..kernels.loops.specialise import specialise

        assert self._target is not None  # only the CompiledEnv path has units
        cenv = self._target.cenv
        ensure_checked(cenv)
        per = bool(self.config.prioritized) and which == "run"
        key = cenv.compiled_key
        return specialise(
            _KE().dqn_run_tpl if which == "run" else _KE().dqn_greedy_tpl,
            None if key is None else f"{key}_dqn_{which}{'_per' if per else ''}",
            key is not None,
            ENV_RESET=cenv.reset_fn,
            ENV_STEP=cenv.step_fn,
            ENV_OBSERVE=cenv.observe_fn,
            OBS_F32=cenv.observation_space.dtype == np.float32,
            OBS_DIM=self.obs_dim,
            PARAMS_N=cenv.params.shape[0] if cenv.params_tuple else -1,
            STATE_SIZE=int(cenv.state.shape[0]),
            PER=per,
        )

    def _check_finite(self):
        K = _K()
        bad = int(self.cnt[K.C_BAD_STEP])
        if bad >= 0:
            raise FloatingPointError(
                f"DQN: the loss became non-finite at env step {bad} (after {self.n_updates} gradient steps); "
                "training stopped. Lower learning_rate, keep max_grad_norm finite, or use loss='huber'."
            )

    def _obs(self, obs: ArrayLike, name: str = "obs"):
        x = np.asarray(obs)
        if x.shape != self.obs_shape:
            raise ValueError(f"{name} must have shape {self.obs_shape}, got {x.shape}")
        x = x.reshape(self.obs_dim).astype(self.dtype)
        if not np.isfinite(x).all():
            raise ValueError(f"{name} contains NaN or inf: {obs!r}")
        return x

    def q_values(self, obs: ArrayLike) -> np.ndarray:
        """q(obs, ·; θ) for one observation (shape ``(n_actions,)``) or a batch (``(N, n_actions)``)."""
        K = _K()
        x = np.asarray(obs)
        single = x.shape == self.obs_shape
        if single:
            x = x[None]
        if x.shape[1:] != self.obs_shape:
            raise ValueError(f"obs must have shape {self.obs_shape} or (N, *{self.obs_shape}), got {np.shape(obs)}")
        x = np.ascontiguousarray(x.reshape(len(x), self.obs_dim), self.dtype)
        if not np.isfinite(x).all():
            raise ValueError("obs contains NaN or inf")
        acts = np.empty(K.mlp_acts_size(self.sizes, len(x)), self.dtype)
        q = K.mlp_forward(self.theta, self.sizes, int(self.hp[K.HP_ACT]), x, acts).copy()
        return q[0] if single else q

    value = q_values

    def predict(self, obs: ArrayLike, deterministic: bool = True) -> ArrayLike:
        """Greedy action (``deterministic``) or ε-greedy at the current ε; batch in, batch out."""
        q = self.q_values(obs)
        a = np.argmax(q, axis=-1)
        if not deterministic:
            eps = self.exploration_rate
            if q.ndim == 1:
                if self.rng.random() < eps:
                    a = self.rng.integers(0, self.n_actions)
            else:
                explore = self.rng.random(len(a)) < eps
                a = np.where(explore, self.rng.integers(0, self.n_actions, len(a)), a)
        return a + self.action_start if q.ndim > 1 else int(a) + self.action_start

    def evaluate_returns(self, episodes: int = 10, seed: int | None = None) -> np.ndarray:
        """Returns of ``episodes`` greedy episodes in one compiled call when the agent runs compiled
        (fast; no lengths) -- the same numbers as ``evaluate(episodes=..., seed=...).returns``; else
        that path."""
        if self._target is None:
            return self.evaluate(episodes=episodes, seed=seed).returns
        if isinstance(episodes, bool) or not isinstance(episodes, (int, np.integer)) or not 1 <= episodes <= 10**9:
            raise ValueError(f"episodes must be an int in [1, 1e9], got {episodes!r}")
        out = np.empty(episodes, np.float64)
        lengths = np.empty(episodes, np.int64)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
        self._unit("greedy")(
            self._target.cenv.params,
            rng,
            self.theta,
            self.sizes,
            int(self.hp[_K().HP_ACT]),
            episodes,
            int(self._target.max_steps),
            out,
            lengths,
        )
        return out

    # ------------------------------------------------------------------ Learner protocol (Python loop)
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

    # ------------------------------------------------------------------ persistence
    def save(self, path: PathLike, include_buffer: bool = False) -> Path:
        """Write weights, optimiser state, counters, RNG states (and the buffer if asked) to ``path``.

        With ``include_buffer=True`` a loaded agent continues training exactly as this one would.
        """
        meta = {
            "config": dataclasses.asdict(self.config),
            "env_id": self.env_id,
            "seed": self.seed,
            "compiled": self.compiled,
            "rng": _io.rng_state(self.rng),
            "env_rng": _io.rng_state(self.env_rng),
            "env_seed": self.env_seed,
            "started_python": self._started_python,
            "episode_returns": self.episode_returns,
            "episode_end_steps": self.episode_end_steps,
            "episode_lengths": self.episode_lengths,
            "contract": {"pending": self._pending, "wall_time_s": self._wall_s},
        }
        if self._started_python and getattr(self.env.unwrapped, "_np_random", None) is not None:
            meta["contract"]["env_rng"] = _io.rng_state(self.env.unwrapped.np_random)  # exact resume
        arrays = {
            "theta": self.theta,
            "theta_target": self.theta_target,
            "adam_m": self.adam_m,
            "adam_v": self.adam_v,
            "cnt": self.cnt,
            "env_state": self.env_state,
            "x_cur": self.x_cur,
            "ep_ret_cur": self.ep_ret_cur,
            "sizes": self.sizes,
        }
        if include_buffer:
            bmeta, barrays = self.buffer.to_dict()
            meta["buffer"] = bmeta
            arrays.update(barrays)
        return _io.save(path, "DQN", meta, arrays)

    @classmethod
    @_io.loader
    def load(cls, path: PathLike, env: EnvArg = None) -> "DQN":
        """Rebuild an agent saved by :meth:`save` (on ``env``, or on the saved env id)."""
        _, meta, arrays = _io.load(path, kind="DQN")
        cfg = dict(meta["config"])
        cfg["hidden"] = tuple(cfg["hidden"])
        target = env if env is not None else meta["env_id"]
        if target is None:
            raise ValueError(f"{path}: no env id stored; pass env=")
        agent = cls(target, config=DQNConfig(**cfg), seed=meta["seed"], compiled=meta["compiled"])
        if tuple(arrays["sizes"]) != tuple(agent.sizes):
            raise ValueError(
                f"{path}: network sizes {tuple(arrays['sizes'])} do not fit the env ({tuple(agent.sizes)})"
            )
        for k in ("theta", "theta_target", "adam_m", "adam_v", "cnt", "env_state", "x_cur", "ep_ret_cur"):
            t = getattr(agent, k)  # exact shape (a corrupt entry must not broadcast), finite values
            t[...] = _io.check_array(arrays, k, kind="biuf", shape=t.shape, finite=True)
        agent.rng = _io.rng_from_state(meta["rng"])
        agent.env_rng = _io.rng_from_state(meta["env_rng"])
        agent._started_python = meta.get("started_python", False)
        agent.episode_returns = list(meta.get("episode_returns", []))
        agent.episode_lengths = list(meta.get("episode_lengths", []))
        agent.episode_end_steps = list(meta.get("episode_end_steps", []))
        c = meta.get("contract", {})
        agent._pending, agent._wall_s = c.get("pending"), float(c.get("wall_time_s", 0.0))
        if "env_rng" in c and not agent.compiled:
            agent.env.unwrapped.np_random = _io.rng_from_state(c["env_rng"])
        if "buffer" in meta:
            cls_b = type(agent.buffer)
            if meta["buffer"].get("class") != cls_b._kind:
                raise ValueError(
                    f"{path}: stored buffer is a {meta['buffer'].get('class')}, the config needs a {cls_b._kind}"
                )
            agent.buffer = cls_b.from_dict(meta["buffer"], arrays)
        return agent

    def __repr__(self) -> str:
        mode = "compiled" if self.compiled else "python"
        return (
            f"DQN({self.env_id!r}, net={tuple(int(s) for s in self.sizes)}, {mode}, steps={self.num_timesteps}, "
            f"updates={self.n_updates})"
        )
