"""fastfa.kernels.nn.tanh.tanh_into (the MLPs' vectorisable tanh) against libm's tanh (NumPy)."""

import numpy as np
import pytest

from fastfa.kernels._jit import py_func
from fastfa.kernels.nn.tanh import tanh_into


def _tanh(x):
    x = np.asarray(x, np.float64)
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


def test_in_place_and_float32():
    rng = np.random.default_rng(1)
    x = rng.normal(size=1000) * 4
    ref = _tanh(x)
    y = x.copy()
    tanh_into(y, y)
    np.testing.assert_array_equal(y, ref)
    x32 = x.astype(np.float32)
    out32 = np.empty_like(x32)
    tanh_into(x32, out32)
    np.testing.assert_array_equal(out32, _tanh(x32.astype(np.float64)).astype(np.float32))


@pytest.mark.parametrize("seed", [0, 1])
def test_compiled_equals_interpreted_bit_for_bit(seed):
    """No FMA, no reassociation: the Python function (NUMBA_DISABLE_JIT=1) gives the same bits."""
    x = np.random.default_rng(seed).uniform(-30, 30, 2000)
    x[:5] = [0.0, -0.0, 0.625, -0.625, np.nan]
    out = np.empty_like(x)
    py_func(tanh_into)(x, out)
    np.testing.assert_array_equal(_tanh(x), out)
