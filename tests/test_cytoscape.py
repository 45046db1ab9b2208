"""``pfocr-ndex open`` / ``pfocr_ndex.cytoscape``: the real py4cytoscape against a CyREST stand-in on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from cyrest_standin import BUILT_IN_STYLES, IMAGE_ANNOTATION, CyRestStandIn

from pfocr_ndex.cytoscape import CytoscapeError, CytoscapeSession, CytoscapeUnavailable, desktop_style, resolve_target
from pfocr_ndex.errors import PfocrError
from pfocr_ndex.network import build_network, load_style
from pfocr_ndex.records import read_record

SAMPLE_DB = Path(__file__).parent / "data" / "pfocr"
FIG_A = "PMC10003241__ijms-24-04893-g003"
FIG_B = "PMC10028837__nihpp-2023.03.03.530734v1-f0001"
NDEX_UUID = "5f0b7e1c-d3a2-11ee-8b8a-0ac135e8bacf"
SUBPROCESS_BOUND = 90  # seconds: a bound on a hung run, not a performance assertion


@pytest.fixture
def cytoscape():
    with CyRestStandIn() as standin:
        yield standin


def record_path(figid: str) -> Path:
    return SAMPLE_DB / "_figures" / f"{figid}.md"


def network_attributes(cx2: list[dict]) -> dict:
    return next(a["networkAttributes"][0] for a in cx2 if "networkAttributes" in a)


def as_sent(cx2: list[dict]) -> list[dict]:
    """The document as it should arrive: JSON, minus the style aspects the PFOCR style replaces."""
    style = {"visualProperties", "visualEditorProperties"}
    kept = [a for a in orjson.loads(orjson.dumps(cx2)) if not style & a.keys()]
    for aspect in kept:
        if "metaData" in aspect:
            aspect["metaData"] = [m for m in aspect["metaData"] if m["name"] not in style]
    return kept


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


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def files_containing(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


# --- opening local networks ---------------------------------------------------------------------


def test_two_figures_open_into_one_collection_with_one_style(cytoscape):
    session = CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB, timeout=30)
    suids = session.open_networks([FIG_A, str(record_path(FIG_B))])

    imports = cytoscape.calls_to("POST", "/v1/networks")
    assert len(imports) == 2 and len(suids) == 2
    for call, figid, suid in zip(imports, [FIG_A, FIG_B], suids):
        record = read_record(record_path(figid))
        expected = build_network(record).cx2
        attributes = network_attributes(expected)
        assert call.query == {"format": "cx2", "title": attributes["name"], "collection": "PFOCR"}
        assert call.body == as_sent(expected)
        network = cytoscape.networks[suid]
        assert network.name == attributes["name"]
        assert {node["v"]["name"] for node in network.nodes} == {entity.name for entity in record.entities}
        assert network.style == "PFOCR"
        # The builder's __Annotations draws the figure: exactly one image, behind the nodes.
        images = [a for a in network.annotations if a["type"] == IMAGE_ANNOTATION]
        assert [(a["URL"], a["canvas"]) for a in images] == [(attributes["__NetworkImage"], "background")]
        fits = [c.body for c in cytoscape.calls_to("POST", "/v1/commands/view/fit content")]
        assert {"view": f"SUID:{network.view_suid}"} in fits
        applied = cytoscape.calls_to("GET", f"/v1/apply/styles/PFOCR/{suid}")
        assert len(applied) == 1
        assert cytoscape.calls.index(call) < cytoscape.calls.index(applied[0])

    assert len(cytoscape.calls_to("POST", "/v1/styles")) == 1
    # No style per network: only the built-in ones and PFOCR.
    assert sorted(cytoscape.styles) == sorted(BUILT_IN_STYLES + ["PFOCR"])
    assert cytoscape.calls_to("POST", "/v1/commands/annotation/add image") == []
    # Local mode although the port is not 1234: no FileTransfer sandbox, and the first request is the check.
    assert not any("filetransfer" in call.path for call in cytoscape.calls)
    assert cytoscape.calls[0].method == "GET" and cytoscape.calls[0].path == "/v1"


def test_style_is_sent_with_desktop_names_and_width_unlocked(cytoscape):
    CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB).open_figure(FIG_A)

    template = load_style()
    sent = cytoscape.calls_to("POST", "/v1/styles")[0].body
    defaults = {d["visualProperty"]: d["value"] for d in sent["defaults"]}
    node = template["default"]["node"]
    assert sent["title"] == "PFOCR"
    assert defaults["NODE_FILL_COLOR"] == node["NODE_BACKGROUND_COLOR"]
    assert defaults["NODE_BORDER_PAINT"] == node["NODE_BORDER_COLOR"]
    assert defaults["NODE_SHAPE"] == "ROUND_RECTANGLE"
    assert defaults["NODE_TRANSPARENCY"] == round(node["NODE_BACKGROUND_OPACITY"] * 255)
    assert defaults["NETWORK_BACKGROUND_PAINT"] == template["default"]["network"]["NETWORK_BACKGROUND_COLOR"]
    assert not {"NODE_BACKGROUND_COLOR", "NODE_BORDER_COLOR", "NODE_BACKGROUND_OPACITY"} & set(defaults)
    label = next(m for m in sent["mappings"] if m["visualProperty"] == "NODE_LABEL")
    assert label == {
        "mappingType": "passthrough",
        "mappingColumn": "name",
        "mappingColumnType": "String",
        "visualProperty": "NODE_LABEL",
    }
    fill = next(m for m in sent["mappings"] if m["visualProperty"] == "NODE_FILL_COLOR")
    entries = template["nodeMapping"]["NODE_BACKGROUND_COLOR"]["definition"]["map"]
    assert fill["mappingType"] == "discrete" and fill["mappingColumn"] == "type"
    assert fill["map"] == [{"key": e["v"], "value": e["vp"]} for e in entries]
    assert cytoscape.styles["PFOCR"]["dependencies"] == [
        {"visualPropertyDependency": "nodeSizeLocked", "enabled": False}
    ]


def test_desktop_style_translates_values():
    style = {
        "default": {
            "network": {"NETWORK_BACKGROUND_COLOR": "#FAFAFA"},
            "node": {
                "NODE_BORDER_STYLE": "dashed",
                "NODE_LABEL_OPACITY": 0.5,
                "NODE_LABEL_FONT_SIZE": 14,
                "NODE_LABEL_FONT_FACE": {"FONT_FAMILY": "serif", "FONT_STYLE": "italic", "FONT_WEIGHT": "bold"},
                "NODE_LABEL_POSITION": {
                    "HORIZONTAL_ALIGN": "left",
                    "VERTICAL_ALIGN": "top",
                    "HORIZONTAL_ANCHOR": "right",
                    "VERTICAL_ANCHOR": "bottom",
                    "JUSTIFICATION": "left",
                    "MARGIN_X": 2,
                    "MARGIN_Y": -1.5,
                },
                "NODE_VISIBILITY": "none",
                "NODE_CUSTOM_UNKNOWN": 1,
            },
            "edge": {"EDGE_TARGET_ARROW_SHAPE": "triangle"},
        },
        "nodeMapping": {
            "NODE_HEIGHT": {
                "type": "DISCRETE",
                "definition": {"attribute": "score", "type": "double", "map": [{"v": 1.5, "vp": 40}]},
            }
        },
    }
    defaults, mappings = desktop_style(style)
    assert defaults == [
        {"visualProperty": "NETWORK_BACKGROUND_PAINT", "value": "#FAFAFA"},
        {"visualProperty": "NODE_BORDER_LINE_TYPE", "value": "LONG_DASH"},
        {"visualProperty": "NODE_LABEL_TRANSPARENCY", "value": 128},
        {"visualProperty": "NODE_LABEL_FONT_SIZE", "value": 14},
        {"visualProperty": "NODE_LABEL_FONT_FACE", "value": "Serif.bolditalic,bolditalic,14"},
        {"visualProperty": "NODE_LABEL_POSITION", "value": "NW,SE,l,2.00,-1.50"},
        {"visualProperty": "NODE_VISIBLE", "value": False},
        {"visualProperty": "EDGE_TARGET_ARROW_SHAPE", "value": "DELTA"},
    ]
    assert mappings == [
        {
            "mappingType": "discrete",
            "mappingColumn": "score",
            "mappingColumnType": "Double",
            "visualProperty": "NODE_HEIGHT",
            "map": [{"key": 1.5, "value": 40}],
        }
    ]


def test_a_second_run_reuses_the_style(cytoscape):
    first = CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB).open_figure(FIG_A)
    second = CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB).open_figure(FIG_B)

    assert len(cytoscape.calls_to("POST", "/v1/styles")) == 1
    assert len(cytoscape.calls_to("GET", "/v1/apply/styles")) >= 2  # looked before deciding
    assert cytoscape.networks[first].style == cytoscape.networks[second].style == "PFOCR"
    assert not any(name.startswith("PFOCR_") for name in cytoscape.styles)


def test_figure_image_added_when_the_cx2_has_no_annotation(cytoscape, tmp_path):
    cx2 = build_network(read_record(record_path(FIG_A))).cx2
    attributes = network_attributes(cx2)
    del attributes["__Annotations"]
    for aspect in cx2:
        if "attributeDeclarations" in aspect:
            aspect["attributeDeclarations"][0]["networkAttributes"].pop("__Annotations", None)
    path = tmp_path / "figure.cx2"
    path.write_bytes(orjson.dumps(cx2))

    suid = CytoscapeSession(cytoscape.base_url).open_figure(str(path))

    network = cytoscape.networks[suid]
    added = cytoscape.calls_to("POST", "/v1/commands/annotation/add image")
    assert len(added) == 1
    assert added[0].body["url"] == attributes["__NetworkImage"]
    assert added[0].body["url"].startswith("https://")
    assert added[0].body["canvas"] == "background"
    assert added[0].body["view"] == f"SUID:{network.view_suid}"
    assert [a["URL"] for a in network.annotations] == [attributes["__NetworkImage"]]


def test_style_apply_is_retried_while_the_view_is_not_ready(cytoscape):
    cytoscape.apply_view_not_ready = 1
    suid = CytoscapeSession(cytoscape.base_url, db=SAMPLE_DB).open_figure(FIG_A)

    assert len(cytoscape.calls_to("GET", f"/v1/apply/styles/PFOCR/{suid}")) == 2
    assert cytoscape.networks[suid].style == "PFOCR"


def test_unparsable_cx2_is_reported_with_the_file(cytoscape, tmp_path):
    path = tmp_path / "broken.cx2"
    path.write_bytes(b'[{"nodes": []}]')

    with pytest.raises(CytoscapeError) as caught:
        CytoscapeSession(cytoscape.base_url).open_figure(str(path))

    assert str(caught.value).startswith(f"{path}: ")
    assert "Could not parse the given network JSON" in str(caught.value)
    assert "\n" not in str(caught.value)


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


# --- NDEx import --------------------------------------------------------------------------------


def test_ndex_import_sends_server_and_uuid_and_leaves_no_password_behind(cytoscape, tmp_path):
    image = "www.ncbi.nlm.nih.gov/pmc/articles/PMC10003241/bin/ijms-24-04893-g003.jpg"
    cytoscape.ndex_networks[NDEX_UUID] = {
        "name": "A published figure",
        "__NetworkImage": "http://" + image,
        "nodes": [{"id": 0, "v": {"name": "TP53", "type": "gene"}}],
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
    assert network.style == "PFOCR"
    assert sorted(cytoscape.styles) == sorted(BUILT_IN_STYLES + ["PFOCR"])
    added = cytoscape.calls_to("POST", "/v1/commands/annotation/add image")
    assert [(c.body["url"], c.body["canvas"]) for c in added] == [("https://" + image, "background")]
    assert {"view": f"SUID:{network.view_suid}"} in [
        c.body for c in cytoscape.calls_to("POST", "/v1/commands/view/fit content")
    ]
    assert cytoscape.calls[0].path == "/v1"  # pinged before the CyNDEx call (sandbox trap)
    assert not any("filetransfer" in c.path or "//" in c.path for c in cytoscape.calls)
    assert secret not in result.stdout + result.stderr
    assert not (run / "logs").exists()
    assert files_containing(tmp_path, secret) == []


def test_unknown_ndex_network_is_one_line(cytoscape, tmp_path):
    result = run_cli(NDEX_UUID, "--cytoscape-url", cytoscape.base_url, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"pfocr-ndex: {NDEX_UUID}: Failed to load network from NDEx."]
    assert cytoscape.calls_to("POST", "/cyndex2/v1/networks")[0].body["serverUrl"] == "https://www.ndexbio.org/v2"


# --- Cytoscape absent, failing, hung --------------------------------------------------------------


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
    failing = network_attributes(build_network(read_record(record_path(FIG_A))).cx2)["name"]
    cytoscape.fail_cx2_titles.add(failing)
    broken = sample_db / "_figures" / "PMC0__broken.md"
    broken.write_text("---\nfigid: [unclosed\n---\n")

    result = run_cli(
        FIG_A, "PMC0__broken", FIG_B, "--db", str(sample_db), "--cytoscape-url", cytoscape.base_url, cwd=tmp_path
    )

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0] == f"pfocr-ndex: {FIG_A}: Could not create network from CX2: {failing}"
    assert lines[1].startswith(f"pfocr-ndex: {broken}: ")
    assert result.stdout.startswith(f"{FIG_B}: opened as Cytoscape network ")
    opened = [n for n in cytoscape.networks.values() if n.style == "PFOCR"]
    assert [n.name for n in opened] == [network_attributes(build_network(read_record(record_path(FIG_B))).cx2)["name"]]


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
    with pytest.raises(CytoscapeUnavailable, match="Cytoscape is not answering at"):
        session.open_figure(FIG_B)


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


def test_hung_cytoscape_cli_gives_one_line_after_its_timeout(cytoscape, tmp_path):
    cytoscape.hang_paths = ("/v1/networks",)

    result = run_cli(
        FIG_A, FIG_B, "--db", str(SAMPLE_DB), "--cytoscape-url", cytoscape.base_url, "--timeout", "1", cwd=tmp_path
    )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"pfocr-ndex: Cytoscape at {cytoscape.base_url} did not answer within 1 s "
        "(in cyrest_post; is a dialog open in Cytoscape?)"
    ]
    assert len(cytoscape.calls_to("POST", "/v1/networks")) == 1
