"""Byte sizes as people write them (500MB, 2GB) and as reports show them."""

from __future__ import annotations

import re

from indexadvisor.errors import InputError

_UNITS = {"": 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*((?:[KMGT]i?)?B?)\s*$", re.I)


def parse_size(text: str) -> int:
    """'500MB', '2GiB' -> bytes: MB and MiB alike are binary, as PostgreSQL reads them (1MB = 1024 kB)."""
    m = _SIZE.match(text)
    if not m:
        raise InputError(f"invalid size {text!r}: use a number with a unit, e.g. 500MB, 2GB or 2GiB")
    unit = m.group(2).upper().replace("I", "")
    unit = unit if unit.endswith("B") or unit == "" else unit + "B"
    return int(float(m.group(1)) * _UNITS[unit])


def format_size(n: int | None) -> str:
    if n is None:
        return "-"
    value: float = n
    for unit in ("bytes", "kB", "MB", "GB"):
        if abs(value) < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value} TB"
