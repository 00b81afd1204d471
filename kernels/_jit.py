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

import functools
import hashlib
import os
import re
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


#: The Numba cache built with the package (``setup.py``'s prebuild step, :mod:`fastfa._prebuild`): the
#: kernels that the listed experiments compile, compiled for the build machine's CPU.  One folder per
#: kernel source folder, relative to this package, so that it stays valid wherever the package is
#: installed (Numba's source stamps are content hashes).
PREBUILT_DIR = Path(__file__).resolve().parent / "_prebuilt"
_KERNELS_ROOT = PREBUILT_DIR.parent


def prebuilt_mode() -> str | None:
    """``"write"`` while the package is being built (``FASTFA_PREBUILD=<lane>``: compiled kernels are
    saved to ``PREBUILT_DIR/<lane>``, one folder per build process, so that two processes never write
    one index), ``"read"`` normally (a kernel missing from the user's cache is looked up in every lane's
    folder before it is compiled), None when turned off: ``FASTFA_AOT=0`` (nothing built ahead of time
    is used) or ``NUMBA_BOUNDSCHECK=1`` (the built code checks no index, and Numba's cache key does not
    record the flag)."""
    if os.environ.get("FASTFA_PREBUILD", "") not in ("", "0"):
        return "write"
    if os.environ.get("FASTFA_AOT", "1") in ("0", ""):
        return None
    from numba.core import config

    return None if config.BOUNDSCHECK else "read"


@functools.lru_cache(maxsize=1)
def _prebuilt_lanes() -> tuple[Path, ...]:
    """The lane folders of :data:`PREBUILT_DIR` (none when it is absent); listed once per process, not
    once per kernel (every kernel's cache asks at import)."""
    try:
        return tuple(sorted(p for p in PREBUILT_DIR.iterdir() if p.is_dir()))
    except OSError:
        return ()


try:
    from numba.core.caching import FunctionCache as _FunctionCache
    from numba.core.caching import IndexDataCacheFile as _IndexDataCacheFile

    class _KernelTreeCache(_FunctionCache):
        """Numba's function cache with :data:`KERNELS_FINGERPRINT` in every index key, backed by the
        prebuilt cache (:data:`PREBUILT_DIR`): a signature not in the user's cache is loaded from
        there when it was built for this CPU, these kernel sources and this Numba (all part of the
        key or the index), and compiled otherwise."""

        def __init__(self, py_func):
            super().__init__(py_func)
            self._prebuilt = None
            mode = prebuilt_mode()
            if mode is None:
                return
            try:
                rel = Path(self._impl.locator._py_file).resolve().parent.relative_to(_KERNELS_ROOT)
            except (AttributeError, ValueError, OSError):  # not a file of this package
                return

            def index(lane: Path):
                return _IndexDataCacheFile(
                    cache_path=str(lane / rel),
                    filename_base=self._impl.filename_base,
                    source_stamp=self._impl.locator.get_source_stamp(),
                )

            if mode == "write":
                lane = PREBUILT_DIR / re.sub(r"\W", "_", os.environ["FASTFA_PREBUILD"])
                (lane / rel).mkdir(parents=True, exist_ok=True)
                self._cache_file = index(lane)  # the build saves (and loads) there only
            else:
                self._prebuilt = [index(lane) for lane in _prebuilt_lanes()]

        def _index_key(self, sig, codegen):
            return (*super()._index_key(sig, codegen), KERNELS_FINGERPRINT)

        def _load_overload(self, sig, target_context):
            data = super()._load_overload(sig, target_context)
            if data is not None and not _same_args(data, sig):
                # Numba's index can name another signature's data file when two processes save one
                # function at once: running that code would misread its arguments
                data = None
            if data is None and self._prebuilt and self._enabled:
                key = self._index_key(sig, target_context.codegen())
                for prebuilt in self._prebuilt:
                    data = _checked(self._impl, prebuilt, key, sig, target_context)
                    if data is not None:
                        break
            return data

    def _checked(impl, prebuilt, key, sig, target_context):
        """The entry ``key`` of ``prebuilt``, rebuilt, if it is readable and compiled for ``sig``'s
        argument types (code for other types would misread its arguments); else None (compile)."""
        try:
            raw = prebuilt.load(key)
            if raw is None:
                return None
            data = impl.rebuild(target_context, raw)
            return data if _same_args(data, sig) else None
        except Exception:  # noqa: BLE001 - an unreadable prebuilt entry: compile instead
            return None

    def _same_args(cres, sig) -> bool:
        """Whether the loaded compile result ``cres`` was compiled for ``sig``'s argument types."""
        try:
            return tuple(cres.signature.args) == tuple(getattr(sig, "args", sig))
        except (AttributeError, TypeError):
            return False

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
