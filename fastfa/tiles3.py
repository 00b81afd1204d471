"""Drop-in replacement for Rich Sutton's ``tiles3`` tile coder, compiled with Cython.

    from fastfa.tiles3 import IHT, tiles, tileswrap     # instead of: from tiles3 import ...

    iht = IHT(4096)
    idx = tiles(iht, 8, [x * 8 / (hi - lo), xdot * 8 / (vhi - vlo)], [action])

Same API and, for every input it accepts, the same indices in the same order
for the same sequence of calls as the published tiles3 (grid tilings with
offsets 1, 3, 5, ...; coordinates ``(tiling, (q + b) // numtilings ..., *ints)``
hashed through an index hash table).  Differences, all deliberate:

* An IHT that overflows warns once with ``RuntimeWarning`` instead of printing.
* ``tileswrap`` works (the published one raises ``NameError`` through a
  parameter-name typo); it implements the documented intent.
* Bad input raises a clear error: NaN/inf floats (``ValueError``),
  ``numtilings`` <= 0 or > 65536 (``ValueError``: a result holds numtilings
  indices, so a typo such as 2**31 must not fill the memory), a non-int ``numtilings`` or an
  ``ihtORsize`` that is not an IHT/int/None (``TypeError``; the original
  silently returns a list of ``None``).  NumPy integers are accepted wherever
  Python ints are.
* ``tiles_batch`` codes an ``(n, d)`` array of states in one call.

Hash mode (an int ``ihtORsize``) uses Python's own tuple hash, reproduced in
C, so indices equal the original's on CPython >= 3.8 (64-bit).

When the package was installed without its compiled extension
(``FASTFA_NO_EXT=1``), the same API runs in pure Python (about 30x slower) and
a ``RuntimeWarning`` says so once on import.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from ._typing import ArrayLike

try:
    from .kernels.features._tiles3 import IHT, hashcoords, tiles, tileswrap
    from .kernels.features._tiles3 import tiles_batch as _tiles_batch

    COMPILED = True
except ImportError:  # built with FASTFA_NO_EXT=1, or the extension failed to load
    from .kernels.features.tiles3_py import IHT, hashcoords, tiles, tileswrap
    from .kernels.features.tiles3_py import tiles_batch_py as _tiles_batch

    COMPILED = False
    warnings.warn(
        "fastfa.tiles3: compiled extension not available, using the pure-Python "
        "implementation (same results, slower). Reinstall with a C compiler for speed.",
        RuntimeWarning,
        stacklevel=2,
    )

__all__ = ["IHT", "tiles", "tileswrap", "hashcoords", "tiles_batch", "COMPILED"]


def tiles_batch(
    ihtORsize: IHT | int,
    numtilings: int,
    floats: ArrayLike,
    ints: ArrayLike | None = None,
    wrapwidths: Sequence[int | None] | None = None,
    readonly: bool = False,
) -> np.ndarray:
    """Tile indices for many states at once.

    Args:
        ihtORsize: an :class:`IHT` or a positive int (hash mode).
        numtilings: number of tilings, 1-65536.
        floats: array-like of shape ``(n, d)``: already scaled states (unit grid).
        ints: optional integer coordinates, shape ``(k,)`` (the same for every row)
            or ``(n, k)``.
        wrapwidths: optional length-``d`` wrap widths as in :func:`tileswrap`
            (0 or None: no wrap).
        readonly: do not insert unseen coordinates into the IHT (they give -1).

    Returns:
        int64 array of shape ``(n, numtilings)``: row i equals
        ``tiles(ihtORsize, numtilings, floats[i], ints[i], readonly)`` (or
        ``tileswrap``), and an IHT ends in the same state as after those calls
        in row order.
    """
    if isinstance(numtilings, bool) or not isinstance(numtilings, (int, np.integer)):
        raise TypeError(f"numtilings must be an int, got {type(numtilings).__name__}")
    if not 1 <= numtilings <= 65536:
        raise ValueError(f"numtilings must be an int in [1, 65536], got {numtilings}")
    if not isinstance(ihtORsize, IHT):
        if isinstance(ihtORsize, bool) or not isinstance(ihtORsize, (int, np.integer)):
            raise TypeError(f"ihtORsize must be an IHT or a positive int, got {type(ihtORsize).__name__}")
        if ihtORsize <= 0:
            raise ValueError(f"ihtORsize must be positive, got {ihtORsize}")
    x = np.asarray(floats)
    if x.dtype.kind not in "fiub":
        raise TypeError(f"floats must be numeric, got dtype {x.dtype}")
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x.reshape(-1, 1) if x.size else x.reshape(0, 0)
    if x.ndim != 2:
        raise ValueError(f"floats must have shape (n, d), got {x.shape}")
    if not np.isfinite(x).all():
        bad = tuple(np.argwhere(~np.isfinite(x))[0])
        raise ValueError(f"floats[{bad[0]}, {bad[1]}] = {x[bad]}: tile coding needs finite floats")
    n = x.shape[0]
    if ints is None:
        iv = np.zeros((n, 0), dtype=np.int64)
    else:
        iv = np.asarray(ints)
        if iv.size and iv.dtype.kind not in "iub":
            raise TypeError(f"ints must be integers, got dtype {iv.dtype}")
        iv = iv.astype(np.int64)
        if iv.ndim == 1:
            iv = np.broadcast_to(iv, (n, iv.shape[0]))
        if iv.ndim != 2 or iv.shape[0] != n:
            raise ValueError(f"ints must have shape (k,) or ({n}, k), got {np.shape(ints)}")
        iv = np.ascontiguousarray(iv)
    w = None
    if wrapwidths is not None:
        w = np.array([0 if v is None else v for v in wrapwidths], dtype=np.int64)
        if w.shape != (x.shape[1],):
            raise ValueError(f"wrapwidths must have {x.shape[1]} entries (one per float), got {w.shape[0]}")
    out = np.empty((n, int(numtilings)), dtype=np.int64)
    _tiles_batch(ihtORsize, int(numtilings), x, iv, w, bool(readonly), out)
    return out
