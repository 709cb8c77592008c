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
import tempfile
import types
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from indexadvisor.errors import InputError
from indexadvisor.model import Catalog

FORMAT = "indexadvisor-snapshot"
VERSION = 1

PathLike = Union[str, "os.PathLike[str]"]


def write_snapshot(catalog: Catalog, path: PathLike) -> None:
    """Write catalog to path as a versioned JSON snapshot (atomically: all or nothing)."""
    document = {"format": FORMAT, "version": VERSION, "catalog": to_jsonable(catalog)}
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".snapshot-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(document, f, ensure_ascii=False, indent=1)
                f.write("\n")
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as e:
        raise InputError(f"cannot write snapshot {target}: {e.strerror or e}") from None


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
        catalog = from_jsonable(Catalog, document.get("catalog"), "catalog")
    except _Malformed as e:
        raise InputError(f"{name}: malformed snapshot: {e}") from None
    catalog.source = "snapshot"
    return catalog


# --------------------------------------------------------------------------- generic conversion


class _Malformed(Exception):
    """A value in the document does not fit the model; the message says where."""


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, lists, dicts and sets as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((to_jsonable(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def from_jsonable(tp: Any, value: Any, where: str) -> Any:
    """Rebuild a value of type tp (as annotated in the model) from its JSON form."""
    origin = get_origin(tp)
    args = get_args(tp)
    if tp is Any:
        return value
    if origin is Union or origin is types.UnionType:
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        for option in options[:-1]:
            try:
                return from_jsonable(option, value, where)
            except _Malformed:
                continue
        return from_jsonable(options[-1], value, where)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        obj = _expect(value, dict, where)
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if not f.init:
                continue
            if f.name in obj:
                kwargs[f.name] = from_jsonable(hints[f.name], obj[f.name], f"{where}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise _Malformed(f"{where}: missing {f.name!r}")
        return tp(**kwargs)
    if origin in (list, set, frozenset, tuple):
        items = _expect(value, list, where)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(args) != len(items):
                raise _Malformed(f"{where}: expected {len(args)} items")
            return tuple(from_jsonable(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, items)))
        item_type = args[0] if args else Any
        converted = [from_jsonable(item_type, v, f"{where}[{i}]") for i, v in enumerate(items)]
        return converted if origin is list else origin(converted)
    if origin is dict:
        obj = _expect(value, dict, where)
        value_type = args[1] if args else Any
        return {k: from_jsonable(value_type, v, f"{where}[{k!r}]") for k, v in obj.items()}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            raise _Malformed(f"{where}: {value!r} is not a {tp.__name__}") from None
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise _Malformed(f"{where}: expected a number, got {type(value).__name__}")
    if tp in (int, str, bool):
        if isinstance(value, tp) and not (tp is int and isinstance(value, bool)):
            return value
        raise _Malformed(f"{where}: expected {tp.__name__}, got {type(value).__name__}")
    if tp is type(None):
        if value is None:
            return None
        raise _Malformed(f"{where}: expected null")
    raise _Malformed(f"{where}: cannot read a value of type {tp!r}")


def _expect(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind):
        expected = "an object" if kind is dict else "a list"
        raise _Malformed(f"{where}: expected {expected}, got {type(value).__name__}")
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    """Resolved annotations (the model uses ``from __future__ import annotations``)."""
    return get_type_hints(cls)
