"""fastfa.policies: see the module docstrings of the submodules listed in _LAZY.

Public names are loaded lazily (importing this package does not compile or
import kernels).  To add a public name, add one line to _LAZY:
`"Name": ".module"`.
"""
from __future__ import annotations

import importlib

_LAZY: dict[str, str] = {
    "SoftmaxLinear": ".softmax_linear",
    "GaussianLinear": ".gaussian_linear",
    "SoftmaxMLP": ".mlp_policies",
    "GaussianMLP": ".mlp_policies",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(mod, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
