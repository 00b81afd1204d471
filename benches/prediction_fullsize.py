"""Full-size wall times of the random-walk experiments vs a plain NumPy/Python implementation.

    python benches/prediction_fullsize.py            # prints a Markdown table (benches/prediction.md)

fastfa: ``run_experiment(NAME)`` at the book's size (compiled populations, all cores; warm Numba
cache, no PNG), timed twice in one process: the 1st call includes loading the compiled kernels
and one-time setup (typed list of Generators, exact v_π and μ solves), the 2nd is warm.  Baseline: the same method and features written the usual way (Python episode
loop, a NumPy dot product / fancy-indexed update per step: tests/naive_prediction.py), timed on
a reduced number of episodes; its ns/step times the full experiment's env steps estimates the
baseline's full wall time.  fastfa's time also includes computing the error curves; the
baseline's does not.
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from naive_prediction import (
    naive_mc,
    naive_nstep,
    naive_randomwalk_episode,  # noqa: E402
    naive_td_lambda,
    naive_true_online_td,
)

from fastfa.experiments import run_experiment  # noqa: E402
from fastfa.experiments._randomwalk import feature_table  # noqa: E402
from fastfa.features import Fourier, StateAggregation, TileCoder  # noqa: E402


def sparse_mc(idx, episodes, alpha, rng, n=1000, jump=100):
    """Gradient MC with binary features, the plain way: v = w[idx].sum(); w[idx] += α(G − v)."""
    w = np.zeros(idx.max() + 1)
    steps = 0
    for _ in range(episodes):
        states, rewards = naive_randomwalk_episode(rng, n, jump, (n + 1) // 2)
        G = np.cumsum(rewards[::-1])[::-1]
        for s, g in zip(states, G):
            i = idx[s]
            w[i] += alpha * (g - w[i].sum())
        steps += len(states)
    return steps


def dense(method, X, episodes, rng, n_states=1000, jump=100, **kw):
    w = np.zeros(X.shape[1])
    steps = 0
    for _ in range(episodes):
        states, rewards = naive_randomwalk_episode(rng, n_states, jump, (n_states + 1) // 2)
        r = np.asarray(rewards)
        if method == "mc":
            naive_mc(w, X[states], r, kw["alpha"])
        elif method == "nstep":
            naive_nstep(w, X[states], r, kw["alpha"], kw["n"])
        elif method == "td_lambda":
            naive_td_lambda(w, X[states], r, kw["alpha"], kw["lam"])
        else:
            naive_true_online_td(w, X[states], r, kw["alpha"], kw["lam"])
        steps += len(states)
    return steps


def table_X(feats, n=1000):
    idx, val = feature_table(feats, n)
    X = np.zeros((n + 2, feats.n_features))
    for s in range(n + 2):
        np.add.at(X[s], idx[s], val[s])
    return idx, X


def timed(fn):
    t = time.perf_counter()
    steps = fn()
    return (time.perf_counter() - t) / steps * 1e9


def main():
    rng = np.random.default_rng(0)
    agg_idx, _ = table_X(StateAggregation(1000, 10, first=1))
    _, agg20 = table_X(StateAggregation(1000, 20, first=1))
    _, four = table_X(Fourier(1, 1000, 10))
    tc = TileCoder(1, 1001, 5, 50, offsets="uniform", mode="iht", size=300)
    tc_idx, _ = table_X(tc)
    _, tab19 = table_X(StateAggregation(19, 19, first=1), 19)
    baselines = {
        "randomwalk-aggregation": ("gradient MC, 10 groups (sparse)", lambda: sparse_mc(agg_idx, 300, 2e-5, rng)),
        "randomwalk-td": ("4-step TD, 20 groups (dense)", lambda: dense("nstep", agg20, 100, rng, alpha=0.4, n=4)),
        "randomwalk-bases": ("gradient MC, Fourier order 10 (dense)", lambda: dense("mc", four, 100, rng, alpha=5e-5)),
        "randomwalk-tiling": ("gradient MC, 50 tilings (sparse)", lambda: sparse_mc(tc_idx, 100, 2e-6, rng)),
        "randomwalk-lambda": (
            "true online TD(0.8), 19 states (dense)",
            lambda: dense("true_online", tab19, 100, rng, 19, 1, alpha=0.4, lam=0.8),
        ),
    }
    print(
        "| experiment | fastfa wall, 1st call (s) | fastfa wall, warm (s) | env steps | fastfa ns/step (warm) "
        "| baseline (plain NumPy/Python) | baseline ns/step | ratio | baseline est. full wall |"
    )
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|")
    for name, (desc, fn) in baselines.items():
        first = run_experiment(name, out="/tmp/fastfa_fullsize", progress=False, plot=False)["wall_time_s"]
        s = run_experiment(name, out="/tmp/fastfa_fullsize", progress=False, plot=False)
        ff = s["wall_time_s"] / s["env_steps"] * 1e9
        base = timed(fn)
        est = base * s["env_steps"] / 1e9
        print(
            f"| {name} | {first:.1f} | {s['wall_time_s']:.1f} | {s['env_steps']:,} | {ff:.0f} | {desc} | {base:,.0f} "
            f"| {base / ff:,.0f}x | {est:,.0f} s |",
            flush=True,
        )


if __name__ == "__main__":
    main()
