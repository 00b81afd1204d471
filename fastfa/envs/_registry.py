"""Table of fastfa's environment ids.  One line per env; keep entry points as strings.

REGISTRY: fastfa id -> (entry point "module:Class", default kwargs, max_episode_steps)
COMPILED_TWINS: any env id (gymnasium's or ours) -> fastfa id of the gymnasium-compatible
    env backed by the compiled twin (what ``fastfa.make(id, compiled=True)`` builds).
LAZY_ATTRS: public helper name -> relative module, exposed as ``fastfa.envs.<name>``.
"""
from __future__ import annotations

import gymnasium

REGISTRY: dict[str, tuple[str, dict, int | None]] = {
    "fastfa/MountainCar-v0": ("fastfa.envs.classic:MountainCarEnv", {}, 200),
    "fastfa/CartPole-v1": ("fastfa.envs.classic:CartPoleEnv", {}, 500),
    "fastfa/Acrobot-v1": ("fastfa.envs.classic:AcrobotEnv", {}, 500),
}

COMPILED_TWINS: dict[str, str] = {
    "MountainCar-v0": "fastfa/MountainCar-v0", "fastfa/MountainCar-v0": "fastfa/MountainCar-v0",
    "CartPole-v1": "fastfa/CartPole-v1", "fastfa/CartPole-v1": "fastfa/CartPole-v1",
    "Acrobot-v1": "fastfa/Acrobot-v1", "fastfa/Acrobot-v1": "fastfa/Acrobot-v1",
}

LAZY_ATTRS: dict[str, str] = {
}


def register_all() -> None:
    for env_id, (entry, kwargs, max_steps) in REGISTRY.items():
        if env_id in gymnasium.registry:
            continue
        gymnasium.register(id=env_id, entry_point=entry, kwargs=dict(kwargs),
                           max_episode_steps=max_steps)
