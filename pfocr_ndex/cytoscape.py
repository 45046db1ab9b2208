"""Open figure networks in Cytoscape Desktop through CyREST, driven by py4cytoscape.

Local networks (CX2 files, figure records, figure ids) go in as CX2 (``POST /v1/networks?format=cx2``, the
importer with the best fidelity; only the style aspects are left out, the shared style replaces them); NDEx
UUIDs go through Cytoscape's own NDEx import (CyNDEx-2). Each network then gets the shared "PFOCR" visual
style (created once from ``templates/pfocr-style.cx2.json``, translated to Cytoscape Desktop names), the
figure image behind the nodes (from ``__Annotations``, else added from ``__NetworkImage``) and a fitted view.

py4cytoscape has no timeouts, writes full HTTP bodies (passwords included) to ``./logs`` at import, prints its
errors on stderr and switches to a remote "sandbox" mode for any URL but ``http://127.0.0.1:1234/v1``.
This module imports it quietly, forces local mode, checks that Cytoscape answers before the first call and
runs every call with a deadline.

Example (Cytoscape running on this machine)::

    >>> from pfocr_ndex.cytoscape import CytoscapeSession
    >>> session = CytoscapeSession(db="pfocr")                    # doctest: +SKIP
    >>> session.open_figure("PMC2064395__jcb1741047f09")        # doctest: +SKIP
    52
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import orjson
import requests

from .credentials import DEFAULT_SERVER, normalize_server
from .errors import PfocrError
from .writeback import is_uuid

__all__ = [
    "COLLECTION_NAME",
    "DEFAULT_CYTOSCAPE_URL",
    "STYLE_NAME",
    "CytoscapeError",
    "CytoscapeSession",
    "CytoscapeUnavailable",
    "Target",
    "desktop_style",
    "normalize_cytoscape_url",
    "open_figure",
    "open_networks",
    "resolve_target",
]

DEFAULT_CYTOSCAPE_URL = "http://127.0.0.1:1234/v1"
STYLE_NAME = "PFOCR"
COLLECTION_NAME = "PFOCR"
FIGURE_ANNOTATION_NAME = "PFOCR figure"
DEFAULT_TIMEOUT = 120.0  # seconds for one CyREST call (an NDEx import downloads the network first)
DEFAULT_CONNECT_TIMEOUT = 3.0
# Where py4cytoscape would fall back to when Cytoscape is not found: a closed local port, so it fails at once
# instead of polling the public Jupyter-bridge forever.
_CLOSED_BRIDGE_URL = "http://127.0.0.1:9"
_STYLE_APPLY_TRIES = 3
_RETRYABLE_APPLY_ERRORS = ("No network views selected",)  # cytoscape/cyREST#106: the view is not ready yet
_LOG = logging.getLogger(__name__)


class CytoscapeError(PfocrError):
    """Cytoscape refused or failed a request (one target; the others can go on)."""


class CytoscapeUnavailable(CytoscapeError):
    """Cytoscape is not running, not reachable or stopped answering: nothing more can be sent."""


def _not_answering(base_url: str) -> str:
    return (
        f"Cytoscape is not answering at {base_url} (start Cytoscape 3.10+ — CyREST listens on port 1234 "
        "by default — or give its address with --cytoscape-url)"
    )


def normalize_cytoscape_url(url: str) -> str:
    """The CyREST root py4cytoscape needs: ``http://host:port/v<n>``, no trailing slash (``/v1`` added if missing).

    >>> normalize_cytoscape_url("http://127.0.0.1:1234/")
    'http://127.0.0.1:1234/v1'
    >>> normalize_cytoscape_url("localhost:1234/v1/")
    'http://localhost:1234/v1'
    """
    url = url.strip().rstrip("/")
    if not url:
        raise PfocrError("empty Cytoscape address")
    if "://" not in url:
        url = "http://" + url
    if not re.search(r"/v\d+$", url):
        url += "/v1"
    return url


# --- what to open -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One thing to open: a CX2 file, a figure record, or an NDEx network UUID."""

    text: str  # as given by the user (used in messages)
    kind: Literal["cx2", "record", "ndex"]
    path: Path | None = None

    def load_cx2(self) -> list[dict]:
        """The CX2 document of a local target (a record is converted on the fly)."""
        if self.kind == "record":
            from .network import build_network
            from .records import read_record

            return build_network(read_record(self.path)).cx2
        if self.kind == "cx2":
            try:
                document = orjson.loads(self.path.read_bytes())
            except OSError as err:
                raise PfocrError(f"cannot read the file: {err.strerror}", self.path) from None
            except orjson.JSONDecodeError as err:
                raise PfocrError(f"not JSON: {err}", self.path) from None
            if not isinstance(document, list):
                raise PfocrError("not a CX2 document (a JSON array of aspects)", self.path)
            return document
        raise ValueError(f"{self.text} is an NDEx network, not a local one")


def resolve_target(text: str, db: str | PathLike[str] = ".") -> Target:
    """Classify ``text``: an existing ``.md`` record or CX2 file, an NDEx UUID, or a figure id in ``db``.

    A figure id is looked up as ``<db>/_figures/<figid>.md``.

    >>> resolve_target("9b5c1d4e-0000-11ee-8b8a-0ac135e8bacf").kind
    'ndex'
    """
    path = Path(text)
    if path.is_file():
        return Target(text, "record" if path.suffix == ".md" else "cx2", path)
    if is_uuid(text):
        return Target(text, "ndex")
    record = Path(db) / "_figures" / f"{text.removesuffix('.md')}.md"
    if "/" not in text and record.is_file():
        return Target(text, "record", record)
    raise PfocrError(f"not a CX2 file, a figure record, a figure id in {Path(db) / '_figures'} or an NDEx UUID", text)


# --- the style: CX2 portable names → Cytoscape Desktop names -------------------------------------

_DESKTOP_NAMES = {
    "NETWORK_BACKGROUND_COLOR": "NETWORK_BACKGROUND_PAINT",
    "NODE_BACKGROUND_COLOR": "NODE_FILL_COLOR",
    "NODE_BACKGROUND_OPACITY": "NODE_TRANSPARENCY",
    "NODE_BORDER_COLOR": "NODE_BORDER_PAINT",
    "NODE_BORDER_STYLE": "NODE_BORDER_LINE_TYPE",
    "NODE_BORDER_OPACITY": "NODE_BORDER_TRANSPARENCY",
    "NODE_LABEL_OPACITY": "NODE_LABEL_TRANSPARENCY",
    "NODE_LABEL_MAX_WIDTH": "NODE_LABEL_WIDTH",
    "NODE_VISIBILITY": "NODE_VISIBLE",
    "NODE_LABEL_BACKGROUND_OPACITY": "NODE_LABEL_BACKGROUND_TRANSPARENCY",
    "NODE_Z_LOCATION": "NODE_Z_ORDER",
    "EDGE_LINE_COLOR": "EDGE_UNSELECTED_PAINT",
    "EDGE_OPACITY": "EDGE_TRANSPARENCY",
    "EDGE_LINE_STYLE": "EDGE_LINE_TYPE",
    "EDGE_VISIBILITY": "EDGE_VISIBLE",
    "EDGE_SOURCE_ARROW_COLOR": "EDGE_SOURCE_ARROW_UNSELECTED_PAINT",
    "EDGE_TARGET_ARROW_COLOR": "EDGE_TARGET_ARROW_UNSELECTED_PAINT",
    "EDGE_LABEL_OPACITY": "EDGE_LABEL_TRANSPARENCY",
    "EDGE_LABEL_MAX_WIDTH": "EDGE_LABEL_WIDTH",
}
# Properties kept under their own name (the rest of the portable vocabulary is not translated and is skipped).
_SAME_NAMES = {
    "NODE_SHAPE",
    "NODE_WIDTH",
    "NODE_HEIGHT",
    "NODE_BORDER_WIDTH",
    "NODE_LABEL",
    "NODE_LABEL_COLOR",
    "NODE_LABEL_FONT_SIZE",
    "NODE_LABEL_FONT_FACE",
    "NODE_LABEL_POSITION",
    "NODE_LABEL_ROTATION",
    "NODE_LABEL_BACKGROUND_COLOR",
    "NODE_LABEL_BACKGROUND_SHAPE",
    "NODE_TOOLTIP",
    "NODE_SELECTED_PAINT",
    "EDGE_WIDTH",
    "EDGE_TARGET_ARROW_SHAPE",
    "EDGE_SOURCE_ARROW_SHAPE",
    "EDGE_LABEL",
    "EDGE_LABEL_COLOR",
    "EDGE_LABEL_FONT_SIZE",
    "EDGE_LABEL_FONT_FACE",
    "EDGE_SOURCE_ARROW_SIZE",
    "EDGE_TARGET_ARROW_SIZE",
    "EDGE_SELECTED_PAINT",
    "EDGE_STROKE_SELECTED_PAINT",
    "EDGE_LABEL_ROTATION",
    "EDGE_Z_ORDER",
}
_OPACITIES = {
    "NODE_BACKGROUND_OPACITY",
    "NODE_BORDER_OPACITY",
    "NODE_LABEL_OPACITY",
    "EDGE_OPACITY",
    "EDGE_LABEL_OPACITY",
    "NODE_LABEL_BACKGROUND_OPACITY",
}
_LINE_TYPES = {"solid": "SOLID", "dashed": "LONG_DASH", "dotted": "DOT"}
_ARROWS = {"triangle": "DELTA", "triangle-cross": "CROSS_DELTA", "tee": "T", "arrow": "DELTA"}
_FONT_FAMILIES = {"serif": "Serif", "sans-serif": "SansSerif", "monospace": "Monospaced"}
_COLUMN_TYPES = {"string": "String", "long": "Long", "integer": "Integer", "double": "Double", "boolean": "Boolean"}
_ANCHOR_V = {"top": "N", "center": "", "bottom": "S"}
_ANCHOR_H = {"left": "W", "center": "", "right": "E"}


def _anchor(vertical: str, horizontal: str) -> str:
    return (_ANCHOR_V.get(vertical, "") + _ANCHOR_H.get(horizontal, "")) or "C"


def _desktop_value(portable: str, value: Any, font_size: Any = 12) -> Any:
    """A portable CX2 value as Cytoscape Desktop writes it for that property."""
    if portable in _OPACITIES:
        return round(float(value) * 255)
    if portable in ("NODE_SHAPE", "NODE_LABEL_BACKGROUND_SHAPE"):
        return str(value).upper().replace("-", "_")
    if portable in ("NODE_BORDER_STYLE", "EDGE_LINE_STYLE"):
        return _LINE_TYPES.get(value, str(value).upper())
    if portable.endswith("_ARROW_SHAPE"):
        return _ARROWS.get(value, str(value).upper().replace("-", "_"))
    if portable.endswith("_VISIBILITY"):
        return value != "none"
    if portable.endswith("_FONT_FACE") and isinstance(value, dict):
        family = _FONT_FAMILIES.get(value.get("FONT_FAMILY", "sans-serif"), "SansSerif")
        bold = value.get("FONT_WEIGHT") == "bold"
        italic = value.get("FONT_STYLE") == "italic"
        style = ("bold" if bold else "") + ("italic" if italic else "") or "plain"
        return f"{family}.{style},{style},{font_size}"
    if portable.endswith("_LABEL_POSITION") and isinstance(value, dict):
        node_anchor = _anchor(value.get("VERTICAL_ALIGN", "center"), value.get("HORIZONTAL_ALIGN", "center"))
        label_anchor = _anchor(value.get("VERTICAL_ANCHOR", "center"), value.get("HORIZONTAL_ANCHOR", "center"))
        justify = {"left": "l", "right": "r"}.get(value.get("JUSTIFICATION", "center"), "c")
        return (
            f"{node_anchor},{label_anchor},{justify},"
            f"{float(value.get('MARGIN_X', 0)):.2f},{float(value.get('MARGIN_Y', 0)):.2f}"
        )
    return value


def _desktop_name(portable: str) -> str | None:
    if portable in _DESKTOP_NAMES:
        return _DESKTOP_NAMES[portable]
    return portable if portable in _SAME_NAMES else None


def _desktop_mapping(portable: str, mapping: dict, font_size: Any) -> dict | None:
    name = _desktop_name(portable)
    definition = mapping.get("definition") or {}
    kind = str(mapping.get("type", "")).upper()
    if name is None or "attribute" not in definition:
        return None
    converted = {
        "mappingType": kind.lower(),
        "mappingColumn": definition["attribute"],
        "mappingColumnType": _COLUMN_TYPES.get(str(definition.get("type", "string")), "String"),
        "visualProperty": name,
    }
    if kind == "PASSTHROUGH":
        return converted
    if kind == "DISCRETE":
        converted["map"] = [
            {"key": entry["v"], "value": _desktop_value(portable, entry["vp"], font_size)}
            for entry in definition.get("map", [])
        ]
        return converted
    if kind == "CONTINUOUS":
        # CX2 lists ranges; Cytoscape lists the points between them with the values just below/at/above.
        ranges = definition.get("map", [])
        points = []
        for below, above in zip(ranges, ranges[1:]):
            if "max" not in below:
                continue
            lesser = _desktop_value(portable, below.get("maxVPValue", above.get("minVPValue")), font_size)
            greater = _desktop_value(portable, above.get("minVPValue", below.get("maxVPValue")), font_size)
            points.append(
                {
                    "value": below["max"],
                    "lesser": lesser,
                    "equal": greater if below.get("includeMax") is False else lesser,
                    "greater": greater,
                }
            )
        converted["points"] = points
        return converted if points else None
    return None


def desktop_style(cx2_style: dict) -> tuple[list[dict], list[dict]]:
    """Translate a CX2 ``visualProperties`` style into ``create_visual_style`` defaults and mappings.

    Portable names and values become Desktop ones (``NODE_BACKGROUND_COLOR`` → ``NODE_FILL_COLOR``,
    ``round-rectangle`` → ``ROUND_RECTANGLE``, opacity 0–1 → transparency 0–255, the font face object → a
    ``"SansSerif.plain,plain,12"`` string); properties Cytoscape has no counterpart for are left out.

    >>> defaults, mappings = desktop_style({"default": {"node": {"NODE_BACKGROUND_OPACITY": 0.5}},
    ...     "nodeMapping": {"NODE_LABEL": {"type": "PASSTHROUGH",
    ...                                    "definition": {"attribute": "name", "type": "string"}}}})
    >>> defaults
    [{'visualProperty': 'NODE_TRANSPARENCY', 'value': 128}]
    >>> mappings[0]["mappingType"], mappings[0]["visualProperty"], mappings[0]["mappingColumnType"]
    ('passthrough', 'NODE_LABEL', 'String')
    """
    node_defaults = (cx2_style.get("default") or {}).get("node") or {}
    font_size = node_defaults.get("NODE_LABEL_FONT_SIZE", 12)
    defaults = []
    for group in ("network", "node", "edge"):
        for portable, value in ((cx2_style.get("default") or {}).get(group) or {}).items():
            name = _desktop_name(portable)
            if name is None:
                _LOG.debug("no Cytoscape Desktop property for %s: left out of the style", portable)
                continue
            size = (
                cx2_style["default"][group].get("EDGE_LABEL_FONT_SIZE", 10)
                if portable.startswith("EDGE_")
                else font_size
            )
            defaults.append({"visualProperty": name, "value": _desktop_value(portable, value, size)})
    mappings = []
    for group in ("nodeMapping", "edgeMapping"):
        for portable, mapping in (cx2_style.get(group) or {}).items():
            converted = _desktop_mapping(portable, mapping, font_size)
            if converted is not None:
                mappings.append(converted)
    return defaults, mappings


# --- py4cytoscape, imported quietly --------------------------------------------------------------

_p4c_module = None
_p4c_lock = threading.Lock()


def _quiet_show_error(text: str) -> None:
    _LOG.debug("py4cytoscape: %s", text)


def _py4cytoscape():
    """py4cytoscape, imported once without its ``./logs`` file log, stderr prints or Jupyter-bridge fallback."""
    global _p4c_module
    with _p4c_lock:
        if _p4c_module is None:
            _p4c_module = _import_py4cytoscape()
    return _p4c_module


def _import_py4cytoscape():
    variable = "PY4CYTOSCAPE_DETAIL_LOGGER_DIR"
    with tempfile.TemporaryDirectory(prefix="pfocr-py4cytoscape-") as log_dir:
        saved = {name: os.environ.get(name) for name in (variable, "JUPYTER_BRIDGE_URL")}
        os.environ[variable] = log_dir
        os.environ["JUPYTER_BRIDGE_URL"] = _CLOSED_BRIDGE_URL
        try:
            import py4cytoscape
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        logger_module = importlib.import_module("py4cytoscape.py4cytoscape_logger")
        # The detail log holds full request bodies, NDEx passwords included: close it and keep it closed
        # (also when py4cytoscape was imported earlier, e.g. in a notebook, and writes to ./logs).
        detail = logger_module.detail_logger
        for handler in list(detail.handlers):
            detail.removeHandler(handler)
            handler.close()
        detail.disabled = True
        detail.propagate = False
    py4cytoscape.set_summary_logger(False)
    importlib.import_module("py4cytoscape.py4cytoscape_notebook")._JUPYTER_BRIDGE_URL = _CLOSED_BRIDGE_URL
    # py4cytoscape prints each error on stderr before raising it; we report errors ourselves, on one line.
    printing = logger_module.show_error
    for name, module in list(sys.modules.items()):
        if name.startswith("py4cytoscape") and getattr(module, "show_error", None) is printing:
            module.show_error = _quiet_show_error
    return py4cytoscape


# --- the session ---------------------------------------------------------------------------------


class CytoscapeSession:
    """A connection to one Cytoscape Desktop, opening PFOCR networks into one collection.

    Parameters
    ----------
    base_url : CyREST root, e.g. ``http://127.0.0.1:1234/v1`` (``/v1`` is added when missing).
    ndex_server : NDEx server NDEx UUIDs are imported from (``https://www.ndexbio.org``).
    ndex_username, ndex_password : only for private NDEx networks; never logged or shown.
    collection : the Cytoscape collection (root network) new networks join.
    style : a CX2 ``visualProperties`` style; default ``templates/pfocr-style.cx2.json``.
    db : the database checkout figure ids are looked up in.
    timeout : seconds one CyREST call may take before Cytoscape counts as hung.
    connect_timeout : seconds the first "is Cytoscape there" check may take.

    Examples
    --------
    >>> session = CytoscapeSession("http://127.0.0.1:1234/v1")             # doctest: +SKIP
    >>> session.open_networks(["fig1.cx2", "PMC2064395__jcb1741047f09"])  # doctest: +SKIP
    [52, 61]
    """

    def __init__(
        self,
        base_url: str = DEFAULT_CYTOSCAPE_URL,
        *,
        ndex_server: str = DEFAULT_SERVER,
        ndex_username: str | None = None,
        ndex_password: str | None = None,
        collection: str = COLLECTION_NAME,
        style: dict | None = None,
        db: str | PathLike[str] = ".",
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        self.base_url = normalize_cytoscape_url(base_url)
        self.ndex_server = re.sub(r"/v\d+$", "", normalize_server(ndex_server))  # CyNDEx appends /v2
        self.ndex_username = ndex_username
        self._ndex_password = ndex_password
        self.collection = collection
        self.db = Path(db)
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._style = style
        self._style_name: str | None = None  # the style's name in Cytoscape, once it is there
        self._version: str | None = None
        self._hung: str | None = None  # set when a call timed out: Cytoscape is not usable any more

    def __repr__(self) -> str:
        return f"CytoscapeSession({self.base_url!r}, collection={self.collection!r})"

    # -- plumbing --

    def _call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one py4cytoscape call with ``base_url`` and a deadline; translate its errors."""
        if self._hung:
            raise CytoscapeUnavailable(self._hung)
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["value"] = function(*args, base_url=self.base_url, **kwargs)
            except BaseException as err:  # handed to the caller's thread
                outcome["error"] = err

        worker = threading.Thread(target=run, name=f"cytoscape-{function.__name__}", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            # The thread stays blocked (on its socket, or in py4cytoscape's minutes of connection retries);
            # py4cytoscape is not thread-safe, so nothing more is sent from this session.
            if self._answers():
                self._hung = (
                    f"Cytoscape at {self.base_url} did not answer within {self.timeout:g} s "
                    f"(in {function.__name__}; is a dialog open in Cytoscape?)"
                )
            else:
                self._hung = _not_answering(self.base_url)
            raise CytoscapeUnavailable(self._hung)
        if "error" in outcome:
            error = outcome["error"]
            translated = self._translate(error)
            if translated is error:
                raise error
            raise translated from error
        return outcome.get("value")

    def _translate(self, err: BaseException) -> Exception:
        p4c = _py4cytoscape()
        if isinstance(err, requests.exceptions.ConnectionError):
            return CytoscapeUnavailable(_not_answering(self.base_url))
        if isinstance(err, p4c.exceptions.CyError):
            return CytoscapeError(re.sub(r"^In [\w.]+\(\): ", "", str(err)))
        if isinstance(err, requests.exceptions.HTTPError) and err.response is not None:
            return CytoscapeError(
                f"HTTP {err.response.status_code} {err.response.reason or ''} from {err.response.url}"
            )
        if isinstance(err, requests.exceptions.RequestException):
            return CytoscapeUnavailable(_not_answering(self.base_url))
        if isinstance(err, (ValueError, KeyError, TypeError, IndexError)):
            return CytoscapeError(f"unexpected reply from Cytoscape ({type(err).__name__}: {err})")
        return err if isinstance(err, Exception) else CytoscapeError(repr(err))

    def _answers(self) -> bool:
        """Whether ``GET <base_url>`` answers 2xx within ``connect_timeout`` seconds."""
        try:
            requests.get(
                self.base_url, timeout=self.connect_timeout, headers={"Accept": "application/json"}
            ).raise_for_status()
        except requests.exceptions.RequestException:
            return False
        return True

    def connect(self) -> str:
        """Check that Cytoscape answers (a few seconds at most) and return its version, e.g. ``"3.10.3"``."""
        if self._version is not None:
            return self._version
        if not self._answers():
            raise CytoscapeUnavailable(_not_answering(self.base_url))
        p4c = _py4cytoscape()
        # Any URL but exactly http://127.0.0.1:1234/v1 would make py4cytoscape try a remote "sandbox" first
        # (FileTransfer app); we send no file paths, so the local mode is right for every address.
        notebook = importlib.import_module("py4cytoscape.py4cytoscape_notebook")
        notebook.execution_environment(notebook.ExecutionEnvironment.SHARED_WORKSTATION)
        versions = self._call(p4c.cytoscape_version_info)
        self._version = str(versions.get("cytoscapeVersion", "unknown"))
        return self._version

    # -- the steps --

    def _import_cx2(self, cx2: list[dict], title: str) -> int:
        p4c = _py4cytoscape()
        reply = self._call(
            p4c.commands.cyrest_post,
            "networks",
            parameters={"format": "cx2", "title": title, "collection": self.collection},
            body=_without_style(cx2),
        )
        suid = reply.get("networkSUID") if isinstance(reply, dict) else None
        if isinstance(suid, list):
            suid = suid[0] if suid else None
        if not isinstance(suid, int):
            raise CytoscapeError(f"Cytoscape created no network (reply: {str(reply)[:200]})")
        return suid

    def _import_ndex(self, uuid: str) -> int:
        p4c = _py4cytoscape()
        return int(
            self._call(
                p4c.import_network_from_ndex,
                uuid,
                username=self.ndex_username,
                password=self._ndex_password,
                ndex_url=self.ndex_server,
                ndex_version="v2",
            )
        )

    def ensure_style(self, style_names: Iterable[str] | None = None) -> str:
        """Create the PFOCR style in Cytoscape unless a style of that name is there; return its name.

        ``style_names``: the styles Cytoscape has, when the caller just asked for them.
        """
        if self._style_name is not None:
            return self._style_name
        p4c = _py4cytoscape()
        if style_names is None:
            style_names = self._call(p4c.get_visual_style_names)
        if STYLE_NAME not in style_names:
            if self._style is None:
                from .network import load_style

                self._style = load_style()
            defaults, mappings = desktop_style(self._style)
            created = self._call(p4c.create_visual_style, STYLE_NAME, defaults=defaults, mappings=mappings)
            if created.get("title") != STYLE_NAME:
                raise CytoscapeError(f"Cytoscape stored the style as {created.get('title')!r}, not {STYLE_NAME!r}")
            # A new style locks width = height (NODE_SIZE): unlock it so NODE_WIDTH/NODE_HEIGHT apply.
            self._call(
                p4c.commands.cyrest_put,
                f"styles/{STYLE_NAME}/dependencies",
                body=[{"visualPropertyDependency": "nodeSizeLocked", "enabled": False}],
                require_json=False,
            )
        self._style_name = STYLE_NAME
        return STYLE_NAME

    def _apply_style(self, suid: int, styles_before: set[str]) -> None:
        p4c = _py4cytoscape()
        name = self.ensure_style(styles_before)
        for attempt in range(1, _STYLE_APPLY_TRIES + 1):
            try:
                self._call(p4c.set_visual_style, name, network=suid)
                break
            except CytoscapeUnavailable:
                raise
            except CytoscapeError as err:
                if attempt == _STYLE_APPLY_TRIES or not any(m in err.message for m in _RETRYABLE_APPLY_ERRORS):
                    raise
                time.sleep(0.5 * attempt)
        # The NDEx import (and a CX2 import of bypasses) creates a style per network, named after it ("-1" on
        # a clash); unused now, so drop it rather than pile up one per figure. A name holding "/" cannot be
        # addressed in a CyREST path and stays.
        for leftover in set(self._call(p4c.get_visual_style_names)) - styles_before - {name}:
            try:
                self._call(p4c.delete_visual_style, leftover)
            except CytoscapeUnavailable:
                raise
            except CytoscapeError as err:
                _LOG.debug("could not delete the import style %r: %s", leftover, err)

    def _network_row(self, suid: int) -> dict:
        """The network's attributes as Cytoscape holds them (its default network table row)."""
        p4c = _py4cytoscape()
        rows = self._call(p4c.commands.cyrest_get, f"networks/{suid}/tables/defaultnetwork/rows")
        return next((row for row in rows if isinstance(row, dict)), {}) if isinstance(rows, list) else {}

    def _ensure_figure_image(self, suid: int, attributes: dict | None) -> bool:
        """Put the figure image behind the nodes unless it is there already; True if an annotation was added.

        ``attributes``: the network attributes sent (local networks); ``None`` reads them from Cytoscape.
        """
        if attributes is None:
            attributes = self._network_row(suid)
        if _has_image_annotation(attributes.get("__Annotations")):
            return False  # Cytoscape draws it from __Annotations when it creates the view
        image_url = attributes.get("__NetworkImage")
        if not image_url:
            return False
        p4c = _py4cytoscape()
        annotations = self._call(p4c.get_annotation_list, network=suid) or []
        if any(_has_image_annotation(a.get("type")) for a in annotations if isinstance(a, dict)):
            return False
        # Cytoscape shows an empty box for http:// images (cytoscape/py4cytoscape#131); PMC serves https.
        image_url = re.sub(r"^http://", "https://", str(image_url))
        # No width/height: Cytoscape draws the image at its own pixel size.
        self._call(
            p4c.add_annotation_image,
            url=image_url,
            x_pos=0,
            y_pos=0,
            canvas="background",
            name=FIGURE_ANNOTATION_NAME,
            network=suid,
        )
        return True

    # -- public API --

    def open_figure(self, target: str | Target) -> int:
        """Open one target (CX2 file, record path, figure id or NDEx UUID) and return its network SUID."""
        if not isinstance(target, Target):
            target = resolve_target(str(target), self.db)
        attributes = None
        if target.kind != "ndex":
            cx2 = target.load_cx2()
            attributes = _network_attributes(cx2)
            title = str(attributes.get("name") or target.path.stem)
        self.connect()
        p4c = _py4cytoscape()
        try:
            styles_before = set(self._call(p4c.get_visual_style_names))
            suid = self._import_ndex(target.text) if target.kind == "ndex" else self._import_cx2(cx2, title)
            self._apply_style(suid, styles_before)
            self._ensure_figure_image(suid, attributes)
            self._call(p4c.fit_content, network=suid)
        except CytoscapeUnavailable:
            raise
        except CytoscapeError as err:
            raise CytoscapeError(err.message, target.text) from err
        return suid

    def open_networks(
        self, targets: Iterable[str | Target], on_error: Callable[[str, PfocrError], None] | None = None
    ) -> list[int]:
        """Open several targets into the collection; return the SUIDs of those opened.

        Without ``on_error`` the first failing target raises; with it, each failure is handed to
        ``on_error(target, error)`` and the others go on. ``CytoscapeUnavailable`` always stops the run.
        """
        suids = []
        for target in targets:
            try:
                suids.append(self.open_figure(target))
            except CytoscapeUnavailable:
                raise
            except PfocrError as err:
                if on_error is None:
                    raise
                on_error(str(target.text if isinstance(target, Target) else target), err)
        return suids


_STYLE_ASPECTS = frozenset({"visualProperties", "visualEditorProperties"})


def _without_style(cx2: list[dict]) -> list[dict]:
    """The CX2 document without its style aspects (and their ``metaData`` entries).

    With a ``visualProperties`` aspect, Cytoscape's CX2 importer makes one more style per network, named
    after it; the PFOCR style replaces it anyway. Everything else (attributes, positions) goes in unchanged.
    """
    kept = []
    for aspect in cx2:
        if isinstance(aspect, dict) and _STYLE_ASPECTS & aspect.keys():
            continue
        if isinstance(aspect, dict) and isinstance(aspect.get("metaData"), list):
            aspect = {
                "metaData": [
                    m for m in aspect["metaData"] if not (isinstance(m, dict) and m.get("name") in _STYLE_ASPECTS)
                ]
            }
        kept.append(aspect)
    return kept


def _has_image_annotation(value: object) -> bool:
    """Whether an ``__Annotations`` value (list or single string) or an annotation type names an image."""
    texts = value if isinstance(value, list) else [value]
    return any(isinstance(text, str) and "ImageAnnotation" in text for text in texts)


def _network_attributes(cx2: list[dict]) -> dict:
    for aspect in cx2:
        if isinstance(aspect, dict) and aspect.get("networkAttributes"):
            first = aspect["networkAttributes"][0]
            return first if isinstance(first, dict) else {}
    return {}


def open_figure(target: str, **session_options: Any) -> int:
    """Open one figure in Cytoscape; ``session_options`` as for ``CytoscapeSession``. Returns the SUID."""
    return CytoscapeSession(**session_options).open_figure(target)


def open_networks(targets: Iterable[str], **session_options: Any) -> list[int]:
    """Open several figures into one collection with one shared style. Returns their SUIDs."""
    return CytoscapeSession(**session_options).open_networks(targets)
