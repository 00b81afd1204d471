"""Plain reference implementations that the compiled kernels are tested against.

This file holds the tile-coding reference: Sutton's published tiles3
algorithm, re-written from its description (not vendored): an index hash
table that hands out 0, 1, 2, ... to new coordinate tuples and falls back to
``hash(coords) % size`` once full; tiles at offsets 1, 3, 5, ... per
dimension.  Other topics add ``naive_<topic>.py`` files imported at the end.
"""

import math
from itertools import zip_longest


class RefIHT:
    """The published IHT: a dict plus an overflow counter."""

    def __init__(self, size):
        self.size = size
        self.overfull = 0
        self.table = {}

    def count(self):
        return len(self.table)

    def fullp(self):
        return len(self.table) >= self.size

    def getindex(self, key, readonly=False):
        if key in self.table:
            return self.table[key]
        if readonly:
            return None
        n = len(self.table)
        if n >= self.size:
            self.overfull += 1
            return hash(key) % self.size
        self.table[key] = n
        return n


def ref_hashcoords(coords, m, readonly=False):
    if isinstance(m, RefIHT):
        return m.getindex(tuple(coords), readonly)
    if m is None:
        return coords
    return hash(tuple(coords)) % m


def ref_tiles(m, numtilings, floats, ints=(), readonly=False):
    qs = [math.floor(f * numtilings) for f in floats]
    out = []
    for t in range(numtilings):
        coords = [t]
        b = t
        for q in qs:
            coords.append((q + b) // numtilings)
            b += 2 * t
        coords.extend(ints)
        out.append(ref_hashcoords(coords, m, readonly))
    return out


def ref_tileswrap(m, numtilings, floats, wrapwidths, ints=(), readonly=False):
    qs = [math.floor(f * numtilings) for f in floats]
    out = []
    for t in range(numtilings):
        coords = [t]
        b = t
        for q, w in zip_longest(qs, wrapwidths):
            c = (q + b % numtilings) // numtilings
            coords.append(c % w if w else c)
            b += 2 * t
        coords.extend(ints)
        out.append(ref_hashcoords(coords, m, readonly))
    return out


from naive_control import *  # noqa
from naive_features import *  # noqa
from naive_prediction import *  # noqa
from naive_mlp import *  # noqa
from naive_pg import *  # noqa
from naive_pg_envs import *  # noqa
from naive_replay import *  # noqa
from naive_trees import *  # noqa
