"""One publish (or status) run: prepare figures, look up what the server holds, decide, act, verify, write back.

The main thread drives and never waits on the network while other work could go on; thread pools do the rest:

1. **prepare** (``workers`` threads): read a record, build its CX2, stamp it with its content digest, validate it;
2. **look up** (main, in batches of ``lookup_batch``): one batch-summary request for the networks the
   figures' records, map rows and journal name; the account's network listing once, when a figure has
   no network yet (so a network made by a lost create or by another machine is found, not made twice);
3. **decide** (:func:`~pfocr_ndex.publish.decision.decide`, pure) and **act**: create or update
   (``workers`` upload threads), fix system properties, or skip with a reason;
4. **verify** (one polling thread, batched; the answers handled by the main thread): a network counts as
   published only when its summary says it is loaded, without ``errorMessage``, with our content digest
   and the node/edge counts sent; then its system properties are set, a read-only flag cleared for the
   update is set again, the record and map are filled and the network joins the network set.

Creates whose answer was lost are looked up again, in up to ``LOST_ROUNDS - 1`` more rounds, each ending
verified. In a ``status`` run nothing is uploaded or written: step 3 only reports the figure's situation.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import queue
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ..errors import PfocrError, PublishError
from ..layout import database_root, ndex_map_path
from ..writeback import NdexMap, database_lock, set_ndex_field
from .client import CallFailed, NdexClient
from .decision import CLOCK_SKEW_MS, SITUATIONS, Account, Action, Facts, decide, system_properties
from .journal import PublishJournal
from .options import PublishOptions
from .report import NOTEWORTHY, NOTEWORTHY_SITUATIONS, STATUS_OUTCOME, FigureOutcome, PublishReport
from .summary import DIGEST_ATTRIBUTE, NetworkInfo

__all__ = ["PreparedFigure", "PublishRun", "prepare_figure"]

LOST_ROUNDS = 3
MAX_DECISION_WAIT = 1.0  # seconds a prepared figure may wait for its batch's summary request
MAX_FAILED_POLLS = 3  # verification polls in a row that may fail before the networks polled count as failed
SET_DESCRIPTION = "PFOCR pathway figure networks (https://pfocr.wikipathways.org/)"


@dataclass
class PreparedFigure:
    """A figure's validated CX2 bytes and what deciding and verifying need (held only while in flight)."""

    path: Path
    figid: str
    data: bytes
    digest: str
    node_count: int
    edge_count: int
    record_uuid: str | None


def prepare_figure(path: Path, style: dict[str, Any] | None = None) -> PreparedFigure:
    """Read, build, stamp and validate one record (raises ``PfocrError`` naming the file).

    The digest is taken over the CX2 without the digest attribute, then stored in it (``DIGEST_ATTRIBUTE``):
    the same figure built the same way always has the same digest, and the server's summary carries it.
    """
    from ..network import build_network
    from ..records import read_record
    from ..validate import summarize_problems, validate_cx2

    record = read_record(path)  # checks the ndex field (records.ndex_value)
    network = build_network(record, style=style)
    digest = hashlib.sha256(network.to_json()).hexdigest()
    network.add_network_attribute(DIGEST_ATTRIBUTE, digest)
    problems = validate_cx2(network.cx2)
    if problems:
        raise PfocrError(f"invalid CX2, not uploaded: {summarize_problems(problems)}", path)
    return PreparedFigure(
        path,
        record.figid,
        network.to_json(),
        digest,
        network.node_count,
        network.edge_count,
        record.ndex,
    )


@dataclass
class _Waiting:
    """A prepared figure waiting for its decision (``not_before``: a loading network is looked at again)."""

    fig: PreparedFigure
    not_before: float = 0.0
    since: float = field(default_factory=time.monotonic)
    uuid: str | None = None  # a loading network waited for that the figure's facts do not name (adopted)


@dataclass
class _Uploaded:
    """A network the server accepted (2xx), waiting for verification."""

    fig: PreparedFigure
    uuid: str
    action: Action
    since: float = field(default_factory=time.monotonic)


@dataclass
class _Lost:
    """A create whose answer never arrived: look it up before creating again."""

    fig: PreparedFigure
    reason: str


@dataclass
class _Polled:
    """The answer to a verification poll: the summaries of ``ids``, or why there are none."""

    ids: list[str]
    summaries: dict[str, NetworkInfo] | None
    problem: str | None = None


@dataclass
class _Stop:
    """A worker met a problem that ends the run (the account is out of disk space)."""

    fig: PreparedFigure
    message: str


_Result = FigureOutcome | PreparedFigure | _Uploaded | _Lost | _Stop | _Polled


class PublishRun:
    """State of one run. ``client`` is None for a dry run; ``upload=False`` makes it a ``status`` run."""

    def __init__(
        self,
        *,
        client: NdexClient | None,
        options: PublishOptions,
        account: Account,
        journal: PublishJournal,
        report: PublishReport,
        echo: Callable[[str], None],
        style: dict[str, Any] | None = None,
        upload: bool = True,
        progress: bool = False,
    ) -> None:
        self.client = client
        self.options = options
        self.account = account
        self.journal = journal
        self.report = report
        self.echo = echo
        self.style = style
        self.upload = upload
        self.results: queue.SimpleQueue[tuple[str, Future[_Result]]] = queue.SimpleQueue()  # (pool, done task)
        self.tasks: Counter[str] = Counter()  # tasks in flight per pool ("prepare", "upload", "verify")
        self.input_done = False
        self.waiting: list[_Waiting] = []
        self.verifying: dict[str, _Uploaded] = {}
        self.claimed: dict[str, PreparedFigure] = {}  # network → the figure this run acts on it for
        self.lost: list[_Lost] = []
        self.stopped: str | None = None  # why no more uploads may start (set by the thread that met it)
        self.candidates: dict[str, list[NetworkInfo]] | None = None  # the account's networks by figid
        self.listing_failed: str | None = None  # why the account's networks could not be listed (this run)
        self.set_queue: list[tuple[str, str]] = []  # (figid, uuid) verified, waiting to join the network set
        self._set_parts: dict[str, set[str]] | None = None  # set part id → its member networks
        self.maps: dict[Path, NdexMap | None] = {}  # records folder → its database's map (None: none, or broken)
        self.locks = contextlib.ExitStack()  # the databases written into, locked for the run
        self.locked: dict[Path, str | None] = {}  # database root → None (locked) or why it could not be
        self.written = 0
        self.last_poll = 0.0
        self.failed_polls = 0
        self.bar = tqdm(unit="fig", desc=report.command, disable=not progress, file=sys.stderr, dynamic_ncols=True)

    # -- driving --

    def execute(self, paths: Iterable[Path]) -> None:
        """Run over every record path; the outcomes go to the report."""
        workers = self.options.workers
        # Separate pools: an upload never waits behind networks being built (at most ``workers`` of each), and
        # verification polls run beside them, so the main thread never waits on the network while uploads could go on.
        with (
            ThreadPoolExecutor(workers, thread_name_prefix="prepare") as preparing,
            ThreadPoolExecutor(workers, thread_name_prefix="upload") as uploading,
            ThreadPoolExecutor(1, thread_name_prefix="verify") as polling,
        ):
            self.pools = {"prepare": preparing, "upload": uploading, "verify": polling}
            try:
                for path in paths:
                    if self.stopped:
                        break
                    problem = self.lock_database(path) if self.upload and not self.report.dry_run else None
                    if problem is not None:  # said once (lock_database); each record still counts as failed
                        self.finish(FigureOutcome(path.stem, str(path), "failed", None, problem), quiet=True)
                        continue
                    while sum(self.tasks.values()) >= workers * 6 or len(self.verifying) >= self.options.max_unverified:
                        self.step(block=True)
                    self.submit("prepare", self.prepare, path)
                    self.step(block=False)
                self.input_done = True
                self.drain()
                for _ in range(LOST_ROUNDS - 1):
                    if not self.lost or self.stopped:
                        break
                    self.retry_lost()
                    self.drain()
                for lost in self.lost:
                    found = "the run stopped before it was looked up" if self.stopped else "the network was not found"
                    self.fail(
                        lost.fig, None, f"create answer lost ({lost.reason}) and {found}; the next run looks again"
                    )
                self.flush_set()
            except BaseException:
                for pool in self.pools.values():
                    pool.shutdown(wait=False, cancel_futures=True)
                raise

    def submit(self, pool: str, fn: Callable[..., _Result], *args: Any) -> None:
        future = self.pools[pool].submit(self._guarded, fn, *args)
        future.add_done_callback(lambda done: self.results.put((pool, done)))
        self.tasks[pool] += 1

    @staticmethod
    def _guarded(fn: Callable[..., _Result], *args: Any) -> _Result:
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001 - a bug or unexpected I/O error fails this figure, not the run
            first = args[0]
            path = first.path if isinstance(first, PreparedFigure) else Path(first)
            return FigureOutcome(path.stem, str(path), "failed", None, f"internal error: {type(exc).__name__}: {exc}")

    def input_error(self, err: PfocrError) -> None:
        """A bad input path, or a figure already given by another input: one failed entry, the rest go on."""
        path = Path(err.path) if err.path else Path()
        self.finish(FigureOutcome(path.stem, str(path), "failed", None, err.message))

    def lock_database(self, record: Path) -> str | None:
        """Hold the lock of the record's database (or folder) for the rest of the run, whatever the cwd.

        Returns why it cannot be held (another run holds it): that database's records are then failed, the
        others go on.
        """
        root = database_root(record) or record.parent
        if root not in self.locked:
            try:
                lock = self.locks.enter_context(database_lock(root, purpose="publish"))
            except PfocrError as err:
                self.locked[root] = str(err)
                self.note(str(err))
            else:
                self.locked[root] = None
                if lock.removed:
                    self.note(f"{root}: removed {len(lock.removed)} temporary file(s) left by a killed run")
        return self.locked[root]

    def drain(self) -> None:
        """Go on until nothing is in flight, waiting for a decision or for verification."""
        while sum(self.tasks.values()) or self.waiting or self.verifying:
            self.step(block=True)

    def step(self, block: bool) -> None:
        """Handle one finished task (waiting up to half a poll interval), then decide and verify what is due."""
        try:
            wait = self.options.poll_interval / 2
            done = self.results.get(timeout=wait) if block else self.results.get_nowait()
        except queue.Empty:
            done = None
        if done is not None:
            pool, future = done
            self.tasks[pool] -= 1
            self.handle(future.result())
        if self.waiting and self._decision_due():
            self.decide_waiting()
        busy = self.tasks["prepare"] or self.tasks["upload"]
        interval = self.options.poll_interval if busy else self.options.poll_interval / 2
        if self.verifying and time.monotonic() - self.last_poll >= interval:
            self.verify()

    def _decision_due(self) -> bool:
        """Whether to decide now: a full batch (one summary request), all figures prepared, or one kept waiting."""
        now = time.monotonic()
        ready = [w for w in self.waiting if w.not_before <= now]
        return (
            bool(ready)
            and len(self.verifying) < self.options.max_unverified  # NDEx loads one network at a time
            and (
                len(ready) >= self.options.lookup_batch
                or (self.input_done and not self.tasks["prepare"])
                or now - min(w.since for w in ready) > MAX_DECISION_WAIT
            )
        )

    def handle(self, result: _Result) -> None:
        if isinstance(result, PreparedFigure):
            facts = None if self.report.dry_run else self.facts(result)
            if facts is None or facts.uuids():
                self.waiting.append(_Waiting(result))  # decided with its batch's summary request
            else:  # no network named anywhere: the account listing (read once) is all the decision needs
                self.decide_one(_Waiting(result), facts)
        elif isinstance(result, _Uploaded):
            self.verifying[result.uuid] = result
        elif isinstance(result, _Lost):
            self.lost.append(result)
        elif isinstance(result, _Polled):
            self.verified(result)
        elif isinstance(result, _Stop):
            self.halt(result.message)
            self.fail(result.fig, None, result.message)
        else:
            self.finish(result)

    def halt(self, message: str) -> None:
        """Start no more uploads (what is uploaded is still verified and written back); say why, once."""
        self.stopped = message
        if not self.report.stopped:
            self.report.stopped = message
            self.echo(f"stopping: {message}")

    def record(self, op: str, **fields: Any) -> None:
        """Append a journal line (any thread); a journal that cannot be written halts the run."""
        try:
            self.journal.append(op, **fields)
        except PublishError as err:
            self.halt(str(err))

    def finish(self, outcome: FigureOutcome, quiet: bool = False) -> None:
        self.report.add(outcome)
        self.bar.update(1)
        if quiet:
            return
        if outcome.outcome in NOTEWORTHY or outcome.situation in NOTEWORTHY_SITUATIONS or self.report.dry_run:
            uuid = f" {outcome.uuid}" if outcome.uuid else ""
            detail = outcome.detail.removeprefix(f"{outcome.path}: ")
            self.echo(f"{outcome.path}: {outcome.outcome}{uuid}" + (f": {detail}" if detail else ""))

    def fail(self, fig: PreparedFigure, uuid: str | None, reason: str, situation: str = "") -> None:
        self.finish(FigureOutcome(fig.figid, str(fig.path), "failed", uuid, reason, situation))

    # -- prepare (workers) --

    def prepare(self, path: Path) -> FigureOutcome | PreparedFigure:
        try:
            return prepare_figure(path, self.style)
        except PfocrError as err:
            return FigureOutcome(path.stem, str(path), "failed", None, str(err))
        except OSError as err:
            return FigureOutcome(path.stem, str(path), "failed", None, f"{path}: {err.strerror or err}")

    # -- look up and decide (main thread) --

    def facts(self, fig: PreparedFigure) -> Facts:
        ndex_map = self.ndex_map(fig.path)
        map_uuid = ndex_map.get(fig.figid) if ndex_map is not None else None
        return Facts(fig.figid, fig.digest, fig.record_uuid, map_uuid, self.journal.state(fig.figid))

    def decide_waiting(self) -> None:
        """Decide a batch of waiting figures after one batch-summary request for all the networks they name."""
        now = time.monotonic()
        due = [w for w in self.waiting if w.not_before <= now][: self.options.lookup_batch]
        chosen = {id(w) for w in due}
        self.waiting = [w for w in self.waiting if id(w) not in chosen]
        if self.report.dry_run:
            for item in due:
                self.dry_run_outcome(item.fig)
            return
        assert self.client is not None
        batch = [(item, self.facts(item.fig)) for item in due]
        uuids = set().union(*(facts.uuids() for _, facts in batch), {item.uuid for item, _ in batch if item.uuid})
        try:
            summaries = self.client.summaries(uuids) if uuids else {}
        except CallFailed as failed:
            for item, _ in batch:
                self.fail(item.fig, None, f"cannot look the network up: {failed.problem.message}")
            return
        for item, facts in batch:
            self.decide_one(item, dataclasses.replace(facts, summaries=summaries))

    def decide_one(self, item: _Waiting, facts: Facts) -> None:
        """Decide (listing the account first when the decision needs it) and act."""
        action = decide(dataclasses.replace(facts, candidates=self._candidates(facts)), self.options, self.account)
        if action.kind == "lookup":
            if self.candidates is None and self.listing_failed is None:
                try:
                    self.load_candidates()
                except CallFailed as failed:
                    self.listing_failed = failed.problem.message
            if self.listing_failed is not None:
                self.fail(item.fig, None, f"cannot list this account's networks: {self.listing_failed}")
                return
            action = decide(dataclasses.replace(facts, candidates=self._candidates(facts)), self.options, self.account)
        self.act(item, action)

    def _candidates(self, facts: Facts) -> tuple[NetworkInfo, ...] | None:
        """The account's networks carrying the figure's figid, as fresh as this batch's summaries say."""
        if self.candidates is None:
            return None
        return tuple(facts.summaries.get(info.uuid, info) for info in self.candidates.get(facts.figid, ()))

    def load_candidates(self) -> None:
        """List this account's networks by figid (once a run, again after lost creates).

        A network still loading has no attributes yet: while one created since a pending create is loading,
        the listing is read again (up to ``verify_timeout``), so a lost create is found, not made twice.
        """
        assert self.client is not None
        earliest = self.journal.earliest_pending()
        since = None if earliest is None else earliest - CLOCK_SKEW_MS
        deadline = time.monotonic() + self.options.verify_timeout
        while True:
            found: dict[str, list[NetworkInfo]] = {}
            loading = False
            for info in self.client.account_networks():
                if not self.account.owns(info):
                    continue
                if info.figid:
                    found.setdefault(info.figid, []).append(info)
                elif not info.completed and since is not None and (info.creation_time or 0) >= since:
                    loading = True
            if not loading or time.monotonic() > deadline:
                self.candidates = found
                return
            time.sleep(self.options.poll_interval)

    def act(self, item: _Waiting, action: Action) -> None:
        fig = item.fig
        if action.uuid and action.kind in ("update", "unchanged", "wait"):
            claimed = self.claimed.setdefault(action.uuid, fig)
            if claimed is not fig:  # a network that names no figure, named by two records: never overwrite
                action = Action(
                    "skip",
                    "conflict",
                    action.uuid,
                    outcome="conflict",
                    detail=f"{claimed.path} names this network too; nothing uploaded (fix one of the ndex fields)",
                )
        if not self.upload:  # status: report the situation only
            self.finish(
                FigureOutcome(
                    fig.figid,
                    str(fig.path),
                    STATUS_OUTCOME,
                    action.uuid,
                    action.detail or SITUATIONS[action.situation],
                    action.situation,
                )
            )
            return
        if action.kind == "skip":
            self.finish(
                FigureOutcome(
                    fig.figid, str(fig.path), action.outcome or "failed", action.uuid, action.detail, action.situation
                )
            )
        elif action.kind == "wait":
            if time.monotonic() - item.since > self.options.verify_timeout:
                self.fail(fig, action.uuid, f"still loading on the server after {self.options.verify_timeout:g} s")
            else:
                item.not_before, item.uuid = time.monotonic() + self.options.poll_interval, action.uuid
                self.waiting.append(item)
        elif action.kind == "unchanged":
            assert action.uuid is not None
            if self.journal.state(fig.figid).pending_hash:  # this run's (or a killed one's) create, answer lost
                self.record("uploaded", figid=fig.figid, uuid=action.uuid, hash=fig.digest, replaces=action.replaces)
                self.complete(fig, action.uuid, action, "created", action.properties)
            else:
                self.complete(fig, action.uuid, action, "unchanged", action.properties)
        elif self.stopped:
            self.fail(fig, action.uuid, f"not uploaded: {self.stopped}")
        else:
            self.submit("upload", self.upload_figure, fig, action)

    def dry_run_outcome(self, fig: PreparedFigure) -> None:
        st = self.journal.state(fig.figid)
        target = fig.record_uuid or st.uuid
        if target is None:
            self.finish(FigureOutcome(fig.figid, str(fig.path), "would-create"))
        elif target == st.uuid and st.published_hash == fig.digest:
            self.finish(FigureOutcome(fig.figid, str(fig.path), "unchanged", target, "content as last published"))
        else:
            self.finish(
                FigureOutcome(
                    fig.figid,
                    str(fig.path),
                    "would-update",
                    target,
                    "server not contacted: ownership and content not checked",
                )
            )

    # -- upload (workers) --

    def upload_figure(self, fig: PreparedFigure, action: Action) -> _Result:
        """Create or update one network (in the upload pool: at most ``workers`` at a time)."""
        if self.stopped:  # queued before the run stopped
            return FigureOutcome(fig.figid, str(fig.path), "failed", action.uuid, f"not uploaded: {self.stopped}")
        result = self._upload(fig, action)
        if isinstance(result, _Stop):
            self.stopped = result.message  # no queued upload may start now
        return result

    def _upload(self, fig: PreparedFigure, action: Action) -> _Result:
        assert self.client is not None
        client, journal = self.client, self.journal
        try:
            if action.kind == "create":
                journal.append(
                    "pending",
                    durable=True,
                    figid=fig.figid,
                    hash=fig.digest,
                    since=int(time.time() * 1000),
                    replaces=action.replaces,
                )
                try:
                    uuid = client.create(fig.data, self.options.visibility)
                except CallFailed as failed:
                    if failed.ambiguous:
                        return _Lost(fig, failed.problem.message)
                    journal.append("resolved", figid=fig.figid)
                    raise
            else:
                assert action.uuid is not None
                uuid = action.uuid
                if action.unlock:
                    journal.append("unlocked", durable=True, figid=fig.figid, uuid=uuid)
                try:
                    if action.unlock:
                        client.set_system_properties(uuid, {"readOnly": False})
                    client.update(uuid, fig.data)
                except BaseException:
                    if action.restores_read_only:  # whatever went wrong, the flag is set again now
                        self.relock(fig.figid, uuid)
                    raise
        except PublishError as err:  # the journal cannot be written: nothing more may be sent
            return _Stop(fig, str(err))
        except CallFailed as failed:
            if failed.problem.out_of_disk_space:
                return _Stop(fig, f"the NDEx account is out of disk space ({failed.problem.message})")
            return FigureOutcome(
                fig.figid, str(fig.path), "failed", action.uuid, failed.problem.message, action.situation
            )
        # The server has it: verify it even if the journal can no longer be written (then nothing more is sent).
        self.record("uploaded", figid=fig.figid, uuid=uuid, hash=fig.digest, replaces=action.replaces)
        return _Uploaded(fig, uuid, action)

    def relock(self, figid: str, uuid: str) -> bool:
        """Set a network's read-only flag again; False (the journal keeps it for the next run) if that failed."""
        assert self.client is not None
        try:
            self.client.set_system_properties(uuid, {"readOnly": True})
        except CallFailed as failed:
            self.echo(f"{figid}: could not set {uuid} read-only again ({failed.problem.message}); the next run will")
            return False
        self.record("relocked", figid=figid, uuid=uuid)
        return True

    # -- verification (main thread) --

    def verify(self) -> None:
        """Start a poll of the summaries of uploaded networks (one at a time; answered in ``verified``)."""
        if self.tasks["verify"]:
            return
        self.last_poll = time.monotonic()
        self.submit("verify", self.poll, list(self.verifying)[: self.options.lookup_batch])

    def poll(self, ids: list[str]) -> _Polled:
        assert self.client is not None
        try:
            return _Polled(ids, self.client.summaries(ids))
        except CallFailed as failed:
            return _Polled(ids, None, failed.problem.message)
        except Exception as exc:  # noqa: BLE001 - a bug fails these figures' verification, not the run
            return _Polled(ids, None, f"internal error: {type(exc).__name__}: {exc}")

    def verified(self, polled: _Polled) -> None:
        """Check each polled network: loaded, no error, our content and counts; then complete it."""
        if polled.summaries is None:
            self.failed_polls += 1
            if self.failed_polls >= MAX_FAILED_POLLS:  # not a passing fault: give these up, try the others
                self.failed_polls = 0
                for uuid in polled.ids:
                    self.fail_verification(self.verifying.pop(uuid), f"summary unavailable: {polled.problem}")
            return
        self.failed_polls = 0
        now = time.monotonic()
        for uuid in polled.ids:
            item = self.verifying[uuid]
            info = polled.summaries.get(uuid)
            # errorMessage is final. Until the load has finished (ndex-rest clears the summary of an updated
            # network and marks it completed after its index task), the summary is empty or not yet ours.
            if info is None or (not info.error and (not info.completed or info.digest != item.fig.digest)):
                if now - item.since > self.options.verify_timeout:
                    del self.verifying[uuid]
                    self.fail_verification(
                        item, f"the server did not finish loading it within {self.options.verify_timeout:g} s"
                    )
                continue
            del self.verifying[uuid]
            fig = item.fig
            if info.error:
                self.fail_verification(item, f"the server rejected the network: {info.error}")
            elif info.node_count != fig.node_count or (info.edge_count or 0) != fig.edge_count:
                self.fail_verification(
                    item,
                    f"the server holds {info.node_count} nodes/{info.edge_count} edges, "
                    f"sent {fig.node_count}/{fig.edge_count}",
                )
            else:
                outcome = "created" if item.action.kind == "create" else "updated"
                self.complete(fig, uuid, item.action, outcome, system_properties(info, self.options))

    def fail_verification(self, item: _Uploaded, reason: str) -> None:
        # The network stays ours in the journal: the next run updates it instead of creating another.
        if item.action.restores_read_only:
            self.relock(item.fig.figid, item.uuid)
        self.fail(item.fig, item.uuid, f"{reason}; record not filled", item.action.situation)

    def complete(
        self, fig: PreparedFigure, uuid: str, action: Action, outcome: str, properties: dict[str, str] | Any
    ) -> None:
        """Set system properties, restore the read-only flag, journal, write back, queue set membership."""
        assert self.client is not None
        try:
            if properties:
                self.client.set_system_properties(uuid, dict(properties))
        except CallFailed as failed:
            if action.restores_read_only:
                self.relock(fig.figid, uuid)
            self.fail(fig, uuid, f"published, but setting {', '.join(properties)} failed: {failed.problem.message}")
            return
        if action.restores_read_only and not self.relock(fig.figid, uuid):
            self.fail(fig, uuid, "published, but its read-only flag could not be set again (the next run will)")
            return
        self.record("published", figid=fig.figid, uuid=uuid, hash=fig.digest)
        problem = self.write_back(fig, uuid)
        if problem is not None:
            self.fail(fig, uuid, problem)
            return
        detail = action.detail
        if properties:
            detail = "; ".join(filter(None, [detail, "set " + ", ".join(f"{k}={v}" for k, v in properties.items())]))
        self.finish(FigureOutcome(fig.figid, str(fig.path), outcome, uuid, detail, action.situation))

    # -- write-back, map, network set --

    def ndex_map(self, record: Path) -> NdexMap | None:
        """The map of the record's database (read once a run), None outside a database or when unreadable."""
        folder = record.parent
        if folder not in self.maps:  # asked twice per figure: once per folder
            map_path = ndex_map_path(record)
            shared = next((m for m in self.maps.values() if m is not None and m.path == map_path), None)
            if map_path is None or shared is not None:
                self.maps[folder] = shared
            else:
                try:
                    self.maps[folder] = NdexMap(map_path)
                except (PfocrError, OSError) as err:  # a broken map is reported once and left alone
                    self.maps[folder] = None
                    self.note(f"{map_path}: {getattr(err, 'message', None) or err}; not used or updated")
        return self.maps[folder]

    def write_back(self, fig: PreparedFigure, uuid: str) -> str | None:
        """Queue set membership, fill the record and map; the problem if the record cannot be written."""
        if self.options.network_set and not self.in_set(fig.figid):
            self.set_queue.append((fig.figid, uuid))
            if len(self.set_queue) >= self.options.set_batch:
                self.flush_set()
            elif self._set_parts is None:
                # find or make the set now, while uploads run, rather than after the last one
                with contextlib.suppress(CallFailed):  # flush_set tries again and reports
                    self.set_parts()
                    self.set_id(next(self.set_names()))
        if not self.options.fill:
            return None
        try:
            set_ndex_field(fig.path, uuid)
        except (PfocrError, OSError) as err:
            reason = err.message if isinstance(err, PfocrError) else (err.strerror or str(err))
            return f"published as {uuid}, but the record could not be filled: {reason}"
        ndex_map = self.ndex_map(fig.path)
        if ndex_map is not None:
            ndex_map.set(fig.figid, uuid)
            self.written += 1
            if self.written % self.options.map_flush_every == 0:
                self.flush_maps()
        return None

    def flush_maps(self) -> None:
        """Write the maps' changes (merged with the files on disk); a map that cannot be written: one line."""
        for ndex_map in list(self.maps.values()):
            if ndex_map is None:
                continue
            try:
                ndex_map.flush()
            except (PfocrError, OSError) as err:
                for other, same in self.maps.items():
                    if same is ndex_map:
                        self.maps[other] = None
                self.note(f"{ndex_map.path}: could not be written ({getattr(err, 'message', None) or err})")

    def flush_set(self) -> None:
        """Add queued networks to the network set, many per call, opening a new part when one is full."""
        if not self.set_queue:
            return
        assert self.client is not None
        try:
            parts = self.set_parts()
        except CallFailed as failed:
            self.note(
                f"network set {self.options.network_set!r}: cannot read it ({failed.problem.message}); "
                f"{len(self.set_queue)} networks are added on the next run"
            )
            self.set_queue = []
            return
        queued, self.set_queue = self.set_queue, []
        members = set().union(*parts.values())
        queued = [(figid, uuid) for figid, uuid in queued if uuid not in members]
        for name in self.set_names():
            if not queued:
                return
            try:
                set_id = self.set_id(name)
            except CallFailed as failed:
                self.note(
                    f"network set {name!r}: creating it failed ({failed.problem.message}); "
                    f"{len(queued)} networks are added on the next run"
                )
                return
            held = parts.setdefault(set_id, set())
            room = self.options.set_limit - len(held)
            batch, queued = queued[: max(room, 0)], queued[max(room, 0) :]
            if not batch:
                continue
            try:
                self.client.add_to_network_set(set_id, [uuid for _, uuid in batch])
            except CallFailed as failed:
                self.note(
                    f"network set {name!r}: adding {len(batch)} networks failed ({failed.problem.message}); "
                    "they are added on the next run"
                )
                return
            held.update(uuid for _, uuid in batch)
            self.record("inset", set=set_id, figids=[figid for figid, _ in batch])

    def set_names(self) -> Iterator[str]:
        """The names the network set's parts have (the first part has the set's own name)."""
        base = self.options.network_set
        assert base is not None
        yield base
        for part in itertools.count(2):
            yield f"{base} (part {part})"

    def is_set_part(self, name: str) -> bool:
        base = self.options.network_set
        return name == base or (name.startswith(f"{base} (part ") and name.endswith(")"))

    def set_parts(self) -> dict[str, set[str]]:
        """The network set's parts (id → member networks), read from the server once a run.

        The parts are found by name among the account's top folders, so a machine without this journal
        adds nothing twice (every add makes a shortcut, even for a network already there); a part that is
        not readable as the networks are (NDEx 3 makes sets private folders) is made so.
        """
        assert self.client is not None
        if self._set_parts is None:
            found = {name: part for name, part in self.client.find_network_sets().items() if self.is_set_part(name)}
            for name, (set_id, visibility) in found.items():
                if self.journal.sets.get(name) != set_id:
                    self.record("set", name=name, id=set_id)
                if visibility != self.options.visibility:
                    self.client.set_network_set_visibility(set_id, self.options.visibility)
            self._set_parts = {set_id: self.client.network_set_members(set_id) for set_id, _ in found.values()}
        return self._set_parts

    def set_id(self, name: str) -> str:
        """The id of the set part ``name``, made (readable with the run's visibility) if it does not exist."""
        assert self.client is not None and self._set_parts is not None
        known = self.journal.sets.get(name)
        if known is not None and known in self._set_parts:
            return known
        set_id = self.client.create_network_set(name, SET_DESCRIPTION)
        self.record("set", name=name, id=set_id)
        self._set_parts[set_id] = set()
        self.client.set_network_set_visibility(set_id, self.options.visibility)  # failing: the next run does it
        return set_id

    def note(self, message: str) -> None:
        self.report.notes.append(message)
        self.echo(message)

    def in_set(self, figid: str) -> bool:
        """Whether the journal knows the figure's network is in the network set (else the server is asked)."""
        in_set = self.journal.state(figid).in_set
        return in_set is not None and any(
            set_id == in_set for name, set_id in self.journal.sets.items() if self.is_set_part(name)
        )

    # -- lost creates --

    def retry_lost(self) -> None:
        """Look the lost creates up again (after ``lost_grace``: a request may still be on its way) and redo them."""
        lost, self.lost = self.lost, []
        time.sleep(self.options.lost_grace)
        self.candidates = None  # list the account again: the lost creates may be there now
        for item in lost:
            self.waiting.append(_Waiting(item.fig))

    def close(self) -> None:
        """Close the progress bar, flush the maps, compact and close the journal (problems: one line each)."""
        self.bar.close()
        self.flush_maps()
        try:
            if self.journal.appended:
                self.journal.compact()
        except PfocrError as err:
            self.note(str(err))
        self.journal.close()
        self.locks.close()
