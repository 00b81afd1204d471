"""Dense bases over a box (S&B 9.5): Polynomial, Fourier, Wavelet (Haar), RBF.

Every class normalises an observation to the unit box first,
``s = clip((obs − low)/(high − low), 0, 1)`` (observations outside the box
are clipped), then evaluates its basis with a Numba kernel
(:mod:`fastfa.kernels.features.bases`).  Common interface::

    >>> from fastfa.features import Fourier
    >>> phi = Fourier(low=0, high=1, order=5)          # 1-D: 6 features cos(π c s), c = 0..5
    >>> phi.n_features
    6
    >>> x = phi.transform(0.3)                          # float64[6]
    >>> X = phi.transform_batch([[0.1], [0.9]])         # float64[2, 6]

``C`` (attribute ``exponents`` / ``frequencies`` / ``functions``) is the
int64[n_features, d] table of per-dimension numbers; row 0 is the constant
feature.  ``interaction`` (optional) keeps only the rows with at most that
many non-zero entries (products of at most ``interaction`` dimensions).
"""

from __future__ import annotations

import itertools

from typing import Any, Callable

import numpy as np

from ._common import as_box, as_int_vector, as_obs, as_obs_batch, as_pos_int
from .._typing import ArrayLike

__all__ = ["Polynomial", "Fourier", "Wavelet", "RBF"]


def _table(d: int, per_dim: int, interaction: int | None) -> np.ndarray:
    """All tuples in {0..per_dim-1}^d with at most ``interaction`` non-zeros (lexicographic)."""
    rows = [
        c
        for c in itertools.product(range(per_dim), repeat=d)
        if interaction is None or sum(v != 0 for v in c) <= interaction
    ]
    return np.array(rows, dtype=np.int64).reshape(len(rows), d)


def _check_order(order, name: str = "order"):
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(order).__name__}")
    if order < 0:
        raise ValueError(f"{name} must be >= 0, got {order}")
    return int(order)


def _check_interaction(interaction, d):
    if interaction is None:
        return None
    return as_pos_int(interaction, "interaction", minimum=1) if d else None


class _DenseBasis:
    """Shared plumbing: box, normalisation, transform/transform_batch over ``_kernel``/``_kernel_batch``."""

    sparse = False
    _obs_kernel: Any = None  # the jitted per-observation kernel, looked up on first use
    _obs_kernel_name = ""
    # set by each basis's constructor / methods
    _rows: int
    _args: dict
    low: np.ndarray
    high: np.ndarray
    _eval_batch: Callable[[np.ndarray, np.ndarray], None]
    _tables: Callable[[], tuple]
    _repr_args: Callable[[], str]

    def _init_box(self, low: ArrayLike, high: ArrayLike) -> None:
        self.low, self.high = as_box(low, high)

    @property
    def n_dims(self) -> int:
        return int(self.low.shape[0])

    @property
    def n_features(self) -> int:
        return int(self._rows)

    def normalize(self, obs: ArrayLike) -> np.ndarray:
        """The observation scaled (and clipped) to the unit box."""
        from ..kernels.features.bases import normalize

        x = as_obs(obs, self.n_dims)
        s = np.empty_like(x)
        normalize(x, self.low, self.high, s)
        return s

    def transform(self, obs: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        """Feature vector of one observation: float64[n_features]."""
        x = as_obs(obs, self.n_dims)
        if out is None:
            out = np.empty(self.n_features)
        if self._obs_kernel is None:
            from ..kernels.features import bases as K

            type(self)._obs_kernel = staticmethod(getattr(K, self._obs_kernel_name))
        self._obs_kernel(x, self.low, self.high, *self._tables(), out)
        return out

    def transform_batch(self, obs: ArrayLike) -> np.ndarray:
        """Feature vectors of every row of ``obs`` (n, d): float64[n, n_features]."""
        from ..kernels.features.bases import normalize_batch

        x = as_obs_batch(obs, self.n_dims)
        s = np.empty_like(x)
        normalize_batch(x, self.low, self.high, s)
        out = np.empty((x.shape[0], self.n_features))
        self._eval_batch(s, out)
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._repr_args()}, n_features={self.n_features})"

    def get_state(self) -> tuple[dict, dict]:
        """``(meta, arrays)``: the constructor arguments (JSON-able), for :mod:`fastfa.io`."""
        return dict(self._args, low=self.low.tolist(), high=self.high.tolist()), {}

    @classmethod
    def from_state(cls, meta: dict, arrays: dict) -> _DenseBasis:
        return cls(**meta)


class Polynomial(_DenseBasis):
    """Polynomial basis ``x_i(s) = ∏_k s_k^{c_ik}``, ``c_ik ∈ {0..order}`` (S&B 9.5.1).

    Args:
        low, high: the box (scalars or length-d), low < high.
        order: highest power per dimension (>= 0); ``(order+1)^d`` features.
        interaction: optional max number of dimensions in one product.

    Attributes: ``exponents`` int64[n_features, d].
    """

    def __init__(self, low: ArrayLike, high: ArrayLike, order: int, *, interaction: int | None = None) -> None:
        self._init_box(low, high)
        self.order = _check_order(order)
        self.interaction = _check_interaction(interaction, self.n_dims)
        self._args = {"order": self.order, "interaction": self.interaction}
        self.exponents = _table(self.n_dims, self.order + 1, self.interaction)
        self._rows = self.exponents.shape[0]

    _obs_kernel_name = "polynomial_obs"

    def _tables(self):
        return (self.exponents,)

    def _repr_args(self) -> str:
        return f"order={self.order}, d={self.n_dims}"

    def _eval(self, s, out) -> None:
        from ..kernels.features.bases import polynomial

        polynomial(s, self.exponents, out)

    def _eval_batch(self, s, out) -> None:
        from ..kernels.features.bases import polynomial_batch

        polynomial_batch(s, self.exponents, out)


class Fourier(_DenseBasis):
    """Fourier cosine basis ``x_i(s) = cos(π c_i·s)``, ``c_ik ∈ {0..order}`` (S&B 9.5.2).

    Args:
        low, high: the box; order: highest frequency per dimension (>= 0),
        ``(order+1)^d`` features; interaction: optional max dimensions per frequency vector.

    Attributes: ``frequencies`` int64[n_features, d].  Konidaris et al. (2011) suggest a
    per-feature step size ``α_i = α / ‖c_i‖`` (``α`` for c = 0): see :meth:`step_sizes`.
    """

    def __init__(self, low: ArrayLike, high: ArrayLike, order: int, *, interaction: int | None = None) -> None:
        self._init_box(low, high)
        self.order = _check_order(order)
        self.interaction = _check_interaction(interaction, self.n_dims)
        self._args = {"order": self.order, "interaction": self.interaction}
        self.frequencies = _table(self.n_dims, self.order + 1, self.interaction)
        self._rows = self.frequencies.shape[0]

    _obs_kernel_name = "fourier_obs"

    def _tables(self):
        return (self.frequencies,)

    def _repr_args(self) -> str:
        return f"order={self.order}, d={self.n_dims}"

    def step_sizes(self, alpha: float) -> np.ndarray:
        """``α / ‖c_i‖`` per feature (``α`` for the constant feature)."""
        norm = np.linalg.norm(self.frequencies, axis=1)
        return alpha / np.where(norm == 0, 1.0, norm)

    def _eval(self, s, out) -> None:
        from ..kernels.features.bases import fourier

        fourier(s, self.frequencies, out)

    def _eval_batch(self, s, out) -> None:
        from ..kernels.features.bases import fourier_batch

        fourier_batch(s, self.frequencies, out)


class Wavelet(_DenseBasis):
    """Multi-resolution Haar wavelet basis per dimension and its products.

    Per dimension the functions are ``h_0 = 1`` and the Haar wavelets
    ``2^{j/2} ψ(2^j x − k)`` for levels ``j = 0..levels−1``, ``k < 2^j``
    (``2^levels`` orthonormal functions on [0, 1], numbered ``c = 2^j + k``);
    features are products ``∏_k h_{c_k}(s_k)`` over at most ``order``
    non-constant dimensions (``order=None``: the full tensor product,
    ``2^(levels·d)`` features).

    Args:
        low, high: the box; levels: resolution levels (>= 0; 0 gives only the constant);
        order: max number of dimensions in a product (>= 1, default: all).

    Attributes: ``functions`` int64[n_features, d].
    """

    def __init__(self, low: ArrayLike, high: ArrayLike, levels: int, *, order: int | None = None) -> None:
        self._init_box(low, high)
        self.levels = _check_order(levels, "levels")
        if self.levels > 30:
            raise ValueError(f"levels must be <= 30, got {levels}")
        self.order = _check_interaction(order, self.n_dims)
        self._args = {"levels": self.levels, "order": self.order}
        self.functions = _table(self.n_dims, 2**self.levels, self.order)
        self._rows = self.functions.shape[0]

    _obs_kernel_name = "wavelet_obs"

    def _tables(self):
        return (self.functions,)

    def _repr_args(self) -> str:
        return f"levels={self.levels}, order={self.order}, d={self.n_dims}"

    def _eval(self, s, out) -> None:
        from ..kernels.features.bases import wavelet

        wavelet(s, self.functions, out)

    def _eval_batch(self, s, out) -> None:
        from ..kernels.features.bases import wavelet_batch

        wavelet_batch(s, self.functions, out)


class RBF(_DenseBasis):
    """Gaussian radial basis functions with centres on a grid (S&B 9.5.5).

    ``x_i(s) = exp(−Σ_k (s_k − μ_ik)² / (2σ²))`` in unit-box coordinates, with
    ``centres_per_dim`` centres per dimension spread evenly over [0, 1]
    (ends included; one centre sits at 0.5).

    Args:
        low, high: the box; centres_per_dim: int or length-d ints (>= 1);
        width: σ in unit-box coordinates (default: the centre spacing, or 0.5 for one centre).

    Attributes: ``centres`` float64[n_features, d] (unit-box coordinates), ``width``.
    """

    def __init__(self, low: ArrayLike, high: ArrayLike, centres_per_dim: ArrayLike, width: float | None = None) -> None:
        self._init_box(low, high)
        self.centres_per_dim = as_int_vector(centres_per_dim, self.n_dims, "centres_per_dim")
        axes = [np.linspace(0.0, 1.0, int(n)) if n > 1 else np.array([0.5]) for n in self.centres_per_dim]
        self.centres = np.array(list(itertools.product(*axes)), dtype=np.float64).reshape(-1, self.n_dims)
        if width is None:
            width = 1.0 / (int(self.centres_per_dim.max()) - 1) if self.centres_per_dim.max() > 1 else 0.5
        width = float(width)
        if not np.isfinite(width) or width <= 0:
            raise ValueError(f"width must be a positive finite float, got {width}")
        self.width = width
        self._args = {"centres_per_dim": self.centres_per_dim.tolist(), "width": width}
        self._inv = np.full(self.n_dims, 1.0 / (2.0 * width * width))
        self._rows = self.centres.shape[0]

    _obs_kernel_name = "rbf_obs"

    def _tables(self):
        return (self.centres, self._inv)

    def _repr_args(self) -> str:
        return f"centres_per_dim={self.centres_per_dim.tolist()}, width={self.width}"

    def _eval(self, s, out) -> None:
        from ..kernels.features.bases import rbf

        rbf(s, self.centres, self._inv, out)

    def _eval_batch(self, s, out) -> None:
        from ..kernels.features.bases import rbf_batch

        rbf_batch(s, self.centres, self._inv, out)
