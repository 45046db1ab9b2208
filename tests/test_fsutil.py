"""atomic_write_bytes / atomic_write_text: content, file modes, temporary-file cleanup."""

import os
import stat

import pytest

from pfocr_ndex.fsutil import atomic_write_bytes, atomic_write_text


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _leftovers(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.mark.parametrize("durable", [True, False])
def test_writes_the_bytes_and_leaves_no_temporary_file(tmp_path, durable):
    target = tmp_path / "a.cx2"
    atomic_write_bytes(target, b"[1,2]", durable=durable)
    assert target.read_bytes() == b"[1,2]"
    atomic_write_bytes(str(target), b"[3]", durable=durable)
    assert target.read_bytes() == b"[3]"
    assert os.listdir(tmp_path) == ["a.cx2"]


def test_text_is_utf8_without_newline_translation(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "é\r\nx\n")
    assert target.read_bytes() == "é\r\nx\n".encode()


def test_new_file_is_0644_whatever_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        atomic_write_bytes(tmp_path / "a", b"x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a") == 0o644


def test_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "a"
    target.write_bytes(b"old")
    os.chmod(target, 0o600)
    atomic_write_bytes(target, b"new", durable=False)
    assert target.read_bytes() == b"new"
    assert _mode(target) == 0o600


def test_a_failed_replace_keeps_the_old_target_and_removes_the_temporary_file(tmp_path):
    target = tmp_path / "a"
    target.mkdir()  # a folder in the way: the rename fails
    (target / "inside").write_bytes(b"old")
    with pytest.raises(IsADirectoryError):
        atomic_write_bytes(target, b"new")
    assert (target / "inside").read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_a_failed_write_removes_the_temporary_file(tmp_path):
    with pytest.raises(TypeError):
        atomic_write_bytes(tmp_path / "a", "not bytes")  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []


def test_a_leftover_temporary_name_is_skipped_not_overwritten(tmp_path):
    from pfocr_ndex import fsutil

    upcoming = next(fsutil._temp_numbers) + 1
    leftover = tmp_path / f".a.{os.getpid()}.{upcoming}.tmp"
    leftover.write_bytes(b"someone else's")
    atomic_write_bytes(tmp_path / "a", b"new")
    assert (tmp_path / "a").read_bytes() == b"new"
    assert leftover.read_bytes() == b"someone else's"
    assert _leftovers(tmp_path) == [leftover.name]


def test_missing_folder_raises_and_writes_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write_bytes(tmp_path / "no" / "a", b"x")
    assert os.listdir(tmp_path) == []
