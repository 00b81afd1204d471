"""fastfa.kernels.nn.mlp vs the NumPy reference (tests/naive_mlp.py) and finite differences."""

import numpy as np
import pytest

from fastfa.kernels.nn import mlp as K
from naive_fma import fma
from naive_mlp import naive_adam, naive_backward, naive_forward, naive_td_loss, naive_unflatten


def _net(sizes, dtype=np.float64, seed=0):
    sizes = np.asarray(sizes, np.int64)
    theta = np.empty(K.mlp_n_params(sizes), dtype)
    K.mlp_init(theta, sizes, np.random.default_rng(seed))
    return sizes, theta


def _fwd(theta, sizes, act, x):
    acts = np.empty(K.mlp_acts_size(sizes, x.shape[0]), theta.dtype)
    return K.mlp_forward(theta, sizes, act, x, acts).copy(), acts


def _grad(theta, sizes, act, x, dout):
    _, acts = _fwd(theta, sizes, act, x)
    grad = np.empty_like(theta)
    work = np.empty(K.mlp_work_size(sizes, x.shape[0]), theta.dtype)
    K.mlp_backward(theta, sizes, act, x, acts, dout, grad, work)
    return grad


def test_n_params_and_init_bounds():
    sizes, theta = _net([4, 64, 64, 2])
    assert theta.size == (4 + 1) * 64 + (64 + 1) * 64 + (64 + 1) * 2
    for (W, b), n_in in zip(naive_unflatten(theta, sizes), sizes[:-1]):
        bound = 1 / np.sqrt(n_in)
        assert np.abs(W).max() <= bound and np.abs(b).max() <= bound
        assert np.abs(W).max() > 0.8 * bound  # uses the whole range (PyTorch nn.Linear default)
    # determinism and seed dependence
    assert np.array_equal(theta, _net([4, 64, 64, 2])[1])
    assert not np.array_equal(theta, _net([4, 64, 64, 2], seed=1)[1])


@pytest.mark.parametrize("act", [K.ACT_RELU, K.ACT_TANH])
@pytest.mark.parametrize("batch", [7, 12, 37])
@pytest.mark.parametrize("sizes", [[3, 5, 2], [4, 16, 8, 3], [2, 1], [6, 33, 17, 3], [5, 40, 2]])
def test_forward_backward_vs_naive(act, sizes, batch):
    """Covers both loop shapes (wide layers >= 16 outputs, narrow heads in blocks of 4 rows/inputs)
    including the remainder rows/inputs when the batch or the width is not a multiple of 4."""
    rng = np.random.default_rng(1)
    sizes, theta = _net(sizes, seed=2)
    x = rng.normal(size=(batch, sizes[0]))
    out, _ = _fwd(theta, sizes, act, x)
    ref, _ = naive_forward(theta, sizes, act, x)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    dout = rng.normal(size=out.shape)
    np.testing.assert_allclose(
        _grad(theta, sizes, act, x, dout), naive_backward(theta, sizes, act, x, dout), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize("act", [K.ACT_RELU, K.ACT_TANH])
@pytest.mark.parametrize("kind", [K.LOSS_SQUARED, K.LOSS_HUBER])
def test_gradient_finite_differences(act, kind):
    """∂/∂θ of the full loss (forward + TD loss) by central differences, float64."""
    rng = np.random.default_rng(3)
    sizes, theta = _net([3, 6, 5, 2], seed=4)
    x = rng.normal(size=(5, 3))
    target = rng.normal(size=5) * 3
    a = rng.integers(0, 2, 5)
    w = rng.uniform(0.5, 1.5, 5)

    def loss_and_grad(th):
        q, acts = _fwd(th, sizes, act, x)
        dpred = np.empty(5)
        loss = K.td_loss(q[np.arange(5), a], target, w, kind, 1.0, dpred)
        dout = np.zeros_like(q)
        dout[np.arange(5), a] = dpred
        return loss, _grad(th, sizes, act, x, dout)

    _, g = loss_and_grad(theta)
    h = 1e-6
    fd = np.empty_like(theta)
    for k in range(theta.size):
        tp, tm = theta.copy(), theta.copy()
        tp[k] += h
        tm[k] -= h
        fd[k] = (loss_and_grad(tp)[0] - loss_and_grad(tm)[0]) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7)
    assert np.abs(g).max() > 1e-3


def test_float32_matches_float64():
    rng = np.random.default_rng(5)
    sizes, theta = _net([4, 64, 64, 2])
    x = rng.normal(size=(64, 4))
    out64, _ = _fwd(theta, sizes, 0, x)
    out32, _ = _fwd(theta.astype(np.float32), sizes, 0, x.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, out64, rtol=1e-4, atol=1e-5)
    dout = rng.normal(size=(64, 2))
    g64 = _grad(theta, sizes, 0, x, dout)
    g32 = _grad(theta.astype(np.float32), sizes, 0, x.astype(np.float32), dout.astype(np.float32))
    np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-4)


def test_td_loss_hand_cases():
    pred = np.array([0.0, 3.0, -2.5, 1.0])
    target = np.array([0.5, 0.0, 0.0, 1.0])
    w = np.ones(4)
    d = np.empty(4)
    # squared: ½(0.25 + 9 + 6.25 + 0)/4
    assert K.td_loss(pred, target, w, K.LOSS_SQUARED, 1.0, d) == pytest.approx(0.5 * 15.5 / 4)
    np.testing.assert_allclose(d, (pred - target) / 4)
    # Huber κ=1: 0.125, 2.5, 2.0, 0
    assert K.td_loss(pred, target, w, K.LOSS_HUBER, 1.0, d) == pytest.approx((0.125 + 2.5 + 2.0) / 4)
    np.testing.assert_allclose(d, np.array([-0.5, 1.0, -1.0, 0.0]) / 4)
    for kind in (0, 1):
        for kappa in (0.5, 2.0):
            ref_l, ref_g = naive_td_loss(pred, target, np.array([1.0, 2.0, 0.5, 1.0]), kind, kappa)
            assert K.td_loss(pred, target, np.array([1.0, 2.0, 0.5, 1.0]), kind, kappa, d) == pytest.approx(ref_l)
            np.testing.assert_allclose(d, ref_g)
    # empty batch
    assert K.td_loss(np.empty(0), np.empty(0), np.empty(0), 1, 1.0, np.empty(0)) == 0.0


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 64, 4610, 4617])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sum_squares_is_the_documented_order_in_float64(n, dtype):
    """Eight partial sums (k mod 8) of float64 squares, added ((0+1)+(2+3))+((4+5)+(6+7)), then the
    tail in order: written from the docstring, compared bit for bit."""
    x = (np.random.default_rng(n).normal(size=n) * 1e3).astype(dtype)
    part = [0.0] * 8
    for k in range(n - n % 8):
        part[k % 8] += float(x[k]) * float(x[k])
    want = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]))
    for k in range(n - n % 8, n):
        want += float(x[k]) * float(x[k])
    assert K.sum_squares(x) == want


def test_sum_squares_of_a_strided_view():
    x = np.arange(40, dtype=np.float32)
    assert K.sum_squares(x[::3]) == K.sum_squares(np.ascontiguousarray(x[::3]))
    assert K.sum_squares(x[::3]) == sum(float(v) * float(v) for v in x[::3])  # small integers: exact


def test_sum_squares_squares_float32_in_float64():
    # 125.730225f² = 15808.089380323887 in float64; rounded to float32 it would be 15808.08984375
    x = np.array([125.730225] * 9, np.float32)  # eight in the vector lanes, one in the tail
    assert K.sum_squares(x[:1]) == float(x[0]) * float(x[0]) == 15808.089380323887
    v2 = 15808.089380323887
    assert K.sum_squares(x) == 8 * v2 + v2  # the pairwise tree of eight equal terms is exact
    assert K.sum_squares(x[:8]) != 8 * float(np.float32(x[0] * x[0]))


def test_clip_grad_norm():
    g = np.array([3.0, 4.0])
    assert K.clip_grad_norm(g, 10.0) == pytest.approx(5.0)
    np.testing.assert_array_equal(g, [3.0, 4.0])  # below the threshold: unchanged
    assert K.clip_grad_norm(g, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(g, np.array([3.0, 4.0]) / (5.0 + 1e-6))
    g = np.array([3.0, 4.0])
    K.clip_grad_norm(g, np.inf)
    np.testing.assert_array_equal(g, [3.0, 4.0])


def test_adam_and_sgd_vs_naive():
    rng = np.random.default_rng(6)
    theta = rng.normal(size=10)
    m, v = np.zeros(10), np.zeros(10)
    rt, rm, rv = theta.copy(), m.copy(), v.copy()
    for t in range(1, 6):
        g = rng.normal(size=10)
        K.adam_step(theta, g, m, v, t, 1e-2, 0.9, 0.999, 1e-8)
        rt, rm, rv = naive_adam(rt, g, rm, rv, t, 1e-2, 0.9, 0.999, 1e-8)
    np.testing.assert_allclose(theta, rt, rtol=1e-12)
    # first Adam step moves every coordinate by ~lr in the sign of -g
    th = np.zeros(3)
    K.adam_step(th, np.array([2.0, -0.1, 5.0]), np.zeros(3), np.zeros(3), 1, 0.1, 0.9, 0.999, 1e-8)
    np.testing.assert_allclose(th, [-0.1, 0.1, -0.1], rtol=1e-6)
    th = np.ones(2)
    K.sgd_step(th, np.array([1.0, -2.0]), 0.5)
    np.testing.assert_array_equal(th, [0.5, 2.0])


def test_polyak_update():
    tgt, src = np.zeros(3), np.ones(3)
    K.polyak_update(tgt, src, 0.25)
    np.testing.assert_allclose(tgt, 0.25)
    K.polyak_update(tgt, src, 1.0)
    np.testing.assert_array_equal(tgt, src)


def test_sgd_decreases_loss_regression():
    """A 1-16-1 tanh net fits sin(x) with Adam: loss drops by > 10x (the pieces compose)."""
    rng = np.random.default_rng(7)
    sizes, theta = _net([1, 16, 1], seed=8)
    x = rng.uniform(-3, 3, size=(64, 1))
    y = np.sin(x[:, 0])
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    grad = np.empty_like(theta)
    work = np.empty(K.mlp_work_size(sizes, 64))
    acts = np.empty(K.mlp_acts_size(sizes, 64))
    d = np.empty(64)
    losses = []
    for t in range(1, 501):
        q = K.mlp_forward(theta, sizes, K.ACT_TANH, x, acts)
        losses.append(K.td_loss(q[:, 0].copy(), y, np.ones(64), 0, 1.0, d))
        K.mlp_backward(theta, sizes, K.ACT_TANH, x, acts, d.reshape(64, 1).copy(), grad, work)
        K.adam_step(theta, grad, m, v, t, 1e-2, 0.9, 0.999, 1e-8)
    assert losses[-1] < losses[0] / 10


def test_adam_float32_close_to_float64():
    rng = np.random.default_rng(9)
    th64 = rng.normal(size=50)
    th32 = th64.astype(np.float32)
    m64, v64 = np.zeros(50), np.zeros(50)
    m32, v32 = np.zeros(50, np.float32), np.zeros(50, np.float32)
    for t in range(1, 20):
        g = rng.normal(size=50)
        K.adam_step(th64, g, m64, v64, t, 1e-2, 0.9, 0.999, 1e-8)
        K.adam_step(th32, g.astype(np.float32), m32, v32, t, 1e-2, 0.9, 0.999, 1e-8)
    assert th32.dtype == np.float32
    np.testing.assert_allclose(th32, th64, rtol=1e-5, atol=1e-5)


def _ordered_forward_backward(theta, sizes, x, dout):
    """ReLU MLP forward and backward as scalar float32 loops in the order the kernels promise: every
    sum starts from its first term (the bias, or 0) and adds the products in ascending index order,
    each as one fused multiply-add rounded to float32 (tests/naive_fma.py; bias-gradient sums are plain
    additions).  Written from the formulas, not the kernels."""
    f = np.float32
    Ws = naive_unflatten(theta, sizes)
    B, L = x.shape[0], len(sizes) - 1
    hs = [x.astype(np.float32)]
    for l, (W, b) in enumerate(Ws):
        h_in = hs[-1]
        out = np.empty((B, W.shape[1]), np.float32)
        for i in range(B):
            for j in range(W.shape[1]):
                s = f(b[j])
                for k in range(W.shape[0]):
                    s = fma(h_in[i, k], W[k, j], s, f)
                out[i, j] = s if l == L - 1 or not s < 0 else f(0)
        hs.append(out)
    grads = []
    d = dout.astype(np.float32)
    for l in range(L - 1, -1, -1):
        W, h_in = Ws[l][0], hs[l]
        gW = np.zeros_like(W)
        gb = np.zeros(W.shape[1], np.float32)
        for j in range(W.shape[1]):
            for i in range(B):
                gb[j] = f(gb[j] + d[i, j])
            for k in range(W.shape[0]):
                s = f(0)
                for i in range(B):
                    s = fma(h_in[i, k], d[i, j], s, f)
                gW[k, j] = s
        grads = [gW.ravel(), gb] + grads
        if l > 0:
            dn = np.zeros((B, W.shape[0]), np.float32)
            for i in range(B):
                for k in range(W.shape[0]):
                    s = f(0)
                    for j in range(W.shape[1]):
                        s = fma(d[i, j], W[k, j], s, f)
                    dn[i, k] = s if h_in[i, k] > 0 else f(0)
            d = dn
    return hs[-1], np.concatenate(grads)


@pytest.mark.parametrize("sizes", [[5, 20, 3], [3, 17, 16, 2], [4, 64, 2]])
def test_float32_relu_pass_is_the_ordered_sum_bit_for_bit(sizes):
    """The register tiles, row gathers and the transposed narrow layers reorder loops, never sums:
    outputs and gradients equal the ascending-order float32 fused multiply-add loops exactly (batch 19: tiles + tails;
    half of δ zero, as in DQN, to exercise the zero-skipping gathers)."""
    rng = np.random.default_rng(9)
    sizes, theta = _net(sizes, np.float32, seed=3)
    x = rng.normal(size=(19, sizes[0])).astype(np.float32)
    dout = rng.normal(size=(19, sizes[-1])).astype(np.float32)
    dout[rng.random(dout.shape) < 0.5] = 0.0
    out, _ = _fwd(theta, sizes, K.ACT_RELU, x)
    ref_out, ref_grad = _ordered_forward_backward(theta, sizes, x, dout)
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(_grad(theta, sizes, K.ACT_RELU, x, dout), ref_grad)
