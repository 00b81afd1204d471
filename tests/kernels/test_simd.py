"""Register-tiled micro-kernels (kernels/_simd.py) against plain loops: bit-identical sums in
ascending order, any shape (remainder rows/columns), strided A, float32/float64 and mixed."""

import numpy as np
import pytest

from fastfa.kernels import _simd as S


def _naive(A2, B2, C2, skip_zero):
    """C += A B, terms added one by one in ascending k, in C's precision."""
    C2 = C2.copy()
    t = C2.dtype.type
    for i in range(A2.shape[0]):
        for j in range(B2.shape[1]):
            s = C2[i, j]
            for k in range(A2.shape[1]):
                if skip_zero and A2[i, k] == 0:
                    continue
                s = t(s + t(t(A2[i, k]) * t(B2[k, j])))
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
