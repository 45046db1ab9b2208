r"""Figure-record front matter: where it is, what it holds, and how one top-level key is changed.

One rule serves the reader (``records``) and the writer (``writeback``), Jekyll's: the PFOCR site reads a
record with ``YAML_FRONT_MATTER_REGEXP = %r!\A(---\s*\n.*?\n?)^((---|\.\.\.)\s*$\n?)!m`` (jekyll
``lib/jekyll/document.rb`` ``Document#read_content``) on the text read with encoding ``bom|utf-8``
(``lib/jekyll/utils.rb`` ``Utils.merged_file_read_opts``). Hence:

- a UTF-8 byte-order mark before the first line is skipped (and kept when the record is written);
- the first line is ``---``, then blanks, ended by LF or CRLF (Ruby's ``\s`` takes the CR);
- the front matter ends at the first later line that is ``---`` or ``...``, then blanks;
- a file whose lines end with CR alone has no front matter (Ruby's ``\n`` is LF only).

"Blanks" are Ruby's ``\s`` less the LF: space, tab, CR, form feed, vertical tab. Jekyll also asks
``Utils.has_yaml_header?`` (``\A---\s*\r?\n`` on the raw bytes) whether a collection file is a document at
all: a record starting with a BOM fails that test and Jekyll copies it as a static file instead of
building its page. Such records are still read (and written back byte-exact) here.

The YAML is parsed by a fast reader of the regular subset R's ``yaml::write_yaml`` emits (``key: value``,
folded plain and single-quoted scalars, ``- item`` lists, nested mappings); anything outside that subset
goes to ``yaml.CSafeLoader``, so results always equal what ``yaml.load(text, Loader=yaml.CSafeLoader)``
gives, except that aliases (``*name``) are refused: records never need them, and a few hundred bytes of
aliases expand to gigabytes.

A top-level key is found as YAML finds it (never a line inside a multi-line scalar), and ``set_key``
replaces or adds one ``key: value`` entry, changing no other byte, and checks the result by parsing it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from os import PathLike

import yaml

from .errors import RecordError

__all__ = [
    "AliasRefused",
    "decode",
    "locate",
    "newline",
    "parse_front_matter",
    "parse_mapping",
    "parse_mapping_without",
    "set_key",
    "yaml_text",
]

BOM = "\ufeff"
_BLANKS = " \t\r\f\v"
_CLOSING_LINE = re.compile(r"^(?:---|\.\.\.)[ \t\r\f\v]*$", re.M)
# libyaml's line breaks (its marks count lines by them)
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# --- the file ---------------------------------------------------------------------------------


def decode(data: bytes, path: str | PathLike[str]) -> str:
    """A record's (or table's) bytes as text: UTF-8, else ``RecordError`` naming the byte and line.

    >>> decode(b"---\\nfigid: x\\n---\\n", "x.md")
    '---\\nfigid: x\\n---\\n'
    """
    if b"\0" in data:
        raise RecordError("binary file (NUL bytes), not a text file", path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise RecordError(f"not valid UTF-8: byte 0x{data[err.start]:02x} on line {line}", path) from None


def locate(text: str, path: str | PathLike[str]) -> tuple[int, int]:
    """(start, end): the front matter is ``text[start:end]``, from the line after the opening ``---`` to
    the start of the closing ``---``/``...`` line. Raises ``RecordError`` when there is none.

    >>> locate("\\ufeff---\\r\\nfigid: x\\r\\n...\\r\\n", "x.md")
    (6, 16)
    """
    offset = 1 if text.startswith(BOM) else 0
    opening_end = text.find("\n", offset)
    if not text.startswith("---", offset) or opening_end < 0 or text[offset + 3 : opening_end].strip(_BLANKS):
        if "\n" not in text and "\r" in text:
            raise RecordError("lines end with CR alone: Jekyll reads no front matter there (use LF or CRLF)", path)
        raise RecordError("not a figure record: no YAML front matter (the file must start with a '---' line)", path)
    start = opening_end + 1
    # The usual closing line "---" is found with str.find; any earlier line starting with "---" or
    # "..." may close the front matter too, so the regex decides then.
    end = text.find("\n---\n", opening_end) + 1
    if end <= 0 or text.find("\n---", opening_end, end - 1) >= 0 or text.find("\n...", opening_end, end) >= 0:
        closing = _CLOSING_LINE.search(text, start)
        if closing is None:
            raise RecordError("unterminated YAML front matter (no closing '---' or '...' line)", path)
        end = closing.start()
    return start, end


def yaml_text(text: str, path: str | PathLike[str]) -> str:
    """The front matter's YAML, CRLF line endings made LF (libyaml reads both the same way).

    >>> yaml_text("---\\r\\nfigid: x\\r\\n---\\r\\n", "x.md")
    'figid: x\\n'
    """
    start, end = locate(text, path)
    body = text[start:end]
    return body.replace("\r\n", "\n") if "\r" in body else body


def newline(text: str) -> str:
    """The record's line ending, that of its first line: ``"\\r\\n"`` or ``"\\n"``."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


# --- parsing ----------------------------------------------------------------------------------


class AliasRefused(yaml.MarkedYAMLError):
    """The front matter uses a YAML alias (``*name``)."""


class _Unsupported(Exception):
    """The fast reader met something outside the R-yaml subset: let libyaml decide."""


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
        rf" {{{indent}}}(?:'([^'\n]*)'|([A-Za-z_][A-Za-z0-9_.-]*)):(?: +(.*))?\n((?: {{{indent + 1}}}.*\n)*)"
    )


@lru_cache(maxsize=16)
def _item_pattern(indent: int) -> re.Pattern[str]:
    """``- rest`` at ``indent``, then the lines indented deeper."""
    return re.compile(rf" {{{indent}}}- +(.*)\n((?: {{{indent + 1}}}.*\n)*)")


def _fast_mapping(text: str, pos: int, end: int, indent: int) -> dict:
    """The block mapping at ``indent`` spanning ``text[pos:end]``."""
    result: dict = {}
    open_key: str | None = None  # a key with nothing after it: the lines before the next key are its list
    for m in _entry_pattern(indent).finditer(text, pos, end):
        if m.start() != pos:
            pos = _fast_indentless_list(text, pos, m.start(), indent, open_key, result)
        quoted_key, plain_key, rest, block = m.groups()
        key: str = plain_key if quoted_key is None else quoted_key
        if quoted_key is None and key not in _STR_KEYS:
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
    return re.compile(rf"(?: {{{indent}}}- [^\n]*\n(?! {{{indent + 1}}}))+")


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
    for number, raw_line in enumerate(lines, start=1):
        line = raw_line.lstrip(" ")
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
    """Parse YAML front matter exactly as ``yaml.load(text, Loader=yaml.CSafeLoader)`` would, aliases refused.

    The R-yaml subset is read by a fast pure-Python reader; anything else goes to libyaml (whose errors,
    ``yaml.YAMLError``, propagate). An alias raises ``AliasRefused`` before anything is built.

    >>> parse_front_matter("figid: PMC1__f1\\nyear: '2019'\\norganisms:\\n- NA\\n")
    {'figid': 'PMC1__f1', 'year': '2019', 'organisms': ['NA']}
    """
    try:
        return _fast_load(text)
    except _Unsupported:
        pass
    if "*" in text:
        _refuse_aliases(text)
    return yaml.load(text, Loader=_LOADER)


def _refuse_aliases(text: str) -> None:
    try:
        for token in yaml.scan(text, Loader=_LOADER):
            if isinstance(token, yaml.AliasToken):
                raise AliasRefused(
                    problem=f"alias *{token.value} refused (figure records never use YAML aliases)",
                    problem_mark=token.start_mark,
                )
    except AliasRefused:
        raise
    except yaml.YAMLError:
        pass  # malformed: yaml.load says where


def parse_mapping(text: str, path: str | PathLike[str]) -> dict:
    """``parse_front_matter(text)``, which must be a mapping; ``RecordError`` naming ``path`` and the file line.

    >>> parse_mapping("figid: x\\ncaption: a: b\\n", "x.md")
    Traceback (most recent call last):
    pfocr_ndex.errors.RecordError: x.md: malformed YAML front matter at line 3: mapping values are not allowed...
    """
    try:
        fields = parse_front_matter(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""  # + the opening '---' line
        kind = "YAML alias" if isinstance(err, AliasRefused) else "malformed YAML front matter"
        raise RecordError(f"{kind}{where}: {getattr(err, 'problem', None) or err}", path) from None
    if not isinstance(fields, dict):
        raise RecordError("front matter is not a mapping of fields", path)
    return fields


def parse_mapping_without(text: str, key: str, path: str | PathLike[str]) -> dict:
    """``parse_mapping(text, path)`` less the top-level ``key``, whose block is not read when it stands on
    its own lines (``key:`` then indented lines; in records, the large ``schema-jsonld`` copy of the tables).

    The block is only skipped where YAML finds the key: the text before it and the text after it must each
    parse on their own (a ``key:`` line inside a multi-line scalar leaves one of them unreadable); otherwise
    the whole is parsed, and its errors name the lines of the whole.

    >>> parse_mapping_without("figid: x\\nskip:\\n  keywords:\\n  - TP53\\nyear: '2020'\\n", "skip", "x.md")
    {'figid': 'x', 'year': '2020'}
    """
    header = f"{key}:\n"
    start = 0 if text.startswith(header) else text.find(f"\n{header}") + 1
    if start or text.startswith(header):
        after = _TOP_LEVEL_LINE.search(text, start + len(header) - 1)
        end = after.start() + 1 if after else len(text)
        try:
            head = parse_front_matter(text[:start]) if start else {}
            tail = parse_front_matter(text[end:]) if end < len(text) else {}
        except yaml.YAMLError:
            head = tail = None
        if isinstance(head, dict) and isinstance(tail, dict):
            head.update(tail)  # a key in both: the later value at the first place, as YAML reads it
            head.pop(key, None)
            return head
    fields = parse_mapping(text, path)
    fields.pop(key, None)
    return fields


_TOP_LEVEL_LINE = re.compile(r"\n[^ ]")


# --- one top-level key ------------------------------------------------------------------------


def _key_lines(text: str, key: str, path: str | PathLike[str]) -> tuple[int, int] | None:
    """First and last line (0-based, libyaml's line breaks) of the top-level ``key`` entry of the
    mapping ``text``; None when there is no such key. ``RecordError`` when it cannot be told safely."""
    try:
        _fast_load(text)
    except _Unsupported:
        return _key_lines_from_libyaml(text, key, path)
    if text[-1:] != "\n":
        text += "\n"
    spans = []
    for m in _entry_pattern(0).finditer(text):  # the top-level entries, as _fast_load read them
        if (m.group(1) if m.group(1) is not None else m.group(2)) == key:
            first = text.count("\n", 0, m.start())
            spans.append((first, first + m.group().count("\n") - 1))
    return _only(spans, key, path)


def _key_lines_from_libyaml(text: str, key: str, path: str | PathLike[str]) -> tuple[int, int] | None:
    node = yaml.compose(text, Loader=_LOADER)
    if not isinstance(node, yaml.MappingNode):
        raise RecordError("front matter is not a mapping of fields", path)
    spans = []
    entries = node.value
    for number, (k, v) in enumerate(entries):
        if isinstance(k, yaml.ScalarNode) and k.tag == "tag:yaml.org,2002:str" and k.value == key:
            first, last = k.start_mark.line, _last_line(v)
            alone = k.start_mark.column == 0 and (number == 0 or _last_line(entries[number - 1][1]) < first)
            if not alone or (number + 1 < len(entries) and entries[number + 1][0].start_mark.line <= last):
                raise RecordError(f"the '{key}' entry shares its line with another one: not changed", path)
            spans.append((first, last))
    return _only(spans, key, path)


def _last_line(node: yaml.Node) -> int:
    """The last line holding part of ``node`` (a block scalar ends at the start of the next line)."""
    end = node.end_mark
    return end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line


def _only(spans: list[tuple[int, int]], key: str, path: str | PathLike[str]) -> tuple[int, int] | None:
    if len(spans) > 1:
        raise RecordError(f"the front matter has more than one '{key}' key", path)
    return spans[0] if spans else None


def set_key(text: str, key: str, value: str, path: str | PathLike[str]) -> str:
    """``text`` (a whole record) with the top-level entry ``key: value`` replacing the current one, or added
    just before the closing line in the record's line ending; every other character kept.

    ``value`` is written as given (YAML). Raises ``RecordError`` when the front matter is not a readable
    mapping, or when the result would not read as the record with only ``key`` changed.

    >>> set_key("---\\r\\ncaption: 'two\\r\\nndex: lines'\\r\\n---\\r\\n", "ndex", "abc", "x.md")
    "---\\r\\ncaption: 'two\\r\\nndex: lines'\\r\\nndex: abc\\r\\n---\\r\\n"
    """
    start, end = locate(text, path)
    body = yaml_text(text, path)
    before = parse_mapping(body, path)
    lines = _key_lines(body, key, path)
    if lines is None:
        new = f"{text[:end]}{key}: {value}{newline(text)}{text[end:]}"
    else:
        breaks = list(_LINE_BREAK.finditer(text, start, end))
        first, last = lines
        line_start = start if first == 0 else breaks[first - 1].end()
        line_end = breaks[last]
        new = f"{text[:line_start]}{key}: {value}{line_end.group()}{text[line_end.end() :]}"
    try:
        after = parse_front_matter(yaml_text(new, path))
    except yaml.YAMLError:
        after = None
    if after != {**before, key: parse_mapping(f"{key}: {value}\n", path)[key]}:
        raise RecordError(f"cannot locate the '{key}' line safely: the record is left as it is", path)
    return new
