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
    S.tile4x32(A, i0, k, i1, B, i0, n, wide, i0, n, k)
    S.tile4x16(A, i0, k, i1, B, i0, n, narrow, i0, n, k)
    S.tile4x16(A, i0, k, i1, B, np.int64(16), n, narrow, np.int64(16), n, k)


def test_wide_and_narrow_tiles_give_the_same_bits():
    rng = np.random.default_rng(2)
    A = rng.normal(size=4 * 37).astype(np.float32)
    B = rng.normal(size=37 * 32).astype(np.float32)
    C0 = rng.normal(size=4 * 32).astype(np.float32)
    wide, narrow = C0.copy(), C0.copy()
    _tiles(A, B, wide, narrow)
    assert np.array_equal(wide, narrow) and not np.array_equal(wide, C0)
