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
