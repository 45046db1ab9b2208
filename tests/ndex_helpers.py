"""Helpers for the publish tests: a publisher on the sandbox, what the server holds, what changed on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from pfocr_ndex.network import build_network
from pfocr_ndex.publish import NdexPublisher
from pfocr_ndex.publish.summary import DIGEST_ATTRIBUTE
from pfocr_ndex.records import read_record
from pfocr_ndex.sandbox import NdexSandbox
from pfocr_ndex.sandbox.server import RequestRecord

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Pa55-w0rd-never-printed-7Q"


def publisher(sb: NdexSandbox, tmp_path: Path, user: str = "alice", **options: Any) -> NdexPublisher:
    """A publisher on the sandbox with quick polls and a quiet echo (``options`` override)."""
    settings: dict[str, Any] = {
        "state_dir": tmp_path / "state",
        "workers": 3,
        "backoff": 0.01,
        "poll_interval": 0.03,
        "lost_grace": 0.05,
        "echo": lambda line: None,
        **options,
    }
    return NdexPublisher(sb.url, user, settings.pop("password", PASSWORD), **settings)


def snapshot(db: Path) -> dict[str, bytes]:
    """Every file under ``db`` (relative name → bytes)."""
    return {str(p.relative_to(db)): p.read_bytes() for p in sorted(db.rglob("*")) if p.is_file()}


def uploads(sb: NdexSandbox, since: int = 0) -> list[RequestRecord]:
    """Creates and updates the sandbox received since request ``since``."""
    return [r for r in sb.requests[since:] if r.method in ("POST", "PUT") and r.path.startswith("/v3/networks")]


def properties(summary: dict[str, Any]) -> dict[str, Any]:
    """A v2 summary's properties as a dict."""
    return {p["predicateString"]: p["value"] for p in summary.get("properties") or ()}


def server_figids(sb: NdexSandbox, owner: str = "alice") -> Counter[str]:
    """How many networks of ``owner`` carry each figure id."""
    return Counter(properties(s)["figid"] for s in sb.networks_of(owner) if "figid" in properties(s))


def server_uuid(sb: NdexSandbox, figid: str, owner: str = "alice") -> str:
    [uuid] = [s["externalId"] for s in sb.networks_of(owner) if properties(s).get("figid") == figid]
    return str(uuid)


def changed_lines(before: dict[str, bytes], db: Path) -> dict[str, list[tuple[bytes, bytes]]]:
    """Per changed file (the map excepted), the (old, new) lines that differ; files keep their line count."""
    changes = {}
    for name, data in before.items():
        now = (db / name).read_bytes()
        if now != data and name != "_data/ndex_map.tsv":
            old, new = data.splitlines(keepends=True), now.splitlines(keepends=True)
            assert len(old) == len(new), name
            changes[name] = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    return changes


def map_rows(db: Path) -> list[tuple[str, str]]:
    rows = []
    for line in (db / "_data" / "ndex_map.tsv").read_text().splitlines():
        figid, uuid = line.split("\t")
        rows.append((figid, uuid))
    return rows


def assert_published(sb: NdexSandbox, db: Path, figids: list[str], owner: str = "alice") -> None:
    """Each figure exactly once on the server, its record and map row holding that network's UUID."""
    from pfocr_ndex.writeback import read_ndex_field

    counts = server_figids(sb, owner)
    assert {f: counts[f] for f in figids} == dict.fromkeys(figids, 1)
    rows = dict(map_rows(db))
    for figid in figids:
        uuid = server_uuid(sb, figid, owner)
        assert read_ndex_field(db / "_figures" / f"{figid}.md") == uuid
        assert rows[figid] == uuid
        summary = sb.summary(uuid)
        assert summary["completed"] and "errorMessage" not in summary and summary["visibility"] == "PUBLIC"
        assert properties(summary)[DIGEST_ATTRIBUTE]


def network_2020(record_path: Path) -> list[dict[str, Any]]:
    """A figure's network as the 2020 networks are: ``pfocrId`` only, no ``figid``, no content digest."""
    cx2 = build_network(read_record(record_path)).cx2
    for aspect in cx2:
        if "networkAttributes" in aspect:
            aspect["networkAttributes"][0].pop("figid", None)
        if "attributeDeclarations" in aspect:
            aspect["attributeDeclarations"][0]["networkAttributes"].pop("figid", None)
    return cx2


def cli_env(sb: NdexSandbox, user: str = "alice", password: str = PASSWORD) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NDEX_")}
    env.update(NDEX_USERNAME=user, NDEX_PASSWORD=password, NDEX_SERVER=sb.url, PYTHONPATH=str(ROOT))
    return env


def cli(
    *args: str, env: dict[str, str], cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``pfocr-ndex ARGS`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "pfocr_ndex", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
