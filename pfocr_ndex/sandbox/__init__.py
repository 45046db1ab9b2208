"""A local NDEx server for tests, benchmarks and dry runs of ``pfocr-ndex publish``.

It speaks, over real HTTP on 127.0.0.1, the part of the NDEx REST API that ndex2 3.12 uses to
publish CX2 networks, as ndex-rest does it (docs/sandbox.md maps each behaviour to the ndex-rest
source it follows): Basic auth before any body is read, v2 and v3 summary shapes, one task queue
loading networks one at a time, read-only/DOI/certified networks, the NDEx error bodies, network
sets stored as folders, and faults a front proxy adds. Networks that predate a run come from seed
files. State lives in SQLite, so a sandbox with a ``data_dir`` survives restarts; one sandbox at a time
uses a data folder (it holds ``ndex-sandbox.lock`` while it runs).

>>> from ndex2.client import Ndex2
>>> with NdexSandbox(users={"alice": "secret"}, load_delay=0) as sb:      # doctest: +SKIP
...     client = Ndex2(host=sb.url, username="alice", password="secret")
...     url = client.save_new_cx2_network(cx2)
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import threading
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from ..errors import PfocrError
from ..fsutil import LockHeld, hold_lock_file, release_lock_file
from .errors import parse_uuid
from .faults import FAULT_KINDS, Fault, FaultPlan
from .local import SANDBOX_PASSWORD, SANDBOX_USER, local_sandbox
from .seed import SeedNetwork, read_seed_file
from .server import RequestRecord, SandboxHTTPServer
from .store import DB_FILENAME, DEFAULT_DISK_QUOTA, SandboxStore
from .tasks import TaskQueue

__all__ = [
    "DEFAULT_RECORD_LIMIT",
    "FAULT_KINDS",
    "SANDBOX_PASSWORD",
    "SANDBOX_USER",
    "Fault",
    "FaultPlan",
    "NdexSandbox",
    "RequestRecord",
    "SeedNetwork",
    "local_sandbox",
    "read_seed_file",
]

DEFAULT_RECORD_LIMIT = 100_000  # requests kept in NdexSandbox.requests unless told otherwise
DEFAULT_MAX_BODY = 256 * 1024 * 1024  # ours: ndex-rest and Tomcat set no cap
DEFAULT_IDLE_TIMEOUT = 20.0  # Tomcat's stock server.xml: connectionTimeout="20000"
LOCK_FILENAME = "ndex-sandbox.lock"


def _lock_data_dir(data_dir: Path) -> int:
    """Make ``data_dir`` and hold its lock file (a descriptor): one sandbox per data folder, in any process.

    Two would each keep their own disk-use cache and re-queue, on start, the loads the other still holds.
    """
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        return hold_lock_file(data_dir / LOCK_FILENAME, "an NDEx sandbox")
    except LockHeld as held:
        raise PfocrError(
            f"the sandbox data folder is in use by {held.holder}; stop that sandbox or use another folder", data_dir
        ) from None
    except OSError as err:
        raise PfocrError(f"cannot use as the sandbox data folder: {err.strerror or err}", data_dir) from None


class NdexSandbox:
    """A running NDEx sandbox server; use it as a context manager (or call :meth:`close`).

    Parameters
    ----------
    data_dir : folder for ``ndex-sandbox.sqlite`` (created if missing); ``None`` = a temporary
        folder removed on close.
    port : TCP port on 127.0.0.1; 0 picks a free one (see :attr:`url`).
    users : accounts to create, ``{name: password}``.
    load_delay : seconds each loading task takes. As on NDEx there is one task queue for the
        whole server: networks load one at a time, in the order they were uploaded, so the n-th
        queued upload completes after about n × ``load_delay``.
    max_set_size : items a folder (network set) may hold (``None``: no limit, as ndex-rest's code;
        its documentation says 100,000).
    disk_quota : bytes of CX2 per account before creates/updates answer 403.
    record_limit : keep only the last this many :attr:`requests` (``None``: all, for a test that
        needs every one; the default bounds the memory of long runs).
    seed : a seed file (see :mod:`pfocr_ndex.sandbox.seed`) of networks that exist before the run.
    max_body : largest request body accepted (413 beyond; ours, ndex-rest has no cap).
    idle_timeout : seconds a client may stay silent while sending a request (then the connection
        is closed), as Tomcat's ``connectionTimeout``; a body must also average 64 KiB/s.

    Attributes
    ----------
    url : ``http://127.0.0.1:<port>``, no trailing slash; pass it as ``Ndex2(host=...)``.
    faults : :class:`FaultPlan` (``sb.faults.add("status", status=503)``).
    latency : seconds added to every request.
    requests : snapshot list of :class:`RequestRecord` (method, path, query, status).
    seeded : (networks added, networks already there) from ``seed``.
    record_limit : how many requests :attr:`requests` keeps (``None``: unbounded).
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        port: int = 0,
        *,
        users: dict[str, str] | None = None,
        load_delay: float = 0.05,
        max_set_size: int | None = None,
        disk_quota: int = DEFAULT_DISK_QUOTA,
        record_limit: int | None = DEFAULT_RECORD_LIMIT,
        seed: str | os.PathLike[str] | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        self._tempdir = tempfile.TemporaryDirectory(prefix="ndex-sandbox-") if data_dir is None else None
        self.data_dir = Path(self._tempdir.name if self._tempdir else data_dir)  # type: ignore[arg-type]
        self.load_delay = float(load_delay)
        self.max_body = max_body
        self.idle_timeout = float(idle_timeout)
        self.latency = 0.0
        self.faults = FaultPlan()
        self.record_limit = record_limit
        self._records: deque[RequestRecord] = deque(maxlen=record_limit)
        self._records_lock = threading.Lock()
        with contextlib.ExitStack() as taken:  # released in reverse order if the sandbox does not start
            if self._tempdir is not None:
                taken.callback(self._tempdir.cleanup)
            lock_fd = _lock_data_dir(self.data_dir)
            taken.callback(release_lock_file, self.data_dir / LOCK_FILENAME, lock_fd)
            db_path = self.data_dir / DB_FILENAME
            try:
                self._store = SandboxStore(db_path, max_set_size=max_set_size, disk_quota=disk_quota)
                taken.callback(self._store.close)
                for name, password in (users or {}).items():
                    self._store.add_user(name, password)
                self.seeded = self.seed_file(seed) if seed is not None else (0, 0)
            except sqlite3.Error as err:  # e.g. not a database, a read-only one
                raise PfocrError(f"cannot use the sandbox database: {err}", db_path) from None
            try:
                self._httpd = SandboxHTTPServer(self, port)
            except OSError as err:
                raise PfocrError(f"cannot listen on 127.0.0.1:{port}: {err.strerror or err}") from None
            self._taken = taken.pop_all()
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._tasks = TaskQueue(
            self._store.run_loading_task, self._store.run_index_task, lambda: self.load_delay, self._httpd.stop
        )
        for kind, network_id in self._store.pending_tasks():  # queued when the last run stopped
            self._tasks.add(kind, network_id)
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
        self._tasks.stop()
        self._taken.close()  # the database, the data folder's lock, a temporary folder

    def __enter__(self) -> NdexSandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- set-up ---------------------------------------------------------------------------

    def add_user(self, name: str, password: str) -> str:
        """Create account ``name`` (stored lower-cased, or reset its password); returns its ``externalId``."""
        return self._store.add_user(name, password)

    def has_user(self, name: str) -> bool:
        """Whether account ``name`` exists (names compare lower-cased)."""
        return self._store.user_id(name) is not None

    def seed_network(
        self,
        owner: str,
        cx2_list: list[Any],
        *,
        uuid: str | None = None,
        read_only: bool = False,
        visibility: str = "PUBLIC",
        doi: str | None = None,
        certified: bool = False,
        creation_time: int | None = None,
        modification_time: int | None = None,
    ) -> str:
        """Store a network owned by ``owner`` as already loaded (no queue); returns its UUID.

        For state that predates a run, e.g. the 2020 PFOCR networks of the account ``wikipathways``
        (``read_only=True`` as on the production server), a network with a ``doi`` (then read-only,
        as ``PostgresNetworkDAO.requestDOI`` makes it) or a ``certified`` one (needs a DOI; PUBLIC,
        index level ALL). ``owner`` is created, without a usable password, if it does not exist.
        A CX2 NDEx would reject gets ``errorMessage``. ``ValueError`` if ``uuid`` is taken.
        """
        network = SeedNetwork(
            owner,
            cx2_list,
            uuid,
            visibility,
            read_only or doi is not None,
            doi,
            certified,
            creation_time,
            modification_time,
        )
        network_id = self._store.seed(network)
        if network_id is None:
            raise ValueError(f"network {uuid} already exists")
        return network_id

    def seed_file(self, path: str | os.PathLike[str]) -> tuple[int, int]:
        """Seed the networks of a seed file; returns (added, already there). A network whose UUID
        exists is left as it is, so serving a data folder again with the same file changes nothing.
        A bad file is a :class:`~pfocr_ndex.errors.PfocrError` naming it and the line; nothing is added then.
        """
        networks = read_seed_file(path)
        added = sum(self._store.seed(network) is not None for network in networks)
        return added, len(networks) - added

    # --- observation ----------------------------------------------------------------------

    def _record(self, record: RequestRecord) -> None:
        with self._records_lock:
            self._records.append(record)

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request served so far (the last ``record_limit``), in order; a copy."""
        with self._records_lock:
            return list(self._records)

    def summary(self, uuid: str, *, v3: bool = False) -> dict[str, Any]:
        """The v2 (or v3) summary of any network, deleted ones included, ignoring permissions."""
        return self._store.summary_any(parse_uuid(uuid), v3=v3)

    def networks_of(self, owner: str) -> list[dict[str, Any]]:
        """Summaries of ``owner``'s networks (not deleted), most recently modified first."""
        owner_id = self._store.user_id(owner)
        return [] if owner_id is None else self._store.summaries_of(owner_id)

    def network_cx2(self, uuid: str) -> list[Any]:
        """The CX2 stored for network ``uuid``, parsed."""
        return orjson.loads(self._store.cx2_any(parse_uuid(uuid)))

    def set_members(self, set_id: str) -> list[str]:
        """Network UUIDs added to network set (folder) ``set_id``, in the order added (one per shortcut)."""
        return self._store.set_members(parse_uuid(set_id))

    def folder_visibility(self, folder_id: str) -> str:
        """The visibility of folder (network set) ``folder_id``."""
        return self._store.folder_visibility(parse_uuid(folder_id))

    def pending_tasks(self) -> list[tuple[str, str]]:
        """The server queue's tasks not started yet, in order: ``("load" | "index", uuid)``."""
        return list(self._tasks.pending())
