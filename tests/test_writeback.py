"""ndex-field write-back and ndex_map.tsv: byte-exact edits, atomic, map order kept, fill command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pfocr_ndex.errors import PfocrError, RecordError
from pfocr_ndex.writeback import NdexMap, database_map_path, fill_from_map, read_ndex_field, set_ndex_field

UUID_A = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
UUID_B = "0d1c9d2e-aaaa-4bbb-8ccc-123456789abc"
EMPTY = "PMC10037071__gr7"  # ndex: ''
FILLED = "PMC1635360__zmk0100678110001"  # ndex: faab0cd9-…
FILLED_UUID = "faab0cd9-df21-11ea-99da-0ac135e8bacf"


def lines_differing(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(a) == len(b)
    return [(x, y) for x, y in zip(a, b) if x != y]


def test_set_ndex_field_changes_only_that_line(sample_db: Path) -> None:
    path = sample_db / "_figures" / f"{EMPTY}.md"
    before = path.read_bytes()
    assert set_ndex_field(path, UUID_A) is True
    after = path.read_bytes()
    assert lines_differing(before, after) == [(b"ndex: ''\n", f"ndex: {UUID_A}\n".encode())]
    assert read_ndex_field(path) == UUID_A
    assert set_ndex_field(path, UUID_A) is False  # already there: file untouched
    assert path.read_bytes() == after


def test_replaces_a_filled_uuid_and_keeps_crlf(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    original = f"---\r\nfigid: x\r\ncaption: 'a: b'\r\nndex: {FILLED_UUID}\r\nseo: CreativeWork\r\n---\r\n".encode()
    path.write_bytes(original)
    set_ndex_field(path, UUID_B)
    assert path.read_bytes() == original.replace(FILLED_UUID.encode(), UUID_B.encode())


def test_record_without_ndex_line_gets_one_before_closing_fence(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(b"---\nfigid: x\nseo: CreativeWork\n---\n")
    assert read_ndex_field(path) is None
    set_ndex_field(path, UUID_A)
    assert path.read_bytes() == f"---\nfigid: x\nseo: CreativeWork\nndex: {UUID_A}\n---\n".encode()


def test_ndex_lines_outside_front_matter_or_nested_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    body = b"---\nfigid: x\nschema-jsonld:\n  ndex: nested\nndex: ''\n---\nndex: body text\n"
    path.write_bytes(body)
    set_ndex_field(path, UUID_A)
    assert path.read_bytes() == body.replace(b"ndex: ''", f"ndex: {UUID_A}".encode())


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"figid: x\nndex: ''\n", "no YAML front matter"),
        (b"---\nfigid: x\nndex: ''\n", "not closed"),
        (b"---\nndex: ''\nndex: ''\n---\n", "more than one"),
    ],
)
def test_bad_records_raise_one_line_naming_the_file(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(content)
    with pytest.raises(RecordError) as err:
        set_ndex_field(path, UUID_A)
    assert problem in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)
    assert path.read_bytes() == content


def test_read_rejects_a_url_in_the_field(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(b"---\nndex: https://www.ndexbio.org/viewer/networks/abc\n---\n")
    with pytest.raises(RecordError, match="not a bare UUID"):
        read_ndex_field(path)


def test_set_refuses_a_non_uuid(sample_db: Path) -> None:
    path = sample_db / "_figures" / f"{EMPTY}.md"
    before = path.read_bytes()
    with pytest.raises(PfocrError):
        set_ndex_field(path, "https://www.ndexbio.org/viewer/networks/" + UUID_A)
    assert path.read_bytes() == before


def test_map_keeps_order_replaces_and_appends(sample_db: Path) -> None:
    map_path = database_map_path(sample_db / "_figures" / f"{EMPTY}.md")
    assert map_path == sample_db / "_data" / "ndex_map.tsv"
    before = map_path.read_text().splitlines()
    ndex_map = NdexMap(map_path)
    ndex_map.set(FILLED, UUID_B)  # replace in place
    ndex_map.set(EMPTY, UUID_A)  # append
    assert map_path.read_text().splitlines() == before  # nothing written before flush
    assert ndex_map.flush() is True and ndex_map.flush() is False
    after = map_path.read_text().splitlines()
    expected = [f"{FILLED}\t{UUID_B}" if line.startswith(FILLED + "\t") else line for line in before]
    assert after == expected + [f"{EMPTY}\t{UUID_A}"]


def test_map_bad_lines_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "map.tsv"
    path.write_text(f"a\t{UUID_A}\nb {UUID_B}\nc\tnot-a-uuid\n")
    with pytest.raises(PfocrError, match=r"map\.tsv:2: expected 'figid<TAB>uuid'"):
        NdexMap(path)
    errors: list[str] = []
    ndex_map = NdexMap(path, errors=errors)
    assert ndex_map.rows == {"a": UUID_A}
    assert [e.split(": ")[0] for e in errors] == [f"{path}:2", f"{path}:3"]


def test_fill_from_map(sample_db: Path, tmp_path: Path) -> None:
    figures = sample_db / "_figures"
    originals = {p.name: p.read_bytes() for p in figures.iterdir()}
    map_path = tmp_path / "map.tsv"
    map_path.write_text(
        f"{EMPTY}\t{UUID_A}\n{FILLED}\t{UUID_B}\n"
        f"PMC164216__cm0330012005\ta994bd8e-df26-11ea-99da-0ac135e8bacf\nbroken line\n"
    )
    report = fill_from_map([figures], map_path)
    assert report.filled == [EMPTY]
    assert report.unchanged == ["PMC164216__cm0330012005"]
    assert len(report.conflicts) == 1 and FILLED in report.conflicts[0]
    assert len(report.errors) == 1 and f"{map_path}:4" in report.errors[0]
    assert read_ndex_field(figures / f"{FILLED}.md") == FILLED_UUID
    changed = [name for name, data in originals.items() if (figures / name).read_bytes() != data]
    assert changed == [f"{EMPTY}.md"]
    forced = fill_from_map([figures], map_path, force=True)
    assert forced.replaced == [FILLED]
    assert sorted(forced.unchanged) == sorted([EMPTY, "PMC164216__cm0330012005"])
    assert read_ndex_field(figures / f"{FILLED}.md") == UUID_B


def test_fill_cli(sample_db: Path, tmp_path: Path) -> None:
    map_path = tmp_path / "map.tsv"
    map_path.write_text(f"{EMPTY}\t{UUID_A}\nbad\n")
    run = subprocess.run(
        [sys.executable, "-m", "pfocr_ndex", "fill", str(sample_db), "--map", str(map_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert run.stderr.strip() == f"pfocr-ndex: {map_path}:2: expected 'figid<TAB>uuid', found 1 field(s)"
    assert run.stdout.startswith("1 filled, 0 replaced, 0 unchanged, 0 conflicting")
    assert read_ndex_field(sample_db / "_figures" / f"{EMPTY}.md") == UUID_A
