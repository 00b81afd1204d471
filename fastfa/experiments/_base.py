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
from typing import Any, Callable, Mapping

import numpy as np

from .._version import __version__

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
    """

    name: str
    description: str
    fn: Callable[[Context], Result]
    default_runs: int | None = None
    cell: Cell | None = None
    grid: Mapping[str, list] | None = None


def experiment(name: str, description: str, default_runs: int | None = None, *,
               cell: Cell | None = None, grid: Mapping[str, list] | None = None):
    """Decorator registering ``fn(ctx) -> Result`` under ``name`` (see :class:`Experiment`)."""

    def deco(fn):
        if name in _REGISTRY and _REGISTRY[name].fn is not fn:
            raise ValueError(f"experiment {name!r} registered twice")
        _REGISTRY[name] = Experiment(name, description, fn, default_runs, cell, grid)
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

    return {"fastfa": __version__, "numpy": np.__version__, "numba": numba.__version__,
            "gymnasium": gymnasium.__version__, "python": platform.python_version(),
            "machine": platform.machine(), "platform": platform.platform()}


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


def run_experiment(name: str, *, runs: int | None = None, seed: int = 0, out: str | Path = "runs",
                   quick: bool = False, progress: bool = True, params: Mapping[str, Any] | None = None,
                   plot: bool = True) -> dict:
    """Run experiment ``name`` and write its files; returns the summary dict."""
    exp = get(name)
    if runs is not None and (not isinstance(runs, (int, np.integer)) or runs <= 0):
        raise ValueError(f"runs must be a positive int, got {runs!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    folder = Path(out) / name
    folder.mkdir(parents=True, exist_ok=True)
    ctx = Context(runs=runs, seed=int(seed), quick=quick, out=folder, progress=progress, params=dict(params or {}))
    t0 = time.perf_counter()
    res = exp.fn(ctx)
    wall = time.perf_counter() - t0
    nrows = write_table(res.table, folder / "results.csv")
    summary = {"experiment": name, "description": exp.description, "config": res.config, "seed": int(seed),
               "runs": runs, "quick": quick, "versions": _versions(), "wall_time_s": wall,
               "env_steps": int(res.env_steps), "metrics": res.metrics, "rows": nrows}
    if plot and res.plot is not None:
        try:
            import matplotlib

            matplotlib.use("Agg")
        except ImportError:
            warnings.warn("matplotlib is not installed (pip install 'fastfa[plot]'): no PNG written",
                          RuntimeWarning, stacklevel=2)
        else:
            png = folder / f"{name}.png"
            table = {k: np.asarray(v) for k, v in res.table.items()}
            res.plot(table, png)
            summary["plot"] = str(png)
    from ..io import _jsonable

    (folder / "summary.json").write_text(json.dumps(_jsonable(summary), indent=2))
    return summary
