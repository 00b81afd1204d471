"""Replay buffers: uniform ring (:class:`ReplayBuffer`) and proportional prioritized
(:class:`PrioritizedReplayBuffer`, Schaul et al. 2016), on preallocated typed arrays.

Both validate their input once per call and then run the Numba kernels of
``fastfa.kernels.replay``.  The common Python-side calls (``add`` of an ndarray of
the storage dtype, ``sample``, PER ``sample``/``update_priorities``) take a C fast
path (the Cython extension ``fastfa.kernels._replay``) that works on the same
arrays and gives bit-identical results; without the compiled extension
(``FASTFA_NO_EXT=1``) everything runs through the Numba kernels (``COMPILED`` is
False then).  The same arrays can be used from inside your own
``@njit`` code: ``buf.storage`` is the tuple ``(obs, act, rew, next_obs, term,
state)`` (``obs`` flattened to 2-D), to pass to
``fastfa.kernels.replay.replay_add(*buf.storage, o, a, r, o2, d)`` and
``replay_sample(*buf.storage, rng, batch)`` together with ``buf.rng`` (a
``numpy.random.Generator``; Numba draws the same stream as NumPy).

Example::

    >>> from fastfa.buffers import ReplayBuffer
    >>> buf = ReplayBuffer(10_000, obs_shape=(4,), seed=0)
    >>> buf.add([0, 0, 0, 0], 1, 1.0, [0, 0, 0, 0.1], False)
    >>> batch = buf.sample(32)          # Transitions(obs, actions, rewards, next_obs, terminated)
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from . import io as _io

try:
    from .kernels._replay import Ring as _Ring

    COMPILED = True
except ImportError:  # built with FASTFA_NO_EXT=1, or the extension failed to load: Numba path only
    _Ring = None
    COMPILED = False

__all__ = ["ReplayBuffer", "PrioritizedReplayBuffer", "Transitions", "PrioritizedTransitions", "NStepTransitions",
           "COMPILED"]


class Transitions(NamedTuple):
    """A uniform sample: arrays with a leading batch axis."""

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray


class NStepTransitions(NamedTuple):
    """An n-step sample (``ReplayBuffer(n_step>1)``): ``rewards`` = Σ_{k<K} γᵏ R_{t+k+1},
    ``next_obs`` = S_{t+K}, ``terminated`` = the window ended on a terminal state,
    ``discounts`` = γᴷ (0 when terminated); target = rewards + discounts · max Q(next_obs)."""

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray
    discounts: np.ndarray


class PrioritizedTransitions(NamedTuple):
    """A prioritized sample: :class:`Transitions` fields plus IS ``weights`` and row ``indices``."""

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray
    weights: np.ndarray
    indices: np.ndarray


_K = None


def _kernels():
    global _K
    if _K is None:  # import (and compile or load from cache) on first use, not at import fastfa
        from .kernels import replay

        _K = replay
    return _K


def _shape(name, shape):
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{name} must be a tuple of ints, got {shape!r}") from None
    if any(s <= 0 for s in shape):
        raise ValueError(f"{name} must have positive entries, got {shape}")
    return shape


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

    def __init__(self, capacity: int, obs_shape, obs_dtype=np.float32, action_shape=(),
                 action_dtype=np.int64, seed=None, validate: bool = True, *, n_step: int = 1,
                 gamma: float = 0.99, store_next_obs: bool = True):
        if not isinstance(n_step, (int, np.integer)) or isinstance(n_step, bool) or n_step < 1:
            raise ValueError(f"n_step must be an int >= 1, got {n_step!r}")
        try:
            gamma = float(gamma)
        except (TypeError, ValueError):
            raise TypeError(f"gamma must be a real number, got {gamma!r}") from None
        if not (0.0 <= gamma <= 1.0):
            raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
        self.n_step = int(n_step)
        self.gamma = gamma
        self.store_next_obs = bool(store_next_obs)
        if not self.store_next_obs and self.n_step > 1:
            raise ValueError("store_next_obs=False is not supported together with n_step > 1")
        if not isinstance(capacity, (int, np.integer)) or isinstance(capacity, bool) or capacity <= 0:
            raise ValueError(f"capacity must be a positive int, got {capacity!r}")
        self.capacity = int(capacity)
        self.obs_shape = _shape("obs_shape", obs_shape)
        self.action_shape = () if action_shape in ((), None) else _shape("action_shape", action_shape)
        self.obs_dtype = np.dtype(obs_dtype)
        self.action_dtype = np.dtype(action_dtype)
        for nm, dt in (("obs_dtype", self.obs_dtype), ("action_dtype", self.action_dtype)):
            if dt.kind not in "biuf":
                raise TypeError(f"{nm} must be a numeric dtype, got {dt}")
        self._fast = None  # C fast path (set below when the extension is available)
        self.validate = bool(validate)
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(
            np.random.SeedSequence(seed))
        self._obs_dim = int(np.prod(self.obs_shape))
        self._act_dim = int(np.prod(self.action_shape)) if self.action_shape else 0
        cap = self.capacity
        self.obs = np.zeros((cap, self._obs_dim), self.obs_dtype)
        if self.store_next_obs:
            self.next_obs = np.zeros((cap, self._obs_dim), self.obs_dtype)
        else:  # compact: next_obs only where it differs from the next row's obs
            self.next_obs = None
            self.extra = np.zeros((max(2, cap // 64), self._obs_dim), self.obs_dtype)  # doubles when full
            self.nxt = np.full(cap, -1, np.int32)  # 4 bytes per row of overhead
            self.estate = np.zeros(2, np.int64)  # [oldest slot, count] of the extra FIFO ring
        self.actions = np.zeros((cap, self._act_dim) if self._act_dim else (cap,), self.action_dtype)
        self.rewards = np.zeros(cap, np.float32)
        self.terminated = np.zeros(cap, np.bool_)
        self.truncated = np.zeros(cap, np.bool_)  # episode cut by a time limit (n-step windows stop there)
        self.state = np.zeros(2, np.int64)  # [pos, size]
        self._reshape = len(self.obs_shape) != 1 or len(self.action_shape) > 1
        self._attach_fast()

    def _attach_fast(self):
        """Point the C fast path (if compiled and applicable) at this buffer's arrays."""
        f = None
        if _Ring is not None and self.store_next_obs:
            try:
                f = _Ring(self.obs, self.actions, self.rewards, self.next_obs, self.terminated, self.truncated,
                          self.state, self.obs_shape, self.action_shape, self.validate, Transitions)
                if getattr(self, "sum_tree", None) is not None:
                    f.set_prioritized(self.sum_tree, self.min_tree, self.pstate, PrioritizedTransitions)
            except (TypeError, ValueError):  # e.g. a non-native byte order: the Numba path handles it
                f = None
        self._fast = f
        self._fast_sample = f if self.n_step == 1 else None  # n_step > 1: sample() uses f.nstep_sample

    def __getstate__(self):  # pickle/deepcopy: the C view is rebuilt over the copied arrays
        d = self.__dict__.copy()
        d["_fast"] = d["_fast_sample"] = None
        return d

    def __setstate__(self, d):
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
    def storage(self):
        """``(obs, act, rew, next_obs, term, state)``: the arrays the Numba kernels take."""
        if not self.store_next_obs:
            raise TypeError("a store_next_obs=False buffer has no next_obs array; use buf.compact_storage")
        return self.obs, self.actions, self.rewards, self.next_obs, self.terminated, self.state

    @property
    def compact_storage(self):
        """``(obs, act, rew, extra, nxt, term, state, estate)`` for ``replay_add_compact`` (without
        ``estate`` for ``replay_sample_compact``) of a ``store_next_obs=False`` buffer."""
        return self.obs, self.actions, self.rewards, self.extra, self.nxt, self.terminated, self.state, self.estate

    def _grow_extra(self):
        E, c, t = self.extra.shape[0], int(self.estate[1]), int(self.estate[0])
        order = (t + np.arange(c)) % E
        new = np.zeros((2 * E, self._obs_dim), self.obs_dtype)
        new[:c] = self.extra[order]
        m = self.nxt >= 0
        self.nxt[m] = (self.nxt[m] - t) % E
        self.extra = new
        self.estate[0] = 0

    def _add_compact(self, o, a, r, o2, d):
        if self.validate:
            for code, x in ((-1, o), (-2, o2), (-3, r), (-4, a)):
                if np.asarray(x).dtype.kind == "f" and not np.isfinite(x).all():
                    return code
        K = _K or _kernels()
        pos = K.replay_add_compact(*self.compact_storage, o, a, r, o2, d)
        if pos == -5:
            self._grow_extra()
            pos = K.replay_add_compact(*self.compact_storage, o, a, r, o2, d)
        return pos

    def __len__(self) -> int:
        return int(self.state[1])

    @property
    def full(self) -> bool:
        return int(self.state[1]) == self.capacity

    def __repr__(self):
        return (f"{type(self).__name__}(capacity={self.capacity}, obs_shape={self.obs_shape}, "
                f"size={len(self)})")

    # ------------------------------------------------------------------ checks
    def _check_obs(self, name, o, batch=False):
        o = np.asarray(o)
        want = ((o.shape[0],) if batch and o.ndim else ()) + self.obs_shape
        if o.shape != want:
            raise ValueError(f"{name} must have shape {(('N',) + self.obs_shape) if batch else self.obs_shape}, "
                             f"got {o.shape}")
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

    _BAD = {-1: "obs contains NaN or inf", -2: "next_obs contains NaN or inf", -3: "reward must be finite",
            -4: "action contains NaN or inf"}

    # ------------------------------------------------------------------ add
    def add(self, obs, action, reward, next_obs, terminated, truncated: bool = False) -> None:
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
        K = _K or _kernels()
        if not self.store_next_obs:
            return self._add_compact(o, a, r, o2, d)
        if self.validate:
            return K.replay_add_checked(self.obs, self.actions, self.rewards, self.next_obs, self.terminated,
                                        self.state, o, a, r, o2, d)
        return K.replay_add(self.obs, self.actions, self.rewards, self.next_obs, self.terminated,
                            self.state, o, a, r, o2, d)

    def add_batch(self, obs, actions, rewards, next_obs, terminated, truncated=None) -> None:
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
        rows = (int(self.state[0]) + np.arange(n)) % self.capacity
        self.truncated[rows] = t  # later rows win, as with repeated add()
        for start in range(0, n, self.capacity):  # keep row order identical to repeated add()
            self._add_batch(o[start:start + self.capacity], a[start:start + self.capacity],
                            r[start:start + self.capacity], o2[start:start + self.capacity],
                            d[start:start + self.capacity])

    def _add_batch(self, o, a, r, o2, d):
        if not self.store_next_obs:
            for i in range(o.shape[0]):
                self._add_compact(np.ascontiguousarray(o[i], self.obs_dtype), a[i], float(r[i]),
                                  np.ascontiguousarray(o2[i], self.obs_dtype), bool(d[i]))
            return
        _kernels().replay_add_batch(self.obs, self.actions, self.rewards, self.next_obs, self.terminated,
                                    self.state, np.ascontiguousarray(o, self.obs_dtype), a,
                                    r, np.ascontiguousarray(o2, self.obs_dtype), d)

    # ------------------------------------------------------------------ sample
    def _check_batch(self, batch_size):
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        n = int(self.state[1])
        if n == 0:
            raise ValueError("cannot sample from an empty buffer")
        if batch_size > n:
            raise ValueError(f"batch_size ({batch_size}) exceeds the {n} stored transitions; add more first "
                             "(samples are drawn with replacement, but a batch larger than the buffer is "
                             "almost always a bug)")
        return n

    def _shape_out(self, o, a, r, o2, d):
        if len(self.obs_shape) != 1:
            o = o.reshape((o.shape[0],) + self.obs_shape)
            o2 = o2.reshape((o2.shape[0],) + self.obs_shape)
        if self._act_dim and len(self.action_shape) != 1:
            a = a.reshape((a.shape[0],) + self.action_shape)
        return o, a, r, o2, d

    def _out(self, B):
        return (np.empty((B, self._obs_dim), self.obs_dtype),
                np.empty((B, self._act_dim) if self._act_dim else B, self.action_dtype),
                np.empty(B, np.float32), np.empty((B, self._obs_dim), self.obs_dtype), np.empty(B, np.bool_))

    def sample(self, batch_size: int) -> Transitions:
        """``batch_size`` transitions drawn uniformly with replacement from the stored ones
        (:class:`NStepTransitions` when ``n_step > 1``, same rows for the same Generator state)."""
        f = self._fast_sample
        if f is not None:
            s = f.sample(batch_size, self.rng)
            if s is not None:
                return s
        if self.n_step > 1 and self._fast is not None:
            s = self._fast.nstep_sample(batch_size, self.rng, self.n_step, self.gamma, NStepTransitions)
            if s is not None:
                return s
        self._check_batch(batch_size)
        u = self.rng.random(batch_size)
        idx = np.empty(batch_size, np.int64)
        out = self._out(batch_size)
        if self.n_step > 1:
            g = np.empty(batch_size, np.float32)
            (_K or _kernels()).replay_sample_nstep_into(
                self.obs, self.actions, self.rewards, self.next_obs, self.terminated, self.truncated, self.state,
                self.n_step, self.gamma, u, idx, *out, g)
            if self._reshape:
                out = self._shape_out(*out)
            return NStepTransitions(*out, g)
        if not self.store_next_obs:
            (_K or _kernels()).replay_sample_compact_into(*self.compact_storage[:7], u, idx, *out)
            if self._reshape:
                out = self._shape_out(*out)
            return Transitions._make(out)
        (_K or _kernels()).replay_sample_into(self.obs, self.actions, self.rewards, self.next_obs,
                                              self.terminated, self.state, u, idx, *out)
        if self._reshape:
            out = self._shape_out(*out)
        return Transitions._make(out)

    # ------------------------------------------------------------------ persistence
    def _meta(self) -> dict:
        return {"capacity": self.capacity, "obs_shape": list(self.obs_shape), "obs_dtype": self.obs_dtype.str,
                "action_shape": list(self.action_shape), "action_dtype": self.action_dtype.str,
                "validate": self.validate, "rng": _io.rng_state(self.rng), "n_step": self.n_step,
                "gamma": self.gamma, "store_next_obs": self.store_next_obs}

    def _arrays(self) -> dict:
        n = len(self)  # only the filled rows are written
        if not self.store_next_obs:
            return {"obs": self.obs[:n], "actions": self.actions[:n], "rewards": self.rewards[:n],
                    "terminated": self.terminated[:n], "truncated": self.truncated[:n], "state": self.state,
                    "extra": self.extra, "nxt": self.nxt[:n], "estate": self.estate}
        return {"obs": self.obs[:n], "next_obs": self.next_obs[:n], "actions": self.actions[:n],
                "rewards": self.rewards[:n], "terminated": self.terminated[:n], "truncated": self.truncated[:n],
                "state": self.state}

    def to_dict(self, prefix: str = "buffer."):
        """``(meta, arrays)`` to embed in another fastfa file (e.g. an agent checkpoint)."""
        return {"class": self._kind, **self._meta()}, {prefix + k: v for k, v in self._arrays().items()}

    @classmethod
    def from_dict(cls, meta, arrays, prefix: str = "buffer."):
        kw = dict(capacity=meta["capacity"], obs_shape=tuple(meta["obs_shape"]), obs_dtype=np.dtype(meta["obs_dtype"]),
                  action_shape=tuple(meta["action_shape"]), action_dtype=np.dtype(meta["action_dtype"]),
                  validate=meta.get("validate", True))
        if meta.get("n_step", 1) != 1:
            kw.update(n_step=meta["n_step"], gamma=meta["gamma"])
        if not meta.get("store_next_obs", True):
            kw.update(store_next_obs=False)
        if cls is PrioritizedReplayBuffer or issubclass(cls, PrioritizedReplayBuffer):
            kw.update(alpha=meta["alpha"], beta=meta["beta"], eps=meta.get("eps", 1e-6))
        buf = cls(seed=_io.rng_from_state(meta["rng"]), **kw)
        buf._restore({k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)})
        return buf

    def _restore(self, arrays):
        n = int(arrays["state"][1])
        for k in ("obs", "next_obs", "actions", "rewards", "terminated"):
            if k == "next_obs" and not self.store_next_obs:
                continue
            getattr(self, k)[:n] = arrays[k]
        if not self.store_next_obs:
            self.extra = np.array(arrays["extra"], self.obs_dtype)
            self.nxt[:n] = arrays["nxt"]
            self.estate[:] = arrays["estate"]
        if "truncated" in arrays:  # files written before n-step support have none
            self.truncated[:n] = arrays["truncated"]
        self.state[:] = arrays["state"]

    def save(self, path) -> "Path":  # noqa: F821
        """Write the buffer (filled rows, write position, RNG state) to a pickle-free ``.npz``."""
        meta, arrays = self.to_dict(prefix="")
        return _io.save(path, self._kind, meta, arrays)

    @classmethod
    def load(cls, path):
        """Read a buffer written by :meth:`save`; sampling continues the same random stream."""
        _, meta, arrays = _io.load(path, kind=cls._kind)
        return cls.from_dict(meta, arrays, prefix="")


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

    def __init__(self, capacity: int, obs_shape, obs_dtype=np.float32, action_shape=(), action_dtype=np.int64,
                 seed=None, validate: bool = True, *, alpha: float = 0.6, beta: float = 0.4, eps: float = 1e-6):
        super().__init__(capacity, obs_shape, obs_dtype, action_shape, action_dtype, seed, validate)
        if not (math.isfinite(alpha) and alpha >= 0):
            raise ValueError(f"alpha must be finite and >= 0, got {alpha!r}")
        self.alpha = float(alpha)
        self.beta = beta
        if not (math.isfinite(eps) and eps >= 0):
            raise ValueError(f"eps must be finite and >= 0, got {eps!r}")
        self.eps = float(eps)
        cap2 = 1 << max(0, (self.capacity - 1).bit_length())
        self.sum_tree = np.zeros(2 * cap2, np.float64)
        self.min_tree = np.full(2 * cap2, np.inf, np.float64)
        self.pstate = np.ones(1, np.float64)  # max priority^alpha so far
        self._attach_fast()

    @property
    def beta(self) -> float:
        return self._beta

    @beta.setter
    def beta(self, value: float) -> None:
        if not (math.isfinite(value) and 0 <= value <= 1):
            raise ValueError(f"beta must be in [0, 1], got {value!r}")
        self._beta = float(value)

    @property
    def storage(self):
        """``(obs, act, rew, next_obs, term, state, sum_tree, min_tree, pstate)`` for the PER kernels."""
        return super().storage + (self.sum_tree, self.min_tree, self.pstate)

    def _add(self, o, a, r, o2, d):
        K = _K or _kernels()
        f = K.per_add_checked if self.validate else K.per_add
        return f(self.obs, self.actions, self.rewards, self.next_obs, self.terminated, self.state,
                 self.sum_tree, self.min_tree, self.pstate, o, a, r, o2, d)

    def _add_batch(self, o, a, r, o2, d):
        f = self._fast
        if f is not None:  # rows in the observation shape, for the C path
            so, so2 = o.reshape((o.shape[0],) + self.obs_shape), o2.reshape((o.shape[0],) + self.obs_shape)
        for i in range(o.shape[0]):
            if f is not None and f.add(so[i], a[i], r[i], so2[i], d[i], None) >= 0:
                continue
            self._add(np.ascontiguousarray(o[i], self.obs_dtype), a[i], float(r[i]),
                      np.ascontiguousarray(o2[i], self.obs_dtype), bool(d[i]))  # inputs checked by add_batch

    def sample(self, batch_size: int) -> PrioritizedTransitions:
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
        ok = _kernels().per_sample_into(self.obs, self.actions, self.rewards, self.next_obs, self.terminated,
                                        self.state, self.sum_tree, self.min_tree, self._beta, u, idx, w, *out)
        if not ok:
            raise ValueError("total priority is 0 or not finite; cannot sample")
        return PrioritizedTransitions(*self._shape_out(*out), w, idx)

    def update_priorities(self, indices, priorities) -> None:
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
        k, code = (_K or _kernels()).per_update_checked(self.sum_tree, self.min_tree, self.pstate, idx, p,
                                                         self.alpha, self.eps, self.state[1])
        if k >= 0:
            what = {1: f"indices must be in [0, {len(self)}), got {idx[k]}",
                    2: f"priorities must be finite, got {p[k]}",
                    3: f"priorities must be >= 0, got {p[k]}",
                    4: "priorities + eps must be > 0 (set eps > 0 to allow zero priorities)"}[code]
            raise ValueError(f"{what} (entry {k}); no priority was updated")

    def priorities(self) -> np.ndarray:
        """Current pᵢ^α of the stored rows (a copy)."""
        cap2 = self.sum_tree.shape[0] // 2
        return self.sum_tree[cap2:cap2 + len(self)].copy()

    def _meta(self) -> dict:
        return {**super()._meta(), "alpha": self.alpha, "beta": self._beta, "eps": self.eps}

    def _arrays(self) -> dict:
        return {**super()._arrays(), "sum_tree": self.sum_tree, "min_tree": self.min_tree, "pstate": self.pstate}

    def _restore(self, arrays):
        super()._restore(arrays)
        self.sum_tree[:] = arrays["sum_tree"]
        self.min_tree[:] = arrays["min_tree"]
        self.pstate[:] = arrays["pstate"]
