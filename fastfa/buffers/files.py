"""Saving and loading replay buffers (pickle-free ``.npz`` via :mod:`fastfa.io`).

A loaded file is untrusted: the metadata is rebuilt through the constructor's checks, and every
array that sets a size, a position or an index -- the write position and size ``state``, the
rows, the compact-storage slots, the sum-tree of priorities -- is checked against the metadata
before the buffer is used, so a corrupt file raises :class:`fastfa.io.FormatError` (naming the
file and the field) instead of crashing the interpreter on the next ``add``.
"""

from __future__ import annotations

import numpy as np

from .. import io as _io
from ..io import FormatError, check_array
from .._typing import PathLike


def file_meta(buf) -> dict:
    return {
        "capacity": buf.capacity,
        "obs_shape": list(buf.obs_shape),
        "obs_dtype": buf.obs_dtype.str,
        "action_shape": list(buf.action_shape),
        "action_dtype": buf.action_dtype.str,
        "validate": buf.validate,
        "rng": _io.rng_state(buf.rng),
        "n_step": buf.n_step,
        "gamma": buf.gamma,
        "store_next_obs": buf.store_next_obs,
    }


def file_arrays(buf) -> dict:
    n = len(buf)  # only the filled rows are written
    out = {
        "obs": buf.obs[:n],
        "actions": buf.actions[:n],
        "rewards": buf.rewards[:n],
        "terminated": buf.terminated[:n],
        "truncated": buf.truncated[:n],
        "state": buf.state,
    }
    if buf.store_next_obs:
        out["next_obs"] = buf.next_obs[:n]
    else:
        from . import compact

        out.update(compact.file_arrays(buf, n))
    return out


def _dtype(meta: dict, name, path: PathLike):
    try:
        dt = np.dtype(meta[name])
    except (TypeError, ValueError):
        raise FormatError(path, f"buffer field {name!r} is not a dtype: {meta[name]!r}") from None
    if dt.kind not in "biuf":
        raise FormatError(path, f"buffer field {name!r} must be a numeric dtype, got {dt}")
    return dt


def from_dict(cls, meta: dict, arrays, prefix: str):
    """Rebuild a buffer of class ``cls`` from :func:`file_meta`/:func:`file_arrays` output (checked)."""
    path = getattr(arrays, "path", getattr(meta, "path", "<arrays>"))
    for name in ("obs_shape", "action_shape"):
        if not isinstance(meta[name], list):
            raise FormatError(path, f"buffer field {name!r} must be a list of ints, got {meta[name]!r}")
    kw = dict(
        capacity=meta["capacity"],
        obs_shape=tuple(meta["obs_shape"]),
        obs_dtype=_dtype(meta, "obs_dtype", path),
        action_shape=tuple(meta["action_shape"]),
        action_dtype=_dtype(meta, "action_dtype", path),
        validate=meta.get("validate", True),
    )
    if meta.get("n_step", 1) != 1:
        kw.update(n_step=meta["n_step"], gamma=meta["gamma"])
    if not meta.get("store_next_obs", True):
        kw.update(store_next_obs=False)
    kw.update(cls._file_kwargs(meta))
    try:
        rng = _io.rng_from_state(meta["rng"])
        buf = cls(seed=rng, **kw)
    except (TypeError, ValueError, OverflowError, MemoryError) as e:
        if isinstance(e, FormatError):
            raise
        raise FormatError(path, f"buffer metadata: {e}") from None
    buf._restore(arrays, path, prefix)
    return buf


def restore(buf, arrays, path: PathLike, prefix: str) -> None:
    """Check the common arrays of a file against ``buf``'s metadata, then copy them in."""

    def get(name, **kw):
        return check_array(arrays, prefix + name, path=path, **kw)

    state = get("state", kind="iu", shape=(2,))
    pos, n, cap = int(state[0]), int(state[1]), buf.capacity
    if not (0 <= n <= cap and 0 <= pos < cap and (n == cap or pos == n)):
        raise FormatError(
            path,
            f"array {prefix + 'state'!r}: [pos, size] = [{pos}, {n}] is out of range for "
            f"capacity {cap} (need 0 <= size <= capacity, 0 <= pos < capacity, pos == size "
            "until full)",
        )
    act = (n, buf._act_dim) if buf._act_dim else (n,)
    names = [
        ("obs", buf.obs_dtype, (n, buf._obs_dim)),
        ("actions", buf.action_dtype, act),
        ("rewards", np.float32, (n,)),
        ("terminated", np.bool_, (n,)),
    ]
    if buf.store_next_obs:
        names.append(("next_obs", buf.obs_dtype, (n, buf._obs_dim)))
    if prefix + "truncated" in arrays:  # files written before n-step support have none
        names.append(("truncated", np.bool_, (n,)))
    checked = {name: get(name, dtype=dt, shape=shape) for name, dt, shape in names}
    if not buf.store_next_obs:
        from . import compact

        compact.restore(buf, arrays, path, prefix, state)
    for name, a in checked.items():
        getattr(buf, name)[:n] = a
    buf.state[:] = state
