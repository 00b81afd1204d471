"""Gymnasium envs backed by the compiled twins of MountainCar-v0, CartPole-v1 and Acrobot-v1.

``fastfa.make("MountainCar-v0", compiled=True)`` builds ``fastfa/MountainCar-v0``:
the same spaces, start-state distribution (same ``np_random`` calls, so the same
seed gives the same start), dynamics, rewards and termination as gymnasium's
env, step for step, with the physics in ``fastfa.kernels.envs.classic``.  Use
the kernels directly (params + state + step) inside your own Numba loops.

No rendering (``render_mode`` must be None): use gymnasium's env to watch.
"""

from __future__ import annotations

import math

import numpy as np
from gymnasium import spaces

from .compiled import CompiledEnv


def _k():
    from ..kernels.envs import classic as envs_classic

    return envs_classic


class _TwinEnv(CompiledEnv):
    """A built-in twin: a :class:`CompiledEnv` over ``fastfa.kernels.envs.classic``'s functions,
    cached on disk under ``compiled_key`` (its gymnasium id)."""

    _name_ = ""
    _state_len = 0
    params_tuple = True  # the kernels read params[i] only

    def __init__(self, render_mode: str | None = None) -> None:
        if render_mode is not None:
            raise ValueError(
                f"render_mode: compiled twins do not render (got {render_mode!r}); use gymnasium.make for rendering"
            )
        k = _k()
        n = self._name_
        super().__init__(
            getattr(k, f"{n}_reset"),
            getattr(k, f"{n}_env_step"),
            getattr(k, f"{n}_observe"),
            self.params,
            self._state_len,
            self.observation_space,
            self.action_space,
            id=self.compiled_key,
        )


class MountainCarEnv(_TwinEnv):
    """Mountain Car (S&B Example 10.1), compiled twin of gymnasium's ``MountainCar-v0``.

    ## Action Space
    ``Discrete(3)``: 0 full throttle reverse, 1 zero, 2 full throttle forward.

    ## Observation Space
    ``Box([-1.2, -0.07], [0.6, 0.07], float32)``: position, velocity.

    ## Rewards
    -1 per step.

    ## Starting State
    position ~ U[-0.6, -0.4), velocity 0.

    ## Episode End
    Termination at position >= 0.5 (and velocity >= goal_velocity);
    truncation after 200 steps (``fastfa/MountainCar-v0``).
    """

    _name_ = "mountaincar"
    compiled_key = "MountainCar-v0"
    _state_len = 2

    def __init__(self, render_mode: str | None = None, goal_velocity: float = 0.0) -> None:
        self.params = _k().mountaincar_params(goal_velocity)
        low = np.array([-1.2, -0.07], dtype=np.float32)
        self.observation_space = spaces.Box(low, np.array([0.6, 0.07], dtype=np.float32), dtype=np.float32)
        self.action_space = spaces.Discrete(3)
        super().__init__(render_mode)


class CartPoleEnv(_TwinEnv):
    """Cart-pole balancing, compiled twin of gymnasium's ``CartPole-v1``.

    ## Action Space
    ``Discrete(2)``: push left / right with force 10.

    ## Observation Space
    ``Box(4,)`` float32: cart position, velocity, pole angle, angular velocity.

    ## Rewards
    +1 per step including the failing one (``sutton_barto_reward=True``: 0, and -1 on failure).

    ## Starting State
    All four ~ U(-0.05, 0.05).

    ## Episode End
    Termination when |angle| > 12 degrees or |position| > 2.4; truncation after 500 steps.
    """

    _name_ = "cartpole"
    compiled_key = "CartPole-v1"
    _state_len = 5

    def __init__(self, render_mode: str | None = None, sutton_barto_reward: bool = False) -> None:
        self.params = _k().cartpole_params(sutton_barto_reward)
        high = np.array([2.4 * 2, np.inf, 12 * 2 * math.pi / 360 * 2, np.inf], dtype=np.float32)
        self.observation_space = spaces.Box(-high, high, dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        super().__init__(render_mode)


class AcrobotEnv(_TwinEnv):
    """Acrobot swing-up, compiled twin of gymnasium's ``Acrobot-v1`` ('book' dynamics, RK4, dt 0.2).

    ## Action Space
    ``Discrete(3)``: torque -1, 0, +1 on the joint between the links.

    ## Observation Space
    ``Box(6,)`` float32: cos θ1, sin θ1, cos θ2, sin θ2, θ̇1 (±4π), θ̇2 (±9π).

    ## Rewards
    -1 per step, 0 on reaching the goal.

    ## Starting State
    θ1, θ2, θ̇1, θ̇2 ~ U(-0.1, 0.1).

    ## Episode End
    Termination when -cos θ1 - cos(θ1 + θ2) > 1; truncation after 500 steps.
    """

    _name_ = "acrobot"
    compiled_key = "Acrobot-v1"
    _state_len = 4

    def __init__(self, render_mode: str | None = None) -> None:
        self.params = _k().acrobot_params()
        high = np.array([1.0, 1.0, 1.0, 1.0, 4 * math.pi, 9 * math.pi], dtype=np.float32)
        self.observation_space = spaces.Box(-high, high, dtype=np.float32)
        self.action_space = spaces.Discrete(3)
        super().__init__(render_mode)
