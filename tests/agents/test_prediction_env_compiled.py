"""Prediction agents on a user's CompiledEnv: the fused compiled loop gives the Python loop's weights,
episode log and generator states bit for bit (uniform random policy over Discrete actions)."""

import numba
import numpy as np
import pytest
from conftest import scale

from fastfa.agents import TD0, GradientMC, NStepTD, TDLambda, TrueOnlineTDLambda
from fastfa.envs.examples import user_mountain_car
from fastfa.features import GridTileCoder

CASES = [
    (GradientMC, dict(alpha=0.02 / 8, gamma=0.99)),
    (TD0, dict(alpha=0.1 / 8, gamma=0.99)),
    (NStepTD, dict(alpha=0.1 / 8, gamma=0.99, n=4)),
    (NStepTD, dict(alpha=0.1 / 8, gamma=0.99, n=1)),
    (TDLambda, dict(alpha=0.1 / 8, gamma=0.99, lam=0.8)),
    (TDLambda, dict(alpha=0.1 / 8, gamma=0.99, lam=0.8, trace="replacing")),
    (TrueOnlineTDLambda, dict(alpha=0.1 / 8, gamma=0.99, lam=0.8)),
]


def _train(cls, kw, compiled, **budget):
    agent = cls(user_mountain_car(150), GridTileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8), seed=4, **kw)
    return agent.learn(compiled=compiled, **budget)


@pytest.mark.parametrize("cls,kw", CASES, ids=[f"{c.__name__}-{k.get('trace', '')}{k.get('n', '')}" for c, k in CASES])
def test_compiled_equals_python_loop(cls, kw):
    n = scale(2000, 500)  # time limit 150: episodes end by truncation; the budget cuts the last one
    a, b = _train(cls, kw, False, total_steps=n), _train(cls, kw, True, total_steps=n)
    np.testing.assert_array_equal(a.w, b.w)
    assert np.any(a.w != 0.0)
    assert a.log.lengths == b.log.lengths and a.log.total_steps == b.log.total_steps == n
    assert a.env.action_space.np_random.bit_generator.state == b.env.action_space.np_random.bit_generator.state
    assert a.env.unwrapped.np_random.bit_generator.state == b.env.unwrapped.np_random.bit_generator.state
    # a second learn continues both streams the same way
    a.learn(episodes=2, compiled=False)
    b.learn(episodes=2, compiled=True)
    np.testing.assert_array_equal(a.w, b.w)


@numba.njit
def pump(obs):
    """Energy pumping on Mountain Car: push in the direction of the velocity (reaches the goal)."""
    return 2 if obs[1] + np.float32(1e-3) * obs[0] >= 0 else 0


@numba.njit
def pump_bad(obs):
    return 3 if obs[1] > 0.01 else 0  # 3 is not an action of Discrete(3)


@numba.njit
def pump_float(obs):
    return 1.5


@pytest.mark.parametrize(
    "cls,kw", [CASES[0], CASES[1], CASES[2], CASES[6]], ids=["GradientMC", "TD0", "NStepTD4", "TrueOnline"]
)
def test_jitted_policy_compiled_equals_python_loop(cls, kw):
    """A user's @njit policy runs inside the fused loop, on the observation as the env returns it
    (float32), the terminal one included: the same weights and log as the Python loop calling it."""
    n = scale(2000, 600)
    mk = lambda: cls(  # noqa: E731
        user_mountain_car(150), GridTileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8), policy=pump, seed=4, **kw
    )
    a, b = mk().learn(compiled=False, total_steps=n), mk().learn(compiled=True, total_steps=n)
    np.testing.assert_array_equal(a.w, b.w)
    assert np.any(a.w != 0.0)
    assert min(a.log.lengths) < 150  # the policy reaches the goal: terminal transitions are covered
    assert a.log.lengths == b.log.lengths and a.log.returns == b.log.returns
    assert a.env.unwrapped.np_random.bit_generator.state == b.env.unwrapped.np_random.bit_generator.state


def test_jitted_policy_bad_actions_are_errors_not_crashes():
    mk = lambda p: TD0(  # noqa: E731
        user_mountain_car(150), GridTileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8), policy=p, alpha=0.01, seed=4
    )
    with pytest.raises(ValueError, match="action must be an int in"):
        mk(pump_bad).learn(total_steps=500, compiled=False)
    b = mk(pump_bad)
    with pytest.raises(ValueError, match=r"outside \[0, 3\)"):
        b.learn(total_steps=500, compiled=True)
    assert b.log.total_steps > 0  # what was learned before the bad action is kept, as in the Python loop
    with pytest.raises(TypeError, match="must return an int action"):
        mk(pump_float).learn(total_steps=50, compiled=True)
