"""Short Corridor and Puck World: exact values, parity of the compiled twins with plain references, check_env."""

import gymnasium
import numpy as np
import pytest
from fastfa.kernels.envs import puck_corridor as K
from gymnasium.utils.env_checker import check_env
from naive_pg_envs import RefPuckWorld, RefShortCorridor

import fastfa
from conftest import scale
from fastfa.envs import short_corridor_value


def test_short_corridor_exact_value():
    p_star = 2 - np.sqrt(2)
    assert short_corridor_value(p_star) == pytest.approx(-11.6568542, abs=1e-6)
    ps = np.linspace(0.01, 0.99, 981)
    v = short_corridor_value(ps)
    assert ps[np.argmax(v)] == pytest.approx(p_star, abs=1e-3)
    assert short_corridor_value(0.0) == -np.inf and short_corridor_value(1.0) == -np.inf
    # Bellman equations hold for all three states
    for p in (0.1, 0.5, 0.9):
        v0, v1, v2 = K.short_corridor_values(p)
        assert v0 == pytest.approx(-1 + p * v1 + (1 - p) * v0)
        assert v1 == pytest.approx(-1 + p * v0 + (1 - p) * v2)
        assert v2 == pytest.approx(-1 + (1 - p) * v1)
        assert v0 == pytest.approx(short_corridor_value(p))


def test_short_corridor_monte_carlo_matches_exact():
    env = gymnasium.make("fastfa/ShortCorridor-v0")
    rng = np.random.default_rng(0)
    p, rets = 0.6, []
    for ep in range(scale(3000, 600)):
        env.reset(seed=ep if ep == 0 else None)
        g, done = 0.0, False
        while not done:
            _, r, term, trunc, _ = env.step(int(rng.random() < p))
            g += r
            done = term or trunc
        rets.append(g)
    se = np.std(rets) / np.sqrt(len(rets))
    assert abs(np.mean(rets) - short_corridor_value(p)) < 4 * se


def test_short_corridor_parity_and_hand_steps():
    ref = RefShortCorridor()
    env = fastfa.make("fastfa/ShortCorridor-v0", compiled=True)
    env.reset(seed=1)
    assert [env.unwrapped.step(a)[0] for a in (0, 1, 1)] == [0, 1, 0]  # left at 0 stays; right at 1 goes left
    rng = np.random.default_rng(4)
    env.reset()
    for _ in range(500):
        a = int(rng.integers(2))
        o, r, term, _, _ = env.step(a)
        r_ref, t_ref = ref.step(a)
        assert (o, r, term) == (ref.s, r_ref, t_ref)
        if term:
            env.reset()
            ref.s = 0


@pytest.mark.parametrize("enemy", [False, True])
def test_puckworld_twin_matches_reference(enemy):
    n = scale(2000, 700)
    env = gymnasium.make("fastfa/PuckWorld-v0", enemy=enemy, target_period=250, max_episode_steps=10**6)
    obs, _ = env.reset(seed=5)
    ref = RefPuckWorld(np.random.default_rng(5), period=250, enemy=enemy)
    np.testing.assert_array_equal(obs, np.float32(ref.obs()))
    rng = np.random.default_rng(9)
    jumps, bounces = 0, 0
    for i in range(n):
        f = rng.uniform(-1, 1, 2)
        obs, r, term, trunc, info = env.step(f)
        tgt = ref.tgt
        r_ref = ref.step(list(f))
        jumps += tgt != ref.tgt
        bounces += any(c in (0.05, 0.95) for c in ref.p)
        assert r == pytest.approx(r_ref, abs=1e-12), i
        np.testing.assert_allclose(obs, np.float32(ref.obs()), atol=1e-7)
        assert not term and not trunc
    assert jumps == n // 250 and bounces > 0


def test_puckworld_hand_step_and_discrete():
    p = K.puckworld_params(target_period=0)
    s = np.array([0.5, 0.5, 0.01, 0.0, 0.5, 0.5, 0, 0, 0])
    r = K.puckworld_step(p, s, 1.0, -1.0, np.random.default_rng(0))
    assert s[0] == pytest.approx(0.51) and s[2] == pytest.approx(0.01 * 0.95 + 0.002)
    assert s[3] == pytest.approx(-0.002) and r == pytest.approx(-0.01)
    s = np.array([0.96, 0.5, 0.02, 0.0, 0.5, 0.5, 0, 0, 0])  # wall: clamp to 0.95, bounce -0.5
    K.puckworld_step(p, s, 0.0, 0.0, np.random.default_rng(0))
    assert s[0] == 0.95 and s[2] == pytest.approx(-0.5 * 0.02 * 0.95)
    assert [K.puckworld_discrete_force(a) for a in range(5)] == [(0, 0), (-1, 0), (1, 0), (0, 1), (0, -1)]
    env = gymnasium.make("fastfa/PuckWorldDiscrete-v0")
    env.reset(seed=0)
    v0 = env.unwrapped.state.copy()
    env.step(2)
    assert env.unwrapped.state[2] == pytest.approx(v0[2] * 0.95 + 0.002)


def test_puckworld_truncates_and_is_deterministic():
    env = gymnasium.make("fastfa/PuckWorld-v0")
    o1, _ = env.reset(seed=3)
    steps = 0
    while True:
        _, _, term, trunc, _ = env.step(np.zeros(2))
        steps += 1
        if term or trunc:
            break
    assert steps == 600 and trunc and not term
    o2, _ = env.reset(seed=3)
    np.testing.assert_array_equal(o1, o2)
    o3, _ = env.reset(seed=4)
    assert not np.array_equal(o1, o3)


@pytest.mark.parametrize("env_id", ["fastfa/ShortCorridor-v0", "fastfa/PuckWorld-v0", "fastfa/PuckWorldDiscrete-v0"])
def test_check_env_and_render(env_id):
    env = gymnasium.make(env_id, render_mode="rgb_array")
    check_env(env.unwrapped)
    env.reset(seed=0)
    img = env.render()
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    if "Puck" in env_id:
        blue = (img[..., 2] > 200) & (img[..., 0] < 80)
        ys, xs = np.nonzero(blue)
        px, py = env.unwrapped.state[:2]
        assert abs(xs.mean() / img.shape[1] - px) < 0.02 and abs(1 - ys.mean() / img.shape[0] - py) < 0.02


def test_bad_inputs():
    env = gymnasium.make("fastfa/PuckWorld-v0").unwrapped
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros(2))
    env.reset(seed=0)
    for bad in (np.array([1.5, 0.0]), np.array([np.nan, 0.0]), np.zeros(3)):
        with pytest.raises(ValueError, match="action"):
            env.step(bad)
    with pytest.raises(ValueError, match="radius"):
        gymnasium.make("fastfa/PuckWorld-v0", radius=0.0)
    with pytest.raises(ValueError, match="target_period"):
        gymnasium.make("fastfa/PuckWorld-v0", target_period=2.5)
    sc = gymnasium.make("fastfa/ShortCorridor-v0").unwrapped
    sc.reset()
    with pytest.raises(ValueError, match="action"):
        sc.step(2)
    disc = gymnasium.make("fastfa/PuckWorldDiscrete-v0").unwrapped
    disc.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        disc.step(7)
