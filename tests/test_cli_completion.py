"""Shell completion: --install-completion writes a script the shell's start-up file sources,
--show-completion prints it, and the script's protocol completes commands and options;
every flag in --help shows no value, typer's own (--help, completion) included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexadvisor.cli import app

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("_INDEXADVISOR")}
    environ.update(HOME=str(home), SHELL="/bin/bash", PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, "-m", "indexadvisor", *args], capture_output=True, text=True,
                          env=environ, cwd=home, timeout=60)


def test_install_completion_writes_a_script_bashrc_sources(tmp_path: Path) -> None:
    proc = _run(["--install-completion"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    script = tmp_path / ".bash_completions" / "indexadvisor.sh"
    assert script.is_file()
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text()
    text = script.read_text()
    assert "complete -o default -F _indexadvisor_completion indexadvisor" in text
    shown = _run(["--show-completion"], tmp_path)
    assert shown.returncode == 0 and shown.stdout.strip() == text.strip()


@pytest.mark.parametrize(("words", "expected"), [
    ("indexadvisor ana", "analyze"),
    ("indexadvisor analyze --bud", "--budget"),
    ("indexadvisor migrate --to", "--tool"),
])
def test_the_completion_protocol_completes_commands_and_options(tmp_path: Path, words: str, expected: str) -> None:
    cword = str(len(words.split()) - 1)
    proc = _run([], tmp_path, _INDEXADVISOR_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=cword)
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout.split()


def test_a_bash_that_sources_the_script_completes(tmp_path: Path) -> None:
    if not Path("/bin/bash").exists():
        pytest.skip("no /bin/bash")
    assert _run(["--install-completion"], tmp_path).returncode == 0
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "indexadvisor"  # the console script, as installed
    shim.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m indexadvisor \"$@\"\n")
    shim.chmod(0o755)
    probe = ('source ~/.bashrc; COMP_WORDS=(indexadvisor ana); COMP_CWORD=1; '
             '_indexadvisor_completion indexadvisor; printf "%s\\n" "${COMPREPLY[@]}"')
    proc = subprocess.run(["/bin/bash", "--norc", "-c", probe], capture_output=True, text=True, timeout=60,
                          env={"HOME": str(tmp_path), "PATH": f"{bindir}:{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stderr
    assert "analyze" in proc.stdout.split()


@pytest.mark.parametrize("args", [[], ["analyze"], ["migrate"], ["report"], ["health"], ["snapshot"]])
def test_no_flag_shows_a_value_in_help(args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "--help" in result.output
    if not args:
        assert "--install-completion" in result.output and "--show-completion" in result.output
