"""Shared test fixtures: the bundled slice of the real PFOCR database (tests/data/pfocr)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SAMPLE_DB = DATA / "pfocr"


@pytest.fixture
def sample_db(tmp_path: Path) -> Path:
    """A writable copy of the sample database (``_figures/`` + ``_data/``)."""
    dest = tmp_path / "pfocr"
    shutil.copytree(SAMPLE_DB, dest)
    return dest
