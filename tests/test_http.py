"""Bounded HTTP against hostile local servers: dripping headers or bodies, endless bodies, lies about size."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Generator, Iterator

import pytest
import requests

from pfocr_ndex.http import BoundedSession, DeadlineExceeded, ResponseTooLarge, check_deadline


def _serve(handler: Callable[[socket.socket], None]) -> Generator[str, None, None]:
    """A one-thread-per-connection TCP server on 127.0.0.1 running ``handler`` on each connection."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=_run, args=(handler, conn), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        server.close()


def _run(handler: Callable[[socket.socket], None], conn: socket.socket) -> None:
    with conn:
        try:
            conn.recv(65536)
            handler(conn)
        except OSError:
            pass


def _drip(data: bytes, interval: float) -> Callable[[socket.socket], None]:
    def handler(conn: socket.socket) -> None:
        for byte in data:
            conn.sendall(bytes([byte]))
            time.sleep(interval)

    return handler


OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"


@pytest.fixture
def url_for() -> Iterator[Callable[[Callable[[socket.socket], None]], str]]:
    servers: list[Generator[str, None, None]] = []

    def start(handler: Callable[[socket.socket], None]) -> str:
        gen = _serve(handler)
        servers.append(gen)
        return next(gen)

    yield start
    for gen in servers:
        gen.close()


def test_a_normal_answer_is_read_whole(url_for) -> None:
    url = url_for(lambda conn: conn.sendall(OK))
    response = BoundedSession(deadline=5).get(url)
    assert response.status_code == 200
    assert response.json() == {}


def test_dripping_headers_hit_the_deadline_not_the_socket_timeout(url_for) -> None:
    # every byte arrives well within the 5 s socket timeout: only a total deadline stops this
    url = url_for(_drip(OK, 0.05))
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        BoundedSession(deadline=1.0).get(url, timeout=5)
    assert time.monotonic() - started < 2.5


def test_dripping_body_hits_the_deadline(url_for) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"

    def handler(conn: socket.socket) -> None:
        conn.sendall(head)
        _drip(b" " * 1000, 0.05)(conn)

    url = url_for(handler)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded) as caught:
        BoundedSession(deadline=1.0).get(url)
    assert time.monotonic() - started < 2.5
    assert not isinstance(caught.value, requests.ConnectionError)  # py4cytoscape's backoff must not retry it


def test_endless_body_is_cut_at_max_bytes(url_for) -> None:
    def handler(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
        while True:
            conn.sendall(chunk)

    url = url_for(handler)
    with pytest.raises(ResponseTooLarge):
        BoundedSession(deadline=10, max_bytes=1 << 20).get(url)


def test_announced_size_over_the_limit_is_refused_before_reading(url_for) -> None:
    url = url_for(lambda conn: conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\nxx"))
    with pytest.raises(ResponseTooLarge, match="announced 999,999,999 bytes"):
        BoundedSession(deadline=5, max_bytes=1000).get(url)


def test_a_session_keeps_working_after_a_deadline(url_for) -> None:
    slow = url_for(_drip(OK, 0.2))
    fast = url_for(lambda conn: conn.sendall(OK))
    session = BoundedSession(deadline=0.5)
    with pytest.raises(DeadlineExceeded):
        session.get(slow)
    assert session.get(fast).json() == {}


def test_message_names_the_host_without_user_info(url_for) -> None:
    url = url_for(_drip(OK, 0.2)).replace("http://", "http://user:secret@")
    with pytest.raises(DeadlineExceeded) as caught:
        BoundedSession(deadline=0.3).get(url)
    assert "secret" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf")])
def test_deadline_must_be_positive_and_finite(value: float) -> None:
    with pytest.raises(ValueError, match="positive number of seconds"):
        check_deadline(value)
