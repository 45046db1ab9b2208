"""Reading PFOCR records and tables: every sample record, the fast front-matter reader against libyaml,
entities checked against the TSV files themselves, and one-line errors for bad input."""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import SAMPLE_DB

from pfocr_ndex import records
from pfocr_ndex.errors import RecordError
from pfocr_ndex.records import iter_record_paths, parse_front_matter, read_record

FIGURES = SAMPLE_DB / "_figures"
DATA = SAMPLE_DB / "_data"
ALL_RECORDS = sorted(FIGURES.glob("*.md"))
LEGACY = "PMC17299__pq2202117006"
START = "PMC12170841__IJN-20-7415-g0001"


def front_matter(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return text[4 : text.index("\n---", 3) + 1]


def libyaml(text: str) -> object:
    return yaml.load(text, Loader=yaml.CSafeLoader)


def tsv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def by_represents(record) -> dict[str, records.Entity]:
    return {e.represents: e for e in record.entities if e.represents}


# --- every sample record ------------------------------------------------------------------


def test_sample_is_complete():
    assert len(ALL_RECORDS) == 99


@pytest.mark.parametrize("path", ALL_RECORDS, ids=lambda p: p.stem)
def test_every_sample_record_reads(path):
    record = read_record(path)
    assert record.figid == path.stem
    assert record.path == path
    assert record.entities, "every sample figure names at least one entity"
    has_tables = any((DATA / f"{path.stem}-{k}.tsv").exists() for k in ("genes", "chemicals", "diseases"))
    expected_source = "tables" if has_tables else ("record lists" if path.stem == LEGACY else "schema-jsonld keywords")
    assert record.entity_source == expected_source
    assert record.data_dir == DATA
    for key, value in record.fields.items():
        assert value not in (".na.character", "NA", "", None, []), key


@pytest.mark.parametrize("path", ALL_RECORDS, ids=lambda p: p.stem)
def test_fast_reader_equals_libyaml_on_sample(path):
    text = front_matter(path)
    expected = libyaml(text)
    if path.stem == LEGACY:  # lists of mappings and flow `[]`: outside the fast subset
        with pytest.raises(records._Unsupported):
            records._fast_load(text)
    else:
        fast = records._fast_load(text)
        assert fast == expected
        assert repr(fast) == repr(expected)  # same types (float vs str, '2019' stays a str)
    assert parse_front_matter(text) == expected


def test_fast_reader_equals_libyaml_without_schema_jsonld():
    for path in ALL_RECORDS:
        text = records._without_schema_jsonld(front_matter(path))
        assert "schema-jsonld" not in text
        expected = libyaml(front_matter(path))
        expected.pop("schema-jsonld")
        assert parse_front_matter(text) == expected, path.name


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
    "k: &a x\nl: *a\n",
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
        with pytest.raises(records._Unsupported):
            records._fast_load(text)
    else:
        fast = records._fast_load(text)
        assert fast == expected and repr(fast) == repr(expected)
    assert parse_front_matter(text) == expected


def test_fast_reader_literal_results():
    assert parse_front_matter("caption: 'A: b ''quoted'' c\n  d''e f'\n") == {"caption": "A: b 'quoted' c d'e f"}
    assert parse_front_matter("c: one two\n  three\n") == {"c": "one two three"}
    assert parse_front_matter("y: '2019'\ns: 0.5\no: 'On'\n") == {"y": "2019", "s": 0.5, "o": "On"}
    assert parse_front_matter("c: NS1\u00a0:\u00a01\n") == {"c": "NS1\u00a0:\u00a01"}


@pytest.mark.parametrize("text", FALLBACK)
def test_fast_reader_leaves_the_rest_to_libyaml(text):
    with pytest.raises(records._Unsupported):
        records._fast_load(text)
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
            fast = records._fast_load(text)
        except records._Unsupported:
            continue
        taken += 1
        assert fast == expected and repr(fast) == repr(expected), text
    assert taken > 300  # the fast reader really handles a good share of R-like documents


# --- NA cleaning and fields ------------------------------------------------------------------


def test_na_values_are_missing():
    record = read_record(FIGURES / "PMC1635360__zmk0100678110001.md")
    for key in ("doi", "journal_title", "journal_nlm_ta", "publisher_name", "keywords"):
        assert key not in record.fields  # all `.na.character` in the file
    assert record.fields["organisms"] == ["Saccharomyces cerevisiae", "Saccharomyces cerevisiae S288C", "Homo sapiens"]
    assert record.fields["automl_pathway"] == 0.8473706
    assert record.fields["year"] == "2006"
    assert record.ndex == "faab0cd9-df21-11ea-99da-0ac135e8bacf"


def test_organisms_na_means_no_organism_and_empty_ndex_is_none():
    record = read_record(FIGURES / f"{START}.md")
    assert "organisms" not in record.fields  # `- NA`
    assert record.fields["organisms_ner"] == ["Homo sapiens"]
    assert record.ndex is None  # ndex: ''
    assert record.fields["caption"].startswith(
        "Mechanism of action of sEVs in promoting SC regeneration after SCI: (1) The"
    )
    assert record.fields["figtitle"] == (
        "Action of sEVs in promoting SC regeneration after SCI: (1) The sEVs "
        "alleviate symptoms by modulating the neuroinflammatory response to SCI"
    )
    assert "schema-jsonld" not in record.fields  # tables exist: the copy of their words is skipped


def test_empty_year_is_missing(tmp_path):
    text = (FIGURES / f"{START}.md").read_text(encoding="utf-8").replace("year: '2025'", "year: ''")
    path = tmp_path / f"{START}.md"
    path.write_text(text, encoding="utf-8")
    assert "year" not in read_record(path).fields


# --- entities from the tables ------------------------------------------------------------------


def expected_genes(figid: str) -> dict[str, dict]:
    """From the genes TSV, by hand: per ncbigene id its symbol, organism, words and sources."""
    genes: dict[str, dict] = {}
    for row in tsv_rows(DATA / f"{figid}-genes.tsv"):
        if row["ncbigene_id"] in ("NaN", "NA"):
            continue
        gene = genes.setdefault(
            row["ncbigene_id"],
            {
                "symbol": row["ncbigene_symbol"],
                "organism": row["organism_name"],
                "taxon": row["organism_id"],
                "words": [],
                "sources": [],
            },
        )
        if row["word"] not in gene["words"]:
            gene["words"].append(row["word"])
        if row["source"] not in gene["sources"]:
            gene["sources"].append(row["source"])
    return genes


GENE_FIGURES = [
    START,  # miRNAs, 11 columns
    "PMC10003241__ijms-24-04893-g003",  # genes + chemicals + diseases
    "PMC3481559__10.1177_1758834012454464-fig1",  # 10-column table
    "PMC4767455__oncotarget-06-42590-g001",  # FamPlex family without member (NA / NaN)
    "PMC4649622__srep16512-f4",  # 8 organisms
    "PMC2064395__jcb1741047f09",  # .na.character fields, fly genes
    "PMC2712749__1753-6561-3-S4-S6-1",  # .na.character fields, 5 organisms
]


@pytest.mark.parametrize("figid", GENE_FIGURES)
def test_gene_entities_match_the_genes_table(figid):
    record = read_record(FIGURES / f"{figid}.md")
    expected = expected_genes(figid)
    genes = {e.represents: e for e in record.entities if e.type in ("gene", "miRNA")}
    assert set(genes) == {f"ncbigene:{gene_id}" for gene_id in expected}
    for gene_id, want in expected.items():
        entity = genes[f"ncbigene:{gene_id}"]
        assert entity.name == (want["symbol"] if want["symbol"] != "NA" else want["words"][0])
        assert entity.organism == want["organism"]
        assert entity.taxon == want["taxon"]
        assert list(entity.words) == want["words"]
        assert list(entity.sources) == want["sources"]
        assert entity.type == ("miRNA" if want["symbol"].upper().startswith("MIR") else "gene")
    # table order of first appearance
    first_seen = list(
        dict.fromkeys(
            f"ncbigene:{r['ncbigene_id']}"
            for r in tsv_rows(DATA / f"{figid}-genes.tsv")
            if r["ncbigene_id"] not in ("NaN", "NA")
        )
    )
    assert [e.represents for e in record.entities if e.type in ("gene", "miRNA")] == first_seen


def test_start_figure_literal_entities():
    record = read_record(FIGURES / f"{START}.md")
    first = record.entities[0]
    assert (first.name, first.type, first.represents, first.words, first.sources, first.organism, first.taxon) == (
        "IL4",
        "gene",
        "ncbigene:3565",
        ("IL4,",),
        ("ncbigene_symbol",),
        "Homo sapiens",
        "9606",
    )
    mirnas = [e.name for e in record.entities if e.type == "miRNA"]
    assert mirnas == ["MIR20A", "MIR21", "MIR222", "MIR221"]
    mir20a = by_represents(record)["ncbigene:406982"]
    assert mir20a.words == ("miR-21,miR-20",) and mir20a.sources == ("ncbigene_synonym",)
    chemicals = [e for e in record.entities if e.type == "chemical"]
    assert [(c.name, c.represents, c.words, c.xrefs) for c in chemicals] == [
        ("alpha-amino acid", "chebi:33704", ("Amino Acid",), ()),
        ("metabolite", "chebi:25212", ("Metabolites",), ()),
    ]
    assert record.extra["tables"] == (f"{START}-genes.tsv", f"{START}-chemicals.tsv")


def test_famplex_family_without_member_is_a_gene_family_node():
    figid = "PMC4767455__oncotarget-06-42590-g001"
    rows = [r for r in tsv_rows(DATA / f"{figid}-genes.tsv") if r["ncbigene_id"] == "NaN"]
    assert rows and all(r["ncbigene_symbol"] == "NA" for r in rows)
    families = [e for e in read_record(FIGURES / f"{figid}.md").entities if e.type == "gene family"]
    assert [(f.name, f.represents, f.words, f.organism) for f in families] == [
        ("HISTONE", None, ("histone",), "Homo sapiens")
    ]
    assert {r["match"] for r in rows} == {"HISTONE"}


def test_synonym_rows_without_symbol_keep_the_ocr_word_as_name():
    hits = []
    for path in sorted(DATA.glob("*-genes.tsv")):
        for row in tsv_rows(path):
            if row["ncbigene_symbol"] == "NA" and row["ncbigene_id"] not in ("NaN", "NA"):
                hits.append((path.name[: -len("-genes.tsv")], row["ncbigene_id"], row["word"]))
    assert hits
    figid, gene_id, word = hits[0]
    entity = by_represents(read_record(FIGURES / f"{figid}.md"))[f"ncbigene:{gene_id}"]
    assert entity.name == word and entity.type == "gene"


@pytest.mark.parametrize(
    "figid",
    [
        "PMC10003241__ijms-24-04893-g003",
        "PMC10037071__gr7",
        "PMC10039885__41467_2023_37288_Fig1_HTML",
        "PMC3202514__JEB060244F1",
    ],
)
def test_chemical_entities_match_the_chemicals_table(figid):
    rows = tsv_rows(DATA / f"{figid}-chemicals.tsv")
    record = read_record(FIGURES / f"{figid}.md")
    chemicals = [e for e in record.entities if e.type == "chemical"]
    # by hand: one entity per chebi id, else mesh id, else OCR word; exact duplicate rows collapse
    expected: dict[str, set[str]] = {}
    for row in rows:
        curie = row["chebi"] if row["chebi"] != "NA" else row["mesh"]
        expected.setdefault(curie if curie != "NA" else f"word:{row['word']}", set()).add(row["word"])
    assert len(rows) > len(expected) or figid == "PMC3202514__JEB060244F1"
    assert {c.represents or f"word:{c.words[0]}": set(c.words) for c in chemicals} == expected
    for row in rows:
        entity = next(c for c in chemicals if row["word"] in c.words)
        assert entity.name == (row["name"] if row["name"] != "NA" else entity.words[0])
        if row["chebi"] != "NA" and row["mesh"] != "NA":
            assert row["mesh"] in entity.xrefs


def test_chemical_only_figure():
    record = read_record(FIGURES / "PMC10037071__gr7.md")
    assert record.entity_source == "tables"
    assert {e.type for e in record.entities} == {"chemical"}
    phenyl = by_represents(record)["mesh:C064635"]  # four rows, two spellings, no chebi
    assert (phenyl.name, phenyl.words, phenyl.xrefs) == ("Phenyl", ("Phenyl", "phenyl"), ())
    tyrosine = next(e for e in record.entities if e.words == ("L-Tyrosine",))  # a row without any id
    assert (tyrosine.name, tyrosine.represents) == ("L-Tyrosine", None)
    hydroxy = by_represents(record)["chebi:35868"]
    assert (hydroxy.name, hydroxy.words, hydroxy.xrefs) == (
        "Hydroxy Acids",
        ("2-Hydroxy", "2-Hydroxy-3"),
        ("mesh:D006880",),
    )


def test_disease_entities():
    record = read_record(FIGURES / "PMC10003241__ijms-24-04893-g003.md")
    diseases = [e for e in record.entities if e.type == "disease"]
    assert [(d.name, d.represents, d.words) for d in diseases] == [("OBS proteins", "mesh:D011488", ("OBS proteins",))]
    assert record.entities[-1] == diseases[-1]  # genes, then chemicals, then diseases


# --- entities without tables ---------------------------------------------------------------


def test_legacy_record_lists():
    record = read_record(FIGURES / f"{LEGACY}.md")
    assert record.entity_source == "record lists"
    assert record.fields["organisms"] == "Homo sapiens"  # v1: scalar
    items = yaml.load(front_matter(FIGURES / f"{LEGACY}.md"), Loader=yaml.CSafeLoader)["genes"]
    assert [(e.name, e.represents) for e in record.entities] == [
        (g["hgnc_symbol"], f"ncbigene:{g['entrez']}") for g in items
    ]
    assert all(
        e.words == ("CREB",) and e.sources == ("bioentities_symbol",) and e.organism == "Homo sapiens"
        for e in record.entities
    )
    assert record.entities[0].name == "CREB3L1" and record.entities[0].represents == "ncbigene:90993"
    assert "chemicals" not in record.fields  # `[]`


def test_keywords_fallback_outside_a_database(tmp_path):
    shutil.copy(FIGURES / f"{START}.md", tmp_path)
    record = read_record(tmp_path / f"{START}.md")
    assert record.entity_source == "schema-jsonld keywords" and record.data_dir is None
    keywords = yaml.load(front_matter(FIGURES / f"{START}.md"), Loader=yaml.CSafeLoader)["schema-jsonld"]["keywords"]
    assert [e.name for e in record.entities] == list(dict.fromkeys(keywords))
    types = {e.name: e.type for e in record.entities}
    assert types["IL4"] == types["BDNF-AS"] == "gene"
    assert types["MIR20A"] == "miRNA"
    assert types["Amino Acid"] == "chemical"
    assert all(e.represents is None and e.sources == ("schema-jsonld keywords",) for e in record.entities)
    assert record.entities[0].organism == "Homo sapiens"  # the one organism in organisms_ner


def test_keyword_types_agree_with_the_tables():
    """On sample figures that have tables, the keyword guess agrees with the tables for most words."""
    agree = total = 0
    for path in ALL_RECORDS:
        record = read_record(path)
        if record.entity_source != "tables":
            continue
        truth = {}
        for e in record.entities:
            for word in [e.name] if e.type in ("gene", "miRNA") else e.words:
                truth.setdefault(word, "gene" if e.type in ("gene", "miRNA", "gene family") else e.type)
        fields = records._clean(libyaml(front_matter(path)))
        for e in records._keyword_entities(fields):
            if e.name in truth:
                total += 1
                agree += truth[e.name] == ("gene" if e.type in ("gene", "miRNA") else e.type)
    assert total > 4000 and agree / total > 0.95


def test_tables_next_to_the_record_and_explicit_data_dir(tmp_path):
    figid = "PMC10003241__ijms-24-04893-g003"
    shutil.copy(FIGURES / f"{figid}.md", tmp_path)
    for table in DATA.glob(f"{figid}-*.tsv"):
        shutil.copy(table, tmp_path)
    beside = read_record(tmp_path / f"{figid}.md")
    assert beside.entity_source == "tables" and beside.data_dir == tmp_path
    explicit = read_record(FIGURES / f"{figid}.md", data_dir=tmp_path)
    assert explicit.data_dir == tmp_path
    assert explicit.entities == beside.entities == read_record(FIGURES / f"{figid}.md").entities


# --- paths ---------------------------------------------------------------------------------


def test_iter_record_paths_file_folder_checkout(tmp_path):
    assert list(iter_record_paths([FIGURES / f"{START}.md"])) == [FIGURES / f"{START}.md"]
    assert list(iter_record_paths([SAMPLE_DB])) == ALL_RECORDS
    assert list(iter_record_paths([FIGURES])) == ALL_RECORDS
    (tmp_path / "b.md").write_text("x")
    (tmp_path / "a.md").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".hidden.md").write_text("x")
    assert [p.name for p in iter_record_paths([tmp_path])] == ["a.md", "b.md"]


def test_iter_record_paths_is_lazy_and_names_missing_paths(tmp_path):
    stream = iter_record_paths([FIGURES / f"{START}.md", tmp_path / "missing"])
    assert next(stream) == FIGURES / f"{START}.md"
    with pytest.raises(RecordError) as err:
        next(stream)
    assert str(err.value) == f"{tmp_path / 'missing'}: no such file or directory"


# --- errors ---------------------------------------------------------------------------------


def write_record(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / f"{name}.md"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def read_error(path: Path, named: Path | None = None) -> str:
    """The reason ``read_record(path)`` gives, checking the one-line message names ``named`` (default: path)."""
    with pytest.raises(RecordError) as err:
        read_record(path)
    message = str(err.value)
    named = named or path
    assert "\n" not in message and message.startswith(f"{named}: ")
    return message[len(f"{named}: ") :]


def test_malformed_yaml_names_the_line(tmp_path):
    path = write_record(tmp_path, "f1", "---\nfigid: f1\ncaption: one: two\n  three\n---\n")
    assert read_error(path) == "malformed YAML front matter at line 3: mapping values are not allowed in this context"


def test_missing_or_empty_figid(tmp_path):
    assert read_error(write_record(tmp_path, "f1", "---\nfigtitle: x\n---\n")) == "missing or empty figid"
    assert read_error(write_record(tmp_path, "f2", "---\nfigid: ''\n---\n")) == "missing or empty figid"
    assert read_error(write_record(tmp_path, "f3", "---\nfigid: .na.character\n---\n")) == "missing or empty figid"


def test_figid_must_be_a_plain_name_equal_to_the_file_stem(tmp_path):
    assert "would escape the output folder" in read_error(write_record(tmp_path, "x", "---\nfigid: ../evil\n---\n"))
    assert "would escape the output folder" in read_error(write_record(tmp_path, "y", "---\nfigid: a/b\n---\n"))
    assert (
        read_error(write_record(tmp_path, "z", "---\nfigid: other\n---\n"))
        == "figid 'other' does not match the file name 'z.md'"
    )


def test_binary_and_non_utf8_files(tmp_path):
    assert (
        read_error(write_record(tmp_path, "bin", b"\x89PNG\r\n\x1a\n\x00\x00"))
        == "binary file (NUL bytes), not a text file"
    )
    latin1 = "---\nfigid: lat\ncaption: caf\u00e9\n---\n".encode("latin-1")
    assert read_error(write_record(tmp_path, "lat", latin1)) == "not valid UTF-8: byte 0xe9 on line 3"


def test_no_or_unterminated_front_matter(tmp_path):
    assert "no YAML front matter" in read_error(write_record(tmp_path, "a", "figid: a\n"))
    assert "unterminated" in read_error(write_record(tmp_path, "b", "---\nfigid: b\n"))
    assert read_error(write_record(tmp_path, "c", "---\n- a\n---\n")) == "front matter is not a mapping of fields"


def test_bad_tables(tmp_path):
    figures, data = tmp_path / "_figures", tmp_path / "_data"
    figures.mkdir()
    data.mkdir()
    record = write_record(figures, "f1", "---\nfigid: f1\n---\n")
    genes = data / "f1-genes.tsv"
    genes.write_text("word\tsymbol\nA\tB\n", encoding="utf-8")
    assert read_error(record, named=genes) == (
        "genes table lacks column(s) organism_id, organism_name, match, ncbigene_symbol, "
        "ncbigene_id, source (header: word symbol)"
    )
    header = (DATA / f"{START}-genes.tsv").read_text(encoding="utf-8").splitlines()[0]
    genes.write_text(header + "\n9606\tHomo sapiens\tPrimates\tIL4\n", encoding="utf-8")
    assert read_error(record, named=genes) == "genes table line 2 has 4 fields, the header has 11"
    genes.write_text(header + "\n9606\tHomo sapiens\tPrimates\tIL4\tIL4\tIL4\tx1\tncbigene_symbol\t1\t1\t1\n")
    assert read_error(record, named=genes) == "genes table: ncbigene_id 'x1' is not a number"
    genes.write_bytes(header.encode() + b"\n\xff\n")
    assert read_error(record, named=genes) == "not valid UTF-8: byte 0xff on line 2"
