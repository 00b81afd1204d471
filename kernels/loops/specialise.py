"""Specialise a template loop on the functions it calls: one small compiled unit per (env, variant).

A fused loop (e.g. :func:`fastfa.kernels.loops.control_loop.control_run_tpl`) is written once, calling
``ENV_RESET`` / ``ENV_STEP`` / ``ENV_OBSERVE`` and reading constants such as ``ALG`` as *globals*.
:func:`specialise` copies the template's code object into a new function whose globals bind those
names to one environment's jitted functions and one variant's constants, and compiles it.  Numba
sees the env functions as constants: it inlines them as if the loop had been written by hand for
that env, and compiles only the branches the variant uses (a constant ``ALG`` prunes the others).

Why not pass the env functions as arguments, or close over them?  Both compile to the same
machine code, but neither can be cached: a dispatcher argument makes the signature depend on a
function type, and a closure pickles the dispatcher with a per-process id.  A rebound global is
an ordinary module global to Numba's cache, so each specialisation gets its own cache file
(``<module>.<template>__<key>-<line>.py311.nbi``) and loads in a new process in well under a
second.  That is used for the built-in environments (``key`` is their id, ``cache=True``).  A
user's environment has no stable identity across processes, so its specialisation is compiled
once per process (``cache=False``).

A helper shared by several templates (DQN's per-seed step, bound as ``SEED_STEP`` into the
single-seed and the population loop) is specialised the same way with ``inline=True``: Numba
inlines it into each caller's IR (``inline="always"``), so it is never compiled on its own and the
caller's cache name records it.

Caveat (Numba's own, for every cached function): a cached unit is invalidated when the
template's source file changes, not when a bound function's file does.  So a cached unit's name
also carries a checksum of the bound functions' source files (file name and contents, not path or
modification time, so that the cache built with the package stays valid where it is installed):
editing an env's file gives its loops a new cache entry instead of a stale one.
"""

import os
import re
import threading
import types
import zlib

from .._jit import JIT_DISABLED, njit

_UNITS = {}
_LOCK = threading.Lock()


def specialise(template, key, cache, *, inline=False, **bindings):
    """The compiled ``template`` with its globals ``bindings`` replaced; memoised per process.

    ``key``: a stable name for a cached unit (built-in env id + variant), or None for a per-process
    unit (a user's env).  ``bindings``: global name -> jitted function or constant.  ``inline``: a
    helper that Numba inlines into its callers' IR (``inline="always"``: never compiled on its own,
    typed and optimised once inside each caller).
    """
    # functions by identity, constants by value (an int above 256 is a new object at every call: by
    # identity, an env with a 300-long observation would have been re-specialised and recompiled each time)
    memo = (template, key, cache, inline, tuple(sorted((n, _memo_id(v)) for n, v in bindings.items())))
    with _LOCK:  # threads of a population ask for the same unit at once: one dispatcher, one compile
        unit = _UNITS.get(memo)
        if unit is None:
            unit = _UNITS[memo] = _make_unit(template, key, cache, bindings, inline)
    return unit[0]


def _make_unit(template, key, cache, bindings, inline=False):
    jit = _jit_unit(template, key, cache, bindings, inline)
    if inline:
        return jit
    if cache and key is not None and not JIT_DISABLED:
        from . import aot

        found = aot.lookup(template.__name__, key, bindings)
        if found is not None:  # compiled when the package was built: no compilation in this process
            return (AotUnit(found[0], found[1], jit[0]), bindings)
    return jit


class AotUnit:
    """An ahead-of-time compiled unit (:mod:`fastfa.kernels.loops.aot`): called with the argument types
    it was compiled for it runs the built function; with any others, the Numba unit ``jit`` (compiled
    on first use).  Other attributes are the Numba unit's."""

    def __init__(self, fn, arg_types, jit):
        self.aot = fn
        self.arg_types = arg_types
        self.jit = jit

    def __call__(self, *args):
        from .aot import arg_types

        if arg_types(args) == self.arg_types:
            return self.aot(*args)
        return self.jit(*args)

    def __getattr__(self, name):
        if name in ("aot", "arg_types", "jit"):  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.jit, name)


def _jit_unit(template, key, cache, bindings, inline=False):
    suffix = re.sub(r"\W", "_", key) + _stamp(bindings) if key is not None else "user%d" % len(_UNITS)
    fn = types.FunctionType(
        template.__code__,
        {**template.__globals__, **bindings},
        template.__name__ + "__" + suffix,
        template.__defaults__,
    )
    fn.__qualname__ = template.__qualname__ + "__" + suffix
    fn.__module__ = template.__module__
    fn.__doc__ = template.__doc__
    if JIT_DISABLED:
        unit = fn
    elif inline:
        unit = njit(cache=False, inline="always")(fn)
    else:
        unit = njit(cache=bool(cache) and key is not None)(fn)
    return (unit, bindings)  # keep the bound objects alive: ids in the memo key stay unique


def _memo_id(v):
    return (type(v), v) if isinstance(v, (bool, int, float, str)) else id(v)


def _stamp(bindings):
    """``_<crc32>`` of the source files (file name and contents) of the bound jitted functions."""
    parts = []
    for name in sorted(bindings):
        code = getattr(getattr(bindings[name], "py_func", None), "__code__", None)
        if code is None:
            continue
        parts.append(_file_crc(code.co_filename))
        if getattr(bindings[name], "targetoptions", {}).get("inline") == "always":  # inlined into this unit:
            parts.append("inline:" + bindings[name].py_func.__name__)  # its name (key) is part of the code
    return "_%08x" % zlib.crc32("|".join(parts).encode())


def _file_crc(path):
    """``<file name>:<crc32 of its bytes>`` (the name alone when it cannot be read)."""
    try:
        with open(path, "rb") as f:
            return "%s:%08x" % (os.path.basename(path), zlib.crc32(f.read()))
    except OSError:
        return os.path.basename(path)
