"""CI-shaped renderings of a report and its gate result: one small module per format.

Each module has `render(report, result) -> str`, where `result` is the
indexadvisor.report.gate.GateResult the CLI computed (what is new, what fails the build).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable
from json import dumps  # not "import json": the submodule ci/json.py takes that name in this package
from pathlib import Path, PurePosixPath
from typing import Any

from indexadvisor.model import Report
from indexadvisor.report.gate import GateResult

FORMATS = ("markdown", "sarif", "junit", "github", "json")

Renderer = Callable[[Report, GateResult], str]

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def renderer(fmt: str) -> Renderer:
    if fmt not in FORMATS:
        raise ValueError(f"unknown CI format {fmt!r}")
    module = importlib.import_module(f"indexadvisor.report.ci.{fmt}")
    return module.render


def repo_path(path: str) -> str:
    """A path as CI systems want it: relative to the working directory (the checkout) when it is inside it, with /."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.resolve().relative_to(Path(os.getcwd()).resolve())
        except ValueError:
            return p.as_posix()
    text = PurePosixPath(p.as_posix()).as_posix()
    return text[2:] if text.startswith("./") else text


def to_json(document: Any) -> str:
    """A JSON document as the CI formats write it: indented, UTF-8 text as is, and always writable.

    json escapes control characters (ESC as \\u001b) but leaves a lone surrogate (which only a
    hand-edited report can bring) raw when ensure_ascii is off, and no UTF-8 file can hold one:
    write those as \\udXXX escapes too (they occur only inside strings).
    """
    text = dumps(document, indent=2, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
