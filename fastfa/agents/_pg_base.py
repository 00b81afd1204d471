"""Shared pieces of the linear policy-gradient agents: :class:`PGConfig`, :class:`ConstantFeatures`
and the agent surface (construction from features + action space, learn, predict, value; save/load
in :mod:`fastfa.agents._pg_io`).

The algorithms themselves are in :mod:`fastfa.agents.policy_gradient`.
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Any


from collections.abc import Callable

import numpy as np

from ..loop import run
from ..features.constant import ConstantFeatures
from ._pg_io import PGFiles
from ._contract import Contract, default_features, is_env, make_config, resolve_env, warn_legacy
from .._typing import ArrayLike, EnvArg, FeaturesArg

__all__ = ["PGConfig", "ConstantFeatures"]


@dataclass(frozen=True)
class PGConfig:
    """Hyper-parameters of the policy-gradient agents (each uses the fields it needs).

    Attributes:
        alpha: policy step size α^θ (> 0).  With tile coding divide by the number of tilings.
        alpha_w: critic / baseline step size α^w (> 0).
        alpha_std: step size of the Gaussian log-std parameters (None: = alpha; 0: fixed std).
        gamma: discount γ in [0, 1].
        gamma_t: multiply the policy step by γᵗ (the book's I factor); False drops it.
        lam: actor trace decay λ^θ in [0, 1] (:class:`ActorCritic`).
        lam_w: critic trace decay λ^w in [0, 1] (:class:`ActorCritic`).
        n_rollouts: episodes per policy update for REINFORCE (the lecture's averaged G̃), >= 1.
        init_std: initial σ of a Gaussian policy (> 0).
        std_bounds: (σ_min, σ_max) clip of the Gaussian σ.
    """

    alpha: float = 0.01
    alpha_w: float = 0.1
    alpha_std: float | None = None
    gamma: float = 1.0
    gamma_t: bool = True
    lam: float = 0.0
    lam_w: float = 0.0
    n_rollouts: int = 1
    init_std: float = 1.0
    std_bounds: tuple = (float(np.exp(-5.0)), float(np.exp(2.0)))

    def __post_init__(self):
        for name in ("alpha", "alpha_w"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v <= 0:
                raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
        if self.alpha_std is not None and not (np.isfinite(self.alpha_std) and self.alpha_std >= 0):
            raise ValueError(f"alpha_std must be None or a finite number >= 0, got {self.alpha_std!r}")
        for name in ("gamma", "lam", "lam_w"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {v!r}")
        if (
            isinstance(self.n_rollouts, bool)
            or not isinstance(self.n_rollouts, (int, np.integer))
            or self.n_rollouts < 1
        ):
            raise ValueError(f"n_rollouts must be an int >= 1, got {self.n_rollouts!r}")
        if not (np.isfinite(self.init_std) and self.init_std > 0):
            raise ValueError(f"init_std must be > 0 (a zero std has no density), got {self.init_std!r}")
        lo, hi = self.std_bounds
        if not (0 < lo < hi < np.inf):
            raise ValueError(f"std_bounds must satisfy 0 < min < max < inf, got {self.std_bounds!r}")


class _PGAgent(PGFiles, Contract):
    """Shared surface: the agent contract, construction from an env, learn, predict, value, save/load."""

    has_critic = True

    def __init__(
        self,
        env: EnvArg,
        features: FeaturesArg = None,
        *legacy: Any,
        config: PGConfig | None = None,
        seed: int | None = None,
        **overrides: Any,
    ) -> None:
        name = type(self).__name__
        if is_env(env):  # contract form: Agent(env, features=None, *, config=None, seed=None, **overrides)
            if legacy:
                raise TypeError(
                    f"{name}(env, features=None, *, config=None, seed=None, **overrides): the options are keyword-only"
                )
            env = resolve_env(env)
            if features is None:
                features = default_features(env.observation_space)
            self._build(features, env.action_space, config, seed, overrides, env)
            return
        # 0.1.0 form: Agent(features, action_space, config=None, *, seed=None, **overrides); env given to learn
        if len(legacy) > 1:
            raise TypeError(f"{name}: too many positional arguments")
        warn_legacy(f"{name}(features, action_space, ...)", f"{name}(env, features, config=..., seed=...)")
        self._build(env, features, legacy[0] if legacy else config, seed, overrides, None)

    def _build(self, features, action_space, config, seed, overrides, env):
        from gymnasium import spaces

        from ..policies import GaussianLinear, SoftmaxLinear

        config = make_config(PGConfig, config, overrides, type(self).__name__)
        if not hasattr(features, "n_features") or not (hasattr(features, "indices") or hasattr(features, "transform")):
            raise TypeError(f"features must be a fastfa feature object, got {type(features).__name__}")
        self.config, self.features = config, features
        self.sparse = bool(getattr(features, "sparse", False))
        F = int(features.n_features)
        if isinstance(action_space, spaces.Discrete):
            self.discrete = True
            self.policy = SoftmaxLinear(F, int(action_space.n))
        elif isinstance(action_space, spaces.Box) and len(action_space.shape) == 1:
            self.discrete = False
            self.policy = GaussianLinear(
                F,
                action_space.shape[0],
                low=action_space.low,
                high=action_space.high,
                init_std=config.init_std,
                std_bounds=config.std_bounds,
            )
        else:
            raise TypeError(f"action_space must be Discrete or a 1-D Box, got {action_space!r}")
        self.action_space = action_space
        self.w = np.zeros(F)  # linear critic / baseline v̂(s) = w·x(s)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self._batch, self._n_eps = None, 0  # REINFORCE with n_rollouts > 1
        self._init_contract(env)
        self._init_critic()

    def _init_critic(self) -> None:
        pass

    # -- features and policy glue
    def _x(self, obs: ArrayLike):
        """Sparse: int64 active indices; dense: float64 vector.  Gaussian policies get the dense vector."""
        if self.sparse:
            x = np.ascontiguousarray(self.features.indices(obs), dtype=np.int64)
            if self.discrete:
                return x
            d = np.zeros(int(self.features.n_features))
            np.add.at(d, x, 1.0)
            return d
        x = np.asarray(self.features.transform(obs), dtype=np.float64)
        if not np.all(np.isfinite(x)):
            raise ValueError("features: x(obs) contains NaN or inf (check the observation and feature bounds)")
        return x

    def _v(self, x: np.ndarray) -> float:
        # sums in feature order, as the compiled loop's kernels (binary x: the same numbers)
        from ..kernels.loops.pg_env_loop import dense_value, sparse_value

        if x.dtype.kind in "iu":
            return float(sparse_value(self.w, x))
        return float(dense_value(self.w, x))

    def _add_v(self, x: np.ndarray, scale) -> None:
        """w ← w + scale·x(s) (sparse: on the active features only)."""
        if x.dtype.kind in "iu":
            np.add.at(self.w, x, scale)
        else:
            self.w += scale * x
        self._check_w()

    def _grad_v(self, x: np.ndarray):
        if x.dtype.kind in "iu":
            g = np.zeros_like(self.w)
            np.add.at(g, x, 1.0)
            return g
        return x

    def _sample(self, x: np.ndarray):
        """(action for the env, action for learning)."""
        if self.discrete:
            a = self.policy.sample(x, self.rng)
            return a, a
        raw, clipped = self.policy.sample(x, self.rng)
        return clipped.astype(self.action_space.dtype), raw

    def _step_policy(self, x: np.ndarray, a, step):
        if not np.isfinite(step):
            raise FloatingPointError(
                f"{type(self).__name__}: the policy step became non-finite ({step}); training "
                f"stopped (alpha={self.config.alpha} too large?)"
            )
        if self.discrete:
            self.policy.update(x, a, step)
        else:
            s_std = step if self.config.alpha_std is None else step * self.config.alpha_std / self.config.alpha
            self.policy.update(x, a, step, s_std)

    def _grad_log_pi(self, x: np.ndarray, a) -> list:
        if self.discrete:
            return [self.policy.grad_log_prob(x, a)]
        g = self.policy.grad_log_prob(x, a)
        return [g["theta_mu"], g["log_std_b"], g["log_std_w"]]

    def _params(self) -> list:
        if self.discrete:
            return [self.policy.theta]
        return [self.policy.theta_mu, self.policy.log_std_b, self.policy.log_std_w]

    def _add_to_policy(self, grads, alpha):
        cfg = self.config
        if self.discrete:
            new = [self.policy.theta + alpha * grads[0]]
        else:
            a_std = alpha if cfg.alpha_std is None else alpha * cfg.alpha_std / cfg.alpha
            new = [
                self.policy.theta_mu + alpha * grads[0],
                self.policy.log_std_b + a_std * grads[1],
                self.policy.log_std_w + a_std * grads[2],
            ]
        if not all(np.all(np.isfinite(p)) for p in new):
            raise FloatingPointError(
                f"{type(self).__name__}: policy parameters became non-finite; training "
                f"stopped (alpha={cfg.alpha} too large?)"
            )
        if self.discrete:
            self.policy.theta = new[0]
        else:
            self.policy.theta_mu, self.policy.log_std_b, self.policy.log_std_w = new

    def _check_w(self):
        if not np.all(np.isfinite(self.w)):
            raise FloatingPointError(
                f"{type(self).__name__}: critic weights became non-finite; training "
                f"stopped (alpha_w={self.config.alpha_w} too large?)"
            )

    # -- public surface
    def _compiled_alg(self):
        """The code of this agent's fused loop (``fastfa.kernels.codes.PGAlg``), or None."""
        return None

    def _learn_impl(self, env, total_steps, episodes, seed, callback, progress, compiled):
        if env.action_space != self.action_space:
            raise ValueError(f"env.action_space {env.action_space} differs from the agent's {self.action_space}")
        from ..features.grid_tiles import GridTileCoder
        from .compiled_control import compiled_target
        from .compiled_pg import run_pg_compiled

        why = None
        alg = self._compiled_alg()
        target = None if compiled is False or alg is None else compiled_target(env)
        if compiled is False:
            why = "compiled=False"
        elif alg is None:
            why = f"{type(self).__name__} with this config has no compiled loop"
        elif target is None:
            why = "the env is not a fastfa.envs.CompiledEnv or a gymnasium env with a compiled twin (or has extra wrappers)"
        elif not isinstance(self.features, GridTileCoder):
            why = "the features are not a GridTileCoder"
        elif self.features.low.shape[0] != env.observation_space.shape[0]:
            why = "the tile coder's box does not match the observation"
        if why is None:
            return run_pg_compiled(
                self,
                env,
                target,
                alg,
                episodes=episodes,
                total_steps=total_steps,
                seed=seed,
                callback=callback,
                progress=progress,
            )
        if compiled is True:
            raise ValueError(f"compiled=True but the compiled loop cannot run: {why}")
        return run(
            env, self, episodes=episodes, total_steps=total_steps, seed=seed, progress=progress, callback=callback
        )

    def predict(self, obs: ArrayLike, deterministic: bool = True) -> ArrayLike:
        """Greedy action (argmax π / clipped mean) or a sample from π; a batch of observations -> an array."""
        a = np.asarray(obs)
        if a.ndim == (1 if hasattr(self.features, "n_states") else 2) and not isinstance(
            self.features, ConstantFeatures
        ):
            return np.array([self.predict(o, deterministic) for o in a])
        x = self._x(obs)
        if not deterministic:
            return self._sample(x)[0]
        if self.discrete:
            return self.policy.greedy(x)
        mu, _ = self.policy.mean_std(x)
        return np.clip(mu, self.policy.low, self.policy.high).astype(self.action_space.dtype)

    def policy_function(self) -> Callable[..., Any]:
        """The greedy policy (most probable action of the softmax) as a jitted ``obs -> action``
        (Discrete actions and GridTileCoder / StateAggregation features)."""
        if not self.discrete:
            raise TypeError("policy_function(): Gaussian policies are not supported yet (Discrete actions only)")
        from ._policy_fn import greedy_softmax_linear

        return greedy_softmax_linear(self.features, self.policy.theta)

    def value(self, obs: ArrayLike) -> float:
        """v̂(obs) of the critic / baseline."""
        if not self.has_critic:
            raise TypeError(f"{type(self).__name__} learns no value function (use ReinforceBaseline or ActorCritic)")
        return self._v(self._x(obs))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.features!r}, {self.action_space}, {self.config})"
