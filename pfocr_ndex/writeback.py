"""Write NDEx UUIDs back into figure records (the ``ndex:`` line) and ``_data/ndex_map.tsv``.

Records are written by R ``yaml::write_yaml`` and must stay byte-exact: only the ``ndex:`` line
changes, every other byte (folding, quoting, exotic blanks, line endings) is kept. A record with
no ``ndex:`` line gets one, inserted just before the closing ``---`` of its front matter (the R
generators always write the key; the website only needs it to exist, its position is free).

``ndex_map.tsv`` (``figid<TAB>uuid``, no header) keeps its row order: changed rows are replaced in
place, new figures are appended. It is rewritten atomically and in batches
(:meth:`NdexMap.flush`), never once per figure.

Example::

    >>> set_ndex_field("_figures/PMC6372626__41467_2019_8576_Fig6_HTML.md",
    ...                "0626a9a9-df0c-11ea-99da-0ac135e8bacf")      # doctest: +SKIP
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from .errors import PfocrError, RecordError
from .fsutil import atomic_write_bytes, atomic_write_text

__all__ = [
    "FillReport",
    "NdexMap",
    "database_map_path",
    "fill_from_map",
    "is_uuid",
    "read_ndex_field",
    "set_ndex_field",
]

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NDEX_LINE = re.compile(rb"^ndex:[ \t]*(?P<value>[^\r\n]*?)[ \t]*(?P<eol>\r?\n|\r|$)", re.M)
_FENCE = re.compile(rb"^---[ \t]*(?:\r?\n|\r|$)", re.M)
_EMPTY_VALUES = {"", "''", '""', "~", "null"}


def is_uuid(value: str) -> bool:
    """True when ``value`` is a bare UUID (``8-4-4-4-12`` hex digits), as the website needs."""
    return bool(_UUID.fullmatch(value))


def _front_matter_span(data: bytes, path: Path) -> tuple[int, int]:
    """(start, end) byte offsets of the front matter body, between the two ``---`` lines."""
    first = _FENCE.match(data)
    if not first:
        raise RecordError("no YAML front matter (the file must start with a '---' line)", path)
    closing = _FENCE.search(data, first.end())
    if not closing:
        raise RecordError("front matter is not closed by a '---' line", path)
    return first.end(), closing.start()


def _find_ndex_line(data: bytes, path: Path) -> re.Match[bytes] | None:
    start, end = _front_matter_span(data, path)
    matches = list(_NDEX_LINE.finditer(data, start, end))
    if len(matches) > 1:
        raise RecordError("the front matter has more than one 'ndex:' line", path)
    return matches[0] if matches else None


def _parse_value(raw: bytes, path: Path) -> str:
    text = raw.decode("utf-8", errors="replace").strip()
    if text in _EMPTY_VALUES:
        return ""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    if not is_uuid(text):
        raise RecordError(f"the 'ndex:' field is not a bare UUID: {text[:60]!r}", path)
    return text.lower()


def read_ndex_field(path: str | PathLike[str], data: bytes | None = None) -> str | None:
    """The UUID in a record's ``ndex:`` line: ``""`` when empty, ``None`` when there is no such line.

    Raises ``RecordError`` when the value is neither empty nor a bare UUID.
    """
    path = Path(path)
    if data is None:
        data = path.read_bytes()
    line = _find_ndex_line(data, path)
    return None if line is None else _parse_value(line.group("value"), path)


def _line_ending(data: bytes) -> bytes:
    first = re.search(rb"\r\n|\n|\r", data)
    return first.group() if first else b"\n"


def set_ndex_field(path: str | PathLike[str], uuid: str) -> bool:
    """Write ``ndex: <uuid>`` into a record, changing nothing else; return False if it already held it.

    The write is atomic (temporary file + rename). ``uuid`` must be a bare UUID.
    """
    path = Path(path)
    if not is_uuid(uuid):
        raise PfocrError(f"not a bare UUID: {uuid!r}", path)
    uuid = uuid.lower()
    data = path.read_bytes()
    line = _find_ndex_line(data, path)
    if line is None:
        _, end = _front_matter_span(data, path)
        new = data[:end] + b"ndex: " + uuid.encode() + _line_ending(data) + data[end:]
    else:
        current = line.group("value").decode("utf-8", errors="replace").strip()
        if current == uuid:
            return False
        eol = line.group("eol")
        new = data[: line.start()] + b"ndex: " + uuid.encode() + eol + data[line.end() :]
    atomic_write_bytes(path, new)
    return True


def database_map_path(record_path: str | PathLike[str]) -> Path | None:
    """``<db>/_data/ndex_map.tsv`` for a record at ``<db>/_figures/<figid>.md``; None outside that layout."""
    record_path = Path(record_path)
    if record_path.parent.name != "_figures":
        return None
    data_dir = record_path.parent.parent / "_data"
    return data_dir / "ndex_map.tsv" if data_dir.is_dir() else None


class NdexMap:
    """The ``figid<TAB>uuid`` table of a database (``_data/ndex_map.tsv``), edited in memory.

    Rows keep their order; :meth:`set` replaces a row or appends one; :meth:`flush` rewrites the
    file atomically when something changed. Bad lines raise ``PfocrError`` naming ``file:line``
    unless ``errors`` is a list, which then collects those messages and skips the lines.

    >>> m = NdexMap("_data/ndex_map.tsv")                   # doctest: +SKIP
    >>> m.set("PMC10037071__gr7", "3fa85f64-5717-4562-b3fc-2c963f66afa6"); m.flush()   # doctest: +SKIP
    """

    def __init__(self, path: str | PathLike[str], errors: list[str] | None = None) -> None:
        self.path = Path(path)
        self.rows: dict[str, str] = {}
        self.dirty = False
        if self.path.exists():
            self._load(errors)

    def _load(self, errors: list[str] | None) -> None:
        with self.path.open("r", encoding="utf-8", newline="") as f:
            for number, line in enumerate(f, 1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                problem = None
                parts = line.split("\t")
                if len(parts) != 2:
                    problem = f"expected 'figid<TAB>uuid', found {len(parts)} field(s)"
                elif not parts[0] or parts[0] != parts[0].strip():
                    problem = f"bad figid {parts[0]!r}"
                elif not is_uuid(parts[1]):
                    problem = f"not a bare UUID: {parts[1][:60]!r}"
                elif parts[0] in self.rows and self.rows[parts[0]] != parts[1].lower():
                    problem = f"{parts[0]} is listed twice with different UUIDs"
                if problem:
                    message = f"{self.path}:{number}: {problem}"
                    if errors is None:
                        raise PfocrError(message)
                    errors.append(message)
                    continue
                self.rows[parts[0]] = parts[1].lower()

    def get(self, figid: str) -> str | None:
        return self.rows.get(figid)

    def set(self, figid: str, uuid: str) -> None:
        if self.rows.get(figid) != uuid:
            self.rows[figid] = uuid
            self.dirty = True

    def flush(self) -> bool:
        """Rewrite the file if anything changed (atomic); return whether it was written."""
        if not self.dirty:
            return False
        atomic_write_text(self.path, "".join(f"{k}\t{v}\n" for k, v in self.rows.items()))
        self.dirty = False
        return True


@dataclass
class FillReport:
    """Outcome of :func:`fill_from_map`: figids per outcome, and one-line problems."""

    filled: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # "figid: record has X, map has Y"
    not_in_map: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.filled)} filled, {len(self.replaced)} replaced, {len(self.unchanged)} unchanged, "
            f"{len(self.conflicts)} conflicting (use --force to replace), "
            f"{len(self.not_in_map)} not in map, {len(self.errors)} errors"
        )


def fill_from_map(
    paths: Iterable[str | PathLike[str]], map_path: str | PathLike[str], *, force: bool = False
) -> FillReport:
    """Fill records' empty ``ndex:`` fields from a ``figid<TAB>uuid`` map.

    A field holding another UUID is only replaced with ``force=True`` (else it is listed in
    ``conflicts``). Bad map lines and unreadable records are listed in ``errors``; the rest
    proceeds. Only the ``ndex:`` line of a record ever changes.
    """
    from .records import iter_record_paths

    if not Path(map_path).is_file():
        raise PfocrError("map file not found", map_path)
    report = FillReport()
    mapping = NdexMap(map_path, errors=report.errors)
    for path in iter_record_paths(paths):
        figid = path.stem
        uuid = mapping.get(figid)
        if uuid is None:
            report.not_in_map.append(figid)
            continue
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
