"""Shared plumbing of the random-walk experiments: feature tables, seeds, compiled populations."""

from __future__ import annotations

import numpy as np

from ..agents.randomwalk_population import METHODS, feature_table, generators, population, seed_sequences

__all__ = ["METHODS", "feature_table", "generators", "population", "seed_sequences", "values_from_weights"]


def values_from_weights(features, w, n_states: int = 1000):
    """v̂ of states 1..N for weights ``w`` (F,) or (..., F)."""
    idx, val = feature_table(features, n_states)
    return (np.asarray(w)[..., idx[1:-1]] * val[1:-1]).sum(axis=-1)


# ---------------------------------------------------------------- tidy tables and params
def log_points(episodes: int, n: int = 100) -> np.ndarray:
    """About ``n`` evenly spaced episode numbers in [1, episodes], ending at ``episodes``."""
    return np.unique(np.clip(np.linspace(episodes / n, episodes, n).astype(np.int64), 1, None))


def merge_params(ctx_params, defaults: dict) -> dict:
    """``defaults`` overridden by ``--set`` values; unknown names raise ValueError."""
    unknown = set(ctx_params) - set(defaults)
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)}; this experiment takes {sorted(defaults)}")
    out = dict(defaults)
    out.update(ctx_params)
    return check_log_every(out)


def check_log_every(p: dict) -> dict:
    """``log_every`` must not exceed ``episodes`` (no logged point otherwise)."""
    if "log_every" in p and "episodes" in p and int(p["log_every"]) > int(p["episodes"]):
        raise ValueError(f"parameter 'log_every' ({p['log_every']}) must be at most 'episodes' ({p['episodes']})")
    return p


def curve_rows(err, log_at, metric: str, **params):
    """Tidy rows of ``err`` float64[n_runs, len(log_at)] with constant parameter columns."""
    n_runs, n_x = err.shape
    cols = {
        "run": np.repeat(np.arange(n_runs), n_x),
        **{k: np.full(n_runs * n_x, v, dtype=object) for k, v in params.items()},
        "x": np.tile(np.asarray(log_at), n_runs),
        "metric": np.full(n_runs * n_x, metric, dtype=object),
        "value": np.asarray(err, dtype=np.float64).ravel(),
    }
    return cols


def concat(tables, columns):
    """Stack tidy tables; a column missing from a table is filled with ''."""
    out = {c: [] for c in columns}
    for t in tables:
        n = len(t["value"])
        for c in columns:
            out[c].append(np.asarray(t[c], dtype=object) if c in t else np.full(n, "", dtype=object))
    return {c: np.concatenate(v) if v else np.zeros(0) for c, v in out.items()}


def group_targets(n_groups: int, n_states: int = 1000, max_jump: int = 100):
    """μ-weighted mean of v_π in each aggregation group: where gradient MC with aggregation converges (S&B 9.3)."""
    from ..envs.random_walk import randomwalk_state_distribution, randomwalk_true_values

    v = randomwalk_true_values(n_states, max_jump)
    mu = randomwalk_state_distribution(n_states, max_jump)
    g = (np.arange(n_states) * n_groups) // n_states
    return np.array([np.sum(mu[g == k] * v[g == k]) / np.sum(mu[g == k]) for k in range(n_groups)])
