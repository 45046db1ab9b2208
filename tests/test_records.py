"""Reading PFOCR records and tables: every sample record, the fast front-matter reader against libyaml,
entities checked against the TSV files themselves, and one-line errors for bad input."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import SAMPLE_DB, front_matter, libyaml, with_fields

from pfocr_ndex import records
from pfocr_ndex.errors import RecordError
from pfocr_ndex.frontmatter import parse_mapping_without
from pfocr_ndex.records import read_record

FIGURES = SAMPLE_DB / "_figures"
DATA = SAMPLE_DB / "_data"
ALL_RECORDS = sorted(FIGURES.glob("*.md"))
LEGACY = "PMC17299__pq2202117006"
START = "PMC12170841__IJN-20-7415-g0001"


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


def test_fast_reader_equals_libyaml_without_schema_jsonld():
    for path in ALL_RECORDS:
        expected = libyaml(front_matter(path))
        expected.pop("schema-jsonld")
        assert parse_mapping_without(front_matter(path), "schema-jsonld", path) == expected, path.name


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


@pytest.mark.parametrize("value", ["5", "2020-01-02", "TP53", "{hgnc_symbol: TP53}", "true"])
def test_entity_list_fields_of_another_type_are_not_lists(tmp_path, value):
    plain = read_record(with_fields(FIGURES / f"{START}.md", tmp_path, {}))
    odd = read_record(with_fields(FIGURES / f"{START}.md", tmp_path, dict.fromkeys(records.TABLE_KINDS, value)))
    assert odd.entity_source == "schema-jsonld keywords" and odd.entities == plain.entities


@pytest.mark.parametrize(
    ("value", "organism"),
    [
        ("Homo sapiens", "Homo sapiens"),
        ("'  Homo sapiens '", "Homo sapiens"),
        ("9606", "9606"),
        ("true", "True"),
        ("[Homo sapiens, Mus musculus]", None),
        ("[]", None),
        ("NA", None),
    ],
)
def test_organisms_ner_is_one_name_or_a_list(tmp_path, value, organism):
    record = read_record(with_fields(FIGURES / f"{START}.md", tmp_path, {"organisms_ner": value}))
    genes = [e for e in record.entities if e.type in ("gene", "miRNA")]
    assert genes and {e.organism for e in genes} == {organism}


def test_keyword_types_agree_with_the_tables():
    """On sample figures that have tables, the keyword guess agrees with the tables for most words."""
    agree = total = 0
    for path in ALL_RECORDS:
        record = read_record(path)
        if record.entity_source != "tables":
            continue
        truth: dict[str, str] = {}
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


# --- records and tables the PFOCR site accepts ------------------------------------------------


def copy_figure(figid: str, dest: Path) -> Path:
    """A checkout at ``dest`` holding one sample figure and its tables; returns the record."""
    (dest / "_figures").mkdir(parents=True)
    (dest / "_data").mkdir()
    shutil.copy(FIGURES / f"{figid}.md", dest / "_figures")
    for table in DATA.glob(f"{figid}-*.tsv"):
        shutil.copy(table, dest / "_data")
    return dest / "_figures" / f"{figid}.md"


@pytest.mark.parametrize(
    "edit",
    [
        {"caption": "'a caption whose second line\nschema-jsonld:\n' "},  # a key-like line inside a scalar
        {"schema-jsonld": "\n- an indentless list\n- of words"},
        {"schema-jsonld": "{keywords: [IL4]}"},
    ],
    ids=["inside-a-scalar", "indentless-list", "flow-mapping"],
)
def test_the_schema_jsonld_block_is_skipped_only_where_yaml_finds_it(tmp_path, edit):
    record = with_fields(copy_figure(START, tmp_path), tmp_path / "_figures", edit)
    expected = libyaml(front_matter(record))
    expected.pop("schema-jsonld")
    fields = read_record(record).fields
    assert {k: fields[k] for k in ("caption", "figid")} == {k: expected[k] for k in ("caption", "figid")}
    assert "schema-jsonld" not in fields and read_record(record).entity_source == "tables"


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b"\xef\xbb\xbf" + b,  # UTF-8 BOM
        lambda b: b.replace(b"\n", b"\r\n"),  # CRLF
        lambda b: b[: b.rindex(b"---\n")] + b"...\n",  # closed by '...'
        lambda b: b"\xef\xbb\xbf" + b[: b.rindex(b"---\n")].replace(b"\n", b"\r\n") + b"...\r\n",
    ],
    ids=["bom", "crlf", "dots", "all"],
)
def test_records_jekyll_reads_are_read(tmp_path, change):
    for figid in (START, LEGACY):
        original = read_record(FIGURES / f"{figid}.md")
        path = copy_figure(figid, tmp_path / figid)
        path.write_bytes(change(path.read_bytes()))
        record = read_record(path)
        assert (record.fields, record.entities, record.ndex) == (original.fields, original.entities, original.ndex)


def test_a_bom_before_a_table_header_is_skipped(tmp_path):
    path = copy_figure(START, tmp_path)
    for table in (tmp_path / "_data").glob("*.tsv"):
        table.write_bytes(b"\xef\xbb\xbf" + table.read_bytes())
    assert read_record(path).entities == read_record(FIGURES / f"{START}.md").entities


def test_older_chemicals_and_diseases_tables(tmp_path):
    path = copy_figure(LEGACY, tmp_path)
    (tmp_path / "_data" / f"{LEGACY}-chemicals.tsv").write_text(
        "word\tsource\tidentifier\n"
        "Glucose\tMESH\tD005947\nATP\tCHEBI\t15422\nadenosine triphosphate\tCHEBI\tCHEBI:15422\n"
        "Lipid\t\t\nGlucose\tMESH\tD005947\n",
        encoding="utf-8",
    )
    (tmp_path / "_data" / f"{LEGACY}-diseases.tsv").write_text(
        "word\tsource\tidentifier\nCancer\tMESH\tD009369\nAsthma\tDOID\t2841\n", encoding="utf-8"
    )
    entities = [(e.name, e.type, e.represents, e.words) for e in read_record(path).entities]
    assert entities == [
        ("Glucose", "chemical", "mesh:D005947", ("Glucose",)),
        ("ATP", "chemical", "chebi:15422", ("ATP", "adenosine triphosphate")),
        ("Lipid", "chemical", None, ("Lipid",)),
        ("Cancer", "disease", "mesh:D009369", ("Cancer",)),
        ("Asthma", "disease", "doid:2841", ("Asthma",)),
    ]
    chemicals = tmp_path / "_data" / f"{LEGACY}-chemicals.tsv"
    chemicals.write_text("word\tsource\tidentifier\nX\tDRUGBANK\tDB01\n", encoding="utf-8")
    assert read_error(path, named=chemicals) == "chemicals table line 2: source 'DRUGBANK' is not one of MESH, CHEBI"


def test_yaml_error_lines_count_from_the_file_when_schema_jsonld_is_skipped(tmp_path):
    path = copy_figure(START, tmp_path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    lines.insert(len(lines) - 1, "zz: a: b\n")  # after schema-jsonld, which is not parsed when tables exist
    path.write_text("".join(lines), encoding="utf-8")
    assert read_error(path) == (
        f"malformed YAML front matter at line {len(lines) - 1}: mapping values are not allowed in this context"
    )


ALIAS_BOMB = (
    "---\nfigid: bomb\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))
    + "---\n"
)


def test_a_yaml_alias_bomb_fails_fast_under_a_memory_limit(tmp_path):
    """600 bytes that expand to 9^9 strings: refused before anything is expanded, with 512 MB of address space."""
    assert len(ALIAS_BOMB) < 700
    record = write_record(tmp_path, "bomb", ALIAS_BOMB)
    child = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))\n"
        "from pfocr_ndex.records import read_record\n"
        "from pfocr_ndex.errors import RecordError\n"
        "try:\n"
        "    read_record(sys.argv[1])\n"
        "except RecordError as err:\n"
        "    print(err)\n"
    )
    run = subprocess.run([sys.executable, "-c", child, str(record)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout == (f"{record}: YAML alias at line 4: alias *a refused (figure records never use YAML aliases)\n")
