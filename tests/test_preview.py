"""Browser preview: CX2 → cytoscape.js translation, pages opened in headless Chromium, the CLI."""

from __future__ import annotations

import http.server
import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest

from pfocr_ndex import preview
from pfocr_ndex.cli import main
from pfocr_ndex.errors import PfocrError
from pfocr_ndex.layout import iter_record_paths
from pfocr_ndex.network import build_network
from pfocr_ndex.preview import (
    CYTOSCAPE_JS_CDN_URL,
    CYTOSCAPE_JS_INTEGRITY,
    CYTOSCAPE_JS_VERSION,
    find_cytoscape_js,
    page_filename,
    sanitize_html,
    subresource_integrity,
    write_preview,
)
from pfocr_ndex.preview import HEADLESS_CHROMIUM_ARGS as CHROMIUM_ARGS
from pfocr_ndex.records import read_record
from pfocr_ndex.style.cytoscapejs import cytoscape_elements, cytoscape_style, cytoscape_view

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DB = REPO / "tests" / "data" / "pfocr"  # as conftest.SAMPLE_DB (importable whether or not tests/ is a package)
STYLE_TEMPLATE = REPO / "templates" / "pfocr-style.cx2.json"
ARTIFACTS = REPO / "test-artifacts"
NODE_MODULES_CYTOSCAPE = REPO / "node_modules" / "cytoscape" / "dist" / "cytoscape.min.js"  # after `npm ci`
CHROMIUM = Path("/usr/bin/chromium")

# Genes + chemicals + a disease; genes + miRNAs + chemicals; genes + chemicals + keywords with an NDEx UUID;
# genes only with a UUID; chemicals only.
FIGIDS = [
    "PMC10003241__ijms-24-04893-g003",
    "PMC12170841__IJN-20-7415-g0001",
    "PMC2395337__90-6601487f1",
    "PMC1635360__zmk0100678110001",
    "PMC2568069__zek0100832010001",
]
MARKUP = '<script>window.__pwned = 1</script> & "double" \'single\' <img src=x onerror="window.__pwned = 2">'


# --- helpers ----------------------------------------------------------------------------


def aspect(cx2: list[dict], name: str) -> list:
    return next(a[name] for a in cx2 if name in a)


def network_of(record_path: Path) -> list[dict]:
    return build_network(read_record(record_path)).cx2


def rgb(hex_color: str) -> tuple[int, ...]:
    value = hex_color.lstrip("#")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))


def css_rgb(css_color: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", css_color)[:3])


def png(width: int = 4, height: int = 3) -> bytes:
    """A tiny valid PNG, served in place of the figure images."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xc8\x1e\x1e" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def discrete(style: dict, visual_property: str) -> dict:
    return {e["v"]: e["vp"] for e in style["nodeMapping"][visual_property]["definition"]["map"]}


HAND_MADE = [
    {"CXVersion": "2.0", "hasFragments": False},
    {
        "attributeDeclarations": [
            {
                "networkAttributes": {"name": {"d": "string"}},
                "nodes": {
                    "name": {"d": "string", "a": "n"},
                    "type": {"d": "string", "v": "gene"},
                    "score": {"d": "double"},
                    "parent": {"d": "string"},
                    "GO term": {"d": "string"},
                },
                "edges": {"interaction": {"d": "string", "a": "i"}, "weight": {"d": "double", "v": 0.5}},
            }
        ]
    },
    {"networkAttributes": [{"name": "hand-made"}]},
    {
        "nodes": [
            {"id": 0, "x": 120, "y": 80, "v": {"n": "TP53", "score": 0.2, "parent": "p", "GO term": "x"}},
            {"id": 1, "x": 260, "y": 80.5, "v": {"n": "aspirin", "type": "chemical", "score": 7}},
            {"id": 7, "x": -40, "y": 300, "v": {"n": 'Say "hi"', "type": 'say "hi"'}},
        ]
    },
    {"edges": [{"id": 0, "s": 0, "t": 1, "v": {"i": "binds"}}]},
    {
        "visualProperties": [
            {
                "default": {
                    "network": {"NETWORK_BACKGROUND_COLOR": "#F0F0F0"},
                    "node": {
                        "NODE_BACKGROUND_COLOR": "#FFFFCC",
                        "NODE_SHAPE": "parallelogram",
                        "NODE_WIDTH": 60.0,
                        "NODE_BORDER_STYLE": "long_dash",
                        "NODE_LABEL_FONT_SIZE": "11",
                        "NODE_LABEL_FONT_FACE": {"FONT_FAMILY": "serif", "FONT_STYLE": "italic", "FONT_WEIGHT": "bold"},
                        "NODE_LABEL_POSITION": {
                            "HORIZONTAL_ALIGN": "center",
                            "HORIZONTAL_ANCHOR": "center",
                            "VERTICAL_ALIGN": "bottom",
                            "VERTICAL_ANCHOR": "top",
                            "MARGIN_X": 0,
                            "MARGIN_Y": -2,
                        },
                        "NODE_BORDER_COLOR": "red",
                        "NODE_HEIGHT": -3,
                        "NODE_FILL_COLOR": "#000000",
                    },
                    "edge": {"EDGE_LINE_COLOR": "#848484", "EDGE_TARGET_ARROW_SHAPE": "DELTA"},
                },
                "nodeMapping": {
                    "NODE_LABEL": {"type": "PASSTHROUGH", "definition": {"attribute": "name", "type": "string"}},
                    "NODE_BACKGROUND_COLOR": {
                        "type": "DISCRETE",
                        "definition": {
                            "attribute": "type",
                            "type": "string",
                            "map": [
                                {"v": "chemical", "vp": "#D9F0D3"},
                                {"v": 'say "hi"', "vp": "#123456"},
                                {"v": "both \" and '", "vp": "#654321"},
                            ],
                        },
                    },
                    "NODE_WIDTH": {
                        "type": "CONTINUOUS",
                        "definition": {
                            "attribute": "score",
                            "type": "double",
                            "map": [
                                {"max": 1.0, "includeMax": False, "maxVPValue": 20.0, "minVPValue": 20.0},
                                {
                                    "min": 1.0,
                                    "includeMin": True,
                                    "max": 10.0,
                                    "includeMax": True,
                                    "minVPValue": 20.0,
                                    "maxVPValue": 100.0,
                                },
                                {"min": 10.0, "includeMin": False, "minVPValue": 100.0, "maxVPValue": 100.0},
                            ],
                        },
                    },
                    "NODE_TOOLTIP": {"type": "PASSTHROUGH", "definition": {"attribute": "name", "type": "string"}},
                },
                "edgeMapping": {
                    "EDGE_WIDTH": {"type": "PASSTHROUGH", "definition": {"attribute": "weight", "type": "double"}}
                },
            }
        ]
    },
    {"nodeBypasses": [{"id": 1, "v": {"NODE_BORDER_WIDTH": 5, "NODE_BORDER_COLOR": "#0000FF"}}]},
    {"edgeBypasses": [{"id": 0, "v": {"EDGE_LINE_COLOR": "#FF0000"}}]},
    {"status": [{"error": "", "success": True}]},
]


def rule(style: list[dict], selector: str) -> dict:
    matches = [r["style"] for r in style if r["selector"] == selector]
    assert len(matches) == 1, f"{len(matches)} rules for {selector}: {[r['selector'] for r in style]}"
    return matches[0]


def joined(value) -> str:
    """A network attribute as the pages show it: lists joined with '; '."""
    return "; ".join(value) if isinstance(value, list) else str(value)


# --- translation, no browser -------------------------------------------------------------


def test_template_defaults_and_discrete_mappings_become_rules():
    template = json.loads(STYLE_TEMPLATE.read_text())
    style = cytoscape_style(network_of(SAMPLE_DB / "_figures" / f"{FIGIDS[0]}.md"))
    defaults = template["default"]["node"]
    node = rule(style, "node")
    assert node["background-color"] == defaults["NODE_BACKGROUND_COLOR"]
    assert node["border-color"] == defaults["NODE_BORDER_COLOR"]
    assert node["border-width"] == defaults["NODE_BORDER_WIDTH"]
    assert node["width"] == defaults["NODE_WIDTH"] and node["height"] == defaults["NODE_HEIGHT"]
    assert node["font-size"] == defaults["NODE_LABEL_FONT_SIZE"]
    assert node["font-family"] == defaults["NODE_LABEL_FONT_FACE"]["FONT_FAMILY"]
    assert node["shape"] == defaults["NODE_SHAPE"]
    assert (node["text-valign"], node["text-halign"]) == ("center", "center")
    assert node["text-max-width"] == defaults["NODE_LABEL_MAX_WIDTH"] and node["text-wrap"] == "wrap"
    for visual_property, css in (
        ("NODE_BACKGROUND_COLOR", "background-color"),
        ("NODE_SHAPE", "shape"),
        ("NODE_BORDER_COLOR", "border-color"),
    ):
        for value, vp in discrete(template, visual_property).items():
            assert rule(style, f'node[type = "{value}"]')[css] == vp
    assert rule(style, "node[name]") == {"label": "data(name)"}
    # Defaults come first, mappings after them: cytoscape.js lets later rules win.
    assert [r["selector"] for r in style][:2] == ["node", "edge"]


def test_passthrough_continuous_and_bypasses():
    style = cytoscape_style(HAND_MADE)
    assert rule(style, "edge[weight]") == {"width": "data(weight)"}
    assert rule(style, "node[score][score < 1.0]") == {"width": 20.0}
    assert rule(style, "node[score][score >= 1.0][score <= 10.0]") == {
        "width": "mapData(score, 1.0, 10.0, 20.0, 100.0)"
    }
    assert rule(style, "node[score][score > 10.0]") == {"width": 100.0}
    assert style[-2:] == [
        {"selector": "node#1", "style": {"border-width": 5, "border-color": "#0000FF"}},
        {"selector": "edge#e0", "style": {"line-color": "#FF0000"}},
    ]
    edge = rule(style, "edge")
    assert edge["target-arrow-shape"] == "triangle" and edge["curve-style"] == "bezier"
    node = rule(style, "node")
    assert node["shape"] == "rhomboid" and node["border-style"] == "dashed" and node["font-size"] == 11.0
    assert (node["font-family"], node["font-style"], node["font-weight"]) == ("serif", "italic", "bold")
    assert (node["text-valign"], node["text-halign"], node["text-margin-y"]) == ("top", "center", -2)
    # Invalid values (a colour name, a negative size) and Desktop-only names are left out, not passed on.
    assert "border-color" not in node and "height" not in node
    assert node["background-color"] == "#FFFFCC"
    assert not any("tooltip" in str(r) for r in style)
    assert cytoscape_view(HAND_MADE)["background"] == "#F0F0F0"


def test_discrete_values_are_quoted_for_selectors():
    style = cytoscape_style(HAND_MADE)
    assert rule(style, "node[type = 'say \"hi\"']") == {"background-color": "#123456"}
    # A value holding both quote kinds cannot be written as a cytoscape.js selector: no rule, not a broken one.
    assert not any("#654321" in json.dumps(r) for r in style)


def test_elements_resolve_aliases_defaults_and_reserved_names():
    nodes = {e["data"]["id"]: e for e in cytoscape_elements(HAND_MADE) if e["group"] == "nodes"}
    edges = [e for e in cytoscape_elements(HAND_MADE) if e["group"] == "edges"]
    assert nodes["0"]["data"]["name"] == "TP53"  # alias "n" → full name
    assert nodes["0"]["data"]["type"] == "gene"  # declared default
    assert nodes["1"]["data"]["type"] == "chemical"
    assert nodes["0"]["data"]["cx_parent"] == "p" and "parent" not in nodes["0"]["data"]
    assert nodes["0"]["data"]["cx_GO_20_term"] == "x"
    assert nodes["1"]["position"] == {"x": 260, "y": 80.5}
    assert edges == [
        {"group": "edges", "data": {"interaction": "binds", "weight": 0.5, "id": "e0", "source": "0", "target": "1"}}
    ]
    no_coordinates = [{"nodes": [{"id": 0, "v": {}}, {"id": 1, "x": 1, "y": 2, "v": {}}]}]
    assert cytoscape_view(no_coordinates)["layout"]["name"] == "grid"
    assert cytoscape_view(HAND_MADE)["layout"]["name"] == "preset"


def test_sanitize_html_keeps_formatting_drops_active_content():
    dirty = (
        '<p onclick="x()">IL-6 &amp; TNF &lt;script&gt; <b>bold</b><script>alert(1)</script>'
        '<a href="javascript:alert(1)">j</a> <a href="https://doi.org/10.1/x" target="_blank">doi</a>'
        '<img src=x onerror="alert(1)"><style>p{}</style><i>open'
    )
    assert sanitize_html(dirty) == (
        "<p>IL-6 &amp; TNF &lt;script&gt; <b>bold</b><a>j</a> "
        '<a href="https://doi.org/10.1/x" rel="noopener noreferrer">doi</a><i>open</i></p>'
    )


def test_page_filenames_are_safe():
    assert page_filename("PMC10003241__ijms-24-04893-g003") == "PMC10003241__ijms-24-04893-g003.html"
    for figid in ("../../etc/passwd", "a/b\\c", "x y?#", ".hidden", "index", ""):
        name = page_filename(figid)
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*\.html", name) and name != "index.html", name


def test_long_figids_get_short_unique_page_names():
    # Room under NAME_MAX (255) for the atomic write's ".<name>.<pid>.<n>.tmp" and a "-N" suffix.
    long_a, long_b = "PMC1__" + "x" * 234, "PMC1__" + "x" * 233 + "y"
    names = {page_filename(long_a), page_filename(long_b), page_filename(long_a + "z")}
    assert len(names) == 3
    assert all(len(name) <= 195 and re.fullmatch(r"PMC1__x+-[0-9a-f]{16}\.html", name) for name in names)
    assert page_filename("PMC1__" + "x" * 184) == "PMC1__" + "x" * 184 + ".html"  # 190 characters: kept whole


def test_find_cytoscape_js(tmp_path, monkeypatch):
    with pytest.raises(PfocrError, match=r"cytoscape\.js not found"):
        find_cytoscape_js(tmp_path / "missing.js")
    library = tmp_path / "cy.js"
    library.write_text("// stand-in")
    monkeypatch.setenv(preview.CYTOSCAPE_JS_ENV, str(library))
    assert find_cytoscape_js() == library
    monkeypatch.delenv(preview.CYTOSCAPE_JS_ENV)
    monkeypatch.setattr(preview, "_REPOSITORY", tmp_path)
    monkeypatch.chdir(tmp_path)
    assert find_cytoscape_js() is None
    installed = tmp_path / "node_modules" / "cytoscape" / "dist" / "cytoscape.min.js"
    installed.parent.mkdir(parents=True)
    installed.write_text("// stand-in")
    assert find_cytoscape_js() == installed


# --- the pinned cytoscape.js -------------------------------------------------------------


def test_pinned_cytoscape_js_is_the_version_package_json_pins():
    package = json.loads((REPO / "package.json").read_text())
    lock = json.loads((REPO / "package-lock.json").read_text())
    assert package["dependencies"]["cytoscape"] == CYTOSCAPE_JS_VERSION
    assert lock["packages"]["node_modules/cytoscape"]["version"] == CYTOSCAPE_JS_VERSION
    expected_url = f"https://cdn.jsdelivr.net/npm/cytoscape@{CYTOSCAPE_JS_VERSION}/dist/cytoscape.min.js"
    assert expected_url == CYTOSCAPE_JS_CDN_URL


def test_pinned_integrity_is_the_hash_of_the_npm_file():
    """The hash in the code is the sha384 of the file `npm ci` installs (npm checked the tarball's sha512)."""
    if not NODE_MODULES_CYTOSCAPE.is_file():
        pytest.skip("cytoscape.js not installed: run `npm ci` in the repository")
    installed = json.loads((NODE_MODULES_CYTOSCAPE.parents[1] / "package.json").read_text())["version"]
    assert installed == CYTOSCAPE_JS_VERSION, "node_modules is stale: run `npm ci`"
    assert subresource_integrity(NODE_MODULES_CYTOSCAPE.read_bytes()) == CYTOSCAPE_JS_INTEGRITY


# --- pages in headless Chromium ----------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright not installed: pip install -e '.[test]'")

    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def pinned_js() -> bytes:
    """The pinned cytoscape.min.js as `npm ci` installs it: what the CDN serves, and what --offline copies."""
    if not NODE_MODULES_CYTOSCAPE.is_file():
        pytest.skip("cytoscape.js not installed: run `npm ci` in the repository")
    return NODE_MODULES_CYTOSCAPE.read_bytes()


class Tab:
    """A browser page that records console errors/warnings and page errors, serves figure images locally, and
    serves ``cdn`` bytes under the CDN URL of cytoscape.js as jsDelivr does (``None``: the CDN is unreachable)."""

    def __init__(self, browser, images: bool = True, cdn: bytes | None = None) -> None:
        self.context = browser.new_context(viewport={"width": 1200, "height": 800})
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        # cytoscape.js reports style values it cannot use as console warnings: those count as failures too.
        self.page.on(
            "console", lambda m: self.errors.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.requested: list[str] = []  # figure images
        self.cdn_requests = 0

        def serve(route):
            if route.request.url == CYTOSCAPE_JS_CDN_URL:
                self.cdn_requests += 1
                if cdn is None:
                    route.abort("internetdisconnected")
                else:  # as jsDelivr answers (Chromium skips CORS checks on fulfilled routes: see the next test)
                    headers = {"Access-Control-Allow-Origin": "*", "Content-Type": "application/javascript"}
                    route.fulfill(status=200, headers=headers, body=cdn)
                return
            self.requested.append(route.request.url)
            if images:
                route.fulfill(status=200, content_type="image/png", body=png())
            else:
                route.abort("internetdisconnected")

        self.page.route(lambda url: not url.startswith("file:"), serve)

    def open(self, path: Path):
        self.page.goto(path.as_uri())
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser, pinned_js):
    opened = Tab(browser, cdn=pinned_js)
    yield opened
    opened.close()


@pytest.fixture
def offline_tab(browser):
    """A tab without network: no CDN, no figure images."""
    opened = Tab(browser, images=False)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The preview of FIGIDS (default: cytoscape.js from the CDN), written once for the module."""
    outdir = tmp_path_factory.mktemp("preview")
    result = write_preview([SAMPLE_DB / "_figures" / f"{figid}.md" for figid in FIGIDS], outdir)
    assert (result.pages, result.failed, result.cytoscape_js) == (len(FIGIDS), 0, None)
    return outdir


def scripts(page) -> list[dict]:
    """The page's script elements: src (as written), integrity, crossorigin, type."""
    return page.evaluate("""() => [...document.scripts].map(s => ({src: s.getAttribute('src'),
        integrity: s.getAttribute('integrity'), crossorigin: s.getAttribute('crossorigin'),
        type: s.getAttribute('type')}))""")


CDN_SCRIPTS = [
    {"src": None, "integrity": None, "crossorigin": None, "type": "application/json"},
    {"src": CYTOSCAPE_JS_CDN_URL, "integrity": CYTOSCAPE_JS_INTEGRITY, "crossorigin": "anonymous", "type": None},
    {"src": "assets/preview-figure.js", "integrity": None, "crossorigin": None, "type": None},
]
OFFLINE_SCRIPTS = [
    CDN_SCRIPTS[0],
    {"src": "assets/cytoscape.min.js", "integrity": None, "crossorigin": None, "type": None},
    CDN_SCRIPTS[2],
]


def test_figure_page_draws_the_cx2_network_with_its_style(browser, site, tab):
    template = json.loads(STYLE_TEMPLATE.read_text())
    cx2 = network_of(SAMPLE_DB / "_figures" / f"{FIGIDS[0]}.md")
    nodes = aspect(cx2, "nodes")
    page = tab.open(site / page_filename(FIGIDS[0]))
    assert scripts(page) == CDN_SCRIPTS and tab.cdn_requests == 1

    drawn = page.evaluate("""() => cy.nodes().map(n => ({id: n.id(), label: n.style('label'), x: n.position('x'),
        y: n.position('y'), color: n.style('background-color'), border: n.style('border-color'),
        shape: n.style('shape'), width: n.style('width')}))""")
    by_id = {node["id"]: node for node in drawn}
    assert len(drawn) == len(nodes)
    assert sorted(node["label"] for node in drawn) == sorted(node["v"]["name"] for node in nodes)
    for node in nodes:
        assert (by_id[str(node["id"])]["x"], by_id[str(node["id"])]["y"]) == (node["x"], node["y"])

    gene = next(n for n in nodes if n["v"]["type"] == "gene")
    chemical = next(n for n in nodes if n["v"]["type"] == "chemical")
    assert css_rgb(by_id[str(gene["id"])]["color"]) == rgb(template["default"]["node"]["NODE_BACKGROUND_COLOR"])
    assert css_rgb(by_id[str(chemical["id"])]["color"]) == rgb(discrete(template, "NODE_BACKGROUND_COLOR")["chemical"])
    assert css_rgb(by_id[str(chemical["id"])]["border"]) == rgb(discrete(template, "NODE_BORDER_COLOR")["chemical"])
    assert by_id[str(chemical["id"])]["shape"] == discrete(template, "NODE_SHAPE")["chemical"]
    assert by_id[str(chemical["id"])]["width"] == f"{discrete(template, 'NODE_WIDTH')['chemical']:g}px"
    assert by_id[str(gene["id"])]["width"] == f"{template['default']['node']['NODE_WIDTH']:g}px"

    image = aspect(cx2, "networkAttributes")[0]["__NetworkImage"]
    assert page.evaluate("document.getElementById('figure-image').naturalWidth") == 4
    assert tab.requested == [image]
    assert page.is_hidden("#figure-offline") and page.is_hidden("#network-missing")
    assert tab.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "preview-figure.png")


@pytest.mark.parametrize("tampered", ["bytes", "hash"])
def test_cdn_script_other_than_the_pinned_one_is_refused(browser, site, pinned_js, tmp_path, tampered):
    """Subresource integrity is in effect: other bytes under the CDN URL, or a page asking for another hash,
    and the browser runs nothing; the page says what to do."""
    page_file = site / page_filename(FIGIDS[0])
    served = pinned_js
    if tampered == "bytes":
        served = pinned_js.replace(b"Cytoscape Consortium", b"Cytoscape C0nsortium", 1)
        assert served != pinned_js
    else:
        page_file = tmp_path / page_file.name
        text = (site / page_file.name).read_text().replace(CYTOSCAPE_JS_INTEGRITY, subresource_integrity(b"other"))
        page_file.write_text(text)
        (tmp_path / "assets").symlink_to(site / "assets")
    tampered_tab = Tab(browser, cdn=served)
    try:
        page = tampered_tab.open(page_file)
        assert tampered_tab.cdn_requests == 1
        assert page.evaluate("typeof cytoscape") == "undefined"
        page.wait_for_selector("#network-missing", state="visible")
        notice = page.text_content("#network-missing")
        assert CYTOSCAPE_JS_CDN_URL in notice and "pfocr-ndex preview --offline" in notice
        assert [e for e in tampered_tab.errors if "integrity" in e], tampered_tab.errors
    finally:
        tampered_tab.close()


@pytest.mark.parametrize("allow_origin", [True, False], ids=["cors", "no-cors"])
def test_cdn_tag_loads_across_origins_from_file_pages(browser, site, pinned_js, tmp_path, allow_origin):
    """Over real HTTP, the CDN tag works from a file:// page when the server sends Access-Control-Allow-Origin
    (jsDelivr sends `*`), and the browser blocks it otherwise: the tag asks for a CORS request, as SRI needs."""

    class Server(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/javascript")
            self.send_header("Content-Length", str(len(pinned_js)))
            if allow_origin:
                self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(pinned_js)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local_url = f"http://127.0.0.1:{server.server_port}/npm/cytoscape@{CYTOSCAPE_JS_VERSION}/dist/cytoscape.min.js"
    page_file = tmp_path / page_filename(FIGIDS[0])
    page_file.write_text((site / page_file.name).read_text().replace(CYTOSCAPE_JS_CDN_URL, local_url))
    (tmp_path / "assets").symlink_to(site / "assets")
    local = Tab(browser)
    local.page.route(local_url, lambda route: route.continue_())  # to the HTTP server, not the image route
    try:
        page = local.open(page_file)
        drawn = page.evaluate("typeof window.cy") == "object"
        assert drawn == allow_origin
        assert allow_origin or any("CORS policy" in error for error in local.errors), local.errors
    finally:
        local.close()
        server.shutdown()
        server.server_close()


def test_cdn_unreachable_page_says_use_offline(browser, site, offline_tab):
    page = offline_tab.open(site / page_filename(FIGIDS[0]))
    assert offline_tab.cdn_requests == 1
    page.wait_for_selector("#network-missing", state="visible")
    assert "--offline" in page.text_content("#network-missing")
    assert page.is_hidden("#network") and page.evaluate("typeof window.cy") == "undefined"
    assert page.is_visible("#attributes") and page.text_content("#figid") == FIGIDS[0]


def test_offline_pages_draw_without_network(browser, pinned_js, tmp_path, capsys, offline_tab):
    outdir = tmp_path / "out"
    figures = [str(SAMPLE_DB / "_figures" / f"{figid}.md") for figid in FIGIDS[:2]]
    assert main(["preview", *figures, "-o", str(outdir), "--offline"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"preview: 2 figure page(s) written, 0 failed: {outdir / 'index.html'}"
    ]
    assert (outdir / "assets" / "cytoscape.min.js").read_bytes() == pinned_js
    page = offline_tab.open(outdir / page_filename(FIGIDS[0]))
    assert scripts(page) == OFFLINE_SCRIPTS
    page.click("#next")
    page.wait_for_load_state("load")
    assert page.text_content("#figid") == FIGIDS[1]
    nodes = aspect(network_of(SAMPLE_DB / "_figures" / f"{FIGIDS[1]}.md"), "nodes")
    assert page.evaluate("cy.nodes().length") == len(nodes)
    assert offline_tab.cdn_requests == 0 and page.is_hidden("#network-missing")
    assert [e for e in offline_tab.errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def test_figure_page_attributes_and_ndex_link(browser, site, tab):
    record = read_record(SAMPLE_DB / "_figures" / f"{FIGIDS[2]}.md")
    attributes = aspect(build_network(record).cx2, "networkAttributes")[0]
    page = tab.open(site / page_filename(FIGIDS[2]))
    assert page.get_attribute("#ndex-link", "href") == f"https://www.ndexbio.org/viewer/networks/{record.ndex}"
    table = dict(
        page.evaluate("""() => [...document.querySelectorAll('#attributes tr')]
        .map(tr => [tr.querySelector('th').textContent, tr.querySelector('td').textContent])""")
    )
    assert table["name"] == attributes["name"]
    assert table["pmcId"] == attributes["pmcId"]
    assert "__Annotations" not in table
    assert page.text_content("#title") == attributes["name"]
    assert tab.errors == []


def test_figure_image_fallback_when_offline(browser, site, pinned_js):
    no_images = Tab(browser, images=False, cdn=pinned_js)
    try:
        page = no_images.open(site / page_filename(FIGIDS[1]))
        page.wait_for_selector("#figure-offline", state="visible")
        assert page.is_hidden("#figure-image")
        assert page.evaluate("cy.nodes().length") > 0  # the network does not depend on the image
    finally:
        no_images.close()


def test_prev_next_links_follow_record_order(browser, site, tab):
    expected = [read_record(p).figid for p in iter_record_paths([SAMPLE_DB / "_figures" / f"{f}.md" for f in FIGIDS])]
    page = tab.open(site / page_filename(expected[0]))
    assert page.query_selector("#previous") is None
    visited = [page.text_content("#figid")]
    for _ in range(len(expected)):
        if page.query_selector("#next") is None:
            break
        page.click("#next")
        page.wait_for_load_state("load")
        visited.append(page.text_content("#figid"))
    assert visited == expected
    page.click("#previous")
    page.wait_for_load_state("load")
    assert page.text_content("#figid") == expected[-2]
    assert tab.errors == []


def test_index_lists_figures_and_search_filters(browser, site, tab):
    networks = [network_of(SAMPLE_DB / "_figures" / f"{figid}.md") for figid in FIGIDS]
    page = tab.open(site / "index.html")
    assert page.locator("#figures tbody tr").count() == len(FIGIDS)
    first = page.evaluate("[...document.querySelectorAll('#figures tbody tr')[0].cells].map(c => c.textContent)")
    attributes = aspect(networks[0], "networkAttributes")[0]
    assert first[:4] == [
        FIGIDS[0],
        attributes["name"],
        joined(attributes["organism"]),
        str(len(aspect(networks[0], "nodes"))),
    ]

    for query in ("homo sapiens", "PMC1", "zzz-no-such-figure"):
        words = query.lower().split()
        expected = sum(
            all(
                w
                in f"{figid} {aspect(cx2, 'networkAttributes')[0]['name']} "
                f"{joined(aspect(cx2, 'networkAttributes')[0].get('organism', ''))}".lower()
                for w in words
            )
            for figid, cx2 in zip(FIGIDS, networks, strict=True)
        )
        page.fill("#search", query)
        assert page.locator("#figures tbody tr").count() == expected, query
    page.fill("#search", "")
    ndex_links = page.eval_on_selector_all("#figures tbody a[href^='https://www.ndexbio.org/']", "as => as.length")
    assert ndex_links == sum(read_record(SAMPLE_DB / "_figures" / f"{f}.md").ndex is not None for f in FIGIDS)
    page.click("#figures tbody tr:nth-child(3) td:first-child a")
    page.wait_for_load_state("load")
    assert page.text_content("#figid") == FIGIDS[2]
    assert tab.errors == []


MARKUP_FIGID = 'PMC9__<img src=x onerror="window.__pwned = 3">'


@pytest.mark.parametrize("offline", [False, True], ids=["cdn", "offline"])
def test_record_text_with_markup_renders_as_text(browser, sample_db, tmp_path, tab, offline):
    record = sample_db / "_figures" / f"{FIGIDS[1]}.md"
    text = record.read_text()
    quoted = "'" + MARKUP.replace("'", "''") + "'"
    text = re.sub(r"^figtitle: .*?(?=^organisms:)", f"figtitle: {quoted}\n", text, count=1, flags=re.S | re.M)
    text = re.sub(r"^caption: .*?(?=^papertitle:)", f"caption: {quoted}\n", text, count=1, flags=re.S | re.M)
    record.write_text(text)
    assert read_record(record).fields["caption"] == MARKUP
    # A figid full of markup (the record's file name follows it).
    marked = sample_db / "_figures" / f"{MARKUP_FIGID}.md"
    source = (sample_db / "_figures" / f"{FIGIDS[2]}.md").read_text()
    marked.write_text(re.sub(r"^figid: .*$", f"figid: '{MARKUP_FIGID}'", source, count=1, flags=re.M))
    assert read_record(marked).figid == MARKUP_FIGID

    outdir = tmp_path / "out"
    result = write_preview([record, marked], outdir, offline=offline)
    assert (result.pages, result.failed) == (2, 0)
    page_scripts = OFFLINE_SCRIPTS if offline else CDN_SCRIPTS
    page = tab.open(outdir / page_filename(FIGIDS[1]))
    assert page.evaluate("window.__pwned") is None
    assert scripts(page) == page_scripts
    assert page.text_content("#title") == MARKUP
    description = page.text_content("#attributes td.html")
    assert "<script>window.__pwned = 1</script>" in description and '"double"' in description
    assert page.evaluate("document.querySelectorAll('#attributes script, #attributes img').length") == 0
    page.click("#next")
    page.wait_for_load_state("load")
    assert page.text_content("#figid") == MARKUP_FIGID and page.get_attribute("#figure-image", "alt") == (
        f"figure {MARKUP_FIGID}"
    )
    assert page.evaluate("window.__pwned") is None
    assert scripts(page) == page_scripts and page.evaluate("typeof cy.nodes") == "function"
    page = tab.open(outdir / "index.html")
    assert page.evaluate("window.__pwned") is None
    assert [s["src"] for s in scripts(page)] == [None, "assets/preview-index.js"]
    assert page.text_content("#figures tbody td:nth-child(2)") == MARKUP
    marked_link = page.locator("#figures tbody tr:nth-child(2) td:first-child a")
    assert marked_link.text_content() == MARKUP_FIGID
    assert marked_link.get_attribute("href") == page_filename(MARKUP_FIGID)
    assert tab.errors == []


def test_offline_without_cytoscape_js_says_what_to_do(tmp_path, monkeypatch, capsys):
    """A pip install (no node_modules): --offline is one line saying where to get cytoscape.js; the default
    writes pages that load the pinned cytoscape.js from the CDN, with no warning."""
    monkeypatch.setattr(preview, "_REPOSITORY", tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(preview.CYTOSCAPE_JS_ENV, raising=False)
    figures = [str(SAMPLE_DB / "_figures" / f"{figid}.md") for figid in FIGIDS[:2]]
    outdir = tmp_path / "out"
    assert main(["preview", *figures, "-o", str(outdir), "--offline"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "pfocr-ndex: preview --offline: cytoscape.js not found: pass --cytoscape-js FILE (cytoscape.min.js "
        f"{CYTOSCAPE_JS_VERSION}, from {CYTOSCAPE_JS_CDN_URL}), set $PFOCR_NDEX_CYTOSCAPE_JS, or run `npm ci` "
        "in a pfocr-ndex checkout"
    ]
    assert not outdir.exists()

    assert main(["preview", *figures, "-o", str(outdir)]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"preview: 2 figure page(s) written, 0 failed: {outdir / 'index.html'}"
    ]
    assert sorted(p.name for p in (outdir / "assets").iterdir()) == [
        "preview-figure.js",
        "preview-index.js",
        "preview.css",
    ]
    tag = f'<script src="{CYTOSCAPE_JS_CDN_URL}" integrity="{CYTOSCAPE_JS_INTEGRITY}" crossorigin="anonymous"></script>'
    assert (outdir / page_filename(FIGIDS[0])).read_text().count(tag) == 1


def test_offline_sources(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(preview, "_REPOSITORY", tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(preview.CYTOSCAPE_JS_ENV, raising=False)
    figure = str(SAMPLE_DB / "_figures" / f"{FIGIDS[0]}.md")

    def written(outdir: Path) -> bytes | None:
        page = (outdir / page_filename(FIGIDS[0])).read_text()
        copied = outdir / "assets" / "cytoscape.min.js"
        if copied.exists():
            assert '<script src="assets/cytoscape.min.js"></script>' in page and "integrity=" not in page
            return copied.read_bytes()
        assert f'src="{CYTOSCAPE_JS_CDN_URL}"' in page
        return None

    given = tmp_path / "given.js"
    given.write_bytes(b"// --cytoscape-js")
    assert main(["preview", figure, "-o", str(tmp_path / "a"), "--cytoscape-js", str(given)]) == 0
    assert written(tmp_path / "a") == given.read_bytes()  # --cytoscape-js implies --offline

    from_env = tmp_path / "env.js"
    from_env.write_bytes(b"// $PFOCR_NDEX_CYTOSCAPE_JS")
    monkeypatch.setenv(preview.CYTOSCAPE_JS_ENV, str(from_env))
    assert main(["preview", figure, "-o", str(tmp_path / "b")]) == 0
    assert written(tmp_path / "b") is None  # the variable says where to find it, not to copy it
    assert main(["preview", figure, "-o", str(tmp_path / "c"), "--offline"]) == 0
    assert written(tmp_path / "c") == from_env.read_bytes()

    monkeypatch.delenv(preview.CYTOSCAPE_JS_ENV)
    installed = tmp_path / "node_modules" / "cytoscape" / "dist" / "cytoscape.min.js"
    installed.parent.mkdir(parents=True)
    installed.write_bytes(b"// npm ci")
    assert main(["preview", figure, "-o", str(tmp_path / "d"), "--offline"]) == 0
    assert written(tmp_path / "d") == installed.read_bytes()
    assert capsys.readouterr().err.count("0 failed") == 4


def test_unreadable_cytoscape_js_is_one_line_nothing_written(tmp_path, capsys):
    unreadable = Path("/proc/self/mem")  # a file whose read fails (EIO) whoever runs the test
    if not unreadable.is_file():
        pytest.skip("needs Linux's /proc/self/mem")
    outdir = tmp_path / "out"
    figure = str(SAMPLE_DB / "_figures" / f"{FIGIDS[0]}.md")
    assert main(["preview", figure, "-o", str(outdir), "--cytoscape-js", str(unreadable)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"pfocr-ndex: {unreadable}: cannot read cytoscape.js: Input/output error"
    ]
    assert not outdir.exists()


def test_cli_bad_records_one_line_each_others_written(sample_db, tmp_path, capsys):
    figures = sample_db / "_figures"
    (figures / "PMC1__no-front-matter.md").write_text("hello\n")
    (figures / "PMC2__broken-yaml.md").write_text("---\nfigid: [unclosed\n---\n")
    good = len(list(iter_record_paths([figures]))) - 2
    outdir = tmp_path / "out"
    missing = tmp_path / "no-such-folder"
    assert main(["preview", str(missing), str(figures), "-o", str(outdir)]) == 1
    lines = capsys.readouterr().err.splitlines()
    problems = [
        line
        for line in lines
        if "PMC1__no-front-matter.md" in line or "PMC2__broken-yaml.md" in line or str(missing) in line
    ]
    assert len(problems) == 3 and all(line.startswith("pfocr-ndex: ") for line in problems)
    assert lines[-1] == f"preview: {good} figure page(s) written, 3 failed: {outdir / 'index.html'}"
    assert len(lines) == 4
    pages = sorted(p.name for p in outdir.glob("*.html") if p.name != "index.html")
    assert len(pages) == good and not any(name.startswith(("PMC1__", "PMC2__")) for name in pages)
    assert not list(outdir.rglob("*.tmp"))
    files = index_files(outdir)
    assert sorted(files) == pages
    # The previous/next chain skips the bad records.
    for before, after in itertools.pairwise(files):
        assert f'href="{after}"' in (outdir / before).read_text()


def index_files(outdir: Path) -> list[str]:
    """The page files the index lists, in order."""
    data = re.search(r'id="figure-data"[^>]*>(.*?)</script>', (outdir / "index.html").read_text(), re.S)
    assert data is not None
    return [row[5] if len(row) > 5 else f"{row[0]}.html" for row in json.loads(data.group(1))]


LONG_FIGID = "PMC10003241__" + "x" * 227  # 240 characters


@pytest.mark.parametrize(
    ("year", "figid"),
    [
        pytest.param("'²'", FIGIDS[0], id="superscript-year"),
        pytest.param("'99999999999999999999'", FIGIDS[0], id="20-digit-year"),
        pytest.param("99999999999999999999", FIGIDS[0], id="20-digit-year-unquoted"),
        pytest.param("'2023'", LONG_FIGID, id="240-character-figid"),
    ],
)
def test_one_odd_record_does_not_stop_the_preview(sample_db, tmp_path, capsys, year, figid):
    """Its page is written, or it fails with one line naming its file; every other page and the index are written."""
    figures = sample_db / "_figures"
    original = figures / f"{FIGIDS[0]}.md"
    text = original.read_text().replace("year: '2023'", f"year: {year}", 1).replace(FIGIDS[0], figid, 1)
    original.unlink()
    odd = figures / f"{figid}.md"
    odd.write_text(text)
    others = [read_record(p).figid for p in iter_record_paths([figures]) if p != odd]
    outdir = tmp_path / "out"

    code = main(["preview", str(figures), "-o", str(outdir)])
    lines = capsys.readouterr().err.splitlines()
    listed = index_files(outdir)
    assert {page_filename(f) for f in others} <= set(listed)
    assert all((outdir / page_filename(f)).is_file() for f in others)
    if code == 1:
        assert len(lines) == 2 and lines[0].startswith(f"pfocr-ndex: {odd}: ")
        assert lines[1] == f"preview: {len(others)} figure page(s) written, 1 failed: {outdir / 'index.html'}"
        assert len(listed) == len(others) and not (outdir / page_filename(figid)).exists()
    else:
        assert code == 0
        assert lines == [f"preview: {len(others) + 1} figure page(s) written, 0 failed: {outdir / 'index.html'}"]
        assert (
            page_filename(figid) in listed
            and f'<code id="figid">{figid}</code>' in (outdir / page_filename(figid)).read_text()
        )
    assert not list(outdir.rglob("*.tmp"))


def test_page_that_cannot_be_written_fails_alone(tmp_path, capsys):
    figures = [SAMPLE_DB / "_figures" / f"{figid}.md" for figid in FIGIDS[:3]]
    files = [page_filename(figid) for figid in FIGIDS[:3]]
    outdir = tmp_path / "out"
    blocked = outdir / files[1]
    blocked.mkdir(parents=True)  # a folder where the page goes

    assert main(["preview", *map(str, figures), "-o", str(outdir)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"pfocr-ndex: {figures[1]}: cannot write {blocked}: Is a directory",
        f"preview: 2 figure page(s) written, 1 failed: {outdir / 'index.html'}",
    ]
    assert index_files(outdir) == [files[0], files[2]]
    # The pages around it link to each other.
    first, last = (outdir / files[0]).read_text(), (outdir / files[2]).read_text()
    assert f'id="next" rel="next" href="{files[2]}"' in first and files[1] not in first
    assert f'id="previous" rel="prev" href="{files[0]}"' in last and files[1] not in last
    assert blocked.is_dir() and not any(blocked.iterdir()) and not list(outdir.rglob("*.tmp"))


def test_output_folder_that_is_a_file_is_one_line(tmp_path, capsys):
    figure = str(SAMPLE_DB / "_figures" / f"{FIGIDS[0]}.md")
    target = tmp_path / "preview.html"
    target.write_text("mine")
    assert main(["preview", figure, "-o", str(target)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"pfocr-ndex: {target}: not a folder (the preview is written into a folder)"
    ]
    assert main(["preview", figure, "-o", str(target / "sub")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"pfocr-ndex: {target / 'sub' / 'assets'}: cannot create the preview folder: Not a directory"
    ]
    assert target.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["preview.html"]


def test_cli_usage_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["preview", str(SAMPLE_DB / "_figures")])
    assert exit_info.value.code == 2
    capsys.readouterr()
    assert (
        main(["preview", str(SAMPLE_DB / "_figures"), "-o", str(tmp_path), "--cytoscape-js", str(tmp_path / "nope.js")])
        == 1
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"pfocr-ndex: {tmp_path / 'nope.js'}: cytoscape.js not found (pass the path of cytoscape.min.js)"]


def test_style_option_changes_the_colours(tmp_path):
    template = json.loads(STYLE_TEMPLATE.read_text())
    template["default"]["node"]["NODE_BACKGROUND_COLOR"] = "#ABCDEF"
    del template["nodeMapping"]["NODE_BACKGROUND_COLOR"]
    style_file = tmp_path / "style.json"
    style_file.write_text(json.dumps(template))
    outdir = tmp_path / "out"
    assert (
        main(
            ["preview", str(SAMPLE_DB / "_figures" / f"{FIGIDS[0]}.md"), "-o", str(outdir), "--style", str(style_file)]
        )
        == 0
    )
    data = re.search(r'id="network-data">(.*?)</script>', (outdir / page_filename(FIGIDS[0])).read_text(), re.S)
    assert data is not None and "</" not in data.group(1)
    view = json.loads(data.group(1))
    assert rule(view["style"], "node")["background-color"] == "#ABCDEF"
    assert not any(r["selector"].startswith("node[type") and "background-color" in r["style"] for r in view["style"])


# --- after a plain `pip install .` ---------------------------------------------------------


@pytest.fixture(scope="module")
def plain_install(tmp_path_factory) -> dict[str, str]:
    """`pip install .` of this checkout into a folder of its own (no node_modules next to it, no editable links):
    the environment that runs it."""
    root = tmp_path_factory.mktemp("plain-install")
    source, target = root / "source", root / "site"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for folder in ("pfocr_ndex", "templates"):
        shutil.copytree(REPO / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(source)]
    installed = subprocess.run(pip, capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr
    env = {key: value for key, value in os.environ.items() if key != preview.CYTOSCAPE_JS_ENV}
    env.update(PYTHONPATH=str(target), PATH=f"{target / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    where = subprocess.run(
        [sys.executable, "-c", "import pfocr_ndex.preview as p; print(p.__file__)"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(target)), where  # the installed copy runs, not this checkout
    return env


def test_plain_install_preview_draws_the_network(plain_install, browser, tmp_path, tab):
    figures = [str(SAMPLE_DB / "_figures" / f"{figid}.md") for figid in FIGIDS[:2]]
    command = ["pfocr-ndex", "preview", *figures, "-o", "out"]
    run = subprocess.run(command, env=plain_install, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stderr) == (0, "preview: 2 figure page(s) written, 0 failed: out/index.html\n")
    page = tab.open(tmp_path / "out" / page_filename(FIGIDS[0]))
    nodes = aspect(network_of(SAMPLE_DB / "_figures" / f"{FIGIDS[0]}.md"), "nodes")
    assert scripts(page) == CDN_SCRIPTS and page.evaluate("cy.nodes().length") == len(nodes)
    assert tab.cdn_requests == 1 and tab.errors == []

    run = subprocess.run([*command, "--offline"], env=plain_install, cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 1 and len(run.stderr.splitlines()) == 1
    assert "--cytoscape-js FILE" in run.stderr and "npm ci" in run.stderr and "Traceback" not in run.stderr


def test_plain_install_suite_skips_cleanly_without_npm_ci(plain_install, tmp_path):
    """These tests, run against the installed package in a checkout where `npm ci` has not run: no failures,
    and each skipped test says why."""
    checkout = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("tests", "templates"):
        shutil.copytree(REPO / folder, checkout / folder, ignore=ignore)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(REPO / name, checkout / name)
    pytest_args = ["-q", "-rs", "-p", "no:cacheprovider", f"--basetemp={tmp_path / 'tmp'}", "-k", "not plain_install"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *pytest_args, "tests/test_preview.py"],
        env=plain_install,
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:]
    summary = run.stdout.splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and re.search(r"\d+ skipped", summary), summary
    assert not re.search(r"\d+ (failed|errors?)\b", summary), summary
    skipped = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped and all("run `npm ci`" in line or "Chromium" in line for line in skipped), skipped


def test_translated_style_in_cytoscape_js(browser, tmp_path, tab):
    """The hand-made CX2 (aliases, defaults, CONTINUOUS, quotes, bypasses, edges) drawn by the real cytoscape.js."""
    view = json.dumps(cytoscape_view(HAND_MADE)).replace("<", "\\u003c")
    harness = tmp_path / "harness.html"
    harness.write_text(f"""<!DOCTYPE html><div id="cy" style="width:600px;height:400px"></div>
        <script src="{NODE_MODULES_CYTOSCAPE.as_uri()}"></script>
        <script>const view = {view};
        window.cy = cytoscape({{container: document.getElementById('cy'), elements: view.elements,
                                style: view.style, layout: view.layout}});</script>""")
    page = tab.open(harness)
    nodes = page.evaluate("""() => Object.fromEntries(cy.nodes().map(n => [n.id(), {
        width: n.numericStyle('width'), color: n.style('background-color'), border: n.style('border-color'),
        borderWidth: n.numericStyle('border-width'), label: n.style('label'), shape: n.style('shape'),
        x: n.position('x'), y: n.position('y')}]))""")
    edge = page.evaluate("""() => { const e = cy.edges()[0];
        return {width: e.numericStyle('width'), color: e.style('line-color'),
                arrow: e.style('target-arrow-shape')}; }""")
    scores = {0: 0.2, 1: 7}
    band: Any = HAND_MADE[5]["visualProperties"][0]["nodeMapping"]["NODE_WIDTH"]["definition"]["map"][1]  # type: ignore[index]
    expected_width_1 = band["minVPValue"] + (scores[1] - band["min"]) / (band["max"] - band["min"]) * (
        band["maxVPValue"] - band["minVPValue"]
    )
    assert nodes["0"]["width"] == 20 and nodes["1"]["width"] == pytest.approx(expected_width_1)
    assert nodes["7"]["width"] == 60  # no score: the default NODE_WIDTH
    assert css_rgb(nodes["0"]["color"]) == rgb("#FFFFCC")  # default type "gene": the default colour
    assert css_rgb(nodes["1"]["color"]) == rgb("#D9F0D3")  # DISCRETE chemical
    assert css_rgb(nodes["7"]["color"]) == rgb("#123456")  # DISCRETE value with quotes
    assert css_rgb(nodes["1"]["border"]) == rgb("#0000FF") and nodes["1"]["borderWidth"] == 5  # bypass
    assert [nodes[i]["label"] for i in "017"] == ["TP53", "aspirin", 'Say "hi"']
    assert nodes["0"]["shape"] == "rhomboid"
    assert (nodes["1"]["x"], nodes["1"]["y"], nodes["7"]["x"]) == (260, 80.5, -40)
    assert edge["width"] == 0.5 and css_rgb(edge["color"]) == rgb("#FF0000") and edge["arrow"] == "triangle"
    assert tab.errors == []
