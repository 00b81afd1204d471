"""Where a compiled Puck World training step spends its time (best of N, ``time.process_time``, one thread).

    python benches/scripts/pg_puckworld_profile.py

Rows: the env step alone; env + two normal draws; env + tile coding (``hash_tiles_consts``); the full
REINFORCE-with-baseline and actor-critic runs of ``puckworld_train`` (the generic fused loop
``pg_env_loop`` on ``PuckWorldRelativeCompiledEnv``; λ = 0 and λ = 0.9 with the sparse trace list).
"""

import time

import numba
import numpy as np

from fastfa.agents.pg_compiled import hash_spec, puckworld_features, puckworld_train
from fastfa.kernels.envs import puck_corridor as pg_envs
from fastfa.kernels.envs.puck_corridor import puckworld_reset, puckworld_step
from fastfa.kernels.features.hashtiles import hash_consts, hash_tiles_consts

nj = numba.njit(cache=False, nogil=True)


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
def env_tiles(P, cf, ci, n, rng):
    s = np.empty(9)
    puckworld_reset(P, s, rng)
    obs, x = np.empty(4), np.empty(ci[0], np.int64)
    g = hash_consts(cf, ci, 4)
    t = 0
    for _ in range(n):
        puckworld_step(P, s, 0.3, -0.2, rng)
        obs[0], obs[1], obs[2], obs[3] = s[4] - s[0], s[5] - s[1], s[2], s[3]
        hash_tiles_consts(obs, g, x)
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
        cf, ci = hash_spec(tc)
        E = n_steps // L
        res = {
            "env step": best(lambda: env_only(P, n_steps, np.random.default_rng(0))),
            "env + 2 normals": best(lambda: env_normals(P, n_steps, np.random.default_rng(0))),
            "env + tile coding": best(lambda: env_tiles(P, cf, ci, n_steps, np.random.default_rng(0))),
        }
        one = dict(episodes=E, ep_len=L, runs=1, n_threads=1, n_tilings=k, size=size, tiles_per_dim=tpd, gamma=0.9)

        def rf():
            puckworld_train("reinforce", alpha=0.05, alpha_ls=0.002, alpha_w=0.3, **one)

        res["REINFORCE + baseline"] = best(rf, 3)
        for lam in (0.0, 0.9):

            def ac(lam=lam):
                puckworld_train("actor_critic", alpha=0.05, alpha_ls=0.002, alpha_w=0.2, lam=lam, lam_w=lam, **one)

            res[f"actor-critic lambda={lam}"] = best(ac, 3)
        print(f"{tpd} tiles/dim, {k} tilings, {size} features:")
        for name, v in res.items():
            print(f"  {name:28s} {v / n_steps * 1e9:7.1f} ns/step  {n_steps / v / 1e6:6.2f} M steps/s")


if __name__ == "__main__":
    main()
