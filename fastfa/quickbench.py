"""``fastfa bench tiles``: a short speed comparison printed for the user.

Times fastfa's tile coders against the pure-Python tiles3 algorithm on the
same inputs in the same process and prints the ratios.  For the full,
statistically careful numbers see ``benches/`` (pytest-benchmark) and
BENCHMARKS.md.
"""

from __future__ import annotations

import time

import numpy as np


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_tiles(quick: bool = False) -> list[tuple[str, float, float]]:
    """Rows of (case, fastfa seconds per state, baseline seconds per state)."""
    from .kernels.features import tiles3_py as pure
    from . import tiles3 as t3
    from .kernels.features import tiles as K

    rng = np.random.default_rng(0)
    repeat = 3 if quick else 7
    n_calls = 2000 if quick else 10000
    x2 = rng.uniform(0, 8, size=(n_calls, 2))
    x2l = x2.tolist()
    acts = rng.integers(0, 3, size=(n_calls, 1))
    al = acts.tolist()
    x4l = rng.uniform(0, 4, size=(n_calls, 4)).tolist()
    rows = []

    def percall(fn, table, nt, xs, ints):
        def run() -> None:
            for i, x in enumerate(xs):
                fn(table, nt, x, ints[i] if ints else ())

        return run

    t_f = _best(percall(t3.tiles, t3.IHT(4096), 8, x2l, al), repeat) / n_calls
    t_p = _best(percall(pure.tiles_unchecked, pure.IHT(4096), 8, x2l, al), repeat) / n_calls
    rows.append(("tiles() per call: 8 tilings, 2-D + 1 int, IHT 4096", t_f, t_p))
    t_f = _best(percall(t3.tiles, t3.IHT(65536), 32, x4l, None), repeat) / n_calls
    t_p = _best(percall(pure.tiles_unchecked, pure.IHT(65536), 32, x4l, None), repeat) / n_calls
    rows.append(("tiles() per call: 32 tilings, 4-D, IHT 65536", t_f, t_p))

    nb = 20000 if quick else 100000
    xb = rng.uniform(0, 8, size=(nb, 2))
    ab = rng.integers(0, 3, size=(nb, 1))
    t_f = _best(lambda: t3.tiles_batch(t3.IHT(4096), 8, xb, ab), repeat) / nb
    rows.append(("tiles_batch(): 8 tilings, 2-D + 1 int, IHT 4096", t_f, rows[0][2]))

    out = np.empty(8, np.int64)
    nowrap = np.zeros(0, np.int64)
    K.tiles_hash(4096, 8, xb[0], ab[0], nowrap, out)  # compile (or load from cache)
    loop = _numba_loop()
    loop(xb[:2], ab[:2], out)
    t_f = _best(lambda: loop(xb, ab, out), repeat) / nb
    t_p = _best(percall(pure.tiles_unchecked, 4096, 8, x2l, al), repeat) / n_calls
    rows.append(("Numba tiles_hash in a jitted loop (hash mode, 4096)", t_f, t_p))
    return rows


def _numba_loop():
    from .kernels._jit import njit
    from .kernels.features.tiles import tiles_hash

    @njit(cache=False)
    def loop(x, a, out):
        nowrap = np.zeros(0, np.int64)
        s = 0
        for i in range(x.shape[0]):
            tiles_hash(4096, 8, x[i], a[i], nowrap, out)
            s += out[0]
        return s

    return loop


def main(what: str, quick: bool = False) -> int:
    if what != "tiles":
        raise ValueError(f"unknown bench {what!r}; known: tiles")
    import platform

    rows = bench_tiles(quick=quick)
    print(
        f"fastfa tile coding vs the pure-Python tiles3 algorithm ({platform.processor() or platform.machine()}, "
        f"best of {'3' if quick else '7'})"
    )
    print(f"{'case':55s} {'fastfa':>11s} {'tiles3 (py)':>12s} {'speed-up':>9s}")
    for name, f, p in rows:
        print(f"{name:55s} {f * 1e9:8.0f} ns {p * 1e9:9.0f} ns {p / f:8.0f}x")
    return 0
