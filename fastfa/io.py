"""Pickle-free, crash-safe saving and untrusted loading of agents, buffers and anything made of arrays.

A file is a NumPy ``.npz`` archive (zip) holding:

* ``__meta__``: UTF-8 JSON (stored as a uint8 array) with ``format`` (this
  module's FORMAT_VERSION), ``fastfa_version``, ``kind`` (e.g. the class name),
  and whatever JSON-able ``meta`` the caller gives (config, RNG state, ...);
* one array per entry of ``arrays`` (weights, IHT table, traces, optimizer
  state, replay buffer...).

Every file is read as untrusted input: nothing is unpickled
(``allow_pickle=False``), each array's header is checked against the bytes the
archive really holds before it is read, and every problem -- an empty,
truncated or random file, a file from a newer format, a missing or malformed
array or field -- raises :class:`FormatError` (a ``ValueError``) whose message
names the file and the problem.  The mappings :func:`load` returns raise
``FormatError`` for a missing key, and loaders decorated with :func:`loader`
turn any error met while rebuilding an object from a file into a
``FormatError`` naming that file.  Files written by an older format load in
newer versions.

Saves are crash-safe: :func:`save` writes a temporary file in the target's
directory, flushes it to disk (``fsync``) and renames it over the target
(``os.replace``, atomic), so a process killed mid-save leaves the previous
file intact.

Example::

    >>> import numpy as np, fastfa.io as fio
    >>> fio.save("w.npz", "LinearV", {"alpha": 0.1}, {"w": np.zeros(3)})
    >>> kind, meta, arrays = fio.load("w.npz")
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar, cast

import numpy as np

from ._version import __version__
from ._typing import DTypeLike, PathLike

F = TypeVar("F", bound=Callable[..., Any])

FORMAT_VERSION = 1

__all__ = ["save", "load", "FORMAT_VERSION", "FormatError", "loader", "check_array", "rng_state", "rng_from_state"]

# Errors that reading or rebuilding from a malformed file can raise (converted to FormatError).
_READ_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    MemoryError,
    EOFError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    NotImplementedError,
    RecursionError,
    UnicodeDecodeError,
    AttributeError,
)


class FormatError(ValueError):
    """A file that is not a valid fastfa file of the expected kind.

    ``str(err)`` is ``"<file>: <problem>"``; ``err.path`` and ``err.problem`` hold the parts.
    """

    def __init__(self, path: PathLike, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class Fields(dict):
    """A dict read from a file: a missing key raises :class:`FormatError` naming the file and the key."""

    def __init__(self, data, path: PathLike, what: str = "field", prefix: str = "") -> None:
        super().__init__(data)
        self.path, self.what, self.prefix = str(path), what, prefix

    def __missing__(self, key):
        raise FormatError(self.path, f"missing {self.what} {self.prefix + str(key)!r}")


def _fields(obj, path: PathLike, prefix: str = ""):
    """Wrap the dicts of a JSON tree in :class:`Fields` (so missing keys name the file and field)."""
    if isinstance(obj, dict):
        return Fields({k: _fields(v, path, f"{prefix}{k}.") for k, v in obj.items()}, path, "field", prefix)
    if isinstance(obj, list):
        return [_fields(v, path, prefix) for v in obj]
    return obj


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


# ------------------------------------------------------------------ save
def save(path: str | os.PathLike, kind: str, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Path:
    """Write ``arrays`` and JSON ``meta`` to ``path`` crash-safely (temp file, fsync, rename).

    Returns the path written (``.npz`` is appended when missing, as NumPy does).
    A process killed during the save leaves any previous file at ``path`` intact.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    header = {"format": FORMAT_VERSION, "fastfa_version": __version__, "kind": kind, "meta": _jsonable(dict(meta))}
    payload = {"__meta__": np.frombuffer(json.dumps(header, allow_nan=True).encode("utf-8"), dtype=np.uint8)}
    for name, arr in arrays.items():
        if name == "__meta__":
            raise ValueError("arrays: the name '__meta__' is reserved")
        a = np.asarray(arr)
        if a.dtype.hasobject:
            raise TypeError(f"arrays[{name!r}]: object arrays cannot be saved without pickle")
        payload[name] = a
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **payload)  # type: ignore[arg-type]  # numpy's stub types **kwds as allow_pickle
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)
    return path


def _fsync_dir(d: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ------------------------------------------------------------------ load
def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: PathLike) -> np.ndarray:
    name = info.filename[:-4]
    with zf.open(info) as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise FormatError(path, f"array {name!r}: unsupported .npy version {version}")
        if dtype.hasobject:
            raise FormatError(path, f"array {name!r} holds Python objects (pickled data); refused")
        nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if nbytes > info.file_size:
            raise FormatError(
                path,
                f"array {name!r}: header declares shape {shape} ({nbytes} bytes) but the "
                f"archive holds {info.file_size} bytes (truncated or corrupt)",
            )
    with zf.open(info) as fh:
        return np.lib.format.read_array(fh, allow_pickle=False)


def _read_archive(path: Path) -> tuple[dict, dict]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as e:
        if isinstance(e, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        size = path.stat().st_size
        raise FormatError(
            path,
            "not a fastfa file: "
            + ("the file is empty" if size == 0 else f"not a valid zip archive ({size} bytes; truncated?)"),
        ) from None
    arrays = {}
    with zf:
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                raise FormatError(path, f"not a fastfa file: unexpected archive member {info.filename!r}")
            name = info.filename[:-4]
            try:
                arrays[name] = _read_member(zf, info, path)
            except FormatError:
                raise
            except _READ_ERRORS as e:
                raise FormatError(path, f"array {name!r} cannot be read ({type(e).__name__}: {e})") from None
    if "__meta__" not in arrays:
        raise FormatError(path, "not a fastfa file (no __meta__ entry)")
    raw = arrays.pop("__meta__")
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise FormatError(path, f"__meta__ must be a 1-D uint8 array, got {raw.dtype} {raw.shape}")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise FormatError(path, f"__meta__ is not valid UTF-8 JSON ({e})") from None
    if not isinstance(header, dict):
        raise FormatError(path, f"__meta__ must be a JSON object, got {type(header).__name__}")
    return header, arrays


def load(path: str | os.PathLike, kind: str | None = None) -> tuple[str, dict, dict[str, np.ndarray]]:
    """Read a file written by :func:`save`, treating it as untrusted.

    Returns ``(kind, meta, arrays)``; ``meta`` and ``arrays`` raise :class:`FormatError`
    (naming the file and key) for a missing key.  Raises ``FileNotFoundError`` for a
    missing file and :class:`FormatError` for anything wrong with it: not a zip archive,
    empty, truncated, pickled/object arrays, malformed ``__meta__``, a newer file format
    (the message says which format the file needs), or -- when ``kind`` is given -- a
    file holding another kind of object.
    """
    if isinstance(path, (str, bytes)) and not path:
        raise ValueError("path is empty: give the file written by save()")
    path = Path(path)
    if not path.exists() and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise FormatError(path, "is a folder, not a file written by fastfa's save()")
    header, arrays = _read_archive(path)
    fmt = header.get("format")
    if isinstance(fmt, bool) or not isinstance(fmt, int) or fmt < 1:
        raise FormatError(path, f"field 'format' must be an int >= 1, got {fmt!r}")
    if fmt > FORMAT_VERSION:
        raise FormatError(
            path,
            f"written in file format {fmt} by fastfa {header.get('fastfa_version')}; this "
            f"fastfa ({__version__}) reads formats <= {FORMAT_VERSION}: upgrade fastfa to "
            f"a version that reads format {fmt}",
        )
    got = header.get("kind")
    if not isinstance(got, str):
        raise FormatError(path, f"field 'kind' must be a string, got {got!r}")
    if kind is not None and got != kind:
        raise FormatError(path, f"holds a {got!r}, expected {kind!r}")
    meta = header.get("meta", {})
    if not isinstance(meta, dict):
        raise FormatError(path, f"field 'meta' must be a JSON object, got {type(meta).__name__}")
    return got, _fields(meta, path), Fields(arrays, path, "array")


def check_array(
    arrays: Mapping[str, np.ndarray],
    name: str,
    *,
    dtype: DTypeLike | None = None,
    kind: str | None = None,
    shape: tuple | None = None,
    finite: bool = False,
    path: PathLike | None = None,
) -> np.ndarray:
    """``arrays[name]`` after checking it; :class:`FormatError` (naming the file and array) otherwise.

    ``dtype``: the exact dtype required; ``kind``: allowed NumPy dtype kinds (e.g. ``"iu"``);
    ``shape``: a tuple whose ``None`` entries match any length; ``finite``: no NaN or infinity.
    ``path`` defaults to the file ``arrays`` came from (the mapping :func:`load` returns).
    """
    path = path if path is not None else getattr(arrays, "path", "<arrays>")
    if name not in arrays:
        raise FormatError(path, f"missing array {name!r}")
    a = arrays[name]
    if not isinstance(a, np.ndarray):
        raise FormatError(path, f"array {name!r} is not an array ({type(a).__name__})")
    if dtype is not None and a.dtype != np.dtype(dtype):
        raise FormatError(path, f"array {name!r} has dtype {a.dtype}, expected {np.dtype(dtype)}")
    if kind is not None and a.dtype.kind not in kind:
        raise FormatError(path, f"array {name!r} has dtype {a.dtype}, expected one of kind {kind!r}")
    if shape is not None:
        shape = tuple(shape)
        if a.ndim != len(shape) or any(w is not None and s != w for s, w in zip(a.shape, shape)):
            want = "(" + ", ".join("any" if w is None else str(w) for w in shape) + ("," if len(shape) == 1 else "")
            raise FormatError(path, f"array {name!r} has shape {a.shape}, expected {want})")
    if finite and a.dtype.kind in "fc" and not np.isfinite(a).all():
        raise FormatError(path, f"array {name!r} contains NaN or infinity")
    return a


def loader(fn: F) -> F:
    """Decorate a ``load(cls, path, ...)`` classmethod body: any error raised while rebuilding
    the object from the file becomes a :class:`FormatError` naming the file and the problem."""

    @functools.wraps(fn)
    def wrapper(cls, path: PathLike, *args, **kwargs):
        try:
            return fn(cls, path, *args, **kwargs)
        except FormatError:
            raise
        except _READ_ERRORS as e:
            msg = e.args[0] if isinstance(e, KeyError) and e.args else e
            raise FormatError(path, f"invalid {cls.__name__} file: {msg}") from e

    return cast(F, wrapper)


# ------------------------------------------------------------------ RNG state
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def rng_state(rng: np.random.Generator) -> dict:
    """JSON-able state of a NumPy Generator (to store in ``meta``)."""
    return _jsonable(rng.bit_generator.state)


def rng_from_state(state: Mapping[str, Any]) -> np.random.Generator:
    """Rebuild a Generator from :func:`rng_state` output (ValueError for a malformed state)."""
    if not isinstance(state, Mapping):
        raise ValueError(f"rng state must be a JSON object, got {type(state).__name__}")
    name = state.get("bit_generator")
    if name not in _BIT_GENERATORS:
        raise ValueError(f"rng state: bit_generator must be one of {', '.join(_BIT_GENERATORS)}, got {name!r}")
    bg = getattr(np.random, name)()
    plain = json.loads(json.dumps(_jsonable(dict(state))))  # plain dicts/lists (numpy checks the values)
    try:
        bg.state = plain
    except (TypeError, KeyError, OverflowError) as e:
        raise ValueError(f"rng state is malformed for {name} ({type(e).__name__}: {e})") from None
    return np.random.Generator(bg)
