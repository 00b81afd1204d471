"""Files are untrusted input: save crash-safely, and get one clear error for a corrupt file.

    python examples/files_and_errors.py

Saves a replay buffer, then damages copies of the file the ways files get damaged (truncated,
emptied, a write position out of range) and shows the one exception type every problem gives:
``fastfa.io.FormatError`` (a ``ValueError``) naming the file and the problem.  Also shows
``fastfa.io.loader`` and ``check_array`` for a loader of your own.  See docs/io.md.
"""

import json
import os
import tempfile

import numpy as np

import fastfa.io as fio
from fastfa.buffers import ReplayBuffer
from fastfa.io import FormatError

# (FASTFA_EXAMPLE_QUICK, the examples' smoke-test switch, changes nothing here: this one is instant)
out = os.environ.get("FASTFA_EXAMPLE_OUT") or tempfile.mkdtemp()
buf = ReplayBuffer(100, obs_shape=(2,), seed=0)
for t in range(10):
    buf.add(np.full(2, t, np.float32), t % 2, 1.0, np.full(2, t + 1, np.float32), False)
path = buf.save(os.path.join(out, "buffer"))  # temp file + fsync + atomic rename
print("saved", path.name, "and reloaded:", len(ReplayBuffer.load(path)), "transitions")

blob = path.read_bytes()
damaged = os.path.join(out, "damaged.npz")
with np.load(path) as d:  # an out-of-range write position, written as another program would
    arrays = {k: d[k] for k in d.files}
arrays["state"] = np.array([10**9, 10])
for what, write in [
    ("truncated", lambda: open(damaged, "wb").write(blob[: len(blob) // 2])),
    ("empty", lambda: open(damaged, "wb").close()),
    ("bad write position", lambda: np.savez(damaged, **arrays)),
]:
    write()
    try:
        ReplayBuffer.load(damaged)
    except FormatError as e:
        print(f"{what:>18}: FormatError: {e.problem}")


class Weights:
    """A loader of your own: fio.loader turns any error while rebuilding into a FormatError."""

    def __init__(self, w):
        self.w = w

    def save(self, p):
        return fio.save(p, "Weights", {"n": len(self.w)}, {"w": self.w})

    @classmethod
    @fio.loader
    def load(cls, p):
        _, meta, arrays = fio.load(p, kind="Weights")
        return cls(fio.check_array(arrays, "w", dtype=np.float64, shape=(meta["n"],), finite=True))


p = Weights(np.arange(3.0)).save(os.path.join(out, "weights"))
print("own loader:", Weights.load(p).w)
with np.load(p) as d:
    np.savez(damaged, __meta__=d["__meta__"], w=np.array([1.0, np.nan, 2.0]))
try:
    Weights.load(damaged)
except FormatError as e:
    print("own loader, NaN weight: FormatError:", e.problem)
print("done: files and errors example", json.dumps({"format": fio.FORMAT_VERSION}))
