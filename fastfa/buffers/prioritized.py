"""Proportional prioritized experience replay (:class:`PrioritizedReplayBuffer`, Schaul et al. 2016).

Priorities live in a sum-tree (``tree[1]`` = total, leaves at ``cap2 + i``) with a min-tree beside it
for the importance-weight normaliser; see ``fastfa.kernels.replay.replay`` for the kernels.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_memory
from .._typing import ArrayLike, DTypeLike, ShapeLike
from ..io import FormatError, check_array
from ._common import PrioritizedTransitions, check_state, kernels
from .uniform import ReplayBuffer

__all__ = ["PrioritizedReplayBuffer"]


class PrioritizedReplayBuffer(ReplayBuffer):
    """Proportional prioritized replay (Schaul et al. 2016) on a sum-tree.

    P(i) = pᵢ^α / Σⱼ pⱼ^α; new transitions get the largest priority seen so far
    (1 at the start).  ``sample`` also returns importance weights
    wᵢ = (N·P(i))^−β / maxⱼ wⱼ and the row ``indices`` to pass back to
    :meth:`update_priorities` (e.g. with |TD error| + eps).

    Args (besides :class:`ReplayBuffer`'s):
        alpha: priority exponent α ≥ 0 (0 = uniform).
        beta: importance-sampling exponent β ∈ [0, 1] (anneal it towards 1 by setting ``buf.beta``).
        eps: added to priorities passed to :meth:`update_priorities` so none is 0.
    """

    _kind = "PrioritizedReplayBuffer"

    def __init__(
        self,
        capacity: int,
        obs_shape: ShapeLike,
        obs_dtype: DTypeLike = np.float32,
        action_shape: ShapeLike = (),
        action_dtype: DTypeLike = np.int64,
        seed: int | np.random.Generator | None = None,
        validate: bool = True,
        *,
        alpha: float = 0.6,
        beta: float = 0.4,
        eps: float = 1e-6,
    ) -> None:
        super().__init__(capacity, obs_shape, obs_dtype, action_shape, action_dtype, seed, validate)
        self.alpha = _real("alpha", alpha, math.inf)
        self.beta = beta
        self.eps = _real("eps", eps, math.inf)
        cap2 = 1 << max(0, (self.capacity - 1).bit_length())
        rows = sum(a.nbytes for a in (self.obs, self.next_obs, self.actions, self.rewards, self.terminated))
        check_memory(f"PrioritizedReplayBuffer(capacity={self.capacity})", rows + 32 * cap2, "lower capacity")
        self.sum_tree = np.zeros(2 * cap2, np.float64)
        self.min_tree = np.full(2 * cap2, np.inf, np.float64)
        self.pstate = np.ones(1, np.float64)  # max priority^alpha so far
        self._attach_fast()

    @property
    def beta(self) -> float:
        return self._beta

    @beta.setter
    def beta(self, value: float) -> None:
        self._beta = _real("beta", value, 1.0)

    @property
    def storage(self) -> tuple[np.ndarray, ...]:
        """``(obs, act, rew, next_obs, term, state, sum_tree, min_tree, pstate)`` for the PER kernels."""
        return super().storage + (self.sum_tree, self.min_tree, self.pstate)

    def _add(self, o, a, r, o2, d):
        check_state(self)
        K = kernels()
        f = K.per_add_checked if self.validate else K.per_add
        return f(
            self.obs,
            self.actions,
            self.rewards,
            self.next_obs,
            self.terminated,
            self.state,
            self.sum_tree,
            self.min_tree,
            self.pstate,
            o,
            a,
            r,
            o2,
            d,
        )

    def _add_batch(self, o, a, r, o2, d) -> None:
        f = self._fast
        if f is not None:  # rows in the observation shape, for the C path
            so, so2 = o.reshape((o.shape[0],) + self.obs_shape), o2.reshape((o.shape[0],) + self.obs_shape)
        for i in range(o.shape[0]):
            if f is not None and f.add(so[i], a[i], r[i], so2[i], d[i], None) >= 0:
                continue
            self._add(
                np.ascontiguousarray(o[i], self.obs_dtype),
                a[i],
                float(r[i]),
                np.ascontiguousarray(o2[i], self.obs_dtype),
                bool(d[i]),
            )  # inputs checked by add_batch

    def _priority_trees(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        if not hasattr(self, "pstate"):  # the base constructor attaches before the trees exist
            return None
        return self.sum_tree, self.min_tree, self.pstate

    # a richer sample than the base class's (weights, indices): not a drop-in Transitions
    def sample(self, batch_size: int) -> PrioritizedTransitions:  # type: ignore[override]
        """``batch_size`` transitions with P(i) ∝ pᵢ^α, plus ``weights`` and ``indices``."""
        f = self._fast
        if f is not None:
            s = f.per_sample(batch_size, self.rng, self._beta)
            if s is not None:
                return s
        self._check_batch(batch_size)
        u = self.rng.random(batch_size)
        idx = np.empty(batch_size, np.int64)
        w = np.empty(batch_size, np.float32)
        out = self._out(batch_size)
        ok = kernels().per_sample_into(
            self.obs,
            self.actions,
            self.rewards,
            self.next_obs,
            self.terminated,
            self.state,
            self.sum_tree,
            self.min_tree,
            self._beta,
            u,
            idx,
            w,
            *out,
        )
        if not ok:
            raise ValueError("total priority is 0 or not finite; cannot sample")
        return PrioritizedTransitions._make((*self._shape_out(*out), w, idx))

    def update_priorities(self, indices: ArrayLike, priorities: ArrayLike) -> None:
        """Set the priorities of rows ``indices`` to ``priorities + eps`` (priorities ≥ 0, finite).

        All entries are validated before any is applied.
        """
        f = self._fast
        if f is not None and f.per_update(indices, priorities, self.alpha, self.eps):
            return
        idx = np.asarray(indices)
        p = np.asarray(priorities, np.float64)
        if idx.ndim != 1 or p.shape != idx.shape:
            raise ValueError(f"indices and priorities must be 1-D of equal length, got {idx.shape} and {p.shape}")
        if idx.dtype != np.int64:
            if idx.size and idx.dtype.kind not in "iu":
                raise TypeError(f"indices must be integers, got {idx.dtype}")
            idx = idx.astype(np.int64)
        check_state(self)
        k, code = kernels().per_update_checked(
            self.sum_tree, self.min_tree, self.pstate, idx, p, self.alpha, self.eps, self.state[1]
        )
        if k >= 0:
            what = {
                1: f"indices must be in [0, {len(self)}), got {idx[k]}",
                2: f"priorities must be finite, got {p[k]}",
                3: f"priorities must be >= 0, got {p[k]}",
                4: "priorities + eps must be > 0 (set eps > 0 to allow zero priorities)",
            }[code]
            raise ValueError(f"{what} (entry {k}); no priority was updated")

    def priorities(self) -> np.ndarray:
        """Current pᵢ^α of the stored rows (a copy)."""
        cap2 = self.sum_tree.shape[0] // 2
        return self.sum_tree[cap2 : cap2 + len(self)].copy()

    def _meta(self) -> dict:
        return {**super()._meta(), "alpha": self.alpha, "beta": self._beta, "eps": self.eps}

    @staticmethod
    def _file_kwargs(meta) -> dict:
        return {"alpha": meta["alpha"], "beta": meta["beta"], "eps": meta.get("eps", 1e-6)}

    def _arrays(self) -> dict:
        return {**super()._arrays(), "sum_tree": self.sum_tree, "min_tree": self.min_tree, "pstate": self.pstate}

    def _restore(self, arrays, path, prefix) -> None:
        super()._restore(arrays, path, prefix)
        self.sum_tree[:], self.min_tree[:], self.pstate[:] = _check_trees(self, arrays, path, prefix)


def _real(name, value, high) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number in [0, {high:g}], got {value!r}")
    if not (math.isfinite(value) and 0 <= value <= high):
        raise ValueError(f"{name} must be finite and in [0, {high:g}], got {value!r}")
    return float(value)


def _tree_levels(leaves, op):
    """A full binary tree over ``leaves`` (length a power of two), built bottom-up with ``op``
    exactly as ``sumtree_set`` computes each node from its two children (node 0 unused)."""
    cap2 = leaves.shape[0]
    t = np.zeros(2 * cap2, np.float64)
    t[cap2:] = leaves
    lo = cap2 // 2
    while lo >= 1:
        t[lo : 2 * lo] = op(t[2 * lo : 4 * lo : 2], t[2 * lo + 1 : 4 * lo : 2])
        lo //= 2
    return t


def _check_trees(buf, arrays, path, prefix):
    """The sum-tree, min-tree and max priority of a file, checked against the buffer and each other."""
    cap2, n = buf.sum_tree.shape[0] // 2, len(buf)

    def get(name, **kw):
        return check_array(arrays, prefix + name, path=path, dtype=np.float64, **kw)

    s, m, p = get("sum_tree", shape=(2 * cap2,)), get("min_tree", shape=(2 * cap2,)), get("pstate", shape=(1,))
    live = s[cap2 : cap2 + n]
    if not (np.isfinite(live).all() and (live >= 0).all()):
        raise FormatError(path, f"array {prefix + 'sum_tree'!r}: priorities of stored rows must be finite and >= 0")
    if (s[cap2 + n :] != 0).any() or not np.array_equal(m[cap2:], np.where(np.arange(cap2) < n, s[cap2:], np.inf)):
        raise FormatError(
            path,
            f"arrays {prefix + 'sum_tree'!r}/{prefix + 'min_tree'!r}: leaves disagree with "
            f"each other or with the {n} stored rows",
        )
    if not (
        np.array_equal(s[1:], _tree_levels(s[cap2:], np.add)[1:])
        and np.array_equal(m[1:], _tree_levels(m[cap2:], np.minimum)[1:])
    ):
        raise FormatError(
            path,
            f"arrays {prefix + 'sum_tree'!r}/{prefix + 'min_tree'!r}: inner nodes are not "
            "the sums/minima of their children",
        )
    if not (math.isfinite(p[0]) and p[0] > 0 and (n == 0 or p[0] >= live.max())):
        raise FormatError(
            path,
            f"array {prefix + 'pstate'!r}: the largest priority must be finite, > 0 and >= "
            f"every stored priority, got {p[0]!r}",
        )
    return s, m, p
