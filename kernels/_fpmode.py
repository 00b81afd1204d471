"""Denormals flushed to zero inside the network kernels (x86 MXCSR FTZ + DAZ), the caller's mode restored.

A float32 network trained with Adam leaves many of its moment estimates in the subnormal range
(below 1.2e-38): a unit that gets no gradient for a while has its first moment multiplied by β₁ =
0.9 every step, and spends about 150 steps in the subnormal range on its way to zero.  On Intel
cores a multiply or add with a subnormal operand or result takes a microcode assist (of the order
of a hundred cycles); AMD Zen handles most such cases in hardware.  Measured on an Intel Xeon (Sapphire Rapids, AVX-512) with
the CartPole DQN defaults: after 50k env steps 1,277 of the 4,610 Adam first moments were
subnormal, and the 50k-step run took 2.34 s instead of 1.32 s with flush-to-zero (not measured
on an AMD EPYC).  XLA (hence JAX) and TensorFlow run their CPU kernels with the same two bits set.

:func:`flush_enter` sets FTZ (results that would be subnormal become ±0) and DAZ (subnormal
operands read as ±0) and returns the previous MXCSR; :func:`flush_exit` restores it.  The network
kernels (``kernels/nn``: the forward and backward passes, Adam, RMSprop, the DQN and A2C update
steps) each bracket their arithmetic with the pair, so:

* every fastfa path (Python loop, compiled loop, a population, one seed) computes the same bits
  — they all call those kernels;
* the mode never leaks: the caller's Python code, NumPy and other threads (MXCSR is per thread)
  keep IEEE subnormals.  Kernels between an enter and its exit do not raise.

Everything else (environments, tile coding, the linear learners, replay) runs in the caller's
mode.  On other CPUs (not x86-64) and under ``NUMBA_DISABLE_JIT=1`` the two functions do nothing,
and results can differ from an x86 run in the last bits where a subnormal occurs.
"""

from __future__ import annotations

import platform

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from ._jit import JIT_DISABLED, njit

#: MXCSR bits: FTZ (flush to zero, bit 15) | DAZ (denormals are zero, bit 6)
FTZ_DAZ = 0x8040

X86 = platform.machine().lower() in ("x86_64", "amd64", "x86-64")

_I8P = ir.IntType(8).as_pointer()


def _mxcsr_call(builder, name, slot):
    fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [_I8P]), name)
    builder.call(fn, [builder.bitcast(slot, _I8P)])


@intrinsic
def _get_mxcsr(typingctx):
    def codegen(context, builder, signature, args):
        slot = cgutils.alloca_once(builder, ir.IntType(32))
        _mxcsr_call(builder, "llvm.x86.sse.stmxcsr", slot)
        return builder.zext(builder.load(slot), ir.IntType(64))

    return types.int64(), codegen


@intrinsic
def _set_mxcsr(typingctx, value):
    def codegen(context, builder, signature, args):
        slot = cgutils.alloca_once(builder, ir.IntType(32))
        builder.store(builder.trunc(args[0], ir.IntType(32)), slot)
        _mxcsr_call(builder, "llvm.x86.sse.ldmxcsr", slot)
        return context.get_dummy_value()

    return types.void(types.int64), codegen


if X86 and not JIT_DISABLED:

    @njit
    def get_mode():
        """The calling thread's MXCSR (x86 only; 0 elsewhere)."""
        return _get_mxcsr()

    @njit
    def flush_enter():
        """Set FTZ and DAZ in the calling thread; returns the previous MXCSR (for :func:`flush_exit`)."""
        old = _get_mxcsr()
        _set_mxcsr(old | FTZ_DAZ)
        return old

    @njit
    def flush_exit(old):
        """Restore the MXCSR saved by :func:`flush_enter`."""
        _set_mxcsr(old)

else:

    @njit
    def get_mode():
        """The calling thread's MXCSR (x86 only; 0 elsewhere)."""
        return 0

    @njit
    def flush_enter():
        """No-op on this CPU (or with the JIT disabled): returns 0."""
        return 0

    @njit
    def flush_exit(old):
        """No-op on this CPU (or with the JIT disabled)."""
        return None
