"""HTTP front of the NDEx sandbox: routes, Basic auth, error bodies, faults, request log.

A request is answered in ndex-rest's order: the route is matched, the ``BasicAuthenticationFilter``
runs on the headers alone (ndex-rest's filter runs before the resource method reads the entity),
and only then is the body read, bounded by :mod:`.framing`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import orjson

from .errors import ApiError, UuidSyntaxError, parse_uuid, parse_visibility, uuid_from_string
from .framing import ClientGone, FramingError, read_body
from .summary import parse_summary_format

if TYPE_CHECKING:
    from . import NdexSandbox

__all__ = ["RequestRecord", "SandboxHTTPServer", "form_field"]

logger = logging.getLogger(__name__)

SERVER_VERSION = "3.0.0"  # what /v2/admin/status reports; /rest/admin/status (v1 service) says "2.0"
SWALLOW_LIMIT = 2 * 1024 * 1024  # Tomcat's maxSwallowSize: unread body drained after an early answer
PROXY_REASONS = {
    413: "Request Entity Too Large",
    429: "Too Many Requests",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}
ERROR_CODES = {
    400: "NDEx_Bad_Request_Exception",
    401: "NDEx_Unauthorized_Operation_Exception",
    403: "NDEx_Forbidden_Operation_Exception",
    404: "NDEx_Object_Not_Found_Exception",
    409: "NDEx_Duplicate_Object_Exception",
    415: "NDEx_Unsupported_Media_Type",
}


class RequestRecord(NamedTuple):
    """One served request; ``status`` is ``None`` when the answer was dropped (``lost_response``);
    ``received`` is the ``time.monotonic()`` at which its headers were read."""

    method: str
    path: str
    query: str
    status: int | None
    received: float = 0.0


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(status: int, payload: Any, **headers: str) -> Reply:
    # ndex2 parses a body only when Content-Type is exactly "application/json" (no charset)
    return Reply(status, orjson.dumps(payload), "application/json", dict(headers))


def ndex_timestamp(now: float) -> str:
    """``NDExError``'s time stamp, "yyyy-MM-dd H:mm:ss,SSS".

    >>> import re; bool(re.fullmatch(r"\\d{4}-\\d\\d-\\d\\d \\d{1,2}:\\d\\d:\\d\\d,\\d{3}", ndex_timestamp(0.5)))
    True
    """
    local = time.localtime(now)
    clock = f"{local.tm_hour}:{time.strftime('%M:%S', local)},{int(now * 1000) % 1000:03d}"
    return f"{time.strftime('%Y-%m-%d', local)} {clock}"


def error_reply(err: ApiError, *, v2_path: bool = False) -> Reply:
    """The NDEx error body (``NDExError``); 401s thrown by v2 services add ``WWW-Authenticate``."""
    body: dict[str, Any] = {"errorCode": err.code, "message": err.message}
    if err.description is not None:  # NON_NULL
        body["description"] = err.description
    if err.code == "NDEx_Exception":
        body["stackTrace"] = f"org.ndexbio.model.exceptions.NdexException: {err.message}"
    body["threadId"] = str(threading.get_ident())
    body["timeStamp"] = ndex_timestamp(time.time())
    reply = json_reply(err.status, body)
    if err.status == 401 and v2_path:
        reply.headers["WWW-Authenticate"] = "Basic"
    return reply


def proxy_page(status: int) -> Reply:
    """The HTML page a front proxy (nginx) answers with."""
    reason = PROXY_REASONS.get(status, "Error")
    page = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} "
        f"{reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Reply(status, page.encode(), "text/html")


def fault_reply(status: int) -> Reply:
    """A front proxy's HTML page for 429/5xx gateway codes, the NDEx JSON error body otherwise."""
    if status in PROXY_REASONS or status > 500:
        return proxy_page(status)
    code = ERROR_CODES.get(status, "NDEx_Exception")
    return error_reply(ApiError(status, code, f"Injected fault: HTTP {status}."))


Route = Callable[["Request"], Reply]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Any
    body: bytes
    user_id: str | None
    match: re.Match[str]

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str, default: int) -> int:
        text = self.arg(name)
        if text is None:
            return default
        try:
            return int(text)
        except ValueError:
            raise ApiError.uncaught(
                "jakarta.ws.rs.NotFoundException",
                f"RESTEASY003870: Unable to extract parameter from http request: "
                f"jakarta.ws.rs.QueryParam(\"{name}\") value is '{text}'",
            ) from None

    def require_user(self) -> str:
        if self.user_id is None:
            raise ApiError.unauthorized("Attempted to access resource requiring authentication.")
        return self.user_id

    def json(self) -> Any:
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as err:
            raise ApiError.bad_request(f"Unable to parse the request body as JSON: {err}") from None

    def cx2_upload(self) -> bytes:
        """The CX2 of a create/update: multipart part ``CXNetworkStream`` or a JSON body."""
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            payload = form_field(content_type, self.body, "CXNetworkStream")
            if payload is None:
                raise ApiError.bad_request("Field CXNetworkStream is not found in the POSTed Data.")
            return payload
        if content_type.split(";")[0].strip() == "application/json":
            return self.body
        raise ApiError(
            415, "NDEx_Unsupported_Media_Type", f"RESTEASY003065: Cannot consume content type {content_type or 'none'}"
        )


_BOUNDARY = re.compile(r';\s*boundary=(?:"([^"]+)"|([^\s;]+))', re.IGNORECASE)
_FIELD_NAME = re.compile(rb'content-disposition:[^\r\n]*;\s*name="([^"]*)"', re.IGNORECASE)


def form_field(content_type: str, body: bytes, name: str) -> bytes | None:
    """The value of field ``name`` in a ``multipart/form-data`` body (RFC 7578), or ``None``.

    A direct split on the boundary: the email package's MIME parser costs about a millisecond
    per upload, the sandbox's largest per-request cost.

    >>> form_field('multipart/form-data; boundary=b', b'--b\\r\\nContent-Disposition: form-data; '
    ...            b'name="x"\\r\\n\\r\\n[1]\\r\\n--b--\\r\\n', "x")
    b'[1]'
    """
    found = _BOUNDARY.search(content_type)
    if found is None:
        return None
    delimiter = b"\r\n--" + (found.group(1) or found.group(2)).encode("latin-1")
    wanted = name.encode("utf-8")
    # parts sit between "\r\n--boundary" lines; the first delimiter may open the body without "\r\n"
    for part in (b"\r\n" + body).split(delimiter)[1:]:
        if part.startswith(b"--"):  # the close delimiter: no more parts
            break
        head, separator, payload = part.partition(b"\r\n\r\n")
        if not separator:
            continue
        field = _FIELD_NAME.search(head)
        if field is not None and field.group(1) == wanted:
            return payload
    return None


_UUID = r"(?P<id>[^/]+)"
OPEN, AUTH = True, False  # @PermitAll (anonymous allowed) or not


class Api:
    """The NDEx endpoints the sandbox serves; each returns a :class:`Reply` or raises ``ApiError``."""

    def __init__(self, sandbox: NdexSandbox) -> None:
        self.sb = sandbox
        self.store = sandbox._store
        route = re.compile
        self.routes: list[tuple[str, re.Pattern[str], Route, bool]] = [
            ("GET", route(r"^/rest/admin/status/?$"), self.status_v1, OPEN),
            ("GET", route(r"^/v[23]/admin/status/?$"), self.status_v2, OPEN),
            ("POST", route(r"^/v3/networks/?$"), self.create_network, AUTH),
            ("PUT", route(rf"^/v3/networks/{_UUID}$"), self.update_network, AUTH),
            ("GET", route(rf"^/v3/networks/{_UUID}$"), self.get_cx2, OPEN),
            ("DELETE", route(rf"^/v3/networks/{_UUID}$"), self.delete_network, AUTH),
            ("DELETE", route(rf"^/v2/network/{_UUID}$"), self.delete_network_v2, AUTH),
            ("GET", route(rf"^/v3/networks/{_UUID}/summary$"), self.summary_v3, OPEN),
            ("GET", route(rf"^/v2/network/{_UUID}/summary$"), self.summary_v2, OPEN),
            ("POST", route(r"^/v2/batch/network/summary$"), self.batch_summary_v2, OPEN),
            ("POST", route(r"^/v3/batch/networks/summary$"), self.batch_summary_v3, OPEN),
            ("PUT", route(rf"^/v2/network/{_UUID}/systemproperty$"), self.system_properties, AUTH),
            ("PUT", route(rf"^/v2/network/{_UUID}/properties$"), self.properties, AUTH),
            ("GET", route(r"^/v2/user/?$"), self.user, OPEN),
            ("GET", route(r"^/v3/users/?$"), self.user, OPEN),
            ("GET", route(rf"^/v2/user/{_UUID}/networksummary$"), self.user_networks, AUTH),
            ("POST", route(r"^/v2/networkset/?$"), self.create_networkset, AUTH),
            ("GET", route(rf"^/v2/networkset/{_UUID}$"), self.get_networkset, OPEN),
            ("POST", route(rf"^/v2/networkset/{_UUID}/members$"), self.add_members, AUTH),
            ("PUT", route(rf"^/v2/networkset/{_UUID}/systemproperty$"), self.networkset_properties, AUTH),
            ("POST", route(r"^/v3/files/folders/?$"), self.create_folder, AUTH),
            ("GET", route(rf"^/v3/files/folders/{_UUID}$"), self.get_folder, OPEN),
            ("GET", route(rf"^/v3/files/folders/{_UUID}/list$"), self.list_folder, OPEN),
            ("POST", route(r"^/v3/batch/files/setvisibility$"), self.set_file_visibility, AUTH),
            ("POST", route(r"^/v2/search/network$"), self.search, OPEN),
        ]

    def resolve(self, method: str, path: str) -> tuple[Route, re.Match[str], bool] | None:
        for route_method, pattern, handler, is_open in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                return handler, match, is_open
        return None

    @staticmethod
    def _id(request: Request) -> str:
        return parse_uuid(request.match.group("id"))

    def _status(self, version: str) -> dict[str, Any]:
        return {
            "networkCount": 0,
            "userCount": 0,
            "groupCount": 0,
            "message": "Online",
            "properties": {"ServerVersion": version, "ServerResultLimit": "10000", "Build": "ndex-sandbox"},
        }

    def status_v1(self, request: Request) -> Reply:
        return json_reply(200, self._status("2.0"))

    def status_v2(self, request: Request) -> Reply:
        return json_reply(200, self._status(SERVER_VERSION))

    def create_network(self, request: Request) -> Reply:
        """``NetworkServiceV3.createCX2Network``: visibility, quota, the CX2 part, folderId, create."""
        user_id = request.require_user()
        visibility = parse_visibility(request.arg("visibility"))
        self.store.check_disk_space(user_id)
        cx2 = request.cx2_upload()
        folder = request.arg("folderId")
        folder_id = parse_uuid(folder) if folder else None
        status = self.store.create_network(user_id, cx2, visibility=visibility, folder_id=folder_id)
        self.sb._tasks.add("load", status["uuid"])
        return json_reply(
            201,
            status,
            Location=f"{self.sb.url}/v3/networks/{status['uuid']}",
            **{"Access-Control-Expose-Headers": "Location"},
        )

    def update_network(self, request: Request) -> Reply:
        """``NetworkServiceV3.updateCX2Network``: the CX2 part, visibility, id, then
        ``lockNetworkForUpdate`` (quota, read-only, permission, lock); 200 with the update status."""
        user_id = request.require_user()
        cx2 = request.cx2_upload()
        visibility = parse_visibility(request.arg("visibility"))
        network_id = self._id(request)
        self.store.lock_for_update(user_id, network_id)
        try:
            status = self.store.update_network(network_id, cx2, visibility)
        except BaseException:
            self.store.unlock(network_id)
            raise
        self.sb._tasks.add("load", network_id)
        return json_reply(200, status)

    def get_cx2(self, request: Request) -> Reply:
        return Reply(200, self.store.network_cx2(self._id(request), request.user_id), "application/json")

    def delete_network(self, request: Request) -> Reply:
        user_id = request.require_user()
        permanent = (request.arg("permanent") or "false").lower() == "true"
        self.store.delete_network(self._id(request), user_id, permanent=permanent)
        return Reply(204)

    def delete_network_v2(self, request: Request) -> Reply:
        self.store.delete_network(self._id(request), request.require_user(), permanent=True, v2=True)
        return Reply(204)

    def summary_v2(self, request: Request) -> Reply:
        return json_reply(200, self.store.network_summary(self._id(request), request.user_id))

    def summary_v3(self, request: Request) -> Reply:
        """``getNetworkSummaryV3``: its ``catch (IllegalArgumentException)`` wraps the UUID parse
        too, so a malformed id is a 400 "Format … is unsupported"."""
        format_text = request.arg("format", "FULL") or "FULL"
        summary_format = parse_summary_format(format_text)
        try:
            network_id = uuid_from_string(request.match.group("id"))
        except UuidSyntaxError as err:  # an IllegalArgumentException, as NumberFormatException is
            raise ApiError.bad_request(f"Format {format_text} is unsupported. Error message: {err.message}") from None
        summary = self.store.network_summary(network_id, request.user_id, v3=True, summary_format=summary_format)
        return json_reply(200, summary)

    def _id_list(self, request: Request) -> list[Any]:
        ids = request.json()
        if ids is None:
            raise ApiError.forbidden("A network UUID list is required.")
        if not isinstance(ids, list):
            raise ApiError.bad_request("A JSON array of network UUIDs is required.")
        return ids

    def batch_summary_v2(self, request: Request) -> Reply:
        return json_reply(200, self.store.network_summaries(self._id_list(request), request.user_id))

    def batch_summary_v3(self, request: Request) -> Reply:
        summary_format = parse_summary_format(request.arg("format", "FULL") or "FULL")
        ids = self._id_list(request)
        return json_reply(
            200, self.store.network_summaries(ids, request.user_id, v3=True, summary_format=summary_format)
        )

    def system_properties(self, request: Request) -> Reply:
        user_id = request.require_user()
        network_id = self._id(request)
        parameters = request.json()
        if not isinstance(parameters, dict):
            raise ApiError.bad_request("A JSON object of system properties is required.")
        if self.store.set_system_properties(network_id, user_id, parameters):
            self.sb._tasks.add("index", network_id)
        return Reply(204)

    def properties(self, request: Request) -> Reply:
        user_id = request.require_user()
        properties = request.json()
        if not isinstance(properties, list) or not all(isinstance(p, dict) for p in properties):
            raise ApiError.bad_request("A JSON array of NdexPropertyValuePair objects is required.")
        return json_reply(200, self.store.set_properties(self._id(request), user_id, properties))

    def user(self, request: Request) -> Reply:
        return json_reply(200, self.store.user(request.arg("username"), request.user_id))

    def user_networks(self, request: Request) -> Reply:
        owner_id = self._id(request)
        offset = request.int_arg("offset", 0)
        limit = request.int_arg("limit", 0)
        return json_reply(200, self.store.user_network_summaries(owner_id, request.user_id, offset, limit))

    def create_networkset(self, request: Request) -> Reply:
        """``NetworkSetServiceV2.createNetworkSet``: on NDEx 3 a PRIVATE root folder."""
        user_id = request.require_user()
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError.bad_request("A JSON network set object is required.")
        if not body.get("name"):
            raise ApiError.server("Network set name is required.")
        folder_id = self.store.create_folder(user_id, body["name"], body.get("description"))
        url = f"{self.sb.url}/v2/networkset/{folder_id}"
        return Reply(201, url.encode(), "text/plain", {"Location": url})

    def get_networkset(self, request: Request) -> Reply:
        return json_reply(200, self.store.network_set(self._id(request), request.user_id))

    def add_members(self, request: Request) -> Reply:
        user_id = request.require_user()
        set_id = self._id(request)
        ids = request.json()
        if not isinstance(ids, list):
            raise ApiError.bad_request("A JSON array of network UUIDs is required.")
        self.store.add_set_members(set_id, user_id, [parse_uuid(str(i)) for i in ids])
        url = f"{self.sb.url}/v2/networkset/{set_id}/members"
        return Reply(201, url.encode(), "text/plain", {"Location": url})

    def networkset_properties(self, request: Request) -> Reply:
        self.store.network_set_system_properties(self._id(request), request.require_user())
        return Reply(204)

    def create_folder(self, request: Request) -> Reply:
        user_id = request.require_user()
        body = request.json()
        if not isinstance(body, dict) or not str(body.get("name") or "").strip():
            raise ApiError.bad_request("Folder name cannot be empty.")
        parent = body.get("parent")
        folder_id = self.store.create_folder(
            user_id, body["name"], body.get("description"), parse_uuid(parent) if parent else None
        )
        url = f"{self.sb.url}/v3/files/folders/{folder_id}"
        return json_reply(
            201,
            {"uuid": folder_id, "modificationTime": int(time.time() * 1000)},
            Location=url,
            **{"Access-Control-Expose-Headers": "Location"},
        )

    def get_folder(self, request: Request) -> Reply:
        return json_reply(200, self.store.folder_info(self._id(request), request.user_id))

    def list_folder(self, request: Request) -> Reply:
        """``FolderServiceV3.listItemsInFolder``: ``format`` (``compact`` adds attributes) and ``type``."""
        compact = (request.arg("format") or "update").lower() == "compact"
        type_text = request.arg("type")
        file_type = type_text.upper() if type_text else None
        if file_type not in (None, "NETWORK", "FOLDER", "SHORTCUT"):
            raise ApiError.uncaught(
                "java.lang.IllegalArgumentException", f"No enum constant org.ndexbio.model.object.FileType.{file_type}"
            )
        if (request.match.group("id") or "").lower() == "home":
            if request.user_id is None:
                raise ApiError.unauthorized("You must be logged in to list your home folder.")
            return json_reply(200, self.store.home_items(request.user_id, compact=compact, file_type=file_type))
        items = self.store.folder_items(self._id(request), request.user_id, compact=compact, file_type=file_type)
        return json_reply(200, items)

    def set_file_visibility(self, request: Request) -> Reply:
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError.bad_request("A JSON object with 'visibility' and 'files' is required.")
        self.store.set_file_visibility(body.get("visibility"), body.get("files"), request.require_user())
        return Reply(204)

    def search(self, request: Request) -> Reply:
        body = request.json() if request.body else {}
        if not isinstance(body, dict):
            raise ApiError.bad_request("A JSON search object is required.")
        result = self.store.search_networks(
            str(body.get("searchString") or ""),
            body.get("accountName"),
            request.user_id,
            request.int_arg("start", 0),
            request.int_arg("size", 100),
        )
        return json_reply(200, result)


def _plain(status: int, message: str) -> Reply:
    """The container's own answer (Tomcat's error page: plain text here)."""
    reason = {400: "Bad Request", 413: "Payload Too Large", 501: "Not Implemented"}.get(status, "Error")
    return Reply(status, f"HTTP Status {status} - {reason}: {message}\n".encode(), "text/plain")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        idle = self.server.sandbox.idle_timeout
        self.connection.settimeout(idle)  # each wait for the client's next bytes
        # the request line and headers must arrive within the idle timeout, even byte by byte
        self._headers_too_slow = False
        self._header_watchdog = threading.Timer(idle, self._headers_timed_out)
        self._header_watchdog.daemon = True
        self._header_watchdog.start()

    def finish(self) -> None:
        self._header_watchdog.cancel()
        with contextlib.suppress(OSError):
            super().finish()

    def _headers_timed_out(self) -> None:
        self._headers_too_slow = True
        self._drop()

    def _drop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request log is ``NdexSandbox.requests``."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _authenticate(self) -> str | None:
        """``BasicAuthenticationFilter``: ``None`` for anonymous, the user id, or the 401 ``ApiError``."""
        header = self.headers.get("Authorization")
        if not header:
            return None
        if not header.startswith("Basic "):
            if header.startswith("Bearer "):
                raise ApiError.unauthorized("Failed to authenticate user : Google OAuth is not enabled in NDEx server.")
            raise ApiError.unauthorized("Authorization is not using Basic auth or OAuth.")
        try:
            decoded = base64.b64decode(header[len("Basic ") :].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError.unauthorized("Failed to authenticate user; credential information unknown.") from None
        name, colon, password = decoded.partition(":")
        if not colon:
            raise ApiError.unauthorized("Malformed authorization value in HTTP request header.")
        return self.server.sandbox._store.authenticate(name, password)

    def _before_body(
        self, method: str, path: str
    ) -> tuple[Reply | None, tuple[Route, re.Match[str]] | None, str | None]:
        """Route and authenticate on the headers alone: an early answer, or the handler and user."""
        resolved = self.server.api.resolve(method, path)
        if resolved is None:
            return (
                error_reply(
                    ApiError.not_found(
                        f"RESTEASY003210: Could not find resource for full path: {self.server.sandbox.url}{path}"
                        " (not served by the NDEx sandbox)"
                    )
                ),
                None,
                None,
            )
        handler, match, is_open = resolved
        try:
            user_id = self._authenticate()
        except ApiError as err:  # BasicAuthenticationFilter aborts without WWW-Authenticate
            return error_reply(err), None, None
        if user_id is None and not is_open:
            return (
                error_reply(ApiError.unauthorized("Attempted to access resource requiring authentication.")),
                None,
                None,
            )
        return None, (handler, match), user_id

    def _dispatch(self, request: Request, handler: Route) -> Reply:
        try:
            return handler(request)
        except ApiError as err:
            return error_reply(err, v2_path=request.path.startswith("/v2/"))
        except Exception as err:  # an unexpected sandbox failure: answer as the real server would
            logger.debug("NDEx sandbox: %s %s failed", request.method, request.path, exc_info=True)
            return error_reply(ApiError.uncaught(type(err).__name__, str(err)))

    def _handle(self) -> None:
        self._header_watchdog.cancel()
        if self._headers_too_slow:  # what was parsed is a fragment of a request cut off by the watchdog
            return
        sandbox = self.server.sandbox
        received = time.monotonic()
        self.close_connection = True
        split = urlsplit(self.path)
        path, query = split.path, split.query
        fault = sandbox.faults.take(self.command, path)
        if fault is not None and fault.kind == "status":  # a proxy in front answers; the server sees nothing
            self._answer_early(fault_reply(fault.status), path, query, received)
            return
        early, resolved, user_id = self._before_body(self.command, path)
        if early is not None or resolved is None:
            self._answer_early(early or _plain(500, "no route"), path, query, received)
            return
        try:
            body = read_body(
                self.connection, self.rfile, self.headers, max_bytes=sandbox.max_body, idle=sandbox.idle_timeout
            )
        except FramingError as err:
            self._answer_early(
                proxy_page(413) if err.status == 413 else _plain(err.status, str(err)), path, query, received
            )
            return
        except ClientGone:
            sandbox._record(RequestRecord(self.command, path, query, None, received))
            return
        self.connection.settimeout(sandbox.idle_timeout)
        if sandbox.latency > 0:
            self.server.stop.wait(sandbox.latency)
        if fault is not None and fault.kind == "hang":
            self.server.stop.wait(fault.delay)
        handler, match = resolved
        reply = self._dispatch(
            Request(self.command, path, parse_qs(query, keep_blank_values=True), self.headers, body, user_id, match),
            handler,
        )
        if fault is not None and fault.kind == "lost_response":
            sandbox._record(RequestRecord(self.command, path, query, None, received))
            self._drop()
            return
        sandbox._record(RequestRecord(self.command, path, query, reply.status, received))
        self._send(reply)

    def _answer_early(self, reply: Reply, path: str, query: str, received: float) -> None:
        """Answer without reading the body, then drain a little of it (as Tomcat swallows up to
        ``maxSwallowSize``) so that a client still sending can read the answer, and close."""
        self.server.sandbox._record(RequestRecord(self.command, path, query, reply.status, received))
        self._send(reply)
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.5)
            drained = 0
            while drained < SWALLOW_LIMIT:
                data = self.connection.recv(65536)
                if not data:
                    break
                drained += len(data)
        except OSError:
            pass

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up (e.g. its timeout fired during a hang)


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server bound to 127.0.0.1 serving :class:`Api`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sandbox: NdexSandbox, port: int) -> None:
        self.sandbox = sandbox
        self.stop = threading.Event()
        super().__init__(("127.0.0.1", port), _Handler)
        self.api = Api(sandbox)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """No traceback on stderr for a client's fault (reset connections, garbage); debug log only."""
        logger.debug("NDEx sandbox: error serving %s", client_address, exc_info=True)
