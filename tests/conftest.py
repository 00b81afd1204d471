"""Shared test setup: tests run against the *installed* fastfa (with its compiled extension)."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for `import naive`

import fastfa  # noqa: E402

JIT_DISABLED = os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")


def pytest_report_header(config):
    import fastfa.tiles3 as t3

    return [
        f"fastfa {fastfa.__version__} from {Path(fastfa.__file__).parent} "
        f"(compiled tiles3: {t3.COMPILED}, NUMBA_DISABLE_JIT: {JIT_DISABLED})"
    ]


@pytest.fixture
def jit_disabled():
    return JIT_DISABLED


# Kernel tests that .ci/run reruns with NUMBA_DISABLE_JIT=1 (marker "nojit"): files
# here are marked whole (tests elsewhere may carry @pytest.mark.nojit themselves).  Left out: learning runs
# and loops that take minutes interpreted; their compiled-vs-interpreted values are compared on small
# sizes by tests/interp_cases.py instead.
NOJIT_FILES = {
    "kernels/test_control.py",
    "kernels/test_prediction.py",
    "kernels/test_tiles_kernel.py",
    "kernels/test_gridtiles.py",
    "kernels/test_simd.py",
    "kernels/test_mlp.py",
    "test_tiles3.py",
    "test_buffers.py",
    "test_buffers_nstep.py",
    "test_buffers_compact.py",
    "policies/test_pg_kernels.py",
}
NOJIT_SKIP = {"test_sgd_decreases_loss_regression", "test_float32_matches_float64"}  # ~20 s each interpreted
_TESTS = Path(__file__).parent


# Variants marked "extended" (here, or with @pytest.mark.extended on the test) (CI's own step after the test command: pytest -n 2 -m extended): each is
# one more (algorithm x policy x env) instance of a compiled-vs-Python-loop equality whose code path the
# test command already checks in another instance.  Nearly all of their time is compiling one more
# specialised unit each (~3-20 s of one core), which kept the test command over its 7 minutes.
EXTENDED = {
    "agents/test_pg_env_compiled.py::test_compiled_equals_python_loop": {
        "Reinforce-gaussian",
        "Reinforce-softmax",
        "ActorCritic-softmax",
        "ReinforceBaseline-gaussian",
    },
    "agents/test_pg_env_compiled.py::test_reinforce_over_n_rollouts_compiled_equals_python_loop": {
        "Reinforce-gaussian",
        "Reinforce-softmax",
        "ReinforceBaseline-gaussian",
    },
    "agents/test_pg_env_compiled.py::test_actor_critic_with_traces_compiled_equals_python_loop": {
        "lams0-softmax",
        "lams0-gaussian",
        "lams1-softmax",
        "lams1-gaussian",
    },
    "agents/test_prediction_env_compiled.py::test_compiled_equals_python_loop": {
        "TD0-",
        "TrueOnlineTDLambda-",
        "TDLambda-replacing",
        "TDLambda-",
    },
    "agents/test_prediction_env_compiled.py::test_jitted_policy_compiled_equals_python_loop": {
        "TrueOnline",
        "GradientMC",
    },
    "envs/test_compiled_env.py::test_compiled_loop_on_user_env_equals_python_loop": {"Sarsa-over0", "NStepSarsa-over2"},
    "envs/test_compiled_env.py::test_dqn_compiled_on_user_env_equals_python_loop": {"True"},
    "agents/test_a2c_linear.py::test_fused_loop_equals_python_loop_on_a_user_env": {"gaussian"},
    "agents/test_dqn_per_nstep.py::test_python_loop_equals_compiled_loop": {"per-CartPole-v1"},
    "kernels/test_dqn_loop.py::test_fused_loop_equals_python_loop": {"MountainCar-v0-opts5"},
    "agents/test_population_pg.py::test_threads_and_other_runs_do_not_change_a_run": {
        "qac",
        "actor_critic",
        "reinforce_baseline",
    },
}


@pytest.hookimpl(tryfirst=True)  # before -m deselects: every item is seen
def pytest_collection_modifyitems(config, items):
    seen = set()
    for item in items:
        try:
            rel = Path(str(item.fspath)).relative_to(_TESTS).as_posix()
        except ValueError:
            continue
        if rel in NOJIT_FILES and item.originalname not in NOJIT_SKIP:
            item.add_marker(pytest.mark.nojit)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.id in EXTENDED.get(f"{rel}::{item.originalname}", ()):
            item.add_marker(pytest.mark.extended)
            seen.add((f"{rel}::{item.originalname}", callspec.id))
    # a stale entry (a renamed test or parameter) must not silently move nothing: fail collection
    collected = {Path(str(i.fspath)).resolve() for i in items}
    for test, ids in EXTENDED.items():
        if (_TESTS / test.split("::")[0]).resolve() in collected:
            missing = sorted(i for i in ids if (test, i) not in seen)
            if missing and any(i.originalname == test.split("::")[1] for i in items):
                raise pytest.UsageError(f"tests/conftest.py EXTENDED: no test {test}[{', '.join(missing)}]")


def scale(full: int, interpreted: int) -> int:
    """A loop size for tests: smaller when Numba runs interpreted (NUMBA_DISABLE_JIT=1)."""
    return interpreted if JIT_DISABLED else full
