"""Smoke test of an installed fastfa (a wheel in a fresh venv, or cibuildwheel's test step).

Checks: import from outside the source tree, the compiled extensions loaded, `fastfa info`,
`fastfa run mountaincar-sarsa --quick` and a DQN `--quick` run finish.  Usage:
    python .ci/smoke.py [--no-dqn] [--out DIR]
"""

import argparse
import os
import subprocess
import sys
import tempfile


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-dqn", action="store_true", help="skip the DQN run (slow first compile)")
    ap.add_argument("--out", default=None, help="where the runs write (default: a temporary folder)")
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="fastfa-smoke-")
    os.makedirs(out, exist_ok=True)
    os.chdir(out)  # never import the source tree's fastfa/

    import fastfa
    import fastfa.buffers
    import fastfa.tiles3

    print(f"fastfa {fastfa.__version__} from {os.path.dirname(fastfa.__file__)}")
    assert fastfa.tiles3.COMPILED, "the Cython tiles3 extension did not load"
    assert fastfa.buffers.COMPILED, "the Cython replay extension did not load"
    assert fastfa.tiles3.tiles(fastfa.tiles3.IHT(32), 2, [0.1]) == [0, 1]
    cmds = [["info"], ["run", "mountaincar-sarsa", "--quick", "--no-progress", "--out", out]]
    if not args.no_dqn:
        cmds.append(["run", "cartpole-dqn", "--quick", "--no-progress", "--out", out])
    for cmd in cmds:
        print("$ fastfa " + " ".join(cmd), flush=True)
        r = subprocess.run([sys.executable, "-m", "fastfa", *cmd], timeout=900)
        if r.returncode != 0:
            print(f"smoke: `fastfa {' '.join(cmd)}` exited {r.returncode}", file=sys.stderr)
            return 1
    print("smoke: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
