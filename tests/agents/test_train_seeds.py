"""fastfa.train_seeds: a population of any agent on any env == each seed trained alone, bit for bit."""

import numpy as np
import pytest

import fastfa
from fastfa.agents import registry
from fastfa.envs import compiled_env_for
from fastfa.envs.examples import user_continuous_mountain_car, user_mountain_car


def _arrays(agent):
    """Every NumPy array of the agent and of the objects it holds (weights, traces, optimiser state,
    generators' states), by attribute path; private names (``_out``, ...: scratch) left out, but the
    fields of private records (``_nets.theta_pi``) kept."""
    out = {}

    def walk(obj, path, depth):
        for k, v in vars(obj).items():
            if k.startswith("_") and not (isinstance(v, tuple) and hasattr(v, "_fields")):
                continue
            if isinstance(v, np.ndarray):
                out[path + k] = v
            elif isinstance(v, np.random.Generator):
                out[path + k] = np.frombuffer(repr(v.bit_generator.state).encode(), np.uint8)
            elif isinstance(v, tuple) and hasattr(v, "_fields"):  # kernel records (namedtuples of arrays)
                for f in v._fields:
                    if isinstance(getattr(v, f), np.ndarray):
                        out[path + k + "." + f] = getattr(v, f)
            elif (
                depth < 2
                and hasattr(v, "__dict__")
                and not isinstance(v, type)
                and "gymnasium" not in type(v).__module__
            ):
                walk(v, path + k + ".", depth + 1)

    walk(agent, "", 0)
    return out


def _builtin(env_id):
    return compiled_env_for(env_id)[0]


CASES = [
    ("sarsa", lambda: user_mountain_car(200), {"episodes": 2}, {}),  # a user's env
    ("actor-critic", lambda: user_continuous_mountain_car(200), {"total_steps": 1500}, {}),  # Gaussian policy
    ("td0", lambda: _builtin("MountainCar-v0"), {"episodes": 2}, {}),
    ("a2c", lambda: _builtin("MountainCar-v0"), {"total_steps": 1500}, {}),
    ("a2c-mlp", lambda: _builtin("CartPole-v1"), {"total_steps": 1500}, {}),
    ("dqn", lambda: _builtin("CartPole-v1"), {"total_steps": 1500}, {"learning_starts": 300}),
]


@pytest.mark.parametrize("name, make_env, budget, overrides", CASES, ids=[c[0] for c in CASES])
def test_population_equals_each_seed_alone(name, make_env, budget, overrides):
    env = make_env()
    seeds = [3, 11, 4]
    pop = fastfa.train_seeds(name, env, seeds, threads=2, **budget, **overrides)
    assert [type(a) for a in pop] == [registry.get(name)] * 3
    assert env.state.tolist() == [0.0] * env.state.shape[0]  # the population trained on clones
    for s, got in zip(seeds, pop):
        alone = registry.get(name)(env.clone(), seed=s, **overrides).learn(
            budget.get("total_steps"), episodes=budget.get("episodes")
        )
        assert list(got.log.returns) == list(alone.log.returns)
        assert list(got.log.lengths) == list(alone.log.lengths)
        a, b = _arrays(got), _arrays(alone)
        assert a.keys() == b.keys() and len(a) > 2
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=f"{name} seed {s}: {k}")
    # different seeds learn different things
    assert any(
        not np.array_equal(x, y)
        for x, y in zip(_arrays(pop[0]).values(), _arrays(pop[1]).values())
        if x.shape == y.shape
    )


def test_env_id_and_seed_count():
    pop = fastfa.train_seeds("sarsa", "MountainCar-v0", 2, episodes=1)
    assert len(pop) == 2 and all(len(a.log.returns) == 1 for a in pop)
    again = fastfa.train_seeds("sarsa", "MountainCar-v0", np.arange(2), episodes=1, threads=1)  # NumPy ints
    assert [a.log.lengths for a in again] == [a.log.lengths for a in pop]
    assert pop[0].log.lengths != pop[1].log.lengths or not np.array_equal(pop[0].approx.w, pop[1].approx.w)


@pytest.mark.parametrize(
    "kw, err, words",
    [
        ({"seeds": []}, ValueError, "at least one seed"),
        ({"seeds": [1, -2]}, ValueError, "seeds must be ints >= 0"),
        ({"seeds": True}, TypeError, "seeds"),
        ({"seeds": 0}, ValueError, "seeds"),
        ({"threads": 0}, ValueError, "threads"),
        ({"episodes": None}, ValueError, "total_steps or episodes"),
        ({"episodes": -3}, ValueError, "episodes"),
        ({"episodes": 2.5}, TypeError, "episodes"),
        ({"seeds": 2.5}, TypeError, "seeds must be an int or an iterable"),
        ({"agent": "no-such-agent"}, ValueError, "no-such-agent"),
        ({"agent": 3}, TypeError, "agent must be"),
        ({"env": 3.5}, TypeError, "env must be"),
    ],
)
def test_validates(kw, err, words):
    args = {"agent": "sarsa", "env": "MountainCar-v0", "seeds": [1], "episodes": 1, **kw}
    with pytest.raises(err, match=words):
        fastfa.train_seeds(**args)


def test_env_object_without_spec_is_refused():
    import gymnasium

    env = gymnasium.wrappers.TimeLimit(user_mountain_car(), 50)
    with pytest.raises(TypeError, match="CompiledEnv itself"):
        fastfa.train_seeds("sarsa", env, [1], episodes=1)
