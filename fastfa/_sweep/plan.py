"""The plan of a sweep: grid points, run ids, seed streams, cells, and the worker-side task.

A *run* is one (parameter point, seed index).  A *cell* is one parameter point
with a chunk of seed indices: the unit shipped to a worker, which calls the
experiment's population ``cell(params, seed_sequences)`` once.

Seed streams
    run (point, s) draws from ``SeedSequence(entropy=root_seed, spawn_key=(h, s))``
    where ``h`` is a 64-bit hash (SHA-256) of the point's canonical key
    (``alpha=0.1,lam=0.9``).  The stream therefore depends only on the root
    seed, the parameter values and the seed index: not on the backend, the
    number of workers, the chunking, the grid order, or which other points are
    swept (extending a grid later keeps every existing run's stream).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import re
import socket
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

RESERVED = (
    "run",
    "seed",
    "x",
    "metric",
    "value",
    "status",
    "error",
    "attempts",
    "cell",
    "cell_wall_s",
    "host",
    "pid",
    "versions",
    "finished",
)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def normalize_grid(grid: Mapping[str, Any]) -> dict[str, list]:
    """Validate a grid (name -> values) and return name -> list of plain Python scalars.

    Numbers mixing ints and floats become floats (``lam=[0, 0.9]`` -> ``[0.0, 0.9]``).
    """
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid must be a mapping name -> list of values, got {type(grid).__name__}")
    out: dict[str, list] = {}
    for name, values in grid.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"grid: parameter names must be identifiers, got {name!r}")
        if name in RESERVED:
            raise ValueError(f"grid: {name!r} is a reserved column name ({', '.join(RESERVED)})")
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
            values = [values]
        values = [v.item() if isinstance(v, np.generic) else v for v in values]
        if not values:
            raise ValueError(f"grid[{name!r}] is empty")
        if all(_is_number(v) for v in values):
            if any(isinstance(v, float) for v in values):
                values = [float(v) for v in values]
            if any(isinstance(v, float) and not math.isfinite(v) for v in values):
                raise ValueError(f"grid[{name!r}] has a non-finite value: {values}")
        elif len({type(v) for v in values}) > 1:
            raise TypeError(f"grid[{name!r}] mixes value types {sorted({type(v).__name__ for v in values})}")
        elif not isinstance(values[0], (str, bool)):
            raise TypeError(f"grid[{name!r}]: values must be numbers, strings or bools, got {type(values[0]).__name__}")
        if len(set(map(_fmt, values))) != len(values):
            raise ValueError(f"grid[{name!r}] has duplicate values: {values}")
        out[name] = values
    return out


_PLAIN = re.compile(r"[A-Za-z_][\w.+\-]*\Z")


def _fmt(v: Any) -> str:
    """Canonical text of a parameter value: 0 and 0.0 -> '0', 0.1 -> '0.1', 'td' -> 'td',
    'a,b' -> '"a,b"' (strings are quoted when they could be confused with numbers or separators)."""
    if isinstance(v, bool):
        return str(v)
    if _is_number(v):
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 2**53 else repr(f)
    return v if _PLAIN.match(v) and v not in ("True", "False") else json.dumps(v)


@dataclass(frozen=True)
class Point:
    index: int  # position in the grid (row-major, first parameter slowest)
    params: dict
    key: str  # canonical 'alpha=0.1,lam=0.9' (sorted names)
    hash: int  # 64-bit hash of key, first word of the seed spawn key

    def run_id(self, seed: int) -> str:
        return f"{self.key},seed={seed}" if self.key else f"seed={seed}"


def expand(grid: Mapping[str, list] | Sequence[Mapping[str, list]]) -> list[Point]:
    """All points of the grid, first parameter varying slowest (itertools.product order).

    A list of grids is the union of their points, in order, without repeats.
    """
    import itertools

    grids = [grid] if isinstance(grid, Mapping) else list(grid)
    points: list[Point] = []
    seen = set()
    for g in grids:
        names = list(g)
        for combo in itertools.product(*(g[n] for n in names)):
            params = dict(zip(names, combo))
            key = ",".join(f"{n}={_fmt(params[n])}" for n in sorted(names))
            if key in seen:
                continue
            seen.add(key)
            h = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
            points.append(Point(len(points), params, key, h))
    return points


def normalize_grids(grid: Mapping | Sequence[Mapping] | None, default: Mapping | None) -> list[dict[str, list]]:
    """``grid`` (a mapping, or a list of mappings for a non-rectangular study such as the book's
    λ-dependent α ranges) merged over ``default``; every sub-grid must name the same parameters."""
    subs = [grid or {}] if grid is None or isinstance(grid, Mapping) else list(grid)
    if not subs:
        raise ValueError("grid: an empty list of grids")
    for g in subs:
        if not isinstance(g, Mapping):
            raise TypeError(f"grid must be a mapping name -> values or a list of such mappings, got {g!r}")
    out = [normalize_grid({**(default or {}), **g}) for g in subs]
    names = list(out[0])
    for g in out[1:]:
        if set(g) != set(names):
            raise ValueError(f"grid: every sub-grid must name the same parameters, got {names} and {list(g)}")
    for n in names:  # ints in one sub-grid and floats in another: floats everywhere
        vals = [v for g in out for v in g[n]]
        if all(_is_number(v) for v in vals) and any(isinstance(v, float) for v in vals):
            for g in out:
                g[n] = [float(v) for v in g[n]]
    return [{n: g[n] for n in names} for g in out]


MAX_SEEDS = 10**6  # seeds per sweep point: a larger count is a typo (the run table would not fit in memory)


def normalize_seeds(seeds: Any) -> list[int]:
    """``seeds``: a count in [1, 10**6] (seed indices 0..count-1) or a non-empty list of distinct seed
    indices, ints in [0, 2**63 - 1] (no bools, no floats: 1.5 is refused, not truncated)."""

    def is_int(s) -> bool:
        return isinstance(s, (int, np.integer)) and not isinstance(s, (bool, np.bool_))

    if is_int(seeds):
        if not 1 <= seeds <= MAX_SEEDS:
            raise ValueError(
                f"seeds must be a number of seeds in [1, {MAX_SEEDS}] or a list of seed indices, got {seeds}"
            )
        return list(range(int(seeds)))
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be an int or a list of non-negative ints, got {seeds!r}")
    out = list(seeds)
    if not out or len(out) > MAX_SEEDS or not all(is_int(s) and 0 <= s <= 2**63 - 1 for s in out):
        raise ValueError(
            f"seeds: need a non-empty list (at most {MAX_SEEDS}) of ints in [0, 2**63 - 1], got {seeds!r}"[:300]
        )
    if len(set(out)) != len(out):
        raise ValueError(f"seeds: the seed indices must be distinct, got {seeds!r}"[:300])
    return sorted(int(s) for s in out)


def seed_sequence(root_seed: int, point_hash: int, seed: int) -> np.random.SeedSequence:
    """The stream of run (point, seed): independent of backend, workers and chunking."""
    return np.random.SeedSequence(entropy=root_seed, spawn_key=(point_hash, seed))


@dataclass(frozen=True)
class CellTask:
    """One unit of work: a point and a chunk of seed indices.  Picklable."""

    cell_id: str
    target: tuple  # ("experiment", name, module) or ("callable", fn)
    params: dict
    point_hash: int
    seeds: tuple
    root_seed: int
    threads: int | None = None  # Numba threads in the worker (None: leave as is)


def make_cells(
    target: tuple,
    points: list[Point],
    missing: Mapping[int, list[int]],
    root_seed: int,
    n_workers: int,
    chunk: int | None,
    tag: str,
    threads: int | None = None,
) -> list[CellTask]:
    """Split each point's missing seeds into chunks.

    Default chunk: as large as possible while giving every worker about two cells.
    """
    todo = [(p, missing[p.index]) for p in points if missing.get(p.index)]
    if not todo:
        return []
    if chunk is None:
        pieces = max(1, math.ceil(2 * n_workers / len(todo)))
    cells = []
    for p, seeds in todo:
        size = chunk if chunk is not None else math.ceil(len(seeds) / min(pieces, len(seeds)))
        for j in range(0, len(seeds), size):
            part = tuple(seeds[j : j + size])
            cells.append(
                CellTask(f"{tag}-{p.index:05d}-{part[0]:06d}", target, p.params, p.hash, part, root_seed, threads)
            )
    return cells


# ---------------------------------------------------------------- worker side

_VERSIONS: str | None = None
_CELLS: dict = {}


def resolve(target: tuple) -> Callable:
    """The cell of ``("callable", fn)`` or ``("experiment", name, module)``: the module that
    registered the experiment is imported first, so experiments outside fastfa work too."""
    kind, obj = target[:2]
    if kind == "callable":
        return obj
    if obj not in _CELLS:
        import importlib

        from ..experiments import get

        if len(target) > 2 and target[2]:
            importlib.import_module(target[2])
        exp = get(obj)
        if exp.cell is None:
            raise ValueError(f"experiment {obj!r} has no sweep cell")
        _CELLS[obj] = exp.cell
    return _CELLS[obj]


def versions() -> str:
    global _VERSIONS
    if _VERSIONS is None:
        from .._version import __version__

        v = {"fastfa": __version__, "numpy": np.__version__, "python": platform.python_version()}
        try:
            import numba

            v["numba"] = numba.__version__
        except ImportError:  # pragma: no cover
            pass
        _VERSIONS = json.dumps(v, sort_keys=True)
    return _VERSIONS


def set_threads(threads: int | None) -> None:
    """Numba threads for this thread of this process (a population's prange uses them)."""
    if threads:
        try:
            import numba

            limit = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # set at runtime
            numba.set_num_threads(max(1, min(int(threads), limit)))
        except (ImportError, ValueError):  # pragma: no cover
            pass


def warm(target: tuple, params: Mapping[str, Any], threads: int | None = None, one_run: bool = False) -> bool:
    """Compile (or load from the Numba cache) the cell's kernels: call it with no seeds.

    A cell called with an empty seed list should return empty columns.  When it
    cannot, ``one_run=True`` (the driver, before starting workers, so that the
    Numba cache is written once) runs it on one throw-away seed instead; workers
    then compile or load in their first real call.  Returns True when warmed.
    """
    set_threads(threads)
    try:
        cell = resolve(target)  # errors surface (and are recorded) in the cells themselves
        cell(dict(params), [])
        return True
    except Exception:  # noqa: BLE001 - warming is best effort
        if not one_run:
            return False
    try:
        cell(dict(params), [np.random.SeedSequence(0)])
        return True
    except Exception:  # noqa: BLE001
        return False


def run_cell(task: CellTask) -> dict:
    """Run one cell (in a worker).  Returns tidy columns with global seed indices and metadata."""
    t0 = time.perf_counter()
    set_threads(task.threads)
    cell = resolve(task.target)
    ss = [seed_sequence(task.root_seed, task.point_hash, s) for s in task.seeds]
    out = cell(dict(task.params), ss)
    cols = {}
    for name in ("seed", "x", "metric", "value"):
        if name not in out:
            raise ValueError(f"cell output lacks column {name!r} (has {sorted(out)})")
        cols[name] = np.asarray(out[name])
    n = {len(c) for c in cols.values()}
    if len(n) != 1:
        raise ValueError(f"cell output columns differ in length: { {k: len(v) for k, v in cols.items()} }")
    local = cols["seed"].astype(np.int64)
    if len(local) and (local.min() < 0 or local.max() >= len(task.seeds)):
        raise ValueError(
            f"cell output 'seed' must index the {len(task.seeds)} seeds given, "
            f"got values in [{local.min()}, {local.max()}]"
        )
    order = np.argsort(local, kind="stable")
    glob = np.asarray(task.seeds, dtype=np.int64)[local[order]]
    return {
        "cell_id": task.cell_id,
        "seed": glob,
        "x": cols["x"][order],
        "metric": cols["metric"][order].astype(str),
        "value": cols["value"][order].astype(np.float64),
        "cell_wall_s": time.perf_counter() - t0,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "versions": versions(),
    }
