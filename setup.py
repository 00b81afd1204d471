"""Build script: maps ``kernels/`` to ``fastfa.kernels`` and builds the Cython extensions.

Everything else (metadata, dependencies, extras) lives in ``pyproject.toml``.

Without a working C compiler the build stops with a clear message.  Set
``FASTFA_NO_EXT=1`` to install without compiled extensions on purpose: then
``fastfa.tiles3`` uses its pure-Python implementation (same results, about
30-100x slower) and warns once on import.
"""

import os
import sys

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

NO_EXT = os.environ.get("FASTFA_NO_EXT", "") not in ("", "0")
NO_AOT = NO_EXT or os.environ.get("FASTFA_NO_AOT", "") not in ("", "0")
NO_PREBUILD = NO_EXT or os.environ.get("FASTFA_NO_PREBUILD", "") not in ("", "0")

COMPILER_HELP = """
fastfa: building the compiled extension {name!r} failed:
    {err}
fastfa needs a C compiler (gcc or clang) and the Python headers to build its
Cython kernels.  On Debian/Ubuntu: `apt-get install build-essential python3-dev`;
on macOS: `xcode-select --install`; on Windows: the MSVC Build Tools.
To install anyway without the compiled tiles3 (pure-Python fallback, slower),
set FASTFA_NO_EXT=1 and run pip again.
"""


class BuildExt(build_ext):
    """build_ext that turns a missing/broken compiler into one clear error, builds the extensions
    in parallel while a thread compiles the main job's fused loop ahead of time
    (``kernels/loops/aot.py``), and then prebuilds the experiments' kernels (``fastfa/_prebuild.py``)."""

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:
            self.parallel = os.cpu_count() or 1

    def run(self):
        # the AOT module (Numba, in this process) is built in a thread while the C compiler builds the
        # extensions (subprocesses: ~14 s, one core idle after the smaller one): ~10 s less install on 2 cores
        aot = None
        if not NO_AOT:
            import threading

            aot = threading.Thread(target=self.build_aot, name="fastfa-aot")
            aot.start()
        try:
            super().run()
        finally:
            if aot is not None:
                aot.join()
        # the prebuild lanes (subprocesses) need the built extensions: they start after them
        lanes = None if NO_PREBUILD or self.inplace else self.start_prebuild()
        if lanes is not None:
            self.finish_prebuild(*lanes)

    def start_prebuild(self):
        """Run the experiments of ``fastfa._prebuild.LANES`` on the freshly built package, one
        subprocess per lane, saving the kernels they compile into its prebuilt Numba cache
        (``fastfa/kernels/_prebuilt``, installed with it).  Optional: without it (an editable install,
        ``FASTFA_NO_PREBUILD=1``, a failure) kernels are compiled on first use, as before."""
        import subprocess
        import tempfile
        import time

        import shutil

        build_lib = os.path.abspath(self.build_lib)
        # a build folder left by an earlier build may hold another build's kernels: start empty
        shutil.rmtree(os.path.join(build_lib, "fastfa", "kernels", "_prebuilt"), ignore_errors=True)
        scratch = tempfile.mkdtemp(prefix="fastfa-prebuild-")
        env = dict(os.environ, NUMBA_CACHE_DIR=os.path.join(scratch, "cache"), MPLBACKEND="Agg")
        env["PYTHONPATH"] = os.pathsep.join([build_lib] + [p for p in [os.environ.get("PYTHONPATH")] if p])
        env.pop("NUMBA_BOUNDSCHECK", None)
        env.pop("NUMBA_DISABLE_JIT", None)
        procs = []
        for lane in (0, 1):
            out = os.path.join(scratch, f"lane{lane}.json")
            log = open(os.path.join(scratch, f"lane{lane}.log"), "w")
            cmd = [sys.executable, "-m", "fastfa._prebuild", str(lane), out]
            # each lane saves into its own folder (_prebuilt/lane<i>): two processes never write one index
            lane_env = dict(env, FASTFA_PREBUILD=f"lane{lane}")
            proc = subprocess.Popen(cmd, cwd=scratch, env=lane_env, stdout=log, stderr=subprocess.STDOUT)
            procs.append((proc, out, log))
        return procs, scratch, time.perf_counter()

    def finish_prebuild(self, procs, scratch, t0):
        import json
        import shutil
        import time

        lanes = []
        for proc, out, log in procs:
            proc.wait()
            log.close()
            try:
                with open(out) as f:
                    lanes.append(json.load(f))
            except (OSError, ValueError):
                with open(log.name) as f:
                    tail = f.read()[-2000:]
                sys.stderr.write(f"fastfa: warning: a prebuild lane failed (kernels compile on first use):\n{tail}\n")
        if lanes:
            manifest = dict(lanes[0], experiments={k: v for lane in lanes for k, v in lane["experiments"].items()})
            target = os.path.join(self.build_lib, "fastfa", "kernels", "_prebuilt", "manifest.json")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w") as f:
                json.dump(manifest, f, indent=1, sort_keys=True)
            failed = sorted(k for k, v in manifest["experiments"].items() if isinstance(v, str))
            sys.stderr.write(
                f"fastfa: compiled the kernels of {len(manifest['experiments']) - len(failed)} experiments for this "
                f"CPU in {time.perf_counter() - t0:.1f} s"
                + (f" (failed: {', '.join(failed)})" if failed else "")
                + "\n"
            )
        shutil.rmtree(scratch, ignore_errors=True)

    def build_aot(self):
        """``fastfa.kernels.loops._aot`` (numba.pycc); optional: without it Numba compiles the unit at
        first use, as for every other unit."""
        import tempfile
        import time

        target = self.get_ext_fullpath("fastfa.kernels.loops._aot")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # Numba's cache of the kernels compiled on the way goes to a scratch folder, not the tree
        os.environ.setdefault("NUMBA_CACHE_DIR", tempfile.mkdtemp(prefix="fastfa-aot-"))
        here = os.path.dirname(os.path.abspath(__file__))
        sys.path.insert(0, here)
        t0 = time.perf_counter()
        try:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # numba.pycc's deprecation notice
                from kernels.loops import aot

                manifest = aot.build(target)
        except Exception as err:  # noqa: BLE001 - any failure: go on without it (see the docstring)
            sys.stderr.write(
                f"fastfa: warning: the ahead-of-time compiled main-job loop was not built ({type(err).__name__}: "
                f"{err}); Numba compiles it on first use instead (a few seconds once).\n"
            )
            return
        finally:
            sys.path.remove(here)  # (not pop(0): this runs in a thread beside the extension build)
        names = ", ".join(sorted(manifest["units"]))
        sys.stderr.write(f"fastfa: compiled ahead of time in {time.perf_counter() - t0:.1f} s: {names}\n")

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as err:  # CompileError, DistutilsExecError, CCompilerError...
            sys.stderr.write(COMPILER_HELP.format(name=ext.name, err=err))
            raise SystemExit(f"fastfa: cannot build {ext.name}: no working C compiler ({err})") from err


def extensions():
    if NO_EXT:
        return []
    from Cython.Build import cythonize

    import numpy

    exts = [
        Extension("fastfa.kernels.features._tiles3", ["kernels/features/_tiles3.pyx"]),
        # no a*b+c -> fma contraction (GCC's default where FMA is baseline, e.g. aarch64): the C
        # fast path must round exactly like the Numba kernels it mirrors
        Extension(
            "fastfa.kernels.replay._replay",
            ["kernels/replay/_replay.pyx"],
            include_dirs=[numpy.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            extra_compile_args=[] if sys.platform == "win32" else ["-ffp-contract=off"],
        ),
    ]
    return cythonize(
        exts,
        nthreads=os.cpu_count() or 1,
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "cdivision": True},
    )


# kernels/ (a top-level folder, grouped by concept: envs, features, linear, nn, replay, loops, approx)
# is installed as fastfa.kernels with all its subpackages
kernel_packages = ["fastfa.kernels"] + ["fastfa.kernels." + p for p in find_packages(where="kernels")]
packages = find_packages(include=["fastfa", "fastfa.*"]) + kernel_packages

setup(
    packages=packages,
    package_dir={"fastfa": "fastfa", "fastfa.kernels": "kernels"},
    package_data={**{p: ["*.pxd", "*.pyx", "*.pxi"] for p in kernel_packages}, "fastfa.experiments": ["*.json"]},
    exclude_package_data={p: ["*.c"] for p in kernel_packages},
    ext_modules=extensions(),
    cmdclass={"build_ext": BuildExt},
    zip_safe=False,
)
