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
* the **compiled loop** (``kernels/loops/dqn_pop.py`` with the step of ``dqn_loop.py``,
  specialised on the env's functions; one seed is a population of k = 1, see
  :func:`fastfa.agents.learn_population`): env, ε-greedy policy, replay and gradient steps fused in one
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

from typing import Any

from pathlib import Path

import numpy as np

from .. import io as _io
from .._checks import MAX_BUDGET, check_count
from ..buffers import PrioritizedReplayBuffer, ReplayBuffer
from ..loop import Progress, run
from ._contract import make_config, warn_legacy
from ._deep import DeepContract
from ._dqn_env import TWIN_STATE_LEN, dqn_env
from ._dqn_step import DQNSteps
from .dqn_config import DQNConfig
from .._typing import ArrayLike, EnvArg, FeaturesArg, PathLike
from numpy.random import Generator

__all__ = ["DQN", "DQNConfig"]


def _K():
    from ..kernels.nn import dqn

    return dqn


def _KE():
    from ..kernels.loops import dqn_loop

    return dqn_loop


class DQN(DQNSteps, DeepContract):
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
        from ..kernels.nn.mlp import aligned_zeros  # (64-byte aligned: the kernels' vectors on cache lines)

        n_p = K.mlp_n_params(self.sizes)
        self.theta = aligned_zeros(n_p, self.dtype)
        K.mlp_init(self.theta, self.sizes, np.random.default_rng(s_init))
        self.theta_target = aligned_zeros(n_p, self.dtype)
        self.theta_target[:] = self.theta
        self.adam_m = aligned_zeros(n_p, self.dtype)
        self.adam_v = aligned_zeros(n_p, self.dtype)
        self.rng = np.random.default_rng(s_act)
        self.env_seed = int(s_env.generate_state(1)[0] & 0x7FFFFFFF)
        self.env_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.env_seed)))
        self.buffer = self._new_buffer(np.random.default_rng(s_buf))
        self.cnt = np.zeros(K.N_CNT, np.int64)
        self.cnt[K.C_BAD_STEP] = -1
        self.hp = config.hp_array(self.max_episode_steps)
        if self._twin or self._target is None:
            self.env_state = np.zeros(TWIN_STATE_LEN, np.float64)
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

        env, self.env_id, self._target, self._twin = dqn_env(env_or_id, compiled)
        self.env = env
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

    _episodes_ok = True  # learn(episodes=N): the Python loop's budget; the fused loop stops at that episode

    def _learn_chunk(self, n, episodes: int | None = None) -> None:
        self._learn_raw(n, chunk=n, episodes=episodes)

    def _learn_whole(self, total, progress, callback, episodes: int | None = None) -> None:
        self._learn_raw(total, progress=progress, callback=callback, episodes=episodes)

    def _greedy_net(self):
        return self.theta, self.sizes, int(self.hp[_K().HP_ACT]), self.action_start

    def _learn_raw(
        self,
        total_steps: int | None,
        *,
        progress: bool = False,
        callback=None,
        chunk: int | None = None,
        episodes: int | None = None,
    ):
        """Train for ``total_steps`` more environment steps (the loops behind :meth:`learn`).

        Compiled loop: the episode in progress carries over between calls (so
        ``learn(a); learn(b)`` equals ``learn(a + b)``); ``chunk`` (default 10 000
        steps) sets how often ``callback(agent) -> bool|None`` and the progress bar
        run (``False`` from the callback stops).  Python loop: each call starts a new
        episode; ``callback`` is the per-episode callback of ``fastfa.loop.run``.
        ``episodes``: stop after that many more episodes (at most ``total_steps`` steps if given).
        Raises ``FloatingPointError`` naming the env step if a loss becomes non-finite.
        """
        total_steps = MAX_BUDGET if total_steps is None else check_count("total_steps", total_steps)
        if self.compiled:
            self._learn_compiled(int(total_steps), progress, callback, chunk, episodes)
        else:
            first = not self._started_python
            self._started_python = True
            self._in_episode = False
            try:
                run(
                    self.env,
                    self,
                    total_steps=None if total_steps == MAX_BUDGET else int(total_steps),
                    episodes=episodes,
                    seed=self.env_seed if first else None,
                    callback=callback,
                    progress=progress,
                )
            finally:
                if self._in_episode and len(self.buffer):  # the budget cut the episode: stop n-step windows
                    self.buffer.truncated[(self.buffer.state[0] - 1) % self.buffer.capacity] = True
                self._sync_beta()
        return self

    def _learn_compiled(self, total, progress, callback, chunk, episodes=None) -> None:
        """``total`` steps (or ``episodes`` episodes, whichever ends first) of the fused loop over the
        target env, in chunks of ``chunk`` steps (callbacks and the progress bar run between chunks).
        The loop is the population loop with k = 1 (``fastfa.agents.dqn_population``): one compiled
        step for one seed and for many."""
        assert self._target is not None  # compiled mode has a target env
        from .dqn_population import Population

        chunk = int(chunk or 10_000)
        bar = Progress(total if total < MAX_BUDGET else None, "DQN steps", enabled=progress)
        pop = Population([self], min(chunk, total))
        done, n_done = 0, 0
        try:
            while done < total and (episodes is None or n_done < episodes):
                n = min(pop.chunk, total - done)
                before = int(self.cnt[_K().C_STEPS])
                pop.run(n, -1 if episodes is None else episodes - n_done)
                n_done += int(pop.n_ep[0])
                self._check_finite()
                n = int(self.cnt[_K().C_STEPS]) - before
                done += n
                bar.update(n)
                if callback is not None and callback(self) is False:
                    break
        finally:
            bar.close()
            self._sync_beta()

    def _unit(self, which: str):
        """The fused loop (``"pop"``: k seeds in one loop, ``DQN.learn`` with k = 1) or the greedy
        evaluation (``"greedy"``) specialised on this agent's CompiledEnv (``kernels/loops/dqn_pop.py``,
        ``dqn_loop.py``; the loop inlines the per-seed step ``dqn_step_tpl``): cached on disk for a
        built-in env, compiled once per process for a user's env, which is checked first."""
        from .compiled_control import env_unit

        assert self._target is not None  # only the CompiledEnv path has units
        cenv = self._target.cenv
        if which == "greedy":
            return env_unit(_KE().dqn_greedy_tpl, cenv, "dqn_greedy", PER=False)
        if which != "pop":
            raise ValueError(f"which must be 'pop' or 'greedy', got {which!r}")
        from ..kernels.loops import dqn_pop

        per = bool(self.config.prioritized)
        tag = "_per" if per else ""
        step = env_unit(_KE().dqn_step_tpl, cenv, f"dqn_step{tag}", inline=True, PER=per)
        return env_unit(dqn_pop.dqn_pop_tpl, cenv, f"dqn_pop{tag}", PER=per, SEED_STEP=step)

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

    # ------------------------------------------------------------------ persistence
    def save(self, path: PathLike, include_buffer: bool = False) -> Path:
        """Write weights, optimiser state, counters, RNG states (and the buffer if asked) to ``path``.

        With ``include_buffer=True`` a loaded agent continues training exactly as this one would.
        """
        from ._dqn_io import save_dqn

        return save_dqn(self, path, include_buffer)

    @classmethod
    @_io.loader
    def load(cls, path: PathLike, env: EnvArg = None) -> "DQN":
        """Rebuild an agent saved by :meth:`save` (on ``env``, or on the saved env id)."""
        from ._dqn_io import load_dqn

        return load_dqn(cls, path, env)

    def __repr__(self) -> str:
        mode = "compiled" if self.compiled else "python"
        return (
            f"DQN({self.env_id!r}, net={tuple(int(s) for s in self.sizes)}, {mode}, steps={self.num_timesteps}, "
            f"updates={self.n_updates})"
        )


def __getattr__(name: str) -> Any:  # fastfa.agents.dqn.learn_population (defined beside, imported on use)
    if name == "learn_population":
        from .dqn_population import learn_population

        return learn_population
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
