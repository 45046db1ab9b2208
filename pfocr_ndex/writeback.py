"""Write NDEx UUIDs back into figure records (the ``ndex`` field) and ``_data/ndex_map.tsv``.

Records are written by R ``yaml::write_yaml`` and must stay byte-exact: only the top-level ``ndex``
entry changes, found as YAML finds it (never a line inside a multi-line caption), or added just before
the closing line in the record's line ending when the key is missing (``frontmatter.set_key``; the
generators always write the key, the website only needs it to exist). The record is replaced through
``fsutil.rewrite_file``: symlinks, mode and owner kept; hard-linked and read-only records refused.

``ndex_map.tsv`` (``figid<TAB>uuid``) keeps what this tool does not own: its header line, ``#``
comment lines, blank and unreadable lines, row order and line endings. ``NdexMap.flush`` merges
with the file as it is on disk then: only the rows this process set since the last flush change
(replaced in place, new figures appended).

``database_lock(root, purpose=...)`` is the one lock of a database, held by every run that writes into
it (``fill``, ``publish``) whatever its working folder: a second run is refused with one line naming
the holder. Taking it also removes the temporary files that killed runs left in the database.

Example::

    >>> set_ndex_field("_figures/PMC6372626__41467_2019_8576_Fig6_HTML.md",
    ...                "0626a9a9-df0c-11ea-99da-0ac135e8bacf")      # doctest: +SKIP
    True
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from . import layout
from .errors import PfocrError
from .frontmatter import decode, parse_mapping, set_key, yaml_text
from .fsutil import (
    LockHeld,
    atomic_write_bytes,
    hold_lock_file,
    release_lock_file,
    remove_stale_temp_files,
    rewrite_file,
)
from .layout import iter_record_paths
from .records import is_uuid, ndex_value

__all__ = [
    "LOCK_NAME",
    "DatabaseLock",
    "FillReport",
    "NdexMap",
    "database_lock",
    "fill_from_map",
    "read_ndex_field",
    "set_ndex_field",
]

NDEX_KEY = "ndex"


# --- records ----------------------------------------------------------------------------------


def _ndex_value(text: str, path: str | PathLike[str]) -> str | None:
    """The UUID the record's ``ndex`` field holds: ``""`` when empty, None when there is no such key."""
    fields = parse_mapping(yaml_text(text, path), path)
    if NDEX_KEY not in fields:
        return None
    return ndex_value(fields[NDEX_KEY], path) or ""


def read_ndex_field(path: str | PathLike[str], data: bytes | None = None) -> str | None:
    """The UUID in a record's top-level ``ndex`` field: ``""`` when empty, ``None`` when there is no such key.

    Raises ``RecordError`` when the value is neither empty nor a bare UUID, or the record is unreadable.
    """
    if data is None:
        data = Path(path).read_bytes()
    return _ndex_value(decode(data, path), path)


def set_ndex_field(path: str | PathLike[str], uuid: str) -> bool:
    """Write ``ndex: <uuid>`` into a record, changing nothing else; return False if it already held it.

    ``uuid`` must be a bare UUID. Raises ``PfocrError`` (one line naming the record) when the record
    cannot be read, its ``ndex`` entry cannot be located safely, or the file may not be replaced
    (see ``fsutil.rewrite_file``); the record is then left as it was.
    """
    if not is_uuid(uuid):
        raise PfocrError(f"not a bare UUID: {uuid!r}", path)
    uuid = uuid.lower()
    text = decode(Path(path).read_bytes(), path)
    if _ndex_value(text, path) == uuid:
        return False
    rewrite_file(path, set_key(text, NDEX_KEY, uuid, path).encode("utf-8"))
    return True


# --- the map ----------------------------------------------------------------------------------


class _MapFile:
    """One reading of a map file: its lines (split at LF, CR kept), rows and where each figid's rows are."""

    def __init__(self, text: str, path: Path, errors: list[str] | None) -> None:
        self.bom = text.startswith("\ufeff")
        self.lines = text.removeprefix("\ufeff").split("\n")
        self.rows: dict[str, str] = {}
        self.where: dict[str, list[int]] = {}
        self.newline = "\r\n" if self.lines[0].endswith("\r") and len(self.lines) > 1 else "\n"
        header_allowed = True
        for number, raw in enumerate(self.lines):
            line = raw.removesuffix("\r")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if header_allowed and "__" not in parts[0] and not any(is_uuid(p) for p in parts):
                header_allowed = False  # a header line ("figid<TAB>uuid"): kept as it is
                continue
            header_allowed = False
            problem = None
            if len(parts) != 2:
                problem = f"expected 'figid<TAB>uuid', found {len(parts)} field(s)"
            elif not parts[0] or parts[0] != parts[0].strip():
                problem = f"bad figid {parts[0]!r}"
            elif not is_uuid(parts[1]):
                problem = f"not a bare UUID: {parts[1][:60]!r}"
            elif parts[0] in self.rows and self.rows[parts[0]] != parts[1].lower():
                problem = f"{parts[0]} is listed twice with different UUIDs"
            if problem:
                message = f"{path}:{number + 1}: {problem}"
                if errors is None:
                    raise PfocrError(message)
                errors.append(message)
                continue
            self.rows[parts[0]] = parts[1].lower()
            self.where.setdefault(parts[0], []).append(number)

    def with_rows(self, changes: dict[str, str]) -> str:
        """The file's text with ``changes`` applied: rows replaced where they are, new ones appended."""
        lines = list(self.lines)
        for figid, uuid in changes.items():
            for number in self.where.get(figid, ()):
                lines[number] = f"{figid}\t{uuid}" + ("\r" if lines[number].endswith("\r") else "")
        text = ("\ufeff" if self.bom else "") + "\n".join(lines)
        added = [f"{figid}\t{uuid}{self.newline}" for figid, uuid in changes.items() if figid not in self.where]
        if added and text and not text.endswith("\n"):
            text += self.newline
        return text + "".join(added)


class NdexMap:
    """The ``figid<TAB>uuid`` table of a database (``_data/ndex_map.tsv``), edited in memory.

    :meth:`set` records a change; :meth:`flush` re-reads the file as it is on disk, applies this process's
    changes since the last flush (a row replaced where it is, a new one appended) and replaces the file
    atomically, keeping what this tool does not own (header, ``#`` lines, bad lines, order, line endings;
    a header is a first line naming no figid, that is without ``__``, and no UUID).
    Hold :func:`database_lock` across a run that flushes. Bad lines raise ``PfocrError`` naming
    ``file:line`` unless ``errors`` is a list, which then collects those messages; a map that exists but
    cannot be read (a folder, an I/O error) is a ``PfocrError`` naming it.

    >>> m = NdexMap("_data/ndex_map.tsv")                   # doctest: +SKIP
    >>> m.set("PMC10037071__gr7", "3fa85f64-5717-4562-b3fc-2c963f66afa6"); m.flush()   # doctest: +SKIP
    """

    def __init__(self, path: str | PathLike[str], errors: list[str] | None = None) -> None:
        self.path = Path(path)
        self._changes: dict[str, str] = {}
        self.rows: dict[str, str] = self._read(errors).rows

    def _read(self, errors: list[str] | None) -> _MapFile:
        try:
            text = decode(self.path.read_bytes(), self.path)
        except FileNotFoundError:
            text = ""
        except OSError as err:  # a folder, an unreadable file, an I/O error
            raise PfocrError(f"cannot read the map: {err.strerror or err}", self.path) from None
        return _MapFile(text, self.path, errors)

    @property
    def dirty(self) -> bool:
        """Whether :meth:`set` changed something since the last flush."""
        return bool(self._changes)

    def get(self, figid: str) -> str | None:
        return self.rows.get(figid)

    def set(self, figid: str, uuid: str) -> None:
        if self.rows.get(figid) != uuid:
            self.rows[figid] = uuid
            self._changes[figid] = uuid

    def flush(self) -> bool:
        """Merge this process's changes into the file on disk (atomic); return whether it was written."""
        if not self._changes:
            return False
        current = self._read([])  # its bad lines were reported when loaded, or are someone else's: kept
        data = current.with_rows(self._changes).encode("utf-8")
        if self.path.exists() or self.path.is_symlink():
            rewrite_file(self.path, data)
        else:
            atomic_write_bytes(self.path, data)
        self.rows = {**current.rows, **self._changes}
        self._changes.clear()
        return True


# --- the database lock ------------------------------------------------------------------------

LOCK_NAME = ".pfocr-ndex.lock"
_held: dict[str, list] = {}  # real path of a locked root -> [DatabaseLock, depth]: re-entrant in one process
_held_guard = threading.Lock()


@dataclass
class DatabaseLock:
    """A held database lock: the lock file, and the temporary files of killed runs it removed."""

    root: Path
    path: Path
    removed: list[str] = field(default_factory=list)


def _lock_file(root: str, purpose: str) -> int:
    """Open and lock ``root/LOCK_NAME`` (never waiting), write who holds it; return its descriptor."""
    try:
        return hold_lock_file(os.path.join(root, LOCK_NAME), purpose)
    except LockHeld as held:
        raise PfocrError(f"the database is in use by {held.holder}; wait for that run to finish", root) from None
    except OSError as err:
        raise PfocrError(f"cannot create the lock file {LOCK_NAME}: {err.strerror or err}", root) from None


@contextlib.contextmanager
def database_lock(root: str | PathLike[str], *, purpose: str) -> Iterator[DatabaseLock]:
    """Hold the database's lock (``<root>/.pfocr-ndex.lock``) for the ``with`` block.

    ``root`` is a checkout (the folder holding ``_figures/``) or a folder of loose records. Raises
    ``PfocrError`` at once, naming the holder (purpose, pid, host, start), when another process holds it.
    Re-entrant within a process. Once taken, the temporary files that killed runs left in ``_figures/``
    and ``_data/`` (or in the folder of loose records) are removed (listed in ``removed``).
    """
    key = os.path.realpath(root)
    with _held_guard:
        entry = _held.get(key)
        if entry is not None:
            entry[1] += 1
    if entry is not None:
        try:
            yield entry[0]
        finally:
            with _held_guard:
                entry[1] -= 1
        return
    fd = _lock_file(key, purpose)
    folders = [Path(key, layout.FIGURES), Path(key, layout.DATA)] if Path(key, layout.FIGURES).is_dir() else [Path(key)]
    lock = DatabaseLock(Path(root), Path(key, LOCK_NAME), [n for f in folders for n in remove_stale_temp_files(f)])
    with _held_guard:
        _held[key] = [lock, 1]
    try:
        yield lock
    finally:
        with _held_guard:
            del _held[key]
        release_lock_file(lock.path, fd)


# --- fill -------------------------------------------------------------------------------------


@dataclass
class FillReport:
    """Outcome of :func:`fill_from_map`: figids per outcome, and one-line problems."""

    filled: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # "figid: record has X, map has Y"
    not_in_map: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    removed_temp_files: list[str] = field(default_factory=list)  # left in the database by killed runs

    def summary(self) -> str:
        return (
            f"{len(self.filled)} filled, {len(self.replaced)} replaced, {len(self.unchanged)} unchanged, "
            f"{len(self.conflicts)} conflicting (use --force to replace), "
            f"{len(self.not_in_map)} not in map, {len(self.errors)} errors"
        )


def fill_from_map(
    paths: Iterable[str | PathLike[str]], map_path: str | PathLike[str], *, force: bool = False
) -> FillReport:
    """Fill records' empty ``ndex`` fields from a ``figid<TAB>uuid`` map.

    A field holding another UUID is only replaced with ``force=True`` (else it is listed in
    ``conflicts``). Bad paths (``layout.iter_record_paths``), bad map lines and records that cannot
    be read or written are listed in ``errors``; the rest proceeds. Only the ``ndex`` entry of a
    record ever changes. Each database written into is locked (``database_lock``) for the run; one
    that another run holds raises ``PfocrError``.
    """
    if not os.path.lexists(map_path):
        raise PfocrError("map file not found", map_path)
    report = FillReport()
    mapping = NdexMap(map_path, errors=report.errors)
    with contextlib.ExitStack() as locks:
        locked: set[Path] = set()
        for path in iter_record_paths(paths, on_error=lambda err: report.errors.append(str(err))):
            figid = path.stem
            uuid = mapping.get(figid)
            if uuid is None:
                report.not_in_map.append(figid)
                continue
            root = layout.database_root(path) or path.parent
            if root not in locked:
                report.removed_temp_files += locks.enter_context(database_lock(root, purpose="fill")).removed
                locked.add(root)
            try:
                current = read_ndex_field(path)
                if current == uuid:
                    report.unchanged.append(figid)
                    continue
                if current and not force:
                    report.conflicts.append(f"{path}: record has {current}, map has {uuid}")
                    continue
                set_ndex_field(path, uuid)
            except (PfocrError, OSError) as err:
                report.errors.append(str(err) if isinstance(err, PfocrError) else f"{path}: {err.strerror}")
                continue
            (report.replaced if current else report.filled).append(figid)
    return report
