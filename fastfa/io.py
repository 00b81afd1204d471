"""Pickle-free saving and loading of agents, buffers and anything made of arrays.

A file is a NumPy ``.npz`` archive (zip) holding:

* ``__meta__``: UTF-8 JSON (stored as a uint8 array) with ``format`` (this
  module's FORMAT_VERSION), ``fastfa_version``, ``kind`` (e.g. the class name),
  and whatever JSON-able ``meta`` the caller gives (config, RNG state, ...);
* one array per entry of ``arrays`` (weights, IHT table, traces, optimizer
  state, replay buffer...).

Nothing is unpickled on load (``allow_pickle=False``), so loading an untrusted
file cannot run code.  Files written by an older format load in newer
versions; a file from a newer format raises a clear ``ValueError``.

Example::

    >>> import numpy as np, fastfa.io as fio
    >>> fio.save("w.npz", "LinearV", {"alpha": 0.1}, {"w": np.zeros(3)})
    >>> kind, meta, arrays = fio.load("w.npz")
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ._version import __version__

FORMAT_VERSION = 1

__all__ = ["save", "load", "FORMAT_VERSION", "rng_state", "rng_from_state"]


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def save(path: str | os.PathLike, kind: str, meta: Mapping[str, Any],
         arrays: Mapping[str, np.ndarray]) -> Path:
    """Write ``arrays`` and JSON ``meta`` to ``path`` atomically (temp file + rename).

    Returns the path written (``.npz`` is appended when missing, as NumPy does).
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    header = {"format": FORMAT_VERSION, "fastfa_version": __version__, "kind": kind,
              "meta": _jsonable(dict(meta))}
    payload = {"__meta__": np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)}
    for name, arr in arrays.items():
        if name == "__meta__":
            raise ValueError("arrays: the name '__meta__' is reserved")
        a = np.asarray(arr)
        if a.dtype == object:
            raise TypeError(f"arrays[{name!r}]: object arrays cannot be saved without pickle")
        payload[name] = a
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, **payload)
    os.replace(tmp, path)
    return path


def load(path: str | os.PathLike, kind: str | None = None):
    """Read a file written by :func:`save`.

    Returns ``(kind, meta, arrays)``.  If ``kind`` is given, a file of another
    kind raises ``ValueError``.
    """
    path = Path(path)
    if not path.exists() and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")
    with np.load(path, allow_pickle=False) as data:
        if "__meta__" not in data.files:
            raise ValueError(f"{path}: not a fastfa file (no __meta__ entry)")
        header = json.loads(data["__meta__"].tobytes().decode("utf-8"))
        arrays = {k: data[k] for k in data.files if k != "__meta__"}
    fmt = header.get("format")
    if not isinstance(fmt, int) or fmt > FORMAT_VERSION:
        raise ValueError(
            f"{path}: written in file format {fmt} by fastfa {header.get('fastfa_version')}; "
            f"this fastfa ({__version__}) reads formats <= {FORMAT_VERSION}. Upgrade fastfa."
        )
    if kind is not None and header.get("kind") != kind:
        raise ValueError(f"{path}: holds a {header.get('kind')!r}, expected {kind!r}")
    return header.get("kind"), header.get("meta", {}), arrays


def rng_state(rng: np.random.Generator) -> dict:
    """JSON-able state of a NumPy Generator (to store in ``meta``)."""
    return _jsonable(rng.bit_generator.state)


def rng_from_state(state: Mapping[str, Any]) -> np.random.Generator:
    """Rebuild a Generator from :func:`rng_state` output."""
    name = state["bit_generator"]
    bitgen_cls = getattr(np.random, name)
    bg = bitgen_cls()
    bg.state = dict(state)
    return np.random.Generator(bg)
