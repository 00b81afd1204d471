"""kernels._jit.LiteralCall: a loop dispatched on ``numba.literally`` called without re-typing."""

import numba
import numpy as np

from fastfa.kernels._jit import JIT_DISABLED, LiteralCall


@numba.njit
def _scaled_sum(k, x):
    numba.literally(k)
    return x.sum() * k


def test_same_results_as_the_dispatcher_and_one_entry_per_literal_and_types():
    call = LiteralCall(_scaled_sum)
    a64, a32 = np.arange(4.0), np.arange(4.0, dtype=np.float32) + 0.5
    for _ in range(2):  # the second round is served by the kept entry points
        assert call(2, a64) == 12.0
        assert call(3, a64) == 18.0
        assert call(2, a32) == np.float32(2 * 8.0)  # other argument types: their own entry point
        assert call(2, np.arange(3)) == 6  # int64 array
    if not JIT_DISABLED:
        assert len(call._entry) == 4
        assert {k[0] for k in call._entry} == {2, 3}
