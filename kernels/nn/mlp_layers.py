"""Forward and backward passes of the small MLPs of kernels/nn/mlp.py on flat (1-D) arrays.

Same network layout and maths as ``kernels/nn/mlp.py`` (its docstring has the
formulas): ``theta`` holds W_1, b_1, …, W_L, b_L; hidden layers apply ReLU or
tanh; the output layer is linear.  Here every batch is a flat row-major
array with an element offset (``x[x_off + i·n_0 + k]``), so one compiled
version serves every caller (no 2-D views, no ``reshape``: each array
layout, each literal argument and each reshape error path is compiled code
of its own, and a DQN first run paid seconds for them).

Matrix products of layers with ≥ 16 outputs use the register-tiled
micro-kernels of ``kernels/_simd.py``; narrow layers (the action-value head)
use plain loops with eight independent sums.  Every product adds its terms in
ascending order with separate multiply and add (no FMA, no ``fastmath``), so
results are exact IEEE and the same in every mode, ``NUMBA_DISABLE_JIT=1``
included.
"""

import numpy as np

from .._jit import njit
from .._simd import _I0, _I1, gather_rows, gemm_tiles

ACT_RELU = 0
ACT_TANH = 1


@njit
def _dense_narrow(x, x_off, B, theta, w_off, n_in, n_out, out, o_off):
    """out[i, j] = b_j + Σ_k x[i, k] W[k, j] (k ascending) for a layer of < 16 outputs; eight rows at
    a time, so eight independent sums hide the add latency."""
    b0 = w_off + n_in * n_out
    i = 0
    while i + 8 <= B:
        xr = x_off + i * n_in
        for j in range(n_out):
            s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = theta[b0 + j]
            for k in range(n_in):
                w = theta[w_off + k * n_out + j]
                s0 += x[xr + k] * w
                s1 += x[xr + n_in + k] * w
                s2 += x[xr + 2 * n_in + k] * w
                s3 += x[xr + 3 * n_in + k] * w
                s4 += x[xr + 4 * n_in + k] * w
                s5 += x[xr + 5 * n_in + k] * w
                s6 += x[xr + 6 * n_in + k] * w
                s7 += x[xr + 7 * n_in + k] * w
            oo = o_off + i * n_out + j
            out[oo] = s0
            out[oo + n_out] = s1
            out[oo + 2 * n_out] = s2
            out[oo + 3 * n_out] = s3
            out[oo + 4 * n_out] = s4
            out[oo + 5 * n_out] = s5
            out[oo + 6 * n_out] = s6
            out[oo + 7 * n_out] = s7
        i += 8
    while i < B:
        for j in range(n_out):
            s = theta[b0 + j]
            for k in range(n_in):
                s += x[x_off + i * n_in + k] * theta[w_off + k * n_out + j]
            out[o_off + i * n_out + j] = s
        i += 1


@njit
def _dense(x, x_off, B, theta, w_off, n_in, n_out, out, o_off):
    """out = x W + b (B rows, flat) for one layer."""
    if n_out >= 16:
        b0 = w_off + n_in * n_out
        for i in range(B):
            oo = o_off + i * n_out
            for j in range(n_out):
                out[oo + j] = theta[b0 + j]
        gemm_tiles(x, x_off, n_in, _I1, B, n_in, theta, w_off, n_out, n_out, out, o_off, n_out)
    else:
        _dense_narrow(x, x_off, B, theta, w_off, n_in, n_out, out, o_off)


@njit
def mlp_forward_flat(theta, sizes, act, x, x_off, B, acts):
    """Forward pass of the B rows at ``x[x_off:]`` (row-major, n_0 columns); every layer's
    post-activation goes to ``acts`` (layer l at offset B·Σ_{m<l} n_m).  Returns the offset of the
    output layer (B × n_L) in ``acts``."""
    L = sizes.shape[0] - 1
    o = _I0
    a_off = _I0
    for l in range(1, L + 1):
        n_in = sizes[l - 1]
        n_out = sizes[l]
        if l == 1:
            _dense(x, x_off, B, theta, o, n_in, n_out, acts, a_off)
        else:
            _dense(acts, a_off - B * n_in, B, theta, o, n_in, n_out, acts, a_off)
        if l < L:
            e = a_off + B * n_out
            if act == ACT_RELU:
                for t in range(a_off, e):  # a select, not a branch (half the signs are random)
                    v = acts[t]
                    acts[t] = 0.0 if v < 0.0 else v
            else:
                for t in range(a_off, e):
                    acts[t] = np.tanh(acts[t])
            a_off = e
        o += (n_in + 1) * n_out
    return a_off


@njit
def _grad_w_narrow(h, h_off, B, d, d_off, n_in, n_out, g, w0):
    """gW += hᵀ d for a layer of < 16 outputs: eight independent dot products over the batch at
    once, each summed over the rows i in ascending order."""
    k = 0
    while k + 8 <= n_in:
        for j in range(n_out):
            gi = w0 + k * n_out + j
            s0, s1, s2, s3 = g[gi], g[gi + n_out], g[gi + 2 * n_out], g[gi + 3 * n_out]
            s4, s5, s6, s7 = g[gi + 4 * n_out], g[gi + 5 * n_out], g[gi + 6 * n_out], g[gi + 7 * n_out]
            for i in range(B):
                dij = d[d_off + i * n_out + j]
                hr = h_off + i * n_in + k
                s0 += h[hr] * dij
                s1 += h[hr + 1] * dij
                s2 += h[hr + 2] * dij
                s3 += h[hr + 3] * dij
                s4 += h[hr + 4] * dij
                s5 += h[hr + 5] * dij
                s6 += h[hr + 6] * dij
                s7 += h[hr + 7] * dij
            g[gi], g[gi + n_out], g[gi + 2 * n_out], g[gi + 3 * n_out] = s0, s1, s2, s3
            g[gi + 4 * n_out], g[gi + 5 * n_out], g[gi + 6 * n_out], g[gi + 7 * n_out] = s4, s5, s6, s7
        k += 8
    while k < n_in:
        for j in range(n_out):
            s = g[w0 + k * n_out + j]
            for i in range(B):
                s += h[h_off + i * n_in + k] * d[d_off + i * n_out + j]
            g[w0 + k * n_out + j] = s
        k += 1


@njit
def _transpose(theta, w0, n_in, n_out, wt, w_off):
    """wt[w_off + j·n_in + k] = W[k, j] in 8 × 8 blocks of constant trip count (2.4x faster than
    variable-size blocks)."""
    k8 = n_in - n_in % 8
    j8 = n_out - n_out % 8
    for k0 in range(0, k8, 8):
        for j0 in range(0, j8, 8):
            for a in range(8):
                for b in range(8):
                    wt[w_off + (j0 + b) * n_in + k0 + a] = theta[w0 + (k0 + a) * n_out + j0 + b]
    for k in range(n_in):  # the remainder strips
        for j in range(j8 if k < k8 else 0, n_out):
            wt[w_off + j * n_in + k] = theta[w0 + k * n_out + j]


@njit
def _grad_layer(h, h_off, B, n_in, n_out, d, d_off, grad, w0):
    """∂L/∂W_l = h_{l−1}ᵀ δ_l and ∂L/∂b_l = Σ_i δ_l into ``grad`` (overwritten)."""
    for t in range(w0, w0 + (n_in + 1) * n_out):
        grad[t] = 0.0
    b0 = w0 + n_in * n_out
    for i in range(B):
        for j in range(n_out):
            grad[b0 + j] += d[d_off + i * n_out + j]
    if n_out < 16:
        _grad_w_narrow(h, h_off, B, d, d_off, n_in, n_out, grad, w0)
    else:  # row k of gW gathers the batch rows where h[i, k] ≠ 0
        gather_rows(h, h_off, _I1, n_in, n_in, B, d, d_off, n_out, n_out, grad, w0, n_out)


@njit
def mlp_backward_flat(theta, sizes, act, x, x_off, B, acts, dout, grad, work):
    """Gradient w.r.t. ``theta`` (into ``grad``, overwritten) given δ_L = ``dout`` (flat B × n_L)
    = ∂loss/∂output; ``x, x_off, B, acts`` those of the matching :func:`mlp_forward_flat` call;
    ``work`` scratch of length ≥ ``mlp_work_size(sizes, B)``."""
    L = sizes.shape[0] - 1
    mB = _I0
    for l in range(L + 1):
        mB = max(mB, sizes[l])
    mB *= B
    p_top = _I0  # offset of the last layer's parameters, and of each layer's activations
    a_top = _I0
    for l in range(1, L):
        p_top += (sizes[l - 1] + 1) * sizes[l]
        a_top += B * sizes[l]
    dsrc = dout  # δ_l lives in dsrc[d_off:], row-major B × n_l
    d_off = _I0
    w0 = p_top
    a_prev = a_top  # activations of layer l − 1 start here (for l > 1)
    for l in range(L, 0, -1):
        n_in = sizes[l - 1]
        n_out = sizes[l]
        a_prev -= B * n_in
        if l > 1:
            _grad_layer(acts, a_prev, B, n_in, n_out, dsrc, d_off, grad, w0)
            # δ_{l−1} = (δ_l W_lᵀ) ⊙ σ'(h_{l−1}); transpose W once so rows of Wᵀ are contiguous
            wt = 2 * mB
            _transpose(theta, w0, n_in, n_out, work, wt)
            base = (L - l) % 2 * mB  # ping-pong between two halves of work
            for t in range(base, base + B * n_in):
                work[t] = 0.0
            if n_out >= 16:
                gemm_tiles(dsrc, d_off, n_out, _I1, B, n_out, work, wt, n_in, n_in, work, base, n_in)
            else:
                for i in range(B):
                    for j in range(n_out):
                        dij = dsrc[d_off + i * n_out + j]
                        if dij != 0.0:
                            r = base + i * n_in
                            c = wt + j * n_in
                            for k in range(n_in):
                                work[r + k] += dij * work[c + k]
            if act == ACT_RELU:
                for t in range(B * n_in):
                    work[base + t] = work[base + t] if acts[a_prev + t] > 0.0 else 0.0
            else:
                for t in range(B * n_in):
                    h = acts[a_prev + t]
                    work[base + t] *= 1.0 - h * h
            dsrc = work
            d_off = base
            w0 -= (sizes[l - 2] + 1) * n_in
        else:
            _grad_layer(x, x_off, B, n_in, n_out, dsrc, d_off, grad, w0)
