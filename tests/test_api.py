"""The package's public API: lazy top-level exports and the documented examples (doctests)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import pfocr_ndex

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(
    m.name for m in pkgutil.walk_packages(pfocr_ndex.__path__, "pfocr_ndex.") if m.name != "pfocr_ndex.__main__"
)


def test_every_export_resolves_to_its_module() -> None:
    for name, module in pfocr_ndex._EXPORTS.items():
        value = getattr(pfocr_ndex, name)
        assert value is getattr(importlib.import_module(f"pfocr_ndex.{module}"), name)
    with pytest.raises(AttributeError):
        pfocr_ndex.no_such_name  # noqa: B018


@pytest.mark.parametrize("module_name", ["pfocr_ndex", *MODULES])
def test_docstring_examples(module_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # examples use paths relative to the repository
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_every_subpackage_is_installed() -> None:
    """pyproject.toml lists packages by hand: a new subpackage missing there is absent from a non-editable install."""
    import re

    line = re.search(r"^packages = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(), re.M)
    assert line is not None
    listed = set(re.findall(r'"([\w.]+)"', line.group(1)))
    found = {"pfocr_ndex"} | {m.name for m in pkgutil.walk_packages(pfocr_ndex.__path__, "pfocr_ndex.") if m.ispkg}
    assert found <= listed


def test_the_cli_starts_without_importing_ndex2() -> None:
    """`pfocr-ndex --help` and argument errors answer fast: the publish options come without ndex2 (and pandas)."""
    import subprocess
    import sys

    code = "import sys, pfocr_ndex.cli as c; c.build_parser(); print('ndex2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
