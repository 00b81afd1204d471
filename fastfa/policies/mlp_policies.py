"""MLP policies on fastfa's compiled MLP kernels (:mod:`fastfa.kernels.nn.mlp`): softmax and Gaussian.

* :class:`SoftmaxMLP`: π(·|s) = softmax(f_θ(s)), f an MLP with one output per action;
  ∇_θ ln π(a|s) = J_f(s)ᵀ (e_a − π(·|s))  (backpropagation of δ = e_a − π).
* :class:`GaussianMLP`: μ(s) = f_θ(s) (D outputs), state-independent learned log-std b
  (clipped to [ln σ_min, ln σ_max]); ∇_θ ln π = J_f(s)ᵀ (a − μ)/σ², ∂/∂b = (a − μ)²/σ² − 1
  (0 where clipped).  Sampled actions are clipped to [low, high] for the environment; the
  score is that of the unclipped draw (see :class:`fastfa.policies.GaussianLinear`).

Batched: ``grad_log_prob(x, a, w)`` with x [B, n_in] returns Σ_i w_i ∇ ln π(a_i|s_i) in one
forward/backward pass.  Parameters: PyTorch-default initialisation from ``seed``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._typing import ArrayLike, SeedLike

from ._checks import check_int, check_positive, check_rng
from numpy.random import Generator

__all__ = ["SoftmaxMLP", "GaussianMLP"]


class _MLPBase:
    def __init__(self, n_in: int, n_out: int, hidden: Sequence[int], activation: str, seed: SeedLike) -> None:
        from ..kernels.nn import mlp

        n_in = check_int("n_in", n_in, 1)
        hidden = [check_int("hidden", int(h), 1) for h in hidden]
        if activation not in ("tanh", "relu"):
            raise ValueError(f"activation must be 'tanh' or 'relu', got {activation!r}")
        self.sizes = np.array([n_in, *hidden, n_out], np.int64)
        self.act = mlp.ACT_TANH if activation == "tanh" else mlp.ACT_RELU
        self.theta = np.empty(mlp.mlp_n_params(self.sizes))
        mlp.mlp_init(self.theta, self.sizes, np.random.default_rng(seed))

    def _x(self, x: np.ndarray):
        x = np.asarray(x, dtype=np.float64)
        single = x.ndim == 1
        x = np.ascontiguousarray(x.reshape(1, -1) if single else x)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ValueError(f"x must have shape ({self.sizes[0]},) or (B, {self.sizes[0]}), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("x contains NaN or inf")
        return x, single

    def _forward(self, x: np.ndarray):
        from ..kernels.nn import mlp

        acts = np.empty(mlp.mlp_acts_size(self.sizes, x.shape[0]))
        out = mlp.mlp_forward(self.theta, self.sizes, self.act, x, acts)
        return out.copy(), acts

    def _backward(self, x: np.ndarray, acts, dout):
        from ..kernels.nn import mlp

        grad = np.empty_like(self.theta)
        work = np.empty(mlp.mlp_work_size(self.sizes, x.shape[0]))
        mlp.mlp_backward(self.theta, self.sizes, self.act, x, acts, np.ascontiguousarray(dout), grad, work)
        return grad


class SoftmaxMLP(_MLPBase):
    """Softmax over MLP outputs.  Args: n_in, n_actions (>= 2), hidden=(64, 64), activation, seed."""

    def __init__(
        self,
        n_in: int,
        n_actions: int,
        *,
        hidden: Sequence[int] = (64, 64),
        activation: str = "tanh",
        seed: SeedLike = None,
    ) -> None:
        self.n_actions = check_int("n_actions", n_actions, 2)
        super().__init__(n_in, self.n_actions, hidden, activation, seed)

    def probs(self, x: np.ndarray) -> np.ndarray:
        x, single = self._x(x)
        h, _ = self._forward(x)
        h -= h.max(axis=1, keepdims=True)
        p = np.exp(h)
        p /= p.sum(axis=1, keepdims=True)
        return p[0] if single else p

    def log_prob(self, x: np.ndarray, a: ArrayLike) -> float | np.ndarray:
        x, single = self._x(x)
        ai = self._a(a, x.shape[0])
        h, _ = self._forward(x)
        m = h.max(axis=1, keepdims=True)
        lp = h[np.arange(len(ai)), ai] - (m[:, 0] + np.log(np.exp(h - m).sum(axis=1)))
        return float(lp[0]) if single else lp

    def _a(self, a: ArrayLike, B: int) -> np.ndarray:
        a = np.asarray(a, dtype=np.int64).reshape(-1)
        if a.shape != (B,) or (B and (a.min() < 0 or a.max() >= self.n_actions)):
            raise ValueError(f"a must be {B} action(s) in [0, {self.n_actions}), got {a}")
        return a

    def grad_log_prob(self, x: np.ndarray, a: ArrayLike, w: np.ndarray | None = None) -> np.ndarray:
        """Σ_i w_i ∇_θ ln π(a_i|s_i) (w = 1 by default); one state gives ∇_θ ln π(a|s)."""
        x, _ = self._x(x)
        B = x.shape[0]
        a = self._a(a, B)
        w = np.ones(B) if w is None else np.asarray(w, dtype=np.float64).reshape(B)
        h, acts = self._forward(x)
        h -= h.max(axis=1, keepdims=True)
        p = np.exp(h)
        p /= p.sum(axis=1, keepdims=True)
        d = -p * w[:, None]
        d[np.arange(B), a] += w
        return self._backward(x, acts, d)

    def sample(self, x: np.ndarray, rng: Generator) -> int:
        from ..kernels.linear.policy_gradient import categorical_sample

        check_rng(rng)
        return int(categorical_sample(self.probs(x), rng))


class GaussianMLP(_MLPBase):
    """Gaussian with MLP mean.  Args: n_in, action_dim, low, high, hidden, activation, init_std, std_bounds, seed."""

    def __init__(
        self,
        n_in: int,
        action_dim: int = 1,
        *,
        low: ArrayLike = -np.inf,
        high: ArrayLike = np.inf,
        hidden: Sequence[int] = (64, 64),
        activation: str = "tanh",
        init_std: float = 1.0,
        std_bounds: tuple[float, float] = (np.exp(-5.0), np.exp(2.0)),
        seed: SeedLike = None,
    ) -> None:
        self.action_dim = check_int("action_dim", action_dim, 1)
        super().__init__(n_in, self.action_dim, hidden, activation, seed)
        init_std = check_positive("init_std", init_std)
        smin, smax = check_positive("std_bounds[0]", std_bounds[0]), check_positive("std_bounds[1]", std_bounds[1])
        if not smin <= init_std <= smax:
            raise ValueError(f"init_std must lie in std_bounds {std_bounds}, got {init_std}")
        self.ls_min, self.ls_max = float(np.log(smin)), float(np.log(smax))
        self.log_std = np.full(self.action_dim, np.log(init_std))
        self.low = np.broadcast_to(np.asarray(low, np.float64), (self.action_dim,)).copy()
        self.high = np.broadcast_to(np.asarray(high, np.float64), (self.action_dim,)).copy()
        if np.any(self.low >= self.high):
            raise ValueError(f"low must be < high, got {self.low}, {self.high}")

    def _ls(self):
        return np.clip(self.log_std, self.ls_min, self.ls_max)

    def mean_std(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, single = self._x(x)
        mu, _ = self._forward(x)
        s = np.exp(self._ls())
        return (mu[0], s) if single else (mu, s)

    def log_prob(self, x: np.ndarray, a: ArrayLike) -> float | np.ndarray:
        x, single = self._x(x)
        mu, _ = self._forward(x)
        a = np.asarray(a, dtype=np.float64).reshape(mu.shape)
        ls = self._ls()
        lp = (-0.5 * ((a - mu) / np.exp(ls)) ** 2 - ls - 0.5 * np.log(2 * np.pi)).sum(axis=1)
        return float(lp[0]) if single else lp

    def grad_log_prob(self, x: np.ndarray, a: ArrayLike, w: np.ndarray | None = None) -> dict:
        """{"theta": Σ_i w_i ∇_θ ln π, "log_std": Σ_i w_i ∂ ln π/∂b}."""
        x, _ = self._x(x)
        B = x.shape[0]
        mu, acts = self._forward(x)
        a = np.asarray(a, dtype=np.float64).reshape(mu.shape)
        if not np.all(np.isfinite(a)):
            raise ValueError("a contains NaN or inf")
        w = np.ones(B) if w is None else np.asarray(w, dtype=np.float64).reshape(B)
        ls = self._ls()
        inv_var = np.exp(-2 * ls)
        diff = a - mu
        g_theta = self._backward(x, acts, w[:, None] * diff * inv_var)
        g_ls = (w[:, None] * (diff**2 * inv_var - 1.0)).sum(axis=0)
        g_ls[(self.log_std < self.ls_min) | (self.log_std > self.ls_max)] = 0.0
        return {"theta": g_theta, "log_std": g_ls}

    def sample(self, x: np.ndarray, rng: Generator) -> tuple[np.ndarray, np.ndarray]:
        """(unclipped draw for learning, action clipped to [low, high])."""
        check_rng(rng)
        mu, s = self.mean_std(x)
        raw = mu + s * rng.standard_normal(np.shape(mu))
        return raw, np.clip(raw, self.low, self.high)
