"""Train several DQN agents together: k seeds in one compiled loop (a "population").

:func:`learn_population` trains existing :class:`fastfa.agents.DQN` agents (compiled mode, one
compiled env) with ``kernels/loops/dqn_pop.dqn_pop_tpl``: one call advances every agent, each with
its own network, replay buffer, generators and episode in progress, so the loop overhead is paid
once for all of them.  Afterwards each agent is exactly as if ``agent.learn(total_steps)`` had been
called on it alone (weights, target weights, Adam moments, counters, replay contents, episode
lists, env state, generator states): the population runs the single-seed loop's step function,
and the single-seed ``DQN.learn`` itself runs this population loop with k = 1.

``threads=N`` splits the agents into N groups, one population per thread (the compiled loop
releases the GIL); the results do not depend on N.

The agents may differ in their hyper-parameters (learning rate, ε schedule, γ, batch size,
target interval, n-step, ...: a parameter study in one call) but must share the env (the same
compiled functions and parameters), the network widths and dtype, the replay capacity and the
replay kind (uniform or prioritized).

Example::

    >>> from fastfa.agents import DQN, learn_population
    >>> agents = [DQN("CartPole-v1", seed=s) for s in range(8)]
    >>> learn_population(agents, 50_000, threads=2)  # 2 threads x 4 seeds
    >>> [a.evaluate_returns(10, seed=0).mean() for a in agents]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .._checks import check_count

__all__ = ["learn_population"]

CHUNK = 10_000  # env steps per kernel call (the episode arrays are sized from it; results do not depend on it)


def _K():
    from ..kernels.nn import dqn

    return dqn


def _stack(arrays: list) -> np.ndarray:
    """The arrays with a leading seed axis: a view of the one array when there is one (k = 1: the
    kernel writes the agent's own array), else a stacked copy (written back by :meth:`Population.write_back`)."""
    if len(arrays) == 1:
        return arrays[0][None]
    return np.stack(arrays)


def _stack_aligned(arrays: list) -> np.ndarray:
    """As :func:`_stack` for 1-D arrays of one length n, but each seed's row starts on a 64-byte cache line
    (rows padded; the kernel uses the first n entries): the MLP kernels ran ~8% slower on a θ 8 bytes
    off a cache line, which is where a plain stack puts most rows."""
    if len(arrays) == 1:
        return arrays[0][None]
    from ..kernels.nn.mlp import aligned_zeros

    a0 = arrays[0]
    n, item = a0.shape[0], a0.dtype.itemsize
    row = -(-n * item // 64) * 64 // item
    out = aligned_zeros(len(arrays) * row, a0.dtype).reshape(len(arrays), row)
    for s, a in enumerate(arrays):
        out[s, :n] = a
    return out


class Population:
    """The stacked arrays and generator list of a group of checked agents, and the compiled unit.

    ``run(n, max_episodes)`` advances every agent ``n`` env steps (fewer for one that stops early)
    and appends the finished episodes to its lists; ``write_back()`` copies the stacked state back
    into the agents (nothing to do for one agent: its arrays were used in place)."""

    def __init__(self, agents: Sequence[Any], chunk: int = CHUNK) -> None:
        from ..kernels.loops import dqn_loop as L
        from ..kernels.loops import dqn_pop as P

        self.agents = list(agents)
        a0 = self.agents[0]
        self.unit = a0._unit("pop")
        self.params = a0._target.cenv.params
        ags = self.agents
        bufs = [a._buffer_args() for a in ags]
        self.seeds = P.DQNSeeds(
            _stack([a.env_state for a in ags]),
            _stack([a.x_cur for a in ags]),
            _stack([a.cnt for a in ags]),
            _stack([a.hp for a in ags]),
        )
        self.net = L.DQNNet(
            _stack_aligned([a.theta for a in ags]),
            _stack_aligned([a.theta_target for a in ags]),
            a0.sizes,
            _stack_aligned([a.adam_m for a in ags]),
            _stack_aligned([a.adam_v for a in ags]),
        )
        self.replay = P.DQNReplayArrays(*(_stack([b[j] for b in bufs]) for j in range(10)))
        self._bufs = bufs
        gens = P.generator_list(a0.env_rng)
        for j, a in enumerate(ags):
            for g in (a.env_rng, a.rng, a.buffer.rng)[1 if j == 0 else 0 :]:
                P.generator_push(gens, g)
        self.gens = gens
        k = len(ags)
        self.chunk = int(chunk)
        self.eps = L.DQNEpisodes(
            np.empty((k, self.chunk)),
            np.empty((k, self.chunk), np.int64),
            np.empty((k, self.chunk), np.int64),
            _stack([a.ep_ret_cur for a in ags]),
        )
        self.n_ep = np.zeros(k, np.int64)

    def run(self, n: int, max_episodes: int = -1) -> int:
        """``n`` <= chunk env steps of every agent; returns the number of agents still running."""
        assert 0 < n <= self.chunk
        n_active = self.unit(
            self.params, self.seeds, self.net, self.replay, self.eps, self.gens, int(n), int(max_episodes), self.n_ep
        )
        for s, a in enumerate(self.agents):
            m = int(self.n_ep[s])
            a.episode_returns.extend(self.eps.returns[s, :m].tolist())
            a.episode_lengths.extend(self.eps.lengths[s, :m].tolist())
            a.episode_end_steps.extend(self.eps.ends[s, :m].tolist())
        return int(n_active)

    def write_back(self) -> None:
        if len(self.agents) == 1:
            return
        for s, a in enumerate(self.agents):
            a.env_state[...] = self.seeds.env_state[s]
            a.x_cur[...] = self.seeds.x_cur[s]
            a.cnt[...] = self.seeds.cnt[s]
            n = a.theta.shape[0]
            a.theta[...] = self.net.theta[s, :n]
            a.theta_target[...] = self.net.theta_targ[s, :n]
            a.adam_m[...] = self.net.adam_m[s, :n]
            a.adam_v[...] = self.net.adam_v[s, :n]
            a.ep_ret_cur[...] = self.eps.ret_cur[s]
            n = 10 if a.config.prioritized else 7  # uniform replay: the PER placeholders are not written
            for j in range(n):
                self._bufs[s][j][...] = self.replay[j][s]


def _train_group(agents: list, total: int) -> None:
    """Train one group of checked agents ``total`` env steps in one population (chunked calls)."""
    pop = Population(agents, min(CHUNK, total))
    t0 = time.perf_counter()
    try:
        done = 0
        while done < total:
            n = min(pop.chunk, total - done)
            active = pop.run(n)
            done += n
            if active < len(agents):  # a loss became non-finite: that agent stopped (raised below)
                bad = [a for a in agents if a.cnt[_K().C_BAD_STEP] >= 0]
                if len(bad) == len(agents):
                    break
    finally:
        pop.write_back()
        wall = time.perf_counter() - t0
        for a in agents:
            a._pending = None
            a._wall_s += wall
            a._sync_beta()


def _check_agents(agents: Any, total_steps: Any, threads: Any) -> tuple[list, int, int]:
    """Validated ``(agents, total_steps, threads)``; raises naming the argument before any kernel runs."""
    from .dqn import DQN

    if isinstance(agents, DQN) or not isinstance(agents, Sequence) or isinstance(agents, (str, bytes)):
        raise TypeError(f"agents must be a list or tuple of fastfa.agents.DQN agents, got {type(agents).__name__}")
    agents = list(agents)
    if not agents:
        raise ValueError("agents must hold at least one fastfa.agents.DQN agent, got an empty sequence")
    total_steps = check_count("total_steps", total_steps)
    threads = check_count("threads", threads, 1, 4096)
    seen: dict[int, int] = {}
    for i, a in enumerate(agents):
        if not isinstance(a, DQN):
            raise TypeError(f"agents[{i}] must be a fastfa.agents.DQN, got {type(a).__name__}")
        if id(a) in seen:
            raise ValueError(f"agents[{i}] is the same agent object as agents[{seen[id(a)]}]; pass each agent once")
        seen[id(a)] = i
        if not a.compiled or a._target is None:
            raise ValueError(
                f"agents[{i}] trains in the Python loop (env {a.env_id!r}); learn_population needs agents in "
                "compiled mode: a fastfa.envs.CompiledEnv or an id with a compiled twin, compiled='auto' or True"
            )
        if a.cnt[_K().C_BAD_STEP] >= 0:
            raise ValueError(
                f"agents[{i}] stopped at a non-finite loss (env step {int(a.cnt[_K().C_BAD_STEP])}); it cannot train on"
            )
    a0 = agents[0]
    c0 = a0._target.cenv
    gens: dict[int, str] = {}
    for i, a in enumerate(agents):
        c = a._target.cenv
        same_env = c is c0 or (
            (c.reset_fn, c.step_fn, c.observe_fn) == (c0.reset_fn, c0.step_fn, c0.observe_fn)
            and c.params_tuple == c0.params_tuple
            and c.params.dtype == c0.params.dtype
            and np.array_equal(c.params, c0.params)
            and c.observation_space.dtype == c0.observation_space.dtype
            and getattr(c, "compiled_key", None) == getattr(c0, "compiled_key", None)
        )
        if not same_env:
            raise ValueError(
                f"agents[{i}] trains on another compiled env ({a.env_id or type(c).__name__}) than agents[0] "
                f"({a0.env_id or type(c0).__name__}); a population shares one env (same functions and params)"
            )
        for what, mine, theirs in (
            ("network widths (obs, *hidden, actions)", tuple(a.sizes), tuple(a0.sizes)),
            ("dtype", a.dtype, a0.dtype),
            ("buffer_size", a.buffer.capacity, a0.buffer.capacity),
            ("prioritized", bool(a.config.prioritized), bool(a0.config.prioritized)),
            ("env state size", a.env_state.shape, a0.env_state.shape),
            ("observation dtype", a.x_cur.dtype, a0.x_cur.dtype),
        ):
            if mine != theirs:
                raise ValueError(
                    f"agents[{i}]: {what} {mine} differs from agents[0]'s {theirs}; a population shares network "
                    "widths, dtype, replay capacity and kind (other hyper-parameters may differ)"
                )
        for name, g in (("env_rng", a.env_rng), ("rng", a.rng), ("buffer.rng", a.buffer.rng)):
            if id(g) in gens:
                raise ValueError(
                    f"agents[{i}].{name} is the same generator object as {gens[id(g)]}; each agent needs its own streams"
                )
            gens[id(g)] = f"agents[{i}].{name}"
    return agents, total_steps, threads


def learn_population(agents: Sequence[Any], total_steps: int, *, threads: int = 1) -> list:
    """Train the DQN ``agents`` ``total_steps`` more env steps each, together (module docstring).

    Args:
        agents: a list or tuple of :class:`fastfa.agents.DQN` agents in compiled mode on one compiled
            env, each given once, with equal network widths, dtype, replay capacity and replay kind
            (uniform or prioritized); their other hyper-parameters may differ.
        total_steps: env steps per agent, an int >= 1.
        threads: number of groups the agents are split into (in order, sizes differing by at most
            one), each trained by one population call in its own thread; at most one group per agent.

    Returns the list of agents, each as after ``agent.learn(total_steps)`` alone (the episode in
    progress carries over between calls, as in ``learn``; ``agent.log``'s wall time grows by the
    group's wall time).  Raises ``TypeError``/``ValueError`` naming the argument before anything
    runs; ``FloatingPointError`` after the run if an agent's loss became non-finite (that agent
    stopped there, the others trained to the end).

    Example::

        >>> from fastfa.agents import DQN, learn_population
        >>> agents = [DQN("CartPole-v1", seed=s, learning_rate=lr) for s, lr in enumerate([1e-3, 3e-4])]
        >>> learn_population(agents, 20_000)
        >>> [a.num_timesteps for a in agents]
        [20000, 20000]
    """
    agents, total, threads = _check_agents(agents, total_steps, threads)
    n_groups = min(threads, len(agents))
    q, r = divmod(len(agents), n_groups)
    bounds = np.cumsum([0] + [q + (1 if g < r else 0) for g in range(n_groups)])
    groups = [agents[bounds[g] : bounds[g + 1]] for g in range(n_groups)]
    agents[0]._unit("pop")  # specialise (and compile or load) once, before the threads start
    if n_groups == 1:
        _train_group(groups[0], total)
    else:
        with ThreadPoolExecutor(n_groups) as pool:
            futures = [pool.submit(_train_group, g, total) for g in groups]
            for f in futures:
                f.result()
    bad = [i for i, a in enumerate(agents) if a.cnt[_K().C_BAD_STEP] >= 0]
    if bad:
        raise FloatingPointError(
            f"learn_population: the loss of agents {bad} became non-finite (env steps "
            f"{[int(agents[i].cnt[_K().C_BAD_STEP]) for i in bad]}); those agents stopped there, the others "
            "trained to the end. Lower learning_rate, keep max_grad_norm finite, or use loss='huber'."
        )
    return agents
