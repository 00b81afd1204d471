"""Part files of a sweep folder and their consolidation.

Layout of ``OUT``::

    sweep.json                       what was swept (target, grid, seeds, root seed), versions, counts
    parts/<cell>.results.<ext>       tidy rows of one finished cell
    parts/<cell>.runs.<ext>          one row per run of that cell: status ok|failed, error, ...
    results.<ext>, runs.<ext>        consolidated tables, sorted by (grid point, seed)

``<ext>`` is ``parquet`` when pyarrow is installed, else ``csv``.  A cell's
results part is written first and its runs part second, each atomically
(temp file + rename): a run counts as finished only when both exist, so a
killed driver loses at most the cells in flight.
"""

from __future__ import annotations

import csv
import json
import os
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np

RUN_COLS = ("status", "error", "attempts", "cell", "cell_wall_s", "host", "pid", "versions", "finished")


def default_format() -> str:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return "csv"
    return "parquet"


def _write(path: Path, cols: Mapping[str, list], fmt: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({k: list(v) if not isinstance(v, np.ndarray) else v for k, v in cols.items()}), tmp)
    else:
        names = list(cols)
        with open(tmp, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(names)
            w.writerows(zip(*(list(cols[n]) for n in names)))
    os.replace(tmp, path)


def _read_rows(path: Path) -> tuple[list[str], list[list]]:
    """Header and rows of a part (CSV values stay text: consolidation copies them verbatim)."""
    if path.suffix == ".csv":
        with open(path, newline="") as fh:
            r = csv.reader(fh)
            header = next(r)
            return header, list(r)
    import pyarrow.parquet as pq

    t = pq.read_table(path)
    cols = [t.column(i).to_pylist() for i in range(t.num_columns)]
    return t.column_names, [list(row) for row in zip(*cols)]


class Store:
    def __init__(self, out: Path, param_names: list[str], fmt: str | None = None) -> None:
        self.out = Path(out)
        self.parts = self.out / "parts"
        self.param_names = list(param_names)
        self.fmt = fmt or default_format()

    # ------------------------------------------------------------ writing
    def _param_cols(self, params: Mapping[str, Any], n: int) -> dict:
        return {k: [params[k]] * n for k in self.param_names}

    def write_ok(self, task, point, output: Mapping[str, Any]) -> None:
        seed = output["seed"]
        n = len(seed)
        res = {
            "run": [point.run_id(int(s)) for s in seed],
            **self._param_cols(point.params, n),
            "seed": seed,
            "x": output["x"],
            "metric": output["metric"],
            "value": output["value"],
        }
        if self.fmt == "csv":
            res = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in res.items()}
        self.parts.mkdir(parents=True, exist_ok=True)
        _write(self.parts / f"{task.cell_id}.results.{self.fmt}", res, self.fmt)
        self._write_runs(task, point, "ok", "", output.get("attempts", 1), output)

    def write_failed(self, task, point, error: str, attempts: int) -> None:
        self.parts.mkdir(parents=True, exist_ok=True)
        self._write_runs(task, point, "failed", error, attempts, {})

    def _write_runs(self, task, point, status: str, error: str, attempts: int, meta: Mapping) -> None:
        n = len(task.seeds)
        runs = {
            "run": [point.run_id(s) for s in task.seeds],
            **self._param_cols(point.params, n),
            "seed": list(task.seeds),
            "status": [status] * n,
            "error": [error] * n,
            "attempts": [int(attempts)] * n,
            "cell": [task.cell_id] * n,
            "cell_wall_s": [float(meta.get("cell_wall_s", float("nan")))] * n,
            "host": [str(meta.get("host", ""))] * n,
            "pid": [int(meta.get("pid", -1))] * n,
            "versions": [str(meta.get("versions", ""))] * n,
            "finished": [time.strftime("%Y-%m-%dT%H:%M:%S")] * n,
        }
        _write(self.parts / f"{task.cell_id}.runs.{self.fmt}", runs, self.fmt)

    # ------------------------------------------------------------ reading
    def _committed(self) -> list[tuple[Path, Path | None]]:
        """(runs part, results part or None) pairs, sorted by name."""
        if not self.parts.is_dir():
            return []
        pairs = []
        for runs in sorted(self.parts.glob("*.runs.*")):
            if runs.name.endswith(".tmp"):
                continue
            stem, ext = runs.name.rsplit(".runs.", 1)
            res = self.parts / f"{stem}.results.{ext}"
            pairs.append((runs, res if res.exists() else None))
        return pairs

    def finished(self) -> set[str]:
        """Run ids with status ok whose results are on disk."""
        done: set[str] = set()
        for runs, res in self._committed():
            header, rows = _read_rows(runs)
            i_run, i_status = header.index("run"), header.index("status")
            if res is not None:
                done.update(r[i_run] for r in rows if r[i_status] == "ok")
        return done

    def clear(self) -> None:
        if self.parts.is_dir():
            for f in self.parts.iterdir():
                if ".results." in f.name or ".runs." in f.name:
                    f.unlink()
        for f in self.out.glob("results.*"):
            f.unlink()
        for f in self.out.glob("runs.*"):
            f.unlink()

    def consolidate(self, order: Mapping[str, tuple[int, int]]) -> tuple[Path, Path]:
        """Merge committed parts of the runs in ``order`` (run id -> sort key) into results/runs tables."""
        res_rows: dict[str, list] = {}
        run_rows: dict[str, list] = {}
        res_header = run_header = None
        for runs, res in self._committed():
            h, rows = _read_rows(runs)
            i_run, i_status = h.index("run"), h.index("status")
            run_header = run_header or h
            ok_here = set()
            for r in rows:
                rid = r[i_run]
                if rid not in order:
                    continue
                prev = run_rows.get(rid)
                if prev is None or prev[i_status] != "ok":
                    run_rows[rid] = r
                if r[i_status] == "ok" and res is not None:
                    ok_here.add(rid)
            if res is not None and ok_here - set(res_rows):
                hr, rows = _read_rows(res)
                res_header = res_header or hr
                j = hr.index("run")
                new = ok_here - set(res_rows)
                for r in rows:
                    if r[j] in new:
                        res_rows.setdefault(r[j], []).append(r)
        if res_header is None:
            res_header = ["run", *self.param_names, "seed", "x", "metric", "value"]
        if run_header is None:
            run_header = ["run", *self.param_names, "seed", *RUN_COLS]
        res_cols = _columns(res_header, [r for rid in sorted(res_rows, key=order.__getitem__) for r in res_rows[rid]])
        run_cols = _columns(run_header, [run_rows[rid] for rid in sorted(run_rows, key=order.__getitem__)])
        paths = self.out / f"results.{self.fmt}", self.out / f"runs.{self.fmt}"
        for cols, path in zip((res_cols, run_cols), paths):
            for other in self.out.glob(path.stem + ".*"):
                if other != path and not other.name.endswith(".json"):
                    other.unlink()
            _write(path, cols, self.fmt)
        return paths


def _columns(header: list[str], rows: list[list]) -> dict[str, list]:
    if not rows:
        return {h: [] for h in header}
    return {h: list(c) for h, c in zip(header, zip(*rows))}


def write_manifest(path: Path, manifest: Mapping[str, Any]) -> None:
    from ..io import _jsonable

    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(_jsonable(dict(manifest)), indent=2))
    os.replace(tmp, path)
