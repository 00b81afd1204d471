"""The one place where fastfa decorates Numba kernels.

``njit`` applies ``cache=True, nogil=True`` by default.  Numba writes its cache
next to the installed module, or in ``~/.cache/numba`` when that is read-only;
when neither is writable, ``numba.njit(cache=True)`` raises at decoration time
(import).  This wrapper falls back to ``cache=False`` with a warning instead of
breaking ``import fastfa``.  Point ``NUMBA_CACHE_DIR`` at a writable folder to
keep caching in that case.

Numba invalidates a cached function when its own source file changes, not when
a function it calls (and inlines) changes in another file: after an edit of
``kernels/nn/mlp_layers.py`` the cached DQN and A2C loops kept running the old
layer code.  Every cached kernel's index key therefore also carries
:data:`KERNELS_FINGERPRINT`, a hash of all kernel sources: editing any kernel
recompiles the cached units instead of loading stale ones.

Under ``NUMBA_DISABLE_JIT=1`` the decorated functions are plain Python (useful
for debugging and for the interpreted test run).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import numba

JIT_DISABLED = os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")


def kernels_fingerprint(root: Path | None = None) -> str:
    """sha256 over the path and bytes of every ``*.py`` file under ``root`` (default: this package)."""
    root = Path(__file__).resolve().parent if root is None else Path(root)
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


#: Part of every cached kernel's index key (module docstring).
KERNELS_FINGERPRINT = kernels_fingerprint()


try:
    from numba.core.caching import FunctionCache as _FunctionCache

    class _KernelTreeCache(_FunctionCache):
        """Numba's function cache with :data:`KERNELS_FINGERPRINT` in every index key."""

        def _index_key(self, sig, codegen):
            return (*super()._index_key(sig, codegen), KERNELS_FINGERPRINT)

except (ImportError, AttributeError):  # pragma: no cover - another Numba
    _FunctionCache = None


def _tree_cache(dispatcher):
    """Give ``dispatcher`` a cache whose index key carries :data:`KERNELS_FINGERPRINT` (left as it
    is if this Numba's internals differ)."""
    if _FunctionCache is not None and isinstance(getattr(dispatcher, "_cache", None), _FunctionCache):
        dispatcher._cache = _KernelTreeCache(dispatcher.py_func)
    return dispatcher


_warned = False


def njit(*args, **kwargs):
    """``numba.njit`` with ``cache=True, nogil=True`` defaults and a safe cache fallback.

    The error model stays Numba's default ("python": an integer or float division by zero raises
    ZeroDivisionError), a second guard behind the Python layer's validation of sizes and moduli.
    Float element loops that must vectorise opt out with ``error_model="numpy"`` (IEEE x/0), each
    where its divisor cannot be zero or a non-finite result is caught (RMSprop, Adam, tanh).

    Use as ``@njit`` or ``@njit(parallel=True)``.
    """
    kwargs.setdefault("cache", True)
    kwargs.setdefault("nogil", True)

    def decorate(fn):
        global _warned
        try:
            d = numba.njit(**kwargs)(fn)
            return _tree_cache(d) if kwargs.get("cache") and not JIT_DISABLED else d
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
