"""Stream a workload file as decoded lines, in bounded memory, whatever is in it.

Files are read in binary chunks (plain, gzip, bzip2 or xz, told by their first
bytes, not their name), cut at the last newline and decoded as UTF-8 in one go.
A byte order mark says the encoding: a UTF-8 one is dropped, and a UTF-16 or
UTF-32 file (little- or big-endian; UTF-16 without a mark too, told by the NUL
bytes of its ASCII characters) is turned into UTF-8 as it is read, a code unit
that does not decode becoming U+FFFD, counted with its line. A chunk that is not
valid UTF-8 is decoded line by line: a line that is not UTF-8 is read as Latin-1
(mixed encodings are common in logs), and a line that looks like binary data (NUL
bytes, mostly control characters) is skipped. All are counted, with the first few
line numbers, in a ``Problems`` tally that ends up in the workload's errors and
notes. Nothing here raises on bad content.
"""

from __future__ import annotations

import bz2
import codecs
import io
import lzma
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from indexadvisor.model import SourceError

CHUNK = 1 << 20  # bytes read at a time
# a line longer than this is not read (binary data without newlines, or a statement too
# large to analyse); it is counted, and the lines after it are read
MAX_LINE = 64 << 20
EXAMPLES = 3  # examples kept per kind of problem

_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


class Problems:
    """Counts of input that could not be used, each kind with its first examples."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.counts: dict[str, int] = {}
        self.examples: list[SourceError] = []
        self._shown: dict[str, int] = {}
        self.notes: list[str] = []
        self.empty: str | None = None  # why the source held no statements, when it held none

    def add(self, kind: str, line: int | None, example: str = "") -> None:
        n = self.counts.get(kind, 0) + 1
        self.counts[kind] = n
        if n <= EXAMPLES:
            text = f"{kind}: {_snippet(example)}" if example else kind
            self.examples.append(SourceError(self.source, line, text))

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str | None:
        if not self.counts:
            return None
        parts = ", ".join(f"{n:,} {kind}" for kind, n in sorted(self.counts.items(), key=lambda kv: -kv[1]))
        return f"{self.source}: skipped {parts} (the first {EXAMPLES} of each are listed with their line numbers)"


def _snippet(text: str, width: int = 80) -> str:
    text = text.replace("\t", " ").strip()
    text = "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in text[: width + 1])
    return repr(text[:width] + ("..." if len(text) > width else ""))


class _Gunzip(io.RawIOBase):
    """gzip decompression that keeps what it could decompress when the file is cut short.

    (GzipFile.read() raises EOFError and drops the data of that read.) Handles
    concatenated members, as logrotate's copies can be.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._buf = b""
        self._done = False
        self._truncated = False

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        """Up to n bytes; b"" at the end; EOFError once, after the data, if the file was cut short."""
        while not self._done and (n < 0 or len(self._buf) < n):
            data = self.raw.read(CHUNK)
            if not data:
                self._done = True
                self._buf += self._d.flush()
                self._truncated = not self._d.eof
                break
            out = self._d.decompress(data)
            while self._d.eof and self._d.unused_data:  # another member follows
                rest = self._d.unused_data
                self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                out += self._d.decompress(rest)
            self._buf += out
        if not self._buf and self._truncated:
            self._truncated = False
            raise EOFError("compressed file ended before the end-of-stream marker")
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out


def open_binary(path: Path, problems: Problems | None = None) -> tuple[BinaryIO, BinaryIO, str]:
    """Open a file, decompressing by magic number; returns (stream, raw file, compression).

    The stream's bytes are UTF-8 (or whatever a file without a byte order mark holds):
    a UTF-8 byte order mark is dropped and UTF-16/UTF-32 is transcoded (``Transcoded``),
    its bad code units counted in ``problems`` when given.
    """
    raw = open(path, "rb")
    head = raw.peek(6)[:6] if hasattr(raw, "peek") else b""
    stream: BinaryIO = raw
    compression = ""
    if head.startswith(b"\x1f\x8b"):
        stream, compression = _Gunzip(raw), "gzip"  # type: ignore[assignment]
    elif head.startswith(b"BZh"):
        stream, compression = bz2.BZ2File(raw, "rb"), "bzip2"  # type: ignore[assignment]
    elif head.startswith(b"\xfd7zXZ\x00"):
        stream, compression = lzma.LZMAFile(raw, "rb"), "xz"  # type: ignore[assignment]
    return _unmarked(stream, str(path), problems), raw, compression


# byte order marks, longest first (a UTF-32-LE mark starts with the UTF-16-LE one)
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECODERS: dict[str, Callable[[bytes, str, bool], tuple[str, int]]] = {
    "utf-16-le": codecs.utf_16_le_decode, "utf-16-be": codecs.utf_16_be_decode,
    "utf-32-le": codecs.utf_32_le_decode, "utf-32-be": codecs.utf_32_be_decode,
}
SNIFF = 4096  # bytes looked at for UTF-16 without a byte order mark


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """The encoding the first bytes of a file say (from a byte order mark, else the NULs of
    UTF-16 text without one; else UTF-8), and the length of the mark to skip."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    sample = head[: min(len(head), SNIFF) // 2 * 2]
    if len(sample) >= 8:
        even, odd = sample[0::2], sample[1::2]
        even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
        if odd_nul >= 0.9 and even_nul <= 0.1:
            return "utf-16-le", 0
        if even_nul >= 0.9 and odd_nul <= 0.1:
            return "utf-16-be", 0
    return "utf-8", 0


def _unmarked(stream: BinaryIO, source: str, problems: Problems | None) -> BinaryIO:
    """The stream without its byte order mark, as UTF-8 when it is UTF-16 or UTF-32."""
    try:
        head = stream.read(SNIFF)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
        return _Prefixed(stream, b"", exc)  # type: ignore[return-value]  # raised on the reader's first read
    encoding, skip = sniff_encoding(head)
    if encoding == "utf-8":
        return _Prefixed(stream, head[skip:])  # type: ignore[return-value]
    if problems is not None:
        problems.note(f"{source}: read as {encoding.upper()[:6]} ({'big' if encoding.endswith('be') else 'little'}-endian"
                      f"{', byte order mark' if skip else ', no byte order mark'})")
    return Transcoded(stream, encoding, head[skip:], problems)  # type: ignore[return-value]


class _Prefixed(io.RawIOBase):
    """A stream with bytes already read from it put back in front (or the error reading them raised)."""

    def __init__(self, inner: BinaryIO, head: bytes, error: Exception | None = None) -> None:
        self.inner = inner
        self._head = head
        self._error = error

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._head:
            if n < 0:
                out, self._head = self._head + self.inner.read(), b""
                return out
            out, self._head = self._head[:n], self._head[n:]
            if len(out) < n:  # as a buffered read would: the rest from the stream (read_head wants n bytes)
                out += self.inner.read(n - len(out))
            return out
        return self.inner.read(n)

    def close(self) -> None:
        self.inner.close()
        super().close()


class Transcoded(io.RawIOBase):
    """A UTF-16 or UTF-32 stream read as UTF-8 bytes.

    A code unit that does not decode (a lone surrogate, a cut-off last character) becomes
    U+FFFD and is counted in ``problems`` with its line, so nothing is replaced unseen.
    """

    KIND = "characters not in {} (replaced by U+FFFD)"

    def __init__(self, inner: BinaryIO, encoding: str, head: bytes, problems: Problems | None) -> None:
        self.inner = inner
        self.encoding = encoding
        self.problems = problems
        self._decode = _DECODERS[encoding]
        self._pending = head  # bytes read, not yet decoded
        self._out = b""
        self._eof = False
        self._error: Exception | None = None  # from the stream underneath: raised once what came before is read
        self._newlines = 0  # in the text decoded so far, for the line of a bad code unit

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        while not self._eof and (n < 0 or len(self._out) < n):
            try:
                data = self.inner.read(CHUNK)
            except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:  # a compressed file cut short
                self._error, data = exc, b""
            if not data:
                self._eof = True
            self._out += self._text(self._pending + data, final=self._eof).encode("utf-8")
        if not self._out and self._error is not None:
            error, self._error = self._error, None
            raise error
        if n < 0:
            out, self._out = self._out, b""
        else:
            out, self._out = self._out[:n], self._out[n:]
        return out

    def _text(self, data: bytes, final: bool) -> str:
        """Decode what is whole; keep a cut-off code unit for the next read (or replace it at the end)."""
        parts: list[str] = []
        while True:
            try:
                text, used = self._decode(data, "strict", final)
            except UnicodeDecodeError as exc:
                good = self._decode(data[: exc.start], "strict", True)[0]
                self._newlines += good.count("\n")
                if self.problems is not None:
                    self.problems.add(self.KIND.format(self.encoding.upper()[:6]), self._newlines + 1,
                                      good[good.rfind("\n") + 1:][-60:])
                parts += [good, "\N{REPLACEMENT CHARACTER}"]
                data = data[exc.end:]
                continue
            parts.append(text)
            self._newlines += text.count("\n")
            self._pending = data[used:]
            return "".join(parts)

    def close(self) -> None:
        self.inner.close()
        super().close()


def read_head(path: Path, size: int = 65536) -> bytes:
    """The first ``size`` bytes of the (decompressed) file; empty on any error."""
    try:
        stream, raw, _ = open_binary(path)
    except OSError:
        return b""
    try:
        return stream.read(size)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError):
        return b""
    finally:
        stream.close()
        raw.close()


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class LineReader:
    """Iterate a file's lines in blocks: ``for first_line, lines in reader``.

    Each block is a list of lines without their newline; ``first_line`` is the
    1-based number of its first line. ``on_progress(bytes_of_the_file_read)`` is
    called after each chunk. Undecodable and binary lines are handled here
    (counted in ``problems``); a line that is skipped becomes an empty string so
    line numbers stay right.
    """

    def __init__(self, path: Path, problems: Problems, on_progress: Callable[[int], None] | None = None,
                 chunk: int = CHUNK, max_line: int = MAX_LINE) -> None:
        self.path = path
        self.problems = problems
        self.on_progress = on_progress
        self.chunk = chunk
        self.max_line = max_line
        self.compression = ""
        self.bytes_read = 0  # of the file on disk

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        try:
            stream, raw, self.compression = open_binary(self.path, self.problems)
        except OSError as exc:
            self.problems.add("unreadable file", None, exc.strerror or str(exc))
            return
        line_no = 1
        rest = b""
        skipping = False  # inside a line over max_line: read on to its end, keep none of it
        try:
            while True:
                try:
                    data = stream.read(self.chunk)
                except (EOFError, zlib.error, lzma.LZMAError, OSError, ValueError) as exc:
                    self.problems.add(f"{self.compression or 'file'} data cut short or corrupt", line_no, str(exc))
                    data = b""
                self.bytes_read = raw.tell() if not raw.closed else self.bytes_read
                if not data:
                    break
                if skipping:
                    end = data.find(b"\n")
                    if end < 0:
                        continue
                    data, skipping = data[end + 1:], False
                    yield line_no, [""]  # the long line, as an empty one: the numbers after it stay right
                    line_no += 1
                if rest:
                    data = rest + data
                cut = data.rfind(b"\n")
                if cut < 0:
                    if len(data) < self.max_line:
                        rest = data
                        continue
                    self.problems.add("line too long", line_no,
                                      f"over {self.max_line:,} bytes without a line break: not read")
                    rest, skipping = b"", True
                    continue
                rest = data[cut + 1:]
                lines = self._decode(data[:cut + 1], line_no)
                yield line_no, lines
                line_no += len(lines)
                if self.on_progress is not None:
                    self.on_progress(self.bytes_read)
            if rest:
                lines = self._decode(rest + b"\n", line_no)
                yield line_no, lines
        finally:
            stream.close()
            raw.close()

    def _decode(self, data: bytes, line_no: int) -> list[str]:
        """Decode whole lines (data ends with a newline) into a list of lines."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return self._decode_lines(data, line_no)
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        lines.pop()  # after the final newline
        if _BINARY.search(text):
            self._drop_binary(lines, line_no)
        return lines

    def _decode_lines(self, data: bytes, line_no: int) -> list[str]:
        out: list[str] = []
        raw_lines = data.split(b"\n")
        raw_lines.pop()
        for i, raw_line in enumerate(raw_lines):
            try:
                line = raw_line.decode("utf-8")
            except UnicodeDecodeError:
                line = raw_line.decode("latin-1")
                if not _looks_binary(line):
                    self.problems.add("lines not in UTF-8 (read as Latin-1)", line_no + i, line)
            if line.endswith("\r"):
                line = line[:-1]
            out.append(line)
        self._drop_binary(out, line_no)
        return out

    def _drop_binary(self, lines: list[str], line_no: int) -> None:
        for i, line in enumerate(lines):
            if _BINARY.search(line) and _looks_binary(line):
                self.problems.add("lines of binary data", line_no + i, line)
                lines[i] = ""


def _looks_binary(line: str) -> bool:
    if "\x00" in line:
        return True
    control = len(_BINARY.findall(line)) + sum(1 for ch in line if "\x80" <= ch <= "\x9f")
    return control > max(2, len(line) // 10)
