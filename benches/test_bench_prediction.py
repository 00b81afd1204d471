"""Linear prediction on the random walk and the feature kernels: fastfa vs plain NumPy/Python.

    pytest benches/test_bench_prediction.py --benchmark-enable --benchmark-only \
        --benchmark-group-by=group --benchmark-columns=mean,median,ops

Each group pairs fastfa with the plain reference (tests/naive_*.py: per-step NumPy
dot products and a Python episode loop, the way textbook code is usually written).
Population benches record ``extra_info["env_steps"]`` so per-step costs can be compared
(see benches/prediction.md).
"""

import numpy as np
from naive_features import naive_tile_hash  # noqa: F401  (import check)
from naive_prediction import naive_mc, naive_nstep, naive_randomwalk_episode, naive_true_online_td

import fastfa
import fastfa.tiles3 as t3
from fastfa.experiments._randomwalk import feature_table, population
from fastfa.features import Fourier, StateAggregation, TileCoder


def _dense_table(feats, n_states=1000):
    idx, val = feature_table(feats, n_states)
    X = np.zeros((n_states + 2, feats.n_features))
    for s in range(n_states + 2):
        np.add.at(X[s], idx[s], val[s])
    return X


def _baseline(method, X, episodes, seed, n_states=1000, jump=100, **kw):
    rng = np.random.default_rng(seed)
    w = np.zeros(X.shape[1])
    steps = 0
    for _ in range(episodes):
        states, rewards = naive_randomwalk_episode(rng, n_states, jump, (n_states + 1) // 2)
        rewards = np.array(rewards)
        steps += len(states)
        if method == "mc":
            naive_mc(w, X[states], rewards, kw["alpha"])
        elif method == "nstep":
            naive_nstep(w, X[states], rewards, kw["alpha"], kw["n"])
        else:
            naive_true_online_td(w, X[states], rewards, kw["alpha"], kw["lam"])
    return steps


# ------------------------------------------------------------ Fig 9.5 cell: gradient MC, Fourier order 5
def test_fig95_gradient_mc_fastfa(benchmark):
    benchmark.group = "Fig 9.5: gradient MC, Fourier order 5 (per env step: see extra_info)"
    f = Fourier(1, 1000, 5)
    population("mc", f, seed=0, n_runs=2, alphas=[5e-5], n_episodes=2, log_at=[2])  # warm up

    def go():
        return population("mc", f, seed=0, n_runs=30, alphas=[5e-5], n_episodes=500, log_at=[100, 500])[2]

    benchmark.extra_info["env_steps"] = benchmark.pedantic(go, rounds=3, iterations=1)


def test_fig95_gradient_mc_numpy(benchmark):
    benchmark.group = "Fig 9.5: gradient MC, Fourier order 5 (per env step: see extra_info)"
    X = _dense_table(Fourier(1, 1000, 5))
    benchmark.extra_info["env_steps"] = benchmark.pedantic(
        lambda: _baseline("mc", X, 20, 0, alpha=5e-5), rounds=3, iterations=1
    )


# ------------------------------------------------------------ Fig 9.2 right: n-step TD, 20 groups
def test_fig92_nstep_fastfa(benchmark):
    benchmark.group = "Fig 9.2: 4-step TD, 20 groups (per env step: see extra_info)"
    f = StateAggregation(1000, 20, first=1)

    def go():
        return population(
            "nstep",
            f,
            seed=0,
            n_runs=100,
            alphas=[0.4],
            ns=[4],
            n_episodes=10,
            log_at=np.arange(1, 11),
            weights="uniform",
        )[2]

    go()
    benchmark.extra_info["env_steps"] = benchmark.pedantic(go, rounds=3, iterations=1)


def test_fig92_nstep_numpy(benchmark):
    benchmark.group = "Fig 9.2: 4-step TD, 20 groups (per env step: see extra_info)"
    X = _dense_table(StateAggregation(1000, 20, first=1))
    benchmark.extra_info["env_steps"] = benchmark.pedantic(
        lambda: _baseline("nstep", X, 20, 0, alpha=0.4, n=4), rounds=3, iterations=1
    )


# ------------------------------------------------------------ Fig 12.8: true online TD(λ), 19 states
def test_fig128_true_online_fastfa(benchmark):
    benchmark.group = "Fig 12.8: true online TD(0.8), 19 states (per env step: see extra_info)"
    f = StateAggregation(19, 19, first=1)

    def go():
        return population(
            "true_online",
            f,
            seed=0,
            n_runs=100,
            alphas=[0.4],
            lams=[0.8],
            n_episodes=10,
            log_at=np.arange(1, 11),
            weights="uniform",
            n_states=19,
            max_jump=1,
        )[2]

    go()
    benchmark.extra_info["env_steps"] = benchmark.pedantic(go, rounds=3, iterations=1)


def test_fig128_true_online_numpy(benchmark):
    benchmark.group = "Fig 12.8: true online TD(0.8), 19 states (per env step: see extra_info)"
    X = _dense_table(StateAggregation(19, 19, first=1), 19)
    benchmark.extra_info["env_steps"] = benchmark.pedantic(
        lambda: _baseline("true_online", X, 20, 0, n_states=19, jump=1, alpha=0.4, lam=0.8), rounds=3, iterations=1
    )


# ------------------------------------------------------------ features
OBS = np.random.default_rng(0).uniform([-1.2, -0.07], [0.6, 0.07], (1000, 2))


def test_tilecoder_batch_fastfa(benchmark):
    benchmark.group = "TileCoder: 1000 states, 2-D, 8 tilings, IHT"
    tc = TileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8, mode="iht", size=4096)
    tc.indices_batch(OBS)
    benchmark(tc.indices_batch, OBS)


def test_tilecoder_batch_tiles3_cython_loop(benchmark):
    benchmark.group = "TileCoder: 1000 states, 2-D, 8 tilings, IHT"
    iht = t3.IHT(4096)
    sc = (OBS - [-1.2, -0.07]) * (8 / np.array([1.8, 0.14]))
    rows = sc.tolist()
    benchmark(lambda: [t3.tiles(iht, 8, r) for r in rows])


def test_tilecoder_batch_pure_tiles3_loop(benchmark):
    benchmark.group = "TileCoder: 1000 states, 2-D, 8 tilings, IHT"
    from naive import RefIHT, ref_tiles

    iht = RefIHT(4096)
    sc = (OBS - [-1.2, -0.07]) * (8 / np.array([1.8, 0.14]))
    rows = sc.tolist()
    benchmark(lambda: [ref_tiles(iht, 8, r) for r in rows])


def test_fourier_batch_fastfa(benchmark):
    benchmark.group = "Fourier order 5, 2-D (36 features), 1000 states"
    f = Fourier([-1.2, -0.07], [0.6, 0.07], 5)
    f.transform_batch(OBS)
    benchmark(f.transform_batch, OBS)


def test_fourier_batch_numpy(benchmark):
    benchmark.group = "Fourier order 5, 2-D (36 features), 1000 states"
    C = Fourier([-1.2, -0.07], [0.6, 0.07], 5).frequencies.astype(float)
    lo, hi = np.array([-1.2, -0.07]), np.array([0.6, 0.07])
    benchmark(lambda: np.cos(np.pi * (np.clip((OBS - lo) / (hi - lo), 0, 1) @ C.T)))


# ------------------------------------------------------------ Python-loop agent
def test_td0_agent_python_loop_fastfa(benchmark):
    benchmark.group = "TD(0) agent, RandomWalk1000, Python loop (20 ep.) vs compiled (2000 ep.)"
    from fastfa.agents import TD0

    def go():
        a = TD0(fastfa.make("fastfa/RandomWalk1000-v0"), StateAggregation(1000, 10, first=1), alpha=2e-4, seed=0).learn(
            episodes=20
        )
        return a.log.total_steps

    go()
    benchmark.extra_info["env_steps"] = benchmark.pedantic(go, rounds=3, iterations=1)


def test_td0_agent_python_loop_numpy(benchmark):
    benchmark.group = "TD(0) agent, RandomWalk1000, Python loop (20 ep.) vs compiled (2000 ep.)"

    def go():
        env = fastfa.make("fastfa/RandomWalk1000-v0")
        w = np.zeros(10)
        steps = 0
        for e in range(20):
            s, _ = env.reset(seed=0 if e == 0 else None)
            while True:
                s1, r, term, trunc, _ = env.step(0)
                x = np.zeros(10)
                x[(s - 1) // 100] = 1
                v1 = 0.0
                if not term:
                    x1 = np.zeros(10)
                    x1[(s1 - 1) // 100] = 1
                    v1 = w @ x1
                w += 2e-4 * (r + v1 - w @ x) * x
                steps += 1
                s = s1
                if term:
                    break
        return steps

    benchmark.extra_info["env_steps"] = benchmark.pedantic(go, rounds=3, iterations=1)


def test_td0_agent_compiled_fastfa(benchmark):
    benchmark.group = "TD(0) agent, RandomWalk1000, Python loop (20 ep.) vs compiled (2000 ep.)"
    from fastfa.agents import TD0

    env = fastfa.make("fastfa/RandomWalk1000-v0")

    def go():
        a = TD0(env, StateAggregation(1000, 10, first=1), alpha=2e-4, seed=0).learn(episodes=2000, compiled=True)
        return a.log.total_steps

    go()
    benchmark.extra_info["env_steps"] = benchmark.pedantic(go, rounds=3, iterations=1)
