"""Register-tiled matrix micro-kernels for the small dense layers of kernels/nn/mlp.py.

Numba leaves SLP vectorisation off and LLVM's loop vectoriser only ever turns
the innermost loop into SIMD, so a plain-loop matrix product keeps its
accumulators in memory (one load and one store per multiply-add).  The
kernels here are written directly in LLVM IR (``numba.extending.intrinsic``)
with ``<16 x T>`` vector accumulators held in registers across the reduction
loop; LLVM lowers them to AVX-512, AVX2 or SSE, whatever the CPU has.

Every kernel computes each element of C as a chain of **fused multiply-adds** in ascending
reduction order, ``c ← fma(a_k, b_k, c)`` for k = 0, 1, … (one rounding per term, no
reassociation).  Which kernel computes an element (wide tile, narrow tile, row gather, scalar
remainder) does not change its bits, nor does the CPU: where the CPU has no FMA instruction, LLVM
calls the C library's correctly rounded ``fma``.  On an Intel Xeon (Sapphire Rapids, AVX-512) the
whole DQN gradient step (``python benches/mlp_peak.py --rounds 5``, 4-h-h-2, batch 64, float32;
two interleaved runs each) took 39.5/41.1 µs at h = 64, 132/132 µs at 128 and 599/565 µs at 256,
against 49.0/47.6, 172/155 and 638/666 µs with the former 4 × 16 tiles and a separate multiply
and add.  With the bias, the zeroing, the ReLU and its mask fused into the tiles (:func:`gemm_ep`),
the in-register transposes (:func:`transpose16`) and 64-byte aligned scratch: 24.7, 76.4 and 398 µs
(``--rounds 7``, 2026-12-05; 56%, 70% and 53% of a one-thread sgemm's 162 GFLOP/s).


* ``tile4x32`` / ``tile4x16`` — dense 4 × 32 (8 vector accumulators) or 4 × 16 output tile,
  ``C[r, 0:W] = fma-chain over k of A[r, k]·B[k, 0:W]`` (r < 4, k ascending).  One vector load of
  B serves four rows.  :func:`gemm_tiles` uses the 4 × 32 tile where the CPU has 32 vector
  registers of 16 floats (AVX-512: :data:`WIDE_TILES`); with AVX2's 16 registers its 16
  accumulators would not fit, and the 4 × 16 tile (two ymm registers per accumulator) is used.
* ``row_gather16`` / ``row_gather64`` — one output row segment of width ``NR`` (16 or 64),
  ``C[0:NR]`` over a compacted list of the non-zero entries of a row of A (ReLU leaves about
  half of them zero; a skipped term is fma(0, b, c) = c exactly).

All offsets and strides are in elements of flat (1-D, C-contiguous) arrays; the
caller guarantees that every addressed element is in bounds.  The drivers
:func:`gemm_tiles` (C += A·B with arbitrary strides of A) and :func:`gather_rows`
(the same, skipping zero entries of A) cover any shape, remainders included.  Under
``NUMBA_DISABLE_JIT=1`` plain-Python versions with the same semantics are used (the fused
multiply-add emulated exactly: :func:`fma_py`).
"""

import ctypes
import ctypes.util
from fractions import Fraction

import numpy as np
from llvmlite import binding, ir
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


def _fma_fn(builder, ty):
    """The LLVM intrinsic ``llvm.fma`` for ``ty`` (float/double, scalar or vector)."""
    el = ty.element if isinstance(ty, ir.VectorType) else ty
    suffix = "f64" if isinstance(el, ir.DoubleType) else "f32"
    if isinstance(ty, ir.VectorType):
        suffix = "v%d%s" % (ty.count, suffix)
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(ty, [ty, ty, ty]), "llvm.fma." + suffix)


def _madd(builder, acc, a, b):
    """fma(a, b, acc): acc + a·b rounded once."""
    return builder.call(_fma_fn(builder, acc.type), [a, b, acc])


def _load_vec(builder, base, offset, vty, to):
    """The vector ``vty`` at element ``offset`` of ``base`` (element-aligned), converted to ``to``."""
    v = builder.load(_vec_ptr(builder, base, offset, vty), align=_esize(vty.element))
    return _convert(builder, v, to)


def _acc_slots(builder, cd, offsets, vc):
    """Register accumulators (allocas LLVM keeps in registers) loaded from C at ``offsets``; returns
    their pointers into C and the slots, for :func:`_store_accs`."""
    cps, accs = [], []
    for off in offsets:
        p = _vec_ptr(builder, cd, off, vc)
        slot = cgutils.alloca_once(builder, vc)
        builder.store(builder.load(p, align=_esize(vc.element)), slot)
        cps.append(p)
        accs.append(slot)
    return cps, accs


def _store_accs(builder, cps, accs):
    for p, slot in zip(cps, accs):
        builder.store(builder.load(slot), p, align=_esize(slot.type.pointee.element))


#: ``mode`` bits of the fused tiles (:func:`gemm_ep`): the epilogue applied as C is stored, and
#: whether the accumulators start at +0 instead of reading the init array
EPI_NONE = 0
EPI_RELU = 1  # C = 0 where the sum is < 0 (a select: NaN and -0 pass through, as ``0 if v < 0 else v``)
EPI_MASK = 2  # C = the sum where E > 0, else 0 (the ReLU derivative read from the activations E)
INIT_ZERO = 4


def _make_tile(NV):
    """The 4 × (16·NV) tile kernel: 4·NV vector accumulators, initialised from ``I`` (or +0) and stored
    into ``C`` through the epilogue of ``mode`` (:data:`EPI_RELU`, :data:`EPI_MASK` reading ``E``)."""

    @intrinsic
    def _tile_ir(
        typingctx, A, a_off, a_rs, a_cs, B, b_off, ldb, C, c_off, ldc, K, I, i_off, i_rs, i_cs, E, e_off, e_ld, mode
    ):
        sig = types.void(
            A, a_off, a_rs, a_cs, B, b_off, ldb, C, c_off, ldc, K, I, i_off, i_rs, i_cs, E, e_off, e_ld, mode
        )

        def codegen(context, builder, signature, args):
            A_, a_off_, a_rs_, a_cs_, B_, b_off_, ldb_, C_, c_off_, ldc_, K_ = args[:11]
            I_, i_off_, i_rs_, i_cs_, E_, e_off_, e_ld_, mode_ = args[11:]
            tb, tc, ti, te = (context.get_value_type(signature.args[i].dtype) for i in (4, 7, 11, 15))
            vb, vc, vi, ve = (ir.VectorType(t, 16) for t in (tb, tc, ti, te))
            ad = _data(context, builder, signature.args[0], A_)
            bd = _data(context, builder, signature.args[4], B_)
            cd = _data(context, builder, signature.args[7], C_)
            idd = _data(context, builder, signature.args[11], I_)
            ed = _data(context, builder, signature.args[15], E_)
            i64 = lambda v: ir.Constant(_I64, v)  # noqa: E731
            accs = [cgutils.alloca_once(builder, vc) for _ in range(4 * NV)]
            zero_init = builder.icmp_signed("!=", builder.and_(mode_, i64(INIT_ZERO)), i64(0))
            with builder.if_else(zero_init) as (then, otherwise):
                with then:
                    for slot in accs:
                        builder.store(ir.Constant(vc, None), slot)
                with otherwise:  # i_cs = 1: vectors along the row; i_cs = 0: one value per row, broadcast
                    bcast = builder.icmp_signed("==", i_cs_, i64(0))
                    with builder.if_else(bcast) as (one, row_vec):
                        with one:
                            for r in range(4):
                                x = builder.load(builder.gep(idd, [builder.add(i_off_, builder.mul(i64(r), i_rs_))]))
                                xv = _splat(builder, _convert(builder, x, tc), vc)
                                for v in range(NV):
                                    builder.store(xv, accs[r * NV + v])
                        with row_vec:
                            for r in range(4):
                                row = builder.add(i_off_, builder.mul(i64(r), i_rs_))
                                for v in range(NV):
                                    off = builder.add(row, i64(16 * v))
                                    builder.store(_load_vec(builder, idd, off, vi, vc), accs[r * NV + v])
            with cgutils.for_range(builder, K_) as loop:
                k = loop.index
                brow = builder.add(b_off_, builder.mul(k, ldb_))
                bvs = [_load_vec(builder, bd, builder.add(brow, i64(16 * v)), vb, vc) for v in range(NV)]
                abase = builder.add(a_off_, builder.mul(k, a_cs_))
                for r in range(4):
                    a = builder.load(builder.gep(ad, [builder.add(abase, builder.mul(i64(r), a_rs_))]))
                    av = _splat(builder, _convert(builder, a, tc), vc)
                    for v in range(NV):
                        slot = accs[r * NV + v]
                        builder.store(_madd(builder, builder.load(slot), av, bvs[v]), slot)
            epi = builder.and_(mode_, i64(3))
            zc = ir.Constant(vc, None)
            align = _esize(tc)

            def store_all(f):
                for r in range(4):
                    crow = builder.add(c_off_, builder.mul(i64(r), ldc_))
                    erow = builder.add(e_off_, builder.mul(i64(r), e_ld_))
                    for v in range(NV):
                        val = f(builder.load(accs[r * NV + v]), builder.add(erow, i64(16 * v)))
                        builder.store(val, _vec_ptr(builder, cd, builder.add(crow, i64(16 * v)), vc), align=align)

            def relu(acc, _):
                return builder.select(builder.fcmp_ordered("<", acc, zc), zc, acc)

            def mask(acc, eoff):
                e = builder.load(_vec_ptr(builder, ed, eoff, ve), align=_esize(te))
                return builder.select(builder.fcmp_ordered(">", e, ir.Constant(ve, None)), acc, zc)

            with builder.if_else(builder.icmp_signed("==", epi, i64(EPI_RELU))) as (is_relu, not_relu):
                with is_relu:
                    store_all(relu)
                with not_relu:
                    with builder.if_else(builder.icmp_signed("==", epi, i64(EPI_MASK))) as (is_mask, plain):
                        with is_mask:
                            store_all(mask)
                        with plain:
                            store_all(lambda acc, _: acc)
            return context.get_dummy_value()

        return sig, codegen

    return _tile_ir


@intrinsic
def _fma_ir(typingctx, a, b, c):
    """Scalar fma(a, b, c) in c's precision (a and b converted to it first)."""

    def codegen(context, builder, signature, args):
        tc = context.get_value_type(signature.args[2])
        a_, b_ = (_convert(builder, x, tc) for x in args[:2])
        return builder.call(_fma_fn(builder, tc), [a_, b_, args[2]])

    return c(a, b, c), codegen


@intrinsic
def _transpose16_ir(typingctx, src, s_off, s_ld, dst, d_off, d_ld):
    """dst[d_off + c·d_ld + r] = src[s_off + r·s_ld + c] for r, c < 16: sixteen row loads, four
    stages of eight shuffle pairs (stage b swaps bit b of the row and column index), sixteen row
    stores.  A copy (the same values)."""
    sig = types.void(src, s_off, s_ld, dst, d_off, d_ld)

    def codegen(context, builder, signature, args):
        src_, s_off_, s_ld_, dst_, d_off_, d_ld_ = args
        ts, td = (context.get_value_type(signature.args[i].dtype) for i in (0, 3))
        vs, vd = ir.VectorType(ts, 16), ir.VectorType(td, 16)
        sd = _data(context, builder, signature.args[0], src_)
        dd = _data(context, builder, signature.args[3], dst_)
        rows = [
            _load_vec(builder, sd, builder.add(s_off_, builder.mul(ir.Constant(_I64, r), s_ld_)), vs, vd)
            for r in range(16)
        ]
        for b in range(4):
            s = 1 << b
            lo = ir.Constant(ir.VectorType(_I32, 16), [c if c & s == 0 else 16 + c - s for c in range(16)])
            hi = ir.Constant(ir.VectorType(_I32, 16), [c + s if c & s == 0 else 16 + c for c in range(16)])
            for i in range(16):
                if i & s == 0:
                    a, c = rows[i], rows[i + s]
                    rows[i], rows[i + s] = builder.shuffle_vector(a, c, lo), builder.shuffle_vector(a, c, hi)
        for r in range(16):
            off = builder.add(d_off_, builder.mul(ir.Constant(_I64, r), d_ld_))
            builder.store(rows[r], _vec_ptr(builder, dd, off, vd), align=_esize(td))
        return context.get_dummy_value()

    return sig, codegen


def _transpose16_py(src, s_off, s_ld, dst, d_off, d_ld):
    for r in range(16):
        for c in range(16):
            dst[d_off + c * d_ld + r] = src[s_off + r * s_ld + c]


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
            cps, accs = _acc_slots(
                builder, cd, [builder.add(c_off_, ir.Constant(_I64, 16 * v)) for v in range(NR // 16)], vc
            )
            with cgutils.for_range(builder, nk_) as loop:
                t = loop.index
                av = _splat(builder, _convert(builder, builder.load(builder.gep(vd, [t])), tc), vc)
                k = builder.load(builder.gep(xd, [t]))
                if k.type != _I64:
                    k = builder.sext(k, _I64)
                base = builder.add(b_off_, builder.mul(k, ldb_))
                for v in range(NR // 16):
                    bv = _load_vec(builder, bd, builder.add(base, ir.Constant(_I64, 16 * v)), vb, vc)
                    builder.store(_madd(builder, builder.load(accs[v]), av, bv), accs[v])
            _store_accs(builder, cps, accs)
            return context.get_dummy_value()

        return sig, codegen

    return _row_gather_ir


_LIBM = ctypes.CDLL(ctypes.util.find_library("m") or None)
try:
    _LIBM.fma.restype = ctypes.c_double
    _LIBM.fma.argtypes = (ctypes.c_double,) * 3
    _fma64 = _LIBM.fma
except AttributeError:  # pragma: no cover - every C99 libm has fma

    def _fma64(a, b, c):
        return float(Fraction(a) * Fraction(b) + Fraction(c))  # exact, rounded once


def fma_py(a, b, c, t):
    """fma(a, b, c) in the NumPy float type ``t`` (a, b, c converted to it first), rounded once.

    float64: the C library's ``fma``.  float32: the product of two floats is exact in a double;
    the double sum ``s = p + c`` and its exact error ``e`` (Knuth's two-sum) give p + c = s + e
    exactly, and rounding s to float32 is the correct rounding of s + e unless s lies exactly
    half-way between two floats, where the sign of e decides."""
    a, b, c = t(a), t(b), t(c)
    if t is np.float64:
        return np.float64(_fma64(float(a), float(b), float(c)))
    p = float(a) * float(b)
    c = float(c)
    s = p + c
    bp = s - c
    e = (p - bp) + (c - (s - bp))
    r = np.float32(s)
    if e != 0.0 and not np.isinf(r) and float(r) != s:
        lo, hi = (r, np.nextafter(r, np.float32(np.inf))) if float(r) < s else (np.nextafter(r, np.float32(-np.inf)), r)
        mid = (float(lo) + float(hi)) / 2.0  # exact in a double
        if s == mid:
            r = hi if e > 0 else lo
    return r


def _epilogue_py(s, mode, e):
    """The store epilogue of the tiles (``mode`` & 3) on one element: NumPy scalars throughout."""
    epi = mode & 3
    if epi == EPI_RELU:
        return type(s)(0) if s < 0 else s
    if epi == EPI_MASK:
        return s if e > 0 else type(s)(0)
    return s


def _make_tile_py(NV):
    def _tile_py(A, a_off, a_rs, a_cs, B, b_off, ldb, C, c_off, ldc, K, I, i_off, i_rs, i_cs, E, e_off, e_ld, mode):
        t = C.dtype.type  # operands are converted to C's precision, as in the IR version
        for r in range(4):
            for j in range(16 * NV):
                s = t(0) if mode & INIT_ZERO else t(I[i_off + r * i_rs + j * i_cs])
                for k in range(K):
                    s = fma_py(A[a_off + r * a_rs + k * a_cs], B[b_off + k * ldb + j], s, t)
                e = E[e_off + r * e_ld + j] if mode & 3 == EPI_MASK else 0
                C[c_off + r * ldc + j] = _epilogue_py(s, mode, e)

    return _tile_py


def _make_row_gather_py(NR):
    def _row_gather_py(vals, idx, nk, B, b_off, ldb, C, c_off):
        ct = C.dtype.type
        for j in range(NR):
            s = C[c_off + j]
            for t in range(nk):
                s = fma_py(vals[t], B[b_off + idx[t] * ldb + j], s, ct)
            C[c_off + j] = s

    return _row_gather_py


def _wide_tiles():
    """True where Numba compiles for a CPU with AVX-512 (32 vector registers of 16 floats)."""
    from numba.core import config

    if config.CPU_NAME or config.CPU_FEATURES:  # a chosen target (e.g. a portable cache)
        return "+avx512f" in (config.CPU_FEATURES or "")
    return bool(binding.get_host_cpu_features().get("avx512f", False))


#: gemm_tiles' dense tile is 4 × 32 (AVX-512) or 4 × 16 (otherwise); the results are the same bits
WIDE_TILES = _wide_tiles()
_TW = 32 if WIDE_TILES else 16

if JIT_DISABLED:
    tile4x16 = _make_tile_py(1)
    tile4x32 = _make_tile_py(2)
    row_gather16 = _make_row_gather_py(16)
    row_gather64 = _make_row_gather_py(64)
    transpose16 = _transpose16_py

    def fma(a, b, c):
        return fma_py(a, b, c, type(c))

else:
    tile4x16 = _make_tile(1)
    tile4x32 = _make_tile(2)
    row_gather16 = _make_row_gather(16)
    row_gather64 = _make_row_gather(64)
    transpose16 = _transpose16_ir
    fma = _fma_ir

_tile_w = tile4x32 if WIDE_TILES else tile4x16


@intrinsic
def _sumsq8_ir(typingctx, x, n8, out):
    """out[j] = Σ_m float64(x[8m + j])² for m < n8 (m ascending; product then sum, each rounded):
    eight chains, one per lane of a vector accumulator.  Reads x's buffer directly: C-contiguous 1-D
    arrays only (anything else fails to compile, it cannot read out of bounds)."""
    for arr in (x, out):
        if not (isinstance(arr, types.Array) and arr.ndim == 1 and arr.layout == "C"):
            return None
    sig = types.void(x, n8, out)

    def codegen(context, builder, signature, args):
        x_, n8_, out_ = args
        tx = context.get_value_type(signature.args[0].dtype)
        vx, vd = ir.VectorType(tx, 8), ir.VectorType(ir.DoubleType(), 8)
        xd = _data(context, builder, signature.args[0], x_)
        od = _data(context, builder, signature.args[2], out_)
        acc = cgutils.alloca_once(builder, vd)
        builder.store(ir.Constant(vd, [0.0] * 8), acc)
        with cgutils.for_range(builder, n8_) as loop:
            v = _load_vec(builder, xd, builder.mul(loop.index, ir.Constant(_I64, 8)), vx, vd)
            builder.store(builder.fadd(builder.load(acc), builder.fmul(v, v)), acc)
        builder.store(builder.load(acc), _vec_ptr(builder, od, ir.Constant(_I64, 0), vd), align=8)
        return context.get_dummy_value()

    return sig, codegen


def _sumsq8_py(x, n8, out):
    for j in range(8):
        s = 0.0
        for m in range(n8):
            g = float(x[8 * m + j])
            s += g * g
        out[j] = s


#: the eight partial sums of squares of :func:`kernels.nn.mlp.sum_squares` (contiguous 1-D ``x``)
sumsq8 = _sumsq8_py if JIT_DISABLED else _sumsq8_ir


# Integer constants passed to another compiled function are typed Literal[int](value), and each
# new pattern of literals compiles that function again (gather_rows was compiled 7 times for one
# MLP); passing np.int64 values keeps one signature per dtype combination.
_I0, _I1, _I4, _I16 = np.int64(0), np.int64(1), np.int64(4), np.int64(16)

#: gemm_tiles packs B's column panels when B has more elements than this (below, B fits in the
#: L2 cache as it is and packing costs more than it saves)
PACK_MIN = 32768


@njit
def empty64(n, like):
    """``np.empty(n)`` of ``like``'s dtype with its data on a 64-byte boundary (Numba's own arrays
    start 32 bytes into a cache line, so a 16-float vector at a row start straddles two lines; the
    MLP forward pass ran ~6% slower on a θ off the boundary)."""
    raw = np.empty(n + 64 // like.itemsize, like.dtype)
    o = (64 - raw.ctypes.data % 64) % 64 // like.itemsize
    return raw[o : o + n]


@njit
def zeros64(n, like):
    """:func:`empty64` filled with zeros."""
    out = empty64(n, like)
    out[:] = 0
    return out


@njit
def gemm_tiles(A, a_off, a_rs, a_cs, M, K, B, b_off, ldb, N, C, c_off, ldc):
    """C[i, j] = fma-chain of A[i, k]·B[k, j] over k ascending, onto C's value, on flat arrays
    (offsets/strides in elements): :func:`gemm_ep` with C as its own init and no epilogue."""
    gemm_ep(A, a_off, a_rs, a_cs, M, K, B, b_off, ldb, N, C, c_off, ldc, C, c_off, ldc, _I1, C, _I0, _I0, _I0)


@njit
def _init_epi_rest(
    A, a_off, a_rs, a_cs, M, K, B, b_off, ldb, N, C, c_off, ldc, I, i_off, i_rs, i_cs, E, e_off, e_ld, mode
):
    """The elements the tiles do not cover (M × N block at the given offsets): init, then the row
    gathers (:func:`gather_rows`, same order of terms), then the epilogue."""
    zero = mode & INIT_ZERO
    epi = mode & 3
    z = C.dtype.type(0)
    for i in range(M):
        for j in range(N):
            C[c_off + i * ldc + j] = z if zero else I[i_off + i * i_rs + j * i_cs]
    gather_rows(A, a_off, a_rs, a_cs, M, K, B, b_off, ldb, N, C, c_off, ldc)
    if epi == EPI_RELU:
        for i in range(M):
            for j in range(N):
                v = C[c_off + i * ldc + j]
                C[c_off + i * ldc + j] = z if v < z else v
    elif epi == EPI_MASK:
        for i in range(M):
            for j in range(N):
                if not E[e_off + i * e_ld + j] > 0:
                    C[c_off + i * ldc + j] = z


@njit
def gemm_ep(A, a_off, a_rs, a_cs, M, K, B, b_off, ldb, N, C, c_off, ldc, I, i_off, i_rs, i_cs, E, e_off, e_ld, mode):
    """C[i, j] = epi(fma-chain of A[i, k]·B[k, j] over k ascending onto init[i, j]), on flat arrays
    (offsets/strides in elements).

    init[i, j] = +0 when ``mode & INIT_ZERO``, else ``I[i_off + i·i_rs + j·i_cs]`` with ``i_cs`` 0 or 1
    (C itself to add onto C; a bias row with ``i_rs = 0``; one bias per row with ``i_cs = 0``).
    ``mode & 3``: :data:`EPI_NONE`; :data:`EPI_RELU`, C = 0 where the sum is < 0; :data:`EPI_MASK`,
    C = the sum where ``E[e_off + i·e_ld + j] > 0``, else 0.  Fused into the tiles, they save a pass
    over C before (bias fill, zeroing) and after (activation, ReLU mask).

    Rows in blocks of 4 go through the dense register tile (4 × 32 where :data:`WIDE_TILES`, then
    one 4 × 16 for a remaining 16 columns; otherwise 4 × 16); the last M mod 4 rows and the N mod
    16 tail columns through :func:`gather_rows`.

    Large B (more than :data:`PACK_MIN` elements): column panels are the outer loop, each panel
    (K × tile width) first copied to a contiguous buffer that stays in cache while every row block
    uses it — as BLAS packs its panels.  Read in place, a panel's rows lie ``ldb`` elements apart,
    a power of two for the usual widths: at 512 they all fall into a few cache sets and evict each
    other, and with rows outer all of B streams from memory once per 4 rows.  Every element of C
    gets the same order of terms either way: the results are the same bits.
    """
    nb = N - N % 16
    nw = N - N % _TW
    m4 = M - M % 4
    if K * N > PACK_MIN and m4 > 4 and nb > 0:
        panel = empty64(K * _TW, B)
        for j0 in range(0, nb, _TW):
            w = _TW if j0 < nw else 16
            for k in range(K):
                src = b_off + k * ldb + j0
                for c in range(w):
                    panel[k * w + c] = B[src + c]
            for i in range(0, m4, 4):
                ci, ii, ei = c_off + i * ldc + j0, i_off + i * i_rs + j0 * i_cs, e_off + i * e_ld + j0
                ai = a_off + i * a_rs
                if w == _TW:
                    _tile_w(
                        A,
                        ai,
                        a_rs,
                        a_cs,
                        panel,
                        _I0,
                        np.int64(_TW),
                        C,
                        ci,
                        ldc,
                        K,
                        I,
                        ii,
                        i_rs,
                        i_cs,
                        E,
                        ei,
                        e_ld,
                        mode,
                    )
                else:
                    tile4x16(A, ai, a_rs, a_cs, panel, _I0, _I16, C, ci, ldc, K, I, ii, i_rs, i_cs, E, ei, e_ld, mode)
    else:
        for i in range(0, m4, 4):
            ai = a_off + i * a_rs
            for j0 in range(0, nb, _TW):
                ci, ii, ei = c_off + i * ldc + j0, i_off + i * i_rs + j0 * i_cs, e_off + i * e_ld + j0
                if j0 < nw:
                    _tile_w(A, ai, a_rs, a_cs, B, b_off + j0, ldb, C, ci, ldc, K, I, ii, i_rs, i_cs, E, ei, e_ld, mode)
                else:
                    tile4x16(A, ai, a_rs, a_cs, B, b_off + j0, ldb, C, ci, ldc, K, I, ii, i_rs, i_cs, E, ei, e_ld, mode)
    if nb < N:
        _init_epi_rest(
            A, a_off, a_rs, a_cs, m4, K, B, b_off + nb, ldb, N - nb, C, c_off + nb, ldc,
            I, i_off + nb * i_cs, i_rs, i_cs, E, e_off + nb, e_ld, mode,
        )  # fmt: skip
    if m4 < M:
        _init_epi_rest(
            A, a_off + m4 * a_rs, a_rs, a_cs, M - m4, K, B, b_off, ldb, N, C, c_off + m4 * ldc, ldc,
            I, i_off + m4 * i_rs, i_rs, i_cs, E, e_off + m4 * e_ld, e_ld, mode,
        )  # fmt: skip


@njit
def gather_rows(A, a_off, a_rs, a_cs, M, K, B, b_off, ldb, N, C, c_off, ldc):
    """C[i, :] = fma-chain of A[i, k]·B[k, :] over the k with A[i, k] ≠ 0, ascending, on flat arrays.

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
        # the last N − j0 (< 16) columns: their chains interleaved (t outer), each still in ascending t
        # (one chain after another was bound by the fma latency: a 2-wide head at batch 8 took ~2 µs)
        for t in range(nk):
            a = vals[t]
            bo = b_off + idx[t] * ldb
            for j in range(j0, N):
                C[co + j] = fma(a, B[bo + j], C[co + j])
