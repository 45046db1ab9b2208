"""The PFOCR database layout, and the one policy for the paths a command is given.

A database checkout holds ``_figures/<figid>.md`` (one record per figure) and ``_data/`` (the per-figure
tables ``<figid>-genes.tsv``, ``-chemicals.tsv``, ``-diseases.tsv`` and ``ndex_map.tsv``). Records may also
be used outside a checkout: a folder of records, with or without their tables beside them.

``iter_record_paths(paths, on_error)`` is how every command turns its arguments into record files: a bad
argument (missing, unreadable, no records in it) is one ``PfocrError`` passed to ``on_error`` and the
other arguments go on; a figid met a second time in another argument (a second database with the same
figids) is reported the same way and skipped.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from os import PathLike
from pathlib import Path

from .errors import PfocrError

__all__ = [
    "DATA",
    "FIGURES",
    "NDEX_MAP",
    "TABLE_KINDS",
    "count_records",
    "data_dir",
    "database_root",
    "iter_record_paths",
    "ndex_map_path",
    "record_path",
    "records_folder",
    "table_name",
    "table_path",
]

FIGURES = "_figures"
DATA = "_data"
NDEX_MAP = "ndex_map.tsv"
TABLE_KINDS = ("genes", "chemicals", "diseases")
RECORD_SUFFIX = ".md"


def database_root(record_path: str | PathLike[str]) -> Path | None:
    """The checkout holding a record at ``<root>/_figures/<figid>.md``; None for a record outside ``_figures/``.

    >>> database_root("db/_figures/PMC1__f1.md")
    PosixPath('db')
    >>> database_root("loose/PMC1__f1.md") is None
    True
    """
    parent = Path(record_path).parent
    return parent.parent if parent.name == FIGURES else None


def data_dir(record_path: str | PathLike[str]) -> Path | None:
    """The folder of a record's tables: ``<root>/_data`` in a checkout, else the record's own folder
    when it holds one of this figure's tables, else None."""
    folder = os.path.dirname(record_path)
    found = _checkout_data_dir(folder)
    if found is not None:
        return found
    figid = os.path.basename(record_path).removesuffix(RECORD_SUFFIX)
    if any(os.path.isfile(os.path.join(folder, table_name(figid, kind))) for kind in TABLE_KINDS):
        return Path(folder)
    return None


_data_dirs: dict[str, Path] = {}  # _figures folder -> its _data: found once (asked once per record)


def _checkout_data_dir(folder: str) -> Path | None:
    """``<folder>/../_data`` when ``folder`` is a checkout's ``_figures``. Only a found one is remembered, so a
    long-lived process (a notebook) sees a ``_data/`` made after it first looked."""
    found = _data_dirs.get(folder)
    if found is None and os.path.basename(folder) == FIGURES:
        data = os.path.join(os.path.dirname(folder), DATA)
        if os.path.isdir(data):
            found = _data_dirs[folder] = Path(data)
    return found


def table_name(figid: str, kind: str) -> str:
    """The file name of a figure's table: ``<figid>-<kind>.tsv`` (``kind`` one of ``TABLE_KINDS``)."""
    return f"{figid}-{kind}.tsv"


def table_path(data_dir: str | PathLike[str], figid: str, kind: str) -> Path:
    """``<data_dir>/<figid>-<kind>.tsv``.

    >>> table_path("db/_data", "PMC1__f1", "genes")
    PosixPath('db/_data/PMC1__f1-genes.tsv')
    """
    return Path(data_dir, table_name(figid, kind))


def ndex_map_path(record_path: str | PathLike[str]) -> Path | None:
    """``<root>/_data/ndex_map.tsv`` for a record in a checkout whose ``_data/`` exists; None otherwise."""
    root = database_root(record_path)
    if root is None or not (root / DATA).is_dir():
        return None
    return root / DATA / NDEX_MAP


def record_path(root: str | PathLike[str], figid: str) -> Path:
    """Where a checkout keeps a figure's record: ``<root>/_figures/<figid>.md``.

    >>> record_path("db", "PMC1__f1")
    PosixPath('db/_figures/PMC1__f1.md')
    """
    return Path(root, FIGURES, figid + RECORD_SUFFIX)


def records_folder(folder: str | PathLike[str]) -> Path:
    """The folder holding the records of a folder argument: ``_figures/`` of a checkout, else the folder itself."""
    figures = Path(folder, FIGURES)
    return figures if figures.is_dir() else Path(folder)


def _record_names(folder: Path) -> list[str]:
    with os.scandir(folder) as entries:
        return sorted(e.name for e in entries if e.name.endswith(RECORD_SUFFIX) and not e.name.startswith("."))


def count_records(paths: Iterable[str | PathLike[str]]) -> int:
    """How many records ``paths`` name (for a progress bar), from folder listings; bad paths count 0."""
    total = 0
    for path in paths:
        if os.path.isdir(path):
            with contextlib.suppress(OSError):
                total += len(_record_names(records_folder(path)))
        elif os.path.exists(path):
            total += 1
    return total


def _raise(err: PfocrError) -> None:
    raise err


def iter_record_paths(
    paths: Iterable[str | PathLike[str]], on_error: Callable[[PfocrError], None] | None = None
) -> Iterator[Path]:
    """Yield the record files ``paths`` name, lazily: a ``.md`` file as given, a folder's ``*.md`` files
    in name order, a checkout's ``_figures/*.md``.

    A path that does not exist, cannot be listed or holds no records is passed to ``on_error`` as one
    ``PfocrError`` (default: raised) and the next path goes on. A figid already yielded from an earlier
    path is reported the same way and skipped, unless it is the very same file (then skipped silently).

    >>> [p.name for p in iter_record_paths(["tests/data/pfocr"])][:1]
    ['PMC10003241__ijms-24-04893-g003.md']
    >>> list(iter_record_paths(["no/such/folder"], on_error=print))
    no/such/folder: no such file or directory
    []
    """
    report = on_error or _raise
    paths = list(paths)
    first_seen: dict[str, str] = {}  # figid → its first record; only kept when there are several paths
    for given in paths:
        path = Path(given)
        if path.is_dir():
            folder = records_folder(path)
            try:
                names = _record_names(folder)
            except OSError as err:
                report(PfocrError(f"cannot list the folder: {err.strerror or err}", folder))
                continue
            if not names:
                report(PfocrError("holds no figure records (*.md files)", path))
                continue
            records: Iterable[Path] = (folder / name for name in names)
        elif path.exists():
            records = (path,)
        else:
            report(PfocrError("no such file or directory", path))
            continue
        if len(paths) == 1:
            yield from records
            continue
        for record in records:
            figid = record.name.removesuffix(RECORD_SUFFIX)
            earlier = first_seen.get(figid)
            if earlier is None:
                first_seen[figid] = str(record)
                yield record
            elif not _same_file(earlier, record):
                report(PfocrError(f"figid {figid} was already read from {earlier}; this copy is skipped", record))


def _same_file(a: str, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
