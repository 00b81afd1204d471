"""Batched softmax score kernel vs vectorised NumPy, best of N with ``time.process_time``, one process.

python benches/scripts/pg_batch_grad_timing.py
"""

import time

import numpy as np

from fastfa.kernels.linear import policy_gradient as K
from test_bench_pg import B, A, F, _data, numpy_batch_grad


def best(fn, n=300, reps=7):
    fn()
    r = []
    for _ in range(reps):
        t = time.process_time()
        for _ in range(n):
            fn()
        r.append((time.process_time() - t) / n)
    return min(r)


if __name__ == "__main__":
    theta, x, a, w = _data()
    probs, grad = np.empty((B, A)), np.empty((F, A))
    t_np = best(lambda: numpy_batch_grad(theta, x, a, w))
    t_k = best(lambda: K.softmax_pa_batch_grad(theta, x, a, w, probs, grad))
    print(f"B={B} F={F} A={A}: NumPy {t_np * 1e6:.1f} us, kernel {t_k * 1e6:.1f} us, ratio {t_np / t_k:.2f}x")
