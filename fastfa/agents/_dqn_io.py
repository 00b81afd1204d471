"""Saving and loading :class:`fastfa.agents.DQN` files (this version's and 0.1.0's), every array checked."""

from __future__ import annotations

import dataclasses

from .. import io as _io
from .dqn_config import DQNConfig


def save_dqn(agent, path, include_buffer):
    """Write ``agent`` (a ``DQN``) to ``path`` (the buffer too if ``include_buffer``)."""
    meta = {
        "config": dataclasses.asdict(agent.config),
        "env_id": agent.env_id,
        "seed": agent.seed,
        "compiled": agent.compiled,
        "rng": _io.rng_state(agent.rng),
        "env_rng": _io.rng_state(agent.env_rng),
        "env_seed": agent.env_seed,
        "started_python": agent._started_python,
        "episode_returns": agent.episode_returns,
        "episode_end_steps": agent.episode_end_steps,
        "episode_lengths": agent.episode_lengths,
        "contract": {"pending": agent._pending, "wall_time_s": agent._wall_s},
    }
    if agent._started_python and getattr(agent.env.unwrapped, "_np_random", None) is not None:
        meta["contract"]["env_rng"] = _io.rng_state(agent.env.unwrapped.np_random)  # exact resume
    arrays = {
        "theta": agent.theta,
        "theta_target": agent.theta_target,
        "adam_m": agent.adam_m,
        "adam_v": agent.adam_v,
        "cnt": agent.cnt,
        "env_state": agent.env_state,
        "x_cur": agent.x_cur,
        "ep_ret_cur": agent.ep_ret_cur,
        "sizes": agent.sizes,
    }
    if include_buffer:
        bmeta, barrays = agent.buffer.to_dict()
        meta["buffer"] = bmeta
        arrays.update(barrays)
    return _io.save(path, "DQN", meta, arrays)


def load_dqn(cls, path, env):
    """A ``cls`` (``DQN``) rebuilt from ``path`` on ``env`` (or the saved env id), every array checked."""
    _, meta, arrays = _io.load(path, kind="DQN")
    cfg = dict(meta["config"])
    cfg["hidden"] = tuple(cfg["hidden"])
    target = env if env is not None else meta["env_id"]
    if target is None:
        raise ValueError(f"{path}: no env id stored; pass env=")
    agent = cls(target, config=DQNConfig(**cfg), seed=meta["seed"], compiled=meta["compiled"])
    if tuple(arrays["sizes"]) != tuple(agent.sizes):
        raise ValueError(f"{path}: network sizes {tuple(arrays['sizes'])} do not fit the env ({tuple(agent.sizes)})")
    for k in ("theta", "theta_target", "adam_m", "adam_v", "cnt", "env_state", "x_cur", "ep_ret_cur"):
        t = getattr(agent, k)  # exact shape (a corrupt entry must not broadcast), finite values
        t[...] = _io.check_array(arrays, k, kind="biuf", shape=t.shape, finite=True)
    agent.rng = _io.rng_from_state(meta["rng"])
    agent.env_rng = _io.rng_from_state(meta["env_rng"])
    agent._started_python = meta.get("started_python", False)
    agent.episode_returns = list(meta.get("episode_returns", []))
    agent.episode_lengths = list(meta.get("episode_lengths", []))
    agent.episode_end_steps = list(meta.get("episode_end_steps", []))
    c = meta.get("contract", {})
    agent._pending, agent._wall_s = c.get("pending"), float(c.get("wall_time_s", 0.0))
    if "env_rng" in c and not agent.compiled:
        agent.env.unwrapped.np_random = _io.rng_from_state(c["env_rng"])
    if "buffer" in meta:
        cls_b = type(agent.buffer)
        if meta["buffer"].get("class") != cls_b._kind:
            raise ValueError(
                f"{path}: stored buffer is a {meta['buffer'].get('class')}, the config needs a {cls_b._kind}"
            )
        agent.buffer = cls_b.from_dict(meta["buffer"], arrays)
    return agent
