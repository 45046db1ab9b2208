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

Gene-table rows naming a FamPlex family without a member gene (``ncbigene_symbol`` NA, ``ncbigene_id``
NaN) become one ``"gene family"`` entity per (organism, family), without ``represents``: the figure
does show the family, but no gene identifier exists for it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import yaml

from .errors import RecordError

__all__ = ["Entity", "FigureRecord", "RecordError", "iter_record_paths", "read_record", "parse_front_matter"]

ENTITY_SOURCE_TABLES = "tables"
ENTITY_SOURCE_RECORD_LISTS = "record lists"
ENTITY_SOURCE_KEYWORDS = "schema-jsonld keywords"


@dataclass(frozen=True, slots=True)
class Entity:
    """One distinct entity found in a figure: becomes one network node."""

    name: str                       # gene symbol / chemical or disease name / keyword
    type: str                       # "gene", "miRNA", "gene family", "chemical", "disease", "keyword"
    represents: str | None = None   # "ncbigene:7157", "chebi:35366", "mesh:D005227", "doid:…"
    words: tuple[str, ...] = ()     # OCR words that matched it
    sources: tuple[str, ...] = ()   # match sources (ncbigene_symbol, famplex_relations, …)
    organism: str | None = None     # organism name (genes)
    xrefs: tuple[str, ...] = ()     # further CURIEs (e.g. the mesh id of a chemical represented by chebi)
    taxon: str | None = None        # NCBI Taxonomy id of ``organism`` when the table gives it ("9606")


@dataclass(frozen=True, slots=True)
class FigureRecord:
    """A figure's metadata and entities, read from its record and tables."""

    figid: str
    path: Path                      # the record file
    fields: dict                    # the parsed front matter, NA values (.na.character, NA, '', null) removed
    entities: tuple[Entity, ...]
    entity_source: str              # where the entities came from: "tables", "record lists", "schema-jsonld keywords"
    ndex: str | None = None         # the UUID in the `ndex:` field, None when empty
    data_dir: Path | None = None    # the `_data/` folder used, if any
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
# Characters the fast reader leaves to libyaml: tabs, CR, YAML 1.1 line breaks, BOM, controls.
_HANDLED_BY_LIBYAML = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_KEY = re.compile(r"(?:'([^'\n]*)'|([A-Za-z_][A-Za-z0-9_.-]*)):(?: +|$)")
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


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class _FastReader:
    """Recursive-descent reader for the block subset of YAML that R's yaml package writes."""

    __slots__ = ("lines",)

    def __init__(self, text: str) -> None:
        if _HANDLED_BY_LIBYAML.search(text):
            raise _Unsupported
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for line in lines:
            if not line.strip(" "):
                raise _Unsupported  # blank lines fold into newlines: rare, left to libyaml
        self.lines = lines

    def read(self) -> dict:
        if not self.lines or _indent_of(self.lines[0]) != 0:
            raise _Unsupported
        mapping, i = self._mapping(0, 0)
        if i != len(self.lines):
            raise _Unsupported
        return mapping

    def _mapping(self, i: int, indent: int) -> tuple[dict, int]:
        lines = self.lines
        result: dict = {}
        while i < len(lines):
            line = lines[i]
            ind = _indent_of(line)
            if ind < indent:
                break
            if ind > indent:
                raise _Unsupported
            m = _KEY.match(line, indent)
            if m is None:
                raise _Unsupported
            key = m.group(1)
            if key is None:
                key = m.group(2)
                if _resolve_plain(key) is not key:
                    raise _Unsupported
            if key in result:
                raise _Unsupported
            rest = line[m.end():]
            i += 1
            if not rest:
                result[key], i = self._block_value(i, indent)
            else:
                result[key], i = self._scalar(rest, i, indent)
        return result, i

    def _block_value(self, i: int, indent: int) -> tuple[object, int]:
        """The value of ``key:`` with nothing after the colon: a nested block, or null."""
        lines = self.lines
        if i < len(lines):
            line = lines[i]
            ind = _indent_of(line)
            is_item = line.startswith("- ", ind) or len(line) == ind + 1 and line[ind] == "-"
            if is_item and ind >= indent:
                return self._sequence(i, ind)
            if ind > indent:
                return self._mapping(i, ind)
        return None, i

    def _sequence(self, i: int, indent: int) -> tuple[list, int]:
        lines = self.lines
        n = len(lines)
        item_prefix = " " * indent + "- "
        deeper = " " * (indent + 1)
        start = indent + 2
        items: list = []
        while i < n:
            line = lines[i]
            if not line.startswith(item_prefix):
                if line.startswith(deeper) or line.startswith("-", indent):
                    raise _Unsupported
                break
            i += 1
            rest = line[start:]
            if not rest.strip(" "):
                raise _Unsupported
            if i < n and lines[i].startswith(deeper) or rest[:1] in _PLAIN_START_INDICATORS or rest[:1] == " ":
                item, i = self._scalar(rest.lstrip(" "), i, indent)
            else:  # the common one-line plain item
                if ": " in rest or " #" in rest or rest[-1] == ":":
                    raise _Unsupported
                item = _resolve_plain(rest.rstrip(" "))
            items.append(item)
        return items, i

    def _continuation(self, i: int, indent: int) -> int:
        """Index after the lines that continue a scalar (those indented deeper than ``indent``)."""
        lines = self.lines
        deeper = " " * (indent + 1)
        while i < len(lines) and lines[i].startswith(deeper):
            i += 1
        return i

    def _scalar(self, text: str, i: int, indent: int) -> tuple[object, int]:
        """A scalar starting with ``text`` on the previous line, continued on following deeper lines."""
        end = self._continuation(i, indent)
        if text[0] == "'":
            return self._single_quoted(text, i, end), end
        if text[0] in _PLAIN_START_INDICATORS:
            raise _Unsupported
        pieces = [text.rstrip(" ")]
        for j in range(i, end):
            piece = self.lines[j].strip(" ")
            if piece[0] == "#":
                raise _Unsupported
            pieces.append(piece)
        for piece in pieces:
            if ": " in piece or " #" in piece or piece[-1] == ":":
                raise _Unsupported
        return _resolve_plain(" ".join(pieces)), end

    def _single_quoted(self, text: str, i: int, end: int) -> str:
        lines = self.lines
        pieces = []
        body = text[1:]
        j = i
        while True:
            close = _closing_quote(body)
            if close >= 0:
                if body[close + 1:].strip(" "):
                    raise _Unsupported
                pieces.append(body[:close] if j == i else body[:close].lstrip(" "))
                break
            pieces.append(body.rstrip(" ") if j == i else body.strip(" "))
            if j >= end:
                raise _Unsupported
            body = lines[j]
            j += 1
        if j != end:
            raise _Unsupported
        return " ".join(pieces).replace("''", "'")


def _closing_quote(body: str) -> int:
    """Position of the quote closing a single-quoted scalar in ``body``, -1 if none ('' is an escape)."""
    pos = 0
    while True:
        q = body.find("'", pos)
        if q < 0 or q + 1 >= len(body) or body[q + 1] != "'":
            return q
        pos = q + 2


def parse_front_matter(text: str) -> object:
    """Parse YAML front matter exactly as ``yaml.load(text, Loader=yaml.CSafeLoader)`` would.

    The R-yaml subset is read by a fast pure-Python reader; anything else goes to libyaml
    (whose errors, ``yaml.YAMLError``, propagate).

    >>> parse_front_matter("figid: PMC1__f1\\nyear: '2019'\\norganisms:\\n- NA\\n")
    {'figid': 'PMC1__f1', 'year': '2019', 'organisms': ['NA']}
    """
    try:
        return _FastReader(text).read()
    except _Unsupported:
        return yaml.load(text, Loader=_LOADER)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _split_front_matter(text: str, path: Path) -> str:
    """The YAML between the ``---`` lines (it starts on the file's line 2)."""
    first_end = text.find("\n")
    if first_end < 0 or text[:first_end].rstrip(" \t\r") != "---":
        raise RecordError("not a figure record: no YAML front matter (the file must start with a '---' line)", path)
    m = _FRONT_MATTER_END.search(text, first_end + 1)
    if m is None:
        raise RecordError("unterminated YAML front matter (no closing '---' line)", path)
    return text[first_end + 1:m.start()]


# --- NA cleaning ------------------------------------------------------------------------------

_NA_STRINGS = frozenset((".na.character", "NA", ""))


def _is_na(value: object) -> bool:
    return value is None or (isinstance(value, str) and value in _NA_STRINGS)


def _clean(value: object) -> object:
    """Drop R missing values: ``.na.character``, ``NA``, ``''`` and null, in mappings and lists."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not _is_na(v):
                v = _clean(v)
                if v != []:
                    out[k] = v
        return out
    if isinstance(value, list):
        return [v if isinstance(v, str) else _clean(v) for v in value if not _is_na(v)]
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
_GENE_ID = re.compile(r"[0-9]+")


def _gene_type(symbol: str) -> str:
    return "miRNA" if _MIRNA.fullmatch(symbol) else "gene"


class _EntityBuilder:
    """Accumulates one entity's words, sources and ids over the rows naming it."""

    __slots__ = ("name", "type", "represents", "words", "sources", "organism", "xrefs", "taxon")

    def __init__(self, name: str, type: str, represents: str | None = None,
                 organism: str | None = None, taxon: str | None = None) -> None:
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
        return Entity(self.name, self.type, self.represents, tuple(self.words), tuple(self.sources),
                      self.organism, tuple(self.xrefs), self.taxon)


class _Table:
    """A per-figure TSV: its path, column positions and rows (lists of str, ``NA``/``NaN`` kept)."""

    __slots__ = ("path", "kind", "columns", "rows")

    def __init__(self, path: Path, kind: str, columns: dict[str, int], rows: list[list[str]]) -> None:
        self.path, self.kind, self.columns, self.rows = path, kind, columns, rows


def _read_table(path: Path, kind: str) -> _Table | None:
    """Read a per-figure TSV (columns found by header name), or None when it does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise RecordError(f"cannot read {kind} table: {err.strerror}", path) from None
    lines = _decode(data, path).split("\n")
    if lines[-1] == "":
        lines.pop()
    if not lines:
        raise RecordError(f"empty {kind} table (no header row)", path)
    header = lines[0].rstrip("\r").split("\t")
    missing = [c for c in _TABLE_COLUMNS[kind] if c not in header]
    if missing:
        raise RecordError(f"{kind} table lacks column(s) {', '.join(missing)} "
                          f"(header: {' '.join(header)})", path)
    width = len(header)
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        values = line.split("\t")
        if len(values) != width:
            raise RecordError(f"{kind} table line {number} has {len(values)} fields, "
                              f"the header has {width}", path)
        if values[-1][-1:] == "\r":
            values[-1] = values[-1][:-1]
        rows.append(values)
    return _Table(path, kind, {c: header.index(c) for c in _TABLE_COLUMNS[kind]}, rows)


def _na(value: str) -> str | None:
    return None if value in _TABLE_NA else value


def _table_entities(tables: dict[str, _Table]) -> list[Entity]:
    builders: dict[object, _EntityBuilder] = {}
    genes = tables.get("genes")
    if genes is not None:
        c = genes.columns
        i_taxon, i_organism, i_word, i_match = c["organism_id"], c["organism_name"], c["word"], c["match"]
        i_symbol, i_id, i_source = c["ncbigene_symbol"], c["ncbigene_id"], c["source"]
        for row in genes.rows:
            gene_id = row[i_id]
            if gene_id in _TABLE_NA:
                key: object = ("family", row[i_taxon], row[i_match], row[i_word])
                gene_id = None
            else:
                key = gene_id
            b = builders.get(key)
            if b is None:
                if gene_id is None:
                    b = _EntityBuilder(_na(row[i_match]) or row[i_word], "gene family", None,
                                       _na(row[i_organism]), _na(row[i_taxon]))
                else:
                    if not _GENE_ID.fullmatch(gene_id):
                        raise RecordError(f"genes table: ncbigene_id {gene_id!r} is not a number", genes.path)
                    name = _na(row[i_symbol]) or row[i_word]
                    b = _EntityBuilder(name, _gene_type(name), f"ncbigene:{gene_id}",
                                       _na(row[i_organism]), _na(row[i_taxon]))
                builders[key] = b
            b.add(row[i_word], _na(row[i_source]))
    for kind, preferred, other in (("chemicals", "chebi", "mesh"), ("diseases", "doid", "mesh")):
        table = tables.get(kind)
        if table is None:
            continue
        type_ = kind[:-1]
        c = table.columns
        i_first, i_second, i_word, i_name = c[preferred], c[other], c["word"], c["name"]
        for row in table.rows:
            first, second, word = _na(row[i_first]), _na(row[i_second]), row[i_word]
            b = builders.get((type_, first)) if first else None
            if b is None and second:
                b = builders.get((type_, second))
            if b is None and not first and not second:
                b = builders.get((type_, "word", word))
            if b is None:
                b = _EntityBuilder(_na(row[i_name]) or word, type_, first or second)
                if not first and not second:
                    builders[(type_, "word", word)] = b
            elif b.represents is None and (first or second):
                b.represents = first or second
            for curie in (first, second):
                if curie:
                    builders.setdefault((type_, curie), b)
            b.add(word, None, first, second)
    return [b.build() for b in dict.fromkeys(builders.values())]


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
            b = builders[key] = _EntityBuilder(symbol, _gene_type(symbol),
                                               f"ncbigene:{entrez}" if entrez else None, "Homo sapiens", "9606")
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
_CHEMICAL_LIKE = re.compile(
    r"(?i).*(?:\s|[\[\]+]|ose$|ate$|ine$|ide$|ite$|ol$|one$|ane$|ene$|yl$|acid$|ium$|in$|one$|ase$)")


def _keyword_type(word: str, in_gene_part: bool) -> str:
    if in_gene_part and len(word) <= 30 and _SYMBOL_LIKE.fullmatch(word):
        if _MIRNA.fullmatch(word):
            return "miRNA"
        if any(c.isdigit() for c in word) or word.isupper() or not word[1:].islower() or len(word) <= 4:
            return "gene"
    return "chemical" if _CHEMICAL_LIKE.match(word) else "keyword"


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
        in_gene_part = type_ in ("gene", "miRNA")
        entities.append(Entity(word, type_, None, (word,), (ENTITY_SOURCE_KEYWORDS,),
                               organism if in_gene_part else None))
    return entities


# --- records ----------------------------------------------------------------------------------

def _decode(data: bytes, path: Path) -> str:
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


def _find_data_dir(path: Path, figid: str) -> Path | None:
    folder = path.parent
    if folder.name == "_figures":
        data_dir = folder.parent / "_data"
        if data_dir.is_dir():
            return data_dir
    if any((folder / f"{figid}-{kind}.tsv").is_file() for kind in TABLE_KINDS):
        return folder
    return None


def read_record(path: str | PathLike[str], data_dir: str | PathLike[str] | None = None) -> FigureRecord:
    """Read one figure record and its tables; raise ``RecordError`` naming the file and the problem.

    ``data_dir`` is the folder of per-figure tables; by default ``<record folder>/../_data`` for a record
    in ``_figures/``, else the record's own folder if it holds ``<figid>-genes.tsv`` (or chemicals,
    diseases), else none.

    >>> rec = read_record("tests/data/pfocr/_figures/PMC12170841__IJN-20-7415-g0001.md")
    >>> rec.entity_source, rec.entities[0].name, rec.entities[0].represents
    ('tables', 'IL4', 'ncbigene:3565')
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise RecordError(f"cannot read record: {err.strerror}", path) from None
    front_matter = _split_front_matter(_decode(data, path), path)
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

    folder = Path(data_dir) if data_dir is not None else _find_data_dir(path, figid)
    tables: dict[str, _Table] = {}
    if folder is not None:
        for kind in TABLE_KINDS:
            table = _read_table(folder / f"{figid}-{kind}.tsv", kind)
            if table is not None:
                tables[kind] = table
    if tables:
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
        data_dir=folder,
        extra={"tables": tuple(t.path.name for t in tables.values())},
    )
