"""Policy gradient: REINFORCE on the short corridor, its exact value, actor-critic on Puck World.

Sutton & Barto chapter 13:
* Example 13.1 (short corridor with switched actions): all states look alike, so the best
  policy is stochastic; ``fastfa.envs.short_corridor_value(p)`` is the exact value of going
  right with probability p (max ≈ -11.66 at p* = 2 - √2).
* 13.4 REINFORCE with baseline as an agent (``fastfa.agents.ReinforceBaseline``, Python loop,
  any gymnasium env), then 13.3/13.4 as compiled populations of runs (Figures 13.1-13.2,
  ``fastfa.agents.pg_compiled.short_corridor_reinforce``).
* 13.5 actor-critic with eligibility traces on Puck World, Gaussian policy on tile codes
  (``fastfa.agents.pg_compiled.puckworld_train``).
Set FASTFA_EXAMPLE_QUICK=1 for a tiny budget.

Run:  python examples/policy_gradient.py
"""

import os
import time

import gymnasium
import numpy as np

import fastfa  # noqa: F401  (registers the fastfa/... env ids)
from fastfa.agents import ConstantFeatures, ReinforceBaseline
from fastfa.agents.pg_compiled import puckworld_train, short_corridor_reinforce
from fastfa.envs import short_corridor_value

QUICK = os.environ.get("FASTFA_EXAMPLE_QUICK") == "1"

# --- 1. The exact objective J(p) = v_π(start) of the short corridor.
p = np.linspace(0.05, 0.95, 181)
J = np.array([short_corridor_value(x) for x in p])
print(
    f"short corridor: best p(right) {p[J.argmax()]:.3f} (2-√2 = {2 - np.sqrt(2):.3f}), "
    f"v* = {J.max():.3f}; deterministic-ish p=0.05: {short_corridor_value(0.05):.1f}"
)

# --- 2. REINFORCE with baseline, agent in the Python loop: x(s) = [1], per-action softmax
#     (θ[0] = the preferences of left and right).  Start as the book's figures: p(right) ≈ 0.05.
env = gymnasium.make("fastfa/ShortCorridor-v0")
agent = ReinforceBaseline(env, ConstantFeatures(), alpha=2**-9, alpha_w=2**-6, seed=0)
agent.policy.theta[:] = [[1.47, -1.47]]  # in place: θ is the policy's parameter array
n = 30 if QUICK else 300
t = time.perf_counter()
agent.learn(episodes=n)
returns = np.asarray(agent.log.returns)
p_right = agent.policy.probs(np.ones(1))[1]  # action 1 = right
print(
    f"ReinforceBaseline agent, {n} episodes ({time.perf_counter() - t:.1f} s): mean return "
    f"first 10 {returns[:10].mean():.1f}, last 10 {returns[-10:].mean():.1f}; p(right) -> "
    f"{p_right:.3f} (J = {short_corridor_value(p_right):.2f}); baseline v̂ = {agent.value(0):.2f}"
)

# --- 3. Compiled populations, the book's Fig 13.1/13.2 settings, many runs at once.  As the
#     reference code of the figures, action probabilities are floored at 0.05 (min_prob):
#     without it a few runs collapse to a near-deterministic policy whose episodes never end.
runs, episodes = (10, 100) if QUICK else (100, 1000)
for label, kw in [
    ("REINFORCE α=2^-13", dict(alpha=2**-13)),
    ("with baseline α=2^-9, α_w=2^-6", dict(alpha=2**-9, alpha_w=2**-6)),
]:
    t = time.perf_counter()
    r = short_corridor_reinforce(episodes=episodes, runs=runs, seed=0, min_prob=0.05, **kw)
    G = r["returns"].mean(axis=0)  # mean over runs, per episode
    print(
        f"{label:31s} {runs} runs x {episodes} ep: first 100 ep {G[:100].mean():6.1f}, "
        f"last 100 {G[-100:].mean():6.1f} (v* -11.66), {r['steps']:,} steps "
        f"in {time.perf_counter() - t:.1f} s"
    )

# --- 4. Actor-critic with traces on Puck World (continuous force, Gaussian policy).
ep = 10 if QUICK else 200
t = time.perf_counter()
r = puckworld_train(
    "actor_critic",
    episodes=ep,
    runs=4,
    seed=0,
    alpha=0.05,
    alpha_ls=0.002,
    alpha_w=0.2,
    gamma=0.9,
    lam=0.9,
    lam_w=0.9,
    tiles_per_dim=4,
    eval_every=ep // 2,
    eval_episodes=5,
)
d = r["distance"].mean(axis=0)  # mean puck-target distance per episode
print(
    f"Puck World actor-critic λ=0.9, 4 runs x {ep} episodes ({r['steps']:,} steps, "
    f"{time.perf_counter() - t:.1f} s): training distance first 5 ep {d[:5].mean():.3f}, "
    f"last 5 {d[-5:].mean():.3f}; greedy eval at episodes {r['eval_x'].tolist()}: "
    f"{np.round(r['eval_distance'].mean(axis=0), 3).tolist()}"
)
