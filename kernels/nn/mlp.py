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
micro-kernels of ``kernels/_simd.py`` (dense 4 × 32 tiles on AVX-512, 4 × 16
elsewhere, for the forward pass, the back-propagated deltas and the weight
gradients; without AVX-512 the ReLU weight gradients use row gathers over the
non-zero entries).  The tiles start from the bias (or +0) and apply the ReLU,
or the ReLU derivative's mask, as they store (``kernels/_simd.gemm_ep``): no
separate fill or activation pass.  Narrow layers (the action-value head) are
computed transposed (outᵀ = Wᵀ xᵀ), so the batch fills the vector lanes.
Every product adds its terms in ascending order, one fused multiply-add per
term (no reassociation, no ``fastmath``), so the results are the same bits on
every CPU and in every mode, including ``NUMBA_DISABLE_JIT=1`` (up to subnormals:
``kernels/_fpmode.py``).  All kernels work for float32 and float64 parameters.
"""

import numpy as np

from .._fpmode import flush_enter, flush_exit
from .._jit import njit
from .._simd import _I0, sumsq8
from .mlp_layers import ACT_RELU, ACT_TANH, mlp_backward_flat, mlp_forward_flat  # noqa: F401

LOSS_SQUARED = 0
LOSS_HUBER = 1


def aligned_zeros(n, dt):
    """A zeroed 1-D NumPy array of ``n`` ``dt`` whose data starts on a 64-byte boundary, for parameters
    and scratch (Python side; ``kernels/_simd.empty64`` in compiled code).  NumPy aligns to 16 bytes:
    the forward pass ran ~6% slower on a θ off a cache line (a vector at a row start straddles two)."""
    item = np.dtype(dt).itemsize
    raw = np.zeros(int(n) * item + 64, np.uint8)
    off = -raw.ctypes.data % 64
    return raw[off : off + int(n) * item].view(dt)


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
def mlp_forward(theta, sizes, act, x, acts):
    """Forward pass of the batch ``x`` (B × n_0); returns the output view (B × n_L) into ``acts``.

    ``acts`` (length ≥ ``mlp_acts_size(sizes, B)``) receives every layer's
    post-activation, needed by :func:`mlp_backward`.  (A 2-D front of
    ``kernels/mlp_layers.mlp_forward_flat``, which compiled loops call directly.)
    """
    B = x.shape[0]
    n_out = sizes[sizes.shape[0] - 1]
    o = mlp_forward_flat(theta, sizes, act, np.ascontiguousarray(x).ravel(), _I0, B, acts)
    return acts[o : o + B * n_out].reshape((B, n_out))


@njit
def mlp_backward(theta, sizes, act, x, acts, dout, grad, work):
    """Gradient of a loss w.r.t. ``theta`` given δ_L = ``dout`` (B × n_L) = ∂loss/∂output.

    ``x`` and ``acts`` must be those of the matching :func:`mlp_forward` call.
    ``grad`` (same layout as ``theta``) is overwritten; ``work`` is scratch of
    length ≥ ``mlp_work_size(sizes, B)``.  (A 2-D front of
    ``kernels/mlp_layers.mlp_backward_flat``.)
    """
    mlp_backward_flat(
        theta,
        sizes,
        act,
        np.ascontiguousarray(x).ravel(),
        _I0,
        x.shape[0],
        acts,
        np.ascontiguousarray(dout).ravel(),
        grad,
        work,
    )


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
def sum_squares(x):
    """Σ_k x_k² with float64 squares and sums, as eight partial sums (k mod 8, independent chains: the
    lanes of one vector accumulator, ``kernels/_simd.sumsq8``) added pairwise, then the tail in order
    — one fixed order on every path.  (Before, eight scalar chains squared float32 values in float32:
    1.7 µs for 4,610 of them on a Xeon.)"""
    n = x.shape[0]
    n8 = n // 8
    part = np.empty(8)
    sumsq8(np.ascontiguousarray(x), np.int64(n8), part)  # (C-layout arrays pass through uncopied)
    s = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]))
    for k in range(8 * n8, n):
        g = np.float64(x[k])  # (Numba's float() keeps a float32 a float32: the square would round to it)
        s += g * g
    return s


@njit
def clip_grad_norm(grad, max_norm):
    """Scale ``grad`` in place so ‖grad‖₂ ≤ max_norm (torch's rule: × max_norm/(‖g‖+1e−6) when
    that is < 1).  Returns the norm before clipping (float64).  max_norm ≤ 0 or inf: no clipping."""
    s = sum_squares(grad)
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
    mode = flush_enter()  # subnormals flushed to zero (kernels/_fpmode.py)
    bc1 = 1.0 - beta1**t
    inv_bc2 = 1.0 / np.sqrt(1.0 - beta2**t)
    step = lr / bc1
    if theta.itemsize == 4:  # float32 parameters
        _adam_loop(
            theta,
            grad,
            m,
            v,
            np.float32(beta1),
            np.float32(beta2),
            np.float32(1.0 - beta1),
            np.float32(1.0 - beta2),
            np.float32(step),
            np.float32(inv_bc2),
            np.float32(eps),
        )
    else:
        _adam_loop(theta, grad, m, v, beta1, beta2, 1.0 - beta1, 1.0 - beta2, step, inv_bc2, eps)
    flush_exit(mode)


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
