"""Publish figure networks to NDEx: create or update, verify, then fill the records' ``ndex`` fields.

One figure → one network, for good:

- a record whose ``ndex`` field holds a UUID updates that network in place; an empty field creates one;
- a network this account cannot update (404, 401, 403 read-only: the 2020 networks of another
  account) is reported and left alone, or replaced by a new one with ``replace_foreign=True``;
- a create whose answer was lost is looked up among the account's networks (by the figure-id
  network attribute) instead of uploaded twice;
- figures whose CX2 bytes did not change since their last verified publish are not uploaded again.

A journal (append-only JSONL in ``state_dir``; the "pending" lines fsynced) records "pending" before
every create and the UUID after it, so a run killed at any moment resumes with no duplicate and no lost UUID.
Uploads are verified (summary ``completed``, no ``errorMessage``, node/edge counts as sent) in batch
summary calls before anything is written back.

Example (a local sandbox server, no NDEx account needed)::

    >>> from pfocr_ndex.publish import NdexPublisher, local_sandbox      # doctest: +SKIP
    >>> with local_sandbox(".ndex-sandbox") as (sandbox, credentials):   # doctest: +SKIP
    ...     publisher = NdexPublisher(credentials.server, credentials.username,
    ...                               credentials.password, state_dir=".ndex-sandbox/publish-state")
    ...     report = publisher.publish(["examples/pfocr"])
    ...     print(report.summary())
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import queue
import random
import re
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, TypeVar

import requests
from ndex2.client import Ndex2
from ndex2.exceptions import NDExError
from requests_toolbelt import MultipartEncoder
from tqdm import tqdm

from .credentials import Credentials
from .errors import PfocrError
from .fsutil import atomic_write_text
from .writeback import NdexMap, database_map_path, is_uuid, set_ndex_field

__all__ = [
    "FigureOutcome",
    "NdexPublisher",
    "PreparedFigure",
    "PublishError",
    "PublishJournal",
    "PublishReport",
    "local_sandbox",
]

T = TypeVar("T")

VISIBILITIES = ("PUBLIC", "PRIVATE", "UNLISTED")
INDEX_LEVELS = ("NONE", "META", "ALL")
FOLDER_LIMIT = 100_000  # NDEx: items per folder (network set)
SANDBOX_USER = "pfocr"
SANDBOX_PASSWORD = "pfocr-sandbox"  # local-only account of the embedded sandbox, not a secret
UNCHANGED_NOTE = "content hash matches last publish"

_TRANSIENT_STATUS = {429, 502, 503, 504}  # for ndex2 messages that carry no response
_TRANSIENT_CODES = {"NDEx_Concurrent_Modification_Exception", "NDEx_Modify_Invalid_Network_Exception"}
# A create answered like this may or may not have been carried out by the server.
_AMBIGUOUS_STATUS = {502, 504}


class PublishError(PfocrError):
    """The run cannot proceed (bad credentials, unreachable server): nothing was changed."""


# --- HTTP error classification and retries ------------------------------------------------


@dataclass(frozen=True)
class _HttpProblem:
    status: int | None  # None: no HTTP answer (connection dropped, timeout)
    code: str | None  # NDEx errorCode from the JSON body
    message: str  # one line, for reports
    transient: bool
    sent: bool  # False when the request certainly never reached the server


def _classify(exc: BaseException) -> _HttpProblem:
    """What an ndex2/requests exception means: status, errorCode, retry or not."""
    chain, seen = exc, 0
    while chain is not None and seen < 5:
        if isinstance(chain, requests.HTTPError) and chain.response is not None:
            return _from_response(chain.response)
        if isinstance(chain, (requests.ConnectionError, requests.Timeout)):
            sent = not (isinstance(chain, requests.ConnectTimeout) or "NewConnectionError" in repr(chain.args))
            kind = "timeout" if isinstance(chain, requests.Timeout) else "connection error"
            return _HttpProblem(None, None, f"{kind}: {_short(chain)}", True, sent)
        chain, seen = chain.__context__, seen + 1
    message = _short(exc)
    status = re.match(r"Caught (\d{3}) from server", str(exc))
    if status:
        return _HttpProblem(int(status.group(1)), None, message, int(status.group(1)) in _TRANSIENT_STATUS, True)
    return _HttpProblem(None, None, message, False, True)


def _from_response(response: requests.Response) -> _HttpProblem:
    status = response.status_code
    code, message = None, ""
    try:
        body = response.json()
        if isinstance(body, dict):
            code = body.get("errorCode")
            message = str(body.get("message") or body.get("description") or "")
    except ValueError:
        pass
    if not message:
        message = " ".join(re.sub(r"<[^>]+>", " ", response.text or "").split())[:200] or response.reason or ""
    # 5xx are transient, except ndex-rest's own 500s other than "locked"/"not yet validated";
    # a 500 without an NDEx errorCode came from something in front of the server.
    transient = status == 429 or (500 < status < 600) or (status == 500 and (code is None or code in _TRANSIENT_CODES))
    return _HttpProblem(status, code, f"HTTP {status}: {message}".strip(), transient, True)


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


class _CallFailed(Exception):
    """A server call failed for good (fatal answer, or retries used up)."""

    def __init__(self, problem: _HttpProblem, ambiguous: bool = False) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.ambiguous = ambiguous  # a create that the server may have carried out


class _Client(Ndex2):
    """ndex2's client with a timeout on the multipart uploads (ndex2 sets none: they could hang forever)."""

    def __init__(self, *args: Any, upload_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.upload_timeout = upload_timeout

    def _multipart(
        self,
        method: str,
        route: str,
        fields: dict,
        query_string: str | None,
        alt_version_endpoint: str | None,
        returnfullresponse: bool,
    ) -> Any:
        url = self.host + self._get_version_endpoint(alt_version_endpoint=alt_version_endpoint) + route
        if query_string:
            url += "?" + query_string
        data = MultipartEncoder(fields=fields)
        headers = {
            "Content-Type": data.content_type,
            "Accept": "application/json",
            Ndex2.USER_AGENT_KEY: self._get_user_agent(),
            "Connection": "close",
        }
        response = requests.request(
            method, url, data=data, headers=headers, auth=self._get_auth_tuple(), timeout=self.upload_timeout
        )
        return self._return_response(response, returnfullresponse=returnfullresponse)

    def put_multipart(
        self, route, fields, alt_version_endpoint=None, returnjsonundertry=True, returnfullresponse=False
    ):
        return self._multipart("PUT", route, fields, None, alt_version_endpoint, returnfullresponse)

    def post_multipart(
        self,
        route,
        fields,
        query_string=None,
        alt_version_endpoint=None,
        returnjsonundertry=True,
        returnfullresponse=False,
    ):
        return self._multipart("POST", route, fields, query_string, alt_version_endpoint, returnfullresponse)


# --- journal (crash-safe state) -------------------------------------------------------------


@dataclass
class FigureState:
    """What the journal knows about one figure's network on this server/account."""

    uuid: str | None = None  # our network for this figure
    uploaded_hash: str | None = None  # CX2 hash last accepted by the server (2xx)
    published_hash: str | None = None  # CX2 hash last verified and written back
    pending_hash: str | None = None  # a create was started with this hash, its answer not seen
    replaced: str | None = None  # the foreign UUID this network replaces
    foreign: str | None = None  # "uuid hash" of a network found not updatable
    in_set: str | None = None  # network set id the network was added to


class PublishJournal:
    """Append-only JSONL journal of publish steps, flushed line by line; replayed into ``states``.

    Lines: ``pending`` (before a create), ``uploaded`` (2xx from create/update), ``rejected``
    (verification failed: upload again next time), ``published`` (verified), ``foreign``, ``set``
    (a network set), ``inset`` (set membership).
    A torn last line (killed mid-write) is ignored. :meth:`compact` rewrites it as a snapshot.
    """

    def __init__(self, path: str | PathLike[str]) -> None:
        self.path = Path(path)
        self.states: dict[str, FigureState] = {}
        self.sets: dict[str, dict] = {}  # name → {"id": uuid, "count": n}
        self._lock = threading.Lock()
        self._file: io.BufferedWriter | None = None
        self.appended = 0
        if self.path.exists():
            with self.path.open("rb") as f:
                for line in f:
                    try:
                        self._apply(json.loads(line))
                    except (ValueError, KeyError, TypeError):
                        continue  # torn or foreign line

    def state(self, figid: str) -> FigureState:
        return self.states.get(figid) or FigureState()

    def _apply(self, entry: dict) -> None:
        op = entry["op"]
        if op == "set":
            self.sets[entry["name"]] = {"id": entry["id"], "count": int(entry.get("count", 0))}
            return
        if op == "inset":
            for info in self.sets.values():
                if info["id"] == entry["set"]:
                    info["count"] += len(entry["figids"])
            for figid in entry["figids"]:
                self.states.setdefault(figid, FigureState()).in_set = entry["set"]
            return
        st = self.states.setdefault(entry["figid"], FigureState())
        if op == "state":
            for key, value in entry.items():
                if key not in ("op", "figid"):
                    setattr(st, key, value)
        elif op == "pending":
            st.pending_hash = entry["hash"]
            if entry.get("replaces"):
                st.replaced = entry["replaces"]
        elif op == "resolved":
            st.pending_hash = None
        elif op == "uploaded":
            if entry["uuid"] != st.uuid:
                st.in_set = None
            st.uuid, st.uploaded_hash, st.pending_hash = entry["uuid"], entry["hash"], None
            if entry.get("replaces"):
                st.replaced = entry["replaces"]
        elif op == "rejected":
            st.uploaded_hash = None
        elif op == "published":
            st.uuid, st.published_hash = entry["uuid"], entry["hash"]
        elif op == "foreign":
            st.foreign = f"{entry['uuid']} {entry['hash']}"

    def append(self, op: str, *, durable: bool = False, **fields: Any) -> None:
        """Apply and append one journal line; ``durable=True`` also fsyncs it.

        Every line reaches the OS at once (a killed process loses nothing). Only "pending" must
        survive a power loss too: the other steps are re-discovered from the server if lost.
        """
        entry = {"op": op, **fields}
        line = json.dumps(entry, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = open(self.path, "ab")
            self._file.write(line)
            self._file.flush()
            self._apply(entry)
            self.appended += 1
            fd = self._file.fileno()
        if durable:
            os.fsync(fd)

    def compact(self) -> None:
        """Rewrite the journal as one line per figure and set (atomic)."""
        with self._lock:
            lines = [json.dumps({"op": "set", "name": n, **info}) for n, info in self.sets.items()]
            for figid, st in self.states.items():
                values = {k: v for k, v in asdict(st).items() if v is not None}
                if values:
                    lines.append(json.dumps({"op": "state", "figid": figid, **values}))
            if self._file is not None:
                self._file.close()
                self._file = None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, "".join(line + "\n" for line in lines))

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


# --- report -------------------------------------------------------------------------------

OUTCOMES = ("created", "updated", "unchanged", "skipped-foreign", "failed")
DRY_RUN_OUTCOMES = ("would-create", "would-update", "unchanged", "skipped-foreign", "failed")


@dataclass
class FigureOutcome:
    """What happened to one figure (``outcome`` is one of ``OUTCOMES``; dry runs: ``would-create``…)."""

    figid: str
    path: str
    outcome: str
    uuid: str | None = None
    detail: str = ""


@dataclass
class PublishReport:
    """All figures' outcomes of one run, with counts and a one-line summary."""

    server: str
    username: str
    dry_run: bool = False
    sandbox_dir: str | None = None
    figures: list[FigureOutcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = Counter(f.outcome for f in self.figures)
        return {name: counts.get(name, 0) for name in (DRY_RUN_OUTCOMES if self.dry_run else OUTCOMES)}

    @property
    def failed(self) -> int:
        return sum(1 for f in self.figures if f.outcome == "failed")

    def summary(self) -> str:
        if self.sandbox_dir:
            where = "the local NDEx sandbox" + ("" if self.dry_run else f" at {self.server}")
            where += f" (data in {self.sandbox_dir})"
        else:
            where = f"{self.server} as {self.username}"
        parts = []
        for name, n in self.counts().items():
            parts.append(f"{n} {name} ({UNCHANGED_NOTE})" if name == "unchanged" and n else f"{n} {name}")
        verb = "dry run (nothing contacted) for" if self.dry_run else "published to"
        return f"{verb} {where}: " + ", ".join(parts)

    def to_dict(self) -> dict:
        return {
            "server": self.server,
            "username": self.username,
            "dry_run": self.dry_run,
            "sandbox_dir": self.sandbox_dir,
            "counts": self.counts(),
            "figures": [asdict(f) for f in sorted(self.figures, key=lambda f: f.path)],
        }

    def write(self, path: str | PathLike[str]) -> None:
        """Write the report as JSON (atomic)."""
        atomic_write_text(path, json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n")


# --- the publisher --------------------------------------------------------------------------


@dataclass
class PreparedFigure:
    """A figure's validated CX2 bytes and what verification needs (held only while in flight)."""

    path: Path
    figid: str
    data: bytes
    digest: str
    node_count: int
    edge_count: int
    record_uuid: str | None


@dataclass
class _Uploaded:
    """A network the server accepted (2xx), waiting for verification."""

    path: Path
    figid: str
    uuid: str
    digest: str
    node_count: int
    edge_count: int
    record_uuid: str | None
    created: bool
    detail: str = ""
    since: float = field(default_factory=time.monotonic)


@dataclass
class _Lost:
    """A create whose answer never arrived: look it up before creating again."""

    path: Path
    figid: str
    reason: str


def _figure_ids(summary: dict) -> set[str]:
    """The figure ids a network summary carries (``figid``, ``pfocrId`` with or without ``.jpg``)."""
    found = set()
    for prop in summary.get("properties") or ():
        name, value = prop.get("predicateString"), prop.get("value")
        if isinstance(value, str) and name in ("figid", "pfocrId"):
            found.add(value[:-4] if value.endswith(".jpg") else value)
    return found


class NdexPublisher:
    """Publish PFOCR figure records as NDEx networks and fill their ``ndex`` fields.

    Parameters: ``server`` (base URL), ``username``, ``password``; ``visibility`` of new networks
    (``PUBLIC``, ``PRIVATE``, ``UNLISTED``); ``index_level`` (``NONE``/``META``/``ALL``, ``None`` =
    server default); ``network_set`` name (split into "<name> (part N)" sets of ``set_limit``
    networks, NDEx folders hold at most 100,000 items); ``workers`` concurrent uploads;
    ``state_dir`` for the journal; ``replace_foreign`` creates new networks for UUIDs this account
    cannot update; ``fill`` writes UUIDs back into records and ``_data/ndex_map.tsv``;
    ``dry_run`` contacts nothing. The retry/timeout/batch knobs rarely need changing;
    ``lost_grace`` is how long to wait before looking a lost create up a second time (a request
    that timed out here may still be on its way through the server).

    >>> publisher = NdexPublisher("http://127.0.0.1:8080", "alice", "secret",
    ...                           network_set="PFOCR", workers=4)      # doctest: +SKIP
    >>> report = publisher.publish(["pfocr-database"])                  # doctest: +SKIP
    >>> report.counts()["created"]                                      # doctest: +SKIP
    """

    def __init__(
        self,
        server: str,
        username: str,
        password: str,
        *,
        visibility: str = "PUBLIC",
        index_level: str | None = None,
        network_set: str | None = None,
        workers: int = 4,
        state_dir: str | PathLike[str] = ".pfocr-ndex",
        replace_foreign: bool = False,
        fill: bool = True,
        dry_run: bool = False,
        style: dict | None = None,
        progress: bool = False,
        echo: Callable[[str], None] | None = None,
        retries: int = 6,
        backoff: float = 0.5,
        timeout: float = 60.0,
        upload_timeout: float = 300.0,
        poll_interval: float = 0.5,
        verify_timeout: float = 900.0,
        verify_batch: int = 500,
        set_batch: int = 1000,
        set_limit: int = FOLDER_LIMIT,
        map_flush_every: int = 1000,
        sandbox_dir: str | None = None,
        state_key: str | None = None,
        lost_grace: float = 10.0,
    ) -> None:
        if visibility not in VISIBILITIES:
            raise PfocrError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
        if index_level is not None and index_level not in INDEX_LEVELS:
            raise PfocrError(f"index level must be one of {', '.join(INDEX_LEVELS)}, not {index_level!r}")
        if workers < 1:
            raise PfocrError("workers must be at least 1")
        self.server, self.username = server.rstrip("/"), username
        self._password = password
        self.visibility, self.index_level = visibility, index_level
        self.network_set, self.set_limit = network_set, min(set_limit, FOLDER_LIMIT)
        self.workers, self.replace_foreign, self.fill, self.dry_run = workers, replace_foreign, fill, dry_run
        self.style, self.progress = style, progress
        self.echo = echo or (lambda line: tqdm.write(line, file=sys.stderr))
        self.retries, self.backoff, self.timeout, self.upload_timeout = retries, backoff, timeout, upload_timeout
        self.poll_interval, self.verify_timeout, self.verify_batch = poll_interval, verify_timeout, verify_batch
        self.set_batch, self.map_flush_every, self.sandbox_dir = set_batch, map_flush_every, sandbox_dir
        self.lost_grace = lost_grace
        # One journal per server and account (``state_key`` names it when the URL is not stable).
        key = state_key or f"{re.sub(r'^https?://', '', self.server)}--{username}"
        self.journal = PublishJournal(Path(state_dir) / (re.sub(r"[^A-Za-z0-9.-]+", "_", key) + ".jsonl"))
        self._client: _Client | None = None
        self._upload_slots = threading.BoundedSemaphore(workers)

    def __repr__(self) -> str:
        return f"NdexPublisher({self.server!r}, {self.username!r}, visibility={self.visibility!r})"

    @classmethod
    def from_credentials(cls, credentials: Credentials, **options: Any) -> NdexPublisher:
        """A publisher for :class:`~pfocr_ndex.credentials.Credentials`."""
        return cls(credentials.server, credentials.username, credentials.password, **options)

    # -- server access --

    @property
    def client(self) -> _Client:
        if self._client is None:
            self._client = _Client(
                host=self.server,
                username=self.username,
                password=self._password,
                skip_version_check=True,
                timeout=self.timeout,
                user_agent="pfocr-ndex",
                upload_timeout=self.upload_timeout,
            )
        return self._client

    def _call(self, fn: Callable[[], T], *, creates: bool = False) -> T:
        """Call the server with retries (exponential backoff, full jitter) on transient failures.

        ``creates=True``: an answer that may hide a completed create (dropped connection after
        sending, timeout, 502/504) is not retried but raised as ambiguous, to be looked up.
        """
        for attempt in range(self.retries + 1):
            try:
                return fn()
            except (NDExError, requests.RequestException) as exc:
                problem = _classify(exc)
            if not problem.transient:
                raise _CallFailed(problem)
            if (
                creates
                and problem.sent
                and (
                    problem.status is None
                    or problem.status in _AMBIGUOUS_STATUS
                    or (problem.status == 500 and problem.code is None)
                )
            ):
                raise _CallFailed(problem, ambiguous=True)
            if attempt == self.retries:
                raise _CallFailed(problem)
            time.sleep(random.uniform(0, min(30.0, self.backoff * 2**attempt)))
        raise AssertionError("unreachable")

    def _upload(self, fn: Callable[[], T], *, creates: bool = False) -> T:
        """An upload call: at most ``workers`` at a time (the other threads build networks meanwhile)."""
        with self._upload_slots:
            return self._call(fn, creates=creates)

    def check_credentials(self) -> None:
        """Make sure the server is reachable and accepts the password; raise ``PublishError`` if not."""
        try:  # the user lookup, then a call only the account itself may make
            self._call(lambda: self.client.get_user_network_summaries(self.username, offset=0, limit=1))
        except _CallFailed as failed:
            status, code = failed.problem.status, failed.problem.code
            if status == 404 or (status == 401 and code == "NDEx_Object_Not_Found_Exception"):
                raise PublishError(f"no NDEx user {self.username!r} at {self.server}; nothing was changed") from None
            if status == 401:
                raise PublishError(
                    f"NDEx at {self.server} rejected the password for user {self.username!r}; nothing was changed"
                ) from None
            raise PublishError(
                f"cannot use NDEx at {self.server}: {failed.problem.message}; nothing was changed"
            ) from None
        except (TypeError, KeyError):
            raise PublishError(f"{self.server} does not answer like an NDEx server; nothing was changed") from None

    def find_networks(self, figids: set[str], page: int = 1000) -> dict[str, str]:
        """Look up this account's networks for ``figids`` (by figure-id attribute), paging through all.

        Returns figid → UUID of the newest matching network (summaries come newest first).
        A network still loading has no attributes yet: while one is, and figures are still
        unaccounted for, the scan is repeated (up to ``verify_timeout``).
        """
        found: dict[str, str] = {}
        deadline = time.monotonic() + self.verify_timeout
        while True:
            offset, loading = 0, False
            while len(found) < len(figids):
                summaries = (
                    self._call(lambda: self.client.get_user_network_summaries(self.username, offset=offset, limit=page))
                    or []
                )
                for summary in summaries:
                    if summary.get("owner") not in (None, self.username):
                        continue
                    loading = loading or not summary.get("completed")
                    for figid in _figure_ids(summary) & figids:
                        found.setdefault(figid, summary["externalId"])
                if len(summaries) < page:
                    break
                offset += page
            if len(found) == len(figids) or not loading or time.monotonic() > deadline:
                return found
            time.sleep(self.poll_interval)

    # -- per-figure work (worker threads) --

    def prepare(self, path: Path) -> PreparedFigure:
        """Read, build and validate one record (raises ``PfocrError``); override to customise networks."""
        from .network import build_network
        from .records import read_record
        from .validate import summarize_problems, validate_cx2

        record = read_record(path)
        if record.ndex and not is_uuid(record.ndex.strip()):
            raise PfocrError(f"the ndex field is not a bare UUID: {record.ndex[:60]!r}", path)
        network = build_network(record, style=self.style)
        problems = validate_cx2(network.cx2)
        if problems:
            raise PfocrError(f"invalid CX2, not uploaded: {summarize_problems(problems)}", path)
        data = network.to_json()
        return PreparedFigure(
            path,
            record.figid,
            data,
            hashlib.sha256(data).hexdigest(),
            network.node_count,
            network.edge_count,
            (record.ndex or "").strip().lower() or None,
        )

    def _process(self, path: Path) -> FigureOutcome | _Uploaded | _Lost:
        try:
            task = self.prepare(path)
        except PfocrError as err:
            return FigureOutcome(path.stem, str(path), "failed", None, str(err))
        except OSError as err:
            return FigureOutcome(path.stem, str(path), "failed", None, f"{path}: {err.strerror or err}")
        st = self.journal.state(task.figid)
        record_uuid = task.record_uuid
        if record_uuid and record_uuid not in (st.uuid, st.replaced):
            target, ours = record_uuid, False  # the record names a network: that one
        else:
            target, ours = st.uuid, st.uuid is not None
        if ours and st.published_hash == task.digest:
            return FigureOutcome(task.figid, str(path), "unchanged", target, UNCHANGED_NOTE)
        if not ours and target and st.foreign == f"{target} {task.digest}" and not self.replace_foreign:
            return FigureOutcome(
                task.figid,
                str(path),
                "skipped-foreign",
                target,
                "not updatable by this account (known from an earlier run); "
                "use --replace-foreign to publish a new network",
            )
        if self.dry_run:
            action = "would-update" if target else "would-create"
            return FigureOutcome(
                task.figid,
                str(path),
                action,
                target,
                "" if ours or not target else "UUID from the record, ownership not checked",
            )
        if ours and st.uploaded_hash == task.digest:
            return _Uploaded(
                path,
                task.figid,
                target,
                task.digest,
                task.node_count,
                task.edge_count,
                record_uuid,
                created=record_uuid != target,
                detail="uploaded by an earlier run",
            )
        try:
            if target is None:
                return self._create(task)
            return self._update(task, target, ours)
        except _CallFailed as failed:
            return FigureOutcome(task.figid, str(path), "failed", target, failed.problem.message)

    def _create(self, task: PreparedFigure, replaces: str | None = None, note: str = "") -> _Uploaded | _Lost:
        self.journal.append("pending", durable=True, figid=task.figid, hash=task.digest, replaces=replaces)
        try:
            location = self._upload(
                lambda: self.client.save_cx2_stream_as_new_network(io.BytesIO(task.data), visibility=self.visibility),
                creates=True,
            )
        except _CallFailed as failed:
            if failed.ambiguous:
                return _Lost(task.path, task.figid, failed.problem.message)
            raise
        uuid = str(location).rstrip("/").rsplit("/", 1)[-1]
        self.journal.append("uploaded", figid=task.figid, uuid=uuid, hash=task.digest, replaces=replaces)
        return _Uploaded(
            task.path,
            task.figid,
            uuid,
            task.digest,
            task.node_count,
            task.edge_count,
            task.record_uuid,
            created=True,
            detail=note,
        )

    def _update(self, task: PreparedFigure, uuid: str, ours: bool) -> _Uploaded | _Lost | FigureOutcome:
        try:
            self._upload(lambda: self.client.update_cx2_network(io.BytesIO(task.data), uuid))
        except _CallFailed as failed:
            problem = failed.problem
            not_ours = problem.status in (401, 404) or (
                problem.status == 403 and "disk space" not in problem.message.lower()
            )
            if not not_ours:
                raise
            reason = {
                401: "not writable by this account (401)",
                404: "not found on this server (404)",
                403: "read-only (403)",
            }[problem.status]
            if ours and problem.status == 404:
                return self._create(task, note=f"our earlier network {uuid} is gone; created a new one")
            if self.replace_foreign:
                return self._create(task, replaces=uuid, note=f"replaces {uuid}: {reason}")
            self.journal.append("foreign", figid=task.figid, uuid=uuid, hash=task.digest)
            return FigureOutcome(
                task.figid,
                str(task.path),
                "skipped-foreign",
                uuid,
                f"network {reason}; left as it is (use --replace-foreign to publish a new one)",
            )
        self.journal.append("uploaded", figid=task.figid, uuid=uuid, hash=task.digest)
        return _Uploaded(
            task.path, task.figid, uuid, task.digest, task.node_count, task.edge_count, task.record_uuid, created=False
        )

    # -- the run (main thread) --

    def publish(self, paths: Iterable[str | PathLike[str]]) -> PublishReport:
        """Publish every record under ``paths``; return the report (never raises for one figure).

        Raises ``PublishError`` before touching anything when the server or credentials are unusable.
        """
        paths = [Path(p) for p in paths]
        for path in paths:
            if not path.exists():
                raise PublishError("no such file or directory; nothing was changed", path)
        report = PublishReport(self.server, self.username, self.dry_run, self.sandbox_dir)
        if self.dry_run:
            return self._publish(paths, report)
        self.check_credentials()
        with self._exclusive():
            return self._publish(paths, report)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold a lock on the journal: two runs sharing it could both create a figure's network."""
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            yield
            return
        lock_path = self.journal.path.with_suffix(".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise PublishError(
                    "another publish run is using this state; wait for it to finish", self.journal.path
                ) from None
            yield

    def _publish(self, paths: Iterable[str | PathLike[str]], report: PublishReport) -> PublishReport:
        from .records import iter_record_paths

        run = _Run(self, report)
        try:
            if not self.dry_run:
                try:
                    run.resolve_pending([f for f, st in self.journal.states.items() if st.pending_hash])
                except _CallFailed as failed:
                    raise PublishError(
                        f"cannot look up the creates an interrupted run left pending: {failed.problem.message}"
                    ) from None
            run.execute(iter_record_paths(paths))
        finally:
            run.close()
        return report


@contextlib.contextmanager
def _no_deprecation_warning() -> Iterator[None]:
    # ndex2 3.12 deprecates the network-set calls in favour of per-network folder moves/shortcuts;
    # the set calls are the ones that add many networks per request.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


class _Run:
    """State of one publish run: the worker pool, verification queue, set batches, maps."""

    def __init__(self, publisher: NdexPublisher, report: PublishReport) -> None:
        self.p = publisher
        self.report = report
        self.results: queue.SimpleQueue[Future] = queue.SimpleQueue()
        self.in_flight = 0
        self.verifying: dict[str, _Uploaded] = {}
        self.lost: list[_Lost] = []
        self.set_queue: list[str] = []  # figids verified, waiting to join the network set
        self.uuids: dict[str, str] = {}  # figid → uuid for set_queue entries
        self.maps: dict[Path, NdexMap | None] = {}
        self.written = 0
        self.last_poll = 0.0
        self.bar = tqdm(unit="fig", desc="publish", disable=not publisher.progress, file=sys.stderr, dynamic_ncols=True)

    # -- driving --

    def execute(self, paths: Iterator[Path]) -> None:
        # Twice as many threads as upload slots, so networks are built while others upload; a deeper
        # queue keeps the uploads busy while this thread verifies and writes records back.
        max_in_flight = self.p.workers * 6
        with ThreadPoolExecutor(self.p.workers * 2, thread_name_prefix="publish") as pool:
            self.pool = pool
            try:
                seen: set[str] = set()
                for path in paths:
                    if path.stem in seen:  # two threads must never publish one figure
                        self.p.echo(f"{path}: skipped, figure {path.stem} was already given")
                        continue
                    seen.add(path.stem)
                    while self.in_flight >= max_in_flight or len(self.verifying) >= 4 * self.p.verify_batch:
                        self.step(block=True)
                    self.submit(path)
                    self.step(block=False)
                for _ in range(3):  # rounds: lost creates are looked up, then created again
                    while self.in_flight or self.verifying:
                        self.step(block=True)
                    if not self.lost or self.p.dry_run:
                        break
                    self.retry_lost()
                for lost in self.lost:
                    self.finish(
                        FigureOutcome(
                            lost.figid,
                            str(lost.path),
                            "failed",
                            None,
                            f"create answer lost ({lost.reason}) and the network was not found",
                        )
                    )
                self.flush_set()
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise

    def submit(self, path: Path) -> None:
        future = self.pool.submit(self.process, path)
        future.add_done_callback(self.results.put)
        self.in_flight += 1

    def process(self, path: Path) -> FigureOutcome | _Uploaded | _Lost:
        try:
            return self.p._process(path)
        except Exception as exc:  # a bug or an unexpected I/O error: this figure fails, the run goes on
            return FigureOutcome(path.stem, str(path), "failed", None, f"internal error: {_short(exc)}")

    def step(self, block: bool) -> None:
        """Handle one finished figure (waiting up to a poll interval), then verify if due."""
        try:
            future = self.results.get(timeout=self.p.poll_interval / 2) if block else self.results.get_nowait()
        except queue.Empty:
            future = None
        if future is not None:
            self.in_flight -= 1
            self.handle(future)
        # Once nothing is in flight, only loading is left to wait for: poll twice as often.
        interval = self.p.poll_interval if self.in_flight else self.p.poll_interval / 2
        if self.verifying and time.monotonic() - self.last_poll >= interval:
            self.verify()

    def handle(self, future: Future) -> None:
        result = future.result()
        if isinstance(result, _Uploaded):
            self.verifying[result.uuid] = result
        elif isinstance(result, _Lost):
            self.lost.append(result)
        elif result.outcome == "unchanged":
            problem = self.write_back(Path(result.path), result.figid, result.uuid)
            self.finish(
                result if problem is None else FigureOutcome(result.figid, result.path, "failed", result.uuid, problem)
            )
        else:
            self.finish(result)

    def finish(self, outcome: FigureOutcome) -> None:
        self.report.figures.append(outcome)
        self.bar.update(1)
        if outcome.outcome in ("failed", "skipped-foreign") or self.p.dry_run:
            uuid = f" {outcome.uuid}" if outcome.uuid else ""
            detail = outcome.detail
            if detail.startswith(outcome.path):  # PfocrError text already names the file
                detail = detail[len(outcome.path) + 2 :]
            self.p.echo(f"{outcome.path}: {outcome.outcome}{uuid}" + (f": {detail}" if detail else ""))

    # -- verification --

    def verify(self) -> None:
        self.last_poll = time.monotonic()
        ids = list(self.verifying)[: self.p.verify_batch]
        try:
            summaries = self.p._call(lambda: self.p.client.networks.get_summaries(ids))
        except _CallFailed as failed:
            for uuid in ids:
                self.fail_verification(self.verifying.pop(uuid), f"summary unavailable: {failed.problem.message}")
            return
        by_id = {s.get("externalId"): s for s in summaries or () if isinstance(s, dict)}
        now = time.monotonic()
        for uuid in ids:
            item = self.verifying[uuid]
            summary = by_id.get(uuid)
            if summary is None or not summary.get("completed"):
                if now - item.since > self.p.verify_timeout:
                    del self.verifying[uuid]
                    self.fail_verification(item, f"server did not finish loading within {self.p.verify_timeout:.0f} s")
                continue
            del self.verifying[uuid]
            problem = None
            if summary.get("errorMessage"):
                problem = f"server rejected the network: {summary['errorMessage']}"
            elif summary.get("nodeCount") != item.node_count or summary.get("edgeCount", 0) != item.edge_count:
                problem = (
                    f"server holds {summary.get('nodeCount')} nodes/{summary.get('edgeCount')} edges, "
                    f"sent {item.node_count}/{item.edge_count}"
                )
            if problem:
                self.fail_verification(item, problem)
                continue
            try:
                self.set_system_properties(uuid, summary)
            except _CallFailed as failed:
                self.fail_verification(item, f"verified, but setting visibility failed: {failed.problem.message}")
                continue
            self.p.journal.append("published", figid=item.figid, uuid=uuid, hash=item.digest)
            problem = self.write_back(item.path, item.figid, uuid)
            if problem is None:
                self.finish(
                    FigureOutcome(
                        item.figid, str(item.path), "created" if item.created else "updated", uuid, item.detail
                    )
                )
            else:
                self.finish(FigureOutcome(item.figid, str(item.path), "failed", uuid, problem))

    def fail_verification(self, item: _Uploaded, reason: str) -> None:
        # The network stays ours in the journal: the next run updates it instead of creating another.
        self.p.journal.append("rejected", figid=item.figid)
        self.finish(FigureOutcome(item.figid, str(item.path), "failed", item.uuid, f"{reason}; record not filled"))

    def set_system_properties(self, uuid: str, summary: dict) -> None:
        props: dict[str, str] = {}
        if summary.get("visibility") != self.p.visibility:
            props["visibility"] = self.p.visibility
        if self.p.index_level and summary.get("indexLevel") != self.p.index_level:
            props["index_level"] = self.p.index_level
        if not props:
            return
        client = self.p.client
        if props.get("visibility") == "UNLISTED":  # ndex2 only lets PUBLIC/PRIVATE through
            self.p._call(lambda: client.put(f"/network/{uuid}/systemproperty", json.dumps(props)))
        else:
            self.p._call(lambda: client.set_network_system_properties(uuid, props))

    # -- write-back, map, network set --

    def write_back(self, path: Path, figid: str, uuid: str | None) -> str | None:
        """Queue set membership, fill the record and map; the problem if the record cannot be written."""
        if uuid is None:
            return None
        if self.p.network_set and self.p.journal.state(figid).in_set not in self.set_ids():
            self.set_queue.append(figid)
            self.uuids[figid] = uuid
            if len(self.set_queue) >= self.p.set_batch:
                self.flush_set()
            elif len(self.set_queue) == 1:
                # create a missing set now, while uploads run, rather than after the last one
                with contextlib.suppress(_CallFailed):  # flush_set tries again and reports
                    self.current_set()
        if not self.p.fill:
            return None
        try:
            set_ndex_field(path, uuid)
        except (PfocrError, OSError) as err:
            reason = err.message if isinstance(err, PfocrError) else (err.strerror or str(err))
            return f"published as {uuid}, but the record could not be filled: {reason}"
        map_path = database_map_path(path)
        if map_path is None:
            return None
        if map_path not in self.maps:
            try:
                self.maps[map_path] = NdexMap(map_path)
            except PfocrError as err:  # a broken map is reported once and left alone
                self.maps[map_path] = None
                self.p.echo(f"{err}; {map_path.name} not updated")
        ndex_map = self.maps[map_path]
        if ndex_map is None:
            return None
        ndex_map.set(figid, uuid)
        self.written += 1
        if self.written % self.p.map_flush_every == 0:
            for m in self.maps.values():
                if m is not None:
                    m.flush()
        return None

    def flush_set(self) -> None:
        """Add queued networks to the network set, many per call, opening a new part when one is full."""
        while self.set_queue:
            try:
                name, set_id, room = self.current_set()
            except _CallFailed as failed:
                self.p.echo(
                    f"network set {self.p.network_set!r}: creating it failed ({failed.problem.message}); "
                    f"{len(self.set_queue)} networks are added on the next run"
                )
                self.set_queue = []
                return
            batch, self.set_queue = self.set_queue[:room], self.set_queue[room:]
            try:
                with _no_deprecation_warning():
                    self.p._call(
                        lambda: self.p.client.add_networks_to_networkset(set_id, [self.uuids[f] for f in batch])
                    )
            except _CallFailed as failed:
                self.p.echo(
                    f"network set {name!r}: adding {len(batch)} networks failed "
                    f"({failed.problem.message}); they are added on the next run"
                )
                continue
            self.p.journal.append("inset", set=set_id, figids=batch)
            for figid in batch:
                self.uuids.pop(figid, None)

    def set_ids(self) -> set[str]:
        """Ids of the configured network set's parts known so far."""
        base = self.p.network_set
        return {
            info["id"]
            for name, info in self.p.journal.sets.items()
            if name == base or name.startswith(f"{base} (part ")
        }

    def current_set(self) -> tuple[str, str, int]:
        base, journal = self.p.network_set, self.p.journal
        for part in range(1, 10_000):
            name = base if part == 1 else f"{base} (part {part})"
            info = journal.sets.get(name)
            if info is None:
                set_id = self.create_set(name)
                return name, set_id, self.p.set_limit
            if info["count"] < self.p.set_limit:
                return name, info["id"], self.p.set_limit - info["count"]
        raise PublishError("too many network set parts")

    def create_set(self, name: str) -> str:
        description = "PFOCR pathway figure networks (https://pfocr.wikipathways.org/)"
        with _no_deprecation_warning():
            url = self.p._call(lambda: self.p.client.create_networkset(name, description))
        set_id = str(url).strip().rstrip("/").rsplit("/", 1)[-1]
        self.p.journal.append("set", name=name, id=set_id, count=0)
        return set_id

    # -- lost creates --

    def resolve_pending(self, figids: list[str], grace: float = 0.0) -> None:
        """Look up creates whose answer was lost (or started by a killed run); record the UUIDs that exist.

        ``grace``: when some are not found, look again after this many seconds, for a request
        that timed out here but is still on its way through the server.
        """
        if not figids:
            return
        found = self.p.find_networks(set(figids))
        if grace > 0 and len(found) < len(figids):
            time.sleep(grace)
            found.update(self.p.find_networks(set(figids) - set(found)))
        for figid in figids:
            st = self.p.journal.state(figid)
            if figid in found:
                self.p.journal.append("uploaded", figid=figid, uuid=found[figid], hash=st.pending_hash)
            else:
                self.p.journal.append("resolved", figid=figid)

    def retry_lost(self) -> None:
        lost, self.lost = self.lost, []
        try:
            self.resolve_pending([item.figid for item in lost], grace=self.p.lost_grace)
        except _CallFailed as failed:
            for item in lost:
                self.finish(
                    FigureOutcome(
                        item.figid,
                        str(item.path),
                        "failed",
                        None,
                        f"create answer lost and lookup failed: {failed.problem.message}",
                    )
                )
            return
        for item in lost:
            self.submit(item.path)

    def close(self) -> None:
        self.bar.close()
        for ndex_map in self.maps.values():
            if ndex_map is not None:
                ndex_map.flush()
        if self.p.journal.appended:
            self.p.journal.compact()
        self.p.journal.close()


@contextlib.contextmanager
def local_sandbox(data_dir: str | PathLike[str] = ".ndex-sandbox") -> Iterator[tuple[Any, Credentials]]:
    """Run the embedded NDEx sandbox on 127.0.0.1 with its data in ``data_dir``; yield (sandbox, credentials).

    Networks persist in ``data_dir`` across runs, so publishing again is a no-op.
    """
    from .sandbox import NdexSandbox

    Path(data_dir).mkdir(parents=True, exist_ok=True)
    data_dir = str(data_dir)
    with NdexSandbox(data_dir=data_dir, port=0, users={SANDBOX_USER: SANDBOX_PASSWORD}, record_limit=10_000) as sandbox:
        yield sandbox, Credentials(sandbox.url, SANDBOX_USER, SANDBOX_PASSWORD, f"local sandbox in {data_dir}")
