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


def _unit(x, low, high):
    return np.clip((np.asarray(x, float) - low) / (high - low), 0, 1)


def naive_polynomial(x, low, high, order):
    import itertools

    s = _unit(x, low, high)
    return np.array(
        [np.prod([s[k] ** c[k] for k in range(len(s))]) for c in itertools.product(range(order + 1), repeat=len(s))]
    )


def naive_fourier(x, low, high, order):
    import itertools

    s = _unit(x, low, high)
    return np.array([np.cos(np.pi * np.dot(c, s)) for c in itertools.product(range(order + 1), repeat=len(s))])


def naive_haar(c, x):
    """Haar function number c (0 = constant) from its support interval, written independently."""
    if c == 0:
        return 1.0
    j = int(math.log2(c))
    k = c - 2**j
    lo, mid, hi = k / 2**j, (k + 0.5) / 2**j, (k + 1) / 2**j
    last = k == 2**j - 1
    if lo <= x < mid:
        return 2 ** (j / 2)
    if mid <= x < hi or (last and x == 1.0):
        return -(2 ** (j / 2))
    return 0.0


def naive_rbf(x, low, high, centres, sigma):
    s = _unit(x, low, high)
    return np.exp(-((s - centres) ** 2).sum(axis=1) / (2 * sigma**2))


def naive_grid(x, low, high, bins):
    b = [
        min(max(int(math.floor((x[k] - low[k]) / (high[k] - low[k]) * bins[k])), 0), bins[k] - 1) for k in range(len(x))
    ]
    return int(np.ravel_multi_index(tuple(b), tuple(bins)))
