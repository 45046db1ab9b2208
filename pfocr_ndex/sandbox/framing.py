"""Reading a request body safely: framing checks, a size cap and deadlines.

ndex-rest itself has no body cap and leaves framing to its container (Tomcat 10.1 per its
``docker/Dockerfile``): an invalid ``Content-Length`` or chunk size is a 400 there, an unknown
transfer coding a 501, and its stock ``server.xml`` closes a connection idle for 20 s
(``connectionTimeout="20000"``). The size cap (413) and the minimum average rate are the
sandbox's own, so that one client cannot fill the memory or hold a thread forever.
"""

from __future__ import annotations

import re
import socket
import time
from email.message import Message
from io import BufferedIOBase

__all__ = ["MIN_RATE", "ClientGone", "FramingError", "declared_length", "read_body"]

MIN_RATE = 64 * 1024  # bytes per second a client must average while sending a body
_DIGITS = re.compile(rb"[0-9]+")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_MAX_LINE = 4096  # chunk-size and trailer lines
_MAX_TRAILERS = 100


class FramingError(Exception):
    """A malformed or refused request body: answer ``status`` and close the connection."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ClientGone(Exception):
    """The client closed the connection or stopped sending before the body was complete."""


def declared_length(headers: Message) -> int | None:
    """The body length ``Content-Length`` announces, ``None`` for a chunked body.

    >>> from email.message import Message
    >>> m = Message(); m["Content-Length"] = "12"
    >>> declared_length(m)
    12
    """
    codings = ",".join(headers.get_all("Transfer-Encoding") or []).lower()
    if codings.strip():
        if [c.strip() for c in codings.split(",")] != ["chunked"]:
            raise FramingError(501, f"Transfer-Encoding {codings!r} is not supported")
        return None
    values = {v.strip() for v in headers.get_all("Content-Length") or []}
    if not values:
        return 0
    if len(values) > 1:
        raise FramingError(400, "conflicting Content-Length headers")
    (value,) = values
    if not _DIGITS.fullmatch(value.encode("latin-1", "replace")):
        raise FramingError(400, f"invalid Content-Length {value!r}")
    return int(value)


class _Reader:
    """Reads from ``rfile`` with each wait bounded by ``idle`` and the whole body by ``MIN_RATE``."""

    def __init__(self, sock: socket.socket, rfile: BufferedIOBase, idle: float) -> None:
        self.sock, self.rfile, self.idle = sock, rfile, idle
        self.start = time.monotonic()
        self.received = 0

    def _arm(self) -> None:
        remaining = self.start + self.idle + self.received / MIN_RATE - time.monotonic()
        if remaining <= 0:
            raise ClientGone("the body arrived too slowly")
        self.sock.settimeout(min(self.idle, remaining))

    def read(self, size: int) -> bytes:
        parts = []
        while size > 0:
            self._arm()
            try:
                data = self.rfile.read1(min(size, 65536))
            except TimeoutError:
                raise ClientGone("no data within the idle timeout") from None
            if not data:
                raise ClientGone("connection closed before the body was complete")
            self.received += len(data)
            size -= len(data)
            parts.append(data)
        return b"".join(parts)

    def line(self) -> bytes:
        self._arm()
        try:
            data = self.rfile.readline(_MAX_LINE + 1)
        except TimeoutError:
            raise ClientGone("no data within the idle timeout") from None
        if not data:
            raise ClientGone("connection closed before the body was complete")
        if len(data) > _MAX_LINE or not data.endswith(b"\n"):
            raise FramingError(400, "chunk line too long")
        self.received += len(data)
        return data


def read_body(sock: socket.socket, rfile: BufferedIOBase, headers: Message, *, max_bytes: int, idle: float) -> bytes:
    """The request body; ``FramingError`` (400/413/501) or ``ClientGone`` instead of a traceback."""
    length = declared_length(headers)
    if length is not None and length > max_bytes:
        raise FramingError(413, f"request body of {length} bytes is over the sandbox's {max_bytes}-byte limit")
    reader = _Reader(sock, rfile, idle)
    if length is not None:
        return reader.read(length) if length else b""
    chunks: list[bytes] = []
    total = 0
    while True:
        size_text = reader.line().split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size_text):
            raise FramingError(400, f"invalid chunk size {size_text[:40]!r}")
        size = int(size_text, 16)
        if size == 0:
            for _ in range(_MAX_TRAILERS):
                if reader.line() in (b"\r\n", b"\n"):
                    return b"".join(chunks)
            raise FramingError(400, "too many trailer lines")
        total += size
        if total > max_bytes:
            raise FramingError(413, f"chunked request body is over the sandbox's {max_bytes}-byte limit")
        chunks.append(reader.read(size))
        if reader.line() not in (b"\r\n", b"\n"):
            raise FramingError(400, "chunk data not followed by CRLF")
