"""The `indexadvisor` command: parse options, call the library, pick a renderer. No analysis here.

    app.py       the typer app, main(), errors as one line and an exit code
    options.py   option types, names, help texts and help panels
    analysis.py  the sources and options of an analysis (analyze, migrate, report)
    output.py    the result to --output or stdout, warnings to stderr
    analyze.py, snapshot.py, migrate.py, report.py, health.py: one command each
"""

from indexadvisor.cli.app import app, main

__all__ = ["app", "main"]
