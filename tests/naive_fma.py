"""A fused multiply-add written from its definition (IEEE 754 fusedMultiplyAdd: a·b + c computed
exactly, then rounded once to the nearest value of the format, ties to even), independent of the
kernels' own emulation (kernels/_simd.py ``fma_py``)."""

from fractions import Fraction

import numpy as np


def round_exact(q: Fraction, t):
    """The float of NumPy type ``t`` nearest to the rational ``q`` (ties to the even significand)."""
    if t is np.float64:
        return np.float64(q.numerator / q.denominator)  # int / int is correctly rounded in CPython
    r = np.float32(q.numerator / q.denominator)  # within one float32 step of the answer
    if not np.isfinite(r):
        return r
    best = r
    for c in (np.nextafter(r, np.float32(-np.inf)), np.nextafter(r, np.float32(np.inf))):
        if not np.isfinite(c):
            continue
        dc, db = abs(Fraction(float(c)) - q), abs(Fraction(float(best)) - q)
        if dc < db or (dc == db and int(np.array(c).view(np.uint32)) % 2 == 0):
            best = c
    return best


def fma(a, b, c, t):
    """a·b + c rounded once to ``t`` (a, b, c first converted to ``t``, as the kernels do)."""
    a, b, c = t(a), t(b), t(c)
    if t is np.float32:  # fast path: the double product of two floats is exact, and when the
        p = float(a) * float(b)  # double sum is exact too, one rounding to float32 is all there is
        s = p + float(c)
        if s - p == float(c) and s - float(c) == p and np.isfinite(s):
            return np.float32(s)
    return round_exact(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c)), t)
