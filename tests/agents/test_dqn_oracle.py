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
