#!/usr/bin/env bash
# The distributions a user installs: `python -m build` makes the sdist and then the wheel *from that
# sdist*; the wheel installs into a fresh virtualenv with no working C compiler (CC/CXX=/bin/false,
# binary-only installs) and passes the smoke test; then it is installed into a read-only folder and
# run as the unprivileged user `nobody` (root ignores permission bits), with and without a writable
# home (Numba's user cache), to show that import and a compiled run never need to write into the
# installed package.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WORK="$(mktemp -d)"
chmod 755 "$WORK"
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

python -m pip install -q build
python -m build --outdir "$WORK/dist" "$ROOT"           # sdist, then the wheel built from the sdist
SDIST=$(ls "$WORK"/dist/fastfa-*.tar.gz)
WHEEL=$(ls "$WORK"/dist/fastfa-*.whl)
python "$ROOT/.ci/check_dists.py" "$SDIST" "$WHEEL"

python -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
"$VPY" -m pip install -q --upgrade pip
# no compiler: every dependency must come as a wheel and nothing may be compiled
CC=/bin/false CXX=/bin/false LDSHARED=/bin/false "$VPY" -m pip install -q --only-binary=:all: "$WHEEL"
(cd "$WORK" && NUMBA_CACHE_DIR="$WORK/nbcache" "$VPY" "$ROOT/.ci/smoke.py" --out "$WORK/smoke")

# every experiment's first run (empty Numba cache of its own) compiles nothing: the wheel carries
# the kernels its build compiled for this CPU (fastfa/_prebuild.py) and the main job's pycc loop
# (from $WORK: the source tree's fastfa/ must not shadow the installed one; an assignment, so that a
# failure stops the script instead of leaving an empty loop)
NAMES=$(cd "$WORK" && "$VPY" -c "from fastfa.experiments import names; print(' '.join(names()))")
test "$(echo "$NAMES" | wc -w)" -ge 18 || { echo "expected every experiment, got: $NAMES"; exit 1; }
for NAME in $NAMES; do
    C="$WORK/cold-cache-$NAME"
    T0=$(date +%s%N)
    (cd "$WORK" && NUMBA_CACHE_DIR="$C" MPLBACKEND=Agg "$VPY" -m fastfa run "$NAME" --quick --no-progress \
        --out "$WORK/cold-runs" > /dev/null)
    echo "first run, empty Numba cache: fastfa run $NAME --quick: $(( ($(date +%s%N) - T0) / 1000000 )) ms"
    test -z "$(find "$C" -name '*.nbi' 2>/dev/null | head -1)" \
        || { echo "$NAME compiled kernels on its first run:"; find "$C" -name '*.nbi'; exit 1; }
done

# read-only install, run as nobody (from $WORK: never the source tree's fastfa/ on sys.path)
cd "$WORK"
RO="$WORK/ro"
"$VPY" -m pip install -q --no-deps --target "$RO" "$WHEEL"
chmod -R a-w "$RO"
chmod -R a+rX "$WORK"
SITE=$("$VPY" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
    AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
else
    AS_NOBODY=()                                   # not root: the read-only bits already apply to us
fi
mkdir -m 777 "$WORK/home"
RUN='import warnings, os, sys, fastfa, fastfa.tiles3 as t
assert fastfa.__file__.startswith(sys.argv[1]), fastfa.__file__
assert t.COMPILED
from fastfa import cli
raise SystemExit(cli.main(["run", "mountaincar-sarsa", "--quick", "--no-progress", "--out", sys.argv[2]]))'
# 0) the wheel carries the main job's ahead-of-time compiled loop, and a read-only install uses it
env -u NUMBA_CACHE_DIR HOME="$WORK/home" PYTHONPATH="$RO:$SITE" "${AS_NOBODY[@]}" "$VPY" -m fastfa info \
    > "$WORK/info.txt"
grep -q "^prebuilt      main-job loop: in use: control_run_tpl__MountainCar_v0_sarsa" "$WORK/info.txt" \
    || { cat "$WORK/info.txt"; echo "prebuilt loop not in use"; exit 1; }
# 0b) and the experiments' kernels, compiled for this CPU while the wheel was built (fastfa/_prebuild.py)
grep -q "^              experiments' kernels: in use: kernels of" "$WORK/info.txt" \
    || { cat "$WORK/info.txt"; echo "prebuilt kernels not in use"; exit 1; }
# The two runs below are about Numba's cache, so the prebuilt loop is turned off (FASTFA_AOT=0):
# 1) a writable home: Numba caches in the user cache folder (~/.cache/numba), no warning
env -u NUMBA_CACHE_DIR FASTFA_AOT=0 HOME="$WORK/home" PYTHONPATH="$RO:$SITE" "${AS_NOBODY[@]}" \
    "$VPY" -W error::RuntimeWarning -c "$RUN" "$RO" "$WORK/home/runs"
test -n "$(find "$WORK/home/.cache/numba" -name '*.nbi' | head -1)" || { echo "no user-cache files"; exit 1; }
test -z "$(find "$RO" -name '*.nbi' -not -path '*/_prebuilt/*' | head -1)" || { echo "cache written into the package"; exit 1; }
# 2) nothing writable but the output folder: compiles without cache, one clear warning
mkdir -m 777 "$WORK/out"
env -u NUMBA_CACHE_DIR FASTFA_AOT=0 HOME=/nonexistent PYTHONPATH="$RO:$SITE" "${AS_NOBODY[@]}" \
    "$VPY" -c "$RUN" "$RO" "$WORK/out/runs" 2> "$WORK/stderr.txt" || { cat "$WORK/stderr.txt"; exit 1; }
echo "-- stderr of the read-only run without a writable cache folder:"
cat "$WORK/stderr.txt"
grep -c "compiling without cache" "$WORK/stderr.txt" | grep -qx 1 || { echo "expected one cache warning"; exit 1; }
# that warning (and the source line Python prints under it) is all: no other library complaining
# about the unwritable home either
test -z "$(grep -v "compiling without cache" "$WORK/stderr.txt" | grep -v '^  ')" || { echo "expected only that warning"; exit 1; }
echo "dist check: sdist + wheel-from-sdist ok, no-compiler install ok, read-only install ok (${SECONDS} s)"
