"""Files are untrusted input: every corrupt file is one clear FormatError naming the file and the
problem (never a crash, a pickle, a bare KeyError or silent garbage); saves are crash-safe.

Cases that crashed the interpreter before (issue 11) run in a subprocess, so a regression is a
failing test, not a dead test worker.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

from fastfa import io as fio
from fastfa.buffers import PrioritizedReplayBuffer, ReplayBuffer
from fastfa.features import TileCoder
from fastfa.io import FormatError


def run_isolated(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter; a segfault shows as a negative return code."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=os.path.dirname(__file__),
    )


def rewrite(path, out, *, meta=None, drop=(), replace=None, header=None):
    """Copy a fastfa file with its arrays/metadata changed (written with plain NumPy, as an attacker would)."""
    with np.load(path, allow_pickle=False) as d:
        arrays = {k: d[k] for k in d.files}
    h = json.loads(arrays.pop("__meta__").tobytes())
    if meta is not None:
        meta(h["meta"])
    if header is not None:
        header(h)
    for k in drop:
        del arrays[k]
    arrays.update(replace or {})
    np.savez(out, __meta__=np.frombuffer(json.dumps(h).encode(), np.uint8), **arrays)
    return out


# ------------------------------------------------------------------ the container
def _small(tmp_path):
    return fio.save(tmp_path / "a", "Thing", {"x": {"y": 1}}, {"w": np.arange(6.0).reshape(2, 3)})


def test_roundtrip_and_checked_mappings(tmp_path):
    kind, meta, arrays = fio.load(_small(tmp_path))
    assert kind == "Thing" and meta["x"]["y"] == 1
    np.testing.assert_array_equal(arrays["w"], np.arange(6.0).reshape(2, 3))
    with pytest.raises(FormatError, match=r"a\.npz: missing array 'v'"):
        arrays["v"]
    with pytest.raises(FormatError, match=r"a\.npz: missing field 'x\.z'"):
        meta["x"]["z"]


@pytest.mark.parametrize(
    "data,problem",
    [
        (b"", "the file is empty"),
        (b"\x00" * 10, "not a valid zip archive"),
        (bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)), "not a valid zip archive"),
    ],
)
def test_empty_and_random_bytes(tmp_path, data, problem):
    p = tmp_path / "bad.npz"
    p.write_bytes(data)
    with pytest.raises(FormatError, match=problem) as e:
        fio.load(p)
    assert str(p) in str(e.value) and isinstance(e.value, ValueError)


def test_every_truncation_is_a_format_error(tmp_path):
    src = _small(tmp_path).read_bytes()
    p = tmp_path / "cut.npz"
    for n in range(0, len(src), max(1, len(src) // 40)):
        p.write_bytes(src[:n])
        with pytest.raises(FormatError, match="cut.npz"):
            fio.load(p)


def test_corrupt_member_bytes(tmp_path):
    src = bytearray(_small(tmp_path).read_bytes())
    i = src.index(b"\x93NUMPY", src.index(b"w.npy"))
    src[i + 130 : i + 140] = b"\xff" * 10  # array data: the zip CRC no longer matches
    p = tmp_path / "crc.npz"
    p.write_bytes(bytes(src))
    with pytest.raises(FormatError, match="crc.npz: array 'w' cannot be read"):
        fio.load(p)


def test_pickled_object_array_is_refused(tmp_path):
    p = tmp_path / "obj.npz"
    np.savez(
        p,
        __meta__=np.frombuffer(json.dumps({"format": 1, "kind": "X", "meta": {}}).encode(), np.uint8),
        w=np.array([{"a": 1}], dtype=object),
    )
    with pytest.raises(FormatError, match="obj.npz: array 'w' holds Python objects"):
        fio.load(p)


def _npy(a=None, shape=None):
    import io

    b = io.BytesIO()
    if shape is None:
        np.save(b, a)
    else:  # a header only (magic included), declaring ``shape`` float64
        np.lib.format.write_array_header_1_0(b, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return b.getvalue()


def test_header_lies_about_the_size(tmp_path):
    p = tmp_path / "big.npz"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("__meta__.npy", _npy(np.frombuffer(b'{"format": 1, "kind": "X", "meta": {}}', np.uint8)))
        z.writestr("w.npy", _npy(shape=(10**10,)) + b"\x00" * 64)  # 80 GB declared, 64 bytes held
    with pytest.raises(FormatError, match="big.npz: array 'w': header declares shape"):
        fio.load(p)


@pytest.mark.parametrize(
    "change,problem",
    [
        (
            lambda h: h.update(format=99),
            "written in file format 99 .*reads formats <= 1: upgrade fastfa to a version that reads format 99",
        ),
        (lambda h: h.update(format="1"), "field 'format' must be an int"),
        (lambda h: h.update(format=True), "field 'format' must be an int"),
        (lambda h: h.update(kind=3), "field 'kind' must be a string"),
        (lambda h: h.update(meta=[1]), "field 'meta' must be a JSON object"),
    ],
)
def test_bad_header(tmp_path, change, problem):
    p = rewrite(_small(tmp_path), tmp_path / "h.npz", header=change)
    with pytest.raises(FormatError, match="h.npz: " + problem):
        fio.load(p)


def test_meta_not_json_and_no_meta(tmp_path):
    p = tmp_path / "j.npz"
    np.savez(p, __meta__=np.frombuffer(b"\xff{not json", np.uint8))
    with pytest.raises(FormatError, match="j.npz: __meta__ is not valid UTF-8 JSON"):
        fio.load(p)
    np.savez(p, w=np.zeros(2))
    with pytest.raises(FormatError, match="j.npz: not a fastfa file \\(no __meta__ entry\\)"):
        fio.load(p)


def test_wrong_kind_and_missing_file(tmp_path):
    p = _small(tmp_path)
    with pytest.raises(FormatError, match="holds a 'Thing', expected 'ReplayBuffer'"):
        ReplayBuffer.load(p)
    with pytest.raises(FileNotFoundError, match="nothere"):
        fio.load(tmp_path / "nothere.npz")


def test_rng_state_only_names_numpy_bit_generators():
    with pytest.raises(ValueError, match="bit_generator must be one of"):
        fio.rng_from_state({"bit_generator": "default_rng", "state": {}})
    with pytest.raises(ValueError, match="malformed"):
        fio.rng_from_state({"bit_generator": "PCG64", "state": {"state": "x"}})


# ------------------------------------------------------------------ crash-safe save
def test_failed_save_leaves_the_previous_file(tmp_path, monkeypatch):
    p = _small(tmp_path)
    before = p.read_bytes()

    def boom(fh, **kw):
        fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        fio.save(p, "Thing", {}, {"w": np.zeros(3)})
    assert p.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == [p.name]  # no temporary file left behind


def test_sigkill_during_a_large_save_leaves_the_previous_file(tmp_path):
    p = fio.save(tmp_path / "ckpt", "Thing", {"v": 1}, {"w": np.ones(10)})
    code = f"""
        import sys, numpy as np
        from fastfa import io as fio
        big = np.ones(40_000_000)                  # 320 MB: the save takes a while
        print("saving", flush=True)
        while True:
            fio.save({str(p)!r}, "Thing", {{"v": 2}}, {{"w": big}})
    """
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "saving"
        tmp_seen = False
        for _ in range(400):  # kill while a temporary file is being written
            if any(f.name.endswith(".tmp") and f.stat().st_size > 0 for f in tmp_path.iterdir()):
                tmp_seen = True
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert tmp_seen
    kind, meta, arrays = fio.load(p)  # the previous (or a complete new) file, never a torn one
    assert kind == "Thing" and meta["v"] in (1, 2) and arrays["w"].shape in ((10,), (40_000_000,))


# ------------------------------------------------------------------ replay buffers
def _buffer(kind, n=5, cap=8):
    rng = np.random.default_rng(0)
    if kind == "per":
        b = PrioritizedReplayBuffer(cap, (2,), seed=0)
    else:
        b = ReplayBuffer(cap, (2,), seed=0, store_next_obs=kind != "compact", n_step=3 if kind == "nstep" else 1)
    for t in range(n):
        o = rng.random(2).astype(np.float32)
        b.add(o, t % 2, 1.0, o + 1, t == 2)
    if kind == "per":
        b.update_priorities(np.arange(3), np.array([0.5, 2.0, 1.0]))
    return b


KINDS = ["uniform", "per", "compact", "nstep"]


@pytest.mark.parametrize("kind", KINDS)
def test_buffer_roundtrip(tmp_path, kind):
    b = _buffer(kind, n=11)
    c = type(b).load(b.save(tmp_path / "b"))
    assert np.array_equal(c.state, b.state) and np.array_equal(c.obs, b.obs)
    s, t = b.sample(4), c.sample(4)
    for x, y in zip(s, t):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("state", [[10**9, 1], [-1, 5], [3, 5], [0, 9], [0, -1], [2, 9]])
def test_buffer_state_out_of_range(tmp_path, kind, state):
    b = _buffer(kind)
    p = rewrite(b.save(tmp_path / "b"), tmp_path / "s.npz", replace={"state": np.array(state)})
    with pytest.raises(FormatError, match=r"s\.npz: array 'state': \[pos, size\]"):
        type(b).load(p)


@pytest.mark.parametrize("cls", ["ReplayBuffer", "PrioritizedReplayBuffer"])
def test_buffer_bad_position_file_then_add_does_not_crash(tmp_path, cls):
    """Issue 11: such a file loaded, and the next add() crashed the interpreter."""
    r = run_isolated(f"""
        import json, numpy as np
        from fastfa.buffers import {cls} as B
        from fastfa.io import FormatError
        b = B(8, (2,), seed=0)
        b.add(np.zeros(2, np.float32), 0, 1.0, np.zeros(2, np.float32), False)
        p = b.save({str(tmp_path / "b")!r})
        d = dict(np.load(p))
        d["state"] = np.array([10 ** 9, 1])
        np.savez(p, **d)
        try:
            b = B.load(p)
        except FormatError as e:
            print("refused:", e)
        b.state[0] = 10 ** 9                       # corrupt state in memory: the C fast path checks it too
        for f in (lambda: b.add(np.zeros(2, np.float32), 0, 1.0, np.zeros(2, np.float32), False),
                  lambda: b.add(np.zeros(2), 0, 1.0, np.zeros(2), False), lambda: b.sample(1)):
            try:
                f()
            except ValueError as e:
                print("refused:", e)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("refused:") == 4, r.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_buffer_missing_wrong_dtype_wrong_shape(tmp_path, kind):
    b = _buffer(kind)
    p = b.save(tmp_path / "b")
    with np.load(p) as d:
        names = [k for k in d.files if k != "__meta__"]
    for k in names:
        if k == "truncated":  # files written before n-step support have none: they still load
            assert len(type(b).load(rewrite(p, tmp_path / "m.npz", drop=[k]))) == len(b)
        else:
            with pytest.raises(FormatError, match=f"missing array '{k}'"):
                type(b).load(rewrite(p, tmp_path / "m.npz", drop=[k]))
        with np.load(p) as d:
            a = d[k]
        wrong = a.astype(np.complex64) if a.dtype != np.complex64 else a.astype(np.float64)
        with pytest.raises(FormatError, match=f"'{k}' has dtype"):
            type(b).load(rewrite(p, tmp_path / "d.npz", replace={k: wrong}))
        with pytest.raises(FormatError, match=f"'{k}' has shape"):
            type(b).load(rewrite(p, tmp_path / "s.npz", replace={k: np.zeros(a.shape + (3,), a.dtype)}))


@pytest.mark.parametrize(
    "field,value",
    [
        ("capacity", -3),
        ("capacity", 2.5),
        ("obs_shape", [0]),
        ("obs_shape", 4),
        ("obs_dtype", "O"),
        ("obs_dtype", "nonsense"),
        ("n_step", 0),
        ("rng", {"bit_generator": "os", "state": {}}),
    ],
)
def test_buffer_bad_metadata(tmp_path, field, value):
    p = rewrite(_buffer("uniform").save(tmp_path / "b"), tmp_path / "m.npz", meta=lambda m: m.update({field: value}))
    with pytest.raises(FormatError, match="m.npz"):
        ReplayBuffer.load(p)


def _tree_case(b, case):
    s, m, ps = b.sum_tree.copy(), b.min_tree.copy(), b.pstate.copy()
    cap2 = s.shape[0] // 2
    if case == "nan leaf":
        s[cap2] = m[cap2] = np.nan
    elif case == "negative leaf":
        s[cap2] = m[cap2] = -1.0
    elif case == "inner node":
        s[1] += 1.0
    elif case == "min tree":
        m[cap2 + 1] = 0.0
    elif case == "leaf past size":
        s[cap2 + 6] = 1.0
    elif case == "pstate":
        ps[0] = 0.0
    return {"sum_tree": s, "min_tree": m, "pstate": ps}


@pytest.mark.parametrize("case", ["nan leaf", "negative leaf", "inner node", "min tree", "leaf past size", "pstate"])
def test_per_trees_consistent_with_leaves(tmp_path, case):
    b = _buffer("per")
    p = rewrite(b.save(tmp_path / "b"), tmp_path / "t.npz", replace=_tree_case(b, case))
    with pytest.raises(FormatError, match="t.npz: array"):
        PrioritizedReplayBuffer.load(p)


@pytest.mark.parametrize("change", ["slot out of range", "slots disagree", "estate", "newest"])
def test_compact_slots_checked(tmp_path, change):
    b = _buffer("compact", n=11)
    nxt, estate = b.nxt[:8].copy(), b.estate.copy()
    if change == "slot out of range":
        nxt[0] = 10**6
    elif change == "slots disagree":
        nxt[nxt >= 0] = (nxt[nxt >= 0] + 1) % b.extra.shape[0]
    elif change == "estate":
        estate[:] = [-1, 99]
    else:
        nxt[:] = -1
        estate[1] = 0
    p = rewrite(b.save(tmp_path / "b"), tmp_path / "c.npz", replace={"nxt": nxt, "estate": estate})
    with pytest.raises(FormatError, match="c.npz: buffer compact storage"):
        ReplayBuffer.load(p)


# ------------------------------------------------------------------ tile coder / IHT
def _tc(tmp_path):
    tc = TileCoder([0, 0], [1, 1], 4, 4, mode="iht", size=256)
    tc.indices_batch(np.random.default_rng(0).random((40, 2)))
    return tc, tc.save(tmp_path / "tc")


@pytest.mark.parametrize(
    "change,problem",
    [
        (lambda a: a["iht_meta"].__setitem__(0, -5), "iht_meta"),  # issue 11: loaded, negative indices
        (lambda a: a["iht_meta"].__setitem__(0, 10**6), "iht_meta"),
        (lambda a: a["iht_meta"].__setitem__(1, -1), "iht_meta"),
        (lambda a: a["iht_meta"].__setitem__(2, 7), "iht_meta"),
        (lambda a: a["iht_slots"].__setitem__(int(np.argmax(a["iht_slots"] >= 0)), 10**9), "iht_slots"),
        (lambda a: a["iht_slots"].__setitem__(slice(None), -1), "iht_slots"),
        (lambda a: a["iht_keys"].__setitem__((3, 0), 99), "iht_keys"),
        (lambda a: a["iht_keys"].__setitem__(1, a["iht_keys"][0]), "iht_keys"),
        (lambda a: a.__setitem__("iht_keys", a["iht_keys"].astype(np.float64)), "iht_keys"),
        (lambda a: a.__setitem__("iht_slots", a["iht_slots"][:-1]), "iht_slots"),
    ],
)
def test_tile_coder_iht_checked(tmp_path, change, problem):
    tc, p = _tc(tmp_path)
    with np.load(p) as d:
        arrays = {k: d[k].copy() for k in d.files if k != "__meta__"}
    change(arrays)
    q = rewrite(p, tmp_path / "bad.npz", replace=arrays)
    with pytest.raises(FormatError, match=f"bad.npz: invalid TileCoder file: .*{problem}"):
        TileCoder.load(q)


def test_tile_coder_roundtrip_and_generic_corruption(tmp_path):
    tc, p = _tc(tmp_path)
    t2 = TileCoder.load(p)
    x = np.random.default_rng(1).random((20, 2))
    np.testing.assert_array_equal(t2.indices_batch(x), tc.indices_batch(x))
    with pytest.raises(FormatError, match="missing array 'iht_slots'"):
        TileCoder.load(rewrite(p, tmp_path / "m.npz", drop=["iht_slots"]))
    with pytest.raises(FormatError, match="missing field 'n_tilings'"):
        TileCoder.load(rewrite(p, tmp_path / "f.npz", meta=lambda m: m.pop("n_tilings")))
    with pytest.raises(FormatError, match="n_tilings"):
        TileCoder.load(rewrite(p, tmp_path / "n.npz", meta=lambda m: m.update(n_tilings=-4)))


# ------------------------------------------------------------------ every saved kind
def _saved_kinds(d):
    from fastfa.agents import A2CMLP, DQN, TD0, Reinforce, Sarsa

    tc, _ = _tc(d)
    return {
        "Sarsa": (Sarsa, Sarsa("MountainCar-v0", seed=0).save(d / "sarsa")),
        "TD0": (TD0, TD0("fastfa/RandomWalk1000-v0", seed=0).save(d / "td0")),
        "Reinforce": (Reinforce, Reinforce("fastfa/ShortCorridor-v0", seed=0).save(d / "rf")),
        "DQN": (DQN, DQN("CartPole-v1", seed=0, buffer_size=64, batch_size=8).save(d / "dqn", include_buffer=True)),
        "A2CMLP": (A2CMLP, A2CMLP("CartPole-v1", seed=0).save(d / "a2c")),
        "TileCoder": (TileCoder, tc.save(d / "tc2")),
        "PrioritizedReplayBuffer": (PrioritizedReplayBuffer, _buffer("per").save(d / "per")),
    }


@pytest.fixture(scope="module")
def saved_kinds(tmp_path_factory):
    return _saved_kinds(tmp_path_factory.mktemp("kinds"))


KIND_NAMES = ["Sarsa", "TD0", "Reinforce", "DQN", "A2CMLP", "TileCoder", "PrioritizedReplayBuffer"]


@pytest.mark.parametrize("name", KIND_NAMES)
def test_every_kind_roundtrips_and_rejects_corrupt_files(saved_kinds, tmp_path, name):
    cls, p = saved_kinds[name]
    cls.load(p)
    blob = p.read_bytes()
    bad = tmp_path / "bad.npz"
    for data in (b"", blob[: len(blob) // 2], bytes(np.random.default_rng(1).integers(0, 256, 999, np.uint8))):
        bad.write_bytes(data)
        with pytest.raises(FormatError, match="bad.npz"):
            cls.load(bad)
    with pytest.raises(FormatError, match="bad.npz: written in file format 2"):
        cls.load(rewrite(p, bad, header=lambda h: h.update(format=2)))
    with np.load(p) as d:
        names = [k for k in d.files if k != "__meta__"]
    for k in names:
        if k.endswith("truncated"):
            continue  # optional: files written before n-step support have none
        with pytest.raises(FormatError, match=f"bad.npz: .*{k.split('.')[-1]}"):
            cls.load(rewrite(p, bad, drop=[k]))
        with pytest.raises(FormatError, match="bad.npz"):
            cls.load(rewrite(p, bad, replace={k: np.zeros((3, 7, 2))}))


def test_agent_files_out_of_range_state(saved_kinds, tmp_path):
    cls, p = saved_kinds["DQN"]
    with pytest.raises(FormatError, match=r"array 'buffer.state': \[pos, size\]"):
        cls.load(rewrite(p, tmp_path / "d.npz", replace={"buffer.state": np.array([10**9, 1])}))
    cls, p = saved_kinds["A2CMLP"]
    with pytest.raises(FormatError, match="n_episodes must be an int in"):
        cls.load(rewrite(p, tmp_path / "a.npz", meta=lambda m: m.update(n_episodes=-5)))
    cls, p = saved_kinds["Sarsa"]
    with pytest.raises(FormatError, match="s.npz: invalid Sarsa file: .*alpha"):
        cls.load(rewrite(p, tmp_path / "s.npz", meta=lambda m: m["config"].update(alpha=-1.0)))
