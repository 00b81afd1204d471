"""Plain Python/NumPy references for fastfa.features (tests only)."""
import math

import numpy as np


def naive_tile_coords(obs, low, high, tiles_per_dim, n_tilings, offsets="asymmetric", wrap=None, ints=()):
    """List of coordinate tuples (one per tiling), written from the S&B 9.5.4 description."""
    d = len(obs)
    coords = []
    wrapping = wrap is not None and any(wrap)
    for t in range(n_tilings):
        c = [t]
        for k in range(d):
            x = float(obs[k])
            if not (wrapping and wrap[k]):
                x = min(max(x, low[k]), high[k])
            s = (x - low[k]) * (tiles_per_dim[k] / (high[k] - low[k]))
            q = math.floor(s * n_tilings)
            disp = (2 * k + 1) if offsets == "asymmetric" else 1
            b = t * disp
            if wrapping:
                v = (q + b % n_tilings) // n_tilings
                if wrap[k]:
                    v %= tiles_per_dim[k]
            else:
                v = (q + b) // n_tilings
            c.append(v)
        c.extend(int(i) for i in ints)
        coords.append(tuple(c))
    return coords


def naive_tile_hash(obs, low, high, tiles_per_dim, n_tilings, size, **kw):
    return np.array([hash(c) % size for c in naive_tile_coords(obs, low, high, tiles_per_dim, n_tilings, **kw)])


class NaiveIHT:
    def __init__(self, size):
        self.size, self.d, self.overfull = size, {}, 0

    def index(self, key):
        if key in self.d:
            return self.d[key]
        if len(self.d) >= self.size:
            self.overfull += 1
            return hash(key) % self.size
        self.d[key] = len(self.d)
        return self.d[key]
