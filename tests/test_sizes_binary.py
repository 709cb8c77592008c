"""Sizes in binary units as well: 2GiB is 2GB (PostgreSQL reads MB as MiB), on the command line too."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from indexadvisor.cli import app
from indexadvisor.errors import InputError
from indexadvisor.pg.sizes import parse_size

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("text, expected", [
    ("2GiB", 2 * 1024**3), ("500MiB", 500 * 1024**2), ("64KiB", 65536), ("1TiB", 1024**4), ("1.5 gib", int(1.5 * 1024**3)),
    ("3Mi", 3 * 1024**2), ("2GiB", parse_size("2GB")),
])
def test_binary_units(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["2iB", "2GiBB", "2 Gib s", "i"])
def test_binary_units_rejects(text):
    with pytest.raises(InputError):
        parse_size(text)


def test_budget_in_gib_on_the_command_line():
    result = CliRunner().invoke(app, ["analyze", str(ROOT / "sample_workloads" / "saas"), "--budget", "2GiB",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
