import numpy as np
import pytest
from conftest import scale
from naive_features import NaiveIHT, naive_tile_coords, naive_tile_hash

import fastfa.tiles3 as t3
from fastfa.features import TileCoder


def _scaled(tc, x):
    x = np.clip(np.asarray(x, float), tc.low, tc.high)
    return list((x - tc.low) * tc.scale)


@pytest.mark.filterwarnings("ignore:IHT full")
@pytest.mark.filterwarnings("ignore:TileCoder")
def test_asymmetric_iht_equals_tiles3():
    rng = np.random.default_rng(0)
    tc = TileCoder([-1.2, -0.07], [0.6, 0.07], 8, 8, n_actions=3, mode="iht", size=512)
    iht = t3.IHT(512)
    for _ in range(scale(400, 60)):
        x = rng.uniform([-1.3, -0.08], [0.7, 0.08])  # includes out-of-box points (clipped)
        a = int(rng.integers(3))
        assert tc.indices(x, a).tolist() == t3.tiles(iht, 8, _scaled(tc, x), [a])
    assert tc.collisions()["distinct"] == iht.count()


def test_asymmetric_hash_equals_tiles3_and_naive():
    rng = np.random.default_rng(1)
    tc = TileCoder([0, 0, 0], [1, 2, 3], [4, 5, 6], 4, size=1000)
    for _ in range(scale(100, 20)):
        x = rng.uniform(0, 3, 3)
        got = tc.indices(x).tolist()
        assert got == t3.tiles(1000, 4, _scaled(tc, x))
        assert got == naive_tile_hash(x, tc.low, tc.high, tc.tiles_per_dim, 4, 1000).tolist()


def test_wrap_equals_tileswrap():
    rng = np.random.default_rng(2)
    tc = TileCoder([0.0, -1.0], [2 * np.pi, 1.0], [6, 4], 8, wrap=[True, False], size=2048)
    for _ in range(scale(100, 20)):
        x = rng.uniform([-7, -1], [13, 1])
        f = [(x[0] - tc.low[0]) * tc.scale[0], (x[1] - tc.low[1]) * tc.scale[1]]
        assert tc.indices(x).tolist() == t3.tileswrap(2048, 8, f, [6, 0])
    # periodic: theta and theta + 2pi code the same
    assert (tc.indices([0.3, 0.2]) == tc.indices([0.3 + 2 * np.pi, 0.2])).all()


def test_uniform_offsets_vs_naive_and_hand():
    rng = np.random.default_rng(3)
    tc = TileCoder([0, 0], [1, 1], 3, 4, offsets="uniform", size=997)
    for _ in range(scale(100, 20)):
        x = rng.uniform(0, 1, 2)
        assert (
            tc.indices(x).tolist()
            == naive_tile_hash(x, tc.low, tc.high, tc.tiles_per_dim, 4, 997, offsets="uniform").tolist()
        )
    # hand case: 1-D, 2 tiles over [0, 1), 2 tilings. x=0.3 -> s=0.6, q=floor(1.2)=1;
    # tiling 0: (0, 1 // 2) = (0, 0); tiling 1: (1, (1 + 1) // 2) = (1, 1)
    assert naive_tile_coords([0.3], [0.0], [1.0], [2], 2, offsets="uniform") == [(0, 0), (1, 1)]
    tc1 = TileCoder(0.0, 1.0, 2, 2, offsets="uniform", size=10**9)
    assert tc1.indices(0.3).tolist() == [hash((0, 0)) % 10**9, hash((1, 1)) % 10**9]
    # with uniform offsets, tiling 1 is shifted by half a tile: 0.3 and 0.2 share tiling 0 only
    a, b = tc1.indices(0.3), tc1.indices(0.2)
    assert a[0] == b[0] and a[1] != b[1]


def test_offsets_differ_in_generalization():
    asym = TileCoder([0, 0], [1, 1], 4, 8, mode="iht", size=4096)
    uni = TileCoder([0, 0], [1, 1], 4, 8, offsets="uniform", mode="iht", size=4096)
    x = np.array([0.5, 0.5])
    # along the diagonal uniform offsets generalize more evenly; the patterns must differ
    shared_a = [np.intersect1d(asym.indices(x), asym.indices(x + [0.1, -0.1])).size]
    shared_u = [np.intersect1d(uni.indices(x), uni.indices(x + [0.1, -0.1])).size]
    assert shared_a != shared_u


def test_clipping_to_box():
    tc = TileCoder([-1, 0], [1, 10], 5, 4, size=4096, mode="iht")
    assert (tc.indices([-5, 3]) == tc.indices([-1, 3])).all()
    assert (tc.indices([7, 30]) == tc.indices([1, 10])).all()
    assert not (tc.indices([0.5, 3]) == tc.indices([-1, 3])).all()


@pytest.mark.filterwarnings("ignore:TileCoder")
def test_batch_equals_loop_and_iht_state():
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, (50, 2))
    a = rng.integers(0, 2, 50)
    t1 = TileCoder([-1, -1], [1, 1], 6, 8, n_actions=2, mode="iht", size=300)  # overflows
    t2 = TileCoder([-1, -1], [1, 1], 6, 8, n_actions=2, mode="iht", size=300)
    batch = t1.indices_batch(x, a)
    loop = np.array([t2.indices(x[i], int(a[i])) for i in range(50)])
    assert (batch == loop).all()
    assert t1.collisions() == t2.collisions() and t1.collisions()["overfull"] > 0
    assert t1.collisions()["full"]
    assert t1.indices_batch(np.zeros((0, 2)), np.zeros(0, np.int64)).shape == (0, 8)
    all_a = t1.indices_all_actions(x[0])
    assert (all_a[1] == t1.indices(x[0], 1)).all()


def test_iht_full_warns_once_and_suggested_size():
    tc = TileCoder([0, 0], [1, 1], 4, 2, n_actions=3, mode="iht", size=10)
    assert tc.suggested_size() == 2 * 25 * 3
    with pytest.warns(RuntimeWarning, match="IHT of size 10 is full"):
        tc.indices_batch(np.random.default_rng(0).uniform(0, 1, (40, 2)), 0)
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="TileCoder")
        tc.indices([0.3, 0.3], 1)  # no second warning


@pytest.mark.filterwarnings("ignore:TileCoder")
def test_iht_overfull_matches_naive():
    rng = np.random.default_rng(5)
    tc = TileCoder([0], [1], 20, 4, mode="iht", size=30)
    ref = NaiveIHT(30)
    for _ in range(200):
        x = rng.uniform(0, 1, 1)
        got = tc.indices(x).tolist()
        want = [ref.index(c) for c in naive_tile_coords(x, tc.low, tc.high, tc.tiles_per_dim, 4)]
        assert got == want
    assert tc.collisions()["overfull"] == ref.overfull > 0


def test_hash_collisions_report():
    x = np.random.default_rng(6).uniform(0, 1, (500, 2))
    small = TileCoder([0, 0], [1, 1], 10, 8, size=64).collisions(x)
    big = TileCoder([0, 0], [1, 1], 10, 8, size=2**40).collisions(x)
    assert small["distinct"] == big["distinct"] > 64
    assert small["collisions"] >= small["distinct"] - 64 and big["collisions"] == 0
    with pytest.raises(ValueError, match="needs a sample"):
        TileCoder([0], [1], 2, 2).collisions()


def test_transform_dense_matches_indices():
    tc = TileCoder([0, 0], [1, 1], 4, 4, mode="iht", size=128)
    v = tc.transform([0.2, 0.7])
    assert v.sum() == 4 and set(np.flatnonzero(v)) == set(tc.indices([0.2, 0.7]))
    vb = tc.transform_batch([[0.2, 0.7], [0.9, 0.1]])
    assert (vb[0] == v).all() and vb[1].sum() == 4
    assert tc.n_features == 128 and tc.n_active == 4


def test_save_load_roundtrip(tmp_path):
    tc = TileCoder([0, 0], [1, 1], 4, 4, n_actions=2, mode="iht", size=256, offsets="uniform")
    x = np.random.default_rng(7).uniform(0, 1, (20, 2))
    tc.indices_batch(x, 1)
    tc2 = TileCoder.load(tc.save(tmp_path / "tc"))
    assert tc2.collisions() == tc.collisions()
    assert (tc2.indices_batch(x[::-1], 0) == tc.indices_batch(x[::-1], 0)).all()
    assert repr(tc2) == repr(tc)


def test_kernel_args_usable_in_compiled_code():
    from fastfa.kernels._jit import njit
    from fastfa.kernels.features.tilecoding import tc_indices

    @njit(cache=False)
    def value(w, obs, a, args_low, args_high, sc, ww, disp, nt, size, keys, slots, meta):
        out = np.empty(nt, np.int64)
        ints = np.array([a], np.int64)
        tc_indices(obs, ints, args_low, args_high, sc, ww, disp, nt, size, keys, slots, meta, out)
        return w[out].sum()

    tc = TileCoder([0, 0], [1, 1], 4, 4, n_actions=3, size=64)
    w = np.arange(64.0)
    x = np.array([0.3, 0.4])
    assert value(w, x, 2, *tc.kernel_args()) == w[tc.indices(x, 2)].sum()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(low=[0, 1], high=[1, 1]), "low\\[1\\]"),
        (dict(low=[0], high=[1, 2]), "same length"),
        (dict(tiles_per_dim=0), "tiles_per_dim"),
        (dict(n_tilings=0), "n_tilings"),
        (dict(mode="table"), "mode"),
        (dict(offsets="random"), "offsets"),
        (dict(size=0), "size"),
        (dict(wrap=[True]), "wrap"),
        (dict(low=[0, np.nan]), "finite"),
    ],
)
def test_bad_construction(kwargs, match):
    base = dict(low=[0, 0], high=[1, 1], tiles_per_dim=4, n_tilings=4)
    base.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        TileCoder(**base)


def test_bad_observations_and_actions():
    tc = TileCoder([0, 0], [1, 1], 4, 4, n_actions=2)
    with pytest.raises(ValueError, match="shape \\(2,\\)"):
        tc.indices([0.1, 0.2, 0.3], 0)
    with pytest.raises(ValueError, match="finite"):
        tc.indices([np.nan, 0.2], 0)
    with pytest.raises(ValueError, match="action"):
        tc.indices([0.1, 0.2], 2)
    with pytest.raises(ValueError, match="action is required"):
        tc.indices([0.1, 0.2])
    with pytest.raises(ValueError, match="shape \\(n, 2\\)"):
        tc.indices_batch(np.zeros((3, 3)), 0)
    with pytest.raises(ValueError, match="actions must be in"):
        tc.indices_batch(np.zeros((3, 2)), [0, 1, 5])
    with pytest.raises(ValueError, match="no actions"):
        TileCoder([0], [1], 2, 2).indices([0.5], 1)


def test_uniform_offsets_with_wrap_vs_naive():
    rng = np.random.default_rng(11)
    tc = TileCoder([0.0, -1.0], [1.0, 1.0], [5, 3], 4, wrap=[True, False], offsets="uniform", size=10**6)
    for _ in range(scale(60, 15)):
        x = rng.uniform([-2, -1.5], [3, 1.5])
        want = naive_tile_hash(x, tc.low, tc.high, tc.tiles_per_dim, 4, 10**6, offsets="uniform", wrap=[True, False])
        assert tc.indices(x).tolist() == want.tolist()
