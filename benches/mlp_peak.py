"""How close the DQN gradient step comes to the core's fp32 peak, per layer width.

    python benches/mlp_peak.py [--rounds 7]

For hidden widths 64, 128 and 256 (network 4-h-h-2, batch 64, ReLU, Huber, Adam, target-network
forward: ``kernels.nn.dqn.dqn_update``, the step of the DQN loop), the step's floating-point work

    forward (online) + forward (target) + backward (weight gradients + back-propagated deltas)
    = 2·B·[2·Σ_l n_{l-1} n_l  +  Σ_l n_{l-1} n_l  +  Σ_{l≥2} n_{l-1} n_l]   flops (multiply-adds x 2)

is divided by its measured time (median of ``--rounds`` rounds of 2,000 steps in one compiled
call), and compared with what a large single-thread BLAS sgemm (1024^3, NumPy's BLAS pinned to
one thread) reaches on this core: a practical stand-in for the fp32 FMA peak (the theoretical
peak needs the clock, which a VM does not tell).  fastfa's tiles use fused multiply-adds (one per
term, ascending order: the same bits on every CPU) and 4 x 32 register tiles on AVX-512 cores.
On a Sapphire Rapids Xeon the bare 64 x 64 x 64 tile product reaches ~148 GFLOP/s (89% of sgemm);
the step's share is lower because of the narrow layers (the 4-input first layer, the 2-output head),
Adam's square roots and divisions, and the loss.  On that Xeon, 2026-12-05, 7 rounds: 24.7 / 76.4 /
398 µs at widths 64 / 128 / 256, 56% / 70% / 53% of sgemm's 162 GFLOP/s (37-40% at width 64 the day
before, when bias, ReLU and mask were separate passes and the transposes a gather loop).  The ReLU
zeros the row gathers skip count as work done, as they would in a dense product.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # one core, before NumPy loads
    os.environ[_v] = "1"

import numba  # noqa: E402
import numpy as np  # noqa: E402

from fastfa.agents.dqn import DQNConfig  # noqa: E402
from fastfa.kernels.nn import dqn as K  # noqa: E402

B = 64


def peak_gflops(rounds: int) -> float:
    """fp32 GFLOP/s of a large single-thread BLAS sgemm (NumPy's BLAS, 1024^3): what a tuned kernel
    that uses fused multiply-adds at the CPU's full vector width reaches on this core."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(1024, 1024)).astype(np.float32)
    b = rng.normal(size=(1024, 1024)).astype(np.float32)
    a @ b
    best = 0.0
    for _ in range(rounds):
        t = time.perf_counter()
        a @ b
        best = max(best, 2.0 * 1024**3 / (time.perf_counter() - t) / 1e9)
    return best


@numba.njit
def _steps(n, theta, tt, sizes, x, a, r, disc, x2, w, m, v, cnt, hp, td):
    for _ in range(n):
        K.dqn_update(theta, tt, sizes, x, a, r, disc, x2, w, m, v, cnt, hp, td)


def step_flops(sizes) -> float:
    prods = [int(sizes[i]) * int(sizes[i + 1]) for i in range(len(sizes) - 1)]
    return 2.0 * B * (2 * sum(prods) + sum(prods) + sum(prods[1:]))


def step_seconds(h: int, rounds: int, n: int = 2000) -> list[float]:
    rng = np.random.default_rng(0)
    sizes = np.array([4, h, h, 2], np.int64)
    theta = np.empty(K.mlp_n_params(sizes), np.float32)
    K.mlp_init(theta, sizes, rng)
    tt, m, v = theta.copy(), np.zeros_like(theta), np.zeros_like(theta)
    x = rng.normal(size=(B, 4)).astype(np.float32)
    x2 = rng.normal(size=(B, 4)).astype(np.float32)
    a = rng.integers(0, 2, B)
    r = np.ones(B, np.float32)
    disc = np.full(B, 0.99, np.float32)
    w = np.ones(B, np.float32)
    td = np.empty(B, np.float32)
    cnt = np.zeros(K.N_CNT, np.int64)
    hp = DQNConfig(hidden=(h, h), learning_rate=1e-6).hp_array(500)
    args = (theta, tt, sizes, x, a, r, disc, x2, w, m, v, cnt, hp, td)
    _steps(5, *args)
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        _steps(n, *args)
        out.append((time.perf_counter() - t) / n)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    from report_lib import cpu_model

    peak = peak_gflops(args.rounds)
    print(f"CPU: {cpu_model()}; single-thread sgemm 1024^3: {peak:.1f} GFLOP/s (the FMA peak's stand-in)")
    print("| hidden width | step µs (median [min-max]) | GFLOP/s | of sgemm |")
    print("|---|---|---|---|")
    for h in (64, 128, 256):
        ts = step_seconds(h, args.rounds)
        med = statistics.median(ts)
        g = step_flops([4, h, h, 2]) / med / 1e9
        print(f"| {h} | {med * 1e6:.1f} [{min(ts) * 1e6:.1f}-{max(ts) * 1e6:.1f}] | {g:.1f} | {100 * g / peak:.0f}% |")


if __name__ == "__main__":
    main()
