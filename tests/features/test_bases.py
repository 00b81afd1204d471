import numpy as np
import pytest
from naive_features import naive_fourier, naive_haar, naive_polynomial, naive_rbf

from fastfa.features import RBF, Fourier, Polynomial, Wavelet


def test_polynomial_hand_and_naive():
    p = Polynomial(0, 1, 2)
    assert np.allclose(p.transform(0.5), [1, 0.5, 0.25])
    assert np.allclose(p.transform(3.0), [1, 1, 1])  # clipped to high
    p2 = Polynomial([-1, 0], [1, 10], 3)
    assert p2.n_features == 16 and (p2.exponents[0] == 0).all()
    rng = np.random.default_rng(0)
    X = rng.uniform([-1, 0], [1, 10], (20, 2))
    B = p2.transform_batch(X)
    for i in range(20):
        assert np.allclose(B[i], naive_polynomial(X[i], p2.low, p2.high, 3))
        assert np.allclose(p2.transform(X[i]), B[i])


def test_fourier_hand_and_naive():
    f = Fourier([0, 0], [1, 1], 1)
    assert f.frequencies.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert np.allclose(f.transform([0.5, 0.25]), [1, np.cos(np.pi / 4), 0, np.cos(3 * np.pi / 4)])
    f3 = Fourier([-2, -2, -2], [2, 2, 2], 2)
    X = np.random.default_rng(1).uniform(-3, 3, (10, 3))
    B = f3.transform_batch(X)
    assert B.shape == (10, 27)
    for i in range(10):
        assert np.allclose(B[i], naive_fourier(X[i], f3.low, f3.high, 2))
    assert np.allclose(f3.step_sizes(0.1)[:2], [0.1, 0.1])  # constant and c=(0,0,1)


def test_interaction_limits_products():
    f = Fourier([0, 0, 0], [1, 1, 1], 3, interaction=1)
    assert f.n_features == 1 + 3 * 3
    assert ((f.frequencies != 0).sum(axis=1) <= 1).all()
    assert Polynomial([0, 0], [1, 1], 2, interaction=2).n_features == 9


def test_haar_hand_values_and_naive():
    w = Wavelet(0, 1, 2)
    assert w.functions.ravel().tolist() == [0, 1, 2, 3]
    r2 = np.sqrt(2)
    assert np.allclose(w.transform(0.25), [1, 1, -r2, 0])
    assert np.allclose(w.transform(0.8), [1, -1, 0, -r2])
    assert np.allclose(w.transform(1.0), [1, -1, 0, -r2])  # x = 1 belongs to the last interval
    assert np.allclose(w.transform(0.1), [1, 1, r2, 0])
    w3 = Wavelet([0, 0], [1, 1], 3, order=2)
    X = np.random.default_rng(2).uniform(0, 1, (15, 2))
    B = w3.transform_batch(X)
    for i in range(15):
        want = [naive_haar(c0, X[i, 0]) * naive_haar(c1, X[i, 1]) for c0, c1 in w3.functions]
        assert np.allclose(B[i], want)


def test_haar_orthonormal():
    w = Wavelet(0, 1, 4)  # 16 functions
    x = (np.arange(256) + 0.5) / 256
    B = w.transform_batch(x)
    assert np.allclose(B.T @ B / 256, np.eye(16))


def test_wavelet_products_order():
    assert Wavelet([0, 0], [1, 1], 2).n_features == 16
    w1 = Wavelet([0, 0], [1, 1], 2, order=1)
    assert w1.n_features == 1 + 2 * 3
    assert Wavelet(0, 1, 0).n_features == 1


def test_rbf_grid_and_naive():
    r = RBF([0, 0], [2, 4], [3, 5], width=0.3)
    assert r.n_features == 15
    assert np.allclose(r.centres[0], [0, 0]) and np.allclose(r.centres[-1], [1, 1])
    x = np.array([1.0, 2.0])  # the centre (0.5, 0.5) in unit coordinates
    v = r.transform(x)
    assert np.isclose(v.max(), 1.0) and np.isclose(v[7], 1.0)
    assert np.allclose(v, naive_rbf(x, r.low, r.high, r.centres, 0.3))
    X = np.random.default_rng(3).uniform(0, 4, (8, 2))
    assert np.allclose(r.transform_batch(X), [naive_rbf(xx, r.low, r.high, r.centres, 0.3) for xx in X])
    assert np.isclose(RBF(0, 1, 5).width, 0.25)


@pytest.mark.parametrize(
    "make, err, match",
    [
        (lambda: Polynomial(0, 1, -1), ValueError, "order must be >= 0"),
        (lambda: Fourier(0, 1, 2.5), TypeError, "order must be an int"),
        (lambda: Fourier(1, 1, 2), ValueError, "low\\[0\\]"),
        (lambda: Wavelet(0, 1, -2), ValueError, "levels"),
        (lambda: Wavelet([0, 0], [1, 1], 2, order=0), ValueError, "interaction"),
        (lambda: RBF(0, 1, 3, width=0), ValueError, "width"),
        (lambda: RBF(0, 1, 0), ValueError, "centres_per_dim"),
    ],
)
def test_bad_construction(make, err, match):
    with pytest.raises(err, match=match):
        make()


def test_bad_observation():
    f = Fourier([0, 0], [1, 1], 2)
    with pytest.raises(ValueError, match="shape \\(2,\\)"):
        f.transform([0.1])
    with pytest.raises(ValueError, match="finite"):
        f.transform([0.1, np.inf])
    with pytest.raises(ValueError, match="must be finite"):
        f.transform_batch([[0.1, np.nan]])
    with pytest.raises(TypeError, match="numeric"):
        f.transform(["a", "b"])
