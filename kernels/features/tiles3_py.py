"""Pure-Python tiles3 (used only when the compiled extension is missing).

Same API, validation and results as ``fastfa.kernels.features._tiles3``; about 30x slower.
"""

from __future__ import annotations

import math
import warnings
from itertools import zip_longest

__all__ = [
    "IHT",
    "tiles",
    "tileswrap",
    "hashcoords",
    "tiles_batch_py",
    "tiles_unchecked",
    "tileswrap_unchecked",
    "check_floats",
]


def _positive_int(value, name):
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}")
    value = value.__index__()
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return value


class IHT:
    """Index hash table (see fastfa.kernels.features._tiles3.IHT)."""

    def __init__(self, sizeval) -> None:
        self.size = _positive_int(sizeval, "sizeval")
        if self.size > 2**62:  # the compiled IHT's limit (its indices are C integers), kept the same here
            raise ValueError(f"sizeval must be a positive int <= 2**62, got {self.size}")
        self.overfullCount = 0
        self.dictionary: dict = {}

    def __str__(self) -> str:
        return (
            f"Collision table: size:{self.size} overfullCount:{self.overfullCount} "
            f"dictionary:{len(self.dictionary)} items"
        )

    def __len__(self) -> int:
        return len(self.dictionary)

    def count(self):
        return len(self.dictionary)

    def fullp(self):
        return len(self.dictionary) >= self.size

    def getindex(self, obj, readonly: bool = False):
        d = self.dictionary
        if obj in d:
            return d[obj]
        if readonly:
            return None
        count = len(d)
        if count >= self.size:
            if self.overfullCount == 0:
                warnings.warn("IHT full, starting to allow collisions", RuntimeWarning, stacklevel=3)
            self.overfullCount += 1
            return hash(obj) % self.size
        d[obj] = count
        return count


def _check(ihtORsize, numtilings, floats):
    if isinstance(numtilings, bool) or not hasattr(numtilings, "__index__"):
        raise TypeError(f"numtilings must be an int, got {type(numtilings).__name__}")
    numtilings = numtilings.__index__()
    if numtilings <= 0:
        raise ValueError(f"numtilings must be >= 1, got {numtilings}")
    if numtilings > 1 << 16:  # the result holds numtilings indices
        raise ValueError(f"numtilings must be <= 65536, got {numtilings}")
    if not (ihtORsize is None or type(ihtORsize) is IHT):
        _positive_int(ihtORsize, "ihtORsize")
    return numtilings, check_floats(floats, numtilings)


def check_floats(floats, numtilings):
    """``floats`` as a list, each a finite number whose product with numtilings is finite."""
    try:
        floats = list(floats)
    except TypeError:
        raise TypeError(f"floats must be a sequence of numbers, got {type(floats).__name__}") from None
    for i, f in enumerate(floats):
        if isinstance(f, (bool, str, bytes)):
            raise TypeError(f"floats[{i}] must be a number, got {type(f).__name__}")
        try:
            ok = math.isfinite(f)
        except TypeError:
            raise TypeError(f"floats[{i}] must be a number, got {type(f).__name__}") from None
        if not ok:
            raise ValueError(f"floats[{i}] = {f!r}: tile coding needs finite floats")
        try:
            ok = math.isfinite(f * numtilings)
        except OverflowError:
            ok = True  # a huge Python int: exact arithmetic, no overflow
        if not ok:
            raise ValueError(f"floats[{i}] = {f!r}: floats[i] * numtilings overflows to infinity")
    return floats


def hashcoords(coordinates, m, readonly: bool = False):
    """Index of one coordinate list (IHT, int size, or None for the coordinates)."""
    if type(m) is IHT:
        return m.getindex(tuple(coordinates), readonly)
    if m is None:
        return coordinates
    return hash(tuple(coordinates)) % _positive_int(m, "m")


def tiles(ihtORsize, numtilings, floats, ints=(), readonly: bool = False):
    """Tile indices for floats (unit grid) and ints; see fastfa.tiles3."""
    numtilings, floats = _check(ihtORsize, numtilings, floats)
    return tiles_unchecked(ihtORsize, numtilings, floats, list(ints) if ints is not None else [], readonly)


def tiles_unchecked(ihtORsize, numtilings, floats, ints=(), readonly: bool = False, hashcoords=hashcoords):
    """The published algorithm without input checks (also the exact object path of the
    compiled extension, which passes its own ``hashcoords``, and the speed baseline of
    ``fastfa bench tiles``)."""
    qfloats = [math.floor(f * numtilings) for f in floats]
    result = []
    for tiling in range(numtilings):
        coords = [tiling]
        b = tiling
        for q in qfloats:
            coords.append((q + b) // numtilings)
            b += tiling * 2
        coords.extend(ints)
        result.append(hashcoords(coords, ihtORsize, readonly))
    return result


def tileswrap_unchecked(
    ihtORsize, numtilings, floats, wrapwidths, ints=(), readonly: bool = False, hashcoords=hashcoords
):
    """tileswrap's published algorithm (with the parameter typo fixed), without input checks."""
    # NumPy integer widths as Python ints: ``c % np.uint8(w)`` overflows once c passes 255
    wrapwidths = [w.__index__() if hasattr(w, "__index__") and type(w).__name__ != "bool" else w for w in wrapwidths]
    qfloats = [math.floor(f * numtilings) for f in floats]
    result = []
    for tiling in range(numtilings):
        coords = [tiling]
        b = tiling
        for q, width in zip_longest(qfloats, wrapwidths):
            c = (q + b % numtilings) // numtilings
            coords.append(c % width if width else c)
            b += tiling * 2
        coords.extend(ints)
        result.append(hashcoords(coords, ihtORsize, readonly))
    return result


def tileswrap(ihtORsize, numtilings, floats, wrapwidths, ints=(), readonly: bool = False):
    """Tile indices with wrapping floats; see fastfa.tiles3."""
    numtilings, floats = _check(ihtORsize, numtilings, floats)
    wrapwidths = list(wrapwidths)
    if len(wrapwidths) > len(floats):
        raise ValueError(f"wrapwidths has {len(wrapwidths)} entries but floats only {len(floats)}")
    return tileswrap_unchecked(
        ihtORsize, numtilings, floats, wrapwidths, list(ints) if ints is not None else [], readonly
    )


def tiles_batch_py(ihtORsize, numtilings, floats, ints, wrapwidths, readonly, out) -> None:
    """Row-by-row batch coding into ``out`` (readonly misses give -1)."""
    for i in range(floats.shape[0]):
        f = floats[i].tolist()
        iv = ints[i].tolist()
        if wrapwidths is None:
            row = tiles(ihtORsize, numtilings, f, iv, readonly)
        else:
            row = tileswrap(ihtORsize, numtilings, f, [int(w) for w in wrapwidths], iv, readonly)
        out[i] = [-1 if r is None else r for r in row]
