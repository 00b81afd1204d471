"""Control speed: the fused compiled Mountain Car SARSA loop vs Python loops, in the same run.

    pytest benches/test_bench_control.py --benchmark-enable --benchmark-only -q \
        --benchmark-group-by=group --benchmark-columns=mean,median,rounds

Groups (each pairs fastfa with its baseline; ``extra_info`` holds env steps per second):

* ``mc-sarsa-1core``: one run, 8 tilings, α = 0.5/8, ε = 0, no time limit, 200 episodes
  (~38k steps) in the written-out compiled loop; the generic compiled loop (Q-learning); the
  fastfa ``Sarsa`` agent on gymnasium's ``MountainCar-v0`` (Python loop, compiled kernels); and
  the textbook Python loop: gymnasium's env + the published pure-Python tiles3 with the action
  as an int coordinate, IHT 4096 (tests/naive.py), same algorithm (fewer steps: it is slow).
* ``mc-sarsa-population``: 16 runs x 200 episodes on 1 and on 2 threads.
"""

import time

import gymnasium
import numpy as np
import pytest
from naive import RefIHT, ref_tiles

from fastfa.agents import Sarsa
from fastfa.agents.population import run_population
from fastfa.features import GridTileCoder

BOX = ([-1.2, -0.07], [0.5, 0.07])


def _steps_per_s(benchmark, steps):
    benchmark.extra_info["env_steps"] = int(steps)
    benchmark.extra_info["env_steps_per_s"] = float(steps / benchmark.stats.stats.min)


@pytest.mark.benchmark(group="mc-sarsa-1core")
def test_compiled_written_out_loop(benchmark):
    run_population("MountainCar-v0", "sarsa", alphas=[0.5 / 8], runs=1, episodes=2, threads=1)  # warm-up
    out = {}

    def go():
        out["r"] = run_population("MountainCar-v0", "sarsa", alphas=[0.5 / 8], runs=1, episodes=200, threads=1)

    benchmark.pedantic(go, rounds=5, iterations=1)
    _steps_per_s(benchmark, out["r"]["env_steps"])


@pytest.mark.benchmark(group="mc-sarsa-1core")
def test_compiled_generic_loop_q_learning(benchmark):
    run_population("MountainCar-v0", "q_learning", alphas=[0.5 / 8], runs=1, episodes=2, threads=1)
    out = {}

    def go():
        out["r"] = run_population("MountainCar-v0", "q_learning", alphas=[0.5 / 8], runs=1, episodes=200, threads=1)

    benchmark.pedantic(go, rounds=3, iterations=1)
    _steps_per_s(benchmark, out["r"]["env_steps"])


@pytest.mark.benchmark(group="mc-sarsa-1core")
def test_python_loop_fastfa_agent(benchmark):
    out = {}

    def go():
        ag = Sarsa(
            gymnasium.make("MountainCar-v0", max_episode_steps=100_000), GridTileCoder(*BOX), alpha=0.5 / 8, seed=0
        )
        ag.learn(total_steps=20_000, compiled=False)
        out["n"] = ag.log.total_steps

    benchmark.pedantic(go, rounds=2, iterations=1)
    _steps_per_s(benchmark, out["n"])


def textbook_sarsa(total_steps, seed=0):
    """The widely used Python reproduction: gymnasium env + pure tiles3 (action as int coordinate)."""
    env = gymnasium.make("MountainCar-v0", max_episode_steps=100_000).unwrapped
    iht = RefIHT(4096)
    w = np.zeros(4096)
    alpha = 0.5 / 8
    rng = np.random.default_rng(seed)

    def feats(s, a):
        return ref_tiles(iht, 8, [8 * s[0] / 1.7, 8 * s[1] / 0.14], [a])

    def act(s):
        q = [w[feats(s, a)].sum() for a in range(3)]
        best = np.flatnonzero(q == np.max(q))
        return int(rng.choice(best))

    s, _ = env.reset(seed=seed)
    a = act(s)
    for _ in range(total_steps):
        s2, r, term, _, _ = env.step(a)
        f = feats(s, a)
        if term:
            w[f] += alpha * (r - w[f].sum())
            s, _ = env.reset()
            a = act(s)
            continue
        a2 = act(s2)
        w[f] += alpha * (r + w[feats(s2, a2)].sum() - w[f].sum())
        s, a = s2, a2
    return total_steps


@pytest.mark.benchmark(group="mc-sarsa-1core")
def test_python_loop_textbook_tiles3(benchmark):
    out = {}

    def go():
        out["n"] = textbook_sarsa(5_000)

    benchmark.pedantic(go, rounds=2, iterations=1)
    _steps_per_s(benchmark, out["n"])


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.benchmark(group="mc-sarsa-population")
def test_population_threads(benchmark, threads):
    run_population("MountainCar-v0", "sarsa", alphas=[0.5 / 8], runs=1, episodes=2, threads=1)
    out = {}

    def go():
        out["r"] = run_population("MountainCar-v0", "sarsa", alphas=[0.5 / 8], runs=16, episodes=200, threads=threads)

    benchmark.pedantic(go, rounds=3, iterations=1)
    _steps_per_s(benchmark, out["r"]["env_steps"])


def test_python_agent_matches_compiled_for_bench_setting():
    """The bench's compiled and Python paths compute the same thing (not timed)."""
    a = Sarsa(gymnasium.make("MountainCar-v0", max_episode_steps=100_000), GridTileCoder(*BOX), seed=0)
    b = Sarsa(gymnasium.make("MountainCar-v0", max_episode_steps=100_000), GridTileCoder(*BOX), seed=0)
    a.learn(total_steps=3000, compiled=False)
    b.learn(total_steps=3000, compiled=True)
    np.testing.assert_array_equal(a.w, b.w)
    assert time.perf_counter() > 0
