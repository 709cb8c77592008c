"""Save a catalog to a JSON file and load it back, so advice can be computed offline.

A snapshot taken on production (schema, statistics, index usage) lets the advisor
run later, elsewhere, without a connection. The file is versioned; the conversion
is generic over the model's dataclasses, so a field added to the model is carried
without touching this module, and a round trip gives back an equal Catalog.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import types
from collections.abc import Callable
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from indexadvisor.errors import InputError
from indexadvisor.fileio import write_atomic
from indexadvisor.model import Catalog

FORMAT = "indexadvisor-snapshot"
VERSION = 1

PathLike = Union[str, "os.PathLike[str]"]


def write_snapshot(catalog: Catalog, path: PathLike) -> None:
    """Write catalog to path as a versioned JSON snapshot (atomically: the old file or the whole new one)."""
    text = _encode(to_jsonable(catalog))
    try:
        write_atomic(path, text)
    except OSError as e:
        raise InputError(f"cannot write snapshot {os.fspath(path)}: {e.strerror or e}") from None


def _encode(catalog: dict[str, Any]) -> str:
    """The snapshot document as JSON text with one table per line.

    One line per table keeps a diff of two snapshots readable and lets json use
    its C encoder (an indented dump of thousands of tables is several times slower).
    """
    rest = {k: v for k, v in catalog.items() if k != "tables"}
    tables = catalog.get("tables", {})

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = [f'{{"format": {dumps(FORMAT)}, "version": {VERSION}, "catalog": {{']
    lines += [f" {dumps(k)}: {dumps(v)}," for k, v in rest.items()]
    lines.append(' "tables": {')
    if tables:
        lines.append(",\n".join(f"  {dumps(k)}: {dumps(v)}" for k, v in tables.items()))
    lines.append("}}}")
    return "\n".join(lines) + "\n"


def read_snapshot(path: PathLike) -> Catalog:
    """Read a snapshot written by write_snapshot; InputError names the file if it is not one."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as f:
            document = json.load(f)
    except OSError as e:
        raise InputError(f"cannot read snapshot {name}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a snapshot file (not UTF-8 text)") from None
    except json.JSONDecodeError as e:
        raise InputError(
            f"{name}: not a snapshot file (invalid JSON at line {e.lineno} column {e.colno})"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"{name}: not an indexadvisor snapshot (no \"format\": \"{FORMAT}\")")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InputError(f"{name}: snapshot has no valid version number")
    if version > VERSION:
        raise InputError(
            f"{name}: snapshot version {version} is newer than this indexadvisor reads "
            f"(up to {VERSION}); upgrade indexadvisor"
        )
    try:
        catalog = from_jsonable(Catalog, document.get("catalog"))
    except _Malformed as e:
        raise InputError(f"{name}: malformed snapshot: {e.at('catalog')}") from None
    catalog.source = "snapshot"
    return catalog


# --------------------------------------------------------------------------- generic conversion


class _Malformed(Exception):
    """A value in the document does not fit the model; path says where."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str] = []

    def at(self, root: str) -> str:
        return f"{root}{''.join(self.path)}: {self.message}"


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, lists, dicts and sets as plain JSON values."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    cls: type = type(value)  # type(Any) is type[Any], which mypy does not take for Hashable
    names = _field_names(cls)
    if names is not None:
        return {name: to_jsonable(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((to_jsonable(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


@cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass type, None for other types."""
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple(f.name for f in dataclasses.fields(cls))


def from_jsonable(tp: Any, value: Any) -> Any:
    """Rebuild a value of type tp (as annotated in the model) from its JSON form.

    Raises _Malformed, whose ``at(root)`` says where the document went wrong.
    """
    return _converter(tp)(value)


Converter = Callable[[Any], Any]


@cache
def _converter(tp: Any) -> Converter:
    """A function turning the JSON form of tp back into tp; built once per type.

    Building the converters once (rather than inspecting annotations per value)
    keeps reading a snapshot of thousands of tables fast.
    """
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return lambda v: v
    if origin is Union or origin is types.UnionType:
        return _union([a for a in args if a is not type(None)], type(None) in args)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass(tp)
    if origin in (list, set, frozenset) or (origin is tuple and args[1:] == (Ellipsis,)):
        return _sequence(origin, _converter(args[0]) if args else _converter(Any))
    if origin is tuple:
        return _tuple([_converter(a) for a in args])
    if origin is dict:
        return _mapping(_converter(args[1]) if args else _converter(Any))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum(tp)
    if tp is float:
        return _float
    if tp in (int, str, bool, type(None)):
        return _exact(tp)
    raise TypeError(f"snapshot: no JSON conversion for {tp!r}")


def _union(options: list[Any], nullable: bool) -> Converter:
    converters = [_converter(o) for o in options]

    def convert(v: Any) -> Any:
        if v is None and nullable:
            return None
        for c in converters[:-1]:
            try:
                return c(v)
            except _Malformed:
                continue
        return converters[-1](v)

    return convert


def _dataclass(cls: type) -> Converter:
    specs: list[tuple[str, Converter, bool]] = []  # filled on first use: types may nest

    def convert(v: Any) -> Any:
        if not specs:
            hints = get_type_hints(cls)
            specs.extend(
                (
                    f.name,
                    _converter(hints[f.name]),
                    f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                )
                for f in dataclasses.fields(cls)
                if f.init
            )
        obj = _expect(v, dict)
        kwargs = {}
        for name, c, required in specs:
            if name in obj:
                try:
                    kwargs[name] = c(obj[name])
                except _Malformed as e:
                    e.path.insert(0, f".{name}")
                    raise
            elif required:
                raise _Malformed(f"missing {name!r}")
        return cls(**kwargs)

    return convert


def _sequence(kind: Any, item: Converter) -> Converter:
    def convert(v: Any) -> Any:
        out = []
        for i, x in enumerate(_expect(v, list)):
            try:
                out.append(item(x))
            except _Malformed as e:
                e.path.insert(0, f"[{i}]")
                raise
        return out if kind is list else kind(out)

    return convert


def _tuple(items: list[Converter]) -> Converter:
    def convert(v: Any) -> Any:
        values = _expect(v, list)
        if len(values) != len(items):
            raise _Malformed(f"expected {len(items)} items, got {len(values)}")
        out = []
        for i, (c, x) in enumerate(zip(items, values)):
            try:
                out.append(c(x))
            except _Malformed as e:
                e.path.insert(0, f"[{i}]")
                raise
        return tuple(out)

    return convert


def _mapping(item: Converter) -> Converter:
    def convert(v: Any) -> Any:
        out = {}
        for k, x in _expect(v, dict).items():
            try:
                out[k] = item(x)
            except _Malformed as e:
                e.path.insert(0, f"[{k!r}]")
                raise
        return out

    return convert


def _enum(cls: type[enum.Enum]) -> Converter:
    def convert(v: Any) -> Any:
        try:
            return cls(v)
        except ValueError:
            raise _Malformed(f"{v!r} is not a {cls.__name__}") from None

    return convert


def _float(v: Any) -> float:
    if type(v) is float:
        return v
    if type(v) is int:
        return float(v)
    raise _Malformed(f"expected a number, got {type(v).__name__}")


def _exact(tp: type) -> Converter:
    name = "null" if tp is type(None) else tp.__name__

    def convert(v: Any) -> Any:
        if type(v) is tp:
            return v
        raise _Malformed(f"expected {name}, got {type(v).__name__}")

    return convert


def _expect(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        expected = "an object" if kind is dict else "a list"
        raise _Malformed(f"expected {expected}, got {type(value).__name__}")
    return value
