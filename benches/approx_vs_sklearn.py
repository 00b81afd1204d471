"""Trees and kNN against scikit-learn, in the same process, interleaved rounds (A B A B ...), medians.

    python benches/approx_vs_sklearn.py [rounds]

Cases (each round times fastfa then scikit-learn on identical data):

* CART fit: ``RegressionTree()`` vs ``DecisionTreeRegressor()`` (fully grown), 20 000 x 4 float32 rows;
* extra-trees fit: ``ExtraTrees(10)`` vs ``ExtraTreesRegressor(10, max_features=1.0, bootstrap=False,
  n_jobs=1)`` (Geurts et al.'s settings on both sides), 5 000 x 4 rows;
* batch prediction of both fitted models on 100 000 rows;
* kNN single queries, k = 10 over 10⁵ stored 2-D points: ``KNNRegressor(algorithm="kdtree").predict``
  (one row per call, from Python) and a compiled loop calling ``kdtree_query`` per query (the path an
  ``@njit`` learner uses), vs ``KNeighborsRegressor(10, algorithm="kd_tree").predict`` per row;
* kNN batch: 10 000 queries in one call.

Prints median and min-max per case, the ratio sklearn/fastfa (> 1: fastfa faster), CPU model,
core count, load average and versions.  The machine may be shared: take the numbers as preliminary
unless the load average is near zero.  scikit-learn: ``pip install scikit-learn``.
"""

import os
import platform
import subprocess
import sys
import time

import numpy as np


def _cpu():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except Exception:  # noqa: BLE001 - informational only
        return platform.processor() or "unknown"


def main(rounds=7):
    import numba
    import sklearn
    from sklearn.ensemble import ExtraTreesRegressor
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.tree import DecisionTreeRegressor

    from fastfa.approx import ExtraTrees, KNNRegressor, RegressionTree
    from fastfa.kernels._jit import njit
    from fastfa.kernels.approx.knn import kdtree_query

    @njit(cache=False)
    def query_loop(Xm, perm, start, end, left, right, lo, hi, Q, k, out_i):
        bi = np.empty(k, np.int64)
        bd = np.empty(k)
        stack = np.empty(start.shape[0] + 1, np.int64)
        stack_d = np.empty(start.shape[0] + 1)
        for n in range(Q.shape[0]):
            kdtree_query(Xm, perm, start, end, left, right, lo, hi, Q[n], k, bi, bd, stack, stack_d)
            out_i[n] = bi[0]

    rng = np.random.default_rng(0)
    Xc = rng.random((20_000, 4)).astype(np.float32)
    yc = np.sin(6 * Xc[:, 0]) + Xc[:, 1] ** 2 + 0.1 * rng.standard_normal(len(Xc))
    Xe, ye = Xc[:5000], yc[:5000]
    Xp = rng.random((100_000, 4)).astype(np.float32)
    Xk, yk = rng.random((100_000, 2)), rng.random(100_000)
    Qk = rng.random((2000, 2))
    Qb = rng.random((10_000, 2))

    knn = KNNRegressor(100_000, 2, 10, algorithm="kdtree")
    knn.add(Xk, yk)
    sk_knn = KNeighborsRegressor(10, algorithm="kd_tree").fit(Xk, yk)
    knn.predict(Qk[:5])  # builds the tree, compiles

    def knn_python():
        for i in range(len(Qk)):
            knn.predict(Qk[i : i + 1])
        return len(Qk)

    def sk_python():
        for i in range(len(Qk)):
            sk_knn.predict(Qk[i : i + 1])
        return len(Qk)

    # the compiled-loop path: the k-d tree arrays the regressor built, queried from inside @njit
    kd = knn.kdtree_arrays()
    out_i = np.empty(len(Qk), np.int64)

    def knn_compiled():
        query_loop(knn.X, *kd, Qk, 10, out_i)
        return len(Qk)

    models = {}

    def cart_fit():
        models["cart"] = RegressionTree().fit(Xc, yc)

    def sk_cart_fit():
        models["sk_cart"] = DecisionTreeRegressor(random_state=0).fit(Xc, yc)

    def et_fit():
        models["et"] = ExtraTrees(10, seed=0).fit(Xe, ye)

    def sk_et_fit():
        models["sk_et"] = ExtraTreesRegressor(10, max_features=1.0, bootstrap=False, n_jobs=1, random_state=0).fit(
            Xe, ye
        )

    cases = [
        ("CART fit 20k x 4", cart_fit, sk_cart_fit, None),
        ("extra-trees fit (10 trees) 5k x 4", et_fit, sk_et_fit, None),
        ("CART predict 100k rows", lambda: models["cart"].predict(Xp), lambda: models["sk_cart"].predict(Xp), None),
        ("extra-trees predict 100k rows", lambda: models["et"].predict(Xp), lambda: models["sk_et"].predict(Xp), None),
        ("kNN k=10 single query from Python (per query)", knn_python, sk_python, len(Qk)),
        ("kNN k=10 single query in a compiled loop (per query)", knn_compiled, sk_python, len(Qk)),
        ("kNN k=10 batch of 10k queries", lambda: knn.predict(Qb), lambda: sk_knn.predict(Qb), None),
    ]
    # warm-up (compile, caches) before any timing
    for _, a, b, _ in cases:
        a()
        b()
    print(f"CPU: {_cpu()}; cores: {os.cpu_count()}; load average: {os.getloadavg()}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
        f"scikit-learn {sklearn.__version__}; rounds: {rounds} (interleaved)"
    )
    print(f"{'case':55s} {'fastfa median (min-max)':>30s} {'scikit-learn median (min-max)':>32s} {'ratio':>6s}")
    for name, a, b, per in cases:
        ta, tb = [], []
        for _ in range(rounds):
            for fn, acc in ((a, ta), (b, tb)):
                t0 = time.perf_counter()
                fn()
                acc.append((time.perf_counter() - t0) / (per or 1))
        ma, mb = np.median(ta), np.median(tb)
        unit, s = ("us", 1e6) if per else ("ms", 1e3)
        fa = f"{ma * s:.2f} ({min(ta) * s:.2f}-{max(ta) * s:.2f}) {unit}"
        fb = f"{mb * s:.2f} ({min(tb) * s:.2f}-{max(tb) * s:.2f}) {unit}"
        print(f"{name:55s} {fa:>30s} {fb:>32s} {mb / ma:6.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
