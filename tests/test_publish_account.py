"""Publishing as the account that owns the 2020 networks: its own read-only and DOI networks, another account's,
missing ones; the status command; identity checks before any upload; concurrent runs; hostile servers and inputs.

The sandbox is seeded as the real account is: ``wikipathways`` owns the 2020 networks the records name (one
read-only, one writable, one with a DOI), ``someone-else`` owns one, and one record names a UUID the server
does not have. The publisher types the account name as ``WikiPathways`` (NDEx stores and compares it lower-cased).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid as uuidlib
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from ndex_helpers import (
    PASSWORD,
    assert_published,
    cli,
    cli_env,
    map_rows,
    network_2020,
    properties,
    publisher,
    server_uuid,
    snapshot,
    uploads,
)

from pfocr_ndex.errors import PublishError
from pfocr_ndex.publish import NdexPublisher
from pfocr_ndex.publish.summary import DIGEST_ATTRIBUTE
from pfocr_ndex.records import read_record
from pfocr_ndex.sandbox import NdexSandbox
from pfocr_ndex.writeback import NdexMap, read_ndex_field, set_ndex_field

ACCOUNT = "wikipathways"
TYPED = "WikiPathways"
EMPTY = [
    "PMC10003241__ijms-24-04893-g003",
    "PMC10025411__fncel-17-1105247-g0001",
    "PMC10028837__nihpp-2023.03.03.530734v1-f0001",
    "PMC10030510__fimmu-14-1140749-g004",
    "PMC10037071__gr7",
]
MISSING = "PMC12170841__IJN-20-7415-g0001"  # its record is given a UUID the server does not have
OWN_READ_ONLY = "PMC1635360__zmk0100678110001"
OWN_WRITABLE = "PMC164216__cm0330012005"
OWN_DOI = "PMC17299__pq2202117006"
OTHERS = "PMC1800927__358fig3"  # someone-else's
FIGURES = [*EMPTY, MISSING, OWN_READ_ONLY, OWN_WRITABLE, OWN_DOI, OTHERS]
DOI = "10.18119/N9PFOCR1"
MISSING_UUID = "0badc0de-0000-11ea-99da-0ac135e8bacf"


def record(db: Path, figid: str) -> Path:
    return db / "_figures" / f"{figid}.md"


@pytest.fixture
def db(sample_db: Path) -> Path:
    for path in (sample_db / "_figures").iterdir():
        if path.stem not in FIGURES:
            path.unlink()
    path = record(sample_db, MISSING)
    path.write_bytes(path.read_bytes().replace(b"ndex: ''", f"ndex: {MISSING_UUID}".encode()))
    return sample_db


@pytest.fixture
def sb(db: Path) -> Iterator[NdexSandbox]:
    with NdexSandbox(users={ACCOUNT: PASSWORD, "someone-else": "x" * 12}, load_delay=0.01) as sandbox:
        for figid, owner, flags in (
            (OWN_READ_ONLY, ACCOUNT, {"read_only": True}),
            (OWN_WRITABLE, ACCOUNT, {}),
            (OWN_DOI, ACCOUNT, {"doi": DOI}),
            (OTHERS, "someone-else", {}),
        ):
            path = record(db, figid)
            sandbox.seed_network(owner, network_2020(path), uuid=read_record(path).ndex, **flags)
        yield sandbox


def point(db: Path, figid: str, uuid: str) -> None:
    """Make the record and the map name ``uuid`` for ``figid`` (as a curator's edit would)."""
    set_ndex_field(record(db, figid), uuid)
    ndex_map = NdexMap(db / "_data" / "ndex_map.tsv")
    ndex_map.set(figid, uuid)
    ndex_map.flush()


def uuid_of(db: Path, figid: str) -> str:
    value = read_ndex_field(record(db, figid))
    assert value
    return value


def outcome(report: object, figid: str) -> tuple[str, str | None, str]:
    [found] = [f for f in report.figures if f.figid == figid]  # type: ignore[attr-defined]
    return found.outcome, found.uuid, found.detail


# --- the account's own networks -------------------------------------------------------------------------


def test_each_kind_of_network_ends_as_it_should(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    doi_uuid, others_uuid = uuid_of(db, OWN_DOI), uuid_of(db, OTHERS)
    doi_before = (sb.summary(doi_uuid), sb.network_cx2(doi_uuid))
    report = publisher(sb, tmp_path, user=TYPED, network_set="PFOCR").publish([db])

    assert report.failed == 0
    # own writable and own read-only 2020 networks: updated in place; the read-only one is read-only again
    for figid in (OWN_WRITABLE, OWN_READ_ONLY):
        kind, uuid, _ = outcome(report, figid)
        assert (kind, uuid) == ("updated", uuid_of(db, figid))
        summary = sb.summary(uuid or "")
        assert properties(summary)["figid"] == figid and properties(summary)[DIGEST_ATTRIBUTE]
        assert summary["isReadOnly"] is (figid == OWN_READ_ONLY)
    # DOI: never modified, reported with the DOI
    kind, uuid, detail = outcome(report, OWN_DOI)
    assert (kind, uuid) == ("skipped-doi", doi_uuid) and DOI in detail
    assert (sb.summary(doi_uuid), sb.network_cx2(doi_uuid)) == doi_before
    # another account's, and a UUID not on the server: reported, left alone
    assert outcome(report, OTHERS)[:2] == ("skipped-foreign", others_uuid)
    assert "someone-else" in outcome(report, OTHERS)[2]
    assert outcome(report, MISSING)[:2] == ("skipped-missing", MISSING_UUID)
    assert report.counts()["created"] == 5
    assert_published(sb, db, [*EMPTY, OWN_WRITABLE, OWN_READ_ONLY], owner=ACCOUNT)
    assert read_ndex_field(record(db, OWN_DOI)) == doi_uuid and read_ndex_field(record(db, MISSING)) == MISSING_UUID

    # --replace-foreign: new networks for the DOI, foreign and missing ones; the records point to them
    again = publisher(sb, tmp_path, user=TYPED, replace_foreign=True, network_set="PFOCR").publish([db])
    assert again.counts()["created"] == 3 and again.counts()["unchanged"] == 7 and again.failed == 0
    for figid, old in ((OWN_DOI, doi_uuid), (OTHERS, others_uuid), (MISSING, MISSING_UUID)):
        kind, new, detail = outcome(again, figid)
        assert kind == "created" and new != old and f"replaces {old}" in detail
        assert read_ndex_field(record(db, figid)) == new and dict(map_rows(db))[figid] == new
    assert (sb.summary(doi_uuid), sb.network_cx2(doi_uuid)) == doi_before
    assert sb.summary(uuid_of(db, OWN_READ_ONLY))["isReadOnly"]


def test_status_says_each_situation_and_changes_nothing(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    publisher(sb, tmp_path, user=TYPED).publish([db])
    # a changed caption, a network still loading, a failed load, and a record naming another figure's network
    changed = record(db, EMPTY[4])  # a plain (unquoted) caption
    changed.write_bytes(changed.read_bytes().replace(b"\ncaption: ", b"\ncaption: CHANGED ", 1))
    point(db, EMPTY[1], uuid_of(db, EMPTY[2]))
    bad = network_2020(record(db, EMPTY[3]))
    bad[3]["networkAttributes"][0]["name"] = "n" * 501  # NDEx's load refuses it
    point(db, EMPTY[3], sb.seed_network(ACCOUNT, bad))
    sb.load_delay = 30.0
    client = publisher(sb, tmp_path, user=TYPED).client._ndex
    point(db, EMPTY[0], str(client.save_new_cx2_network(network_2020(record(db, EMPTY[0])))).rsplit("/", 1)[-1])

    before, mark = snapshot(db), len(sb.requests)
    run = cli("status", str(db), "--json", str(tmp_path / "status.json"), cwd=tmp_path, env=cli_env(sb, user=TYPED))
    assert run.returncode == 0, run.stderr
    assert snapshot(db) == before
    served = sb.requests[mark:]
    assert all(r.method == "GET" or r.path == "/v3/batch/networks/summary" for r in served), served
    assert len(served) <= 5
    situations = {f["figid"]: f["situation"] for f in json.loads((tmp_path / "status.json").read_text())["figures"]}
    assert situations == {
        EMPTY[0]: "loading",
        EMPTY[1]: "conflict",
        EMPTY[2]: "current",
        EMPTY[3]: "failed-load",
        EMPTY[4]: "changed",
        MISSING: "missing",
        OWN_READ_ONLY: "current",
        OWN_WRITABLE: "current",
        OWN_DOI: "doi",
        OTHERS: "foreign",
    }
    assert "content changed" in run.stdout and "still loading" in run.stdout and "another account's" in run.stdout
    assert f"{record(db, OWN_DOI)}: " in run.stdout + run.stderr  # problem situations are listed by file


def test_a_run_killed_between_unlock_and_relock_restores_the_flag(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    target = uuid_of(db, OWN_READ_ONLY)
    sb.faults.add("hang", method="PUT", path_regex=rf"^/v3/networks/{target}$", count=1, delay=1.0)
    state = tmp_path / "state"
    command = [sys.executable, "-m", "pfocr_ndex", "publish", str(db), "-q", "--state-dir", str(state)]
    proc = subprocess.Popen(command, env=cli_env(sb, user=TYPED), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while sb.summary(target)["isReadOnly"] and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # the update is on its way (and hangs in the server)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert not sb.summary(target)["isReadOnly"], "killed with the flag cleared"
    time.sleep(1.5)  # the hung update lands
    report = publisher(sb, tmp_path, user=TYPED).publish([db])
    assert report.failed == 0
    assert outcome(report, OWN_READ_ONLY)[0] in ("updated", "unchanged")
    summary = sb.summary(target)
    assert summary["isReadOnly"] and properties(summary)["figid"] == OWN_READ_ONLY


def test_mixed_case_user_name_and_lost_creates_make_no_duplicates(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    sb.faults.add("lost_response", method="POST", path_regex=r"^/v3/networks$", count=3)
    report = NdexPublisher(
        sb.url, TYPED, PASSWORD, state_dir=tmp_path / "s", poll_interval=0.03, lost_grace=0.05, echo=lambda line: None
    ).publish([db])
    assert report.failed == 0 and report.counts()["created"] == 5
    assert_published(sb, db, EMPTY, owner=ACCOUNT)
    assert sum(1 for r in uploads(sb) if r.method == "POST") == 5


# --- identity before every write -------------------------------------------------------------------------


def test_a_record_holding_another_figures_uuid_changes_nothing(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    publisher(sb, tmp_path, user=TYPED).publish([db])
    theirs = uuid_of(db, EMPTY[0])
    content_before = sb.network_cx2(theirs)
    slip = record(db, EMPTY[1])
    slip.write_bytes(slip.read_bytes().replace(uuid_of(db, EMPTY[1]).encode(), theirs.encode()))
    before, mark = snapshot(db), len(sb.requests)
    report = publisher(sb, tmp_path, user=TYPED).publish([db])  # the map still names EMPTY[1]'s own network
    assert outcome(report, EMPTY[1])[0] == "conflict" and "ndex_map.tsv" in outcome(report, EMPTY[1])[2]
    report = publisher(sb, tmp_path, user=TYPED, force=True).publish([db])  # the record's UUID, checked
    kind, uuid, detail = outcome(report, EMPTY[1])
    assert (kind, uuid) == ("conflict", theirs) and f"figure {EMPTY[0]}'s" in detail
    assert uploads(sb, mark) == [] and sb.network_cx2(theirs) == content_before
    assert snapshot(db) == before
    assert outcome(report, EMPTY[0])[0] == "unchanged"


def test_record_and_map_disagreeing_is_a_conflict_unless_forced(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    publisher(sb, tmp_path, user=TYPED).publish([db])
    mine, other = uuid_of(db, EMPTY[0]), uuid_of(db, EMPTY[2])
    ndex_map = db / "_data" / "ndex_map.tsv"
    ndex_map.write_text(ndex_map.read_text().replace(f"{EMPTY[0]}\t{mine}", f"{EMPTY[0]}\t{other}"))
    before = snapshot(db)
    report = publisher(sb, tmp_path, user=TYPED).publish([db])
    kind, _, detail = outcome(report, EMPTY[0])
    assert kind == "conflict" and mine in detail and other in detail and "--force" in detail
    assert snapshot(db) == before
    forced = publisher(sb, tmp_path, user=TYPED, force=True).publish([db])
    assert outcome(forced, EMPTY[0])[:2] == ("unchanged", mine)
    assert dict(map_rows(db))[EMPTY[0]] == mine


def test_an_empty_record_takes_the_network_the_map_names(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    publisher(sb, tmp_path, user=TYPED).publish([db])
    mine = uuid_of(db, EMPTY[0])
    emptied = record(db, EMPTY[0])
    emptied.write_bytes(emptied.read_bytes().replace(mine.encode(), b"''"))
    mark = len(sb.requests)
    report = publisher(sb, tmp_path / "fresh", user=TYPED).publish([db])
    assert outcome(report, EMPTY[0])[:2] == ("unchanged", mine)
    assert uploads(sb, mark) == [] and read_ndex_field(emptied) == mine


# --- concurrent runs, the account's limits ---------------------------------------------------------------


def test_two_runs_on_one_database_from_two_folders(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    sb.latency = 0.1
    env = cli_env(sb, user=TYPED)
    procs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "pfocr_ndex", "publish", str(db), "-q"],
                cwd=tmp_path / name,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
        time.sleep(0.3)  # the first one holds the lock
    results = [p.communicate(timeout=120) for p in procs]
    codes = [p.returncode for p in procs]
    assert codes[0] == 0 and codes[1] == 1, results
    refused = results[1][1].strip().splitlines()
    assert len(refused) == 1 and "in use by publish" in refused[0] and "Traceback" not in results[1][1]
    sb.latency = 0.0
    assert_published(sb, db, [*EMPTY, OWN_WRITABLE, OWN_READ_ONLY], owner=ACCOUNT)
    again = cli("publish", str(db), "-q", cwd=tmp_path / "b", env=env)
    assert again.returncode == 0 and "0 created" in again.stdout and " updated" not in again.stdout


def test_out_of_disk_space_stops_the_run_in_one_line(db: Path, tmp_path: Path) -> None:
    size = len(orjson.dumps(network_2020(record(db, EMPTY[0]))))
    with NdexSandbox(users={"alice": PASSWORD}, load_delay=0.01, disk_quota=int(size * 2.5)) as sb:
        run = cli("publish", str(db), "-q", "--workers", "1", "--state-dir", str(tmp_path / "s"), env=cli_env(sb))
        assert run.returncode == 1 and "Traceback" not in run.stderr
        assert "stopped early: the NDEx account is out of disk space" in run.stderr
        assert "You have used all allocated disk space" in run.stderr
        created = len(sb.networks_of("alice"))
        assert 1 <= created < 5
        filled = [f for f in [*EMPTY, MISSING] if read_ndex_field(record(db, f)) not in ("", MISSING_UUID)]
        assert len(filled) == created
        posts = [r for r in uploads(sb) if r.method == "POST"]
        assert len(posts) <= created + 1  # one refused create, then no more uploads


# --- the command line and the machine -------------------------------------------------------------------


def test_usage_errors_are_one_line_and_exit_2(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    env = cli_env(sb, user=TYPED)
    for args, message in (
        (["--report", str(tmp_path)], "is a folder"),
        (["--report", str(tmp_path / "missing" / "r.json")], "does not exist"),
        (["--upload-timeout", "nan"], "positive number of seconds"),
        (["--upload-timeout", "0"], "positive number of seconds"),
        (["--upload-timeout", "inf"], "positive number of seconds"),
        (["--timeout", "-1"], "positive number of seconds"),
        (["--workers", "0"], "between 1 and 32"),
    ):
        run = cli("publish", str(db), *args, env=env, cwd=tmp_path)
        assert run.returncode == 2, (args, run.stderr)
        assert message in run.stderr.strip().splitlines()[-1] and "Traceback" not in run.stderr
    assert uploads(sb) == []


def test_a_full_disk_under_the_state_dir_is_one_line(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    """Files may grow to 400 bytes (RLIMIT_FSIZE): the journal's third line fails as on a full disk."""
    import resource

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (400, 400))

    state = tmp_path / "state"
    command = [sys.executable, "-m", "pfocr_ndex", "publish", str(db), "-q", "--workers", "1"]
    run = subprocess.run(
        [*command, "--state-dir", str(state)],
        env=cli_env(sb, user=TYPED),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_files,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "cannot write the publish journal: File too large" in run.stderr
    assert "the report could not be written" in run.stderr or "report:" in run.stdout
    posts = [r for r in uploads(sb) if r.method == "POST"]
    assert len(posts) <= 2  # the run stopped at once
    assert len(sb.networks_of(ACCOUNT)) - 3 == len(posts)  # every create made was made once (3 were seeded)
    # the next run, with room, finishes the job without duplicates
    assert publisher(sb, tmp_path, user=TYPED).publish([db]).failed == 0
    assert_published(sb, db, [*EMPTY, OWN_WRITABLE, OWN_READ_ONLY], owner=ACCOUNT)


def test_a_journal_that_is_not_a_file_is_one_line(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    NdexPublisher(sb.url, TYPED, PASSWORD, state_dir=state).journal.path.symlink_to("/dev/full")
    before = snapshot(db)
    run = cli("publish", str(db), "-q", "--state-dir", str(state), env=cli_env(sb, user=TYPED), cwd=tmp_path)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().endswith("the publish journal is not a regular file")
    assert uploads(sb) == [] and snapshot(db) == before


def test_non_ascii_password_and_user_info_in_the_server_address(db: Path, tmp_path: Path) -> None:
    password = "pässwörd-密码"
    with NdexSandbox(users={"müller": password}, load_delay=0.01) as sb:
        env = cli_env(sb, user="Müller", password=password)
        env["NDEX_SERVER"] = sb.url.replace("http://", "http://müller:leaked-secret@")
        state = tmp_path / "state"
        run = cli("publish", str(db), "-q", "--state-dir", str(state), env=env, cwd=tmp_path)
        assert run.returncode == 0, run.stderr  # the 2020 UUIDs are not on this server: skipped, no failure
        assert "5 created" in run.stdout and "0 failed" in run.stdout and "Traceback" not in run.stderr
        texts = [run.stdout, run.stderr] + [p.read_text(errors="replace") for p in state.rglob("*") if p.is_file()]
        assert not any("leaked-secret" in text or password in text for text in texts)
        assert not any("leaked-secret" in str(p) for p in state.rglob("*"))


# --- hostile servers ----------------------------------------------------------------------------------


class HostileServer:
    """An HTTP server on 127.0.0.1 answering every request with ``reply(conn)``."""

    def __init__(self, reply: Callable[[socket.socket], None]) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.reply = reply
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                self.reply(conn)
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


def _drip(conn: socket.socket) -> None:
    for byte in b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"externalId": "x"':
        conn.sendall(bytes([byte]))
        time.sleep(0.1)


def _endless(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    while True:
        conn.sendall(b"10000\r\n" + b"[" * 0x10000 + b"\r\n")


def _list(conn: socket.socket) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]"
    )


@pytest.mark.parametrize(
    ("reply", "message"),
    [(_drip, "timeout"), (_endless, "answer too large"), (_list, "answered list, not a JSON dict")],
    ids=["drip", "endless", "list-for-object"],
)
def test_hostile_servers_stop_the_run_in_one_line(
    db: Path, tmp_path: Path, reply: Callable[[socket.socket], None], message: str
) -> None:
    server = HostileServer(reply)
    try:
        before = snapshot(db)
        started = time.monotonic()
        pub = NdexPublisher(
            server.url,
            "alice",
            PASSWORD,
            state_dir=tmp_path / "s",
            timeout=1.0,
            retries=1,
            backoff=0.01,
            echo=lambda line: None,
        )
        pub.client._ndex._uploads.max_bytes = pub.client._ndex.s.max_bytes = 1 << 20
        with pytest.raises(PublishError) as caught:
            pub.publish([db])
        assert time.monotonic() - started < 10
        text = str(caught.value)
        assert "\n" not in text and message in text and "nothing was changed" in text
        assert snapshot(db) == before
    finally:
        server.close()


def test_a_sandbox_network_set_folder_is_made_readable(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    publisher(sb, tmp_path, user=TYPED, network_set="PFOCR", visibility="UNLISTED").publish([db])
    [set_id] = publisher(sb, tmp_path, user=TYPED).journal.sets.values()
    assert sb.folder_visibility(set_id) == "UNLISTED"
    members = sb.set_members(set_id)
    assert sorted(members) == sorted(server_uuid(sb, f, ACCOUNT) for f in [*EMPTY, OWN_WRITABLE, OWN_READ_ONLY])


def test_uuid_helpers_are_consistent() -> None:
    assert str(uuidlib.UUID(MISSING_UUID)) == MISSING_UUID


# --- review findings: each failed before its fix -------------------------------------------------------


def test_a_network_named_by_two_records_is_written_once(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    """A network that names no figure (no figid, no pfocrId), named by two records: nothing is overwritten."""
    cx2 = network_2020(record(db, EMPTY[0]))
    for aspect in cx2:
        if "networkAttributes" in aspect:
            aspect["networkAttributes"][0].pop("pfocrId")
        if "attributeDeclarations" in aspect:
            aspect["attributeDeclarations"][0]["networkAttributes"].pop("pfocrId")
    shared = sb.seed_network(ACCOUNT, cx2)
    for figid in EMPTY[:2]:
        point(db, figid, shared)
    report = publisher(sb, tmp_path, user=TYPED).publish([db])
    outcomes = sorted(outcome(report, f)[0] for f in EMPTY[:2])
    assert outcomes == ["conflict", "updated"]
    assert sum(1 for r in uploads(sb) if r.method == "PUT" and shared in r.path) == 1


def test_a_non_string_ndex_field_fails_before_any_upload(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    odd = record(db, EMPTY[0])
    odd.write_bytes(odd.read_bytes().replace(b"ndex: ''", b"ndex: 12345"))
    report = publisher(sb, tmp_path, user=TYPED).publish([db])
    kind, _, detail = outcome(report, EMPTY[0])
    assert kind == "failed" and "not a bare UUID: 12345" in detail
    assert report.counts()["created"] == 4  # the other four empty records; nothing for this one
    assert not any(properties(s).get("figid") == EMPTY[0] for s in sb.networks_of(ACCOUNT))


def test_an_unlock_whose_answers_are_lost_is_undone(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    target = uuid_of(db, OWN_READ_ONLY)
    # the unlock is carried out each time but its answer never arrives (3 tries); the relock then goes through
    sb.faults.add("lost_response", method="PUT", path_regex=rf"^/v2/network/{target}/systemproperty$", count=3)
    report = publisher(sb, tmp_path, user=TYPED, retries=2).publish([db])
    kind, _, _ = outcome(report, OWN_READ_ONLY)
    assert kind == "failed"
    assert sb.summary(target)["isReadOnly"], "the flag cleared by the lost unlock is set again at once"


def test_an_adopted_network_still_loading_is_waited_for(db: Path, tmp_path: Path) -> None:
    """Records never filled, networks re-indexing (completed false): a fresh machine waits, then finds them current."""
    with NdexSandbox(users={ACCOUNT: PASSWORD}, load_delay=0.0) as sb:
        publisher(sb, tmp_path, user=TYPED, fill=False).publish([db])
        sb.load_delay = 1.0
        client = publisher(sb, tmp_path, user=TYPED).client
        client._ndex.save_new_cx2_network(network_2020(record(db, OTHERS)))  # a load at the head of the one queue
        for figid in EMPTY:  # index_level ≠ NONE: completed false until the index task, queued behind, ran
            client.set_system_properties(server_uuid(sb, figid, ACCOUNT), {"index_level": "META"})
        assert not sb.summary(server_uuid(sb, EMPTY[-1], ACCOUNT))["completed"]
        fresh = publisher(sb, tmp_path / "fresh", user=TYPED, fill=False, verify_timeout=20).publish([db])
        assert [outcome(fresh, f)[0] for f in EMPTY] == ["unchanged"] * len(EMPTY)
        assert [r for r in uploads(sb) if r.method == "PUT"] == []


def test_a_lost_network_set_create_makes_one_folder(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    sb.faults.add("lost_response", method="POST", path_regex=r"^/v2/networkset$", count=1)
    report = publisher(sb, tmp_path, user=TYPED, network_set="PFOCR").publish([db])
    assert report.failed == 0 and report.notes == []
    homes = publisher(sb, tmp_path, user=TYPED).client._ndex.files.list_folder_items(item_type="FOLDER")
    assert [f["name"] for f in homes] == ["PFOCR"]
    assert sb.folder_visibility(homes[0]["uuid"]) == "PUBLIC"


def test_a_map_that_cannot_be_read_or_written_is_one_line(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    ndex_map = db / "_data" / "ndex_map.tsv"
    os.link(ndex_map, tmp_path / "second-name.tsv")  # a hard link: rewriting the map is refused
    lines: list[str] = []
    report = publisher(sb, tmp_path, user=TYPED, echo=lines.append).publish([db])
    assert report.counts()["created"] == 5 and report.failed == 0
    assert [line for line in lines if str(ndex_map) in line and "could not be written" in line]
    ndex_map.unlink()
    ndex_map.mkdir()  # a folder where the map should be
    again = cli("publish", str(db), "-q", "--state-dir", str(tmp_path / "s2"), env=cli_env(sb, user=TYPED))
    assert "Traceback" not in again.stderr and "not used or updated" in again.stderr


def test_a_state_dir_that_is_a_file_is_one_line(sb: NdexSandbox, db: Path, tmp_path: Path) -> None:
    (tmp_path / "state").write_text("not a folder")
    run = cli("publish", str(db), "-q", "--state-dir", str(tmp_path / "state"), env=cli_env(sb, user=TYPED))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith(f"pfocr-ndex: {tmp_path / 'state'}")


def test_reading_pending_creates_while_others_append(tmp_path: Path) -> None:
    """The journal is appended by upload threads while the main thread looks for pending creates."""
    from pfocr_ndex.publish.journal import PublishJournal

    journal = PublishJournal(tmp_path / "j.jsonl")
    journal.append("pending", figid="PMC0__0", hash="h", since=5)
    stop = threading.Event()

    def append() -> None:
        for i in range(20_000):
            if stop.is_set():
                return
            journal.append("uploaded", figid=f"PMC{i}__x", uuid="u", hash="h")

    writer = threading.Thread(target=append)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        writer.start()
        for _ in range(2_000):
            assert journal.earliest_pending() == 5
    finally:
        stop.set()
        writer.join()
        sys.setswitchinterval(old)
