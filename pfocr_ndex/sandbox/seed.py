"""Seed files: networks that exist on the server before a run (another account's, read-only, DOI).

A seed file holds one JSON object per line (blank lines are skipped)::

    {"owner": "wikipathways", "uuid": "85034b42-...", "cx2_path": "2020/PMC123__g1.cx2",
     "readOnly": true, "visibility": "PUBLIC"}
    {"owner": "wikipathways", "cx2": [...], "doi": "10.18119/N9XXXX", "certified": true}

Keys: ``owner`` (required; the account is created without a usable password if missing),
``cx2`` (the CX2 list inline) or ``cx2_path`` (relative to the seed file's folder), ``uuid``,
``visibility`` (``PUBLIC`` default, ``PRIVATE``, ``UNLISTED``), ``readOnly``, ``doi``,
``certified`` (needs a ``doi``; the network is then PUBLIC and indexed ``ALL``, as
``PostgresNetworkDAO.requestDOI`` leaves it), ``creationTime`` / ``modificationTime`` (epoch ms).
A network with a DOI is read-only, as ``requestDOI`` makes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..errors import PfocrError
from .errors import VISIBILITIES, uuid_from_string

__all__ = ["SeedNetwork", "read_seed_file"]

_KEYS = {
    "owner",
    "uuid",
    "cx2",
    "cx2_path",
    "visibility",
    "readOnly",
    "doi",
    "certified",
    "creationTime",
    "modificationTime",
}


@dataclass(frozen=True)
class SeedNetwork:
    """One network to store as already loaded (see :meth:`NdexSandbox.seed_network`)."""

    owner: str
    cx2: list[Any]
    uuid: str | None = None
    visibility: str = "PUBLIC"
    read_only: bool = False
    doi: str | None = None
    certified: bool = False
    creation_time: int | None = None
    modification_time: int | None = None

    def __post_init__(self) -> None:
        if not self.owner:
            raise ValueError("owner is required")
        if self.visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
        if self.certified and not self.doi:
            raise ValueError("a certified network has a DOI on NDEx: give 'doi' too")
        if self.certified and self.visibility != "PUBLIC":
            raise ValueError("a certified network is PUBLIC on NDEx")
        if self.uuid is not None:
            uuid_from_string(self.uuid)  # as NDEx reads ids: a bad one is this line's problem


_KIND_NAMES = {str: "a string", bool: "true or false", int: "an integer"}


def _typed(entry: dict[str, Any], key: str, kind: type, default: Any) -> Any:
    """``entry[key]`` if it is of ``kind`` (``null`` or missing: ``default``)."""
    value = entry.get(key)
    if value is None:
        return default
    if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
        raise ValueError(f"'{key}' must be {_KIND_NAMES[kind]}")
    return value


def _entry(entry: Any, folder: Path) -> SeedNetwork:
    if not isinstance(entry, dict):
        raise ValueError("expected a JSON object")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")
    if ("cx2" in entry) == ("cx2_path" in entry):
        raise ValueError("give exactly one of 'cx2' and 'cx2_path'")
    if "cx2" in entry:
        cx2 = entry["cx2"]
    else:
        path = folder / _typed(entry, "cx2_path", str, None)
        try:
            cx2 = orjson.loads(path.read_bytes())
        except OSError as err:
            raise ValueError(f"cannot read {path}: {err.strerror or err}") from None
        except orjson.JSONDecodeError as err:
            raise ValueError(f"{path} is not JSON: {err}") from None
    if not isinstance(cx2, list):
        raise ValueError("the CX2 must be a JSON list")
    read_only = _typed(entry, "readOnly", bool, None)
    doi = _typed(entry, "doi", str, None)
    if doi and read_only is False:
        raise ValueError("a network with a DOI is read-only on NDEx ('readOnly': false contradicts 'doi')")
    return SeedNetwork(
        owner=_typed(entry, "owner", str, ""),
        cx2=cx2,
        uuid=_typed(entry, "uuid", str, None),
        visibility=_typed(entry, "visibility", str, "PUBLIC"),
        read_only=bool(read_only) or bool(doi),
        doi=doi,
        certified=_typed(entry, "certified", bool, False),
        creation_time=_typed(entry, "creationTime", int, None),
        modification_time=_typed(entry, "modificationTime", int, None),
    )


def read_seed_file(path: str | os.PathLike[str]) -> list[SeedNetwork]:
    """Parse a seed file; a bad line is a :class:`PfocrError` naming the file and the line.

    >>> import tempfile, pathlib
    >>> seed = pathlib.Path(tempfile.mkdtemp()) / "seed.jsonl"
    >>> _ = seed.write_text('{"owner": "wikipathways", "cx2": [], "doi": "10.1/x"}\\n')
    >>> [(s.owner, s.read_only, s.doi) for s in read_seed_file(seed)]
    [('wikipathways', True, '10.1/x')]
    """
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as err:
        raise PfocrError(f"cannot read the seed file: {err.strerror or err}", path) from None
    networks = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            networks.append(_entry(orjson.loads(line), path.parent))
        except orjson.JSONDecodeError as err:
            raise PfocrError(f"line {number}: not JSON: {err}", path) from None
        except ValueError as err:
            raise PfocrError(f"line {number}: {err}", path) from None
    return networks
