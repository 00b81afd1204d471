"""Compiled policy-gradient training on the compiled twins: populations of runs in one call.

* :func:`short_corridor_reinforce`: REINFORCE / REINFORCE with baseline on the short corridor
  (S&B Fig 13.1, 13.2), several step sizes x runs.
* :func:`puckworld_train`: REINFORCE (``method="reinforce"``) or actor-critic with traces
  (``method="actor_critic"``) with a Gaussian policy on tile-coded Puck World features
  (in :mod:`fastfa.agents.pg_puckworld`, re-exported here).

Both run the generic fused loop ``fastfa.kernels.loops.pg_env_loop.pg_run_tpl`` on built-in
compiled environments (:class:`fastfa.envs.pg_envs.ShortCorridorCompiledEnv`,
:class:`fastfa.envs.pg_envs.PuckWorldRelativeCompiledEnv`), with its options for the book's and the
lecture's details: floored softmax probabilities (``min_prob``), hashed tile features, sparse traces.

Runs are independent: run ``i`` uses ``np.random.default_rng(SeedSequence(seed).spawn(runs)[i])``
and is executed on a thread pool (the kernels release the GIL), so results are
bit-identical whatever ``n_threads`` is.  A non-finite parameter stops the run and raises
``FloatingPointError`` naming the run, episode and step size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .pg_puckworld import hash_spec, puckworld_features, puckworld_greedy, puckworld_train
from .pg_runs import positive_float, positive_int, run_population

__all__ = [
    "short_corridor_reinforce",
    "puckworld_train",
    "puckworld_features",
    "puckworld_greedy",
    "hash_spec",
    "run_population",
]


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
        ``{"returns": [runs, episodes], "p_right": [runs, episodes], "steps": int, "theta": [runs, 2]
        (the final θ, ordered as ``theta0``), "w": [runs] (the final baseline)}``.
    """
    alpha = positive_float("alpha", alpha)
    alpha_w = positive_float("alpha_w", alpha_w, allow_zero=True)
    if not 0.0 <= float(gamma) <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
    episodes, runs, max_steps = (
        positive_int("episodes", episodes),
        positive_int("runs", runs),
        positive_int("max_steps", max_steps),
    )
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
    from ..envs.pg_envs import ShortCorridorCompiledEnv
    from ..kernels.codes import PG_REINFORCE_BASELINE
    from ..kernels.features.gridtiles import grid_spec
    from ..kernels.loops.control_loop import make_budget
    from ..kernels.loops.pg_env_loop import make_pg_hp, make_pg_policy
    from .compiled_pg import pg_unit

    cenv = ShortCorridorCompiledEnv()
    # one unit for both: with α_w = 0 the baseline stays 0 and δ = G_t − 0 = G_t, plain REINFORCE's numbers
    unit = pg_unit(cenv, PG_REINFORCE_BASELINE, True, 1, False)
    cf, ci, n_feat = grid_spec([0.0], [4.0], 1, 1)  # one tile over every state: the book's features
    hp = make_pg_hp(alpha, alpha_w, None, float(gamma), bool(gamma_t), min_prob=float(min_prob))
    budget = make_budget(episodes, 0, max_steps, True)
    R = np.empty((runs, episodes))
    P = np.empty((runs, episodes))
    TH, W = np.empty((runs, 2)), np.empty(runs)

    def one(i):
        th = np.zeros((n_feat, 2))
        th[0] = th0[::-1]  # θ[x, a] with a = 0 left, 1 right
        w = np.zeros(n_feat)
        rng = np.random.default_rng(seeds[i])  # the env draws nothing: one generator for both
        probs = np.empty((episodes, 2))
        n_done, _, st = unit(
            cenv.params,
            np.zeros(1),
            rng,
            cf,
            ci,
            make_pg_policy(th, np.zeros(0), np.zeros(0), np.zeros(0)),
            w,
            hp,
            budget,
            rng,
            np.empty(episodes, np.int64),
            R[i],
            probs,
        )
        if st != 0:
            raise FloatingPointError(
                f"run {i}: policy parameters became non-finite in episode {n_done} "
                f"(alpha={alpha}, alpha_w={alpha_w}); use a smaller step size"
            )
        P[i] = probs[:, 1]
        TH[i], W[i] = th[0, ::-1], w[0]
        return st

    run_population(one, runs, n_threads)
    return {"returns": R, "p_right": P, "steps": int(-R.sum()), "theta": TH, "w": W}
