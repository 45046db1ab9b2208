"""The publish journal: an append-only JSONL file that makes a run safe to kill at any moment.

It is crash safety, not the only memory: the server's summaries say which networks are current (their
content digest), so a machine without a journal uploads nothing the server already holds. What only the
journal can tell:

- ``pending``: a create was sent and its answer not seen (fsynced before the request): the next run looks
  the network up among this account's networks created since, instead of creating a second one;
- ``unlocked``: this run cleared a network's read-only flag to update it (fsynced before the request):
  the next run sets it again, even if this one was killed in between;
- ``uploaded``/``published``: this machine's own networks and the content last published to each.

A torn last line (killed mid-write) is ignored; :meth:`PublishJournal.compact` rewrites the file as one
line per figure.

>>> import tempfile, pathlib
>>> journal = PublishJournal(pathlib.Path(tempfile.mkdtemp()) / "j.jsonl")
>>> journal.append("pending", figid="PMC1__f1", hash="abc", since=1)
>>> journal.state("PMC1__f1").pending_hash
'abc'
>>> journal.append("uploaded", figid="PMC1__f1", uuid="u1", hash="abc")
>>> journal.state("PMC1__f1").uuid, journal.state("PMC1__f1").pending_hash
('u1', None)
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import PublishError
from ..fsutil import atomic_write_text

__all__ = ["FigureState", "PublishJournal"]

MAX_LINE = 1 << 20  # a journal line is a few hundred bytes; anything longer is not ours


@dataclass
class FigureState:
    """What the journal knows about one figure's network on this server and account."""

    uuid: str | None = None  # our network for this figure
    published_hash: str | None = None  # content digest last verified and written back
    pending_hash: str | None = None  # a create was sent with this digest, its answer not seen
    pending_since: int | None = None  # when (epoch ms): the network, if made, was created after this
    replaced: str | None = None  # the network of the record this one replaces (--replace-foreign)
    unlocked: str | None = None  # a network whose read-only flag we cleared and must set again
    in_set: str | None = None  # network set (folder) id the network was added to


class PublishJournal:
    """Append-only JSONL journal of publish steps, flushed line by line; replayed into ``states``.

    Lines: ``pending`` (before a create), ``resolved`` (a pending create was not made), ``uploaded`` (2xx from
    create/update), ``published`` (verified), ``unlocked``/``relocked``
    (read-only flag cleared/restored), ``set`` (a network set), ``inset`` (set membership), ``state``
    (a compacted figure).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.states: dict[str, FigureState] = {}
        self.sets: dict[str, str] = {}  # network set (part) name → its id
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = None
        self.appended = 0
        if self.path.exists():
            if not self.path.is_file():
                raise PublishError("the publish journal is not a regular file", self.path)
            try:
                with self.path.open("rb") as f:
                    while line := f.readline(MAX_LINE):
                        try:
                            self._apply(json.loads(line))
                        except (ValueError, KeyError, TypeError, AttributeError):
                            continue  # torn, foreign or over-long line
            except OSError as err:
                raise PublishError(f"cannot read the publish journal: {err.strerror or err}", self.path) from None

    def state(self, figid: str) -> FigureState:
        """The figure's state (a fresh, empty one when the journal has none)."""
        return self.states.get(figid) or FigureState()

    def _apply(self, entry: dict[str, Any]) -> None:
        op = entry["op"]
        if op == "set":
            self.sets[entry["name"]] = entry["id"]
            return
        if op == "inset":
            for figid in entry["figids"]:
                self.states.setdefault(figid, FigureState()).in_set = entry["set"]
            return
        st = self.states.setdefault(entry["figid"], FigureState())
        if op == "state":
            for key, value in entry.items():
                if key not in ("op", "figid") and hasattr(st, key):
                    setattr(st, key, value)
        elif op == "pending":
            st.pending_hash, st.pending_since = entry["hash"], entry.get("since")
            if entry.get("replaces"):
                st.replaced = entry["replaces"]
        elif op == "resolved":
            st.pending_hash = st.pending_since = None
        elif op == "uploaded":
            if entry["uuid"] != st.uuid:
                st.in_set = None
            st.uuid = entry["uuid"]
            st.pending_hash = st.pending_since = None
            if entry.get("replaces"):
                st.replaced = entry["replaces"]
        elif op == "published":
            st.uuid, st.published_hash = entry["uuid"], entry["hash"]
        elif op == "unlocked":
            st.unlocked = entry["uuid"]
        elif op == "relocked":
            st.unlocked = None

    def earliest_pending(self) -> int | None:
        """When the oldest create whose answer was not seen was sent (epoch ms), None if there is none."""
        with self._lock:
            pending = [st.pending_since or 0 for st in self.states.values() if st.pending_hash]
        return min(pending) if pending else None

    def append(self, op: str, *, durable: bool = False, **fields: Any) -> None:
        """Apply and append one journal line; ``durable=True`` also fsyncs it.

        Every line reaches the OS at once (a killed process loses nothing). Only what the server cannot
        tell afterwards (a create or unlock in flight) must survive a power loss too: those are durable.
        """
        entry = {"op": op, **fields}
        line = json.dumps(entry, separators=(",", ":")).encode() + b"\n"
        try:
            with self._lock:
                if self._file is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._file = open(self.path, "ab")  # noqa: SIM115 - held open for the run, closed by close()
                self._file.write(line)
                self._file.flush()
                self._apply(entry)
                self.appended += 1
                fd = self._file.fileno()
            if durable:
                os.fsync(fd)
        except OSError as err:
            raise PublishError(f"cannot write the publish journal: {err.strerror or err}", self.path) from None

    def compact(self) -> None:
        """Rewrite the journal as one line per figure and set (atomic)."""
        with self._lock:
            lines = [json.dumps({"op": "set", "name": name, "id": set_id}) for name, set_id in self.sets.items()]
            for figid, st in self.states.items():
                values = {k: v for k, v in asdict(st).items() if v is not None}
                if values:
                    lines.append(json.dumps({"op": "state", "figid": figid, **values}))
            self._close()
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_text(self.path, "".join(line + "\n" for line in lines))
            except OSError as err:
                raise PublishError(f"cannot write the publish journal: {err.strerror or err}", self.path) from None

    def close(self) -> None:
        """Close the file (appending again reopens it)."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._file is not None:
            # every line was flushed (or its failure reported) when it was appended
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
