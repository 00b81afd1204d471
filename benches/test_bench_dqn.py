"""One DQN gradient step (batch 64, Huber, Adam, target-network forward, grad-norm clip 10):
fastfa's compiled kernel vs the same step in torch (CPU, 1 thread) and SB3's ``DQN.train``.

    pytest benches/test_bench_dqn.py --benchmark-enable --benchmark-only \
        --benchmark-group-by=group --benchmark-columns=mean,median,ops

Baselines are skipped when torch / stable-baselines3 are not installed
(``pip install torch==2.13.0`` then ``pip install stable-baselines3==2.9.2``).
"""

import numpy as np
import pytest

from fastfa.agents.dqn import DQNConfig
from fastfa.kernels.nn import dqn as K

B = 64
NETS = {"4-64-64-2": (64, 64), "4-256-256-2": (256, 256)}


def _batch(seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(B, 4)).astype(np.float32),
        rng.integers(0, 2, B),
        np.ones(B, np.float32),
        rng.normal(size=(B, 4)).astype(np.float32),
        rng.random(B) < 0.05,
    )


@pytest.mark.parametrize("net", NETS)
def test_dqn_step_fastfa(benchmark, net):
    benchmark.group = f"DQN gradient step {net}, batch 64"
    sizes = np.array([4, *NETS[net], 2], np.int64)
    theta = np.empty(K.mlp_n_params(sizes), np.float32)
    K.mlp_init(theta, sizes, np.random.default_rng(0))
    tt, m, v = theta.copy(), np.zeros_like(theta), np.zeros_like(theta)
    x, a, r, x2, d = _batch()
    disc = np.where(d, 0.0, 0.99).astype(np.float32)
    w, td = np.ones(B, np.float32), np.empty(B, np.float32)
    cnt = np.zeros(K.N_CNT, np.int64)
    hp = DQNConfig(double_dqn=False, learning_rate=1e-4).hp_array(500)
    K.dqn_update(theta, tt, sizes, x, a, r, disc, x2, w, m, v, cnt, hp, td)
    benchmark(K.dqn_update, theta, tt, sizes, x, a, r, disc, x2, w, m, v, cnt, hp, td)


@pytest.mark.parametrize("net", NETS)
def test_dqn_step_torch(benchmark, net):
    torch = pytest.importorskip("torch")
    benchmark.group = f"DQN gradient step {net}, batch 64"
    torch.set_num_threads(1)
    h1, h2 = NETS[net]
    nn = torch.nn

    def mk():
        return nn.Sequential(nn.Linear(4, h1), nn.ReLU(), nn.Linear(h1, h2), nn.ReLU(), nn.Linear(h2, 2))

    q, qt = mk(), mk()
    qt.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=1e-4)
    x, a, r, x2, d = (torch.as_tensor(t) for t in _batch())
    a = a.long().reshape(-1, 1)
    r, d = r.reshape(-1, 1), d.float().reshape(-1, 1)

    def step():
        with torch.no_grad():
            nq = qt(x2).max(dim=1)[0].reshape(-1, 1)
            y = r + (1 - d) * 0.99 * nq
        cur = torch.gather(q(x), 1, a)
        loss = torch.nn.functional.smooth_l1_loss(cur, y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(q.parameters(), 10.0)
        opt.step()

    step()
    benchmark(step)


@pytest.mark.parametrize("net", NETS)
def test_dqn_step_sb3(benchmark, net):
    """SB3 DQN.train(gradient_steps=1): sampling its replay buffer + the torch step + logging."""
    torch = pytest.importorskip("torch")
    sb3 = pytest.importorskip("stable_baselines3")
    benchmark.group = f"DQN gradient step {net}, batch 64"
    torch.set_num_threads(1)
    model = sb3.DQN(
        "MlpPolicy",
        "CartPole-v1",
        policy_kwargs={"net_arch": list(NETS[net])},
        batch_size=B,
        learning_starts=0,
        buffer_size=100_000,
        device="cpu",
        seed=0,
    )
    model.learn(2_000)  # fills the buffer and builds everything
    benchmark(model.train, 1, B)
