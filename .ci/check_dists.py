"""Check the contents of an sdist and a wheel: what a build needs, nothing generated, the license.

Usage: python .ci/check_dists.py fastfa-X.tar.gz fastfa-X-*.whl
"""

import sys
import tarfile
import zipfile


def _field(metadata: str, name: str) -> str:
    return next((ln.split(":", 1)[1].strip() for ln in metadata.splitlines() if ln.startswith(name + ":")), "")


def main(sdist: str, wheel: str) -> int:
    problems = []
    with tarfile.open(sdist) as tf:
        names = [n.split("/", 1)[1] for n in tf.getnames() if "/" in n]
        top = tf.getnames()[0].split("/", 1)[0]
        pkg_info = tf.extractfile(f"{top}/PKG-INFO").read().decode()  # type: ignore[union-attr]
        version_py = tf.extractfile(f"{top}/fastfa/_version.py").read().decode()  # type: ignore[union-attr]
    for need in (
        "setup.py",
        "pyproject.toml",
        "MANIFEST.in",
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "fastfa/__init__.py",
        "fastfa/py.typed",
    ):
        if need not in names:
            problems.append(f"sdist lacks {need}")
    if not [n for n in names if n.startswith("kernels/") and n.endswith(".pyx")]:
        problems.append("sdist has no kernels/**/*.pyx")
    bad = [
        n
        for n in names
        if n.endswith((".c", ".so", ".pyd", ".pyc", ".nbi", ".nbc"))
        or n.startswith(("build/", "dist/", "tests/", "benches/"))
    ]
    problems += [f"sdist ships generated or unwanted file {n}" for n in bad]

    wnames = zipfile.ZipFile(wheel).namelist()
    # the version comes from one place (fastfa/_version.py) into both distributions' metadata
    meta = zipfile.ZipFile(wheel).read(next(n for n in wnames if n.endswith(".dist-info/METADATA"))).decode()
    versions = {
        "fastfa/_version.py": version_py.split("=", 1)[1].strip().strip("\"'"),
        "sdist PKG-INFO": _field(pkg_info, "Version"),
        "wheel METADATA": _field(meta, "Version"),
    }
    if len(set(versions.values())) != 1:
        problems.append(f"versions differ: {versions}")
    for text, where in ((pkg_info, "sdist"), (meta, "wheel")):
        if _field(text, "License-Expression") != "MIT":
            problems.append(f"{where} metadata has no License-Expression: MIT")
    # _aot: the main job's loop compiled ahead of time (kernels/loops/aot.py), with its manifest
    for ext in ("_tiles3", "_replay", "_aot"):
        if not [
            n
            for n in wnames
            if n.startswith("fastfa/kernels/")
            and f"/{ext}." in "/" + n.rsplit("/", 1)[1]
            and n.endswith((".so", ".pyd"))
        ]:
            problems.append(f"wheel lacks the compiled extension {ext}")
    if "fastfa/kernels/loops/_aot_manifest.json" not in wnames:
        problems.append("wheel lacks fastfa/kernels/loops/_aot_manifest.json")
    if [n for n in names if n.endswith("_aot_manifest.json")]:
        problems.append("sdist ships a build's _aot_manifest.json")
    # _prebuilt: the experiments' kernels compiled at build time (fastfa/_prebuild.py), for the build's CPU
    if "fastfa/kernels/_prebuilt/manifest.json" not in wnames:
        problems.append("wheel lacks fastfa/kernels/_prebuilt/manifest.json (the prebuild step did not run)")
    elif not [n for n in wnames if n.startswith("fastfa/kernels/_prebuilt/") and n.endswith(".nbc")]:
        problems.append("wheel's fastfa/kernels/_prebuilt holds no compiled kernel")
    if [n for n in names if "_prebuilt/" in n]:
        problems.append("sdist ships a build's _prebuilt folder")
    if "fastfa/py.typed" not in wnames:
        problems.append("wheel lacks fastfa/py.typed")
    if not [n for n in wnames if ".dist-info/" in n and "LICENSE" in n]:
        problems.append("wheel carries no LICENSE in its .dist-info")
    bad = [
        n
        for n in wnames
        if (n.endswith((".c", ".nbi", ".nbc", ".pyc")) and not n.startswith("fastfa/kernels/_prebuilt/"))
        or n.startswith(("kernels/", "tests/", "benches/", "build/"))
    ]
    problems += [f"wheel ships unwanted file {n}" for n in bad]
    for p in problems:
        print("check_dists:", p, file=sys.stderr)
    print(
        f"check_dists: sdist {len(names)} files, wheel {len(wnames)} files, version {versions['wheel METADATA']}: "
        f"{'ok' if not problems else 'FAILED'}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
