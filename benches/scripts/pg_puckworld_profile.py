"""Where a compiled Puck World training step spends its time (best of N, ``time.process_time``, one thread).

    python benches/scripts/pg_puckworld_profile.py

Rows: the env step alone; env + two normal draws; env + tile coding (``pw_tiles``); the full
REINFORCE-with-baseline and actor-critic loops (λ = 0 and λ = 0.9 with the sparse trace list).
"""

import time

import numba
import numpy as np

from fastfa.agents.pg_compiled import puckworld_features
from fastfa.kernels.envs import puck_corridor as pg_envs
from fastfa.kernels.loops import puckworld_loops
from fastfa.kernels.envs.puck_corridor import puckworld_reset, puckworld_step

nj = numba.njit(cache=False, nogil=True)
pw_tiles = puckworld_loops.pw_tiles


@nj
def env_only(P, n, rng):
    s = np.empty(9)
    puckworld_reset(P, s, rng)
    t = 0.0
    for _ in range(n):
        t += puckworld_step(P, s, 0.3, -0.2, rng)
    return t


@nj
def env_normals(P, n, rng):
    s = np.empty(9)
    puckworld_reset(P, s, rng)
    t = 0.0
    for _ in range(n):
        t += puckworld_step(P, s, rng.standard_normal(), rng.standard_normal(), rng)
    return t


@nj
def env_tiles(P, tc, n, rng):
    nt = tc[5]
    s = np.empty(9)
    puckworld_reset(P, s, rng)
    obs, x = np.empty(4), np.empty(nt, np.int64)
    q, co = np.empty(4, np.int64), np.empty(5, np.int64)
    t = 0
    for _ in range(n):
        puckworld_step(P, s, 0.3, -0.2, rng)
        obs[0], obs[1], obs[2], obs[3] = s[4] - s[0], s[5] - s[1], s[2], s[3]
        pw_tiles(obs, tc, q, co, x)
        t += x[0]
    return t


def best(fn, reps=5):
    fn()
    r = []
    for _ in range(reps):
        t = time.process_time()
        fn()
        r.append(time.process_time() - t)
    return min(r)


def main(n_steps=300_000):
    P = pg_envs.puckworld_params()
    k, L = 8, 300
    for tpd, size in ((4, 16384), (3, 16384)):
        tc = puckworld_features(tpd, k, size)
        args = tc.kernel_args()
        E = n_steps // L
        res = {
            "env step": best(lambda: env_only(P, n_steps, np.random.default_rng(0))),
            "env + 2 normals": best(lambda: env_normals(P, n_steps, np.random.default_rng(0))),
            "env + tile coding": best(lambda: env_tiles(P, args, n_steps, np.random.default_rng(0))),
        }

        def rf():
            hp = puckworld_loops.make_pw_hp(0.05 / k, 0.002 / k, 0.3 / k, 0.9, 0.0, 0.0, np.log(0.05), np.log(2.0))
            puckworld_loops.puckworld_reinforce(
                P,
                args,
                np.zeros((size, 2)),
                np.zeros(2),
                np.zeros(size),
                hp,
                E,
                L,
                np.random.default_rng(0),
                np.empty(E),
                np.empty(E),
            )

        res["REINFORCE + baseline"] = best(rf, 3)
        for lam in (0.0, 0.9):

            def ac(lam=lam):
                hp = puckworld_loops.make_pw_hp(
                    0.05 / k, 0.002 / k, 0.2 / k, 0.9, lam, lam, np.log(0.05), np.log(2.0), 1e-8
                )
                puckworld_loops.puckworld_actor_critic(
                    P,
                    args,
                    np.zeros((size, 2)),
                    np.zeros(2),
                    np.zeros(size),
                    hp,
                    E,
                    L,
                    np.random.default_rng(0),
                    np.empty(E),
                    np.empty(E),
                )

            res[f"actor-critic lambda={lam}"] = best(ac, 3)
        print(f"{tpd} tiles/dim, {k} tilings, {size} features:")
        for name, v in res.items():
            print(f"  {name:28s} {v / n_steps * 1e9:7.1f} ns/step  {n_steps / v / 1e6:6.2f} M steps/s")


if __name__ == "__main__":
    main()
