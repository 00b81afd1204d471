#!/usr/bin/env python
"""Mutation check: does the test suite bite?

Each mutant below is one hand-written, single-token change to a kernel (a sign, an index ±1, a discount
exponent, a coefficient, a comparison).  For each one the script edits the *installed* kernel file
(found under ``fastfa.kernels``, so it works for editable and normal installs alike), runs the tests
that should notice it with a fresh Numba cache (a cached caller would otherwise keep the unmutated
callee: the cache is a copy of a warm one, built by an unmutated baseline run, minus the entries of the
mutated module and of every kernel module importing it), and restores the file byte for byte (and its
mtime).  A mutant is *caught* when pytest reports
failing tests (exit code 1); a test collection error or a crash is reported as an error, not a catch.

    python .ci/mutate.py            # all mutants; exit 1 unless every one is caught
    python .ci/mutate.py --list     # the table below
    python .ci/mutate.py nstep adam # only mutants whose id contains one of the words

The snippet must occur exactly once in the named kernel file (searched for by file name anywhere under
the kernels package, so moving files between subfolders does not break the list); a stale snippet is an
error, so the list is kept in step with the kernels.  Run from the repository root after
``pip install ".[test]"`` (``.ci/run`` does, after the README test command).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
T = "tests/"

# (id, kernel file name, original snippet, mutated snippet, tests that must fail, what it breaks)
MUTANTS = [
    (
        "tiles-offset",
        "tilecoding.py",
        "b = np.int64(tiling) * disp[k]",
        "b = np.int64(tiling + 1) * disp[k]",
        [T + "kernels/test_tiles_kernel.py", T + "features/test_tile_coder.py"],
        "tile coding: tiling t displaced as tiling t+1 (index +1)",
    ),
    (
        "td0-bootstrap-sign",
        "prediction.py",
        "target += gamma_t * v_value(w, i_t, v_t)",
        "target -= gamma_t * v_value(w, i_t, v_t)",
        [T + "kernels/test_prediction.py"],
        "TD(0): target R − γv̂(S') (sign)",
    ),
    (
        "td-lambda-bootstrap-sign",
        "prediction.py",
        "delta += gamma_t * v_value(w, i_t, v_t)",
        "delta -= gamma_t * v_value(w, i_t, v_t)",
        [T + "kernels/test_traces_duplicates.py"],
        "TD(λ): δ = R − γv̂(S') (sign; tests/kernels/test_prediction.py alone misses it)",
    ),
    (
        "sarsa-bootstrap-sign",
        "control.py",
        "delta += gamma_t * q_value(w, i_t, v_t, a_t)",
        "delta -= gamma_t * q_value(w, i_t, v_t, a_t)",
        [T + "kernels/test_control.py"],
        "SARSA(λ): δ = R − γq̂(S', A') (sign)",
    ),
    (
        "trace-accumulate-as-replace",
        "control.py",
        "z[row, a_tm1] += v_tm1[j]",
        "z[row, a_tm1] = v_tm1[j]",
        [T + "kernels/test_traces_duplicates.py"],
        "SARSA(λ) accumulating traces replace instead of add",
    ),
    (
        "trace-sparse-accumulate",
        "control_traces.py",
        "z[row, a_tm1] += 1.0",
        "z[row, a_tm1] = 1.0",
        [T + "kernels/test_traces_duplicates.py"],
        "compiled-loop sparse accumulating traces replace",
    ),
    (
        "td-lambda-accumulate",
        "prediction.py",
        "z[i_tm1[j]] += v_tm1[j]",
        "z[i_tm1[j]] = v_tm1[j]",
        [T + "kernels/test_traces_duplicates.py"],
        "TD(λ) accumulating traces replace instead of add",
    ),
    (
        "dutch-trace-sign",
        "prediction.py",
        "c = 1.0 - alpha * v_value(z, i_tm1, v_tm1)",
        "c = 1.0 + alpha * v_value(z, i_tm1, v_tm1)",
        [T + "kernels/test_traces_duplicates.py"],
        "true online TD(λ): dutch trace (1 − αzᵀx) sign (tests/kernels/test_prediction.py alone misses it)",
    ),
    (
        "nstep-discount-exponent",
        "control.py",
        "g = rewards[k] + gamma * g",
        "g = rewards[k] + gamma * gamma * g",
        [T + "kernels/test_control.py"],
        "n-step return G_{t:t+n}: γ² per step instead of γ",
    ),
    (
        "replay-nstep-discount",
        "nstep.py",
        "g *= gamma",
        "g *= gamma * gamma",
        [T + "test_buffers_nstep.py"],
        "n-step replay returns: discount exponent doubled",
    ),
    (
        "reinforce-no-gamma-t",
        "pg_env_loop.py",
        "step = alpha * (disc if hp.gamma_t else 1.0) * delta",
        "step = alpha * delta",
        [T + "agents/test_reinforce_oracle.py"],
        "REINFORCE: γᵗ factor dropped",
    ),
    (
        "reinforce-undiscounted-return",
        "pg_env_loop.py",
        "gacc = rews[t] + gamma * gacc",
        "gacc = rews[t] + gacc",
        [T + "agents/test_reinforce_oracle.py"],
        "REINFORCE: G_t summed without γ",
    ),
    (
        "actor-critic-bootstrap",
        "pg_env_loop.py",
        "# actor-critic with eligibility traces\n                v_next = 0.0 if term else gamma * sparse_value",
        "# actor-critic with eligibility traces\n                v_next = 0.0 if term else sparse_value",
        [T + "agents/test_pg_compiled.py::test_puckworld_sparse_traces_equal_dense"],
        "actor-critic with traces: TD error without γ",
    ),
    (
        "sparse-trace-decay",
        "pg_sparse_traces.py",
        "z0 *= gl",
        "z0 *= gl * gl",
        [T + "agents/test_pg_compiled.py::test_puckworld_sparse_traces_equal_dense"],
        "sparse actor traces (2-D force): decay (γλ)² per step instead of γλ",
    ),
    (
        "softmax-floor",
        "pg_steps.py",
        "if b != j and probs[b] < min_prob:",
        "if b != j and probs[b] > min_prob:",
        [T + "agents/test_reinforce_oracle.py"],
        "floored softmax (min_prob): the floor raises the wrong probabilities",
    ),
    (
        "a2c-value-coef",
        "a2c.py",
        "dv[i, 0] = 2.0 * hp.vf_coef",
        "dv[i, 0] = 200.0 * hp.vf_coef",
        [T + "agents/test_a2c_mlp.py::test_first_update_equals_finite_difference_gradient"],
        "A2C-MLP: value-loss coefficient × 100",
    ),
    (
        "mlp-tanh-backward",
        "mlp_layers.py",
        "dl[t] *= 1.0 - h * h",
        "dl[t] *= 1.0 + h * h",
        [T + "kernels/test_mlp.py"],
        "MLP backward: tanh' = 1 + h² (sign)",
    ),
    (
        "adam-bias-correction",
        "mlp.py",
        "bc1 = 1.0 - beta1**t",
        "bc1 = 1.0 - beta1 ** (t + 1)",
        [T + "kernels/test_mlp.py::test_adam_and_sgd_vs_naive"],
        "Adam: first-moment bias correction off by one step",
    ),
    (
        "dqn-double-target",
        "dqn.py",
        "if v > bv or v != v:",
        "if v < bv or v != v:",
        [T + "agents/test_dqn.py::test_loss_grad_vs_naive"],
        "double DQN: argmin of the online net",
    ),
    (
        "dqn-lr-schedule",
        "dqn.py",
        "lr = hp[HP_LR] + frac * (hp[HP_LR_END] - hp[HP_LR])",
        "lr = hp[HP_LR] + 0.5 * frac * (hp[HP_LR_END] - hp[HP_LR])",
        [T + "agents/test_dqn_oracle.py::test_dqn_update_steps_vs_numpy"],
        "DQN: learning-rate decay at half speed",
    ),
    (
        "dqn-train-after-starts",
        "dqn_loop.py",
        "cnt[C_STEPS] % int(hp[HP_TRAIN_FREQ]) == 0 and cnt[C_STEPS] > hp[HP_LEARNING_STARTS]",
        "cnt[C_STEPS] % int(hp[HP_TRAIN_FREQ]) == 0 and cnt[C_STEPS] >= hp[HP_LEARNING_STARTS]",
        [T + "agents/test_dqn_oracle.py::test_number_of_gradient_updates_is_sb3s"],
        "DQN loop: training starts one step early (>= learning_starts)",
    ),
    (
        "simd-unfused",
        "_simd.py",
        "return builder.call(_fma_fn(builder, acc.type), [a, b, acc])",
        "return builder.fadd(acc, builder.fmul(a, b))",
        [T + "kernels/test_simd.py::test_every_path_rounds_the_product_once"],
        "matrix tiles: product rounded before the add (no fused multiply-add)",
    ),
    (
        "tile-mask-ge",
        "_simd.py",
        'return builder.select(builder.fcmp_ordered(">", e, ir.Constant(ve, None)), acc, zc)',
        'return builder.select(builder.fcmp_ordered(">=", e, ir.Constant(ve, None)), acc, zc)',
        [T + "kernels/test_simd.py::test_gemm_ep_init_and_epilogue_match_plain_loops"],
        "fused ReLU-derivative mask: passes δ where h = 0 (h >= 0 instead of h > 0)",
    ),
    (
        "fpmode-no-flush",
        "_fpmode.py",
        "_set_mxcsr(old | FTZ_DAZ)",
        "_set_mxcsr(old)",
        [T + "kernels/test_fpmode.py"],
        "network kernels: subnormals not flushed to zero",
    ),
    (
        "per-boundary",
        "per.py",
        "right = not (mass[k] < left)",
        "right = mass[k] > left",
        [T + "test_buffers_per_oracle.py"],
        "PER: mass on a prefix-sum boundary goes left",
    ),
    (
        "per-is-weight",
        "per.py",
        "** (-beta) / max_w",
        "** (-beta * 0.5) / max_w",
        [T + "test_buffers_per_oracle.py"],
        "PER: IS weight exponent −β/2",
    ),
]


def kernels_dir() -> Path:
    r = subprocess.run(
        [sys.executable, "-c", "import fastfa.kernels as k, os; print(os.path.dirname(k.__file__))"],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        check=True,
    )
    return Path(r.stdout.strip())


def locate(kdir: Path, name: str, old: str) -> Path:
    hits = [p for p in kdir.rglob(name) if old in p.read_text()]
    if len(hits) != 1:
        raise LookupError(f"snippet {old!r} found in {len(hits)} files named {name} under {kdir}")
    if hits[0].read_text().count(old) != 1:
        raise LookupError(f"snippet {old!r} occurs {hits[0].read_text().count(old)} times in {hits[0]}")
    return hits[0]


def importers(kdir: Path, stem: str) -> set[str]:
    """Stems of the kernel modules that import ``stem``, transitively (their Numba caches may hold
    compiled copies of the mutated functions: Numba checks only the caller's own source file)."""
    src = {p.stem: p.read_text() for p in kdir.rglob("*.py")}
    out, todo = {stem}, [stem]
    while todo:
        s = todo.pop()
        pat = re.compile(
            rf"^\s*(from\s+[.\w]*\b{s}\b\s+import|from\s+\.+[\w.]*\s+import\s+.*\b{s}\b|import\s+.*\b{s}\b)", re.M
        )
        for other, text in src.items():
            if other not in out and pat.search(text):
                out.add(other)
                todo.append(other)
    return out


def pytest_cmd(tests):
    return [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "--benchmark-disable",
        "-W",
        "ignore::DeprecationWarning",
        *tests,
    ]


def run_mutant(kdir, warm, mid, name, old, new, tests, timeout):
    path = locate(kdir, name, old)
    src = path.read_bytes()
    st = path.stat()
    try:
        path.write_bytes(src.replace(old.encode(), new.encode(), 1))
        with tempfile.TemporaryDirectory(prefix=f"mutant-{mid}-") as tmp:
            cache = Path(tmp) / "cache"
            shutil.copytree(warm, cache)  # warm cache minus the mutated module and everything importing it
            stale = importers(kdir, path.stem)
            for f in cache.rglob("*"):
                if f.is_file() and f.name.split(".", 1)[0] in stale:
                    f.unlink()
            env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONDONTWRITEBYTECODE="1")
            r = subprocess.run(pytest_cmd(tests), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    finally:
        path.write_bytes(src)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    last = (r.stdout.strip().splitlines() or [""])[-1]
    status = {0: "SURVIVED", 1: "caught"}.get(r.returncode, f"ERROR (pytest exit {r.returncode})")
    return status, last, path.relative_to(kdir)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("only", nargs="*", help="run only mutants whose id contains one of these words")
    ap.add_argument("--list", action="store_true", help="print the mutants and exit")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant (default 300)")
    a = ap.parse_args()
    todo = [m for m in MUTANTS if not a.only or any(w in m[0] for w in a.only)]
    if a.list:
        for mid, name, old, new, tests, what in todo:
            print(f"{mid:30s} {name:18s} {what}\n{'':30s} {old!r} -> {new!r}\n{'':30s} tests: {' '.join(tests)}")
        return 0
    kdir = kernels_dir()
    print(f"mutating kernels in {kdir}")
    t_all = time.perf_counter()
    warm_dir = tempfile.TemporaryDirectory(prefix="mutate-warm-")
    warm = Path(warm_dir.name)
    # baseline: the targeted tests pass on the unmutated kernels (and compile everything once, into `warm`)
    tests = sorted({t for m in todo for t in m[4]})
    r = subprocess.run(
        pytest_cmd(tests),
        cwd=ROOT,
        env=dict(os.environ, NUMBA_CACHE_DIR=str(warm)),
        capture_output=True,
        text=True,
        timeout=3 * a.timeout,
    )
    print(
        f"baseline (unmutated): {(r.stdout.strip().splitlines() or [''])[-1]}  {time.perf_counter() - t_all:.0f}s",
        flush=True,
    )
    if r.returncode != 0:
        print(r.stdout[-3000:], r.stderr[-2000:])
        return 2
    bad = 0
    for mid, name, old, new, tests, what in todo:
        t0 = time.perf_counter()
        try:
            status, last, rel = run_mutant(kdir, warm, mid, name, old, new, tests, a.timeout)
        except (LookupError, subprocess.TimeoutExpired) as e:
            status, last, rel = "ERROR", str(e), name
        bad += status != "caught"
        print(f"{status:9s} {mid:30s} {str(rel):22s} {time.perf_counter() - t0:6.1f}s  {what} | {last}", flush=True)
    n = len(todo)
    print(f"{n - bad}/{n} mutants caught in {time.perf_counter() - t_all:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
