"""Plain NumPy references for fastfa.kernels.nn.mlp (dense MLP, losses, Adam, clipping)."""

import numpy as np


def naive_unflatten(theta, sizes):
    """List of (W, b) views of the flat parameter vector (W: n_in x n_out row-major, then b)."""
    out, o = [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = theta[o : o + n_in * n_out].reshape(n_in, n_out)
        b = theta[o + n_in * n_out : o + (n_in + 1) * n_out]
        out.append((W, b))
        o += (n_in + 1) * n_out
    return out


def naive_forward(theta, sizes, act, x):
    """Returns (output, list of post-activations); act 0 = ReLU, 1 = tanh; output layer linear."""
    hs = [np.asarray(x, dtype=np.float64)]
    layers = naive_unflatten(np.asarray(theta, np.float64), sizes)
    for l, (W, b) in enumerate(layers):
        z = hs[-1] @ W + b
        if l < len(layers) - 1:
            z = np.maximum(z, 0.0) if act == 0 else np.tanh(z)
        hs.append(z)
    return hs[-1], hs


def naive_backward(theta, sizes, act, x, dout):
    """Gradient of sum(dout * output) w.r.t. theta (flat), by the chain rule in NumPy."""
    theta = np.asarray(theta, np.float64)
    _, hs = naive_forward(theta, sizes, act, x)
    layers = naive_unflatten(theta, sizes)
    grads = []
    d = np.asarray(dout, np.float64)
    for l in range(len(layers) - 1, -1, -1):
        W, _ = layers[l]
        grads.append((hs[l].T @ d, d.sum(0)))
        if l > 0:
            d = d @ W.T
            d = d * (hs[l] > 0) if act == 0 else d * (1 - hs[l] ** 2)
    grads.reverse()
    return np.concatenate([np.concatenate([gW.ravel(), gb]) for gW, gb in grads])


def naive_td_loss(pred, target, weights, kind, kappa):
    """(loss, dloss/dpred) for squared (kind 0, 0.5 e^2) or Huber (kind 1) weighted mean loss."""
    e = np.asarray(pred, np.float64) - target
    if kind == 1:
        small = np.abs(e) <= kappa
        l = np.where(small, 0.5 * e**2, kappa * (np.abs(e) - 0.5 * kappa))
        g = np.where(small, e, kappa * np.sign(e))
    else:
        l, g = 0.5 * e**2, e
    B = len(e)
    return float((weights * l).sum() / B), weights * g / B


def naive_adam(theta, grad, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * grad
    v = b2 * v + (1 - b2) * grad**2
    mhat = m / (1 - b1**t)
    vhat = v / (1 - b2**t)
    return theta - lr * mhat / (np.sqrt(vhat) + eps), m, v
