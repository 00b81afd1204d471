"""fastfa: fast reinforcement learning with function approximation.

Tile coding and other features, linear TD / SARSA / Q-learning with traces,
DQN, REINFORCE and actor-critic, with compiled kernels (Numba and Cython)
under a thin, validating Python layer.

Importing ``fastfa`` is cheap: it registers the ``fastfa/...`` gymnasium
environment ids and nothing else.  Submodules load (and kernels compile, or
load from the Numba cache) on first use.

Public names::

    fastfa.__version__
    fastfa.make(env_id, compiled=True, **kwargs)     # gymnasium env, compiled twin if any
    fastfa.tiles3                                     # drop-in for Sutton's tiles3
    fastfa.features, fastfa.agents, fastfa.policies, fastfa.envs, fastfa.buffers
    fastfa.sweep(...)                                 # parameter studies
    fastfa.train_seeds(agent, env, seeds, ...)        # one agent per seed, trained in parallel threads
    fastfa.Sarsa, fastfa.DQN, ...                     # every agent of fastfa.agents (same contract)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .sweep import SweepResult

from .envs import make  # registers the fastfa/... env ids (gymnasium.register only; cheap)

_SUBMODULES = {
    "tiles3",
    "features",
    "approx",
    "policies",
    "agents",
    "envs",
    "buffers",
    "loop",
    "io",
    "experiments",
    "cli",
    "kernels",
}

__all__ = ["__version__", "make", "sweep", "train_seeds", *sorted(_SUBMODULES)]


def sweep(*args: Any, **kwargs: Any) -> SweepResult:
    """Run a parameter study; see :func:`fastfa.sweep.sweep` (loaded on first call)."""
    from .sweep import sweep as _sweep

    return _sweep(*args, **kwargs)


def train_seeds(*args: Any, **kwargs: Any) -> list:
    """Train one agent per seed in parallel threads; see :func:`fastfa.agents.seeds.train_seeds`."""
    from .agents.seeds import train_seeds as _train_seeds

    return _train_seeds(*args, **kwargs)


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    agents = importlib.import_module(f"{__name__}.agents")
    if name in agents._LAZY and name[0].isupper():  # fastfa.Sarsa, fastfa.DQN, ... (loaded on first use)
        return getattr(agents, name)
    raise AttributeError(f"module 'fastfa' has no attribute {name!r}")


def __dir__():
    agents = importlib.import_module(f"{__name__}.agents")
    return sorted(set(globals()) | _SUBMODULES | {n for n in agents._LAZY if n[0].isupper()})
