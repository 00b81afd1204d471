"""What a sweep gives back: :class:`SweepResult` (the folder, its tables, counts) and the reports on
a results table (summary over seeds, the book-style parameter-study plot, rliable's score arrays).
Light to import: pandas and the plotting code load on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["SweepResult", "summary", "plot_parameter_study", "to_rliable"]


@dataclass
class SweepResult:
    """What :func:`sweep` returns (also :func:`load` of a sweep folder).

    Attributes:
        out: the sweep folder.
        table: path of the tidy results table (run, parameters, seed, x, metric, value).
        runs_table: path of the run table (status, error, attempts, cell wall time, host, versions).
        params: the swept parameter names.
        n_runs, n_computed, n_skipped, n_failed: runs in the plan / computed now /
            found finished on disk (resume) / recorded as failed.
        wall_s: wall-clock seconds of this call; backend: the backend used.
    """

    out: Path
    table: Path
    runs_table: Path
    params: list
    n_runs: int = 0
    n_computed: int = 0
    n_skipped: int = 0
    n_failed: int = 0
    wall_s: float = 0.0
    backend: str = ""
    _cache: dict = field(default_factory=dict, repr=False)

    def _read(self, path: Path):
        try:
            import pandas as pd
        except ImportError:
            return path
        if path not in self._cache:
            self._cache[path] = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        return self._cache[path]

    @property
    def df(self) -> pd.DataFrame:
        """The tidy results as a pandas DataFrame (the table's path when pandas is missing)."""
        return self._read(self.table)

    @property
    def runs(self) -> pd.DataFrame:
        """The run table as a DataFrame (its path when pandas is missing)."""
        return self._read(self.runs_table)

    def summary(self, by: Sequence[str] | None = None, **kw: Any) -> pd.DataFrame:
        """Mean, SE and CI over seeds by parameter; see :func:`fastfa.sweep.summary`."""
        return summary(self.df, by=by, **kw)

    def plot(self, x: str = "alpha", curve: str | None = "lam", **kw: Any) -> Any:
        """Book-style parameter study; see :func:`fastfa.sweep.plot_parameter_study`."""
        return plot_parameter_study(self.df, x=x, curve=curve, **kw)

    def to_rliable(self, **kw: Any) -> dict[str, np.ndarray]:
        """Score arrays for rliable; see :func:`fastfa.sweep.to_rliable`."""
        return to_rliable(self.df, **kw)


def _df(obj: pd.DataFrame | SweepResult) -> pd.DataFrame:
    return obj.df if isinstance(obj, SweepResult) else obj


def summary(df: pd.DataFrame | SweepResult, by: Sequence[str] | None = None, **kw: Any) -> pd.DataFrame:
    """Mean with standard error (``ci="se"``) or bootstrap CI (``ci="bootstrap"``) over seeds, by
    parameter.  ``df``: a results DataFrame or SweepResult.  See ``fastfa._sweep.report.summary``."""
    from .report import summary as _summary

    return _summary(_df(df), by=by, **kw)


def plot_parameter_study(df: pd.DataFrame | SweepResult, x: str = "alpha", curve: str | None = "lam", **kw: Any) -> Any:
    """Metric vs ``x`` (e.g. α), one curve per ``curve`` value (e.g. λ), mean ± SE band."""
    from .report import plot_parameter_study as _plot

    return _plot(_df(df), x=x, curve=curve, **kw)


def to_rliable(df: pd.DataFrame | SweepResult, **kw: Any) -> dict[str, np.ndarray]:
    """``{algorithm: scores (n_runs, n_tasks)}`` for rliable's aggregate metrics."""
    from .report import to_rliable as _to

    return _to(_df(df), **kw)
