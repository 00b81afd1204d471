"""The base of the linear prediction agents (``fastfa.agents.prediction``): the config, the agent
contract (constructor, ``learn`` on the Python or the fused compiled loop, ``value``/``values``,
save/load) and the Python loop's per-step bookkeeping; the five methods override the update."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from typing import Any, TYPE_CHECKING

from pathlib import Path

from collections.abc import Callable

import numpy as np

from .. import io as _io
from .._checks import check_count, check_int_min, check_interval, check_positive
from ..approx.linear_v import LinearV
from ..loop import run
from ._contract import Contract, default_features, is_env, make_config, resolve_env, warn_legacy
from .._typing import ArrayLike, EnvArg, FeaturesArg, PathLike

if TYPE_CHECKING:
    from typing_extensions import Self


@dataclass(frozen=True)
class PredictionConfig:
    """Hyper-parameters of the prediction agents (each agent uses the fields it needs).

    Attributes:
        alpha: step size α (> 0); for tile coding use a / n_tilings (see module docs).
        gamma: discount γ in [0, 1].
        n: steps of the n-step return (:class:`NStepTD`, >= 1).
        lam: trace decay λ in [0, 1] (:class:`TDLambda`, :class:`TrueOnlineTDLambda`).
        trace: ``"accumulating"`` or ``"replacing"`` (:class:`TDLambda`; replacing
            needs binary features).
    """

    alpha: float = 0.01
    gamma: float = 1.0
    n: int = 1
    lam: float = 0.0
    trace: str = "accumulating"

    def __post_init__(self):
        check_positive("alpha", self.alpha)
        check_interval("gamma", self.gamma, 0.0, 1.0)
        check_int_min("n", self.n, 1)
        check_interval("lam", self.lam, 0.0, 1.0)
        if self.trace not in ("accumulating", "replacing"):
            raise ValueError(f"trace must be 'accumulating' or 'replacing', got {self.trace!r}")


class _Predictor(Contract):
    """Shared surface: the agent contract, construction, learn (via fastfa.loop.run), value, values, save/load."""

    _fields: tuple = ()

    def __init__(
        self,
        env: EnvArg,
        features: FeaturesArg = None,
        *legacy: Any,
        policy: Any = None,
        config: PredictionConfig | None = None,
        seed: int | None = None,
        **overrides: Any,
    ) -> None:
        name = type(self).__name__
        if is_env(env):  # contract form
            if legacy:
                raise TypeError(
                    f"{name}(env, features=None, *, policy=None, config=None, seed=None, **overrides): "
                    "the options are keyword-only"
                )
            env = resolve_env(env)
            if features is None:
                features = default_features(env.observation_space)
            self._build(features, config, policy, seed, overrides, env)
            return
        # 0.1.0 form: Agent(features, config=None, *, policy=None, seed=None, **overrides); env given to learn
        if len(legacy) > 0:
            raise TypeError(f"{name}: too many positional arguments")
        warn_legacy(f"{name}(features, ...)", f"{name}(env, features, policy=..., config=..., seed=...)")
        self._build(env, features if config is None else config, policy, seed, overrides, None)
        self._legacy = True

    _legacy = False

    def _build(self, features, config, policy, seed, overrides, env):
        config = make_config(PredictionConfig, config, overrides, type(self).__name__)
        if config.trace == "replacing" and not getattr(features, "sparse", False):
            raise ValueError("trace='replacing' needs binary (sparse) features")
        if policy is not None and not callable(policy):
            raise TypeError(
                f"policy must be a callable obs -> action (or None: uniform random), got {type(policy).__name__}"
            )
        self.config = config
        self.approx = LinearV(features)
        self.features = features
        self.policy = policy
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self._action_space = None if env is None else env.action_space
        self._init_contract(env)

    # -- the fixed policy
    def _act(self, obs: ArrayLike):
        if self.policy is not None:
            return self.policy(obs)
        if self._action_space is None:
            return 0
        if getattr(self._action_space, "n", None) == 1:
            return int(getattr(self._action_space, "start", 0))
        return self._action_space.sample()

    def _learn_impl(self, env, total_steps, episodes, seed, callback, progress, compiled):
        """Evaluate the policy on ``env`` for a budget.

        Without a ``policy`` the agent acts uniformly at random over ``env.action_space``
        (seeded from ``seed`` of the constructor), or takes the only action.

        The fused compiled loop (``fastfa.agents.compiled_prediction``) runs by default (``"auto"``)
        when the env is a compiled env (a ``CompiledEnv`` or a gymnasium twin), the features a
        ``GridTileCoder``, the action space ``Discrete``, ``policy`` None or a ``@numba.njit``
        function ``obs -> int`` and no progress bar: the same weights as the Python loop (tested).
        ``compiled=True`` on the random walk: run the whole budget in one compiled call on the env's
        twin (``episodes`` budget), drawing the same random stream as the gymnasium env reset with
        ``seed``.
        """
        from .compiled_prediction import is_jitted

        target, method = None, self._env_method()
        if compiled is not False and method is not None and (self.policy is None or is_jitted(self.policy)):
            target = self._compiled_target(env)
        if compiled is True and target is None:
            return self._learn_compiled(env, episodes, total_steps, seed, callback)
        first = self._action_space is not env.action_space or self._legacy or not self._action_seeded
        self._action_space = env.action_space
        if first and self.policy is None and getattr(env.action_space, "n", None) != 1:
            env.action_space.seed(self.seed)
            self._action_seeded = True
        if target is not None and not progress:
            from .compiled_prediction import run_pred_compiled

            return run_pred_compiled(
                self, env, target, method, episodes=episodes, total_steps=total_steps, seed=seed, callback=callback
            )
        return run(
            env, self, episodes=episodes, total_steps=total_steps, seed=seed, progress=progress, callback=callback
        )

    def _env_method(self):
        """The code of this agent's fused loop on a compiled env (``fastfa.kernels.codes.PredMethod``), or None."""
        return None

    def _compiled_target(self, env):
        """A compiled target for ``env`` if the fused loop can run this agent on it, else None."""
        from gymnasium import spaces

        from ..features.grid_tiles import GridTileCoder
        from .compiled_control import compiled_target

        if not isinstance(self.features, GridTileCoder) or not isinstance(env.action_space, spaces.Discrete):
            return None
        if self.features.low.shape[0] != env.observation_space.shape[0]:
            return None
        return compiled_target(env)

    _action_seeded = False

    _method = ""

    def _learn_compiled(self, env, episodes, total_steps, seed, callback):
        from ..envs.random_walk import RandomWalkEnv
        from .randomwalk_population import METHODS, feature_table
        from ..kernels.linear.prediction_pop import randomwalk_population
        from ..loop import EpisodeLog

        if not isinstance(env.unwrapped, RandomWalkEnv):
            raise ValueError(f"compiled=True supports the random walk env only, got {env.unwrapped!r}")
        if episodes is None or total_steps is not None or callback is not None:
            raise ValueError("compiled=True takes an episodes budget only (no total_steps, no callback)")
        episodes = check_count("episodes", episodes)
        if self.policy is not None:
            raise ValueError("compiled=True evaluates the walk's own (only) policy; policy must be None")
        params = env.unwrapped.params
        n_states = int(params[0])
        idx, val = feature_table(self.features, n_states)
        cfg = self.config
        method = self._method
        if method == "td_lambda":
            method = "td_lambda_acc" if cfg.trace == "accumulating" else "td_lambda_rep"
        from .randomwalk_population import generators

        gens = generators([np.random.SeedSequence(seed) if seed is not None else np.random.SeedSequence()])
        F = self.approx.n_features
        out_w = self.w.reshape(1, F).copy()
        out_steps = np.zeros(1, np.int64)
        randomwalk_population(
            gens,
            params,
            METHODS[method],
            np.array([cfg.alpha], float),
            np.array([self._n()], np.int64),
            np.array([cfg.lam], float),
            float(cfg.gamma),
            idx,
            val,
            np.zeros(n_states),
            np.zeros(n_states),
            np.zeros(0, np.int64),
            int(episodes),
            np.zeros((1, 0)),
            out_w,
            out_steps,
        )
        self.approx.w[:] = out_w[0]
        return EpisodeLog(total_steps=int(out_steps[0]))

    def _n(self) -> int:
        return 1

    @property
    def w(self) -> np.ndarray:
        return self.approx.w

    def value(self, obs: ArrayLike) -> float:
        """v̂(obs)."""
        return self.approx.value(obs)

    def values(self, obs: ArrayLike) -> np.ndarray:
        """v̂ of a batch of observations."""
        return self.approx.values(obs)

    def predict(self, obs: ArrayLike, deterministic: bool = True) -> ArrayLike:
        """The fixed policy's action (prediction agents do not change the policy); a batch -> an array."""
        a = np.asarray(obs)
        if a.ndim == (1 if hasattr(self.features, "n_states") else 2):
            return np.array([self._act(o) for o in a])
        return self._act(obs)

    def policy_function(self) -> Callable[..., Any]:
        """The fixed policy as a jitted ``obs -> action``: the ``policy`` itself if it is a Numba
        dispatcher, a compiled uniform draw (Numba's own generator) when there is no policy."""
        if self.policy is not None:
            if hasattr(self.policy, "py_func") or hasattr(self.policy, "signatures"):
                return self.policy
            raise TypeError("policy_function(): the policy is a plain Python callable; pass a @numba.njit policy")
        from numba import njit

        n = int(getattr(self._action_space, "n", 1) or 1)
        start = int(getattr(self._action_space, "start", 0))

        @njit
        def uniform(obs: ArrayLike):
            return start + np.random.randint(n)

        return uniform

    def save(self, path: PathLike) -> Path:
        """Config, features, weights, env id and log (pickle-free; the policy is not saved)."""
        meta, arrays = self.approx.get_state()
        return _io.save(
            path,
            type(self).__name__,
            {
                "config": dataclasses.asdict(self.config),
                "approx": meta,
                "seed": self.seed,
                "contract": self._contract_meta(),
            },
            arrays,
        )

    @classmethod
    @_io.loader
    def load(cls, path: PathLike, env: EnvArg = None, policy: Any = None) -> Self:
        """Rebuild an agent saved by :meth:`save` (0.1.0 files too) on ``env`` (default: the saved env id)."""
        _, meta, arrays = _io.load(path, kind=cls.__name__)
        approx = LinearV.from_state(meta["approx"], arrays)
        agent = object.__new__(cls)
        _Predictor._build(agent, approx.features, PredictionConfig(**meta["config"]), policy, meta["seed"], {}, None)
        agent.approx.w[:] = approx.w
        agent._restore_contract(meta, env)
        if agent.env is not None:
            agent._action_space = agent.env.action_space
            agent._action_seeded = agent._env_seeded  # the action space's generator was restored
        return agent

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.features!r}, {self.config})"

    # -- Learner protocol pieces
    def begin_episode(self, obs: ArrayLike) -> ArrayLike:
        self._last: tuple | None = None
        self._begin()
        return self._act(obs)

    def _encode_transition(self, obs: ArrayLike, next_obs: ArrayLike, terminated: bool):
        """``(i, v, i1, v1, γ)`` of a transition; reuses the previous step's encoding of ``obs``."""
        last = self._last
        if last is not None and last[0] is obs:
            i, v = last[1]
        else:
            i, v = self.approx.encode(obs)
        if terminated:
            self._last = None
            return i, v, i, v, 0.0
        enc = self.approx.encode(next_obs)
        self._last = (next_obs, enc)
        return i, v, enc[0], enc[1], float(self.config.gamma)

    def _begin(self) -> None:
        pass
