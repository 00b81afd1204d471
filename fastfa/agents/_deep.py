"""The agent contract for the agents that train in their own compiled loop over a number of env
steps (:class:`~fastfa.agents.DQN`, :class:`~fastfa.agents.A2CMLP`): learn in chunks (callbacks,
progress, checkpoints between chunks), evaluate, the episode log, checkpoints and exact resume.

Those loops carry the episode in progress, the replay buffer and every generator over calls, so
``learn(a); learn(b)`` equals ``learn(a + b)``: a checkpoint (written after the chunk that passes
each ``checkpoint_every`` steps, with the replay buffer) resumes exactly.

An agent provides ``_learn_chunk(n)`` (train ``n`` more env steps in its loop, no callback),
``_can_chunk`` (True when chunks join exactly), ``_learn_whole(total, progress, callback)`` (the
other case), ``episode_returns``/``episode_lengths``, ``num_timesteps``, ``env`` or ``env_id``,
and ``save(path, include_buffer=...)``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any, TYPE_CHECKING

import numpy as np

from ._contract import EvalResult, check_budget, check_checkpoint, evaluate_agent, resolve_env, split_learn_args
from .._typing import Callback, EnvArg, PathLike

if TYPE_CHECKING:
    from typing_extensions import Self

    from ..loop import EpisodeLog

__all__ = ["DeepContract"]


class DeepContract:
    _pending: dict | None = None
    _wall_s = 0.0
    # provided by the agent class
    _learn_chunk: Callable[..., Any]
    _learn_whole: Callable[..., Any]
    _greedy_net: Callable[..., Any]
    save: Callable[..., Any]

    if TYPE_CHECKING:

        @property
        def _can_chunk(self) -> bool: ...

        @property
        def num_timesteps(self) -> int: ...

        @property
        def episode_returns(self) -> list[float] | np.ndarray: ...

    @property
    def log(self) -> EpisodeLog:
        """The episode log (:class:`fastfa.loop.EpisodeLog`): returns, lengths, env steps, wall time."""
        from ..loop import EpisodeLog

        lengths = getattr(self, "episode_lengths", None)
        return EpisodeLog(
            returns=[float(r) for r in self.episode_returns],
            lengths=[] if lengths is None else [int(n) for n in lengths],
            total_steps=int(self.num_timesteps),
            wall_time_s=float(self._wall_s),
        )

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
        """Train for ``total_steps`` more env steps; returns ``self``.  ``learn(N)`` is ``learn(total_steps=N)``.

        ``callback(info) -> bool | None`` sees every finished episode (``info`` =
        ``{"episode", "return", "length", "total_steps"}``); in the compiled loop it runs after each
        chunk of ``chunk`` steps (default 10 000) for the episodes of that chunk, and ``False`` stops
        at the end of the chunk.  ``checkpoint_every=N`` with ``checkpoint_path`` saves the agent with
        its replay buffer after the chunk passing every N steps (chunks are then N steps; in the
        Python loop, at the first episode end after every N steps, with the env's generator);
        ``Agent.load(checkpoint_path).learn()`` finishes the interrupted ``learn`` exactly.
        ``episodes=N`` (agents with ``_episodes_ok``, e.g. DQN): stop after N more episodes, or at
        ``total_steps`` if it comes first (no checkpoints then).
        """
        name = type(self).__name__
        total_steps, env = split_learn_args(name, args, total_steps, None)
        if total_steps is None and episodes is None and self._pending is not None:
            total_steps = self._pending.get("total_steps")
        total_steps, episodes = check_budget(total_steps, episodes, episodes_ok=getattr(self, "_episodes_ok", False))
        every, path = check_checkpoint(checkpoint_every, checkpoint_path)
        if episodes is not None and every is not None:
            raise ValueError("checkpoint_every: checkpoints need a total_steps budget (not episodes=)")
        by_eps = {} if episodes is None else {"episodes": episodes}
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1):
            raise ValueError(f"chunk must be an int >= 1, got {chunk!r}")
        self._pending = None
        t0 = time.perf_counter()
        try:
            if not self._can_chunk:  # Python loop: checkpoints at episode ends (with the env's generator)
                cb = callback if every is None else self._episode_checkpoints(callback, every, path, total_steps)
                self._learn_whole(total_steps, progress, cb, **by_eps)
            else:
                self._learn_chunks(total_steps, progress, callback, every, path, chunk, episodes)
        finally:
            self._wall_s += time.perf_counter() - t0
        return self

    def _learn_chunks(self, total, progress, callback, every, path: PathLike | None, chunk, episodes=None) -> None:
        from .._checks import MAX_BUDGET
        from ..loop import Progress

        eps0 = len(self.episode_returns)
        bar_total = total
        if total is None:  # an episode budget only
            total = MAX_BUDGET
        step = every or chunk or (10_000 if (callback is not None or progress or episodes is not None) else total)
        q = getattr(self, "_step_quantum", 1)  # whole updates (A2C: n_envs * n_steps env steps)
        step = -(-step // q) * q
        bar = Progress(bar_total, f"{type(self).__name__} steps", enabled=progress)
        done, n_eps, last_ckpt = 0, len(self.episode_returns), 0
        try:
            while done < total and (episodes is None or len(self.episode_returns) - eps0 < episodes):
                before = self.num_timesteps
                if episodes is None:
                    self._learn_chunk(min(step, total - done))
                else:
                    self._learn_chunk(min(step, total - done), episodes - (len(self.episode_returns) - eps0))
                done += self.num_timesteps - before
                bar.update(self.num_timesteps - before)
                stop = False
                if callback is not None:
                    lengths = getattr(self, "episode_lengths", None)
                    for k in range(n_eps, len(self.episode_returns)):
                        info = {
                            "episode": k + 1,
                            "return": float(self.episode_returns[k]),
                            "length": int(lengths[k]) if lengths is not None else -1,
                            "total_steps": int(self.num_timesteps),
                        }
                        stop = stop or callback(info) is False
                n_eps = len(self.episode_returns)
                if stop:
                    break
                if every is not None and done - last_ckpt >= every and done < total:
                    last_ckpt = done
                    self._pending = {"total_steps": int(total - done)}
                    try:
                        self.save(path, include_buffer=True)
                    finally:
                        self._pending = None
        finally:
            bar.close()

    def _episode_checkpoints(self, callback, every, path: PathLike | None, total):
        last = [0]

        def cb(info):
            stop = callback is not None and callback(info) is False
            done = info["total_steps"]
            if not stop and done - last[0] >= every and done < total:
                last[0] = done
                self._pending = {"total_steps": int(total - done)}
                try:
                    self.save(path, include_buffer=True)
                finally:
                    self._pending = None
            return False if stop else None

        return cb

    def evaluate(self, env: EnvArg = None, episodes: int = 10, seed: int | None = None) -> EvalResult:
        """Greedy returns and lengths of ``episodes`` episodes on ``env`` (default: a new env of the
        training env's id, the compiled twin when there is one); the first reset is seeded with ``seed``."""
        if isinstance(env, (int, np.integer)) and not isinstance(env, bool):  # 0.1.0: evaluate(episodes, seed)
            warnings.warn(
                f"{type(self).__name__}.evaluate(episodes, ...) is deprecated; use "
                "evaluate(episodes=N, seed=...) (the first argument is the env)",
                DeprecationWarning,
                stacklevel=2,
            )
            env, episodes = None, int(env)
        if env is None:
            env = getattr(self, "env_id", None) or getattr(self, "env", None)
        if env is None:
            raise ValueError(f"{type(self).__name__}.evaluate: no environment; pass env=")
        return evaluate_agent(self, resolve_env(env), episodes, seed)

    def policy_function(self) -> Callable[..., Any]:
        """The greedy policy as a jitted ``obs -> action`` (a copy of the current network), callable
        from the user's own Numba code."""
        from ._policy_fn import greedy_mlp

        return greedy_mlp(*self._greedy_net())
