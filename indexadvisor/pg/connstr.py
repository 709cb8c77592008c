"""Connection strings and their secrets: what is wrong with one, said without the password.

libpq's own messages quote the input: "unexpected spaces found in "<password>"",
'missing "=" after "<tail of the password>"', or the whole URI. And a password
with an unencoded "@" or "/" is split by libpq where the user did not mean it,
so the tail of the password becomes the host name (which is then looked up and
printed) or the head becomes the port. So:

- ``parse_problem`` turns libpq's parse error into our own one-line message that
  names what is wrong and never holds any of the input;
- ``misplaced_at`` refuses a URI whose "@" libpq would not take as the end of
  the user name and password (before anything is looked up or sent);
- ``secrets`` collects everything that may be the password, from libpq's parse
  when it has one and from a careful parse of the text of our own (the password
  as libpq reads it, as the user probably meant it, encoded and decoded, and
  each part between the characters libpq may have split it at), plus PGPASSWORD;
- ``mask`` removes those from any text libpq or psycopg wrote about a connection.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from urllib.parse import unquote

MASK = "***"

# libpq's parse errors (fe-connect.c), most quote (part of) the input: our words instead
_PROBLEMS = (
    ('missing "=" after', 'a word with no "=" after it (write key=value pairs; quote a value that holds '
                          "spaces in single quotes, as in password='...')"),
    ("invalid connection option", "an unknown parameter name (see libpq's connection parameters)"),
    ("unterminated quoted string", "unterminated quoted string (a value opens with ' and has no closing ')"),
    ("invalid percent-encoded token", 'a "%" in the URI that is not followed by two hex digits '
                                      '(write a literal "%" as %25)'),
    ("forbidden value %00", "the URI holds %00, which no value may contain"),
    ("unexpected spaces found", "a space in the URI (write it as %20; percent-encode special characters "
                                "in the user name and password)"),
    ('looking for matching "]"', 'an IPv6 host address in the URI opens with "[" and has no closing "]"'),
    ("IPv6 host address may not be empty", 'an IPv6 host address in the URI is empty ("[]")'),
    ("unexpected character", 'an unexpected character in the URI after the host (expected ":port" or '
                             '"/dbname"); percent-encode special characters in the user name and password'),
    ("extra key/value separator", 'a URI query parameter with more than one "=" (write "=" in a value as %3D)'),
    ("missing key/value separator", 'a URI query parameter with no "=" (write name=value)'),
    ("invalid URI query parameter", "an unknown URI query parameter (see libpq's connection parameters)"),
    ("invalid URI propagated", "not a valid postgresql:// URI"),
    ("size exceeds the maximum", "the connection string is too long"),
)
_UNKNOWN_PROBLEM = "libpq cannot parse it (its message is left out: it may quote the password)"

_URI_PREFIX = re.compile(r"^\s*postgres(?:ql)?://", re.I)
_KV_PASSWORD = re.compile(r"(?:^|\s)password\s*=\s*", re.I)
_KV_KEY = re.compile(r"^\w+\s*=")
_QUERY_PASSWORD = re.compile(r"[?&]password=([^&]*)", re.I)
# where libpq (or a reader of the message) may have cut a password in two
_SPLIT = re.compile(r"[@/:?#&=%\s'\"\\]+")
_QUOTED = re.compile(r"\"([^\"]*)\"|'([^']*)'")
# a password written out in a message (libpq never does; belt and braces)
_URI_USERINFO = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_KV_VALUE = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S+)", re.I)


def parse_problem(libpq_message: str) -> str:
    """What is wrong with a connection string libpq could not parse, in our words, without the input."""
    for marker, problem in _PROBLEMS:
        if marker in libpq_message:
            return problem
    return _UNKNOWN_PROBLEM


def misplaced_at(dsn: str) -> str | None:
    """Why a URI is refused when libpq would split its user info at a place the user did not mean.

    libpq ends the user name and password at the first "@" (or gives up on them at
    a "/" that comes first). Any other "@" before the query string means a
    password (or user name) with an unencoded "@" or "/": libpq would then take
    its tail for the host name (and look it up) or its head for the port.
    """
    m = _URI_PREFIX.match(dsn)
    if not m:
        return None
    rest = dsn[m.end():]
    stop = _first_of(rest, "@/")
    after = rest[stop + 1:] if stop < len(rest) and rest[stop] == "@" else rest
    if "@" not in after.split("?", 1)[0]:
        return None
    return ('an "@" in the URI that does not end the user name and password; percent-encode "@" as %40 '
            'and "/" as %2F in the user name and password')


def secrets(dsn: str, password: object = None) -> list[str]:
    """Everything in dsn (and the environment) that may be the password or a part of it."""
    found: list[str] = []
    if password:
        found.append(str(password))
    if os.environ.get("PGPASSWORD"):
        found.append(os.environ["PGPASSWORD"])
    m = _URI_PREFIX.match(dsn)
    if m:
        rest = dsn[m.end():]
        stop = _first_of(rest, "@/")
        if stop < len(rest) and rest[stop] == "@":
            userinfo = rest[:stop]  # as libpq reads it (another "@" before the query: misplaced_at refuses)
        else:
            # no user info for libpq: a "/" in the password ("app:pa/ss@host") makes "app" the host and
            # "pa" the port; what the user meant runs to the last "@", unless libpq read a sane host[:port]
            hostport = rest[:stop].rsplit(":", 1)
            sane = len(hostport) == 1 or hostport[1].isdigit()
            userinfo = rest[: rest.rindex("@")] if "@" in rest and not sane else ""
        if ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
        found += _QUERY_PASSWORD.findall(dsn)
    else:
        found += _kv_passwords(dsn)
    candidates: set[str] = set()
    for value in found:
        for form in (value, unquote(value), value.replace("%20", " ")):
            candidates.add(form)
            candidates.update(_SPLIT.split(form))
    return sorted((c for c in candidates if c), key=len, reverse=True)


def mask(text: str, secret_values: Iterable[str]) -> str:
    """text with every quoted value that is, or holds, a secret replaced, and every longer secret."""
    values = [s for s in secret_values if s]
    text = _URI_USERINFO.sub(r"\1" + MASK + "@", text)
    text = _KV_VALUE.sub(r"\1" + MASK, text)

    def quoted(q: re.Match[str]) -> str:
        inner = q.group(1) if q.group(1) is not None else q.group(2)
        return q.group(0) if mask_value(inner, values) == inner else q.group(0).replace(inner, MASK)

    text = _QUOTED.sub(quoted, text)
    for s in values:
        if len(s) >= 4:
            text = text.replace(s, MASK)
    return text


def mask_value(value: str, secret_values: Iterable[str]) -> str:
    """A parameter value as it may be shown: MASK when it is, or holds, (part of) a secret."""
    for s in secret_values:
        if s and (value == s or (len(s) >= 3 and s in value)):
            return MASK
    return value


def _first_of(text: str, chars: str) -> int:
    return next((i for i, ch in enumerate(text) if ch in chars), len(text))


def _kv_passwords(dsn: str) -> list[str]:
    """password values of a key/value string as libpq reads them and as the user may have meant them."""
    found = []
    for m in _KV_PASSWORD.finditer(dsn):
        rest = dsn[m.end():]
        if rest.startswith("'"):
            value, i, escaped = [], 1, False
            while i < len(rest) and (escaped or rest[i] != "'"):
                escaped = not escaped and rest[i] == "\\"
                if not escaped:
                    value.append(rest[i])
                i += 1
            found.append("".join(value))  # up to the closing quote, or the end when there is none
            continue
        words = rest.split()
        if not words:
            continue
        found.append(words[0])
        meant = [words[0]]  # 'password=hunter 2x dbname=app': the words up to the next key=
        for word in words[1:]:
            if _KV_KEY.match(word):
                break
            meant.append(word)
        found.append(" ".join(meant))
    return found
