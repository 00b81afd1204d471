"""Mountain Car control experiments: files, metrics, cells (reduced sizes)."""

import json

import numpy as np
import pytest
from conftest import JIT_DISABLED, scale

from fastfa.experiments import get, run_experiment


def test_mountaincar_sarsa_quick(tmp_path):
    eps = scale(60, 2)
    run_experiment(
        "mountaincar-sarsa",
        runs=3,
        seed=1,
        out=tmp_path,
        quick=True,
        progress=False,
        params={"episodes": eps, "fig10_1_episodes": [1, scale(12, 2)]},
        plot=False,
    )
    folder = tmp_path / "mountaincar-sarsa"
    ctg = np.load(folder / "fig10_1_cost_to_go.npz")
    assert ctg["cost_to_go"].shape == (2, 40, 40) and (ctg["cost_to_go"] > -1).all()  # rewards -1: q ~<= 0
    assert ctg["cost_to_go"][1].max() > ctg["cost_to_go"][0].max()  # the surface grows with learning
    assert (folder / "results.csv").exists()
    summ = json.loads((folder / "summary.json").read_text())
    assert summ["env_steps"] > 0 and summ["rows"] == 3 * 3 * eps
    m = summ["metrics"]
    import pandas as pd

    df = pd.read_csv(folder / "results.csv")
    per_alpha = {a: g.pivot(index="run", columns="x", values="value").to_numpy() for a, g in df.groupby("alpha")}
    for a, st in per_alpha.items():  # [run, episode]; the headline numbers are these means
        lab = {0.1 / 8: "0.1/8", 0.2 / 8: "0.2/8", 0.5 / 8: "0.5/8"}[
            min((0.1 / 8, 0.2 / 8, 0.5 / 8), key=lambda b: abs(b - a))
        ]
        assert m[f"alpha={lab}: mean steps, episodes 1-50"] == pytest.approx(st[:, :50].mean(), abs=0.051)
        assert m[f"alpha={lab}: episode 1 steps"] == pytest.approx(st[:, 0].mean(), abs=0.051)
        assert (st >= 50).all()  # no Mountain Car episode from the bottom ends in under ~50 steps
    best = min(per_alpha, key=lambda a: per_alpha[a][:, :50].mean())
    assert m["best_alpha"] == pytest.approx(best)
    assert summ["env_steps"] >= df["value"].sum()  # + the cost-to-go run's steps
    wall = m["population_wall_time_s"]  # rounded to 1 ms
    assert wall > 0 and m["env_steps_per_s"] == pytest.approx(df["value"].sum() / wall, rel=6e-4 / wall + 1e-6)
    with pytest.raises(ValueError, match="unknown parameter"):
        run_experiment("mountaincar-sarsa", runs=1, out=tmp_path, quick=True, params={"bogus": 1}, plot=False)


def test_mountaincar_sarsa_cell_independent_of_other_seeds():
    exp = get("mountaincar-sarsa")
    seeds = np.random.SeedSequence(3).spawn(3)
    e = scale(10, 1)
    a = exp.cell({"alpha": 0.5 / 8, "episodes": e}, seeds)
    b = exp.cell({"alpha": 0.5 / 8, "episodes": e}, seeds[1:2])
    np.testing.assert_array_equal(np.asarray(a["value"])[a["seed"] == 1], b["value"])
    assert set(exp.grid) == {"alpha"}


def test_nstep_and_lambda_experiments_quick(tmp_path):
    e = scale(6, 2)
    s = run_experiment(
        "mountaincar-nstep",
        runs=2,
        out=tmp_path,
        quick=True,
        progress=False,
        plot=False,
        params={"episodes": e, "sweep_episodes": e, "ns": [1, 4], "alpha8": [0.5]},
    )
    m = s["metrics"]
    # the reported best (n, α) is the argmin of the per-cell means in results.csv, and its value matches
    import pandas as pd

    df = pd.read_csv(tmp_path / "mountaincar-nstep" / "results.csv")
    cells = df[df.panel == "fig10.4"].groupby(["n", "alpha"])["value"].mean()
    assert len(cells) == 2 and cells.index.get_level_values("n").tolist() == [1, 4]
    assert m["fig10.4 best n"] == cells.idxmin()[0]
    assert m["fig10.4 best mean steps (first episodes)"] == pytest.approx(cells.min(), abs=0.051)
    # every env step is accounted for: per-episode steps (Fig 10.3) + per-run means x episodes (Fig 10.4)
    assert s["env_steps"] == pytest.approx(
        df[df.panel == "fig10.3"]["value"].sum() + e * df[df.panel == "fig10.4"]["value"].sum(), rel=1e-9
    )
    s = run_experiment(
        "mountaincar-lambda",
        runs=2,
        out=tmp_path,
        quick=True,
        progress=False,
        plot=False,
        params={
            "episodes": e,
            "episodes_1211": e,
            "lams": [0.0, 0.9],
            "alpha8": [0.8],
            "alpha8_1211": [0.8],
            "max_steps": scale(5000, 100),
        },
    )
    assert set(k for k in s["metrics"] if k.startswith("fig12.11")) == {
        "fig12.11 true online: best mean return",
        "fig12.11 accumulating: best mean return",
        "fig12.11 replacing: best mean return",
        "fig12.11 replacing, clear others: best mean return",
    }
    df = pd.read_csv(tmp_path / "mountaincar-lambda" / "results.csv")
    for name in ("true online", "accumulating", "replacing", "replacing, clear others"):
        v = df[(df.panel == "fig12.11") & (df.method == name)]["value"]
        assert len(v) == 2 and s["metrics"][f"fig12.11 {name}: best mean return"] == pytest.approx(v.mean(), abs=0.051)
        assert -scale(5000, 100) <= v.min() and v.max() <= -50  # Mountain Car: reward -1 per step, >= ~50 steps
    l10 = df[df.panel == "fig12.10"].groupby("lam")["value"].mean()
    assert s["metrics"]["fig12.10 best lambda"] == l10.idxmin()


@pytest.mark.skipif(JIT_DISABLED, reason="needs compiled speed")
def test_fig_10_4_and_12_10_numbers_reduced():
    """S&B Fig 10.4: n = 4 at α = 0.5/8 averages ~225 steps over the first 50 episodes, better than n = 1
    (~280). Fig 12.10: SARSA(λ = 0.92, replacing) at α = 1.2/8 ~180-190, better than λ = 0 (~230)."""
    from fastfa.agents.population import run_population

    r = run_population(
        "MountainCar-v0", "nstep_sarsa", alphas=[0.5 / 8], ns=[1, 4], runs=20, episodes=50, max_steps=5000, seed=3
    )
    n1, n4 = r["steps"][0].mean(axis=(1, 2))
    assert 200 < n4 < 255 and 255 < n1 < 320 and n4 < n1 - 20
    r = run_population(
        "MountainCar-v0",
        "sarsa_lambda",
        alphas=[1.2 / 8],
        lams=[0.0, 0.92],
        runs=20,
        episodes=50,
        trace_min=1e-3,
        max_steps=5000,
        seed=3,
    )
    l0, l92 = r["steps"][0].mean(axis=(1, 2))
    assert 160 < l92 < 215 and 205 < l0 < 260 and l92 < l0 - 20


def test_baird_diverges_and_reports_it(tmp_path):
    s = run_experiment("baird", out=tmp_path, progress=False, plot=False, params={"steps": 1000})
    m = s["metrics"]
    assert m["td: diverged"] and m["dp: diverged"]
    if not JIT_DISABLED:
        assert 200 < m["dp: final w8"] < 500  # Fig 11.2 right: w8 ~ 300 after 1000 sweeps
    with pytest.warns(RuntimeWarning, match="diverged"):
        s = run_experiment("baird", out=tmp_path, progress=False, plot=False, params={"steps": 1000, "limit": 50.0})
    assert s["metrics"]["dp: stopped early at"] is not None
    import pandas as pd

    df = pd.read_csv(tmp_path / "baird" / "results.csv")
    assert np.isfinite(df["value"]).all()


def test_baird_kernels_hand_step():
    from fastfa.kernels.linear.baird import baird_features, baird_semigradient_dp

    X = baird_features()
    w = np.array([1.0] * 6 + [10.0, 1.0])
    out = np.zeros((2, 8))
    baird_semigradient_dp(X, w, 0.01, 0.99, 1, 1e12, out)
    v = X @ out[0]
    target = 0.99 * v[6]
    g = ((target - v)[:, None] * X).sum(axis=0)
    np.testing.assert_allclose(out[1], out[0] + 0.01 / 7 * g)


def test_mountaincar_discretized_quick(tmp_path):
    e = scale(20, 2)
    s = run_experiment(
        "mountaincar-discretized",
        runs=2,
        out=tmp_path,
        quick=True,
        progress=False,
        plot=False,
        params={"episodes": e, "bins": [6], "max_steps": scale(5000, 300)},
    )
    assert set(s["metrics"]) >= {"grid 6x6: mean steps, episodes 1-50", "tiles 8x8x8: mean steps, episodes 1-50"}
    assert s["env_steps"] > 0


def test_nstep_cell_names():
    exp = get("mountaincar-nstep")
    seeds = np.random.SeedSequence(0).spawn(1)
    e = scale(3, 1)
    a = exp.cell({"nstep": 2, "alpha": 0.05, "sweep_episodes": e, "max_steps": scale(5000, 200)}, seeds)
    b = exp.cell({"n": 2, "alpha": 0.05, "sweep_episodes": e, "max_steps": scale(5000, 200)}, seeds)
    np.testing.assert_array_equal(a["value"], b["value"])
    assert set(exp.grid) == {"nstep", "alpha"}
