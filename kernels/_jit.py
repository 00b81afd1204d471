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
