"""The ahead-of-time compiled main-job loop (fastfa.kernels.loops.aot): built, used, and bit for bit the
Numba unit."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from fastfa.kernels import _jit
from fastfa.kernels.loops import aot, specialise

pytestmark = pytest.mark.skipif(_jit.JIT_DISABLED, reason="no ahead-of-time unit without the JIT")

BUILT_WITHOUT = os.environ.get("FASTFA_NO_EXT", "") not in ("", "0") or os.environ.get("FASTFA_NO_AOT", "") not in (
    "",
    "0",
)


def _manifest():
    p = Path(aot.__file__).resolve().parent / aot.MANIFEST
    return json.loads(p.read_text()) if p.is_file() else None


def _mountaincar_unit():
    from fastfa.agents.compiled_control import compiled_unit
    from fastfa.agents.population import MOUNTAINCAR_BOX, TileSpec
    from fastfa.envs.classic import MountainCarEnv
    from fastfa.kernels.codes import Alg

    env = MountainCarEnv()
    cf, ci, nf = TileSpec(*MOUNTAINCAR_BOX).arrays()
    return env, cf, ci, nf, compiled_unit(env, int(Alg.SARSA), (cf, ci))


def _ahead_of_time_unit():
    from numba.core import config

    if config.BOUNDSCHECK:
        pytest.skip("NUMBA_BOUNDSCHECK=1: the Numba unit, bounds-checked, is used instead")
    if BUILT_WITHOUT:
        pytest.skip("installed with FASTFA_NO_EXT / FASTFA_NO_AOT: no ahead-of-time module")
    manifest = _manifest()
    editable = (Path(aot.__file__).resolve().parents[2] / "setup.py").is_file()
    if editable and not (manifest and aot.valid_manifest(manifest)):
        pytest.skip("editable install whose kernel sources changed since it was built (pip install -e . again)")
    env, cf, ci, nf, unit = _mountaincar_unit()
    return env, cf, ci, nf, unit


def test_the_main_job_loop_is_built_and_used():
    """A normal install ships the unit and hands it out: no compilation for the README's main job."""
    env, cf, ci, nf, unit = _ahead_of_time_unit()
    assert aot.valid_manifest(_manifest())
    assert isinstance(unit, specialise.AotUnit), "the MountainCar SARSA unit should come from the built module"
    assert unit.arg_types == _manifest()["units"][aot.export_name("control_run_tpl", "MountainCar-v0_sarsa")]["args"]


def _run(fn, env, cf, ci, nf, seed, episodes=30, alpha=0.5 / 8, epsilon=0.1):
    from fastfa.kernels.loops.control_loop import make_budget, make_hp

    env_rng, rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    w = np.zeros((nf, 3))
    state = np.zeros(2)
    steps, rets = np.zeros(episodes, np.int64), np.zeros(episodes)
    done = fn(
        env.params,
        state,
        env_rng,
        cf,
        ci,
        w,
        make_hp(alpha, 1.0, 0.0, epsilon),
        make_budget(episodes, 0, 0),
        rng,
        steps,
        rets,
    )
    return done, w, state, steps, rets, env_rng.random(), rng.random()


@pytest.mark.parametrize("seed", [0, 7])
def test_ahead_of_time_equals_numba_bit_for_bit(seed):
    """Same generators in, same weights, states, episode lengths, returns and generator states out."""
    env, cf, ci, nf, unit = _ahead_of_time_unit()
    a = _run(unit.aot, env, cf, ci, nf, seed)
    b = _run(unit.jit, env, cf, ci, nf, seed)
    assert a[0] == b[0] and a[0][0] == 30
    for x, y in zip(a[1:], b[1:]):
        np.testing.assert_array_equal(x, y)
    assert a[3].min() > 0 and np.all(a[4] == -a[3])  # real episodes: -1 per step


def test_other_argument_types_go_to_the_numba_unit():
    """float32 weights are not what the unit was built for: the call goes to the Numba unit (compiled on
    first use), never to the built function."""
    env, cf, ci, nf, unit = _ahead_of_time_unit()
    calls = []
    u = specialise.AotUnit(lambda *a: calls.append("aot"), unit.arg_types, lambda *a: calls.append("jit"))
    args = list(_args(env, cf, ci, nf))
    u(*args)
    args[5] = args[5].astype(np.float32)
    u(*args)
    args[5] = np.zeros((6, nf))[::2]  # the right dtype, not contiguous
    u(*args)
    assert calls == ["aot", "jit", "jit"]


def _args(env, cf, ci, nf):
    from fastfa.kernels.loops.control_loop import make_budget, make_hp

    g = np.random.default_rng(0)
    return (
        env.params,
        np.zeros(2),
        g,
        cf,
        ci,
        np.zeros((nf, 3)),
        make_hp(0.1, 1.0),
        make_budget(1),
        g,
        np.zeros(1, np.int64),
        np.zeros(1),
    )


def test_a_manifest_from_other_sources_or_another_numba_is_not_used():
    import numba

    good = {"fingerprint": _jit.KERNELS_FINGERPRINT, "numba": numba.__version__, "units": {}}
    assert aot.valid_manifest(good)
    assert not aot.valid_manifest({**good, "fingerprint": "0" * 64})  # a kernel edited after the build
    assert not aot.valid_manifest({**good, "numba": "0.1"})
    assert not aot.valid_manifest({**good, "units": []})
    assert not aot.valid_manifest([good])


def test_lookup_needs_the_same_bindings(monkeypatch):
    """Another variant of the same template (another algorithm, another env function) is not the built
    unit; FASTFA_AOT=0 turns the module off."""
    from fastfa.kernels.envs import classic as C

    manifest = {
        "units": {
            "control_run_tpl__K": {
                "bindings": aot.describe({"ALG": 0, "ENV_STEP": C.mountaincar_env_step}),
                "args": ["x"],
            }
        }
    }

    class Mod:
        control_run_tpl__K = staticmethod(lambda: None)

    monkeypatch.setitem(aot._LOADED, "mod", (Mod, manifest))
    monkeypatch.setattr(aot, "_boundscheck", lambda: False)
    assert aot.lookup("control_run_tpl", "K", {"ALG": 0, "ENV_STEP": C.mountaincar_env_step}) is not None
    assert aot.lookup("control_run_tpl", "K", {"ALG": 1, "ENV_STEP": C.mountaincar_env_step}) is None
    assert aot.lookup("control_run_tpl", "K", {"ALG": 0, "ENV_STEP": C.cartpole_env_step}) is None
    assert aot.lookup("control_run_tpl", "K", {"ALG": True, "ENV_STEP": C.mountaincar_env_step}) is None
    assert aot.lookup("control_run_tpl", "other", {"ALG": 0, "ENV_STEP": C.mountaincar_env_step}) is None
    monkeypatch.setenv("FASTFA_AOT", "0")
    assert aot.lookup("control_run_tpl", "K", {"ALG": 0, "ENV_STEP": C.mountaincar_env_step}) is None
    monkeypatch.setenv("FASTFA_AOT", "1")
    monkeypatch.setattr(aot, "_boundscheck", lambda: True)  # NUMBA_BOUNDSCHECK=1: checked code only
    assert aot.lookup("control_run_tpl", "K", {"ALG": 0, "ENV_STEP": C.mountaincar_env_step}) is None
