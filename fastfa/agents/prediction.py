"""Linear prediction agents for a fixed policy (S&B chapters 9 and 12).

Each agent = ``features`` + :class:`fastfa.approx.LinearV` + a fixed policy +
a frozen config; it learns ``v_π`` on any gymnasium env through
``fastfa.loop.run`` with compiled update kernels (:mod:`fastfa.kernels.linear.prediction`):

* :class:`GradientMC`: ``w ← w + α [G_t − v̂(S_t)] x(S_t)`` after each episode (9.3);
* :class:`TD0`: semi-gradient TD(0), ``δ = R + γ v̂(S') − v̂(S)`` (9.3);
* :class:`NStepTD`: n-step semi-gradient TD with ``G_{t:t+n}`` (9.4, eq. 9.15);
* :class:`TDLambda`: semi-gradient TD(λ), accumulating or replacing traces (12.2);
* :class:`TrueOnlineTDLambda`: true online TD(λ), dutch traces (12.5).

**Step size.** ``alpha`` is used as given.  With tile coding (``n_active``
features of value 1 per state), the book's convention is
``alpha = a / n_active``, e.g. ``0.1 / tc.n_tilings`` (S&B 9.5.4): the step
then moves v̂(S_t) a fraction ≈ a of the error.

Terminal transitions bootstrap with 0; a time-limit truncation bootstraps from
the last observation (TD methods) and ends the λ / n-step episode there;
gradient MC treats a truncated episode as ended (its return is cut).

Example::

    >>> import fastfa
    >>> from fastfa.agents import TD0
    >>> from fastfa.features import StateAggregation
    >>> env = fastfa.make("fastfa/RandomWalk1000-v0")
    >>> agent = TD0(StateAggregation(1000, 10, first=1), alpha=2e-4).learn(env, episodes=1000, seed=0)
    >>> agent.value(300), agent.values([1, 1000])
"""

from __future__ import annotations


import numpy as np

from ._prediction_base import PredictionConfig, _Predictor
from .._typing import ArrayLike

__all__ = ["GradientMC", "TD0", "NStepTD", "TDLambda", "TrueOnlineTDLambda", "PredictionConfig"]


class GradientMC(_Predictor):
    """Gradient Monte Carlo prediction (S&B 9.3): updates towards G_t at the end of each episode."""

    _method = "mc"

    def _env_method(self):
        from ..kernels.codes import MC

        return MC

    def _begin(self) -> None:
        self._enc: list = []
        self._rewards: list[float] = []

    def step(
        self, obs: ArrayLike, action: ArrayLike, reward: float, next_obs: ArrayLike, terminated: bool, truncated: bool
    ) -> ArrayLike:
        self._enc.append(self.approx.encode(obs))
        self._rewards.append(reward)
        return self._act(next_obs)

    def end_episode(self) -> None:
        from ..kernels.linear.prediction import linear_v_update, mc_returns

        g = np.empty(len(self._rewards))
        mc_returns(np.asarray(self._rewards, dtype=np.float64), float(self.config.gamma), g)
        for (i, v), gt in zip(self._enc, g):
            linear_v_update(self.w, i, v, gt, float(self.config.alpha))
        self._enc, self._rewards = [], []


class TD0(_Predictor):
    """Semi-gradient TD(0) (S&B 9.3): ``w ← w + α [R + γ v̂(S') − v̂(S)] x(S)`` every step."""

    _method = "nstep"

    def _env_method(self):
        from ..kernels.codes import NSTEP

        return NSTEP

    def step(
        self, obs: ArrayLike, action: ArrayLike, reward: float, next_obs: ArrayLike, terminated: bool, truncated: bool
    ) -> ArrayLike:
        from ..kernels.linear.prediction import td0_update

        i, v, i1, v1, g = self._encode_transition(obs, next_obs, terminated)
        td0_update(self.w, i, v, float(reward), g, i1, v1, float(self.config.alpha))
        return self._act(next_obs)


class NStepTD(_Predictor):
    """n-step semi-gradient TD (S&B 9.4): S_τ is updated towards G_{τ:τ+n} once R_{τ+n} is known."""

    _method = "nstep"

    def _n(self):
        return int(self.config.n)

    def _env_method(self):
        from ..kernels.codes import NSTEP

        return NSTEP

    def _begin(self) -> None:
        self._enc: list = []
        self._rewards: list[float] = []

    def _update(self, tau, bootstrap_enc, n_rewards) -> None:
        from ..kernels.linear.prediction import discounted_return, linear_v_update, v_value

        cfg = self.config
        boot = 0.0 if bootstrap_enc is None else v_value(self.w, *bootstrap_enc)
        rewards = np.asarray(self._rewards[tau : tau + n_rewards], dtype=np.float64)
        g = discounted_return(rewards, float(cfg.gamma), boot if bootstrap_enc is not None else 0.0)
        i, v = self._enc[tau]
        linear_v_update(self.w, i, v, g, float(cfg.alpha))

    def step(
        self, obs: ArrayLike, action: ArrayLike, reward: float, next_obs: ArrayLike, terminated: bool, truncated: bool
    ) -> ArrayLike:
        n = self.config.n
        i, v, i1, v1, _ = self._encode_transition(obs, next_obs, terminated)
        self._enc.append((i, v))
        self._rewards.append(float(reward))
        t = len(self._rewards)  # rewards R_1..R_t known; S_t is next_obs
        ended = terminated or truncated
        nxt = None if terminated else (i1, v1)
        tau = t - n
        if tau >= 0:
            self._update(tau, nxt, n)
        if ended:
            for tau in range(max(t - n + 1, 0), t):
                self._update(tau, nxt, t - tau)
        return self._act(next_obs)


class TDLambda(_Predictor):
    """Semi-gradient TD(λ) with accumulating or replacing traces (S&B 12.2)."""

    _method = "td_lambda"

    def _env_method(self):
        from ..kernels.codes import TDL_ACC, TDL_REP

        return TDL_ACC if self.config.trace == "accumulating" else TDL_REP

    def _begin(self) -> None:
        self._z = np.zeros(self.approx.n_features)

    def step(
        self, obs: ArrayLike, action: ArrayLike, reward: float, next_obs: ArrayLike, terminated: bool, truncated: bool
    ) -> ArrayLike:
        from ..kernels.linear.prediction import ACCUMULATE, REPLACE, td_lambda_update

        cfg = self.config
        i, v, i1, v1, g = self._encode_transition(obs, next_obs, terminated)
        td_lambda_update(
            self.w,
            self._z,
            i,
            v,
            float(reward),
            g,
            i1,
            v1,
            float(cfg.alpha),
            float(cfg.lam),
            ACCUMULATE if cfg.trace == "accumulating" else REPLACE,
        )
        return self._act(next_obs)


class TrueOnlineTDLambda(_Predictor):
    """True online TD(λ) with dutch traces (S&B 12.5); equals the online λ-return algorithm."""

    _method = "true_online"

    def _env_method(self):
        from ..kernels.codes import TRUE_ONLINE

        return TRUE_ONLINE

    def _begin(self) -> None:
        self._z = np.zeros(self.approx.n_features)
        self._v_old = 0.0

    def step(
        self, obs: ArrayLike, action: ArrayLike, reward: float, next_obs: ArrayLike, terminated: bool, truncated: bool
    ) -> ArrayLike:
        from ..kernels.linear.prediction import true_online_td_update

        cfg = self.config
        i, v, i1, v1, g = self._encode_transition(obs, next_obs, terminated)
        _, self._v_old = true_online_td_update(
            self.w, self._z, i, v, float(reward), g, i1, v1, float(cfg.alpha), float(cfg.lam), self._v_old
        )
        return self._act(next_obs)
