"""Whole-loop JAX linear SARSA on Mountain Car (PureJaxRL style): the peer of fastfa's
``run_population(..., "sarsa")`` for ``sarsa_vs_jax.py``.

The work of one env step is the same as fastfa's compiled loop (S&B 10.1, Fig 10.1/10.2 setup):

* Mountain Car dynamics (gymnasium's MountainCar-v0 equations in float64, start position
  U(-0.6, -0.4), velocity 0, reward -1, termination at position >= 0.5; no time limit, as in the
  book; a new episode starts at once after a termination);
* grid tile coding of (position, velocity) over the book's box [-1.2, 0.5] x [-0.07, 0.07]: 8
  tilings of 8 x 8 tiles (9 x 9 cells per tiling to cover the offsets), tiling t displaced by
  t/8 of a tile times (1, 3) (the book's asymmetric offsets);
* linear q(s, a) = sum of the 8 active weights of action a; greedy action (epsilon 0 with optimistic
  zero weights, lowest index on ties); one-step SARSA update w[a, active] += alpha (R + q(S', A') - q(S, A))
  (q(S', A') = 0 at a termination), alpha = 0.5 / 8.

Precision: float32 by default, JAX's fastest variant here (measured: about 1.8x float64 at 100
seeds on 2 cores); ``SARSA_JAX_F64=1`` in the environment runs it in float64 like fastfa's loop.

``build(steps, seeds, cores)`` returns ``(fn, keys)``: ``fn(keys)`` runs ``steps`` env steps for
each seed and returns the number of finished episodes per seed; ``keys(key)`` makes the per-seed
keys (shaped for ``pmap`` over ``cores`` devices x ``vmap`` over ``seeds / cores``).  The whole
loop is one ``lax.scan`` inside ``jit`` (``pmap`` for 2 devices).  Written for this bench, not
taken from PureJaxRL or gymnax.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp

F64 = os.environ.get("SARSA_JAX_F64", "") not in ("", "0")
jax.config.update("jax_enable_x64", F64)
DT = jnp.float64 if F64 else jnp.float32

TILINGS, TILES = 8, 8
CELLS = TILES + 1
N_FEATURES = TILINGS * CELLS * CELLS
LOW = jnp.array([-1.2, -0.07], DT)
HIGH = jnp.array([0.5, 0.07], DT)
ALPHA = 0.5 / TILINGS


def _reset(key):
    pos = jax.random.uniform(key, (), minval=-0.6, maxval=-0.4, dtype=DT)
    return pos, DT(0.0)


def _step(pos, vel, a):
    vel = vel + (a - 1) * 0.001 + jnp.cos(3.0 * pos) * (-0.0025)
    vel = jnp.clip(vel, -0.07, 0.07)
    pos = jnp.clip(pos + vel, -1.2, 0.6)
    vel = jnp.where((pos == -1.2) & (vel < 0.0), 0.0, vel)
    return pos, vel, pos >= 0.5


def _tiles(pos, vel):
    """The 8 active feature indices of (pos, vel)."""
    x = (jnp.stack([pos, vel]) - LOW) / (HIGH - LOW) * TILES  # in tile units
    t = jnp.arange(TILINGS)
    off = (t[:, None] * jnp.array([1.0, 3.0], DT)[None, :] / TILINGS) % 1.0
    cell = jnp.clip(jnp.floor(x[None, :] + off).astype(jnp.int32), 0, CELLS - 1)
    return t * CELLS * CELLS + cell[:, 0] * CELLS + cell[:, 1]


def _greedy(w, idx):
    return jnp.argmax(w[:, idx].sum(axis=1))


def _run_one(key, steps):
    key, k0 = jax.random.split(key)
    pos, vel = _reset(k0)
    idx = _tiles(pos, vel)
    w = jnp.zeros((3, N_FEATURES), DT)
    a = _greedy(w, idx)

    def body(carry, _):
        w, pos, vel, idx, a, key, eps = carry
        q_sa = w[a, idx].sum()
        pos1, vel1, done = _step(pos, vel, a)
        key, kr = jax.random.split(key)
        rpos, rvel = _reset(kr)
        idx1 = _tiles(pos1, vel1)
        a1 = _greedy(w, idx1)
        target = -1.0 + jnp.where(done, 0.0, w[a1, idx1].sum())
        w = w.at[a, idx].add(ALPHA * (target - q_sa))
        # after a termination the next episode starts at once (its first action from the updated w)
        pos1, vel1 = jnp.where(done, rpos, pos1), jnp.where(done, rvel, vel1)
        idx1 = jnp.where(done, _tiles(pos1, vel1), idx1)
        a1 = jnp.where(done, _greedy(w, idx1), a1)
        return (w, pos1, vel1, idx1, a1, key, eps + done), None

    carry, _ = jax.lax.scan(body, (w, pos, vel, idx, a, key, jnp.int32(0)), None, length=steps)
    return carry[-1]


def build(steps: int, seeds: int, cores: int):
    one = lambda k: _run_one(k, steps)  # noqa: E731
    if cores == 1:
        fn = jax.jit(jax.vmap(one))

        def keys(key):
            return jax.random.split(key, seeds)
    else:
        assert seeds % cores == 0, "seeds must split evenly over the devices"
        fn = jax.pmap(jax.vmap(one))

        def keys(key):
            return jax.random.split(key, seeds).reshape(cores, seeds // cores, -1)

    return fn, keys


if __name__ == "__main__":  # a quick check: episodes finished by 3 seeds in 20k steps (the book: ~200 steps each)
    import time

    fn, keys = build(20_000, 3, 1)
    t = time.perf_counter()
    eps = jax.block_until_ready(fn(keys(jax.random.PRNGKey(0))))
    print("episodes per seed:", eps.tolist(), f"({time.perf_counter() - t:.2f} s incl. compile)")
