import numpy as np
import pytest
from conftest import scale
from naive_prediction import naive_lambda_return, naive_mc, naive_nstep, naive_td_lambda, naive_true_online_td

from fastfa.features import Fourier, TileCoder
from fastfa.kernels.linear.prediction import (
    ACCUMULATE,
    REPLACE,
    discounted_return,
    linear_v_update,
    td0_update,
    td0_update_batch,
    td_lambda_update,
    true_online_td_update,
    v_value,
)
from fastfa.kernels.linear.prediction_pop import LAMBDA_RETURN, MC, NSTEP, TDL_ACC, TDL_REP, TRUE_ONLINE, episode_update

I2 = np.array([0, 2], np.int64)
ONES = np.ones(2)


def test_hand_td0_and_mc():
    w = np.array([1.0, 2.0, 3.0])
    # v̂(S) = w0 + w2 = 4; v̂(S') = w1 = 2; δ = 1 + 0.5*2 - 4 = -2; w_i += 0.1*(-2) on 0 and 2
    d = td0_update(w, I2, ONES, 1.0, 0.5, np.array([1], np.int64), np.ones(1), 0.1)
    assert d == -2.0 and np.allclose(w, [0.8, 2.0, 2.8])
    # terminal step (γ = 0): target is the reward only
    d = td0_update(w, I2, ONES, 1.0, 0.0, np.array([1], np.int64), np.ones(1), 0.5)
    assert np.isclose(d, 1.0 - 3.6) and np.allclose(w, [0.8 - 1.3, 2.0, 2.8 - 1.3])
    w = np.zeros(3)
    assert linear_v_update(w, I2, np.array([1.0, 2.0]), 2.0, 0.25) == 2.0
    assert np.allclose(w, [0.5, 0, 1.0])
    assert discounted_return(np.array([1.0, 2.0]), 0.5, 4.0) == 1 + 0.5 * 2 + 0.25 * 4
    assert discounted_return(np.zeros(0), 0.9, 3.0) == 3.0


def test_hand_td_lambda_traces():
    w = np.zeros(3)
    z = np.zeros(3)
    # step 1: z = x0 = e0 (+e2); δ = 1; w = α z; z ← γλ z
    td_lambda_update(w, z, I2, ONES, 1.0, 1.0, I2, ONES, 0.5, 0.5, ACCUMULATE)
    assert np.allclose(w, [0.5, 0, 0.5]) and np.allclose(z, [0.5, 0, 0.5])
    z2 = z.copy()
    w2 = w.copy()
    td_lambda_update(w, z, I2, ONES, 0.0, 0.0, I2, ONES, 0.5, 0.5, ACCUMULATE)  # z = 1.5 on 0, 2
    td_lambda_update(w2, z2, I2, ONES, 0.0, 0.0, I2, ONES, 0.5, 0.5, REPLACE)  # z = 1 on 0, 2
    # δ = 0 - 1 = -1: accumulate moves w by -0.75, replace by -0.5; terminal clears z
    assert np.allclose(w, [-0.25, 0, -0.25]) and np.allclose(w2, [0.0, 0, 0.0])
    assert not z.any() and not z2.any()


def _episode(rng, n_states=20, jump=3):
    s, states, rewards = (n_states + 1) // 2, [], []
    while True:
        states.append(s)
        s += int(rng.choice([-1, 1]) * rng.integers(1, jump + 1))
        if s < 1 or s > n_states:
            rewards.append(-1.0 if s < 1 else 1.0)
            return np.array(states), np.array(rewards)
        rewards.append(float(rng.normal() * 0.1))


@pytest.mark.parametrize("feat", ["fourier", "tiles"])
@pytest.mark.parametrize(
    "method, kw",
    [
        (MC, {}),
        (NSTEP, {"n": 1}),
        (NSTEP, {"n": 3}),
        (NSTEP, {"n": 50}),
        (TDL_ACC, {"lam": 0.7}),
        (TDL_REP, {"lam": 0.7}),
        (TRUE_ONLINE, {"lam": 0.7}),
        (TRUE_ONLINE, {"lam": 1.0}),
        (LAMBDA_RETURN, {"lam": 0.6}),
    ],
)
def test_episode_update_matches_naive(feat, method, kw):
    if feat == "fourier" and method == TDL_REP:
        pytest.skip("replacing traces are for binary features")
    rng = np.random.default_rng(method * 10 + kw.get("n", 0))
    n_states = 20
    if feat == "fourier":
        f = Fourier(1, n_states, 4)
        table_v = f.transform_batch(np.clip(np.arange(n_states + 2), 1, n_states).astype(float))
        table_i = np.broadcast_to(np.arange(f.n_features), table_v.shape).copy()
        X = table_v
    else:
        f = TileCoder(1, n_states + 1, 4, 3, mode="iht", size=64)
        table_i = f.indices_batch(np.clip(np.arange(n_states + 2), 1, n_states).astype(float))
        table_v = np.ones(table_i.shape)
        X = np.zeros((n_states + 2, f.n_features))
        for s in range(n_states + 2):
            X[s, table_i[s]] = 1.0
    gamma = 0.9
    alpha = 0.05
    w_k = rng.normal(size=f.n_features) * 0.1
    w_n = w_k.copy()
    z = np.zeros_like(w_k)
    for _ in range(3):
        states, rewards = _episode(rng, n_states)
        T = len(states)
        episode_update(
            method,
            w_k,
            z,
            states,
            rewards,
            T,
            gamma,
            table_i,
            table_v,
            alpha,
            kw.get("n", 1),
            kw.get("lam", 0.0),
            np.empty(T + 1),
        )
        Xe = X[states]
        if method == MC:
            naive_mc(w_n, Xe, rewards, alpha, gamma)
        elif method == NSTEP:
            naive_nstep(w_n, Xe, rewards, alpha, kw["n"], gamma)
        elif method in (TDL_ACC, TDL_REP):
            naive_td_lambda(w_n, Xe, rewards, alpha, kw["lam"], gamma, replacing=method == TDL_REP)
        elif method == TRUE_ONLINE:
            naive_true_online_td(w_n, Xe, rewards, alpha, kw["lam"], gamma)
        else:
            naive_lambda_return(w_n, Xe, rewards, alpha, kw["lam"], gamma)
        assert np.allclose(w_k, w_n, atol=1e-12)


def test_special_cases_coincide():
    rng = np.random.default_rng(9)
    f = Fourier(1, 20, 3)
    V = f.transform_batch(np.clip(np.arange(22), 1, 20).astype(float))
    I = np.broadcast_to(np.arange(4), V.shape).copy()
    states, rewards = _episode(rng)
    T = len(states)

    def run(method, n=1, lam=0.0):
        w = np.full(4, 0.1)
        episode_update(method, w, np.zeros(4), states, rewards, T, 1.0, I, V, 0.1, n, lam, np.empty(T + 1))
        return w

    td0 = run(NSTEP, 1)
    assert np.allclose(run(TDL_ACC, lam=0.0), td0) and np.allclose(run(TRUE_ONLINE, lam=0.0), td0)
    assert np.allclose(run(NSTEP, n=T + 5), run(MC))  # n >= T: the full return
    assert np.allclose(run(LAMBDA_RETURN, lam=1.0), run(MC))


def test_true_online_hand_first_step():
    # first step of an episode: z = x, w += α(δ + V - 0) x - α V x = α δ x
    w = np.array([1.0, 0.0, 1.0])
    z = np.zeros(3)
    d, v_old = true_online_td_update(w, z, I2, ONES, 0.5, 1.0, np.array([1], np.int64), np.ones(1), 0.1, 0.8, 0.0)
    assert d == 0.5 - 2.0 and v_old == 0.0
    assert np.allclose(w, [1 - 0.15, 0, 1 - 0.15]) and np.allclose(z, [0.8, 0, 0.8])


def test_linear_v_update_batch_equals_loop():
    from fastfa.kernels.linear.prediction import linear_v_update_batch

    rng = np.random.default_rng(3)
    I = rng.integers(0, 6, (20, 3)).astype(np.int64)
    V = rng.normal(size=(20, 3))
    U = rng.normal(size=20)
    w1, w2 = np.zeros(6), np.zeros(6)
    out = np.empty(20)
    linear_v_update_batch(w1, I, V, U, 0.1, out)
    errs = [linear_v_update(w2, I[n], V[n], U[n], 0.1) for n in range(20)]
    assert np.array_equal(w1, w2) and np.allclose(out, errs)


def test_td0_batch_and_empty():
    w = np.zeros(4)
    I = np.array([[0], [1], [2]], np.int64)
    V = np.ones((3, 1))
    out = np.empty(3)
    td0_update_batch(w, I, V, np.array([1.0, 0, 0]), np.array([0.0, 1, 1]), I[[1, 2, 0]], V, 0.5, out)
    assert out.tolist() == [1.0, 0.0, 0.5] and w.tolist() == [0.5, 0, 0.25, 0]
    td0_update_batch(w, I[:0], V[:0], np.zeros(0), np.zeros(0), I[:0], V[:0], 0.5, out[:0])
    assert v_value(w, np.zeros(0, np.int64), np.zeros(0)) == 0.0


def test_population_determinism_independence_threads():
    import numba

    from fastfa.experiments._randomwalk import population
    from fastfa.features import StateAggregation

    f = StateAggregation(50, 5, first=1)
    kw = dict(n_runs=3, n_episodes=scale(20, 5), log_at=[1, scale(20, 5)], n_states=50, max_jump=5)
    e1, w1, s1 = population("nstep", f, seed=1, alphas=[0.1, 0.2], ns=[2, 4], **kw)
    e2, w2, s2 = population("nstep", f, seed=1, alphas=[0.2], ns=[4], **kw)
    assert np.array_equal(w1[1], w2[0]) and np.array_equal(e1[1], e2[0])
    e3, w3, _ = population("nstep", f, seed=2, alphas=[0.2], ns=[4], **kw)
    assert not np.array_equal(w3, w2)
    assert not np.array_equal(w1[0, 0], w1[0, 1])  # runs differ
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        e4, w4, s4 = population("nstep", f, seed=1, alphas=[0.1, 0.2], ns=[2, 4], **kw)
    finally:
        numba.set_num_threads(old)
    assert np.array_equal(w4, w1) and s4 == s1


def test_population_equals_sequential_naive():
    from fastfa.experiments._randomwalk import population
    from fastfa.features import StateAggregation
    from fastfa.kernels.envs.randomwalk import randomwalk_episode, randomwalk_params

    f = StateAggregation(30, 30, first=1)
    _, w, _ = population(
        "td_lambda_acc",
        f,
        seed=4,
        n_runs=2,
        alphas=[0.1],
        lams=[0.8],
        n_episodes=5,
        log_at=[5],
        n_states=30,
        max_jump=3,
    )
    params = randomwalk_params(30, 3)
    rng = np.random.default_rng(np.random.SeedSequence(4).spawn(2)[1])
    wn = np.zeros(30)
    st, rw = np.empty(10000, np.int64), np.empty(10000)
    for _ in range(5):
        T = randomwalk_episode(params, rng, st, rw)
        naive_td_lambda(wn, np.eye(32)[st[:T]][:, 1:31], rw[:T], 0.1, 0.8)
    assert np.allclose(w[0, 1], wn)
