"""Parameter studies over seeds and hyper-parameters, on one machine or a cluster.

    >>> import fastfa
    >>> res = fastfa.sweep("randomwalk-lambda", grid={"alpha": [0.1, 0.2, 0.5], "lam": [0, 0.9]},
    ...                    seeds=30, out="sweeps/fig12_3")
    >>> res.summary(by=["alpha", "lam"])          # mean, SE and CI over seeds, per point
    >>> res.plot(x="alpha", curve="lam", path="fig.png")

The unit of work is a *cell*: one parameter point and a chunk of seed indices,
run by the experiment's population ``cell(params, seed_sequences)`` in one
compiled call; a sweep ships a few large cells.  Run (point, seed) draws from
``SeedSequence(entropy=root_seed, spawn_key=(hash(point), seed))``, so tables
are bit-identical whatever the backend, worker count or chunking.

Backends: ``"serial"`` (in this process), ``"process"`` (default; standard
library pool that survives dead workers), ``"dask"`` (``client=``, a scheduler
``address=`` or a LocalCluster started here; ``pip install 'fastfa[dist]'``)
and ``"ray"`` (``address="auto"``/``"ray://..."`` or a local Ray).  Results go to
``out`` as part files while cells finish; ``resume=True`` skips finished runs.
See docs/sweep.md.

``import fastfa.sweep`` is light (no numba, pandas or dask), and the module
itself is callable: ``fastfa.sweep(...)`` works before and after it is imported.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
import types
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

if TYPE_CHECKING:
    pass

__all__ = ["sweep", "load", "SweepResult", "summary", "plot_parameter_study", "to_rliable"]

from ._sweep.result import SweepResult, plot_parameter_study, summary, to_rliable

BACKENDS = ("serial", "process", "dask", "ray")
_CALLS = itertools.count()


def _resolve_target(obj) -> tuple[tuple, str, Mapping | None, int | None]:
    """(target, label, default grid, default seeds) of an experiment name/object or a cell callable."""
    from .experiments import Experiment

    if isinstance(obj, str):
        from .experiments import get

        obj = get(obj)
    if isinstance(obj, Experiment):
        if obj.cell is None:
            from .experiments import get, names

            with_cells = [n for n in names() if get(n).cell is not None]
            raise ValueError(
                f"experiment {obj.name!r} has no sweep cell; experiments that do: {', '.join(with_cells) or '(none)'}"
            )
        from .experiments._base import _REGISTRY

        registered = _REGISTRY.get(obj.name)
        target = (
            ("experiment", obj.name, getattr(obj.fn, "__module__", None))
            if registered is obj
            else ("callable", obj.cell)
        )
        return target, obj.name, obj.grid, obj.default_runs
    if callable(obj):
        fn = getattr(obj, "func", obj)  # functools.partial
        label = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', type(fn).__name__)}"
        return ("callable", obj), label, None, None
    raise TypeError(
        "fn_or_experiment must be an experiment name, an Experiment or a callable "
        f"cell(params, seeds), got {type(obj).__name__}"
    )


def _cell_params(obj):
    """The declared cell parameters of an experiment name/object (None: undeclared or a callable)."""
    from .experiments import Experiment

    if isinstance(obj, str):
        from .experiments import get

        obj = get(obj)
    return obj.cell_params if isinstance(obj, Experiment) else None


def _cluster_threads(client) -> int | None:
    """Worker threads of a Dask cluster (sizes the default chunking), None if unknown."""
    if client is None:
        return None
    try:
        return sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()) or None
    except Exception:  # noqa: BLE001 - only a sizing hint
        return None


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def sweep(
    fn_or_experiment: str | Callable,
    grid: Mapping[str, Sequence] | Sequence[Mapping] | None = None,
    seeds: int | Sequence[int] | None = None,
    backend: str = "process",
    n_workers: int | None = None,
    address: str | None = None,
    client: Any = None,
    out: str | os.PathLike | None = None,
    resume: bool = True,
    retries: int = 2,
    root_seed: int = 0,
    progress: bool = True,
    chunk: int | None = None,
    threads_per_worker: int | None = None,
    start_method: str | None = None,
) -> SweepResult:
    """Run a parameter study: every grid point x every seed, as population cells.

    Args:
        fn_or_experiment: a registered experiment name (``fastfa list``) or Experiment with a
            ``cell``, or any picklable ``cell(params: dict, seeds: list[SeedSequence]) -> {"seed",
            "x", "metric", "value"}`` (``seed`` indexes ``seeds``; see ``Experiment``).
        grid: name -> values.  Merged over the experiment's default grid (given names replace).
            A list of such mappings sweeps the union of their points (non-rectangular studies,
            e.g. ``[{"lam": [0, .68], "alpha": A}, {"lam": [.99], "alpha": A[:2]}]``).
        seeds: number of seeds in [1, 10**6] (indices 0..N-1) or an explicit list of distinct
            seed indices (default: the experiment's ``default_runs``, else 10).
        backend: ``"serial"``, ``"process"`` (default), ``"dask"`` or ``"ray"``.
        n_workers: worker processes for ``process`` and a Dask LocalCluster / local Ray
            (default: the CPUs available; on a running Dask cluster, its worker threads);
            also sets the default chunking; at most 4096.
        address: Dask scheduler (``tcp://host:8786``) or Ray (``"auto"``, ``"ray://host:10001"``).
        client: an existing ``dask.distributed.Client`` (wins over ``address``).
        out: the sweep folder (default ``sweeps/<experiment>``).
        resume: skip runs already finished in ``out``; ``False`` deletes earlier results there.
        retries: extra attempts (0-1000) for a cell whose worker raised or died, then it is recorded
            as failed (status ``failed`` with the error in the run table) and the sweep goes on.
        root_seed: root of every run's ``SeedSequence``.
        progress: a tqdm bar over runs when tqdm is installed.
        chunk: seeds per cell (default: as many as possible while giving each worker ~2 cells).
        threads_per_worker: Numba threads per worker for ``process`` and the LocalCluster
            (default: CPUs // n_workers); elsewhere left as configured.
        start_method: multiprocessing start method for ``process`` (default ``forkserver``).

    Returns:
        :class:`SweepResult` with ``.df``, ``.runs``, ``.summary(by=...)``, ``.plot(...)``.
    """
    from ._sweep import plan
    from ._sweep.backends import BACKENDS as RUNNERS
    from ._sweep.backends import Book
    from ._sweep.store import Store, write_manifest

    import multiprocessing

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # a worker process is importing the driver's script to unpickle a cell defined there
        raise RuntimeError(
            "fastfa.sweep was called while a worker process imports your script: put the sweep call "
            "under `if __name__ == '__main__':` (the process backend's workers import the script that "
            "defines the cell), or use backend='serial'"
        )
    t0 = time.perf_counter()
    target, label, default_grid, default_runs = _resolve_target(fn_or_experiment)
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    for name, val, lo, hi in (  # upper bounds: a typo must not start thousands of processes or retries
        ("n_workers", n_workers, 1, 4096),
        ("retries", retries, 0, 1000),
        ("root_seed", root_seed, 0, 2**63 - 1),
        ("chunk", chunk, 1, 2**31),
        ("threads_per_worker", threads_per_worker, 1, 4096),
    ):
        if val is not None and (not isinstance(val, int) or isinstance(val, bool) or not lo <= val <= hi):
            raise ValueError(f"{name} must be an int in [{lo}, {hi}], got {val!r}")
    if client is not None and backend != "dask":
        raise ValueError(f"client= is a dask.distributed Client: it needs backend='dask', not {backend!r}")
    if address is not None and backend not in ("dask", "ray"):
        raise ValueError(f"address= is for backend='dask' or 'ray', not {backend!r}")
    if backend == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ImportError("backend='dask' needs dask.distributed: pip install 'fastfa[dist]'") from None
    grids = plan.normalize_grids(grid, default_grid)
    decl = _cell_params(fn_or_experiment)
    if decl is not None:  # declared cell parameters: every name and value checked before anything runs
        from .experiments._params import resolve_grid

        for g in grids:
            resolve_grid(decl, g, owner=f"the sweep cell of {label!r}")
    param_names = list(grids[0])
    seed_list = plan.normalize_seeds(seeds if seeds is not None else (default_runs or 10))
    points = plan.expand(grids)

    out = Path(out) if out is not None else Path("sweeps") / label.replace("/", "_")
    manifest_path = out / "sweep.json"
    fmt = None
    if manifest_path.exists():
        import json

        old = json.loads(manifest_path.read_text())
        if resume and (old.get("target") != label or old.get("root_seed") != root_seed):
            raise ValueError(
                f"out={str(out)!r} holds a sweep of {old.get('target')!r} with root_seed="
                f"{old.get('root_seed')}; use another folder or resume=False to overwrite"
            )
        fmt = old.get("format") if resume else None
    store = Store(out, param_names, fmt)
    if not resume:
        store.clear()
    done = store.finished() if resume else set()
    missing = {p.index: [s for s in seed_list if p.run_id(s) not in done] for p in points}
    n_runs = len(points) * len(seed_list)
    n_todo = sum(map(len, missing.values()))

    local = (
        backend == "process"
        or (backend == "dask" and client is None and address is None)
        or (backend == "ray" and address is None)
    )
    own_client = None
    if backend == "dask" and client is None and address is not None:
        from distributed import Client

        client = own_client = Client(address)
    workers = 1 if backend == "serial" else (n_workers or _cluster_threads(client) or _cpus())
    threads = threads_per_worker
    if threads is None and local and backend != "serial":
        threads = max(1, _cpus() // workers)
    tag = f"{time.strftime('%Y%m%d%H%M%S')}{os.getpid() % 100000:05d}{next(_CALLS):03d}"  # unique part names
    cells = plan.make_cells(
        target, points, missing, root_seed, workers, chunk, tag, threads if backend != "serial" else threads_per_worker
    )
    by_index = {p.index: p for p in points}
    point_of = {c.cell_id: by_index[int(c.cell_id.split("-")[1])] for c in cells}

    from ._version import __version__

    manifest: dict[str, Any] = {
        "target": label,
        "params": param_names,
        "grid": grids if len(grids) > 1 else grids[0],
        "n_points": len(points),
        "seeds": seed_list,
        "root_seed": root_seed,
        "format": store.fmt,
        "backend": backend,
        "n_workers": workers,
        "fastfa": __version__,
        "status": "running",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    out.mkdir(parents=True, exist_ok=True)
    write_manifest(manifest_path, manifest)

    bar = None
    if progress and cells:
        try:
            from tqdm.auto import tqdm

            bar = tqdm(total=n_todo, unit="run", desc=f"sweep {label}", leave=False)
        except ImportError:
            pass
    book = Book(
        retries,
        lambda t, o: store.write_ok(t, point_of[t.cell_id], o),
        lambda t, e, a: store.write_failed(t, point_of[t.cell_id], e, a),
        bar,
    )
    warm_args = (target, points[0].params, threads)
    status = "interrupted"
    try:
        if cells:
            if local and backend != "serial":
                plan.warm(target, points[0].params, one_run=True)  # compile once: workers load the cache
            RUNNERS[backend](
                cells,
                book,
                n_workers=workers,
                warm_args=warm_args,
                client=client,
                address=address,
                start_method=start_method,
            )
        status = "complete" if book.n_failed == 0 else "complete with failed runs"
    finally:
        if own_client is not None:
            own_client.close()
        if bar is not None:
            bar.close()
        order = {p.run_id(s): (p.index, s) for p in points for s in seed_list}
        table, runs_table = store.consolidate(order)
        wall = time.perf_counter() - t0
        manifest.update(
            status=status,
            finished=time.strftime("%Y-%m-%dT%H:%M:%S"),
            wall_s=wall,
            n_runs=n_runs,
            n_computed=book.n_ok,
            n_skipped=n_runs - n_todo,
            n_failed=book.n_failed,
        )
        write_manifest(manifest_path, manifest)
    if book.n_failed:
        warnings.warn(
            f"sweep {label}: {book.n_failed} of {n_runs} runs failed after {retries} retries; "
            f"see status/error in {runs_table}",
            RuntimeWarning,
            stacklevel=_caller_level(),
        )
    return SweepResult(
        out, table, runs_table, param_names, n_runs, book.n_ok, n_runs - n_todo, book.n_failed, wall, backend
    )


def _caller_level() -> int:
    """warnings stacklevel of the first frame outside fastfa (through fastfa.sweep wrappers)."""
    pkg = os.path.dirname(os.path.abspath(__file__))
    f: types.FrameType | None = sys._getframe(1)
    level = 1
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(pkg + os.sep):
        f, level = f.f_back, level + 1
    return level


def load(out: str | os.PathLike) -> SweepResult:
    """The :class:`SweepResult` of a finished (or interrupted) sweep folder."""
    import json

    out = Path(out)
    m = json.loads((out / "sweep.json").read_text())
    ext = m.get("format", "csv")
    return SweepResult(
        out,
        out / f"results.{ext}",
        out / f"runs.{ext}",
        list(m["params"]),
        m.get("n_runs", 0),
        m.get("n_computed", 0),
        m.get("n_skipped", 0),
        m.get("n_failed", 0),
        m.get("wall_s", 0.0),
        m.get("backend", ""),
    )


class _CallableModule(types.ModuleType):
    """``import fastfa.sweep`` rebinds ``fastfa.sweep`` to this module: keep it callable."""

    def __call__(self, *args, **kwargs) -> SweepResult:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
