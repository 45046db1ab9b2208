"""ndex-field write-back and ndex_map.tsv: byte-exact edits, what is not ours kept, the database lock, fill."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from ndex_helpers import snapshot

from pfocr_ndex.errors import PfocrError, RecordError
from pfocr_ndex.layout import ndex_map_path
from pfocr_ndex.records import read_record
from pfocr_ndex.writeback import (
    LOCK_NAME,
    NdexMap,
    database_lock,
    fill_from_map,
    read_ndex_field,
    set_ndex_field,
)

UUID_A = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
UUID_B = "0d1c9d2e-aaaa-4bbb-8ccc-123456789abc"
EMPTY = "PMC10037071__gr7"  # ndex: ''
FILLED = "PMC1635360__zmk0100678110001"  # ndex: faab0cd9-…
FILLED_UUID = "faab0cd9-df21-11ea-99da-0ac135e8bacf"


def run_fill(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pfocr_ndex", "fill", *args], capture_output=True, text=True, timeout=60, cwd=cwd
    )


def lines_differing(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(a) == len(b)
    return [(x, y) for x, y in zip(a, b, strict=True) if x != y]


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
        (b"---\nfigid: x\nndex: ''\n", "unterminated"),
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
    map_path = ndex_map_path(sample_db / "_figures" / f"{EMPTY}.md")
    assert map_path == sample_db / "_data" / "ndex_map.tsv"
    before = map_path.read_text().splitlines()
    ndex_map = NdexMap(map_path)
    ndex_map.set(FILLED, UUID_B)  # replace in place
    ndex_map.set(EMPTY, UUID_A)  # append
    assert map_path.read_text().splitlines() == before  # nothing written before flush
    assert ndex_map.flush() is True and ndex_map.flush() is False
    after = map_path.read_text().splitlines()
    expected = [f"{FILLED}\t{UUID_B}" if line.startswith(FILLED + "\t") else line for line in before]
    assert after == [*expected, f"{EMPTY}\t{UUID_A}"]


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
    run = run_fill(str(sample_db), "--map", str(map_path))
    assert run.returncode == 1
    assert run.stderr.strip() == f"pfocr-ndex: {map_path}:2: expected 'figid<TAB>uuid', found 1 field(s)"
    assert run.stdout.startswith("1 filled, 0 replaced, 0 unchanged, 0 conflicting")
    assert read_ndex_field(sample_db / "_figures" / f"{EMPTY}.md") == UUID_A


@pytest.mark.parametrize("unreadable", ["folder", "/proc/self/mem"])
def test_fill_with_a_map_that_cannot_be_read_is_one_line(sample_db: Path, tmp_path: Path, unreadable: str) -> None:
    map_path = Path(unreadable) if unreadable.startswith("/") else tmp_path / "map.tsv"
    if unreadable == "folder":
        map_path.mkdir()
    before = snapshot(sample_db)
    run = run_fill(str(sample_db), "--map", str(map_path))
    reason = "Is a directory" if unreadable == "folder" else "Input/output error"
    assert (run.returncode, run.stderr) == (1, f"pfocr-ndex: {map_path}: cannot read the map: {reason}\n")
    assert snapshot(sample_db) == before


# --- the ndex key, found as YAML finds it --------------------------------------------------------


def record_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def without_ndex_line(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("ndex:"))


def test_fill_never_writes_into_a_caption_line_that_starts_with_ndex(sample_db: Path, tmp_path: Path) -> None:
    path = sample_db / "_figures" / f"{EMPTY}.md"
    note = f"note: 'a caption folded by hand\nndex: {UUID_B}\n  and more'\n"
    text = without_ndex_line(record_text(path)).replace("pmcid:", note + "pmcid:")
    path.write_text(text, encoding="utf-8")
    assert read_record(path).fields["note"] == f"a caption folded by hand ndex: {UUID_B} and more"
    map_path = tmp_path / "map.tsv"
    map_path.write_text(f"{EMPTY}\t{UUID_A}\n")
    report = fill_from_map([path], map_path)
    assert report.filled == [EMPTY] and report.errors == []
    after = read_record(path)
    assert after.ndex == UUID_A and after.fields["note"] == f"a caption folded by hand ndex: {UUID_B} and more"
    assert record_text(path) == text.replace("\n---\n", f"\nndex: {UUID_A}\n---\n")


@pytest.mark.parametrize(
    "change",
    [
        lambda t: "\ufeff" + t,
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t[: t.rindex("---\n")] + "...\n",
        lambda t: "\ufeff" + without_ndex_line(t[: t.rindex("---\n")] + "...\n").replace("\n", "\r\n"),
    ],
    ids=["bom", "crlf", "dots", "bom-crlf-dots-no-key"],
)
def test_records_jekyll_reads_are_filled_byte_exact(sample_db: Path, change) -> None:
    path = sample_db / "_figures" / f"{EMPTY}.md"
    before = change(record_text(path))
    path.write_bytes(before.encode("utf-8"))
    assert set_ndex_field(path, UUID_A) is True
    after = path.read_bytes().decode("utf-8")
    if "ndex: ''" in before:
        assert after == before.replace("ndex: ''", f"ndex: {UUID_A}")
    else:  # added before the closing line, in the record's line ending
        assert after == before.replace("\r\n...\r\n", f"\r\nndex: {UUID_A}\r\n...\r\n")
    assert read_record(path).ndex == read_ndex_field(path) == UUID_A


def test_a_record_whose_ndex_entry_cannot_be_located_safely_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    content = b"---\n{figid: x, ndex: ''}\n---\n"
    path.write_bytes(content)
    with pytest.raises(RecordError) as err:
        set_ndex_field(path, UUID_A)
    assert str(err.value) == f"{path}: the 'ndex' entry shares its line with another one: not changed"
    assert path.read_bytes() == content


# --- what write-back does not own ------------------------------------------------------------------


def test_a_symlinked_record_stays_a_link_and_its_target_is_filled(sample_db: Path, tmp_path: Path) -> None:
    figures = sample_db / "_figures"
    real = tmp_path / "elsewhere" / f"{EMPTY}.md"
    real.parent.mkdir()
    (figures / f"{EMPTY}.md").rename(real)
    (figures / f"{EMPTY}.md").symlink_to(real)
    assert set_ndex_field(figures / f"{EMPTY}.md", UUID_A) is True
    assert (figures / f"{EMPTY}.md").is_symlink() and read_ndex_field(real) == UUID_A


def test_mode_and_owner_are_kept(sample_db: Path) -> None:
    path = sample_db / "_figures" / f"{EMPTY}.md"
    os.chmod(path, 0o664)
    if os.geteuid() == 0:
        os.chown(path, 4321, 8765)
    set_ndex_field(path, UUID_A)
    st = os.stat(path)
    assert stat.S_IMODE(st.st_mode) == 0o664
    if os.geteuid() == 0:
        assert (st.st_uid, st.st_gid) == (4321, 8765)


def test_hard_linked_and_read_only_records_are_refused_in_one_line(sample_db: Path, tmp_path: Path) -> None:
    figures = sample_db / "_figures"
    linked, read_only = figures / f"{EMPTY}.md", figures / "PMC10003241__ijms-24-04893-g003.md"
    os.link(linked, tmp_path / "backup.md")
    os.chmod(read_only, 0o444)
    before = {p: p.read_bytes() for p in (linked, read_only)}
    map_path = tmp_path / "map.tsv"
    map_path.write_text(f"{EMPTY}\t{UUID_A}\n{read_only.stem}\t{UUID_B}\n")
    report = fill_from_map([sample_db], map_path)
    assert report.filled == [] and len(report.errors) == 2
    assert report.errors[0].startswith(f"{read_only}: is read-only (mode 0444): not written")
    assert report.errors[1].startswith(f"{linked}: has 2 hard links: not written")
    assert {p: p.read_bytes() for p in before} == before
    assert (tmp_path / "backup.md").read_bytes() == before[linked]


# --- ndex_map.tsv ---------------------------------------------------------------------------------


def test_map_keeps_crlf_header_comments_bad_lines_and_order(tmp_path: Path) -> None:
    path = tmp_path / "ndex_map.tsv"
    original = f"figid\tuuid\r\n# written by hand\r\na\t{UUID_A}\r\nnot a row\r\n\r\nb\t{UUID_A}\r\n# end\r\n".encode()
    path.write_bytes(original)
    errors: list[str] = []
    ndex_map = NdexMap(path, errors=errors)
    assert ndex_map.rows == {"a": UUID_A, "b": UUID_A} and errors == [
        f"{path}:4: expected 'figid<TAB>uuid', found 1 field(s)"
    ]
    ndex_map.set("a", UUID_B)
    ndex_map.set("c", UUID_B)
    assert ndex_map.flush() is True
    assert path.read_bytes() == original.replace(f"a\t{UUID_A}".encode(), f"a\t{UUID_B}".encode()) + (
        f"c\t{UUID_B}\r\n".encode()
    )


def test_map_flush_merges_with_the_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "ndex_map.tsv"
    path.write_text(f"a\t{UUID_A}\n")
    first, second = NdexMap(path), NdexMap(path)
    first.set("b", UUID_A)
    second.set("c", UUID_B)
    second.set("a", UUID_B)
    first.flush()
    second.flush()
    assert path.read_text() == f"a\t{UUID_B}\nb\t{UUID_A}\nc\t{UUID_B}\n"
    assert second.rows == {"a": UUID_B, "b": UUID_A, "c": UUID_B}


def test_a_symlinked_map_is_written_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.tsv"
    real.write_text(f"a\t{UUID_A}")  # no final newline
    link = tmp_path / "ndex_map.tsv"
    link.symlink_to(real)
    ndex_map = NdexMap(link)
    ndex_map.set("b", UUID_B)
    ndex_map.flush()
    assert link.is_symlink() and real.read_text() == f"a\t{UUID_A}\nb\t{UUID_B}\n"


# --- the database lock ----------------------------------------------------------------------------

HOLD_LOCK = """
import sys
from pfocr_ndex.writeback import database_lock
with database_lock(sys.argv[1], purpose="publish"):
    print("locked", flush=True)
    sys.stdin.read()
"""


def test_a_second_run_is_refused_with_one_line_naming_the_holder(sample_db: Path, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(sample_db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        map_path = tmp_path / "map.tsv"
        map_path.write_text(f"{EMPTY}\t{UUID_A}\n")
        elsewhere = tmp_path / "cwd"
        elsewhere.mkdir()
        before = (sample_db / "_figures" / f"{EMPTY}.md").read_bytes()
        run = run_fill(str(sample_db / "_figures"), "--map", str(map_path), cwd=elsewhere)
    finally:
        holder.communicate("", timeout=30)
    assert run.returncode == 1
    [line] = run.stderr.splitlines()
    assert line.startswith(f"pfocr-ndex: {sample_db}: the database is in use by publish, pid {holder.pid} on ")
    assert ", started 20" in line and line.endswith("; wait for that run to finish")
    assert (sample_db / "_figures" / f"{EMPTY}.md").read_bytes() == before
    assert not (sample_db / LOCK_NAME).exists()  # the holder removed it when it let go
    assert fill_from_map([sample_db], map_path).filled == [EMPTY]


def test_the_lock_is_reentrant_in_one_process_and_removed_after(sample_db: Path) -> None:
    with database_lock(sample_db, purpose="publish") as outer:
        assert "publish, pid" in (sample_db / LOCK_NAME).read_text()
        with database_lock(sample_db / "_figures" / "..", purpose="fill") as inner:
            assert inner is outer
        assert (sample_db / LOCK_NAME).exists()
    assert not (sample_db / LOCK_NAME).exists()


KILLED_WRITER = """
import os, signal, sys
fd = os.open(os.path.join(sys.argv[1], f".{sys.argv[2]}.md.{os.getpid()}.0.tmp"), os.O_WRONLY | os.O_CREAT)
os.write(fd, b"half a rec")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_temporary_files_of_a_killed_run_are_removed_by_the_next_fill(sample_db: Path, tmp_path: Path) -> None:
    figures = sample_db / "_figures"
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(figures), EMPTY])
    assert killed.returncode == -9
    [leftover] = [p.name for p in figures.iterdir() if p.name.endswith(".tmp")]
    mine = figures / f".{EMPTY}.md.{os.getpid()}.7.tmp"  # a live process's: kept
    mine.write_bytes(b"x")
    map_path = tmp_path / "map.tsv"
    map_path.write_text(f"{EMPTY}\t{UUID_A}\n")
    run = run_fill(str(sample_db), "--map", str(map_path))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == f"removed 1 temporary file(s) left by an interrupted run: {leftover}"
    assert sorted(p.name for p in figures.iterdir() if p.name.endswith(".tmp")) == [mine.name]


# --- fill: the input-path policy ----------------------------------------------------------------


def test_fill_reports_a_missing_path_and_a_duplicate_database_and_fills_the_rest(
    sample_db: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sample_db, copy)
    map_path = tmp_path / "map.tsv"
    map_path.write_text(f"{EMPTY}\t{UUID_A}\n")
    paths = [str(tmp_path / "missing"), str(sample_db), str(copy)]
    run = run_fill(*paths, "--map", str(map_path))
    assert run.returncode == 1
    lines = run.stderr.splitlines()
    assert lines[0] == f"pfocr-ndex: {tmp_path / 'missing'}: no such file or directory"
    assert len(lines) == 1 + 99 and all("was already read from" in line for line in lines[1:])
    assert run.stdout.startswith("1 filled,")
    assert read_ndex_field(sample_db / "_figures" / f"{EMPTY}.md") == UUID_A
    assert read_ndex_field(copy / "_figures" / f"{EMPTY}.md") == ""
