"""Execution backends: serial, local processes, Dask, Ray.

Every backend runs :func:`~fastfa._sweep.plan.run_cell` on cells and reports to a
:class:`Book`, which counts attempts, retries failed cells up to ``retries``
times and then records them as failed.  The backends differ only in how they
ship cells and how they notice a dead worker.
"""

from __future__ import annotations

import collections
import os
import re
import sys
import time
import traceback
from typing import Any, Callable

from .plan import CellTask, run_cell, warm


class WorkerDied(RuntimeError):
    """A worker process died while running (or holding) a cell."""


def describe(err: BaseException) -> str:
    tb = "".join(traceback.format_exception_only(type(err), err)).strip()
    return re.sub(r"\x1b\[[0-9;]*m", "", tb)[-2000:]  # no terminal colours (Ray)


class Book:
    """Attempts and outcomes of cells; the only place that decides retry vs failed."""

    def __init__(self, retries: int, on_ok: Callable, on_failed: Callable, bar: Any = None) -> None:
        self.retries = retries
        self.on_ok, self.on_failed, self.bar = on_ok, on_failed, bar
        self.failures: collections.Counter = collections.Counter()
        self.starts: collections.Counter = collections.Counter()
        self.n_ok = self.n_failed = 0

    def started(self, task: CellTask) -> CellTask:
        """Count a start (the run table's ``attempts``, which includes restarts that were not
        charged to the cell, e.g. after a neighbour's worker died)."""
        self.starts[task.cell_id] += 1
        return task

    def done(self, task: CellTask, out: dict) -> None:
        out["attempts"] = max(self.starts[task.cell_id], self.failures[task.cell_id] + 1)
        self.on_ok(task, out)
        self.n_ok += len(task.seeds)
        if self.bar is not None:
            self.bar.update(len(task.seeds))

    def failed(self, task: CellTask, err: BaseException) -> bool:
        """Count a failed attempt; True when the cell should be tried again."""
        self.failures[task.cell_id] += 1
        if self.failures[task.cell_id] <= self.retries:
            return True
        self.on_failed(task, describe(err), max(self.starts[task.cell_id], self.failures[task.cell_id]))
        self.n_failed += len(task.seeds)
        if self.bar is not None:
            self.bar.update(len(task.seeds))
        return False


def run_serial(cells: list[CellTask], book: Book, **_) -> None:
    for task in cells:
        while True:
            try:
                out = run_cell(book.started(task))
            except Exception as err:  # noqa: BLE001 - recorded, retried
                if book.failed(task, err):
                    continue
            else:
                book.done(task, out)
            break


# ------------------------------------------------------------------ processes


def _init_worker(target, params, threads) -> None:
    warm(target, params, threads)


def _kill(pool) -> None:
    for p in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            p.kill()
        except Exception:  # noqa: BLE001  pragma: no cover
            pass
    pool.shutdown(wait=False, cancel_futures=True)


class _MainNotRerun:
    """Hide the driver's ``__main__`` from the workers while they start, unless the cell lives there.

    Processes started by ``spawn``/``forkserver`` re-run the driver's main script (as
    ``__mp_main__``) so that its functions can be unpickled.  A script that calls
    ``fastfa.sweep`` at top level (no ``if __name__ == "__main__":`` guard) would then start a
    sweep inside every worker.  When the cell is an experiment or lives in an importable
    module, nothing of ``__main__`` is needed, so the workers are started without it.
    """

    def __init__(self, needed: bool) -> None:
        self.needed = needed
        self.saved: dict[str, Any] = {}

    def __enter__(self) -> None:
        main = sys.modules.get("__main__")
        if self.needed or main is None:
            return
        for name in ("__file__", "__spec__"):
            if name in vars(main):
                self.saved[name] = vars(main)[name]
        main.__dict__.pop("__file__", None)
        main.__spec__ = None

    def __exit__(self, *exc: object) -> None:
        main = sys.modules.get("__main__")
        if main is None or self.needed:
            return
        if "__spec__" not in self.saved:
            main.__dict__.pop("__spec__", None)
        main.__dict__.update(self.saved)
        self.saved = {}


def _needs_main(target: tuple) -> bool:
    """Whether the workers must import the driver's ``__main__`` to unpickle the cell."""
    if target[0] == "experiment":
        mod = target[2] if len(target) > 2 else None
    else:
        mod = getattr(getattr(target[1], "func", target[1]), "__module__", None)
    return mod == "__main__" or (mod is None and target[0] != "experiment")


def run_process(
    cells: list[CellTask], book: Book, *, n_workers: int, warm_args: tuple, start_method: str | None = None, **_
) -> None:
    """A ``ProcessPoolExecutor`` that survives dead workers.

    At most ``n_workers`` cells are in flight.  When a worker dies the pool is
    broken: every cell in flight becomes a *suspect* and the pool is restarted.
    Suspects then run one at a time, so a death is blamed on exactly the cell
    that caused it (charged one attempt); innocent neighbours cost nothing.
    """
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    if start_method is None:
        start_method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(start_method)
    if start_method == "forkserver":  # workers fork from a server that has imported these once
        # Not fastfa itself: on Python < 3.12 the server ignores the parent's sys.path and
        # imports with the current directory first, so from a source checkout it would load
        # the uninstalled tree (no fastfa.kernels).  Workers import fastfa after fork, with
        # the parent's sys.path restored.
        target = warm_args[0]
        mod = (
            target[2]
            if target[0] == "experiment" and len(target) > 2
            else getattr(getattr(target[1], "func", target[1]), "__module__", None)
        )
        ctx.set_forkserver_preload(
            [m for m in ("numpy", "numba", mod) if m and m != "__main__" and not m.startswith("fastfa")]
        )
    queue = collections.deque(cells)
    suspects: collections.deque = collections.deque()
    running: dict = {}
    pool: ProcessPoolExecutor | None = None

    hide_main = _MainNotRerun(_needs_main(warm_args[0]))
    fresh_refusals = 0  # consecutive new pools whose workers died before taking their first cell
    other_refusals = 0  # consecutive refusals for other reasons (e.g. a process could not be started)
    last_error: BaseException | None = None

    def submit(task) -> bool:
        nonlocal last_error
        assert pool is not None  # started before the first submission
        try:  # a worker may die between two submissions: the pool then refuses new work
            with hide_main:  # workers start here (processes are launched on submit)
                f = pool.submit(run_cell, task)
        except (BrokenProcessPool, RuntimeError, OSError, ValueError) as err:
            last_error = err
            return False
        running[f] = book.started(task)
        return True

    try:
        while queue or suspects or running:
            if pool is None:
                pool = ProcessPoolExecutor(
                    max_workers=n_workers, mp_context=ctx, initializer=_init_worker, initargs=warm_args
                )
            refused, fresh = False, not running
            if suspects:  # isolation: one suspect at a time, nothing else in flight
                if not running:
                    if submit(suspects[0]):
                        suspects.popleft()
                    else:
                        refused = True
            else:
                while queue and len(running) < n_workers:
                    if not submit(queue[0]):
                        refused = True
                        break
                    queue.popleft()
            if refused and not running:
                _kill(pool)
                pool = None
                died = isinstance(last_error, BrokenProcessPool)  # workers died (not: could not start one)
                fresh_refusals = fresh_refusals + 1 if fresh and died else 0
                other_refusals = 0 if died else other_refusals + 1
                if fresh_refusals >= 3:  # workers die as they start: no cell can ever run
                    raise RuntimeError(
                        "fastfa.sweep: the worker processes die as they start (three new pools in a row). "
                        "If the cell is defined in a script, put the sweep call under "
                        "`if __name__ == '__main__':` (workers import the script), or use backend='serial'."
                    )
                if other_refusals >= 20:
                    raise RuntimeError(f"fastfa.sweep: cannot start worker processes: {last_error!r}")
                if other_refusals:
                    time.sleep(0.05 * other_refusals)  # e.g. a process limit: give it a moment
                continue
            fresh_refusals = other_refusals = 0
            done = wait(list(running), return_when=FIRST_COMPLETED).done
            if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                wait(list(running))  # a broken pool fails every pending future promptly
                done = set(running)
            broken = []
            for f in done:
                task = running.pop(f)
                err = f.exception()
                if err is None:
                    book.done(task, f.result())
                elif isinstance(err, BrokenProcessPool):
                    broken.append(task)
                elif book.failed(task, err):
                    queue.appendleft(task)
            if broken:
                _kill(pool)
                pool = None
                if len(broken) == 1:  # alone in flight: it is the culprit
                    task = broken[0]
                    dead = WorkerDied(f"worker process died while running cell {task.cell_id}")
                    if book.failed(task, dead):
                        suspects.appendleft(task)
                else:
                    suspects.extend(sorted(broken, key=lambda t: t.cell_id))
    except BaseException:
        if pool is not None:
            _kill(pool)
            pool = None
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


# ------------------------------------------------------------------ dask


def run_dask(
    cells: list[CellTask],
    book: Book,
    *,
    n_workers: int | None,
    warm_args: tuple,
    client=None,
    address: str | None = None,
    **_,
) -> None:
    """Ship cells to a Dask cluster: ``client``, a scheduler ``address``, or a LocalCluster we start.

    A dead worker's tasks are rescheduled by Dask itself; a task that raises (or
    kills more than ``distributed.scheduler.allowed-failures`` workers) comes
    back as an exception and is retried here up to ``retries`` times.
    """
    from ._dask import WarmPlugin, start_client

    client, owned = start_client(client, address, n_workers, threads=warm_args[2])
    try:
        from distributed import as_completed

        target, params, threads = warm_args
        client.register_plugin(WarmPlugin(target, params, threads), name=f"fastfa-warm-{os.getpid()}")
        futures: dict = {}

        def submit(task):
            key = f"fastfa-cell-{task.cell_id}-a{book.failures[task.cell_id]}"
            f = client.submit(run_cell, book.started(task), pure=False, key=key)
            futures[f] = task
            return f

        # results travel with the completion notice (no extra round trip per cell)
        ac = as_completed([submit(t) for t in cells], with_results=True, raise_errors=False)
        try:
            for f, res in ac:
                task = futures.pop(f)
                if f.status == "error" or isinstance(res, BaseException):  # includes KilledWorker
                    err = res[1] if isinstance(res, tuple) else res
                    if book.failed(task, err):
                        ac.add(submit(task))
                else:
                    book.done(task, res)
                f.release()
        except BaseException:
            client.cancel(list(futures))
            raise
    finally:
        for obj in owned:
            obj.close()


# ------------------------------------------------------------------ ray


def run_ray(
    cells: list[CellTask], book: Book, *, n_workers: int | None, warm_args: tuple, address: str | None = None, **_
) -> None:
    """Ship cells as Ray tasks (``address="auto"``, ``"ray://host:10001"``, or a local Ray started here)."""
    try:
        import ray
    except ImportError:
        raise ImportError("backend='ray' needs ray: pip install 'fastfa[ray]'") from None
    owned = not ray.is_initialized()
    if owned:
        kw: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address is None:  # a local Ray: its workers see the driver's sys.path, as process workers do
            kw["num_cpus"] = n_workers
            path = os.pathsep.join(p for p in [os.environ.get("PYTHONPATH", ""), *sys.path] if p)
            kw["runtime_env"] = {"env_vars": {"PYTHONPATH": path}}
        ray.init(address=address, **kw)
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(run_cell)
        pending = {remote.remote(book.started(t)): t for t in cells}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            ref = done[0]
            task = pending.pop(ref)
            try:
                out = ray.get(ref)
            except Exception as err:  # noqa: BLE001 - RayTaskError, WorkerCrashedError
                if book.failed(task, err):
                    pending[remote.remote(book.started(task))] = task
            else:
                book.done(task, out)
    except BaseException:
        for ref in list(locals().get("pending", {})):
            ray.cancel(ref, force=True)
        raise
    finally:
        if owned:
            ray.shutdown()


BACKENDS = {"serial": run_serial, "process": run_process, "dask": run_dask, "ray": run_ray}
