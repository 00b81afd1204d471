"""The agent contract shared by every agent: env resolution, default features, config building,
budget checks, evaluation, the episode log across ``learn`` calls, checkpoints and exact resume.

Every agent has the same shape (see docs/coming_from_sb3.md)::

    Agent(env, features=None, *, config=None, seed=None, **config_overrides)
      .learn(total_steps=None, *, episodes=None, callback=None, progress=False,
             checkpoint_every=None, checkpoint_path=None) -> self
      .predict(obs, deterministic=True)   .evaluate(env=None, episodes=10, seed=None)
      .save(path)   Agent.load(path, env=None)   .log   .policy_function()

:class:`Contract` holds the verbs that are the same for every agent driven by
:func:`fastfa.loop.run` (one environment, episode by episode); an agent plugs in
``_learn_impl(env, total_steps, episodes, seed, callback, progress, compiled) -> EpisodeLog``.

Checkpoints and resume: with ``checkpoint_every=N`` the agent is saved to ``checkpoint_path``
at the first episode end after every N env steps, together with what the interrupted
``learn`` still had to do (its remaining budget), the episode log and the env's random
generator.  ``Agent.load(checkpoint_path).learn()`` (no budget) finishes that ``learn``; the
result equals the uninterrupted run exactly (same weights, log and generator states).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

import numpy as np
from .._checks import MAX_BUDGET  # 2**62: larger budgets could overflow the compiled loops' int64 counters
from .._checks import check_budget as _check_budget
from .._checks import check_count
from .._typing import Callback, EnvArg, PathLike

if TYPE_CHECKING:
    from typing_extensions import Self
    from ..loop import EpisodeLog

__all__ = [
    "EvalResult",
    "Contract",
    "check_budget",
    "make_config",
    "resolve_env",
    "env_id_of",
    "is_env",
    "default_features",
    "evaluate_agent",
    "warn_legacy",
    "MAX_BUDGET",
]


@dataclass(frozen=True)
class EvalResult:
    """What ``evaluate`` returns: per-episode ``returns`` and ``lengths`` and their summary.

    ``mean_return`` / ``std_return`` are floats; ``mean()``/``std()``, ``len()``, indexing and
    ``np.asarray(result)`` act on ``returns`` (so code that used the returns array keeps working).
    """

    returns: np.ndarray
    lengths: np.ndarray
    mean_return: float = field(init=False)
    std_return: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean_return", float(np.mean(self.returns)) if len(self.returns) else float("nan"))
        object.__setattr__(self, "std_return", float(np.std(self.returns)) if len(self.returns) else float("nan"))

    def mean(self) -> float:
        return self.mean_return

    def std(self) -> float:
        return self.std_return

    def __len__(self) -> int:
        return len(self.returns)

    def __getitem__(self, i):
        return self.returns[i]

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.returns, dtype=dtype)

    def __repr__(self) -> str:
        return (
            f"EvalResult(mean_return={self.mean_return:.4g}, std_return={self.std_return:.4g}, "
            f"episodes={len(self.returns)}, mean_length={np.mean(self.lengths) if len(self.lengths) else 0:.4g})"
        )


def is_env(obj) -> bool:
    """A gymnasium Env (``CompiledEnv`` included) or an env id string."""
    if isinstance(obj, str):
        return True
    import gymnasium

    return isinstance(obj, gymnasium.Env)


def resolve_env(env, name: str = "env"):
    """A gymnasium Env from an Env, a ``CompiledEnv`` or an env id (``fastfa.make``: compiled twin if any)."""
    import gymnasium

    if isinstance(env, str):
        from ..envs import make

        try:
            return make(env)
        except gymnasium.error.Error as err:  # unknown or malformed id: a ValueError naming the argument
            raise ValueError(f"{name}: cannot make the gymnasium env {env!r}: {err}") from None
    if isinstance(env, gymnasium.Env):
        return env
    raise TypeError(
        f"{name} must be a gymnasium Env, an env id string or a fastfa.envs.CompiledEnv, got {type(env).__name__}"
    )


def env_id_of(env) -> str | None:
    """The id an env can be re-made from (``env.spec.id`` or a ``CompiledEnv``'s ``id``), else None."""
    spec = getattr(env, "spec", None)
    if spec is not None and getattr(spec, "id", None):
        return spec.id
    i = getattr(env, "id", None)
    return i if isinstance(i, str) else None


def default_features(space, *, tilings: int = 8, tiles: int = 8, name: str = "features"):
    """The book's tile coding over a bounded 1-D ``Box`` (``tilings`` offset grids of ``tiles`` per
    dimension, S&B 9.5.4 / Fig 10.2), or one feature per state of a ``Discrete`` space."""
    from gymnasium import spaces

    if isinstance(space, spaces.Discrete):
        from ..features import StateAggregation

        n = int(space.n)
        return StateAggregation(n, n, first=int(space.start))
    if isinstance(space, spaces.Box) and len(space.shape) == 1:
        # float32 bounds (gymnasium's classic control) back to the decimal they were written as:
        # MountainCar's -1.2 rather than -1.2000000476837158, so the tiling is the book's
        low, high = (
            np.array(
                [float(np.format_float_positional(v)) if np.isfinite(v) else float(v) for v in np.asarray(b).ravel()]
            )
            for b in (space.low, space.high)
        )
        bad = [i for i in range(low.size) if not (np.isfinite(low[i]) and np.isfinite(high[i]))]
        if bad:
            raise ValueError(
                f"the observation box is unbounded in dimension(s) {bad} (low={low.tolist()}, high={high.tolist()}), "
                f"so no default tile coding exists: pass {name}=, e.g. "
                f"{name}=fastfa.features.GridTileCoder(low, high, tiles=8, tilings=8) with finite bounds"
            )
        from ..features import GridTileCoder

        return GridTileCoder(low, high, tiles, tilings)
    raise ValueError(f"no default features for the observation space {space}: pass {name}= (a fastfa.features object)")


def make_config(config_cls, config, overrides: dict, agent: str):
    """``config`` (default ``config_cls()``) with ``overrides`` applied; unknown names -> TypeError
    listing the fields; values are validated by the dataclass (ValueError naming the field and range)."""
    if config is None:
        config = config_cls()
    elif isinstance(config, dict):
        overrides = {**config, **overrides}
        config = config_cls()
    if not isinstance(config, config_cls):
        raise TypeError(
            f"{agent}: config must be a {config_cls.__name__} (or a dict of its fields), got {type(config).__name__}"
        )
    if overrides:
        names = {f.name for f in dataclasses.fields(config_cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise TypeError(
                f"unknown {agent} option(s) {', '.join(unknown)}; "
                f"{config_cls.__name__} fields are: {', '.join(sorted(names))}"
            )
        config = dataclasses.replace(config, **overrides)
    return config


def check_budget(total_steps, episodes, *, episodes_ok: bool = True) -> tuple[int | None, int | None]:
    """Validated ``(total_steps, episodes)``: ints in [1, 2**62], at least one given.

    The one budget check (:func:`fastfa._checks.check_budget`) plus the agent's rule: TypeError for
    a bool, float or other non-int; ValueError for a missing or non-positive budget, or for
    ``episodes=`` on an agent that trains for ``total_steps`` only.
    """
    ts, ep = _check_budget(total_steps, episodes, required=False)
    if ts is None and ep is None:
        raise ValueError("learn needs a budget: total_steps=N" + (" or episodes=N" if episodes_ok else ""))
    if ep is not None and not episodes_ok:
        raise ValueError("this agent trains for total_steps only (episodes= is not supported)")
    return ts, ep


def check_checkpoint(every: int | None, path: PathLike | None) -> tuple[int | None, PathLike | None]:
    if every is None and path is None:
        return None, None
    if every is None or path is None:
        raise ValueError("checkpoint_every and checkpoint_path go together (give both or neither)")
    return check_count("checkpoint_every", every), path  # env steps


def split_learn_args(name, args, total_steps, env):
    """``learn(N)`` / ``learn(total_steps=N)`` / deprecated ``learn(env, ...)``: ``(total_steps, env)``."""
    if len(args) > 1:
        raise TypeError(f"{name}.learn takes at most one positional argument (total_steps), got {len(args)}")
    if args:
        if is_env(args[0]):
            env = args[0]
        elif total_steps is not None:
            raise TypeError(f"{name}.learn got total_steps twice")
        else:
            total_steps = args[0]
    return total_steps, env


def warn_legacy(old: str, new: str, stacklevel: int = 3) -> None:
    warnings.warn(
        f"{old} is deprecated and will be removed in the next release; use {new}",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def evaluate_agent(agent, env, episodes: int = 10, seed: int | None = None) -> EvalResult:
    """Run ``agent.predict(obs)`` (greedy) for ``episodes`` episodes on ``env``; first reset seeded."""
    if isinstance(episodes, (bool, np.bool_)) or not isinstance(episodes, (int, np.integer)):
        raise TypeError(f"episodes must be an int, got {episodes!r}")
    if not 1 <= episodes <= 10**9:
        raise ValueError(f"episodes must be in [1, 1e9], got {episodes!r}")
    rets, lens = np.zeros(episodes), np.zeros(episodes, np.int64)
    for e in range(episodes):
        obs, _ = env.reset(seed=seed if e == 0 else None)
        done = False
        while not done:
            obs, r, term, trunc, _ = env.step(agent.predict(obs))
            rets[e] += float(r)
            lens[e] += 1
            done = term or trunc
    return EvalResult(rets, lens)


def _rng_of(obj):
    return getattr(obj, "_np_random", None)


class Contract:
    """The verbs shared by the agents driven episode by episode by :func:`fastfa.loop.run`.

    An agent sets ``self.env`` (or None), ``self.seed``, calls :meth:`_init_contract` and defines
    ``_learn_impl``.  ``save``/``load`` of the agent store :meth:`_contract_meta` and call
    :meth:`_restore_contract`.
    """

    _episodes_ok = True
    # provided by the agent class (see above)
    seed: int | None
    _learn_impl: Callable[..., EpisodeLog]
    save: Callable[..., Any]

    def _init_contract(self, env) -> None:
        from ..loop import EpisodeLog

        self.env = env
        self.log = EpisodeLog()
        self._pending: dict | None = None  # remaining budget of an interrupted learn (from a checkpoint)
        self._env_seeded = False

    # ------------------------------------------------------------------ learn
    def learn(
        self,
        *args: Any,
        total_steps: int | None = None,
        episodes: int | None = None,
        callback: Callback | None = None,
        progress: bool = False,
        checkpoint_every: int | None = None,
        checkpoint_path: PathLike | None = None,
        compiled: bool | str = "auto",
        env: EnvArg = None,
        seed: int | None = None,
    ) -> Self:
        """Train for ``total_steps`` env steps or ``episodes`` episodes; returns ``self``.

        ``learn(N)`` is ``learn(total_steps=N)``.

        Args:
            total_steps, episodes: the budget (ints >= 1; at least one).  Without a budget, an
                agent loaded from a checkpoint finishes the interrupted ``learn``.
            callback: ``callback(info) -> bool | None`` after every episode with ``info`` =
                ``{"episode", "return", "length", "total_steps"}``; ``False`` stops training.
            progress: show a progress bar.
            checkpoint_every, checkpoint_path: save the agent to ``checkpoint_path`` at the first
                episode end after every ``checkpoint_every`` env steps (see the module docs).
            compiled: ``"auto"`` (fused compiled loop when possible), ``True`` (required) or ``False``.
            env, seed: deprecated (0.1.0 form ``learn(env, episodes=..., seed=...)``).
        """
        name = type(self).__name__
        total_steps, env = split_learn_args(name, args, total_steps, env)
        if env is not None:
            warn_legacy(
                f"{name}.learn(env, ...)",
                f"{name}(env, ...).learn(total_steps=N) or .learn(episodes=N) (the env and seed go to the constructor)",
            )
            self.env = resolve_env(env)
            reset_seed = seed
        elif seed is not None:
            raise TypeError(f"{name}.learn: seed= belongs to the constructor: {name}(env, seed=...)")
        else:
            reset_seed = None if self._env_seeded else self.seed
        if self.env is None:
            raise ValueError(f"{name}: no environment; construct with {name}(env, ...) or load with env=")
        if total_steps is None and episodes is None and self._pending is not None:
            total_steps, episodes = self._pending.get("total_steps"), self._pending.get("episodes")
        total_steps, episodes = check_budget(total_steps, episodes, episodes_ok=self._episodes_ok)
        every, path = check_checkpoint(checkpoint_every, checkpoint_path)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        if compiled not in ("auto", True, False):
            raise ValueError(f"compiled must be 'auto', True or False, got {compiled!r}")
        cb = callback
        if every is not None:
            cb = self._checkpointing(callback, every, path, total_steps, episodes)
        self._env_seeded = True
        self._pending = None
        log = self._learn_impl(self.env, total_steps, episodes, reset_seed, cb, progress, compiled)
        self.log.extend(log)
        return self

    def _checkpointing(self, callback, every, path: PathLike | None, total_steps, episodes):
        from ..loop import EpisodeLog

        partial = EpisodeLog()
        last = [0]

        def cb(info):
            partial.returns.append(info["return"])
            partial.lengths.append(info["length"])
            partial.total_steps = info["total_steps"]
            stop = callback is not None and callback(info) is False
            if info["total_steps"] - last[0] >= every and not stop:
                last[0] = info["total_steps"]
                left_steps = None if total_steps is None else total_steps - info["total_steps"]
                left_eps = None if episodes is None else episodes - info["episode"]
                if (left_steps is None or left_steps > 0) and (left_eps is None or left_eps > 0):
                    self._save_checkpoint(path, partial, {"total_steps": left_steps, "episodes": left_eps})
            return False if stop else None

        return cb

    def _save_checkpoint(self, path: PathLike, partial, pending) -> None:
        saved_log = self.log
        self.log = saved_log.copy()
        self.log.extend(partial)
        self._pending = pending
        try:
            self.save(path)
        finally:
            self.log, self._pending = saved_log, None

    # ------------------------------------------------------------------ evaluate
    def evaluate(self, env: EnvArg = None, episodes: int = 10, seed: int | None = None) -> EvalResult:
        """Greedy returns and lengths of ``episodes`` episodes on ``env`` (default: a fresh env made from
        the training env's spec, else the training env itself); the first reset is seeded with ``seed``."""
        if env is None:
            if self.env is None:
                raise ValueError(f"{type(self).__name__}.evaluate: no environment; pass env=")
            spec = getattr(self.env, "spec", None)
            if spec is not None:  # a fresh copy (same kwargs and time limit), the training env is left alone
                import gymnasium

                env = gymnasium.make(spec)
            else:
                env = self.env
        return evaluate_agent(self, resolve_env(env), episodes, seed)

    # ------------------------------------------------------------------ persistence helpers
    def _contract_meta(self) -> dict:
        from .. import io as _io

        env = self.env
        meta = {
            "env_id": env_id_of(env) if env is not None else None,
            "log": self.log.to_dict(),
            "pending": self._pending,
            "env_seeded": self._env_seeded,
        }
        if self._env_seeded and env is not None:  # the env's generators, so a checkpoint resumes exactly
            u = env.unwrapped
            rngs = {"env": _rng_of(u), "action": _rng_of(env.action_space)}
            meta["env_rngs"] = {k: _io.rng_state(r) for k, r in rngs.items() if r is not None}
        return meta

    def _restore_contract(self, meta: dict, env) -> None:
        """After load: attach ``env`` (or re-make the saved id), log, pending budget, env generators."""
        from .. import io as _io
        from ..loop import EpisodeLog

        c = meta.get("contract", {})
        if env is None and c.get("env_id"):
            env = c["env_id"]
        self.env = resolve_env(env) if env is not None else None
        self.log = EpisodeLog.from_dict(c.get("log") or {})
        self._pending = c.get("pending")
        self._env_seeded = bool(c.get("env_seeded", False))
        if self.env is not None:
            rngs = c.get("env_rngs", {})
            if "env" in rngs:
                self.env.unwrapped.np_random = _io.rng_from_state(rngs["env"])
            if "action" in rngs:
                self.env.action_space._np_random = _io.rng_from_state(rngs["action"])
