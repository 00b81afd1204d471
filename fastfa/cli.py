"""The ``fastfa`` command line.

    fastfa --version
    fastfa list                         # built-in experiments
    fastfa run NAME [--runs N] [--seed S] [--out DIR] [--quick] [--set key=value ...]
    fastfa bench tiles                  # quick speed comparison printed as a table
"""
from __future__ import annotations

import argparse
import json
import sys

from ._version import __version__


def _parse_set(items):
    params = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"fastfa: --set expects key=value, got {item!r}")
        k, v = item.split("=", 1)
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
    from .experiments import run_experiment

    try:
        summary = run_experiment(args.name, runs=args.runs, seed=args.seed, out=args.out, quick=args.quick,
                                 progress=not args.no_progress, params=_parse_set(args.set))
    except ValueError as err:
        print(f"fastfa: {err}", file=sys.stderr)
        return 2
    print(f"{summary['experiment']}: {summary['wall_time_s']:.2f} s, {summary['env_steps']:,} env steps")
    for k, v in summary["metrics"].items():
        print(f"  {k}: {v}")
    print(f"results in {args.out}/{args.name}/")
    return 0


def _cmd_bench(args) -> int:
    from . import quickbench

    return quickbench.main(args.what, quick=args.quick)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fastfa", description="Fast RL with function approximation.")
    p.add_argument("--version", action="version", version=f"fastfa {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sp = sub.add_parser("list", help="list the built-in experiments")
    sp.set_defaults(func=_cmd_list)

    sp = sub.add_parser("run", help="run a built-in experiment and write results.csv, summary.json, a plot")
    sp.add_argument("name", help="experiment name (see `fastfa list`)")
    sp.add_argument("--runs", type=int, default=None, help="independent runs (default: the experiment's)")
    sp.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    sp.add_argument("--out", default="runs", help="output folder (default ./runs)")
    sp.add_argument("--quick", action="store_true", help="reduced size, for a smoke check")
    sp.add_argument("--no-progress", action="store_true", help="no progress bar")
    sp.add_argument("--set", action="append", metavar="KEY=VALUE", help="override an experiment parameter")
    sp.set_defaults(func=_cmd_run)

    sp = sub.add_parser("bench", help="print a quick speed comparison against the outside baseline")
    sp.add_argument("what", choices=["tiles"], help="what to compare")
    sp.add_argument("--quick", action="store_true", help="fewer repetitions")
    sp.set_defaults(func=_cmd_bench)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
