"""Build step: compile the kernels that the experiments' ``--quick`` runs use into the package.

A new user's first ``fastfa run cartpole-dqn`` used to spend ~30 of its ~35 s in Numba compiling
kernels.  ``setup.py`` therefore runs the experiments listed in :data:`LANES` once while the package
is built (``python -m fastfa._prebuild LANE OUT``, with the freshly built package first on
``sys.path`` and ``FASTFA_PREBUILD=lane<LANE>``): every kernel they compile is saved to the
package's prebuilt Numba cache (:data:`fastfa.kernels._jit.PREBUILT_DIR`, one folder per lane, so
that the two processes never write the same index), which is installed with it.  At run
time a kernel that is not in the user's Numba cache is loaded from there when it was built for this
CPU, these kernel sources and this Numba, and compiled as before otherwise (a wheel taken to another
CPU compiles on first use: nothing breaks, nothing runs code built for another CPU).

The two lanes run in parallel (one per core of the project's 2-core reference machine), grouped so
that experiments sharing kernels (DQN's networks, the random-walk population) share a lane and
compile them once, and so that both take about as long (~100 s each on an AMD EPYC core while the
main-job loop is built beside them).  ``FASTFA_NO_PREBUILD=1`` at install skips the step (the
README's test command does: the tests do not need it).  Not for users: ``fastfa run`` needs none
of this.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

#: The experiments whose kernels are built with the package, in two lanes run side by side.
LANES = (
    (
        "cartpole-dqn",
        "acrobot-dqn",
        "approximators",
        "policy-gradient-theorem",
        "mountaincar-discretized",
        "mountaincar-nstep",
        "mountaincar-lambda",
    ),
    (
        "cartpole-a2c",
        "puckworld-actor-critic",
        "puckworld-reinforce",
        "short-corridor",
        "randomwalk-td",
        "randomwalk-aggregation",
        "randomwalk-bases",
        "randomwalk-lambda",
        "randomwalk-tiling",
        "baird",
    ),
)

MANIFEST = "manifest.json"


def cpu_key() -> list:
    """This machine's code-generation key as Numba records it in each cache entry: target triple,
    CPU name and CPU features (an entry built for another key is not loaded)."""
    from numba.core.registry import cpu_target

    return [str(x) for x in cpu_target.target_context.codegen().magic_tuple()]


def run_lane(lane: int) -> dict:
    """Run the experiments of ``LANES[lane]`` (quick, no figure) and return what each took."""
    from fastfa import cli

    done: dict = {}
    with tempfile.TemporaryDirectory(prefix="fastfa-prebuild-") as out:
        for name in LANES[lane]:
            t0 = time.perf_counter()
            rc: int | str
            try:
                rc = cli.main(["run", name, "--quick", "--no-plot", "--no-progress", "--out", out])
            except (Exception, SystemExit) as err:  # noqa: BLE001 - one failing experiment must not fail the build
                rc = f"{type(err).__name__}: {err}"
            done[name] = round(time.perf_counter() - t0, 2) if rc == 0 else f"failed ({rc})"
    return done


def lane_result(lane: int) -> dict:
    """Run lane ``lane`` and describe it as the manifest does (``setup.py`` merges the lanes')."""
    import numba

    from fastfa.kernels._jit import KERNELS_FINGERPRINT

    experiments = run_lane(lane)
    return {
        "fingerprint": KERNELS_FINGERPRINT,
        "numba": numba.__version__,
        "cpu": cpu_key(),
        "experiments": experiments,
    }


def status() -> str:
    """One line for ``fastfa info``: whether the prebuilt kernels are present and used here, and why not."""
    from fastfa.kernels._jit import KERNELS_FINGERPRINT, PREBUILT_DIR, prebuilt_mode

    try:
        manifest = json.loads((PREBUILT_DIR / MANIFEST).read_text())
        experiments = manifest["experiments"]
        built = sorted(k for k, v in experiments.items() if not isinstance(v, str))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return (
            "none (an editable install, FASTFA_NO_PREBUILD / FASTFA_NO_EXT at install, or the build could not run it)"
        )
    import numba

    what = f"kernels of {len(built)} experiments"
    if manifest.get("fingerprint") != KERNELS_FINGERPRINT or manifest.get("numba") != numba.__version__:
        return f"{what}, NOT used: kernel sources or Numba differ from the build's (reinstall to rebuild)"
    if manifest.get("cpu") != cpu_key():
        return f"{what}, NOT used: built for another CPU ({manifest.get('cpu', ['?', '?'])[1]}); compiled on first use"
    if prebuilt_mode() is None:
        return f"{what}, NOT used: FASTFA_AOT=0 or NUMBA_BOUNDSCHECK=1"
    return f"in use: {what} ({manifest['cpu'][1]})"


def main(argv: list[str] | None = None) -> int:
    """``python -m fastfa._prebuild LANE OUT``: run the lane and write its result (JSON) to OUT."""
    argv = sys.argv[1:] if argv is None else argv
    if os.environ.get("FASTFA_PREBUILD", "") in ("", "0") or len(argv) != 2:
        sys.stderr.write("fastfa._prebuild: a build step, run by setup.py (see the module docstring)\n")
        return 2
    result = lane_result(int(argv[0]))
    with open(argv[1], "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
