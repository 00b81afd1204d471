"""Feature kernels (S&B 9.5): aggregation, grids, Fourier, polynomial, Haar wavelet, RBF, coarse coding.

Dense bases work on a state normalised to the unit box, ``s = clip((o − low)/(high − low), 0, 1)``
(:func:`normalize`), and a table of per-dimension function numbers ``C`` int64[m, d]:

* polynomial (9.5.1):  ``x_i(s) = ∏_k s_k^{c_ik}``  (``0⁰ = 1``);
* Fourier cosine (9.5.2):  ``x_i(s) = cos(π · c_i · s)``;
* Haar wavelet:  ``x_i(s) = ∏_k h_{c_ik}(s_k)`` with ``h_0 = 1`` and, for
  ``c = 2^j + k`` (``0 ≤ k < 2^j``), ``h_c(x) = 2^{j/2} ψ(2^j x − k)``,
  ``ψ = +1`` on ``[0, ½)``, ``−1`` on ``[½, 1)`` (x = 1 belongs to the last interval);
* Gaussian RBF (9.5.5):  ``x_i(s) = exp(−Σ_k (s_k − μ_ik)² / (2σ_k²))``.

Sparse binary features return indices: grid cell / aggregation group (one
active feature), coarse coding (every receptive field within ``radius``,
9.5.3).  Batch versions loop over rows of ``s`` float64[n, d] into ``out``.
"""

import numpy as np

from .._jit import njit


@njit
def normalize(obs, low, high, out):
    """``out_k = clip((obs_k − low_k)/(high_k − low_k), 0, 1)``."""
    for k in range(obs.shape[0]):
        v = (obs[k] - low[k]) / (high[k] - low[k])
        out[k] = 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)


@njit
def normalize_batch(obs, low, high, out):
    for i in range(obs.shape[0]):
        normalize(obs[i], low, high, out[i])


@njit
def polynomial(s, C, out):
    """``out_i = ∏_k s_k^{C_ik}`` (S&B 9.5.1)."""
    for i in range(C.shape[0]):
        v = 1.0
        for k in range(C.shape[1]):
            e = C[i, k]
            if e != 0:
                v *= s[k] ** e
        out[i] = v


@njit
def fourier(s, C, out):
    """``out_i = cos(π Σ_k C_ik s_k)`` (S&B 9.5.2, cosine basis)."""
    for i in range(C.shape[0]):
        a = 0.0
        for k in range(C.shape[1]):
            a += C[i, k] * s[k]
        out[i] = np.cos(np.pi * a)


@njit
def haar1(c, x):
    """1-D Haar function number ``c`` at ``x ∈ [0, 1]`` (``h_0 = 1``)."""
    if c == 0:
        return 1.0
    j = 0
    while (np.int64(1) << (j + 1)) <= c:
        j += 1
    k = c - (np.int64(1) << j)
    m = np.int64(1) << (j + 1)  # half-intervals at level j
    i = np.int64(np.floor(x * m))
    if i >= m:
        i = m - 1
    if i // 2 != k:
        return 0.0
    amp = np.sqrt(float(np.int64(1) << j))
    return amp if i % 2 == 0 else -amp


@njit
def wavelet(s, C, out):
    """``out_i = ∏_k h_{C_ik}(s_k)`` (tensor products of 1-D Haar functions)."""
    for i in range(C.shape[0]):
        v = 1.0
        for k in range(C.shape[1]):
            if C[i, k] != 0:
                v *= haar1(C[i, k], s[k])
                if v == 0.0:
                    break
        out[i] = v


@njit
def rbf(s, centres, inv_two_sigma2, out):
    """``out_i = exp(−Σ_k (s_k − μ_ik)² · inv_two_sigma2_k)`` (S&B 9.5.5)."""
    for i in range(centres.shape[0]):
        a = 0.0
        for k in range(centres.shape[1]):
            z = s[k] - centres[i, k]
            a += z * z * inv_two_sigma2[k]
        out[i] = np.exp(-a)


@njit
def polynomial_batch(s, C, out):
    for i in range(s.shape[0]):
        polynomial(s[i], C, out[i])


@njit
def fourier_batch(s, C, out):
    for i in range(s.shape[0]):
        fourier(s[i], C, out[i])


@njit
def wavelet_batch(s, C, out):
    for i in range(s.shape[0]):
        wavelet(s[i], C, out[i])


@njit
def rbf_batch(s, centres, inv_two_sigma2, out):
    for i in range(s.shape[0]):
        rbf(s[i], centres, inv_two_sigma2, out[i])


# ------------------------------------------------------------------ sparse binary
@njit
def grid_index(obs, low, high, bins):
    """Row-major cell number of ``obs`` on a uniform grid of ``bins_k`` cells per dimension (clipped)."""
    idx = np.int64(0)
    for k in range(obs.shape[0]):
        b = np.int64(np.floor((obs[k] - low[k]) / (high[k] - low[k]) * bins[k]))
        if b < 0:
            b = 0
        elif b >= bins[k]:
            b = bins[k] - 1
        idx = idx * bins[k] + b
    return idx


@njit
def grid_index_batch(obs, low, high, bins, out):
    for i in range(obs.shape[0]):
        out[i] = grid_index(obs[i], low, high, bins)


@njit
def aggregate(state, first, n_states, n_groups):
    """Group of integer state ``state ∈ [first, first + n_states)``: ``⌊(state − first)·G / N⌋``."""
    return (np.int64(state) - first) * n_groups // n_states


@njit
def aggregate_batch(states, first, n_states, n_groups, out):
    for i in range(states.shape[0]):
        out[i] = aggregate(states[i], first, n_states, n_groups)


@njit
def coarse(s, centres, radius2, out):
    """Indices ``i`` with ``Σ_k (s_k − μ_ik)² ≤ radius²`` into ``out`` (ascending); returns their count."""
    n = 0
    for i in range(centres.shape[0]):
        a = 0.0
        for k in range(centres.shape[1]):
            z = s[k] - centres[i, k]
            a += z * z
        if a <= radius2:
            out[n] = i
            n += 1
    return n


@njit
def coarse_batch(s, centres, radius2, out, counts):
    """Row i: its indices in ``out[i, :counts[i]]``, the rest of the row set to −1."""
    for i in range(s.shape[0]):
        counts[i] = coarse(s[i], centres, radius2, out[i])
        for j in range(counts[i], out.shape[1]):
            out[i, j] = -1


# ------------------------------------------------------------------ one call per observation (Python layer)
@njit
def polynomial_obs(obs, low, high, C, out):
    """:func:`normalize` then :func:`polynomial` (one dispatch from Python)."""
    s = np.empty(obs.shape[0])
    normalize(obs, low, high, s)
    polynomial(s, C, out)


@njit
def fourier_obs(obs, low, high, C, out):
    """:func:`normalize` then :func:`fourier`."""
    s = np.empty(obs.shape[0])
    normalize(obs, low, high, s)
    fourier(s, C, out)


@njit
def wavelet_obs(obs, low, high, C, out):
    """:func:`normalize` then :func:`wavelet`."""
    s = np.empty(obs.shape[0])
    normalize(obs, low, high, s)
    wavelet(s, C, out)


@njit
def rbf_obs(obs, low, high, centres, inv_two_sigma2, out):
    """:func:`normalize` then :func:`rbf`."""
    s = np.empty(obs.shape[0])
    normalize(obs, low, high, s)
    rbf(s, centres, inv_two_sigma2, out)
