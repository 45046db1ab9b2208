"""``pfocr-ndex open`` / ``pfocr_ndex.cytoscape``: the real py4cytoscape against a CyREST stand-in on 127.0.0.1.

The stand-in (``cyrest_standin.py``) answers as cyREST, the CX2 reader and CyNDEx-2 do; the last section pins
those behaviours one by one (docs/cytoscape-conformance.md names the test of each).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
import requests
from cyrest_standin import BUILT_IN_STYLES, IMAGE_ANNOTATION, CyRestStandIn

from pfocr_ndex.cytoscape import (
    CytoscapeError,
    CytoscapeSession,
    CytoscapeUnavailable,
    _py4cytoscape,
    resolve_target,
)
from pfocr_ndex.errors import PfocrError
from pfocr_ndex.network import build_network, figure_image_frame
from pfocr_ndex.records import read_record
from pfocr_ndex.style import VisualStyle, load_style
from pfocr_ndex.style.desktop import desktop_style

SAMPLE_DB = Path(__file__).parent / "data" / "pfocr"
FIG_A = "PMC10003241__ijms-24-04893-g003"
FIG_B = "PMC10028837__nihpp-2023.03.03.530734v1-f0001"
NDEX_UUID = "5f0b7e1c-d3a2-11ee-8b8a-0ac135e8bacf"
SUBPROCESS_BOUND = 90  # seconds: a bound on a hung run, not a performance assertion


@pytest.fixture
def cytoscape():
    with CyRestStandIn() as standin:
        yield standin


@pytest.fixture
def p4c():
    """py4cytoscape as the session imports it (quiet, its requests bounded only inside a session)."""
    module = _py4cytoscape()
    notebook = sys.modules["py4cytoscape.py4cytoscape_notebook"]
    notebook.execution_environment(notebook.ExecutionEnvironment.SHARED_WORKSTATION)
    return module


def record_path(figid: str) -> Path:
    return SAMPLE_DB / "_figures" / f"{figid}.md"


def network_attributes(cx2: list[dict]) -> dict:
    return next(a["networkAttributes"][0] for a in cx2 if "networkAttributes" in a)


def figure_cx2(figid: str) -> list[dict]:
    return build_network(read_record(record_path(figid))).cx2


def as_sent(cx2: list[dict]) -> list[dict]:
    """The document as it should arrive: JSON, minus the style aspects the PFOCR style replaces."""
    style = {"visualProperties", "visualEditorProperties"}
    kept = [a for a in orjson.loads(orjson.dumps(cx2)) if not style & a.keys()]
    for aspect in kept:
        if "metaData" in aspect:
            aspect["metaData"] = [m for m in aspect["metaData"] if m["name"] not in style]
    return kept


def without_annotations(cx2: list[dict]) -> list[dict]:
    """A figure's CX2 as an older converter wrote it: ``__NetworkImage`` but no ``__Annotations``."""
    network_attributes(cx2).pop("__Annotations")
    for aspect in cx2:
        if "attributeDeclarations" in aspect:
            aspect["attributeDeclarations"][0]["networkAttributes"].pop("__Annotations", None)
    return cx2


def run_cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "HOME": str(cwd), **(env or {})}
    for name in ("NDEX_USERNAME", "NDEX_PASSWORD", "NDEX_SERVER"):
        if env is None or name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "pfocr_ndex", "open", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_BOUND,
    )


def two_figures(cytoscape: CyRestStandIn, *options: str) -> list[str]:
    """``open`` arguments for FIG_A and FIG_B from the sample database into ``cytoscape``."""
    return [FIG_A, FIG_B, "--db", str(SAMPLE_DB), "--cytoscape-url", cytoscape.base_url, *options]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def files_containing(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def annotation_frame(text: str) -> tuple[float, float, float]:
    pairs = dict(pair.split("=", 1) for pair in text.split("|"))
    return float(pairs["x"]), float(pairs["y"]), float(pairs["width"])


# --- opening local networks ---------------------------------------------------------------------


def test_each_figure_opens_in_a_new_collection_with_the_one_style(cytoscape):
    session = CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB, timeout=30)
    suids = session.open_networks([FIG_A, str(record_path(FIG_B))])

    imports = cytoscape.calls_to("POST", "/v1/networks")
    assert len(imports) == 2 and len(suids) == 2
    for call, figid, suid in zip(imports, [FIG_A, FIG_B], suids, strict=True):
        expected = figure_cx2(figid)
        attributes = network_attributes(expected)
        # The collection is named after the network (no --collection): one new root per import.
        assert call.query == {"format": "cx2", "title": attributes["name"], "collection": attributes["name"]}
        assert call.body == as_sent(expected)
        network = cytoscape.networks[suid]
        assert cytoscape.roots[network.root] == attributes["name"]
        assert {node["v"]["name"] for node in network.nodes} == {
            e.name for e in read_record(record_path(figid)).entities
        }
        assert network.style == "PFOCR"
        # The builder's __Annotations draws the figure: exactly one image, behind the nodes.
        assert [(a["URL"], a["canvas"]) for a in network.annotations] == [(attributes["__NetworkImage"], "background")]
        applied = cytoscape.calls_to("GET", f"/v1/apply/styles/PFOCR/{suid}")
        assert len(applied) == 1 and cytoscape.calls.index(call) < cytoscape.calls.index(applied[0])
        assert (network.view_suid, 1) in cytoscape.fits
    assert len(set(cytoscape.roots)) == 2
    assert len(cytoscape.calls_to("POST", "/v1/styles")) == 1
    assert cytoscape.dropped == []
    # No style per network: only the built-in ones and PFOCR.
    assert sorted(cytoscape.styles) == sorted([*BUILT_IN_STYLES, "PFOCR"])
    assert cytoscape.calls_to("POST", "/v1/commands/annotation/add image") == []
    # Local mode although the port is not 1234: no FileTransfer sandbox, and the first request is the check.
    assert not any("filetransfer" in call.path for call in cytoscape.calls)
    assert cytoscape.calls[0].method == "GET" and cytoscape.calls[0].path == "/v1"


def test_collection_option_names_each_figures_collection(cytoscape, tmp_path):
    result = run_cli(*two_figures(cytoscape, "--collection", "PFOCR run"), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert [c.query["collection"] for c in cytoscape.calls_to("POST", "/v1/networks")] == ["PFOCR run", "PFOCR run"]
    assert sorted(cytoscape.roots.values()) == ["PFOCR run", "PFOCR run"]  # two collections of that name
    lines = result.stdout.splitlines()
    assert [re.sub(r"network \d+", "network N", line) for line in lines] == [
        f"{FIG_A}: opened as Cytoscape network N in a new collection 'PFOCR run'",
        f"{FIG_B}: opened as Cytoscape network N in a new collection 'PFOCR run'",
    ]


def test_style_is_accepted_in_full_with_width_unlocked(cytoscape):
    CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB).open_figure(FIG_A)

    template = load_style()
    sent = cytoscape.calls_to("POST", "/v1/styles")[0].body
    assert sent == desktop_style(VisualStyle.parse(template)).body("PFOCR")
    assert all(isinstance(d["value"], str) for d in sent["defaults"])
    assert all(isinstance(v, str) for m in sent["mappings"] for pair in m.get("map", []) for v in pair.values())
    assert cytoscape.dropped == []  # every name found, every value parsed
    style = cytoscape.styles["PFOCR"]
    node = template["default"]["node"]
    assert style.defaults["NODE_FILL_COLOR"] == (0xFF, 0xFF, 0xCC)
    assert style.defaults["NODE_BORDER_STROKE"] == "SOLID"
    assert style.defaults["NODE_TRANSPARENCY"] == round(node["NODE_BACKGROUND_OPACITY"] * 255)
    assert style.defaults["NODE_LABEL_FONT_FACE"] == ("SansSerif.plain", False, 12)
    assert style.defaults["EDGE_STROKE_UNSELECTED_PAINT"] == (0x84, 0x84, 0x84)
    assert style.mappings["NODE_WIDTH"]["map"] == {"chemical": 110.0, "disease": 110.0, "keyword": 110.0}
    assert style.mappings["NODE_BORDER_STROKE"]["map"] == {"gene family": "LONG_DASH", "keyword": "LONG_DASH"}
    assert style.mappings["NODE_LABEL"] == {"type": "passthrough", "column": "name", "columnType": "String"}
    assert style.dependencies["nodeSizeLocked"] is False


def test_a_second_run_reuses_the_style(cytoscape):
    first = CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB).open_figure(FIG_A)
    second = CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB).open_figure(FIG_B)

    assert len(cytoscape.calls_to("POST", "/v1/styles")) == 1
    assert len(cytoscape.calls_to("GET", "/v1/apply/styles")) == 2  # each session looked before deciding
    assert cytoscape.networks[first].style == cytoscape.networks[second].style == "PFOCR"
    assert not any(name.startswith("PFOCR_") for name in cytoscape.styles)


def test_figure_image_added_where_the_converter_puts_it_then_fitted(cytoscape, tmp_path):
    cx2 = figure_cx2(FIG_A)
    converter_frame = annotation_frame(network_attributes(cx2)["__Annotations"][0])
    image = network_attributes(cx2)["__NetworkImage"]
    cytoscape.image_sizes[image] = (1200.0, 800.0)
    path = tmp_path / "figure.cx2"
    path.write_bytes(orjson.dumps(without_annotations(cx2)))

    suid = CytoscapeSession(cytoscape.base_url).open_figure(str(path))

    network = cytoscape.networks[suid]
    [added] = cytoscape.calls_to("POST", "/v1/commands/annotation/add image")
    assert added.body["url"] == image and image.startswith("https://")
    assert added.body["canvas"] == "background"
    assert added.body["view"] == f"SUID:{network.view_suid}"
    frame = (float(added.body["x"]), float(added.body["y"]), float(added.body["width"]))
    # From the node rectangles Cytoscape reports: the converter's frame, within a grid gap.
    assert frame == pytest.approx(converter_frame, abs=24)
    [annotation] = network.annotations
    assert annotation["canvas"] == "background"
    assert float(annotation["width"]) == pytest.approx(frame[2])
    assert float(annotation["height"]) == pytest.approx(frame[2] * 800 / 1200)  # not 100×100
    # Fitted after the image was in.
    assert cytoscape.fits == [(network.view_suid, 1)]
    fit = cytoscape.calls_to("POST", "/v1/commands/view/fit content")[0]
    assert cytoscape.calls.index(added) < cytoscape.calls.index(fit)


def test_style_apply_is_retried_while_the_view_is_being_made(cytoscape):
    cytoscape.view_delay = 1.0
    started = time.monotonic()
    suid = CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB, timeout=10).open_figure(FIG_A)

    applies = cytoscape.calls_to("GET", f"/v1/apply/styles/PFOCR/{suid}")
    assert 2 <= len(applies) <= 6  # 404s, then the style went on
    assert cytoscape.networks[suid].style == "PFOCR"
    assert time.monotonic() - started < 5


def test_no_view_within_the_timeout_is_one_line_and_the_run_goes_on(cytoscape, tmp_path):
    cytoscape.view_delay = 60.0
    result = run_cli(
        FIG_A, "--db", str(SAMPLE_DB), "--cytoscape-url", cytoscape.base_url, "--timeout", "1.5", cwd=tmp_path
    )

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert re.fullmatch(
        rf"pfocr-ndex: {FIG_A}: Cytoscape made no view of network \d+ within 1.5 s, so it has no style, .*", line
    )
    applies = [c for c in cytoscape.calls if c.path.startswith("/v1/apply/styles/PFOCR/")]
    assert 2 <= len(applies) <= 4  # retried, waits doubling from 0.25 s, within the one call's deadline


def test_unparsable_cx2_is_reported_with_the_file(cytoscape, tmp_path):
    path = tmp_path / "broken.cx2"
    path.write_bytes(b'[{"nodes": []}]')

    with pytest.raises(CytoscapeError) as caught:
        CytoscapeSession(cytoscape.base_url).open_figure(str(path))

    assert str(caught.value) == (
        f"{path}: Could not parse the given network JSON: expected to CX version object in the first element"
    )


def test_targets_are_classified(tmp_path):
    assert resolve_target(NDEX_UUID).kind == "ndex"
    figure = resolve_target(FIG_A, db=SAMPLE_DB)
    assert (figure.kind, figure.path) == ("record", record_path(FIG_A))
    cx2 = tmp_path / "x.cx2"
    cx2.write_text("[]")
    assert resolve_target(str(cx2)).kind == "cx2"
    with pytest.raises(PfocrError) as caught:
        resolve_target("PMC0__nothing", db=SAMPLE_DB)
    assert str(caught.value).startswith("PMC0__nothing: ")
    # A name too long for the file system is not a file: one line, not OSError.
    with pytest.raises(PfocrError, match="not a CX2 file"):
        resolve_target("PMC1__" + "x" * 300, db=SAMPLE_DB)


def test_records_that_cannot_become_networks_are_one_line_each(cytoscape, sample_db, tmp_path):
    figures = sample_db / "_figures"
    original = (figures / f"{FIG_A}.md").read_text()
    bad = {
        "PMC1__superscript": original.replace("year: '2023'", "year: '²'"),
        "PMC1__huge_year": original.replace("year: '2023'", "year: '20230000000000000000'"),
        "PMC1__" + "x" * 234: original,  # a 240-character figid
    }
    for figid, text in bad.items():
        (figures / f"{figid}.md").write_text(text.replace(f"figid: {FIG_A}", f"figid: {figid}"))

    result = run_cli(
        *(str(figures / f"{figid}.md") for figid in bad),
        FIG_B,
        "--db",
        str(sample_db),
        "--cytoscape-url",
        cytoscape.base_url,
        cwd=tmp_path,
    )

    assert "Traceback" not in result.stderr
    assert result.stdout.count("opened as Cytoscape network") == len(result.stdout.splitlines())
    assert result.stdout.splitlines()[-1].startswith(f"{FIG_B}: opened")
    assert f"pfocr-ndex: {figures}/PMC1__superscript.md: " in result.stderr
    for line in result.stderr.splitlines():
        assert line.startswith(f"pfocr-ndex: {figures}/PMC1__")
    assert result.returncode == (1 if result.stderr else 0)


# --- NDEx import --------------------------------------------------------------------------------


def test_ndex_import_sends_server_and_uuid_and_leaves_no_password_behind(cytoscape, tmp_path):
    image = "www.ncbi.nlm.nih.gov/pmc/articles/PMC10003241/bin/ijms-24-04893-g003.jpg"
    cytoscape.ndex_networks[NDEX_UUID] = {
        "name": "A published figure",
        "__NetworkImage": "http://" + image,
        "nodes": [{"id": 0, "x": 52.0, "y": 23.0, "v": {"name": "TP53", "type": "gene"}}],
    }
    secret = "pw-8f3c1e-do-not-leak"
    run = tmp_path / "run"
    run.mkdir()

    result = run_cli(
        NDEX_UUID,
        "--cytoscape-url",
        cytoscape.base_url + "/",
        "--server",
        "https://ndex.example.org",
        cwd=run,
        env={"NDEX_USERNAME": "alice", "NDEX_PASSWORD": secret},
    )

    assert result.returncode == 0, result.stderr
    imports = cytoscape.calls_to("POST", "/cyndex2/v1/networks")
    assert [c.body for c in imports] == [
        {"serverUrl": "https://ndex.example.org/v2", "uuid": NDEX_UUID, "username": "alice", "password": secret}
    ]
    network = cytoscape.network_named("A published figure")
    assert re.fullmatch(
        rf"{NDEX_UUID}: opened as Cytoscape network {network.suid} in a new collection 'A published figure'\n",
        result.stdout,
    )
    assert network.style == "PFOCR"
    # CyNDEx-2's reader made "A published figure-Style"; it is deleted once PFOCR is applied.
    assert sorted(cytoscape.styles) == sorted([*BUILT_IN_STYLES, "PFOCR"])
    assert [c.path for c in cytoscape.calls if c.method == "DELETE"] == ["/v1/styles/A published figure-Style"]
    [added] = cytoscape.calls_to("POST", "/v1/commands/annotation/add image")
    assert (added.body["url"], added.body["canvas"]) == ("https://" + image, "background")
    # One 80×28 node at (52, 23): the converter's frame around its cell.
    assert (float(added.body["x"]), float(added.body["y"]), float(added.body["width"])) == pytest.approx(
        figure_image_frame(52 - 40 - 12, 23 - 14 - 9, 52 + 40 + 12)
    )
    assert cytoscape.fits == [(network.view_suid, 1)]
    assert cytoscape.calls[0].path == "/v1"  # pinged before the CyNDEx call (sandbox trap)
    assert not any("filetransfer" in c.path or "//" in c.path for c in cytoscape.calls)
    assert secret not in result.stdout + result.stderr
    assert not (run / "logs").exists()
    assert files_containing(tmp_path, secret) == []


def test_unknown_ndex_network_is_one_line(cytoscape, tmp_path):
    result = run_cli(NDEX_UUID, "--cytoscape-url", cytoscape.base_url, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"pfocr-ndex: {NDEX_UUID}: Failed to connect to server and retrieve network. "
        f"Unauthorized access to network {NDEX_UUID}"
    ]
    assert cytoscape.calls_to("POST", "/cyndex2/v1/networks")[0].body["serverUrl"] == "https://www.ndexbio.org/v2"


def test_ndex_network_with_its_own_annotation_gets_no_second_image(cytoscape):
    image = "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC10003241/bin/ijms-24-04893-g003.jpg"
    annotation = f"type={IMAGE_ANNOTATION}|uuid=1|name=figure|canvas=background|x=0.0|y=0.0|URL={image}"
    cytoscape.ndex_networks[NDEX_UUID] = {
        "name": "Published with annotation",
        "__NetworkImage": image,
        "__Annotations": [annotation],
    }

    suid = CytoscapeSession(cytoscape.base_url).open_figure(NDEX_UUID)

    assert cytoscape.calls_to("POST", "/v1/commands/annotation/add image") == []
    assert [a["URL"] for a in cytoscape.networks[suid].annotations] == [image]
    assert cytoscape.networks[suid].style == "PFOCR"


# --- Cytoscape absent, failing, hung, hostile -----------------------------------------------------


def test_cytoscape_not_running_is_one_line(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/v1"

    result = run_cli(FIG_A, "--db", str(SAMPLE_DB), "--cytoscape-url", url, cwd=tmp_path)

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"pfocr-ndex: Cytoscape is not answering at {url} (start Cytoscape 3.10+")
    assert result.stdout == ""
    assert not (tmp_path / "logs").exists()


def test_cytoscape_not_running_raises_unavailable():
    session = CytoscapeSession(f"http://127.0.0.1:{closed_port()}/v1", db=SAMPLE_DB, connect_timeout=2)
    with pytest.raises(CytoscapeUnavailable, match="not answering"):
        session.open_figure(FIG_A)


def test_failing_targets_are_one_line_each_and_the_others_go_on(cytoscape, sample_db, tmp_path):
    failing = network_attributes(figure_cx2(FIG_A))["name"]
    cytoscape.fail_cx2_titles.add(failing)
    broken = sample_db / "_figures" / "PMC0__broken.md"
    broken.write_text("---\nfigid: [unclosed\n---\n")

    result = run_cli(
        FIG_A, "PMC0__broken", FIG_B, "--db", str(sample_db), "--cytoscape-url", cytoscape.base_url, cwd=tmp_path
    )

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0] == f"pfocr-ndex: {FIG_A}: Could not parse the given network JSON: cannot read {failing}"
    assert lines[1].startswith(f"pfocr-ndex: {broken}: ")
    assert result.stdout.startswith(f"{FIG_B}: opened as Cytoscape network ")
    opened = [n for n in cytoscape.networks.values() if n.style == "PFOCR"]
    assert [n.name for n in opened] == [network_attributes(figure_cx2(FIG_B))["name"]]


def test_hung_cytoscape_times_out_and_stops_the_run(cytoscape):
    cytoscape.hang_paths = ("/v1/networks",)
    session = CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB, timeout=1.5)

    with pytest.raises(CytoscapeUnavailable) as caught:
        session.open_networks([FIG_A, FIG_B], on_error=lambda target, err: None)

    assert f"Cytoscape at {cytoscape.base_url} did not answer" in str(caught.value)
    assert len(cytoscape.calls_to("POST", "/v1/networks")) == 1  # the second target was not sent
    with pytest.raises(CytoscapeUnavailable):
        session.open_figure(FIG_B)
    assert len(cytoscape.calls_to("POST", "/v1/networks")) == 1


def test_cytoscape_answering_nothing_at_all_fails_the_first_check(cytoscape):
    cytoscape.hang_paths = ("/v1",)
    session = CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB, connect_timeout=1)

    with pytest.raises(CytoscapeUnavailable, match="Cytoscape is not answering at"):
        session.open_figure(FIG_A)
    assert [call.path for call in cytoscape.calls] == ["/v1"]


def test_cytoscape_closed_during_the_run(tmp_path):
    standin = CyRestStandIn()
    with standin:
        session = CytoscapeSession(standin.base_url, db=SAMPLE_DB, timeout=2, connect_timeout=1)
        session.open_figure(FIG_A)
    # Closed now: py4cytoscape would retry the connection for minutes; the session gives up after `timeout`.
    started = time.monotonic()
    with pytest.raises(CytoscapeUnavailable, match="Cytoscape is not answering at"):
        session.open_figure(FIG_B)
    assert time.monotonic() - started < 2 + 1 + 2  # timeout, grace, the "is it there" check


def test_hung_cytoscape_cli_gives_one_line_after_its_timeout(cytoscape, tmp_path):
    cytoscape.hang_paths = ("/v1/networks",)

    result = run_cli(*two_figures(cytoscape, "--timeout", "1"), cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"pfocr-ndex: Cytoscape at {cytoscape.base_url} did not answer within 1 s "
        "(in cyrest_post; is a dialog open in Cytoscape?)"
    ]
    assert len(cytoscape.calls_to("POST", "/v1/networks")) == 1


def test_dripping_reply_does_not_hold_open_past_its_timeout(cytoscape, tmp_path):
    cytoscape.drip_paths = ("/v1/networks",)  # the CX2 import's answer, one byte a second

    started = time.monotonic()
    result = run_cli(*two_figures(cytoscape, "--timeout", "2"), cwd=tmp_path)

    assert time.monotonic() - started < 15  # 2 s for the call, ~1 s for the "is it there" check, start-up
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"pfocr-ndex: Cytoscape at {cytoscape.base_url} did not answer within 2 s "
        "(in cyrest_post; is a dialog open in Cytoscape?)"
    ]


def test_dripping_server_fails_the_first_check_within_seconds(cytoscape, tmp_path):
    cytoscape.drip_paths = ("/v1",)  # every answer, from the first "is it there" on

    started = time.monotonic()
    result = run_cli(FIG_A, "--db", str(SAMPLE_DB), "--cytoscape-url", cytoscape.base_url, cwd=tmp_path)

    assert time.monotonic() - started < 15
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith(f"pfocr-ndex: Cytoscape is not answering at {cytoscape.base_url}")
    assert len(result.stderr.splitlines()) == 1


def test_endless_reply_is_cut_and_memory_stays_bounded(cytoscape, tmp_path):
    cytoscape.endless_paths = ("/v1/apply/styles",)
    # The CLI, reporting its own peak resident size (Linux: KiB) on its last stderr line.
    measured = (
        "import resource, sys\n"
        "from pfocr_ndex.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", measured, "open", *two_figures(cytoscape)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_BOUND,
    )

    *lines, peak_kib = result.stderr.splitlines()
    assert result.returncode == 1
    assert lines == [
        f"pfocr-ndex: Cytoscape at {cytoscape.base_url} sent a reply larger than 16,777,216 bytes "
        "(in get_visual_style_names): not a CyREST answer"
    ]
    assert time.monotonic() - started < 30
    assert int(peak_kib) < 400 * 1024  # ~100 MB to start; the reply read stops at 16 MB


def test_json_list_where_an_object_is_expected_is_one_line(cytoscape, tmp_path):
    cytoscape.replies[("GET", "/v1/version")] = (200, [1, 2, 3])

    result = run_cli(FIG_A, "--db", str(SAMPLE_DB), "--cytoscape-url", cytoscape.base_url, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"pfocr-ndex: {cytoscape.base_url} does not answer as CyREST does: "
        "unexpected reply from Cytoscape to GET /version: [1, 2, 3]"
    ]


@pytest.mark.parametrize(
    ("path", "method", "reply"),
    [
        ("/v1/networks", "POST", [{"networkSUID": 5}]),
        ("/v1/styles", "POST", ["PFOCR"]),
        ("/v1/apply/styles", "GET", {"PFOCR": 1}),
    ],
)
def test_lists_and_objects_swapped_mid_run_are_one_line_per_target(cytoscape, tmp_path, path, method, reply):
    cytoscape.replies[(method, path)] = (201 if path == "/v1/styles" else 200, reply)

    result = run_cli(*two_figures(cytoscape), cwd=tmp_path)

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and "Traceback" not in result.stderr
    assert all(re.match(rf"pfocr-ndex: ({FIG_A}|{FIG_B}): unexpected reply from Cytoscape", line) for line in lines)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_timeout_must_be_a_positive_number(value, tmp_path):
    result = run_cli(FIG_A, "--timeout", value, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"pfocr-ndex open: error: argument --timeout: must be a positive number of seconds, not {value!r}"
    )
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
        CytoscapeSession(timeout=float(value) if value != "soon" else 0)


def test_py4cytoscape_outside_a_session_is_not_bounded_by_it(cytoscape, p4c):
    session = CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB, timeout=1)
    session.connect()
    cytoscape.drip_paths = ("/v1/version",)
    cytoscape.drip_interval = 0.02  # ~80 bytes: about 1.6 s, longer than the session's 1 s deadline

    assert p4c.commands.cyrest_get("version", base_url=cytoscape.base_url)["cytoscapeVersion"] == "3.10.3"
    assert type(sys.modules["py4cytoscape.commands"].requests).__name__ == "_BoundedRequests"


# --- the stand-in answers as cyREST, the CX2 reader and CyNDEx-2 do -------------------------------


def test_standin_discrete_number_values_fail_the_style_post(cytoscape, p4c):
    mapping = {
        "mappingType": "discrete",
        "mappingColumn": "type",
        "mappingColumnType": "String",
        "visualProperty": "NODE_WIDTH",
        "map": [{"key": "chemical", "value": 110.0}],
    }
    with pytest.raises(p4c.exceptions.CyError, match="Could not create new Visual Style"):
        p4c.create_visual_style("numbers", mappings=[mapping], base_url=cytoscape.base_url)
    # A number as key of a Double column: Double.parseDouble(null) throws too.
    keyed = dict(mapping, mappingColumnType="Double", map=[{"key": 1.5, "value": "110.0"}])
    with pytest.raises(p4c.exceptions.CyError, match="Could not create new Visual Style"):
        p4c.create_visual_style("keys", mappings=[keyed], base_url=cytoscape.base_url)
    # A default that is not text is parsed from its JSON text; one that does not parse fails the POST.
    assert p4c.create_visual_style("ok", defaults={"NODE_WIDTH": 2.5}, base_url=cytoscape.base_url) == {"title": "ok"}
    assert cytoscape.styles["ok"].defaults == {"NODE_WIDTH": 2.5}
    with pytest.raises(p4c.exceptions.CyError, match="Could not create new Visual Style"):
        p4c.create_visual_style("bad", defaults={"NODE_WIDTH": "wide"}, base_url=cytoscape.base_url)
    assert not {"numbers", "keys", "bad"} & set(cytoscape.styles)


def test_standin_unparsable_values_and_number_keys_are_dropped_silently(cytoscape, p4c):
    mappings = [
        {
            "mappingType": "discrete",
            "mappingColumn": "type",
            "mappingColumnType": "String",
            "visualProperty": "NODE_FILL_COLOR",  # a Paint: textValue() null parses to null, no error
            "map": [{"key": "gene", "value": 5}, {"key": 7, "value": "#FF0000"}],
        }
    ]
    created = p4c.create_visual_style("quiet", mappings=mappings, base_url=cytoscape.base_url)

    assert created == {"title": "quiet"}
    assert cytoscape.styles["quiet"].mappings["NODE_FILL_COLOR"]["map"] == {"gene": None}
    assert cytoscape.dropped == [
        "discrete NODE_FILL_COLOR 'gene': None is not a PaintVisualProperty value",
        "discrete NODE_FILL_COLOR: pair {'key': 7, 'value': '#FF0000'} has no key of type String",
    ]


def test_standin_unknown_names_are_skipped_and_recorded(cytoscape, p4c):
    defaults = [
        {"visualProperty": "NODE_BORDER_LINE_TYPE", "value": "DOT"},
        {"visualProperty": "NODE_Z_ORDER", "value": "1.0"},
        {"visualProperty": "nodeFillColor", "value": "#FF0000"},
        {"visualProperty": "node_border_stroke", "value": "DOT"},
        {"visualProperty": "NODE_Border_Stroke", "value": "DOT"},
    ]
    assert p4c.create_visual_style("names", defaults=defaults, base_url=cytoscape.base_url) == {"title": "names"}
    assert cytoscape.styles["names"].defaults == {"NODE_BORDER_STROKE": "DOT"}
    assert cytoscape.dropped == [f"unknown visual property {d['visualProperty']}" for d in defaults[:4]]


def test_standin_style_titles_taken_become_numbered(cytoscape, p4c):
    assert p4c.create_visual_style("PFOCR", base_url=cytoscape.base_url) == {"title": "PFOCR"}
    assert p4c.create_visual_style("pfocr", base_url=cytoscape.base_url) == {"title": "pfocr_0"}
    assert p4c.create_visual_style("PFOCR", base_url=cytoscape.base_url) == {"title": "PFOCR_1"}


def test_standin_apply_checks_network_then_style_then_view(cytoscape, p4c):
    cytoscape.view_delay = 60
    suid = p4c.commands.cyrest_post(
        "networks", parameters={"format": "cx2"}, body=as_sent(figure_cx2(FIG_A)), base_url=cytoscape.base_url
    )["networkSUID"]

    def apply(style: str, network: int) -> str:
        with pytest.raises(p4c.exceptions.CyError) as caught:
            p4c.commands.cyrest_get(f"apply/styles/{style}/{network}", base_url=cytoscape.base_url)
        return str(caught.value)

    assert apply("nothing", 1) == "In cyrest_get(): Could not find Network with SUID: 1"
    assert apply("nothing", suid) == "In cyrest_get(): Visual Style does not exist: nothing"
    assert apply("default", suid) == f"In cyrest_get(): Network view does not exist for the network with SUID: {suid}"
    with pytest.raises(p4c.exceptions.CyError, match=f"No Views Available for Network with SUID: {suid}"):
        p4c.commands.cyrest_get(f"networks/{suid}/views", base_url=cytoscape.base_url)
    assert p4c.get_network_views(suid, base_url=cytoscape.base_url) == []  # py4cytoscape swallows the 404


def test_standin_cx2_import_makes_a_root_and_names_its_style(cytoscape, p4c):
    cx2 = orjson.loads(orjson.dumps(figure_cx2(FIG_A)))  # with its style aspects
    name = network_attributes(cx2)["name"]
    replies = [
        p4c.commands.cyrest_post(
            "networks", parameters={"format": "cx2", "collection": "C"}, body=cx2, base_url=cytoscape.base_url
        )
        for _ in range(3)
    ]

    assert all(set(reply) == {"networkSUID"} for reply in replies)
    networks = [cytoscape.networks[reply["networkSUID"]] for reply in replies]
    assert len({n.root for n in networks}) == 3 and set(cytoscape.roots.values()) == {"C"}
    assert [n.style for n in networks] == [f"{name}-Style", f"{name}-Style-1", f"{name}-Style-2"]
    assert [n.name for n in networks] == [name] * 3


def test_standin_cyndex_answers_in_its_envelope(cytoscape, p4c):
    cytoscape.ndex_networks[NDEX_UUID] = {"name": "N"}
    suid = p4c.import_network_from_ndex(NDEX_UUID, base_url=cytoscape.base_url)

    [call] = cytoscape.calls_to("POST", "/cyndex2/v1/networks")
    assert call.body == {"serverUrl": "http://ndexbio.org/v2", "uuid": NDEX_UUID}
    assert cytoscape.networks[suid].style == "N-Style" and cytoscape.roots[cytoscape.networks[suid].root] == "N"
    reply = requests.post(cytoscape.base_url.replace("/v1", "/cyndex2/v1/networks"), json={"uuid": "x"}, timeout=5)
    assert (reply.status_code, reply.json()["errors"][0]) == (
        400,
        {
            "status": 400,
            "type": "urn:cytoscape:ci:ndex:v1:errors:2",
            "message": "Invalid UUID parameter: x. Must conform to UUID standards",
            "link": "file:/root/CytoscapeConfiguration/3/framework-cytoscape.log",
        },
    )


def test_standin_commands_take_the_view_tunable(cytoscape, p4c):
    suid = p4c.commands.cyrest_post(
        "networks", parameters={"format": "cx2"}, body=as_sent(figure_cx2(FIG_A)), base_url=cytoscape.base_url
    )["networkSUID"]
    view = cytoscape.networks[suid].view_suid
    url = "https://example.org/figure.png"
    cytoscape.image_sizes[url] = (400.0, 100.0)
    post = p4c.commands.cyrest_post

    # No width or height: 100 high, the width from the image's ratio (ImageAnnotationImpl).
    added = post(
        "commands/annotation/add image",
        body={"view": f"SUID:{view}", "url": url, "x": "1", "y": "2"},
        base_url=cytoscape.base_url,
    )["data"]
    assert (added["width"], added["height"], added["canvas"]) == ("400.0", "100.0", "foreground")
    # An unknown view: nothing added, nothing fitted, no error.
    assert post(
        "commands/annotation/add image",
        body={"view": "SUID:1", "url": url, "x": "0", "y": "0"},
        base_url=cytoscape.base_url,
    ) == {"data": {}, "errors": []}
    assert post("commands/view/fit content", body={"view": "SUID:1"}, base_url=cytoscape.base_url)["errors"] == []
    assert cytoscape.fits == []
    listed = post("commands/annotation/list", body={"view": f"SUID:{view}"}, base_url=cytoscape.base_url)["data"]
    assert [a["uuid"] for a in listed] == [a["uuid"] for a in cytoscape.networks[suid].annotations]


def test_standin_style_deletion_and_dependencies(cytoscape, p4c):
    p4c.create_visual_style("S", base_url=cytoscape.base_url)
    assert (
        p4c.commands.cyrest_put(
            "styles/S/dependencies",
            body=[{"visualPropertyDependency": "nodeSizeLocked", "enabled": False}],
            require_json=False,
            base_url=cytoscape.base_url,
        )
        == ""
    )
    assert cytoscape.styles["S"].dependencies["nodeSizeLocked"] is False
    assert p4c.delete_visual_style("S", base_url=cytoscape.base_url) == ""
    with pytest.raises(p4c.exceptions.CyError, match="Could not find Visual Style: S"):
        p4c.delete_visual_style("S", base_url=cytoscape.base_url)
    with pytest.raises(p4c.exceptions.CyError, match="Cannot remove default visual style"):
        p4c.delete_visual_style("default", base_url=cytoscape.base_url)
