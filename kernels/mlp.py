"""Small multi-layer perceptrons on flat parameter arrays: forward, backward, losses, optimisers.

A network with layer widths ``sizes = [n_0, n_1, …, n_L]`` keeps all its
parameters in one flat array ``theta``: for each layer l = 1…L the weight
matrix ``W_l`` (shape n_{l−1} × n_l, row-major) followed by the bias ``b_l``
(n_l).  Hidden layers apply the activation ``act`` (ReLU or tanh); the output
layer is linear (action values)::

    h_0 = x,   h_l = σ(h_{l−1} W_l + b_l)  (l < L),   q = h_{L−1} W_L + b_L

Backward pass (batch of B rows, loss L = (1/B) Σ_i w_i ℓ(q_i − y_i)): with
δ_L = ∂L/∂q,  ∂L/∂W_l = h_{l−1}ᵀ δ_l,  ∂L/∂b_l = Σ_i δ_l,
δ_{l−1} = (δ_l W_lᵀ) ⊙ σ'(h_{l−1}), where σ' is 1[h > 0] for ReLU and 1 − h²
for tanh (both read from the post-activation h).  S&B 9.7 (ANNs); Mnih et
al. 2015 for the DQN use.

Initialisation (``mlp_init``) is PyTorch's ``nn.Linear`` default (what SB3
and CleanRL use): every W and b entry ~ U(−1/√n_in, 1/√n_in) (Kaiming-uniform
with a = √5 gives exactly this bound for W).

Workspaces: ``acts`` holds the post-activations of every layer for the batch
(``mlp_acts_size``), ``work`` the backward scratch (``mlp_work_size``).
Matrix products of layers with ≥ 16 outputs use the register-tiled
micro-kernels of ``kernels/_simd.py`` (dense 4 × 16 tiles for the forward
pass and the back-propagated deltas, row gathers over the non-zero ReLU
entries for the weight gradients); narrow
layers (the action-value head) use plain loops with eight independent sums.
Every product adds its terms in ascending order with separate multiply and
add (no FMA, no ``fastmath``), so the results are exact IEEE and the same in
every mode, including ``NUMBA_DISABLE_JIT=1``.  All kernels work for float32
and float64 parameters.
"""
import numpy as np

from ._jit import njit
from ._simd import _I0, _I1, gather_rows, gemm_tiles

ACT_RELU = 0
ACT_TANH = 1
LOSS_SQUARED = 0
LOSS_HUBER = 1


@njit
def mlp_n_params(sizes):
    """Number of parameters Σ_l (n_{l−1} + 1)·n_l."""
    n = 0
    for l in range(1, sizes.shape[0]):
        n += (sizes[l - 1] + 1) * sizes[l]
    return n


@njit
def mlp_acts_size(sizes, batch):
    """Length of the ``acts`` workspace: batch · Σ_{l≥1} n_l."""
    n = 0
    for l in range(1, sizes.shape[0]):
        n += sizes[l]
    return batch * n


@njit
def mlp_work_size(sizes, batch):
    """Length of the backward ``work`` scratch: 2·batch·max n_l + max n_{l−1}·n_l."""
    m = 0
    mw = 0
    for l in range(1, sizes.shape[0]):
        m = max(m, sizes[l])
        mw = max(mw, sizes[l - 1] * sizes[l])
    return 2 * batch * max(m, sizes[0]) + mw


@njit
def mlp_init(theta, sizes, rng):
    """PyTorch ``nn.Linear`` default init in place: W, b ~ U(−1/√n_in, 1/√n_in), from ``rng``."""
    o = 0
    for l in range(1, sizes.shape[0]):
        n_in = sizes[l - 1]
        n_out = sizes[l]
        bound = 1.0 / np.sqrt(n_in)
        for k in range((n_in + 1) * n_out):
            theta[o + k] = (2.0 * rng.random() - 1.0) * bound
        o += (n_in + 1) * n_out


@njit
def _dense_wide(xf, x_off, B, theta, w_off, n_in, n_out, outf, o_off):
    """out = x W + b for a layer of ≥ 16 outputs; x (B × n_in) and out (B × n_out) flat, row-major."""
    b0 = w_off + n_in * n_out
    bias = theta[b0:b0 + n_out]
    for i in range(B):  # slice copies (element loops with computed indices do not vectorise)
        outf[o_off + i * n_out:o_off + (i + 1) * n_out] = bias
    gemm_tiles(xf, x_off, n_in, _I1, B, n_in, theta, w_off, n_out, n_out, outf, o_off, n_out)


@njit
def _dense(x, theta, w_off, n_in, n_out, out):
    """out[i, :] = b + Σ_k x[i, k] W[k, :] for a narrow layer (the action-value head), sums in
    k order; eight rows at a time, so eight independent sums hide the add latency."""
    W = theta[w_off:w_off + n_in * n_out].reshape((n_in, n_out))
    b = theta[w_off + n_in * n_out:w_off + (n_in + 1) * n_out]
    B = x.shape[0]
    i = 0
    while i + 8 <= B:
        for j in range(n_out):
            s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = b[j]
            for k in range(n_in):
                w = W[k, j]
                s0 += x[i, k] * w
                s1 += x[i + 1, k] * w
                s2 += x[i + 2, k] * w
                s3 += x[i + 3, k] * w
                s4 += x[i + 4, k] * w
                s5 += x[i + 5, k] * w
                s6 += x[i + 6, k] * w
                s7 += x[i + 7, k] * w
            out[i, j] = s0
            out[i + 1, j] = s1
            out[i + 2, j] = s2
            out[i + 3, j] = s3
            out[i + 4, j] = s4
            out[i + 5, j] = s5
            out[i + 6, j] = s6
            out[i + 7, j] = s7
        i += 8
    while i < B:
        for j in range(n_out):
            s = b[j]
            for k in range(n_in):
                s += x[i, k] * W[k, j]
            out[i, j] = s
        i += 1


@njit
def mlp_forward(theta, sizes, act, x, acts):
    """Forward pass of the batch ``x`` (B × n_0); returns the output view (B × n_L) into ``acts``.

    ``acts`` (length ≥ ``mlp_acts_size(sizes, B)``) receives every layer's
    post-activation, needed by :func:`mlp_backward`.
    """
    B = x.shape[0]
    L = sizes.shape[0] - 1
    o = _I0
    a_off = _I0
    h = x
    for l in range(1, L + 1):
        n_in = sizes[l - 1]
        n_out = sizes[l]
        out = acts[a_off:a_off + B * n_out].reshape((B, n_out))
        if n_out >= 16 and l == 1:
            _dense_wide(np.ascontiguousarray(x).ravel(), _I0, B, theta, o, n_in, n_out, acts, a_off)
        elif n_out >= 16:
            _dense_wide(acts, a_off - B * n_in, B, theta, o, n_in, n_out, acts, a_off)
        else:
            _dense(h, theta, o, n_in, n_out, out)
        if l < L:
            if act == ACT_RELU:
                for i in range(B):
                    for j in range(n_out):  # a select, not a branch (half the signs are random)
                        v = out[i, j]
                        out[i, j] = 0.0 if v < 0.0 else v
            else:
                for i in range(B):
                    for j in range(n_out):
                        out[i, j] = np.tanh(out[i, j])
        h = out
        o += (n_in + 1) * n_out
        a_off += B * n_out
    return h


@njit
def _grad_w_narrow(h, d, gW):
    """gW += hᵀ d for a narrow layer (the action-value head): eight independent dot products
    over the batch at once, each summed over the rows i in ascending order."""
    B = h.shape[0]
    n_in = gW.shape[0]
    n_out = gW.shape[1]
    k = 0
    while k + 8 <= n_in:
        for j in range(n_out):
            s0, s1, s2, s3 = gW[k, j], gW[k + 1, j], gW[k + 2, j], gW[k + 3, j]
            s4, s5, s6, s7 = gW[k + 4, j], gW[k + 5, j], gW[k + 6, j], gW[k + 7, j]
            for i in range(B):
                dij = d[i, j]
                s0 += h[i, k] * dij
                s1 += h[i, k + 1] * dij
                s2 += h[i, k + 2] * dij
                s3 += h[i, k + 3] * dij
                s4 += h[i, k + 4] * dij
                s5 += h[i, k + 5] * dij
                s6 += h[i, k + 6] * dij
                s7 += h[i, k + 7] * dij
            gW[k, j], gW[k + 1, j], gW[k + 2, j], gW[k + 3, j] = s0, s1, s2, s3
            gW[k + 4, j], gW[k + 5, j], gW[k + 6, j], gW[k + 7, j] = s4, s5, s6, s7
        k += 8
    while k < n_in:
        for j in range(n_out):
            s = gW[k, j]
            for i in range(B):
                s += h[i, k] * d[i, j]
            gW[k, j] = s
        k += 1


@njit
def _transpose(W, WT):
    """WT = Wᵀ in 8 × 8 blocks of constant trip count (2.4x faster than variable-size blocks)."""
    n_in, n_out = W.shape
    k8 = n_in - n_in % 8
    j8 = n_out - n_out % 8
    for k0 in range(0, k8, 8):
        for j0 in range(0, j8, 8):
            for a in range(8):
                for b in range(8):
                    WT[j0 + b, k0 + a] = W[k0 + a, j0 + b]
    for k in range(n_in):  # the remainder strips
        for j in range(j8 if k < k8 else 0, n_out):
            WT[j, k] = W[k, j]


@njit
def mlp_backward(theta, sizes, act, x, acts, dout, grad, work):
    """Gradient of a loss w.r.t. ``theta`` given δ_L = ``dout`` (B × n_L) = ∂loss/∂output.

    ``x`` and ``acts`` must be those of the matching :func:`mlp_forward` call.
    ``grad`` (same layout as ``theta``) is overwritten; ``work`` is scratch of
    length ≥ ``mlp_work_size(sizes, B)``.
    """
    B = x.shape[0]
    L = sizes.shape[0] - 1
    # offsets of each layer's parameters and activations
    p_off = np.empty(L + 1, np.int64)
    a_off = np.empty(L + 1, np.int64)
    p_off[0] = 0
    a_off[0] = 0
    for l in range(1, L + 1):
        p_off[l] = p_off[l - 1] + (sizes[l - 1] + 1) * sizes[l]
        a_off[l] = a_off[l - 1] + B * sizes[l]
    mB = 0
    for l in range(L + 1):
        mB = max(mB, sizes[l])
    mB *= B
    dsrc = np.ascontiguousarray(dout).ravel()  # δ_l lives in dsrc[d_off:], row-major B × n_l
    d_off = _I0
    for l in range(L, 0, -1):
        n_in = sizes[l - 1]
        n_out = sizes[l]
        w0 = p_off[l - 1]
        if l > 1:
            h = acts[a_off[l - 2]:a_off[l - 2] + B * n_in].reshape((B, n_in))
        else:
            h = x
        d = dsrc[d_off:d_off + B * n_out].reshape((B, n_out))
        gW = grad[w0:w0 + n_in * n_out].reshape((n_in, n_out))
        gb = grad[w0 + n_in * n_out:w0 + (n_in + 1) * n_out]
        gW[:, :] = 0.0
        gb[:] = 0.0
        for i in range(B):
            for j in range(n_out):
                gb[j] += d[i, j]
        # ∂L/∂W_l = h_{l−1}ᵀ δ_l: row k of gW gathers the batch rows where h[i, k] ≠ 0
        if n_out < 16:
            _grad_w_narrow(h, d, gW)
        elif l > 1:
            gather_rows(acts, a_off[l - 2], _I1, n_in, n_in, B, dsrc, d_off, n_out, n_out, grad, w0, n_out)
        else:
            gather_rows(np.ascontiguousarray(x).ravel(), _I0, _I1, n_in, n_in, B, dsrc, d_off, n_out, n_out,
                         grad, w0, n_out)
        if l > 1:
            # δ_{l−1} = (δ_l W_lᵀ) ⊙ σ'(h_{l−1}); transpose W once so rows of Wᵀ are contiguous
            W = theta[w0:w0 + n_in * n_out].reshape((n_in, n_out))
            wt = 2 * mB
            WT = work[wt:wt + n_in * n_out].reshape((n_out, n_in))
            _transpose(W, WT)
            base = (L - l) % 2 * mB  # ping-pong between two halves of work
            dn = work[base:base + B * n_in].reshape((B, n_in))
            dn[:, :] = 0.0
            if n_out >= 16:
                gemm_tiles(dsrc, d_off, n_out, _I1, B, n_out, work, wt, n_in, n_in, work, base, n_in)
            else:
                for i in range(B):
                    for j in range(n_out):
                        dij = d[i, j]
                        if dij != 0.0:
                            for k in range(n_in):
                                dn[i, k] += dij * WT[j, k]
            for i in range(B):
                if act == ACT_RELU:
                    for k in range(n_in):
                        dn[i, k] = dn[i, k] if h[i, k] > 0.0 else 0.0
                else:
                    for k in range(n_in):
                        dn[i, k] *= 1.0 - h[i, k] * h[i, k]
            dsrc = work
            d_off = base


@njit
def td_loss(pred, target, weights, kind, kappa, dpred):
    """Weighted mean loss L = (1/B) Σ_i w_i ℓ(δ_i), δ_i = pred_i − target_i; dpred_i = ∂L/∂pred_i.

    ``kind`` LOSS_SQUARED: ℓ(δ) = ½δ²;  LOSS_HUBER: ℓ(δ) = ½δ² if |δ| ≤ κ else κ(|δ| − ½κ)
    (κ = 1 is torch's ``smooth_l1_loss``/``huber_loss``).  B = 0 gives loss 0.
    Returns L as float64.
    """
    B = pred.shape[0]
    if B == 0:
        return 0.0
    loss = 0.0
    for i in range(B):
        e = pred[i] - target[i]
        if kind == LOSS_HUBER and abs(e) > kappa:
            l = kappa * (abs(e) - 0.5 * kappa)
            g = kappa if e > 0 else -kappa
        else:
            l = 0.5 * e * e
            g = e
        loss += weights[i] * l
        dpred[i] = weights[i] * g / B
    return loss / B


@njit
def clip_grad_norm(grad, max_norm):
    """Scale ``grad`` in place so ‖grad‖₂ ≤ max_norm (torch's rule: × max_norm/(‖g‖+1e−6) when
    that is < 1).  Returns the norm before clipping (float64).  max_norm ≤ 0 or inf: no clipping."""
    n = grad.shape[0]
    # eight partial sums in float64 (independent chains: not bound by the add latency)
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    k = 0
    while k + 8 <= n:
        g0 = float(grad[k])
        g1 = float(grad[k + 1])
        g2 = float(grad[k + 2])
        g3 = float(grad[k + 3])
        g4 = float(grad[k + 4])
        g5 = float(grad[k + 5])
        g6 = float(grad[k + 6])
        g7 = float(grad[k + 7])
        s0 += g0 * g0
        s1 += g1 * g1
        s2 += g2 * g2
        s3 += g3 * g3
        s4 += g4 * g4
        s5 += g5 * g5
        s6 += g6 * g6
        s7 += g7 * g7
        k += 8
    s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    while k < n:
        s += float(grad[k]) * float(grad[k])
        k += 1
    norm = np.sqrt(s)
    if max_norm > 0.0 and np.isfinite(max_norm):
        c = max_norm / (norm + 1e-6)
        if c < 1.0:
            for k in range(grad.shape[0]):
                grad[k] *= c
    return norm


@njit(error_model="numpy")  # no zero-division check in the loop: lets LLVM vectorise it
def _adam_loop(theta, grad, m, v, beta1, beta2, c1, c2, step, inv_bc2, eps):
    for k in range(theta.shape[0]):
        g = grad[k]
        mk = beta1 * m[k] + c1 * g
        vk = beta2 * v[k] + c2 * g * g
        m[k] = mk
        v[k] = vk
        theta[k] -= step * mk / (np.sqrt(vk) * inv_bc2 + eps)


@njit
def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    """Adam (Kingma & Ba 2015), as torch.optim.Adam, step number ``t`` ≥ 1, in place::

        m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
        θ ← θ − (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε)

    The element loop runs in the parameters' precision (float32 arithmetic for
    float32 parameters, as torch does), which lets it vectorise.
    """
    bc1 = 1.0 - beta1 ** t
    inv_bc2 = 1.0 / np.sqrt(1.0 - beta2 ** t)
    step = lr / bc1
    if theta.itemsize == 4:  # float32 parameters
        _adam_loop(theta, grad, m, v, np.float32(beta1), np.float32(beta2), np.float32(1.0 - beta1),
                   np.float32(1.0 - beta2), np.float32(step), np.float32(inv_bc2), np.float32(eps))
    else:
        _adam_loop(theta, grad, m, v, beta1, beta2, 1.0 - beta1, 1.0 - beta2, step, inv_bc2, eps)


@njit
def sgd_step(theta, grad, lr):
    """Plain gradient descent in place: θ ← θ − lr·g."""
    for k in range(theta.shape[0]):
        theta[k] -= lr * grad[k]


@njit
def polyak_update(theta_target, theta, tau):
    """θ⁻ ← (1−τ)θ⁻ + τθ  (τ = 1: hard copy, the target network of Mnih et al. 2015)."""
    if tau >= 1.0:
        theta_target[:] = theta
    else:
        for k in range(theta.shape[0]):
            theta_target[k] = (1.0 - tau) * theta_target[k] + tau * theta[k]
