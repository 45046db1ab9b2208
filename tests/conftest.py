"""Shared test fixtures: the bundled slice of the real PFOCR database (tests/data/pfocr)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

DATA = Path(__file__).parent / "data"
SAMPLE_DB = DATA / "pfocr"


@pytest.fixture
def sample_db(tmp_path: Path) -> Path:
    """A writable copy of the sample database (``_figures/`` + ``_data/``)."""
    dest = tmp_path / "pfocr"
    shutil.copytree(SAMPLE_DB, dest)
    return dest


def front_matter(path: Path) -> str:
    """The YAML between a sample record's ``---`` lines (the samples are LF, opened by ``---``)."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return text[4 : text.index("\n---", 3) + 1]


def libyaml(text: str) -> Any:
    """The oracle for front-matter parsing: libyaml through pyyaml's CSafeLoader."""
    return yaml.load(text, Loader=yaml.CSafeLoader)


def with_fields(path: Path, dest: Path, replacements: dict[str, str]) -> Path:
    """A copy of record ``path`` in ``dest`` with top-level ``key: value`` entries replaced (or added)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    end = lines.index("---", 1)
    head = lines[:end]
    for key, value in replacements.items():
        first = next((i for i, line in enumerate(head) if line.startswith(f"{key}:")), len(head))
        last = first + 1
        while last < len(head) and head[last][:1] in (" ", "-"):  # the old value's lines
            last += 1
        head[first:last] = [f"{key}: {value}"]
    copy = dest / path.name
    copy.write_text("\n".join(head + lines[end:]), encoding="utf-8")
    return copy
