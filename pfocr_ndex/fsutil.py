"""Atomic file writes: readers never see a half-written file, a crash leaves the old one.

- ``atomic_write_bytes`` / ``atomic_write_text``: files this tool makes (CX2 files, pages); a replaced
  file keeps its mode.
- ``rewrite_file``: files it does not own (records, ``ndex_map.tsv``). A symlink stays a link and its
  target is replaced; mode and owner are kept (the owner as far as the process may set it). Refused, with
  one ``PfocrError`` line, when the file is read-only, is not a regular file, or has other hard links: an
  atomic replace makes a new file, so the other names would keep the old content, and writing in place
  would not be atomic. Break the link first (``cp f f.new && mv f.new f``) to let it be written.
- ``remove_stale_temp_files``: the temporary files of killed processes (only this module's name pattern,
  only when that process is gone).
- ``hold_lock_file`` / ``release_lock_file``: an exclusive ``flock`` on a lock file that names its holder
  (the database lock, the sandbox's data folder).

Temporary files are ``.<name>.<pid>.<n>.tmp`` beside the target, ``<name>`` shortened when the whole would
not fit the file system's name limit.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import itertools
import os
import re
import socket
import stat
from functools import lru_cache

from .errors import PfocrError

__all__ = [
    "NEW_FILE_MODE",
    "LockHeld",
    "atomic_write_bytes",
    "atomic_write_text",
    "hold_lock_file",
    "name_max",
    "release_lock_file",
    "remove_stale_temp_files",
    "rewrite_file",
]

_temp_numbers = itertools.count()
_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
NEW_FILE_MODE = 0o644
_TEMP_NAME = re.compile(r"\..+\.(?P<pid>[0-9]{1,10})\.[0-9]+\.tmp")


@lru_cache(maxsize=64)
def name_max(folder: str) -> int:
    """The longest file name (in bytes) the file system of ``folder`` takes (255 when it does not say)."""
    try:
        return os.pathconf(folder or ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _temp_name(folder: str, name: str) -> str:
    suffix = f".{os.getpid()}.{next(_temp_numbers)}.tmp"
    encoded = name.encode("utf-8", "surrogateescape")
    room = name_max(folder) - 1 - len(suffix) if len(encoded) + len(suffix) > 128 else len(encoded)
    if room < len(encoded):  # a long name: keep its start, so the temp file is still recognisable
        name = encoded[: max(room, 1)].decode("utf-8", "ignore") or "x"
    return f".{name}{suffix}"


def _replace(path: str, data: bytes, mode: int, owner: tuple[int, int] | None, durable: bool) -> None:
    """Write ``data`` to a new temporary file beside ``path`` (``mode``, ``owner``) and rename it over ``path``."""
    folder, name = os.path.split(path)
    # Named by process and counter, not randomly: mkstemp's random names, file object and chmod
    # by name cost more than the write itself for small files.
    while True:
        tmp = os.path.join(folder, _temp_name(folder, name))
        try:
            fd = os.open(tmp, _CREATE_NEW, 0o600)
            break
        except FileExistsError:  # left by a killed process that had our pid
            continue
    try:
        try:
            if owner is not None:
                _chown(fd, *owner)
            os.fchmod(fd, mode)  # after chown (which may clear set-id bits); exactly ``mode``, whatever the umask
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _chown(fd: int, uid: int, gid: int) -> None:
    """Give the new file the old one's owner and group, or at least its group, as far as allowed."""
    if (uid, gid) == (os.geteuid(), os.getegid()):
        return
    for new_uid in (uid, -1):
        try:
            os.fchown(fd, new_uid, gid)
            return
        except PermissionError:
            continue


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A new file gets mode 0o644; a replaced file keeps its mode. The temporary file is removed if
    anything fails. ``durable=False`` skips the fsync: still safe against a killed process, not
    against power loss. Use it for outputs that can be regenerated (converted CX2 files).
    """
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    _replace(path, data, mode, None, durable)


def atomic_write_text(path: str | os.PathLike[str], text: str, *, durable: bool = True) -> None:
    """Write ``text`` as UTF-8 (no newline translation) atomically."""
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


def rewrite_file(path: str | os.PathLike[str], data: bytes) -> None:
    """Atomically replace the content of an existing file this tool does not own (see the module docstring).

    Raises ``PfocrError`` naming ``path`` when it refuses, ``OSError`` when the write itself fails.
    """
    given = os.fspath(path)
    target = os.path.realpath(given) if os.path.islink(given) else given
    try:
        st = os.stat(target)
    except FileNotFoundError:
        problem = "is a symbolic link to a missing file" if target != given else "no such file"
        raise PfocrError(problem, given) from None
    if not stat.S_ISREG(st.st_mode):
        raise PfocrError("not a regular file: not written", given)
    if st.st_nlink > 1:
        raise PfocrError(
            f"has {st.st_nlink} hard links: not written (replacing it would leave the other names with the old "
            "content; give it a link of its own first)",
            given,
        )
    if not st.st_mode & stat.S_IWUSR:
        raise PfocrError(f"is read-only (mode {stat.S_IMODE(st.st_mode):04o}): not written", given)
    if not os.access(target, os.W_OK):
        raise PfocrError("is not writable by this user: not written", given)
    _replace(target, data, st.st_mode & 0o7777, (st.st_uid, st.st_gid), durable=True)


def _process_gone(pid: int) -> bool:
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):  # alive (another user's), or not a pid
        return False
    return False


def remove_stale_temp_files(folder: str | os.PathLike[str]) -> list[str]:
    """Remove the temporary files (``.<name>.<pid>.<n>.tmp``) that processes no longer running left in
    ``folder``; return their names. A missing or unreadable folder has none."""
    removed: list[str] = []
    try:
        entries = os.scandir(folder)
    except OSError:
        return removed
    with entries:
        for entry in entries:
            name = entry.name
            if not (name.startswith(".") and name.endswith(".tmp")):
                continue
            m = _TEMP_NAME.fullmatch(name)
            if m is None or not entry.is_file(follow_symlinks=False) or not _process_gone(int(m["pid"])):
                continue
            try:
                os.unlink(entry.path)
            except OSError:  # removed meanwhile, or not ours to remove
                continue
            removed.append(name)
    return removed


# --- lock files -----------------------------------------------------------------------------------


class LockHeld(Exception):
    """Another process holds the lock; ``holder`` is what it wrote into the lock file."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def _holder(fd: int) -> str:
    text = os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
    return " ".join(text.split()) or "another process (it has not written its name yet)"


def hold_lock_file(path: str | os.PathLike[str], purpose: str) -> int:
    """Open ``path`` (created if missing), lock it exclusively without waiting and write who holds it
    (``purpose``, pid, host, start); return its descriptor, for :func:`release_lock_file`.

    Raises ``LockHeld`` naming the holder when another open file holds it (another process, or this one),
    ``OSError`` when the file cannot be made or locked.
    """
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), NEW_FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise LockHeld(holder) from None
        except OSError:
            os.close(fd)
            raise
        # The holder removes the file when it lets go: a lock on a removed file is no lock, open again.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{purpose}, pid {os.getpid()} on {socket.gethostname()}, started {started}\n".encode(), 0)
    return fd


def release_lock_file(path: str | os.PathLike[str], fd: int) -> None:
    """Let go of a lock taken by :func:`hold_lock_file`: the file is removed while still held, then closed."""
    with contextlib.suppress(OSError):
        os.unlink(path)
    os.close(fd)
