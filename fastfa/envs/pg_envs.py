"""Policy-gradient environments: Short Corridor (S&B Example 13.1) and Puck World (continuous and discrete).

The physics lives in ``fastfa.kernels.envs.puck_corridor`` (compiled twin: params + state +
``@njit`` step) so the same code runs inside compiled training loops; these
classes are the gymnasium face of it (``fastfa.make(id, compiled=True)`` gives
the same class).  ``render_mode="rgb_array"`` draws with NumPy only;
``"human"`` shows the frames with matplotlib when it is installed.
"""

from __future__ import annotations

import gymnasium
import numpy as np
from gymnasium import spaces

from .compiled import CompiledEnv

__all__ = [
    "PuckWorldDiscreteCompiledEnv",
    "PuckWorldDiscreteEnv",
    "PuckWorldEnv",
    "PuckWorldRelativeCompiledEnv",
    "ShortCorridorCompiledEnv",
    "ShortCorridorEnv",
    "short_corridor_value",
]


def _k():
    from ..kernels.envs import puck_corridor as pg_envs

    return pg_envs


def short_corridor_value(p_right):
    """Exact value of the start state for P(right) = p; see :func:`fastfa.kernels.envs.puck_corridor.short_corridor_value`."""
    return _k().short_corridor_value(p_right)


class ShortCorridorEnv(gymnasium.Env):
    """Short corridor with switched actions (S&B Example 13.1).

    ## Action Space
    ``Discrete(2)``: 0 left, 1 right.  In the second state (1) the actions are reversed.

    ## Observation Space
    ``Discrete(4)``: the state index (3 = terminal).  The book's agent must not use it:
    it sees the same features x(s, right) = [1, 0], x(s, left) = [0, 1] in every state.

    ## Rewards
    -1 per step.

    ## Starting State
    State 0.

    ## Episode End
    Termination on reaching state 3; truncation after 1000 steps (``fastfa/ShortCorridor-v0``).
    The best stochastic policy chooses right with p = 2 - sqrt(2) ~ 0.586, value ~ -11.66
    (:func:`short_corridor_value`).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(self, render_mode: str | None = None) -> None:
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.render_mode = render_mode
        self.observation_space = spaces.Discrete(4)
        self.action_space = spaces.Discrete(2)
        self.state = np.zeros(1)
        self._started = False

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.state[0] = 0.0
        self._started = True
        return 0, {}

    def step(self, action):
        if not self._started:
            raise RuntimeError("call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action must be 0 (left) or 1 (right), got {action!r}")
        reward, terminated = _k().short_corridor_step(self.state, int(action))
        return int(self.state[0]), float(reward), bool(terminated), False, {}

    def render(self):
        if self.render_mode != "rgb_array":
            return None
        img = np.full((60, 240, 3), 255, np.uint8)
        for s in range(4):
            x0 = 10 + 57 * s
            img[20:40, x0 : x0 + 50] = (200, 230, 200) if s == 3 else (220, 220, 220)
        s = int(self.state[0])
        x0 = 10 + 57 * s
        img[25:35, x0 + 20 : x0 + 30] = (40, 40, 200)
        return img


class _PuckWorldBase(gymnasium.Env):
    metadata = {"render_modes": ["rgb_array", "human"], "render_fps": 30}

    def __init__(
        self,
        render_mode=None,
        *,
        radius: float = 0.05,
        accel: float = 0.002,
        damping: float = 0.95,
        bounce=-0.5,
        target_period=300,
        enemy: bool = False,
        enemy_speed: float = 0.001,
        enemy_radius: float = 0.25,
        enemy_penalty: float = 2.0,
    ) -> None:
        if render_mode not in (None, "rgb_array", "human"):
            raise ValueError(f"render_mode must be None, 'rgb_array' or 'human', got {render_mode!r}")
        for name, v, lo, hi in [
            ("radius", radius, 0.0, 0.5),
            ("accel", accel, 0.0, np.inf),
            ("damping", damping, 0.0, 1.0),
            ("enemy_speed", enemy_speed, 0.0, np.inf),
            ("enemy_radius", enemy_radius, 0.0, np.inf),
        ]:
            if not (np.isfinite(v) and lo < v <= hi) and not (name == "damping" and v == 0.0):
                raise ValueError(f"{name} must be in ({lo}, {hi}], got {v!r}")
        if not (np.isfinite(bounce) and -1.0 <= bounce <= 0.0):
            raise ValueError(f"bounce must be in [-1, 0], got {bounce!r}")
        if not isinstance(target_period, (int, np.integer)) or target_period < 0:
            raise ValueError(f"target_period must be an int >= 0 (0: the target never jumps), got {target_period!r}")
        self.render_mode = render_mode
        self.params = _k().puckworld_params(
            radius, accel, damping, bounce, target_period, enemy, enemy_speed, enemy_radius, enemy_penalty
        )
        self.enemy = bool(enemy)
        n = 8 if enemy else 6
        vmax = accel / (1.0 - damping) if damping < 1.0 else np.inf  # |v| <= a/(1-k) from rest
        low = np.array([0, 0, -vmax, -vmax, 0, 0, 0, 0][:n], np.float32)
        high = np.array([1, 1, vmax, vmax, 1, 1, 1, 1][:n], np.float32)
        self.observation_space = spaces.Box(low, high, dtype=np.float32)
        self.state = np.zeros(_k().PW_STATE_LEN)
        self._obs = np.zeros(n, np.float32)
        self._started = False
        self._fig = None

    def _get_obs(self):
        _k().puckworld_obs(self.params, self.state, self._obs)
        return self._obs.copy()

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        _k().puckworld_reset(self.params, self.state, self.np_random)
        self._started = True
        if self.render_mode == "human":
            self.render()
        return self._get_obs(), {}

    def _step_force(self, fx, fy):
        if not self._started:
            raise RuntimeError("call reset() before step()")
        reward = _k().puckworld_step(self.params, self.state, fx, fy, self.np_random)
        if self.render_mode == "human":
            self.render()
        return (
            self._get_obs(),
            float(reward),
            False,
            False,
            {"distance": float(np.hypot(self.state[0] - self.state[4], self.state[1] - self.state[5]))},
        )

    def render(self):
        if self.render_mode is None:
            return None
        img = draw_puckworld(self.params, self.state)
        if self.render_mode == "rgb_array":
            return img
        try:
            import matplotlib.pyplot as plt
        except ImportError as err:  # pragma: no cover
            raise RuntimeError("render_mode='human' needs matplotlib (pip install 'fastfa[plot]')") from err
        if self._fig is None:
            plt.ion()
            self._fig, ax = plt.subplots()
            ax.axis("off")
            self._im = ax.imshow(img)
        else:
            self._im.set_data(img)
        self._fig.canvas.draw_idle()
        plt.pause(1.0 / self.metadata["render_fps"])
        return None

    def close(self) -> None:
        if self._fig is not None:
            import matplotlib.pyplot as plt

            plt.close(self._fig)
            self._fig = None


def draw_puckworld(params, state, size: int = 256) -> np.ndarray:
    """An RGB frame (uint8 [size, size, 3]) of Puck World, NumPy only: puck blue, target green,
    enemy red with its penalty disc shaded."""
    k = _k()
    img = np.full((size, size, 3), 250, np.uint8)
    yy, xx = np.mgrid[0:size, 0:size]
    u = (xx + 0.5) / size
    v = 1.0 - (yy + 0.5) / size  # y up

    def disc(cx, cy, rad, colour, alpha: float = 1.0) -> None:
        m = (u - cx) ** 2 + (v - cy) ** 2 <= rad * rad
        img[m] = (alpha * np.asarray(colour) + (1 - alpha) * img[m]).astype(np.uint8)

    if params[k.PW_ENEMY] != 0.0:
        disc(state[6], state[7], params[k.PW_BAD_RADIUS], (255, 150, 150), 0.35)
        disc(state[6], state[7], 0.03, (200, 30, 30))
    disc(state[4], state[5], 0.03, (30, 170, 60))
    disc(state[0], state[1], params[k.PW_RADIUS], (40, 80, 220))
    img[[0, -1], :] = 0
    img[:, [0, -1]] = 0
    return img


class PuckWorldEnv(_PuckWorldBase):
    """Puck World with a continuous 2-D force (the lecture's example; Karpathy's REINFORCEjs demo).

    ## Action Space
    ``Box(-1, 1, (2,), float32)``: force (x, y), scaled by ``accel`` (0.002 per step).
    Actions outside [-1, 1]² raise ``ValueError`` (clip them in the agent: fastfa's
    Gaussian policies do).

    ## Observation Space
    ``Box(6,)`` float32: puck x, y, velocity x, y, target x, y (+ enemy x, y when
    ``enemy=True``).

    ## Rewards
    Minus the distance from puck to target; with the enemy, also
    ``enemy_penalty * (d - R) / R`` while the puck is within R = ``enemy_radius`` of it.

    ## Starting State
    Puck uniform in [radius, 1 - radius]², at rest; target and enemy uniform in the square.

    ## Episode End
    A continuing task: never terminates; truncation after 600 steps (``fastfa/PuckWorld-v0``,
    two target positions per episode with the default ``target_period=300``).

    ## Arguments
    ``radius=0.05, accel=0.002, damping=0.95, bounce=-0.5, target_period=300`` (steps of
    0.1 s: 30 s; 0 disables jumps), ``enemy=False, enemy_speed=0.001, enemy_radius=0.25,
    enemy_penalty=2.0``.
    """

    def __init__(self, render_mode: str | None = None, **kwargs) -> None:
        super().__init__(render_mode, **kwargs)
        self.action_space = spaces.Box(-1.0, 1.0, (2,), dtype=np.float32)

    def step(self, action):
        a = np.asarray(action, dtype=np.float64)
        if a.shape != (2,) or not np.all(np.isfinite(a)) or np.any(np.abs(a) > 1.0):
            raise ValueError(f"action must be a finite force of shape (2,) in [-1, 1]^2, got {action!r}")
        return self._step_force(float(a[0]), float(a[1]))


class PuckWorldDiscreteEnv(_PuckWorldBase):
    """Puck World with 5 thrusters for value-based agents.

    ## Action Space
    ``Discrete(5)``: 0 none, 1 left, 2 right, 3 up, 4 down (unit force on one axis).

    Everything else as :class:`PuckWorldEnv` (observation, reward, start, episode end).
    """

    def __init__(self, render_mode: str | None = None, **kwargs) -> None:
        super().__init__(render_mode, **kwargs)
        self.action_space = spaces.Discrete(5)

    def step(self, action):
        if not self.action_space.contains(action):
            raise ValueError(f"action must be an int in [0, 5), got {action!r}")
        fx, fy = _k().puckworld_discrete_force(int(action))
        return self._step_force(fx, fy)


class PuckWorldDiscreteCompiledEnv(CompiledEnv):
    """:class:`PuckWorldDiscreteEnv` with default parameters as a :class:`fastfa.envs.CompiledEnv`
    (the same reset, dynamics, rewards and float32 observations, the kernels of
    ``fastfa.kernels.envs.puck_corridor``; 600-step episodes): what ``DQN("fastfa/PuckWorldDiscrete-v0")``
    trains on in its fused loop.  No rendering (use :class:`PuckWorldDiscreteEnv` to watch)."""

    compiled_key = "fastfa/PuckWorldDiscrete-v0"

    def __init__(self, render_mode: str | None = None) -> None:
        proto = PuckWorldDiscreteEnv()
        k = _k()
        super().__init__(
            k.puckworld_reset,
            k.puckworld_discrete_env_step,
            k.puckworld_obs,
            proto.params,
            k.PW_STATE_LEN,
            proto.observation_space,
            proto.action_space,
            max_episode_steps=600,
            id=self.compiled_key,
            render_mode=render_mode,
        )


class PuckWorldRelativeCompiledEnv(CompiledEnv):
    """Puck World with a continuous force as a :class:`fastfa.envs.CompiledEnv`, observed as the
    lecture's agent sees it: (target − puck, velocity), float64 [4] (the kernels of
    ``fastfa.kernels.envs.puck_corridor``; the same reset, dynamics and rewards as
    :class:`PuckWorldEnv`).  Action: ``Box(-1, 1, (2,), float64)``; 600-step episodes.  ``params``:
    :func:`fastfa.kernels.envs.puck_corridor.puckworld_params` (None: the defaults).  What the compiled
    Puck World training (``fastfa.agents.pg_compiled.puckworld_train``) runs on.  No rendering."""

    compiled_key = "fastfa/PuckWorldRelative-v0"

    def __init__(self, render_mode: str | None = None, params: np.ndarray | None = None) -> None:
        k = _k()
        vmax = 0.002 / (1.0 - 0.95)
        super().__init__(
            k.puckworld_reset,
            k.puckworld_env_step,
            k.puckworld_relative_obs,
            k.puckworld_params() if params is None else params,
            k.PW_STATE_LEN,
            spaces.Box(np.array([-1, -1, -vmax, -vmax]), np.array([1, 1, vmax, vmax]), dtype=np.float64),
            spaces.Box(-1.0, 1.0, (2,), dtype=np.float64),
            max_episode_steps=600,
            id=self.compiled_key,
            render_mode=render_mode,
        )


class ShortCorridorCompiledEnv(CompiledEnv):
    """:class:`ShortCorridorEnv` as a :class:`fastfa.envs.CompiledEnv`: the same dynamics and rewards,
    observing the state index as ``Box(0, 3, (1,), float64)`` (one grid tile over [0, 4) gives the
    book's state-blind features); 1000-step episodes.  What the compiled short-corridor REINFORCE
    (``fastfa.agents.pg_compiled.short_corridor_reinforce``) runs on."""

    compiled_key = "fastfa/ShortCorridor-v0"

    def __init__(self, render_mode: str | None = None) -> None:
        k = _k()
        super().__init__(
            k.short_corridor_reset,
            k.short_corridor_env_step,
            k.short_corridor_obs,
            np.zeros(1),
            1,
            spaces.Box(0.0, 3.0, (1,), dtype=np.float64),
            spaces.Discrete(2),
            max_episode_steps=1000,
            id=self.compiled_key,
            render_mode=render_mode,
        )
