"""Trees and kNN: fastfa vs scikit-learn, in the same run (pytest-benchmark groups).

    pytest benches/test_bench_approx.py --benchmark-enable --benchmark-only \
        --benchmark-group-by=group --benchmark-columns=mean,median,ops

The interleaved-rounds script ``benches/approx_vs_sklearn.py`` measures the same cases more robustly
on a loaded machine (results in benches/approximators.md). scikit-learn cases are skipped when it is
not installed (it is in the ``test`` extra).
"""

import numpy as np
import pytest

from fastfa.approx import ExtraTrees, KNNRegressor, RegressionTree

RNG = np.random.default_rng(0)
XC = RNG.random((20_000, 4)).astype(np.float32)
YC = np.sin(6 * XC[:, 0]) + XC[:, 1] ** 2 + 0.1 * RNG.standard_normal(len(XC))
XP = RNG.random((100_000, 4)).astype(np.float32)
XK, YK = RNG.random((100_000, 2)), RNG.random(100_000)
QK = RNG.random((200, 2))


def _sk(name):
    return pytest.importorskip(name)


@pytest.mark.benchmark(group="tree-fit-cart-20k")
def test_cart_fit_fastfa(benchmark):
    benchmark(lambda: RegressionTree().fit(XC, YC))


@pytest.mark.benchmark(group="tree-fit-cart-20k")
def test_cart_fit_sklearn(benchmark):
    tree = _sk("sklearn.tree")
    benchmark(lambda: tree.DecisionTreeRegressor(random_state=0).fit(XC, YC))


@pytest.mark.benchmark(group="tree-fit-extra-10x5k")
def test_extra_fit_fastfa(benchmark):
    benchmark(lambda: ExtraTrees(10, seed=0).fit(XC[:5000], YC[:5000]))


@pytest.mark.benchmark(group="tree-fit-extra-10x5k")
def test_extra_fit_sklearn(benchmark):
    ens = _sk("sklearn.ensemble")
    benchmark(
        lambda: ens.ExtraTreesRegressor(10, max_features=1.0, bootstrap=False, n_jobs=1, random_state=0).fit(
            XC[:5000], YC[:5000]
        )
    )


@pytest.mark.benchmark(group="tree-predict-100k")
def test_cart_predict_fastfa(benchmark):
    t = RegressionTree().fit(XC, YC)
    benchmark(lambda: t.predict(XP))


@pytest.mark.benchmark(group="tree-predict-100k")
def test_cart_predict_sklearn(benchmark):
    t = _sk("sklearn.tree").DecisionTreeRegressor(random_state=0).fit(XC, YC)
    benchmark(lambda: t.predict(XP))


@pytest.mark.benchmark(group="knn-single-query-1e5")
def test_knn_query_fastfa(benchmark):
    m = KNNRegressor(100_000, 2, 10, algorithm="kdtree")
    m.add(XK, YK)
    m.predict(QK[:1])

    def run():
        for i in range(len(QK)):
            m.predict(QK[i : i + 1])

    benchmark(run)


@pytest.mark.benchmark(group="knn-single-query-1e5")
def test_knn_query_sklearn(benchmark):
    m = _sk("sklearn.neighbors").KNeighborsRegressor(10, algorithm="kd_tree").fit(XK, YK)

    def run():
        for i in range(len(QK)):
            m.predict(QK[i : i + 1])

    benchmark(run)
