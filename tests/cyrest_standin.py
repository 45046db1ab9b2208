"""A CyREST stand-in: the slice of Cytoscape Desktop's REST API that ``pfocr-ndex open`` uses.

Served over real HTTP on 127.0.0.1 (port 0) so that the real py4cytoscape talks to it. Replies, status codes
and error envelopes follow cyREST / CyNDEx-2 (shared/docs/cytoscape.md §3–4). Every request is recorded with
its decoded path, query and JSON body (``calls``) for the tests to assert on.

Knobs: ``fail_cx2_titles`` (CX2 import answers 500 with the envelope), ``ndex_networks`` (UUID → attributes
known to the NDEx import), ``apply_view_not_ready`` (that many style applies fail with cyREST#106's
"No network views selected"), ``hang_paths`` (requests whose path starts with one of them wait for
``release`` — at most ``HANG_LIMIT`` seconds — before answering).
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid as uuidlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

IMAGE_ANNOTATION = "org.cytoscape.view.presentation.annotations.ImageAnnotation"
CYTOSCAPE_VERSION = "3.10.3"
HANG_LIMIT = 20.0
BUILT_IN_STYLES = ["default", "Marquee", "Sample1", "default black"]
LOG_LINK = "file:/root/CytoscapeConfiguration/3/framework-cytoscape.log"


@dataclass
class Call:
    method: str
    path: str  # decoded, e.g. /v1/commands/view/fit content
    query: dict[str, str]
    body: object  # parsed JSON, raw text when not JSON, None when empty


@dataclass
class Network:
    suid: int
    view_suid: int
    name: str
    collection: str | None
    attributes: dict
    nodes: list[dict]
    style: str = "default"
    annotations: list[dict] = field(default_factory=list)


def _envelope(status: int, message: str, urn: str) -> dict:
    return {"data": {}, "errors": [{"status": status, "type": urn, "message": message, "link": LOG_LINK}]}


def _parse_annotation(text: str) -> dict:
    """One ``__Annotations`` string as Cytoscape's CyAnnotator reads it (pairs that do not split in 2 dropped)."""
    pairs = (part.split("=") for part in text.split("|"))
    return {pair[0]: pair[1] for pair in pairs if len(pair) == 2}


class CyRestStandIn:
    """Start with ``with CyRestStandIn() as cy:``; ``cy.base_url`` is the CyREST root to give py4cytoscape."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.networks: dict[int, Network] = {}
        self.styles: dict[str, dict] = {
            name: {"title": name, "defaults": [], "mappings": []} for name in BUILT_IN_STYLES
        }
        self.fail_cx2_titles: set[str] = set()
        self.ndex_networks: dict[str, dict] = {}
        self.apply_view_not_ready = 0
        self.hang_paths: tuple[str, ...] = ()
        self.release = threading.Event()
        self._suids = itertools.count(100)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="cyrest-standin", daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> CyRestStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def calls_to(self, method: str, path: str) -> list[Call]:
        """The recorded calls with this method and exact decoded path."""
        return [c for c in self.calls if c.method == method and c.path == path]

    def network_named(self, name: str) -> Network:
        return next(n for n in self.networks.values() if n.name == name)

    # --- behaviour ---

    def _new_network(
        self, name: str, collection: str | None, attributes: dict, nodes: list[dict], own_style: bool
    ) -> Network:
        suid = next(self._suids)
        network = Network(suid, next(self._suids), name, collection, attributes, nodes)
        # Cytoscape draws the image annotations kept in the __Annotations network attribute.
        for text in attributes.get("__Annotations") or []:
            annotation = _parse_annotation(text)
            if annotation.get("type") == IMAGE_ANNOTATION:
                network.annotations.append(annotation)
        self.networks[suid] = network
        if not own_style:
            return network
        # Like the importers given a style: one named after the network ("-1" on a clash) is made and assigned.
        style = name
        for n in itertools.count(1):
            if style not in self.styles:
                break
            style = f"{name}-{n}"
        self.styles[style] = {"title": style, "defaults": [], "mappings": []}
        network.style = style
        return network

    def import_cx2(self, query: dict, body: object) -> tuple[int, object]:
        if not (isinstance(body, list) and body and isinstance(body[0], dict) and "CXVersion" in body[0]):
            return 412, _envelope(
                412,
                "Could not parse the given network JSON: expected to CX version object in the first element",
                "urn:cytoscape:ci:cyrest-core:v1:networks:errors:3",
            )
        aspects = {key: value for element in body[1:] if isinstance(element, dict) for key, value in element.items()}
        attributes = (aspects.get("networkAttributes") or [{}])[0]
        title = query.get("title") or attributes.get("name") or "Network"
        if title in self.fail_cx2_titles:
            return 500, _envelope(
                500, f"Could not create network from CX2: {title}", "urn:cytoscape:ci:cyrest-core:v1:networks:errors:1"
            )
        own_style = any(aspects.get(k) for k in ("visualProperties", "nodeBypasses", "edgeBypasses"))
        network = self._new_network(title, query.get("collection"), attributes, aspects.get("nodes") or [], own_style)
        return 200, {"networkSUID": network.suid}

    def import_ndex(self, body: dict) -> tuple[int, object]:
        known = self.ndex_networks.get(body.get("uuid", ""))
        if known is None or not str(body.get("serverUrl", "")).endswith("/v2"):
            return 500, _envelope(500, "Failed to load network from NDEx.", "urn:cytoscape:ci:ndex:v1:errors:1")
        network = self._new_network(known["name"], None, known, known.get("nodes", []), own_style=True)
        return 200, {"data": {"suid": network.suid, "uuid": body["uuid"]}, "errors": []}

    def _view(self, body: object) -> Network | None:
        view = str((body or {}).get("view", "")) if isinstance(body, dict) else ""
        return next((n for n in self.networks.values() if f"SUID:{n.view_suid}" == view), None)

    def command(self, name: str, body: object) -> tuple[int, object]:
        def ok(data: object) -> tuple[int, object]:
            return 200, {"data": data, "errors": []}

        if name == "session/new":
            self.networks.clear()
            return ok({})
        network = self._view(body)
        if name in ("view/fit content", "annotation/list", "annotation/add image") and network is None:
            return 500, _envelope(
                500,
                "Error parsing view: no view matching " + str((body or {}).get("view")),
                "urn:cytoscape:ci:command-core:v1:errors:1",
            )
        if name == "view/fit content":
            return ok({})
        if name == "annotation/list":
            return ok(network.annotations)
        if name == "annotation/add image":
            annotation = {
                "type": IMAGE_ANNOTATION,
                "uuid": str(uuidlib.uuid4()),
                "URL": body.get("url"),
                "name": body.get("newName"),
                "canvas": body.get("canvas", "foreground"),
                "x": body.get("x"),
                "y": body.get("y"),
                "z": "0",
                "opacity": "100.0",
            }
            network.annotations.append(annotation)
            return ok(annotation)
        namespace = name.split("/", maxsplit=1)[0]
        return 500, _envelope(
            500, f"Failed to find command namespace: {namespace}", "urn:cytoscape:ci:command-core:v1:errors:1"
        )

    def handle(self, method: str, path: str, query: dict, body: object) -> tuple[int, object]:
        """Route one request; return (status, JSON reply or None for an empty body)."""
        not_found = (404, _envelope(404, f"Not found: {path}", "urn:cytoscape:ci:cyrest-core:v1:errors:404"))
        parts = [p for p in path.split("/") if p]
        if parts[:2] == ["cyndex2", "v1"]:
            return self.import_ndex(body) if method == "POST" and parts[2:] == ["networks"] else not_found
        if parts[:1] != ["v1"]:
            return not_found
        parts = parts[1:]
        if method == "GET" and not parts:
            return 200, {
                "allAppsStarted": True,
                "apiVersion": "v1",
                "numberOfCores": 2,
                "memoryStatus": {"usedMemory": 300, "freeMemory": 700, "totalMemory": 1000, "maxMemory": 4000},
            }
        if method == "GET" and parts == ["version"]:
            return 200, {"apiVersion": "v1", "cytoscapeVersion": CYTOSCAPE_VERSION}
        if parts == ["networks"]:
            if method == "POST" and query.get("format") == "cx2":
                return self.import_cx2(query, body)
            if method == "GET":
                return 200, sorted(self.networks)
        if len(parts) >= 2 and parts[0] == "networks":
            network = self.networks.get(int(parts[1])) if parts[1].isdigit() else None
            if network is None:
                return 404, _envelope(
                    404, f"Network does not exist: {parts[1]}", "urn:cytoscape:ci:cyrest-core:v1:networks:errors:1"
                )
            if method == "GET" and parts[2:] == ["views"]:
                return 200, [network.view_suid]
            if method == "GET" and parts[2:] == ["tables", "defaultnetwork", "rows"]:
                row = {"SUID": network.suid, "shared_name": network.name, "name": network.name, "selected": False}
                row.update({k: v for k, v in network.attributes.items() if k != "name"})
                return 200, [row]
        if method == "GET" and parts == ["apply", "styles"]:
            return 200, list(self.styles)
        if method == "GET" and len(parts) == 4 and parts[:2] == ["apply", "styles"]:
            name, suid = parts[2], parts[3]
            network = self.networks.get(int(suid)) if suid.isdigit() else None
            if name not in self.styles or network is None:
                return 404, _envelope(
                    404,
                    f"Visual Style or Network does not exist: {name} {suid}",
                    "urn:cytoscape:ci:cyrest-core:v1:apply:errors:1",
                )
            if self.apply_view_not_ready > 0:
                self.apply_view_not_ready -= 1
                return 500, _envelope(
                    500, "No network views selected", "urn:cytoscape:ci:cyrest-core:v1:apply:errors:2"
                )
            network.style = name
            return 200, {"message": "Visual Style applied."}
        if method == "POST" and parts == ["styles"] and isinstance(body, dict):
            title = str(body.get("title") or "Style")
            for n in itertools.count(1):  # Cytoscape renames a duplicate title instead of refusing it
                if title not in self.styles:
                    break
                title = f"{body.get('title')}_{n}"
            self.styles[title] = dict(body, title=title)
            return 201, {"title": title}
        if method == "DELETE" and len(parts) == 2 and parts[0] == "styles":
            if parts[1] not in self.styles:
                return 404, _envelope(
                    404, f"Visual Style does not exist: {parts[1]}", "urn:cytoscape:ci:cyrest-core:v1:styles:errors:1"
                )
            del self.styles[parts[1]]
            return 204, None
        if method == "PUT" and len(parts) == 3 and parts[0] == "styles" and parts[2] == "dependencies":
            if parts[1] not in self.styles:
                return 404, _envelope(
                    404, f"Visual Style does not exist: {parts[1]}", "urn:cytoscape:ci:cyrest-core:v1:styles:errors:1"
                )
            self.styles[parts[1]]["dependencies"] = body
            return 204, None
        if method == "POST" and parts[:1] == ["commands"] and len(parts) >= 3:
            return self.command("/".join(parts[1:]), body)
        return not_found


def _handler_for(standin: CyRestStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Grizzly/2.4.4"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def _serve(self, method: str) -> None:
            split = urlsplit(self.path)
            path = unquote(split.path)
            query = {k: v[-1] for k, v in parse_qs(split.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8") if length else ""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            with standin._lock:
                standin.calls.append(Call(method, path, query, body))
            if any(path.startswith(prefix) for prefix in standin.hang_paths):
                standin.release.wait(HANG_LIMIT)
            with standin._lock:
                status, reply = standin.handle(method, path, query, body)
            data = b"" if reply is None else json.dumps(reply).encode()
            self.send_response(status)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

    return Handler
