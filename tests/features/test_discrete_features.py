import numpy as np
import pytest
from naive_features import naive_grid

from fastfa.features import CoarseCoding, Discretizer, StateAggregation


def test_discretizer_hand_naive_and_clip():
    g = Discretizer([-1.2, -0.07], [0.6, 0.07], [10, 10])
    assert g.n_features == 100 and g.n_active == 1
    assert g.indices([-0.5, 0.01]).tolist() == [35] and g.cell([-0.5, 0.01]) == (3, 5)
    assert g.indices([-9, -9]).tolist() == [0] and g.indices([9, 9]).tolist() == [99]
    assert g.indices([0.6, 0.07]).tolist() == [99]  # high edge belongs to the last cell
    X = np.random.default_rng(0).uniform([-1.5, -0.1], [0.9, 0.1], (50, 2))
    got = g.indices_batch(X)
    assert got.shape == (50, 1)
    assert got[:, 0].tolist() == [naive_grid(x, g.low, g.high, g.bins) for x in X]
    v = g.transform([-0.5, 0.01])
    assert v.sum() == 1 and v[35] == 1
    with pytest.raises(ValueError, match="bins"):
        Discretizer(0, 1, 0)


def test_state_aggregation_staircase():
    agg = StateAggregation(1000, 10, first=1)
    s = np.arange(1, 1001)
    groups = agg.indices_batch(s)[:, 0]
    assert (groups == (s - 1) // 100).all()
    assert agg.indices(100).tolist() == [0] and agg.indices(101).tolist() == [1]
    assert agg.indices(np.int32(1000)).tolist() == [9]
    uneven = StateAggregation(10, 3).indices_batch(np.arange(10))[:, 0]
    assert uneven.tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert agg.transform(150)[1] == 1


@pytest.mark.parametrize(
    "obs, err, match",
    [
        (0, ValueError, "outside \\[1, 1000\\]"),
        (1001, ValueError, "outside"),
        (2.5, ValueError, "integers"),
        ("a", TypeError, "integers"),
        ([1, 2], ValueError, "scalar"),
    ],
)
def test_state_aggregation_bad_state(obs, err, match):
    with pytest.raises(err, match=match):
        StateAggregation(1000, 10, first=1).indices(obs)


def test_state_aggregation_bad_config():
    with pytest.raises(ValueError, match="n_groups"):
        StateAggregation(10, 11)
    with pytest.raises(ValueError, match="n_groups"):
        StateAggregation(10, 0)


def test_coarse_coding_intervals_and_circles():
    cc = CoarseCoding(0, 1, n_centres=11, radius=0.15)  # centres 0, .1, ..., 1
    assert cc.indices(0.5).tolist() == [4, 5, 6]
    assert cc.indices(0.0).tolist() == [0, 1]
    assert cc.indices(-3).tolist() == [0, 1]  # clipped
    b = cc.indices_batch([[0.5], [0.0]])
    assert b.tolist() == [[4, 5, 6], [0, 1, -1]]
    d = cc.transform_batch([[0.5], [0.0]])
    assert d.sum(axis=1).tolist() == [3, 2]
    circ = CoarseCoding([0, 0], [2, 2], radius=0.3, centres=[[0.5, 0.5], [0.0, 0.0], [0.7, 0.5]])
    assert circ.indices([1.0, 1.0]).tolist() == [0, 2]  # unit coords (0.5, 0.5)
    assert circ.indices([2.0, 0.0]).size == 0
    with pytest.raises(ValueError, match="radius"):
        CoarseCoding(0, 1, 3, radius=-1)
    with pytest.raises(ValueError, match="centres"):
        CoarseCoding([0, 0], [1, 1], centres=[[0.1, 0.2, 0.3]])
