"""Environments: gymnasium envs registered under ``fastfa/...`` ids, and their compiled twins.

Each environment module holds a gymnasium ``Env`` class and, where there is
one, a compiled twin: a :class:`CompiledEnv` (``reset`` / ``step`` / ``observe``,
three ``@njit`` functions on a float64 state array, in ``fastfa.kernels``), which
every fused loop runs.  Users write their own environments the same way.  The gymnasium class and the twin give the same observations,
rewards and terminations for the same actions and start state.

Registration here is cheap (entry points are strings), so ``import fastfa``
stays fast.  :func:`make` returns a compiled twin when asked for one.
"""

from __future__ import annotations

from typing import Any

import gymnasium

from ._registry import COMPILED_ENVS, COMPILED_TWINS, REGISTRY, compiled_env_for, register_all
from .check import check_compiled_env
from .compiled import CompiledEnv

register_all()

__all__ = [
    "COMPILED_ENVS",
    "COMPILED_TWINS",
    "REGISTRY",
    "CompiledEnv",
    "check_compiled_env",
    "compiled_env_for",
    "make",
]


def make(env_id: str, compiled: bool = False, **kwargs: Any) -> gymnasium.Env:
    """Create an environment.

    Args:
        env_id: a gymnasium id (``"MountainCar-v0"``) or a fastfa id
            (``"fastfa/RandomWalk1000-v0"``).
        compiled: if True, return the gymnasium-compatible env backed by the
            compiled (Numba) twin of ``env_id``; raises ``ValueError`` if the id
            has no twin.  If False, this is ``gymnasium.make(env_id, **kwargs)``.
        **kwargs: passed to the environment constructor.
    """
    if not isinstance(env_id, str):
        raise TypeError(f"env_id must be a str, got {type(env_id).__name__}")
    if compiled is not True and compiled is not False:
        raise TypeError(f"compiled must be True or False, got {compiled!r}")
    if compiled:
        entry = COMPILED_TWINS.get(env_id)
        if entry is None:
            known = ", ".join(sorted(COMPILED_TWINS)) or "none yet"
            raise ValueError(f"env_id {env_id!r} has no compiled twin; known: {known}")
        return gymnasium.make(entry, **kwargs)
    return gymnasium.make(env_id, **kwargs)


def __getattr__(name):
    # lazily expose helpers of env modules, e.g. fastfa.envs.randomwalk_true_values
    from ._registry import LAZY_ATTRS

    if name in LAZY_ATTRS:
        import importlib

        mod = importlib.import_module(LAZY_ATTRS[name], __name__)
        return getattr(mod, name)
    raise AttributeError(f"module 'fastfa.envs' has no attribute {name!r}")
