"""DQNConfig: the hyper-parameters of :class:`fastfa.agents.DQN`, validated, and their ``hp`` array
for the compiled kernels (``fastfa.kernels.nn.dqn``'s ``HP_*`` indices)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._checks import MAX_BUDGET

__all__ = ["DQNConfig"]


@dataclass(frozen=True)
class DQNConfig:
    """Hyper-parameters of :class:`DQN` (defaults tuned for CartPole-v1, see docs/dqn.md).

    Attributes:
        hidden: widths of the hidden layers of the Q-network.
        activation: hidden activation, ``"relu"`` or ``"tanh"`` (output layer linear).
        learning_rate: optimiser step size.
        learning_rate_end: if not None, the step size decays linearly to this value
            over ``lr_decay_steps`` env steps (stabilises the final policy).
        lr_decay_steps: length of that decay, in env steps.
        buffer_size: replay capacity (transitions).
        learning_starts: env steps of uniformly random actions before learning.
        batch_size: minibatch size.
        gamma: discount γ.
        train_freq: env steps between two training phases.
        gradient_steps: gradient steps per training phase.
        target_update_interval: C, env steps between target updates.
        tau: Polyak coefficient of the target update (1.0 = hard copy).
        exploration_initial_eps, exploration_final_eps: ε at the start / the end of the decay.
        exploration_steps: env steps over which ε decays linearly.
        max_grad_norm: global gradient-norm clipping threshold (inf = none).
        double_dqn: use the Double-DQN target.
        loss: ``"huber"`` (κ = ``huber_kappa``) or ``"squared"`` (½δ²).
        huber_kappa: Huber threshold κ.
        optimizer: ``"adam"`` or ``"sgd"``.
        adam_beta1, adam_beta2, adam_eps: Adam constants (torch defaults).
        dtype: ``"float32"`` (fast) or ``"float64"`` parameters.
        prioritized: proportional prioritized replay (Schaul et al. 2016): sample row i with
            P(i) ∝ pᵢ^α, weight its loss by wᵢ = (N·P(i))^−β / maxⱼ wⱼ, and after each gradient
            step set pᵢ = |δᵢ| + ``per_eps`` for the sampled rows (new rows: the max priority).
        per_alpha: priority exponent α ≥ 0 (0 = uniform sampling, still IS-weighted).
        per_beta: initial IS exponent β₀ ∈ [0, 1], annealed linearly to 1 over ``per_beta_steps``.
        per_beta_steps: env steps (counted from the agent's first step, like ε and the lr decay)
            over which β reaches 1; 0 = β is 1 from the start.
        per_eps: ε > 0 added to |δ| so every stored transition keeps a chance to be replayed.
        n_step: n ≥ 1; n > 1 trains on n-step targets G + γᴷ max q⁻(S_{t+K}), K ≤ n, with
            windows cut at terminations (no bootstrap), time-limit truncations and the newest
            transition (bootstrap with γᴷ), exactly as ``ReplayBuffer(n_step=n)``.
    """

    hidden: tuple = (64, 64)
    activation: str = "relu"
    learning_rate: float = 2.3e-3
    learning_rate_end: float | None = 0.0
    lr_decay_steps: int = 50_000
    buffer_size: int = 100_000
    learning_starts: int = 1_000
    batch_size: int = 64
    gamma: float = 0.99
    train_freq: int = 256
    gradient_steps: int = 128
    target_update_interval: int = 10
    tau: float = 1.0
    exploration_initial_eps: float = 1.0
    exploration_final_eps: float = 0.01
    exploration_steps: int = 8_000
    max_grad_norm: float = 10.0
    double_dqn: bool = False
    loss: str = "huber"
    huber_kappa: float = 1.0
    optimizer: str = "adam"
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_eps: float = 1e-8
    dtype: str = "float32"
    prioritized: bool = False
    per_alpha: float = 0.6
    per_beta: float = 0.4
    per_beta_steps: int = 50_000
    per_eps: float = 1e-6
    n_step: int = 4

    # (field, low, high) of the int fields; (field, low, high, low_open) of the real ones
    _INTS = (
        ("lr_decay_steps", 0, MAX_BUDGET),
        ("buffer_size", 1, 2**40),
        ("learning_starts", 0, MAX_BUDGET),
        ("batch_size", 1, 2**31),
        ("train_freq", 1, MAX_BUDGET),
        ("gradient_steps", 0, 2**31),
        ("target_update_interval", 1, MAX_BUDGET),
        ("exploration_steps", 0, MAX_BUDGET),
        ("per_beta_steps", 0, MAX_BUDGET),
        ("n_step", 1, 2**20),
    )
    _REALS = (
        ("learning_rate", 0.0, math.inf, True),
        ("gamma", 0.0, 1.0, False),
        ("tau", 0.0, 1.0, True),
        ("exploration_initial_eps", 0.0, 1.0, False),
        ("exploration_final_eps", 0.0, 1.0, False),
        ("max_grad_norm", 0.0, math.inf, True),
        ("huber_kappa", 0.0, math.inf, True),
        ("adam_beta1", 0.0, 1.0, False),
        ("adam_beta2", 0.0, 1.0, False),
        ("adam_eps", 0.0, math.inf, True),
        ("per_alpha", 0.0, math.inf, False),
        ("per_beta", 0.0, 1.0, False),
        ("per_eps", 0.0, math.inf, True),
    )
    _CHOICES = (
        ("activation", ("relu", "tanh")),
        ("loss", ("huber", "squared")),
        ("optimizer", ("adam", "sgd")),
        ("dtype", ("float32", "float64")),
    )

    def __post_init__(self):
        """Check every field (type and range) once; the error names the field and its allowed range."""
        try:
            h = tuple(self.hidden)
        except TypeError:
            raise ValueError(f"DQNConfig.hidden must be a tuple of ints in [1, 65536], got {self.hidden!r}") from None
        if not h or any(
            isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)) or not 1 <= x <= 65536 for x in h
        ):
            raise ValueError(f"DQNConfig.hidden must be a non-empty tuple of ints in [1, 65536], got {self.hidden!r}")
        object.__setattr__(self, "hidden", tuple(int(x) for x in h))
        for name, choices in self._CHOICES:
            if getattr(self, name) not in choices:
                raise ValueError(f"DQNConfig.{name} must be one of {choices}, got {getattr(self, name)!r}")
        for name, low, high in self._INTS:
            v = getattr(self, name)
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or not low <= v <= high:
                raise ValueError(f"DQNConfig.{name} must be an int in [{low}, {high}], got {v!r}")
            object.__setattr__(self, name, int(v))
        for name, low, high, low_open in self._REALS:
            v = getattr(self, name)
            if not (
                isinstance(v, (int, float, np.integer, np.floating))
                and not isinstance(v, (bool, np.bool_))
                and (low < v if low_open else low <= v)
                and v <= high
                and (math.isfinite(v) or name == "max_grad_norm")
            ):  # inf: no clipping
                raise ValueError(
                    f"DQNConfig.{name} must be a finite number in {'(' if low_open else '['}{low:g}, "
                    f"{high:g}], got {v!r}"
                )
            object.__setattr__(self, name, float(v))
        if self.batch_size > self.buffer_size:
            raise ValueError(f"DQNConfig.batch_size ({self.batch_size}) must be <= buffer_size ({self.buffer_size})")
        e = self.learning_rate_end
        if e is not None and not (
            isinstance(e, (int, float, np.integer, np.floating))
            and not isinstance(e, bool)
            and math.isfinite(e)
            and e >= 0
        ):
            raise ValueError(f"DQNConfig.learning_rate_end must be None or a finite number >= 0, got {e!r}")
        for name in ("prioritized", "double_dqn"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"DQNConfig.{name} must be True or False, got {getattr(self, name)!r}")
            object.__setattr__(self, name, bool(getattr(self, name)))

    def hp_array(self, max_episode_steps: int) -> np.ndarray:
        from ..kernels.nn import dqn as K

        hp = np.zeros(K.N_HP, np.float64)
        hp[K.HP_GAMMA] = self.gamma
        hp[K.HP_LR] = self.learning_rate
        hp[K.HP_BETA1], hp[K.HP_BETA2], hp[K.HP_ADAM_EPS] = self.adam_beta1, self.adam_beta2, self.adam_eps
        hp[K.HP_MAX_GRAD_NORM] = self.max_grad_norm
        hp[K.HP_KAPPA] = self.huber_kappa
        hp[K.HP_TAU] = self.tau
        hp[K.HP_EPS_START], hp[K.HP_EPS_END] = self.exploration_initial_eps, self.exploration_final_eps
        hp[K.HP_EPS_STEPS] = self.exploration_steps
        hp[K.HP_LEARNING_STARTS] = self.learning_starts
        hp[K.HP_TRAIN_FREQ] = self.train_freq
        hp[K.HP_GRAD_STEPS] = self.gradient_steps
        hp[K.HP_TARGET_INTERVAL] = self.target_update_interval
        hp[K.HP_BATCH] = self.batch_size
        hp[K.HP_DOUBLE] = float(self.double_dqn)
        hp[K.HP_LOSS] = 1.0 if self.loss == "huber" else 0.0
        hp[K.HP_OPT] = K.OPT_ADAM if self.optimizer == "adam" else K.OPT_SGD
        hp[K.HP_ACT] = 0.0 if self.activation == "relu" else 1.0
        if self.learning_rate_end is not None and self.lr_decay_steps > 0:
            hp[K.HP_LR_END] = self.learning_rate_end
            hp[K.HP_LR_STEPS] = self.lr_decay_steps
        hp[K.HP_MAX_EP_STEPS] = max_episode_steps if max_episode_steps else 2**62
        hp[K.HP_PER] = float(self.prioritized)
        hp[K.HP_PER_ALPHA], hp[K.HP_PER_BETA0] = self.per_alpha, self.per_beta
        hp[K.HP_PER_BETA_STEPS], hp[K.HP_PER_EPS] = self.per_beta_steps, self.per_eps
        hp[K.HP_NSTEP] = self.n_step
        return hp
