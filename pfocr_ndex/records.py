"""Read PFOCR figure records (``_figures/<figid>.md``) and their entity tables (``_data/``).

``read_record(path)`` parses one record and its tables into a ``FigureRecord`` or raises ``RecordError``
with a one-line reason. Where the front matter is and how it is parsed is ``frontmatter``'s rule (Jekyll's:
BOM, CRLF and a closing ``...`` line accepted); where the tables are is ``layout``'s.

Entities come from, in order of preference (``FigureRecord.entity_source``):

- ``"tables"``: ``_data/<figid>-genes.tsv``, ``-chemicals.tsv``, ``-diseases.tsv``;
- ``"record lists"``: the legacy ``genes:``/``chemicals:``/``diseases:`` lists (human-only lexicon, so
  their genes are Homo sapiens);
- ``"schema-jsonld keywords"``: bare words without identifiers, typed by their look
  (``miRNA``/``gene`` for symbol-like words, ``chemical`` for chemical-looking words, else ``keyword``).

One entity per distinct thing, in table order of first appearance: genes keyed by NCBI Gene id and
named by ``ncbigene_symbol`` (else the OCR word), ``miRNA`` for MIR* symbols; chemicals keyed by ChEBI id
(``represents``) else MeSH id, diseases by DOID else MeSH (the other id goes to ``xrefs``), named by the
table's ``name`` (else the OCR word); every matching OCR word is kept in ``words``. Older chemicals and
diseases tables (header ``word source identifier``, source ``MESH``/``CHEBI``/``DOID``) are read as the
current ones (``MESH``, ``D005227`` → ``mesh:D005227``). A UTF-8 BOM before a table's header is skipped.

Gene-table rows naming a FamPlex family without a member gene (``ncbigene_symbol`` NA, ``ncbigene_id``
NaN) become one ``"gene family"`` entity per (organism, family), without ``represents``: the figure
does show the family, but no gene identifier exists for it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

from . import layout
from .errors import RecordError, shown
from .frontmatter import decode, parse_mapping, parse_mapping_without, yaml_text
from .layout import TABLE_KINDS

__all__ = ["Entity", "FigureRecord", "is_uuid", "names", "ndex_value", "read_record"]

ENTITY_SOURCE_TABLES = "tables"
ENTITY_SOURCE_RECORD_LISTS = "record lists"
ENTITY_SOURCE_KEYWORDS = "schema-jsonld keywords"


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(value: str) -> bool:
    """True when ``value`` is a bare UUID (``8-4-4-4-12`` hex digits), as the website needs.

    >>> is_uuid("0626a9a9-df0c-11ea-99da-0ac135e8bacf"), is_uuid("https://www.ndexbio.org/viewer/networks/x")
    (True, False)
    """
    return bool(_UUID.fullmatch(value))


def ndex_value(value: object, path: str | PathLike[str]) -> str | None:
    """The network UUID a record's ``ndex`` field holds, lower-cased; None when empty.

    The one rule for that field (reading records, publishing, writing back): the website links
    ``https://www.ndexbio.org/viewer/networks/<ndex>``, so anything but a bare UUID is a ``RecordError``.

    >>> ndex_value(" 0626A9A9-DF0C-11EA-99DA-0AC135E8BACF ", "r.md"), ndex_value("", "r.md")
    ('0626a9a9-df0c-11ea-99da-0ac135e8bacf', None)
    """
    if value is None or value == "":
        return None
    if isinstance(value, str) and is_uuid(value.strip()):
        return value.strip().lower()
    raise RecordError(f"the 'ndex:' field is not a bare UUID: {shown(value)}", path)


class Entity(NamedTuple):
    """One distinct entity found in a figure: becomes one network node.

    A named tuple rather than a frozen dataclass: a figure has ~70 of them and a tuple is
    built 3-4x faster, which matters when reading 110k records.
    """

    name: str  # gene symbol / chemical or disease name / keyword
    type: str  # "gene", "miRNA", "gene family", "chemical", "disease", "keyword"
    represents: str | None = None  # "ncbigene:7157", "chebi:35366", "mesh:D005227", "doid:…"
    words: tuple[str, ...] = ()  # OCR words that matched it
    sources: tuple[str, ...] = ()  # match sources (ncbigene_symbol, famplex_relations, …)
    organism: str | None = None  # organism name (genes)
    xrefs: tuple[str, ...] = ()  # further CURIEs (e.g. the mesh id of a chemical represented by chebi)
    taxon: str | None = None  # NCBI Taxonomy id of ``organism`` when the table gives it ("9606")


@dataclass(frozen=True, slots=True)
class FigureRecord:
    """A figure's metadata and entities, read from its record and tables."""

    figid: str
    path: Path  # the record file
    fields: dict  # the parsed front matter, NA values (.na.character, NA, '', null) removed;
    # without `schema-jsonld` when tables exist (see read_record)
    entities: tuple[Entity, ...]
    entity_source: str  # where the entities came from: "tables", "record lists", "schema-jsonld keywords"
    ndex: str | None = None  # the UUID in the `ndex:` field (``ndex_value``), None when empty
    data_dir: Path | None = None  # the `_data/` folder used, if any
    extra: dict = field(default_factory=dict)


# --- NA cleaning ------------------------------------------------------------------------------

_NA_STRINGS = frozenset((".na.character", "NA", ""))


def _is_na(value: object) -> bool:
    return value is None or (type(value) is str and value in _NA_STRINGS)


def _clean(value: Any) -> Any:
    """Drop R missing values: ``.na.character``, ``NA``, ``''`` and null, in mappings and lists."""
    if type(value) is dict:
        out = {}
        for k, v in value.items():
            if type(v) is str:
                if v not in _NA_STRINGS:
                    out[k] = v
            elif type(v) is dict or type(v) is list:
                cleaned = _clean(v)
                if cleaned != []:
                    out[k] = cleaned
            elif v is not None:
                out[k] = v
        return out
    if type(value) is list:
        return [v if type(v) is str else _clean(v) for v in value if not _is_na(v)]
    return value


# --- entities ---------------------------------------------------------------------------------

_TABLE_COLUMNS = {
    "genes": ("organism_id", "organism_name", "word", "match", "ncbigene_symbol", "ncbigene_id", "source"),
    "chemicals": ("word", "mesh", "match", "name", "chebi"),
    "diseases": ("word", "mesh", "match", "name", "doid"),
}
# Older chemicals/diseases tables: ``word source identifier``; the source names the CURIE prefix.
_LEGACY_COLUMNS = ("word", "source", "identifier")
_LEGACY_PREFIXES = {"chemicals": {"MESH": "mesh", "CHEBI": "chebi"}, "diseases": {"MESH": "mesh", "DOID": "doid"}}
_TABLE_NA = frozenset(("NA", "NaN", ""))
_MIRNA = re.compile(r"(?i)(?!.*hg$)mir(?:let)?-?\d+[a-z]*\d*(?:[-.]\d+[a-z]*\d*)*")
_MIR_PREFIXES = frozenset(("MIR", "Mir", "mir", "miR", "MiR"))


def _gene_type(symbol: str) -> str:
    """``"miRNA"`` for a microRNA symbol (``MIR21``, ``Mirlet7a-1``, ``mir-155``; not ``MIR21HG``), else ``"gene"``.

    >>> [_gene_type(s) for s in ("MIR21", "Mirlet7a-1", "MIR21HG", "MIRO1")]
    ['miRNA', 'miRNA', 'gene', 'gene']
    """
    return "miRNA" if symbol[:3] in _MIR_PREFIXES and _MIRNA.fullmatch(symbol) else "gene"


class _EntityBuilder:
    """Accumulates one entity's words, sources and ids over the rows naming it."""

    __slots__ = ("name", "organism", "represents", "sources", "taxon", "type", "words", "xrefs")

    def __init__(
        self, name: str, type: str, represents: str | None = None, organism: str | None = None, taxon: str | None = None
    ) -> None:
        self.name, self.type, self.represents = name, type, represents
        self.organism, self.taxon = organism, taxon
        self.words: dict[str, None] = {}
        self.sources: dict[str, None] = {}
        self.xrefs: dict[str, None] = {}

    def add(self, word: str | None, source: str | None = None, *xrefs: str | None) -> None:
        if word is not None:
            self.words[word] = None
        if source is not None:
            self.sources[source] = None
        for xref in xrefs:
            if xref is not None and xref != self.represents:
                self.xrefs[xref] = None

    def build(self) -> Entity:
        return Entity(
            self.name,
            self.type,
            self.represents,
            tuple(self.words),
            tuple(self.sources),
            self.organism,
            tuple(self.xrefs),
            self.taxon,
        )


class _Table:
    """A per-figure TSV: its path, column positions and rows (lists of str, ``NA``/``NaN`` kept)."""

    __slots__ = ("columns", "kind", "path", "rows")

    def __init__(self, path: str, kind: str, columns: dict[str, int], rows: list[list[str]]) -> None:
        self.path, self.kind, self.columns, self.rows = path, kind, columns, rows


def _read_bytes(path: str | Path) -> bytes:
    """A whole file (unbuffered: one read of its size, no buffer object)."""
    with open(path, "rb", buffering=0) as f:
        return f.readall()


def _load_table_bytes(path: str, kind: str) -> bytes | None:
    try:
        return _read_bytes(path)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise RecordError(f"cannot read {kind} table: {err.strerror}", path) from None


def _parse_table(data: bytes, path: str, kind: str) -> _Table:
    """Parse a per-figure TSV; its columns are found by header name."""
    text = decode(data, path)
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if not lines:
        raise RecordError(f"empty {kind} table (no header row)", path)
    header = lines[0].split("\t")
    if kind in _LEGACY_PREFIXES and all(c in header for c in _LEGACY_COLUMNS) and "mesh" not in header:
        return _legacy_table(lines, header, path, kind)
    missing = [c for c in _TABLE_COLUMNS[kind] if c not in header]
    if missing:
        raise RecordError(f"{kind} table lacks column(s) {', '.join(missing)} (header: {' '.join(header)})", path)
    width = len(header)
    rows = [line.split("\t") for line in lines[1:]]
    if rows and set(map(len, rows)) != {width}:
        number, values = next((n, v) for n, v in enumerate(rows, start=2) if len(v) != width)
        raise RecordError(f"{kind} table line {number} has {len(values)} fields, the header has {width}", path)
    return _Table(path, kind, {c: header.index(c) for c in _TABLE_COLUMNS[kind]}, rows)


def _legacy_table(lines: list[str], header: list[str], path: str, kind: str) -> _Table:
    """An older ``word source identifier`` table as a current one (``word mesh match name chebi|doid``)."""
    i_word, i_source, i_identifier = (header.index(c) for c in _LEGACY_COLUMNS)
    prefixes = _LEGACY_PREFIXES[kind]
    columns = {c: n for n, c in enumerate(_TABLE_COLUMNS[kind])}
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        values = line.split("\t")
        if len(values) != len(header):
            raise RecordError(
                f"{kind} table line {number} has {len(values)} fields, the header has {len(header)}", path
            )
        row = [values[i_word], "NA", "NA", "NA", "NA"]
        source, identifier = values[i_source], values[i_identifier]
        if identifier not in _TABLE_NA:
            prefix = prefixes.get(source.upper())
            if prefix is None:
                raise RecordError(
                    f"{kind} table line {number}: source {source!r} is not one of {', '.join(prefixes)}", path
                )
            row[columns[prefix]] = f"{prefix}:{identifier.removeprefix(source + ':')}"
        rows.append(row)
    return _Table(path, kind, columns, rows)


def _na(value: str) -> str | None:
    return None if value in _TABLE_NA else value


def _gene_entities(table: _Table) -> list[Entity]:
    """One entity per NCBI Gene id (or per FamPlex family without member), in order of first row."""
    c = table.columns
    i_taxon, i_organism, i_word, i_match = c["organism_id"], c["organism_name"], c["word"], c["match"]
    i_symbol, i_id, i_source = c["ncbigene_symbol"], c["ncbigene_id"], c["source"]
    na = _TABLE_NA
    groups: dict[str | tuple[str, ...], list[list[str]]] = {}  # the rows of each entity, in order of first row
    for row in table.rows:
        key: str | tuple[str, ...] = row[i_id]
        if key in na:  # a family without member gene: one entity per (organism, family)
            key = ("family", row[i_taxon], row[i_match], row[i_word])
        group = groups.get(key)
        if group is None:
            groups[key] = [row]
        else:
            group.append(row)
    entities = []
    for key, group in groups.items():
        row = group[0]
        words: tuple[str, ...]
        sources: tuple[str, ...]
        if len(group) == 1:  # most genes are named by one row
            words = (row[i_word],)
            sources = () if row[i_source] == "NA" else (row[i_source],)
        else:
            words = tuple(dict.fromkeys([r[i_word] for r in group]))
            sources = tuple(s for s in dict.fromkeys([r[i_source] for r in group]) if s != "NA")
        organism, taxon = row[i_organism], row[i_taxon]
        if isinstance(key, tuple):
            name = row[i_match] if row[i_match] not in na else row[i_word]
            type_, represents = "gene family", None
        elif key.isdigit() and key.isascii():
            name = row[i_symbol] if row[i_symbol] not in na else row[i_word]
            type_ = _gene_type(name)
            represents = "ncbigene:" + key
        else:
            raise RecordError(f"genes table: ncbigene_id {key!r} is not a number", table.path)
        entities.append(
            Entity(
                name,
                type_,
                represents,
                words,
                sources,
                organism if organism not in na else None,
                (),
                taxon if taxon not in na else None,
            )
        )
    return entities


def _named_entities(table: _Table, preferred: str, other: str) -> list[Entity]:
    """Chemicals (chebi preferred, else mesh) or diseases (doid preferred, else mesh), one per id.

    Rows sharing either id are one entity; rows without ids are one entity per OCR word.
    """
    type_ = table.kind[:-1]
    c = table.columns
    i_first, i_second, i_word, i_name = c[preferred], c[other], c["word"], c["name"]
    builders: dict[object, _EntityBuilder] = {}
    for row in table.rows:
        first, second, word = _na(row[i_first]), _na(row[i_second]), row[i_word]
        b = builders.get(first) if first else None
        if b is None and second:
            b = builders.get(second)
        if b is None and not first and not second:
            b = builders.get(("word", word))
        if b is None:
            b = _EntityBuilder(_na(row[i_name]) or word, type_, first or second)
            if not first and not second:
                builders[("word", word)] = b
        elif b.represents is None and (first or second):
            b.represents = first or second
        for curie in (first, second):
            if curie:
                builders.setdefault(curie, b)
        b.add(word, None, first, second)
    return [b.build() for b in dict.fromkeys(builders.values())]


def _table_entities(tables: dict[str, _Table]) -> list[Entity]:
    entities = _gene_entities(tables["genes"]) if "genes" in tables else []
    if "chemicals" in tables:
        entities += _named_entities(tables["chemicals"], "chebi", "mesh")
    if "diseases" in tables:
        entities += _named_entities(tables["diseases"], "doid", "mesh")
    return entities


def _entity_list(fields: dict, kind: str) -> list:
    """The legacy ``genes:``/``chemicals:``/``diseases:`` list; ``[]`` when the field holds anything else."""
    value = fields.get(kind)
    return value if type(value) is list else []


def _record_list_entities(fields: dict) -> list[Entity]:
    """Entities from the legacy (2020–2021) ``genes:``/``chemicals:``/``diseases:`` lists."""
    builders: dict[object, _EntityBuilder] = {}
    for item in _entity_list(fields, "genes"):
        if not isinstance(item, dict):
            continue
        entrez = item.get("entrez")
        entrez = None if entrez is None else str(entrez)
        symbol = item.get("hgnc_symbol") or item.get("symbol") or item.get("word")
        if symbol is None:
            continue
        symbol = str(symbol)
        key = entrez or ("symbol", symbol)
        b = builders.get(key)
        if b is None:
            b = builders[key] = _EntityBuilder(
                symbol, _gene_type(symbol), f"ncbigene:{entrez}" if entrez else None, "Homo sapiens", "9606"
            )
        b.add(_str_or_none(item.get("word")), _str_or_none(item.get("source")))
    for kind in ("chemicals", "diseases"):
        type_ = kind[:-1]
        for item in _entity_list(fields, kind):
            if not isinstance(item, dict) or item.get("word") is None:
                continue
            word = str(item["word"])
            identifier = _str_or_none(item.get("identifier"))
            source = _str_or_none(item.get("source"))
            curie = f"{(source or 'mesh').lower()}:{identifier}" if identifier else None
            key = (type_, curie or word)
            b = builders.get(key)
            if b is None:
                b = builders[key] = _EntityBuilder(word, type_, curie)
            b.add(word, source)
    return [b.build() for b in builders.values()]


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def names(value: object) -> list[str]:
    """A field holding one name or a list of names (``organisms``, ``organisms_ner``) as a clean list:
    each stripped, non-empty, once.

    >>> names("Homo sapiens"), names([" Homo sapiens", None, "Homo sapiens", 9606]), names(None)
    (['Homo sapiens'], ['Homo sapiens', '9606'], [])
    """
    found: dict[str, None] = {}
    for item in value if isinstance(value, list) else (value,):
        if item is not None:
            name = str(item).strip()
            if name:
                found[name] = None
    return [*found]


# Keywords hold gene symbols first, then chemical words, then disease words (no ids, no labels).
_SYMBOL_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.:()@/_'-]*")
_CHEMICAL_MARKS = frozenset(" []+")
_CHEMICAL_SUFFIXES = ("ose", "ate", "ine", "ide", "ite", "ol", "one", "ane", "ene", "yl", "acid", "ium", "in", "ase")


def _keyword_type(word: str, in_gene_part: bool) -> str:
    """Guess a keyword's type from its look: symbol-like words are genes until the first chemical-like word."""
    chemical_like = not _CHEMICAL_MARKS.isdisjoint(word) or (
        len(word) > 4
        and not word.isupper()
        and word.lower().endswith(_CHEMICAL_SUFFIXES)
        and not any(c.isdigit() for c in word)
    )
    if chemical_like:
        return "chemical"
    if in_gene_part and len(word) <= 30 and _SYMBOL_LIKE.fullmatch(word):
        return _gene_type(word)
    return "keyword"


def _keyword_entities(fields: dict) -> list[Entity]:
    """Entities from ``schema-jsonld.keywords``: words typed by their look, no identifiers."""
    jsonld = fields.get("schema-jsonld")
    keywords = jsonld.get("keywords") if isinstance(jsonld, dict) else None
    if not isinstance(keywords, list):
        return []
    organisms = names(fields.get("organisms_ner"))
    organism = organisms[0] if len(organisms) == 1 else None
    entities = []
    seen = set()
    in_gene_part = True
    for word in keywords:
        if not isinstance(word, str) or word in seen:
            continue
        seen.add(word)
        type_ = _keyword_type(word, in_gene_part)
        in_gene_part = in_gene_part and type_ != "chemical"
        entities.append(
            Entity(
                word,
                type_,
                None,
                (word,),
                (ENTITY_SOURCE_KEYWORDS,),
                organism if type_ in ("gene", "miRNA") else None,
                (),
                None,
            )
        )
    return entities


# --- records ----------------------------------------------------------------------------------


def _check_figid(figid: str, path: Path) -> None:
    if any(sep in figid for sep in ("/", "\\", "\0", os.sep)) or ".." in figid or figid.startswith("."):
        raise RecordError(f"figid {figid!r} is not a plain file name (it would escape the output folder)", path)
    if not figid.isprintable() or figid != figid.strip():
        raise RecordError(f"figid {figid!r} holds blanks or control characters", path)
    if figid != path.stem:
        raise RecordError(f"figid {figid!r} does not match the file name {path.name!r}", path)


def read_record(path: str | PathLike[str], data_dir: str | PathLike[str] | None = None) -> FigureRecord:
    """Read one figure record and its tables; raise ``RecordError`` naming the file and the problem.

    ``data_dir`` is the folder of per-figure tables; by default ``<record folder>/../_data`` for a record
    in ``_figures/``, else the record's own folder if it holds ``<figid>-genes.tsv`` (or chemicals,
    diseases), else none. When tables exist, the record's ``schema-jsonld`` block (a copy of the caption
    and of the table words) is not parsed and is absent from ``fields``.

    >>> rec = read_record("tests/data/pfocr/_figures/PMC12170841__IJN-20-7415-g0001.md")
    >>> rec.entity_source, rec.entities[0].name, rec.entities[0].represents
    ('tables', 'IL4', 'ncbigene:3565')
    """
    path = Path(path)
    try:
        data = _read_bytes(path)
    except OSError as err:
        raise RecordError(f"cannot read record: {err.strerror}", path) from None
    whole = yaml_text(decode(data, path), path)

    # The figid must equal the file stem (checked below), so the tables can be looked up first.
    stem = path.stem
    folder = Path(data_dir) if data_dir is not None else layout.data_dir(path)
    table_bytes: dict[str, tuple[str, bytes]] = {}
    if folder is not None:
        for kind in TABLE_KINDS:
            table_path = os.path.join(folder, layout.table_name(stem, kind))  # str: this runs 3x per record
            content = _load_table_bytes(table_path, kind)
            if content is not None:
                table_bytes[kind] = (table_path, content)
    raw = parse_mapping_without(whole, "schema-jsonld", path) if table_bytes else parse_mapping(whole, path)
    fields = _clean(raw)
    figid = fields.get("figid")
    if not isinstance(figid, str) or not figid.strip():
        raise RecordError("missing or empty figid", path)
    _check_figid(figid, path)

    if table_bytes:
        tables = {kind: _parse_table(content, table_path, kind) for kind, (table_path, content) in table_bytes.items()}
        entities, source = _table_entities(tables), ENTITY_SOURCE_TABLES
    elif any(_entity_list(fields, kind) for kind in TABLE_KINDS):
        entities, source = _record_list_entities(fields), ENTITY_SOURCE_RECORD_LISTS
    else:
        entities, source = _keyword_entities(fields), ENTITY_SOURCE_KEYWORDS
    ndex = ndex_value(fields.get("ndex"), path)
    return FigureRecord(
        figid=figid,
        path=path,
        fields=fields,
        entities=tuple(entities),
        entity_source=source,
        ndex=ndex,
        data_dir=folder,
        extra={"tables": tuple(os.path.basename(table_path) for table_path, _ in table_bytes.values())},
    )
