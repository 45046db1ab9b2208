"""Read PFOCR figure records (``_figures/<figid>.md``) and their entity tables (``_data/``).

- ``iter_record_paths(paths)`` streams record paths from files / folders / database checkouts.
- ``read_record(path)`` parses one record and its tables into a ``FigureRecord`` or raises
  ``RecordError`` with a one-line reason.

Front matter is parsed by a fast reader of the regular subset R's ``yaml::write_yaml`` emits
(``key: value``, folded plain and single-quoted scalars, ``- item`` lists, nested mappings);
anything outside that subset goes to ``yaml.CSafeLoader``, so results always equal what
``yaml.load(front_matter, Loader=yaml.CSafeLoader)`` gives.

Entities come from, in order of preference (``FigureRecord.entity_source``):

- ``"tables"``: ``_data/<figid>-genes.tsv``, ``-chemicals.tsv``, ``-diseases.tsv``;
- ``"record lists"``: the legacy ``genes:``/``chemicals:``/``diseases:`` lists (human-only lexicon, so
  their genes are Homo sapiens);
- ``"schema-jsonld keywords"``: bare words without identifiers, typed by their look
  (``miRNA``/``gene`` for symbol-like words, ``chemical`` for chemical-looking words, else ``keyword``).

One entity per distinct thing, in table order of first appearance: genes keyed by NCBI Gene id and
named by ``ncbigene_symbol`` (else the OCR word), ``miRNA`` for MIR* symbols; chemicals keyed by ChEBI id
(``represents``) else MeSH id, diseases by DOID else MeSH (the other id goes to ``xrefs``), named by the
table's ``name`` (else the OCR word); every matching OCR word is kept in ``words``.

Gene-table rows naming a FamPlex family without a member gene (``ncbigene_symbol`` NA, ``ncbigene_id``
NaN) become one ``"gene family"`` entity per (organism, family), without ``represents``: the figure
does show the family, but no gene identifier exists for it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from os import PathLike
from pathlib import Path
from typing import NamedTuple

import yaml

from .errors import RecordError

__all__ = ["Entity", "FigureRecord", "RecordError", "iter_record_paths", "parse_front_matter", "read_record"]

ENTITY_SOURCE_TABLES = "tables"
ENTITY_SOURCE_RECORD_LISTS = "record lists"
ENTITY_SOURCE_KEYWORDS = "schema-jsonld keywords"


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
    ndex: str | None = None  # the UUID in the `ndex:` field, None when empty
    data_dir: Path | None = None  # the `_data/` folder used, if any
    extra: dict = field(default_factory=dict)


# --- record paths -----------------------------------------------------------------------------


def iter_record_paths(paths: Iterable[str | PathLike[str]]) -> Iterator[Path]:
    """Yield record files under ``paths`` (a ``.md`` file, a folder of records, or a database checkout), lazily.

    A file is yielded as given; a folder yields its ``*.md`` files in name order, a database checkout
    (a folder holding ``_figures/``) the records in ``_figures/``. Only one folder's names are held
    at a time.

    >>> [p.name for p in iter_record_paths(["tests/data/pfocr"])][:1]
    ['PMC10003241__ijms-24-04893-g003.md']
    """
    for path in paths:
        path = Path(path)
        if path.is_dir():
            figures = path / "_figures"
            folder = figures if figures.is_dir() else path
            with os.scandir(folder) as entries:
                names = sorted(e.name for e in entries if e.name.endswith(".md") and not e.name.startswith("."))
            for name in names:
                yield folder / name
        elif path.exists():
            yield path
        else:
            raise RecordError("no such file or directory", path)


# --- front matter -----------------------------------------------------------------------------


class _Unsupported(Exception):
    """The fast reader met something outside the R-yaml subset: let libyaml decide."""


_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M)
# Left to libyaml: tabs, CR, YAML 1.1 line breaks, BOM, control characters, and blank lines (they fold to "\n").
_HANDLED_BY_LIBYAML = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_BLANK_LINE = re.compile("\n *\n")
_PLAIN_START_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_SIMPLE_FLOAT = re.compile(r"[-+]?[0-9]+\.[0-9]+")
_SIMPLE_INT = re.compile(r"[-+]?[1-9][0-9]*|0")
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers
_FLOAT_TAG = "tag:yaml.org,2002:float"
_INT_TAG = "tag:yaml.org,2002:int"


def _resolve_plain(value: str) -> object:
    """Type a plain scalar as pyyaml's SafeLoader would; only str and simple numbers are handled here."""
    for tag, regexp in _IMPLICIT.get(value[:1], ()):
        if regexp.match(value):
            if tag == _FLOAT_TAG and _SIMPLE_FLOAT.fullmatch(value):
                return float(value)
            if tag == _INT_TAG and _SIMPLE_INT.fullmatch(value):
                return int(value)
            raise _Unsupported
    return value


@lru_cache(maxsize=16)
def _entry_pattern(indent: int) -> re.Pattern[str]:
    """``key: rest`` at ``indent`` (key plain or single-quoted), then the lines indented deeper."""
    return re.compile(
        r" {%d}(?:'([^'\n]*)'|([A-Za-z_][A-Za-z0-9_.-]*)):(?: +(.*))?\n((?: {%d}.*\n)*)" % (indent, indent + 1)
    )


@lru_cache(maxsize=16)
def _item_pattern(indent: int) -> re.Pattern[str]:
    """``- rest`` at ``indent``, then the lines indented deeper."""
    return re.compile(r" {%d}- +(.*)\n((?: {%d}.*\n)*)" % (indent, indent + 1))


def _fast_mapping(text: str, pos: int, end: int, indent: int) -> dict:
    """The block mapping at ``indent`` spanning ``text[pos:end]``."""
    result: dict = {}
    open_key = None  # a key with nothing after it: the lines before the next key are its list
    for m in _entry_pattern(indent).finditer(text, pos, end):
        if m.start() != pos:
            pos = _fast_indentless_list(text, pos, m.start(), indent, open_key, result)
        quoted_key, key, rest, block = m.groups()
        if quoted_key is not None:
            key = quoted_key
        elif key not in _STR_KEYS:
            if _resolve_plain(key) is not key:
                raise _Unsupported
            _STR_KEYS.add(key)
        if key in result:
            raise _Unsupported
        pos = m.end()
        open_key = None
        if rest:
            if block or rest[0] in _PLAIN_START_INDICATORS:
                result[key] = _fast_scalar(rest, block)
                continue
            value = rest.rstrip(" ")  # the common one-line plain value, inlined
            if ": " in value or " #" in value or value[-1] == ":":
                raise _Unsupported
            result[key] = _resolve_plain(value) if value[:1] in _IMPLICIT else value
        elif block:
            result[key] = _fast_block(text, m.start(4), pos)
        else:
            result[key] = None
            open_key = key
    if pos != end:
        _fast_indentless_list(text, pos, end, indent, open_key, result)
    return result


_STR_KEYS: set[str] = set()  # plain keys already known to resolve to themselves


def _fast_indentless_list(text: str, pos: int, end: int, indent: int, key: str | None, result: dict) -> int:
    """``text[pos:end]`` must be the ``- item`` lines of ``key`` (R writes lists at the key's own indent)."""
    if key is None:
        raise _Unsupported
    items, pos = _fast_sequence(text, pos, end, indent)
    if pos != end:
        raise _Unsupported
    result[key] = items
    return pos


def _fast_block(text: str, pos: int, end: int) -> object:
    indent = _count_spaces(text, pos)
    if text.startswith("- ", pos + indent):
        items, pos = _fast_sequence(text, pos, end, indent)
        if pos != end:
            raise _Unsupported
        return items
    return _fast_mapping(text, pos, end, indent)


def _count_spaces(text: str, pos: int) -> int:
    n = pos
    while text[n] == " ":
        n += 1
    return n - pos


def _fast_sequence(text: str, pos: int, end: int, indent: int) -> tuple[list, int]:
    items: list = []
    run = _one_line_items_pattern(indent).match(text, pos, end)
    if run is not None:  # the common case: a run of one-line plain items, checked all at once
        values = [line[indent + 2 :].strip(" ") for line in run.group().split("\n")[:-1]]
        if not _SPECIAL_ITEM.search("\n".join(values)):
            items = [_resolve_plain(v) if v[:1] in _IMPLICIT else v for v in values]
            pos = run.end()
    item = _item_pattern(indent)
    while True:
        m = item.match(text, pos, end)
        if m is None:
            return items, pos
        rest, block = m.groups()
        if not rest:
            raise _Unsupported
        items.append(_fast_scalar(rest, block))
        pos = m.end()


@lru_cache(maxsize=16)
def _one_line_items_pattern(indent: int) -> re.Pattern[str]:
    """A run of ``- item`` lines at ``indent``, none continued on a deeper line."""
    return re.compile(r"(?: {%d}- [^\n]*\n(?! {%d}))+" % (indent, indent + 1))


# An item needing a closer look: empty, starting with an indicator (quotes included), or holding
# ": ", " #" or a final ":".
_SPECIAL_ITEM = re.compile(r"(?m)^(?:$|[-?:,\[\]{}#&*!|>'\"%@`])|: | #|:$")


def _fast_scalar(rest: str, block: str) -> object:
    """A plain or single-quoted scalar: ``rest`` of its first line, then its continuation ``block``."""
    if rest[0] == "'":
        return _fast_single_quoted(rest, block)
    if rest[0] in _PLAIN_START_INDICATORS:
        raise _Unsupported
    if block:
        lines = block.split("\n")
        lines[-1] = rest.rstrip(" ")  # block ends with a newline: reuse that empty last slot
        value = " ".join([lines[-1], *(line.strip(" ") for line in lines[:-1])])
    else:
        value = rest.rstrip(" ")
    # ": " or a final ":" would start a mapping, " #" a comment: the join puts a space before a
    # continuation line's first character, so checking the joined value covers line starts too.
    if ": " in value or " #" in value or value[-1] == ":":
        raise _Unsupported
    return _resolve_plain(value)


def _fast_single_quoted(rest: str, block: str) -> str:
    body = rest[1:]
    close = _closing_quote(body)
    if close >= 0:
        if block or body[close + 1 :].strip(" "):
            raise _Unsupported
        return body[:close].replace("''", "'")
    pieces = [body.rstrip(" ")]
    lines = block.split("\n")
    lines.pop()
    for number, line in enumerate(lines, start=1):
        line = line.lstrip(" ")
        close = _closing_quote(line)
        if close >= 0:
            if number != len(lines) or line[close + 1 :].strip(" "):
                raise _Unsupported
            pieces.append(line[:close])
            return " ".join(pieces).replace("''", "'")
        pieces.append(line.rstrip(" "))
    raise _Unsupported


def _closing_quote(body: str) -> int:
    """Position of the quote closing a single-quoted scalar in ``body``, -1 if none ('' is an escape)."""
    pos = 0
    while True:
        q = body.find("'", pos)
        if q < 0 or q + 1 >= len(body) or body[q + 1] != "'":
            return q
        pos = q + 2


def _fast_load(text: str) -> dict:
    """Read the R-yaml subset; raise ``_Unsupported`` for anything else."""
    if not text or _HANDLED_BY_LIBYAML.search(text) or _BLANK_LINE.search(text):
        raise _Unsupported
    if text[-1] != "\n":
        text += "\n"
    return _fast_mapping(text, 0, len(text), 0)


def parse_front_matter(text: str) -> object:
    """Parse YAML front matter exactly as ``yaml.load(text, Loader=yaml.CSafeLoader)`` would.

    The R-yaml subset is read by a fast pure-Python reader; anything else goes to libyaml
    (whose errors, ``yaml.YAMLError``, propagate).

    >>> parse_front_matter("figid: PMC1__f1\\nyear: '2019'\\norganisms:\\n- NA\\n")
    {'figid': 'PMC1__f1', 'year': '2019', 'organisms': ['NA']}
    """
    try:
        return _fast_load(text)
    except _Unsupported:
        return yaml.load(text, Loader=_LOADER)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _split_front_matter(text: str, path: Path) -> str:
    """The YAML between the ``---`` lines (it starts on the file's line 2)."""
    first_end = text.find("\n")
    if first_end < 0 or text[:first_end].rstrip(" \t\r") != "---":
        raise RecordError("not a figure record: no YAML front matter (the file must start with a '---' line)", path)
    end = text.find("\n---\n", first_end - 1) + 1  # the usual closing line, found fast
    if (
        end <= first_end
        or text.find("\n---", first_end - 1, end - 1) >= 0
        or text.find("\n...", first_end - 1, end) >= 0
    ):  # an earlier candidate: let the regex decide
        m = _FRONT_MATTER_END.search(text, first_end + 1)
        if m is None:
            raise RecordError("unterminated YAML front matter (no closing '---' line)", path)
        end = m.start()
    return text[first_end + 1 : end]


# --- NA cleaning ------------------------------------------------------------------------------

_NA_STRINGS = frozenset((".na.character", "NA", ""))


def _is_na(value: object) -> bool:
    return value is None or (type(value) is str and value in _NA_STRINGS)


def _clean(value: object) -> object:
    """Drop R missing values: ``.na.character``, ``NA``, ``''`` and null, in mappings and lists."""
    if type(value) is dict:
        out = {}
        for k, v in value.items():
            if type(v) is str:
                if v not in _NA_STRINGS:
                    out[k] = v
            elif type(v) is dict or type(v) is list:
                v = _clean(v)
                if v != []:
                    out[k] = v
            elif v is not None:
                out[k] = v
        return out
    if type(value) is list:
        return [v if type(v) is str else _clean(v) for v in value if not _is_na(v)]
    return value


# --- entities ---------------------------------------------------------------------------------

TABLE_KINDS = ("genes", "chemicals", "diseases")
_TABLE_COLUMNS = {
    "genes": ("organism_id", "organism_name", "word", "match", "ncbigene_symbol", "ncbigene_id", "source"),
    "chemicals": ("word", "mesh", "match", "name", "chebi"),
    "diseases": ("word", "mesh", "match", "name", "doid"),
}
_TABLE_NA = frozenset(("NA", "NaN", ""))
_MIRNA = re.compile(r"(?i)(?!.*hg$)mir(?:let)?-?\d+[a-z]*\d*(?:[-.]\d+[a-z]*\d*)*")


def _gene_type(symbol: str) -> str:
    return "miRNA" if symbol[:3] in _MIR_PREFIXES and _MIRNA.fullmatch(symbol) else "gene"


_MIR_PREFIXES = frozenset(("MIR", "Mir", "mir", "miR", "MiR"))


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
    text = _decode(data, path)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if not lines:
        raise RecordError(f"empty {kind} table (no header row)", path)
    header = lines[0].split("\t")
    missing = [c for c in _TABLE_COLUMNS[kind] if c not in header]
    if missing:
        raise RecordError(f"{kind} table lacks column(s) {', '.join(missing)} (header: {' '.join(header)})", path)
    width = len(header)
    rows = [line.split("\t") for line in lines[1:]]
    if rows and set(map(len, rows)) != {width}:
        number, values = next((n, v) for n, v in enumerate(rows, start=2) if len(v) != width)
        raise RecordError(f"{kind} table line {number} has {len(values)} fields, the header has {width}", path)
    return _Table(path, kind, {c: header.index(c) for c in _TABLE_COLUMNS[kind]}, rows)


def _na(value: str) -> str | None:
    return None if value in _TABLE_NA else value


def _gene_entities(table: _Table) -> list[Entity]:
    """One entity per NCBI Gene id (or per FamPlex family without member), in order of first row."""
    c = table.columns
    i_taxon, i_organism, i_word, i_match = c["organism_id"], c["organism_name"], c["word"], c["match"]
    i_symbol, i_id, i_source = c["ncbigene_symbol"], c["ncbigene_id"], c["source"]
    na = _TABLE_NA
    groups: dict[object, list[list[str]]] = {}  # the rows of each entity, in order of first row
    for row in table.rows:
        key: object = row[i_id]
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
        if len(group) == 1:  # most genes are named by one row
            words = (row[i_word],)
            sources = () if row[i_source] == "NA" else (row[i_source],)
        else:
            words = tuple(dict.fromkeys([r[i_word] for r in group]))
            sources = tuple(s for s in dict.fromkeys([r[i_source] for r in group]) if s != "NA")
        organism, taxon = row[i_organism], row[i_taxon]
        if type(key) is tuple:
            name = row[i_match] if row[i_match] not in na else row[i_word]
            type_, represents = "gene family", None
        elif key.isdigit() and key.isascii():
            name = row[i_symbol] if row[i_symbol] not in na else row[i_word]
            type_ = "miRNA" if name[:3] in _MIR_PREFIXES and _MIRNA.fullmatch(name) else "gene"
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


def _record_list_entities(fields: dict) -> list[Entity]:
    """Entities from the legacy (2020–2021) ``genes:``/``chemicals:``/``diseases:`` lists."""
    builders: dict[object, _EntityBuilder] = {}
    for item in fields.get("genes", ()):
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
        for item in fields.get(kind, ()):
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
        return "miRNA" if word[:3] in _MIR_PREFIXES and _MIRNA.fullmatch(word) else "gene"
    return "keyword"


def _keyword_entities(fields: dict) -> list[Entity]:
    """Entities from ``schema-jsonld.keywords``: words typed by their look, no identifiers."""
    jsonld = fields.get("schema-jsonld")
    keywords = jsonld.get("keywords") if isinstance(jsonld, dict) else None
    if not isinstance(keywords, list):
        return []
    organisms = [o for o in fields.get("organisms_ner", ()) if isinstance(o, str)]
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


def _decode(data: bytes, path: str | Path) -> str:
    if b"\0" in data:
        raise RecordError("binary file (NUL bytes), not a text file", path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise RecordError(f"not valid UTF-8: byte 0x{data[err.start]:02x} on line {line}", path) from None


def _check_figid(figid: str, path: Path) -> None:
    if any(sep in figid for sep in ("/", "\\", "\0", os.sep)) or ".." in figid or figid.startswith("."):
        raise RecordError(f"figid {figid!r} is not a plain file name (it would escape the output folder)", path)
    if not figid.isprintable() or figid != figid.strip():
        raise RecordError(f"figid {figid!r} holds blanks or control characters", path)
    if figid != path.stem:
        raise RecordError(f"figid {figid!r} does not match the file name {path.name!r}", path)


def _find_data_dir(folder: str, figid: str) -> str | None:
    """``<folder>/../_data`` for a record in ``_figures/``, else ``folder`` if it holds this figure's tables."""
    data_dir = _database_data_dir(folder)
    if data_dir is not None:
        return data_dir
    if any(os.path.isfile(os.path.join(folder, f"{figid}-{kind}.tsv")) for kind in TABLE_KINDS):
        return folder
    return None


@lru_cache(maxsize=64)
def _database_data_dir(folder: str) -> str | None:
    if os.path.basename(folder) == "_figures":
        data_dir = os.path.join(os.path.dirname(folder), "_data")
        if os.path.isdir(data_dir):
            return data_dir
    return None


@lru_cache(maxsize=64)
def _as_path(folder: str) -> Path:
    return Path(folder)


def _without_schema_jsonld(front_matter: str) -> str:
    """The front matter minus its top-level ``schema-jsonld:`` block (a copy of the caption and table words)."""
    if front_matter.startswith("schema-jsonld:\n"):
        start = 0
    else:
        start = front_matter.find("\nschema-jsonld:\n") + 1
        if start == 0:
            return front_matter
    end = _NEXT_TOP_LEVEL_LINE.search(front_matter, start)
    return front_matter[:start] + (front_matter[end.start() + 1 :] if end else "")


_NEXT_TOP_LEVEL_LINE = re.compile(r"\n[^ ]")


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
    front_matter = _split_front_matter(_decode(data, path), path)

    # The figid must equal the file stem (checked below), so the tables can be looked up first.
    stem = path.stem
    folder = os.fspath(data_dir) if data_dir is not None else _find_data_dir(os.path.dirname(path), stem)
    table_bytes: dict[str, tuple[str, bytes]] = {}
    if folder is not None:
        for kind in TABLE_KINDS:
            table_path = os.path.join(folder, f"{stem}-{kind}.tsv")
            content = _load_table_bytes(table_path, kind)
            if content is not None:
                table_bytes[kind] = (table_path, content)
    if table_bytes:
        front_matter = _without_schema_jsonld(front_matter)

    try:
        raw = parse_front_matter(front_matter)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise RecordError(f"malformed YAML front matter{where}: {problem}", path) from None
    if not isinstance(raw, dict):
        raise RecordError("front matter is not a mapping of fields", path)
    fields = _clean(raw)
    figid = fields.get("figid")
    if not isinstance(figid, str) or not figid.strip():
        raise RecordError("missing or empty figid", path)
    _check_figid(figid, path)

    if table_bytes:
        tables = {kind: _parse_table(content, table_path, kind) for kind, (table_path, content) in table_bytes.items()}
        entities, source = _table_entities(tables), ENTITY_SOURCE_TABLES
    elif any(fields.get(kind) for kind in TABLE_KINDS):
        entities, source = _record_list_entities(fields), ENTITY_SOURCE_RECORD_LISTS
    else:
        entities, source = _keyword_entities(fields), ENTITY_SOURCE_KEYWORDS
    ndex = fields.get("ndex")
    return FigureRecord(
        figid=figid,
        path=path,
        fields=fields,
        entities=tuple(entities),
        entity_source=source,
        ndex=ndex if isinstance(ndex, str) else None,
        data_dir=None if folder is None else _as_path(folder),
        extra={"tables": tuple(os.path.basename(table_path) for table_path, _ in table_bytes.values())},
    )
