"""Lazy public names for fastfa's subpackages (PEP 562): import on first attribute access."""

from __future__ import annotations

import importlib
from typing import Callable


def lazy_names(package: str, namespace: dict, table: dict[str, str]) -> tuple[Callable, Callable]:
    """Module ``__getattr__`` and ``__dir__`` for ``package`` loading ``table[name]`` (a relative
    module) on first access and caching the value in ``namespace`` (the package's globals)."""

    def __getattr__(name: str):
        mod = table.get(name)
        if mod is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(mod, package), name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
