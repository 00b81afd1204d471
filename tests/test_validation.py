"""Bad arguments to public entry points are one clear TypeError/ValueError naming the argument
(issue 11), checked before any compiled kernel sizes an array from them.

The budgets that crashed the interpreter (a missing or negative budget sized the compiled loop's
output arrays) run in one subprocess, so a regression fails the test instead of killing a worker.
"""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastfa
from fastfa._checks import check_budget, check_count

AGENT_BUDGETS = r"""
import json, warnings
import numpy as np
warnings.simplefilter("ignore")
from fastfa.agents import Sarsa, NStepSarsa, DiscretizedQLearning, QLearning, SarsaLambda, TD0, Reinforce, DQN, A2CMLP
from fastfa.agents import run_population
from fastfa.features import GridTileCoder

BUDGETS = [dict(), dict(total_steps=-10), dict(total_steps=0), dict(episodes=-3), dict(episodes=1.5),
           dict(total_steps=1.5), dict(total_steps=True), dict(episodes=np.float64(2.0)), dict(total_steps="100"),
           dict(total_steps=2 ** 70), dict(episodes=2 ** 63)]
out = []
def attempt(label, fn):
    try:
        fn()
        out.append([label, "accepted", ""])
    except Exception as e:  # noqa: BLE001 - the type is what the test checks
        out.append([label, type(e).__name__, str(e)])

box = ([-1.2, -0.07], [0.6, 0.07])
for name, make in [("Sarsa", lambda: Sarsa("MountainCar-v0", seed=0)),
                   ("NStepSarsa", lambda: NStepSarsa("MountainCar-v0", seed=0)),
                   ("QLearning", lambda: QLearning("MountainCar-v0", seed=0)),
                   ("SarsaLambda", lambda: SarsaLambda("MountainCar-v0", seed=0)),
                   ("DiscretizedQLearning", lambda: DiscretizedQLearning("MountainCar-v0", seed=0)),
                   ("TD0", lambda: TD0("fastfa/RandomWalk1000-v0", seed=0)),
                   ("Reinforce", lambda: Reinforce("fastfa/ShortCorridor-v0", seed=0))]:
    for b in BUDGETS:
        attempt(f"{name}.learn({b})", lambda: make().learn(**b))
# the 0.1.0 call form of the issue: Sarsa(features, n_actions).learn(env) with no or a negative budget
for cls in (Sarsa, NStepSarsa):
    for b in (dict(), dict(total_steps=-10)):
        attempt(f"legacy {cls.__name__}.learn(env, {b})",
                lambda: cls(GridTileCoder(*box, 8, 8), 3).learn("MountainCar-v0", **b))
for b in (dict(), dict(total_steps=-10)):
    attempt(f"legacy DiscretizedQLearning.learn(env, {b})",
            lambda: DiscretizedQLearning(*box, 10, 3).learn("MountainCar-v0", **b))
for v in (-10, 0, 1.5, True, 2 ** 70):
    attempt(f"DQN.learn({v!r})", lambda: DQN("CartPole-v1", seed=0).learn(v))
    attempt(f"DQN.evaluate({v!r})", lambda: DQN("CartPole-v1", seed=0).evaluate(episodes=v))
    attempt(f"A2CMLP.evaluate({v!r})", lambda: A2CMLP("CartPole-v1", seed=0).evaluate(episodes=v))
for kw in (dict(episodes=0), dict(episodes=1.5), dict(episodes=True), dict(runs=-1, episodes=2),
           dict(episodes=2, max_steps=-5), dict(runs=0, episodes=2)):
    kw.setdefault("runs", 1)
    attempt(f"run_population({kw})", lambda: run_population("MountainCar-v0", "sarsa", alphas=[0.1], **kw))
print("RESULTS" + json.dumps(out))
"""


def test_budgets_of_every_agent_and_population_path(tmp_path):
    # cwd: not the repository root, where `-c` would import the source fastfa/ (no compiled kernels)
    r = subprocess.run([sys.executable, "-c", AGENT_BUDGETS], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert r.returncode == 0, f"interpreter died (rc={r.returncode}): {r.stderr[-2000:]}"
    results = json.loads(r.stdout.split("RESULTS", 1)[1])
    assert len(results) > 90
    bad = [
        (label, kind, msg)
        for label, kind, msg in results
        if kind not in ("TypeError", "ValueError")
        or not any(w in msg for w in ("total_steps", "episodes", "budget", "runs", "max_steps"))
    ]
    assert not bad, "\n".join(map(str, bad))
    floats = [
        (label, kind)
        for label, kind, _ in results
        if "1.5" in label and kind != "TypeError" and "population" not in label
    ]
    assert not floats, floats  # a float budget is refused as a type error, never truncated


def test_check_budget_and_count():
    assert check_budget(10, None) == (10, None) and check_budget(None, np.int32(3)) == (None, 3)
    for v, err in (
        (1.5, TypeError),
        (True, TypeError),
        ("5", TypeError),
        (0, ValueError),
        (-1, ValueError),
        (2**62 + 1, ValueError),
    ):
        with pytest.raises(err, match=r"total_steps must be an int in \[1, 2\*\*62\]"):
            check_budget(v, None)
    with pytest.raises(ValueError, match="give a budget"):
        check_budget(None, None)
    with pytest.raises(ValueError, match=r"max_steps must be an int in \[0, 2\*\*62\], got -1"):
        check_count("max_steps", -1, low=0)


@pytest.mark.parametrize("compiled", ["yes", 1, None, "False"])
def test_make_compiled_must_be_a_bool(compiled):
    with pytest.raises(TypeError, match="compiled must be True or False"):
        fastfa.make("MountainCar-v0", compiled=compiled)


@pytest.mark.parametrize(
    "field,value,match",
    [
        ("batch_size", 2000, r"batch_size \(2000\) must be <= buffer_size \(1000\)"),
        ("hidden", (64, 1.5), "hidden must be a non-empty tuple of ints"),
        ("hidden", (), "hidden must be a non-empty tuple of ints"),
        ("hidden", 64, "hidden must be a tuple of ints"),
        ("train_freq", 2.5, r"train_freq must be an int in \[1, "),
        ("batch_size", True, r"batch_size must be an int in \[1, "),
        ("learning_rate", float("nan"), r"learning_rate must be a finite number in \(0, inf\]"),
        ("gamma", 1.5, r"gamma must be a finite number in \[0, 1\]"),
        ("adam_beta1", -0.1, "adam_beta1"),
        ("double_dqn", "no", "double_dqn must be True or False"),
        ("activation", "sigmoid", "activation must be one of"),
        ("learning_rate_end", float("inf"), "learning_rate_end must be None or a finite number"),
    ],
)
def test_dqn_config_fields(field, value, match):
    from fastfa.agents import DQNConfig

    kw = {"buffer_size": 1000, field: value}
    with pytest.raises(ValueError, match="DQNConfig." + match):
        DQNConfig(**kw)


def test_isolated_subprocess_reports_a_crash():
    """The subprocess harness above does see a dead interpreter (so its 0-crash result means something)."""
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
        import ctypes
        ctypes.string_at(0)
    """),
        ],
        capture_output=True,
        timeout=60,
    )
    assert r.returncode != 0


# ---------------------------------------------------------------- found by the fuzz (tests/fuzz_driver.py)
def test_a_buffer_larger_than_memory_is_refused_before_allocating(monkeypatch):
    """ReplayBuffer(24878886, (254,)) wanted 47 GiB on a 24 GiB machine: the OS killed the process
    (SIGKILL) when the rows were touched.  Now one ValueError naming the capacity and the sizes."""
    import fastfa._checks as checks
    from fastfa.buffers import PrioritizedReplayBuffer, ReplayBuffer

    monkeypatch.setattr(checks, "physical_memory", lambda: 2**20)  # a 1 MiB machine
    for cls in (ReplayBuffer, PrioritizedReplayBuffer):
        with pytest.raises(ValueError, match=r"capacity=100000.*more than this machine.s"):
            cls(100_000, (4,))
        assert len(cls(1000, (4,))) == 0  # 1000 rows of 46 bytes (PER: + trees) fit
    from fastfa.agents import DQN

    with pytest.raises(ValueError, match="lower capacity"):
        DQN("CartPole-v1", buffer_size=100_000)


def test_discretized_q_learning_on_a_discrete_observation_space():
    """Its grid needs a Box; on a Discrete observation (already a table) it used to raise AttributeError."""
    from fastfa.agents import DiscretizedQLearning

    a = DiscretizedQLearning("fastfa/RandomWalk1000-v0", seed=0).learn(total_steps=200)
    assert a.log.total_steps >= 200 and a.predict(500) in (0, 1)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(seeds=10**25), r"seeds must be a number of seeds in \[1, 1000000\]"),
        (dict(seeds=[0.5, 1.7]), "ints in"),  # was truncated to [0, 1]
        (dict(seeds="abc"), "seeds must be an int or a list"),
        (dict(seeds=[1, 1]), "distinct"),
        (dict(seeds=2, n_workers=10**6), r"n_workers must be an int in \[1, 4096\]"),
        (dict(seeds=2, retries=10**9), r"retries must be an int in \[0, 1000\]"),
    ],
)
def test_sweep_sizes_are_bounded(kw, match, tmp_path):
    with pytest.raises((TypeError, ValueError), match=match):
        fastfa.sweep("randomwalk-td", grid={"alpha": [0.1]}, backend="serial", out=tmp_path, progress=False, **kw)


def test_tiling_counts_are_bounded_before_anything_is_sized():
    """Found by a 50x fuzz run: TileCoder(0, 1, 4, 2003377854).indices(x) built a 2e9-entry index
    vector (16 GB, the run was killed); tiles3 allowed 2**30 tilings.  Now 1-65536 everywhere, and an
    IHT larger than memory is refused."""
    from fastfa import tiles3
    from fastfa.features import GridTileCoder, TileCoder

    for make in (
        lambda: tiles3.tiles(64, 2**17, [0.1]),
        lambda: tiles3.tileswrap(64, 2**17, [0.1], [0]),
        lambda: tiles3.tiles_batch(64, 2**17, np.zeros((2, 1))),
        lambda: TileCoder(0, 1, 4, 2003377854),
        lambda: GridTileCoder(0, 1, 4, 2**20),
    ):
        with pytest.raises(ValueError, match="65536"):
            make()
    assert len(tiles3.tiles(64, 65536, [0.1])) == 65536
    with pytest.raises(ValueError, match="TileCoder.mode='iht', size=1099511627776. needs .* lower size"):
        TileCoder(0, 1, 4, 8, mode="iht", size=2**40)
