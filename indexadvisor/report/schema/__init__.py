"""The JSON report's schema (report.schema.json, published with the package) and a small validator for it.

The schema is the contract of the document `analyze --format json` writes and `report --from`,
`report --baseline` and `migrate --from` read back; `load.py` checks every file against it, so a
hand-edited report with an integer where a column name belongs is one line naming the place, not a
crash further on. The tests check the schema with `jsonschema` (Draft 2020-12) and every report the
advisor writes against it.

Why not `jsonschema` at run time: it brings four more packages (one a compiled extension) to check
one document whose schema uses a handful of keywords. This validator knows exactly those keywords
(`type`, `properties`, `required`, `items`, `additionalProperties`, `anyOf`, `minimum`, `maximum`,
`$ref` into `$defs`; annotations are ignored) and refuses a schema with any other, so the schema
cannot say something it does not check. It walks the document only as deep as the schema goes, and
iteratively, so no document can exhaust the stack.
"""

from __future__ import annotations

import functools
import json
import math
from importlib import resources
from typing import Any

SCHEMA_FILE = "report.schema.json"
CHECKED = {"type", "properties", "required", "items", "additionalProperties", "anyOf", "minimum", "maximum", "$ref"}
ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}

_TYPE_NAMES = {"object": "an object", "array": "an array", "string": "a string", "integer": "an integer",
               "number": "a number", "boolean": "true or false", "null": "null"}


@functools.cache
def schema() -> dict[str, Any]:
    """The report schema, as published in the package."""
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    unknown = _keywords(loaded) - CHECKED - ANNOTATIONS
    if unknown:
        raise ValueError(f"{SCHEMA_FILE} uses keywords this validator does not check: {', '.join(sorted(unknown))}")
    return loaded


def _keywords(node: Any) -> set[str]:
    """Every keyword of a schema and its subschemas."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if not isinstance(item, dict):
            continue
        found |= set(item)
        stack += list(item.get("properties", {}).values()) + list(item.get("$defs", {}).values())
        stack += [item[k] for k in ("items", "additionalProperties") if isinstance(item.get(k), dict)]
        stack += list(item.get("anyOf", []))
    return found


def first_error(document: Any) -> str | None:
    """Where the document first breaks the report schema, as one line; None when it is a valid report."""
    root = schema()
    stack: list[tuple[Any, dict[str, Any], str]] = [(document, root, "")]
    while stack:
        value, rule, path = stack.pop()
        problem, children = _check(value, _resolve(rule, root), path)
        if problem is not None:
            return f"{path or 'the document'}: {problem}"
        stack += reversed(children)  # in document order
    return None


def _resolve(rule: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in rule:
        ref = rule["$ref"]
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"{SCHEMA_FILE}: only local $ref into $defs is supported, not {ref}")
        rule = root["$defs"][ref[len("#/$defs/"):]]
    return rule


def _check(value: Any, rule: dict[str, Any], path: str) -> tuple[str | None, list[tuple[Any, dict[str, Any], str]]]:
    """This node's own problem, else the children to check."""
    if "anyOf" in rule:
        root = schema()
        for option in rule["anyOf"]:
            if _valid(value, _resolve(option, root), path):
                return None, [(value, _resolve(option, root), path)]
        return f"{_describe(value)} is none of the values allowed here", []
    types = rule.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else types
        if not any(_is(value, t) for t in allowed):
            want = " or ".join(_TYPE_NAMES[t] for t in allowed)
            return f"expected {want}, got {_describe(value)}", []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in rule and value < rule["minimum"]:
            return f"{value!r} is below the minimum {rule['minimum']}", []
        if "maximum" in rule and value > rule["maximum"]:
            return f"{value!r} is above the maximum {rule['maximum']}", []
    children: list[tuple[Any, dict[str, Any], str]] = []
    if isinstance(value, dict):
        missing = [k for k in rule.get("required", []) if k not in value]
        if missing:
            return f"missing {', '.join(repr(k) for k in missing)}", []
        properties = rule.get("properties", {})
        extra = rule.get("additionalProperties", True)
        for key, item in value.items():
            sub = properties.get(key, extra)
            if sub is False:
                return f"unexpected key {key!r}", []
            if isinstance(sub, dict):
                children.append((item, sub, f"{path}.{key}" if path else key))
    elif isinstance(value, list) and isinstance(rule.get("items"), dict):
        children = [(item, rule["items"], f"{path}[{i}]") for i, item in enumerate(value)]
    return None, children


def _valid(value: Any, rule: dict[str, Any], path: str) -> bool:
    """Whether the node passes its own checks (anyOf options here are shallow: null or a $ref'd object)."""
    problem, _ = _check(value, rule, path)
    return problem is None


def _is(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if kind == "integer":
        return isinstance(value, int) or (math.isfinite(value) and value.is_integer())
    return kind == "number"


def _describe(value: Any) -> str:
    """A value's JSON type and a short rendering of it, for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {_short(str(value))}"
    if isinstance(value, float):
        return f"the number {_short(repr(value))}"
    if isinstance(value, str):
        return f"the string {_short(json.dumps(value, ensure_ascii=False))}"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    return "an object"


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
