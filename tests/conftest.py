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

    return [f"fastfa {fastfa.__version__} from {Path(fastfa.__file__).parent} "
            f"(compiled tiles3: {t3.COMPILED}, NUMBA_DISABLE_JIT: {JIT_DISABLED})"]


@pytest.fixture
def jit_disabled():
    return JIT_DISABLED


def scale(full: int, interpreted: int) -> int:
    """A loop size for tests: smaller when Numba runs interpreted (NUMBA_DISABLE_JIT=1)."""
    return interpreted if JIT_DISABLED else full
