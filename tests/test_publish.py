"""Publishing to NDEx: the real ndex2 client talking HTTP to the local NDEx sandbox.

A 10-figure slice of the sample database: 6 records with ``ndex: ''`` and 4 holding 2020 UUIDs that this
account (alice) does not own: two networks of the account ``wikipathways`` (one read-only) and two UUIDs
the server does not have.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from ndex_helpers import (
    PASSWORD,
    assert_published,
    changed_lines,
    cli,
    cli_env,
    map_rows,
    network_2020,
    properties,
    publisher,
    server_figids,
    server_uuid,
    snapshot,
    uploads,
)

from pfocr_ndex.errors import PublishError
from pfocr_ndex.publish import NdexPublisher, PreparedFigure
from pfocr_ndex.publish.summary import DIGEST_ATTRIBUTE
from pfocr_ndex.records import read_record
from pfocr_ndex.sandbox import NdexSandbox
from pfocr_ndex.sandbox.local import local_sandbox
from pfocr_ndex.style import load_style
from pfocr_ndex.writeback import read_ndex_field

USER = "alice"
EMPTY = [
    "PMC10003241__ijms-24-04893-g003",
    "PMC10025411__fncel-17-1105247-g0001",
    "PMC10028837__nihpp-2023.03.03.530734v1-f0001",
    "PMC10030510__fimmu-14-1140749-g004",
    "PMC10037071__gr7",
    "PMC12170841__IJN-20-7415-g0001",
]
READ_ONLY = "PMC1635360__zmk0100678110001"  # wikipathways' read-only 2020 network
OTHERS = "PMC164216__cm0330012005"  # wikipathways' writable 2020 network
ABSENT = ["PMC17299__pq2202117006", "PMC1800927__358fig3"]  # not on this server
FOREIGN = [READ_ONLY, OTHERS]
FIGURES = EMPTY + FOREIGN + ABSENT


def counts(**given: int) -> dict[str, int]:
    """A publish report's counts: every outcome, zero unless given."""
    names = ("created", "updated", "unchanged", "skipped-doi", "skipped-foreign", "skipped-missing", "conflict")
    return {name: given.get(name.replace("-", "_"), 0) for name in names} | {"failed": given.get("failed", 0)}


@pytest.fixture
def db(sample_db: Path) -> Path:
    """The sample database cut down to FIGURES (tables and ndex_map.tsv kept whole)."""
    for path in (sample_db / "_figures").iterdir():
        if path.stem not in FIGURES:
            path.unlink()
    return sample_db


@pytest.fixture
def sb(db: Path) -> Iterator[NdexSandbox]:
    with NdexSandbox(users={USER: PASSWORD}, load_delay=0.01) as sandbox:
        for figid, read_only in ((READ_ONLY, True), (OTHERS, False)):
            record = db / "_figures" / f"{figid}.md"
            uuid = read_record(record).ndex
            sandbox.seed_network("wikipathways", network_2020(record), uuid=uuid, read_only=read_only)
        yield sandbox


# --- publish, re-run, edit ------------------------------------------------------------------


def test_publish_rerun_and_edit(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    before = snapshot(db)
    map_before = map_rows(db)
    report = publisher(sb, tmp_path, network_set="PFOCR test").publish([db])

    assert report.counts() == counts(created=6, skipped_foreign=2, skipped_missing=2)
    assert_published(sb, db, EMPTY)
    assert set(server_figids(sb)) == set(EMPTY)
    # Only the ndex: line of the six records changed, from '' to the network's UUID.
    changes = changed_lines(before, db)
    for figid in EMPTY:
        assert changes.pop(f"_figures/{figid}.md") == [(b"ndex: ''\n", f"ndex: {server_uuid(sb, figid)}\n".encode())]
    assert changes == {}
    assert map_rows(db)[: len(map_before)] == map_before
    assert sorted(map_rows(db)[len(map_before) :]) == sorted((f, server_uuid(sb, f)) for f in EMPTY)
    # Networks this account may not change: reported with the reason, left alone on the server and in the records.
    skipped = {f.figid: f for f in report.figures if f.outcome.startswith("skipped")}
    assert "owned by wikipathways" in skipped[READ_ONLY].detail and "owned by wikipathways" in skipped[OTHERS].detail
    assert all("not on this server" in skipped[f].detail for f in ABSENT)
    assert sb.summary(skipped[READ_ONLY].uuid or "")["isReadOnly"]
    # The network set: one folder, readable as the networks are, each network added once in one call.
    [set_id] = publisher(sb, tmp_path).journal.sets.values()
    assert sorted(sb.set_members(set_id)) == sorted(server_uuid(sb, f) for f in EMPTY)
    assert sb.folder_visibility(set_id) == "PUBLIC"
    assert sum(1 for r in sb.requests if r.path.endswith("/members")) == 1

    # Re-run: nothing uploaded, nothing written.
    after_first = snapshot(db)
    mark = len(sb.requests)
    again = publisher(sb, tmp_path, network_set="PFOCR test").publish([db])
    assert uploads(sb, mark) == []
    assert again.counts() == counts(unchanged=6, skipped_foreign=2, skipped_missing=2)
    assert snapshot(db) == after_first

    # Edit a caption: that network is updated in place, nothing else moves.
    edited = db / "_figures" / "PMC10037071__gr7.md"
    uuid = server_uuid(sb, "PMC10037071__gr7")
    text = edited.read_bytes()
    assert text.count(b"\ncaption: ") == 1
    edited.write_bytes(text.replace(b"\ncaption: ", b"\ncaption: EDITEDCAPTION ", 1))
    mark = len(sb.requests)
    third = publisher(sb, tmp_path, network_set="PFOCR test").publish([db])
    assert third.counts() == counts(updated=1, unchanged=5, skipped_foreign=2, skipped_missing=2)
    assert [(r.method, r.path) for r in uploads(sb, mark)] == [("PUT", f"/v3/networks/{uuid}")]
    assert server_uuid(sb, "PMC10037071__gr7") == uuid
    assert b"EDITEDCAPTION" in orjson.dumps(sb.network_cx2(uuid))
    assert read_ndex_field(edited) == uuid
    assert len(sb.set_members(set_id)) == 6  # not added twice


def test_a_fresh_machine_uploads_nothing_the_server_holds(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    """No state dir: the networks' content digests, read back in batch summaries, say what is current."""
    publisher(sb, tmp_path, network_set="S").publish([db])
    for fill in (True, False):  # records filled (batch summaries), or never filled (the account listing)
        mark = len(sb.requests)
        fresh = publisher(sb, tmp_path / f"elsewhere-{fill}", network_set="S", fill=fill).publish([db])
        assert fresh.counts() == counts(unchanged=6, skipped_foreign=2, skipped_missing=2)
        assert uploads(sb, mark) == []
        served = sb.requests[mark:]
        assert len(served) <= 6, [(r.method, r.path) for r in served]  # a constant: account, lookups, the set
        assert not any(r.path.endswith("/members") for r in served)  # the set is listed, nothing added twice
    assert len(sb.networks_of(USER)) == 6


def test_a_network_deleted_on_the_server_is_made_again(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    publisher(sb, tmp_path).publish([db])
    gone = server_uuid(sb, EMPTY[0])
    publisher(sb, tmp_path).client._ndex.networks.delete(gone)
    report = publisher(sb, tmp_path).publish([db])
    [remade] = [f for f in report.figures if f.figid == EMPTY[0]]
    assert (remade.outcome, remade.situation) == ("created", "missing")
    assert gone in remade.detail and remade.uuid != gone
    assert read_ndex_field(db / "_figures" / f"{EMPTY[0]}.md") == remade.uuid
    assert_published(sb, db, EMPTY)


def test_replace_foreign(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    rows_before = map_rows(db)
    report = publisher(sb, tmp_path, replace_foreign=True).publish([db])
    assert report.counts() == counts(created=10)
    assert_published(sb, db, FIGURES)
    old = {figid: uuid for figid, uuid in rows_before if figid in FOREIGN + ABSENT}
    for figid in FOREIGN + ABSENT:
        assert server_uuid(sb, figid) != old[figid]
        assert f"replaces {old[figid]}" in next(f.detail for f in report.figures if f.figid == figid)
    # Replaced map rows stay where they were; the old networks are untouched.
    assert [f for f, _ in map_rows(db)[: len(rows_before)]] == [f for f, _ in rows_before]
    assert sb.summary(old[READ_ONLY])["isReadOnly"] and sb.summary(old[OTHERS])["owner"] == "wikipathways"
    assert "figid" not in properties(sb.summary(old[OTHERS]))
    # A second run, here or on a machine without the journal, neither re-creates nor touches the old networks.
    for state in ("state", "elsewhere"):
        mark = len(sb.requests)
        again = publisher(sb, tmp_path, replace_foreign=True, state_dir=tmp_path / state).publish([db])
        assert again.counts() == counts(unchanged=10)
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


def test_every_create_answer_lost_under_replace_foreign(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    """Each create is made and its answer dropped: exactly one network per figure, found by its figid —
    never the replaced network, which carries the figure's pfocrId."""
    sb.faults.add("lost_response", method="POST", path_regex=r"^/v3/networks$", count=None)
    report = publisher(sb, tmp_path, replace_foreign=True).publish([db])
    assert report.failed == 0 and report.counts()["created"] == 10, report.figures
    assert sum(1 for r in uploads(sb) if r.method == "POST") == 10
    assert_published(sb, db, FIGURES)
    for figid in FOREIGN:
        assert read_ndex_field(db / "_figures" / f"{figid}.md") == server_uuid(sb, figid)
        assert sb.summary(server_uuid(sb, figid))["owner"] == USER


def test_server_error_fails_one_figure_without_retry(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    sb.faults.add("status", method="POST", path_regex=r"^/v3/networks$", count=1, status=500)
    report = publisher(sb, tmp_path).publish([db])
    [failed] = [f for f in report.figures if f.outcome == "failed"]
    assert failed.detail == "HTTP 500: Injected fault: HTTP 500."
    assert report.counts()["created"] == 5
    assert read_ndex_field(Path(failed.path)) == ""
    assert sum(1 for r in uploads(sb) if r.method == "POST") == 6  # no retry of a plain 500
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
    assert report.counts()["created"] + report.counts()["unchanged"] == 6 and report.failed == 0
    assert_published(sb, db, EMPTY)
    assert len(sb.networks_of(USER)) == 6


def test_visibility_and_index_level(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    publisher(sb, tmp_path, visibility="UNLISTED", index_level="META").publish([db])
    for figid in EMPTY:
        summary = sb.summary(server_uuid(sb, figid))
        assert (summary["visibility"], summary["indexLevel"]) == ("UNLISTED", "META")
    # Same content, other visibility: no upload, only the system property.
    mark = len(sb.requests)
    report = publisher(sb, tmp_path, visibility="PRIVATE", state_dir=tmp_path / "other").publish([db])
    assert report.counts()["unchanged"] == 6 and uploads(sb, mark) == []
    assert all("set visibility=PRIVATE" in f.detail for f in report.figures if f.outcome == "unchanged")
    assert {sb.summary(server_uuid(sb, f))["visibility"] for f in EMPTY} == {"PRIVATE"}
    assert sum(1 for r in sb.requests[mark:] if r.path.endswith("/systemproperty")) == 6


def test_bad_ndex_field_fails_that_figure_only(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    record = db / "_figures" / f"{EMPTY[0]}.md"
    record.write_bytes(record.read_bytes().replace(b"ndex: ''", b"ndex: https://www.ndexbio.org/viewer/networks/x"))
    before = record.read_bytes()
    report = publisher(sb, tmp_path).publish([db])
    [failed] = [f for f in report.figures if f.outcome == "failed"]
    assert failed.figid == EMPTY[0] and "not a bare UUID" in failed.detail and str(record) in failed.detail
    assert record.read_bytes() == before
    assert report.counts()["created"] == 5


def test_bad_inputs_are_one_entry_each_and_the_rest_is_published(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    copy = tmp_path / "copy"
    (copy / "_figures").mkdir(parents=True)
    twice = db / "_figures" / f"{EMPTY[0]}.md"
    (copy / "_figures" / twice.name).write_bytes(twice.read_bytes())
    report = publisher(sb, tmp_path, echo=lines.append).publish([db, tmp_path / "missing", copy])
    assert report.counts() == counts(created=6, skipped_foreign=2, skipped_missing=2, failed=2)
    failed = {f.path: f.detail for f in report.figures if f.outcome == "failed"}
    assert failed[str(tmp_path / "missing")] == "no such file or directory"
    assert "was already read from" in failed[str(copy / "_figures" / twice.name)]
    assert sum(str(tmp_path / "missing") in line for line in lines) == 1
    assert_published(sb, db, EMPTY)
    assert read_ndex_field(copy / "_figures" / twice.name) == ""


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
    report = publisher(sb, tmp_path).publish([db])
    assert report.failed == 0
    assert report.counts()["created"] + report.counts()["unchanged"] == 6
    assert_published(sb, db, EMPTY)
    assert len(sb.networks_of(USER)) == 6


def test_resume_finds_a_create_whose_journal_entry_is_pending(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    """A run killed between the server's 201 and the journal's "uploaded" line."""
    figid = EMPTY[0]
    pub = publisher(sb, tmp_path)
    prepared = pub_prepare(db / "_figures" / f"{figid}.md")
    pub.journal.append("pending", figid=figid, hash=prepared.digest, since=int(time.time() * 1000))
    pub.client._ndex.save_new_cx2_network(json.loads(prepared.data), visibility="PUBLIC")  # the answer "lost"
    pub.journal.close()
    mark = len(sb.requests)
    report = publisher(sb, tmp_path).publish([db])
    assert report.failed == 0
    assert_published(sb, db, EMPTY)
    assert sum(1 for r in uploads(sb, mark) if r.method == "POST") == 5  # not the pending one
    assert any(r.path.endswith("/networksummary") for r in sb.requests[mark:])


def pub_prepare(path: Path) -> PreparedFigure:
    from pfocr_ndex.publish import prepare_figure

    return prepare_figure(path)


# --- rejected networks, credentials, dry run ------------------------------------------------


def test_server_rejection_is_failed_and_not_filled(
    sb: NdexSandbox, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CX2 the local validator would refuse (a name over NDEx's 500 characters) sent anyway: the server's
    errorMessage is final, the record is not filled, the next run updates that same network."""
    import pfocr_ndex.publish.run as run_module

    real = run_module.prepare_figure

    def name_too_long(path: Path, style: object = None) -> PreparedFigure:
        prepared = real(path, style)  # type: ignore[arg-type]
        if prepared.figid == "PMC10037071__gr7":
            cx2 = orjson.loads(prepared.data)
            for aspect in cx2:
                if "networkAttributes" in aspect:
                    aspect["networkAttributes"][0]["name"] = "n" * 501
            prepared.data = orjson.dumps(cx2)
        return prepared

    monkeypatch.setattr(run_module, "prepare_figure", name_too_long)
    report = publisher(sb, tmp_path).publish([db])
    [failed] = [f for f in report.figures if f.outcome == "failed"]
    assert failed.figid == "PMC10037071__gr7" and "the server rejected the network" in failed.detail
    assert "record not filled" in failed.detail
    assert read_ndex_field(db / "_figures" / "PMC10037071__gr7.md") == ""
    assert "PMC10037071__gr7" not in dict(map_rows(db))
    assert failed.uuid is not None and sb.summary(failed.uuid)["visibility"] == "PRIVATE"
    monkeypatch.setattr(run_module, "prepare_figure", real)
    fixed = publisher(sb, tmp_path).publish([db])
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
    assert len(lines) == 10 and all(any(f.figid in line for line in lines) for f in report.figures)
    # From the command line the style file itself is refused, in one line, before any figure.
    style_path = tmp_path / "style.json"
    style_path.write_text(json.dumps(style))
    run = cli("publish", str(db), "-q", "--style", str(style_path), "--state-dir", str(tmp_path / "s"), env=cli_env(sb))
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and str(style_path) in run.stderr and "NODE_BORDER_WIDTH" in run.stderr
    assert uploads(sb) == [] and snapshot(db) == before


def test_bad_password_changes_nothing(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    before = snapshot(db)
    args = ("publish", str(db), "--state-dir", str(tmp_path / "state"), "--report", str(tmp_path / "report.json"))
    run = cli(*args, env=cli_env(sb, password="wrong-" + PASSWORD))
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
    conf.chmod(0o600)
    sb.faults.add("status", method="POST", path_regex=r"^/v3/networks$", count=1, status=503)
    sb.faults.add("lost_response", method="POST", path_regex=r"^/v3/networks$", count=1)
    outputs = []
    for extra in ([], ["--replace-foreign"], ["--dry-run"]):
        args = ["--profile", "pfocr", "--conf", str(conf), "--state-dir", str(tmp_path / "state"), "--network-set", "S"]
        run = cli("publish", str(db), *args, *extra, env={**cli_env(sb), "NDEX_PASSWORD": ""})
        assert run.returncode == 0, run.stderr
        outputs += [run.stdout, run.stderr]
    status = cli("status", str(db), "--profile", "pfocr", "--conf", str(conf), env=cli_env(sb), cwd=tmp_path)
    outputs += [status.stdout, status.stderr]
    assert "10 unchanged" in outputs[4]  # the dry run, from the journal
    assert_published(sb, db, FIGURES)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != conf]
    assert any(p.parent.name == "reports" for p in written) and any(p.suffix == ".jsonl" for p in written)
    for text in outputs + [p.read_bytes().decode("utf-8", "replace") for p in written]:
        assert PASSWORD not in text


def test_dry_run_contacts_nothing(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    before = snapshot(db)
    lines: list[str] = []
    report = publisher(sb, tmp_path, dry_run=True, echo=lines.append).publish([db])
    assert sb.requests == []
    assert snapshot(db) == before and not (tmp_path / "state").exists()
    assert report.counts() == {"would-create": 6, "would-update": 4, "unchanged": 0, "conflict": 0, "failed": 0}
    assert len(lines) == 10 and sum("would-create" in line for line in lines) == 6
    # After a real publish, a dry run knows from the journal what is unchanged and what would be updated.
    publisher(sb, tmp_path).publish([db])
    edited = db / "_figures" / "PMC10037071__gr7.md"  # a plain (unquoted) caption
    edited.write_bytes(edited.read_bytes().replace(b"\ncaption: ", b"\ncaption: X ", 1))
    mark = len(sb.requests)
    dry = publisher(sb, tmp_path, dry_run=True).publish([db]).counts()
    assert sb.requests[mark:] == []
    assert dry == {"would-create": 0, "would-update": 5, "unchanged": 5, "conflict": 0, "failed": 0}


def test_cli_without_credentials_uses_a_local_sandbox(db: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NDEX_")}
    env.update(PYTHONPATH=str(Path(__file__).resolve().parent.parent), HOME=str(tmp_path))
    dry = cli("publish", str(db), "-q", "--dry-run", env=env, cwd=tmp_path)
    assert dry.returncode == 0 and "would-create" in dry.stdout
    assert not (tmp_path / ".ndex-sandbox").exists()
    first = cli("publish", str(db), "-q", "--report", "r.json", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "local NDEx sandbox" in first.stdout and ".ndex-sandbox" in first.stdout
    assert "6 created" in first.stdout and "4 skipped-missing" in first.stdout  # an empty sandbox
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["counts"]["created"] == 6 and len(report["figures"]) == 10
    for entry in report["figures"]:
        if entry["outcome"] == "created":
            assert read_ndex_field(entry["path"]) == entry["uuid"]
    # Without --report each run writes its own report in the state dir, and says where.
    reports = []
    for _ in range(2):
        run = cli("publish", str(db), "-q", env=env, cwd=tmp_path)
        assert "6 unchanged" in run.stdout
        [path] = [line.removeprefix("report: ") for line in run.stdout.splitlines() if line.startswith("report: ")]
        reports.append(tmp_path / path)
    assert reports[0] != reports[1] and all(
        p.parent == tmp_path / ".ndex-sandbox/publish-state/reports" for p in reports
    )
    assert json.loads(reports[1].read_text())["counts"]["unchanged"] == 6
    # one journal for the sandbox, whatever port it listened on: a killed run's pending lines are seen again
    assert [p.name for p in (tmp_path / ".ndex-sandbox/publish-state").glob("*.jsonl")] == ["local-sandbox.jsonl"]
    with NdexSandbox(data_dir=tmp_path / ".ndex-sandbox") as persisted:
        assert sorted(server_figids(persisted, "pfocr")) == sorted(EMPTY)


def test_network_set_is_split_when_full(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    pub = publisher(sb, tmp_path, network_set="PFOCR", set_limit=4, set_batch=3)
    pub.publish([db])
    sets = pub.journal.sets
    assert sorted(sets) == ["PFOCR", "PFOCR (part 2)"]
    members = [sb.set_members(sets[name]) for name in ("PFOCR", "PFOCR (part 2)")]
    assert [len(m) for m in members] == [4, 2]
    assert sorted(members[0] + members[1]) == sorted(server_uuid(sb, f) for f in EMPTY)
    # Another set name on a re-run: nothing uploaded, the networks join that set too.
    mark = len(sb.requests)
    other = publisher(sb, tmp_path, network_set="PFOCR 2025")
    assert other.publish([db]).counts()["unchanged"] == 6 and uploads(sb, mark) == []
    assert sorted(sb.set_members(other.journal.sets["PFOCR 2025"])) == sorted(members[0] + members[1])


def test_a_retried_member_add_adds_no_second_shortcut(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    sb.faults.add("lost_response", method="POST", path_regex=r"/members$", count=1)
    report = publisher(sb, tmp_path, network_set="PFOCR").publish([db])
    assert report.failed == 0 and report.notes == []
    [set_id] = publisher(sb, tmp_path).journal.sets.values()
    members = sb.set_members(set_id)
    assert sorted(members) == sorted(server_uuid(sb, f) for f in EMPTY)  # once each: the lost add was done


def test_a_network_set_that_cannot_be_created_is_reported_and_filled_next_run(
    sb: NdexSandbox, db: Path, tmp_path: Path
) -> None:
    sb.faults.add("status", method="POST", path_regex=r"^/v2/networkset$", count=None, status=403)
    lines: list[str] = []
    first = publisher(sb, tmp_path, network_set="PFOCR", echo=lines.append).publish([db])
    assert first.counts()["created"] == 6 and first.failed == 0
    assert "PFOCR" not in publisher(sb, tmp_path).journal.sets
    assert [line for line in lines if "network set 'PFOCR'" in line and "next run" in line]
    assert first.notes == [line for line in lines if "network set" in line]
    sb.faults.clear()
    mark = len(sb.requests)
    second = publisher(sb, tmp_path, network_set="PFOCR").publish([db])
    assert second.counts()["unchanged"] == 6 and uploads(sb, mark) == []
    members = sb.set_members(publisher(sb, tmp_path).journal.sets["PFOCR"])
    assert sorted(members) == sorted(server_uuid(sb, f) for f in EMPTY)


def test_local_sandbox_keeps_its_data_and_a_bounded_request_log(tmp_path: Path) -> None:
    with local_sandbox(tmp_path / "sb") as credentials:
        assert credentials.server.startswith("http://127.0.0.1:")
    assert (tmp_path / "sb" / "ndex-sandbox.sqlite").is_file()


def test_every_network_carries_its_content_digest(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    publisher(sb, tmp_path).publish([db])
    for figid in EMPTY:
        uuid = server_uuid(sb, figid)
        prepared = pub_prepare(db / "_figures" / f"{figid}.md")
        assert properties(sb.summary(uuid))[DIGEST_ATTRIBUTE] == prepared.digest
        assert sb.summary(uuid, v3=True)["properties"][DIGEST_ATTRIBUTE] == {"t": "string", "v": prepared.digest}
