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


def pytest_collection_modifyitems(config, items):
    for item in items:
        try:
            rel = Path(str(item.fspath)).relative_to(_TESTS).as_posix()
        except ValueError:
            continue
        if rel in NOJIT_FILES and item.originalname not in NOJIT_SKIP:
            item.add_marker(pytest.mark.nojit)


def scale(full: int, interpreted: int) -> int:
    """A loop size for tests: smaller when Numba runs interpreted (NUMBA_DISABLE_JIT=1)."""
    return interpreted if JIT_DISABLED else full
