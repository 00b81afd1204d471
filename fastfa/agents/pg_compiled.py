"""Compiled policy-gradient training on the compiled twins: populations of runs in one call.

* :func:`short_corridor_reinforce`: REINFORCE / REINFORCE with baseline on the short corridor
  (S&B Fig 13.1, 13.2), several step sizes x runs.
* :func:`puckworld_train`: REINFORCE (``method="reinforce"``) or actor-critic with traces
  (``method="actor_critic"``) with a Gaussian policy on tile-coded Puck World features.

Runs are independent: run ``i`` uses ``np.random.default_rng(SeedSequence(seed).spawn(runs)[i])``
and is executed on a thread pool (the kernels release the GIL), so results are
bit-identical whatever ``n_threads`` is.  A non-finite parameter stops the run and raises
``FloatingPointError`` naming the run, episode and step size.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
from .._typing import ArrayLike

if TYPE_CHECKING:
    from ..features.tile_coder import TileCoder

__all__ = ["short_corridor_reinforce", "puckworld_train", "puckworld_features", "run_population"]


def _pos(name, v, allow_zero: bool = False):
    v = float(v)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}, got {v!r}")
    return v


def _posint(name, v):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v <= 0:
        raise ValueError(f"{name} must be a positive int, got {v!r}")
    return int(v)


def run_population(fn: Callable[[int], Any], n_runs: int, n_threads: int | None = None) -> list:
    """``[fn(i) for i in range(n_runs)]`` on a thread pool (results in run order)."""
    n_threads = n_threads or min(n_runs, os.cpu_count() or 1)
    if n_threads <= 1 or n_runs <= 1:
        return [fn(i) for i in range(n_runs)]
    with ThreadPoolExecutor(n_threads) as ex:
        return list(ex.map(fn, range(n_runs)))


def short_corridor_reinforce(
    alpha: float,
    *,
    alpha_w: float = 0.0,
    gamma: float = 1.0,
    gamma_t: bool = True,
    episodes: int = 1000,
    runs: int = 100,
    seed: int = 0,
    theta0: tuple[float, float] = (-1.47, 1.47),
    max_steps: int = 100_000,
    min_prob: float = 0.0,
    n_threads: int | None = None,
    seed_sequences: Sequence[np.random.SeedSequence] | None = None,
) -> dict:
    """REINFORCE (``alpha_w=0``) or REINFORCE with baseline on ``fastfa/ShortCorridor-v0``, compiled.

    Args:
        alpha: policy step size α^θ (book: 2^-12 .. 2^-14 without baseline, 2^-9 with).
        alpha_w: baseline step size α^w (book: 2^-6); 0 disables the baseline.
        gamma: discount γ (book: 1).  gamma_t: include the γᵗ factor (S&B 13.3).
        theta0: initial θ = (weight of x(·, right), weight of x(·, left)); the default gives
            π(right) ≈ 0.05 as in the book's figures.
        max_steps: episodes are cut after this many steps.
        min_prob: floor on the action probabilities (0 = exact softmax; 0.05 = the reference code
            of the book's figures, which keeps a collapsing policy from never finishing).
        seed_sequences: optional list of ``np.random.SeedSequence`` (one per run, overrides
            ``seed``/``runs``), e.g. the seeds of a ``fastfa sweep`` cell.
    Returns:
        ``{"returns": [runs, episodes], "p_right": [runs, episodes], "steps": int}``.
    """
    from ..kernels.loops import short_corridor_loop

    alpha = _pos("alpha", alpha)
    alpha_w = _pos("alpha_w", alpha_w, allow_zero=True)
    if not 0.0 <= float(gamma) <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
    episodes, runs, max_steps = _posint("episodes", episodes), _posint("runs", runs), _posint("max_steps", max_steps)
    if not 0.0 <= float(min_prob) < 0.5:
        raise ValueError(f"min_prob must be in [0, 0.5), got {min_prob!r}")
    th0 = np.asarray(theta0, dtype=np.float64)
    if th0.shape != (2,) or not np.all(np.isfinite(th0)):
        raise ValueError(f"theta0 must be 2 finite numbers, got {theta0!r}")
    if seed_sequences is not None:
        seeds = list(seed_sequences)
        runs = len(seeds)
    else:
        seeds = np.random.SeedSequence(seed).spawn(runs)
    R = np.empty((runs, episodes))
    P = np.empty((runs, episodes))

    def one(i):
        th, w = th0.copy(), np.zeros(1)
        st = short_corridor_loop.short_corridor_reinforce(
            th,
            w,
            alpha,
            alpha_w,
            float(gamma),
            bool(gamma_t),
            float(min_prob),
            episodes,
            max_steps,
            np.random.default_rng(seeds[i]),
            R[i],
            P[i],
        )
        if st < 0:
            raise FloatingPointError(
                f"run {i}: policy parameters became non-finite in episode {-st - 1} "
                f"(alpha={alpha}, alpha_w={alpha_w}); use a smaller step size"
            )
        return st

    run_population(one, runs, n_threads)
    return {"returns": R, "p_right": P, "steps": int(-R.sum())}


def puckworld_features(tiles_per_dim: int = 8, n_tilings: int = 8, size: int = 4096) -> TileCoder:
    """The tile coder used by the compiled Puck World loops: over (target − puck, velocity),
    box [-1, 1]² x [-0.04, 0.04]² (hash mode, ``size`` features)."""
    from ..features import TileCoder

    return TileCoder(
        low=[-1.0, -1.0, -0.04, -0.04],
        high=[1.0, 1.0, 0.04, 0.04],
        tiles_per_dim=tiles_per_dim,
        n_tilings=n_tilings,
        mode="hash",
        size=size,
    )


def puckworld_train(
    method: str = "actor_critic",
    *,
    episodes: int = 200,
    ep_len: int = 300,
    runs: int = 4,
    seed: int = 0,
    alpha: float = 0.01,
    alpha_ls: float = 0.001,
    alpha_w: float = 0.1,
    gamma: float = 0.98,
    lam: float = 0.0,
    lam_w: float = 0.0,
    trace_min: float = 1e-8,
    init_std: float = 1.0,
    std_bounds: tuple[float, float] = (0.05, 2.0),
    tiles_per_dim: int = 8,
    n_tilings: int = 8,
    size: int = 4096,
    env_kwargs: dict | None = None,
    eval_every: int = 0,
    eval_episodes: int = 10,
    n_threads: int | None = None,
) -> dict:
    """Train Gaussian-policy agents on Puck World with the compiled loops.

    ``alpha``, ``alpha_ls``, ``alpha_w`` are per-tiling step sizes divided by ``n_tilings``
    internally (S&B 9.5.4 convention).  ``alpha_w=0`` with ``method="reinforce"`` means no
    baseline.  Actions are clipped to [-1, 1]² by the environment step; learning uses the
    unclipped draw (see :class:`fastfa.policies.GaussianLinear`).

    ``lam``/``lam_w`` > 0 (actor-critic): traces are kept sparse, and a feature whose actor and
    critic traces are all ≤ ``trace_min`` leaves the trace list (0: exact, the list then only loses
    traces that underflow to 0; the default 1e-8 changes the updates by < 1e-8 · α per dropped feature).

    ``eval_every`` > 0: every that many episodes (and at the start), the mean action μ(s) is
    run greedily for ``eval_episodes`` episodes of ``ep_len`` steps from fixed start seeds
    (the same for every run and method); ``eval_distance`` [runs, n_evals] holds the mean
    puck-target distance, ``eval_x`` the episode counts.

    Returns ``{"returns", "distance": [runs, episodes], "theta_mu": [runs, size, 2],
    "log_std": [runs, 2], "w": [runs, size], "steps": int, "features": TileCoder,
    "eval_x", "eval_distance"}``.
    """
    from ..kernels.envs import puck_corridor as pg_envs
    from ..kernels.loops import puckworld_loops

    if method not in ("reinforce", "actor_critic"):
        raise ValueError(f"method must be 'reinforce' or 'actor_critic', got {method!r}")
    alpha, alpha_ls = _pos("alpha", alpha), _pos("alpha_ls", alpha_ls, allow_zero=True)
    alpha_w = _pos("alpha_w", alpha_w, allow_zero=method == "reinforce")
    if not 0.0 <= float(gamma) <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
    trace_min = _pos("trace_min", trace_min, allow_zero=True)
    for nm, v in (("lam", lam), ("lam_w", lam_w)):
        if not 0.0 <= float(v) <= 1.0:
            raise ValueError(f"{nm} must be in [0, 1], got {v!r}")
    episodes, ep_len, runs = _posint("episodes", episodes), _posint("ep_len", ep_len), _posint("runs", runs)
    init_std = _pos("init_std", init_std)
    tc = puckworld_features(tiles_per_dim, n_tilings, size)
    env_params = pg_envs.puckworld_params(**(env_kwargs or {}))
    ls_min, ls_max = float(np.log(std_bounds[0])), float(np.log(std_bounds[1]))
    k = tc.n_tilings
    seeds = np.random.SeedSequence(seed).spawn(runs)
    R, D = np.empty((runs, episodes)), np.empty((runs, episodes))
    TH, LS, W = np.zeros((runs, tc.size, 2)), np.full((runs, 2), np.log(init_std)), np.zeros((runs, tc.size))
    args = tc.kernel_args()
    chunk = episodes if eval_every <= 0 else int(eval_every)
    eval_x = list(range(0, episodes + 1, chunk)) if eval_every > 0 else []
    if eval_x and eval_x[-1] != episodes:
        eval_x.append(episodes)
    ED = np.empty((runs, len(eval_x)))
    states = np.empty((ep_len + 1, 9))

    def evaluate(theta: ArrayLike):
        return float(
            np.mean(
                [
                    puckworld_loops.puckworld_greedy_rollout(
                        env_params, args, theta, ep_len, np.random.default_rng(10_000 + e), states.copy()
                    )
                    for e in range(eval_episodes)
                ]
            )
        )

    hp = puckworld_loops.make_pw_hp(
        alpha / k, alpha_ls / k, alpha_w / k, float(gamma), float(lam), float(lam_w), ls_min, ls_max, trace_min
    )

    def one(i):
        rng = np.random.default_rng(seeds[i])
        done, j = 0, 0
        if eval_x:
            ED[i, 0], j = evaluate(TH[i]), 1
        while done < episodes:
            n = min(chunk, episodes - done)
            sl = slice(done, done + n)
            if method == "reinforce":
                st = puckworld_loops.puckworld_reinforce(
                    env_params, args, TH[i], LS[i], W[i], hp, n, ep_len, rng, R[i, sl], D[i, sl]
                )
            else:
                st = puckworld_loops.puckworld_actor_critic(
                    env_params, args, TH[i], LS[i], W[i], hp, n, ep_len, rng, R[i, sl], D[i, sl]
                )
            if st < 0:
                raise FloatingPointError(
                    f"run {i}: parameters became non-finite in episode {done - st - 1} "
                    f"(alpha={alpha}, alpha_w={alpha_w}); use smaller step sizes"
                )
            done += n
            if eval_x:
                ED[i, j] = evaluate(TH[i])
                j += 1

    run_population(one, runs, n_threads)
    return {
        "returns": R,
        "distance": D,
        "theta_mu": TH,
        "log_std": LS,
        "w": W,
        "steps": runs * episodes * ep_len,
        "features": tc,
        "eval_x": np.array(eval_x),
        "eval_distance": ED,
        "env_params": env_params,
    }
