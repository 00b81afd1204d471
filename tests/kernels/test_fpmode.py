"""Subnormals flushed to zero inside the network kernels, the caller's floating-point mode restored
(kernels/_fpmode.py).  Expected values are hand-computed from IEEE 754 (FTZ/DAZ read and write
subnormals as zero), not from the kernels."""

import numpy as np
import pytest

from fastfa.kernels import _fpmode as F
from fastfa.kernels.nn import a2c as A
from fastfa.kernels.nn import mlp as K
from fastfa.kernels.nn.dqn import C_UPDATES

pytestmark = pytest.mark.skipif(
    not F.X86 or F.JIT_DISABLED, reason="the flush-to-zero mode is set on x86-64 with the JIT only"
)

SUB32 = np.float32(1e-39)  # a float32 subnormal (the smallest normal is 1.18e-38)


def test_enter_sets_both_bits_and_exit_restores_the_callers_mode():
    before = F.get_mode()
    assert before & F.FTZ_DAZ == 0  # Python threads start in the IEEE default mode
    old = F.flush_enter()
    try:
        assert old == before
        assert F.get_mode() & F.FTZ_DAZ == F.FTZ_DAZ
    finally:
        F.flush_exit(old)
    assert F.get_mode() & F.FTZ_DAZ == 0


def test_adam_reads_and_writes_subnormals_as_zero():
    # g = 0, so m ← β₁m and v ← β₂v: 0.9 · 1e-39 = 9e-40 in IEEE arithmetic, 0 with DAZ (the operand
    # reads as 0); θ moves by lr · 0 / (√0 + ε) = 0
    theta = np.ones(3, np.float32)
    m = np.full(3, SUB32)
    v = np.zeros(3, np.float32)
    K.adam_step(theta, np.zeros(3, np.float32), m, v, 5, 1e-3, 0.9, 0.999, 1e-8)
    assert np.array_equal(m, np.zeros(3, np.float32)) and not np.signbit(m).any()
    assert np.array_equal(theta, np.ones(3, np.float32))
    # IEEE arithmetic on the same numbers outside the kernel keeps the subnormal
    assert np.float32(0.9) * SUB32 != 0
    assert F.get_mode() & F.FTZ_DAZ == 0


def test_rmsprop_flushes_a_subnormal_second_moment():
    theta = np.ones(2, np.float32)
    v = np.full(2, SUB32)
    A.rmsprop_step(theta, np.zeros(2, np.float32), v, 1e-3, 0.99, 1e-5)
    assert np.array_equal(v, np.zeros(2, np.float32))
    assert F.get_mode() & F.FTZ_DAZ == 0


@pytest.mark.parametrize("dtype, sub", [(np.float32, 1e-39), (np.float64, 1e-310)])
def test_forward_pass_reads_a_subnormal_input_as_zero(dtype, sub):
    # one linear layer 1 -> 1 with weight 0.5 and bias 0: y = 0.5 x; for a subnormal x the IEEE
    # product is a subnormal (nonzero), under DAZ/FTZ exactly +0
    sizes = np.array([1, 1], np.int64)
    theta = np.array([0.5, 0.0], dtype)
    acts = np.empty(K.mlp_acts_size(sizes, 1), dtype)
    y = K.mlp_forward(theta, sizes, K.ACT_RELU, np.array([[sub]], dtype), acts)
    assert y[0, 0] == 0.0
    assert dtype(0.5) * dtype(sub) != 0.0
    # a normal input is untouched: 0.5 · 3 = 1.5 exactly
    y = K.mlp_forward(theta, sizes, K.ACT_RELU, np.array([[3.0]], dtype), acts)
    assert y[0, 0] == 1.5


def test_backward_pass_gradient_of_a_subnormal_delta_is_zero():
    # 1 -> 1 linear, x = 1: ∂L/∂w = x·δ = δ and ∂L/∂b = δ; δ subnormal reads as 0 (DAZ) in the products;
    # the bias gradient is the sum 0 + δ, which FTZ writes as 0
    sizes = np.array([1, 1], np.int64)
    theta = np.array([0.5, 0.0], np.float32)
    x = np.ones((1, 1), np.float32)
    acts = np.empty(K.mlp_acts_size(sizes, 1), np.float32)
    K.mlp_forward(theta, sizes, K.ACT_RELU, x, acts)
    grad = np.full(2, 7.0, np.float32)
    work = np.empty(K.mlp_work_size(sizes, 1), np.float32)
    K.mlp_backward(theta, sizes, K.ACT_RELU, x, acts, np.array([[SUB32]]), grad, work)
    assert np.array_equal(grad, np.zeros(2, np.float32))
    assert F.get_mode() & F.FTZ_DAZ == 0


def test_mode_is_restored_after_a_dqn_run_and_in_other_threads():
    import threading

    from fastfa.agents import DQN, DQNConfig

    agent = DQN("CartPole-v1", seed=0, config=DQNConfig(learning_starts=50, train_freq=10, gradient_steps=2))
    agent.learn(300)
    assert agent.cnt[C_UPDATES] > 0
    assert F.get_mode() & F.FTZ_DAZ == 0
    seen = []
    t = threading.Thread(target=lambda: seen.append(F.get_mode()))
    t.start()
    t.join()
    assert seen[0] & F.FTZ_DAZ == 0
