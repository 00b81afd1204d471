"""Register-tiled micro-kernels (kernels/_simd.py) against plain loops: bit-identical chains of fused
multiply-adds in ascending order (tests/naive_fma.py), any shape (remainder rows/columns), strided A,
float32/float64 and mixed, the 4 x 32 and 4 x 16 tiles alike."""

import numpy as np
import pytest

from fastfa.kernels import _simd as S
from fastfa.kernels._jit import njit
from naive_fma import fma


def _naive(A2, B2, C2, skip_zero):
    """C += A B, one fused multiply-add per term in ascending k, in C's precision."""
    C2 = C2.copy()
    t = C2.dtype.type
    for i in range(A2.shape[0]):
        for j in range(B2.shape[1]):
            s = C2[i, j]
            for k in range(A2.shape[1]):
                if skip_zero and A2[i, k] == 0:
                    continue
                s = fma(A2[i, k], B2[k, j], s, t)
            C2[i, j] = s
    return C2


# (6, 129, 257): K·N > PACK_MIN, so gemm_tiles packs B's column panels (remainder rows and columns too)
@pytest.mark.parametrize(
    "M,K,N", [(4, 3, 16), (7, 9, 37), (1, 5, 64), (9, 2, 80), (4, 1, 3), (0, 4, 16), (5, 0, 16), (6, 129, 257)]
)
@pytest.mark.parametrize("dtypes", [(np.float32,) * 3, (np.float64,) * 3, (np.float64, np.float32, np.float32)])
@pytest.mark.parametrize("transposed_a", [False, True])
def test_gemm_tiles_and_gather_rows_match_plain_loops(M, K, N, dtypes, transposed_a):
    if (M, K, N) == (6, 129, 257):
        assert K * N > S.PACK_MIN  # this case exercises the packed path
    rng = np.random.default_rng(M * 100 + K * 10 + N)
    da, db, dc = dtypes
    A2 = rng.normal(size=(M, K)).astype(da)
    A2[rng.random((M, K)) < 0.5] = 0.0  # ReLU-like sparsity
    B2 = rng.normal(size=(K, N)).astype(db)
    C2 = rng.normal(size=(M, N)).astype(dc)
    if transposed_a:  # A stored column-major: A[i, k] at i + k*M (the gradient hᵀδ layout)
        Af, a_rs, a_cs = np.ascontiguousarray(A2.T).ravel(), 1, M
    else:
        Af, a_rs, a_cs = A2.ravel().copy(), K, 1
    # offsets: embed B and C inside larger flat arrays
    Bf = np.concatenate([np.zeros(3, db), B2.ravel()])
    for fn, skip in ((S.gemm_tiles, False), (S.gather_rows, True)):
        Cf = np.concatenate([np.full(5, 7.0, dc), C2.ravel(), np.full(2, 7.0, dc)])
        fn(Af, 0, a_rs, a_cs, M, K, Bf, 3, N, N, Cf, 5, N)
        got = Cf[5 : 5 + M * N].reshape(M, N)
        want = _naive(A2, B2, C2, skip)
        # mixed precision: A is rounded to C's type first in the kernels, as in _naive
        np.testing.assert_array_equal(got, want)
        assert (Cf[:5] == 7.0).all() and (Cf[5 + M * N :] == 7.0).all(), "wrote outside C"


# 1 + 2^-23 is the float32 after 1; its square 1 + 2^-22 + 2^-46 rounds to 1 + 2^-22 in float32, so
# (1 + 2^-23)² − (1 + 2^-22) is 2^-46 fused (one rounding) and 0 with a rounded product
_U = np.float32(1 + 2**-23)
_V = np.float32(-(1 + 2**-22))


@pytest.mark.parametrize("N", [3, 16, 32, 48, 64])  # scalar tail, 4x16 tile / gather16, 4x32 tile, both, gather64
def test_every_path_rounds_the_product_once(N):
    A = np.full(4, _U)  # 4 x 1
    B = np.full(N, _U)  # 1 x N
    for fn in (S.gemm_tiles, S.gather_rows):
        C = np.full(4 * N, _V)
        fn(A, 0, 1, 1, 4, 1, B, 0, N, N, C, 0, N)
        assert (C == np.float32(2.0**-46)).all(), (fn.__name__, N, C)
    assert _U * _U + _V == 0  # NumPy rounds the product first: the case separates the two


def test_kernel_fallback_fma_equals_the_definition():
    """S.fma_py (the NUMBA_DISABLE_JIT arithmetic) vs tests/naive_fma.py, random and half-way cases."""
    rng = np.random.default_rng(5)
    cases = [(_U, _U, _V), (1.0, 1.0, 2.0**-24), (1.0, 1.0, -(2.0**-25)), (3.0, 2.0**-50, 1.0)]
    cases += [tuple(rng.normal(size=3) * 10.0 ** rng.integers(-8, 8, 3)) for _ in range(3000)]
    for t in (np.float32, np.float64):
        for a, b, c in cases:
            got, want = S.fma_py(a, b, c, t), fma(a, b, c, t)
            assert got == want and type(got) is t, (t, a, b, c, got, want)


@njit
def _tiles(A, B, wide, narrow):  # the tiles are intrinsics: callable from compiled code only
    i0, i1, k, n = np.int64(0), np.int64(1), np.int64(37), np.int64(32)
    i16 = np.int64(16)
    S.tile4x32(A, i0, k, i1, B, i0, n, wide, i0, n, k, wide, i0, n, i1, wide, i0, i0, i0)
    S.tile4x16(A, i0, k, i1, B, i0, n, narrow, i0, n, k, narrow, i0, n, i1, narrow, i0, i0, i0)
    S.tile4x16(A, i0, k, i1, B, i16, n, narrow, i16, n, k, narrow, i16, n, i1, narrow, i0, i0, i0)


def test_wide_and_narrow_tiles_give_the_same_bits():
    rng = np.random.default_rng(2)
    A = rng.normal(size=4 * 37).astype(np.float32)
    B = rng.normal(size=37 * 32).astype(np.float32)
    C0 = rng.normal(size=4 * 32).astype(np.float32)
    wide, narrow = C0.copy(), C0.copy()
    _tiles(A, B, wide, narrow)
    assert np.array_equal(wide, narrow) and not np.array_equal(wide, C0)


# gemm_ep: the init (C itself, a bias row, one value per row, +0) and the store epilogues (ReLU, the
# ReLU-derivative mask) fused into the tiles, against the plain loops plus the same steps written out
@pytest.mark.parametrize("M,K,N", [(8, 5, 64), (7, 9, 37), (4, 3, 16), (3, 4, 20), (6, 129, 257)])
@pytest.mark.parametrize("init", ["C", "bias_row", "per_row", "zero"])
@pytest.mark.parametrize("epi", [S.EPI_NONE, S.EPI_RELU, S.EPI_MASK])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_gemm_ep_init_and_epilogue_match_plain_loops(M, K, N, init, epi, dt):
    rng = np.random.default_rng(M * 1000 + K * 10 + N + epi)
    A2 = rng.normal(size=(M, K)).astype(dt)
    B2 = rng.normal(size=(K, N)).astype(dt)
    C2 = rng.normal(size=(M, N)).astype(dt)
    E2 = rng.normal(size=(M, N)).astype(dt)
    E2[0, :2] = (np.nan, -0.0)  # neither is > 0: masked
    bias = rng.normal(size=max(M, N) + 4).astype(dt)  # the init array, with two leading entries unused
    if init == "C":
        I0 = C2
    elif init == "bias_row":  # init[i, j] = bias[2 + j]
        I0 = np.broadcast_to(bias[2 : 2 + N], (M, N))
    elif init == "per_row":  # init[i, j] = bias[2 + i]
        I0 = np.broadcast_to(bias[2 : 2 + M, None], (M, N))
    else:
        I0 = np.zeros((M, N), dt)
    want = _naive(A2, B2, np.array(I0, dt), False)
    if epi == S.EPI_RELU:
        want = np.where(want < 0, dt(0), want)
    elif epi == S.EPI_MASK:
        want = np.where(E2 > 0, want, dt(0))
    Cf = np.concatenate([np.full(5, 7.0, dt), C2.ravel(), np.full(2, 7.0, dt)])
    Ef = np.concatenate([np.zeros(1, dt), E2.ravel()])
    mode = epi | (S.INIT_ZERO if init == "zero" else 0)
    i64 = np.int64
    if init == "C":
        Iarr, i_off, i_rs, i_cs = Cf, 5, N, 1
    elif init == "bias_row":
        Iarr, i_off, i_rs, i_cs = bias, 2, 0, 1
    elif init == "per_row":
        Iarr, i_off, i_rs, i_cs = bias, 2, 1, 0
    else:
        Iarr, i_off, i_rs, i_cs = Cf, 0, 0, 0  # never read
    S.gemm_ep(
        A2.ravel().copy(), i64(0), i64(K), i64(1), i64(M), i64(K), B2.ravel().copy(), i64(0), i64(N), i64(N),
        Cf, i64(5), i64(N), Iarr, i64(i_off), i64(i_rs), i64(i_cs), Ef, i64(1), i64(N), i64(mode),
    )  # fmt: skip
    np.testing.assert_array_equal(Cf[5 : 5 + M * N].reshape(M, N), want)
    assert (Cf[:5] == 7.0).all() and (Cf[5 + M * N :] == 7.0).all(), "wrote outside C"


@pytest.mark.parametrize("rows,cols", [(16, 16), (64, 64), (37, 20), (64, 2), (5, 3), (33, 48)])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_transpose_matches_numpy(rows, cols, dt):
    """kernels/nn/mlp_layers._transpose (16 x 16 shuffle blocks on AVX-512, 8 x 8 blocks elsewhere, and
    the remainder strips) against NumPy's transpose, inside larger arrays (offsets)."""
    from fastfa.kernels.nn.mlp_layers import _transpose

    rng = np.random.default_rng(rows * 100 + cols)
    src = rng.normal(size=3 + rows * cols).astype(dt)
    dst = np.full(4 + rows * cols + 2, 9.0, dt)
    _transpose(src, np.int64(3), np.int64(rows), np.int64(cols), dst, np.int64(4))
    want = src[3:].reshape(rows, cols).T.ravel()
    np.testing.assert_array_equal(dst[4 : 4 + rows * cols], want)
    assert (dst[:4] == 9.0).all() and (dst[4 + rows * cols :] == 9.0).all()


@njit
def _t16(src, dst):
    S.transpose16(src, np.int64(0), np.int64(16), dst, np.int64(0), np.int64(16))


def test_transpose16_block():
    src = np.arange(256, dtype=np.float32)
    dst = np.zeros(256, np.float32)
    _t16(src, dst)
    np.testing.assert_array_equal(dst.reshape(16, 16), src.reshape(16, 16).T)
