"""The one place where fastfa decorates Numba kernels.

``njit`` applies ``cache=True, nogil=True`` by default.  Numba writes its cache
next to the installed module, or in ``~/.cache/numba`` when that is read-only;
when neither is writable, ``numba.njit(cache=True)`` raises at decoration time
(import).  This wrapper falls back to ``cache=False`` with a warning instead of
breaking ``import fastfa``.  Point ``NUMBA_CACHE_DIR`` at a writable folder to
keep caching in that case.

Under ``NUMBA_DISABLE_JIT=1`` the decorated functions are plain Python (useful
for debugging and for the interpreted test run).
"""

from __future__ import annotations

import os
import warnings

import numba

JIT_DISABLED = os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")

_warned = False


def njit(*args, **kwargs):
    """``numba.njit`` with ``cache=True, nogil=True`` defaults and a safe cache fallback.

    Use as ``@njit`` or ``@njit(parallel=True)``.
    """
    kwargs.setdefault("cache", True)
    kwargs.setdefault("nogil", True)

    def decorate(fn):
        global _warned
        try:
            return numba.njit(**kwargs)(fn)
        except RuntimeError as err:  # "cannot cache function ...: no locator available"
            if not kwargs.get("cache"):
                raise
            if not _warned:
                warnings.warn(
                    f"fastfa: numba cannot write its cache ({err}); compiling without cache. "
                    "Set NUMBA_CACHE_DIR to a writable directory to keep compiled kernels.",
                    RuntimeWarning,
                    stacklevel=3,
                )
                _warned = True
            kw = dict(kwargs, cache=False)
            return numba.njit(**kw)(fn)

    if args and callable(args[0]) and len(args) == 1:
        return decorate(args[0])
    if args:
        raise TypeError("njit: pass options as keyword arguments")
    return decorate


def py_func(dispatcher):
    """The pure-Python function behind a dispatcher (itself when JIT is disabled)."""
    return getattr(dispatcher, "py_func", dispatcher)


if JIT_DISABLED:

    def fixed_tuple(a, n):
        """The first ``n`` entries of the 1-D array ``a`` as a tuple (interpreted: ``tuple(a[:n])``)."""
        return tuple(a[:n])
else:
    # compiled: ``n`` must be a compile-time constant; the tuple then lives in registers
    from numba.np.unsafe.ndarray import to_fixed_tuple as fixed_tuple  # noqa: F401


class LiteralCall:
    """Call a jitted function whose first argument goes through ``numba.literally`` without re-typing.

    Numba's dispatcher matches arguments by their plain types (``int64``), which never equal the
    compiled ``Literal[int](k)`` signature: every call then falls back to ``_compile_for_args``,
    runs type inference over the whole function until ``literally`` asks for the literal, and only
    then finds the compiled code -- 0.1-0.3 s per call for the DQN loop (so a 50k-step run in 10k
    chunks paid over a second).  This keeps, per (literal value, Numba types of the other
    arguments), the compiled entry point the dispatcher chose, and calls it directly; a new
    combination goes through the dispatcher once.  The key holds every argument's Numba type, so
    the entry point is only ever called with exactly the types it was compiled for.
    """

    def __init__(self, dispatcher) -> None:
        self.dispatcher = dispatcher
        self._entry: dict = {}

    def __call__(self, literal, *args):
        if JIT_DISABLED or not hasattr(self.dispatcher, "overloads"):
            return self.dispatcher(literal, *args)
        key = (int(literal),) + tuple(numba.typeof(a) for a in args)
        fn = self._entry.get(key)
        if fn is not None:
            return fn(literal, *args)
        out = self.dispatcher(literal, *args)
        for sig, cres in self.dispatcher.overloads.items():
            first = sig[0]
            if getattr(first, "literal_value", None) == key[0] and tuple(sig[1:]) == key[1:]:
                self._entry[key] = cres.entry_point
                break
        return out
