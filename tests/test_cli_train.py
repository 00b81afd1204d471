"""``fastfa train`` / ``fastfa eval`` / ``fastfa agents`` (through main(argv); one real subprocess)."""

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import JIT_DISABLED

from fastfa import agents
from fastfa.cli import main


def test_train_then_eval_a_linear_agent(tmp_path, capsys):
    path = tmp_path / "sarsa.npz"
    assert (
        main(
            [
                "train",
                "sarsa",
                "MountainCar-v0",
                "--total-steps",
                "3000",
                "--seed",
                "0",
                "--no-progress",
                "--set",
                "alpha=0.1",
                "--save",
                str(path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "3,000 env steps" in out and str(path) in out
    agent = agents.Sarsa.load(path)
    assert agent.config.alpha == 0.1 and agent.log.total_steps == 3000
    direct = agents.Sarsa("MountainCar-v0", seed=0, alpha=0.1).learn(total_steps=3000)
    np.testing.assert_array_equal(agent.w, direct.w)  # the CLI is the Python API, nothing else
    assert main(["eval", str(path), "--episodes", "2", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    res = agent.evaluate(episodes=2, seed=1)
    assert f"mean return {res.mean_return:.2f}" in out


def test_train_dqn_with_json_overrides(tmp_path, capsys):
    path = tmp_path / "dqn.npz"
    assert (
        main(
            [
                "train",
                "dqn",
                "CartPole-v1",
                "--total-steps",
                "600",
                "--no-progress",
                "--set",
                "hidden=[8]",
                "--set",
                "learning_starts=100",
                "--set",
                "train_freq=50",
                "--set",
                "gradient_steps=2",
                "--set",
                "batch_size=16",
                "--save",
                str(path),
            ]
        )
        == 0
    )
    assert agents.DQN.load(path).config.hidden == (8,)
    assert main(["eval", str(path), "--episodes", "1", "--env", "CartPole-v1"]) == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "no-such-agent", "CartPole-v1", "--total-steps", "10", "--save", "x"], "unknown agent"),
        (["train", "dqn", "NoSuchEnv-v9", "--total-steps", "10", "--save", "x"], "cannot make env"),
        (["train", "dqn", "CartPole-v1", "--save", "x"], "budget"),
        (["train", "dqn", "CartPole-v1", "--total-steps", "-5", "--save", "x"], "positive"),
        (["train", "dqn", "CartPole-v1", "--total-steps", "1.5", "--save", "x"], "invalid int"),
        (["train", "dqn", "CartPole-v1", "--total-steps", "10", "--set", "gamma=7", "--save", "x"], "gamma"),
        (["train", "dqn", "CartPole-v1", "--total-steps", "10", "--set", "nope=1", "--save", "x"], "nope"),
        (["train", "dqn", "CartPole-v1", "--total-steps", "10", "--set", "gamma", "--save", "x"], "key=value"),
        (["train", "sarsa", "CartPole-v1", "--total-steps", "10", "--save", "x"], "features="),
        (["train", "dqn", "CartPole-v1", "--total-steps", "10"], "--save"),
        (["eval", "/no/such/file.npz"], "cannot read"),
        (["eval", "x.npz", "--episodes", "0"], "positive"),
        (["eval", ".", "--episodes", "1"], "is a folder"),
        (["eval", "", "--episodes", "1"], "path is empty"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_agents_lists_the_registry(capsys):
    assert main(["agents"]) == 0
    out = capsys.readouterr().out
    for name in agents.registry.names():
        assert name in out


@pytest.mark.skipif(JIT_DISABLED, reason="a process test; nothing compiled to check")
def test_command_line_entry_point(tmp_path):
    env = dict(os.environ)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fastfa",
            "train",
            "q-learning",
            "MountainCar-v0",
            "--episodes",
            "2",
            "--save",
            str(tmp_path / "q"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "q.npz").exists() and "QLearning on MountainCar-v0" in proc.stdout


def test_eval_with_an_empty_env_id_is_refused_and_a_diverging_train_exits_1(tmp_path, capsys):
    """Found by the command-line fuzz (tests/fuzz_driver.py): ``--env ''`` was taken as "no --env"
    and evaluated on the saved env; a training run that diverged ended in a traceback."""
    path = tmp_path / "s.npz"
    assert main(["train", "sarsa", "MountainCar-v0", "--total-steps", "50", "--seed", "0", "--save", str(path)]) == 0
    with pytest.raises(SystemExit) as exc:
        main(["eval", str(path), "--episodes", "1", "--env", ""])
    assert exc.value.code == 2 and "cannot make env ''" in capsys.readouterr().err
    argv = ["train", "actor-critic", "MountainCar-v0", "--total-steps", "300", "--seed", "0"]
    code = main(argv + ["--set", "alpha_w=1e6", "--no-progress", "--save", str(tmp_path / "ac")])
    err = capsys.readouterr().err
    if not JIT_DISABLED:
        assert code == 1 and "non-finite" in err and "nothing saved" in err and not (tmp_path / "ac.npz").exists()
