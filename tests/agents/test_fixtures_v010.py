"""Files saved by fastfa 0.1.0 (tests/fixtures/v0_1_0, written by make_files.py there with 0.1.0) still
load, give the numbers they gave when saved, and can go on learning."""

import json
from pathlib import Path

import numpy as np
import pytest

from fastfa import agents

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "v0_1_0"
EXPECTED = json.loads((HERE / "expected.json").read_text())
FILES = {
    "sarsa": ("Sarsa", "MountainCar-v0"),
    "sarsa_lambda": ("SarsaLambda", "MountainCar-v0"),
    "discretized_q": ("DiscretizedQLearning", "MountainCar-v0"),
    "td0": ("TD0", "fastfa/RandomWalk1000-v0"),
    "reinforce": ("Reinforce", "CartPole-v1"),
    "actor_critic": ("ActorCritic", "CartPole-v1"),
    "qac": ("QAC", "CartPole-v1"),
    "reinforce_corridor": ("Reinforce", "fastfa/ShortCorridor-v0"),
    "a2c": ("A2C", "CartPole-v1"),
    "dqn": ("DQN", None),
    "a2c_mlp": ("A2CMLP", None),
}


def test_fixtures_were_written_by_0_1_0():
    assert EXPECTED["fastfa_version"] == "0.1.0"
    assert sorted(p.stem for p in HERE.glob("*.npz")) == sorted(FILES)


@pytest.mark.parametrize("stem", sorted(FILES))
def test_0_1_0_file_loads_and_gives_the_saved_numbers(stem):
    cls_name, env = FILES[stem]
    cls = getattr(agents, cls_name)
    agent = cls.load(HERE / f"{stem}.npz", env=env) if env else cls.load(HERE / f"{stem}.npz")
    exp = EXPECTED[stem]
    obs = exp["obs"]
    if "actions" in exp:
        got = [int(agent.predict(np.asarray(o, np.float32) if stem == "dqn" else o)) for o in obs]
        assert got == exp["actions"]
    if "values" in exp:
        np.testing.assert_allclose([float(agent.value(o)) for o in obs], exp["values"], rtol=1e-12, atol=1e-12)
    if "q" in exp:
        np.testing.assert_allclose([agent.q_values(np.asarray(o, np.float32)) for o in obs], exp["q"], rtol=1e-6)
    assert agent.learn(total_steps=100) is agent
