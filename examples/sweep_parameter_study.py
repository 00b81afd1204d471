"""A parameter study with ``fastfa.sweep``: true online TD(λ) on the 19-state random walk.

Sutton & Barto Figure 12.8 (section 12.5): RMS error over the first 10 episodes as a function
of α, one curve per λ, averaged over seeds.  ``fastfa.sweep`` runs every (α, λ) point x seeds
in local worker processes (``backend="process"``); each run's random stream depends only on
the root seed, its parameters and its seed index, so the table is the same with any backend or
number of workers.  Results (results/runs tables, sweep.json) and the plot go to a folder
(default: <tmp>/fastfa_examples/sweep; override with FASTFA_EXAMPLE_OUT).
Set FASTFA_EXAMPLE_QUICK=1 for a tiny grid.

Run:  python examples/sweep_parameter_study.py
"""

import os
import tempfile
import time

import fastfa

QUICK = os.environ.get("FASTFA_EXAMPLE_QUICK") == "1"
OUT = os.environ.get("FASTFA_EXAMPLE_OUT", os.path.join(tempfile.gettempdir(), "fastfa_examples"))


def main():
    grid = {
        "method": ["true_online"],  # the experiment's other methods: left out
        "lam": [0.0, 0.8] if QUICK else [0.0, 0.4, 0.8, 0.9, 0.95],
        "alpha": [0.2, 0.6] if QUICK else [0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0],
    }
    seeds = 3 if QUICK else 100  # the book: 100 runs
    out = os.path.join(OUT, "sweep")
    t = time.perf_counter()
    res = fastfa.sweep(
        "randomwalk-lambda",
        grid=grid,
        seeds=seeds,
        out=out,
        backend="process",
        n_workers=2,
        resume=False,
        progress=False,
    )
    n_points = len(grid["lam"]) * len(grid["alpha"])
    print(
        f"{n_points} points x {seeds} seeds = {n_points * seeds} runs in "
        f"{time.perf_counter() - t:.1f} s; {len(res.df)} tidy rows, "
        f"runs ok: {(res.runs['status'] == 'ok').sum()}/{len(res.runs)}"
    )

    s = res.summary(by=["lam", "alpha"])  # mean, se, CI over seeds per point
    print("mean RMS error over seeds (rows λ, columns α):")
    print(s.pivot(index="lam", columns="alpha", values="mean").round(3).to_string())
    best = s.loc[s["mean"].idxmin()]
    print(
        f"best: λ={best['lam']:g}, α={best['alpha']:g}, error {best['mean']:.3f} ± {best['se']:.3f} "
        f"(book Fig 12.8: best λ≈0.8 near 0.25)"
    )

    png = os.path.join(out, "fig12_8.png")
    res.plot(x="alpha", curve="lam", path=png)  # error vs α, one curve per λ, ±SE band
    print(f"plot: {png} ({os.path.getsize(png):,} bytes); tables in {out}")


if __name__ == "__main__":  # required by the process backend (workers import this file)
    main()
