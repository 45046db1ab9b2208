"""HTTP front of the NDEx sandbox: routes, Basic auth, error bodies, faults, request log."""

from __future__ import annotations

import base64
import binascii
import heapq
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

from .store import ApiError, SandboxStore, parse_uuid, parse_visibility

if TYPE_CHECKING:
    from . import NdexSandbox

__all__ = ["LoadQueue", "RequestRecord", "SandboxHTTPServer", "form_field"]

logger = logging.getLogger(__name__)

SERVER_VERSION = "3.0.0"  # what /v2/admin/status reports; /rest/admin/status (v1 service) says "2.0"
PROXY_REASONS = {
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


def error_reply(err: ApiError, *, v2_path: bool = False) -> Reply:
    """The NDEx error body (``NDExError``); 401s thrown by v2 services add ``WWW-Authenticate``."""
    body: dict[str, Any] = {"errorCode": err.code, "message": err.message, "description": err.description}
    if err.code == "NDEx_Exception":
        body["stackTrace"] = f"org.ndexbio.model.exceptions.NdexException: {err.message}"
    body["threadId"] = str(threading.get_ident())
    body["timeStamp"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    reply = json_reply(err.status, body)
    if err.status == 401 and v2_path:
        reply.headers["WWW-Authenticate"] = "Basic"
    return reply


def fault_reply(status: int) -> Reply:
    """A front proxy's HTML page for 429/5xx gateway codes, the NDEx JSON error body otherwise."""
    if status in PROXY_REASONS or status > 500:
        reason = PROXY_REASONS.get(status, "Error")
        page = (
            f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} "
            f"{reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )
        return Reply(status, page.encode(), "text/html")
    code = ERROR_CODES.get(status, "NDEx_Exception")
    return error_reply(ApiError(status, code, f"Injected fault: HTTP {status}."))


class LoadQueue:
    """The server's task queue: runs each network's loading task once its delay has passed."""

    def __init__(self, store: SandboxStore, stop: threading.Event) -> None:
        self._store = store
        self._stop = stop
        self._heap: list[tuple[float, int, str]] = []
        self._counter = 0
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="ndex-sandbox-loader", daemon=True)
        self._thread.start()

    def schedule(self, network_id: str, delay: float) -> None:
        with self._cond:
            self._counter += 1
            heapq.heappush(self._heap, (time.monotonic() + max(delay, 0.0), self._counter, network_id))
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                if not self._heap:
                    self._cond.wait(timeout=0.5)
                    continue
                due, _, network_id = self._heap[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._cond.wait(timeout=min(wait, 0.5))
                    continue
                heapq.heappop(self._heap)
            try:
                self._store.run_loading_task(network_id)
            except Exception:  # keep serving the other networks; this one stays locked, as on NDEx
                if not self._stop.is_set():
                    logger.exception("NDEx sandbox: loading task for network %s failed", network_id)


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


class Api:
    """The NDEx endpoints the sandbox serves; each returns a :class:`Reply` or raises ``ApiError``."""

    def __init__(self, sandbox: NdexSandbox) -> None:
        self.sb = sandbox
        self.store = sandbox._store
        self.routes: list[tuple[str, re.Pattern[str], Route]] = [
            ("GET", re.compile(r"^/rest/admin/status/?$"), self.status_v1),
            ("GET", re.compile(r"^/v[23]/admin/status/?$"), self.status_v2),
            ("POST", re.compile(r"^/v3/networks/?$"), self.create_network),
            ("PUT", re.compile(rf"^/v3/networks/{_UUID}$"), self.update_network),
            ("GET", re.compile(rf"^/v3/networks/{_UUID}$"), self.get_cx2),
            ("DELETE", re.compile(rf"^/v3/networks/{_UUID}$"), self.delete_network),
            ("DELETE", re.compile(rf"^/v2/network/{_UUID}$"), self.delete_network_v2),
            ("GET", re.compile(rf"^/v3/networks/{_UUID}/summary$"), self.summary_v3),
            ("GET", re.compile(rf"^/v2/network/{_UUID}/summary$"), self.summary_v2),
            ("POST", re.compile(r"^/v2/batch/network/summary$"), self.batch_summary_v2),
            ("POST", re.compile(r"^/v3/batch/networks/summary$"), self.batch_summary_v3),
            ("PUT", re.compile(rf"^/v2/network/{_UUID}/systemproperty$"), self.system_properties),
            ("PUT", re.compile(rf"^/v2/network/{_UUID}/properties$"), self.properties),
            ("GET", re.compile(r"^/v2/user/?$"), self.user),
            ("GET", re.compile(r"^/v3/users/?$"), self.user),
            ("GET", re.compile(rf"^/v2/user/{_UUID}/networksummary$"), self.user_networks),
            ("POST", re.compile(r"^/v2/networkset/?$"), self.create_networkset),
            ("GET", re.compile(rf"^/v2/networkset/{_UUID}$"), self.get_networkset),
            ("POST", re.compile(rf"^/v2/networkset/{_UUID}/members$"), self.add_members),
            ("POST", re.compile(r"^/v3/files/folders/?$"), self.create_folder),
            ("GET", re.compile(rf"^/v3/files/folders/{_UUID}$"), self.get_folder),
            ("GET", re.compile(rf"^/v3/files/folders/{_UUID}/list$"), self.list_folder),
            ("POST", re.compile(r"^/v2/search/network$"), self.search),
        ]

    def resolve(self, method: str, path: str) -> tuple[Route, re.Match[str]] | None:
        for route_method, pattern, handler in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                return handler, match
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
        user_id = request.require_user()
        visibility = parse_visibility(request.arg("visibility"))
        folder = request.arg("folderId")
        folder_id = parse_uuid(folder) if folder else None
        status = self.store.create_network(user_id, request.cx2_upload(), visibility=visibility, folder_id=folder_id)
        self.sb._loads.schedule(status["uuid"], self.sb.load_delay)
        return json_reply(
            201,
            status,
            Location=f"{self.sb.url}/v3/networks/{status['uuid']}",
            **{"Access-Control-Expose-Headers": "Location"},
        )

    def update_network(self, request: Request) -> Reply:
        user_id = request.require_user()
        network_id = self._id(request)
        visibility = parse_visibility(request.arg("visibility"))
        status = self.store.update_network(user_id, network_id, request.cx2_upload(), visibility)
        self.sb._loads.schedule(network_id, self.sb.load_delay)
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
        return json_reply(200, self.store.network_summary(self._id(request), request.user_id, v3=True))

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
        return json_reply(200, self.store.network_summaries(self._id_list(request), request.user_id, v3=True))

    def system_properties(self, request: Request) -> Reply:
        user_id = request.require_user()
        parameters = request.json()
        if not isinstance(parameters, dict):
            raise ApiError.bad_request("A JSON object of system properties is required.")
        self.store.set_system_properties(self._id(request), user_id, parameters)
        return Reply(204)

    def properties(self, request: Request) -> Reply:
        user_id = request.require_user()
        properties = request.json()
        if not isinstance(properties, list) or not all(isinstance(p, dict) for p in properties):
            raise ApiError.bad_request("A JSON array of NdexPropertyValuePair objects is required.")
        return json_reply(200, self.store.set_properties(self._id(request), user_id, properties))

    def user(self, request: Request) -> Reply:
        return json_reply(200, self.store.user(request.arg("username")))

    def user_networks(self, request: Request) -> Reply:
        owner_id = self._id(request)
        offset = request.int_arg("offset", 0)
        limit = request.int_arg("limit", 0)
        return json_reply(200, self.store.user_network_summaries(owner_id, request.user_id, offset, limit))

    def create_networkset(self, request: Request) -> Reply:
        user_id = request.require_user()
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError.bad_request("A JSON network set object is required.")
        folder_id = self.store.create_folder(user_id, body.get("name"), body.get("description"))
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
        return json_reply(200, self.store.folder_items(self._id(request), request.user_id))

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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

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

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _authenticate(self) -> str | None:
        header = self.headers.get("Authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic":
            raise ApiError.unauthorized("Credentials in HTTP head is invalid.")
        try:
            name, _, password = base64.b64decode(token.strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError.unauthorized("Failed to authenticate user; credential information unknown.") from None
        return self.server.sandbox._store.authenticate(name, password)

    def _dispatch(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Reply:
        api = self.server.api
        resolved = api.resolve(method, path)
        if resolved is None:
            return error_reply(
                ApiError.not_found(
                    f"RESTEASY003210: Could not find resource for full path: "
                    f"{self.server.sandbox.url}{path} (not served by the "
                    f"NDEx sandbox)"
                )
            )
        handler, match = resolved
        try:
            user_id = self._authenticate()
        except ApiError as err:  # BasicAuthenticationFilter aborts without WWW-Authenticate
            return error_reply(err)
        try:
            return handler(Request(method, path, query, self.headers, body, user_id, match))
        except ApiError as err:
            return error_reply(err, v2_path=path.startswith("/v2/"))
        except Exception as err:  # an unexpected sandbox failure: answer as the real server would
            return error_reply(ApiError.uncaught(type(err).__name__, str(err)))

    def _handle(self) -> None:
        sandbox = self.server.sandbox
        received = time.monotonic()
        self.close_connection = True
        split = urlsplit(self.path)
        path, query = split.path, split.query
        body = self._read_body()
        if sandbox.latency > 0:
            self.server.stop.wait(sandbox.latency)
        fault = sandbox.faults.take(self.command, path)
        if fault is not None and fault.kind == "hang":
            self.server.stop.wait(fault.delay)
        if fault is not None and fault.kind == "status":
            reply = fault_reply(fault.status)
        else:
            reply = self._dispatch(self.command, path, parse_qs(query, keep_blank_values=True), body)
        if fault is not None and fault.kind == "lost_response":
            sandbox._record(RequestRecord(self.command, path, query, None, received))
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        sandbox._record(RequestRecord(self.command, path, query, reply.status, received))
        self._send(reply)

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
        except (BrokenPipeError, ConnectionResetError):
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
