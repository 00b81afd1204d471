"""Type aliases of the public signatures (annotations only; nothing here runs in a kernel)."""

from __future__ import annotations

import os
from typing import Union

from numpy.typing import ArrayLike

__all__ = ["ArrayLike", "PathLike"]

# a file path as the save/load functions accept it
PathLike = Union[str, "os.PathLike[str]"]
