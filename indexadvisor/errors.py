"""The project's exceptions and the CLI's exit codes.

Library code raises these; the CLI turns each into a one-line message and the
exit code documented in the README.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 1  # gated problems found (report --fail-on)
    ERROR = 2  # usage error, unreadable input, database unreachable
    INTERNAL = 70  # an unexpected error: a bug (sysexits' EX_SOFTWARE), never mistaken for FINDINGS
    INTERRUPTED = 130  # SIGINT (Ctrl-C), the shell's code for it


class AdvisorError(Exception):
    """Any error the user can act on; the message is shown as is."""

    exit_code = ExitCode.ERROR


class InputError(AdvisorError):
    """A file or option that cannot be used at all (not one bad statement)."""


class ConnectionFailed(AdvisorError):
    """The database could not be reached or refused the session."""


class DatabaseError(AdvisorError):
    """A query the advisor needs failed (permissions, timeouts, missing extension)."""
