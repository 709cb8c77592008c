"""Writing the files the advisor produces (reports, snapshots, migrations): all or nothing.

`write_atomic` writes the text to a temporary file in the target's own folder, flushes
it to disk (fsync) and renames it over the target, so a full disk, a kill or a power
cut leaves the old file or no file, never half of a new one. A target that is a
symbolic link is written through the link (the file it points to is replaced, the
link stays). `same_file` tells whether two paths name one file (links and all), for
refusing to write a result over one of the inputs.

Errors are OSError, as from open(): the caller names the file in its own message.
This module sits at the bottom of the layers (beside errors) and imports nothing of ours.
"""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

_TMP_PREFIX = "."
_TMP_SUFFIX = ".tmp"


def write_atomic(path: str | os.PathLike[str], text: str, *, overwrite: bool = True) -> Path:
    """Write text (UTF-8) to path all at once; returns the file written (the link's target for a link).

    A new file gets the usual permissions (0666 less the umask); a replaced one keeps its own.
    With overwrite=False an existing file is an error (FileExistsError), as with open(path, "x").
    """
    target = Path(os.path.realpath(os.fspath(path)))
    data = text.encode("utf-8")
    mode: int | None = None
    try:
        st = target.stat()
    except FileNotFoundError:
        pass
    else:
        if not overwrite:
            raise FileExistsError(17, os.strerror(17), str(path))
        if stat.S_ISREG(st.st_mode):
            mode = stat.S_IMODE(st.st_mode)
        elif stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, os.strerror(21), str(path))
    tmp = target.with_name(f"{_TMP_PREFIX}{target.name}.{uuid.uuid4().hex[:12]}{_TMP_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        try:
            _write_all(fd, data)
            if mode is not None:
                os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _sync_folder(target.parent)
    return target


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can fsync a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name the same existing file (through links, hard links included)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False
