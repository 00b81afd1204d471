"""``fastfa info``: what a bug report needs (versions, CPU, Numba cache folder, compiled extensions)."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from ._version import __version__

_FLAGS = ("sse4.2", "avx", "avx2", "fma", "avx512f", "avx512vl", "avx512bw", "neon", "sve")


def _version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _llvm_cpu() -> tuple[str, list[str]]:
    """LLVM's name for the host CPU and the vector flags it will target (what Numba compiles for)."""
    try:
        import llvmlite.binding as ll

        feats = ll.get_host_cpu_features()
        on = [f for f in _FLAGS if feats.get(f, False)]
        return ll.get_host_cpu_name(), on
    except Exception as err:  # pragma: no cover - llvmlite without host info
        return f"unknown ({err})", []


def numba_cache_dir() -> tuple[str, bool]:
    """The folder where Numba caches fastfa's kernels, and whether it is writable.

    Follows Numba's own search: ``NUMBA_CACHE_DIR`` if set, else ``__pycache__`` next to the
    installed kernels, else the user-wide cache (``~/.cache/numba`` on Linux).  Returns
    ``("none", False)`` when no candidate is writable (fastfa then compiles without cache).
    """
    from numba.core import caching

    from .kernels import _jit

    impl: Any = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl")  # noqa: B009  (renamed in numba 0.6x)
    source = _jit.__file__

    def probe():  # pragma: no cover - never called, only located
        return None

    first = None
    for cls in impl._locator_classes:
        loc = cls.from_function(probe, source)
        if loc is None:
            continue
        first = first or loc.get_cache_path()
        try:
            loc.ensure_cache_path()
        except OSError:
            continue
        return loc.get_cache_path(), True
    return (first or "none"), False


def info_lines() -> list[str]:
    import numba

    import fastfa.buffers as fb
    import fastfa.tiles3 as t3

    from . import _prebuild
    from .kernels.loops import aot

    cache, writable = numba_cache_dir()
    llvm_name, flags = _llvm_cpu()
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        affinity = os.cpu_count() or 1
    jit_off = os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")
    return [
        f"fastfa        {__version__} ({Path(__file__).parent})",
        f"python        {platform.python_version()} ({sys.executable})",
        f"platform      {platform.platform()}",
        f"numpy         {_version_of('numpy')}",
        f"numba         {numba.__version__} (llvmlite {_version_of('llvmlite')}; JIT "
        f"{'DISABLED by NUMBA_DISABLE_JIT' if jit_off else 'on'})",
        f"gymnasium     {_version_of('gymnasium')}",
        f"extensions    tiles3 compiled: {t3.COMPILED}; replay compiled: {fb.COMPILED}",
        f"prebuilt      main-job loop: {aot.status()}",
        f"              experiments' kernels: {_prebuild.status()}",
        f"cache         numba caches kernels in {cache} "
        f"({'writable' if writable else 'NOT writable: kernels compile in every process'}; "
        f"NUMBA_CACHE_DIR={os.environ.get('NUMBA_CACHE_DIR', 'unset')})",
        f"cpu           {_cpu_model()} (LLVM target {llvm_name}: {' '.join(flags) or 'no listed vector flags'})",
        f"threads       {affinity} usable CPUs of {os.cpu_count()}; numba threads {numba.config.NUMBA_NUM_THREADS}",  # type: ignore[attr-defined]
    ]


def main() -> int:
    print("\n".join(info_lines()))
    return 0
