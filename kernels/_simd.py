"""Register-tiled matrix micro-kernels for the small dense layers of kernels/nn/mlp.py.

Numba leaves SLP vectorisation off and LLVM's loop vectoriser only ever turns
the innermost loop into SIMD, so a plain-loop matrix product keeps its
accumulators in memory (one load and one store per multiply-add).  The two
kernels here are written directly in LLVM IR (``numba.extending.intrinsic``)
with ``<16 x T>`` vector accumulators held in registers across the reduction
loop; LLVM lowers them to AVX-512, AVX2 or SSE, whatever the CPU has.

Both compute exact IEEE products and sums (separate multiply and add, no FMA,
no reassociation), adding the terms in ascending reduction order, so their
results are bit-identical to the naive loops ``c += a·b`` they replace:

* ``tile4x16`` — dense 4 × 16 output tile, ``C[r, 0:16] += Σ_k A[r, k]·B[k, 0:16]``
  (r < 4, k ascending).  One vector load of B serves four rows.
* ``row_gather16`` / ``row_gather64`` — one output row segment of width ``NR`` (16 or 64),
  ``C[0:NR] += Σ_t vals[t]·B[idx[t], 0:NR]`` over a compacted list of the
  non-zero entries of a row of A (ReLU leaves about half of them zero).

All offsets and strides are in elements of flat (1-D, C-contiguous) arrays; the
caller guarantees that every addressed element is in bounds.  The drivers
:func:`gemm_tiles` (C += A·B with arbitrary strides of A) and :func:`gather_rows`
(the same, skipping zero entries of A) cover any shape, remainders included.  Under
``NUMBA_DISABLE_JIT=1`` plain-Python versions with the same semantics are used.
"""

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from ._jit import JIT_DISABLED, njit

_I32 = ir.IntType(32)
_I64 = ir.IntType(64)


def _splat(builder, value, vty):
    undef = ir.Constant(vty, ir.Undefined)
    one = builder.insert_element(undef, value, ir.Constant(_I32, 0))
    return builder.shuffle_vector(one, undef, ir.Constant(ir.VectorType(_I32, vty.count), [0] * vty.count))


def _convert(builder, value, to):
    """fpext/fptrunc between float and double (scalars or vectors); no-op when equal."""
    src = value.type.element if isinstance(value.type, ir.VectorType) else value.type
    dst = to.element if isinstance(to, ir.VectorType) else to
    if src == dst:
        return value
    if isinstance(dst, ir.DoubleType):
        return builder.fpext(value, to)
    return builder.fptrunc(value, to)


def _data(context, builder, aty, arr):
    return context.make_array(aty)(context, builder, arr).data


def _esize(t):
    return 8 if isinstance(t, ir.DoubleType) else 4


def _vec_ptr(builder, base, offset, vty):
    return builder.bitcast(builder.gep(base, [offset]), ir.PointerType(vty))


@intrinsic
def _tile4x16_ir(typingctx, A, a_off, a_rs, a_cs, B, b_off, ldb, C, c_off, ldc, K):
    sig = types.void(A, a_off, a_rs, a_cs, B, b_off, ldb, C, c_off, ldc, K)

    def codegen(context, builder, signature, args):
        A_, a_off_, a_rs_, a_cs_, B_, b_off_, ldb_, C_, c_off_, ldc_, K_ = args
        ta, tb, tc = (context.get_value_type(signature.args[i].dtype) for i in (0, 4, 7))
        vb, vc = ir.VectorType(tb, 16), ir.VectorType(tc, 16)
        ad = _data(context, builder, signature.args[0], A_)
        bd = _data(context, builder, signature.args[4], B_)
        cd = _data(context, builder, signature.args[7], C_)
        cps, accs = [], []
        for r in range(4):
            p = _vec_ptr(builder, cd, builder.add(c_off_, builder.mul(ir.Constant(_I64, r), ldc_)), vc)
            slot = cgutils.alloca_once(builder, vc)
            builder.store(builder.load(p, align=_esize(tc)), slot)
            cps.append(p)
            accs.append(slot)
        with cgutils.for_range(builder, K_) as loop:
            k = loop.index
            bv = builder.load(_vec_ptr(builder, bd, builder.add(b_off_, builder.mul(k, ldb_)), vb), align=_esize(tb))
            bv = _convert(builder, bv, vc)
            abase = builder.add(a_off_, builder.mul(k, a_cs_))
            for r in range(4):
                a = builder.load(builder.gep(ad, [builder.add(abase, builder.mul(ir.Constant(_I64, r), a_rs_))]))
                av = _splat(builder, _convert(builder, a, tc), vc)
                builder.store(builder.fadd(builder.load(accs[r]), builder.fmul(av, bv)), accs[r])
        for r in range(4):
            builder.store(builder.load(accs[r]), cps[r], align=_esize(tc))
        return context.get_dummy_value()

    return sig, codegen


def _make_row_gather(NR):
    @intrinsic
    def _row_gather_ir(typingctx, vals, idx, nk, B, b_off, ldb, C, c_off):
        sig = types.void(vals, idx, nk, B, b_off, ldb, C, c_off)

        def codegen(context, builder, signature, args):
            vals_, idx_, nk_, B_, b_off_, ldb_, C_, c_off_ = args
            tv, tb, tc = (context.get_value_type(signature.args[i].dtype) for i in (0, 3, 6))
            vb, vc = ir.VectorType(tb, 16), ir.VectorType(tc, 16)
            vd = _data(context, builder, signature.args[0], vals_)
            xd = _data(context, builder, signature.args[1], idx_)
            bd = _data(context, builder, signature.args[3], B_)
            cd = _data(context, builder, signature.args[6], C_)
            cps, accs = [], []
            for v in range(NR // 16):
                p = _vec_ptr(builder, cd, builder.add(c_off_, ir.Constant(_I64, 16 * v)), vc)
                slot = cgutils.alloca_once(builder, vc)
                builder.store(builder.load(p, align=_esize(tc)), slot)
                cps.append(p)
                accs.append(slot)
            with cgutils.for_range(builder, nk_) as loop:
                t = loop.index
                av = _splat(builder, _convert(builder, builder.load(builder.gep(vd, [t])), tc), vc)
                k = builder.load(builder.gep(xd, [t]))
                if k.type != _I64:
                    k = builder.sext(k, _I64)
                base = builder.add(b_off_, builder.mul(k, ldb_))
                for v in range(NR // 16):
                    bv = builder.load(
                        _vec_ptr(builder, bd, builder.add(base, ir.Constant(_I64, 16 * v)), vb), align=_esize(tb)
                    )
                    bv = _convert(builder, bv, vc)
                    builder.store(builder.fadd(builder.load(accs[v]), builder.fmul(av, bv)), accs[v])
            for v in range(NR // 16):
                builder.store(builder.load(accs[v]), cps[v], align=_esize(tc))
            return context.get_dummy_value()

        return sig, codegen

    return _row_gather_ir


def _tile4x16_py(A, a_off, a_rs, a_cs, B, b_off, ldb, C, c_off, ldc, K):
    t = C.dtype.type  # operands are converted to C's precision, as in the IR version
    for r in range(4):
        for j in range(16):
            s = C[c_off + r * ldc + j]
            for k in range(K):
                s += t(A[a_off + r * a_rs + k * a_cs]) * t(B[b_off + k * ldb + j])
            C[c_off + r * ldc + j] = s


def _make_row_gather_py(NR):
    def _row_gather_py(vals, idx, nk, B, b_off, ldb, C, c_off):
        ct = C.dtype.type
        for j in range(NR):
            s = C[c_off + j]
            for t in range(nk):
                s += vals[t] * ct(B[b_off + idx[t] * ldb + j])
            C[c_off + j] = s

    return _row_gather_py


if JIT_DISABLED:
    tile4x16 = _tile4x16_py
    row_gather16 = _make_row_gather_py(16)
    row_gather64 = _make_row_gather_py(64)
else:
    tile4x16 = _tile4x16_ir
    row_gather16 = _make_row_gather(16)
    row_gather64 = _make_row_gather(64)


# Integer constants passed to another compiled function are typed Literal[int](value), and each
# new pattern of literals compiles that function again (gather_rows was compiled 7 times for one
# MLP); passing np.int64 values keeps one signature per dtype combination.
_I0, _I1, _I4, _I16 = np.int64(0), np.int64(1), np.int64(4), np.int64(16)

#: gemm_tiles packs B's column panels when B has more elements than this (below, B fits in the
#: L2 cache as it is and packing costs more than it saves)
PACK_MIN = 32768


@njit
def gemm_tiles(A, a_off, a_rs, a_cs, M, K, B, b_off, ldb, N, C, c_off, ldc):
    """C[i, j] += Σ_k A[i, k]·B[k, j] (k ascending) on flat arrays (offsets/strides in elements).

    Rows in blocks of 4 go through the dense 4 × 16 register tile; the last M mod 4
    rows and the N mod 16 tail columns through :func:`gather_rows`.

    Large B (more than :data:`PACK_MIN` elements): column panels are the outer loop, each panel
    (K × 16) first copied to a contiguous buffer that stays in cache while every row block uses it
    — as BLAS packs its panels.  Read in place, a panel's rows lie ``ldb`` elements apart, a power
    of two for the usual widths: at 512 they all fall into a few cache sets and evict each other,
    and with rows outer all of B streams from memory once per 4 rows.  Every element of C gets
    the same kernel and the same order of terms either way: the results are the same bits.
    """
    nb = N - N % 16
    m4 = M - M % 4
    if K * N > PACK_MIN and m4 > 4 and nb > 0:
        panel = np.empty(K * 16, B.dtype)
        for j0 in range(0, nb, 16):
            for k in range(K):
                src = b_off + k * ldb + j0
                for c in range(16):
                    panel[k * 16 + c] = B[src + c]
            for i in range(0, m4, 4):
                tile4x16(A, a_off + i * a_rs, a_rs, a_cs, panel, _I0, _I16, C, c_off + i * ldc + j0, ldc, K)
    else:
        for i in range(0, m4, 4):
            for j0 in range(0, nb, 16):
                tile4x16(A, a_off + i * a_rs, a_rs, a_cs, B, b_off + j0, ldb, C, c_off + i * ldc + j0, ldc, K)
    if nb < N:
        for i in range(0, m4, 4):
            gather_rows(
                A, a_off + i * a_rs, a_rs, a_cs, _I4, K, B, b_off + nb, ldb, N - nb, C, c_off + i * ldc + nb, ldc
            )
    if m4 < M:
        gather_rows(A, a_off + m4 * a_rs, a_rs, a_cs, M - m4, K, B, b_off, ldb, N, C, c_off + m4 * ldc, ldc)


@njit
def gather_rows(A, a_off, a_rs, a_cs, M, K, B, b_off, ldb, N, C, c_off, ldc):
    """C[i, :] += Σ_{k: A[i,k] ≠ 0} A[i, k]·B[k, :] (k ascending) on flat arrays.

    Each row of A is compacted to its non-zero entries, then register-held row
    segments of 64 and 16 columns accumulate only those: ReLU activations and
    their masked deltas are about half zero.
    """
    vals = np.empty(K, C.dtype)  # A's entries rounded to C's precision, as in the vector kernels
    idx = np.empty(K, np.int64)
    for i in range(M):
        nk = 0
        ao = a_off + i * a_rs
        for k in range(K):  # branch-free: ReLU zeros fall at random, a branch mispredicts half the time
            a = A[ao + k * a_cs]
            vals[nk] = a
            idx[nk] = k
            nk += a != 0.0
        co = c_off + i * ldc
        j0 = 0
        while j0 + 64 <= N:
            row_gather64(vals, idx, nk, B, b_off + j0, ldb, C, co + j0)
            j0 += 64
        while j0 + 16 <= N:
            row_gather16(vals, idx, nk, B, b_off + j0, ldb, C, co + j0)
            j0 += 16
        for j in range(j0, N):
            s = C[co + j]
            for t in range(nk):
                s += vals[t] * B[b_off + idx[t] * ldb + j]
            C[co + j] = s
