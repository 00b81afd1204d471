"""fastfa.agents: see the module docstrings of the submodules listed in _LAZY.

Every agent has one shape (the agent contract, :mod:`fastfa.agents._contract`)::

    Agent(env, features=None, *, config=None, seed=None, **config_overrides)
    .learn(total_steps=None, *, episodes=None, callback=None, progress=False,
           checkpoint_every=None, checkpoint_path=None) -> self
    .predict(obs, deterministic=True)  .evaluate(env=None, episodes=10, seed=None)
    .save(path)  Agent.load(path, env=None)  .log  .policy_function()

:mod:`fastfa.agents.registry` maps names ("sarsa", "dqn", ...) to the classes.

Public names are loaded lazily (importing this package does not compile or
import kernels).  To add a public name, add one line to _LAZY:
`"Name": ".module"`.
"""

from __future__ import annotations

from .._lazy import lazy_names

_LAZY: dict[str, str] = {
    "GradientMC": ".prediction",
    "TD0": ".prediction",
    "NStepTD": ".prediction",
    "TDLambda": ".prediction",
    "TrueOnlineTDLambda": ".prediction",
    "PredictionConfig": ".prediction",
    "DQN": ".dqn",
    "DQNConfig": ".dqn",
    "learn_population": ".dqn_population",
    "Sarsa": ".control",
    "ExpectedSarsa": ".control",
    "QLearning": ".control",
    "NStepSarsa": ".control_more",
    "SarsaLambda": ".control",
    "TrueOnlineSarsaLambda": ".control",
    "MCControl": ".control_more",
    "DiscretizedQLearning": ".control_more",
    "ControlConfig": ".control",
    "run_population": ".population",
    "train_seeds": ".seeds",
    "Reinforce": ".policy_gradient",
    "ReinforceBaseline": ".policy_gradient",
    "ActorCritic": ".policy_gradient",
    "QAC": ".policy_gradient",
    "PGConfig": ".policy_gradient",
    "ConstantFeatures": ".policy_gradient",
    "A2C": ".a2c",
    "A2CMLP": ".a2c_mlp",
    "A2CMLPConfig": ".a2c_mlp",
    "fitted_q_iteration": ".fqi",
    "FittedQ": ".fqi",
    "EvalResult": "._contract",
}

__all__ = sorted(_LAZY) + ["registry"]

from . import registry  # noqa: E402  (the name -> class table; cheap, imports no agent)


__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)
