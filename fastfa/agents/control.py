"""Linear control agents (S&B chapters 10 and 12): SARSA, Expected SARSA, Q-learning, SARSA(λ),
true online SARSA(λ) here; n-step SARSA, Monte Carlo control and the discretised tabular
Q-learning baseline in :mod:`fastfa.agents.control_more` (same surface).

Each agent is ``features + LinearQ + ε-greedy + ControlConfig``; the maths is in
:mod:`fastfa.kernels.linear.control`, stepping in :func:`fastfa.loop.run`.  With a
:class:`~fastfa.features.GridTileCoder` on MountainCar-v0 / CartPole-v1 /
Acrobot-v1 (gymnasium's or the compiled twin), ``learn`` runs the fused compiled
loop instead (see :mod:`fastfa.agents.compiled_control`) and gives the same
numbers as the Python loop for the same seeds (``compiled=False`` forces Python).

Example (S&B Fig 10.2, one run)::

    >>> import gymnasium
    >>> from fastfa.agents import Sarsa
    >>> from fastfa.features import GridTileCoder
    >>> env = gymnasium.make("MountainCar-v0", max_episode_steps=10_000)
    >>> agent = Sarsa(GridTileCoder([-1.2, -0.07], [0.5, 0.07], 8, 8), n_actions=3, alpha=0.5 / 8, seed=0)
    >>> agent.learn(env, episodes=100, seed=0).log.lengths[-1]   # ~ 100-200 steps

Caveats: Q-learning and Expected SARSA with function approximation are off-policy
semi-gradient methods and can diverge (S&B 11.2-11.3, the deadly triad); the
agents stop with ``FloatingPointError`` when the weights stop being finite.
Observations outside the tile coder's box are clipped to it (documented on the
feature class); non-finite observations and invalid actions raise ``ValueError``.
"""

from __future__ import annotations


import numpy as np

from ..kernels.codes import ALG_EXPECTED_SARSA, ALG_Q_LEARNING, ALG_SARSA, ALG_SARSA_LAMBDA, ALG_TRUE_ONLINE
from ._control_base import ControlConfig, _Control

__all__ = ["ControlConfig", "Sarsa", "ExpectedSarsa", "QLearning", "SarsaLambda", "TrueOnlineSarsaLambda"]
# NStepSarsa, MCControl and DiscretizedQLearning live in fastfa.agents.control_more


class Sarsa(_Control):
    """Episodic semi-gradient SARSA (S&B 10.1): δ = R + γ q̂(S′, A′) − q̂(S, A), w ← w + α δ ∇q̂(S, A)."""

    _alg = ALG_SARSA

    def _next(self, i0, v0, a0, r, i1, v1):
        from ..kernels.linear.control import sarsa_step

        return int(
            sarsa_step(
                self.approx.w,
                i0,
                v0,
                a0,
                r,
                self.config.gamma,
                i1,
                v1,
                self.config.alpha,
                self.epsilon,
                self.rng,
                self._qb,
            )
        )

    def _update(self, i0, v0, a0, r, g, i1, v1, a1) -> None:
        from ..kernels.linear.control import sarsa_update

        sarsa_update(self.approx.w, i0, v0, a0, r, g, i1, v1, a1, self.config.alpha)


class _UpdateThenAct(_Control):
    _expected = False

    def _next(self, i0, v0, a0, r, i1, v1):
        from ..kernels.linear.control import q_step

        return int(
            q_step(
                self._expected,
                self.approx.w,
                i0,
                v0,
                a0,
                r,
                self.config.gamma,
                i1,
                v1,
                self.config.alpha,
                self.epsilon,
                self.rng,
                self._qb,
            )
        )


class QLearning(_UpdateThenAct):
    """Semi-gradient Q-learning (S&B 6.5, 10.1): target R + γ max_a q̂(S′, a). Off-policy: may diverge (S&B 11)."""

    _alg = ALG_Q_LEARNING

    def _update(self, i0, v0, a0, r, g, i1, v1, a1) -> None:
        from ..kernels.linear.control import q_learning_update

        q_learning_update(self.approx.w, i0, v0, a0, r, g, i1, v1, self.config.alpha, self._qb)


class ExpectedSarsa(_UpdateThenAct):
    """Semi-gradient Expected SARSA (S&B 6.6): target R + γ Σ_a π(a|S′) q̂(S′, a) under the ε-greedy policy."""

    _alg = ALG_EXPECTED_SARSA
    _expected = True

    def _update(self, i0, v0, a0, r, g, i1, v1, a1) -> None:
        from ..kernels.linear.control import expected_sarsa_update

        expected_sarsa_update(self.approx.w, i0, v0, a0, r, g, i1, v1, self.epsilon, self.config.alpha, self._qb)


class SarsaLambda(_Control):
    """SARSA(λ) with accumulating / replacing (/ clearing) traces (S&B 12.7)."""

    _alg = ALG_SARSA_LAMBDA
    _uses_traces = True

    def _begin(self) -> None:
        self._z = np.zeros_like(self.approx.w)

    def _update(self, i0, v0, a0, r, g, i1, v1, a1) -> None:
        from ..kernels.linear.control import sarsa_lambda_update

        c = self.config
        sarsa_lambda_update(self.approx.w, self._z, i0, v0, a0, r, g, i1, v1, a1, c.alpha, c.lam, self._trace_code)


class TrueOnlineSarsaLambda(_Control):
    """True online SARSA(λ) with dutch traces (S&B 12.8; van Seijen et al. 2016)."""

    _alg = ALG_TRUE_ONLINE

    def _begin(self) -> None:
        self._z = np.zeros_like(self.approx.w)
        self._q_old = 0.0

    def _update(self, i0, v0, a0, r, g, i1, v1, a1) -> None:
        from ..kernels.linear.control import true_online_sarsa_update

        c = self.config
        _, self._q_old = true_online_sarsa_update(
            self.approx.w, self._z, i0, v0, a0, r, g, i1, v1, a1, c.alpha, c.lam, self._q_old
        )
