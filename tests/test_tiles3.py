"""fastfa.tiles3 (Cython) and its pure-Python fallback against the published algorithm (tests/naive.py)."""

import math
import random
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import RefIHT, ref_hashcoords, ref_tiles, ref_tileswrap

import fastfa.kernels.features.tiles3_py as pure
import fastfa.tiles3 as t3

IMPLS = [pytest.param(t3, id="compiled"), pytest.param(pure, id="pure")]


def test_compiled_extension_is_used():
    assert t3.COMPILED, "tests must run against the installed package with its compiled extension"
    assert type(t3.IHT(4)).__module__ == "fastfa.kernels.features._tiles3"


def _random_float(rng):
    kind = rng.random()
    if kind < 0.6:
        return rng.uniform(-5, 5)
    if kind < 0.7:
        return float(rng.randint(-10, 10))  # integral floats
    if kind < 0.8:
        return rng.randint(-1000, 1000)  # python ints as floats
    if kind < 0.9:
        return rng.choice([1e6, -1e9, 3.5e15, -2.2e17, 1e300, -1e300, 2**80, -(2**70) + 1])
    return rng.choice([0.0, -0.0, 1e-300, -1e-300, 0.124999999, 0.125, -0.125])


def _random_ints(rng):
    n = rng.choice([0, 0, 1, 2])
    pool = [0, 1, 2, -1, -2, 7, 2**40, -(2**62), 2**63 + 5, -(2**80)]
    return [rng.choice(pool) if rng.random() < 0.3 else rng.randint(-3, 3) for _ in range(n)]


def _random_call(rng, wrap):
    nt = rng.choice([1, 2, 3, 4, 8, 16])
    d = rng.choice([0, 1, 2, 3, 4])
    floats = [_random_float(rng) for _ in range(d)]
    ints = _random_ints(rng)
    readonly = rng.random() < 0.15
    widths = None
    if wrap:
        widths = [rng.choice([None, 0, 1, 2, 5, 10, -3]) for _ in range(rng.randint(0, d))]
    return nt, floats, ints, readonly, widths


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("wrap", [False, True], ids=["tiles", "tileswrap"])
@pytest.mark.parametrize("size", [7, 64, 4096])
def test_iht_call_sequences_match_reference(impl, wrap, size):
    """Thousands of generated calls on one IHT (small sizes overflow): identical index lists."""
    rng = random.Random(size * 2 + wrap)
    ref, ours = RefIHT(size), impl.IHT(size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(3000):
            nt, floats, ints, ro, widths = _random_call(rng, wrap)
            if wrap:
                want = ref_tileswrap(ref, nt, floats, widths, ints, ro)
                got = impl.tileswrap(ours, nt, floats, widths, ints, ro)
            else:
                want = ref_tiles(ref, nt, floats, ints, ro)
                got = impl.tiles(ours, nt, floats, ints, ro)
            assert got == want, (nt, floats, ints, ro, widths)
    assert ours.count() == ref.count()
    assert ours.fullp() == ref.fullp()
    assert ours.overfullCount == ref.overfull
    assert ours.dictionary == ref.table


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("wrap", [False, True], ids=["tiles", "tileswrap"])
@pytest.mark.parametrize("size", [1, 97, 4096, 2**31 - 1, 2**62 + 3, 2**70])
def test_hash_mode_matches_python_hash(impl, wrap, size):
    """An int ihtORsize: indices are Python's hash(tuple(coords)) % size, as in the original."""
    rng = random.Random(size % 1000 + wrap)
    for _ in range(1500):
        nt, floats, ints, ro, widths = _random_call(rng, wrap)
        if wrap:
            assert impl.tileswrap(size, nt, floats, widths, ints, ro) == ref_tileswrap(size, nt, floats, widths, ints)
        else:
            assert impl.tiles(size, nt, floats, ints, ro) == ref_tiles(size, nt, floats, ints)


@pytest.mark.parametrize("impl", IMPLS)
def test_none_mode_returns_coordinates(impl):
    assert impl.tiles(None, 4, [0.3, -1.2], [5]) == ref_tiles(None, 4, [0.3, -1.2], [5])
    assert impl.tiles(None, 2, [1.0]) == [[0, 1], [1, 1]]
    # q = floor(5.2) = 5; t=0: (5+0)//2 = 2 -> 2 % 2 = 0; t=1: (5+1)//2 = 3 -> 1
    assert impl.tileswrap(None, 2, [2.6], [2]) == [[0, 0], [1, 1]]


def test_hand_computed_tiles():
    # q = floor(0.5*4) = 2, floor(1.25*4) = 5; tiling t: coords (t, (2+t)//4, (5+3t)//4)
    assert pure.tiles(None, 4, [0.5, 1.25]) == [[0, 0, 1], [1, 0, 2], [2, 1, 2], [3, 1, 3]]
    assert t3.tiles(None, 4, [0.5, 1.25]) == [[0, 0, 1], [1, 0, 2], [2, 1, 2], [3, 1, 3]]
    iht = t3.IHT(100)
    assert t3.tiles(iht, 4, [0.5, 1.25]) == [0, 1, 2, 3]
    assert t3.tiles(iht, 4, [0.5, 1.25], [1]) == [4, 5, 6, 7]  # the int makes new tiles
    assert t3.tiles(iht, 4, [0.5, 1.26]) == [0, 1, 2, 3]  # same tiles nearby
    assert t3.tiles(iht, 4, [9.0, 9.0], readonly=True) == [None] * 4
    assert iht.count() == 8


@pytest.mark.parametrize("impl", IMPLS)
def test_numpy_inputs(impl):
    rng = np.random.default_rng(3)
    for dtype in (np.float64, np.float32, np.int64, np.int32):
        ref, ours = RefIHT(256), impl.IHT(256)
        for _ in range(300):
            x = (rng.normal(size=3) * 4).astype(dtype)
            a = rng.integers(0, 3, size=1)
            assert impl.tiles(ours, 8, x, a) == ref_tiles(ref, 8, x, a)
            assert impl.tiles(ours, 8, list(x), tuple(a.tolist())) == ref_tiles(ref, 8, list(x), tuple(a.tolist()))
            assert impl.tiles(4099, np.int64(8), x, a) == ref_tiles(4099, 8, x, a)


def test_iht_object_keys_share_the_counter():
    ref, ours = RefIHT(10), t3.IHT(10)
    for key in [(1, 2), "abc", (1.0, 2.0), (1, 2.5), (True, 2), (np.int64(4),), (4,), ("x", 1), (2**70, 1)]:
        assert ours.getindex(key) == ref.getindex(key)
    assert ours.getindex("nope", readonly=True) is None
    assert ours.dictionary == ref.table
    assert ours.count() == ref.count() == len(ours)


@pytest.mark.parametrize("impl", IMPLS)
def test_overflow_warns_once_and_hashes(impl):
    ref, ours = RefIHT(3), impl.IHT(3)
    with pytest.warns(RuntimeWarning, match="IHT full") as record:
        for i in range(20):
            assert impl.tiles(ours, 2, [i * 1.7]) == ref_tiles(ref, 2, [i * 1.7])
    assert len([w for w in record if "IHT full" in str(w.message)]) == 1
    assert ours.overfullCount == ref.overfull > 0
    assert ours.fullp()
    assert "overfullCount:" in str(ours)


@pytest.mark.parametrize("impl", IMPLS)
def test_bad_input_errors(impl):
    iht = impl.IHT(16)
    with pytest.raises(ValueError, match="floats"):
        impl.tiles(iht, 4, [float("nan")])
    with pytest.raises(ValueError, match="floats"):
        impl.tiles(iht, 4, [0.1, float("inf")])
    with pytest.raises(ValueError, match="numtilings"):
        impl.tiles(iht, 0, [0.1])
    with pytest.raises(ValueError, match="numtilings"):
        impl.tiles(iht, -2, [0.1])
    with pytest.raises(TypeError, match="numtilings"):
        impl.tiles(iht, 2.0, [0.1])
    with pytest.raises(TypeError, match="floats"):
        impl.tiles(iht, 2, ["a"])
    with pytest.raises(TypeError, match="floats"):
        impl.tiles(iht, 2, 5)
    with pytest.raises(TypeError, match="ihtORsize"):
        impl.tiles("table", 2, [0.1])
    with pytest.raises(ValueError, match="ihtORsize"):
        impl.tiles(0, 2, [0.1])
    with pytest.raises(TypeError, match="sizeval"):
        impl.IHT(2.5)
    with pytest.raises(ValueError, match="sizeval"):
        impl.IHT(0)
    with pytest.raises(ValueError, match="wrapwidths"):
        impl.tileswrap(iht, 2, [0.1], [2, 3])


def test_hashcoords():
    iht, ref = t3.IHT(8), RefIHT(8)
    for coords in ([0, 1, 2], [0, 1, 2], [3], [-1, -(2**40)]):
        assert t3.hashcoords(coords, iht) == ref_hashcoords(coords, ref)
        assert t3.hashcoords(coords, 1009) == ref_hashcoords(coords, 1009) == hash(tuple(coords)) % 1009
    assert t3.hashcoords([1, 2], None) == [1, 2]
    assert t3.hashcoords([1, 2], iht, readonly=True) is None


@pytest.mark.parametrize("wrap", [None, [10, 0]])
def test_tiles_batch_equals_loop(wrap):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 2)) * 3
    a = rng.integers(0, 3, size=(2000, 1))
    iht_b, iht_l = t3.IHT(2048), t3.IHT(2048)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = t3.tiles_batch(iht_b, 8, x, a, wrapwidths=wrap)
        for i in range(len(x)):
            if wrap is None:
                want = t3.tiles(iht_l, 8, x[i].tolist(), a[i].tolist())
            else:
                want = t3.tileswrap(iht_l, 8, x[i].tolist(), wrap, a[i].tolist())
            assert got[i].tolist() == want
    assert got.shape == (2000, 8) and got.dtype == np.int64
    assert iht_b.dictionary == iht_l.dictionary and iht_b.overfullCount == iht_l.overfullCount
    hashed = t3.tiles_batch(4096, 8, x, a[0])  # 1-D ints broadcast to every row
    assert hashed[5].tolist() == t3.tiles(4096, 8, x[5].tolist(), a[0].tolist())
    ro = t3.tiles_batch(t3.IHT(64), 4, x[:3], readonly=True)
    assert (ro == -1).all()


def test_tiles_batch_pure_fallback_matches():
    rng = np.random.default_rng(1)
    x = np.ascontiguousarray(rng.normal(size=(200, 3)))
    iv = np.zeros((200, 0), np.int64)
    out_c, out_p = np.empty((200, 4), np.int64), np.empty((200, 4), np.int64)
    from fastfa.kernels.features._tiles3 import tiles_batch

    tiles_batch(1021, 4, x, iv, None, False, out_c)
    pure.tiles_batch_py(1021, 4, x, iv, None, False, out_p)
    np.testing.assert_array_equal(out_c, out_p)


def test_tiles_batch_errors():
    with pytest.raises(ValueError, match="finite"):
        t3.tiles_batch(64, 4, [[0.1, np.nan]])
    with pytest.raises(ValueError, match="shape"):
        t3.tiles_batch(64, 4, np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="ints"):
        t3.tiles_batch(64, 4, np.zeros((3, 2)), ints=np.zeros((2, 1), np.int64))
    with pytest.raises(TypeError, match="ints"):
        t3.tiles_batch(64, 4, np.zeros((3, 2)), ints=np.zeros((3, 1)))
    with pytest.raises(ValueError, match="wrapwidths"):
        t3.tiles_batch(64, 4, np.zeros((3, 2)), wrapwidths=[1])
    with pytest.raises(TypeError, match="numtilings"):
        t3.tiles_batch(64, 4.0, np.zeros((3, 2)))
    assert t3.tiles_batch(64, 4, np.zeros((0, 2))).shape == (0, 4)


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(finite, max_size=4),
    st.lists(st.integers(-(2**64), 2**64), max_size=3),
    st.sampled_from([1, 2, 4, 5, 8, 16]),
    st.integers(1, 2**64),
)
def test_property_hash_mode(floats, ints, nt, size):
    if any(math.isinf(f * nt) for f in floats):  # the original raises OverflowError; we name the argument
        for impl in (t3, pure):
            with pytest.raises(ValueError, match="overflows"):
                impl.tiles(size, nt, floats, ints)
        return
    assert t3.tiles(size, nt, floats, ints) == ref_tiles(size, nt, floats, ints)
    assert pure.tiles(size, nt, floats, ints) == ref_tiles(size, nt, floats, ints)


def test_large_float_takes_exact_path():
    f = 1e300
    want = ref_tiles(None, 2, [f])
    assert t3.tiles(None, 2, [f]) == want
    assert want[0][1] == math.floor(f * 2) // 2


@pytest.mark.parametrize("size", [5, 40, 4096])
def test_repeated_states_memo_is_exact(size):
    """Calls repeat (as in SARSA: tiles(s', a') then tiles(s, a) next step): the per-IHT memo
    of whole calls must give exactly the published results, readonly and overflow included."""
    rng = random.Random(size)
    states = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(12)]
    ref, ours = RefIHT(size), t3.IHT(size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(4000):
            x = rng.choice(states)
            nt = rng.choice([4, 8])
            ints = [rng.randint(0, 2)]
            ro = rng.random() < 0.3
            assert t3.tiles(ours, nt, x, ints, ro) == ref_tiles(ref, nt, x, ints, ro)
            if rng.random() < 0.1:  # a lookup on the same coordinates through getindex
                key = (0, *[math.floor(v * nt) // nt for v in x], *ints)
                assert ours.getindex(key, ro) == ref.getindex(key, ro)
    assert ours.overfullCount == ref.overfull and ours.dictionary == ref.table


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("size", [2**62 + 1, 2**63, 2**70])
def test_iht_size_beyond_the_index_range_is_a_value_error(impl, size):
    """The compiled IHT's indices are C integers: sizes above 2**62 are refused with a ValueError
    (they raised OverflowError from inside the extension), the same in the pure-Python IHT."""
    with pytest.raises(ValueError, match=r"2\*\*62"):
        impl.IHT(size)


@pytest.mark.parametrize("nt", [np.uint8(4), np.array(4, np.uint8), np.int16(4)])
def test_numpy_integer_numtilings_do_not_overflow(nt):
    """Found by the fuzz: a NumPy uint8 numtilings reached the general (Python-int) path as is, and its
    arithmetic overflowed (OverflowError).  Any integer type gives the same tiles as a Python int, on
    the C path and on the general path (a float wrap width, or more than 64 coordinates)."""
    x, many = [256.0], [256.0] * 70
    assert t3.tiles(4096, nt, x) == t3.tiles(4096, 4, x)
    assert t3.tiles(4096, nt, many) == t3.tiles(4096, 4, many)
    assert t3.tileswrap(4096, nt, x, [8.0]) == t3.tileswrap(4096, 4, x, [8.0])
    assert t3.tileswrap(4096, nt, many, [0] * 70) == t3.tileswrap(4096, 4, many, [0] * 70)
    for w in (np.uint8(3), np.array(3, np.uint8)):  # a NumPy integer wrap width (the fuzz's next find)
        assert t3.tileswrap(4096, 4, many, [w] * 70) == t3.tileswrap(4096, 4, many, [3] * 70)
        assert t3.tileswrap(4096, 4, x, [w]) == t3.tileswrap(4096, 4, x, [3])


@pytest.mark.parametrize("v", [-(2**63), -(2**63) + 1, 2**63 - 1, -(2**61), -(2**61) + 1, 2**61 - 1, 2**61, -1, -2])
def test_int_coordinates_at_the_int64_edges(v):
    """hash(-2**63) is -4 in CPython; the C and compiled hashes negated it (an int64 overflow) and
    gave another tile (found by the property test above in CI, size=2)."""
    from fastfa.kernels.features.tiles import py_int_hash

    assert int(py_int_hash(v)) == hash(v) % 2**64
    for size in (2, 7, 2**40):
        for nt in (1, 4, 5):
            assert t3.tiles(size, nt, [0.3], [v]) == ref_tiles(size, nt, [0.3], [v])
            assert t3.tiles(size, nt, [], [v, 3]) == ref_tiles(size, nt, [], [v, 3])
            assert pure.tiles(size, nt, [0.3], [v]) == ref_tiles(size, nt, [0.3], [v])
