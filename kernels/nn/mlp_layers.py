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
from .._simd import (
    _I0,
    _I1,
    EPI_MASK,
    EPI_NONE,
    EPI_RELU,
    INIT_ZERO,
    WIDE_TILES,
    empty64,
    fma,
    gather_rows,
    gemm_ep,
    transpose16,
    zeros64,
)
from .tanh import tanh_into

ACT_RELU = 0
ACT_TANH = 1


@njit
def _dense_narrow(x, x_off, B, theta, w_off, n_in, n_out, out, o_off):
    """out[i, j] = b_j + Σ_k x[i, k] W[k, j] (k ascending) for a layer of < 16 outputs, computed
    transposed: outᵀ = Wᵀ xᵀ, so the batch (not the handful of outputs) fills the vector lanes of
    :func:`gemm_tiles`; the same products in the same order as the row-by-row loop.  Batches of
    fewer than 16 rows (acting: a batch of one observation per env) fill no vector; there the
    B·n_out chains run interleaved in a plain loop (a 2-wide head at batch 8: 1.77 -> ~0.4 µs)."""
    if B < 16:
        ov = out[o_off : o_off + B * n_out]
        b0 = w_off + n_in * n_out
        for i in range(B):
            for j in range(n_out):
                ov[i * n_out + j] = theta[b0 + j]
        for k in range(n_in):
            wk = w_off + k * n_out
            for i in range(B):
                a = x[x_off + i * n_in + k]
                for j in range(n_out):
                    ov[i * n_out + j] = fma(a, theta[wk + j], ov[i * n_out + j])
        return
    xt = empty64(n_in * B, out)  # xᵀ, rounded to the layer's precision as in the vector kernels
    if WIDE_TILES:
        _transpose(x, x_off, B, n_in, xt, _I0)
    else:
        for i in range(B):
            xr = x[x_off + i * n_in : x_off + (i + 1) * n_in]
            for k in range(n_in):
                xt[k * B + i] = xr[k]
    ot = empty64(n_out * B, out)
    # A = Wᵀ (row j = column j of W: stride n_out along k), B = xᵀ, C = outᵀ starting from b_j
    b0 = w_off + n_in * n_out
    gemm_ep(theta, w_off, _I1, n_out, n_out, n_in, xt, _I0, B, B, ot, _I0, B, theta, b0, _I1, _I0, ot, _I0, _I0, _I0)
    ov = out[o_off : o_off + B * n_out]  # one view (a view per row cost more than the copy)
    for i in range(B):
        for j in range(n_out):
            ov[i * n_out + j] = ot[j * B + i]


@njit
def _dense(x, x_off, B, theta, w_off, n_in, n_out, out, o_off, epi):
    """out = epi(x W + b) (B rows, flat) for one layer; ``epi`` (:data:`~kernels._simd.EPI_RELU` or
    ``EPI_NONE``) only for n_out ≥ 16 (the narrow layer is always linear)."""
    if n_out >= 16:  # the tiles start from the bias row (i_rs = 0) and apply the ReLU as they store
        b0 = w_off + n_in * n_out
        gemm_ep(
            x,
            x_off,
            n_in,
            _I1,
            B,
            n_in,
            theta,
            w_off,
            n_out,
            n_out,
            out,
            o_off,
            n_out,
            theta,
            b0,
            _I0,
            _I1,
            out,
            _I0,
            _I0,
            epi,
        )
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
    # hidden layers: ReLU layers of ≥ 16 outputs straight into ``acts`` (the tiles apply the ReLU as
    # they store); the others into ``pre``, then activated into ``acts`` (in place, the ReLU select
    # compiles to masked stores, 12x slower on AMD Zen, and the tanh loop does not vectorise)
    pre = empty64(B * _max_hidden(sizes), acts)
    z = acts.dtype.type(0)
    for l in range(1, L + 1):
        n_in = sizes[l - 1]
        n_out = sizes[l]
        hidden = l < L
        fused = hidden and act == ACT_RELU and n_out >= 16
        dst = pre if hidden and not fused else acts
        d_off = _I0 if hidden and not fused else a_off
        epi = EPI_RELU if fused else EPI_NONE
        if l == 1:
            _dense(x, x_off, B, theta, o, n_in, n_out, dst, d_off, epi)
        else:
            _dense(acts, a_off - B * n_in, B, theta, o, n_in, n_out, dst, d_off, epi)
        if hidden:
            e = a_off + B * n_out
            if not fused:
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
    gt = zeros64(n_out * n_in, g)
    # A = dᵀ (row j = column j of d: stride n_out along i), B = h, C = gWᵀ
    gather_rows(d, d_off, _I1, n_out, n_out, B, h, h_off, n_in, n_in, gt, _I0, n_in)
    gw = g[w0 : w0 + n_in * n_out]
    for j in range(n_out):
        gj = gt[j * n_in : (j + 1) * n_in]
        for k in range(n_in):
            gw[k * n_out + j] = gj[k]


@njit
def _transpose(theta, w0, n_in, n_out, wt, w_off):
    """wt[w_off + j·n_in + k] = W[k, j].

    AVX-512 CPUs (:data:`~kernels._simd.WIDE_TILES`): 16 × 16 blocks transposed in registers
    (:func:`~kernels._simd.transpose16`: row loads, shuffles, row stores; 64 × 64 float32 with sizes
    known only at run time, Sapphire Rapids Xeon: 0.33 µs, against 1.28 µs for the loop LLVM had
    vectorised with gathers).  Elsewhere 8 × 8 blocks of constant trip count (2.4x faster than
    variable-size blocks on AMD Zen, whose gathers are slow).  A copy: the same values either way."""
    if WIDE_TILES:
        k16 = n_in - n_in % 16
        j16 = n_out - n_out % 16
        for k0 in range(0, k16, 16):
            for j0 in range(0, j16, 16):
                transpose16(theta, w0 + k0 * n_out + j0, n_out, wt, w_off + j0 * n_in + k0, n_in)
        for k in range(n_in):  # the remainder strips
            for j in range(j16 if k < k16 else 0, n_out):
                wt[w_off + j * n_in + k] = theta[w0 + k * n_out + j]
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
    dv = d[d_off : d_off + B * n_out]  # one view (a view per row cost more than the sums)
    for i in range(B):
        for j in range(n_out):
            gb[j] += dv[i * n_out + j]
    if n_out < 16:
        _grad_w_narrow(h, h_off, B, d, d_off, n_in, n_out, grad, w0)
    else:  # row k of gW: Σ_i h[i, k] δ[i, :] (A = hᵀ: stride 1 along k, n_in along i)
        # sparse: only the batch rows where h[i, k] ≠ 0 — except on AVX-512 CPUs, where the dense 4 × 32
        # tiles are faster than compacting each row (64-64 layer, batch 64: 3.1 vs 4.0 µs); same bits
        if sparse and not WIDE_TILES:
            grad[w0 : w0 + n_in * n_out] = 0.0
            gather_rows(h, h_off, _I1, n_in, n_in, B, d, d_off, n_out, n_out, grad, w0, n_out)
        else:  # the tiles' accumulators start at +0 (no zeroing pass)
            gemm_ep(
                h, h_off, _I1, n_in, n_in, B, d, d_off, n_out, n_out, grad, w0, n_out,
                grad, _I0, _I0, _I0, grad, _I0, _I0, np.int64(INIT_ZERO),
            )  # fmt: skip


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
    pre = empty64(B * _max_hidden(sizes) if relu and not WIDE_TILES else 0, work)
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
            dl = work[base : base + B * n_in]
            hl = acts[a_prev : a_prev + B * n_in]
            if n_out >= 16 or WIDE_TILES:  # (AVX-512, 2 outputs: 0.16 µs dense vs 0.34 µs gathered)
                # the tiles start at +0 and (ReLU) store δ only where h > 0: no zeroing or masking pass
                ep = np.int64(INIT_ZERO | (EPI_MASK if relu else EPI_NONE))
                gemm_ep(
                    dsrc, d_off, n_out, _I1, B, n_out, work, wt, n_in, n_in, work, base, n_in,
                    work, _I0, _I0, _I0, acts, a_prev, n_in, ep,
                )  # fmt: skip
            else:  # δ_l's zero entries skipped (they add exact zeros); ReLU: into ``pre``, then masked
                dst = pre if relu else work
                p0 = _I0 if relu else base
                dst[p0 : p0 + B * n_in] = 0.0
                gather_rows(dsrc, d_off, n_out, _I1, B, n_out, work, wt, n_in, n_in, dst, p0, n_in)
                if relu:
                    pl = pre[: B * n_in]
                    for t in range(dl.shape[0]):  # a blend (in place it compiles to slow masked stores)
                        dl[t] = pl[t] if hl[t] > z else z
            if not relu:
                for t in range(dl.shape[0]):
                    h = hl[t]
                    dl[t] *= 1.0 - h * h
            dsrc = work
            d_off = base
            w0 -= (sizes[l - 2] + 1) * n_in
        else:
            _grad_layer(x, x_off, B, n_in, n_out, dsrc, d_off, grad, w0, False)
    flush_exit(mode)
