"""Register your own experiment with declared parameters, run it, read its figure and summary.

An experiment declares each parameter once (type, range, default, doc): ``fastfa.experiments``
checks every value before the run starts (a bad one is a ValueError/TypeError naming the
parameter and its range; on the command line, exit status 2), fills in the defaults, and the
runner writes results.csv, summary.json and the figure (PNG, drawn headless).

    python examples/own_experiment.py
"""

import os
from pathlib import Path

import numpy as np

from fastfa.experiments import Float, Int, Result, experiment, run_experiment

QUICK = os.environ.get("FASTFA_EXAMPLE_QUICK") == "1"
OUT = Path(os.environ.get("FASTFA_EXAMPLE_OUT", "runs"))

PARAMS = (
    Int("episodes", 200, "episodes per run", low=1, high=100_000, quick=20),
    Float("alphas", [0.05, 0.1, 0.5], "step sizes of the curves", low=0.0, high=1.0, low_open=True, many=True),
)


def plot(table, path):
    import matplotlib.pyplot as plt

    from fastfa.experiments import save_figure  # adds the caption line, writes the PNG (and SVG)

    fig, ax = plt.subplots(figsize=(6, 4))
    for a in np.unique(table["alpha"]):
        sel = table["alpha"] == a
        ax.plot(table["x"][sel], table["value"][sel], label=f"α={a:g}")
    ax.set_xlabel("Episode")
    ax.set_ylabel("|estimate - 1|")
    ax.legend()
    save_figure(fig, path)
    plt.close(fig)


@experiment("example-running-mean", "Constant-α running mean of noisy rewards (example)", default_runs=1, params=PARAMS)
def run(ctx) -> Result:
    p = ctx.params  # complete and checked: every declared name is present
    rng = np.random.default_rng(ctx.seed)
    rows = {"run": [], "alpha": [], "x": [], "metric": [], "value": []}
    for a in p["alphas"]:
        v = 0.0
        for e in range(1, p["episodes"] + 1):
            v += a * (1.0 + rng.normal() - v)
            for k, val in (("run", 0), ("alpha", a), ("x", e), ("metric", "abs_error"), ("value", abs(v - 1.0))):
                rows[k].append(val)
    return Result(table=rows, metrics={"final_abs_error": rows["value"][-1]}, config=dict(p), plot=plot)


if __name__ == "__main__":
    try:
        run_experiment("example-running-mean", out=OUT, params={"episodes": 1.5})
    except TypeError as err:
        print("refused:", err)  # parameter 'episodes': got a non-integer 1.5; expected an int in [1, 100000]
    s = run_experiment("example-running-mean", out=OUT, quick=QUICK, progress=False)
    print("figure:", s["plot"], "| params:", s["params"])
    print("done: own experiment example")
