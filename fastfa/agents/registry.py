"""The agent registry: one table name -> agent class, used by ``fastfa train``, the contract test
and the docs.

    >>> from fastfa.agents import registry
    >>> registry.names()[:3]
    ['a2c', 'a2c-mlp', 'actor-critic']
    >>> registry.get("sarsa")            # also accepts the class name, any case: get("Sarsa")
    <class 'fastfa.agents.control.Sarsa'>

Each entry also names its family (``"control"``, ``"prediction"``, ``"policy-gradient"``,
``"deep"``), which says what it needs: control and deep agents need a ``Discrete`` action
space; deep agents a ``Box`` observation; linear agents default to tile coding over a
bounded observation box.  Classes load lazily (nothing compiles on import).
"""

from __future__ import annotations

import importlib
from typing import Any
from dataclasses import dataclass

__all__ = ["AgentEntry", "AGENTS", "names", "get", "entry"]


@dataclass(frozen=True)
class AgentEntry:
    name: str
    module: str
    cls: str
    family: str
    summary: str

    def load(self) -> type[Any]:
        return getattr(importlib.import_module(self.module, __package__), self.cls)


_E = AgentEntry
AGENTS: dict[str, AgentEntry] = {
    e.name: e
    for e in [
        _E("sarsa", ".control", "Sarsa", "control", "semi-gradient SARSA (S&B 10.1)"),
        _E("expected-sarsa", ".control", "ExpectedSarsa", "control", "semi-gradient Expected SARSA (S&B 6.6)"),
        _E("q-learning", ".control", "QLearning", "control", "semi-gradient Q-learning (S&B 6.5)"),
        _E("sarsa-lambda", ".control", "SarsaLambda", "control", "SARSA(λ) with traces (S&B 12.7)"),
        _E(
            "true-online-sarsa-lambda",
            ".control",
            "TrueOnlineSarsaLambda",
            "control",
            "true online SARSA(λ) (S&B 12.8)",
        ),
        _E("n-step-sarsa", ".control_more", "NStepSarsa", "control", "n-step SARSA (S&B 10.2)"),
        _E("mc-control", ".control_more", "MCControl", "control", "Monte Carlo control, linear q̂"),
        _E(
            "discretized-q-learning",
            ".control_more",
            "DiscretizedQLearning",
            "control",
            "tabular Q-learning on a uniform grid",
        ),
        _E("gradient-mc", ".prediction", "GradientMC", "prediction", "gradient Monte Carlo prediction (S&B 9.3)"),
        _E("td0", ".prediction", "TD0", "prediction", "semi-gradient TD(0) (S&B 9.3)"),
        _E("n-step-td", ".prediction", "NStepTD", "prediction", "n-step semi-gradient TD (S&B 9.4)"),
        _E("td-lambda", ".prediction", "TDLambda", "prediction", "semi-gradient TD(λ) (S&B 12.2)"),
        _E("true-online-td-lambda", ".prediction", "TrueOnlineTDLambda", "prediction", "true online TD(λ) (S&B 12.5)"),
        _E("reinforce", ".policy_gradient", "Reinforce", "policy-gradient", "REINFORCE (S&B 13.3)"),
        _E(
            "reinforce-baseline",
            ".policy_gradient",
            "ReinforceBaseline",
            "policy-gradient",
            "REINFORCE with baseline (S&B 13.4)",
        ),
        _E("actor-critic", ".policy_gradient", "ActorCritic", "policy-gradient", "actor-critic with traces (S&B 13.5)"),
        _E("qac", ".policy_gradient", "QAC", "policy-gradient", "Q actor-critic"),
        _E("a2c", ".a2c", "A2C", "policy-gradient", "linear A2C over K env copies, compiled on grid tiles"),
        _E("a2c-mlp", ".a2c_mlp", "A2CMLP", "deep", "A2C with MLP actor and critic, compiled"),
        _E("dqn", ".dqn", "DQN", "deep", "deep Q-network (Mnih et al. 2015)"),
    ]
}


def names() -> list[str]:
    """Registered agent names, sorted."""
    return sorted(AGENTS)


def entry(name: str) -> AgentEntry:
    """The entry of ``name`` (registry name or class name, any case); ValueError listing the names."""
    if not isinstance(name, str):
        raise TypeError(f"agent name must be a str, got {type(name).__name__}")
    key = name.strip().lower().replace("_", "-")
    if key in AGENTS:
        return AGENTS[key]
    for e in AGENTS.values():
        if e.cls.lower() == key.replace("-", ""):
            return e
    raise ValueError(f"unknown agent {name!r}; known: {', '.join(names())}")


def get(name: str) -> type[Any]:
    """The agent class registered as ``name``."""
    return entry(name).load()
