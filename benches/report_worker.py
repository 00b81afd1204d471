"""Child side of ``report_lib.Worker``: ``python report_worker.py MODULE [ARGS...]``.

Imports ``MODULE`` (from benches/ or benches/peers/), calls ``setup(args)`` once (imports,
compilation, warm-up: not timed) and answers each ``{"n": n, "round": r}`` line with
``{"s": seconds, "u": units}`` from ``run(n, r)``.  Needs only the standard library besides the module, so it runs in a peer's
own virtualenv (MushroomRL's pins an old NumPy).
"""

import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "peers")]


def main():
    mod = importlib.import_module(sys.argv[1])
    run, info = mod.setup(sys.argv[2:])
    print(json.dumps({"ready": True, **info}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        t, u = run(req["n"], req["round"])
        print(json.dumps({"s": float(t), "u": float(u)}), flush=True)


if __name__ == "__main__":
    main()
