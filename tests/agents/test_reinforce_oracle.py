"""REINFORCE (± baseline) against the book's boxes (tests/naive_reinforce.py), with γ < 1 and γᵗ on/off.

At γ = 1 many indexing bugs (G_0 used for every t, γᵗ ↔ γ^(T−t)) leave the fixed point unchanged; here
γ = 0.9 and the parameters are compared after each of several episodes, so such a bug moves θ."""

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces

from fastfa.agents import ConstantFeatures, Reinforce, ReinforceBaseline
from fastfa.agents.pg_compiled import short_corridor_reinforce
from naive_reinforce import hand_two_step, reinforce_short_corridor, returns

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # 0.1.0 constructor / learn(env) forms


def test_returns_are_explicit_sums():
    np.testing.assert_allclose(returns([1.0, 2.0, 4.0], 0.5), [1 + 1 + 1, 2 + 2, 4])


@pytest.mark.nojit
@pytest.mark.parametrize("gamma_t", [True, False])
@pytest.mark.parametrize("baseline", [False, True])
def test_compiled_short_corridor_reinforce_vs_book(gamma_t, baseline):
    n, gamma, alpha, alpha_w = 6, 0.9, 2**-6, 2**-4
    out = short_corridor_reinforce(  # θ = [θ_right, θ_left]; the generator default_rng(21)
        alpha,
        alpha_w=alpha_w if baseline else 0.0,
        gamma=gamma,
        gamma_t=gamma_t,
        episodes=n,
        theta0=(-1.0, 1.0),
        max_steps=10**6,
        seed_sequences=[np.random.SeedSequence(21)],
    )
    th, w, R = out["theta"][0], out["w"][0:1], out["returns"][0]
    ref_th, ref_w, ref_R = reinforce_short_corridor(
        [-1.0, 1.0], alpha, gamma, gamma_t, n, np.random.default_rng(21), alpha_w if baseline else None
    )
    np.testing.assert_array_equal(R, ref_R)  # same actions, so same episode lengths
    np.testing.assert_allclose(th, ref_th, rtol=1e-12)
    assert w[0] == pytest.approx(ref_w, rel=1e-12, abs=0 if baseline else 1e-300)
    assert abs(th - [-1.0, 1.0]).max() > 1e-3  # the episodes moved θ


@pytest.mark.nojit
@pytest.mark.parametrize("baseline", [False, True])
def test_compiled_short_corridor_floored_probabilities_vs_book(baseline):
    """``min_prob`` (the reference code of the book's figures): acting, the score and the reported π(right)
    use the floored probabilities.  θ0 gives π(right) ≈ 0.12 < 0.2: the floor binds from the start."""
    n, gamma, alpha, alpha_w, mp = 8, 0.9, 2**-3, 2**-4, 0.2
    out = short_corridor_reinforce(
        alpha,
        alpha_w=alpha_w if baseline else 0.0,
        gamma=gamma,
        episodes=n,
        theta0=(-1.0, 1.0),
        max_steps=10**6,
        min_prob=mp,
        seed_sequences=[np.random.SeedSequence(7)],
    )
    p_ref = []
    ref_th, ref_w, ref_R = reinforce_short_corridor(
        [-1.0, 1.0],
        alpha,
        gamma,
        True,
        n,
        np.random.default_rng(7),
        alpha_w if baseline else None,
        min_prob=mp,
        p_right=p_ref,
    )
    np.testing.assert_array_equal(out["returns"][0], ref_R)
    np.testing.assert_allclose(out["theta"][0], ref_th, rtol=1e-12)
    np.testing.assert_allclose(out["p_right"][0], p_ref, rtol=1e-12)
    assert min(p_ref) == mp  # the floor was used


class _TwoSteps(gymnasium.Env):
    """Two steps per episode whatever the action: R_1 = 3, R_2 = 2; records the actions it receives."""

    observation_space = spaces.Box(0.0, 1.0, (1,), np.float32)
    action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t, self.actions = 0, []
        return np.zeros(1, np.float32), {}

    def step(self, a):
        self.actions.append(int(a))
        self.t += 1
        return np.zeros(1, np.float32), (3.0 if self.t == 1 else 2.0), self.t == 2, False, {}


@pytest.mark.parametrize("gamma_t", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_python_reinforce_hand_two_step(gamma_t, seed):
    env = _TwoSteps()
    agent = Reinforce(ConstantFeatures(), env.action_space, seed=seed, alpha=0.25, gamma=0.5, gamma_t=gamma_t)
    agent.learn(env, episodes=1, seed=seed)
    a0, a1 = env.actions
    np.testing.assert_allclose(agent.policy.theta[0], hand_two_step(a0, a1, gamma_t=gamma_t), rtol=4e-16, atol=0)


@pytest.mark.parametrize("baseline", [False, True])
def test_python_reinforce_short_corridor_vs_book(baseline):
    n, gamma, alpha, alpha_w = 5, 0.9, 2**-6, 2**-4
    env = gymnasium.make("fastfa/ShortCorridor-v0")
    kw = dict(alpha=alpha, gamma=gamma, **({"alpha_w": alpha_w} if baseline else {}))
    agent = (ReinforceBaseline if baseline else Reinforce)(ConstantFeatures(), env.action_space, seed=5, **kw)
    agent.policy.theta[0] = [1.0, -1.0]  # (left, right)
    agent.learn(env, episodes=n, seed=0)
    ref_th, ref_w, ref_R = reinforce_short_corridor(
        [-1.0, 1.0], alpha, gamma, True, n, np.random.default_rng(5), alpha_w if baseline else None
    )
    np.testing.assert_array_equal(agent.log.as_arrays()[0], ref_R)
    np.testing.assert_allclose(agent.policy.theta[0], ref_th[::-1], rtol=1e-12)
    if baseline:
        assert agent.w[0] == pytest.approx(ref_w, rel=1e-12)
