"""fastfa.kernels.nn.tanh.tanh_into (the MLPs' vectorisable tanh) against libm's tanh (NumPy)."""

import numpy as np
import pytest

from fastfa.kernels._jit import py_func
from fastfa.kernels.nn.tanh import _tanh_f32_into, tanh_into


def _tanh(x, dtype=np.float64):
    x = np.asarray(x, dtype)
    out = np.empty_like(x)
    tanh_into(x, out)
    return out


def test_within_two_ulp_of_libm_over_the_whole_range():
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            rng.normal(size=300_000) * 3,
            rng.uniform(-25, 25, 300_000),
            rng.normal(size=200_000) * 1e-3,
            np.linspace(-1, 1, 200_001),  # both sides of the branch point |x| = 0.625
            np.linspace(0.62, 0.63, 10_001),
        ]
    )
    ref = np.tanh(x)
    got = _tanh(x)
    nz = ref != 0
    rel = np.abs(got[nz] - ref[nz]) / np.abs(ref[nz])
    assert rel.max() <= 2 * np.finfo(np.float64).eps  # 4.4e-16; measured 4.0e-16
    assert rel.mean() < 1e-16


def test_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, -1e-300, 5e-324, 22.0, 22.5, 700.0, -1e308])
    got = _tanh(x)
    ref = np.tanh(x)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(ref))  # -0 stays -0
    assert np.isnan(got[4])


def test_odd_and_monotone():
    x = np.linspace(0, 30, 300_001)
    y = _tanh(x)
    np.testing.assert_array_equal(_tanh(-x), -y)
    assert np.all(np.diff(y) >= 0)
    assert y[-1] == 1.0


def test_in_place():
    rng = np.random.default_rng(1)
    x = rng.normal(size=1000) * 4
    ref = _tanh(x)
    y = x.copy()
    tanh_into(y, y)
    np.testing.assert_array_equal(y, ref)
    x32 = x.astype(np.float32)
    out32 = np.empty_like(x32)
    tanh_into(x32, out32)
    tanh_into(x32, x32)
    np.testing.assert_array_equal(x32, out32)


def _tanh32(x):
    return _tanh(x, np.float32)


def _f32_grid():
    """Every 97th float32 in [0, 10] and its negative (2.25·10⁷ values: every binade, both signs)."""
    x = np.arange(0, 0x41200000, 97, dtype=np.uint32).view(np.float32)
    return np.concatenate([x, -x])


def test_float32_within_seven_ulp_of_the_exact_value():
    x = _f32_grid()
    got = _tanh32(x).astype(np.float64)
    ref = np.tanh(x.astype(np.float64))  # libm in float64: exact to far below a float32 ulp
    ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    err = np.abs(got - ref) / ulp
    assert err.max() <= 7.0  # measured 6.03 (x ≈ 5.83)
    assert err.mean() < 0.2  # measured 0.12
    assert err.max() > 0.5  # it is an approximation: a float64 tanh rounded once would give ≤ 0.5


def test_float32_special_values_odd_and_bounded():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -3e-4, 7.9, 8.0, 100.0, -1e30], np.float32)
    got = _tanh32(x)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got[[0, 1, 5, 6]], x[[0, 1, 5, 6]])  # ±0 and |x| < 4e-4 as they came
    np.testing.assert_array_equal(np.signbit(got[:2]), [False, True])
    np.testing.assert_array_equal(got[[2, 3, 8, 9, 10]], np.float32([1, -1, 1, 1, -1]))
    assert np.isnan(got[4])
    g = _f32_grid()
    y = _tanh32(g)
    assert np.abs(y).max() == 1.0
    n = g.size // 2
    np.testing.assert_array_equal(y[n:], -y[:n])  # exactly odd


@pytest.mark.parametrize("seed", [0, 1])
def test_compiled_equals_interpreted_bit_for_bit(seed):
    """No FMA, no reassociation: the Python function (NUMBA_DISABLE_JIT=1) gives the same bits."""
    x = np.random.default_rng(seed).uniform(-30, 30, 2000)
    x[:5] = [0.0, -0.0, 0.625, -0.625, np.nan]
    out = np.empty_like(x)
    py_func(tanh_into)(x, out)
    np.testing.assert_array_equal(_tanh(x), out)


def test_float32_compiled_equals_interpreted_bit_for_bit():
    x = np.random.default_rng(2).uniform(-10, 10, 4000).astype(np.float32)
    x[:6] = [0.0, -0.0, 3e-4, 7.90531, np.nan, np.inf]
    out = np.empty_like(x)
    py_func(_tanh_f32_into)(x, out)  # the float32 path itself as Python, every operation a NumPy float32 one
    np.testing.assert_array_equal(_tanh32(x), out)
