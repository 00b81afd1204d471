"""Softmax policy over linear action preferences (S&B 13.2), with its analytic score function.

``SoftmaxLinear(n_features, n_actions)`` holds θ and computes, for one state,
π(·|s), ln π(a|s), ∇_θ ln π(a|s) = x(s,a) − E_π[x(s,·)], samples, and applies
θ ← θ + step·∇ ln π(a|s).  Two layouts:

* ``layout="per_action"`` (default): θ float64[n_features, n_actions]; a state
  is given by its features x(s): a float array [n_features] (dense) or an
  integer array of active feature indices (binary features, e.g. tile coding);
* ``layout="state_action"``: θ float64[n_features]; a state is given by the
  features of every action x(s,·): float [n_actions, n_features] (dense) or
  int [n_actions, T] active indices (e.g. tiles of (s, a)).

Integer dtype means "active indices", float dtype means "dense values".
Batched gradient: :meth:`batch_grad` (dense per-action layout).
"""

from __future__ import annotations

import numpy as np

from .._typing import ArrayLike

from ._checks import check_finite_param, check_int, check_rng

__all__ = ["SoftmaxLinear"]


class SoftmaxLinear:
    """Linear softmax policy π(a|s) ∝ exp(θ·x(s,a)) (S&B eq. 13.2-13.3, 13.9).

    Args:
        n_features: number of features (tile-table size for tile coding), > 0.
        n_actions: number of discrete actions, >= 2.
        layout: ``"per_action"`` (θ [F, A]) or ``"state_action"`` (θ [F]).
        theta: optional initial parameters of the layout's shape (copied); zeros by default
            (uniform policy).
    """

    def __init__(
        self, n_features: int, n_actions: int, *, layout: str = "per_action", theta: ArrayLike | None = None
    ) -> None:
        self.n_features = check_int("n_features", n_features, 1)
        self.n_actions = check_int("n_actions", n_actions, 2)
        if layout not in ("per_action", "state_action"):
            raise ValueError(f"layout must be 'per_action' or 'state_action', got {layout!r}")
        self.layout = layout
        shape = (self.n_features, self.n_actions) if layout == "per_action" else (self.n_features,)
        if theta is None:
            self.theta = np.zeros(shape)
        else:
            t = np.array(theta, dtype=np.float64)
            if t.shape != shape:
                raise ValueError(f"theta must have shape {shape}, got {t.shape}")
            if not np.all(np.isfinite(t)):
                raise ValueError("theta must be finite (no NaN or inf)")
            self.theta = t
        self._probs = np.empty(self.n_actions)

    # -------------------------------------------------------------- inputs
    def _x(self, x: np.ndarray):
        """Validate one state's features; returns (array, sparse: bool)."""
        x = np.asarray(x)
        if x.dtype.kind in "iu":
            x = x.astype(np.int64, copy=False)
            if x.size and (x.min() < 0 or x.max() >= self.n_features):
                raise ValueError(
                    f"x: active feature indices must lie in [0, {self.n_features}), got range [{x.min()}, {x.max()}]"
                )
            sparse = True
        elif x.dtype.kind == "f":
            x = x.astype(np.float64, copy=False)
            if not np.all(np.isfinite(x)):
                raise ValueError("x: features contain NaN or inf")
            sparse = False
        else:
            raise TypeError(f"x must be a float (dense) or int (active indices) array, got dtype {x.dtype}")
        if self.layout == "per_action":
            if x.ndim != 1 or (not sparse and x.shape[0] != self.n_features):
                want = f"[{self.n_features}]" if not sparse else "[T] indices"
                raise ValueError(f"x must have shape {want} for layout='per_action', got {x.shape}")
        else:
            if x.ndim != 2 or x.shape[0] != self.n_actions or (not sparse and x.shape[1] != self.n_features):
                want = f"[{self.n_actions}, {self.n_features}]" if not sparse else f"[{self.n_actions}, T] indices"
                raise ValueError(f"x must have shape {want} for layout='state_action', got {x.shape}")
        return np.ascontiguousarray(x), sparse

    def _a(self, a) -> int:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"a must be an int action, got {type(a).__name__}")
        if not 0 <= a < self.n_actions:
            raise ValueError(f"a must be in [0, {self.n_actions}), got {a}")
        return int(a)

    # -------------------------------------------------------------- maths
    def probs(self, x: np.ndarray) -> np.ndarray:
        """π(·|s) as a new float64[n_actions] array."""
        from fastfa.kernels.linear import policy_gradient as K

        x, sparse = self._x(x)
        out = np.empty(self.n_actions)
        if self.layout == "per_action":
            (K.softmax_pa_sparse_probs if sparse else K.softmax_pa_probs)(self.theta, x, out)
        else:
            (K.softmax_sa_sparse_probs if sparse else K.softmax_sa_probs)(self.theta, x, out)
        return out

    def log_prob(self, x: np.ndarray, a: int) -> float:
        """ln π(a|s), computed with log-sum-exp (finite even when π(a|s) underflows)."""
        from fastfa.kernels.linear import policy_gradient as K

        x, sparse = self._x(x)
        a = self._a(a)
        h = np.empty(self.n_actions)
        if self.layout == "per_action":
            lse = (K.softmax_pa_sparse_probs if sparse else K.softmax_pa_probs)(self.theta, x, h)
            pref = self.theta[x, a].sum() if sparse else float(x @ self.theta[:, a])
        else:
            lse = (K.softmax_sa_sparse_probs if sparse else K.softmax_sa_probs)(self.theta, x, h)
            pref = self.theta[x[a]].sum() if sparse else float(x[a] @ self.theta)
        return float(pref - lse)

    def grad_log_prob(self, x: np.ndarray, a: int) -> np.ndarray:
        """∇_θ ln π(a|s) = x(s,a) − Σ_b π(b|s) x(s,b), an array shaped like θ (dense even for sparse x)."""
        from fastfa.kernels.linear import policy_gradient as K

        x, sparse = self._x(x)
        a = self._a(a)
        if sparse:  # binary features: the dense gradient, duplicates counted (np.add.at)
            probs = self.probs(x)
            g = np.zeros_like(self.theta)
            if self.layout == "per_action":
                np.add.at(g, x, -probs)
                np.add.at(g[:, a], x, 1.0)
            else:
                for b in range(self.n_actions):
                    np.add.at(g, x[b], -probs[b])
                np.add.at(g, x[a], 1.0)
            return g
        g = np.empty_like(self.theta)
        if self.layout == "per_action":
            K.softmax_pa_grad_log_pi(self.theta, x, a, self._probs, g)
        else:
            K.softmax_sa_grad_log_pi(self.theta, x, a, self._probs, g)
        return g

    def sample(self, x: np.ndarray, rng: np.random.Generator) -> int:
        """Draw an action from π(·|s) with ``rng``."""
        from fastfa.kernels.linear import policy_gradient as K

        check_rng(rng)
        return int(K.categorical_sample(self.probs(x), rng))

    def greedy(self, x: np.ndarray) -> int:
        """argmax_a π(a|s) (lowest index on ties)."""
        return int(np.argmax(self.probs(x)))

    def update(self, x: np.ndarray, a: int, step: float) -> float:
        """θ ← θ + step·∇_θ ln π(a|s); returns ln π(a|s) before the step.

        Raises FloatingPointError (θ unchanged) if the step would make θ non-finite.
        """
        from fastfa.kernels.linear import policy_gradient as K

        step = float(step)
        if not np.isfinite(step):
            raise ValueError(f"step must be finite, got {step}")
        x, sparse = self._x(x)
        a = self._a(a)
        if sparse:
            before = self.theta.copy()
            if self.layout == "per_action":
                lp = K.softmax_pa_sparse_update(self.theta, x, a, step, self._probs)
            else:
                lp = K.softmax_sa_sparse_update(self.theta, x, a, step, self._probs)
            if not np.all(np.isfinite(self.theta)):
                self.theta = before
                raise FloatingPointError(
                    f"theta: the step {step!r} makes the policy parameters "
                    "non-finite (step size too large?); theta left unchanged"
                )
            return float(lp)
        g = self.grad_log_prob(x, a)
        lp = self.log_prob(x, a)
        new = self.theta + step * g
        check_finite_param("theta", new)
        self.theta = new
        return lp

    def batch_grad(self, x: np.ndarray, a: ArrayLike, w: np.ndarray) -> tuple[np.ndarray, float]:
        """(Σ_i w_i ∇_θ ln π(a_i|s_i), Σ_i w_i ln π(a_i|s_i)) for dense x [B, F] (per-action layout).

        For state-action layout, x is [B, n_actions, F].
        """
        from fastfa.kernels.linear import policy_gradient as K

        x = np.ascontiguousarray(x, dtype=np.float64)
        a = np.ascontiguousarray(a, dtype=np.int64)
        w = np.ascontiguousarray(w, dtype=np.float64)
        B = x.shape[0] if x.ndim else -1
        want = (B, self.n_features) if self.layout == "per_action" else (B, self.n_actions, self.n_features)
        if x.shape != want:
            raise ValueError(f"x must have shape {want}, got {x.shape}")
        if a.shape != (B,) or w.shape != (B,):
            raise ValueError(f"a and w must have shape ({B},), got {a.shape} and {w.shape}")
        if B and (a.min() < 0 or a.max() >= self.n_actions):
            raise ValueError(f"a: actions must be in [0, {self.n_actions})")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(w))):
            raise ValueError("x and w must be finite")
        probs = np.empty((B, self.n_actions))
        g = np.empty_like(self.theta)
        fn = K.softmax_pa_batch_grad if self.layout == "per_action" else K.softmax_sa_batch_grad
        total = fn(self.theta, x, a, w, probs, g)
        return g, float(total)

    def state_dict(self) -> dict:
        return {"theta": self.theta.copy()}

    def __repr__(self) -> str:
        return f"SoftmaxLinear(n_features={self.n_features}, n_actions={self.n_actions}, layout={self.layout!r})"
