"""fastfa.approx: see the module docstrings of the submodules listed in _LAZY.

Public names are loaded lazily (importing this package does not compile or
import kernels).  To add a public name, add one line to _LAZY:
`"Name": ".module"`.
"""

from __future__ import annotations

from .._lazy import lazy_names

_LAZY: dict[str, str] = {
    "LinearV": ".linear_v",
    "LinearQ": ".linear_q",
    "RegressionTree": ".trees",
    "ExtraTrees": ".trees",
    "KNNRegressor": ".knn",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)
