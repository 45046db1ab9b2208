"""A local NDEx server for tests, benchmarks and dry runs of ``pfocr-ndex publish``.

It speaks, over real HTTP on 127.0.0.1, the part of the NDEx REST API that ndex2 3.12 uses to
publish CX2 networks, as ndex-rest does it: Basic auth, asynchronous loading with locked and
not-yet-validated networks, the NDEx error bodies, network sets stored as folders, and faults
a front proxy adds (see docs/ndex-api.md). State lives in SQLite, so a sandbox with a
``data_dir`` survives restarts.

>>> from ndex2.client import Ndex2
>>> with NdexSandbox(users={"alice": "secret"}, load_delay=0) as sb:      # doctest: +SKIP
...     client = Ndex2(host=sb.url, username="alice", password="secret")
...     url = client.save_new_cx2_network(cx2)
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from .faults import FAULT_KINDS, Fault, FaultPlan
from .server import LoadQueue, RequestRecord, SandboxHTTPServer
from .store import DB_FILENAME, DEFAULT_DISK_QUOTA, VISIBILITIES, SandboxStore, parse_uuid

__all__ = ["DEFAULT_RECORD_LIMIT", "FAULT_KINDS", "Fault", "FaultPlan", "NdexSandbox", "RequestRecord"]

DEFAULT_RECORD_LIMIT = 100_000  # requests kept in NdexSandbox.requests unless told otherwise


class NdexSandbox:
    """A running NDEx sandbox server; use it as a context manager (or call :meth:`close`).

    Parameters
    ----------
    data_dir : folder for ``ndex-sandbox.sqlite`` (created if missing); ``None`` = a temporary
        folder removed on close.
    port : TCP port on 127.0.0.1; 0 picks a free one (see :attr:`url`).
    users : accounts to create, ``{name: password}``.
    load_delay : seconds a new or updated network stays locked and ``completed: false``
        before its loading task validates it.
    max_set_size : items a folder (network set) may hold; ndex-rest documents 100,000.
    disk_quota : bytes of CX2 per account before creates/updates answer 403.
    record_limit : keep only the last this many :attr:`requests` (``None``: all, for a test that
        needs every one; the default bounds the memory of long runs).

    Attributes
    ----------
    url : ``http://127.0.0.1:<port>``, no trailing slash; pass it as ``Ndex2(host=...)``.
    faults : :class:`FaultPlan` (``sb.faults.add("status", status=503)``).
    latency : seconds added to every request.
    requests : snapshot list of :class:`RequestRecord` (method, path, query, status).
    record_limit : how many requests :attr:`requests` keeps (``None``: unbounded).
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        port: int = 0,
        *,
        users: dict[str, str] | None = None,
        load_delay: float = 0.2,
        max_set_size: int = 100_000,
        disk_quota: int = DEFAULT_DISK_QUOTA,
        record_limit: int | None = DEFAULT_RECORD_LIMIT,
    ) -> None:
        self._tempdir = tempfile.TemporaryDirectory(prefix="ndex-sandbox-") if data_dir is None else None
        self.data_dir = Path(self._tempdir.name if self._tempdir else data_dir)  # type: ignore[arg-type]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.load_delay = float(load_delay)
        self.latency = 0.0
        self.faults = FaultPlan()
        self.record_limit = record_limit
        self._records: deque[RequestRecord] = deque(maxlen=record_limit)
        self._records_lock = threading.Lock()
        self._store = SandboxStore(self.data_dir / DB_FILENAME, max_set_size=max_set_size, disk_quota=disk_quota)
        try:
            for name, password in (users or {}).items():
                self._store.add_user(name, password)
            self._httpd = SandboxHTTPServer(self, port)
        except BaseException:  # e.g. the port is taken: release the database and the temporary folder
            self._store.close()
            if self._tempdir is not None:
                self._tempdir.cleanup()
            raise
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._loads = LoadQueue(self._store, self._httpd.stop)
        for network_id in self._store.pending_loads():  # queued when the last run stopped
            self._loads.schedule(network_id, 0.0)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="ndex-sandbox-http", daemon=True
        )
        self._thread.start()
        self._closed = False

    # --- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Stop serving (hung requests are released), stop the loader, close the database."""
        if self._closed:
            return
        self._closed = True
        self._httpd.stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._loads.stop()
        self._store.close()
        if self._tempdir is not None:
            self._tempdir.cleanup()

    def __enter__(self) -> NdexSandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- set-up ---------------------------------------------------------------------------

    def add_user(self, name: str, password: str) -> str:
        """Create account ``name`` (or reset its password); returns its ``externalId``."""
        return self._store.add_user(name, password)

    def seed_network(
        self,
        owner: str,
        cx2_list: list[Any],
        *,
        uuid: str | None = None,
        read_only: bool = False,
        visibility: str = "PUBLIC",
    ) -> str:
        """Store a network owned by ``owner`` as already loaded (no delay); returns its UUID.

        For state that predates a run, e.g. the 2020 PFOCR networks of another account
        (``read_only=True`` as on the production server). ``owner`` is created, without a
        usable password, if it does not exist. A CX2 NDEx would reject gets ``errorMessage``.
        """
        if visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
        owner_id = self._store.user_id(owner) or self._store.add_user(owner, None)
        status = self._store.create_network(
            owner_id, orjson.dumps(cx2_list), visibility=visibility, network_id=parse_uuid(uuid) if uuid else None
        )
        self._store.run_loading_task(status["uuid"])
        if read_only:
            summary = self._store.summary_any(status["uuid"])
            self._store.force_flags(status["uuid"], read_only=True, visibility=summary["visibility"])
        return status["uuid"]

    # --- observation ----------------------------------------------------------------------

    def _record(self, record: RequestRecord) -> None:
        with self._records_lock:
            self._records.append(record)

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request served so far (the last ``record_limit``), in order; a copy."""
        with self._records_lock:
            return list(self._records)

    def summary(self, uuid: str) -> dict[str, Any]:
        """The v2 network summary (plus ``folderId``) of any network, ignoring permissions."""
        return self._store.summary_any(parse_uuid(uuid))

    def networks_of(self, owner: str) -> list[dict[str, Any]]:
        """Summaries of ``owner``'s networks (not deleted), most recently modified first."""
        owner_id = self._store.user_id(owner)
        return [] if owner_id is None else self._store.summaries_of(owner_id)

    def network_cx2(self, uuid: str) -> list[Any]:
        """The CX2 stored for network ``uuid``, parsed."""
        return orjson.loads(self._store.cx2_any(parse_uuid(uuid)))

    def set_members(self, set_id: str) -> list[str]:
        """Network UUIDs added to network set (folder) ``set_id``, in the order added."""
        return self._store.set_members(parse_uuid(set_id))
