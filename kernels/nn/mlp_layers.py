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
run through the same kernels transposed, so the batch fills the vector lanes.
Element loops run on 0-based views (offset loops kept a negative-index check
per access and did not vectorise), and a ReLU select writes into a second array
(in place, LLVM turns it into masked stores, ~12x slower on AMD Zen).  Every product adds its terms in
ascending order, one fused multiply-add per term (no reassociation, no ``fastmath``), so
results are the same bits in every mode, ``NUMBA_DISABLE_JIT=1`` included (up to subnormals,
which the network kernels flush to zero: ``kernels/_fpmode.py``).
"""

import numpy as np

from .._fpmode import flush_enter, flush_exit
from .._jit import njit
from .._simd import _I0, _I1, WIDE_TILES, gather_rows, gemm_tiles
from .tanh import tanh_into

ACT_RELU = 0
ACT_TANH = 1


@njit
def _dense_narrow(x, x_off, B, theta, w_off, n_in, n_out, out, o_off):
    """out[i, j] = b_j + Σ_k x[i, k] W[k, j] (k ascending) for a layer of < 16 outputs, computed
    transposed: outᵀ = Wᵀ xᵀ, so the batch (not the handful of outputs) fills the vector lanes of
    :func:`gemm_tiles`; the same products in the same order as the row-by-row loop."""
    dt = out.dtype
    xt = np.empty(n_in * B, dt)  # xᵀ, rounded to the layer's precision as in the vector kernels
    if WIDE_TILES:
        _transpose(x, x_off, B, n_in, xt, _I0)
    else:
        for i in range(B):
            xr = x[x_off + i * n_in : x_off + (i + 1) * n_in]
            for k in range(n_in):
                xt[k * B + i] = xr[k]
    ot = np.empty(n_out * B, dt)
    for j in range(n_out):
        b = theta[w_off + n_in * n_out + j]
        oj = ot[j * B : (j + 1) * B]
        for i in range(B):
            oj[i] = b
    # A = Wᵀ (row j = column j of W: stride n_out along k), B = xᵀ, C = outᵀ
    gemm_tiles(theta, w_off, _I1, n_out, n_out, n_in, xt, _I0, B, B, ot, _I0, B)
    for i in range(B):
        orow = out[o_off + i * n_out : o_off + (i + 1) * n_out]
        for j in range(n_out):
            orow[j] = ot[j * B + i]


@njit
def _dense(x, x_off, B, theta, w_off, n_in, n_out, out, o_off):
    """out = x W + b (B rows, flat) for one layer."""
    if n_out >= 16:
        b = theta[w_off + n_in * n_out : w_off + (n_in + 1) * n_out]
        for i in range(B):  # views: 0-based loops that LLVM vectorises (offset loops ran 15x slower)
            orow = out[o_off + i * n_out : o_off + (i + 1) * n_out]
            for j in range(n_out):
                orow[j] = b[j]
        gemm_tiles(x, x_off, n_in, _I1, B, n_in, theta, w_off, n_out, n_out, out, o_off, n_out)
    else:
        _dense_narrow(x, x_off, B, theta, w_off, n_in, n_out, out, o_off)


@njit
def _max_hidden(sizes):
    """The widest hidden layer (0 without hidden layers)."""
    m = _I0
    for l in range(1, sizes.shape[0] - 1):
        m = max(m, sizes[l])
    return m


@njit
def mlp_forward_flat(theta, sizes, act, x, x_off, B, acts):
    """Forward pass of the B rows at ``x[x_off:]`` (row-major, n_0 columns); every layer's
    post-activation goes to ``acts`` (layer l at offset B·Σ_{m<l} n_m).  Returns the offset of the
    output layer (B × n_L) in ``acts``."""
    mode = flush_enter()  # subnormals flushed to zero (kernels/_fpmode.py)
    L = sizes.shape[0] - 1
    o = _I0
    a_off = _I0
    # hidden layers are computed into ``pre`` and activated into ``acts``: in place, the ReLU select
    # compiles to masked stores (12x slower on AMD Zen) and the tanh loop does not vectorise
    pre = np.empty(B * _max_hidden(sizes), acts.dtype)
    z = acts.dtype.type(0)
    for l in range(1, L + 1):
        n_in = sizes[l - 1]
        n_out = sizes[l]
        hidden = l < L
        dst = pre if hidden else acts
        d_off = _I0 if hidden else a_off
        if l == 1:
            _dense(x, x_off, B, theta, o, n_in, n_out, dst, d_off)
        else:
            _dense(acts, a_off - B * n_in, B, theta, o, n_in, n_out, dst, d_off)
        if hidden:
            e = a_off + B * n_out
            h = acts[a_off:e]
            p = pre[: B * n_out]
            if act == ACT_RELU:
                for t in range(h.shape[0]):  # a select, not a branch (half the signs are random)
                    v = p[t]
                    h[t] = z if v < z else v
            else:
                tanh_into(p, h)
            a_off = e
        o += (n_in + 1) * n_out
    flush_exit(mode)
    return a_off


@njit
def _grad_w_narrow(h, h_off, B, d, d_off, n_in, n_out, g, w0):
    """gW = hᵀ d for a layer of < 16 outputs, computed transposed: row j of gWᵀ = Σ_i d[i, j] h[i, :]
    (i ascending, rows with d[i, j] = 0 skipped: they add exact zeros), one row gather per output."""
    gt = np.zeros(n_out * n_in, g.dtype)
    # A = dᵀ (row j = column j of d: stride n_out along i), B = h, C = gWᵀ
    gather_rows(d, d_off, _I1, n_out, n_out, B, h, h_off, n_in, n_in, gt, _I0, n_in)
    for k in range(n_in):
        gk = g[w0 + k * n_out : w0 + (k + 1) * n_out]
        for j in range(n_out):
            gk[j] = gt[j * n_in + k]


@njit
def _transpose(theta, w0, n_in, n_out, wt, w_off):
    """wt[w_off + j·n_in + k] = W[k, j].

    AVX-512 CPUs (:data:`~kernels._simd.WIDE_TILES`): contiguous stores, the strided loads vectorise
    as gathers (64 × 64 float32 on a Sapphire Rapids Xeon: 0.55 µs against 1.13 µs for the blocks).
    Elsewhere 8 × 8 blocks of constant trip count (2.4x faster than variable-size blocks on AMD Zen,
    whose gathers are slow).  A copy: the same values either way."""
    if WIDE_TILES:
        for j in range(n_out):
            wj = wt[w_off + j * n_in : w_off + (j + 1) * n_in]
            for k in range(n_in):
                wj[k] = theta[w0 + k * n_out + j]
        return
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
def _grad_layer(h, h_off, B, n_in, n_out, d, d_off, grad, w0, sparse):
    """∂L/∂W_l = h_{l−1}ᵀ δ_l and ∂L/∂b_l = Σ_i δ_l into ``grad`` (overwritten).  ``sparse``: h holds
    ReLU activations (about half zero: row gathers skip them); otherwise (tanh, the input) the dense
    4 × 16 tiles, which add the same terms in the same order (a skipped term is an exact 0·δ, and a
    sum that starts at +0 never becomes −0, so skipping it or adding it gives the same bits)."""
    gb = grad[w0 + n_in * n_out : w0 + (n_in + 1) * n_out]
    gb[:] = 0.0
    for i in range(B):
        dr = d[d_off + i * n_out : d_off + (i + 1) * n_out]
        for j in range(n_out):
            gb[j] += dr[j]
    if n_out < 16:
        _grad_w_narrow(h, h_off, B, d, d_off, n_in, n_out, grad, w0)
    else:  # row k of gW: Σ_i h[i, k] δ[i, :] (A = hᵀ: stride 1 along k, n_in along i)
        grad[w0 : w0 + n_in * n_out] = 0.0
        # sparse: only the batch rows where h[i, k] ≠ 0 — except on AVX-512 CPUs, where the dense 4 × 32
        # tiles are faster than compacting each row (64-64 layer, batch 64: 3.1 vs 4.0 µs); same bits
        if sparse and not WIDE_TILES:
            gather_rows(h, h_off, _I1, n_in, n_in, B, d, d_off, n_out, n_out, grad, w0, n_out)
        else:
            gemm_tiles(h, h_off, _I1, n_in, n_in, B, d, d_off, n_out, n_out, grad, w0, n_out)


@njit
def mlp_backward_flat(theta, sizes, act, x, x_off, B, acts, dout, grad, work):
    """Gradient w.r.t. ``theta`` (into ``grad``, overwritten) given δ_L = ``dout`` (flat B × n_L)
    = ∂loss/∂output; ``x, x_off, B, acts`` those of the matching :func:`mlp_forward_flat` call;
    ``work`` scratch of length ≥ ``mlp_work_size(sizes, B)``."""
    mode = flush_enter()  # subnormals flushed to zero (kernels/_fpmode.py)
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
    relu = act == ACT_RELU
    pre = np.empty(B * _max_hidden(sizes) if relu else 0, work.dtype)
    z = work.dtype.type(0)
    dsrc = dout  # δ_l lives in dsrc[d_off:], row-major B × n_l
    d_off = _I0
    w0 = p_top
    a_prev = a_top  # activations of layer l − 1 start here (for l > 1)
    for l in range(L, 0, -1):
        n_in = sizes[l - 1]
        n_out = sizes[l]
        a_prev -= B * n_in
        if l > 1:
            _grad_layer(acts, a_prev, B, n_in, n_out, dsrc, d_off, grad, w0, relu)
            # δ_{l−1} = (δ_l W_lᵀ) ⊙ σ'(h_{l−1}); transpose W once so rows of Wᵀ are contiguous
            wt = 2 * mB
            _transpose(theta, w0, n_in, n_out, work, wt)
            base = (L - l) % 2 * mB  # ping-pong between two halves of work
            # ReLU: δ_l W_lᵀ into ``pre``, masked into work (a blend; in place it compiles to slow
            # masked stores); tanh: in place
            dst = pre if relu else work
            p0 = _I0 if relu else base
            dst[p0 : p0 + B * n_in] = 0.0
            if n_out >= 16 or WIDE_TILES:  # (AVX-512, 2 outputs: 0.16 µs dense vs 0.34 µs gathered)
                gemm_tiles(dsrc, d_off, n_out, _I1, B, n_out, work, wt, n_in, n_in, dst, p0, n_in)
            else:  # δ_l's zero entries skipped (they add exact zeros)
                gather_rows(dsrc, d_off, n_out, _I1, B, n_out, work, wt, n_in, n_in, dst, p0, n_in)
            dl = work[base : base + B * n_in]
            hl = acts[a_prev : a_prev + B * n_in]
            if relu:
                pl = pre[: B * n_in]
                for t in range(dl.shape[0]):
                    dl[t] = pl[t] if hl[t] > z else z
            else:
                for t in range(dl.shape[0]):
                    h = hl[t]
                    dl[t] *= 1.0 - h * h
            dsrc = work
            d_off = base
            w0 -= (sizes[l - 2] + 1) * n_in
        else:
            _grad_layer(x, x_off, B, n_in, n_out, dsrc, d_off, grad, w0, False)
    flush_exit(mode)
