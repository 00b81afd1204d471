"""Compact storage of a :class:`~fastfa.buffers.ReplayBuffer` (``store_next_obs=False``): each
observation is stored once; ``next_obs`` is kept (in ``buf.extra``, a FIFO ring that grows) only
where it is not bit-identical to the next row's ``obs`` (episode ends and the newest row).

Layout (``replay_add_compact`` in ``fastfa.kernels.replay.replay``): ``nxt[i]`` = −1 when row i's next
observation is ``obs[(i+1) mod capacity]``, else its slot in ``extra``; ``estate`` = [oldest slot,
count] of the live slots, which belong to the rows holding a slot in row order (oldest first).
"""

from __future__ import annotations

import numpy as np

from ..io import FormatError, check_array
from ._common import kernels
from .._typing import PathLike


def allocate(buf) -> None:
    """The compact arrays of a fresh buffer."""
    cap = buf.capacity
    buf.next_obs = None
    buf.extra = np.zeros((max(2, cap // 64), buf._obs_dim), buf.obs_dtype)  # doubles when full
    buf.nxt = np.full(cap, -1, np.int32)  # 4 bytes per row of overhead
    buf.estate = np.zeros(2, np.int64)  # [oldest slot, count] of the extra FIFO ring


def grow_extra(buf) -> None:
    """Double ``buf.extra``, keeping the live slots in FIFO order from slot 0."""
    E, c, t = buf.extra.shape[0], int(buf.estate[1]), int(buf.estate[0])
    order = (t + np.arange(c)) % E
    new = np.zeros((2 * E, buf._obs_dim), buf.obs_dtype)
    new[:c] = buf.extra[order]
    m = buf.nxt >= 0
    buf.nxt[m] = (buf.nxt[m] - t) % E
    buf.extra = new
    buf.estate[0] = 0


def add(buf, o, a, r, o2, d) -> int:
    """Store one (already shape-checked) transition; the row, or a negative code for a non-finite input."""
    if buf.validate:
        for code, x in ((-1, o), (-2, o2), (-3, r), (-4, a)):
            if np.asarray(x).dtype.kind == "f" and not np.isfinite(x).all():
                return code
    K = kernels()
    pos = K.replay_add_compact(*buf.compact_storage, o, a, r, o2, d)
    if pos == -5:
        grow_extra(buf)
        pos = K.replay_add_compact(*buf.compact_storage, o, a, r, o2, d)
    return pos


def sample_into(buf, u, idx, out) -> None:
    kernels().replay_sample_compact_into(*buf.compact_storage[:7], u, idx, *out)


def file_arrays(buf, n: int) -> dict:
    return {"extra": buf.extra, "nxt": buf.nxt[:n], "estate": buf.estate}


def restore(buf, arrays, path: PathLike, prefix: str, state) -> None:
    """Check the compact arrays of a file against the buffer's metadata and ``state``, then install them."""
    pos, n, cap = int(state[0]), int(state[1]), buf.capacity

    def bad(problem):
        raise FormatError(path, f"buffer compact storage: {problem}")

    extra = check_array(arrays, prefix + "extra", dtype=buf.obs_dtype, shape=(None, buf._obs_dim), path=path)
    nxt = check_array(arrays, prefix + "nxt", kind="iu", shape=(n,), path=path)
    estate = check_array(arrays, prefix + "estate", kind="iu", shape=(2,), path=path)
    E = extra.shape[0]
    oldest, count = int(estate[0]), int(estate[1])
    if E < 2 or not (0 <= oldest < E and 0 <= count <= E):
        bad(f"{prefix}estate = [{oldest}, {count}] is out of range for {E} extra slots")
    if np.any((nxt < -1) | (nxt >= E)):
        bad(f"{prefix}nxt holds slots outside [-1, {E})")
    rows = (pos + np.arange(n)) % cap if n == cap else np.arange(n)  # oldest row first
    slots = nxt[rows]
    slots = slots[slots >= 0].astype(np.int64)
    if not np.array_equal(slots, (oldest + np.arange(count)) % E):
        bad(f"the rows' slots {prefix}nxt do not match the {count} live slots of {prefix}estate")
    if n and nxt[rows[-1]] < 0:
        bad(f"the newest row has no slot in {prefix}extra")
    buf.extra = np.array(extra, buf.obs_dtype)
    buf.nxt[:n] = nxt
    buf.estate[:] = estate
