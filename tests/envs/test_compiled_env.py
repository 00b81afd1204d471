"""fastfa.envs.CompiledEnv: a user's three jitted functions as a gymnasium env and inside the fused loops."""

import math

import gymnasium
import numba
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env
from fastfa.envs.examples import user_mountain_car

from fastfa.agents import NStepSarsa, Sarsa, SarsaLambda
from fastfa.agents.population import TileSpec, run_population
from fastfa.envs import CompiledEnv, check_compiled_env
from fastfa.features import GridTileCoder

BOX = ((-1.2, -0.07), (0.5, 0.07))


def _tiles():
    return GridTileCoder(*BOX, 8, 8)


def test_user_env_is_a_gymnasium_env_and_matches_gymnasium_step_for_step():
    env = user_mountain_car()
    check_env(env, skip_render_check=True)
    gym = gymnasium.make("MountainCar-v0").unwrapped
    rng = np.random.default_rng(5)
    for ep in range(3):
        o1, _ = env.reset(seed=ep)
        o2, _ = gym.reset(seed=ep)
        np.testing.assert_array_equal(o1, o2)
        assert o1.dtype == np.float32
        for t in range(300):
            a = int(rng.integers(3))
            o1, r1, te1, tr1, _ = env.step(a)
            o2, r2, te2, tr2, _ = gym.step(a)
            np.testing.assert_array_equal(o1, o2)
            assert (r1, te1) == (r2, te2)
            if te1:
                break


def test_max_episode_steps_truncates():
    env = user_mountain_car(max_steps=7)
    env.reset(seed=0)
    flags = [env.step(1)[3] for _ in range(7)]
    assert flags == [False] * 6 + [True]


# one algorithm per loop shape (plain, traced, n-step); Q-learning / Expected SARSA share the plain
# shape and are checked compiled == Python on the twins (tests/agents/test_control_agents.py)
@pytest.mark.parametrize("cls,over", [(Sarsa, {}), (SarsaLambda, {"lam": 0.9}), (NStepSarsa, {"n": 4})])
def test_compiled_loop_on_user_env_equals_python_loop(cls, over):
    """Same seed: the fused loop over the user's env and the Python loop over the same env give
    bit-identical weights, episode lengths and generator states (and so does gymnasium's env)."""
    out = []
    for env, compiled in (
        (user_mountain_car(200), True),
        (user_mountain_car(200), False),
        (gymnasium.make("MountainCar-v0"), False),
    ):
        ag = cls(env, _tiles(), seed=11, alpha=0.3 / 8, epsilon=0.1, **over)
        ag.learn(episodes=4, compiled=compiled)
        out.append((ag.approx.w.copy(), list(ag.log.lengths), ag.rng.bit_generator.state["state"]["state"]))
    for w, lengths, rng_state in out[1:]:
        np.testing.assert_array_equal(w, out[0][0])
        assert lengths == out[0][1]
        assert rng_state == out[0][2]
    assert out[0][1] and max(out[0][1]) <= 200 and np.abs(out[0][0]).sum() > 0


def test_population_over_user_env_equals_builtin():
    kw = dict(alphas=[0.5 / 8], runs=3, episodes=5, seed=2, tiles=TileSpec(*BOX), threads=2)
    mine = run_population(user_mountain_car(), "sarsa", **kw)
    built = run_population("MountainCar-v0", "sarsa", **kw)
    np.testing.assert_array_equal(mine["steps"], built["steps"])
    assert mine["steps"].min() > 0


# ------------------------------------------------------------------ check_compiled_env
@numba.njit
def _reset(params, state, rng):
    state[0] = rng.uniform(-0.1, 0.1)
    state[1] = 0.0


@numba.njit
def _obs(params, state, out):
    out[0] = state[0]
    out[1] = state[1]


@numba.njit
def _step_ok(params, state, action, rng):
    state[0] += 0.01 * (action - 1)
    state[1] += 1.0
    return -1.0, state[1] >= 20.0


@numba.njit
def _step_oob(params, state, action, rng):
    state[0] += 0.01
    state[2 + action] = 1.0  # past the end of a 2-entry state
    return -1.0, False


@numba.njit
def _step_params(params, state, action, rng):
    params[0] += 1.0
    state[1] += 1.0
    return -1.0, state[1] >= 20.0


@numba.njit
def _step_nan(params, state, action, rng):
    state[1] += 1.0
    return math.nan, state[1] >= 20.0


@numba.njit
def _step_global_random(params, state, action, rng):
    state[0] = np.random.random()  # hidden global state: not reproducible from the seed
    state[1] += 1.0
    return -1.0, state[1] >= 20.0


@numba.njit
def _obs_partial(params, state, out):
    out[0] = state[0]


def _env(step, observe=_obs):
    box = spaces.Box(-np.inf, np.inf, (2,), np.float64)
    return CompiledEnv(_reset, step, observe, np.zeros(1), 2, box, spaces.Discrete(3), max_episode_steps=50)


def test_check_passes_a_correct_env():
    env = _env(_step_ok)
    check_compiled_env(env)
    assert env.checked


def test_check_compiles_each_function_once_per_process():
    """A second env made of the same functions is checked (its own run) with the bounds-checked copies
    compiled for the first: no new compilation."""
    from numba.core import event

    check_compiled_env(_env(_step_ok))
    compiled = []

    class Count(event.Listener):
        def on_start(self, ev):
            compiled.append(ev.data["dispatcher"].py_func.__name__)

        def on_end(self, ev):
            pass

    env = _env(_step_ok)
    with event.install_listener("numba:compile", Count()):
        check_compiled_env(env)
    assert env.checked and compiled == []
    with pytest.raises(ValueError, match="out of bounds"):  # another step function: checked (compiled) anew
        check_compiled_env(_env(_step_oob))


@pytest.mark.parametrize(
    "step,observe,words",
    [
        (_step_oob, _obs, "out of bounds"),
        (_step_params, _obs, "params"),
        (_step_nan, _obs, "non-finite"),
        (_step_global_random, _obs, "same seed differ"),
        (_step_ok, _obs_partial, "unset"),
    ],
)
def test_check_finds_the_bug(step, observe, words):
    with pytest.raises(ValueError, match=words):
        check_compiled_env(_env(step, observe))


def test_agent_checks_a_user_env_before_compiling():
    ag = Sarsa(_env(_step_oob), GridTileCoder([-1, 0], [1, 50], 4, 4), seed=0)
    with pytest.raises(ValueError, match="out of bounds"):
        ag.learn(episodes=1, compiled=True)


@pytest.mark.parametrize(
    "kw,err,words",
    [
        (dict(state_size=0), ValueError, "state_size"),
        (dict(state_size=2.5), ValueError, "state_size"),
        (dict(params=np.zeros((2, 2))), ValueError, "params"),
        (dict(observation_space=spaces.Discrete(3)), TypeError, "observation_space"),
        (dict(action_space=spaces.MultiBinary(2)), TypeError, "action_space"),
        (dict(max_episode_steps=0), ValueError, "max_episode_steps"),
        (dict(reset=3), TypeError, "reset"),
    ],
)
def test_constructor_validates(kw, err, words):
    args = dict(
        reset=_reset,
        step=_step_ok,
        observe=_obs,
        params=np.zeros(1),
        state_size=2,
        observation_space=spaces.Box(-1, 1, (2,)),
        action_space=spaces.Discrete(3),
    )
    args.update(kw)
    with pytest.raises(err, match=words):
        CompiledEnv(**args)


def test_step_validates_action():
    env = _env(_step_ok)
    env.reset(seed=0)
    for bad in (3, -1, 1.5, "a"):
        with pytest.raises(ValueError, match="action"):
            env.step(bad)


def test_check_leaves_the_generators_and_state_as_they_were():
    """gymnasium's check_env (run by check_compiled_env) reseeds the env and its spaces; the check
    restores them, so checking before a run does not change the run's random streams."""
    env = user_mountain_car(5)
    env.action_space.seed(4)
    env.reset(seed=3)
    before = (env.action_space.np_random.bit_generator.state, env.np_random.bit_generator.state, env.state.copy())
    check_compiled_env(env)
    assert env.action_space.np_random.bit_generator.state == before[0]
    assert env.np_random.bit_generator.state == before[1]
    np.testing.assert_array_equal(env.state, before[2])


# ------------------------------------------------------------------ DQN over a CompiledEnv
_DQN_SMALL = dict(
    hidden=(16, 16),
    learning_starts=100,
    train_freq=4,
    gradient_steps=2,
    target_update_interval=50,
    exploration_steps=300,
    batch_size=32,
)


@pytest.mark.parametrize("per", [False, True])
def test_dqn_compiled_on_user_env_equals_python_loop(per):
    """DQN's fused loop over a user's env (uniform and prioritized replay) == its Python loop over the
    same env == its Python loop over gymnasium's MountainCar: weights, updates, episode returns."""
    from fastfa.agents import DQN

    n = 1200
    runs = []
    for env, compiled in (
        (user_mountain_car(200), "auto"),
        (user_mountain_car(200), False),
        (gymnasium.make("MountainCar-v0"), "auto"),
    ):
        ag = DQN(env, seed=5, compiled=compiled, prioritized=per, **_DQN_SMALL)
        ag.learn(n)
        runs.append(ag)
    assert [a.compiled for a in runs] == [True, False, False]
    assert runs[0].n_updates == 2 * ((n - 100) // 4) == runs[1].n_updates
    for other in runs[1:]:
        np.testing.assert_array_equal(other.theta, runs[0].theta)
        np.testing.assert_array_equal(other.theta_target, runs[0].theta_target)
        assert other.episode_returns == runs[0].episode_returns[: len(other.episode_returns)]
    assert len(runs[0].episode_returns) == n // 200  # never reaches the goal this early: all truncated


def test_dqn_on_builtin_compiled_env_equals_twin_path_and_evaluates():
    """DQN on the built-in CartPole CompiledEnv object == DQN on the id "CartPole-v1" (its twin, the
    0.1.0 state layout); the compiled greedy evaluation == the contract's evaluate."""
    import fastfa
    from fastfa.agents import DQN

    a = DQN(fastfa.envs.make("CartPole-v1", compiled=True), seed=5, **_DQN_SMALL).learn(2000)
    b = DQN("CartPole-v1", seed=5, **_DQN_SMALL).learn(2000)
    assert a.compiled and b.compiled and a.env_state.shape != b.env_state.shape
    np.testing.assert_array_equal(a.theta, b.theta)
    assert a.episode_returns == b.episode_returns and len(a.episode_returns) > 20
    r = a.evaluate_returns(4, seed=3)
    ev = a.evaluate(episodes=4, seed=3)
    np.testing.assert_array_equal(r, ev.returns)
    np.testing.assert_array_equal(r, b.evaluate_returns(4, seed=3))
    assert len(set(r.tolist())) > 1  # the episodes differ: a real comparison


def test_dqn_on_user_env_save_load_resumes_exactly(tmp_path):
    from fastfa.agents import DQN

    whole = DQN(user_mountain_car(200), seed=2, **_DQN_SMALL).learn(900)
    part = DQN(user_mountain_car(200), seed=2, **_DQN_SMALL).learn(500)
    path = part.save(tmp_path / "dqn", include_buffer=True)
    again = DQN.load(path, env=user_mountain_car(200))
    assert again.compiled and again.x_cur.dtype == np.float32
    again.learn(400)
    np.testing.assert_array_equal(again.theta, whole.theta)
    assert again.episode_returns == whole.episode_returns


def test_dqn_checks_a_user_env_before_compiling():
    from fastfa.agents import DQN

    env = _env(_step_oob)
    with pytest.raises(ValueError, match="check_compiled_env"):
        DQN(env, seed=0, **_DQN_SMALL).learn(10)
    with pytest.raises(ValueError, match="CompiledEnv"):
        DQN(gymnasium.make("Pendulum-v1"), compiled=True)


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "fastfa/PuckWorldDiscrete-v0"])
def test_every_builtin_compiled_env_matches_its_gymnasium_env(env_id):
    """fastfa.envs.COMPILED_ENVS (the one table of built-in compiled envs, used by DQN and the
    populations): each id's CompiledEnv passes gymnasium's checker and steps exactly as gymnasium.make(id)
    for the same seed and actions (observations, rewards, terminations); its time limit is the id's."""
    from fastfa.envs import COMPILED_ENVS, compiled_env_for

    cenv, limit = compiled_env_for(env_id)
    assert cenv.compiled_key is not None and limit == gymnasium.make(env_id).spec.max_episode_steps
    check_env(cenv, skip_render_check=True)
    gym = gymnasium.make(env_id).unwrapped
    rng = np.random.default_rng(0)
    for ep in range(2):
        o1, _ = cenv.reset(seed=ep)
        o2, _ = gym.reset(seed=ep)
        np.testing.assert_array_equal(o1, o2)
        for t in range(150):
            a = int(rng.integers(cenv.action_space.n))
            o1, r1, te1, _, _ = cenv.step(a)
            o2, r2, te2, _, _ = gym.step(a)
            np.testing.assert_array_equal(o1, o2)
            assert (r1, te1) == (r2, te2)
            if te1:
                break
    assert compiled_env_for("Pendulum-v1") is None and "fastfa/CartPole-v1" in COMPILED_ENVS


def test_specialise_memo_keys_constants_by_value():
    """A unit is made once per (template, key, bindings): a constant equal in value (even an int above
    256, a new object at every call, e.g. the length of a long observation) finds the same unit, so an
    agent does not recompile at every learn call; True and 1 stay distinct."""
    from fastfa.kernels.loops.specialise import specialise

    def tpl(x):
        return x + K  # noqa: F821 - bound by specialise

    a = specialise(tpl, None, False, K=int(np.int64(1000)))
    assert specialise(tpl, None, False, K=int(np.int64(1000))) is a and a(1) == 1001
    assert specialise(tpl, None, False, K=True) is not specialise(tpl, None, False, K=1)


def test_clone_is_independent():
    from fastfa.envs.examples import user_mountain_car

    env = user_mountain_car(200)
    env.checked = True
    env.reset(seed=1)
    c = env.clone()
    assert c.reset_fn is env.reset_fn and c.step_fn is env.step_fn and c.checked
    assert c.state is not env.state and c.params is not env.params and c.action_space is not env.action_space
    np.testing.assert_array_equal(c.params, env.params)
    o1, _ = c.reset(seed=1)
    np.testing.assert_array_equal(o1, env.reset(seed=1)[0])  # same seed, same start
    c.step(2)
    assert not np.array_equal(c.state, env.state)  # stepping the clone leaves the original alone
    env.action_space.seed(0)
    c.action_space.seed(0)
    assert env.action_space.sample() == c.action_space.sample()
