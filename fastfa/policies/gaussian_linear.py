"""Gaussian policy for continuous actions: mean linear in features, learned log-std (S&B 13.7).

For a D-dimensional action and state features x(s) [F]::

    μ(s) = θ_μᵀ x(s)                       θ_μ float64[F, D]
    ln σ(s) = clip(b + θ_σᵀ x(s), ln σ_min, ln σ_max)
                                           b float64[D]; θ_σ float64[F, D] only when
                                           ``state_dependent_std=True`` (S&B eq. 13.18)
    ∇_{θ_μ} ln π(a|s) = x(s) ((a − μ)/σ²)ᵀ       ∇_b ln π(a|s) = (a − μ)²/σ² − 1

**Clipping (documented choice).** ``sample`` returns the *unclipped* draw
a ~ N(μ, σ²) and the action clipped to [low, high]; learning uses the
unclipped draw, so the score is exact for the Gaussian that generated it and
the clip acts as part of the environment (the standard choice in SB3/CleanRL).
The log-std is clipped to [ln σ_min, ln σ_max] (default σ ∈ [e⁻⁵, e²]) so σ
never reaches 0; where the clip is active its gradient is 0.
"""

from __future__ import annotations

import numpy as np

from .._typing import ArrayLike

from ._checks import check_finite_param, check_int, check_positive, check_rng

__all__ = ["GaussianLinear"]


class GaussianLinear:
    """Linear-Gaussian policy.

    Args:
        n_features: length of x(s), > 0.
        action_dim: D, > 0.
        low, high: action bounds (scalars or [D]); sampled actions are clipped to them.
        init_std: initial σ (> 0), the same for every dimension.
        learn_std: if False the log-std gradient is never applied by :meth:`update`.
        state_dependent_std: ln σ(s) = b + θ_σᵀx(s) instead of b alone.
        std_bounds: (σ_min, σ_max), 0 < σ_min < σ_max.
    """

    def __init__(
        self,
        n_features: int,
        action_dim: int = 1,
        *,
        low: ArrayLike = -np.inf,
        high: ArrayLike = np.inf,
        init_std: float = 1.0,
        learn_std: bool = True,
        state_dependent_std: bool = False,
        std_bounds: tuple[float, float] = (np.exp(-5.0), np.exp(2.0)),
    ) -> None:
        self.n_features = check_int("n_features", n_features, 1)
        self.action_dim = check_int("action_dim", action_dim, 1)
        if self.action_dim > 62:
            raise ValueError(f"action_dim must be <= 62, got {action_dim}")
        init_std = check_positive("init_std", init_std)
        smin, smax = (check_positive("std_bounds[0]", std_bounds[0]), check_positive("std_bounds[1]", std_bounds[1]))
        if not smin < smax:
            raise ValueError(f"std_bounds must satisfy 0 < min < max, got {std_bounds}")
        if not smin <= init_std <= smax:
            raise ValueError(f"init_std must lie in std_bounds {std_bounds}, got {init_std}")
        self.low = np.broadcast_to(np.asarray(low, dtype=np.float64), (self.action_dim,)).copy()
        self.high = np.broadcast_to(np.asarray(high, dtype=np.float64), (self.action_dim,)).copy()
        if np.any(np.isnan(self.low)) or np.any(np.isnan(self.high)) or np.any(self.low >= self.high):
            raise ValueError(f"low must be < high elementwise, got low={self.low}, high={self.high}")
        self.learn_std = bool(learn_std)
        self.state_dependent_std = bool(state_dependent_std)
        self.ls_min, self.ls_max = float(np.log(smin)), float(np.log(smax))
        self.theta_mu = np.zeros((self.n_features, self.action_dim))
        self.log_std_b = np.full(self.action_dim, np.log(init_std))
        self.log_std_w = np.zeros((self.n_features if state_dependent_std else 0, self.action_dim))

    # -------------------------------------------------------------- inputs
    def _x(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.dtype.kind not in "fiu":
            raise TypeError(f"x must be a float array of features, got dtype {x.dtype}")
        x = np.ascontiguousarray(x, dtype=np.float64)
        if x.shape != (self.n_features,):
            raise ValueError(f"x must have shape ({self.n_features},), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("x: features contain NaN or inf")
        return x

    def _a(self, a) -> np.ndarray:
        a = np.ascontiguousarray(np.asarray(a, dtype=np.float64).reshape(-1))
        if a.shape != (self.action_dim,):
            raise ValueError(f"a must have {self.action_dim} component(s), got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError("a: action contains NaN or inf")
        return a

    # -------------------------------------------------------------- maths
    def mean_std(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(μ(s), σ(s)) as float64[D] arrays."""
        from fastfa.kernels.linear import policy_gradient as K

        x = self._x(x)
        mu, ls = np.empty(self.action_dim), np.empty(self.action_dim)
        K.gaussian_mean_log_std(self.theta_mu, self.log_std_w, self.log_std_b, x, self.ls_min, self.ls_max, mu, ls)
        return mu, np.exp(ls)

    def sample(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(unclipped draw used for learning, action clipped to [low, high] for the env)."""
        from fastfa.kernels.linear import policy_gradient as K

        check_rng(rng)
        x = self._x(x)
        mu, ls, a = np.empty(self.action_dim), np.empty(self.action_dim), np.empty(self.action_dim)
        K.gaussian_mean_log_std(self.theta_mu, self.log_std_w, self.log_std_b, x, self.ls_min, self.ls_max, mu, ls)
        K.gaussian_sample(mu, ls, rng, a)
        return a, np.clip(a, self.low, self.high)

    def log_prob(self, x: np.ndarray, a: ArrayLike) -> float:
        from fastfa.kernels.linear import policy_gradient as K

        x, a = self._x(x), self._a(a)
        mu, ls = np.empty(self.action_dim), np.empty(self.action_dim)
        K.gaussian_mean_log_std(self.theta_mu, self.log_std_w, self.log_std_b, x, self.ls_min, self.ls_max, mu, ls)
        return float(K.gaussian_log_prob(mu, ls, a))

    def grad_log_prob(self, x: np.ndarray, a: ArrayLike) -> dict:
        """{"theta_mu": [F, D], "log_std_b": [D], "log_std_w": [F or 0, D]}: ∇ ln π(a|s)."""
        from fastfa.kernels.linear import policy_gradient as K

        x, a = self._x(x), self._a(a)
        g_mu, g_w, g_b = np.empty_like(self.theta_mu), np.empty_like(self.log_std_w), np.empty_like(self.log_std_b)
        K.gaussian_grad_log_pi(
            self.theta_mu, self.log_std_w, self.log_std_b, x, a, self.ls_min, self.ls_max, g_mu, g_w, g_b
        )
        return {"theta_mu": g_mu, "log_std_b": g_b, "log_std_w": g_w}

    def update(self, x: np.ndarray, a: ArrayLike, step_mu: float, step_std: float | None = None) -> float:
        """θ_μ += step_mu ∇_{θ_μ} ln π; log-std params += step_std ∇ ln π (if learn_std).

        ``step_std`` defaults to ``step_mu``.  Returns ln π(a|s) before the step.
        Raises FloatingPointError (parameters unchanged) if they would become non-finite.
        """
        step_std = step_mu if step_std is None else step_std
        if not (np.isfinite(step_mu) and np.isfinite(step_std)):
            raise ValueError(f"steps must be finite, got {step_mu}, {step_std}")
        lp = self.log_prob(x, a)
        g = self.grad_log_prob(x, a)
        mu = self.theta_mu + step_mu * g["theta_mu"]
        check_finite_param("theta_mu", mu)
        b, w = self.log_std_b, self.log_std_w
        if self.learn_std:
            b = b + step_std * g["log_std_b"]
            w = w + step_std * g["log_std_w"]
            check_finite_param("log_std", b)
            check_finite_param("log_std", w)
        self.theta_mu, self.log_std_b, self.log_std_w = mu, b, w
        return lp

    def state_dict(self) -> dict:
        return {
            "theta_mu": self.theta_mu.copy(),
            "log_std_b": self.log_std_b.copy(),
            "log_std_w": self.log_std_w.copy(),
        }

    def __repr__(self) -> str:
        return (
            f"GaussianLinear(n_features={self.n_features}, action_dim={self.action_dim}, "
            f"state_dependent_std={self.state_dependent_std})"
        )
