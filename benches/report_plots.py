"""Scaling plots of ``benches/report.py`` (into docs/images/): time per unit of work vs tilings,
feature count, MLP width, batch size, population size and cores, fastfa beside its peers.

Each point interleaves the sides (3 rounds, about 0.2 s each; median), like the tables.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np

from report_lib import Side, interleave
from report_rows import lean_loop, timed
from report_rows_nn import torch_worker, fastfa_step, torch_step


def _point(sides: list, rounds: int = 3, seconds: float = 0.2) -> dict:
    """Median seconds per unit of each side."""
    for s in sides:
        s.tune(seconds)
    t = interleave(sides, rounds)
    for s in sides:
        getattr(s.fn, "close", lambda: None)()  # worker processes
    return {s.label: statistics.median(a / u for a, u in t[s.label]) for s in sides}


def _series(xs, make, rounds=3):
    out: dict = {}
    for x in xs:
        for label, v in _point(make(x), rounds).items():
            out.setdefault(label, []).append(v)
    return out


def tilings(quick):
    from naive import RefIHT, ref_tiles

    import fastfa.tiles3 as t3

    states = [list(s) for s in np.random.default_rng(0).uniform(0, 8, size=(4096, 2))]

    def make(nt):
        def calls(fn, table):
            def body(n, r):
                for i in range(n):
                    fn(table, nt, states[i & 4095])
                return n

            return timed(body)

        return [
            Side("fastfa tiles()", "fastfa", calls(t3.tiles, t3.IHT(1 << 16)), 5000),
            Side("tiles3 algorithm, pure Python", "outside", calls(ref_tiles, RefIHT(1 << 16)), 200),
        ]

    xs = [4, 16, 64] if quick else [4, 8, 16, 32, 64]
    return dict(
        title="tile coding: time per call vs tilings", x="tilings", xs=xs, unit="s/call", series=_series(xs, make)
    )


def features(quick):
    from fastfa.agents.population import TileSpec, run_population

    def make(tiles):
        spec = TileSpec((-1.2, -0.07), (0.5, 0.07), tiles, 8)

        def comp(n, r):
            out = run_population(
                "MountainCar-v0", "sarsa", alphas=[0.5 / 8], runs=1, episodes=n, seed=r, threads=1, tiles=spec
            )
            return out["wall_time_s"], out["env_steps"]

        return [Side("fastfa compiled SARSA", "fastfa", comp, 10)]

    xs = [4, 64] if quick else [4, 8, 16, 32, 64, 128]
    nf = [TileSpec((-1.2, -0.07), (0.5, 0.07), t, 8).arrays()[2] for t in xs]
    ser = _series(xs, make)
    if not quick:  # the lean Python loop does not depend on the feature count (it is dominated by tiles3)
        ser["lean Python loop (in-repo)"] = [_point([Side("lean", "in-repo", timed(lean_loop), 500)])["lean"]] * len(xs)
    return dict(
        title="Mountain Car SARSA: time per env step vs feature count (8 tilings)",
        x="features",
        xs=[int(v) for v in nf],
        unit="s/step",
        series=ser,
    )


def width(quick):
    def make(h):
        return [
            Side("fastfa step", "fastfa", fastfa_step((h, h)), 200),
            Side("torch eager, 1 thread", "outside", torch_step((h, h)), 50),
            Side("torch eager, fused Adam, 2 threads", "outside", torch_worker((h, h), 2, True), 5),
        ]

    xs = [32, 512] if quick else [32, 64, 128, 256, 512]
    return dict(
        title="DQN gradient step vs MLP width (2 hidden layers, batch 64)",
        x="width",
        xs=xs,
        unit="s/step",
        series=_series(xs, make),
    )


def batch(quick):
    def make(b):
        return [
            Side("fastfa step", "fastfa", fastfa_step((64, 64), b), 200),
            Side("torch eager, 1 thread", "outside", torch_step((64, 64), b), 50),
        ]

    xs = [32, 256] if quick else [32, 64, 128, 256]
    return dict(
        title="DQN gradient step vs batch size (64x64)", x="batch", xs=xs, unit="s/step", series=_series(xs, make)
    )


def population(quick):
    from fastfa.agents.population import run_population

    def make(k):
        def comp(n, r):
            out = run_population("MountainCar-v0", "sarsa", alphas=[0.5 / 8], runs=k, episodes=n, seed=r, threads=1)
            return out["wall_time_s"], out["env_steps"]

        return [Side("fastfa population, 1 thread", "fastfa", comp, 5)]

    xs = [1, 100] if quick else [1, 3, 10, 30, 100]
    return dict(
        title="Mountain Car SARSA population: time per env step vs seeds",
        x="seeds",
        xs=xs,
        unit="s/step",
        series=_series(xs, make),
    )


def cores(quick):
    from fastfa.agents.population import run_population

    def make(c):
        def comp(n, r):
            out = run_population("MountainCar-v0", "sarsa", alphas=[0.5 / 8], runs=16, episodes=n, seed=r, threads=c)
            return out["wall_time_s"], out["env_steps"]

        return [
            Side("fastfa population of 16 (SARSA)", "fastfa", comp, 5),
            Side(
                "torch DQN step 64x64 (per step)",
                "outside",
                torch_step((64, 64)) if c == 1 else torch_worker((64, 64), 2, False),
                10,
            ),
            Side("fastfa DQN step 64x64 (1 thread, per step)", "fastfa", fastfa_step((64, 64)), 200),
        ]

    return dict(title="time per unit vs cores", x="cores", xs=[1, 2], unit="s/unit", series=_series([1, 2], make))


def all_plots(quick: bool, outdir: Path, log) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir.mkdir(parents=True, exist_ok=True)
    plots = []
    for name, fn in [
        ("tilings", tilings),
        ("features", features),
        ("width", width),
        ("batch", batch),
        ("population", population),
        ("cores", cores),
    ]:
        p = fn(quick)
        log(f"  scaling {name}: done")
        fig, ax = plt.subplots(figsize=(5.5, 3.6))
        for label, ys in p["series"].items():
            ax.plot(p["xs"], ys, marker="o", label=label)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(p["x"])
        ax.set_ylabel(p["unit"])
        ax.set_title(p["title"], fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = outdir / f"scaling-{name}.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        p["path"] = str(path.relative_to(outdir.parents[2]))
        plots.append(p)
    return {"plots": plots, "title": "Scaling"}
