"""``fastfa run cartpole-dqn``: DQN on CartPole-v1 (compiled loop), 10 seeds x 50k steps.

Reports, per seed, the env steps and training wall time to first reach a mean
return >= 475 over 10 deterministic evaluation episodes (evaluated every 2,500
steps), the final evaluation, and a learning-curve plot.  Hyper-parameters are
``DQNConfig``'s defaults (tuned for this task, see docs/dqn.md); override any
with ``--set name=value``.
"""

from __future__ import annotations

from ._base import Context, Result, experiment
from ._dqn import dqn_params, run_dqn_experiment


@experiment(
    "cartpole-dqn",
    "DQN on CartPole-v1: steps and wall time to eval return >= 475, 10 seeds",
    default_runs=10,
    params=dqn_params(50_000, 10_000),
)
def run(ctx: Context) -> Result:
    return run_dqn_experiment(ctx, "CartPole-v1", threshold=475.0, total_steps=50_000, quick_steps=10_000)
