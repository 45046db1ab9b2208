"""The front-matter rule (Jekyll's) and the fast YAML reader: libyaml is the oracle, every sample record and
synthetic R-like documents; where the front matter starts and ends (BOM, CRLF, CR, ``...``); aliases refused;
one top-level key found as YAML finds it and changed in the record's style."""

from __future__ import annotations

import random
import re

import pytest
import yaml
from conftest import SAMPLE_DB, front_matter, libyaml

from pfocr_ndex import frontmatter
from pfocr_ndex.errors import RecordError
from pfocr_ndex.frontmatter import AliasRefused, locate, parse_front_matter, set_key, yaml_text

FIGURES = SAMPLE_DB / "_figures"
ALL_RECORDS = sorted(FIGURES.glob("*.md"))
LEGACY = "PMC17299__pq2202117006"


# --- the fast reader against libyaml ----------------------------------------------------------


@pytest.mark.parametrize("path", ALL_RECORDS, ids=lambda p: p.stem)
def test_fast_reader_equals_libyaml_on_sample(path):
    text = front_matter(path)
    expected = libyaml(text)
    if path.stem == LEGACY:  # lists of mappings and flow `[]`: outside the fast subset
        with pytest.raises(frontmatter._Unsupported):
            frontmatter._fast_load(text)
    else:
        fast = frontmatter._fast_load(text)
        assert fast == expected
        assert repr(fast) == repr(expected)  # same types (float vs str, '2019' stays a str)
    assert parse_front_matter(text) == expected


# --- the fast reader on tricky synthetic cases ----------------------------------------------

HANDLED = [  # (front matter, libyaml's result) — the fast reader must take these itself
    ("figid: a\ncaption: one two\n  three four\n  five\n", None),
    ("caption: 'A: b ''quoted'' c\n  d''e f'\n", None),
    ("caption: 'Me  Me  Me '\n", None),
    ("k: '[O]'\nl: '''x'''\nm: ''\n", None),
    ("k: 'On'\nl: 'Off'\nm: 'NO'\n", None),
    ("year: '2019'\nscore: 0.8723837\nn: 12\nv: 1e5\nw: 1.2.3\n", None),
    ("caption: NS1\u00a0:\u00a01\u2013126 and\u2009:\u2009more\n  text\u00a0\n", None),
    ("caption: a\u00a0#b c#d e\u2009 # no comment: ASCII space only before '#'\n", "fallback"),
    ("organisms:\n- NA\n- Homo sapiens\norganisms_ner:\n- NA\n", None),
    (
        "s:\n  '@context': https://schema.org/\n  creator:\n    '@type': Organization\n    name: W\n"
        "  keywords:\n  - IL4\n  - 'Me  Me '\n  - .na.character\n  description: x\n    y\n",
        None,
    ),
    ("k:\nl: x\n", None),
    ("k: x   \nl: 'y'   \n", None),
    ("k: foo\n  - bar\n", None),
    ("k:\n- x\n  y\n", None),
    ("k:\n- a\n- b c\n  d\n- 'e'\n- f\nl:\n  - g\n  - h\n    i\n", None),
    ("caption: 'first\n    second ''q''\n    last '\n", None),
    ("k: ~x\nl: x~\nm: nullish\nn: yesterday\n", None),
]

FALLBACK = [  # outside the subset: libyaml decides (same result or same error)
    "k: a: b\n",
    "k: x #comment\n",
    "k: x\n  # comment\n",
    "k: yes\n",
    "k: null\n",
    "k: 2019-01-01\n",
    "k: 0x1F\n",
    "k: 012\n",
    "k: .inf\n",
    'k: "double"\n',
    "k: [a, b]\n",
    "k: {a: b}\n",
    "k: !!str 1\n",
    "k: |\n  block\n",
    "k: >\n  folded\n",
    "k: one\n\n  two\n",
    "k: x\nk: y\n",
    "k:\n- a: b\n  c: d\n",
    "k: x\tz\n",
    "k: x\r\nl: y\r\n",
    "k: a\u2028b\n",
    "k: 'unclosed\n",
    "k: 'closed' trailing\n",
    "- a\n- b\n",
    " k: x\n",
    "k: x\n l: y\n",
    "yes: x\n",
    "k: -x\n",
    "k: x:\n",
    "k: x\n  y:\n",
    "k:\n  - a\n  b: c\n",
]


@pytest.mark.parametrize("text,_", HANDLED)
def test_fast_reader_takes_the_r_yaml_subset(text, _):
    expected = libyaml(text)
    if _ == "fallback":
        with pytest.raises(frontmatter._Unsupported):
            frontmatter._fast_load(text)
    else:
        fast = frontmatter._fast_load(text)
        assert fast == expected and repr(fast) == repr(expected)
    assert parse_front_matter(text) == expected


def test_fast_reader_literal_results():
    assert parse_front_matter("caption: 'A: b ''quoted'' c\n  d''e f'\n") == {"caption": "A: b 'quoted' c d'e f"}
    assert parse_front_matter("c: one two\n  three\n") == {"c": "one two three"}
    assert parse_front_matter("y: '2019'\ns: 0.5\no: 'On'\n") == {"y": "2019", "s": 0.5, "o": "On"}
    assert parse_front_matter("c: NS1\u00a0:\u00a01\n") == {"c": "NS1\u00a0:\u00a01"}


@pytest.mark.parametrize("text", FALLBACK)
def test_fast_reader_leaves_the_rest_to_libyaml(text):
    with pytest.raises(frontmatter._Unsupported):
        frontmatter._fast_load(text)
    try:
        expected = libyaml(text)
    except yaml.YAMLError:
        with pytest.raises(yaml.YAMLError):
            parse_front_matter(text)
    else:
        assert parse_front_matter(text) == expected


WORDS = [
    "IL4",
    "On",
    "off",
    "NO",
    "y",
    "2019",
    "0.5",
    "1e5",
    "-1",
    "a:b",
    "a:",
    ": x",
    "#x",
    "x#y",
    "'q'",
    "it's",
    "[O]",
    "{x}",
    "~",
    "null",
    "&a",
    "*a",
    "!t",
    "|",
    ">",
    "%",
    "@x",
    "`x",
    "- x",
    "? x",
    "\u00a0",
    "x\u00a0:",
    "\u2009:\u2009",
    "ß",
    "≥",
    "–",
    "Me",
    "  ",
    "x ",
    "---",
    "...",
    '"d"',
    ",",
    "a,b",
    "NA",
    ".na.character",
]


def random_scalar(rng: random.Random) -> tuple[str, str]:
    """A value as R would write it (plain or single-quoted, folded), and libyaml's view is the oracle."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(1, 12))]
    value = " ".join(words)
    quoted = rng.random() < 0.4
    if quoted:
        value = "'" + value.replace("'", "''") + "'"
    return value, ("quoted" if quoted else "plain")


def fold(value: str, rng: random.Random, indent: int) -> str:
    parts = value.split(" ")
    lines, line = [], parts[0]
    for part in parts[1:]:
        if rng.random() < 0.3 and line.strip():
            lines.append(line)
            line = part
        else:
            line += " " + part
    lines.append(line)
    return ("\n" + " " * indent).join(lines)


def test_fast_reader_random_documents_match_libyaml():
    rng = random.Random(20240601)
    taken = 0
    for _ in range(3000):
        doc = []
        for k in range(rng.randint(1, 5)):
            shape = rng.random()
            if shape < 0.6:
                value, _ = random_scalar(rng)
                doc.append(f"key{k}: {fold(value, rng, rng.choice((1, 2, 4)))}")
            elif shape < 0.8:
                items = [fold(random_scalar(rng)[0], rng, 2) for _ in range(rng.randint(1, 3))]
                doc.append(f"key{k}:\n" + "\n".join(f"- {item}" for item in items))
            else:
                value, _ = random_scalar(rng)
                doc.append(f"key{k}:\n  inner: {fold(value, rng, 4)}\n  list:\n  - {random_scalar(rng)[0]}")
        text = "\n".join(doc) + "\n"
        try:
            expected = libyaml(text)
        except yaml.YAMLError:
            with pytest.raises(yaml.YAMLError):
                parse_front_matter(text)
            continue
        try:
            fast = frontmatter._fast_load(text)
        except frontmatter._Unsupported:
            continue
        taken += 1
        assert fast == expected and repr(fast) == repr(expected), text
    assert taken > 300  # the fast reader really handles a good share of R-like documents


# --- where the front matter is: Jekyll's rule ------------------------------------------------

# jekyll lib/jekyll/document.rb Document::YAML_FRONT_MATTER_REGEXP, in Python: Ruby's \s is [ \t\r\n\f\v],
# its ^/$ are line anchors and /m is Python's DOTALL. Applied to the text after the BOM (read as bom|utf-8).
JEKYLL = re.compile(r"\A(---[ \t\r\n\f\v]*\n.*?\n?)^((?:---|\.\.\.)[ \t\r\n\f\v]*$\n?)", re.M | re.S)


def jekyll_front_matter_end(text: str) -> int | None:
    """Where Jekyll's front matter (its group 1) ends in ``text``, None when Jekyll finds none."""
    offset = 1 if text.startswith("\ufeff") else 0
    m = JEKYLL.match(text[offset:])  # \A: the start of the string, whatever pos says
    return None if m is None else offset + m.end(1)


def ours(text: str) -> int | None:
    try:
        return locate(text, "x.md")[1]
    except RecordError:
        return None


@pytest.mark.parametrize(
    "text, body",
    [
        ("---\nfigid: x\n---\n", "figid: x\n"),
        ("\ufeff---\nfigid: x\n---\n", "figid: x\n"),
        ("---\r\nfigid: x\r\nndex: ''\r\n---\r\n", "figid: x\nndex: ''\n"),
        ("---\nfigid: x\n...\n", "figid: x\n"),
        ("---  \t\nfigid: x\n--- \t\r\nbody\n", "figid: x\n"),
        ("---\nfigid: x\n---x\n... and more\n...\n---\n", "figid: x\n---x\n... and more\n"),
        ("---\n---\n", ""),
        ("---\nfigid: x\n---", "figid: x\n"),
    ],
)
def test_front_matter_as_jekyll_reads_it(text: str, body: str) -> None:
    assert yaml_text(text, "x.md") == body
    assert ours(text) == jekyll_front_matter_end(text)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("figid: x\n", "no YAML front matter"),
        ("--- x\nfigid: x\n---\n", "no YAML front matter"),
        (" ---\nfigid: x\n---\n", "no YAML front matter"),
        ("---\rfigid: x\r---\r", "lines end with CR alone"),
        ("---\nfigid: x\n", "unterminated YAML front matter (no closing '---' or '...' line)"),
        ("---\nfigid: x\n ---\n", "unterminated"),
    ],
)
def test_no_front_matter_where_jekyll_finds_none(text: str, problem: str) -> None:
    assert jekyll_front_matter_end(text) is None
    with pytest.raises(RecordError, match=re.escape(problem)):
        locate(text, "x.md")


def test_front_matter_boundaries_match_jekyll_on_random_files() -> None:
    rng = random.Random(11)
    pieces = ["---", "...", "--- ", "...\t", "---x", "....", "-- -", "a: 1", "", "  ", " ---", "\u2028---", "\r"]
    checked = found = 0
    for _ in range(20000):
        lines = [rng.choice(pieces) for _ in range(rng.randint(0, 6))]
        if rng.random() < 0.7:
            lines.insert(0, "---")
        ending = rng.choice(["\n", "\r\n", "\r", "\n"])
        text = ("\ufeff" if rng.random() < 0.2 else "") + ending.join(lines) + rng.choice(["", ending])
        expected = jekyll_front_matter_end(text)
        assert ours(text) == expected, repr(text)
        checked += 1
        found += expected is not None
    assert checked == 20000 and found > 3000


def test_crlf_records_parse_as_their_lf_originals() -> None:
    for path in ALL_RECORDS:
        lf = path.read_text(encoding="utf-8")
        crlf = "\ufeff" + lf.replace("\n", "\r\n")
        start, end = locate(crlf, path)
        assert parse_front_matter(yaml_text(crlf, path)) == libyaml(crlf[start:end]) == libyaml(front_matter(path))


# --- aliases -----------------------------------------------------------------------------------


def test_aliases_are_refused_anchors_alone_are_not() -> None:
    with pytest.raises(AliasRefused) as err:
        parse_front_matter("k: &a [x]\nl: *a\n")
    mark = err.value.problem_mark
    assert "alias *a refused" in str(err.value) and mark is not None and mark.line == 1
    assert parse_front_matter("k: &a x\nl: 'a *b'\n") == {"k": "x", "l": "a *b"}
    with pytest.raises(yaml.YAMLError):  # an undefined alias is malformed YAML either way
        parse_front_matter("k: *nothing\n")


# --- one top-level key -------------------------------------------------------------------------

UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


@pytest.mark.parametrize(
    "before, after",
    [
        ("---\nfigid: x\nndex: ''\nseo: C\n---\n", f"---\nfigid: x\nndex: {UUID}\nseo: C\n---\n"),
        ("---\r\nfigid: x\r\nndex: ''\r\n---\r\n", f"---\r\nfigid: x\r\nndex: {UUID}\r\n---\r\n"),
        ("\ufeff---\nfigid: x\nndex:\n...\n", f"\ufeff---\nfigid: x\nndex: {UUID}\n...\n"),
        ("---\nfigid: x\n---\n", f"---\nfigid: x\nndex: {UUID}\n---\n"),
        ("---\r\nfigid: x\r\n...\r\nbody\n", f"---\r\nfigid: x\r\nndex: {UUID}\r\n...\r\nbody\n"),
        # a caption line starting "ndex:" is inside the quoted scalar, not a key
        ("---\nfigid: x\ncaption: 'a\nndex: b'\n---\n", f"---\nfigid: x\ncaption: 'a\nndex: b'\nndex: {UUID}\n---\n"),
        ("---\ncaption: >\n  a\n  ndex: b\nndex: ''\n---\n", f"---\ncaption: >\n  a\n  ndex: b\nndex: {UUID}\n---\n"),
        (
            "---\ns:\n  ndex: nested\nndex: ''\n---\nndex: body\n",
            f"---\ns:\n  ndex: nested\nndex: {UUID}\n---\nndex: body\n",
        ),
        # outside the fast subset: libyaml's marks say where the key is
        ('---\nk: "a\nndex: b"\nndex: >\n  x\nz: 1\n---\n', f'---\nk: "a\nndex: b"\nndex: {UUID}\nz: 1\n---\n'),
        ("---\nfigid: x\r\nndex: ''\r\n---\n", f"---\nfigid: x\r\nndex: {UUID}\r\n---\n"),
    ],
)
def test_set_key_changes_only_the_entry_of_that_top_level_key(before: str, after: str) -> None:
    assert set_key(before, "ndex", UUID, "x.md") == after


@pytest.mark.parametrize(
    "text, problem",
    [
        ("---\nndex: ''\nndex: ''\n---\n", "more than one 'ndex' key"),
        ("---\n{figid: x, ndex: ''}\n---\n", "shares its line"),
        ("---\n? ndex\n: ''\n---\n", "shares its line"),
        ("---\n  figid: x\n  caption: y\n---\n", "cannot locate the 'ndex' line safely"),
        (
            "---\nfigid: x\ncaption: a: b\n---\n",
            "malformed YAML front matter at line 3: mapping values are not allowed",
        ),
        ("---\n- a\n---\n", "not a mapping"),
    ],
)
def test_set_key_refuses_what_it_cannot_change_safely(text: str, problem: str) -> None:
    with pytest.raises(RecordError) as err:
        set_key(text, "ndex", UUID, "x.md")
    assert problem in str(err.value) and str(err.value).startswith("x.md: ") and "\n" not in str(err.value)
