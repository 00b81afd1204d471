"""Declared experiment / sweep parameters: every bad value is refused before anything runs.

From Python: ValueError / TypeError naming the parameter and the allowed range.  From the command
line: exit status 2 and one line on stderr, never a traceback.
"""

import numpy as np
import pytest

import fastfa
from fastfa.cli import main
from fastfa.experiments import Float, Int, Param, get, names, resolve, resolve_grid, run_experiment


def test_every_experiment_and_cell_declares_its_parameters():
    for name in names():
        exp = get(name)
        assert exp.params is not None, f"{name} does not declare its parameters"
        for p in exp.params:
            assert isinstance(p, Param) and p.doc, (name, p)
        full = resolve(exp.params, {}, owner=name)
        assert set(full) == {p.name for p in exp.params}
        if exp.cell is not None:
            assert exp.cell_params is not None, f"{name}: sweep cell without declared parameters"
            if exp.grid:
                resolve_grid(exp.cell_params, exp.grid)  # the default grid is valid


def test_param_check_converts_and_refuses():
    ep = Int("episodes", 500, "episodes", low=1, high=100_000, quick=100)
    assert ep.check(3) == 3 and ep.check(1e3) == 1000 and isinstance(ep.check(np.int64(7)), int)
    assert resolve([ep], {}, quick=True) == {"episodes": 100} and resolve([ep], {}) == {"episodes": 500}
    with pytest.raises(TypeError, match=r"'episodes': got a non-integer 1.5; expected an int in \[1, 100000\]"):
        ep.check(1.5)  # never truncated to 1
    with pytest.raises(ValueError, match=r"'episodes': out of range: -3; expected an int in \[1, 100000\]"):
        ep.check(-3)
    for bad in ("abc", True, None, [5], float("nan")):
        with pytest.raises((TypeError, ValueError), match="'episodes'"):
            ep.check(bad)
    al = Float("alphas", [0.1], "step sizes", low=0.0, high=1.0, low_open=True, many=True, max_len=3)
    assert al.check("0.1,0.2") == [0.1, 0.2] and al.check(0.5) == [0.5] and al.check(np.array([0.25])) == [0.25]
    with pytest.raises(ValueError, match="empty list"):
        al.check([])
    with pytest.raises(ValueError, match=r"out of range.*\(0, 1\]"):
        al.check([0.0])
    with pytest.raises(ValueError, match="got 4 values"):
        al.check([0.1] * 4)
    with pytest.raises(ValueError, match="unknown parameter 'alpha' \\(did you mean 'alphas'\\?\\)"):
        resolve([al], {"alpha": 0.1})
    with pytest.raises(TypeError, match="mapping"):
        resolve([al], [("alphas", 0.1)])


def test_run_experiment_refuses_bad_params_before_running(tmp_path):
    out = tmp_path / "o"
    cases = [
        ({"episodes": 1.5}, TypeError, "'episodes': got a non-integer 1.5"),
        ({"episodes": -3}, ValueError, r"'episodes': out of range: -3; expected an int in \[1, "),
        ({"episodes": "many"}, TypeError, "'episodes'"),
        ({"alphas": []}, ValueError, "'alphas': got an empty list"),
        ({"epsilon": 2}, ValueError, r"'epsilon': out of range: 2; expected a float in \[0, 1\]"),
        ({"bogus": 1}, ValueError, "unknown parameter 'bogus'.*takes: alphas, episodes"),
    ]
    for params, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            run_experiment("mountaincar-sarsa", out=out, quick=True, params=params, progress=False)
    with pytest.raises(ValueError, match=r"'episodes': out of range: -3"):
        run_experiment("randomwalk-td", out=out, quick=True, params={"episodes": -3}, progress=False)
    with pytest.raises(ValueError, match=r"runs must be an int in \[1, "):
        run_experiment("mountaincar-sarsa", out=out, runs=0)
    with pytest.raises(TypeError, match="runs must be an int"):
        run_experiment("mountaincar-sarsa", out=out, runs=2.5)
    assert not out.exists()  # nothing ran, nothing written


def test_cells_check_their_parameters():
    seeds = np.random.SeedSequence(0).spawn(1)
    with pytest.raises(TypeError, match="'episodes': got a non-integer"):
        get("mountaincar-sarsa").cell({"alpha": 0.1, "episodes": 2.5}, seeds)
    with pytest.raises(ValueError, match="unknown parameter 'lambda'"):
        get("mountaincar-lambda").cell({"lambda": 0.9}, seeds)


def test_sweep_checks_grid_before_scheduling(tmp_path):
    out = tmp_path / "s"
    with pytest.raises(ValueError, match="unknown grid parameter 'bogus'.*takes: alpha, episodes, epsilon"):
        fastfa.sweep("mountaincar-sarsa", grid={"bogus": [1, 2]}, seeds=2, out=out, backend="serial")
    with pytest.raises(ValueError, match=r"'alpha': out of range: -1"):
        fastfa.sweep("mountaincar-sarsa", grid={"alpha": [0.1, -1]}, seeds=2, out=out, backend="serial")
    with pytest.raises(ValueError, match="empty"):
        fastfa.sweep("mountaincar-sarsa", grid={"alpha": []}, seeds=2, out=out, backend="serial")
    with pytest.raises(TypeError, match="'episodes': got a non-integer"):
        fastfa.sweep("mountaincar-sarsa", grid={"episodes": [1.5]}, seeds=2, out=out, backend="serial")
    assert not out.exists()


@pytest.mark.parametrize(
    "argv, words",
    [
        (["run", "mountaincar-sarsa", "--set", "episodes=1.5"], ["'episodes'", "non-integer", "[1, 100000]"]),
        (["run", "randomwalk-td", "--set", "episodes=-3"], ["'episodes'", "out of range", "-3"]),
        (["run", "mountaincar-sarsa", "--set", "bogus=1"], ["unknown parameter 'bogus'", "alphas"]),
        (["run", "mountaincar-sarsa", "--set", "alphas=[]"], ["'alphas'", "empty"]),
        (["run", "mountaincar-sarsa", "--set", "epsilon=abc"], ["'epsilon'", "a float in [0, 1]"]),
        (["run", "mountaincar-sarsa", "--set", "episodes"], ["--set expects key=value"]),
        (["run", "mountaincar-sarsa", "--runs", "0"], ["runs must be an int"]),
        (["run", "no-such-experiment"], ["unknown experiment"]),
        (["sweep", "mountaincar-sarsa", "--seeds", "abc"], ["--seeds", "'abc'"]),
        (["sweep", "mountaincar-sarsa", "--grid", "bogus=1,2", "--seeds", "2"], ["unknown grid parameter 'bogus'"]),
        (["sweep", "mountaincar-sarsa", "--grid", "alpha=0.1,-1", "--seeds", "2"], ["'alpha'", "out of range"]),
        (["sweep", "mountaincar-sarsa", "--grid", "alpha", "--seeds", "2"], ["--grid expects"]),
    ],
)
def test_cli_bad_values_exit_2_with_one_message(argv, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("fastfa: ")
    for w in words:
        assert w in err, (w, err)
    assert not (tmp_path / "runs").exists() and not (tmp_path / "sweeps").exists()


def test_cli_run_help_lists_the_parameters(capsys):
    assert main(["run", "mountaincar-sarsa", "--help"]) == 0
    out = capsys.readouterr().out
    for p in get("mountaincar-sarsa").params:
        assert f"  {p.name} = " in out and p.allowed() in out
    assert "sweep cell parameters" in out and "  alpha = 0.0625" in out
    assert main(["run", "--help"]) == 0 and "--set" in capsys.readouterr().out
