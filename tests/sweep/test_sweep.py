"""fastfa.sweep: identical tables across backends, dead workers, retries, resume, helpers."""

from __future__ import annotations

import functools
import importlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fastfa

sys.path.insert(0, str(Path(__file__).parent))
from sweep_cells import crash_once_cell, flaky_cell, logging_cell, register_test_experiment, rw_cell  # noqa: E402

pd = pytest.importorskip("pandas")

GRID = {"alpha": [0.1, 0.2, 0.5], "lam": [0, 0.9]}


def run(tmp_path, name, fn=rw_cell, **kw):
    kw.setdefault("grid", GRID)
    kw.setdefault("seeds", 5)
    kw.setdefault("progress", False)
    return fastfa.sweep(fn, out=tmp_path / name, **kw)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return run(tmp_path_factory.mktemp("ref"), "serial", backend="serial")


def test_table_shape_and_streams(reference):
    try:
        import pyarrow  # noqa: F401

        ext = ".parquet"
    except ImportError:
        ext = ".csv"
    assert reference.table.name == "results" + ext and reference.runs_table.name == "runs" + ext
    df = reference.df
    assert list(df.columns) == ["run", "alpha", "lam", "seed", "x", "metric", "value"]
    assert len(df) == 6 * 5 * 10 and reference.n_computed == 30 and reference.n_failed == 0
    # grid order (first parameter slowest), then seed, then x
    first = df.groupby("run", sort=False).head(1)
    assert list(zip(first.alpha, first.lam, first.seed))[:7] == [
        (0.1, 0.0, 0),
        (0.1, 0.0, 1),
        (0.1, 0.0, 2),
        (0.1, 0.0, 3),
        (0.1, 0.0, 4),
        (0.1, 0.9, 0),
        (0.1, 0.9, 1),
    ]
    # every (point, seed) has its own stream: runs of one point differ, and lam (unused by the
    # cell) changes the stream too
    final = df[df.x == 10].set_index(["alpha", "lam", "seed"])["value"]
    assert final.nunique() == len(final)
    runs = reference.runs
    assert set(runs.status) == {"ok"} and (runs.attempts == 1).all()
    assert {"host", "pid", "versions", "cell_wall_s", "error"} <= set(runs.columns)


def test_same_table_whatever_chunking_and_workers(tmp_path, reference):
    a = run(tmp_path, "chunk1", backend="serial", chunk=1)
    b = run(tmp_path, "proc", backend="process", n_workers=2, chunk=2)
    pd.testing.assert_frame_equal(a.df, reference.df)
    pd.testing.assert_frame_equal(b.df, reference.df)
    c = run(tmp_path, "proc_seedlist", backend="process", n_workers=1, seeds=[4, 1])
    want = reference.df[reference.df.seed.isin([1, 4])].reset_index(drop=True)
    pd.testing.assert_frame_equal(c.df, want)


def test_dask_in_process_and_two_worker_cluster(tmp_path, reference):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        a = run(tmp_path, "dask_inproc", backend="dask", client=client)
        flaky_dir = tmp_path / "flaky"
        flaky_dir.mkdir()
        with pytest.warns(RuntimeWarning, match="10 of 30 runs failed"):
            f = run(
                tmp_path,
                "dask_flaky",
                backend="dask",
                client=client,
                retries=1,
                fn=functools.partial(flaky_cell, marker_dir=str(flaky_dir)),
            )
    pd.testing.assert_frame_equal(a.df, reference.df)
    with distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        by_address = run(tmp_path, "dask_address", backend="dask", address=cluster.scheduler_address)
    pd.testing.assert_frame_equal(by_address.df, reference.df)
    runs = f.runs
    assert (runs[runs.alpha == 0.5].status == "failed").all()
    assert runs[runs.alpha == 0.5].error.str.contains("alpha=0.5 is cursed").all()
    assert (runs[runs.alpha == 0.2].attempts == 2).all() and (runs[runs.alpha != 0.5].status == "ok").all()
    pd.testing.assert_frame_equal(f.df, reference.df[reference.df.alpha != 0.5].reset_index(drop=True))
    marker = tmp_path / "markers"
    marker.mkdir()
    # a 2-worker process LocalCluster started by sweep; one worker dies (os._exit) on its first
    # attempt of the alpha=0.2 cells: the sweep still finishes with every result
    b = run(
        tmp_path,
        "dask_cluster",
        backend="dask",
        n_workers=2,
        fn=functools.partial(crash_once_cell, marker_dir=str(marker)),
    )
    assert list(marker.glob("crashed-*")), "the crash never happened: the test proves nothing"
    pd.testing.assert_frame_equal(b.df, reference.df)
    # kernels warmed in the driver and in every worker (WorkerPlugin), including the restarted one
    warm = {int(p.name.split("-")[1]) for p in marker.glob("warm-*")}
    assert os.getpid() in warm and len(warm - {os.getpid()}) >= 3
    assert set(b.runs.pid) <= warm
    assert b.n_failed == 0 and set(b.runs.status) == {"ok"}


def test_process_pool_survives_dead_worker(tmp_path, reference):
    marker = tmp_path / "markers"
    marker.mkdir()
    with pytest.warns(RuntimeWarning, match="5 of 30 runs failed"):
        res = run(
            tmp_path,
            "crash",
            backend="process",
            n_workers=2,
            chunk=3,
            retries=1,
            fn=functools.partial(crash_once_cell, marker_dir=str(marker), always=True),
        )
    assert len(list(marker.glob("crashed-*"))) == 4  # alpha=0.2 x 2 lams x 2 chunks died once each
    warm = {int(p.name.split("-")[1]) for p in marker.glob("warm-*")}  # driver + every (re)started worker
    assert os.getpid() in warm and set(res.runs[res.runs.status == "ok"].pid) <= warm
    runs = res.runs
    cursed = (runs.alpha == 0.5) & (runs.lam == 0.9)
    assert (runs[~cursed].status == "ok").all() and res.n_failed == 5
    # the always-dying cell: blamed alone in flight, retried once, then recorded as failed
    assert (runs[cursed].status == "failed").all()
    assert runs[cursed].error.str.contains("WorkerDied").all()
    assert (runs[runs.alpha == 0.2].attempts >= 2).all()  # restarted after dying
    want = reference.df[~((reference.df.alpha == 0.5) & (reference.df.lam == 0.9))].reset_index(drop=True)
    pd.testing.assert_frame_equal(res.df, want)


def test_errors_are_retried_then_recorded(tmp_path, reference):
    marker = tmp_path / "markers"
    marker.mkdir()
    with pytest.warns(RuntimeWarning, match="10 of 30 runs failed") as rec:
        res = fastfa.sweep(
            functools.partial(flaky_cell, marker_dir=str(marker)),
            grid=GRID,
            seeds=5,
            backend="serial",
            retries=1,
            out=tmp_path / "flaky",
            progress=False,
        )
    assert [w.filename for w in rec] == [__file__]  # the warning points at the caller
    runs = res.runs
    bad = runs[runs.alpha == 0.5]
    assert (bad.status == "failed").all() and (bad.attempts == 2).all()
    assert bad.error.str.contains("ValueError: alpha=0.5 is cursed").all()
    good = runs[runs.alpha != 0.5]
    assert (good.status == "ok").all()
    assert set(good[good.alpha == 0.2].attempts) == {2}
    want = reference.df[reference.df.alpha != 0.5].reset_index(drop=True)
    pd.testing.assert_frame_equal(res.df, want)


def test_resume_computes_only_missing_runs(tmp_path, reference):
    log = tmp_path / "log"
    log.mkdir()
    fn = functools.partial(logging_cell, log_dir=str(log), stop_after=12)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, "resume", backend="serial", chunk=2, fn=fn)
    first = {p.name.rsplit("-", 1)[0] for p in log.iterdir()}
    assert len(first) == 12
    partial = fastfa.sweep.load(tmp_path / "resume")  # consolidated even after the interruption
    assert partial.df.run.nunique() == 12
    fn = functools.partial(logging_cell, log_dir=str(log))
    res = run(tmp_path, "resume", backend="serial", chunk=2, fn=fn)
    second = [p.name.rsplit("-", 1)[0] for p in log.iterdir()]
    assert len(second) == 30 and len(set(second)) == 30  # nothing computed twice
    assert res.n_skipped == 12 and res.n_computed == 18
    pd.testing.assert_frame_equal(res.df, reference.df)
    # a finished sweep rerun computes nothing; a grid extension computes only the new point
    again = run(tmp_path, "resume", backend="serial", fn=fn)
    assert again.n_computed == 0
    more = run(tmp_path, "resume", backend="serial", fn=fn, grid={**GRID, "alpha": [0.1, 0.2, 0.5, 0.7]})
    assert more.n_computed == 10 and more.n_skipped == 30
    with pytest.raises(ValueError, match="root_seed"):
        run(tmp_path, "resume", backend="serial", fn=fn, root_seed=1)


def test_ray_backend(tmp_path, reference):
    """Needs ray: pip install 'fastfa[ray]' (or PYTHONPATH to a folder holding it); ~10 s."""
    pytest.importorskip("ray")
    marker = tmp_path / "markers"
    marker.mkdir()
    res = run(
        tmp_path, "ray", backend="ray", n_workers=2, fn=functools.partial(crash_once_cell, marker_dir=str(marker))
    )
    assert list(marker.glob("crashed-*")), "no worker died: the test proves nothing"
    pd.testing.assert_frame_equal(res.df, reference.df)
    assert (res.runs.status == "ok").all() and res.runs[res.runs.alpha == 0.2].attempts.min() == 2


def test_list_of_grids_is_a_union_with_the_same_streams(tmp_path, reference):
    grids = [{"alpha": [0.1, 0.2], "lam": [0]}, {"alpha": [0.5], "lam": [0, 0.9]}, {"alpha": [0.1], "lam": [0.0]}]
    res = run(tmp_path, "union", backend="serial", grid=grids)
    assert res.n_runs == 4 * 5  # (0.1, 0), (0.2, 0), (0.5, 0), (0.5, 0.9); the repeat of (0.1, 0) dropped
    ref = reference.df
    keep = ((ref.lam == 0) & ref.alpha.isin([0.1, 0.2, 0.5])) | ((ref.alpha == 0.5) & (ref.lam == 0.9))
    want = ref[keep].sort_values(["alpha", "lam", "seed", "x"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(res.df, want)
    assert fastfa.sweep.load(tmp_path / "union").params == ["alpha", "lam"]
    with pytest.raises(ValueError, match="same parameters"):
        run(tmp_path, "bad", grid=[{"alpha": [0.1]}, {"lam": [0.1]}])


def test_summary_plot_and_rliable(tmp_path, reference):
    s = reference.summary(by=["alpha", "lam"])
    assert list(s.columns) == ["alpha", "lam", "metric", "mean", "se", "n", "ci_lo", "ci_hi"]
    assert len(s) == 6 and (s.n == 5).all()
    df = reference.df
    per_run = df[(df.alpha == 0.2) & (df.lam == 0.9)].groupby("seed").value.mean()
    row = s[(s.alpha == 0.2) & (s.lam == 0.9)].iloc[0]
    assert row["mean"] == pytest.approx(per_run.mean())
    assert row["se"] == pytest.approx(per_run.std(ddof=1) / np.sqrt(5))
    assert row.ci_lo < row["mean"] < row.ci_hi
    curves = reference.summary(by=["alpha", "x"], ci="bootstrap", n_boot=200)
    assert len(curves) == 3 * 10 and (curves.n == 10).all()
    assert (curves.ci_lo <= curves["mean"] + 1e-12).all() and (curves["mean"] <= curves.ci_hi + 1e-12).all()
    assert (curves.ci_hi - curves.ci_lo)[curves.x == 10].min() > 0.01
    with pytest.raises(ValueError, match="ci must be"):
        reference.summary(ci="t")
    png = tmp_path / "study.png"
    ax = reference.plot(x="alpha", curve="lam", path=png)
    assert png.stat().st_size > 1000 and len(ax.get_lines()) == 2
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), GRID["alpha"])
    ax = reference.plot(x="alpha", curve="lam", x_scale=8)
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), np.multiply(GRID["alpha"], 8))
    assert ax.get_xlabel() == "α × 8"
    scores = reference.to_rliable(score="last")
    assert set(scores) == {f"alpha={a:g},lam={lam:g}" for a in GRID["alpha"] for lam in GRID["lam"]}
    got = scores["alpha=0.5,lam=0.9"][:, 0]
    want = df[(df.alpha == 0.5) & (df.lam == 0.9) & (df.x == 10)].sort_values("seed").value.to_numpy()
    np.testing.assert_array_equal(got, want)
    assert reference.to_rliable(by=["alpha"], task="lam")["alpha=0.1"].shape == (5, 2)


@pytest.fixture
def test_experiment():
    from fastfa.experiments._base import _REGISTRY

    name = register_test_experiment()
    yield name
    _REGISTRY.pop(name, None)


def test_experiment_by_name_and_cli(tmp_path, test_experiment, capsys):
    from fastfa.cli import main

    res = fastfa.sweep(test_experiment, out=tmp_path / "byname", progress=False, n_workers=2)
    assert res.params == ["alpha"] and res.n_computed == 2 * 4  # default grid and default_runs
    df = res.df
    assert sorted(df.alpha.unique()) == [0.1, 0.5] and sorted(df.seed.unique()) == [0, 1, 2, 3]
    ref = fastfa.sweep(
        rw_cell, grid={"alpha": [0.1, 0.5]}, seeds=4, backend="serial", out=tmp_path / "fn", progress=False
    )
    pd.testing.assert_frame_equal(df, ref.df)
    out = tmp_path / "cli"
    rc = main(
        [
            "sweep",
            test_experiment,
            "--grid",
            "alpha=0.1,0.2",
            "--grid",
            "episodes=3",
            "--seeds",
            "3",
            "--backend",
            "serial",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "6 runs (6 computed, 0 already done, 0 failed)" in text and "rmsve" in text
    cli = fastfa.sweep.load(out)
    assert set(cli.df.x) == {1, 2, 3} and list(cli.df.columns[1:3]) == ["alpha", "episodes"]
    assert (
        main(
            [
                "sweep",
                test_experiment,
                "--seeds",
                "3",
                "--backend",
                "serial",
                "--out",
                str(out),
                "--grid",
                "alpha=0.1,0.2",
                "--grid",
                "episodes=3",
                "--no-progress",
            ]
        )
        == 0
    )
    assert "(0 computed, 6 already done" in capsys.readouterr().out
    assert main(["sweep", "no-such-experiment", "--out", str(out)]) == 2


def test_parameter_named_like_a_statistic(tmp_path):
    res = fastfa.sweep(
        rw_cell, grid={"alpha": [0.1, 0.5], "n": [1, 2]}, seeds=3, backend="serial", out=tmp_path / "n", progress=False
    )
    s = res.summary(by=["n", "alpha"])
    assert list(s.columns) == [
        "n",
        "alpha",
        "metric",
        "value_mean",
        "value_se",
        "value_n",
        "value_ci_lo",
        "value_ci_hi",
    ]
    assert (s.value_n == 3).all() and list(s.n) == [1, 2, 1, 2]  # grid order
    ax = res.plot(x="n", curve="alpha")
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [1, 2])


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="backend"):
        run(tmp_path, "x", backend="mpi")
    with pytest.raises(ValueError, match="seeds"):
        run(tmp_path, "x", seeds=0)
    with pytest.raises(ValueError, match="reserved"):
        run(tmp_path, "x", grid={"seed": [1]})
    with pytest.raises(TypeError, match="mixes"):
        run(tmp_path, "x", grid={"alpha": [0.1, "a"]})
    with pytest.raises(ValueError, match="retries"):
        run(tmp_path, "x", retries=-1)
    with pytest.raises(ValueError, match="address"):
        run(tmp_path, "x", backend="process", address="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="client"):
        run(tmp_path, "x", backend="serial", client=object())
    with pytest.raises(TypeError, match="fn_or_experiment"):
        run(tmp_path, "x", fn=42)
    with pytest.raises(ValueError, match="unknown experiment"):
        fastfa.sweep("no-such-experiment", out=tmp_path / "y")


def test_module_is_callable_and_import_is_light(tmp_path):
    code = (
        "import sys, fastfa\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from sweep_cells import rw_cell\n"
        "kw = dict(grid={'alpha': [0.1]}, seeds=2, backend='serial', progress=False)\n"
        f"a = fastfa.sweep(rw_cell, out={str(tmp_path / 'a')!r}, **kw)\n"
        "import fastfa.sweep\n"
        "heavy = [m for m in ('numba', 'pandas', 'dask', 'distributed', 'ray') if m in sys.modules]\n"
        f"b = fastfa.sweep(rw_cell, out={str(tmp_path / 'b')!r}, **kw)\n"
        "assert a.n_computed == b.n_computed == 2, (a, b)\n"
        "print('ok')\n"
    )
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
        ).stdout.strip()
        == "ok"
    )
    code = (
        "import sys, fastfa.sweep\n"
        "heavy = [m for m in ('numba', 'pandas', 'dask', 'distributed', 'ray', 'pyarrow') "
        "if m in sys.modules]\n"
        "assert not heavy, heavy\nassert callable(fastfa.sweep)\nprint('ok')\n"
    )
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
        ).stdout.strip()
        == "ok"
    )
    importlib.import_module("fastfa.sweep")
    assert callable(fastfa.sweep)


def test_real_experiment_same_table_serial_and_process(tmp_path):
    from fastfa.experiments import names

    if "randomwalk-lambda" not in names():
        pytest.skip("randomwalk-lambda experiment not available")
    grid = {"method": ["true_online"], "lam": [0.0, 0.9], "alpha": [0.2, 0.6]}
    a = fastfa.sweep("randomwalk-lambda", grid=grid, seeds=3, backend="serial", out=tmp_path / "s", progress=False)
    b = fastfa.sweep(
        "randomwalk-lambda",
        grid=grid,
        seeds=3,
        backend="process",
        n_workers=2,
        chunk=2,
        out=tmp_path / "p",
        progress=False,
    )
    assert a.n_computed == b.n_computed == 12 and len(a.df) == 12 * 10
    pd.testing.assert_frame_equal(a.df, b.df)
    s = a.summary(by=["lam", "alpha"])
    assert np.isfinite(s["mean"]).all() and (s["mean"] < 0.6).all()
