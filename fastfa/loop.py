"""The one Python episode loop every agent uses.

Agents own their maths; this module owns stepping, resets, truncation vs
termination, callbacks, progress and the episode log.  An agent plugs in by
implementing the :class:`Learner` protocol:

* ``begin_episode(obs) -> action``: first action of an episode;
* ``step(obs, action, reward, next_obs, terminated, truncated) -> action``:
  learn from one transition and return the next action (ignored when the
  episode ended).  ``terminated`` means a terminal state (bootstrap with 0);
  ``truncated`` means a time limit (bootstrap from ``next_obs``);
* ``end_episode() -> None`` (optional): called after the last step of an
  episode (Monte Carlo methods learn here).

Ctrl-C stops the loop cleanly after the current step: the agent keeps what it
learned and the log holds the finished episodes (a warning says so).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

import numpy as np

if TYPE_CHECKING:
    import gymnasium

from ._checks import check_budget, check_count

__all__ = ["Learner", "EpisodeLog", "run", "Progress"]


class Learner(Protocol):
    def begin_episode(self, obs: Any) -> Any: ...

    def step(self, obs: Any, action: Any, reward: float, next_obs: Any, terminated: bool, truncated: bool) -> Any: ...


@dataclass
class EpisodeLog:
    """The episode log of every agent (``agent.log``) and what :func:`run` returns: one entry per
    finished episode (``returns``, ``lengths``), plus env steps (``total_steps``, also counting the
    steps of an episode cut by the budget) and ``wall_time_s``."""

    returns: list = field(default_factory=list)
    lengths: list = field(default_factory=list)
    total_steps: int = 0
    wall_time_s: float = 0.0
    interrupted: bool = False

    @property
    def n_episodes(self) -> int:
        return len(self.returns)

    @property
    def env_steps(self) -> int:
        """Environment steps taken (the same as ``total_steps``)."""
        return self.total_steps

    def extend(self, other: "EpisodeLog") -> None:
        """Append ``other`` (a later run of the same agent): episodes, steps and wall time add up."""
        self.returns.extend(other.returns)
        self.lengths.extend(other.lengths)
        self.total_steps += other.total_steps
        self.wall_time_s += other.wall_time_s
        self.interrupted = other.interrupted

    def copy(self) -> "EpisodeLog":
        return EpisodeLog(list(self.returns), list(self.lengths), self.total_steps, self.wall_time_s, self.interrupted)

    def to_dict(self) -> dict:
        """JSON-able form (saved with an agent)."""
        return {
            "returns": [float(r) for r in self.returns],
            "lengths": [int(n) for n in self.lengths],
            "total_steps": int(self.total_steps),
            "wall_time_s": float(self.wall_time_s),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "EpisodeLog":
        return cls(
            list(d.get("returns", [])),
            list(d.get("lengths", [])),
            int(d.get("total_steps", 0)),
            float(d.get("wall_time_s", 0.0)),
        )

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.returns, dtype=np.float64), np.asarray(self.lengths, dtype=np.int64)


class Progress:
    """Minimal progress reporter: tqdm when installed, else a line on stderr every few seconds.

    ``Progress(total, desc, enabled)``; ``update(n)``; ``close()``.
    """

    def __init__(self, total: int | None, desc: str = "", enabled: bool = True, unit: str = "it") -> None:
        self.total, self.desc, self.enabled, self.n = total, desc, enabled, 0
        self._bar = None
        self._t0 = self._last = time.perf_counter()
        if enabled:
            try:
                from tqdm.auto import tqdm

                self._bar = tqdm(total=total, desc=desc, unit=unit, leave=False)
            except ImportError:
                self._bar = None

    def update(self, n: int = 1) -> None:
        self.n += n
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.perf_counter()
        if now - self._last > 2.0:
            import sys

            tot = f"/{self.total}" if self.total else ""
            sys.stderr.write(f"\r{self.desc} {self.n}{tot} ({now - self._t0:.0f}s)")
            sys.stderr.flush()
            self._last = now

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self.enabled and self.n and time.perf_counter() - self._t0 > 2.0:
            import sys

            sys.stderr.write("\n")


def run(
    env: gymnasium.Env,
    learner: Learner,
    *,
    total_steps: int | None = None,
    episodes: int | None = None,
    seed: int | None = None,
    callback: Callable[[dict], bool | None] | None = None,
    progress: bool = False,
    max_episode_steps: int | None = None,
) -> EpisodeLog:
    """Run ``learner`` on the gymnasium ``env`` for a step or episode budget.

    Args:
        env: a gymnasium environment (``reset``/``step`` API).
        learner: see :class:`Learner`.
        total_steps: stop after this many environment steps (the episode in
            progress is cut; it is not counted in the log).
        episodes: stop after this many finished episodes.
        seed: seeds the first ``env.reset``; later resets continue the env's RNG.
        callback: called after every episode with a dict
            ``{"episode", "return", "length", "total_steps"}``; returning
            ``False`` stops the run.
        progress: show a progress bar.
        max_episode_steps: optional extra time limit (truncation) on top of the env's own.
    """
    total_steps, episodes = check_budget(total_steps, episodes)
    if max_episode_steps is not None:
        max_episode_steps = check_count("max_episode_steps", max_episode_steps)
    log = EpisodeLog()
    bar = Progress(
        total_steps if total_steps is not None else episodes, "steps" if total_steps else "episodes", enabled=progress
    )
    t0 = time.perf_counter()
    end_episode = getattr(learner, "end_episode", None)
    first = True
    try:
        while True:
            obs, _ = env.reset(seed=seed if first else None)
            first = False
            action = learner.begin_episode(obs)
            ep_return, ep_len = 0.0, 0
            while True:
                next_obs, reward, terminated, truncated, _ = env.step(action)
                ep_len += 1
                log.total_steps += 1
                ep_return += float(reward)
                if max_episode_steps is not None and ep_len >= max_episode_steps:
                    truncated = True
                action = learner.step(obs, action, float(reward), next_obs, bool(terminated), bool(truncated))
                obs = next_obs
                if total_steps is not None:
                    bar.update(1)
                if terminated or truncated:
                    break
                if total_steps is not None and log.total_steps >= total_steps:
                    break
            if not (terminated or truncated):  # budget cut the episode
                break
            if end_episode is not None:
                end_episode()
            log.returns.append(ep_return)
            log.lengths.append(ep_len)
            if episodes is not None:
                bar.update(1)
            if (
                callback is not None
                and callback(
                    {"episode": log.n_episodes, "return": ep_return, "length": ep_len, "total_steps": log.total_steps}
                )
                is False
            ):
                break
            if episodes is not None and log.n_episodes >= episodes:
                break
            if total_steps is not None and log.total_steps >= total_steps:
                break
    except KeyboardInterrupt:
        log.interrupted = True
        warnings.warn(
            f"interrupted after {log.n_episodes} episodes / {log.total_steps} steps; the agent keeps what it learned",
            RuntimeWarning,
            stacklevel=2,
        )
    finally:
        bar.close()
        log.wall_time_s = time.perf_counter() - t0
    return log
