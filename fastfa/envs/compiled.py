"""Compiled environments: three Numba functions on a float64 state array, and a gymnasium ``Env``.

The gymnax shape, in Numba.  An environment is::

    reset(params, state, rng) -> None                    # fill ``state`` (rng: numpy.random.Generator)
    step(params, state, action, rng) -> (reward, terminated)   # advance ``state`` in place
    observe(params, state, out) -> None                  # write the observation into float64 ``out``

``params`` is a float64 array the functions only read; ``action`` is an int for ``Discrete(n)`` and
a float64 array for ``Box``.  :class:`CompiledEnv` wraps the three into a real ``gymnasium.Env``
(any Python loop, any library), and every fused fastfa loop runs them compiled, inlined, with no
Python in the loop.  Both paths see the same observation values (``out`` cast to
``observation_space.dtype``) and the same random draws (the env's ``np_random``), so they give
identical numbers for the same seed.

A bug in a user's jitted function can write out of bounds inside a fused loop, where nothing
checks; :func:`fastfa.envs.check_compiled_env` runs the functions with bounds checking first (agents
do it once per env before its first compiled run).
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Callable
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

__all__ = ["CompiledEnv"]


def _jitted(fn, name):
    if not callable(fn):
        raise TypeError(f"{name} must be a function (ideally @numba.njit), got {type(fn).__name__}")
    if hasattr(fn, "py_func"):  # already a Numba dispatcher
        return fn
    import numba

    return numba.njit(fn)


class CompiledEnv(gymnasium.Env):
    """A gymnasium ``Env`` made of three Numba-compilable functions (see the module docstring).

    Args:
        reset, step, observe: the environment's functions (plain Python functions are jitted).
        params: float64 parameters passed to all three (copied; read-only by contract).
        state_size: length of the float64 ``state`` array.
        observation_space: a 1-D ``Box`` (float32 or float64); observations are ``observe``'s
            float64 values cast to its dtype, in the Python and the compiled loops alike.
        action_space: ``Discrete(n)`` or a 1-D ``Box``.
        max_episode_steps: truncate episodes after this many steps (None: never).
        id: a name for messages and logs.

    Attributes:
        state: the current float64 state (the compiled loops advance it in place).
        compiled_key: None for a user's env (compiled once per process); built-in envs set a
            stable name, under which their fused loops are cached on disk.
        checked: True once :func:`fastfa.envs.check_compiled_env` passed on this env (agents check a
            user's env once, before its first compiled run).
        params_tuple: False by default.  Set it to True when the three functions only read
            ``params[i]`` with integer ``i`` (no slicing, no ``params.shape``, no NumPy calls on it):
            the fused loops then pass ``params`` as a tuple, which the compiler keeps in registers
            (about 1.1-1.2x faster on Mountain Car); the Python interface still passes the array.
            The built-in envs set it.
    """

    metadata = {"render_modes": []}
    compiled_key: str | None = None
    params_tuple: bool = False

    def __init__(
        self,
        reset: Callable[..., Any],
        step: Callable[..., Any],
        observe: Callable[..., Any],
        params: np.ndarray,
        state_size: int,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        *,
        max_episode_steps: int | None = None,
        id: str | None = None,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None:
            raise ValueError(f"render_mode: compiled environments do not render (got {render_mode!r})")
        self.render_mode = None
        self.reset_fn = _jitted(reset, "reset")
        self.step_fn = _jitted(step, "step")
        self.observe_fn = _jitted(observe, "observe")
        p = np.asarray(params, dtype=np.float64)
        if p.ndim != 1:
            raise ValueError(f"params must be a 1-D float array, got shape {p.shape}")
        self.params = np.ascontiguousarray(p).copy()
        if isinstance(state_size, bool) or not isinstance(state_size, (int, np.integer)) or state_size < 1:
            raise ValueError(f"state_size must be an int >= 1, got {state_size!r}")
        if not isinstance(observation_space, spaces.Box) or len(observation_space.shape) != 1:
            raise TypeError(f"observation_space must be a 1-D gymnasium.spaces.Box, got {observation_space!r}")
        if observation_space.dtype not in (np.float32, np.float64):
            raise TypeError(f"observation_space.dtype must be float32 or float64, got {observation_space.dtype}")
        if isinstance(action_space, spaces.Discrete):
            if action_space.start != 0:
                raise ValueError(f"action_space: Discrete must start at 0, got start={action_space.start}")
        elif not (isinstance(action_space, spaces.Box) and len(action_space.shape) == 1):
            raise TypeError(f"action_space must be Discrete(n) or a 1-D Box, got {action_space!r}")
        if max_episode_steps is not None and (
            isinstance(max_episode_steps, bool)
            or not isinstance(max_episode_steps, (int, np.integer))
            or max_episode_steps < 1
        ):
            raise ValueError(f"max_episode_steps must be None or an int >= 1, got {max_episode_steps!r}")
        if id is not None and not isinstance(id, str):
            raise TypeError(f"id must be a str or None, got {type(id).__name__}")
        self.observation_space = observation_space
        self.action_space = action_space
        self.max_episode_steps = None if max_episode_steps is None else int(max_episode_steps)
        self.id = id
        self.state = np.zeros(int(state_size), dtype=np.float64)
        self._out = np.zeros(observation_space.shape[0], dtype=np.float64)
        self._elapsed = 0
        self._started = False
        self.checked = False

    def clone(self) -> CompiledEnv:
        """An independent copy: the same functions, parameters and time limit, its own state, spaces
        and generators (reset it before use); whether it passed the check carries over.  A population
        gives each seed one (:func:`fastfa.train_seeds`)."""
        c = copy.copy(self)
        c.observation_space = copy.deepcopy(self.observation_space)  # a space holds its own generator
        c.action_space = copy.deepcopy(self.action_space)
        c.params = self.params.copy()
        c.state = np.zeros_like(self.state)
        c._out = np.zeros_like(self._out)
        c._np_random = None
        c._np_random_seed = None
        c._elapsed = 0
        c._started = False
        return c

    @property
    def _checked(self) -> bool:  # the 0.2.0-dev spelling of ``checked``
        return self.checked

    # ------------------------------------------------------------------ gymnasium interface
    def _observation(self):
        self.observe_fn(self.params, self.state, self._out)
        return self._out.astype(self.observation_space.dtype)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        if options:
            raise ValueError(f"options: not supported by {self._name()} (got {options!r})")
        self.reset_fn(self.params, self.state, self.np_random)
        self._elapsed = 0
        self._started = True
        return self._observation(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        if not self._started:
            raise RuntimeError(f"{self._name()}: call reset() before step()")
        a = self._action(action)
        reward, terminated = self.step_fn(self.params, self.state, a, self.np_random)
        self._elapsed += 1
        terminated = bool(terminated)
        truncated = not terminated and self.max_episode_steps is not None and self._elapsed >= self.max_episode_steps
        return self._observation(), float(reward), terminated, truncated, {}

    def _action(self, action):
        sp = self.action_space
        if isinstance(sp, spaces.Discrete):
            try:
                a = operator.index(action)
            except TypeError:
                a = -1
            if not 0 <= a < sp.n:
                raise ValueError(f"action must be an int in [0, {int(sp.n)}), got {action!r}")
            return a
        a = np.asarray(action, dtype=np.float64).reshape(-1)
        if a.shape != sp.shape or not np.isfinite(a).all():
            raise ValueError(f"action must be {sp.shape[0]} finite floats, got {action!r}")
        return np.ascontiguousarray(a)

    def _name(self):
        return self.id or type(self).__name__

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, state_size={self.state.shape[0]})"
