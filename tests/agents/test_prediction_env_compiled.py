"""Prediction agents on a user's CompiledEnv: the fused compiled loop gives the Python loop's weights,
episode log and generator states bit for bit (uniform random policy over Discrete actions)."""

import numpy as np
import pytest
from conftest import scale

from fastfa.agents import TD0, GradientMC, TDLambda, TrueOnlineTDLambda
from fastfa.envs.examples import user_mountain_car
from fastfa.features import GridTileCoder

CASES = [
    (GradientMC, dict(alpha=0.02 / 8, gamma=0.99)),
    (TD0, dict(alpha=0.1 / 8, gamma=0.99)),
    (TDLambda, dict(alpha=0.1 / 8, gamma=0.99, lam=0.8)),
    (TDLambda, dict(alpha=0.1 / 8, gamma=0.99, lam=0.8, trace="replacing")),
    (TrueOnlineTDLambda, dict(alpha=0.1 / 8, gamma=0.99, lam=0.8)),
]


def _train(cls, kw, compiled, **budget):
    agent = cls(user_mountain_car(150), GridTileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8), seed=4, **kw)
    return agent.learn(compiled=compiled, **budget)


@pytest.mark.parametrize("cls,kw", CASES, ids=[f"{c.__name__}-{k.get('trace', '')}" for c, k in CASES])
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
