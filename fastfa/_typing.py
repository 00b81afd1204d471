"""Type aliases of the public signatures (annotations only; nothing here runs in a kernel)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Union

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

__all__ = ["ArrayLike", "Callback", "DTypeLike", "EnvArg", "FeaturesArg", "PathLike", "SeedLike", "ShapeLike"]

# a file path as the save/load functions accept it
PathLike = Union[str, "os.PathLike[str]"]
# what the `seed=` arguments accept (np.random.default_rng's inputs)
SeedLike = Union[int, np.random.SeedSequence, np.random.Generator, None]
# an array shape: an int or a tuple of ints
ShapeLike = Union[int, tuple[int, ...]]
# an environment argument: a gymnasium.Env or a registered env id ("MountainCar-v0"); Any because the
# agents' 0.1.0 call forms put other objects in that position (they are checked at run time)
EnvArg = Any
# a fastfa.features object (indices/transform/n_features), or None for the agent's default
FeaturesArg = Any
# a learn() callback: callback(info) -> False to stop
Callback = Callable[[dict], Union[bool, None]]
