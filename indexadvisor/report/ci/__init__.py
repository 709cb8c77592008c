"""CI-shaped renderings of a report and its gate result: one small module per format.

Each module has `render(report, result) -> str`, where `result` is the
indexadvisor.report.gate.GateResult the CLI computed (what is new, what fails the build).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from indexadvisor.model import Report
from indexadvisor.report.gate import GateResult

FORMATS = ("markdown", "sarif", "junit", "github", "json")

Renderer = Callable[[Report, GateResult], str]


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
