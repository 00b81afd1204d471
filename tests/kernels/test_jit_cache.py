"""The kernel cache key carries a fingerprint of all kernel sources (fastfa.kernels._jit)."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from fastfa.kernels import _jit


def test_fingerprint_changes_with_any_kernel_file(tmp_path):
    root = tmp_path / "kernels"
    shutil.copytree(Path(_jit.__file__).parent, root)
    before = _jit.kernels_fingerprint(root)
    assert before == _jit.kernels_fingerprint(root)  # deterministic
    assert before == _jit.KERNELS_FINGERPRINT  # the copy has the same sources
    p = root / "nn" / "mlp_layers.py"
    p.write_text(p.read_text() + "\n# edited\n")
    assert _jit.kernels_fingerprint(root) != before


@pytest.mark.skipif(_jit.JIT_DISABLED, reason="no cache without the JIT")
def test_cached_kernels_key_on_the_fingerprint():
    """A callee edited in another file must not leave its callers' cached code in use: the index key of
    every cached kernel ends with the fingerprint, so a different kernel tree never matches it."""
    from fastfa.kernels.nn import mlp

    fn = mlp.mlp_n_params
    fn(np.array([4, 8, 2]))
    sig = fn.signatures[0]
    key = fn._cache._index_key(sig, fn.targetctx.codegen())
    assert key[-1] == _jit.KERNELS_FINGERPRINT
    # the same function with the stock cache gives the key without it: a tree change alters only ours
    from numba.core.caching import FunctionCache

    stock = FunctionCache(fn.py_func)._index_key(sig, fn.targetctx.codegen())
    assert key[:-1] == stock
