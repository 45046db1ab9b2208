"""Publishing to NDEx: the real ndex2 client talking HTTP to the local NDEx sandbox.

A 10-figure slice of the sample database: 6 records with ``ndex: ''`` and 4 holding 2020 UUIDs of
another account's networks (read-only → 403, writable by its owner only → 401, absent → 404 ×2).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest

from pfocr_ndex.credentials import normalize_server, resolve_credentials
from pfocr_ndex.errors import PfocrError
from pfocr_ndex.network import build_network, load_style
from pfocr_ndex.publish import NdexPublisher, PreparedFigure, PublishError, local_sandbox
from pfocr_ndex.records import read_record
from pfocr_ndex.sandbox import NdexSandbox
from pfocr_ndex.writeback import read_ndex_field

PASSWORD = "Pa55-w0rd-never-printed-7Q"
USER = "alice"
EMPTY = [
    "PMC10003241__ijms-24-04893-g003",
    "PMC10025411__fncel-17-1105247-g0001",
    "PMC10028837__nihpp-2023.03.03.530734v1-f0001",
    "PMC10030510__fimmu-14-1140749-g004",
    "PMC10037071__gr7",
    "PMC12170841__IJN-20-7415-g0001",
]
READ_ONLY = "PMC1635360__zmk0100678110001"  # seeded read-only, owned by wikipathways → 403
OTHERS = "PMC164216__cm0330012005"  # seeded writable by wikipathways only → 401
ABSENT = ["PMC17299__pq2202117006", "PMC1800927__358fig3"]  # not on this server → 404
FOREIGN = [READ_ONLY, OTHERS, *ABSENT]
FIGURES = EMPTY + FOREIGN
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(sample_db: Path) -> Path:
    """The sample database cut down to FIGURES (tables and ndex_map.tsv kept whole)."""
    for path in (sample_db / "_figures").iterdir():
        if path.stem not in FIGURES:
            path.unlink()
    return sample_db


@pytest.fixture
def sb(db: Path):
    with NdexSandbox(users={USER: PASSWORD}, load_delay=0.05) as sandbox:
        for figid, read_only in ((READ_ONLY, True), (OTHERS, False)):
            record = read_record(db / "_figures" / f"{figid}.md")
            sandbox.seed_network("wikipathways", build_network(record).cx2, uuid=record.ndex, read_only=read_only)
        yield sandbox


def publisher(sb: NdexSandbox, tmp_path: Path, **options) -> NdexPublisher:
    options = {
        "state_dir": tmp_path / "state",
        "workers": 3,
        "backoff": 0.01,
        "poll_interval": 0.03,
        "echo": lambda line: None,
        **options,
    }
    return NdexPublisher(sb.url, USER, options.pop("password", PASSWORD), **options)


def snapshot(db: Path) -> dict[str, bytes]:
    return {str(p.relative_to(db)): p.read_bytes() for p in sorted(db.rglob("*")) if p.is_file()}


def uploads(sb: NdexSandbox, since: int = 0) -> list:
    return [r for r in sb.requests[since:] if r.method in ("POST", "PUT") and r.path.startswith("/v3/networks")]


def server_figids(sb: NdexSandbox, owner: str = USER) -> Counter:
    """How many networks of ``owner`` carry each figure id."""
    counts: Counter = Counter()
    for summary in sb.networks_of(owner):
        for prop in summary["properties"]:
            if prop["predicateString"] == "figid":
                counts[prop["value"]] += 1
    return counts


def server_uuid(sb: NdexSandbox, figid: str) -> str:
    [uuid] = [
        s["externalId"]
        for s in sb.networks_of(USER)
        if any(p["predicateString"] == "figid" and p["value"] == figid for p in s["properties"])
    ]
    return uuid


def changed_lines(before: dict[str, bytes], db: Path) -> dict[str, list[tuple[bytes, bytes]]]:
    """Per changed file, the (old, new) lines that differ; files must keep their line count."""
    changes = {}
    for name, data in before.items():
        now = (db / name).read_bytes()
        if now != data and name != "_data/ndex_map.tsv":  # the map grows: checked by map_rows
            old, new = data.splitlines(keepends=True), now.splitlines(keepends=True)
            assert len(old) == len(new), name
            changes[name] = [(a, b) for a, b in zip(old, new) if a != b]
    return changes


def map_rows(db: Path) -> list[tuple[str, str]]:
    return [tuple(line.split("\t")) for line in (db / "_data" / "ndex_map.tsv").read_text().splitlines()]


def assert_published(sb: NdexSandbox, db: Path, figids: list[str]) -> None:
    """Each figure exactly once on the server, its record and map row holding that network's UUID."""
    counts = server_figids(sb)
    assert {f: counts[f] for f in figids} == dict.fromkeys(figids, 1)
    rows = dict(map_rows(db))
    for figid in figids:
        uuid = server_uuid(sb, figid)
        assert read_ndex_field(db / "_figures" / f"{figid}.md") == uuid
        assert rows[figid] == uuid
        summary = sb.summary(uuid)
        assert summary["completed"] and "errorMessage" not in summary and summary["visibility"] == "PUBLIC"


# --- publish, re-run, edit ------------------------------------------------------------------


def test_publish_rerun_and_edit(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    before = snapshot(db)
    map_before = map_rows(db)
    report = publisher(sb, tmp_path, network_set="PFOCR test").publish([db])

    assert report.counts() == {"created": 6, "updated": 0, "unchanged": 0, "skipped-foreign": 4, "failed": 0}
    assert_published(sb, db, EMPTY)
    assert set(server_figids(sb)) == set(EMPTY)
    # Only the ndex: line of the six records changed, from '' to the network's UUID.
    changes = changed_lines(before, db)
    for figid in EMPTY:
        assert changes.pop(f"_figures/{figid}.md") == [(b"ndex: ''\n", f"ndex: {server_uuid(sb, figid)}\n".encode())]
    assert changes == {}
    assert map_rows(db)[: len(map_before)] == map_before
    assert sorted(map_rows(db)[len(map_before) :]) == sorted((f, server_uuid(sb, f)) for f in EMPTY)
    # Foreign UUIDs: reported with the reason, left alone on the server and in the records.
    foreign = {f.figid: f for f in report.figures if f.outcome == "skipped-foreign"}
    assert "read-only (403)" in foreign[READ_ONLY].detail
    assert "not writable by this account (401)" in foreign[OTHERS].detail
    assert all("not found on this server (404)" in foreign[f].detail for f in ABSENT)
    assert sb.summary(foreign[READ_ONLY].uuid)["owner"] == "wikipathways"
    # Set membership: added in one call.
    [set_info] = publisher(sb, tmp_path).journal.sets.values()
    assert sorted(sb.set_members(set_info["id"])) == sorted(server_uuid(sb, f) for f in EMPTY)
    assert sum(1 for r in sb.requests if r.path.endswith("/members")) == 1

    # Re-run: nothing uploaded, nothing written.
    after_first = snapshot(db)
    mark = len(sb.requests)
    again = publisher(sb, tmp_path, network_set="PFOCR test").publish([db])
    assert uploads(sb, mark) == []
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": 6, "skipped-foreign": 4, "failed": 0}
    assert "6 unchanged (content hash matches last publish)" in again.summary()
    assert snapshot(db) == after_first

    # Edit a caption: that network is updated in place, nothing else moves.
    edited = db / "_figures" / "PMC10037071__gr7.md"
    uuid = server_uuid(sb, "PMC10037071__gr7")
    text = edited.read_bytes()
    assert text.count(b"\ncaption: ") == 1
    edited.write_bytes(text.replace(b"\ncaption: ", b"\ncaption: EDITEDCAPTION ", 1))
    mark = len(sb.requests)
    third = publisher(sb, tmp_path, network_set="PFOCR test").publish([db])
    assert third.counts() == {"created": 0, "updated": 1, "unchanged": 5, "skipped-foreign": 4, "failed": 0}
    assert [(r.method, r.path) for r in uploads(sb, mark)] == [("PUT", f"/v3/networks/{uuid}")]
    assert server_uuid(sb, "PMC10037071__gr7") == uuid
    assert b"EDITEDCAPTION" in orjson.dumps(sb.network_cx2(uuid))
    assert read_ndex_field(edited) == uuid
    assert len(sb.set_members(set_info["id"])) == 6  # not added twice


def test_replace_foreign(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    rows_before = map_rows(db)
    report = publisher(sb, tmp_path, replace_foreign=True).publish([db])
    assert report.counts() == {"created": 10, "updated": 0, "unchanged": 0, "skipped-foreign": 0, "failed": 0}
    assert_published(sb, db, FIGURES)
    old = {figid: uuid for figid, uuid in rows_before if figid in FOREIGN}
    for figid in FOREIGN:
        assert server_uuid(sb, figid) != old[figid]
        assert f"replaces {old[figid]}" in next(f.detail for f in report.figures if f.figid == figid)
    # Replaced map rows stay where they were.
    assert [f for f, _ in map_rows(db)[: len(rows_before)]] == [f for f, _ in rows_before]
    assert sb.summary(old[READ_ONLY])["isReadOnly"] and sb.summary(old[OTHERS])["owner"] == "wikipathways"
    # A second run neither re-creates nor touches the old networks.
    mark = len(sb.requests)
    assert publisher(sb, tmp_path, replace_foreign=True).publish([db]).counts()["unchanged"] == 10
    assert uploads(sb, mark) == []


# --- faults, crashes ------------------------------------------------------------------------


def test_transient_faults_and_lost_creates_end_with_one_network_each(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    sb.faults.add("status", method="POST", path_regex=r"^/v3/networks$", count=2, status=503)
    sb.faults.add("lost_response", method="POST", path_regex=r"^/v3/networks$", count=2)
    sb.faults.add("status", method="POST", path_regex=r"^/v3/batch/networks/summary", count=1, status=502)
    sb.faults.add("status", method="GET", path_regex=r"^/v2/user$", count=1, status=429)
    report = publisher(sb, tmp_path).publish([db])
    assert report.counts()["created"] == 6 and report.failed == 0
    assert_published(sb, db, EMPTY)
    assert sb.faults.pending == []
    # The two lost creates were found on the server, not uploaded again: 6 creates + 2 refused by the 503s.
    assert sum(1 for r in uploads(sb) if r.method == "POST") == 8


def test_server_error_fails_one_figure_without_retry(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    sb.faults.add("status", method="POST", path_regex=r"^/v3/networks$", count=1, status=500)
    report = publisher(sb, tmp_path).publish([db])
    [failed] = [f for f in report.figures if f.outcome == "failed"]
    assert failed.detail == "HTTP 500: Injected fault: HTTP 500."
    assert report.counts()["created"] == 5
    assert read_ndex_field(Path(failed.path)) == ""
    assert sum(1 for r in uploads(sb) if r.method == "POST") == 6  # no retry of a plain 500
    # The next run looks for the pending create, does not find it, creates it.
    mark = len(sb.requests)
    again = publisher(sb, tmp_path).publish([db])
    assert again.counts()["created"] == 1 and again.failed == 0
    assert [r.method for r in uploads(sb, mark)] == ["POST"]
    assert_published(sb, db, EMPTY)


def test_update_retries_while_locked(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    publisher(sb, tmp_path).publish([db])
    edited = db / "_figures" / "PMC10037071__gr7.md"
    edited.write_bytes(edited.read_bytes().replace(b"\ncaption: ", b"\ncaption: AGAIN ", 1))
    uuid = server_uuid(sb, "PMC10037071__gr7")
    sb.faults.add("lost_response", method="PUT", path_regex=r"^/v3/networks/", count=1)
    sb.faults.add("status", method="PUT", path_regex=r"^/v3/networks/", count=1, status=504)
    report = publisher(sb, tmp_path).publish([db])
    assert report.counts()["updated"] == 1 and report.failed == 0
    assert b"AGAIN" in orjson.dumps(sb.network_cx2(uuid))
    assert server_figids(sb)["PMC10037071__gr7"] == 1


def test_hung_create_is_found_not_repeated(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    sb.faults.add("hang", method="POST", path_regex=r"^/v3/networks$", count=1, delay=0.6)
    sb.faults.add("status", method="POST", path_regex=r"^/v3/networks$", count=1, status=502)
    report = publisher(sb, tmp_path, upload_timeout=0.2, lost_grace=1.5).publish([db])
    assert report.counts()["created"] == 6 and report.failed == 0
    assert_published(sb, db, EMPTY)
    assert len(sb.networks_of(USER)) == 6


def test_visibility_and_index_level(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    publisher(sb, tmp_path, visibility="UNLISTED", index_level="META").publish([db])
    for figid in EMPTY:
        summary = sb.summary(server_uuid(sb, figid))
        assert (summary["visibility"], summary["indexLevel"]) == ("UNLISTED", "META")
    # Updates (no visibility parameter on PUT) get theirs through systemproperty.
    report = publisher(sb, tmp_path, visibility="PRIVATE", state_dir=tmp_path / "other").publish([db])
    assert report.counts()["updated"] == 6
    assert {sb.summary(server_uuid(sb, f))["visibility"] for f in EMPTY} == {"PRIVATE"}
    assert sum(1 for r in sb.requests if r.path.endswith("/systemproperty")) == 6 + 6


def test_bad_ndex_field_fails_that_figure_only(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    record = db / "_figures" / f"{EMPTY[0]}.md"
    record.write_bytes(record.read_bytes().replace(b"ndex: ''", b"ndex: https://www.ndexbio.org/viewer/networks/x"))
    before = record.read_bytes()
    report = publisher(sb, tmp_path).publish([db])
    [failed] = [f for f in report.figures if f.outcome == "failed"]
    assert failed.figid == EMPTY[0] and "not a bare UUID" in failed.detail and str(record) in failed.detail
    assert record.read_bytes() == before
    assert report.counts()["created"] == 5


def test_figure_given_twice_is_published_once(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    twice = db / "_figures" / f"{EMPTY[0]}.md"
    report = publisher(sb, tmp_path, echo=lines.append).publish([twice, db])
    assert report.counts()["created"] == 6 and len(report.figures) == 10
    # the same file given twice is read once (layout.iter_record_paths): publish never sees the second copy
    assert_published(sb, db, EMPTY)
    with pytest.raises(PublishError, match="no such file"):
        publisher(sb, tmp_path).publish([db, tmp_path / "missing"])


def cli_env(sb: NdexSandbox, password: str = PASSWORD) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NDEX_")}
    env.update(NDEX_USERNAME=USER, NDEX_PASSWORD=password, NDEX_SERVER=sb.url, PYTHONPATH=str(ROOT))
    return env


def test_killed_run_resumes_without_duplicates(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    sb.latency = 0.15
    state = tmp_path / "state"
    command = [
        sys.executable,
        "-m",
        "pfocr_ndex",
        "publish",
        str(db),
        "--workers",
        "1",
        "-q",
        "--state-dir",
        str(state),
    ]
    proc = subprocess.Popen(command, env=cli_env(sb), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while sum(1 for r in uploads(sb) if r.method == "POST") < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # A request the killed client had sent may still be in the server's hands (its 0.15 s latency):
    # let it land, as it would have by the time anyone restarts the command.
    time.sleep(0.5)
    created_before = len(sb.networks_of(USER))
    assert 2 <= created_before < 6, "the kill should land mid-way"
    sb.latency = 0.0
    report = NdexPublisher(
        sb.url, USER, PASSWORD, state_dir=state, backoff=0.01, poll_interval=0.03, echo=lambda line: None
    ).publish([db])
    assert report.failed == 0
    assert report.counts()["created"] + report.counts()["unchanged"] == 6
    assert_published(sb, db, EMPTY)
    assert len(sb.networks_of(USER)) == 6


def test_resume_finds_a_create_whose_journal_entry_is_pending(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    """A run killed between the server's 201 and the journal's "uploaded" line."""
    figid = EMPTY[0]
    pub = publisher(sb, tmp_path)
    prepared = pub.prepare(db / "_figures" / f"{figid}.md")
    pub.journal.append("pending", figid=figid, hash=prepared.digest)
    pub.client.save_new_cx2_network(json.loads(prepared.data), visibility="PUBLIC")  # the answer "lost"
    pub.journal.close()
    mark = len(sb.requests)
    report = publisher(sb, tmp_path).publish([db])
    assert report.failed == 0
    assert_published(sb, db, EMPTY)
    assert sum(1 for r in uploads(sb, mark) if r.method == "POST") == 5  # not the pending one
    assert any(r.path.endswith("/networksummary") for r in sb.requests[mark:])


def test_find_networks_pages_through_the_account(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    pub = publisher(sb, tmp_path)
    pub.publish([db])
    mark = len(sb.requests)
    found = pub.find_networks(set(EMPTY) | {"PMC0__not-published"}, page=2)
    assert found == {f: server_uuid(sb, f) for f in EMPTY}
    pages = [r for r in sb.requests[mark:] if r.path.endswith("/networksummary")]
    assert len(pages) == 4  # 2 + 2 + 2 + an empty last page


# --- rejected networks, credentials, dry run ------------------------------------------------


class NameTooLong(NdexPublisher):
    """Sends a CX2 the local validator would refuse (name over NDEx's 500 characters), bypassing it."""

    def prepare(self, path: Path) -> PreparedFigure:
        prepared = super().prepare(path)
        if prepared.figid != "PMC10037071__gr7":
            return prepared
        cx2 = orjson.loads(prepared.data)
        for aspect in cx2:
            if "networkAttributes" in aspect:
                aspect["networkAttributes"][0]["name"] = "n" * 501
        prepared.data = orjson.dumps(cx2)
        prepared.digest = hashlib.sha256(prepared.data).hexdigest()
        return prepared


def test_server_rejection_is_failed_and_not_filled(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    options = {"state_dir": tmp_path / "state", "backoff": 0.01, "poll_interval": 0.03, "echo": lambda line: None}
    report = NameTooLong(sb.url, USER, PASSWORD, **options).publish([db])
    [failed] = [f for f in report.figures if f.outcome == "failed"]
    assert failed.figid == "PMC10037071__gr7" and "server rejected the network" in failed.detail
    assert "name has 501 characters" in failed.detail
    assert read_ndex_field(db / "_figures" / "PMC10037071__gr7.md") == ""
    assert "PMC10037071__gr7" not in dict(map_rows(db))
    assert sb.summary(failed.uuid)["visibility"] == "PRIVATE"
    # The next (fixed) run updates that same network: still one network for the figure.
    fixed = NdexPublisher(sb.url, USER, PASSWORD, **options).publish([db])
    assert next(f for f in fixed.figures if f.figid == "PMC10037071__gr7").outcome == "updated"
    assert read_ndex_field(db / "_figures" / "PMC10037071__gr7.md") == failed.uuid
    assert_published(sb, db, EMPTY)


def test_invalid_cx2_is_not_uploaded(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    style = load_style()
    style["nodeMapping"]["NODE_BORDER_WIDTH"] = {"type": "PASSTHROUGH", "definition": {"attribute": "noSuchAttr"}}
    before = snapshot(db)
    lines: list[str] = []
    report = publisher(sb, tmp_path, style=style, echo=lines.append).publish([db])
    assert report.counts()["failed"] == 10 and uploads(sb) == []
    assert snapshot(db) == before
    assert all("invalid CX2, not uploaded: Mapping error: NODE_BORDER_WIDTH" in f.detail for f in report.figures)
    assert len(lines) == 10 and all(
        line.count(f.figid) for line, f in zip(sorted(lines), sorted(report.figures, key=lambda f: f.path))
    )
    # From the command line the style file itself is refused, in one line, before any figure.
    style_path = tmp_path / "style.json"
    style_path.write_text(json.dumps(style))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pfocr_ndex",
            "publish",
            str(db),
            "-q",
            "--style",
            str(style_path),
            "--state-dir",
            str(tmp_path / "state"),
        ],
        env=cli_env(sb),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and str(style_path) in run.stderr and "NODE_BORDER_WIDTH" in run.stderr
    assert uploads(sb) == [] and snapshot(db) == before


def test_bad_password_changes_nothing(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    before = snapshot(db)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pfocr_ndex",
            "publish",
            str(db),
            "--state-dir",
            str(tmp_path / "state"),
            "--report",
            str(tmp_path / "report.json"),
        ],
        env=cli_env(sb, password="wrong-" + PASSWORD),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert run.stdout.startswith(f"Publishing to {sb.url} as alice") and run.stdout.count("\n") == 1
    assert PASSWORD not in run.stdout
    assert run.stderr.count("\n") == 1 and "rejected the password for user 'alice'" in run.stderr
    assert "Traceback" not in run.stderr and PASSWORD not in run.stderr
    assert snapshot(db) == before
    assert not (tmp_path / "state").exists() and not (tmp_path / "report.json").exists()
    assert uploads(sb) == []
    with pytest.raises(PublishError, match="no NDEx user 'bob'"):
        NdexPublisher(sb.url, "bob", PASSWORD, state_dir=tmp_path / "s").publish([db])


def test_password_never_written_or_printed(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    conf = tmp_path / "ndexutils.conf"
    conf.write_text(f"[pfocr]\nuser = {USER}\npassword = {PASSWORD}\nserver = {sb.url}\n")
    sb.faults.add("status", method="POST", path_regex=r"^/v3/networks$", count=1, status=503)
    sb.faults.add("lost_response", method="POST", path_regex=r"^/v3/networks$", count=1)
    outputs = []
    for extra in ([], ["--replace-foreign"], ["--dry-run"]):
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pfocr_ndex",
                "publish",
                str(db),
                "--profile",
                "pfocr",
                "--conf",
                str(conf),
                "--state-dir",
                str(tmp_path / "state"),
                "--network-set",
                "S",
                "--report",
                str(tmp_path / "report.json"),
                *extra,
            ],
            env={**cli_env(sb), "NDEX_PASSWORD": ""},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        outputs += [run.stdout, run.stderr]
    assert "10 unchanged" in outputs[-2]
    assert_published(sb, db, FIGURES)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != conf]
    assert any(p.name == "report.json" for p in written) and any(p.suffix == ".jsonl" for p in written)
    for text in outputs + [p.read_bytes().decode("utf-8", "replace") for p in written]:
        assert PASSWORD not in text


def test_dry_run_contacts_nothing(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    before = snapshot(db)
    lines: list[str] = []
    report = publisher(sb, tmp_path, dry_run=True, echo=lines.append).publish([db])
    assert sb.requests == []
    assert snapshot(db) == before and not (tmp_path / "state").exists()
    assert report.counts() == {"would-create": 6, "would-update": 4, "unchanged": 0, "skipped-foreign": 0, "failed": 0}
    assert len(lines) == 10 and sum("would-create" in line for line in lines) == 6
    # After a real publish, a dry run knows what is unchanged and what would be updated.
    publisher(sb, tmp_path).publish([db])
    edited = db / "_figures" / "PMC10037071__gr7.md"  # a plain (unquoted) caption
    edited.write_bytes(edited.read_bytes().replace(b"\ncaption: ", b"\ncaption: X ", 1))
    mark = len(sb.requests)
    counts = publisher(sb, tmp_path, dry_run=True).publish([db]).counts()
    assert sb.requests[mark:] == []
    assert counts == {"would-create": 0, "would-update": 1, "unchanged": 5, "skipped-foreign": 4, "failed": 0}


def test_cli_without_credentials_uses_a_local_sandbox(db: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NDEX_")}
    env.update(PYTHONPATH=str(ROOT), HOME=str(tmp_path))
    command = [sys.executable, "-m", "pfocr_ndex", "publish", str(db), "-q", "--report", "r.json"]
    dry = subprocess.run([*command, "--dry-run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0 and "would-create" in dry.stdout
    assert not (tmp_path / ".ndex-sandbox").exists()
    first = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "local NDEx sandbox" in first.stdout and ".ndex-sandbox" in first.stdout
    assert "6 created" in first.stdout and "4 skipped-foreign" in first.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["counts"]["created"] == 6 and len(report["figures"]) == 10
    for entry in report["figures"]:
        if entry["outcome"] == "created":
            assert read_ndex_field(entry["path"]) == entry["uuid"]
    # Without --report the report goes to the state dir, and the run says where.
    second = subprocess.run(command[:-2], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "6 unchanged (content hash matches last publish)" in second.stdout
    default_report = Path(".ndex-sandbox", "publish-state", "last-report.json")
    assert f"report: {default_report}" in second.stdout
    assert json.loads((tmp_path / default_report).read_text())["counts"]["unchanged"] == 6
    with NdexSandbox(data_dir=tmp_path / ".ndex-sandbox") as persisted:
        assert sorted(server_figids(persisted, "pfocr")) == sorted(EMPTY)


def test_network_set_is_split_when_full(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    pub = publisher(sb, tmp_path, network_set="PFOCR", set_limit=4, set_batch=3)
    pub.publish([db])
    sets = pub.journal.sets
    assert sorted(sets) == ["PFOCR", "PFOCR (part 2)"]
    members = [sb.set_members(sets[name]["id"]) for name in ("PFOCR", "PFOCR (part 2)")]
    assert [len(m) for m in members] == [4, 2]
    assert sorted(members[0] + members[1]) == sorted(server_uuid(sb, f) for f in EMPTY)
    # Another set name on a re-run: nothing uploaded, the networks join that set too.
    mark = len(sb.requests)
    other = publisher(sb, tmp_path, network_set="PFOCR 2025")
    assert other.publish([db]).counts()["unchanged"] == 6 and uploads(sb, mark) == []
    assert sorted(sb.set_members(other.journal.sets["PFOCR 2025"]["id"])) == sorted(members[0] + members[1])


def test_a_network_set_that_cannot_be_created_is_reported_and_filled_next_run(
    sb: NdexSandbox, db: Path, tmp_path: Path
) -> None:
    sb.faults.add("status", method="POST", path_regex=r"^/v2/networkset$", count=None, status=403)
    lines: list[str] = []
    first = publisher(sb, tmp_path, network_set="PFOCR", echo=lines.append).publish([db])
    assert first.counts()["created"] == 6 and first.failed == 0
    assert "PFOCR" not in publisher(sb, tmp_path).journal.sets
    assert [line for line in lines if "network set 'PFOCR'" in line and "next run" in line]
    sb.faults.clear()
    mark = len(sb.requests)
    second = publisher(sb, tmp_path, network_set="PFOCR").publish([db])
    assert second.counts()["unchanged"] == 6 and uploads(sb, mark) == []
    members = sb.set_members(publisher(sb, tmp_path).journal.sets["PFOCR"]["id"])
    assert sorted(members) == sorted(server_uuid(sb, f) for f in EMPTY)


# --- credentials ----------------------------------------------------------------------------


def test_credentials_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "c.conf"
    conf.write_text("[pfocr]\nuser = wp\npassword = pw%1\nserver = public.ndexbio.org\n[nopass]\nuser = x\n")
    creds = resolve_credentials(profile="pfocr", conf=conf, environ={})
    assert (creds.server, creds.username, creds.password) == ("https://public.ndexbio.org", "wp", "pw%1")
    assert "pw%1" not in repr(creds)
    with pytest.raises(PfocrError, match=r"no \[other\] profile"):
        resolve_credentials(profile="other", conf=conf, environ={})
    with pytest.raises(PfocrError, match="needs both"):
        resolve_credentials(profile="nopass", conf=conf, environ={})
    env = resolve_credentials(
        environ={"NDEX_USERNAME": "u", "NDEX_PASSWORD": "p", "NDEX_SERVER": "http://localhost:8080/"}
    )
    assert (env.server, env.username) == ("http://127.0.0.1:8080", "u")
    assert resolve_credentials(environ={}) is None
    with pytest.raises(PfocrError, match="only one is set"):
        resolve_credentials(environ={"NDEX_USERNAME": "u"})
    with pytest.raises(PfocrError, match="no credentials for"):
        resolve_credentials(server="public.ndexbio.org", environ={})
    assert normalize_server("https://www.ndexbio.org/") == "https://www.ndexbio.org"
    # ndexutil's convention: a [pfocr-ndex] profile in ~/.ndexutils.conf is used when nothing else is given.
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_credentials(environ={}) is None
    (tmp_path / ".ndexutils.conf").write_text("[pfocr-ndex]\nuser = me\npassword = pw\n")
    default = resolve_credentials(environ={})
    assert (default.server, default.username, default.password) == ("https://www.ndexbio.org", "me", "pw")
    assert resolve_credentials(environ={"NDEX_USERNAME": "u", "NDEX_PASSWORD": "p"}).username == "u"


def test_local_sandbox_keeps_its_data_and_a_bounded_request_log(tmp_path: Path) -> None:
    with local_sandbox(tmp_path / "sb") as (sandbox, credentials):
        assert credentials.server == sandbox.url
        assert sandbox.record_limit is not None and sandbox.record_limit <= 100_000
    assert (tmp_path / "sb" / "ndex-sandbox.sqlite").is_file()
