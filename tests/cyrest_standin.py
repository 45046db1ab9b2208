"""A CyREST stand-in: the slice of Cytoscape Desktop 3.10's REST API that ``pfocr-ndex open`` uses.

Served over real HTTP on 127.0.0.1 (port 0) so that the real py4cytoscape talks to it. Each behaviour follows
the source named beside it (cytoscape/cyREST, cytoscape/cx, cytoscape/cy-ndex-2, cytoscape/cytoscape-impl,
cytoscape/cytoscape-api); ``docs/cytoscape-conformance.md`` lists them with the tests that pin them.

What it records for tests: ``calls`` (every request, decoded), ``dropped`` (what ``POST /v1/styles`` lost without
an error: unknown visual-property names, values that parsed to nothing, discrete pairs skipped), ``fits`` (each
``view fit content``: the view and how many annotations it had then), and the model: ``networks``, ``roots``
(collections), ``styles``.

Knobs: ``fail_cx2_titles`` (the CX2 reader fails on these network names: 412), ``ndex_networks`` (UUID →
network NDEx serves), ``view_delay`` (seconds before an imported network's view exists), ``image_sizes``
(URL → pixel size of an image Cytoscape could load), and hostile ones: ``hang_paths`` (requests whose path
starts so wait for ``release``), ``drip_paths`` (the whole reply one byte per ``drip_interval``),
``endless_paths`` (a 200 whose body never ends), ``replies`` ((method, path) → (status, JSON) instead of the
real answer).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import threading
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cytoscape_values import JavaException, java_boolean, java_double, java_int, parse_value

from pfocr_ndex.style.lexicon import lookup

IMAGE_ANNOTATION = "org.cytoscape.view.presentation.annotations.ImageAnnotation"
CYTOSCAPE_VERSION = "3.10.3"
HANG_LIMIT = 20.0
# Styles a fresh Cytoscape 3.10 session has (the first is the default style, which cannot be removed).
BUILT_IN_STYLES = ["default", "Marquee", "Sample1", "default black"]
LOG_LINK = "file:/root/CytoscapeConfiguration/3/framework-cytoscape.log"
VIEW_THRESHOLD = 200000  # cyREST NetworkResource.addNetwork: no view for networks this large
# ding's dependency factories: NodeSizeDependencyFactory enables nodeSizeLocked, EdgeColorDependencyFactory
# leaves arrowColorMatchesEdge off, CustomGraphicsSizeDependencyFactory enables nodeCustomGraphicsSizeSync.
NEW_STYLE_DEPENDENCIES = {"nodeSizeLocked": True, "arrowColorMatchesEdge": False, "nodeCustomGraphicsSizeSync": True}


@dataclass
class Call:
    method: str
    path: str  # decoded, e.g. /v1/commands/view/fit content
    query: dict[str, str]
    body: object  # parsed JSON, raw text when not JSON, None when empty


@dataclass
class Style:
    title: str
    defaults: dict[str, object] = field(default_factory=dict)  # Desktop id → parsed value
    mappings: dict[str, dict] = field(default_factory=dict)  # Desktop id → mapping as parsed
    dependencies: dict[str, bool] = field(default_factory=lambda: dict(NEW_STYLE_DEPENDENCIES))


@dataclass
class Network:
    suid: int
    root: int
    name: str
    attributes: dict
    nodes: list[dict]
    edges: list[dict]
    view_suid: int | None = None
    view_at: float = 0.0  # monotonic time the view appears (view_delay)
    style: str = "default"
    annotations: list[dict] = field(default_factory=list)
    node_suids: dict[int, int] = field(default_factory=dict)  # CX2 node id → SUID

    def has_view(self) -> bool:
        return self.view_suid is not None and time.monotonic() >= self.view_at


class Refused(Exception):
    """A reply other than 2xx: status and the JSON (or None for an empty body)."""

    def __init__(self, status: int, body: object) -> None:
        super().__init__(status)
        self.status, self.body = status, body


def envelope(status: int, urn: str, message: str) -> dict:
    """cyREST's CI error body (CIExceptionFactoryImpl.getCIException, AbstractResource.getCIWebApplicationException)."""
    return {"data": {}, "errors": [{"status": status, "type": urn, "message": message, "link": LOG_LINK}]}


def refuse(status: int, resource: str, code: int, message: str) -> Refused:
    return Refused(status, envelope(status, f"urn:cytoscape:ci:cyrest-core:v1:{resource}:errors:{code}", message))


def uncaught(message: str) -> Refused:
    """CyExceptionMapper.toResponse for an exception that is not a WebApplicationException."""
    return Refused(
        500,
        envelope(
            500,
            "urn:cytoscape:ci:cyrest-core:v1:error-handling:errors:0",
            f"Uncaught exception while processing resource [grizzly-http-server-0]: {message}",
        ),
    )


def parse_annotation(text: str) -> dict:
    """One ``__Annotations`` string as ding's CyAnnotator reads it (pairs that do not split in 2 dropped)."""
    pairs = (part.split("=") for part in text.split("|"))
    return {pair[0]: pair[1] for pair in pairs if len(pair) == 2}


def java_text(node: object) -> str | None:
    """Jackson ``JsonNode.textValue()``: the string of a JSON string, ``null`` for anything else."""
    return node if isinstance(node, str) else None


def as_text(node: object) -> str:
    """Jackson ``JsonNode.asText()``: strings as they are, numbers and booleans as JSON, null "null", containers ""."""
    if isinstance(node, str):
        return node
    if isinstance(node, (dict, list)):
        return ""
    return json.dumps(node)


class CyRestStandIn:
    """Start with ``with CyRestStandIn() as cy:``; ``cy.base_url`` is the CyREST root to give py4cytoscape."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.dropped: list[str] = []
        self.fits: list[tuple[int, int]] = []
        self.networks: dict[int, Network] = {}
        self.roots: dict[int, str | None] = {}
        self.styles: dict[str, Style] = {name: Style(name) for name in BUILT_IN_STYLES}
        self.fail_cx2_titles: set[str] = set()
        self.ndex_networks: dict[str, dict] = {}
        self.view_delay = 0.0
        self.image_sizes: dict[str, tuple[float, float]] = {}
        self.hang_paths: tuple[str, ...] = ()
        self.drip_paths: tuple[str, ...] = ()
        self.drip_interval = 1.0
        self.endless_paths: tuple[str, ...] = ()
        self.replies: dict[tuple[str, str], tuple[int, object]] = {}
        self.release = threading.Event()
        self.connections: set[socket.socket] = set()
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
        """Stop as a quitting Cytoscape does: the listening socket and every open connection close."""
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)

    def calls_to(self, method: str, path: str) -> list[Call]:
        """The recorded calls with this method and exact decoded path."""
        return [c for c in self.calls if c.method == method and c.path == path]

    def network_named(self, name: str) -> Network:
        return next(n for n in self.networks.values() if n.name == name)

    def network_of_view(self, view: int) -> Network | None:
        return next((n for n in self.networks.values() if n.view_suid == view and n.has_view()), None)

    # --- networks ------------------------------------------------------------------------------

    def _style_title(self, base: str) -> str:
        """cytoscape/cx ViewMaker: ``<name>-Style``, then ``-1``, ``-2`` … while taken (compared ignoring case)."""
        title = base
        for counter in range(1, 101):
            if any(name.lower() == title.lower() for name in self.styles):
                title = f"{base}-{counter}"
        return title

    def _new_network(self, name: str, root_name: str | None, attributes: dict, nodes: list, edges: list) -> Network:
        # Every import makes a new root network (collection): Cx2Importer.importNetwork and
        # NiceCyRootNetwork.apply call CyNetworkFactory.createNetwork; both CX readers refuse existing roots.
        root = next(self._suids)
        self.roots[root] = root_name
        network = Network(next(self._suids), root, name, attributes, nodes, edges)
        network.node_suids = {
            node["id"]: next(self._suids) for node in nodes if isinstance(node, dict) and "id" in node
        }
        self.networks[network.suid] = network
        if len(nodes) + len(edges) < VIEW_THRESHOLD:
            network.view_suid = next(self._suids)
            network.view_at = time.monotonic() + self.view_delay
            # ding's CyAnnotator draws the annotations kept in __Annotations when the view is made.
            for text in attributes.get("__Annotations") or []:
                annotation = parse_annotation(text) if isinstance(text, str) else {}
                if annotation.get("type") == IMAGE_ANNOTATION:
                    self._size_image(annotation, annotation)
                    network.annotations.append(annotation)
        return network

    def import_cx2(self, query: dict, body: object) -> dict:
        """cyREST NetworkResource.createNetwork with format=cx2, the CX2 reader being cytoscape/cx Cx2Importer."""
        if not (isinstance(body, list) and body and isinstance(body[0], dict) and "CXVersion" in body[0]):
            raise refuse(
                412,
                "networks",
                7,
                "Could not parse the given network JSON: expected to CX version object in the first element",
            )
        aspects: dict[str, list] = {}
        for element in body[1:]:
            if isinstance(element, dict):
                for key, value in element.items():
                    if isinstance(value, list):
                        aspects.setdefault(key, []).extend(value)
        attributes = (aspects.get("networkAttributes") or [{}])[0]
        cx2_name = attributes.get("name") if isinstance(attributes.get("name"), str) else None
        if cx2_name in self.fail_cx2_titles:
            raise refuse(412, "networks", 7, f"Could not parse the given network JSON: cannot read {cx2_name}")
        # The title query parameter renames the network after reading; the collection one names the root.
        title = query.get("title") or cx2_name or query.get("collection") or "Unnamed CX Network"
        network = self._new_network(
            title, query.get("collection"), attributes, aspects.get("nodes", []), aspects.get("edges", [])
        )
        if network.view_suid is not None and any(
            aspects.get(k) for k in ("visualProperties", "nodeBypasses", "edgeBypasses")
        ):
            # Cx2Importer.makeView: a style of its own, named from the CX2 name (not the title parameter).
            style = self._style_title(f"{cx2_name}-Style" if cx2_name is not None else "new-Style")
            self.styles[style] = Style(style)
            network.style = style
        return {"networkSUID": network.suid}

    def import_ndex(self, body: object) -> dict:
        """CyNDEx-2 NdexNetworkResourceImpl.createNetworkFromNdex → NDExImportTaskFactory → NetworkImportTask."""

        def error(status: int, kind: int, message: str) -> Refused:
            # ErrorBuilder.buildException; ErrorType ordinals: INVALID_PARAMETERS 2, INTERNAL 3.
            return Refused(status, envelope(status, f"urn:cytoscape:ci:ndex:v1:errors:{kind}", message))

        if not isinstance(body, dict):
            raise error(400, 2, "No import parameters found.")
        uuid = body.get("uuid")
        if uuid is None:
            raise error(400, 2, "Must provide a uuid to import a network")
        try:
            uuidlib.UUID(str(uuid))
        except ValueError:
            raise error(400, 2, f"Invalid UUID parameter: {uuid}. Must conform to UUID standards") from None
        known = self.ndex_networks.get(str(uuid))
        server = body.get("serverUrl") or "http://ndexbio.org/v2"
        if known is None or not str(server).endswith("/v2"):
            # The network summary is fetched while the task is built; NDEx answers an unknown or unreadable
            # network with "Unauthorized access to network <uuid>" (ndex-rest NetworkServiceV2.getNetworkSummary).
            raise error(
                500, 3, f"Failed to connect to server and retrieve network. Unauthorized access to network {uuid}"
            )
        # The CX1 reader names the collection after the network (NiceCyRootNetwork.getNetworkName) and, NDEx's
        # CX carrying the style, makes "<collection>-Style" (ViewMaker.makeView) and assigns it.
        attributes = {key: value for key, value in known.items() if key != "nodes"}
        network = self._new_network(known["name"], known["name"], attributes, known.get("nodes", []), [])
        if network.view_suid is not None:
            style = self._style_title(f"{known['name']}-Style")
            self.styles[style] = Style(style)
            network.style = style
        return {"data": {"suid": network.suid, "uuid": uuid}, "errors": []}

    def _network(self, text: str, resource: str = "networks") -> Network:
        network = self.networks.get(int(text)) if text.isdigit() else None
        if network is None:
            # AbstractResource.getCyNetwork
            raise refuse(404, resource, 1, f"Could not find Network with SUID: {text}")
        return network

    def _view_of(self, network: Network) -> int:
        if not network.has_view():
            # AbstractResource.getCyNetworkViews (NetworkViewResource: NO_VIEWS_FOR_NETWORK_ERROR)
            raise refuse(404, "networks:views", 6, f"No Views Available for Network with SUID: {network.suid}")
        assert network.view_suid is not None
        return network.view_suid

    def node_views(self, network: Network, view: str, visual_property: str | None) -> list:
        """NetworkViewResource.getViews with ?visualProperty= (getSingleVisualPropertyOfViews)."""
        if view != str(self._view_of(network)):
            raise refuse(404, "networks:views", 2, f"Could not find network view: {view}")
        vp = lookup(visual_property) if visual_property else None
        if vp is None or vp.target != "node":
            raise uncaught("null")
        if not network.nodes:
            raise refuse(404, "networks:views", 4, "Could not find views.")
        style = self.styles.get(network.style, Style("default"))
        views = []
        for node in network.nodes:
            value: object
            if vp.id in ("NODE_X_LOCATION", "NODE_Y_LOCATION"):
                value = float(node.get("x" if vp.id == "NODE_X_LOCATION" else "y", 0.0))
            else:
                value = _style_value(style, vp.id, node.get("v") or {})
            views.append({"SUID": network.node_suids[node["id"]], "view": [{"visualProperty": vp.id, "value": value}]})
        return views

    # --- styles ----------------------------------------------------------------------------------

    def create_style(self, body: object) -> dict:
        """StyleResource.createStyle → VisualStyleMapper.buildVisualStyle; any exception is the 500 below."""
        try:
            style = self._build_style(body)
        except (JavaException, KeyError, TypeError, AttributeError) as err:
            raise refuse(500, "styles", 7, "Could not create new Visual Style.") from err
        # NetworkVisualMappingManagerImpl.addVisualStyle: a taken title (ignoring case) becomes title_0, _1 …
        if any(name.lower() == style.title.lower() for name in self.styles):
            for n in itertools.count():
                candidate = f"{style.title}_{n}"
                if not any(name.lower() == candidate.lower() for name in self.styles):
                    style.title = candidate
                    break
        self.styles[style.title] = style
        return {"title": style.title}

    def _vp(self, name: object) -> Any:
        if not isinstance(name, str):  # vpNode.get("visualProperty").textValue() is null → startsWith NPE
            raise JavaException("NullPointerException")
        vp = lookup(name)
        if vp is None:
            self.dropped.append(f"unknown visual property {name}")
        return vp

    def _parse(self, vp: Any, text: str | None, where: str) -> object:
        value = parse_value(vp.value_class, text)
        if value is None:
            self.dropped.append(f"{where}: {text!r} is not a {vp.value_class} value")
        return value

    def _build_style(self, body: object) -> Style:
        if not isinstance(body, dict):
            raise JavaException("NullPointerException")
        title = java_text(body["title"])
        if title is None:
            raise JavaException("NullPointerException")
        style = Style(title)
        for item in body.get("defaults") or []:  # parseDefaults
            vp = self._vp(item["visualProperty"])
            if vp is None or "value" not in item:
                continue
            value = item["value"]
            text = value if isinstance(value, str) else json.dumps(value)  # isTextual ? asText() : toString()
            style.defaults[vp.id] = self._parse(vp, text, f"default {vp.id}")
        for mapping in body.get("mappings") or []:  # parseMappings
            kind = java_text(mapping["mappingType"])
            column = java_text(mapping["mappingColumn"])
            column_type = _column_class(java_text(mapping["mappingColumnType"]))
            vp = self._vp(mapping["visualProperty"])
            if vp is None or column_type is None:
                if column_type is None:
                    self.dropped.append(f"mapping of {mapping['visualProperty']}: column type not known")
                continue
            parsed: dict[str, object] = {"type": kind, "column": column, "columnType": column_type}
            if kind == "discrete":
                entries = {}
                for pair in mapping["map"]:
                    key = _parse_key(column_type, java_text(pair["key"]))
                    if key is None:
                        self.dropped.append(f"discrete {vp.id}: pair {pair!r} has no key of type {column_type}")
                        continue
                    entries[key] = self._parse(vp, java_text(pair["value"]), f"discrete {vp.id} {key!r}")
                parsed["map"] = entries
            elif kind == "continuous":
                parsed["points"] = [
                    (
                        java_double(as_text(point["value"])),
                        *(
                            self._parse(vp, as_text(point[k]), f"continuous {vp.id}")
                            for k in ("lesser", "equal", "greater")
                        ),
                    )
                    for point in mapping["points"]
                ]
            elif kind != "passthrough":
                continue
            style.mappings[vp.id] = parsed
        return style

    def _style(self, name: str) -> Style:
        if name not in self.styles:
            raise refuse(404, "styles", 3, f"Could not find Visual Style: {name}")  # StyleResource.getStyleByName
        return self.styles[name]

    def apply_style(self, name: str, suid: str) -> dict:
        """AlgorithmicResource.applyStyle: network, then style, then view."""
        network = self._network(suid, "apply")
        if name not in self.styles:
            raise refuse(404, "apply", 4, f"Visual Style does not exist: {name}")
        if not network.has_view():
            raise refuse(404, "apply", 2, f"Network view does not exist for the network with SUID: {suid}")
        network.style = name
        return {"message": "Visual Style applied."}

    # --- commands ---------------------------------------------------------------------------------

    def _tunable_view(self, body: object) -> Network | None:
        """command-executor StringToModelImpl.getNetworkView: "SUID:<n>" of an existing view, else null."""
        text = str(body.get("view", "")) if isinstance(body, dict) else ""
        match = re.fullmatch(r"(?i)suid:(\d+)", text.strip())
        return self.network_of_view(int(match.group(1))) if match else None

    def _size_image(self, annotation: dict, args: dict) -> None:
        """ImageAnnotationImpl(argMap): 100×100 unless given; one side given → the other from the image's ratio."""
        width, height = args.get("width"), args.get("height")
        annotation["width"] = str(float(width)) if width is not None else "100.0"
        annotation["height"] = str(float(height)) if height is not None else "100.0"
        size = self.image_sizes.get(str(annotation.get("URL")))
        if size is None or (width is not None and height is not None):
            return  # no image loaded ("Unable to restore image"), or both sides given
        ratio = size[1] / size[0]
        if width is not None:
            annotation["height"] = str(float(width) * ratio)
        else:
            annotation["width"] = str(float(annotation["height"]) / ratio)

    def command(self, name: str, body: object) -> dict:
        """CommandResource.handleJSONCommand: 200 {"data", "errors": []} when the task succeeds."""

        def ok(data: object) -> dict:
            return {"data": data, "errors": []}

        network = self._tunable_view(body)
        if name == "view/fit content":
            # FitContentTask: no view given or found → the current one; no result class → data {}.
            if network is not None:
                assert network.view_suid is not None
                self.fits.append((network.view_suid, len(network.annotations)))
            return ok({})
        if name == "annotation/list":
            views = [network] if network is not None else list(self.networks.values())  # ListAnnotationsTask
            return ok([a for n in views for a in n.annotations])
        if name == "annotation/add image":
            if network is None or not isinstance(body, dict):
                return ok({})  # AddAnnotationCommandTask: "No view selected", nothing added → "{}"
            annotation: dict[str, object] = {
                "type": IMAGE_ANNOTATION,
                "uuid": str(uuidlib.uuid4()),
                "URL": body.get("url"),
                "x": str(float(body.get("x", 0))),
                "y": str(float(body.get("y", 0))),
                "z": "0",
                "rotation": "0.0",
                # StandardAnnotationTunables: canvas only when one of foreground/background (ignoring case).
                "canvas": str(body.get("canvas")).lower()
                if str(body.get("canvas")).lower() in ("foreground", "background")
                else "foreground",
                "opacity": "1.0",
                "brightness": "0",
                "contrast": "0",
            }
            if body.get("newName") is not None:
                annotation["name"] = body["newName"]
            self._size_image(annotation, body)
            network.annotations.append(annotation)
            return ok(annotation)
        if name == "session/new":
            self.networks.clear()
            self.roots.clear()
            return ok({})
        namespace = name.split("/", maxsplit=1)[0]
        raise Refused(
            500,
            envelope(
                500,
                "urn:cytoscape:ci:cyrest-core:v1:handle-json-command:errors:2",
                f"Failed to find command namespace: '{namespace}'",
            ),
        )

    # --- routing --------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, body: object) -> tuple[int, object]:
        """Route one request; return (status, JSON reply or None for an empty body)."""
        if (method, path) in self.replies:
            return self.replies[(method, path)]
        try:
            return self._route(method, [p for p in path.split("/") if p], query, body)
        except Refused as refused:
            return refused.status, refused.body

    def _route(self, method: str, parts: list[str], query: dict, body: object) -> tuple[int, object]:
        if parts[:2] == ["cyndex2", "v1"] and method == "POST" and parts[2:] == ["networks"]:
            return 200, self.import_ndex(body)
        if parts[:1] != ["v1"]:
            return 404, None  # Jersey: no resource matches
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
        if parts == ["networks"] and method == "POST" and query.get("format", "").lower() == "cx2":
            return 200, self.import_cx2(query, body)
        if parts == ["networks"] and method == "GET":
            return 200, sorted(self.networks)
        if len(parts) >= 3 and parts[0] == "networks" and method == "GET":
            network = self._network(parts[1], "networks:views" if parts[2] == "views" else "networks:tables")
            if parts[2:] == ["views"]:
                return 200, [self._view_of(network)]
            if len(parts) == 5 and parts[2] == "views" and parts[4] == "nodes":
                return 200, self.node_views(network, parts[3], query.get("visualProperty"))
            if parts[2:] == ["tables", "defaultnetwork", "rows"]:
                row = {"SUID": network.suid, "shared_name": network.name, "name": network.name, "selected": False}
                row.update({k: v for k, v in network.attributes.items() if k != "name"})
                return 200, [row]
        if method == "GET" and parts == ["apply", "styles"]:
            return 200, list(self.styles)
        if method == "GET" and len(parts) == 4 and parts[:2] == ["apply", "styles"]:
            return 200, self.apply_style(parts[2], parts[3])
        if method == "POST" and parts == ["styles"]:
            return 201, self.create_style(body)
        if method == "DELETE" and len(parts) == 2 and parts[0] == "styles":
            style = self._style(parts[1])
            if style.title == BUILT_IN_STYLES[0]:  # NetworkVisualMappingManagerImpl.removeVisualStyle
                raise uncaught("Cannot remove default visual style.")
            del self.styles[style.title]
            return 200, None  # StyleResource.deleteStyle: Response.ok().build()
        if method == "PUT" and len(parts) == 3 and parts[0] == "styles" and parts[2] == "dependencies":
            style = self._style(parts[1])
            for item in body if isinstance(body, list) else []:  # VisualStyleMapper.updateDependencies
                name = item.get("visualPropertyDependency") if isinstance(item, dict) else None
                if name in style.dependencies and "enabled" in item:
                    style.dependencies[name] = item["enabled"] is True or item["enabled"] == "true"
            return 204, None  # a void resource method
        if method == "POST" and parts[:1] == ["commands"] and len(parts) == 3:
            return 200, self.command("/".join(parts[1:]), body)
        return 404, None


def _style_value(style: Style, vp_id: str, values: dict) -> object:
    """A node's value of ``vp_id`` under ``style``: a passthrough or discrete mapping, else the style's default,
    else ding's default (BasicVisualLexicon: NODE_WIDTH 60, NODE_HEIGHT 40). Continuous mappings are not evaluated.
    """
    mapping = style.mappings.get(vp_id)
    if mapping is not None and mapping.get("column") in values:
        value = values[mapping["column"]]
        if mapping["type"] == "passthrough":
            return value
        if mapping["type"] == "discrete" and mapping["map"].get(value) is not None:
            return mapping["map"][value]
    return style.defaults.get(vp_id, {"NODE_WIDTH": 60.0, "NODE_HEIGHT": 40.0}.get(vp_id))


def _column_class(name: str | None) -> str | None:
    """MapperUtil.getColumnClass (a null name throws)."""
    if name is None:
        raise JavaException("NullPointerException")
    return name if name in ("Double", "Long", "Integer", "Float", "Boolean", "String", "Number") else None


def _parse_key(column_type: str, text: str | None) -> object:
    """VisualStyleMapper.parseKeyValue: the discrete key for the column class (``None``: the pair is skipped)."""
    if column_type in ("Double", "Float"):
        return java_double(text)
    if column_type in ("Long", "Integer"):
        return java_int(text, 64 if column_type == "Long" else 32)
    if column_type == "Boolean":
        return java_boolean(text)
    return text if column_type == "String" else None


def _handler_for(standin: CyRestStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Grizzly/2.4.4"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def setup(self) -> None:
            super().setup()
            with standin._lock:
                standin.connections.add(self.connection)

        def finish(self) -> None:
            with standin._lock:
                standin.connections.discard(self.connection)
            super().finish()

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
            if any(path.startswith(prefix) for prefix in standin.endless_paths):
                self._endless()
                return
            with standin._lock:
                status, reply = standin.handle(method, path, query, body)
            data = b"" if reply is None else json.dumps(reply).encode()
            head = f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
            if data:
                head += "Content-Type: application/json\r\n"
            head += f"Content-Length: {len(data)}\r\n\r\n"
            if any(path.startswith(prefix) for prefix in standin.drip_paths):
                self._drip(head.encode() + data)
            else:
                self.wfile.write(head.encode() + data)

        def _drip(self, reply: bytes) -> None:
            for index in range(len(reply)):
                if standin.release.wait(standin.drip_interval):
                    return
                try:
                    self.wfile.write(reply[index : index + 1])
                    self.wfile.flush()
                except OSError:
                    return

        def _endless(self) -> None:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"[" + b"0," * 32767
            framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            try:
                while not standin.release.is_set():
                    self.wfile.write(framed)
            except OSError:
                return

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

    return Handler
