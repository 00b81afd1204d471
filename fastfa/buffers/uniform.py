"""Uniform experience replay (:class:`ReplayBuffer`): a ring of transitions in preallocated arrays.

The n-step sampling of ``n_step > 1`` lives in :mod:`.nstep`, the compact storage of
``store_next_obs=False`` in :mod:`.compact`, files in :mod:`.files`; see :mod:`fastfa.buffers`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import io as _io
from . import compact, files, nstep
from ._common import (
    NStepTransitions,
    PrioritizedTransitions,
    Transitions,
    check_shape,
    check_state,
    kernels,
    ring_class,
)
from collections.abc import Mapping

from .._checks import check_memory
from .._typing import ArrayLike, DTypeLike, PathLike, ShapeLike

__all__ = ["ReplayBuffer"]


class ReplayBuffer:
    """Uniform experience replay: a ring of ``capacity`` transitions in preallocated arrays.

    Args:
        capacity: maximum number of transitions kept (oldest overwritten first), > 0.
        obs_shape: shape of one observation, e.g. ``(4,)``.
        obs_dtype: storage dtype of observations (float32 default; uint8 for images).
        action_shape: ``()`` for discrete actions, ``(k,)`` for vectors.
        action_dtype: int64 default (float32 for continuous actions).
        seed: seeds the sampling Generator (``np.random.SeedSequence(seed)``); an
            ``np.random.Generator`` is used as is.
        validate: check shapes and finiteness on every ``add`` (turn off in hot loops
            once your pipeline is known to be correct).
        n_step: 1 (default) samples one-step :class:`Transitions` exactly as before;
            n > 1 makes :meth:`sample` return :class:`NStepTransitions` (n-step discounted
            return, observation K ≤ n steps later, ``discounts`` = γᴷ or 0 at a terminal).
            Windows stop at ``terminated`` and at ``truncated`` (pass ``truncated=True`` to
            :meth:`add` at time-limit ends: the return is cut there and bootstraps from the
            truncated episode's last observation with γᴷ), and at the newest stored row.
        gamma: discount γ ∈ [0, 1] of the n-step return.
        store_next_obs: True (default) keeps a full ``next_obs`` array.  False stores each
            observation once: ``next_obs`` is kept (in ``buf.extra``, grown as needed) only
            where it is not bit-identical to the next row's ``obs`` (episode ends and the
            newest row), so observation memory is about halved; samples are identical.
            Not combinable with ``n_step > 1``; compiled code uses ``compact_storage`` with
            ``replay_add_compact`` / ``replay_sample_compact``.

    Sampling is uniform with replacement over the stored transitions; asking for more
    transitions than are stored raises ``ValueError``.
    """

    _kind = "ReplayBuffer"
    # the arrays of a store_next_obs=False buffer (set by compact.allocate)
    extra: np.ndarray
    nxt: np.ndarray
    estate: np.ndarray

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
        n_step: int = 1,
        gamma: float = 0.99,
        store_next_obs: bool = True,
    ) -> None:
        n_step, gamma = nstep.check_n_step(n_step, gamma)
        self.n_step = int(n_step)
        self.gamma = gamma
        self.store_next_obs = bool(store_next_obs)
        if not self.store_next_obs and self.n_step > 1:
            raise ValueError("store_next_obs=False is not supported together with n_step > 1")
        if isinstance(capacity, (bool, np.bool_)) or not isinstance(capacity, (int, np.integer)) or capacity <= 0:
            raise ValueError(f"capacity must be a positive int, got {capacity!r}")
        self.capacity = int(capacity)
        self.obs_shape = check_shape("obs_shape", obs_shape)
        self.action_shape = () if action_shape in ((), None) else check_shape("action_shape", action_shape)
        self.obs_dtype = np.dtype(obs_dtype)
        self.action_dtype = np.dtype(action_dtype)
        for nm, dt in (("obs_dtype", self.obs_dtype), ("action_dtype", self.action_dtype)):
            if dt.kind not in "biuf":
                raise TypeError(f"{nm} must be a numeric dtype, got {dt}")
        self._fast = None  # C fast path (set below when the extension is available)
        self.validate = bool(validate)
        self.rng = (
            seed if isinstance(seed, np.random.Generator) else np.random.default_rng(np.random.SeedSequence(seed))
        )
        self._obs_dim = int(np.prod(self.obs_shape))
        self._act_dim = int(np.prod(self.action_shape)) if self.action_shape else 0
        cap = self.capacity
        row = (
            self._obs_dim * self.obs_dtype.itemsize * (2 if self.store_next_obs else 1)
            + max(self._act_dim, 1) * self.action_dtype.itemsize
            + 6  # reward (float32), terminated, truncated
        )
        check_memory(
            f"ReplayBuffer(capacity={cap}, obs_shape={self.obs_shape})", cap * row, "lower capacity"
        )  # before allocating: the OS would kill the process when the rows fill
        self.obs = np.zeros((cap, self._obs_dim), self.obs_dtype)
        if self.store_next_obs:
            self.next_obs = np.zeros((cap, self._obs_dim), self.obs_dtype)
        else:  # compact: next_obs only where it differs from the next row's obs
            compact.allocate(self)
        self.actions = np.zeros((cap, self._act_dim) if self._act_dim else (cap,), self.action_dtype)
        self.rewards = np.zeros(cap, np.float32)
        self.terminated = np.zeros(cap, np.bool_)
        self.truncated = np.zeros(cap, np.bool_)  # episode cut by a time limit (n-step windows stop there)
        self.state = np.zeros(2, np.int64)  # [pos, size]
        self._reshape = len(self.obs_shape) != 1 or len(self.action_shape) > 1
        self._attach_fast()

    def _priority_trees(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """``(sum_tree, min_tree, pstate)`` of a prioritized buffer for the C fast path (None: uniform)."""
        return None

    def _attach_fast(self) -> None:
        """Point the C fast path (if compiled and applicable) at this buffer's arrays."""
        f = None
        ring = ring_class()
        if ring is not None and self.store_next_obs:
            try:
                f = ring(
                    self.obs,
                    self.actions,
                    self.rewards,
                    self.next_obs,
                    self.terminated,
                    self.truncated,
                    self.state,
                    self.obs_shape,
                    self.action_shape,
                    self.validate,
                    Transitions,
                )
                trees = self._priority_trees()
                if trees is not None:
                    f.set_prioritized(*trees, PrioritizedTransitions)
            except (TypeError, ValueError):  # e.g. a non-native byte order: the Numba path handles it
                f = None
        self._fast = f
        self._fast_sample = f if self.n_step == 1 else None  # n_step > 1: sample() uses f.nstep_sample

    def __getstate__(self):  # pickle/deepcopy: the C view is rebuilt over the copied arrays
        d = self.__dict__.copy()
        d["_fast"] = d["_fast_sample"] = None
        return d

    def __setstate__(self, d) -> None:
        self.__dict__.update(d)
        self._attach_fast()

    @property
    def validate(self) -> bool:
        """Check shapes and finiteness on every ``add`` (settable)."""
        return self._validate

    @validate.setter
    def validate(self, value: bool) -> None:
        self._validate = bool(value)
        if self._fast is not None:
            self._fast.validate = self._validate

    # ------------------------------------------------------------------ access
    @property
    def storage(self) -> tuple[np.ndarray, ...]:
        """``(obs, act, rew, next_obs, term, state)``: the arrays the Numba kernels take."""
        if not self.store_next_obs:
            raise TypeError("a store_next_obs=False buffer has no next_obs array; use buf.compact_storage")
        return self.obs, self.actions, self.rewards, self.next_obs, self.terminated, self.state

    @property
    def compact_storage(self) -> tuple[np.ndarray, ...]:
        """``(obs, act, rew, extra, nxt, term, state, estate)`` for ``replay_add_compact`` (without
        ``estate`` for ``replay_sample_compact``) of a ``store_next_obs=False`` buffer."""
        return self.obs, self.actions, self.rewards, self.extra, self.nxt, self.terminated, self.state, self.estate

    def __len__(self) -> int:
        return int(self.state[1])

    @property
    def full(self) -> bool:
        return int(self.state[1]) == self.capacity

    def __repr__(self) -> str:
        return f"{type(self).__name__}(capacity={self.capacity}, obs_shape={self.obs_shape}, size={len(self)})"

    # ------------------------------------------------------------------ checks
    def _check_obs(self, name, o, batch: bool = False):
        o = np.asarray(o)
        want = ((o.shape[0],) if batch and o.ndim else ()) + self.obs_shape
        if o.shape != want:
            raise ValueError(
                f"{name} must have shape {(('N',) + self.obs_shape) if batch else self.obs_shape}, got {o.shape}"
            )
        if self.validate and o.dtype.kind == "f" and batch and not np.isfinite(o).all():
            raise ValueError(f"{name} contains NaN or inf")
        return o.reshape((o.shape[0], self._obs_dim) if batch else (self._obs_dim,)).astype(self.obs_dtype, copy=False)

    def _check_action(self, a, n=None):
        a = np.asarray(a)
        want = ((n,) if n is not None else ()) + self.action_shape
        if a.shape != want:
            raise ValueError(f"action must have shape {want}, got {a.shape}")
        if a.dtype.kind not in "biuf":
            raise TypeError(f"action must be numeric, got dtype {a.dtype}")
        if self.action_dtype.kind in "iu" and a.dtype.kind == "f":
            if not np.array_equal(a, np.round(a)):
                raise ValueError(f"action must be integer-valued for action_dtype {self.action_dtype}, got {a}")
        elif self.validate and n is not None and a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ValueError("action contains NaN or inf")
        if len(self.action_shape) > 1:  # stored flat, like observations
            a = a.reshape(((n,) if n is not None else ()) + (self._act_dim,))
        return a.astype(self.action_dtype, copy=False)

    _BAD = {
        -1: "obs contains NaN or inf",
        -2: "next_obs contains NaN or inf",
        -3: "reward must be finite",
        -4: "action contains NaN or inf",
    }

    # ------------------------------------------------------------------ add
    def add(
        self,
        obs: ArrayLike,
        action: ArrayLike,
        reward: float,
        next_obs: ArrayLike,
        terminated: bool,
        truncated: bool = False,
    ) -> None:
        """Store one transition (``terminated``: a terminal state, bootstrap with 0;
        ``truncated``: the episode was cut after it, used by n-step windows only)."""
        f = self._fast
        if f is not None and f.add(obs, action, reward, next_obs, terminated, truncated) >= 0:
            return
        o = self._check_obs("obs", obs)
        o2 = self._check_obs("next_obs", next_obs)
        a = self._check_action(action)
        if not self._act_dim:
            a = a[()]
        try:
            r = float(reward)
        except (TypeError, ValueError):
            raise TypeError(f"reward must be a real number, got {reward!r}") from None
        pos = self._add(o, a, r, o2, bool(terminated))
        if pos < 0:
            raise ValueError(self._BAD[pos] + (f" (reward={reward!r})" if pos == -3 else ""))
        self.truncated[pos] = bool(truncated)

    def _add(self, o, a, r, o2, d):
        check_state(self)
        K = kernels()
        if not self.store_next_obs:
            return compact.add(self, o, a, r, o2, d)
        if self.validate:
            return K.replay_add_checked(
                self.obs, self.actions, self.rewards, self.next_obs, self.terminated, self.state, o, a, r, o2, d
            )
        return K.replay_add(
            self.obs, self.actions, self.rewards, self.next_obs, self.terminated, self.state, o, a, r, o2, d
        )

    def add_batch(
        self,
        obs: ArrayLike,
        actions: ArrayLike,
        rewards: ArrayLike,
        next_obs: ArrayLike,
        terminated: ArrayLike,
        truncated: ArrayLike | None = None,
    ) -> None:
        """Store N transitions (arrays with a leading axis N), in order (``truncated``: N flags, default False)."""
        o = self._check_obs("obs", obs, batch=True)
        n = o.shape[0]
        o2 = self._check_obs("next_obs", next_obs, batch=True)
        if o2.shape[0] != n:
            raise ValueError(f"next_obs has {o2.shape[0]} rows, obs has {n}")
        a = self._check_action(actions, n)
        r = np.asarray(rewards, np.float32).reshape(-1)
        d = np.asarray(terminated).reshape(-1).astype(np.bool_)
        if r.shape[0] != n or d.shape[0] != n:
            raise ValueError(f"rewards and terminated must have {n} entries, got {r.shape[0]}, {d.shape[0]}")
        if self.validate and not np.isfinite(r).all():
            raise ValueError("rewards contain NaN or inf")
        t = np.zeros(n, np.bool_) if truncated is None else np.asarray(truncated).reshape(-1).astype(np.bool_)
        if t.shape[0] != n:
            raise ValueError(f"truncated must have {n} entries, got {t.shape[0]}")
        check_state(self)
        rows = (int(self.state[0]) + np.arange(n)) % self.capacity
        self.truncated[rows] = t  # later rows win, as with repeated add()
        for start in range(0, n, self.capacity):  # keep row order identical to repeated add()
            self._add_batch(
                o[start : start + self.capacity],
                a[start : start + self.capacity],
                r[start : start + self.capacity],
                o2[start : start + self.capacity],
                d[start : start + self.capacity],
            )

    def _add_batch(self, o, a, r, o2, d) -> None:
        if not self.store_next_obs:
            for i in range(o.shape[0]):
                compact.add(
                    self,
                    np.ascontiguousarray(o[i], self.obs_dtype),
                    a[i],
                    float(r[i]),
                    np.ascontiguousarray(o2[i], self.obs_dtype),
                    bool(d[i]),
                )
            return
        kernels().replay_add_batch(
            self.obs,
            self.actions,
            self.rewards,
            self.next_obs,
            self.terminated,
            self.state,
            np.ascontiguousarray(o, self.obs_dtype),
            a,
            r,
            np.ascontiguousarray(o2, self.obs_dtype),
            d,
        )

    # ------------------------------------------------------------------ sample
    def _check_batch(self, batch_size):
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        check_state(self)
        n = int(self.state[1])
        if n == 0:
            raise ValueError("cannot sample from an empty buffer")
        if batch_size > n:
            raise ValueError(
                f"batch_size ({batch_size}) exceeds the {n} stored transitions; add more first "
                "(samples are drawn with replacement, but a batch larger than the buffer is "
                "almost always a bug)"
            )
        return n

    def _shape_out(self, o, a, r, o2, d):
        if len(self.obs_shape) != 1:
            o = o.reshape((o.shape[0],) + self.obs_shape)
            o2 = o2.reshape((o2.shape[0],) + self.obs_shape)
        if self._act_dim and len(self.action_shape) != 1:
            a = a.reshape((a.shape[0],) + self.action_shape)
        return o, a, r, o2, d

    def _out(self, B):
        return (
            np.empty((B, self._obs_dim), self.obs_dtype),
            np.empty((B, self._act_dim) if self._act_dim else B, self.action_dtype),
            np.empty(B, np.float32),
            np.empty((B, self._obs_dim), self.obs_dtype),
            np.empty(B, np.bool_),
        )

    def sample(self, batch_size: int) -> Transitions | NStepTransitions:
        """``batch_size`` transitions drawn uniformly with replacement from the stored ones
        (:class:`NStepTransitions` when ``n_step > 1``, same rows for the same Generator state)."""
        f = self._fast_sample
        if f is not None:
            s = f.sample(batch_size, self.rng)
            if s is not None:
                return s
        if self.n_step > 1:
            return nstep.sample(self, batch_size)
        self._check_batch(batch_size)
        u = self.rng.random(batch_size)
        idx = np.empty(batch_size, np.int64)
        out = self._out(batch_size)
        if not self.store_next_obs:
            compact.sample_into(self, u, idx, out)
        else:
            kernels().replay_sample_into(
                self.obs, self.actions, self.rewards, self.next_obs, self.terminated, self.state, u, idx, *out
            )
        if self._reshape:
            out = self._shape_out(*out)
        return Transitions._make(out)

    # ------------------------------------------------------------------ persistence
    def _meta(self) -> dict:
        return files.file_meta(self)

    def _arrays(self) -> dict:
        return files.file_arrays(self)

    @staticmethod
    def _file_kwargs(meta: dict) -> dict:
        return {}

    def to_dict(self, prefix: str = "buffer.") -> tuple[dict, dict[str, np.ndarray]]:
        """``(meta, arrays)`` to embed in another fastfa file (e.g. an agent checkpoint)."""
        return {"class": self._kind, **self._meta()}, {prefix + k: v for k, v in self._arrays().items()}

    @classmethod
    def from_dict(cls, meta: dict, arrays: Mapping[str, np.ndarray], prefix: str = "buffer.") -> ReplayBuffer:
        """Rebuild from :meth:`to_dict` output, checking every field against the metadata
        (:class:`fastfa.io.FormatError` naming the file and field otherwise)."""
        return files.from_dict(cls, meta, arrays, prefix)

    def _restore(self, arrays, path: PathLike, prefix) -> None:
        files.restore(self, arrays, path, prefix)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the buffer (filled rows, write position, RNG state) to a pickle-free ``.npz``."""
        meta, arrays = self.to_dict(prefix="")
        return _io.save(path, self._kind, meta, arrays)

    @classmethod
    @_io.loader
    def load(cls, path: PathLike) -> ReplayBuffer:
        """Read a buffer written by :meth:`save`; sampling continues the same random stream.
        Every size, position and priority in the file is checked (``fastfa.io.FormatError``)."""
        _, meta, arrays = _io.load(path, kind=cls._kind)
        return cls.from_dict(meta, arrays, prefix="")
