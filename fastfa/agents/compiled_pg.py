"""When and how a policy-gradient agent runs the fused compiled loop instead of the Python loop.

``Reinforce`` and ``ReinforceBaseline`` (the mean over ``n_rollouts`` episodes too), ``ActorCritic`` (with or without
traces) and ``QAC`` (softmax) run
``fastfa.kernels.loops.pg_env_loop.pg_run_tpl``, specialised per (env, algorithm, policy), when the
env can run compiled (:func:`fastfa.agents.compiled_control.compiled_target`: a
:class:`fastfa.envs.CompiledEnv`, or gymnasium's MountainCar / CartPole / Acrobot through their
twins) and the features are a :class:`fastfa.features.GridTileCoder` over the observation.  A
Discrete action space takes the softmax policy, a Box the Gaussian one.

As for the control agents, the loop makes the Python loop's calls in the same order (the env
reset with ``seed`` in Python, then ``env.np_random`` for the env, the agent's ``rng`` for
actions), so the numbers — parameters, episode lengths, generator states — are identical.  A
callback per episode keeps the compiled loop (it then runs one episode per call).
"""

from __future__ import annotations

import time

import numpy as np

from .._checks import check_budget

__all__ = ["pg_greedy_unit", "pg_unit", "run_pg_compiled"]


def _features(features: str) -> dict:
    """The feature-map bindings of the templates: ``"grid"`` (``(cf, ci)`` of a GridTileCoder) or
    ``"hash"`` (``(cf, ci)`` of ``fastfa.agents.pg_compiled.hash_spec``: a hash-mode TileCoder)."""
    if features == "grid":
        return {}
    if features == "hash":
        from ..kernels.features import hashtiles as H

        return {"FEAT_CONSTS": H.hash_consts, "FEAT_TILES": H.hash_tiles_consts}
    raise ValueError(f"features must be 'grid' or 'hash', got {features!r}")


def pg_unit(
    cenv,
    alg: int,
    discrete: bool,
    act_dim: int,
    act_f32: bool,
    features: str = "grid",
    sparse_traces: bool = False,
    batched: bool = False,
):
    """The fused policy-gradient loop for (env, algorithm code, policy, feature map): cached on disk for
    built-in envs, compiled once per process for a user's env (checked first).  ``sparse_traces``
    (Gaussian actor-critic with traces): the sparse trace list (``hp.trace_min`` ≥ 0); ``batched``
    (REINFORCE): one update per ``hp.n_rollouts`` > 1 episodes (a unit without it ignores ``n_rollouts``)."""
    from ..kernels.codes import PG_AC_TRACES, PG_REINFORCE, PG_REINFORCE_BASELINE, PGAlg
    from ..kernels.loops import pg_env_loop as P
    from .compiled_control import env_unit

    if sparse_traces and (discrete or alg != PG_AC_TRACES):
        raise ValueError("sparse_traces: only for the Gaussian actor-critic with traces")
    mc = alg in (PG_REINFORCE, PG_REINFORCE_BASELINE)
    if batched and not mc:
        raise ValueError("batched: only for REINFORCE")
    pol = "softmax" if discrete else f"gaussian{act_dim}{'f32' if act_f32 else ''}"
    return env_unit(
        P.pg_run_tpl,
        cenv,
        f"pg_{PGAlg(alg).name.lower()}_{pol}{'' if features == 'grid' else '_' + features}"
        + ("_sparse" if sparse_traces else "")
        + ("_batched" if batched else ""),
        PG_ALG=int(alg),
        MC=mc,
        TRACED=alg == PG_AC_TRACES,
        SPARSE_TRACES=bool(sparse_traces),
        BATCHED=bool(batched),
        DISCRETE=bool(discrete),
        ACT_DIM=int(act_dim),
        ACT_F32=bool(act_f32),
        **_features(features),
    )


def pg_greedy_unit(cenv, discrete: bool, act_dim: int, act_f32: bool, features: str = "grid"):
    """The greedy rollout (``fastfa.kernels.loops.pg_greedy.pg_greedy_tpl``) for (env, policy, feature
    map), cached like :func:`pg_unit`."""
    from ..kernels.loops import pg_greedy as G
    from .compiled_control import env_unit

    pol = "softmax" if discrete else f"gaussian{act_dim}{'f32' if act_f32 else ''}"
    return env_unit(
        G.pg_greedy_tpl,
        cenv,
        f"pg_greedy_{pol}{'' if features == 'grid' else '_' + features}",
        DISCRETE=bool(discrete),
        ACT_DIM=int(act_dim),
        ACT_F32=bool(act_f32),
        **_features(features),
    )


def run_pg_compiled(agent, env, target, alg, *, episodes, total_steps, seed, callback=None, progress=False):
    """Run the fused loop for ``agent`` on ``env`` (reset here with ``seed``); returns an ``EpisodeLog``."""
    from ..kernels.codes import PG_QAC, PG_REINFORCE, PG_REINFORCE_BASELINE
    from ..kernels.loops.control_loop import make_budget
    from ..kernels.loops.pg_env_loop import CRITIC_NOT_FINITE, make_pg_hp, make_pg_policy
    from ..loop import EpisodeLog, Progress
    from .compiled_control import state_after_reset

    pol = agent.policy
    space = agent.action_space
    batch = getattr(agent, "_batch", None)  # REINFORCE over N rollouts: the sums of a batch in progress
    acc, acc_b = (None, None) if batch is None else (batch[0], batch[1] if len(batch) > 1 else None)
    n_acc = int(getattr(agent, "_n_eps", 0) or 0)
    if agent.discrete:
        policy = make_pg_policy(pol.theta, np.zeros(0), np.zeros(0), np.zeros(0), acc, None, n_acc)
        act_dim, act_f32 = 1, False
    else:
        policy = make_pg_policy(pol.theta_mu, pol.log_std_b, pol.low, pol.high, acc, acc_b, n_acc)
        act_dim, act_f32 = int(space.shape[0]), space.dtype == np.float32
    cfg = agent.config
    batched = cfg.n_rollouts > 1 and alg in (PG_REINFORCE, PG_REINFORCE_BASELINE)
    unit = pg_unit(target.cenv, alg, agent.discrete, act_dim, act_f32, batched=batched)
    total_steps, episodes = check_budget(total_steps, episodes)  # before anything is sized from them
    t0 = time.perf_counter()
    env.reset(seed=seed)
    state = state_after_reset(env, target)
    env_rng = env.unwrapped.np_random
    f = agent.features
    hp = make_pg_hp(
        cfg.alpha,
        cfg.alpha_w,
        cfg.alpha_std,
        cfg.gamma,
        cfg.gamma_t,
        getattr(pol, "ls_min", -5.0),
        getattr(pol, "ls_max", 2.0),
        cfg.lam,
        cfg.lam_w,
        cfg.n_rollouts,
    )
    n_ep = int(episodes) if episodes is not None else np.iinfo(np.int32).max
    budget = int(total_steps) if total_steps is not None else 0
    buf = 65_536
    steps = np.zeros(min(buf, n_ep if episodes is not None else max(1, budget)), np.int64)
    rets = np.zeros(steps.shape[0], np.float64)
    log = EpisodeLog()
    done_total = 0
    chunk = 1 if callback is not None else (16 if progress else n_ep)
    bar = Progress(
        budget or (n_ep if episodes is not None else None), "steps" if budget else "episodes", enabled=progress
    )
    if alg == PG_QAC:  # the critic w [F, A] goes in flat: a view, so the loop learns in place
        agent.w = np.ascontiguousarray(agent.w)
    w_arg = agent.w.reshape(-1)
    first = True
    try:
        while True:
            want = min(chunk, n_ep - log.n_episodes, steps.shape[0])
            if want <= 0:
                break
            left = budget - done_total if budget else 0
            k = log.n_episodes
            n_done, n_steps, status = unit(
                target.cenv.params,
                state,
                env_rng,
                f.cf,
                f.ci,
                policy,
                w_arg,
                hp,
                make_budget(want, left, target.max_steps, not first),
                agent.rng,
                steps,
                rets,
                np.empty((0, 0)),
            )
            first = False
            _keep_batch(agent, policy)  # before the callbacks: a checkpoint holds the batch in progress
            done_total += n_steps
            log.returns.extend(rets[:n_done].tolist())
            log.lengths.extend(steps[:n_done].tolist())
            bar.update(n_steps if budget else n_done)
            if status != 0:
                bar.close()
                log.total_steps = done_total
                log.wall_time_s = time.perf_counter() - t0
                agent.log.extend(log)
                what = "critic weights" if status == CRITIC_NOT_FINITE else "policy parameters"
                raise FloatingPointError(
                    f"{type(agent).__name__}: the {what} became non-finite after {done_total} steps; training "
                    f"stopped (alpha={cfg.alpha}, alpha_w={cfg.alpha_w} too large?)"
                )
            stop = False
            for j in range(n_done):
                info = {
                    "episode": k + j + 1,
                    "return": float(rets[j]),
                    "length": int(steps[j]),
                    "total_steps": done_total,
                }
                if callback is not None and callback(info) is False:
                    stop = True
            if stop or (budget and done_total >= budget):
                break
    except KeyboardInterrupt:  # as fastfa.loop.run: keep what was learned, say so
        import warnings

        log.interrupted = True
        warnings.warn(
            f"interrupted after {log.n_episodes} episodes / {done_total} steps; the agent keeps what it learned",
            RuntimeWarning,
            stacklevel=3,
        )
    finally:
        _keep_batch(agent, policy)
    bar.close()
    log.total_steps = done_total
    log.wall_time_s = time.perf_counter() - t0
    return log


def _keep_batch(agent, policy) -> None:
    """REINFORCE over N rollouts: the gradient sums of the batch in progress stay with the agent, in the
    Python loop's form (``agent._batch``: None or copies shaped like the policy's parameters)."""
    if agent.config.n_rollouts <= 1:
        return
    n_acc = int(policy.n_acc[0])
    agent._n_eps = n_acc
    if n_acc == 0:
        agent._batch = None
    elif agent.discrete:
        agent._batch = [policy.acc.copy()]
    else:
        agent._batch = [policy.acc.copy(), policy.acc_b.copy(), np.zeros((0,) + policy.acc_b.shape)]
