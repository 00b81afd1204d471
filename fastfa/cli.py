"""The ``fastfa`` command line.

fastfa --version
fastfa list                         # built-in experiments
fastfa run NAME [--runs N] [--seed S] [--out DIR] [--quick] [--set key=value ...]
                [--no-plot] [--svg] [--open]
fastfa run NAME --help              # the experiment's parameters (name, default, range, doc)
fastfa bench tiles                  # quick speed comparison printed as a table
fastfa bench startup                # cold (empty Numba cache) and warm start of `fastfa run NAME --quick`
fastfa bench all [--quick]          # every table of BENCHMARKS.md (source checkout: runs benches/report.py)
fastfa sweep NAME --grid alpha=0.1,0.2 --grid lam=0,0.9 --seeds 30 [--backend process|serial|dask|ray]
             [--workers N] [--address tcp://HOST:8786] [--out DIR] [--no-resume]
fastfa train ALGO ENV_ID [--total-steps N | --episodes N] [--set key=value ...] [--seed S] --save FILE
fastfa eval FILE [--env ENV_ID] [--episodes N] [--seed S]
fastfa agents                       # the ALGO names of `fastfa train`
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ._version import __version__


class UsageError(ValueError):
    """A malformed command line (exit status 2)."""


def _parse_set(items):
    params = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"--set expects key=value, got {item!r}")
        k, v = item.split("=", 1)
        k = k.strip()
        if not k:
            raise UsageError(f"--set expects key=value, got {item!r}")
        try:
            params[k] = json.loads(v)
        except json.JSONDecodeError:
            params[k] = v
    return params


def _cmd_list(args) -> int:
    from .experiments import get, names

    for name in names():
        print(f"{name:28s} {get(name).description}")
    return 0


def _cmd_run(args) -> int:
    from .experiments import get, run_experiment

    if args.help or args.name is None:
        args.parser.print_help()
        if args.name is not None:
            return _print_params(args.name)
        return 0
    try:
        params = _parse_set(args.set)
        get(args.name)
    except ValueError as err:
        print(f"fastfa: {err}", file=sys.stderr)
        return 2
    try:
        summary = run_experiment(
            args.name,
            runs=args.runs,
            seed=args.seed,
            out=args.out,
            quick=args.quick,
            progress=not args.no_progress,
            params=params,
            plot=not args.no_plot,
            svg=args.svg,
        )
    except (ValueError, TypeError) as err:
        print(f"fastfa: {err}\n(see: fastfa run {args.name} --help)", file=sys.stderr)
        return 2
    from .experiments._report import print_summary

    print_summary(summary)
    print(f"results in {args.out}/{args.name}/")
    if summary.get("plot"):
        _show_plot(summary["plot"], args.open)
    return 0


def _print_params(name: str) -> int:
    from .experiments import describe, get

    try:
        exp = get(name)
    except ValueError as err:
        print(f"fastfa: {err}", file=sys.stderr)
        return 2
    print(f"\n{name}: {exp.description}")
    print(f"default runs: {exp.default_runs}\nparameters (--set NAME=VALUE; lists as [a,b] or a,b):")
    print(describe(exp.params) if exp.params is not None else "  (not declared)")
    if exp.cell is not None:
        print("sweep cell parameters (fastfa sweep --grid NAME=V1,V2):")
        print(describe(exp.cell_params) if exp.cell_params is not None else "  (not declared)")
    return 0


def _show_plot(path: str, open_it: bool) -> None:
    """Print the figure's path and file:// link; with ``--open``, open it in a desktop viewer."""
    import os
    from pathlib import Path

    uri = Path(path).resolve().as_uri()
    print(f"figure: {path}  ({uri})")
    if not open_it:
        return
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print("--open: no display here (DISPLAY/WAYLAND_DISPLAY unset); open the file above yourself")
        return
    import webbrowser

    try:
        ok = webbrowser.open(uri)
    except Exception:  # noqa: BLE001 - a viewer failing must not fail the run
        ok = False
    if not ok:
        print("--open: no viewer found; open the file above yourself")


def _bench_all(args) -> int:
    """``fastfa bench all``: benches/ are not in the wheel, so this runs a source checkout's report."""
    import subprocess
    from pathlib import Path

    # an editable install finds the checkout next to the package; a normal install (CI's fresh
    # virtualenv) finds it when run from the checkout's root
    candidates = [Path(__file__).resolve().parents[1], Path.cwd()]
    script = next((c / "benches" / "report.py" for c in candidates if (c / "benches" / "report.py").is_file()), None)
    if script is None:
        print(
            "fastfa bench all: needs a source checkout (benches/ is not installed with the package); "
            "clone the repository, `pip install -e .[test,bench,baselines]`, then run it there",
            file=sys.stderr,
        )
        return 2
    cmd = [sys.executable, str(script)] + (["--quick"] if args.quick else [])
    if args.only:
        cmd += ["--only", args.only]
    return subprocess.call(cmd)


def _cmd_bench(args) -> int:
    if args.what == "all":
        return _bench_all(args)
    if args.what == "startup":
        from . import startup

        try:
            return startup.main(args.experiments, top=args.top)
        except ValueError as err:
            print(f"fastfa: {err}", file=sys.stderr)
            return 2
    from . import quickbench

    return quickbench.main(args.what, quick=args.quick)


def _parse_grid(items):
    grid = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"--grid expects name=v1,v2,..., got {item!r}")
        k, v = item.split("=", 1)
        vals = []
        for tok in v.split(","):
            try:
                vals.append(json.loads(tok))
            except json.JSONDecodeError:
                vals.append(tok)
        grid[k.strip()] = vals
    return grid


def _cmd_sweep(args) -> int:
    from .sweep import sweep

    seeds = args.seeds
    try:
        if seeds is not None and "," in seeds:
            seeds = [int(s) for s in seeds.split(",")]
        elif seeds is not None:
            seeds = int(seeds)
    except ValueError:
        print(
            f"fastfa: --seeds expects a number of seeds (e.g. 30) or a list of seed indices (0,1,5), "
            f"got {args.seeds!r}",
            file=sys.stderr,
        )
        return 2
    try:
        res = sweep(
            args.name,
            grid=_parse_grid(args.grid),
            seeds=seeds,
            backend=args.backend,
            n_workers=args.workers,
            address=args.address,
            out=args.out,
            resume=not args.no_resume,
            retries=args.retries,
            root_seed=args.root_seed,
            progress=not args.no_progress,
            chunk=args.chunk,
            threads_per_worker=args.threads_per_worker,
        )
    except (ValueError, TypeError, ImportError) as err:
        print(f"fastfa: {err}", file=sys.stderr)
        return 2
    print(
        f"{args.name}: {res.n_runs} runs ({res.n_computed} computed, {res.n_skipped} already done, "
        f"{res.n_failed} failed) in {res.wall_s:.2f} s on backend {res.backend}"
    )
    try:
        s = res.summary()
    except ImportError:
        pass
    else:
        print(s.to_string(index=False))
    print(f"results in {res.table} and {res.runs_table}")
    return 1 if res.n_failed else 0


def _cmd_agents(args) -> int:
    from .agents import registry

    for name in registry.names():
        e = registry.entry(name)
        print(f"{name:26s} {e.cls:22s} {e.family:16s} {e.summary}")
    return 0


def _cmd_info(args) -> int:
    from ._info import main as info_main

    return info_main()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fastfa", description="Fast RL with function approximation.")
    p.add_argument("--version", action="version", version=f"fastfa {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sp = sub.add_parser("list", help="list the built-in experiments")
    sp.set_defaults(func=_cmd_list)

    sp = sub.add_parser(
        "run", help="run a built-in experiment and write results.csv, summary.json, a plot", add_help=False
    )
    sp.add_argument("-h", "--help", action="store_true", help="show this help and the experiment's parameters")
    sp.add_argument("name", nargs="?", help="experiment name (see `fastfa list`)")
    sp.add_argument("--runs", type=int, default=None, help="independent runs (default: the experiment's)")
    sp.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    sp.add_argument("--out", default="runs", help="output folder (default ./runs)")
    sp.add_argument("--quick", action="store_true", help="reduced size, for a smoke check")
    sp.add_argument("--no-progress", action="store_true", help="no progress bar")
    sp.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override an experiment parameter (see `fastfa run NAME --help`)",
    )
    sp.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    sp.add_argument("--svg", action="store_true", help="also write the figure as SVG")
    sp.add_argument("--open", action="store_true", help="open the figure in a desktop viewer (no-op when headless)")
    sp.set_defaults(func=_cmd_run, parser=sp)

    sp = sub.add_parser("bench", help="print a quick speed comparison against the outside baseline")
    sp.add_argument(
        "what",
        choices=["tiles", "startup", "all"],
        help="tiles: tile coding vs tiles3; startup: cold/warm start of `fastfa run NAME --quick`; "
        "all: every table of BENCHMARKS.md (source checkout only)",
    )
    sp.add_argument("--quick", action="store_true", help="fewer repetitions")
    sp.add_argument(
        "--experiments",
        default=None,
        help="startup: comma-separated experiment names, or 'all' (default: cartpole-dqn,mountaincar-sarsa)",
    )
    sp.add_argument("--top", type=int, default=8, help="startup: functions listed per experiment (default 8)")
    sp.add_argument("--only", default="", help="all: comma-separated row ids of benches/report.py")
    sp.set_defaults(func=_cmd_bench)

    sp = sub.add_parser("sweep", help="parameter study of an experiment over a grid x seeds (see docs/sweep.md)")
    sp.add_argument("name", help="experiment name with a sweep cell (see `fastfa list`)")
    sp.add_argument(
        "--grid",
        action="append",
        metavar="NAME=V1,V2,...",
        help="values of one parameter (repeatable; default: the experiment's grid)",
    )
    sp.add_argument("--seeds", default=None, help="number of seeds, or a list of seed indices 0,1,5")
    sp.add_argument("--backend", default="process", choices=["serial", "process", "dask", "ray"])
    sp.add_argument("--workers", type=int, default=None, help="worker processes (default: CPUs)")
    sp.add_argument("--address", default=None, help="Dask scheduler tcp://HOST:8786, or Ray auto / ray://HOST:10001")
    sp.add_argument("--out", default=None, help="sweep folder (default sweeps/NAME)")
    sp.add_argument("--no-resume", action="store_true", help="start afresh, deleting earlier results in --out")
    sp.add_argument("--retries", type=int, default=2, help="extra attempts of a failing cell (default 2)")
    sp.add_argument("--root-seed", type=int, default=0, help="root of the seed streams (default 0)")
    sp.add_argument("--chunk", type=int, default=None, help="seeds per cell (default: automatic)")
    sp.add_argument(
        "--threads-per-worker", type=int, default=None, help="Numba threads per local worker (default: CPUs // workers)"
    )
    sp.add_argument("--no-progress", action="store_true", help="no progress bar")
    sp.set_defaults(func=_cmd_sweep)

    from ._cli_train import add_train_eval

    add_train_eval(sub)
    sp = sub.add_parser("agents", help="list the agents of `fastfa train` (the agent registry)")
    sp.set_defaults(func=_cmd_agents)
    sp = sub.add_parser("info", help="versions, CPU, Numba cache folder, compiled extensions (for bug reports)")
    sp.set_defaults(func=_cmd_info)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
