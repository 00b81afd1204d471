"""Batched softmax score kernel (per-action weights θ[F, A]) and its branch-free vectorised exp.

    grad = Σ_i w_i ∇_θ ln π(a_i|s_i) = Σ_i w_i x_i (e_{a_i} − π_i)ᵀ,   total = Σ_i w_i ln π(a_i|s_i)

(S&B eq. 13.9 for the per-action layout; w_i = returns G_t (REINFORCE, 13.3) or advantages (A2C)).
Written for LLVM's loop vectoriser (Numba leaves SLP vectorisation off): every hot loop is an inner
loop over the F contiguous features with several independent accumulators, or a loop over a flat
array.  ``fastmath`` only reassociates sums (results equal the naive reference to ~1e-13, tested).
"""

import math

import numpy as np

from .._jit import njit

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10


@njit(fastmath=True)
def exp_nonpos(h, bits, out):
    """``out[j] = exp(h[j])`` for h ≤ 0, branch-free so the loop vectorises (no SVML needed).

    Pass ``out`` distinct from ``h``: in place, LLVM's runtime overlap check fails and the
    scalar fallback loop runs (about 4x slower).

    exp(x) = 2ᵏ·exp(r), k = round(x/ln 2), |r| ≤ ln2/2, exp(r) by a degree-13 Taylor
    polynomial (relative error < 5e-14 on [−708, 0], tested against ``np.exp``); 2ᵏ is built in the
    exponent bits (``bits`` int64 scratch, same length).  Inputs below −708 are
    treated as −708 (result 3.3e-308 instead of a smaller number or 0).
    """
    n = h.shape[0]
    for j in range(n):
        x = max(h[j], -708.0)
        k = math.floor(x * LOG2E + 0.5)
        r = (x - k * LN2_HI) - k * LN2_LO
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        out[j] = p * r + 1.0
        bits[j] = (np.int64(k) + 1023) << 52
    scale = bits.view(np.float64)
    for j in range(n):
        out[j] *= scale[j]


@njit(fastmath=True)
def _pa_batch_grad_general(theta, x, a, w, probs, grad):
    """:func:`softmax_pa_batch_grad` for any A (used for A > 4).

    x [B, F] dense state features, a int64[B], w float64[B] (returns, advantages),
    ``probs`` [B, A] (C-contiguous) receives π(·|s_i).  B = 0 gives a zero gradient.
    Three vectorisable passes: H = xθ (row max-shifted), π = exp(H)/Σ (``exp_nonpos``),
    gradᵀ = Σ_i c_i x_iᵀ with c_i = w_i (e_{a_i} − π_i).  ``fastmath`` reassociates the
    sums only (results equal the naive reference to ~1e-13, tested).
    """
    B, F = x.shape
    A = theta.shape[1]
    thT = np.empty((A, F))
    for f in range(F):
        for b in range(A):
            thT[b, f] = theta[f, b]
    h_a = np.empty(B)
    for i in range(B):
        m = -np.inf
        for b in range(A):
            s = 0.0
            for f in range(F):
                s += x[i, f] * thT[b, f]
            probs[i, b] = s
            m = max(m, s)
        for b in range(A):
            probs[i, b] -= m
        h_a[i] = probs[i, a[i]]
    bits = np.empty(B * A, np.int64)
    e = np.empty((B, A))  # out of place: an in-place call defeats LLVM's alias check (scalar loop)
    exp_nonpos(probs.reshape(B * A), bits, e.reshape(B * A))
    gT = np.zeros((A, F))
    total = 0.0
    for i in range(B):
        z = 0.0
        for b in range(A):
            z += e[i, b]
        inv = 1.0 / z
        wi = w[i]
        total += wi * (h_a[i] - math.log(z))
        for b in range(A):
            p = e[i, b] * inv
            probs[i, b] = p
            c = wi * ((1.0 if b == a[i] else 0.0) - p)
            for f in range(F):
                gT[b, f] += c * x[i, f]
    for f in range(F):
        for b in range(A):
            grad[f, b] = gT[b, f]
    return total


SQRT2 = 1.4142135623730951
LN2 = 0.6931471805599453
MISSING = -1e300  # score of the padding actions when A < 4 (finite: fastmath assumes no inf)


@njit(fastmath=True)
def _pa_batch_grad_a4(theta, x, a, w, probs, grad):
    """A ≤ 4: four score registers per row (padding actions get the score −1e300, so π ≈ 0).

    Passes: (1) scores s_b = x_i·θ[:, b] (one inner loop over f, four accumulators), row max shift,
    into H [B·4]; (2) E = exp(H) (``exp_nonpos``, vectorised); (3) z_i = Σ_b E, ln z_i by range
    reduction to m ∈ [1/√2, √2) and 2·atanh((m−1)/(m+1)) (z ∈ [1, 4]), Σ w_i ln π(a_i|s_i);
    (4) π, c_i = w_i (e_{a_i} − π_i); (5) gradᵀ += c_i x_iᵀ for two rows per inner loop over f.
    """
    B, F = x.shape
    A = theta.shape[1]
    t0 = np.zeros(F)
    t1 = np.zeros(F)
    t2 = np.zeros(F)
    t3 = np.zeros(F)
    for f in range(F):
        t0[f] = theta[f, 0]
        if A > 1:
            t1[f] = theta[f, 1]
        if A > 2:
            t2[f] = theta[f, 2]
        if A > 3:
            t3[f] = theta[f, 3]
    pad1 = MISSING if A < 2 else 0.0
    pad2 = MISSING if A < 3 else 0.0
    pad3 = MISSING if A < 4 else 0.0
    H = np.empty(B * 4)
    for i in range(B):
        s0 = 0.0
        s1 = pad1
        s2 = pad2
        s3 = pad3
        for f in range(F):
            xf = x[i, f]
            s0 += xf * t0[f]
            s1 += xf * t1[f]
            s2 += xf * t2[f]
            s3 += xf * t3[f]
        m = max(max(s0, s1), max(s2, s3))
        H[4 * i] = s0 - m
        H[4 * i + 1] = s1 - m
        H[4 * i + 2] = s2 - m
        H[4 * i + 3] = s3 - m
    E = np.empty(B * 4)
    exp_nonpos(H, np.empty(B * 4, np.int64), E)  # out of place (see exp_nonpos)
    z = np.empty(B)
    total = 0.0
    for i in range(B):  # z ∈ [1, 4]: ln z = k ln 2 + 2 atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172
        zi = (E[4 * i] + E[4 * i + 1]) + (E[4 * i + 2] + E[4 * i + 3])
        z[i] = zi
        mz = zi
        k = 0.0
        if mz >= 2.0 * SQRT2:
            mz *= 0.25
            k = 2.0
        elif mz >= SQRT2:
            mz *= 0.5
            k = 1.0
        s = (mz - 1.0) / (mz + 1.0)
        s2 = s * s
        p = 1.0 / 21.0
        p = p * s2 + 1.0 / 19.0
        p = p * s2 + 1.0 / 17.0
        p = p * s2 + 1.0 / 15.0
        p = p * s2 + 1.0 / 13.0
        p = p * s2 + 1.0 / 11.0
        p = p * s2 + 1.0 / 9.0
        p = p * s2 + 1.0 / 7.0
        p = p * s2 + 1.0 / 5.0
        p = p * s2 + 1.0 / 3.0
        p = p * s2 + 1.0
        total -= w[i] * (k * LN2 + 2.0 * s * p)
    for i in range(B):
        wi = w[i]
        ai = a[i]
        total += wi * H[4 * i + ai]
        inv = 1.0 / z[i]
        p0 = E[4 * i] * inv
        p1 = E[4 * i + 1] * inv
        p2 = E[4 * i + 2] * inv
        p3 = E[4 * i + 3] * inv
        E[4 * i] = -wi * p0
        E[4 * i + 1] = -wi * p1
        E[4 * i + 2] = -wi * p2
        E[4 * i + 3] = -wi * p3
        E[4 * i + ai] += wi
        probs[i, 0] = p0
        if A > 1:
            probs[i, 1] = p1
        if A > 2:
            probs[i, 2] = p2
        if A > 3:
            probs[i, 3] = p3
    g0 = np.zeros(F)
    g1 = np.zeros(F)
    g2 = np.zeros(F)
    g3 = np.zeros(F)
    for i in range(0, B - 1, 2):  # two rows per inner loop: fewer loads/stores of the accumulators
        c0, c1, c2, c3 = E[4 * i], E[4 * i + 1], E[4 * i + 2], E[4 * i + 3]
        d0, d1, d2, d3 = E[4 * i + 4], E[4 * i + 5], E[4 * i + 6], E[4 * i + 7]
        for f in range(F):
            xf = x[i, f]
            yf = x[i + 1, f]
            g0[f] += c0 * xf + d0 * yf
            g1[f] += c1 * xf + d1 * yf
            g2[f] += c2 * xf + d2 * yf
            g3[f] += c3 * xf + d3 * yf
    if B % 2 == 1:
        i = B - 1
        for f in range(F):
            xf = x[i, f]
            g0[f] += E[4 * i] * xf
            g1[f] += E[4 * i + 1] * xf
            g2[f] += E[4 * i + 2] * xf
            g3[f] += E[4 * i + 3] * xf
    for f in range(F):
        grad[f, 0] = g0[f]
        if A > 1:
            grad[f, 1] = g1[f]
        if A > 2:
            grad[f, 2] = g2[f]
        if A > 3:
            grad[f, 3] = g3[f]
    return total


@njit
def softmax_pa_batch_grad(theta, x, a, w, probs, grad):
    """Batched weighted score: ``grad`` [F, A] ← Σ_i w_i ∇_θ ln π(a_i|s_i); returns Σ_i w_i ln π(a_i|s_i).

    x [B, F] dense state features, a int64[B], w float64[B] (returns, advantages),
    ``probs`` [B, A] (C-contiguous) receives π(·|s_i).  B = 0 gives a zero gradient.
    A ≤ 4 takes the register path :func:`_pa_batch_grad_a4`, larger A the general three-pass
    kernel.  Both equal the naive reference to ~1e-13 (tested for A = 1 … 6).
    """
    if theta.shape[1] <= 4:
        return _pa_batch_grad_a4(theta, x, a, w, probs, grad)
    return _pa_batch_grad_general(theta, x, a, w, probs, grad)
