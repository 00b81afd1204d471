"""Ahead-of-time compiled units: the main job's fused loop, compiled when the package is built.

A new user's first ``fastfa run mountaincar-sarsa`` used to spend ~5 s of its ~8 s in Numba compiling
the one fused loop it runs (and the library code it calls): Numba's front end (type inference,
lowering) is the cost, not the machine code.  The units listed in :data:`UNITS` are therefore also
compiled at build time with ``numba.pycc`` into the extension module ``fastfa.kernels.loops._aot``;
:func:`fastfa.kernels.loops.specialise.specialise` hands out the ahead-of-time function instead of
compiling the unit when it is *the same unit*:

* the module's manifest (``_aot_manifest.json``, written beside it) names the kernel sources'
  fingerprint (:data:`fastfa.kernels._jit.KERNELS_FINGERPRINT`), the Numba version and each unit's
  bindings (bound functions by name, constants by value); any difference (an edited kernel, another
  Numba, another variant) and the unit is compiled by Numba as before;
* each call checks its arguments' Numba types against the compiled signature; other types (another
  dtype, a non-contiguous array) go to the Numba-compiled unit, compiled on first use.

The machine code targets the generic CPU of the platform (a wheel built here runs on any x86-64), with
the same floating-point operations in the same order as the Numba unit (no fast-math, no FMA
contraction in either): both give the same bits (tested).  The unit releases the GIL, like the Numba
unit, so populations still run one run per thread.  ``FASTFA_AOT=0`` in the environment ignores the
module (everything is compiled by Numba), as does ``NUMBA_BOUNDSCHECK=1`` (the built code checks no
index); ``FASTFA_NO_AOT=1`` at build time does not build it.

``numba.pycc`` is deprecated in Numba; where it is missing or fails, the build goes on without the
module and every unit is compiled by Numba as before (a warning says so).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

#: The units compiled ahead of time: (template name, cache key); :data:`_BUILDERS` gives each one's
#: template, bindings and sample arguments.  ``fastfa run mountaincar-sarsa`` (the README's main job)
#: and ``Sarsa("MountainCar-v0").learn`` run this one.
UNITS = (("control_run_tpl", "MountainCar-v0_sarsa"),)

MODULE = "_aot"
MANIFEST = "_aot_manifest.json"


def export_name(template_name: str, key: str) -> str:
    """The exported symbol of a unit: ``<template>__<key>`` with non-identifier characters as ``_``."""
    import re

    return template_name + "__" + re.sub(r"\W", "_", key)


def describe(bindings: dict) -> dict:
    """The bindings of a unit as plain strings: bound functions by module-qualified name (the
    ``fastfa.`` prefix of an installed package dropped, so that build and run agree), constants by
    type and value."""
    out = {}
    for name in sorted(bindings):
        v = bindings[name]
        fn = getattr(v, "py_func", None)
        if fn is not None or callable(v):
            fn = fn or v
            mod = fn.__module__
            out[name] = "fn:" + (mod[len("fastfa.") :] if mod.startswith("fastfa.") else mod) + "." + fn.__qualname__
        else:
            out[name] = f"{type(v).__name__}:{v!r}"
    return out


def arg_types(args) -> list:
    """The Numba types of ``args`` as strings (a namedtuple's type names its class, not its module)."""
    from numba import typeof

    return [str(typeof(a)) for a in args]


def _mountaincar_sarsa():
    """Template, bindings and sample arguments of the MountainCar-v0 SARSA unit (as
    ``fastfa.agents.compiled_control.env_unit`` binds it for the built-in twin)."""
    import numpy as np

    from ..codes import Alg
    from ..envs import classic as C
    from . import control_loop as L

    params = C.mountaincar_params(0.0)
    bindings = dict(
        ENV_RESET=C.mountaincar_reset,
        ENV_STEP=C.mountaincar_env_step,
        ENV_OBSERVE=C.mountaincar_observe,
        OBS_F32=True,
        OBS_DIM=2,
        PARAMS_N=int(params.shape[0]),  # the classic twins read params as a tuple (params_tuple)
        STATE_SIZE=2,
        ALG=int(Alg.SARSA),
    )
    rng = np.random.default_rng(0)
    sample = (
        params,
        np.zeros(2),
        rng,
        np.zeros((5, 2)),
        np.zeros(8, np.int64),
        np.zeros((4, 3)),
        L.make_hp(0.1, 1.0),
        L.make_budget(1),
        rng,
        np.zeros(1, np.int64),
        np.zeros(1),
    )
    return L.control_run_tpl, bindings, sample


_BUILDERS = {"MountainCar-v0_sarsa": _mountaincar_sarsa}


def build(output_path: str) -> dict:
    """Compile :data:`UNITS` into the extension module at ``output_path`` (its full file name, suffix
    included) and write the manifest beside it; returns the manifest.  Used by ``setup.py``."""
    import types

    import numba
    from numba import typeof
    from numba import types as nt
    from numba.pycc import CC
    from numba.pycc import compiler as pycc_compiler

    from .._jit import KERNELS_FINGERPRINT

    out = Path(output_path)
    cc = CC(MODULE)
    cc.output_dir = str(out.parent)
    cc.output_file = out.name
    cc.verbose = False
    units = {}
    for tname, key in UNITS:
        template, bindings, sample = _BUILDERS[key]()
        name = export_name(tname, key)
        fn = types.FunctionType(template.__code__, {**template.__globals__, **bindings}, name, template.__defaults__)
        fn.__module__ = template.__module__
        sig = nt.UniTuple(nt.int64, 2)(*[typeof(a) for a in sample])
        cc.export(name, sig)(fn)
        units[name] = {"template": tname, "key": key, "bindings": describe(bindings), "args": arg_types(sample)}

    # the exported wrappers release the GIL during the call, like the Numba units (``nogil=True``)
    class _Flags(pycc_compiler.Flags):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.release_gil = True

    saved = pycc_compiler.Flags
    pycc_compiler.Flags = _Flags
    try:
        cc.compile()
    finally:
        pycc_compiler.Flags = saved
    manifest = {"fingerprint": KERNELS_FINGERPRINT, "numba": numba.__version__, "units": units}
    (out.parent / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


_LOADED: dict = {}


def lookup(template_name: str, key: str, bindings: dict):
    """The ahead-of-time function of the unit (``template_name``, ``key``) with these ``bindings`` and
    its expected argument types, or None (no module, disabled, or not the same unit)."""
    if os.environ.get("FASTFA_AOT", "1") in ("0", "") or _boundscheck():
        return None
    if "mod" not in _LOADED:
        _LOADED["mod"] = _load()
    mod, manifest = _LOADED["mod"]
    if mod is None:
        return None
    name = export_name(template_name, key)
    entry = manifest["units"].get(name)
    if not isinstance(entry, dict) or entry.get("bindings") != describe(bindings):
        return None
    fn = getattr(mod, name, None)
    args = entry.get("args")
    if fn is None or not isinstance(args, list):
        return None
    return fn, args


def _boundscheck() -> bool:
    """``NUMBA_BOUNDSCHECK=1``: every index must be checked, and the built code checks none."""
    from numba.core import config

    return bool(config.BOUNDSCHECK)


def valid_manifest(manifest) -> bool:
    """Whether ``manifest`` (the parsed ``_aot_manifest.json``) was built from these kernel sources by
    this Numba (and has the expected shape)."""
    import numba

    from .._jit import KERNELS_FINGERPRINT

    return (
        isinstance(manifest, dict)
        and manifest.get("fingerprint") == KERNELS_FINGERPRINT
        and manifest.get("numba") == numba.__version__
        and isinstance(manifest.get("units"), dict)
    )


def _load():
    """The module and its manifest if both are present and match these kernel sources and this Numba."""
    import importlib

    try:
        manifest = json.loads((Path(__file__).resolve().parent / MANIFEST).read_text())
    except (OSError, ValueError):
        return None, None
    if not valid_manifest(manifest):
        return None, None
    try:
        mod = importlib.import_module(__name__.rsplit(".", 1)[0] + "." + MODULE)
    except ImportError:
        return None, None
    return mod, manifest


def status() -> str:
    """One line for ``fastfa info``: whether the built units are present and in use, and why not."""
    try:
        manifest = json.loads((Path(__file__).resolve().parent / MANIFEST).read_text())
    except (OSError, ValueError):
        return "not built (installed with FASTFA_NO_AOT / FASTFA_NO_EXT, or the build could not make it)"
    if not valid_manifest(manifest):
        return "built, NOT used: kernel sources or Numba differ from the build's (reinstall to rebuild)"
    if os.environ.get("FASTFA_AOT", "1") in ("0", ""):
        return "built, NOT used: FASTFA_AOT=0"
    if _boundscheck():
        return "built, NOT used: NUMBA_BOUNDSCHECK=1"
    return "in use: " + ", ".join(sorted(manifest["units"]))
