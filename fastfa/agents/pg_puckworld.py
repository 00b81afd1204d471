"""Compiled policy-gradient training on Puck World (the lecture's example): a Gaussian policy on
tile-coded (target − puck, velocity), REINFORCE (± baseline) or actor-critic (± sparse traces), in the
generic fused loop ``fastfa.kernels.loops.pg_env_loop`` on
:class:`fastfa.envs.pg_envs.PuckWorldRelativeCompiledEnv` with hashed tile features; the greedy
rollout of a trained policy.  Populations of runs as :mod:`fastfa.agents.pg_compiled` (which
re-exports these names).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._typing import ArrayLike
from .pg_runs import positive_float, positive_int, run_population

if TYPE_CHECKING:
    from ..features.tile_coder import TileCoder

__all__ = ["hash_spec", "puckworld_features", "puckworld_greedy", "puckworld_train"]


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


def hash_spec(tc: TileCoder) -> tuple[np.ndarray, np.ndarray]:
    """``(cf, ci)`` of a hash-mode, unwrapped :class:`fastfa.features.TileCoder` for the fused loops'
    hashed feature map (``fastfa.kernels.features.hashtiles``: the coder's own indices)."""
    args = tc.kernel_args()
    if tc.mode != "hash" or args[3].shape[0] > 0 or tc.n_actions is not None:
        raise ValueError(f"features: a TileCoder in mode 'hash' without wrap or actions is needed, got {tc!r}")
    cf = np.stack([tc.low, tc.high, tc.scale]).astype(np.float64)
    ci = np.concatenate([np.array([tc.n_tilings, tc.size], np.int64), np.asarray(args[4], np.int64)])
    return cf, ci


def _pw_env(env_params):
    from ..envs.pg_envs import PuckWorldRelativeCompiledEnv
    from ..kernels.envs import puck_corridor as pg_envs

    if env_params[pg_envs.PW_ENEMY] != 0.0:
        raise ValueError(
            "env_kwargs: the compiled Puck World training measures the distance as minus the reward, so "
            "enemy=True is not supported here (train a fastfa.agents agent on PuckWorldEnv(enemy=True))"
        )
    return PuckWorldRelativeCompiledEnv(params=env_params)


def puckworld_greedy(
    theta_mu: ArrayLike,
    features: TileCoder,
    n_steps: int,
    rng: np.random.Generator,
    *,
    env_params: ArrayLike | None = None,
    states_out: np.ndarray | None = None,
) -> float:
    """Mean puck-target distance of the mean action μ(s) (clipped) run for ``n_steps`` steps from a reset
    drawn from ``rng`` (``fastfa.kernels.loops.pg_greedy``); ``states_out`` [n_steps + 1, 9] (optional)
    receives the states.  ``theta_mu`` [features.size, 2]; ``env_params``: ``puckworld_params(...)``."""
    from ..kernels.envs import puck_corridor as pg_envs
    from ..kernels.loops.pg_env_loop import make_pg_policy
    from .compiled_pg import pg_greedy_unit

    n_steps = positive_int("n_steps", n_steps)
    th = np.ascontiguousarray(theta_mu, dtype=np.float64)
    if th.shape != (features.size, 2) or not np.all(np.isfinite(th)):
        raise ValueError(f"theta_mu must be finite with shape ({features.size}, 2), got {th.shape}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    P = pg_envs.puckworld_params() if env_params is None else np.asarray(env_params, dtype=np.float64)
    if P.shape != pg_envs.puckworld_params().shape or not np.all(np.isfinite(P)):
        raise ValueError("env_params must be the finite array of puckworld_params(...)")
    if states_out is None:
        states_out = np.empty((0, pg_envs.PW_STATE_LEN))
    elif states_out.shape != (n_steps + 1, pg_envs.PW_STATE_LEN) or states_out.dtype != np.float64:
        raise ValueError(f"states_out must be float64 [{n_steps + 1}, {pg_envs.PW_STATE_LEN}], got {states_out.shape}")
    cenv = _pw_env(P)
    cf, ci = hash_spec(features)
    pol = make_pg_policy(th, np.zeros(2), -np.ones(2), np.ones(2))
    unit = pg_greedy_unit(cenv, False, 2, False, "hash")
    total, _ = unit(cenv.params, np.empty(pg_envs.PW_STATE_LEN), rng, cf, ci, pol, n_steps, states_out)
    return -total / n_steps  # the reward is minus the distance (no enemy)


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
    from ..kernels.codes import PG_AC_TRACES, PG_ACTOR_CRITIC, PG_REINFORCE_BASELINE
    from ..kernels.envs import puck_corridor as pg_envs
    from ..kernels.loops.control_loop import make_budget
    from ..kernels.loops.pg_env_loop import make_pg_hp, make_pg_policy
    from .compiled_pg import pg_greedy_unit, pg_unit

    if method not in ("reinforce", "actor_critic"):
        raise ValueError(f"method must be 'reinforce' or 'actor_critic', got {method!r}")
    alpha, alpha_ls = positive_float("alpha", alpha), positive_float("alpha_ls", alpha_ls, allow_zero=True)
    alpha_w = positive_float("alpha_w", alpha_w, allow_zero=method == "reinforce")
    if not 0.0 <= float(gamma) <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
    trace_min = positive_float("trace_min", trace_min, allow_zero=True)
    for nm, v in (("lam", lam), ("lam_w", lam_w)):
        if not 0.0 <= float(v) <= 1.0:
            raise ValueError(f"{nm} must be in [0, 1], got {v!r}")
    episodes, ep_len, runs = (
        positive_int("episodes", episodes),
        positive_int("ep_len", ep_len),
        positive_int("runs", runs),
    )
    init_std = positive_float("init_std", init_std)
    tc = puckworld_features(tiles_per_dim, n_tilings, size)
    from ..envs.pg_envs import PuckWorldEnv

    env_params = PuckWorldEnv(**(env_kwargs or {})).params  # validates the physics
    sb = np.asarray(std_bounds, dtype=np.float64)
    if sb.shape != (2,) or not (np.all(np.isfinite(sb)) and 0.0 < sb[0] <= sb[1]):
        raise ValueError(f"std_bounds must be (low, high) with 0 < low <= high, finite, got {std_bounds!r}")
    ls_min, ls_max = float(np.log(sb[0])), float(np.log(sb[1]))
    k = tc.n_tilings
    seeds = np.random.SeedSequence(seed).spawn(runs)
    R, D = np.empty((runs, episodes)), np.empty((runs, episodes))
    TH, LS, W = np.zeros((runs, tc.size, 2)), np.full((runs, 2), np.log(init_std)), np.zeros((runs, tc.size))
    chunk = episodes if eval_every <= 0 else int(eval_every)
    eval_x = list(range(0, episodes + 1, chunk)) if eval_every > 0 else []
    if eval_x and eval_x[-1] != episodes:
        eval_x.append(episodes)
    ED = np.empty((runs, len(eval_x)))
    cenv = _pw_env(env_params)
    cf, ci = hash_spec(tc)
    if method == "reinforce":  # α_w = 0: the baseline stays 0, plain REINFORCE's numbers (one unit for both)
        alg = PG_REINFORCE_BASELINE
    else:
        alg = PG_AC_TRACES if float(lam) > 0.0 or float(lam_w) > 0.0 else PG_ACTOR_CRITIC
    unit = pg_unit(cenv, alg, False, 2, False, "hash", sparse_traces=alg == PG_AC_TRACES)
    greedy = pg_greedy_unit(cenv, False, 2, False, "hash") if eval_x else None
    # no γᵗ factor (a truncated continuing task); sparse traces dropping those ≤ trace_min
    hp = make_pg_hp(
        alpha / k,
        alpha_w / k,
        alpha_ls / k,
        float(gamma),
        False,
        ls_min,
        ls_max,
        float(lam),
        float(lam_w),
        trace_min=trace_min,
    )
    low, high = -np.ones(2), np.ones(2)
    no_states, no_probs = np.empty((0, pg_envs.PW_STATE_LEN)), np.empty((0, 2))

    def evaluate(pol):
        tot = [
            greedy(
                env_params,
                np.empty(pg_envs.PW_STATE_LEN),
                np.random.default_rng(10_000 + e),
                cf,
                ci,
                pol,
                ep_len,
                no_states,
            )[0]
            for e in range(eval_episodes)
        ]
        return float(np.mean([-t / ep_len for t in tot]))  # mean distance = −return / steps (no enemy)

    def one(i):
        rng = np.random.default_rng(seeds[i])  # env and policy draw from one stream, in step order
        pol = make_pg_policy(TH[i], LS[i], low, high)
        state = np.empty(pg_envs.PW_STATE_LEN)
        steps = np.empty(chunk, np.int64)
        done, j = 0, 0
        if eval_x:
            ED[i, 0], j = evaluate(pol), 1
        while done < episodes:
            n = min(chunk, episodes - done)
            sl = slice(done, done + n)
            n_done, _, st = unit(
                env_params,
                state,
                rng,
                cf,
                ci,
                pol,
                W[i],
                hp,
                make_budget(n, 0, ep_len, True),
                rng,
                steps,
                R[i, sl],
                no_probs,
            )
            if st != 0:
                raise FloatingPointError(
                    f"run {i}: parameters became non-finite in episode {done + n_done} "
                    f"(alpha={alpha}, alpha_w={alpha_w}); use smaller step sizes"
                )
            D[i, sl] = -R[i, sl] / ep_len  # mean puck-target distance: the reward is minus it (no enemy)
            done += n
            if eval_x:
                ED[i, j] = evaluate(pol)
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
