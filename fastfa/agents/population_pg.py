"""Populations of policy-gradient runs (seeds x step sizes) on any compiled env, one fused loop per run.

:func:`run_pg_population` runs REINFORCE, REINFORCE with baseline or one-step actor-critic
(``fastfa.kernels.loops.pg_env_loop``; softmax policy for a ``Discrete`` action space, Gaussian for a
``Box``) on a built-in twin or on the user's own :class:`fastfa.envs.CompiledEnv`, one run per call
on a pool of threads (the loop releases the GIL).  As in :func:`fastfa.agents.population.run_population`,
run ``(α, r)`` draws its env from child 0 and its actions from child 1 of ``seeds[r]``, so its numbers
depend only on its own seed and step size, whatever the thread count or the other runs.

Example::

    >>> from fastfa.agents.population import TileSpec
    >>> from fastfa.agents.population_pg import run_pg_population
    >>> from fastfa.envs.examples import user_mountain_car
    >>> r = run_pg_population(user_mountain_car(200), "actor_critic", alphas=[0.01 / 8, 0.02 / 8],
    ...                       alpha_w=0.1 / 8, gamma=0.99, runs=4, episodes=20,
    ...                       tiles=TileSpec((-1.2, -0.07), (0.6, 0.07), 8, 8))   # doctest: +SKIP
    >>> r["returns"].shape                                                         # doctest: +SKIP
    (2, 4, 20)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import check_count
from ..kernels.codes import PGAlg
from .._typing import ArrayLike

__all__ = ["run_pg_population", "PG_ALGORITHMS"]

_NO_PROBS = np.empty((0, 0))  # the loop writes no per-episode probabilities

#: algorithm name -> ``fastfa.kernels.codes.PGAlg`` code
PG_ALGORITHMS = {
    "reinforce": PGAlg.REINFORCE,
    "reinforce_baseline": PGAlg.REINFORCE_BASELINE,
    "actor_critic": PGAlg.ACTOR_CRITIC,
    "qac": PGAlg.QAC,
}


def run_pg_population(
    env: Any,
    algorithm: str,
    *,
    alphas: ArrayLike,
    episodes: int,
    tiles: Any,
    alpha_w: float = 0.1,
    alpha_std: float | None = None,
    gamma: float = 1.0,
    gamma_t: bool = True,
    lam: float = 0.0,
    lam_w: float = 0.0,
    runs: int | None = None,
    seeds: Sequence[np.random.SeedSequence] | None = None,
    seed: int = 0,
    init_std: float = 1.0,
    std_bounds: tuple[float, float] = (float(np.exp(-5.0)), float(np.exp(2.0))),
    max_steps: int = 0,
    threads: int | None = None,
) -> dict:
    """Run ``len(alphas) x runs`` independent learners for ``episodes`` episodes each.

    Args:
        env: a compiled-twin env id (``MountainCar-v0``, ``CartPole-v1``, ``Acrobot-v1``) or any
            :class:`fastfa.envs.CompiledEnv` (its ``max_episode_steps`` is a time limit unless
            ``max_steps`` is given).
        algorithm: ``"reinforce"``, ``"reinforce_baseline"``, ``"actor_critic"`` (with ``lam`` /
            ``lam_w`` > 0: eligibility traces) or ``"qac"`` (Discrete only).
        alphas: policy step sizes (> 0; per active feature, e.g. ``0.01/8`` for 8 tilings).
        episodes: episodes per run.  tiles: a :class:`fastfa.agents.population.TileSpec`.
        alpha_w, alpha_std, gamma, gamma_t, lam, lam_w, init_std, std_bounds: as
            :class:`fastfa.agents.PGConfig`.
        runs, seeds, seed: ``seeds`` (``np.random.SeedSequence`` list) or ``runs`` seeds spawned from
            ``np.random.SeedSequence(seed)``.
        max_steps: time limit per episode (0: the env's own, or none).
        threads: worker threads (None: the cores).

    Returns: dict with ``steps`` int64 and ``returns`` float64 arrays ``[len(alphas), runs, episodes]``,
    ``alphas``, ``env_steps``, ``wall_time_s`` (after compilation / cache loading), ``diverged`` bool
    ``[len(alphas), runs]`` (runs whose parameters stopped being finite: remaining episodes hold steps
    -1 and return NaN), and the learned parameters: ``theta`` ``[len(alphas), runs, F, A or D]`` (softmax
    θ or Gaussian θ_μ), ``log_std`` ``[len(alphas), runs, D]`` (Gaussian), ``w`` ``[len(alphas), runs, F]``
    (QAC: ``[len(alphas), runs, F, A]``).
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    from gymnasium import spaces

    from ..kernels.loops.control_loop import make_budget
    from ..kernels.loops.pg_env_loop import make_pg_hp, make_pg_policy
    from ..policies import GaussianLinear
    from .compiled_pg import pg_unit
    from .population import compiled_env_of, spawn_generators

    cenv = compiled_env_of(env, discrete=False)
    if algorithm not in PG_ALGORITHMS:
        raise ValueError(f"algorithm must be one of {sorted(PG_ALGORITHMS)}, got {algorithm!r}")
    alphas = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    if alphas.size == 0 or not np.all(np.isfinite(alphas)) or np.any(alphas <= 0):
        raise ValueError(f"alphas must be finite and > 0, got {alphas.tolist()}")
    for name, v in (("alpha_w", alpha_w), ("init_std", init_std)):
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
    if alpha_std is not None and not (np.isfinite(alpha_std) and alpha_std >= 0):
        raise ValueError(f"alpha_std must be None or a finite number >= 0, got {alpha_std!r}")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
    for name, v in (("lam", lam), ("lam_w", lam_w)):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {v!r}")
    alg = PG_ALGORITHMS[algorithm]
    if (lam or lam_w) and algorithm != "actor_critic":
        raise ValueError(f"lam / lam_w are eligibility traces of 'actor_critic', not of {algorithm!r}")
    if algorithm == "actor_critic" and (lam or lam_w):
        alg = PGAlg.ACTOR_CRITIC_TRACES
    episodes = check_count("episodes", episodes)
    max_steps = check_count("max_steps", max_steps, low=0)
    if not max_steps:  # the env's own time limit (the classic twins have none: the book's setting)
        max_steps = cenv.max_episode_steps or 0
    if seeds is None:
        seeds = np.random.SeedSequence(seed).spawn(check_count("runs", runs))
    seeds = list(seeds)
    cf, ci, nf = tiles.arrays()
    if cf.shape[1] != cenv.observation_space.shape[0]:
        raise ValueError(
            f"tiles: the box has {cf.shape[1]} dimensions, the observation {cenv.observation_space.shape[0]}"
        )
    space = cenv.action_space
    discrete = isinstance(space, spaces.Discrete)
    act_dim = 1 if discrete else int(space.shape[0])
    if alg == PGAlg.QAC and not discrete:
        raise ValueError(f"qac needs a Discrete action space, got {space}")
    unit = pg_unit(cenv, alg, discrete, act_dim, (not discrete) and space.dtype == np.float32)
    n_threads = int(threads) if threads is not None else (os.cpu_count() or 1)
    if n_threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads!r}")
    n_a, n_r = alphas.size, len(seeds)
    steps = np.zeros((n_a * n_r, episodes), np.int64)
    rets = np.zeros((n_a * n_r, episodes))
    diverged = np.zeros(n_a * n_r, bool)
    n_out = int(space.n) if discrete else act_dim
    TH = np.zeros((n_a * n_r, nf, n_out))  # θ (softmax) or θ_μ (Gaussian) of every run, learned in place
    W = np.zeros((n_a * n_r, nf * (n_out if alg == PGAlg.QAC else 1)))  # QAC: w [F, A] flattened
    LS = np.zeros((n_a * n_r, 0 if discrete else act_dim))
    ref = (
        None
        if discrete
        else GaussianLinear(nf, act_dim, low=space.low, high=space.high, init_std=init_std, std_bounds=std_bounds)
    )

    def work(c, n_ep=episodes):
        env_g, act_g = spawn_generators([seeds[c % n_r]])
        if discrete:
            pol = make_pg_policy(TH[c], LS[c], np.zeros(0), np.zeros(0))
            ls_min, ls_max = -5.0, 2.0
        else:
            LS[c] = ref.log_std_b
            pol = make_pg_policy(TH[c], LS[c], ref.low, ref.high)
            ls_min, ls_max = ref.ls_min, ref.ls_max
        hp = make_pg_hp(alphas[c // n_r], alpha_w, alpha_std, gamma, gamma_t, ls_min, ls_max, lam, lam_w)
        done, _, status = unit(
            cenv.params,
            np.zeros(cenv.state.shape[0]),
            env_g[0],
            cf,
            ci,
            pol,
            W[c],
            hp,
            make_budget(n_ep, 0, max_steps, True),
            act_g[0],
            steps[c],
            rets[c],
            _NO_PROBS,
        )
        if status != 0 and n_ep:
            diverged[c] = True
            steps[c, done:] = -1
            rets[c, done:] = np.nan

    work(0, 0)  # compile or load from the cache, outside the timing
    t0 = time.perf_counter()
    if n_threads == 1 or n_a * n_r == 1:
        for c in range(n_a * n_r):
            work(c)
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(work, range(n_a * n_r)))
    wall = time.perf_counter() - t0
    shape = (n_a, n_r, episodes)
    return {
        "steps": steps.reshape(shape),
        "returns": rets.reshape(shape),
        "alphas": alphas,
        "env_steps": int(np.clip(steps, 0, None).sum()),
        "wall_time_s": wall,
        "diverged": diverged.reshape(shape[:2]),
        "theta": TH.reshape(shape[:2] + TH.shape[1:]),
        "w": W.reshape(shape[:2] + ((nf, n_out) if alg == PGAlg.QAC else (nf,))),
        "log_std": LS.reshape(shape[:2] + LS.shape[1:]),
    }
