"""Regenerate every table of BENCHMARKS.md: fastfa and its peers, interleaved, in one run.

    python benches/report.py                 # everything (over an hour on 2 cores; 38 min without scaling)
    python benches/report.py --quick         # the same rows with less work per row (<= 5 min quiet)
    python benches/report.py --only mountaincar,a2c-sb3     # some rows (the others stay as they were)
    python benches/report.py --list          # row ids
    fastfa bench all [--quick] [--only ...]  # the same, from a source checkout

Each comparison runs fastfa and its baselines in the same process (or in worker processes for
peers that need their own virtualenv), A B C, B C A, ... with rounds of about equal length, and
reports the median and min-max of each side plus the median of the per-round ratios.  The
machine (CPU model and flags, cores, versions) and the load average before/after each row are
recorded; rows taken at a load average above 1.5 are flagged "under load".  Results go to
BENCHMARKS.json and into the generated section of BENCHMARKS.md (between the report markers).

Peers in their own virtualenvs are made on first use under ``~/.cache/fastfa-bench`` (or
``$FASTFA_BENCH_VENVS``) with ``pip install`` (MushroomRL: it pins NumPy 1.24); nothing else
is fetched at run time.  The JAX peers (``benches/jax_peer/``) run with this interpreter (the
``baselines`` extra) unless ``--jax-python`` names another.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "peers")]

import report_lib as L  # noqa: E402
import report_write  # noqa: E402

ROUNDS = {"quick": 5, "full": 9}
ROUND_S = {"quick": 0.25, "full": 1.0}

MUSHROOM = [
    [
        "numpy==1.24.4",
        "scipy==1.15.2",
        "scikit-learn==1.6.1",
        "matplotlib",
        "joblib",
        "tqdm",
        "gym==0.24.1",
        "opencv-python-headless>=4.7,<4.12",
        "pygame",
        "torch==2.13.0",
    ],
    ["--no-deps", "mushroom-rl==1.10.2"],
]


def _pairs():
    import report_rows as R
    import report_rows_nn as N

    return {
        "tiles": R.row_tiles,
        "mountaincar": R.row_mountaincar,
        "replay-sample": N.row_replay_sample,
        "replay-add": N.row_replay_add,
        "replay-add-batch": N.row_replay_add_batch,
        "dqn-step-64": N.row_dqn_step,
        "dqn-step-256": N.row_dqn_step_256,
        "puckworld": R.row_puckworld,
        "a2c-sb3": R.row_a2c,
        "dqn-sb3": R.row_dqn_sb3,
        "dqn-cleanrl": R.row_dqn_cleanrl,
    }


# rows that train whole agents: one seed per round, >= 5 seeds (quick: fewer for the slowest)
SEED_ROUNDS = {"a2c-sb3": (5, 5), "dqn-sb3": (5, 5), "dqn-cleanrl": (3, 5)}
OTHER = ["mushroom", "jax-dqn", "jax-a2c", "jax-sarsa", "startup", "buffer-rss", "clean-seeds", "scaling"]


def log(msg: str):
    print(msg, file=sys.stderr, flush=True)


def run_pair(rid: str, fn, mode: str) -> dict:
    title, unit, sides, note = fn(mode == "quick")
    for s in sides:
        s.tune(ROUND_S[mode])
    rounds = SEED_ROUNDS.get(rid, (ROUNDS[mode],) * 2)[mode == "full"]
    times = L.interleave(sides, rounds)
    for s in sides:
        getattr(s.fn, "close", lambda: None)()  # worker processes
    out = L.summarise(sides, times)
    out.update(title=title, unit=unit, note=note, rounds=rounds)
    return out


def run_mushroom(mode: str, args) -> dict:
    py = args.mushroom_python or L.find_or_make_venv("mushroom", MUSHROOM, log)
    if py is None:
        return {
            "skipped": "MushroomRL's virtualenv could not be made (see the log); pip install "
            + " ".join(MUSHROOM[0] + MUSHROOM[1][1:])
        }
    script = str(HERE / "peers" / "mushroom_sarsa.py")
    steps = 4_000 if mode == "quick" else 20_000
    loops = {"fastfa": [], "mushroom": []}

    def side(label, python, name):
        def fn(n, r):
            m = L.timed_process([python, script, name, str(n), str(r)])
            if m["rc"] != 0:
                raise RuntimeError(m["stderr"])
            res = json.loads(m["stdout"].strip().splitlines()[-1])
            loops[name].append((res["loop_s"], res["steps"]))
            return m["wall_s"], res["steps"]

        return L.Side(label, "fastfa" if name == "fastfa" else "outside", fn, steps, calibrate=False)

    sides = [
        side("fastfa `run_population(..., 'sarsa_lambda')`", sys.executable, "fastfa"),
        side("MushroomRL 1.10.2 `SARSALambdaContinuous` + `Tiles`", py, "mushroom"),
    ]
    for s in sides:
        s.fn(500, 0)  # compile / cache, imports
        for k in loops:
            loops[k].clear()
    rounds = 3 if mode == "quick" else 5
    times = L.interleave(sides, rounds)
    out = L.summarise(sides, times)
    inner = {"_load": times["_load"], sides[0].label: loops["fastfa"], sides[1].label: loops["mushroom"]}
    out["loop_only"] = L.summarise(sides, inner)
    out.update(
        title="Mountain Car tile-coded SARSA(λ), whole process (start to exit)",
        unit="env steps/s",
        rounds=rounds,
        peer_versions=L.versions(py, "mushroom-rl numpy gym torch"),
        note=(
            f"{steps:,} env steps per process, seed r in round r; 8 tilings of 8x8, λ 0.9 accumulating "
            "traces, α 0.1/8, ε 0, 200-step episodes (benches/peers/mushroom_sarsa.py). MushroomRL runs "
            "in its own virtualenv: its release pins NumPy 1.24 and torch 2.5.1; torch 2.13.0 (CPU) is "
            "installed there instead (the tile-coding path does not use torch)."
        ),
    )
    return out


#: JAX peer drivers (benches/jax_peer/): row id -> (script, title, --quick args, full args). Scripts
#: written by other work (A2C, linear SARSA) are run when present; options they lack are not passed.
JAX_DRIVERS = {
    "jax-dqn": (
        "dqn_vs_jax.py",
        "CartPole DQN vs whole-loop JAX",
        ["--rows", "0", "--rounds", "3", "--steps", "20000"],
        ["--rounds", "5"],
    ),
    "jax-a2c": ("a2c_vs_jax.py", "CartPole A2C vs whole-loop JAX", ["--rounds", "3"], ["--rounds", "5"]),
    "jax-sarsa": (
        "sarsa_vs_jax.py",
        "Mountain Car linear SARSA population vs whole-loop JAX",
        ["--rounds", "3", "--episodes", "100"],
        ["--rounds", "5", "--episodes", "300"],
    ),
}


def run_jax(rid: str, mode: str, args) -> dict:
    script, title, quick_args, full_args = JAX_DRIVERS[rid]
    path = HERE / "jax_peer" / script
    if not path.exists():
        return {"skipped": f"benches/jax_peer/{script} is not in this checkout yet"}
    helptext = subprocess.run([sys.executable, str(path), "--help"], capture_output=True, text=True).stdout
    extra = quick_args if mode == "quick" else full_args
    extra = [a for k, a in enumerate(extra) if (a if a.startswith("--") else extra[k - 1]) in helptext]
    out_json = HERE / f"results-{rid}.json"
    cmd = [sys.executable, str(path), *extra]
    if "--json" in helptext:
        cmd += ["--json", str(out_json)]
    if "--jax-python" in helptext:
        cmd += ["--jax-python", args.jax_python or sys.executable]
    l0 = L.load()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return {"skipped": f"{script} failed: {p.stderr[-500:]}"}
    raw = json.loads(out_json.read_text()) if out_json.exists() else None
    out_json.unlink(missing_ok=True)
    table = [
        ln
        for ln in p.stdout.splitlines()
        if ln.startswith(("|", "first call", "CPU", "fastfa side", "CartPole", "Mountain Car"))
    ]
    shown = [os.path.relpath(cmd[1], HERE.parent)] + [
        c
        for k, c in enumerate(cmd[2:], 2)
        if c not in ("--json", "--jax-python") and cmd[k - 1] not in ("--json", "--jax-python")
    ]
    return {
        "title": f"{title} (benches/jax_peer/{script})",
        "load": [l0, L.load()],
        "loaded": max(l0, L.load()) > L.LOADED,
        "table": table,
        "raw": raw,
        "command_inner": " ".join(["python", *shown]),
    }


def run_other(rid: str, mode: str, args) -> dict:
    import report_costs as C

    quick = mode == "quick"
    l0 = L.load()
    if rid == "mushroom":
        return run_mushroom(mode, args)
    if rid in JAX_DRIVERS:
        return run_jax(rid, mode, args)
    if rid == "startup":
        from fastfa.experiments import names

        todo = ["mountaincar-sarsa"] if quick else names()
        out = {"rows": C.startup(todo, log)}
    elif rid == "buffer-rss":
        kinds = ["fastfa", "fastfa-compact", "cpprb", "sb3"] if quick else None
        out = {"rows": C.buffer_rss(1_000_000, log, kinds)}
    elif rid == "clean-seeds":
        out = C.clean_seeds(3 if quick else 20, log)
    elif rid == "scaling":
        import report_plots

        out = report_plots.all_plots(quick, L.ROOT / "docs" / "img" / "scaling", log)
    out["load"] = [l0, L.load()]
    out["loaded"] = max(out["load"]) > L.LOADED
    return out


def main(argv=None) -> int:
    pairs = _pairs()
    ids = list(pairs) + OTHER
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="less work per row (about 5 minutes on a quiet machine)")
    ap.add_argument("--only", default="", help="comma-separated row ids (see --list)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--jax-python", default=None, help="interpreter with jax, jaxlib, optax (default: this one)")
    ap.add_argument("--mushroom-python", default=None, help="interpreter with mushroom-rl (default: made on first use)")
    ap.add_argument("--json", type=Path, default=L.ROOT / "BENCHMARKS.json")
    ap.add_argument("--md", type=Path, default=L.ROOT / "BENCHMARKS.md")
    ap.add_argument("--rewrite", action="store_true", help="rewrite --md from --json, running nothing")
    a = ap.parse_args(argv)
    if a.list:
        print("\n".join(ids))
        return 0
    if a.rewrite:
        try:
            data = json.loads(a.json.read_text())
        except (OSError, ValueError) as e:
            ap.error(f"--rewrite: cannot read {a.json}: {e}")
        report_write.write_md(data, a.md, ids)
        log(f"wrote {a.md} from {a.json}")
        return 0
    todo = [x.strip() for x in a.only.split(",") if x.strip()] or ids
    bad = [x for x in todo if x not in ids]
    if bad:
        ap.error(f"unknown row id(s) {', '.join(bad)}; known: {', '.join(ids)}")
    mode = "quick" if a.quick else "full"
    data = json.loads(a.json.read_text()) if a.json.exists() else {"rows": {}}
    data["machine"] = L.machine()
    t_all = time.perf_counter()
    for rid in todo:
        log(f"[{time.perf_counter() - t_all:6.0f} s] {rid} ({mode})")
        t0 = time.perf_counter()
        try:
            res = run_pair(rid, pairs[rid], mode) if rid in pairs else run_other(rid, mode, a)
        except Exception as e:  # noqa: BLE001 - one broken peer must not lose the other rows
            import traceback

            traceback.print_exc()
            res = {"skipped": f"{type(e).__name__}: {e}"[:500]}
        res.update(
            id=rid,
            mode=mode,
            seconds=time.perf_counter() - t0,
            command=f"python benches/report.py {'--quick ' if a.quick else ''}--only {rid}",
            cpu=data["machine"]["cpu"],
            when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        )
        data["rows"][rid] = res
        a.json.write_text(json.dumps(data, indent=1, default=str))
    data["last_run"] = {
        "mode": mode,
        "rows": todo,
        "total_s": round(time.perf_counter() - t_all, 1),
        "command": "python benches/report.py"
        + (" --quick" if a.quick else "")
        + (f" --only {a.only}" if a.only else ""),
    }
    a.json.write_text(json.dumps(data, indent=1, default=str))
    report_write.write_md(data, a.md, ids)
    log(f"done in {time.perf_counter() - t_all:.0f} s; wrote {a.json} and {a.md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
