"""``convert`` and ``pfocr-ndex convert``: real records to CX2 files, one line per bad file, exit codes."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SAMPLE_DB, with_fields

from pfocr_ndex.convert import convert, convert_one
from pfocr_ndex.records import read_record
from pfocr_ndex.style import load_style
from pfocr_ndex.validate import validate_cx2

START = "PMC12170841__IJN-20-7415-g0001"
LEGACY = "PMC17299__pq2202117006"
GOOD = [START, "PMC10003241__ijms-24-04893-g003", "PMC1971124__pbio.0050248.g004"]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pfocr_ndex", "convert", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def aspect(cx2: list, name: str) -> list:
    return next(fragment[name] for fragment in cx2 if name in fragment)


def tsv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_convert_the_sample_database(sample_db, tmp_path):
    out = tmp_path / "out"
    summary = convert([sample_db], outdir=out)
    records = sorted(p.stem for p in (sample_db / "_figures").glob("*.md"))
    assert (summary.converted, summary.failed, summary.failures) == (len(records), 0, [])
    assert str(summary) == f"converted {len(records)}, failed 0"
    assert files_in(out) == {f"{figid}.cx2" for figid in records}  # no temporary files left
    for figid in (START, LEGACY, "PMC1635360__zmk0100678110001"):
        cx2 = json.loads((out / f"{figid}.cx2").read_bytes())
        assert validate_cx2(cx2) == []
        names = [node["v"]["name"] for node in aspect(cx2, "nodes")]
        assert sorted(names) == sorted(e.name for e in read_record(sample_db / "_figures" / f"{figid}.md").entities)


def test_cx2_nodes_are_the_tables_entities(sample_db, tmp_path):
    """Node identifiers derived by hand from the TSV files (csv module), not from the code under test."""
    cx2 = json.loads(convert_one(sample_db / "_figures" / f"{START}.md", tmp_path).read_bytes())
    genes = tsv_rows(sample_db / "_data" / f"{START}-genes.tsv")
    chemicals = tsv_rows(sample_db / "_data" / f"{START}-chemicals.tsv")
    expected = {f"ncbigene:{r['ncbigene_id']}" for r in genes} | {r["chebi"] for r in chemicals}
    nodes = aspect(cx2, "nodes")
    assert {n["v"]["represents"] for n in nodes} == expected
    assert len(nodes) == len(expected)
    by_name = {n["v"]["name"]: n["v"] for n in nodes}
    assert by_name["IL4"]["represents"] == "ncbigene:3565" and by_name["IL4"]["type"] == "gene"
    assert by_name["MIR21"]["type"] == "miRNA"
    assert by_name["alpha-amino acid"]["represents"] == "chebi:33704"
    attributes = aspect(cx2, "networkAttributes")[0]
    assert attributes["nodeSource"] == "tables"


def test_one_figid_per_file_name_with_dots(sample_db, tmp_path):
    target = convert_one(sample_db / "_figures" / "PMC1971124__pbio.0050248.g004.md", tmp_path)
    assert target == tmp_path / "PMC1971124__pbio.0050248.g004.cx2" and target.is_file()


def bad_database(root: Path) -> tuple[Path, dict[str, str]]:
    """A database with three good figures and one bad file of each kind; returns it and the expected reasons."""
    figures, data = root / "_figures", root / "_data"
    figures.mkdir(parents=True)
    data.mkdir()
    for figid in GOOD:
        shutil.copy(SAMPLE_DB / "_figures" / f"{figid}.md", figures)
        for table in (SAMPLE_DB / "_data").glob(f"{figid}-*.tsv"):
            shutil.copy(table, data)
    (figures / "bad_yaml.md").write_text("---\nfigid: bad_yaml\ncaption: a: b\n---\n", encoding="utf-8")
    (figures / "no_figid.md").write_text("---\nfigtitle: Nothing\n---\n", encoding="utf-8")
    (figures / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (figures / "latin1.md").write_bytes("---\nfigid: latin1\ncaption: caf\u00e9\n---\n".encode("latin-1"))
    (figures / "bad_table.md").write_text("---\nfigid: bad_table\n---\n", encoding="utf-8")
    (data / "bad_table-genes.tsv").write_text("word\tsymbol\nAKT\tAKT1\n", encoding="utf-8")
    (figures / "escape.md").write_text("---\nfigid: ../../escape\n---\n", encoding="utf-8")
    reasons = {
        "bad_yaml.md": "malformed YAML front matter at line 3: mapping values are not allowed in this context",
        "no_figid.md": "missing or empty figid",
        "binary.md": "binary file (NUL bytes), not a text file",
        "latin1.md": "not valid UTF-8: byte 0xe9 on line 3",
        "bad_table.md": f"{data / 'bad_table-genes.tsv'}: genes table lacks column(s) organism_id, organism_name, "
        "match, ncbigene_symbol, ncbigene_id, source (header: word symbol)",
        "escape.md": "figid '../../escape' is not a plain file name (it would escape the output folder)",
    }
    return root, reasons


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_reports_each_bad_file_on_one_line_and_converts_the_rest(tmp_path, jobs):
    db, reasons = bad_database(tmp_path / "db")
    out = tmp_path / "out"
    result = run_cli(str(db), "-o", str(out), "--jobs", jobs, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    expected = {f"pfocr-ndex: {db / '_figures' / name}: {reason}" for name, reason in reasons.items()}
    assert set(lines) == expected and len(lines) == len(expected)
    assert f"converted {len(GOOD)}, failed {len(reasons)}" in result.stdout
    assert files_in(out) == {f"{figid}.cx2" for figid in GOOD}
    assert not (tmp_path / "escape.cx2").exists() and not (tmp_path / "escape").exists()


def test_cli_converts_and_previews_records_whose_fields_have_odd_types(sample_db, tmp_path):
    odd = {  # values of another type than the generators write: read as what they can mean, never a crash
        START: {"genes": "5", "organisms_ner": "7", "automl_pathway": "1" + "0" * 400},
        GOOD[1]: {"chemicals": "2020-01-02", "diseases": "true", "organisms": "[1, 2]"},
        GOOD[2]: {"organisms_ner": "true", "automl_pathway": ".nan", "genes": "{hgnc_symbol: TP53}"},
    }
    figures = sample_db / "_figures"
    for figid, fields in odd.items():
        with_fields(figures / f"{figid}.md", figures, fields)
    for path in figures.iterdir():
        if path.stem not in odd:
            path.unlink()
    converted = run_cli(str(sample_db), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert (converted.returncode, converted.stderr) == (0, ""), converted.stderr
    for figid in odd:
        assert validate_cx2((tmp_path / "out" / f"{figid}.cx2").read_bytes()) == []
    previewed = subprocess.run(
        [sys.executable, "-m", "pfocr_ndex", "preview", str(sample_db), "-o", str(tmp_path / "pages")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert previewed.returncode == 0 and "3 figure page(s) written, 0 failed" in previewed.stderr, previewed.stderr


def test_cli_jobs_give_the_same_bytes(sample_db, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_cli(str(sample_db), "-o", str(one), cwd=tmp_path).returncode == 0
    result = run_cli(str(sample_db), "-o", str(two), "-j", "2", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert "converted 99, failed 0" in result.stdout
    assert files_in(one) == files_in(two) and len(files_in(one)) == 99
    for name in files_in(one):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_cli_single_files_and_rerun(sample_db, tmp_path):
    record = sample_db / "_figures" / f"{LEGACY}.md"
    out = tmp_path / "out"
    first = run_cli(str(record), str(sample_db / "_figures" / f"{START}.md"), "-o", str(out), cwd=tmp_path)
    assert first.returncode == 0 and "converted 2, failed 0" in first.stdout
    before = (out / f"{LEGACY}.cx2").read_bytes()
    again = run_cli(str(record), "-o", str(out), cwd=tmp_path)
    assert again.returncode == 0 and "converted 1, failed 0" in again.stdout
    assert (out / f"{LEGACY}.cx2").read_bytes() == before
    assert files_in(out) == {f"{LEGACY}.cx2", f"{START}.cx2"}


def test_cli_default_outdir_is_cx2_in_the_working_folder(sample_db, tmp_path):
    result = run_cli(str(sample_db / "_figures" / f"{START}.md"), cwd=tmp_path)
    assert result.returncode == 0
    assert files_in(tmp_path / "cx2") == {f"{START}.cx2"}


def test_cli_a_missing_path_is_one_line_and_the_rest_is_converted(sample_db, tmp_path):
    missing = tmp_path / "nope"
    result = run_cli(str(missing), str(sample_db), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"pfocr-ndex: {missing}: no such file or directory"]
    assert "converted 99, failed 1" in result.stdout and len(files_in(tmp_path / "out")) == 99


def test_cli_a_second_database_with_the_same_figids_is_reported(sample_db, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(sample_db, copy)
    result = run_cli(str(sample_db), str(copy), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    record = copy / "_figures" / f"{START}.md"
    assert len(lines) == 99 and f"pfocr-ndex: {record}: figid {START} was already read from " in "\n".join(lines)
    assert "converted 99, failed 99" in result.stdout


@pytest.mark.parametrize("args", [[], ["--jobs", "-1"], ["--jobs", "many"]])
def test_cli_usage_errors(tmp_path, args):
    result = run_cli(*args, *([str(SAMPLE_DB)] if args else []), cwd=tmp_path)
    assert result.returncode == 2
    assert "usage:" in result.stderr and "Traceback" not in result.stderr


def test_cli_style_option(sample_db, tmp_path):
    style = load_style()
    style["default"]["network"]["NETWORK_BACKGROUND_COLOR"] = "#123456"
    style_file = tmp_path / "style.json"
    style_file.write_text(json.dumps(style), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli(
        str(sample_db / "_figures" / f"{START}.md"), "-o", str(out), "--style", str(style_file), cwd=tmp_path
    )
    assert result.returncode == 0
    cx2 = json.loads((out / f"{START}.cx2").read_bytes())
    assert aspect(cx2, "visualProperties")[0]["default"]["network"]["NETWORK_BACKGROUND_COLOR"] == "#123456"

    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = run_cli(str(sample_db), "-o", str(tmp_path / "out2"), "--style", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"pfocr-ndex: convert: --style {bad}: not valid JSON")
    assert not (tmp_path / "out2").exists()


def test_cli_style_with_null_parts(sample_db, tmp_path):
    record = str(sample_db / "_figures" / f"{START}.md")
    null_mappings = tmp_path / "null-mappings.json"
    null_mappings.write_text(json.dumps({"default": {}, "nodeMapping": None, "edgeMapping": None}))
    result = run_cli(record, "-o", str(tmp_path / "out"), "--style", str(null_mappings), cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert validate_cx2((tmp_path / "out" / f"{START}.cx2").read_bytes()) == []
    null_default = tmp_path / "null-default.json"
    null_default.write_text(json.dumps({"default": None, "nodeMapping": {}}))
    result = run_cli(record, "-o", str(tmp_path / "out2"), "--style", str(null_default), cwd=tmp_path)
    assert result.returncode == 2 and result.stderr == (
        f"pfocr-ndex: convert: --style {null_default}: visualProperties: 'default' must be an object, not None\n"
    )


def test_api_reports_missing_paths_and_converts_the_rest(tmp_path):
    seen: list[tuple[str, str]] = []
    summary = convert(
        [tmp_path / "missing", SAMPLE_DB / "_figures" / f"{START}.md"],
        outdir=tmp_path / "out",
        on_error=lambda path, reason: seen.append((path, reason)),
    )
    assert seen == summary.failures == [(str(tmp_path / "missing"), "no such file or directory")]
    assert (summary.converted, summary.failed) == (1, 1) and files_in(tmp_path / "out") == {f"{START}.cx2"}


def test_api_on_error_callback_and_failures(tmp_path):
    db, reasons = bad_database(tmp_path / "db")
    seen = []
    summary = convert([db], outdir=tmp_path / "out", jobs=1, on_error=lambda path, reason: seen.append((path, reason)))
    expected = sorted((str(db / "_figures" / name), reason) for name, reason in reasons.items())
    assert sorted(summary.failures) == sorted(seen) == expected
    assert (summary.converted, summary.failed) == (len(GOOD), len(reasons))


def test_write_failure_is_a_per_figure_failure(sample_db, tmp_path):
    out = tmp_path / "out"
    (out / f"{START}.cx2").mkdir(parents=True)  # a folder where the file should go
    summary = convert([sample_db / "_figures" / f"{START}.md", sample_db / "_figures" / f"{LEGACY}.md"], outdir=out)
    assert (summary.converted, summary.failed) == (1, 1)
    path, reason = summary.failures[0]
    assert path == str(sample_db / "_figures" / f"{START}.md")
    assert reason == f"cannot write {out / START}.cx2: Is a directory"
    assert files_in(out) == {f"{START}.cx2", f"{LEGACY}.cx2"}  # no temporary file left behind


def test_a_network_ndex_would_reject_is_a_failure_and_not_written(sample_db, tmp_path):
    """A style without a mapping type (passed as a dict, past load_style's checks) fails validate_cx2."""
    style = load_style()
    del style["nodeMapping"]["NODE_LABEL"]["type"]
    out = tmp_path / "out"
    summary = convert([sample_db / "_figures" / f"{LEGACY}.md"], outdir=out, style=style)
    assert (summary.converted, summary.failed) == (0, 1)
    assert summary.failures[0][1] == (
        "the CX2 network NDEx would reject: Mapping type is missing for visual property NODE_LABEL"
    )
    assert files_in(out) == set()


# --- bounded resources and clear errors ------------------------------------------------------------


def test_cli_jobs_are_capped_with_one_line(tmp_path):
    started = time.monotonic()
    result = run_cli(
        str(SAMPLE_DB / "_figures" / f"{START}.md"), "-o", str(tmp_path / "out"), "-j", "100000", cwd=tmp_path
    )
    cap = (os.cpu_count() or 1) * 4
    assert result.returncode == 0 and time.monotonic() - started < 60
    assert result.stderr.splitlines() == [
        f"pfocr-ndex: convert: --jobs 100000 lowered to {cap} ({os.cpu_count() or 1} CPU(s) x 4)"
    ]
    assert files_in(tmp_path / "out") == {f"{START}.cx2"}


def odd_figure(db: Path, figid: str, year: str | None = None) -> Path:
    """A copy of the legacy sample record as ``figid`` (and ``year``) in the checkout ``db``."""
    text = (SAMPLE_DB / "_figures" / f"{LEGACY}.md").read_text(encoding="utf-8").replace(LEGACY, figid)
    if year is not None:
        text = re.sub(r"(?m)^year: .*$", f"year: '{year}'", text)
    path = db / "_figures" / f"{figid}.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_bad_years_and_long_figids_are_one_line_each(tmp_path):
    db = tmp_path / "db"
    (db / "_figures").mkdir(parents=True)
    shutil.copy(SAMPLE_DB / "_figures" / f"{START}.md", db / "_figures")
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    superscript = odd_figure(db, "PMC1__sup", "\u00b2")
    huge = odd_figure(db, "PMC2__huge", "12345678901234567890")
    long_ok = odd_figure(db, "PMC3__" + "x" * 234)  # 240 characters: its .cx2 and temporary names fit
    too_long = odd_figure(db, "PMC4__" + "y" * (limit - 9))  # the record's name fits, '<figid>.cx2' does not
    out = tmp_path / "out"
    result = run_cli(str(db), "-o", str(out), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert sorted(result.stderr.splitlines()) == sorted(
        [
            f"pfocr-ndex: {superscript}: year '\u00b2' is not a year (1 to 4 digits)",
            f"pfocr-ndex: {huge}: year '12345678901234567890' is not a year (1 to 4 digits)",
            f"pfocr-ndex: {too_long}: figid too long: its file name {too_long.stem[:24]}….cx2 is {limit + 1} bytes, "
            f"the file system allows {limit}",
        ]
    )
    assert "converted 2, failed 3" in result.stdout
    assert files_in(out) == {f"{START}.cx2", f"{long_ok.stem}.cx2"}


ALIAS_BOMB_CLI = (
    "import resource, sys\n"
    "resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))\n"
    "from pfocr_ndex.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def test_cli_an_alias_bomb_is_one_line_under_a_memory_limit(tmp_path):
    bomb = "---\nfigid: bomb\na: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
        f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    record = tmp_path / "bomb.md"
    record.write_text(bomb + "---\n", encoding="utf-8")
    shutil.copy(SAMPLE_DB / "_figures" / f"{LEGACY}.md", tmp_path)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", ALIAS_BOMB_CLI, "convert", str(tmp_path), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"pfocr-ndex: {record}: YAML alias at line 4: alias *a refused (figure records never use YAML aliases)"
    ]
    assert files_in(tmp_path / "out") == {f"{LEGACY}.cx2"}


def test_temporary_files_of_a_killed_run_are_removed_by_the_next(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = out / f".{START}.cx2.{int(child.stdout)}.0.tmp"
    stale.write_bytes(b"[half")
    convert([SAMPLE_DB / "_figures" / f"{START}.md"], outdir=out)
    assert files_in(out) == {f"{START}.cx2"}
