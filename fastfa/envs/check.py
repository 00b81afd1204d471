"""``check_compiled_env``: run a compiled environment's functions with bounds checking, before a fused loop.

Inside a fused loop nothing checks a user's jitted code: an index past the end of ``state`` or
``out`` writes into other memory.  This check compiles bounds-checked copies of ``reset``, ``step``
and ``observe`` (``numba.njit(boundscheck=True)`` on their Python source; functions they call keep
their own settings) and runs a few seeded episodes, checking what the fused loops rely on.
"""

from __future__ import annotations

import threading

import numpy as np
import gymnasium
from gymnasium import spaces

from .compiled import CompiledEnv

__all__ = ["check_compiled_env", "ensure_checked"]


_CHECKED: dict = {}  # Python function -> its bounds-checked dispatcher (one compile per function per process)
_CHECKED_LOCK = threading.Lock()


def _checked_copy(fn):
    """The bounds-checked copy of a jitted ``fn`` (``fn`` itself if it is not a Numba dispatcher).
    Memoised on the Python function: every env made of the same functions (a new ``CompiledEnv`` per
    seed, per test, per sweep cell) reuses one copy and its compiled code instead of compiling it again."""
    import numba

    py = getattr(fn, "py_func", None)
    if py is None:
        return fn
    with _CHECKED_LOCK:
        copy = _CHECKED.get(py)
        if copy is None:
            copy = _CHECKED[py] = numba.njit(boundscheck=True, cache=False)(py)
    return copy


def _fail(env, what):
    raise ValueError(f"check_compiled_env({env._name()}): {what}")


def _trajectory(env, fns, seed, steps):
    reset, step, observe = fns
    params = env.params.copy()
    n_obs = env.observation_space.shape[0]
    state = np.full(env.state.shape[0], np.nan)
    out = np.full(n_obs, np.nan)
    rng = np.random.default_rng(seed)
    act_rng = np.random.default_rng(seed + 1)
    sp = env.action_space
    trace = []
    try:
        reset(params, state, rng)
        if not np.isfinite(state).all():
            _fail(env, f"reset left state non-finite or unset: {state.tolist()}")
        for t in range(steps):
            out[:] = np.nan
            before = state.copy()
            observe(params, state, out)
            if not np.isfinite(out).all():
                _fail(env, f"observe wrote a non-finite value or left part of out unset: {out.tolist()}")
            if not np.array_equal(state, before):
                _fail(env, "observe changed state (it must only write out)")
            if isinstance(sp, spaces.Discrete):
                a = int(act_rng.integers(sp.n))
            else:
                a = act_rng.uniform(sp.low, sp.high).astype(np.float64)
            res = step(params, state, a, rng)
            if not (isinstance(res, tuple) and len(res) == 2):
                _fail(env, f"step must return (reward, terminated), got {res!r}")
            r, term = res
            if not isinstance(r, (float, int, np.floating, np.integer)) or not np.isfinite(r):
                _fail(env, f"step returned a non-finite or non-numeric reward {r!r} at step {t}")
            if not isinstance(term, (bool, np.bool_)):
                _fail(env, f"step must return terminated as a bool, got {type(term).__name__}")
            if not np.array_equal(params, env.params):
                _fail(env, "step wrote into params (it may only write state)")
            if not np.isfinite(state).all():
                _fail(env, f"step made state non-finite at step {t}: {state.tolist()}")
            trace.append((out.copy(), float(r), bool(term), state.copy()))
            if term:
                reset(params, state, rng)
    except IndexError as err:
        _fail(env, f"an index went out of bounds ({err}); state has {state.shape[0]} entries, out has {n_obs}")
    return trace


def check_compiled_env(env: gymnasium.Env, *, seed: int = 0, steps: int = 300) -> None:
    """Check a :class:`CompiledEnv` (or a wrapper of one) before compiled loops run it.

    Runs ``steps`` random actions twice with bounds-checked copies of the three functions and
    raises ``ValueError`` naming the problem if: an index goes out of bounds; ``reset`` leaves the
    state non-finite; ``observe`` leaves ``out`` partly unset or non-finite, or changes the state;
    ``step`` does not return ``(number, bool)``, returns a non-finite reward, writes into
    ``params``; or two runs with the same seed differ (all randomness must come from ``rng``).
    Then runs gymnasium's ``check_env`` on the env; the env's and its spaces' generators and the state
    are left as they were.
    """
    u = getattr(env, "unwrapped", env)
    if not isinstance(u, CompiledEnv):
        raise TypeError(f"env must be a fastfa.envs.CompiledEnv, got {type(u).__name__}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an int >= 1, got {steps!r}")
    fns = tuple(_checked_copy(f) for f in (u.reset_fn, u.step_fn, u.observe_fn))
    one = _trajectory(u, fns, int(seed), int(steps))
    two = _trajectory(u, fns, int(seed), int(steps))
    for t, (x, y) in enumerate(zip(one, two)):
        if not (np.array_equal(x[0], y[0]) and x[1] == y[1] and x[2] == y[2] and np.array_equal(x[3], y[3])):
            _fail(u, f"two runs with the same seed differ at step {t}: draw every random number from rng")
    import warnings

    from gymnasium.utils.env_checker import check_env

    # check_env reseeds and steps the env and its spaces: restore their generators and the state, so a
    # check before a run leaves the run's random streams as they were
    env_rng = u.np_random
    holders: tuple = (u, u.action_space, u.observation_space)
    saved = [g.np_random.bit_generator.state for g in holders]
    state = u.state.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(u, skip_render_check=True)
    u.np_random = env_rng
    for g, st in zip(holders, saved):
        g.np_random.bit_generator.state = st
    u.state[:] = state
    u.checked = True


def ensure_checked(env) -> None:
    """Run :func:`check_compiled_env` on ``env`` unless it passed before (a no-op for built-in envs,
    whose ``compiled_key`` is set: their functions are fastfa's own)."""
    u = getattr(env, "unwrapped", env)
    if u.compiled_key is None and not u.checked:
        check_compiled_env(u)
