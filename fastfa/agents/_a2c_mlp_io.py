"""Saving and loading :class:`fastfa.agents.A2CMLP` files (this version's and 0.1.0's), with every array checked."""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import io as _io
from .._checks import check_count


def save_a2c_mlp(agent, path):
    """Write ``agent`` (an ``A2CMLP``) to ``path``: networks, RMSprop state, envs, generators, episodes."""
    arrays = {k: getattr(agent, k) for k in agent._STATE}
    arrays.update(
        env_states=agent.env_states,
        episode_returns=agent.episode_returns,
        episode_lengths=agent.episode_lengths,
        episode_end_steps=agent.episode_end_steps,
    )
    args = {"env_id": agent.env_id, "seed": agent.seed, "compiled": agent.compiled}
    args.update({f.name: getattr(agent.config, f.name) for f in dataclasses.fields(agent.config)})
    args["hidden"] = list(agent.config.hidden)
    meta = {
        "args": args,
        "num_timesteps": agent.num_timesteps,
        "n_episodes": agent.n_episodes,
        "started": bool(agent.started and agent.compiled),
        "rng": _io.rng_state(agent.rng),
        "env_rng": _io.rng_state(agent.env_rng),
        "contract": {"pending": agent._pending, "wall_time_s": agent._wall_s},
    }
    return _io.save(path, "A2CMLP", meta, arrays)


@_io.loader
def load_a2c_mlp(cls, path, env=None):
    """An ``A2CMLP`` rebuilt from ``path`` on ``env`` (default: the saved env id)."""
    _, meta, arrays = _io.load(path, kind="A2CMLP")
    args = dict(meta["args"])
    args["hidden"] = tuple(args["hidden"])
    env_id = args.pop("env_id")
    seed = args.pop("seed", None)
    compiled = args.pop("compiled", True)
    if env is None:
        if env_id is None:
            raise ValueError("env: the saved agent's env has no id; pass env= to load it")
        env = env_id
    agent = cls(env, seed=seed, compiled="auto" if compiled else False, **args)
    for k in cls._STATE:  # exact shapes (a corrupt entry must not broadcast), finite values
        target = getattr(agent, k)
        target[...] = _io.check_array(arrays, k, kind="biuf", shape=target.shape, finite=True)
    if (agent.ep_len < 0).any():
        raise ValueError("ep_len must be >= 0")
    # a file of this version saved after the envs started (compiled loop): resume them exactly;
    # otherwise (0.1.0 file, Python loop) the envs restart at the next learn
    started = bool(meta.get("started", False)) and agent.compiled
    states = _io.check_array(arrays, "env_states", kind="f", shape=(agent.env_states.shape[0], None), finite=True)
    if started:
        if states.shape != agent.env_states.shape:
            raise ValueError(f"array 'env_states': shape {states.shape}, expected {agent.env_states.shape}")
        agent.env_states[...] = states
    else:
        agent.ep_len[...] = 0
        agent.ep_ret[...] = 0.0
    agent.started = started
    rets = _io.check_array(arrays, "episode_returns", kind="f", shape=(None,))
    n_ep = len(rets)
    agent._ret = np.array(rets, dtype=np.float64)
    agent._end = np.array(_io.check_array(arrays, "episode_end_steps", kind="iu", shape=(n_ep,)), dtype=np.int64)
    if "started" in meta:  # this version's files keep the lengths
        agent._len = np.array(_io.check_array(arrays, "episode_lengths", kind="iu", shape=(n_ep,)), dtype=np.int64)
    else:  # 0.1.0 files did not keep the lengths: 0 = unknown
        agent._len = np.zeros(n_ep, np.int64)
    # n_episodes indexes the episode arrays inside the compiled loop: it must be their length
    agent.counts[0] = check_count("n_episodes", meta["n_episodes"], low=n_ep, high=n_ep)
    agent.counts[1] = check_count("num_timesteps", meta["num_timesteps"], low=0)
    agent.rng, agent.env_rng = _io.rng_from_state(meta["rng"]), _io.rng_from_state(meta["env_rng"])
    c = meta.get("contract", {})
    agent._pending, agent._wall_s = c.get("pending"), float(c.get("wall_time_s", 0.0))
    return agent
