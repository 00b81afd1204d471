"""Compiled random-walk prediction populations: feature tables, seeds, and the population runner.

Used by the prediction agents' compiled path (``fastfa.agents.prediction``) and by the random-walk
experiments (``fastfa.experiments``), which import it from here: agents never import experiments.
"""

from __future__ import annotations

import numpy as np

from ..kernels.codes import PRED_CODES

__all__ = ["METHODS", "feature_table", "generators", "population", "seed_sequences"]

METHODS = PRED_CODES  # method name -> fastfa.kernels.codes.PredMethod


def feature_table(features, n_states: int):
    """``(idx, val)`` int64/float64[n_states + 2, k]: features of every state number 0..N+1.

    ``features`` is a fastfa feature object over states 1..N (sparse: ``indices_batch``
    with value 1; dense: ``transform_batch`` with indices 0..F-1).  Terminal rows copy the
    nearest non-terminal row (they are never used for values).
    """
    from ..features.discrete import StateAggregation

    s = np.arange(n_states + 2)
    s_in = np.clip(s, 1, n_states)
    if getattr(features, "sparse", False):
        obs = s_in if isinstance(features, StateAggregation) else s_in.astype(np.float64).reshape(-1, 1)
        idx = np.ascontiguousarray(features.indices_batch(obs), dtype=np.int64)
        val = (idx >= 0).astype(np.float64)  # CoarseCoding pads rows with -1: value 0 on index 0
        idx = np.ascontiguousarray(np.where(idx >= 0, idx, 0))
    else:
        val = np.ascontiguousarray(features.transform_batch(s_in.astype(np.float64).reshape(-1, 1)))
        idx = np.ascontiguousarray(np.broadcast_to(np.arange(val.shape[1], dtype=np.int64), val.shape))
    return idx, val


def seed_sequences(seed, n_runs: int | None = None):
    """``seed``: an int root (spawned into ``n_runs`` children) or a list of SeedSequences (used as is)."""
    if isinstance(seed, (int, np.integer)):
        if n_runs is None:
            raise ValueError("n_runs is required with an int seed")
        return np.random.SeedSequence(int(seed)).spawn(n_runs)
    seqs = list(seed)
    if not all(isinstance(q, np.random.SeedSequence) for q in seqs):
        raise TypeError("seed must be an int or a list of numpy.random.SeedSequence")
    return seqs


def generators(seqs, repeat: int = 1):
    """Generators for ``repeat`` x ``len(seqs)`` members: member ``p * n_runs + j`` uses run j's stream
    (a fresh Generator from ``seqs[j]``), so every parameter point sees the same episodes."""
    from ..kernels._jit import JIT_DISABLED

    gens = [np.random.default_rng(q) for _ in range(repeat) for q in seqs]
    if JIT_DISABLED:
        return gens
    from numba.typed import List

    return List(gens)


def population(
    method: str,
    features,
    *,
    seed,
    n_runs: int | None = None,
    alphas,
    n_episodes: int,
    log_at,
    ns=None,
    lams=None,
    gamma: float = 1.0,
    n_states: int = 1000,
    max_jump: int = 100,
    weights: str = "mu",
):
    """Run ``len(alphas)`` parameter points (alphas[p], ns[p], lams[p]) x ``n_runs`` seeds.

    ``seed`` is an int root seed (run j uses ``SeedSequence(seed).spawn(n_runs)[j]``) or a list
    of SeedSequences (one per run).

    Returns ``(err, w, steps)``: err float64[P, n_runs, len(log_at)] (RMS error after
    those episodes; ``weights="mu"``: on-policy weighted RMSVE, ``"uniform"``: plain RMS over
    states), w float64[P, n_runs, F] final weights, steps (total env steps).
    """
    from ..envs.random_walk import randomwalk_state_distribution, randomwalk_true_values
    from ..kernels.envs.randomwalk import randomwalk_params
    from ..kernels.linear.prediction_pop import randomwalk_population

    seqs = seed_sequences(seed, n_runs)
    n_runs = len(seqs)
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    P = alphas.shape[0]
    ns = np.ones(P, np.int64) if ns is None else np.broadcast_to(np.asarray(ns, np.int64), (P,))
    lams = np.zeros(P) if lams is None else np.broadcast_to(np.asarray(lams, np.float64), (P,))
    idx, val = feature_table(features, n_states)
    v_true = randomwalk_true_values(n_states, max_jump)
    if weights == "mu":
        err_w = randomwalk_state_distribution(n_states, max_jump)
    else:
        err_w = np.full(n_states, 1.0 / n_states)
    log_at = np.asarray(log_at, dtype=np.int64)
    M = P * n_runs
    F = int(features.n_features)
    out_err = np.full((M, log_at.shape[0]), np.nan)
    out_w = np.zeros((M, F))
    out_steps = np.zeros(M, np.int64)
    randomwalk_population(
        generators(seqs, P),
        randomwalk_params(n_states, max_jump),
        METHODS[method],
        np.repeat(alphas, n_runs),
        np.repeat(ns, n_runs),
        np.repeat(lams, n_runs),
        float(gamma),
        idx,
        val,
        v_true,
        err_w,
        log_at,
        int(n_episodes),
        out_err,
        out_w,
        out_steps,
    )
    return (out_err.reshape(P, n_runs, -1), out_w.reshape(P, n_runs, F), int(out_steps.sum()))
