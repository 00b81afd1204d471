"""The base of the linear control agents (``fastfa.agents.control`` and ``control_more``): the config,
the agent contract (constructor, ``learn`` on the Python or the fused compiled loop, ``predict``,
``q_values``, save/load) and the Python loop's ε-greedy acting; each algorithm overrides its update."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from typing import Any, TYPE_CHECKING

from pathlib import Path

import numpy as np

from .. import io as _io
from .._checks import check_int_min, check_interval, check_positive
from ..approx.linear_q import LinearQ
from ..kernels.codes import TRACE_CODES
from ..loop import run
from ._contract import Contract, default_features, is_env, make_config, resolve_env, warn_legacy
from .._typing import ArrayLike, EnvArg, FeaturesArg, PathLike

if TYPE_CHECKING:
    from typing_extensions import Self

_TRACES = {k: TRACE_CODES[k] for k in ("accumulating", "replacing", "replacing_clear")}  # the config's spellings


def _is_batch(obs: ArrayLike, features) -> bool:
    """True when ``obs`` has one more leading axis than one observation of ``features``."""
    a = np.asarray(obs)
    if hasattr(features, "n_states"):  # integer states (StateAggregation)
        return a.ndim == 1
    return a.ndim == 2


@dataclass(frozen=True)
class ControlConfig:
    """Hyper-parameters of the control agents (each agent uses the fields it needs).

    Attributes:
        alpha: step size per active feature (> 0); with tile coding use a / tilings (book: 0.5/8).
        gamma: discount in [0, 1].
        epsilon: ε of the ε-greedy behaviour policy in [0, 1] (ties broken at random).
        epsilon_decay: ε ← max(epsilon_min, ε · epsilon_decay) after each episode, in (0, 1].
        epsilon_min: floor of the decayed ε, in [0, epsilon].
        n: steps of the n-step return (:class:`NStepSarsa`, >= 1).
        lam: trace decay λ in [0, 1] (:class:`SarsaLambda`, :class:`TrueOnlineSarsaLambda`).
        trace: ``"accumulating"``, ``"replacing"`` or ``"replacing_clear"`` (replacing and
            clearing the other actions' traces of the same features, S&B 12.7) for
            :class:`SarsaLambda`; replacing needs binary features.
    """

    alpha: float = 0.5 / 8
    gamma: float = 1.0
    epsilon: float = 0.0
    epsilon_decay: float = 1.0
    epsilon_min: float = 0.0
    n: int = 1
    lam: float = 0.0
    trace: str = "replacing"

    def __post_init__(self):
        check_positive("alpha", self.alpha)
        check_interval("gamma", self.gamma, 0.0, 1.0)
        check_interval("epsilon", self.epsilon, 0.0, 1.0)
        check_interval("epsilon_decay", self.epsilon_decay, 0.0, 1.0, low_open=True)
        check_interval("epsilon_min", self.epsilon_min, 0.0, self.epsilon)
        check_int_min("n", self.n, 1)
        check_interval("lam", self.lam, 0.0, 1.0)
        if self.trace not in _TRACES:
            raise ValueError(f"trace must be one of {sorted(_TRACES)}, got {self.trace!r}")


class _Control(Contract):
    """Shared surface: the agent contract (:mod:`fastfa.agents._contract`), LinearQ, ε-greedy, learn
    (Python or compiled loop), predict/value/save/load."""

    _alg: int | None = None  # code of the compiled loop (None: Python loop only)
    _update: Callable[..., None]  # the algorithm's update, defined by each agent class

    def __init__(
        self,
        env: EnvArg,
        features: FeaturesArg = None,
        *legacy: Any,
        config: ControlConfig | None = None,
        seed: int | None = None,
        **overrides: Any,
    ) -> None:
        name = type(self).__name__
        n_actions = overrides.pop("n_actions", None)
        if is_env(env):  # the contract form: Agent(env, features=None, *, config=None, seed=None, **overrides)
            if legacy or n_actions is not None:
                raise TypeError(
                    f"{name}(env, features=None, *, config=None, seed=None, **overrides): config and "
                    "the other options are keyword-only; n_actions comes from env.action_space"
                )
            env = resolve_env(env)
            n = getattr(env.action_space, "n", None)
            if n is None:
                raise TypeError(f"{name} needs a Discrete action space, got {env.action_space}")
            if features is None:
                features = default_features(env.observation_space)
            self._build(features, int(n), config, seed, overrides, env)
            return
        # 0.1.0 form: Agent(features, n_actions, config=None, *, seed=None, **overrides); env given to learn
        if env is None:
            feats = features
        else:
            feats = env
            if n_actions is None:
                n_actions = features
            elif features is not None:
                legacy = (features, *legacy)
        if len(legacy) > 1:
            raise TypeError(f"{name}: too many positional arguments")
        if legacy:
            config = legacy[0]
        warn_legacy(f"{name}(features, n_actions, ...)", f"{name}(env, features, config=..., seed=...)")
        self._build(feats, n_actions, config, seed, overrides, None)

    def _build(self, features, n_actions, config, seed, overrides, env):
        config = make_config(ControlConfig, config, overrides, type(self).__name__)
        if config.trace != "accumulating" and self._uses_traces and not getattr(features, "sparse", False):
            raise ValueError(f"trace={config.trace!r} needs binary (sparse) features")
        self.config = config
        self.approx = LinearQ(features, n_actions)
        self.features = features
        self.n_actions = self.approx.n_actions
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.epsilon = float(config.epsilon)
        self._trace_code = _TRACES[config.trace]
        self._qb = np.empty(self.n_actions)
        self._cur = None  # (i, v, a) of S_t, A_t
        self._init_contract(env)
        if env is not None:
            self._check_env(env)

    _uses_traces = False

    # ------------------------------------------------------------------ public surface
    @property
    def w(self) -> np.ndarray:
        return self.approx.w

    def q_values(self, obs: ArrayLike) -> np.ndarray:
        return self.approx.q_values(obs)

    def value(self, obs: ArrayLike) -> float:
        """max_a q̂(obs, a)."""
        return self.approx.value(obs)

    def predict(self, obs: ArrayLike, deterministic: bool = True) -> ArrayLike:
        """Greedy action (lowest index among ties) or, if not deterministic, an ε-greedy one.

        One observation -> an int; a batch (one more leading axis than an observation) -> an int64 array.
        """
        if _is_batch(obs, self.features):
            return np.array([self.predict(o, deterministic) for o in np.asarray(obs)], dtype=np.int64)
        q = self.approx.q_values(obs)
        if deterministic:
            return int(np.argmax(q))
        from ..kernels.linear.control import eps_greedy

        return int(eps_greedy(q, self.epsilon, self.rng))

    def policy_function(self) -> Callable[..., Any]:
        """The greedy policy as a jitted function ``obs (float64 array) -> action (int)``, callable from
        the user's own Numba code (weights are copied: later learning does not change it)."""
        from ._policy_fn import greedy_linear_q

        return greedy_linear_q(self.features, self.approx.w)

    def _check_env(self, env):
        n = getattr(env.action_space, "n", None)
        if n != self.n_actions:
            raise ValueError(f"env: action space {env.action_space} does not match n_actions={self.n_actions}")

    def _learn_impl(self, env, total_steps, episodes, seed, callback, progress, compiled):
        self._check_env(env)
        from .compiled_control import compiled_target, run_compiled
        from ..features.grid_tiles import GridTileCoder

        why = None
        target = compiled_target(env)
        if compiled is False:
            why = "compiled=False"
        elif self._alg is None:
            why = f"{type(self).__name__} has no compiled loop"
        elif target is None:
            why = "the env is not a fastfa.envs.CompiledEnv or a gymnasium env with a compiled twin (or has extra wrappers)"
        elif not isinstance(self.features, GridTileCoder):
            why = "the features are not a GridTileCoder"
        elif int(np.prod(self.features.low.shape)) != env.observation_space.shape[0]:
            why = "the tile coder's box does not match the observation"
        if why is None:
            log = run_compiled(
                self,
                env,
                target,
                self._alg,
                episodes=episodes,
                total_steps=total_steps,
                seed=seed,
                callback=callback,
                progress=progress,
            )
        elif compiled is True:
            raise ValueError(f"compiled=True but the compiled loop cannot run: {why}")
        else:
            log = run(
                env, self, episodes=episodes, total_steps=total_steps, seed=seed, progress=progress, callback=callback
            )
        self._check_finite()
        return log

    def _check_finite(self):
        if not np.isfinite(self.approx.w).all():
            raise FloatingPointError(
                f"{type(self).__name__}: weights became non-finite (divergence; S&B 11.2-11.3). "
                f"Lower alpha (now {self.config.alpha}) or use an on-policy method."
            )

    def save(self, path: PathLike) -> Path:
        """Config, features, weights, RNG state, env id and log (pickle-free)."""
        meta, arrays = self.approx.get_state()
        return _io.save(
            path,
            type(self).__name__,
            {
                "config": dataclasses.asdict(self.config),
                "approx": meta,
                "seed": self.seed,
                "epsilon": self.epsilon,
                "rng": _io.rng_state(self.rng),
                "contract": self._contract_meta(),
            },
            arrays,
        )

    @classmethod
    @_io.loader
    def load(cls, path: PathLike, env: EnvArg = None) -> Self:
        """Rebuild an agent saved by :meth:`save` (files of fastfa 0.1.0 too) on ``env`` (default: the
        saved env id, if any); ``learn`` then continues."""
        _, meta, arrays = _io.load(path, kind=cls.__name__)
        approx = LinearQ.from_state(meta["approx"], arrays)
        agent = object.__new__(cls)
        _Control._build(
            agent, approx.features, approx.n_actions, ControlConfig(**meta["config"]), meta["seed"], {}, None
        )
        agent.approx.w[:] = approx.w
        agent.epsilon = float(meta["epsilon"])
        agent.rng = _io.rng_from_state(meta["rng"])
        agent._restore_contract(meta, env)
        return agent

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.features!r}, n_actions={self.n_actions}, {self.config})"

    # ------------------------------------------------------------------ Learner protocol
    def _encode(self, obs: ArrayLike):
        return self.approx.encode(obs)

    def _act(self, i, v):
        from ..kernels.linear.control import eps_greedy, q_values

        q_values(self.approx.w, i, v, self._qb)
        return int(eps_greedy(self._qb, self.epsilon, self.rng))

    def _check_action(self, action):
        if (
            isinstance(action, (bool, np.bool_))
            or not isinstance(action, (int, np.integer))
            or not (0 <= action < self.n_actions)
        ):
            raise ValueError(f"action must be an int in [0, {self.n_actions}), got {action!r}")

    def begin_episode(self, obs: ArrayLike) -> int:
        i, v = self._encode(obs)
        i = i.copy()
        v = v.copy()
        a = self._act(i, v)
        self._cur = (i, v, a)
        self._begin()
        return a

    def _begin(self) -> None:
        pass

    def _end_of_episode(self) -> None:
        c = self.config
        self.epsilon = max(c.epsilon_min, self.epsilon * c.epsilon_decay)

    def end_episode(self) -> None:
        self._end_of_episode()

    def step(
        self, obs: ArrayLike, action: int, reward: float, next_obs: ArrayLike, terminated: bool, truncated: bool
    ) -> int:
        self._check_action(action)
        i0, v0, a0 = self._cur
        if int(action) != a0:  # a user-chosen action replaces the agent's (off-policy use)
            a0 = int(action)
        if not np.isfinite(reward):
            raise ValueError(f"reward must be finite, got {reward!r}")
        if terminated:
            self._update(i0, v0, a0, float(reward), 0.0, i0, v0, 0)
            self._cur = None
            return 0
        i1, v1 = self._encode(next_obs)
        i1 = i1.copy()
        v1 = v1.copy()
        a1 = self._next(i0, v0, a0, float(reward), i1, v1)
        self._cur = (i1, v1, a1)
        return a1

    def _next(self, i0, v0, a0, r, i1, v1):
        """SARSA family: choose A′ from the current weights, then update with it."""
        a1 = self._act(i1, v1)
        self._update(i0, v0, a0, r, self.config.gamma, i1, v1, a1)
        return a1
