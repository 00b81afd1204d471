"""Table of fastfa's environment ids.  One line per env; keep entry points as strings.

REGISTRY: fastfa id -> (entry point "module:Class", default kwargs, max_episode_steps)
COMPILED_TWINS: any env id (gymnasium's or ours) -> fastfa id of the gymnasium-compatible
    env backed by the compiled twin (what ``fastfa.make(id, compiled=True)`` builds).
COMPILED_ENVS: env id -> (entry point of the built-in ``CompiledEnv`` the fused loops run for that
    id, its time limit): the one table of built-in compiled environments (``compiled_env_for``).
LAZY_ATTRS: public helper name -> relative module, exposed as ``fastfa.envs.<name>``.
"""

from __future__ import annotations

from typing import Any

import gymnasium

REGISTRY: dict[str, tuple[str, dict, int | None]] = {
    "fastfa/MountainCar-v0": ("fastfa.envs.classic:MountainCarEnv", {}, 200),
    "fastfa/CartPole-v1": ("fastfa.envs.classic:CartPoleEnv", {}, 500),
    "fastfa/Acrobot-v1": ("fastfa.envs.classic:AcrobotEnv", {}, 500),
    "fastfa/ShortCorridor-v0": ("fastfa.envs.pg_envs:ShortCorridorEnv", {}, 1000),
    "fastfa/PuckWorld-v0": ("fastfa.envs.pg_envs:PuckWorldEnv", {}, 600),
    "fastfa/PuckWorldDiscrete-v0": ("fastfa.envs.pg_envs:PuckWorldDiscreteEnv", {}, 600),
    "fastfa/RandomWalk1000-v0": ("fastfa.envs.random_walk:RandomWalkEnv", {}, None),
}

COMPILED_TWINS: dict[str, str] = {
    "MountainCar-v0": "fastfa/MountainCar-v0",
    "fastfa/MountainCar-v0": "fastfa/MountainCar-v0",
    "CartPole-v1": "fastfa/CartPole-v1",
    "fastfa/CartPole-v1": "fastfa/CartPole-v1",
    "Acrobot-v1": "fastfa/Acrobot-v1",
    "fastfa/Acrobot-v1": "fastfa/Acrobot-v1",
    "fastfa/ShortCorridor-v0": "fastfa/ShortCorridor-v0",
    "fastfa/PuckWorld-v0": "fastfa/PuckWorld-v0",
    "fastfa/PuckWorldDiscrete-v0": "fastfa/PuckWorldDiscrete-v0",
    "fastfa/RandomWalk1000-v0": "fastfa/RandomWalk1000-v0",
}

COMPILED_ENVS: dict[str, tuple[str, int]] = {
    "MountainCar-v0": ("fastfa.envs.classic:MountainCarEnv", 200),
    "CartPole-v1": ("fastfa.envs.classic:CartPoleEnv", 500),
    "Acrobot-v1": ("fastfa.envs.classic:AcrobotEnv", 500),
}
COMPILED_ENVS.update({"fastfa/" + k: v for k, v in COMPILED_ENVS.items()})
COMPILED_ENVS["fastfa/PuckWorldDiscrete-v0"] = ("fastfa.envs.pg_envs:PuckWorldDiscreteCompiledEnv", 600)


def compiled_env_for(env_id: str) -> tuple[Any, int] | None:
    """``(a new built-in CompiledEnv, its time limit)`` for ``env_id``, or None if it has none."""
    import importlib

    entry = COMPILED_ENVS.get(env_id)
    if entry is None:
        return None
    module, cls = entry[0].split(":")
    return getattr(importlib.import_module(module), cls)(), entry[1]


LAZY_ATTRS: dict[str, str] = {
    "short_corridor_value": ".pg_envs",
    "draw_puckworld": ".pg_envs",
    "randomwalk_true_values": ".random_walk",
    "randomwalk_state_distribution": ".random_walk",
    "randomwalk_transition_matrix": ".random_walk",
}


def register_all() -> None:
    for env_id, (entry, kwargs, max_steps) in REGISTRY.items():
        if env_id in gymnasium.registry:
            continue
        gymnasium.register(id=env_id, entry_point=entry, kwargs=dict(kwargs), max_episode_steps=max_steps)
