"""A2C: synchronous advantage actor-critic with n-step returns over K env copies (linear version).

Every update collects ``n_steps`` transitions from each of ``n_envs`` copies of the
environment (env k steps, and is reset at once when its episode ends, before env k + 1;
all copies draw from one env generator), then, for every sample (Mnih et al. 2016;
S&B 13.5 with n-step returns)::

    G_t = R_{t+1} + γ G_{t+1}   (bootstrapped with v̂(S_{t+n}); 0 after a termination;
                                 γ v̂(final obs) after a time-limit truncation)
    A_t = G_t − v̂(S_t)
    w ← w + (α_w / B) Σ_t A_t x(S_t)
    θ ← θ + (α / B) Σ_t A_t ∇ ln π(A_t|S_t)       (B = n_envs · n_steps)

Features: sparse (tile coding: the compiled kernels of ``fastfa.kernels.linear.a2c_linear``
on the active indices) or dense fastfa feature objects (NumPy rows; the softmax actor's
batched gradient is the compiled ``softmax_pa_batch_grad``).  With a
:class:`fastfa.features.GridTileCoder` on a :class:`fastfa.envs.CompiledEnv` (or gymnasium's
MountainCar / CartPole / Acrobot, through their twins) the whole loop runs compiled
(``fastfa.kernels.loops.a2c_linear_loop``), with the same numbers as the Python loop.  The MLP
version is :class:`fastfa.agents.A2CMLP`.

Example::

    >>> from fastfa.agents import A2C
    >>> from fastfa.features import Fourier
    >>> import numpy as np
    >>> f = Fourier(low=[-2.4, -3, -0.21, -3], high=[2.4, 3, 0.21, 3], order=2)
    >>> agent = A2C("CartPole-v1", f, alpha=0.05, alpha_w=0.1, gamma=0.99, n_envs=8, n_steps=5, seed=0)
    >>> agent.learn(total_steps=20_000)                                    # doctest: +SKIP
"""

from __future__ import annotations

import copy
import time
import warnings

from typing import Any, TYPE_CHECKING

from pathlib import Path

import numpy as np

from .. import io as _io
from ..loop import Progress
from ._contract import default_features, is_env, resolve_env, warn_legacy
from ._a2c_loops import A2CLoops
from ._pg_base import PGConfig, _PGAgent
from .._typing import ArrayLike, Callback, EnvArg, FeaturesArg, PathLike

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["A2C"]


class A2C(A2CLoops, _PGAgent):
    """Linear A2C.  ``A2C(env, features=None, *, config=None, n_envs=8, n_steps=5, seed=None, **overrides)``:
    ``env`` a gymnasium env (copied ``n_envs`` times), an env id, or a callable making one env."""

    def __init__(
        self,
        env: EnvArg,
        features: FeaturesArg = None,
        *legacy: Any,
        config: PGConfig | None = None,
        n_envs: int = 8,
        n_steps: int = 5,
        seed: int | None = None,
        compiled: Any = "auto",
        **overrides: Any,
    ) -> None:
        import gymnasium

        if compiled not in ("auto", True, False):
            raise ValueError(f"compiled must be 'auto', True or False, got {compiled!r}")
        for name, v in (("n_envs", n_envs), ("n_steps", n_steps)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        if not (is_env(env) or (callable(env) and not hasattr(env, "n_features"))):
            # 0.1.0 form: A2C(features, env, config=None, *, n_envs, n_steps, seed, **overrides)
            warn_legacy("A2C(features, env, ...)", "A2C(env, features, config=..., n_envs=..., seed=...)")
            env, features = features, env
            if legacy:
                config = legacy[0]
        elif legacy:
            raise TypeError(
                "A2C(env, features=None, *, config=None, n_envs=8, n_steps=5, seed=None, **overrides): "
                "the options are keyword-only"
            )
        if isinstance(env, str):
            from ..envs import make

            env_id = env
            env_fn = lambda: make(env_id)  # noqa: E731
        elif isinstance(env, gymnasium.Env):
            proto = env
            spec = proto.spec
            env_fn = (lambda: gymnasium.make(spec)) if spec is not None else (lambda: copy.deepcopy(proto))
        elif callable(env):
            env_fn = env
        else:
            raise TypeError("env must be a gymnasium Env, an env id or a callable returning a gymnasium env")
        self.envs = [env_fn() for _ in range(n_envs)]
        proto = self.envs[0]
        if features is None:
            features = default_features(proto.observation_space)
        self._build(features, proto.action_space, config, seed, overrides, None)
        self.env = resolve_env(env) if is_env(env) else proto  # evaluate() re-makes its id
        self.n_envs, self.n_steps = int(n_envs), int(n_steps)
        self.num_timesteps = 0
        self._obs: np.ndarray | None = None
        self._ep_len = np.zeros(self.n_envs, np.int64)
        self.env_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
        self._target, why = self._compiled_target(compiled)
        if compiled is True and self._target is None:
            raise ValueError(f"compiled=True: {why}")
        self.compiled = self._target is not None

    def _compiled_target(self, compiled):
        """(the fused loop's target, None) or (None, why not)."""
        from ..features.grid_tiles import GridTileCoder
        from .compiled_control import compiled_target

        if compiled is False:
            return None, "compiled=False"
        if not isinstance(self.features, GridTileCoder):
            return None, f"the fused loop needs a GridTileCoder (features are a {type(self.features).__name__})"
        target = compiled_target(self.envs[0])
        if target is None:
            return None, "the env is not a fastfa.envs.CompiledEnv or a gymnasium env with a compiled twin"
        return target, ""

    @property
    def episode_returns(self) -> list:
        """Returns of the finished episodes in completion order (= ``log.returns``)."""
        return self.log.returns

    def _X(self, obs: ArrayLike) -> np.ndarray:
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

    def _F(self, obs: ArrayLike) -> np.ndarray:
        """What the loop works on for a batch of observations: the active indices [n, T] (sparse
        features) or the dense rows [n, F]."""
        if self.sparse:
            return np.ascontiguousarray(self.features.indices_batch(obs), dtype=np.int64)
        return self._X(obs)

    def _lin(self):
        """(policy, step sizes) for the kernels of ``fastfa.kernels.linear.a2c_linear``."""
        from ..kernels.linear.a2c_linear import LinPolicy, make_lin_hp

        p, c = self.policy, self.config
        if self.discrete:
            return LinPolicy(p.theta, np.zeros(0), np.zeros(0), np.zeros(0), True), make_lin_hp(
                c.alpha, c.alpha_w, c.alpha_std, c.gamma
            )
        return LinPolicy(p.theta_mu, p.log_std_b, p.low, p.high, False), make_lin_hp(
            c.alpha, c.alpha_w, c.alpha_std, c.gamma, p.ls_min, p.ls_max
        )

    def _values(self, F: np.ndarray) -> np.ndarray:
        if self.sparse:
            from ..kernels.linear.a2c_linear import lin_values

            out = np.empty(F.shape[0])
            lin_values(self.w, F, out)
            return out
        return F @ self.w

    def _act_batch(self, F: np.ndarray):
        """(actions for the envs, actions for learning) of a batch of feature rows."""
        if self.sparse:
            from ..kernels.linear.a2c_linear import lin_act

            pol, hp = self._lin()
            acts = np.zeros(F.shape[0], np.int64)
            raw = np.zeros((F.shape[0], 0 if self.discrete else self.policy.action_dim))
            lin_act(pol, hp, F, self.rng, acts, raw)
            if self.discrete:
                return acts, acts
            return np.clip(raw, self.policy.low, self.policy.high).astype(self.action_space.dtype), raw
        if self.discrete:
            from ..kernels.linear.policy_gradient import categorical_sample

            H = F @ self.policy.theta
            H -= H.max(axis=1, keepdims=True)
            P = np.exp(H)
            P /= P.sum(axis=1, keepdims=True)
            a = np.array([categorical_sample(p, self.rng) for p in P], dtype=np.int64)
            return a, a
        raw = np.empty((F.shape[0], self.policy.action_dim))
        env_a = np.empty_like(raw, dtype=self.action_space.dtype)
        for i in range(F.shape[0]):
            raw[i], env_a[i] = self.policy.sample(F[i], self.rng)
        return env_a, raw

    def _update(self, F: np.ndarray, A: np.ndarray, adv: np.ndarray) -> None:
        """One update from the B = N·K samples (feature rows ``F``, actions ``A``, advantages ``adv``)."""
        cfg = self.config
        B = adv.shape[0]
        if self.sparse:
            from ..kernels.linear.a2c_linear import lin_update

            pol, hp = self._lin()
            acts = A if self.discrete else np.zeros(B, np.int64)
            raw = A if not self.discrete else np.zeros((B, 0))
            self._raise(lin_update(pol, self.w, hp, F, acts, np.ascontiguousarray(raw), adv))
            return
        self.w = self.w + (cfg.alpha_w / B) * (adv @ F)
        self._check_w()
        if self.discrete:
            grad, _ = self.policy.batch_grad(F, A, adv)
            self._add_to_policy([grad / B], cfg.alpha)
        else:
            acc = [np.zeros_like(p) for p in self._params()]
            for b in range(B):
                for s, gr in zip(acc, self._grad_log_pi(F[b], A[b])):
                    s += adv[b] * gr
            self._add_to_policy([s / B for s in acc], cfg.alpha)

    def _raise(self, status: int) -> None:
        from ..kernels.linear.pg_traces import CRITIC_NOT_FINITE, OK

        if status == OK:
            return
        if status == CRITIC_NOT_FINITE:
            self._check_w()
        raise FloatingPointError(
            f"A2C: policy parameters became non-finite; training stopped (alpha={self.config.alpha} too large?)"
        )

    def learn(  # type: ignore[override]
        self,
        *args: Any,
        total_steps: int | None = None,
        episodes: int | None = None,
        callback: Callback | None = None,
        progress: bool = False,
        checkpoint_every: int | None = None,
        checkpoint_path: PathLike | None = None,
        seed: int | None = None,
        env: EnvArg = None,
    ) -> Self:
        """Train for ``total_steps`` env steps (summed over the envs, whole updates) or until ``episodes``
        more episodes finished; returns ``self``.  ``seed``: restart the envs from a generator seeded
        with it (the first call starts them from the agent's).  ``callback(info)`` runs after every
        update with ``{"total_steps", "episodes"}``; ``False`` stops.  Checkpoints are written after the
        first update past every ``checkpoint_every`` steps; they hold the parameters and the log, not
        the envs' states, so a resumed run restarts the envs (it is not bit-identical to an
        uninterrupted one).
        """
        from ._contract import check_budget, check_checkpoint, split_learn_args

        total_steps, env = split_learn_args("A2C", args, total_steps, env)
        if env is not None:
            warn_legacy("A2C.learn(env, ...)", "A2C(env, ...).learn(total_steps=N)")
        if total_steps is None and episodes is None and self._pending is not None:
            total_steps, episodes = self._pending.get("total_steps"), self._pending.get("episodes")
        total_steps, episodes = check_budget(total_steps, episodes)
        every, path = check_checkpoint(checkpoint_every, checkpoint_path)
        self._pending = None
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
                raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
            self.env_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed))))
            self._obs = None
        t0 = time.perf_counter()
        steps0, eps0, last_ckpt = self.num_timesteps, self.log.n_episodes, self.num_timesteps
        bar = Progress(total_steps or episodes, "A2C steps" if total_steps else "A2C episodes", enabled=progress)
        target = self.num_timesteps + total_steps if total_steps else None
        one = callback is not None or every is not None or progress  # updates one at a time
        while (target is None or self.num_timesteps < target) and (
            episodes is None or self.log.n_episodes - eps0 < episodes
        ):
            n_up = 1 if one or target is None else -(-(target - self.num_timesteps) // (self.n_envs * self.n_steps))
            stop_eps = -1 if episodes is None else eps0 + episodes
            before = self.num_timesteps
            if self.compiled:
                self._run_compiled(n_up, stop_eps)
            else:
                self._run_python(n_up, stop_eps)
            bar.update(self.num_timesteps - before if total_steps else 0)
            info = {"total_steps": self.num_timesteps, "episodes": self.log.n_episodes}
            if callback is not None and callback(info) is False:
                break
            if every is not None and path is not None and self.num_timesteps - last_ckpt >= every:
                last_ckpt = self.num_timesteps
                left = (
                    None if target is None else target - self.num_timesteps,
                    None if episodes is None else episodes - (self.log.n_episodes - eps0),
                )
                if all(v is None or v > 0 for v in left):
                    self._pending = {"total_steps": left[0], "episodes": left[1]}
                    self.save(path)
                    self._pending = None
        bar.close()
        self.log.total_steps += self.num_timesteps - steps0
        self.log.wall_time_s += time.perf_counter() - t0
        return self

    def save(self, path: PathLike) -> Path:
        """Config, features, policy and critic (pickle-free; the vector envs are not saved)."""
        return super().save(path)

    @classmethod
    @_io.loader
    def load(
        cls, path: PathLike, env: EnvArg = None, *, features: FeaturesArg = None, n_envs: int = 8, n_steps: int = 5
    ) -> "A2C":
        """Rebuild an A2C saved by :meth:`save` on ``env`` (id, env or callable; default: the saved env id);
        the envs start fresh."""
        from .. import io as _io
        from .policy_gradient import ActorCritic

        _, meta, arrays = _io.load(path, kind="A2C")
        saved = ActorCritic._from_loaded(meta, arrays, features)  # same file layout
        c = meta.get("contract", {})
        if env is None:
            env = c.get("env_id")
        if env is None:
            raise ValueError(f"{path}: no env id stored; pass env=")
        agent = object.__new__(cls)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            cls.__init__(
                agent, env, saved.features, config=saved.config, n_envs=n_envs, n_steps=n_steps, seed=meta["seed"]
            )
        agent.w = saved.w
        for k, v in saved.policy.state_dict().items():
            setattr(agent.policy, k, v)
        agent.rng = saved.rng
        from ..loop import EpisodeLog

        agent.log = EpisodeLog.from_dict(c.get("log") or {})
        agent._pending = c.get("pending")
        agent.num_timesteps = int(c.get("num_timesteps", 0))
        return agent

    def _contract_meta(self) -> dict:
        meta = super()._contract_meta()
        meta["num_timesteps"] = int(self.num_timesteps)
        return meta
