"""Text every renderer shares: input text made safe to print, and the numbers people read
(a share of the workload's cost, a statement made cheaper, an index in words)."""

from __future__ import annotations

import re

from indexadvisor.model import Recommendation

# what a terminal acts on instead of showing: C0 controls (ESC starts colour, cursor and title sequences) but
# tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), bidirectional overrides, and lone surrogates
# (from a hand-edited JSON report: they cannot even be written out as UTF-8)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """text safe to print on a terminal: each control character written out as \\xNN or \\uNNNN.

    SQL text, identifiers and file names come from the input and may hold anything: printed raw,
    "\\x1b]0;...\\x07" retitles the window and "\\x1b[2J" clears the screen.
    """
    return _CONTROL.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def cell(value: object) -> str:
    """One line of printable text: control characters written out, tabs and newlines as spaces."""
    return " ".join(printable(str(value)).split())



def share(part: float, whole: float | None) -> str:
    """A saving as a share of the workload's cost: -22.0%, <0.1%."""
    if not whole:
        return f"{part:,.0f}"
    pct = part / whole * 100
    if 0 < pct < 0.1:
        return "-<0.1%"
    return f"{-pct:+.1f}%" if pct else "0%"


def change(before: float, after: float) -> str:
    """What an index did to one statement's cost: -45%, or 300x cheaper when that says more."""
    if after <= 0:
        return "cost ~0"
    ratio = after / before
    if ratio <= 0.1:
        return f"{before / after:,.0f}x cheaper"
    return f"{(ratio - 1) * 100:+.0f}%"


def index_text(r: Recommendation) -> str:
    text = f"{r.kind} ({', '.join(k.shown for k in r.keys)})"
    if r.include:
        text += f" INCLUDE ({', '.join(r.include)})"
    if r.where:
        text += f" WHERE {r.where}"
    return cell(text)
