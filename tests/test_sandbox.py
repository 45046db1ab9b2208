"""The NDEx sandbox, exercised through the real ndex2 3.12 client over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import copy
import io
import itertools
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

import orjson
import pytest
import requests
from ndex2.client import Ndex2
from ndex2.exceptions import NDExError, NDExNotFoundError, NDExUnauthorizedError
from ndex_helpers import ROOT, snapshot

from pfocr_ndex.cli import main
from pfocr_ndex.errors import PfocrError
from pfocr_ndex.sandbox import NdexSandbox
from pfocr_ndex.validate import validate_cx2

PASSWORD = "secret"

# A minimal PFOCR-style network NDEx accepts
GENES = [("TP53", "ncbigene:7157"), ("MDM2", "ncbigene:4193"), ("CDKN1A", "ncbigene:1026")]


def make_cx2(title: str = "Example pathway figure", genes: list[tuple[str, str]] = GENES) -> list[dict]:
    return [
        {"CXVersion": "2.0", "hasFragments": False},
        {
            "metaData": [
                {"name": "attributeDeclarations", "elementCount": 1},
                {"name": "networkAttributes", "elementCount": 1},
                {"name": "nodes", "elementCount": len(genes)},
            ]
        },
        {
            "attributeDeclarations": [
                {
                    "networkAttributes": {
                        "name": {"d": "string"},
                        "description": {"d": "string"},
                        "organism": {"d": "list_of_string"},
                        "publicationYear": {"d": "integer"},
                        "pfocrId": {"d": "string"},
                    },
                    "nodes": {"name": {"d": "string"}, "represents": {"d": "string"}},
                }
            ]
        },
        {
            "networkAttributes": [
                {
                    "name": title,
                    "description": "<p>Caption</p>",
                    "organism": ["Homo sapiens"],
                    "publicationYear": 2020,
                    "pfocrId": "PMC0000000__fig1.jpg",
                }
            ]
        },
        {
            "nodes": [
                {"id": i, "x": 100.0 * i, "y": 80.0, "v": {"name": name, "represents": ref}}
                for i, (name, ref) in enumerate(genes)
            ]
        },
        {"status": [{"error": "", "success": True}]},
    ]


def without_status(cx2: list[dict]) -> list[dict]:
    return [aspect for aspect in copy.deepcopy(cx2) if "status" not in aspect]


def uuid_of(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1]


def wait_completed(client: Ndex2, network_id: str, *, tries: int = 200) -> dict:
    """Poll the summary (at most ``tries`` × 25 ms) until the loading task has run."""
    for _ in range(tries):
        summary = client.get_network_summary(network_id)
        if summary["completed"]:
            return summary
        time.sleep(0.025)
    raise AssertionError(f"network {network_id} never completed")


def http_response(exc: BaseException) -> requests.Response:
    """The HTTP answer behind an ndex2 error (``__context__`` for NDExError, ``.response`` for flat calls)."""
    if isinstance(exc, requests.HTTPError):
        return exc.response
    assert isinstance(exc.__context__, requests.HTTPError), repr(exc.__context__)
    return exc.__context__.response


@pytest.fixture
def sandbox():
    with NdexSandbox(users={"alice": PASSWORD, "bob": "bobpw"}, load_delay=0.0) as sb:
        yield sb


@pytest.fixture
def slow_sandbox():
    """Networks stay locked and unvalidated long enough to hit them mid-load."""
    with NdexSandbox(users={"alice": PASSWORD}, load_delay=1.5) as sb:
        yield sb


def client_for(sb: NdexSandbox, user: str = "alice", password: str = PASSWORD, **kwargs) -> Ndex2:
    return Ndex2(host=sb.url, username=user, password=password, **kwargs)


def test_version_check_and_skip_both_give_v2_routes(sandbox):
    checked = client_for(sandbox)
    skipped = client_for(sandbox, skip_version_check=True)
    assert (checked.version_endpoint, skipped.version_endpoint) == ("/v2", "/v2")
    assert checked.version.startswith("2.")
    assert sandbox.requests[0][:2] == ("GET", "/rest/admin/status")
    raw = requests.get(sandbox.url + "/v2/admin/status", timeout=5)
    assert raw.headers["Content-Type"] == "application/json"  # exact: ndex2 parses only this value
    assert raw.headers["Connection"] == "close"
    assert raw.json()["properties"]["ServerVersion"].startswith("3.")


def test_create_is_locked_until_the_loading_task_validates_it(slow_sandbox):
    client = client_for(slow_sandbox)
    cx2 = make_cx2()
    location = client.save_new_cx2_network(cx2)
    assert location.startswith(slow_sandbox.url + "/v3/networks/")
    network_id = uuid_of(location)

    loading = client.get_network_summary(network_id)
    assert (loading["completed"], loading["isValid"], loading["nodeCount"]) == (False, False, 0)
    assert "name" not in loading

    done = wait_completed(client, network_id)
    assert done["isValid"] is True and "errorMessage" not in done
    assert done["nodeCount"] == len(GENES) and done["edgeCount"] == 0
    assert done["name"] == "Example pathway figure" and done["visibility"] == "PRIVATE"
    properties = {p["predicateString"]: (p["dataType"], p["value"]) for p in done["properties"]}
    assert properties["publicationYear"] == ("integer", "2020")
    assert properties["organism"] == ("list_of_string", '["Homo sapiens"]')
    assert "name" not in properties and "description" not in properties
    assert client.get_network_as_cx2_stream(network_id).json() == cx2
    assert [s["uuid"] for s in client.networks.get_summaries([network_id])] == [network_id]


def test_requested_visibility_applies_after_load_and_bad_visibility_is_500(sandbox):
    client = client_for(sandbox)
    network_id = uuid_of(client.save_new_cx2_network(make_cx2(), visibility="PUBLIC"))
    assert wait_completed(client, network_id)["visibility"] == "PUBLIC"
    found = client_for(sandbox, "bob", "bobpw").search_networks("pathway figure")
    assert (found["numFound"], [s["externalId"] for s in found["networks"]]) == (1, [network_id])
    with pytest.raises(NDExError) as caught:
        client.save_new_cx2_network(make_cx2(), visibility="public")
    response = http_response(caught.value)
    assert response.status_code == 500 and response.json()["errorCode"] == "NDEx_Exception"
    assert "VisibilityType.public" in response.json()["message"]


def test_invalid_cx2_is_accepted_then_marked_with_error_and_forced_private(sandbox):
    client = client_for(sandbox)
    bad = without_status(make_cx2())
    expected = "CX document ends without a 'status' aspect defined."  # ndex-object-model CXReader's text
    network_id = uuid_of(client.save_new_cx2_network(bad, visibility="PUBLIC"))
    summary = wait_completed(client, network_id)
    assert summary["errorMessage"] == expected
    assert summary["isValid"] is True and summary["visibility"] == "PRIVATE"
    assert sandbox.summary(network_id)["errorMessage"] == expected


def test_the_loader_applies_ndex_rules_only(sandbox):
    """validate_cx2's own rules (strict) do not fail a load; a name longer than NDEx's column fails it as the
    database does, after the other checks."""
    client = client_for(sandbox)
    lenient = make_cx2("lenient")
    declared = lenient[2]["attributeDeclarations"][0]
    declared["nodes"]["represents"]["a"] = "r"  # the nodes keep the full name
    lenient[3]["networkAttributes"][0].update(organism=[], publicationYear=2020.7)
    assert len(validate_cx2(lenient)) == 2 + len(GENES) and validate_cx2(lenient, strict=False) == []
    loaded = wait_completed(client, uuid_of(client.save_new_cx2_network(lenient)))
    assert "errorMessage" not in loaded and loaded["nodeCount"] == len(GENES)

    long_name = make_cx2("x" * 501)
    failed = wait_completed(client, uuid_of(client.save_new_cx2_network(long_name)))
    assert failed["errorMessage"] == (
        "DB error when saving network summary: ERROR: value too long for type character varying(500)"
    )
    both = without_status(long_name)
    failed = wait_completed(client, uuid_of(client.save_new_cx2_network(both)))
    assert failed["errorMessage"] == "CX document ends without a 'status' aspect defined."


def test_update_while_locked_is_a_concurrent_modification_500(slow_sandbox):
    client = client_for(slow_sandbox)
    network_id = uuid_of(client.save_new_cx2_network(make_cx2()))
    with pytest.raises(NDExError) as caught:
        client.update_cx2_network(io.BytesIO(b"[]"), network_id)
    response = http_response(caught.value)
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["errorCode"] == "NDEx_Concurrent_Modification_Exception"
    assert set(body) == {"errorCode", "message", "threadId", "timeStamp"}  # NDExError is NON_NULL
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d{1,2}:\d\d:\d\d,\d{3}", body["timeStamp"])
    # ndex2's delete_network retries (1 s apart) on exactly this errorCode until the load finished
    assert client.delete_network(network_id) == ""
    assert [r.status for r in slow_sandbox.requests if r.method == "DELETE"][-1] == 204
    with pytest.raises(KeyError):
        slow_sandbox.summary(network_id)


def test_update_replaces_the_network_and_checks_ownership_and_read_only(sandbox):
    client = client_for(sandbox)
    network_id = uuid_of(client.save_new_cx2_network(make_cx2()))
    wait_completed(client, network_id)
    two_genes = make_cx2("Updated title", GENES[:2])
    assert client.update_cx2_network(io.BytesIO(json.dumps(two_genes).encode()), network_id) is None
    updated = wait_completed(client, network_id)
    assert (updated["name"], updated["nodeCount"]) == ("Updated title", 2)
    assert sandbox.network_cx2(network_id) == two_genes

    with pytest.raises(NDExUnauthorizedError):
        client_for(sandbox, "bob", "bobpw").update_cx2_network(io.BytesIO(b"[]"), network_id)
    with pytest.raises(NDExNotFoundError):
        client.update_cx2_network(io.BytesIO(b"[]"), "0b7c2a38-0000-11ee-0000-000000000000")

    foreign = sandbox.seed_network("wikipathways", make_cx2("2020 figure"), read_only=True)
    assert sandbox.summary(foreign)["isReadOnly"] is True
    with pytest.raises(NDExError) as caught:  # ndex-rest checks read-only before write access
        client.update_cx2_network(io.BytesIO(b"[]"), foreign)
    assert http_response(caught.value).json()["errorCode"] == "NDEx_Forbidden_Operation_Exception"


def test_wrong_password_and_unknown_user_are_401(sandbox):
    with pytest.raises(NDExUnauthorizedError) as caught:
        client_for(sandbox, password="wrong").save_new_cx2_network(make_cx2())
    response = http_response(caught.value)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "NDEx_Unauthorized_Operation_Exception"
    assert response.json()["message"] == "Invalid password for user alice."

    with pytest.raises(requests.HTTPError) as flat:
        client_for(sandbox, "nobody", "x").get_user_by_username("alice")
    assert flat.value.response.status_code == 401
    assert flat.value.response.json()["errorCode"] == "NDEx_Object_Not_Found_Exception"
    assert sandbox.networks_of("alice") == []


def test_user_network_summaries_page_newest_first_and_only_for_the_owner(sandbox):
    client = client_for(sandbox)
    created = []
    for index in range(5):
        created.append(uuid_of(client.save_new_cx2_network(make_cx2(f"figure {index}"))))
        time.sleep(0.002)  # distinct modification times
    pages = [client.get_user_network_summaries("alice", offset=offset, limit=2) for offset in (0, 2, 4)]
    assert [len(page) for page in pages] == [2, 2, 1]
    listed = [s["externalId"] for page in pages for s in page]
    assert listed == list(reversed(created))
    assert [s["externalId"] for s in client.get_user_network_summaries("alice", limit=0)] == listed

    with pytest.raises(requests.HTTPError) as caught:
        client_for(sandbox, "bob", "bobpw").get_user_network_summaries("alice")
    assert caught.value.response.status_code == 401
    assert caught.value.response.headers["WWW-Authenticate"] == "Basic"


def test_network_set_is_a_folder_of_shortcuts_with_a_size_limit():
    with NdexSandbox(users={"alice": PASSWORD}, load_delay=0.0, max_set_size=3) as sb:
        client = client_for(sb)
        ids = [uuid_of(client.save_new_cx2_network(make_cx2(f"n{i}"))) for i in range(4)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            set_url = client.create_networkset("PFOCR 2024", "figures")
            assert set_url.startswith(sb.url + "/v2/networkset/")
            set_id = uuid_of(set_url)
            members_url = client.add_networks_to_networkset(set_id, ids[:2])
            assert members_url == f"{sb.url}/v2/networkset/{set_id}/members"
            info = client.get_networkset(set_id)
            with pytest.raises(requests.HTTPError) as caught:
                client.add_networks_to_networkset(set_id, ids[2:])
        assert info["name"] == "PFOCR 2024" and info["networks"] == []  # as ndex-rest converts a folder
        assert sb.set_members(set_id) == ids[:2]
        listing = client.files.list_folder_items(set_id, format="compact")
        assert [item["attributes"]["target"] for item in listing] == ids[:2]
        assert caught.value.response.status_code == 400
        assert "at most 3 items" in caught.value.response.json()["message"]
        assert sb.set_members(set_id) == ids[:2]  # all or nothing


def test_system_properties_wait_for_validation(slow_sandbox):
    client = client_for(slow_sandbox)
    network_id = uuid_of(client.save_new_cx2_network(make_cx2()))
    with pytest.raises(requests.HTTPError) as caught:
        client.set_network_system_properties(network_id, {"visibility": "PUBLIC", "index_level": "META"})
    assert caught.value.response.status_code == 500
    assert caught.value.response.json()["errorCode"] == "NDEx_Modify_Invalid_Network_Exception"
    wait_completed(client, network_id)
    assert client.set_network_system_properties(network_id, {"visibility": "PUBLIC", "index_level": "META"}) == ""
    assert client.set_read_only(network_id, True) == ""
    summary = client.get_network_summary(network_id)
    assert (summary["visibility"], summary["indexLevel"], summary["isReadOnly"]) == ("PUBLIC", "META", True)


def test_properties_reject_reserved_names_and_replace_the_rest(sandbox):
    client = client_for(sandbox)
    network_id = uuid_of(client.save_new_cx2_network(make_cx2()))
    wait_completed(client, network_id)
    with pytest.raises(requests.HTTPError) as caught:
        client.set_network_properties(network_id, [{"predicateString": "name", "dataType": "string", "value": "x"}])
    assert caught.value.response.status_code == 400
    new = [{"subNetworkId": "", "predicateString": "rights", "dataType": "string", "value": "CC0"}]
    assert client.set_network_properties(network_id, new) == 1
    assert client.get_network_summary(network_id)["properties"] == [
        {"predicateString": "rights", "value": "CC0", "dataType": "string", "subNetworkId": None}
    ]
    stored = sandbox.network_cx2(network_id)  # the networkAttributes aspect is rebuilt from the summary
    assert [a["networkAttributes"] for a in stored if "networkAttributes" in a] == [
        [{"name": "Example pathway figure", "description": "<p>Caption</p>", "rights": "CC0"}]
    ]
    assert validate_cx2(stored) == []


def test_status_fault_answers_like_a_proxy_and_performs_nothing(sandbox):
    client = client_for(sandbox)
    sandbox.faults.add("status", method="POST", path_regex=r"^/v3/networks$", status=503)
    with pytest.raises(NDExError) as caught:
        client.save_new_cx2_network(make_cx2())
    assert str(caught.value).startswith("Caught 503 from server")
    response = http_response(caught.value)
    assert response.headers["Content-Type"] == "text/html" and "<html>" in response.text
    assert sandbox.networks_of("alice") == []
    network_id = uuid_of(client.save_new_cx2_network(make_cx2()))  # the fault fired once
    assert [s["externalId"] for s in sandbox.networks_of("alice")] == [network_id]
    assert [r.status for r in sandbox.requests if r.method == "POST"] == [503, 201]


def test_lost_response_creates_the_network_but_the_client_sees_a_connection_error(sandbox):
    client = client_for(sandbox)
    sandbox.faults.add("lost_response", method="POST", path_regex=r"^/v3/networks$")
    with pytest.raises(NDExError) as caught:
        client.save_new_cx2_network(make_cx2("lost"))
    assert "ConnectionError" in str(caught.value)
    [created] = sandbox.networks_of("alice")
    assert wait_completed(client, created["externalId"])["name"] == "lost"
    assert [r.status for r in sandbox.requests if r.method == "POST"] == [None]


def test_hang_fault_trips_the_client_timeout(sandbox):
    client = client_for(sandbox, timeout=0.3)
    network_id = uuid_of(client.save_new_cx2_network(make_cx2()))
    sandbox.faults.add("hang", method="GET", path_regex=r"/summary$", delay=3.0)
    with pytest.raises(requests.exceptions.Timeout):
        client.get_network_summary(network_id)
    assert client.get_network_summary(network_id)["externalId"] == network_id


def test_unknown_route_and_missing_network_are_ndex_404s(sandbox):
    client = client_for(sandbox)
    raw = requests.get(sandbox.url + "/v2/nothing/here", timeout=5)
    assert raw.status_code == 404 and raw.json()["errorCode"] == "NDEx_Object_Not_Found_Exception"
    network_id = uuid_of(client.save_new_cx2_network(make_cx2()))
    wait_completed(client, network_id)
    client.networks.delete(network_id)
    with pytest.raises(requests.HTTPError) as caught:
        client.get_network_summary(network_id)
    assert caught.value.response.status_code == 404
    assert sandbox.summary(network_id)["isDeleted"] is True


def test_state_survives_a_restart_and_queued_loads_finish(tmp_path):
    with NdexSandbox(data_dir=tmp_path, users={"alice": PASSWORD}, load_delay=0.0) as first:
        client = client_for(first)
        done_id = uuid_of(client.save_new_cx2_network(make_cx2("kept")))
        wait_completed(client, done_id)
        first.load_delay = 60.0  # still queued when the server stops
        queued_id = uuid_of(client.save_new_cx2_network(make_cx2("queued", GENES[:1])))
        assert client.get_network_summary(queued_id)["completed"] is False
    assert (tmp_path / "ndex-sandbox.sqlite").is_file()
    with NdexSandbox(data_dir=tmp_path, load_delay=0.0) as second:
        client = client_for(second)  # the account persisted too
        assert client.get_network_summary(done_id)["name"] == "kept"
        assert wait_completed(client, queued_id)["nodeCount"] == 1


def start_cli_sandbox(*options: str, password: str) -> subprocess.Popen[str]:
    """``pfocr-ndex sandbox OPTIONS --user carol`` in a subprocess, the password in ``$SANDBOX_TEST_PW``."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pfocr_ndex",
            "sandbox",
            *options,
            "--user",
            "carol",
            "--password-env",
            "SANDBOX_TEST_PW",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, SANDBOX_TEST_PW=password),
    )


def test_cli_serves_until_interrupted_and_never_prints_the_password(tmp_path):
    process = start_cli_sandbox("--data", str(tmp_path), "--load-delay", "0", password="pw-not-to-print")
    assert process.stdout is not None and process.stderr is not None
    try:
        first_line = process.stdout.readline()
        url = first_line.split(" at ", 1)[1].split()[0]
        client = Ndex2(host=url, username="carol", password="pw-not-to-print")
        network_id = uuid_of(client.save_new_cx2_network(make_cx2()))
        assert wait_completed(client, network_id)["nodeCount"] == len(GENES)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        out, err = process.stdout.read(), process.stderr.read()  # readline() buffered part of stdout
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert "pw-not-to-print" not in first_line + out + err
    assert "$SANDBOX_TEST_PW" in first_line + out


def test_plain_json_create_folders_and_a_missing_multipart_part(sandbox):
    auth = ("alice", PASSWORD)
    plain = requests.post(
        sandbox.url + "/v3/networks?visibility=UNLISTED", json=make_cx2("plain"), auth=auth, timeout=5
    )
    assert plain.status_code == 201
    assert plain.headers["Location"] == f"{sandbox.url}/v3/networks/{plain.json()['uuid']}"
    assert isinstance(plain.json()["modificationTime"], int)

    client = client_for(sandbox)
    folder_id = client.files.create_folder("PFOCR 2021")
    network_id = uuid_of(client.save_new_cx2_network(make_cx2("in folder"), folder_id=folder_id))
    assert client.networks.get_summary(network_id)["folderId"] == folder_id
    assert [(i["type"], i["uuid"]) for i in client.files.list_folder_items(folder_id)] == [("NETWORK", network_id)]

    no_part = requests.post(sandbox.url + "/v3/networks", files={"other": ("f", b"[]")}, auth=auth, timeout=5)
    assert no_part.status_code == 400
    assert no_part.json()["message"] == "Field CXNetworkStream is not found in the POSTed Data."
    assert len(sandbox.networks_of("alice")) == 2


def test_multipart_upload_is_stored_byte_for_byte_whatever_the_part_order(sandbox):
    # CRLFs inside the CX2 (JSON whitespace) and a field before it holding "--" must not cut it short
    data = orjson.dumps(make_cx2("multipart")).replace(b"},{", b"},\r\n\r\n{", 1)
    assert b"\r\n" in data
    created = requests.post(
        sandbox.url + "/v3/networks",
        auth=("alice", PASSWORD),
        timeout=5,
        files=[
            ("comment", ("c.txt", b"--not the field\r\n")),
            ("CXNetworkStream", ("filename", data, "application/octet-stream")),
        ],
    )
    assert created.status_code == 201
    stored = requests.get(f"{sandbox.url}/v3/networks/{created.json()['uuid']}", auth=("alice", PASSWORD), timeout=5)
    assert stored.content == data


def test_unusable_data_dir_or_port_is_one_clear_line(tmp_path, capsys):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    assert main(["sandbox", "--data", str(not_a_dir)]) == 1
    with NdexSandbox(data_dir=tmp_path / "busy") as running:
        assert main(["sandbox", "--data", str(tmp_path / "other"), "--port", str(running.port)]) == 1
    foreign = tmp_path / "old"
    foreign.mkdir()
    with sqlite3.connect(foreign / "ndex-sandbox.sqlite") as db:
        db.execute("CREATE TABLE networks (uuid TEXT)")
    with pytest.raises(PfocrError, match="another sandbox version"):
        NdexSandbox(data_dir=foreign)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith("pfocr-ndex: ") for line in lines)
    assert str(not_a_dir) in lines[0] and f"127.0.0.1:{running.port}" in lines[1]


def cli_without_credentials(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``pfocr-ndex ARGS`` in a subprocess with no NDEx credentials (publish then embeds a sandbox)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NDEX_")}
    env.update(HOME=str(cwd), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "pfocr_ndex", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def one_error_line(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    [line] = run.stderr.splitlines()
    assert line.startswith("pfocr-ndex: ")
    return line


@pytest.mark.parametrize("broken", ["plain file", "corrupt database"])
def test_an_unusable_data_folder_is_one_line_for_publish_and_sandbox(sample_db: Path, tmp_path: Path, broken: str):
    data = tmp_path / ".ndex-sandbox"
    if broken == "plain file":
        data.write_text("not a folder")
        damaged, named = data, str(data.name)
    else:
        data.mkdir()
        damaged = data / "ndex-sandbox.sqlite"
        damaged.write_bytes(b"this is not an SQLite database" * 100)
        named = f"{data.name}/ndex-sandbox.sqlite"
    before, records = damaged.read_bytes(), snapshot(sample_db)
    publish = one_error_line(cli_without_credentials("publish", str(sample_db), "-q", cwd=tmp_path))
    served = one_error_line(cli_without_credentials("sandbox", "--port", "0", cwd=tmp_path))
    for line in (publish, served):
        assert line.startswith(f"pfocr-ndex: {named}: ")
    assert damaged.read_bytes() == before and snapshot(sample_db) == records


def test_one_sandbox_at_a_time_uses_a_data_folder(sample_db: Path, tmp_path: Path):
    for record in sorted((sample_db / "_figures").iterdir())[2:]:
        record.unlink()  # two figures are enough
    records = snapshot(sample_db)
    data = tmp_path / ".ndex-sandbox"
    process = start_cli_sandbox("--data", str(data), password="pw")
    try:
        assert process.stdout is not None and process.stdout.readline().startswith("NDEx sandbox at ")
        publish = one_error_line(cli_without_credentials("publish", str(sample_db), "-q", cwd=tmp_path))
        second = one_error_line(cli_without_credentials("sandbox", "--data", str(data), cwd=tmp_path))
        with pytest.raises(PfocrError, match="in use by an NDEx sandbox"):
            NdexSandbox(data_dir=data)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    for line in (publish, second):
        assert line.startswith(f"pfocr-ndex: {data.name if line is publish else data}: ")
        assert f"in use by an NDEx sandbox, pid {process.pid} " in line
    assert snapshot(sample_db) == records
    # Stopped, it lets go: the embedded sandbox of publish can use the folder, and then a served one again.
    published = cli_without_credentials("publish", str(sample_db), "-q", cwd=tmp_path)
    assert published.returncode == 0 and "2 created" in published.stdout, published.stdout + published.stderr
    with NdexSandbox(data_dir=data) as again, pytest.raises(PfocrError, match="in use"):
        NdexSandbox(data_dir=again.data_dir)  # a second opener in the same process too


def test_concurrent_clients_each_get_their_own_network(sandbox):
    from concurrent.futures import ThreadPoolExecutor

    def create(index: int) -> str:
        return uuid_of(client_for(sandbox, skip_version_check=True).save_new_cx2_network(make_cx2(f"c{index}")))

    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(create, range(24)))
    assert len(set(ids)) == 24
    reader = client_for(sandbox, skip_version_check=True)
    names = {wait_completed(reader, network_id)["name"] for network_id in ids}
    assert names == {f"c{index}" for index in range(24)}
    assert sorted(r.status for r in sandbox.requests if r.method == "POST") == [201] * 24


def test_disk_quota_is_a_403_on_create():
    one_network = len(json.dumps(make_cx2()).encode())
    with NdexSandbox(users={"alice": PASSWORD}, load_delay=0.0, disk_quota=one_network + 10) as sb:
        client = client_for(sb)
        client.save_new_cx2_network(make_cx2())
        assert client.get_user_by_username("alice")["diskUsed"] == one_network
        client.save_new_cx2_network(make_cx2())  # NDEx checks the space already used, not the upload
        with pytest.raises(NDExError) as caught:
            client.save_new_cx2_network(make_cx2())
        response = http_response(caught.value)
        assert response.status_code == 403
        assert response.json()["message"].startswith("You have used all allocated disk space")
        assert len(sb.networks_of("alice")) == 2


def test_disk_used_follows_updates_property_changes_deletes_and_restarts(tmp_path):
    def stored_bytes(sb: NdexSandbox, network_ids: list[str]) -> int:
        return sum(
            len(requests.get(f"{sb.url}/v3/networks/{n}", auth=("alice", PASSWORD), timeout=5).content)
            for n in network_ids
        )

    with NdexSandbox(tmp_path, users={"alice": PASSWORD}, load_delay=0.0) as sb:
        client = client_for(sb)
        kept, updated, dropped = (uuid_of(client.save_new_cx2_network(make_cx2(t))) for t in ("a", "b", "c"))
        for network_id in (kept, updated, dropped):
            wait_completed(client, network_id)
        assert client.get_user_by_username("alice")["diskUsed"] == stored_bytes(sb, [kept, updated, dropped])
        client.update_cx2_network(io.BytesIO(json.dumps(make_cx2("b, now with a much longer name")).encode()), updated)
        wait_completed(client, updated)
        client.set_network_properties(kept, [{"predicateString": "note", "dataType": "string", "value": "x" * 500}])
        client.delete_network(dropped)
        expected = stored_bytes(sb, [kept, updated])
        assert client.get_user_by_username("alice")["diskUsed"] == expected
    with NdexSandbox(tmp_path) as sb:  # summed afresh from the database
        assert client_for(sb).get_user_by_username("alice")["diskUsed"] == expected


def test_request_log_keeps_only_the_last_record_limit_requests():
    with NdexSandbox(record_limit=2) as sb:
        for path in ("/v2/admin/status", "/v3/admin/status", "/rest/admin/status"):
            assert requests.get(sb.url + path, timeout=5).status_code == 200
        assert [r.path for r in sb.requests] == ["/v3/admin/status", "/rest/admin/status"]
        first, second = (r.received for r in sb.requests)
        assert 0 < first <= second <= time.monotonic()
    with NdexSandbox() as sb:
        assert sb.record_limit is not None  # bounded unless a caller asks for every request


# --- conformance with ndex-rest (docs/sandbox.md, "Conformance") ------------------------------

WIKI_PW = "wiki-pw"


def with_attributes(cx2: list[dict], extra: dict[str, tuple[str, object]]) -> list[dict]:
    """``cx2`` with more network attributes, ``{name: (data type, value)}``."""
    cx2 = copy.deepcopy(cx2)
    for aspect in cx2:
        if "attributeDeclarations" in aspect:
            aspect["attributeDeclarations"][0]["networkAttributes"].update({k: {"d": t} for k, (t, _) in extra.items()})
        if "networkAttributes" in aspect:
            aspect["networkAttributes"][0].update({k: v for k, (_, v) in extra.items()})
    return cx2


def raw(sb: NdexSandbox, method: str, path: str, auth=("alice", PASSWORD), **kwargs) -> requests.Response:
    return requests.request(method, sb.url + path, auth=auth, timeout=10, **kwargs)


def test_v2_summary_shape_follows_network_summary(sandbox):
    client = client_for(sandbox)
    cx2 = with_attributes(make_cx2(), {"version": ("string", "2024-01"), "__iconurl": ("string", "i.png")})
    network_id = uuid_of(client.save_new_cx2_network(cx2))
    summary = wait_completed(client, network_id)
    assert set(summary) == {
        "externalId", "creationTime", "modificationTime", "isDeleted", "name", "description", "version",
        "properties", "nodeCount", "edgeCount", "visibility", "owner", "ownerUUID", "isReadOnly", "isValid",
        "warnings", "isShowcase", "subnetworkIds", "indexLevel", "completed", "isCertified", "hasLayout",
        "hasSample", "cxFormat", "cxFileSize", "cx2FileSize", "showInTrash",
    }  # fmt: skip
    assert summary["externalId"] == network_id and summary["version"] == "2024-01"
    assert summary["properties"][0] == {
        "predicateString": "organism", "value": '["Homo sapiens"]', "dataType": "list_of_string", "subNetworkId": None
    }  # fmt: skip
    names = [p["predicateString"] for p in summary["properties"]]  # CX2 order, reserved names left out
    assert names == ["organism", "publicationYear", "pfocrId", "__iconurl"]
    assert (summary["isDeleted"], summary["cxFormat"], summary["subnetworkIds"]) == (False, "cx2", [])


def test_v3_summary_shape_follows_network_summary_v3(sandbox):
    client = client_for(sandbox)
    cx2 = with_attributes(make_cx2(), {"version": ("string", "2024-01"), "__iconurl": ("string", "i.png")})
    network_id = uuid_of(client.save_new_cx2_network(cx2))
    wait_completed(client, network_id)
    summary = client.networks.get_summary(network_id)
    assert set(summary) == {
        "uuid", "modificationTime", "name", "description", "properties", "creationTime", "owner", "nodeCount",
        "edgeCount", "visibility", "ownerUUID", "isReadOnly", "isShowcase", "indexLevel", "completed",
        "isCertified", "hasLayout", "hasSample", "cxFileSize", "cx2FileSize", "showInTrash", "warnings",
        "subnetworkIds",
    }  # fmt: skip
    assert summary["properties"] == {  # a TreeMap: sorted, typed, version included, __ attributes too
        "__iconurl": {"t": "string", "v": "i.png"},
        "organism": {"t": "list_of_string", "v": ["Homo sapiens"]},
        "pfocrId": {"t": "string", "v": "PMC0000000__fig1.jpg"},
        "publicationYear": {"t": "integer", "v": 2020},
        "version": {"t": "string", "v": "2024-01"},
    }
    assert list(summary["properties"]) == sorted(summary["properties"])
    compact = client.networks.get_summary(network_id, format="COMPACT")
    assert "properties" not in compact and compact["name"] == "Example pathway figure"
    assert set(client.networks.get_summary(network_id, format="update")) == {"uuid", "modificationTime"}
    bad = raw(sandbox, "GET", "/v3/networks/not-a-uuid/summary")
    assert (bad.status_code, bad.json()["errorCode"]) == (400, "NDEx_Bad_Request_Exception")
    assert bad.json()["message"] == "Format FULL is unsupported. Error message: Invalid UUID string: not-a-uuid"
    assert raw(sandbox, "GET", f"/v3/networks/{network_id}/summary?format=BRIEF").status_code == 400
    v2_bad = raw(sandbox, "GET", "/v2/network/not-a-uuid/summary")
    assert (v2_bad.status_code, v2_bad.json()["errorCode"]) == (500, "NDEx_Exception")


def test_summary_is_empty_while_loading_and_an_update_clears_it():
    with NdexSandbox(users={"alice": PASSWORD}, load_delay=0.6) as sb:
        client = client_for(sb)
        network_id = uuid_of(client.save_new_cx2_network(make_cx2(), visibility="PUBLIC"))
        loading = client.networks.get_summary(network_id)
        assert loading["visibility"] == "PRIVATE"  # the requested visibility applies when the load succeeded
        assert (loading["completed"], loading["nodeCount"], loading["properties"]) == (False, 0, {})
        assert not {"name", "description", "warnings", "subnetworkIds"} & set(loading)
        done = wait_completed(client, network_id)
        assert done["visibility"] == "PUBLIC"
        client.update_cx2_network(io.BytesIO(json.dumps(make_cx2("v2", GENES[:1])).encode()), network_id)
        cleared = client.networks.get_summary(network_id)
        assert (cleared["completed"], cleared["nodeCount"], cleared["properties"]) == (False, 0, {})
        assert "name" not in cleared and cleared["visibility"] == "PUBLIC"  # visibility kept
        assert cleared["creationTime"] == done["creationTime"] < cleared["modificationTime"]
        assert (wait_completed(client, network_id)["name"]) == "v2"


def test_one_task_queue_loads_networks_one_at_a_time_in_upload_order():
    with NdexSandbox(users={"alice": PASSWORD, "bob": "bobpw"}, load_delay=0.3) as sb:
        alice, bob = client_for(sb), client_for(sb, "bob", "bobpw")
        ids = [uuid_of(c.save_new_cx2_network(make_cx2(f"q{i}"))) for i, c in enumerate((alice, bob, alice))]
        assert sb.pending_tasks()[-2:] == [("load", ids[1]), ("load", ids[2])]
        finished: dict[str, float] = {}
        start = time.monotonic()
        while len(finished) < 3 and time.monotonic() - start < 10:
            for network_id in ids:
                if network_id not in finished and sb.summary(network_id)["completed"]:
                    finished[network_id] = time.monotonic()
            time.sleep(0.01)
        order = sorted(finished, key=finished.__getitem__)
        assert order == ids  # first in, first out, whoever uploaded
        gaps = [finished[b] - finished[a] for a, b in itertools.pairwise(order)]
        assert min(gaps) > 0.2  # one at a time: each waits for the one before


def test_an_update_completes_only_when_its_index_task_ran_behind_queued_loads():
    with NdexSandbox(users={"alice": PASSWORD}, load_delay=0.0) as sb:
        client = client_for(sb)
        updated = uuid_of(client.save_new_cx2_network(make_cx2("u")))
        wait_completed(client, updated)
        sb.load_delay = 0.3
        client.update_cx2_network(io.BytesIO(json.dumps(make_cx2("u2")).encode()), updated)
        later = [uuid_of(client.save_new_cx2_network(make_cx2(f"n{i}"))) for i in range(2)]
        assert sb.pending_tasks() == [("load", later[0]), ("load", later[1])]  # the update's load has started
        time.sleep(0.4)  # the update's load finished: its summary is back, its index task queued last
        loaded = sb.summary(updated)
        assert (loaded["name"], loaded["isValid"], loaded["completed"]) == ("u2", True, False)
        assert sb.pending_tasks()[-1] == ("index", updated)
        wait_completed(client, updated)
        assert all(sb.summary(n)["completed"] for n in later)


def test_failed_load_forces_private_and_clears_read_only(sandbox):
    client = client_for(sandbox)
    network_id = uuid_of(client.save_new_cx2_network(make_cx2()))
    wait_completed(client, network_id)
    client.set_network_system_properties(network_id, {"visibility": "PUBLIC"})
    bad = without_status(make_cx2())
    client.update_cx2_network(io.BytesIO(json.dumps(bad).encode()), network_id)
    failed = client.networks.get_summary(network_id)
    for _ in range(200):
        if failed["completed"]:
            break
        time.sleep(0.025)
        failed = client.networks.get_summary(network_id)
    assert failed["errorMessage"] == "CX document ends without a 'status' aspect defined."
    assert (failed["visibility"], failed["isReadOnly"], failed["completed"]) == ("PRIVATE", False, True)
    assert sandbox.pending_tasks() == []  # no index task after a failed load


def test_read_only_is_checked_before_ownership_and_the_owner_can_toggle_it(sandbox):
    sandbox.add_user("WikiPathways", WIKI_PW)
    owner = client_for(sandbox, "wikipathways", WIKI_PW)
    seeded = sandbox.seed_network("wikipathways", make_cx2("2020"), read_only=True)
    new = io.BytesIO(json.dumps(make_cx2("2025")).encode())
    for client in (owner, client_for(sandbox)):  # the owner and anyone else: the same 403
        with pytest.raises(NDExError) as caught:
            client.update_cx2_network(new, seeded)
        response = http_response(caught.value)
        assert (response.status_code, response.json()["message"]) == (
            403,
            "Error: Unable to update a read-only network.",
        )
    with pytest.raises(requests.HTTPError) as not_owner:
        client_for(sandbox).set_read_only(seeded, False)
    assert not_owner.value.response.json()["message"] == "Only network owner can set readOnly Parameter."
    owner.set_read_only(seeded, False)
    owner.update_cx2_network(io.BytesIO(json.dumps(make_cx2("2025")).encode()), seeded)
    assert wait_completed(owner, seeded)["name"] == "2025"
    owner.set_read_only(seeded, True)
    assert owner.get_network_summary(seeded)["isReadOnly"] is True


def test_doi_network_refuses_every_change_but_a_lone_showcase(sandbox):
    sandbox.add_user("wikipathways", WIKI_PW)
    owner = client_for(sandbox, "wikipathways", WIKI_PW)
    doi = sandbox.seed_network("wikipathways", make_cx2("DOI"), doi="10.18119/N9TEST")
    summary = owner.networks.get_summary(doi)
    assert (summary["doi"], summary["isReadOnly"], summary["isCertified"]) == ("10.18119/N9TEST", True, False)
    for body in ({"readOnly": False}, {"visibility": "PRIVATE"}, {}, {"showcase": True, "index_level": "ALL"}):
        answer = raw(sandbox, "PUT", f"/v2/network/{doi}/systemproperty", auth=("wikipathways", WIKI_PW), json=body)
        assert (answer.status_code, answer.json()["message"]) == (403, "Network with DOI can't be modified.")
    assert owner.set_network_system_properties(doi, {"showcase": True}) == ""
    assert owner.get_network_summary(doi)["isShowcase"] is True
    with pytest.raises(NDExError) as update:
        owner.update_cx2_network(io.BytesIO(json.dumps(make_cx2()).encode()), doi)
    assert http_response(update.value).status_code == 403
    delete = raw(sandbox, "DELETE", f"/v3/networks/{doi}", auth=("wikipathways", WIKI_PW))
    assert (delete.status_code, delete.json()["message"]) == (500, "Can't delete a read-only network.")
    props = [{"predicateString": "x", "dataType": "string", "value": "y"}]
    properties = raw(sandbox, "PUT", f"/v2/network/{doi}/properties", auth=("wikipathways", WIKI_PW), json=props)
    assert (properties.status_code, properties.json()["errorCode"]) == (500, "NDEx_Exception")


def test_certified_network_is_public_indexed_and_fixed(sandbox):
    certified = sandbox.seed_network("wikipathways", make_cx2("certified"), doi="10.1/c", certified=True)
    summary = client_for(sandbox).networks.get_summary(certified)
    assert (summary["isCertified"], summary["visibility"], summary["indexLevel"]) == (True, "PUBLIC", "ALL")
    with pytest.raises(ValueError, match="has a DOI"):
        sandbox.seed_network("wikipathways", make_cx2(), certified=True)
    sandbox.add_user("wikipathways", WIKI_PW)
    answer = raw(
        sandbox,
        "PUT",
        f"/v2/network/{certified}/systemproperty",
        auth=("wikipathways", WIKI_PW),
        json={"visibility": "PRIVATE"},
    )
    assert answer.status_code == 403


def test_user_names_are_matched_lower_cased(sandbox):
    sandbox.add_user("WikiPathways", WIKI_PW)
    typed = client_for(sandbox, "WikiPathways", WIKI_PW)
    network_id = uuid_of(typed.save_new_cx2_network(make_cx2()))
    assert wait_completed(typed, network_id)["owner"] == "wikipathways"
    user = typed.get_user_by_username("WIKIPATHWAYS")
    assert user["userName"] == "wikipathways" and "diskQuota" in user  # one's own full record
    assert "diskQuota" not in client_for(sandbox).get_user_by_username("wikipathways")
    with pytest.raises(NDExUnauthorizedError) as caught:
        client_for(sandbox, "WikiPathways", "wrong").save_new_cx2_network(make_cx2())
    assert http_response(caught.value).json()["message"] == "Invalid password for user WikiPathways."
    assert "WWW-Authenticate" not in http_response(caught.value).headers  # the filter sends none
    missing = requests.get(sandbox.url + "/v2/user?username=Nobody", timeout=5)
    assert (missing.status_code, missing.json()["message"]) == (404, "User nobody doesn't exist.")


def test_batch_summaries_leave_out_what_cannot_be_read_in_uuid_order(sandbox):
    client = client_for(sandbox)
    own = [uuid_of(client.save_new_cx2_network(make_cx2(f"b{i}"))) for i in range(3)]
    for network_id in own:
        wait_completed(client, network_id)
    client.networks.delete(own[2])
    private = sandbox.seed_network("wikipathways", make_cx2(), visibility="PRIVATE")
    public = sandbox.seed_network("wikipathways", make_cx2())
    asked = [own[1], "0b7c2a38-0000-11ee-0000-000000000000", private, own[0], own[2], own[0], public]
    v3 = client.networks.get_summaries(asked)
    assert [s["uuid"] for s in v3] == sorted({own[0], own[1], public})
    v2 = raw(sandbox, "POST", "/v2/batch/network/summary", json=asked).json()
    assert [s["externalId"] for s in v2] == sorted({own[0], own[1], public})
    anonymous = raw(sandbox, "POST", "/v3/batch/networks/summary", auth=None, json=asked).json()
    assert [s["uuid"] for s in anonymous] == [public]
    too_many = raw(sandbox, "POST", "/v3/batch/networks/summary", json=[own[0]] * 2001)
    assert too_many.status_code == 500
    assert too_many.json()["message"] == "You can only send up to 2000 network ids in this function."
    malformed = raw(sandbox, "POST", "/v3/batch/networks/summary", json=[own[0], "x1"])
    assert malformed.status_code == 500 and "invalid input syntax for type uuid" in malformed.json()["message"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("85034B42-DE8A-11EA-99DA-0AC135E8BACF", "85034b42-de8a-11ea-99da-0ac135e8bacf"),
        ("1-2-3-4-5", "00000001-0002-0003-0004-000000000005"),  # any group lengths, cut to the field
        ("+1-2-3-4-123456789abcdef", "00000001-0002-0003-0004-456789abcdef"),  # Long.parseLong's sign
        ("85034b42de8a11ea99da0ac135e8bacf", ("java.lang.IllegalArgumentException", "Invalid UUID string: 85034b4…")),
        ("{85034b42-de8a-11ea-99da-0ac135e8bacf}", ("java.lang.IllegalArgumentException", "UUID string too large")),
        (
            "urn:uuid:85034b42-de8a-11ea-99da-0ac135e8bacf",
            ("java.lang.IllegalArgumentException", "UUID string too large"),
        ),
        ("g-2-3-4-5", ("java.lang.NumberFormatException", 'Error at index 0 in: "g"')),
        ("1--3-4-5", ("java.lang.NumberFormatException", "")),
        ("8000000000000000-1-1-1-1", ("java.lang.NumberFormatException", 'Error at index 15 in: "8000000000000000"')),
    ],
)
def test_ids_are_read_as_java_uuid_from_string_reads_them(text, expected):
    from pfocr_ndex.sandbox.errors import UuidSyntaxError, uuid_from_string

    if isinstance(expected, str):
        assert uuid_from_string(text) == expected
    else:
        with pytest.raises(UuidSyntaxError) as err:
            uuid_from_string(text)
        java_class, message = expected
        assert err.value.java_class == java_class and err.value.message.startswith(message.rstrip("…"))


def test_route_ids_follow_uuid_from_string_and_batch_ids_postgresql(sandbox, tmp_path):
    client = client_for(sandbox)
    network_id = uuid_of(client.save_new_cx2_network(make_cx2()))
    wait_completed(client, network_id)
    bare = network_id.replace("-", "")
    for path, status, message in (
        (f"/v2/network/{bare}/summary", 500, f"Invalid UUID string: {bare}"),
        (f"/v2/network/{{{network_id}}}/summary", 500, "UUID string too large"),
        (
            f"/v3/networks/{bare}/summary",
            400,
            f"Format FULL is unsupported. Error message: Invalid UUID string: {bare}",
        ),
        ("/v3/networks/g-2-3-4-5/summary", 400, 'Format FULL is unsupported. Error message: Error at index 0 in: "g"'),
        (f"/v2/network/{network_id.upper()}/summary", 200, None),
    ):
        answer = raw(sandbox, "GET", path)
        assert answer.status_code == status, path
        if message is not None:
            assert answer.json()["message"].endswith(message), answer.json()
    # The batch puts ids into SQL: PostgreSQL's uuid input takes braces and dashes after any group of four.
    braced = "{" + bare[:4] + "-" + bare[4:] + "}"
    found = raw(sandbox, "POST", "/v3/batch/networks/summary", json=[braced]).json()
    assert [s["uuid"] for s in found] == [network_id]
    java_only = raw(sandbox, "POST", "/v3/batch/networks/summary", json=["1-2-3-4-5"])
    assert java_only.status_code == 500
    assert java_only.json()["message"].endswith('ERROR: invalid input syntax for type uuid: "1-2-3-4-5"')
    seed = tmp_path / "seed.jsonl"
    seed.write_text(json.dumps({"owner": "wikipathways", "cx2": make_cx2(), "uuid": bare}) + "\n")
    with pytest.raises(PfocrError, match=f"line 1: Invalid UUID string: {bare}"):
        sandbox.seed_file(seed)


def test_user_network_list_is_newest_modification_first_and_needs_the_user(sandbox):
    client = client_for(sandbox)
    ids = []
    for index in range(3):
        ids.append(uuid_of(client.save_new_cx2_network(make_cx2(f"l{index}"))))
        time.sleep(0.002)
    for network_id in ids:
        wait_completed(client, network_id)
    time.sleep(0.002)
    client.update_cx2_network(io.BytesIO(json.dumps(make_cx2("l0 again")).encode()), ids[0])
    listed = [s["externalId"] for s in client.get_user_network_summaries("alice")]
    assert listed == [ids[0], ids[2], ids[1]]  # the update moved it first
    anonymous = raw(
        sandbox, "GET", f"/v2/user/{client.get_user_by_username('alice')['externalId']}/networksummary", auth=None
    )
    assert anonymous.json()["message"] == "Attempted to access resource requiring authentication."


def test_disk_quota_is_checked_first_on_update():
    with NdexSandbox(users={"alice": PASSWORD}, load_delay=0.0, disk_quota=10) as sb:
        client = client_for(sb)
        missing = "0b7c2a38-0000-11ee-0000-000000000000"
        client.save_new_cx2_network(make_cx2())  # the first upload fits: nothing is used yet
        with pytest.raises(NDExError) as caught:
            client.update_cx2_network(io.BytesIO(b"[]"), missing)  # 403 before the 404
        response = http_response(caught.value)
        assert (response.status_code, response.json()["message"]) == (
            403,
            "You have used all allocated disk space (10). Please contact support@ndexbio.org if you need more "
            "disk space.",
        )


def test_systemproperty_order_and_owner_checks(slow_sandbox):
    slow_sandbox.add_user("bob", "bobpw")
    client, bob = client_for(slow_sandbox), client_for(slow_sandbox, "bob", "bobpw")
    network_id = uuid_of(client.save_new_cx2_network(make_cx2()))
    with pytest.raises(requests.HTTPError) as loading:  # validation comes before ownership
        bob.set_network_system_properties(network_id, {"index_level": "ALL"})
    assert loading.value.response.json()["errorCode"] == "NDEx_Modify_Invalid_Network_Exception"
    wait_completed(client, network_id)
    for body, message in (
        ({"index_level": "ALL"}, "Only network owner can set index_level Parameter."),  # ours: ndex-rest allows it
        ({"showcase": True}, "User doesn't have explicit permission on this network."),
        ({"visibility": "PUBLIC"}, "Only network owner can set visibility Parameter."),
    ):
        answer = raw(slow_sandbox, "PUT", f"/v2/network/{network_id}/systemproperty", auth=("bob", "bobpw"), json=body)
        assert (answer.status_code, answer.json()["message"]) == (401, message)
        assert answer.headers["WWW-Authenticate"] == "Basic"  # a v2 service's own 401
    assert slow_sandbox.summary(network_id)["indexLevel"] == "NONE"
    unknown = raw(slow_sandbox, "PUT", f"/v2/network/{network_id}/systemproperty", json={"colour": "red"})
    assert unknown.status_code == 204
    bad = raw(slow_sandbox, "PUT", f"/v2/network/{network_id}/systemproperty", json={"visibility": "public"})
    assert (bad.status_code, bad.json()["errorCode"]) == (500, "NDEx_Exception")
    client.save_new_cx2_network(make_cx2("queued ahead"))  # its 1.5 s load runs before the index task
    client.set_network_system_properties(network_id, {"index_level": "META"})
    assert client.get_network_summary(network_id)["completed"] is False  # until its index task ran
    assert wait_completed(client, network_id)["indexLevel"] == "META"


def test_network_set_is_a_private_folder_until_made_public(sandbox):
    client, bob = client_for(sandbox), client_for(sandbox, "bob", "bobpw")
    members = [uuid_of(client.save_new_cx2_network(make_cx2(f"m{i}"), visibility="PUBLIC")) for i in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        set_id = uuid_of(client.create_networkset("PFOCR", "all figures"))
        client.add_networks_to_networkset(set_id, members)
        client.add_networks_to_networkset(set_id, members[:1])  # a retried add: ndex-rest adds again
        assert sandbox.folder_visibility(set_id) == "PRIVATE"
        with pytest.raises(requests.HTTPError) as hidden:
            bob.get_networkset(set_id)
        assert hidden.value.response.status_code == 404
    set_flags = raw(sandbox, "PUT", f"/v2/networkset/{set_id}/systemproperty", json={"visibility": "PUBLIC"})
    assert set_flags.status_code == 204  # and nothing changes on a folder
    assert sandbox.folder_visibility(set_id) == "PRIVATE"
    not_owner = raw(sandbox, "PUT", f"/v2/networkset/{set_id}/systemproperty", auth=("bob", "bobpw"), json={})
    assert not_owner.status_code == 401
    with pytest.raises(NDExError):
        bob.files.set_visibility("PUBLIC", {set_id: "FOLDER"})
    client.files.set_visibility("PUBLIC", {set_id: "FOLDER"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert bob.get_networkset(set_id)["networks"] == []  # a folder's members are not listed there
    listed = [i["attributes"]["target"] for i in bob.files.list_folder_items(set_id, format="compact")]
    assert listed == [members[0], members[1], members[0]]  # one shortcut per add: duplicates
    assert all("attributes" not in i for i in bob.files.list_folder_items(set_id))  # only compact has targets
    assert sandbox.set_members(set_id) == listed


def test_home_folder_lists_the_users_top_folders_and_networks(sandbox):
    client, bob = client_for(sandbox), client_for(sandbox, "bob", "bobpw")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        set_id = uuid_of(client.create_networkset("PFOCR", "all figures"))
    inner = client.files.create_folder("inner", parent=set_id)
    top = uuid_of(client.save_new_cx2_network(make_cx2("top")))
    bob.files.create_folder("bob's")
    folders = client.files.list_folder_items(item_type="FOLDER")
    assert [(f["uuid"], f["name"], f["type"]) for f in folders] == [(set_id, "PFOCR", "FOLDER")]  # not inner's
    assert inner not in {f["uuid"] for f in folders}
    assert [n["uuid"] for n in client.files.list_folder_items(item_type="NETWORK")] == [top]
    anonymous = raw(sandbox, "GET", "/v3/files/folders/home/list", auth=None)
    assert anonymous.status_code == 401
    assert anonymous.json()["message"] == "You must be logged in to list your home folder."


def test_networks_cannot_be_created_in_another_users_folder(sandbox):
    folder_id = client_for(sandbox).files.create_folder("alice's")
    bob = client_for(sandbox, "bob", "bobpw")
    with pytest.raises(NDExError) as caught:  # ours: ndex-rest files it wherever folderId says
        bob.save_new_cx2_network(make_cx2(), folder_id=folder_id)
    assert http_response(caught.value).json()["message"] == "User doesn't have write access to the parent folder."
    with pytest.raises(NDExNotFoundError):
        bob.save_new_cx2_network(make_cx2(), folder_id="0b7c2a38-0000-11ee-0000-000000000000")
    assert sandbox.networks_of("bob") == []


# --- hostile clients (issue 10) ------------------------------------------------------------------


def exchange(sb: NdexSandbox, data: bytes, *, wait: float = 5.0) -> bytes:
    """Send raw bytes, return everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", sb.port), timeout=wait) as conn:
        conn.sendall(data)
        chunks: list[bytes] = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def test_unauthenticated_body_is_never_read(sandbox):
    huge = 1_500_000_000
    for auth in ("", "Authorization: Basic " + base64.b64encode(b"alice:wrong").decode() + "\r\n"):
        with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as conn:
            conn.sendall(
                f"POST /v3/networks HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\n"
                f"Content-Length: {huge}\r\n\r\n".encode()
                + b"[" * 10_000
            )
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 401 ")
        assert b"NDEx_Unauthorized_Operation_Exception" in answer
    assert sandbox.networks_of("alice") == []


def test_body_over_the_cap_is_413_before_it_is_read():
    with NdexSandbox(users={"alice": PASSWORD}, max_body=1000) as sb:
        too_big = raw(sb, "POST", "/v3/networks", json=make_cx2("x" * 2000))
        assert too_big.status_code == 413 and "Request Entity Too Large" in too_big.text
        chunked = raw(
            sb,
            "POST",
            "/v3/networks",
            data=iter([b"[" * 600, b"]" * 600]),
            headers={"Content-Type": "application/json"},
        )
        assert chunked.status_code == 413
        assert sb.networks_of("alice") == []


@pytest.mark.parametrize(
    ("framing", "status"),
    [
        (b"Content-Length: abc\r\n\r\n", 400),
        (b"Content-Length: -5\r\n\r\n", 400),
        (b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n[]", 400),
        (b"Transfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n", 400),
        (b"Transfer-Encoding: chunked\r\n\r\n2\r\n[]XX0\r\n\r\n", 400),
        (b"Transfer-Encoding: gzip\r\n\r\n", 501),
    ],
)
def test_malformed_framing_is_a_plain_error_without_traceback(sandbox, capfd, framing, status):
    auth = base64.b64encode(f"alice:{PASSWORD}".encode())
    answer = exchange(
        sandbox,
        b"POST /v2/batch/network/summary HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + auth + b"\r\n" + framing,
    )
    assert answer.startswith(f"HTTP/1.1 {status} ".encode())
    assert requests.get(sandbox.url + "/v2/admin/status", timeout=5).status_code == 200  # still serving
    assert "Traceback" not in capfd.readouterr().err


def test_idle_and_slow_clients_are_disconnected():
    with NdexSandbox(users={"alice": PASSWORD}, idle_timeout=0.5) as sb:
        start = time.monotonic()
        assert exchange(sb, b"GET /v2/admin/status HTTP/1.1\r\nHo") == b""  # silent mid-headers
        with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as conn:  # one byte at a time
            closed = False
            for byte in b"GET /v2/admin/status HTTP/1.1\r\nHost: x\r\n" * 3:
                try:
                    conn.sendall(bytes([byte]))
                    time.sleep(0.1)
                except OSError:
                    closed = True
                    break
            else:
                closed = conn.recv(1) == b""
        assert closed
        auth = base64.b64encode(f"alice:{PASSWORD}".encode())
        body_start = (
            b"POST /v2/batch/network/summary HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nAuthorization: Basic "
        )
        assert exchange(sb, body_start + auth + b"\r\n\r\n[") == b""  # a body that stops arriving
        assert time.monotonic() - start < 6
        assert [r.status for r in sb.requests] == [None]


# --- seeds and the command line ------------------------------------------------------------------


def test_seed_file_rehearses_an_account(tmp_path):
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "old.cx2").write_bytes(orjson.dumps(make_cx2("2020 figure")))
    read_only_id, doi_id = "0b7c2a38-1111-11ee-8000-000000000001", "0b7c2a38-1111-11ee-8000-000000000002"
    seed = tmp_path / "seed.jsonl"
    seed.write_text(
        json.dumps({"owner": "WikiPathways", "uuid": read_only_id, "cx2_path": "nets/old.cx2", "readOnly": True})
        + "\n\n"
        + json.dumps({"owner": "wikipathways", "uuid": doi_id, "cx2": make_cx2("DOI"), "doi": "10.1/x"})
        + "\n"
        + json.dumps(
            {
                "owner": "carol",
                "cx2": make_cx2("private"),
                "visibility": "PRIVATE",
                "modificationTime": 1_600_000_000_000,
            }
        )
        + "\n"
    )
    with NdexSandbox(data_dir=tmp_path / "data", users={"wikipathways": WIKI_PW}, seed=seed) as sb:
        assert sb.seeded == (3, 0)
        owner = client_for(sb, "wikipathways", WIKI_PW)
        mine = {s["externalId"]: s for s in owner.get_user_network_summaries("wikipathways")}
        assert set(mine) == {read_only_id, doi_id}
        assert mine[read_only_id]["isReadOnly"] and mine[read_only_id]["name"] == "2020 figure"
        assert mine[doi_id]["doi"] == "10.1/x" and mine[doi_id]["isReadOnly"]
        assert sb.networks_of("carol")[0]["modificationTime"] == 1_600_000_000_000
    with NdexSandbox(data_dir=tmp_path / "data", seed=seed) as again:  # serving it again changes nothing
        assert again.seeded == (1, 2)  # kept by UUID; an entry without one is added again
        assert len(again.networks_of("wikipathways")) == 2 and len(again.networks_of("carol")) == 2
    seed.write_text('{"owner": "x", "cx2": []}\n{"owner": "x", "cx2": [], "readOnly": "yes"}\n')
    with pytest.raises(PfocrError, match=r"seed\.jsonl: line 2: 'readOnly' must be true or false"):
        NdexSandbox(seed=seed)
    seed.write_text('{"owner": "x", "cx2_path": "missing.cx2"}\n')
    with pytest.raises(PfocrError, match="line 1: cannot read"):
        NdexSandbox(seed=seed)


def test_cli_port_out_of_range_and_bad_seed_are_one_line(tmp_path, capsys):
    assert main(["sandbox", "--data", str(tmp_path), "--port", "70000"]) == 1
    bad_seed = tmp_path / "seed.jsonl"
    bad_seed.write_text("{not json\n")
    assert main(["sandbox", "--data", str(tmp_path / "d"), "--seed", str(bad_seed)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith("pfocr-ndex: ") for line in lines)
    assert "70000" in lines[0] and f"{bad_seed}: line 1: not JSON" in lines[1]


def test_cli_banner_names_the_embedded_account_and_the_seed(tmp_path):
    from pfocr_ndex.sandbox.local import SANDBOX_PASSWORD, SANDBOX_USER

    with NdexSandbox(data_dir=tmp_path, users={SANDBOX_USER: SANDBOX_PASSWORD}):
        pass  # what `pfocr-ndex publish` leaves behind without credentials
    seed = tmp_path / "seed.jsonl"
    seed.write_text(json.dumps({"owner": "wikipathways", "cx2": make_cx2()}) + "\n")
    process = start_cli_sandbox("--data", str(tmp_path), "--seed", str(seed), password="pw")
    try:
        banner = [process.stdout.readline() for _ in range(4)]  # type: ignore[union-attr]
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert banner[1].startswith(f"seeded 1 network(s) from {seed}")
    assert banner[3].startswith(f"account: {SANDBOX_USER}  password: {SANDBOX_PASSWORD}")
    assert "can change or delete them" in banner[3]
