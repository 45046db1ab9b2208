"""Read PFOCR figure records (``_figures/<figid>.md``) and their entity tables (``_data/``).

CONTRACT (written first so the other stages can build on it; fill in the bodies):

- ``iter_record_paths(paths)`` streams record paths from files / folders / database checkouts.
- ``read_record(path)`` parses one record and its tables into a ``FigureRecord`` or raises
  ``RecordError`` with a one-line reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from .errors import RecordError

__all__ = ["Entity", "FigureRecord", "RecordError", "iter_record_paths", "read_record"]


@dataclass(frozen=True, slots=True)
class Entity:
    """One distinct entity found in a figure: becomes one network node."""

    name: str                       # gene symbol / chemical or disease name / keyword
    type: str                       # "gene", "miRNA", "chemical", "disease", "keyword", ...
    represents: str | None = None   # "ncbigene:7157", "chebi:35366", "mesh:D005227", "doid:…"
    words: tuple[str, ...] = ()     # OCR words that matched it
    sources: tuple[str, ...] = ()   # match sources (ncbigene_symbol, famplex_relations, …)
    organism: str | None = None     # organism name (genes)
    xrefs: tuple[str, ...] = ()     # further CURIEs (e.g. mesh + chebi of a chemical)


@dataclass(frozen=True, slots=True)
class FigureRecord:
    """A figure's metadata and entities, read from its record and tables."""

    figid: str
    path: Path                      # the record file
    fields: dict                    # the parsed front matter, as read (after NA cleaning)
    entities: tuple[Entity, ...]
    entity_source: str              # where the entities came from: "tables", "record lists", "schema-jsonld keywords"
    ndex: str | None = None         # the UUID in the `ndex:` field, None when empty
    data_dir: Path | None = None    # the `_data/` folder used, if any
    extra: dict = field(default_factory=dict)


def iter_record_paths(paths: Iterable[str | PathLike[str]]) -> Iterator[Path]:
    """Yield record files under ``paths`` (a ``.md`` file, a folder of records, or a database checkout), lazily."""
    raise NotImplementedError


def read_record(path: str | PathLike[str], data_dir: str | PathLike[str] | None = None) -> FigureRecord:
    """Read one figure record and its tables; raise ``RecordError`` naming the file and the problem."""
    raise NotImplementedError
