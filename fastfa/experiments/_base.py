"""Experiment registry, run context, and the tidy result writer."""

from __future__ import annotations

import csv
import importlib
import json
import pkgutil
import platform
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .._version import __version__
from ._params import Param, resolve, resolve_grid

_REGISTRY: dict[str, "Experiment"] = {}
_DISCOVERED = False


@dataclass(frozen=True)
class Context:
    """What an experiment function receives.

    Attributes:
        runs: number of independent runs requested (None: the experiment's default).
        seed: root seed; derive per-run streams with ``np.random.SeedSequence(seed).spawn``.
        quick: reduced size (for tests and smoke checks); the experiment decides how.
        out: the experiment's output folder (``OUT/NAME``), created.
        progress: show progress bars.
        params: extra ``--set key=value`` overrides (values parsed as JSON when possible).
    """

    runs: int | None = None
    seed: int = 0
    quick: bool = False
    out: Path = Path("runs")
    progress: bool = True
    params: Mapping[str, Any] = field(default_factory=dict)

    def n_runs(self, default: int, quick: int | None = None) -> int:
        if self.runs is not None:
            return self.runs
        return quick if (self.quick and quick is not None) else default


@dataclass
class Result:
    """What an experiment function returns.

    Attributes:
        table: tidy columns (equal-length 1-D arrays or lists): ``run``, one
            column per swept parameter, ``x``, ``metric``, ``value``.
        metrics: headline numbers by name (JSON-able), e.g. ``{"final_rmsve": 0.02}``.
        config: the exact configuration used (JSON-able).
        env_steps: environment steps simulated in total.
        plot: optional ``plot(table, path)`` drawing the book-style figure with matplotlib.
    """

    table: Mapping[str, Any]
    metrics: dict
    config: dict
    env_steps: int = 0
    plot: Callable[[Mapping[str, np.ndarray], Path], None] | None = None


Cell = Callable[[Mapping[str, Any], "list[np.random.SeedSequence]"], Mapping[str, Any]]


@dataclass(frozen=True)
class Experiment:
    """A registered experiment.

    Attributes:
        name, description: shown by ``fastfa list``.
        fn: ``fn(ctx) -> Result``, the full figure (``fastfa run``).
        default_runs: the book's number of runs.
        cell: optional sweep unit for ``fastfa sweep``: ``cell(params, seeds)`` runs one
            parameter point (a dict, e.g. ``{"alpha": 0.5, "lam": 0.9}``) for every
            ``np.random.SeedSequence`` in ``seeds`` (a population: many runs in one
            compiled call) and returns tidy columns ``seed`` (index into ``seeds``),
            ``x``, ``metric``, ``value`` (equal-length arrays).  Results for a seed must
            not depend on which other seeds share the call.
        grid: the default parameter grid of the sweep (name -> list of values).
        params: declared parameters of ``fn`` (:class:`~fastfa.experiments.Param`): ``--set``
            values are checked against them before the run starts; ``fn`` receives the
            complete, converted dict in ``ctx.params``.  None: undeclared (takes no parameters).
        cell_params: declared parameters of ``cell`` (the names a sweep grid may use).
    """

    name: str
    description: str
    fn: Callable[[Context], Result]
    default_runs: int | None = None
    cell: Cell | None = None
    grid: Mapping[str, list] | None = None
    params: tuple | None = None
    cell_params: tuple | None = None


def experiment(
    name: str,
    description: str,
    default_runs: int | None = None,
    *,
    cell: Cell | None = None,
    grid: Mapping[str, list] | None = None,
    params: Sequence[Param] | None = None,
    cell_params: Sequence[Param] | None = None,
) -> Callable[[Callable[[Context], Result]], Callable[[Context], Result]]:
    """Decorator registering ``fn(ctx) -> Result`` under ``name`` (see :class:`Experiment`)."""

    def deco(fn):
        if name in _REGISTRY and _REGISTRY[name].fn is not fn:
            raise ValueError(f"experiment {name!r} registered twice")
        decl = None if params is None else tuple(params)
        cdecl = None if cell_params is None else tuple(cell_params)
        if grid is not None and cdecl is not None:
            resolve_grid(cdecl, grid, owner=f"the sweep cell of {name!r}")
        _REGISTRY[name] = Experiment(name, description, fn, default_runs, cell, grid, decl, cdecl)
        return fn

    return deco


def _discover() -> None:
    global _DISCOVERED
    if _DISCOVERED:
        return
    pkg = importlib.import_module("fastfa.experiments")
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"fastfa.experiments.{info.name}")
    _DISCOVERED = True


def names() -> list[str]:
    _discover()
    return sorted(_REGISTRY)


def get(name: str) -> Experiment:
    _discover()
    if name not in _REGISTRY:
        import difflib

        close = difflib.get_close_matches(name, _REGISTRY, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown experiment {name!r}.{hint} Known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def _versions() -> dict:
    import numba

    import gymnasium

    return {
        "fastfa": __version__,
        "numpy": np.__version__,
        "numba": numba.__version__,
        "gymnasium": gymnasium.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "platform": platform.platform(),
    }


def write_table(table: Mapping[str, Any], path: Path) -> int:
    """Write tidy columns to CSV; returns the number of rows.  Validates equal lengths."""
    cols = list(table)
    arrays = [np.asarray(table[c]) for c in cols]
    n = {len(a) for a in arrays}
    if len(n) > 1:
        raise ValueError(f"table columns differ in length: {dict(zip(cols, map(len, arrays)))}")
    nrows = n.pop() if n else 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        lists = [a.tolist() for a in arrays]
        for i in range(nrows):
            w.writerow([lst[i] for lst in lists])
    tmp.replace(path)
    return nrows


def check_run_args(runs, seed) -> None:
    """``runs``: None or an int in [1, 10**6]; ``seed``: an int in [0, 2**63 - 1]."""
    for name, v, lo, hi in (("runs", runs, 1, 10**6), ("seed", seed, 0, 2**63 - 1)):
        if v is None and name == "runs":
            continue
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be an int in [{lo}, {hi}], got {v!r}")
        if not lo <= v <= hi:
            raise ValueError(f"{name} must be an int in [{lo}, {hi}], got {v!r}")


def run_experiment(
    name: str,
    *,
    runs: int | None = None,
    seed: int = 0,
    out: str | Path = "runs",
    quick: bool = False,
    progress: bool = True,
    params: Mapping[str, Any] | None = None,
    plot: bool = True,
    svg: bool = False,
) -> dict:
    """Run experiment ``name`` and write its files; returns the summary dict.

    ``params`` are checked against the experiment's declared parameters before anything runs
    (``ValueError``/``TypeError`` naming the parameter and the allowed values).  With ``plot``
    (default) the book-style figure is written to ``OUT/NAME/NAME.png`` (``svg``: also
    ``NAME.svg``) and its path is ``summary["plot"]``.
    """
    exp = get(name)
    check_run_args(runs, seed)
    if exp.params is None:  # undeclared (an experiment outside fastfa): passed through unchecked
        resolved = dict(params or {})
    else:
        resolved = resolve(exp.params, params, quick=quick, owner=f"experiment {name!r}")
    folder = Path(out) / name
    folder.mkdir(parents=True, exist_ok=True)
    ctx = Context(runs=runs, seed=int(seed), quick=quick, out=folder, progress=progress, params=resolved)
    t0 = time.perf_counter()
    res = exp.fn(ctx)
    wall = time.perf_counter() - t0
    nrows = write_table(res.table, folder / "results.csv")
    summary = {
        "experiment": name,
        "description": exp.description,
        "config": res.config,
        "params": resolved,
        "seed": int(seed),
        "runs": runs,
        "quick": quick,
        "versions": _versions(),
        "wall_time_s": wall,
        "env_steps": int(res.env_steps),
        "metrics": res.metrics,
        "rows": nrows,
    }
    if plot and res.plot is not None:
        summary.update(_draw(res, name, folder, runs if runs is not None else res.config.get("runs"), int(seed), svg))
    from ..io import _jsonable

    (folder / "summary.json").write_text(json.dumps(_jsonable(summary), indent=2))
    return summary


def _draw(res: Result, name: str, folder: Path, runs, seed: int, svg: bool) -> dict:
    from . import _plot

    assert res.plot is not None  # the caller checks
    try:
        _plot.use_headless_backend()
    except ImportError:
        warnings.warn(
            "matplotlib is not installed (pip install matplotlib): no PNG written", RuntimeWarning, stacklevel=3
        )
        return {}
    png = folder / f"{name}.png"
    runs_txt = f"{runs} runs" if runs is not None else "runs: see summary.json"
    _plot.prepare(name, f"fastfa {__version__} · fastfa run {name} · {runs_txt} · root seed {seed}", svg=svg)
    table = {k: np.asarray(v) for k, v in res.table.items()}
    res.plot(table, png)
    out = {"plot": str(png), "book_drawn": [e["source"] for e in _plot.drawn()]}
    if svg:
        out["plot_svg"] = str(png.with_suffix(".svg"))
    return out
