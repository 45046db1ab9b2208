"""The NDEx sandbox, exercised through the real ndex2 3.12 client over real HTTP on 127.0.0.1."""

from __future__ import annotations

import copy
import io
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

import orjson
import pytest
import requests
from ndex2.client import Ndex2
from ndex2.exceptions import NDExError, NDExNotFoundError, NDExUnauthorizedError

from pfocr_ndex.cli import main
from pfocr_ndex.errors import PfocrError
from pfocr_ndex.sandbox import NdexSandbox
from pfocr_ndex.validate import validate_cx2

PASSWORD = "secret"

# docs/cx2.md §10: a minimal PFOCR-style network NDEx accepts
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
    expected = "CX document ends without a 'status' aspect defined."  # ndex-rest's text (docs/cx2.md)
    network_id = uuid_of(client.save_new_cx2_network(bad, visibility="PUBLIC"))
    summary = wait_completed(client, network_id)
    assert summary["errorMessage"] == expected
    assert summary["isValid"] is True and summary["visibility"] == "PRIVATE"
    assert sandbox.summary(network_id)["errorMessage"] == expected


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


def test_cli_serves_until_interrupted_and_never_prints_the_password(tmp_path):
    env = dict(os.environ, SANDBOX_TEST_PW="pw-not-to-print")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pfocr_ndex",
            "sandbox",
            "--data",
            str(tmp_path),
            "--user",
            "carol",
            "--password-env",
            "SANDBOX_TEST_PW",
            "--load-delay",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
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
