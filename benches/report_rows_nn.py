"""Replay-buffer and DQN-gradient-step comparisons of ``benches/report.py`` (see report_rows.py)."""

from __future__ import annotations

import time

import numpy as np

from report_lib import Side

N, D = 100_000, 4
_RNG = np.random.default_rng(0)
OBS = _RNG.normal(size=(N, D)).astype(np.float32)
NXT = _RNG.normal(size=(N, D)).astype(np.float32)
ACT = _RNG.integers(0, 2, N)
REW = _RNG.normal(size=N).astype(np.float32)
DONE = _RNG.random(N) < 0.05


def _loop(call):
    def fn(n, r):
        t = time.perf_counter()
        for _ in range(n):
            call()
        return time.perf_counter() - t, n

    return fn


def _fastfa_buf():
    from fastfa.buffers import ReplayBuffer

    buf = ReplayBuffer(N, (D,), seed=0)
    buf.add_batch(OBS, ACT, REW, NXT, DONE)
    return buf


def _cpprb_buf():
    import cpprb

    env_dict = {"obs": {"shape": D}, "act": {"dtype": np.int64}, "rew": {}, "next_obs": {"shape": D}, "done": {}}
    buf = cpprb.ReplayBuffer(N, env_dict)
    buf.add(obs=OBS, act=ACT, rew=REW, next_obs=NXT, done=DONE.astype(np.float32))
    return buf


def _sb3_buf():
    import gymnasium
    from stable_baselines3.common.buffers import ReplayBuffer

    buf = ReplayBuffer(
        N,
        gymnasium.spaces.Box(-np.inf, np.inf, (D,), np.float32),
        gymnasium.spaces.Discrete(2),
        device="cpu",
        handle_timeout_termination=False,
    )
    buf.observations[:, 0] = OBS
    buf.next_observations[:, 0] = NXT
    buf.actions[:, 0, 0] = ACT
    buf.rewards[:, 0] = REW
    buf.dones[:, 0] = DONE
    buf.full = True
    return buf


def _sb3_sample_numpy(buf, b):
    """SB3's ``ReplayBuffer.sample`` up to, not including, the conversion to torch tensors
    (its ``_get_samples`` indexing on NumPy arrays)."""
    idx = np.random.randint(0, buf.buffer_size, size=b)
    env = np.random.randint(0, buf.n_envs, size=b)
    return (
        buf.observations[idx, env, :],
        buf.actions[idx, env, :],
        buf.next_observations[idx, env, :],
        buf.dones[idx, env].reshape(-1, 1),
        buf.rewards[idx, env].reshape(-1, 1),
    )


def row_replay_sample(quick):
    import torch

    torch.set_num_threads(1)
    f, c, s = _fastfa_buf(), _cpprb_buf(), _sb3_buf()
    sides = [
        Side("fastfa `sample(64)`", "fastfa", _loop(lambda: f.sample(64)), 2000),
        Side("cpprb `sample(64)`", "outside", _loop(lambda: c.sample(64)), 1000),
        Side("SB3 `sample(64)` (torch tensors out)", "outside", _loop(lambda: s.sample(64)), 500),
        Side("SB3 sample(64) without the torch conversion", "outside", _loop(lambda: _sb3_sample_numpy(s, 64)), 1000),
    ]
    return "replay `sample(64)` from 100k stored, from Python", "samples/s", sides, ""


def row_replay_add(quick):
    f, c, s = _fastfa_buf(), _cpprb_buf(), _sb3_buf()
    one = (OBS[0], 1, 0.5, NXT[0], False)
    sides = [
        Side("fastfa `add` (one transition)", "fastfa", _loop(lambda: f.add(*one)), 5000),
        Side(
            "cpprb `add` (one transition)",
            "outside",
            _loop(lambda: c.add(obs=one[0], act=1, rew=0.5, next_obs=one[3], done=0.0)),
            1000,
        ),
        Side(
            "SB3 `add` (one transition)",
            "outside",
            _loop(lambda: s.add(one[0], one[3], np.array([1]), np.array([0.5]), np.array([False]), [{}])),
            1000,
        ),
    ]
    return "replay `add` of one transition, from Python", "transitions/s", sides, ""


def row_replay_add_batch(quick):
    f, c = _fastfa_buf(), _cpprb_buf()
    o, o2 = OBS[:256], NXT[:256]
    a, rw, d = ACT[:256], REW[:256], DONE[:256]
    d32 = d.astype(np.float32)
    sides = [
        Side("fastfa `add_batch` of 256", "fastfa", _batch(lambda: f.add_batch(o, a, rw, o2, d)), 200),
        Side(
            "cpprb `add` of 256 at once",
            "outside",
            _batch(lambda: c.add(obs=o, act=a, rew=rw, next_obs=o2, done=d32)),
            200,
        ),
    ]
    return "replay add of 256 transitions in one call, from Python", "transitions/s", sides, ""


def _batch(call):
    def fn(n, r):
        t = time.perf_counter()
        for _ in range(n):
            call()
        return time.perf_counter() - t, 256 * n

    return fn


# ------------------------------------------------------------------ one DQN gradient step
def _batch64(b=64, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(b, 4)).astype(np.float32),
        rng.integers(0, 2, b),
        np.ones(b, np.float32),
        rng.normal(size=(b, 4)).astype(np.float32),
        rng.random(b) < 0.05,
    )


def fastfa_step(hidden, b=64):
    """``fn(n, r)``: n calls of fastfa's compiled DQN update (Huber, clip 10, Adam, target forward)."""
    from fastfa.agents.dqn import DQNConfig
    from fastfa.kernels.nn import dqn as K

    sizes = np.array([4, *hidden, 2], np.int64)
    theta = np.empty(K.mlp_n_params(sizes), np.float32)
    K.mlp_init(theta, sizes, np.random.default_rng(0))
    tt, m, v = theta.copy(), np.zeros_like(theta), np.zeros_like(theta)
    x, a, r, x2, d = _batch64(b)
    disc = np.where(d, 0.0, 0.99).astype(np.float32)
    w, td = np.ones(b, np.float32), np.empty(b, np.float32)
    cnt = np.zeros(K.N_CNT, np.int64)
    hp = DQNConfig(double_dqn=False, learning_rate=1e-4).hp_array(500)
    args = (theta, tt, sizes, x, a, r, disc, x2, w, m, v, cnt, hp, td)
    K.dqn_update(*args)
    return _loop(lambda: K.dqn_update(*args))


def torch_step(hidden, b=64, threads=1, fused=False, compiled=False):
    """``fn(n, r)``: the same step in torch (eager or ``torch.compile``; Adam plain or fused)."""
    import torch

    nn = torch.nn
    torch.set_num_threads(threads)

    def mk():
        layers, w0 = [], 4
        for h in hidden:
            layers += [nn.Linear(w0, h), nn.ReLU()]
            w0 = h
        return nn.Sequential(*layers, nn.Linear(w0, 2))

    q, qt = mk(), mk()
    qt.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=1e-4, fused=fused or None)
    x, a, r, x2, d = (torch.as_tensor(t) for t in _batch64(b))
    a = a.long().reshape(-1, 1)
    r, d = r.reshape(-1, 1), d.float().reshape(-1, 1)

    def loss_fn():
        with torch.no_grad():
            y = r + (1 - d) * 0.99 * qt(x2).max(dim=1)[0].reshape(-1, 1)
        return torch.nn.functional.smooth_l1_loss(torch.gather(q(x), 1, a), y)

    if compiled:
        loss_fn = torch.compile(loss_fn)

    def step():
        loss = loss_fn()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(q.parameters(), 10.0, foreach=True)
        opt.step()

    for _ in range(3):
        step()
    return _loop(step)


def setup(args):
    """Worker entry (report_worker.py): ``H1,H2 THREADS FUSED`` -> torch's step in its own process,
    so its thread count does not change the parent's."""
    hidden = tuple(int(h) for h in args[0].split(","))
    return torch_step(hidden, threads=int(args[1]), fused=args[2] == "1"), {}


def torch_worker(hidden, threads, fused):
    import sys

    from report_lib import Worker

    return Worker(sys.executable, "report_rows_nn", ",".join(map(str, hidden)), str(threads), "1" if fused else "0")


def row_dqn_step(quick, hidden=(64, 64)):
    sides = [
        Side("fastfa compiled step, 1 thread", "fastfa", fastfa_step(hidden), 2000),
        Side("torch eager, Adam, 1 thread", "outside", torch_step(hidden), 200),
        Side("torch eager, fused Adam, 1 thread", "outside", torch_step(hidden, fused=True), 200),
        Side("torch eager, fused Adam, 2 threads (own process)", "outside", torch_worker(hidden, 2, True), 20),
    ]
    if not quick:
        try:
            sides.append(
                Side(
                    "torch.compile forward+loss, fused Adam, 1 thread",
                    "outside",
                    torch_step(hidden, fused=True, compiled=True),
                    200,
                )
            )
        except Exception as e:  # noqa: BLE001 - a compiler missing on the machine is a result, not a crash
            print(f"torch.compile unavailable: {e!r}")
    net = "-".join(str(h) for h in (4, *hidden, 2))
    return (
        f"one DQN gradient step, {net}, batch 64",
        "steps/s",
        sides,
        "Huber, grad-norm clip 10, Adam, target-network forward; same batch every call.",
    )


def row_dqn_step_256(quick):
    return row_dqn_step(quick, (256, 256))
