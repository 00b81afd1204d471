"""The agent contract, for every agent class in the registry (fastfa.agents.registry).

Agent(env, features=None, *, config=None, seed=None, **overrides); learn -> self; predict (one obs or
a batch); evaluate; save -> load -> predict identical; load -> learn continues; budgets validated;
checkpoints resume exactly.  Budgets are tiny: this file is about the shape, not about learning.
"""

import warnings

import numpy as np
import pytest
from conftest import JIT_DISABLED, scale

from fastfa.agents import registry
from fastfa.agents._contract import EvalResult
from fastfa.loop import EpisodeLog

SMALL = {  # per-agent options that keep the runs short
    "dqn": dict(hidden=(8,), learning_starts=50, train_freq=16, gradient_steps=2, buffer_size=1000, batch_size=16),
    "a2c-mlp": dict(hidden=(8,), n_envs=2),
    "a2c": dict(n_envs=2),
}
ENVS = {
    "control": "MountainCar-v0",
    "prediction": "fastfa/RandomWalk1000-v0",
    "policy-gradient": "MountainCar-v0",
    "deep": "CartPole-v1",
}
OBS = {
    "MountainCar-v0": np.array([[-0.5, 0.0], [0.2, 0.03], [-1.1, -0.05]]),
    "fastfa/RandomWalk1000-v0": np.array([3, 500, 998]),
    "CartPole-v1": np.array([[0.0, 0.1, 0.02, -0.1], [0.5, -0.3, -0.1, 0.4], [-1.0, 0.0, 0.15, 0.2]], np.float32),
}
NAMES = registry.names()


def make(name, seed=0):
    e = registry.entry(name)
    return e.load()(ENVS[e.family], seed=seed, **SMALL.get(name, {})), OBS[ENVS[e.family]]


def same(a, b):
    return np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("name", NAMES)
def test_learn_save_load_predict_evaluate(name, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the contract form warns about nothing
        agent, obs = make(name)
        assert agent.learn(total_steps=scale(400, 100)) is agent
    assert isinstance(agent.log, EpisodeLog) and agent.log.total_steps >= scale(400, 100)
    batch = agent.predict(obs)
    assert len(batch) == len(obs) and same(batch, [agent.predict(o) for o in obs])
    path = agent.save(tmp_path / name)
    loaded = type(agent).load(path)
    assert same(loaded.predict(obs), batch)
    assert loaded.log.total_steps == agent.log.total_steps
    res = agent.evaluate(episodes=2, seed=0)
    assert isinstance(res, EvalResult) and len(res.returns) == 2 and np.all(res.lengths > 0)
    assert res.mean_return == pytest.approx(np.mean(res.returns))
    assert loaded.learn(total_steps=50) is loaded and loaded.log.total_steps >= agent.log.total_steps + 50


BAD_BUDGETS = [
    (None, ValueError),
    (-1, ValueError),
    (0, ValueError),
    (2**63, ValueError),
    (1.5, TypeError),
    (True, TypeError),
    (np.float64(3), TypeError),
    ("", TypeError),
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_bad_budgets_are_rejected(name):
    agent, _ = make(name)
    for bad, err in BAD_BUDGETS:
        with pytest.raises(err, match="total_steps|budget"):
            agent.learn(total_steps=bad)
        with pytest.raises(ValueError if isinstance(bad, str) else err, match="total_steps|budget|env"):
            agent.learn(bad)  # a positional str is the deprecated learn(env_id) form
    with pytest.raises((ValueError, TypeError), match="checkpoint"):
        agent.learn(total_steps=10, checkpoint_every=0, checkpoint_path="x")
    with pytest.raises(ValueError, match="checkpoint"):
        agent.learn(total_steps=10, checkpoint_every=5)
    assert agent.log.total_steps == 0  # nothing ran


@pytest.mark.parametrize("name", NAMES)
def test_bad_options_name_the_field(name):
    cls = registry.get(name)
    env = ENVS[registry.entry(name).family]
    with pytest.raises(TypeError, match="no_such_option"):
        cls(env, no_such_option=1)
    field = "learning_rate" if registry.entry(name).family == "deep" else "gamma"
    with pytest.raises(ValueError, match=field):
        cls(env, **{field: -3.0})


def test_unbounded_box_asks_for_features():
    from fastfa.agents import Sarsa

    with pytest.raises(ValueError, match="features="):
        Sarsa("CartPole-v1")


@pytest.mark.parametrize("name", ["sarsa", "sarsa-lambda", "td0", "reinforce", "actor-critic"])
def test_checkpoint_resume_equals_uninterrupted_run(name, tmp_path):
    """Interrupt learn (Ctrl-C inside a callback), load the last checkpoint in a fresh agent and finish:
    same weights, log and generator states as one uninterrupted learn."""
    n = scale(2000, 600)
    full, _ = make(name, seed=3)
    full.learn(total_steps=n)
    ckpt = tmp_path / "ckpt.npz"

    def interrupt(info):
        if info["total_steps"] > 0.6 * n:
            raise KeyboardInterrupt

    cut, _ = make(name, seed=3)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        cut.learn(total_steps=n, checkpoint_every=n // 7, checkpoint_path=ckpt, callback=interrupt)
    resumed = type(cut).load(ckpt)
    assert resumed.log.total_steps < n
    resumed.learn()  # no budget: finish the interrupted learn
    for k in ("w", "approx", "policy"):
        if hasattr(full, k):
            a, b = getattr(full, k), getattr(resumed, k)
            a, b = (getattr(a, "w", a), getattr(b, "w", b))
            a, b = (getattr(a, "theta", a), getattr(b, "theta", b))
            assert same(a, b), k
    assert full.log.returns == resumed.log.returns and full.log.lengths == resumed.log.lengths
    assert full.log.total_steps == resumed.log.total_steps
    assert full.rng.bit_generator.state == resumed.rng.bit_generator.state


@pytest.mark.skipif(JIT_DISABLED, reason="a process test; the kernels are covered by the in-process resume tests")
def test_killed_process_resumes_from_its_last_checkpoint(tmp_path):
    """SIGKILL a training process mid-run; the last checkpoint, loaded here and finished, equals one
    uninterrupted learn (compiled loop, per-episode checkpoints)."""
    import signal
    import subprocess
    import sys

    from fastfa.agents import Sarsa

    ckpt = tmp_path / "ckpt.npz"
    script = (
        "import os, signal\n"
        "from fastfa.agents import Sarsa\n"
        "def die(info):\n"
        "    if info['total_steps'] > 1500:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        f"Sarsa('MountainCar-v0', seed=4).learn(total_steps=3000, checkpoint_every=500, "
        f"checkpoint_path={str(ckpt)!r}, callback=die)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    resumed = Sarsa.load(ckpt)
    assert 500 <= resumed.log.total_steps <= 1500
    resumed.learn()
    full = Sarsa("MountainCar-v0", seed=4).learn(total_steps=3000)
    assert same(full.w, resumed.w) and full.log.lengths == resumed.log.lengths
    assert full.log.total_steps == resumed.log.total_steps == 3000


def test_dqn_python_loop_checkpoint_resumes_exactly(tmp_path):
    """DQN in the Python loop (compiled=False) checkpoints at episode ends, buffer and env generator included."""
    from fastfa.agents import DQN

    kw = dict(SMALL["dqn"], compiled=False, seed=6)
    n = scale(1500, 300)
    full = DQN("CartPole-v1", **kw).learn(total_steps=n)
    ckpt = tmp_path / "ckpt.npz"

    def interrupt(info):
        if info["total_steps"] > n // 2:
            raise KeyboardInterrupt

    with pytest.warns(RuntimeWarning, match="interrupted"):
        DQN("CartPole-v1", **kw).learn(total_steps=n, checkpoint_every=n // 5, checkpoint_path=ckpt, callback=interrupt)
    resumed = DQN.load(ckpt)
    assert not resumed.compiled and 0 < resumed.num_timesteps <= n // 2
    resumed.learn()
    assert same(full.theta, resumed.theta) and same(full.adam_v, resumed.adam_v)
    assert full.log.returns == resumed.log.returns and full.num_timesteps == resumed.num_timesteps


@pytest.mark.parametrize("name", ["dqn", "a2c-mlp"])
def test_checkpoint_resume_of_compiled_deep_agents(name, tmp_path):
    """Checkpoints of DQN / A2CMLP (written between chunks of the compiled loop, replay buffer included)
    resume exactly: the network, the optimiser state and the log equal one uninterrupted learn."""
    n, every = scale(1200, 240), scale(400, 80)
    full, _ = make(name, seed=5)
    full.learn(total_steps=n)
    ckpt = tmp_path / "ckpt.npz"
    cut, _ = make(name, seed=5)
    cut.learn(
        total_steps=n,
        checkpoint_every=every,
        checkpoint_path=ckpt,
        callback=lambda info: info["total_steps"] < 1.5 * every,
    )  # stops after chunk 2, before its checkpoint
    resumed = type(cut).load(ckpt)
    assert resumed.num_timesteps == every and resumed.learn() is resumed
    for k in ("theta", "theta_pi", "theta_v", "adam_m", "rms_pi"):
        if hasattr(full, k):
            assert same(getattr(full, k), getattr(resumed, k)), k
    assert full.log.returns == resumed.log.returns and full.log.total_steps == resumed.log.total_steps


def test_dqn_evaluate_gives_the_compiled_evaluation_numbers():
    """DQN.evaluate (a gymnasium loop) returns what the compiled greedy evaluation returns for the same
    seed, and adds the lengths (CartPole: +1 per step, so lengths == returns)."""
    agent, _ = make("dqn", seed=0)
    agent.learn(total_steps=scale(2000, 200))
    res = agent.evaluate(episodes=4, seed=123)
    out = agent.evaluate_returns(4, seed=123)
    assert same(res.returns, out) and same(res.lengths, out)


@pytest.mark.parametrize("name", ["sarsa", "sarsa-lambda", "n-step-sarsa"])
def test_per_episode_callback_keeps_the_compiled_loop(name, monkeypatch):
    """A callback (and a progress bar) runs the fused loop episode by episode: the same infos, weights
    and log as the Python loop, and the Python loop is not used."""
    import fastfa.agents._control_base as control

    def infos(compiled):
        seen = []
        agent, _ = make(name, seed=2)
        agent.learn(total_steps=scale(1500, 500), callback=seen.append, progress=compiled, compiled=compiled)
        return agent, seen

    py, seen_py = infos(False)
    monkeypatch.setattr(control, "run", None)  # the compiled path must not fall back to fastfa.loop.run
    comp, seen_comp = infos(True)
    assert seen_py == seen_comp and len(seen_py) >= 2
    assert same(py.w, comp.w) and py.log.lengths == comp.log.lengths


def test_callback_stops_training():
    from fastfa.agents import Sarsa

    seen = []
    agent = Sarsa("MountainCar-v0", seed=0).learn(episodes=10, callback=lambda i: seen.append(i) or len(seen) < 3)
    assert agent.log.n_episodes == 3 and seen[-1]["episode"] == 3


def test_policy_function_inside_user_numba_code():
    from numba import njit

    from fastfa.agents import Sarsa

    agent = Sarsa("MountainCar-v0", seed=0).learn(episodes=2)
    pi = agent.policy_function()

    @njit
    def actions(obs):
        out = np.empty(obs.shape[0], np.int64)
        for k in range(obs.shape[0]):
            out[k] = pi(obs[k])
        return out

    obs = OBS["MountainCar-v0"]
    assert same(actions(obs), agent.predict(obs))


def test_old_forms_warn_and_show_the_new_form():
    from fastfa.agents import TD0, Reinforce, Sarsa
    from fastfa.features import GridTileCoder, StateAggregation

    with pytest.warns(DeprecationWarning, match=r"Sarsa\(env, features"):
        Sarsa(GridTileCoder([-1.2, -0.07], [0.5, 0.07]), 3)
    with pytest.warns(DeprecationWarning, match=r"TD0\(env, features"):
        TD0(StateAggregation(1000, 10, first=1))
    agent = Sarsa("MountainCar-v0", seed=0)
    with pytest.warns(DeprecationWarning, match=r"learn\(total_steps=N\)"):
        agent.learn("MountainCar-v0", episodes=1)
    import gymnasium

    with pytest.warns(DeprecationWarning, match=r"Reinforce\(env, features"):
        Reinforce(StateAggregation(4, 4), gymnasium.spaces.Discrete(2))


def test_reinforce_batch_checkpoint_resumes_mid_batch(tmp_path):
    """REINFORCE with n_rollouts > 1 saved between two updates keeps the gradients summed so far:
    the resumed run equals the uninterrupted one (it would differ if the half batch were lost)."""
    from fastfa.agents import Reinforce

    n = scale(3000, 900)

    def agent():
        return Reinforce("MountainCar-v0", seed=3, n_rollouts=3, alpha=1e-4, gamma=0.99)

    full = agent().learn(total_steps=n)
    ckpt = tmp_path / "ckpt.npz"
    cut_at = {}

    def interrupt(info):
        if info["episode"] == 5:  # the last checkpoint: after episode 4, one into the second batch of 3
            cut_at["steps"] = info["total_steps"]
            raise KeyboardInterrupt

    cut = agent()
    with pytest.warns(RuntimeWarning, match="interrupted"):
        cut.learn(total_steps=n, checkpoint_every=1, checkpoint_path=ckpt, callback=interrupt)
    resumed = Reinforce.load(ckpt)
    assert resumed._n_eps == 1 and resumed.log.n_episodes == 4
    resumed.learn()
    assert same(full.policy.theta, resumed.policy.theta)
    assert full.log.lengths == resumed.log.lengths and full.rng.bit_generator.state == resumed.rng.bit_generator.state
