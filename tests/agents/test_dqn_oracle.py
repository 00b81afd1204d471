"""DQN against a plain NumPy DQN (tests/naive_mlp.py primitives: forward, backward, TD loss, Adam; no
fastfa kernel on the reference side), float64, update by update, plus the loop's schedule as Stable-
Baselines3 defines it: how many gradient updates by step N, when the target network is synced, the
learning rate at known steps."""

import numpy as np
import pytest

from fastfa.agents import DQN
from fastfa.agents.dqn import DQNConfig
from fastfa.kernels.nn import dqn as K
from fastfa.kernels.nn import mlp as M
from naive_mlp import naive_adam, naive_backward, naive_forward, naive_td_loss


def naive_dqn_update(theta, theta_t, m, v, t, lr, batch, *, double, huber, kappa, max_norm, gamma_disc=None):
    """Mnih et al. (2015) / van Hasselt et al. (2016) target, weighted mean TD loss, torch's norm clip,
    Adam step t with learning rate lr.  Returns (θ, m, v, td errors)."""
    x, a, r, disc, x2, w, sizes = batch
    B = len(a)
    q2t = naive_forward(theta_t, sizes, 0, x2)[0]
    if double:
        boot = q2t[np.arange(B), naive_forward(theta, sizes, 0, x2)[0].argmax(1)]
    else:
        boot = q2t.max(1)
    y = r + disc * boot
    q = naive_forward(theta, sizes, 0, x)[0]
    pred = q[np.arange(B), a]
    _, dpred = naive_td_loss(pred, y, w, 1 if huber else 0, kappa)
    dout = np.zeros_like(q)
    dout[np.arange(B), a] = dpred
    g = naive_backward(theta, sizes, 0, x, dout)
    norm = np.sqrt((g**2).sum())
    if max_norm > 0 and max_norm / (norm + 1e-6) < 1:
        g = g * (max_norm / (norm + 1e-6))
    theta, m, v = naive_adam(theta, g, m, v, t, lr, 0.9, 0.999, 1e-8)
    return theta, m, v, pred - y


@pytest.mark.nojit
@pytest.mark.parametrize("double,huber", [(False, True), (True, False), (True, True)])
def test_dqn_update_steps_vs_numpy(double, huber):
    """Three consecutive updates at env steps 0, 500, 1000 of a 1000-step linear lr decay 1e-2 -> 1e-3:
    lr = 1e-2, 5.5e-3, 1e-3 (then flat), Adam's t = 1, 2, 3."""
    cfg = DQNConfig(
        learning_rate=1e-2,
        learning_rate_end=1e-3,
        lr_decay_steps=1000,
        max_grad_norm=0.5,
        double_dqn=double,
        loss="huber" if huber else "squared",
        huber_kappa=1.0,
        activation="relu",
        adam_beta1=0.9,
        adam_beta2=0.999,
        adam_eps=1e-8,
    )
    hp = cfg.hp_array(500)
    rng = np.random.default_rng(1)
    sizes = np.array([4, 16, 3], np.int64)
    theta = np.empty(M.mlp_n_params(sizes))
    M.mlp_init(theta, sizes, rng)
    theta_t = theta + rng.normal(scale=0.05, size=theta.size)
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    rt, rm, rv = theta.copy(), m.copy(), v.copy()
    cnt = np.zeros(K.N_CNT, np.int64)
    for k, (step, lr) in enumerate([(0, 1e-2), (500, 5.5e-3), (1000, 1e-3)]):
        B = 8
        batch = (
            rng.normal(size=(B, 4)),
            rng.integers(0, 3, B),
            rng.normal(size=B) * 3,
            np.where(rng.random(B) < 0.25, 0.0, 0.99),
            rng.normal(size=(B, 4)),
            rng.uniform(0.3, 1, B),
            sizes,
        )
        cnt[K.C_STEPS] = step
        td = np.empty(B)
        K.dqn_update(theta, theta_t, sizes, *batch[:6], m, v, cnt, hp, td)
        rt, rm, rv, rtd = naive_dqn_update(
            rt, theta_t, rm, rv, k + 1, lr, batch, double=double, huber=huber, kappa=1.0, max_norm=0.5
        )
        assert cnt[K.C_UPDATES] == k + 1
        np.testing.assert_allclose(td, rtd, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(m, rm, rtol=1e-10, atol=1e-16)
        np.testing.assert_allclose(v, rv, rtol=1e-10, atol=1e-18)
        np.testing.assert_allclose(theta, rt, rtol=1e-10, atol=1e-14)


SCHED = dict(
    hidden=(8,),
    learning_starts=20,
    train_freq=4,
    gradient_steps=3,
    target_update_interval=50,
    exploration_steps=100,
    buffer_size=200,
    batch_size=8,
)


def test_number_of_gradient_updates_is_sb3s():
    """SB3: after each env step t (1-based) with t % train_freq == 0 and t > learning_starts, do
    gradient_steps updates.  By N = 203: 3 · #{t ≤ 203: 4 | t, t > 20} = 3 · (50 − 5) = 135."""
    ag = DQN("CartPole-v1", seed=0, **SCHED)
    ag.learn(203)
    want = 3 * sum(1 for t in range(1, 204) if t % 4 == 0 and t > 20)
    assert want == 135 and ag.cnt[K.C_UPDATES] == want and ag.cnt[K.C_STEPS] == 203


def test_target_sync_cadence_and_order():
    """The target copies θ every 50 env steps, *before* that step's gradient updates (SB3 order):
    after 100 steps the target equals θ after 99 steps, and θ has moved since (updates at step 100);
    between syncs the target does not change."""
    a = DQN("CartPole-v1", seed=0, **SCHED)
    a.learn(99)
    b = DQN("CartPole-v1", seed=0, **SCHED)
    b.learn(100)
    np.testing.assert_array_equal(b.theta_target, a.theta)
    assert not np.array_equal(b.theta, a.theta)
    b.learn(49)  # steps 101..149: no sync
    np.testing.assert_array_equal(b.theta_target, a.theta)
    b.learn(1)  # step 150: sync
    np.testing.assert_array_equal(b.theta_target, b.theta)  # 150 % 4 != 0: no update after the sync


FREE = dict(
    hidden=(16,),
    learning_rate=3e-3,
    learning_rate_end=3e-4,
    lr_decay_steps=500,
    learning_starts=64,
    train_freq=4,
    gradient_steps=2,
    target_update_interval=40,
    exploration_initial_eps=1.0,
    exploration_final_eps=0.0,
    exploration_steps=300,
    buffer_size=2000,  # > the run: every transition stays in the buffer, in order
    batch_size=16,
    max_grad_norm=0.1,  # small enough that the clipping acts on most updates
    gamma=0.9,
)


def numpy_dqn_replay(
    theta0, target0, sizes, buf, buf_rng, n_steps, *, double, huber, n_step, greedy_checks, after_phase
):
    """A plain NumPy DQN (Mnih et al. 2015 with SB3's schedule), float64, replayed over the transitions
    the compiled loop stored, drawing its minibatch rows from a copy of the buffer's generator (row
    ⌊u·size⌋ for u ~ U[0, 1), B per gradient step).  Its schedule is its own: the target copies θ every
    C env steps before that step's training phase; after env step t (1-based) with t % train_freq == 0
    and t > learning_starts come gradient_steps Adam updates with lr(t) = lr₀ + min(1, t/D)(lr_end − lr₀);
    n-step targets G = Σ_k γᵏ r_{i+k} + γᴷ max_a q⁻(S', a), the window cut at a termination (no
    bootstrap), a truncation or the newest row.  Before each env step it records, for ε-greedy, whether
    the stored action is the greedy one under its θ (ties within 1e-4 skipped), and after each training
    phase calls ``after_phase(t, θ, θ⁻)``.  Returns (θ, #updates, #syncs, lr of each update)."""
    c = FREE
    theta, target = theta0.astype(np.float64), target0.astype(np.float64)
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    obs, act, rew, nxt, term, trunc = (np.asarray(a) for a in buf)
    B, g = c["batch_size"], c["gamma"]
    updates, syncs, lrs = 0, 0, []
    for t0 in range(n_steps):
        q = naive_forward(theta, sizes, 0, obs[t0][None, :])[0][0]
        top = np.sort(q)[-2:]
        if top[1] - top[0] > 1e-4:
            greedy_checks.append((t0, int(act[t0]) == int(q.argmax())))
        t = t0 + 1  # env steps done, this one stored
        if t % c["target_update_interval"] == 0:
            target, syncs = theta.copy(), syncs + 1
        if t % c["train_freq"] == 0 and t > c["learning_starts"]:
            for _ in range(c["gradient_steps"]):
                rows = np.minimum((buf_rng.random(B) * t).astype(np.int64), t - 1)
                x, a, r, disc, x2 = [], [], [], [], []
                for i in rows:
                    G, k, j = 0.0, 0, i
                    while True:
                        j = i + k
                        G += g**k * float(rew[j])
                        k += 1
                        if term[j]:
                            d = 0.0
                            break
                        if trunc[j] or k == n_step or j == t - 1:
                            d = g**k
                            break
                    x.append(obs[i]), a.append(act[i]), r.append(G), disc.append(d), x2.append(nxt[j])
                lr = c["learning_rate"] + min(1.0, t / c["lr_decay_steps"]) * (
                    c["learning_rate_end"] - c["learning_rate"]
                )
                updates += 1
                lrs.append(lr)
                batch = (np.array(x, np.float64), np.array(a), np.array(r), np.array(disc), np.array(x2, np.float64))
                theta, m, v, _ = naive_dqn_update(
                    theta,
                    target,
                    m,
                    v,
                    updates,
                    lr,
                    (*batch, np.ones(B), sizes),
                    double=double,
                    huber=huber,
                    kappa=1.0,
                    max_norm=c["max_grad_norm"],
                )
            after_phase(t, theta, target)
    return theta, updates, syncs, lrs


@pytest.mark.parametrize("double,huber,n_step", [(False, True, 1), (True, False, 3)])
def test_free_run_vs_numpy_dqn(double, huber, n_step):
    """600 env steps of the compiled CartPole loop (float32, run 4 steps at a time) against the NumPy DQN
    replayed over the same transitions and minibatch rows: 268 Adam updates ((600 − 64)/4 phases × 2),
    15 target syncs, and θ and θ⁻ after every one of the 134 training phases equal within 5e-6
    absolute (float32 arithmetic against float64: the observed gap at the end is 4-5e-7; a target
    interval of 41, lr_end 10% off, a decay one step longer, γ = 0.91 or n + 1 move the final θ by 8e-4
    to 0.13).  ε: while it decays (steps 64-299) the non-greedy share of actions is Σ ε_t / 2 within
    4 standard deviations; from step 300 (ε = 0) every action is greedy.
    """
    import copy

    ag = DQN("CartPole-v1", seed=3, double_dqn=double, loss="huber" if huber else "squared", n_step=n_step, **FREE)
    assert ag.compiled
    theta0, target0, buf_rng = ag.theta.copy(), ag.theta_target.copy(), copy.deepcopy(ag.buffer.rng)
    seen = {}
    for t in range(4, 601, 4):  # the loop carries its episode, buffer and generators over calls
        ag.learn(4)
        seen[t] = (ag.theta.copy(), ag.theta_target.copy())
    b = ag.buffer
    buf = (b.obs, b.actions, b.rewards, b.next_obs, b.terminated, b.truncated)
    checks, phases = [], []

    def compare(t, theta, target):
        phases.append(t)
        np.testing.assert_allclose(seen[t][0], theta, rtol=0, atol=5e-6, err_msg=f"θ after step {t}")
        np.testing.assert_allclose(seen[t][1], target, rtol=0, atol=5e-6, err_msg=f"θ⁻ after step {t}")

    theta, updates, syncs, lrs = numpy_dqn_replay(
        theta0,
        target0,
        ag.sizes,
        buf,
        buf_rng,
        600,
        double=double,
        huber=huber,
        n_step=n_step,
        greedy_checks=checks,
        after_phase=compare,
    )
    assert phases == list(range(68, 601, 4))
    assert updates == 2 * sum(1 for t in range(1, 601) if t % 4 == 0 and t > 64) == 268 == ag.cnt[K.C_UPDATES]
    assert syncs == 15 and lrs[0] == pytest.approx(3e-3 - 68 / 500 * 2.7e-3) and lrs[-1] == pytest.approx(3e-4)
    np.testing.assert_allclose(ag.theta, theta, rtol=0, atol=5e-6)
    late = [ok for t0, ok in checks if t0 >= 300]
    assert len(late) > 250 and all(late), "ε = 0 from step 300: every action greedy"
    mid = [(t0, ok) for t0, ok in checks if 64 <= t0 < 300]
    eps = np.array([1.0 - t0 / 300 for t0, _ in mid])  # ε at the step's start, as the loop uses it
    p = eps / 2  # a random action is the non-greedy one with probability 1/2 (two actions)
    miss = sum(not ok for _, ok in mid)
    assert abs(miss - p.sum()) < 4 * np.sqrt((p * (1 - p)).sum()), (miss, p.sum())
