"""Bounded HTTP: every call has a total deadline and a maximum response size.

``requests`` bounds each socket operation, not the call: a server that drips one byte a second never
trips a read timeout, and one that streams an endless body fills memory until the process is killed.
:class:`BoundedSession` is a ``requests.Session`` (so ``ndex2`` and ``py4cytoscape`` can use it unchanged)
whose every request

- ends by ``deadline`` seconds after it started: a watchdog thread shuts the request's sockets down when
  the deadline passes, whatever phase (connect, headers, body) the request is in, and the call raises
  :class:`DeadlineExceeded` (a ``requests.Timeout``);
- reads at most ``max_bytes`` of (decoded) body, else raises :class:`ResponseTooLarge`.

Neither exception is a ``requests.ConnectionError``, so callers that retry connection errors (py4cytoscape's
backoff) give up at once.

>>> session = BoundedSession(deadline=30, max_bytes=1 << 20)
>>> session.deadline, session.max_bytes
(30.0, 1048576)
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["DEFAULT_MAX_BYTES", "BoundedSession", "DeadlineExceeded", "ResponseTooLarge", "check_deadline"]

DEFAULT_MAX_BYTES = 64 << 20
_CHUNK = 1 << 16


class DeadlineExceeded(requests.Timeout):
    """The whole call (connect, headers and body) took longer than its deadline."""


class ResponseTooLarge(requests.RequestException):
    """The server sent more than the call's ``max_bytes``."""


def check_deadline(value: float, what: str = "deadline") -> float:
    """``value`` as a positive finite number of seconds; ``ValueError`` naming ``what`` otherwise.

    >>> check_deadline(2)
    2.0
    >>> check_deadline(float("nan"), "--timeout")
    Traceback (most recent call last):
    ValueError: --timeout must be a positive number of seconds, not nan
    """
    seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{what} must be a positive number of seconds, not {value}")
    return seconds


class _Watch:
    """The connections one call is using, shut down if the call outlives its deadline."""

    __slots__ = ("connections", "expired", "lock")

    def __init__(self) -> None:
        self.connections: list[HTTPConnection] = []
        self.expired = False
        self.lock = threading.Lock()

    def attach(self, connection: HTTPConnection) -> None:
        with self.lock:
            self.connections.append(connection)
            expired = self.expired
        if expired:
            _shut(connection)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            connections = list(self.connections)
        for connection in connections:
            _shut(connection)


def _shut(connection: HTTPConnection) -> None:
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # the plain socket's shutdown wakes a blocked recv, TLS or not
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread expiring the watches whose deadline has passed."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Watch]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, deadline: float, watch: _Watch) -> None:
        with self._wake:
            heapq.heappush(self._heap, (deadline, next(self._order), watch))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-deadlines", daemon=True)
                self._thread.start()
            if self._heap[0][2] is watch:  # only a new earliest deadline needs the thread to wake
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap:
                    self._wake.wait()
                deadline, _, watch = self._heap[0]
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._wake.wait(delay)
                    continue
                heapq.heappop(self._heap)
            watch.expire()


_watchdog = _Watchdog()
_current = threading.local()


class _WatchedMixin:
    """A connection that joins the current thread's watch whenever it sends a request."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        watch: _Watch | None = getattr(_current, "watch", None)
        if watch is not None:
            watch.attach(self)  # type: ignore[arg-type]
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_WatchedMixin, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedMixin, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


@contextmanager
def _watched(deadline: float) -> Iterator[_Watch]:
    watch = _Watch()
    previous = getattr(_current, "watch", None)
    _current.watch = watch
    _watchdog.add(deadline, watch)
    try:
        yield watch
    finally:
        _current.watch = previous
        with watch.lock:
            watch.connections.clear()  # the call is over: nothing left to shut down


class BoundedSession(requests.Session):
    """A ``requests.Session`` whose every call has a total ``deadline`` (seconds) and a ``max_bytes`` cap.

    A number given as ``timeout=`` still bounds each socket operation (never beyond the deadline; a
    ``(connect, read)`` pair is replaced by the deadline); ``deadline=`` and ``max_bytes=`` given to a call
    override the session's for that call.
    """

    def __init__(self, deadline: float, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        super().__init__()
        self.deadline = check_deadline(deadline)
        self.max_bytes = int(max_bytes)
        adapter = _WatchedAdapter()
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(
        self,
        method: str | bytes,
        url: str | bytes,
        *args: Any,
        deadline: float | None = None,
        max_bytes: int | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        seconds = self.deadline if deadline is None else check_deadline(deadline)
        limit = self.max_bytes if max_bytes is None else int(max_bytes)
        timeout = kwargs.get("timeout")
        if timeout is None or isinstance(timeout, tuple):
            kwargs["timeout"] = seconds
        else:
            kwargs["timeout"] = min(float(timeout), seconds)
        kwargs["stream"] = True
        started = time.monotonic()
        with _watched(started + seconds) as watch:
            try:
                response = super().request(method, url, *args, **kwargs)
                try:
                    response._content = _read_body(response, limit, started + seconds)
                finally:
                    response.close()
            except requests.RequestException as err:
                if not watch.expired or isinstance(err, ResponseTooLarge):
                    raise
            # A socket shut down mid-headers can still parse as a short, "complete" answer: never trust it.
            if watch.expired:
                raise DeadlineExceeded(f"no complete answer from {_origin(url)} within {seconds:g} s")
        return response


def _read_body(response: requests.Response, limit: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLarge(f"{_origin(response.url)} announced {int(declared):,} bytes (limit {limit:,})")
    body = bytearray()
    for chunk in response.iter_content(_CHUNK):
        body += chunk
        if len(body) > limit:
            raise ResponseTooLarge(f"{_origin(response.url)} sent more than {limit:,} bytes")
        if time.monotonic() > deadline:
            raise DeadlineExceeded(f"no complete answer from {_origin(response.url)} in time")
    return bytes(body)


def _origin(url: str | bytes) -> str:
    """scheme://host:port of ``url``, without user info or path (safe to print)."""
    text = url.decode() if isinstance(url, bytes) else url
    scheme, _, rest = text.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return f"{scheme}://{host}"
