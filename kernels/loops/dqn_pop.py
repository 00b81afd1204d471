"""DQN populations: k seeds' networks trained together by one compiled loop (a template).

:func:`dqn_pop_tpl` advances k independent DQN runs ("seeds") over one compiled environment, in
blocks of :data:`BLOCK` env steps: for each block, for each seed s, the block's env steps of seed s,
each the step of :func:`fastfa.kernels.loops.dqn_loop.dqn_step_tpl`
(bound as ``SEED_STEP``: act, env step, store, target update, episode bookkeeping, the training
phase) on seed s's own arrays and generators.  Seeds share no state, so seed s's numbers are those
of the same loop with k = 1 on that seed alone (what ``DQN.learn`` runs), bit for bit (the same step
function, the same streams, whatever the block size); the loop overhead (one call, one scratch set)
is paid once.  (Stepping every seed at every env step ran 7-8% slower than one seed after the other,
10 CartPole seeds on a Xeon: each switch brought another seed's network and replay rows into the
cache.  With blocks a direct comparison found it as fast as one ``DQN.learn`` per seed on a pool of
threads; ``benches/jax_peer/dqn_vs_jax.py`` still shows it 5-7% behind, not explained.)

The population size k is a run-time value, not part of the compiled signature (one compile for every
k; a tuple of generators would have recompiled per length):

* per-seed arrays are stacked with a leading seed axis (``theta[s]``, ``replay.obs[s]``, ...; the
  network rows ``theta[s]``, ``theta_targ[s]``, ``adam_m[s]``, ``adam_v[s]`` may be longer than the
  parameter count (padding that starts each seed's row on a cache line; a misaligned θ ran ~8% slower),
  only their first ``mlp_n_params(sizes)`` entries are used; the
  namedtuples below, and :data:`~fastfa.kernels.loops.dqn_loop.DQNNet` /
  :data:`~fastfa.kernels.loops.dqn_loop.DQNEpisodes` with that axis); row views of C-contiguous
  stacks have the types of the agent's own arrays, and with k = 1 the stacks are views of them
  (``a[None]``: no copy);
* the generators are one ``numba.typed.List`` of 3k ``numpy.random.Generator`` objects, seed s's
  env / action / replay generators at ``3s``, ``3s+1``, ``3s+2``: they are the Python objects
  themselves (their states advance in place).  Build it with :func:`generator_list` (cached; the
  Python-side ``numba.typed.List`` constructor compiles its helpers, ~1.2 s, in every process).

Per-seed hyper-parameters (``seeds.hp[s]``: step sizes, ε schedule, γ, batch size, ...) may differ:
a parameter study in one call.  Network widths, replay capacity, dtypes and the replay kind
(uniform / prioritized: ``PER``, a constant of the specialisation) are shared.

Example (what ``fastfa.agents.learn_population`` does, for built-in CartPole)::

    >>> from fastfa.agents import DQN, learn_population
    >>> agents = [DQN("CartPole-v1", seed=s) for s in range(4)]
    >>> learn_population(agents, 10_000)  # each agent as after agent.learn(10_000)
"""

from collections import namedtuple

import numpy as np

from .._jit import fixed_tuple, njit
from ..nn.dqn import C_BAD_STEP
from ..nn.mlp import mlp_n_params
from .dqn_loop import DQNEpisodes, DQNNet, DQNReplay, dqn_work

try:
    from numba.typed import List
except ImportError:  # pragma: no cover (numba is a dependency)
    List = list

#: Per-seed run state, each with a leading seed axis: the env state, the current observation, the
#: counters (``C_*``) and the hyper-parameters (``HP_*``, may differ per seed).
DQNSeeds = namedtuple("DQNSeeds", "env_state x_cur cnt hp")
#: The replay arrays of :data:`~fastfa.kernels.loops.dqn_loop.DQNReplay` with a leading seed axis
#: (the generators are in the population's generator list).
DQNReplayArrays = namedtuple("DQNReplayArrays", "obs act rew next_obs term trunc bstate sum_tree min_tree pstate")

#: env steps a seed runs before the loop moves to the next seed (results do not depend on it)
BLOCK = 1024

# bound per specialisation (placeholders: the template is never compiled as it is)
SEED_STEP = None
PARAMS_N = -1


@njit
def generator_list(g):
    """A ``numba.typed.List`` holding the generator ``g`` (extend it with :func:`generator_push`)."""
    out = List()
    out.append(g)
    return out


@njit
def generator_push(gens, g):
    """Append the generator ``g`` to ``gens`` (a list from :func:`generator_list`)."""
    gens.append(g)


def dqn_pop_tpl(env_params, seeds, net, replay, eps, gens, n_steps, max_episodes, n_ep):
    """``n_steps`` env steps of each of k seeds, in blocks (k = ``seeds.cnt.shape[0]``; module
    docstring).  Seed s's episodes finished in this call are written to row s of ``eps`` and counted
    in ``n_ep[s]``; a seed stops early after the step that finishes its episode ``max_episodes`` of
    the call (< 0: no limit), or when a loss is not finite (its ``cnt[C_BAD_STEP]`` set), the others
    continue (a seed whose ``cnt[C_BAD_STEP]`` is set on entry does not run).  Returns the number of
    seeds still running (0: every seed stopped early)."""
    if PARAMS_N >= 0:
        params = fixed_tuple(env_params, PARAMS_N)
    else:
        params = env_params
    k = seeds.cnt.shape[0]
    n_p = mlp_n_params(net.sizes)  # the network rows may be padded (each seed's row cache-line aligned)
    w = dqn_work(net.theta[0], net.sizes, seeds.x_cur[0])  # scratch of one step, shared by the seeds
    active = np.ones(k, np.bool_)
    n_active = k
    for s in range(k):
        n_ep[s] = 0
        if seeds.cnt[s, C_BAD_STEP] >= 0:  # stopped at a non-finite loss in an earlier call: stays stopped
            active[s] = False
            n_active -= 1
    # blocks of BLOCK env steps: each seed runs a block, then the next seed (its arrays stay in cache
    # for the block; stepping all seeds every env step ran 7-8% slower, CartPole on a Xeon)
    for t0 in range(0, n_steps, BLOCK):
        t1 = min(t0 + BLOCK, n_steps)
        for s in range(k):
            if not active[s]:
                continue
            net_s = DQNNet(
                net.theta[s][:n_p], net.theta_targ[s][:n_p], net.sizes, net.adam_m[s][:n_p], net.adam_v[s][:n_p]
            )
            buf_s = DQNReplay(
                replay.obs[s], replay.act[s], replay.rew[s], replay.next_obs[s], replay.term[s], replay.trunc[s],
                replay.bstate[s], replay.sum_tree[s], replay.min_tree[s], replay.pstate[s], gens[3 * s + 2],
            )  # fmt: skip
            eps_s = DQNEpisodes(eps.returns[s], eps.lengths[s], eps.ends[s], eps.ret_cur[s])
            env_rng = gens[3 * s]
            act_rng = gens[3 * s + 1]
            m = n_ep[s]
            for _ in range(t0, t1):
                m, ok = SEED_STEP(
                    params, seeds.env_state[s], env_rng, seeds.x_cur[s], net_s, seeds.cnt[s], seeds.hp[s], act_rng,
                    buf_s, eps_s, m, w,
                )  # fmt: skip
                if not ok or (max_episodes >= 0 and m >= max_episodes):
                    active[s] = False
                    n_active -= 1
                    break
            n_ep[s] = m
        if n_active == 0:
            break
    return n_active
