"""Populations: many independent control runs (seeds x step sizes x lambdas) in one compiled call.

:func:`run_population` advances every cell (one seed, one α, one λ) with the fused compiled loop
of ``fastfa.kernels.loops.control_loop`` in parallel over cores: the compiled loop releases the GIL and
a pool of ``threads`` Python threads feeds it one cell per call.  (A ``numba.prange`` version gave the
same numbers and speed but cost ~10 s more compilation on first use, against a start-up target of
2 s; threads cost nothing to compile.)  Cell ``(r, α, λ)``
draws from two generators spawned from ``seeds[r]`` (``np.random.SeedSequence``):
children 0 and 1 of ``seeds[r]`` for resets and for ε-greedy, so its numbers depend only on
its own seed and parameters, whatever the thread count or the other cells in the call.  The same
seed gives the same run for every α and λ (common random numbers across the parameter study).

Example (Fig 10.2, 3 alphas x 100 runs x 500 episodes)::

    >>> from fastfa.agents.population import run_population
    >>> steps = run_population("MountainCar-v0", "sarsa", alphas=[0.1/8, 0.2/8, 0.5/8],
    ...                        runs=100, episodes=500)["steps"]        # [alpha, lambda, run, episode]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import check_count
from .._typing import ArrayLike
from ..kernels.codes import ALG_CODES, ALG_NSTEP_SARSA, TRACE_CODES

__all__ = ["run_population", "ALGORITHMS", "TileSpec"]

#: algorithm name -> code (``fastfa.kernels.codes.Alg``)
ALGORITHMS = ALG_CODES
#: trace name -> code (``fastfa.kernels.codes.Trace``; the agents' spellings "accumulating", ... work too)
TRACES = TRACE_CODES
#: the book's Mountain Car tile coding box (S&B 10.1): position [-1.2, 0.5], velocity [-0.07, 0.07]
MOUNTAINCAR_BOX = ((-1.2, -0.07), (0.5, 0.07))


@dataclass(frozen=True)
class TileSpec:
    """Grid tile coding of a box (``fastfa.kernels.features.gridtiles``).

    Attributes:
        low, high: the box (observations are clipped to it).
        tiles: tiles per dimension per tiling (int or one per dimension).
        tilings: number of tilings (a power of two takes the fastest path).
        anchor: cells start at ``low`` (with one tiling: a plain discretiser; see GridTileCoder).
    """

    low: tuple
    high: tuple
    tiles: int | tuple = 8
    tilings: int = 8
    anchor: bool = False

    def arrays(self):
        from ..kernels.features.gridtiles import grid_spec

        return grid_spec(
            np.asarray(self.low, float), np.asarray(self.high, float), self.tiles, self.tilings, self.anchor
        )


def compiled_env_of(env_id: Any, discrete: bool = True) -> Any:
    """The CompiledEnv a population runs on: a built-in twin by id, or the user's CompiledEnv (``discrete``:
    require a ``Discrete`` action space, as linear control does)."""
    from ..envs import COMPILED_ENVS, compiled_env_for
    from ..envs.compiled import CompiledEnv

    if isinstance(env_id, str):
        found = compiled_env_for(env_id)
        if found is None:
            raise ValueError(
                f"env_id must be one of {sorted(COMPILED_ENVS)} or a fastfa.envs.CompiledEnv, got {env_id!r}"
            )
        u = found[0]
    else:
        u = getattr(env_id, "unwrapped", env_id)
    if not isinstance(u, CompiledEnv):
        raise TypeError(f"env_id must be an env id (str) or a fastfa.envs.CompiledEnv, got {type(env_id).__name__}")
    from gymnasium import spaces

    if discrete and not isinstance(u.action_space, spaces.Discrete):
        raise ValueError(f"env_id: linear control needs a Discrete action space, got {u.action_space}")
    return u


def _child(ss: np.random.SeedSequence, k: int) -> np.random.SeedSequence:
    """The k-th child of ``ss`` (what ``ss.spawn`` gives first on a fresh sequence), without mutating ``ss``."""
    return np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + (k,), pool_size=ss.pool_size)


def _seed_sequence(s: Any) -> np.random.SeedSequence:
    """A run's seed as a SeedSequence: itself, or ``SeedSequence(s)`` for an int >= 0."""
    if isinstance(s, np.random.SeedSequence):
        return s
    if isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0:
        return np.random.SeedSequence(int(s))
    raise TypeError(f"seeds: each seed must be a numpy.random.SeedSequence or an int >= 0, got {s!r}")


def spawn_generators(seeds):
    """(env generators, agent generators) for a list of SeedSequences: children 0 and 1 of each.

    Pure: the same seeds always give the same generators (``SeedSequence.spawn`` would not).
    """
    env_g, ag_g = [], []
    for ss in seeds:
        env_g.append(np.random.default_rng(_child(ss, 0)))
        ag_g.append(np.random.default_rng(_child(ss, 1)))
    return env_g, ag_g


def run_population(
    env_id: str,
    algorithm: str,
    *,
    alphas: ArrayLike,
    lams: ArrayLike = (0.0,),
    ns: ArrayLike | None = None,
    runs: int | None = None,
    episodes: int,
    seeds: Sequence[np.random.SeedSequence | int] | None = None,
    seed: int = 0,
    epsilon: float = 0.0,
    gamma: float = 1.0,
    trace: str = "replace",
    tiles: TileSpec | None = None,
    max_steps: int = 0,
    threads: int | None = None,
    trace_min: float = 0.0,
) -> dict:
    """Run ``len(alphas) x len(lams) x runs`` independent learners for ``episodes`` episodes each.

    Args:
        env_id: a compiled-twin env id (``MountainCar-v0``, ``CartPole-v1``, ``Acrobot-v1``) or any
            :class:`fastfa.envs.CompiledEnv` (the user's own; its ``max_episode_steps`` is a time
            limit unless ``max_steps`` is given).
        algorithm: one of :data:`ALGORITHMS`.
        alphas: step sizes (per active feature, e.g. ``0.5/8`` for 8 tilings); each > 0.
        lams: trace-decay values in [0, 1] (used by the λ algorithms).
        ns: n-step values (>= 1) for ``nstep_sarsa``: they take the place of ``lams`` (second axis).
        runs, seeds, seed: ``seeds`` (a list of ``np.random.SeedSequence`` or ints >= 0; an int ``s``
            stands for ``SeedSequence(s)``) or ``runs`` seeds spawned from ``np.random.SeedSequence(seed)``.
        episodes: episodes per run.
        epsilon: exploration rate in [0, 1] (the book's Mountain Car figures use 0: optimistic zeros).
        trace: ``accumulate``, ``replace`` or ``replace_clear`` (S&B 12.7).
        tiles: the tile coding; default 8 tilings of 8x8 over the book's Mountain Car box.
        max_steps: time limit per episode (0 = none, as in the book).
        trace_min: λ algorithms drop traces below this magnitude (0: exact; see
            ``fastfa.kernels.linear.control_traces``).
        threads: worker threads (None: ``numba.get_num_threads()``, i.e. the cores).

    Returns: dict with ``steps`` int64 and ``returns`` float64 arrays shaped
    ``[len(alphas), len(lams), runs, episodes]``, ``alphas``, ``lams``, ``env_steps``, ``wall_time_s``
    (the compiled run itself, after compilation / cache loading), ``diverged`` bool
    ``[len(alphas), len(lams), runs]``: runs stopped because q̂ stopped being finite (a
    ``RuntimeWarning`` names them; their remaining episodes hold steps -1 and return NaN).
    """
    import time

    import numba

    from ..kernels.loops.control_loop import make_budget, make_hp
    from .compiled_control import compiled_unit

    cenv = compiled_env_of(env_id)
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {sorted(ALGORITHMS)}, got {algorithm!r}")
    if trace not in TRACES:
        raise ValueError(f"trace must be one of {sorted(TRACES)}, got {trace!r}")
    alphas = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    lams = np.atleast_1d(np.asarray(lams, dtype=np.float64))
    if alphas.size == 0 or not np.all(np.isfinite(alphas)) or np.any(alphas <= 0):
        raise ValueError(f"alphas must be finite and > 0, got {alphas.tolist()}")
    if algorithm == "nstep_sarsa":
        ns_ = np.atleast_1d(np.asarray(ns if ns is not None else [1]))
        if ns_.size == 0 or ns_.dtype.kind not in "iu" or np.any(ns_ < 1):
            raise ValueError(f"ns must be ints >= 1, got {ns!r}")
        lams = ns_.astype(np.float64)
    elif ns is not None:
        raise ValueError("ns is only used by algorithm='nstep_sarsa'")
    if lams.size == 0 or np.any(~np.isfinite(lams)) or (algorithm != "nstep_sarsa" and np.any((lams < 0) | (lams > 1))):
        raise ValueError(f"lams must be in [0, 1], got {lams.tolist()}")
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must be in [0, 1], got {epsilon!r}")
    if not (np.isfinite(trace_min) and 0.0 <= trace_min < 1.0):
        raise ValueError(f"trace_min must be in [0, 1), got {trace_min!r}")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
    episodes = check_count("episodes", episodes)
    max_steps = check_count("max_steps", max_steps, low=0)
    if seeds is None:
        runs = check_count("runs", runs)
        seeds = np.random.SeedSequence(seed).spawn(int(runs))
    seeds = [_seed_sequence(s) for s in seeds]
    if tiles is None:
        if cenv.compiled_key != "MountainCar-v0":
            raise ValueError(f"tiles: give a TileSpec box for {env_id} (its observation box is unbounded)")
        tiles = TileSpec(*MOUNTAINCAR_BOX)
    cf, ci, nf = tiles.arrays()
    n_r, n_a, n_l = len(seeds), alphas.size, lams.size
    cells = n_a * n_l * n_r
    # cell order: alpha-major, then lambda, then run; each cell gets its own generator objects
    env_rngs, rngs = [], []
    for _ in range(n_a * n_l):
        e, a = spawn_generators(seeds)
        env_rngs.extend(e)
        rngs.extend(a)
    cell_alpha = np.repeat(alphas, n_l * n_r)
    cell_lam = np.tile(np.repeat(lams, n_r), n_a)
    steps = np.zeros((cells, episodes), np.int64)
    rets = np.zeros((cells, episodes), np.float64)
    n_threads = int(threads) if threads is not None else numba.get_num_threads()
    if n_threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads!r}")
    if cf.shape[1] != cenv.observation_space.shape[0]:
        raise ValueError(
            f"tiles: the box has {cf.shape[1]} dimensions, the observation {cenv.observation_space.shape[0]}"
        )
    params = cenv.params
    alg = ALGORITHMS[algorithm]
    tr = TRACES[trace]
    s_len = cenv.state.shape[0]
    n_act = int(cenv.action_space.n)
    if not max_steps:  # the env's own time limit (the classic twins have none: the book's setting)
        max_steps = cenv.max_episode_steps or 0
    unit = compiled_unit(cenv, alg, (cf, ci))

    diverged = np.zeros(cells, dtype=bool)

    def work(c, n_ep=int(episodes)) -> None:
        done = _work(c, n_ep)
        if done < n_ep:  # the loop stopped because q̂ stopped being finite
            diverged[c] = True
            steps[c, done:] = -1
            rets[c, done:] = np.nan

    def _work(c, n_ep):
        w = np.zeros((nf, n_act))
        h = make_hp(
            cell_alpha[c], gamma, cell_lam[c], epsilon, tr, trace_min, int(cell_lam[c]) if alg == ALG_NSTEP_SARSA else 1
        )
        return unit(
            params,
            np.zeros(s_len),
            env_rngs[c],
            cf,
            ci,
            w,
            h,
            make_budget(n_ep, 0, max_steps, True),
            rngs[c],
            steps[c],
            rets[c],
        )[0]

    work(0, 0)  # zero episodes (no draws): compiles or loads from the cache, outside the timing
    t0 = time.perf_counter()
    if n_threads == 1 or cells == 1:
        for c in range(cells):
            work(c)
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(work, range(cells)))
    wall = time.perf_counter() - t0
    shape = (n_a, n_l, n_r, episodes)
    if diverged.any():
        bad = sorted({(float(a), float(l)) for a, l in zip(cell_alpha[diverged], cell_lam[diverged])})
        warnings.warn(
            f"run_population: {int(diverged.sum())} of {cells} runs diverged (q̂ not finite) and were "
            f"stopped, at (alpha, lam/n) = {bad}; their remaining episodes are steps -1, return NaN "
            "(see result['diverged'])",
            RuntimeWarning,
            stacklevel=2,
        )
    return {
        "steps": steps.reshape(shape),
        "returns": rets.reshape(shape),
        "alphas": alphas,
        "lams": lams,
        "env_steps": int(np.clip(steps, 0, None).sum()),
        "wall_time_s": wall,
        "diverged": diverged.reshape(shape[:3]),
    }
