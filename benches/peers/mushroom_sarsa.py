"""Tile-coded SARSA(λ) on Mountain Car in MushroomRL (its own virtualenv), or the same work in fastfa.

    python benches/peers/mushroom_sarsa.py mushroom STEPS SEED    # in MushroomRL's venv
    python benches/peers/mushroom_sarsa.py fastfa STEPS SEED      # in fastfa's venv

Prints one JSON line: ``{"loop_s": ..., "steps": ...}`` (the learning loop alone; fastfa's compiled
code is loaded from Numba's cache by a one-episode call before it); the caller times the whole
process.  Same work on both sides: gymnasium/gym ``MountainCar-v0`` dynamics with its
200-step time limit, 8 tilings of 8x8 tiles over the observation box, 3 actions, SARSA(λ) with
accumulating traces, λ = 0.9, α = 0.1/8, ε = 0 (greedy; optimistic zero weights), γ = 1.
MushroomRL runs this with ``Gym`` + ``Tiles.generate`` + ``SARSALambdaContinuous`` + ``Core.learn``,
as its Mountain Car example does; fastfa with ``run_population(..., "sarsa_lambda")``.
"""

import json
import sys
import time

LAM, ALPHA, TILINGS, TILES = 0.9, 0.1 / 8, 8, 8


def mushroom(steps, seed):
    import numpy as np
    from mushroom_rl.algorithms.value import SARSALambdaContinuous
    from mushroom_rl.approximators.parametric import LinearApproximator
    from mushroom_rl.core import Core
    from mushroom_rl.environments import Gym
    from mushroom_rl.features import Features
    from mushroom_rl.features.tiles import Tiles
    from mushroom_rl.policy import EpsGreedy
    from mushroom_rl.utils.parameters import Parameter

    np.random.seed(seed)
    mdp = Gym(name="MountainCar-v0", horizon=200, gamma=1.0)
    mdp.seed(seed)
    pi = EpsGreedy(epsilon=Parameter(0.0))
    space = mdp.info.observation_space
    tilings = Tiles.generate(TILINGS, [TILES, TILES], space.low, space.high)
    features = Features(tilings=tilings)
    params = dict(
        input_shape=(features.size,), output_shape=(mdp.info.action_space.n,), n_actions=mdp.info.action_space.n
    )
    agent = SARSALambdaContinuous(
        mdp.info,
        pi,
        LinearApproximator,
        Parameter(ALPHA),
        lambda_coeff=LAM,
        features=features,
        approximator_params=params,
    )
    core = Core(agent, mdp)
    t = time.perf_counter()
    core.learn(n_steps=steps, n_steps_per_fit=1, quiet=True)
    return time.perf_counter() - t, steps


def fastfa(steps, seed):
    from fastfa.agents.population import TileSpec, run_population

    tiles = TileSpec((-1.2, -0.07), (0.6, 0.07), TILES, TILINGS)
    episodes = max(1, steps // 200)  # MountainCar episodes last <= 200 steps: at least `steps` steps overall
    kw = dict(trace="accumulating", tiles=tiles, max_steps=200, threads=1)
    run_population("MountainCar-v0", "sarsa_lambda", alphas=[ALPHA], lams=[LAM], runs=1, episodes=1, **kw)  # load
    t = time.perf_counter()
    out = run_population(
        "MountainCar-v0", "sarsa_lambda", alphas=[ALPHA], lams=[LAM], runs=1, episodes=episodes, seed=seed, **kw
    )
    return time.perf_counter() - t, out["env_steps"]


if __name__ == "__main__":
    side, steps, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    loop_s, n = (mushroom if side == "mushroom" else fastfa)(steps, seed)
    print(json.dumps({"loop_s": loop_s, "steps": int(n)}))
