"""Atomic file writes: readers never see a half-written file, a crash leaves the old one."""

from __future__ import annotations

import itertools
import os

_temp_numbers = itertools.count()
_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
NEW_FILE_MODE = 0o644


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A new file gets mode 0o644; a replaced file keeps its mode. The temporary file,
    ``.<name>.<pid>.<n>.tmp``, is removed if anything fails.
    ``durable=False`` skips the fsync: still safe against a killed process, not against
    power loss. Use it for outputs that can be regenerated (converted CX2 files).
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    # Named by process and counter, not randomly: mkstemp's random names, file object and chmod
    # by name cost more than the write itself for small files.
    while True:
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.{next(_temp_numbers)}.tmp")
        try:
            fd = os.open(tmp, _CREATE_NEW, 0o600)
            break
        except FileExistsError:  # left by a killed process that had our pid
            continue
    try:
        try:
            os.fchmod(fd, mode)  # exactly ``mode``, whatever the umask
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str, *, durable: bool = True) -> None:
    """Write ``text`` as UTF-8 (no newline translation) atomically."""
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)
