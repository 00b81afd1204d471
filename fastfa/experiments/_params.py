"""Declared parameters of experiments and sweep cells, checked before any run starts.

Every experiment lists its parameters once::

    PARAMS = (
        Int("episodes", 500, "episodes per run", low=1, high=100_000, quick=100),
        Floats("alphas", [0.1 / 8, 0.5 / 8], "step sizes α", low=0.0, high=1.0, low_open=True),
    )

:func:`resolve` turns user values (``--set k=v`` on the command line, a dict from
Python) into the complete parameter dict: unknown names, wrong types, values out
of range and empty lists raise ``ValueError``/``TypeError`` naming the parameter,
the value and the accepted range.  Integers are never truncated: ``1.5`` for an
int parameter is an error (``1e3`` is accepted as 1000, it is an integer).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

_MISSING = object()
KINDS = ("int", "float", "bool", "str")


@dataclass(frozen=True)
class Param:
    """One declared parameter.

    Attributes:
        name: the ``--set`` key.
        kind: ``"int"``, ``"float"``, ``"bool"`` or ``"str"``.
        default: value used when not given (a list when ``many``; None when ``optional``).
        doc: one line shown by ``fastfa run NAME --help``.
        low, high: inclusive bounds of numbers (``low_open``: ``low`` itself excluded).
        choices: allowed values of a ``str`` parameter.
        many: the value is a non-empty list of such values (``max_len`` elements at most;
            ``allow_empty``: ``[]`` is allowed too, e.g. to skip a panel).
        optional: ``None`` is allowed (e.g. ``threads=None``: automatic).
        quick: the default under ``--quick`` (when different).
    """

    name: str
    kind: str
    default: Any
    doc: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple | None = None
    many: bool = False
    optional: bool = False
    max_len: int | None = None
    allow_empty: bool = False
    quick: Any = _MISSING

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Param {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}")
        self.check(self.default)
        if self.quick is not _MISSING:
            self.check(self.quick)

    # ---------------------------------------------------------------- description
    def allowed(self) -> str:
        """The accepted values in words, e.g. ``an int in [1, 100000]``."""
        if self.kind == "bool":
            one = "a bool (true/false)"
        elif self.kind == "str":
            one = f"one of {', '.join(map(str, self.choices))}" if self.choices else "a string"
        else:
            lo = "-inf" if self.low is None else f"{self.low:g}"
            hi = "inf" if self.high is None else f"{self.high:g}"
            one = f"{'an int' if self.kind == 'int' else 'a float'} in {'(' if self.low_open else '['}{lo}, {hi}]"
        if self.many:
            size = f" (at most {self.max_len})" if self.max_len else ""
            one = f"a {'' if self.allow_empty else 'non-empty '}list{size} of values each {one}"
        return one + (" or null" if self.optional else "")

    def default_for(self, quick: bool) -> Any:
        v = self.quick if (quick and self.quick is not _MISSING) else self.default
        return list(v) if isinstance(v, (list, tuple)) else v

    # ---------------------------------------------------------------- checking
    def _fail(self, value, exc=ValueError, what=None):
        raise exc(f"parameter {self.name!r}: {what or 'got'} {value!r}; expected {self.allowed()}")

    def _one(self, v, whole):
        k = self.kind
        if k == "bool":
            if isinstance(v, (bool, np.bool_)):
                return bool(v)
            if isinstance(v, (int, np.integer)) and v in (0, 1):
                return bool(v)
            if isinstance(v, str) and v.lower() in ("true", "false", "yes", "no"):
                return v.lower() in ("true", "yes")
            self._fail(whole, TypeError)
        if k == "str":
            if not isinstance(v, str):
                self._fail(whole, TypeError)
            if self.choices is not None and v not in self.choices:
                self._fail(whole)
            return v
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            self._fail(whole, TypeError)
        if not math.isfinite(float(v)):
            self._fail(whole, what="got a non-finite value")
        if k == "int":
            if isinstance(v, (float, np.floating)):
                if not float(v).is_integer():
                    self._fail(whole, TypeError, "got a non-integer")
            v = int(v)
        else:
            v = float(v)
        if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
            self._fail(whole, what="out of range:")
        if self.high is not None and v > self.high:
            self._fail(whole, what="out of range:")
        return v

    def check(self, value: Any) -> Any:
        """The value converted to the declared type; raises ValueError/TypeError when not allowed."""
        if value is None:
            if self.optional:
                return None
            self._fail(value, TypeError)
        if self.many:
            if isinstance(value, str) and self.kind != "str" or isinstance(value, str) and "," in value:
                value = [_parse_token(t) for t in value.split(",")] if value.strip() else []
            elif isinstance(value, np.ndarray):
                value = value.tolist()
            elif not isinstance(value, (list, tuple)):
                value = [value]
            if len(value) == 0 and not self.allow_empty:
                self._fail(value, what="got an empty list")
            if self.max_len is not None and len(value) > self.max_len:
                self._fail(value, what=f"got {len(value)} values")
            return [self._one(v, value) for v in value]
        if isinstance(value, (list, tuple, np.ndarray)):
            self._fail(value, TypeError, "got a list")
        return self._one(value, value)


def _parse_token(tok: str):
    import json

    tok = tok.strip()
    try:
        return json.loads(tok)
    except json.JSONDecodeError:
        return tok


def Int(name: str, default: Any, doc: str, low: float | None = None, high: float | None = None, **kw: Any) -> Param:
    """An int parameter (``many=True``: a list of ints)."""
    return Param(name, "int", default, doc, low=low, high=high, **kw)


def Float(name: str, default: Any, doc: str, low: float | None = None, high: float | None = None, **kw: Any) -> Param:
    """A float parameter (``many=True``: a list of floats)."""
    return Param(name, "float", default, doc, low=low, high=high, **kw)


def Bool(name: str, default: Any, doc: str, **kw: Any) -> Param:
    return Param(name, "bool", default, doc, **kw)


def Choice(name: str, default: Any, doc: str, choices: Sequence[str], **kw: Any) -> Param:
    """A string among ``choices`` (``many=True``: a list of them)."""
    return Param(name, "str", default, doc, choices=tuple(choices), **kw)


def defaults(decl: Sequence[Param], quick: bool = False) -> dict:
    """The parameter dict with every default (the ``--quick`` ones when ``quick``)."""
    return {p.name: p.default_for(quick) for p in decl}


def resolve(
    decl: Sequence[Param] | None,
    given: Mapping[str, Any] | None,
    *,
    quick: bool = False,
    owner: str = "this experiment",
) -> dict:
    """Defaults of ``decl`` overridden by ``given``, every value checked and converted.

    Raises:
        TypeError: ``given`` is not a mapping, or a value has the wrong type (``1.5`` for an int).
        ValueError: an unknown name (with the close matches and the declared names), a value
            out of range, an empty list.
    """
    decl = tuple(decl or ())
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise TypeError(f"parameters of {owner} must be a mapping name -> value, got {type(given).__name__}")
    by_name = {p.name: p for p in decl}
    out = defaults(decl, quick)
    for k, v in given.items():
        if k not in by_name:
            if not by_name:
                raise ValueError(f"unknown parameter {k!r}: {owner} takes no parameters")
            close = difflib.get_close_matches(str(k), by_name, n=2)
            hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
            raise ValueError(f"unknown parameter {k!r}{hint}; {owner} takes: {', '.join(by_name)}")
        out[k] = by_name[k].check(v)
    return out


def describe(decl: Sequence[Param] | None, quick_column: bool = True) -> str:
    """A text table of the parameters: name, default (quick default), allowed values, doc."""
    decl = tuple(decl or ())
    if not decl:
        return "  (no parameters)"
    lines = []
    for p in decl:
        d = _show(p.default)
        if quick_column and p.quick is not _MISSING:
            d += f" (--quick: {_show(p.quick)})"
        lines.append(f"  {p.name} = {d}\n      {p.doc}\n      allowed: {p.allowed()}")
    return "\n".join(lines)


def _show(v) -> str:
    import json

    try:
        return json.dumps(v)
    except TypeError:
        return repr(v)


def resolve_grid(decl: Sequence[Param] | None, grid: Mapping[str, Any], *, owner: str = "this sweep cell") -> dict:
    """Check a sweep grid (name -> list of values) against the cell's declared parameters.

    Every name must be declared and every value valid (``check``); an empty list is an error.
    Returns the grid with converted values.
    """
    decl = tuple(decl or ())
    by_name = {p.name: p for p in decl}
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid of {owner} must be a mapping name -> list of values, got {type(grid).__name__}")
    out = {}
    for k, values in grid.items():
        if k not in by_name:
            close = difflib.get_close_matches(str(k), by_name, n=2)
            hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
            takes = f"takes: {', '.join(by_name)}" if by_name else "takes no parameters"
            raise ValueError(f"unknown grid parameter {k!r}{hint}; {owner} {takes}")
        if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple, np.ndarray)):
            values = [values]
        if len(values) == 0:
            raise ValueError(f"grid parameter {k!r}: empty list of values; expected values each {by_name[k].allowed()}")
        out[k] = [by_name[k].check(v) for v in values]
    return out
