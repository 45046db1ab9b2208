"""The database layout and the one input-path policy (``layout.iter_record_paths``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE_DB

from pfocr_ndex import layout
from pfocr_ndex.errors import PfocrError
from pfocr_ndex.layout import iter_record_paths

FIGURES = SAMPLE_DB / "_figures"
ALL_RECORDS = sorted(FIGURES.glob("*.md"))
START = "PMC12170841__IJN-20-7415-g0001"


def collect(paths: list) -> tuple[list[Path], list[str]]:
    errors: list[str] = []
    found = list(iter_record_paths(paths, on_error=lambda err: errors.append(str(err))))
    return found, errors


def test_paths_of_a_checkout(tmp_path: Path) -> None:
    record = tmp_path / "db" / "_figures" / "PMC1__f1.md"
    assert layout.database_root(record) == tmp_path / "db"
    assert layout.record_path(tmp_path / "db", "PMC1__f1") == record
    assert layout.database_root(tmp_path / "loose" / "PMC1__f1.md") is None
    assert layout.data_dir(record) is None and layout.ndex_map_path(record) is None  # no _data/ yet
    (tmp_path / "db" / "_data").mkdir(parents=True)
    assert layout.ndex_map_path(record) == tmp_path / "db" / "_data" / "ndex_map.tsv"
    assert layout.data_dir(FIGURES / f"{START}.md") == SAMPLE_DB / "_data"
    assert layout.table_path(SAMPLE_DB / "_data", START, "genes").is_file()


def test_a_data_folder_made_later_is_seen_by_the_same_process(tmp_path: Path) -> None:
    """A notebook reads a record, then the tables arrive: the next read finds them."""
    from pfocr_ndex.records import read_record

    (tmp_path / "_figures").mkdir()
    record = tmp_path / "_figures" / f"{START}.md"
    shutil.copy(FIGURES / f"{START}.md", record)
    assert layout.data_dir(record) is None and read_record(record).entity_source == "schema-jsonld keywords"
    shutil.copytree(SAMPLE_DB / "_data", tmp_path / "_data")
    assert layout.data_dir(record) == tmp_path / "_data" and read_record(record).entity_source == "tables"


def test_tables_beside_a_loose_record(tmp_path: Path) -> None:
    shutil.copy(FIGURES / f"{START}.md", tmp_path)
    assert layout.data_dir(tmp_path / f"{START}.md") is None
    shutil.copy(SAMPLE_DB / "_data" / f"{START}-chemicals.tsv", tmp_path)
    assert layout.data_dir(tmp_path / f"{START}.md") == tmp_path


def test_file_folder_checkout(tmp_path: Path) -> None:
    assert list(iter_record_paths([FIGURES / f"{START}.md"])) == [FIGURES / f"{START}.md"]
    assert list(iter_record_paths([SAMPLE_DB])) == ALL_RECORDS
    assert list(iter_record_paths([FIGURES])) == ALL_RECORDS
    (tmp_path / "b.md").write_text("x")
    (tmp_path / "a.md").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".hidden.md").write_text("x")
    assert [p.name for p in iter_record_paths([tmp_path])] == ["a.md", "b.md"]
    assert layout.count_records([SAMPLE_DB, FIGURES / f"{START}.md", tmp_path, tmp_path / "missing"]) == 99 + 1 + 2


def test_lazy_and_raises_by_default(tmp_path: Path) -> None:
    stream = iter_record_paths([FIGURES / f"{START}.md", tmp_path / "missing"])
    assert next(stream) == FIGURES / f"{START}.md"
    with pytest.raises(PfocrError) as err:
        next(stream)
    assert str(err.value) == f"{tmp_path / 'missing'}: no such file or directory"


def test_a_bad_path_is_one_line_and_the_others_go_on(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0)
    try:
        found, errors = collect([tmp_path / "missing", empty, FIGURES / f"{START}.md", SAMPLE_DB])
        if os.geteuid() != 0:  # root lists any folder
            found_locked, errors_locked = collect([locked])
            assert found_locked == [] and errors_locked == [f"{locked}: cannot list the folder: Permission denied"]
    finally:
        os.chmod(locked, 0o755)
    assert errors == [
        f"{tmp_path / 'missing'}: no such file or directory",
        f"{empty}: holds no figure records (*.md files)",
    ]
    # START comes first; the checkout's copy of it is the same file, skipped silently
    assert found == [FIGURES / f"{START}.md", *(p for p in ALL_RECORDS if p.stem != START)]


def test_duplicate_figids_across_inputs_are_reported(tmp_path: Path) -> None:
    second = tmp_path / "second"
    shutil.copytree(SAMPLE_DB, second)
    found, errors = collect([SAMPLE_DB, second])
    assert found == ALL_RECORDS
    assert len(errors) == len(ALL_RECORDS)
    assert errors[0] == (
        f"{second / '_figures' / ALL_RECORDS[0].name}: figid {ALL_RECORDS[0].stem} was already read from "
        f"{ALL_RECORDS[0]}; this copy is skipped"
    )
    assert collect([SAMPLE_DB, SAMPLE_DB]) == (ALL_RECORDS, [])  # the same files twice: nothing to report
