"""Every public function and method of fastfa's public API has annotations (issue 16).

"Public": the names in ``__all__`` of the public modules below (functions and classes), and every
method of those classes (inherited ones included) whose name does not start with ``_``, plus
``__init__`` and ``__call__``.  Each parameter except ``self``/``cls`` needs an annotation, and each
function except ``__init__`` a return annotation.  mypy then checks the annotated bodies.

    python .ci/check_annotations.py      # exit 1 and a list when something is missing
"""

from __future__ import annotations

import importlib
import inspect
import sys

MODULES = [
    "fastfa",
    "fastfa.tiles3",
    "fastfa.features",
    "fastfa.policies",
    "fastfa.agents",
    "fastfa.agents.registry",
    "fastfa.agents.pg_compiled",
    "fastfa.envs",
    "fastfa.buffers",
    "fastfa.io",
    "fastfa.sweep",
    "fastfa.loop",
    "fastfa.experiments",
    "fastfa.cli",
]


def _missing(qualname: str, fn: object, seen: set[int], out: list[str]) -> None:
    fn = inspect.unwrap(fn)  # type: ignore[arg-type]
    if not inspect.isfunction(fn) or id(fn) in seen or not fn.__module__.startswith("fastfa"):
        return
    seen.add(id(fn))
    sig = inspect.signature(fn)
    params = [p.name for p in sig.parameters.values() if p.annotation is inspect.Parameter.empty]
    params = [p for p in params if p not in ("self", "cls")]
    no_return = sig.return_annotation is inspect.Signature.empty and fn.__name__ != "__init__"
    if params or no_return:
        where = f"{inspect.getsourcefile(fn)}:{fn.__code__.co_firstlineno}"
        what = (f"parameters {params}" if params else "") + (" and " if params and no_return else "")
        out.append(f"{fn.__module__}.{qualname}: {what}{'return' if no_return else ''}  ({where})")


def main() -> int:
    seen: set[int] = set()
    out: list[str] = []
    for name in MODULES:
        mod = importlib.import_module(name)
        for attr in getattr(mod, "__all__", [n for n in dir(mod) if not n.startswith("_")]):
            obj = getattr(mod, attr, None)
            if inspect.isclass(obj) and obj.__module__.startswith("fastfa"):
                for klass in obj.__mro__:
                    if not klass.__module__.startswith("fastfa"):
                        continue
                    for meth, val in vars(klass).items():
                        if meth.startswith("_") and meth not in ("__init__", "__call__"):
                            continue
                        if isinstance(val, (staticmethod, classmethod)):
                            val = val.__func__
                        if isinstance(val, property):
                            val = val.fget
                        _missing(f"{obj.__name__}.{meth}", val, seen, out)
            elif inspect.isfunction(obj):
                _missing(attr, obj, seen, out)
    for line in sorted(out):
        print("check_annotations:", line, file=sys.stderr)
    print(f"check_annotations: {len(seen)} public functions and methods, {len(out)} without full annotations")
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())
