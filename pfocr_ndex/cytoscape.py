"""Open figure networks in Cytoscape Desktop through CyREST, driven by py4cytoscape.

Local networks (CX2 files, figure records, figure ids) go in as CX2 (``POST /v1/networks?format=cx2``, the
importer with the best fidelity; only the style aspects are left out, the shared style replaces them); NDEx
UUIDs go through Cytoscape's own NDEx import (CyNDEx-2). Each network then gets the shared "PFOCR" visual
style (created once from ``templates/pfocr-style.cx2.json`` by ``style.desktop``), the figure image behind
the nodes (drawn by Cytoscape from ``__Annotations``, else added from ``__NetworkImage`` where the converter
would have put it) and a fitted view.

Cytoscape's importers put every network in a new collection (root network) of its own: cytoscape/cx
``Cx2Importer.importNetwork`` creates it with ``CyNetworkFactory.createNetwork`` and both CX readers refuse to
import into an existing collection (``CytoscapeCx2NetworkReader.run``); cyREST only names it after its
``collection`` parameter (``NetworkResource.addNetwork``). So each figure opens in a collection of its own.

The converter (``network``, ``records``, ``style``) and py4cytoscape are imported on first use: the command line
imports this module for its defaults.

py4cytoscape has no timeouts, writes full HTTP bodies (passwords included) to ``./logs`` at import, prints its
errors on stderr and switches to a remote "sandbox" mode for any URL but ``http://127.0.0.1:1234/v1``.
This module imports it quietly, forces local mode, checks that Cytoscape answers before the first call, and
sends every request of a session through a ``BoundedSession`` (``http.py``): each py4cytoscape call ends
within ``timeout`` seconds and reads at most ``max_reply_bytes``, whatever the server does.

Example (Cytoscape running on this machine)::

    >>> from pfocr_ndex.cytoscape import CytoscapeSession
    >>> session = CytoscapeSession(db="pfocr")                    # doctest: +SKIP
    >>> session.open_figure("PMC2064395__jcb1741047f09")        # doctest: +SKIP
    52
"""

from __future__ import annotations

import importlib
import logging
import math
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
from types import ModuleType
from typing import Any, Literal, NamedTuple

import orjson
import requests

from . import layout
from .credentials import DEFAULT_SERVER, normalize_server
from .cx2 import network_attributes
from .errors import PfocrError
from .http import BoundedSession, DeadlineExceeded, ResponseTooLarge, check_deadline
from .records import is_uuid

__all__ = [
    "DEFAULT_CYTOSCAPE_URL",
    "DEFAULT_TIMEOUT",
    "MAX_REPLY_BYTES",
    "STYLE_NAME",
    "CytoscapeError",
    "CytoscapeSession",
    "CytoscapeUnavailable",
    "Opened",
    "Target",
    "normalize_cytoscape_url",
    "open_figure",
    "open_networks",
    "resolve_target",
]

DEFAULT_CYTOSCAPE_URL = "http://127.0.0.1:1234/v1"
STYLE_NAME = "PFOCR"
FIGURE_ANNOTATION_NAME = "PFOCR figure"
DEFAULT_TIMEOUT = 120.0  # seconds for one CyREST call (an NDEx import downloads the network first)
DEFAULT_CONNECT_TIMEOUT = 3.0
MAX_REPLY_BYTES = 16 << 20  # CyREST replies are small (SUIDs, names, one table row); anything bigger is not CyREST
# Where py4cytoscape would fall back to when Cytoscape is not found: a closed local port, so it fails at once
# instead of polling the public Jupyter-bridge forever.
_CLOSED_BRIDGE_URL = "http://127.0.0.1:9"
# cyREST AlgorithmicResource.applyStyle answers 404 with this while the network has no view (yet).
_NO_VIEW = "Network view does not exist for the network with SUID"
_FIRST_RETRY_WAIT = 0.25
_LOG = logging.getLogger(__name__)


class CytoscapeError(PfocrError):
    """Cytoscape refused or failed a request (one target; the others can go on)."""


class CytoscapeUnavailable(CytoscapeError):
    """Cytoscape is not running, not reachable or stopped answering: nothing more can be sent."""


class Opened(NamedTuple):
    """A network opened in Cytoscape: its SUID and the name of the collection it is in."""

    suid: int
    collection: str


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
        if self.path is None:
            raise ValueError(f"{self.text} is an NDEx network, not a local one")
        if self.kind == "record":
            from .network import build_network
            from .records import read_record

            return build_network(read_record(self.path)).cx2
        try:
            document = orjson.loads(self.path.read_bytes())
        except OSError as err:
            raise PfocrError(f"cannot read the file: {err.strerror}", self.path) from None
        except orjson.JSONDecodeError as err:
            raise PfocrError(f"not JSON: {err}", self.path) from None
        if not isinstance(document, list):
            raise PfocrError("not a CX2 document (a JSON array of aspects)", self.path)
        return document


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a name too long for the file system: no such file
        return False


def resolve_target(text: str, db: str | PathLike[str] = ".") -> Target:
    """Classify ``text``: an existing ``.md`` record or CX2 file, an NDEx UUID, or a figure id in ``db``.

    A figure id is looked up as ``<db>/_figures/<figid>.md``.

    >>> resolve_target("9b5c1d4e-0000-11ee-8b8a-0ac135e8bacf").kind
    'ndex'
    """
    path = Path(text)
    if _is_file(path):
        return Target(text, "record" if path.suffix == ".md" else "cx2", path)
    if is_uuid(text):
        return Target(text, "ndex")
    record = layout.record_path(db, text.removesuffix(layout.RECORD_SUFFIX))
    if "/" not in text and _is_file(record):
        return Target(text, "record", record)
    shown = text if len(text) <= 80 else text[:77] + "..."
    raise PfocrError(
        f"not a CX2 file, a figure record, a figure id in {Path(db, layout.FIGURES)} or an NDEx UUID", shown
    )


# --- py4cytoscape, imported quietly, its requests bounded -----------------------------------------

_p4c_module: ModuleType | None = None
_p4c_lock = threading.Lock()
_current = threading.local()  # .call = (BoundedSession, deadline) while a session's call runs on this thread


class _BoundedRequests:
    """Stands in for the ``requests`` module inside ``py4cytoscape.commands``, whose ``_do_request`` sends every
    request with ``requests.request(...)``.

    A request made inside a ``CytoscapeSession`` call goes through that session's ``BoundedSession`` with what is
    left of the call's deadline; any other caller (py4cytoscape used directly, in the same process) gets the
    real ``requests.request``. Everything else (``requests.exceptions`` …) is the real module's.
    """

    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        call = getattr(_current, "call", None)
        if call is None:
            return self._module.request(method, url, **kwargs)
        session, deadline = call
        remaining = deadline - time.monotonic()
        if remaining <= 0:  # e.g. py4cytoscape's connection retries slept past the deadline
            raise DeadlineExceeded(f"no time left for {method} {url}")
        response: requests.Response = session.request(method, url, deadline=remaining, **kwargs)
        return response


def _quiet_show_error(text: str) -> None:
    _LOG.debug("py4cytoscape: %s", text)


def _py4cytoscape() -> Any:
    """py4cytoscape, imported once without its ``./logs`` file log, stderr prints or Jupyter-bridge fallback."""
    global _p4c_module  # noqa: PLW0603 (imported once per process, on first use: it is slow to import)
    with _p4c_lock:
        if _p4c_module is None:
            _p4c_module = _import_py4cytoscape()
    return _p4c_module


def _import_py4cytoscape() -> ModuleType:
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
        logger_module: Any = importlib.import_module("py4cytoscape.py4cytoscape_logger")
        # The detail log holds full request bodies, NDEx passwords included: close it and keep it closed
        # (also when py4cytoscape was imported earlier, e.g. in a notebook, and writes to ./logs).
        detail = logger_module.detail_logger
        for handler in list(detail.handlers):
            detail.removeHandler(handler)
            handler.close()
        detail.disabled = True
        detail.propagate = False
    py4cytoscape.set_summary_logger(False)
    notebook: Any = importlib.import_module("py4cytoscape.py4cytoscape_notebook")
    notebook._JUPYTER_BRIDGE_URL = _CLOSED_BRIDGE_URL
    commands: Any = importlib.import_module("py4cytoscape.commands")
    if not isinstance(commands.requests, _BoundedRequests):
        commands.requests = _BoundedRequests(commands.requests)
    # py4cytoscape prints each error on stderr before raising it; we report errors ourselves, on one line.
    printing = logger_module.show_error
    for name, module in list(sys.modules.items()):
        if name.startswith("py4cytoscape") and getattr(module, "show_error", None) is printing:
            vars(module)["show_error"] = _quiet_show_error
    return py4cytoscape


# --- the session ---------------------------------------------------------------------------------


class CytoscapeSession:
    """A connection to one Cytoscape Desktop, opening PFOCR networks with one shared style.

    Parameters
    ----------
    base_url : CyREST root, e.g. ``http://127.0.0.1:1234/v1`` (``/v1`` is added when missing).
    ndex_server : NDEx server NDEx UUIDs are imported from (``https://www.ndexbio.org``).
    ndex_username, ndex_password : only for private NDEx networks; never logged or shown.
    collection : the name given to the collection each local network opens in (Cytoscape makes one per
        network); default: the network's name. CyNDEx-2 names NDEx networks' collections itself.
    style : a CX2 ``visualProperties`` style; default ``templates/pfocr-style.cx2.json``.
    db : the database checkout figure ids are looked up in.
    timeout : seconds one CyREST call may take, all of it (a positive number).
    connect_timeout : seconds the first "is Cytoscape there" check may take.
    max_reply_bytes : the largest reply read from Cytoscape.

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
        collection: str | None = None,
        style: dict | None = None,
        db: str | PathLike[str] = ".",
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_reply_bytes: int = MAX_REPLY_BYTES,
    ) -> None:
        self.base_url = normalize_cytoscape_url(base_url)
        self.ndex_server = re.sub(r"/v\d+$", "", normalize_server(ndex_server))  # CyNDEx appends /v2
        self.ndex_username = ndex_username
        self._ndex_password = ndex_password
        self.collection = collection
        self.db = Path(db)
        self.timeout = check_deadline(timeout, "timeout")
        self.connect_timeout = check_deadline(connect_timeout, "connect_timeout")
        self.max_reply_bytes = max_reply_bytes
        self._http = BoundedSession(self.timeout, max_reply_bytes)
        self._style = style
        self._style_name: str | None = None  # the style's name in Cytoscape, once it is there
        self._version: str | None = None
        self._hung: str | None = None  # set when a call timed out: Cytoscape is not usable any more

    def __repr__(self) -> str:
        return f"CytoscapeSession({self.base_url!r}, collection={self.collection!r})"

    # -- plumbing --

    def _call(self, function: Callable[..., Any], *args: Any, deadline: float | None = None, **kwargs: Any) -> Any:
        """Run one py4cytoscape call with ``base_url``, ending by ``deadline`` (monotonic; default ``timeout``
        from now); translate its errors."""
        if self._hung:
            raise CytoscapeUnavailable(self._hung)
        if deadline is None:
            deadline = time.monotonic() + self.timeout
        outcome: dict[str, Any] = {}

        def run() -> None:
            _current.call = (self._http, deadline)
            try:
                outcome["value"] = function(*args, base_url=self.base_url, **kwargs)
            except BaseException as err:  # noqa: BLE001 (handed to the caller's thread)
                outcome["error"] = err
            finally:
                _current.call = None

        worker = threading.Thread(target=run, name=f"cytoscape-{function.__name__}", daemon=True)
        worker.start()
        # The bounded transport ends each request by the deadline; the second of grace covers the moment the
        # error takes to come back. Past it the worker is asleep in py4cytoscape's connection retries.
        worker.join(max(deadline - time.monotonic(), 0) + 1.0)
        error = outcome.get("error")
        if worker.is_alive() or isinstance(error, requests.exceptions.Timeout):  # DeadlineExceeded included
            # py4cytoscape is not thread-safe: after a timeout nothing more is sent from this session.
            if self._answers():
                self._hung = (
                    f"Cytoscape at {self.base_url} did not answer within {self.timeout:g} s "
                    f"(in {function.__name__}; is a dialog open in Cytoscape?)"
                )
            else:
                self._hung = _not_answering(self.base_url)
            raise CytoscapeUnavailable(self._hung)
        if error is not None:
            translated = self._translate(error, function.__name__)
            if translated is error:
                raise error
            raise translated from error
        return outcome.get("value")

    def _translate(self, err: BaseException, function: str) -> BaseException:
        p4c = _py4cytoscape()
        if isinstance(err, ResponseTooLarge):
            self._hung = (
                f"Cytoscape at {self.base_url} sent a reply larger than {self.max_reply_bytes:,} bytes "
                f"(in {function}): not a CyREST answer"
            )
            return CytoscapeUnavailable(self._hung)
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
        if isinstance(err, (ValueError, KeyError, TypeError, IndexError, AttributeError)):
            return CytoscapeError(f"unexpected reply from Cytoscape in {function} ({type(err).__name__}: {err})")
        return err

    def _answers(self) -> bool:
        """Whether ``GET <base_url>`` answers 2xx, whole, within ``connect_timeout`` seconds."""
        try:
            BoundedSession(self.connect_timeout, 1 << 16).get(
                self.base_url, headers={"Accept": "application/json"}
            ).raise_for_status()
        except requests.exceptions.RequestException:
            return False
        return True

    def _reply(self, value: object, expected: type, what: str) -> Any:
        """``value`` when it is of the ``expected`` JSON type, else a one-line error naming the call."""
        if not isinstance(value, expected) or isinstance(value, bool):
            raise CytoscapeError(f"unexpected reply from Cytoscape to {what}: {str(value)[:200]}")
        return value

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
        try:
            versions = self._reply(self._call(p4c.commands.cyrest_get, "version"), dict, "GET /version")
        except CytoscapeUnavailable:
            raise
        except CytoscapeError as err:
            raise CytoscapeUnavailable(f"{self.base_url} does not answer as CyREST does: {err.message}") from None
        self._version = str(versions.get("cytoscapeVersion", "unknown"))
        return self._version

    # -- the steps --

    def _import_cx2(self, cx2: list[dict], title: str, collection: str) -> int:
        p4c = _py4cytoscape()
        reply = self._call(
            p4c.commands.cyrest_post,
            "networks",
            parameters={"format": "cx2", "title": title, "collection": collection},
            body=_without_style(cx2),
        )
        suid = reply.get("networkSUID") if isinstance(reply, dict) else None
        return int(self._reply(suid, int, "the CX2 import"))

    def _import_ndex(self, uuid: str) -> int:
        p4c = _py4cytoscape()
        suid = self._call(
            p4c.import_network_from_ndex,
            uuid,
            username=self.ndex_username,
            password=self._ndex_password,
            ndex_url=self.ndex_server,
            ndex_version="v2",
        )
        return int(self._reply(suid, int, "the NDEx import"))

    def _style_names(self) -> set[str]:
        names = self._reply(self._call(_py4cytoscape().get_visual_style_names), list, "GET /apply/styles")
        return {name for name in names if isinstance(name, str)}

    def ensure_style(self, style_names: Iterable[str] | None = None) -> str:
        """Create the PFOCR style in Cytoscape unless a style of that name is there; return its name.

        ``style_names``: the styles Cytoscape has, when the caller just asked for them.
        """
        if self._style_name is not None:
            return self._style_name
        p4c = _py4cytoscape()
        if STYLE_NAME not in (self._style_names() if style_names is None else set(style_names)):
            from .style import VisualStyle, load_style
            from .style.desktop import desktop_style

            desktop = desktop_style(VisualStyle.parse(self._style if self._style is not None else load_style()))
            if desktop.left_out:
                _LOG.info("left out of the Cytoscape style (no Desktop counterpart): %s", ", ".join(desktop.left_out))
            created = self._reply(
                self._call(p4c.create_visual_style, STYLE_NAME, defaults=desktop.defaults, mappings=desktop.mappings),
                dict,
                "POST /styles",
            )
            if created.get("title") != STYLE_NAME:
                raise CytoscapeError(f"Cytoscape stored the style as {created.get('title')!r}, not {STYLE_NAME!r}")
            # A new style locks width = height (ding NodeSizeDependencyFactory): unlock so NODE_WIDTH/HEIGHT apply.
            self._call(
                p4c.commands.cyrest_put,
                f"styles/{STYLE_NAME}/dependencies",
                body=[{"visualPropertyDependency": "nodeSizeLocked", "enabled": False}],
                require_json=False,
            )
        self._style_name = STYLE_NAME
        return STYLE_NAME

    def _apply_style(self, suid: int) -> int:
        """Apply the PFOCR style to network ``suid``; return its view's SUID.

        cyREST answers 404 "Network view does not exist …" while the network has no view: retried (waits
        doubling from a quarter second) until one call's ``timeout`` has passed.
        """
        p4c = _py4cytoscape()
        name = self.ensure_style()
        deadline = time.monotonic() + self.timeout
        wait = _FIRST_RETRY_WAIT
        while True:
            try:
                self._call(p4c.commands.cyrest_get, f"apply/styles/{name}/{suid}", deadline=deadline)
                break
            except CytoscapeUnavailable:
                raise
            except CytoscapeError as err:
                if _NO_VIEW not in err.message:
                    raise
                if time.monotonic() + wait >= deadline:
                    raise CytoscapeError(
                        f"Cytoscape made no view of network {suid} within {self.timeout:g} s, so it has no style, "
                        "figure image or fit (Cytoscape makes no view of networks above its view threshold)"
                    ) from None
                time.sleep(wait)
                wait *= 2
        views = self._reply(self._call(p4c.commands.cyrest_get, f"networks/{suid}/views"), list, "GET views")
        return int(self._reply(views[0] if views else None, int, f"GET /networks/{suid}/views"))

    def _drop_import_styles(self, styles_before: set[str]) -> None:
        """Delete the styles an import made (CyNDEx-2's reader makes ``<collection>-Style`` per network)."""
        p4c = _py4cytoscape()
        for leftover in self._style_names() - styles_before - {STYLE_NAME}:
            if "/" in leftover:  # cannot be addressed in a CyREST path
                continue
            try:
                self._call(p4c.delete_visual_style, leftover)
            except CytoscapeUnavailable:
                raise
            except CytoscapeError as err:
                _LOG.debug("could not delete the import style %r: %s", leftover, err)

    def _open_ndex(self, uuid: str) -> tuple[int, int, dict]:
        """Import an NDEx network with the PFOCR style; its SUID, view SUID and network attributes."""
        styles_before = self._style_names()
        self.ensure_style(styles_before)
        suid = self._import_ndex(uuid)
        view = self._apply_style(suid)
        self._drop_import_styles(styles_before)
        return suid, view, self._network_row(suid)

    def _network_row(self, suid: int) -> dict:
        """The network's attributes as Cytoscape holds them (its default network table row)."""
        p4c = _py4cytoscape()
        rows = self._call(p4c.commands.cyrest_get, f"networks/{suid}/tables/defaultnetwork/rows")
        return next((row for row in rows if isinstance(row, dict)), {}) if isinstance(rows, list) else {}

    def _node_box(self, suid: int, view: int) -> tuple[float, float, float]:
        """left, top, right of the nodes' rectangles in the view, padded by half a converter grid gap."""
        from .network import CELL_GAP_X, CELL_GAP_Y

        p4c = _py4cytoscape()
        columns = []
        for vp in ("NODE_X_LOCATION", "NODE_Y_LOCATION", "NODE_WIDTH", "NODE_HEIGHT"):
            try:
                views = self._call(
                    p4c.commands.cyrest_get, f"networks/{suid}/views/{view}/nodes", parameters={"visualProperty": vp}
                )
            except CytoscapeUnavailable:
                raise
            except CytoscapeError:  # 404 "Could not find views.": no nodes
                return 0.0, 0.0, 0.0
            columns.append(_values_by_suid(views, vp))
        x, y, w, h = columns
        nodes = [node for node in x if node in y and node in w and node in h]
        if not nodes:
            return 0.0, 0.0, 0.0
        return (
            min(x[n] - w[n] / 2 for n in nodes) - CELL_GAP_X / 2,
            min(y[n] - h[n] / 2 for n in nodes) - CELL_GAP_Y / 2,
            max(x[n] + w[n] / 2 for n in nodes) + CELL_GAP_X / 2,
        )

    def _add_figure_image(self, suid: int, view: int, image_url: str) -> None:
        """Put the figure image behind the nodes, placed and sized as the converter's own annotation."""
        from .network import IMAGE_ANNOTATION, IMAGE_OPACITY, figure_image_frame

        x, y, width = figure_image_frame(*self._node_box(suid, view))
        # Cytoscape shows an empty box for http:// images (cytoscape/py4cytoscape#131); PMC serves https.
        body = {
            "view": f"SUID:{view}",
            "type": IMAGE_ANNOTATION,
            "url": re.sub(r"^http://", "https://", image_url),
            "x": f"{x:.1f}",
            "y": f"{y:.1f}",
            "width": f"{width:.1f}",  # the height follows the image's aspect ratio (ImageAnnotationImpl)
            "opacity": f"{IMAGE_OPACITY * 100:g}",  # the command's 0-100 (ImageAnnotationTunables)
            "newName": FIGURE_ANNOTATION_NAME,
            "canvas": "background",
        }
        reply = self._call(_py4cytoscape().commands.cyrest_post, "commands/annotation/add image", body=body)
        errors = reply.get("errors") if isinstance(reply, dict) else None
        if errors:
            raise CytoscapeError(f"Cytoscape did not add the figure image: {str(errors[0])[:200]}")

    def _fit(self, view: int) -> None:
        self._call(_py4cytoscape().commands.cyrest_post, "commands/view/fit content", body={"view": f"SUID:{view}"})

    # -- public API --

    def open_target(self, target: str | Target) -> Opened:
        """Open one target (CX2 file, record path, figure id or NDEx UUID); return its SUID and collection."""
        if not isinstance(target, Target):
            target = resolve_target(str(target), self.db)
        cx2 = target.load_cx2() if target.path is not None else None
        self.connect()
        try:
            if cx2 is None:
                suid, view, attributes = self._open_ndex(target.text)
                collection = str(attributes.get("name") or target.text)  # CyNDEx-2's reader names it so
            else:
                attributes = network_attributes(cx2)
                title = str(attributes.get("name") or (target.path or Path(target.text)).stem)
                collection = self.collection or title
                suid = self._import_cx2(cx2, title, collection)
                view = self._apply_style(suid)
            image_url = attributes.get("__NetworkImage")
            # Cytoscape draws the images of __Annotations itself when it makes the view.
            if isinstance(image_url, str) and image_url and not _has_image_annotation(attributes.get("__Annotations")):
                self._add_figure_image(suid, view, image_url)
            self._fit(view)
        except CytoscapeUnavailable:
            raise
        except CytoscapeError as err:
            raise CytoscapeError(err.message, target.text) from err
        return Opened(suid, collection)

    def open_figure(self, target: str | Target) -> int:
        """Open one target (CX2 file, record path, figure id or NDEx UUID) and return its network SUID."""
        return self.open_target(target).suid

    def open_networks(
        self, targets: Iterable[str | Target], on_error: Callable[[str, PfocrError], None] | None = None
    ) -> list[int]:
        """Open several targets, each in a collection of its own; return the SUIDs of those opened.

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
    after it (cytoscape/cx ``Cx2Importer.makeView``); the PFOCR style replaces it anyway. Everything else
    (attributes, positions) goes in unchanged.
    """
    kept = []
    for aspect in cx2:
        if isinstance(aspect, dict) and _STYLE_ASPECTS & aspect.keys():
            continue
        if isinstance(aspect, dict) and isinstance(aspect.get("metaData"), list):
            kept.append(
                {
                    "metaData": [
                        m for m in aspect["metaData"] if not (isinstance(m, dict) and m.get("name") in _STYLE_ASPECTS)
                    ]
                }
            )
        else:
            kept.append(aspect)
    return kept


def _values_by_suid(views: object, visual_property: str) -> dict[int, float]:
    """``{SUID: value}`` of a ``GET …/views/{v}/nodes?visualProperty=`` reply (``[{"SUID", "view": [{…}]}]``)."""
    values = {}
    for item in views if isinstance(views, list) else ():
        try:
            value = float(item["view"][0]["value"])
            suid = int(item["SUID"])
        except (KeyError, IndexError, TypeError, ValueError):
            raise CytoscapeError(f"unexpected reply from Cytoscape to GET node views ({visual_property})") from None
        if math.isfinite(value):
            values[suid] = value
    return values


def _has_image_annotation(value: object) -> bool:
    """Whether an ``__Annotations`` value (list or single string) holds an image annotation."""
    texts = value if isinstance(value, list) else [value]
    return any(isinstance(text, str) and "ImageAnnotation" in text for text in texts)


def open_figure(target: str, **session_options: Any) -> int:
    """Open one figure in Cytoscape; ``session_options`` as for ``CytoscapeSession``. Returns the SUID."""
    return CytoscapeSession(**session_options).open_figure(target)


def open_networks(targets: Iterable[str], **session_options: Any) -> list[int]:
    """Open several figures with one shared style, each in a collection of its own. Returns their SUIDs."""
    return CytoscapeSession(**session_options).open_networks(targets)
