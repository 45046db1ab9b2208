"""atomic_write_bytes / atomic_write_text / rewrite_file: content, modes, owners, links, temporary files."""

import os
import stat
import subprocess
import sys

import pytest

from pfocr_ndex.errors import PfocrError
from pfocr_ndex.fsutil import atomic_write_bytes, atomic_write_text, remove_stale_temp_files, rewrite_file


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


# --- rewrite_file: files this tool does not own ------------------------------------------------


def test_rewrite_through_a_symlink_keeps_the_link_and_updates_its_target(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "x.md"
    target.write_bytes(b"old")
    link = tmp_path / "x.md"
    link.symlink_to(os.path.join("real", "x.md"))
    rewrite_file(link, b"new")
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "x.md")
    assert target.read_bytes() == b"new"
    assert _leftovers(tmp_path) == _leftovers(tmp_path / "real") == []


def test_rewrite_refuses_a_dangling_symlink(tmp_path):
    link = tmp_path / "x.md"
    link.symlink_to("missing.md")
    with pytest.raises(PfocrError, match="symbolic link to a missing file"):
        rewrite_file(link, b"new")
    assert not (tmp_path / "missing.md").exists()


def test_rewrite_keeps_mode_and_owner(tmp_path):
    target = tmp_path / "x.md"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    if os.geteuid() == 0:
        os.chown(target, 1234, 5678)
    rewrite_file(target, b"new")
    st = os.stat(target)
    assert target.read_bytes() == b"new" and stat.S_IMODE(st.st_mode) == 0o640
    if os.geteuid() == 0:
        assert (st.st_uid, st.st_gid) == (1234, 5678)


def test_rewrite_refuses_hard_links_read_only_files_and_folders(tmp_path):
    linked = tmp_path / "a.md"
    linked.write_bytes(b"old")
    os.link(linked, tmp_path / "b.md")
    with pytest.raises(PfocrError) as err:
        rewrite_file(linked, b"new")
    assert str(err.value).startswith(f"{linked}: has 2 hard links: not written")
    assert linked.read_bytes() == (tmp_path / "b.md").read_bytes() == b"old"

    read_only = tmp_path / "c.md"
    read_only.write_bytes(b"old")
    os.chmod(read_only, 0o444)
    with pytest.raises(PfocrError) as err:
        rewrite_file(read_only, b"new")
    assert str(err.value) == f"{read_only}: is read-only (mode 0444): not written"
    assert read_only.read_bytes() == b"old"

    with pytest.raises(PfocrError, match="not a regular file"):
        rewrite_file(tmp_path, b"new")
    assert _leftovers(tmp_path) == []


# --- names near the file-system limit ----------------------------------------------------------


def test_a_name_near_the_limit_is_written_with_a_shortened_temporary_name(tmp_path):
    name = "PMC1__" + "x" * (os.pathconf(tmp_path, "PC_NAME_MAX") - 10) + ".cx2"  # the longest name allowed
    atomic_write_bytes(tmp_path / name, b"[]")
    assert (tmp_path / name).read_bytes() == b"[]"
    assert os.listdir(tmp_path) == [name]


# --- temporary files of killed processes -------------------------------------------------------


def test_only_our_stale_temporary_files_are_removed(tmp_path):
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(child.stdout)
    names = {
        f".x.md.{dead}.3.tmp": True,  # a killed run's: removed
        f".{'y' * 40}.{dead}.0.tmp": True,  # a shortened long name, same process
        f".x.md.{os.getpid()}.1.tmp": False,  # this process's own
        ".x.md.1.2.tmp": False,  # pid 1 is alive
        f"x.md.{dead}.3.tmp": False,  # not our pattern (no leading dot)
        f".x.md.{dead}.tmp": False,  # not our pattern (no counter)
        "notes.tmp": False,
    }
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / f".link.{dead}.4.tmp").symlink_to("notes.tmp")
    removed = remove_stale_temp_files(tmp_path)
    assert sorted(removed) == sorted(name for name, gone in names.items() if gone)
    assert sorted(os.listdir(tmp_path)) == sorted(
        [*(n for n, gone in names.items() if not gone), f".link.{dead}.4.tmp"]
    )
    assert remove_stale_temp_files(tmp_path / "missing") == []
