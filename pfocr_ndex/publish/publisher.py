"""``NdexPublisher``: publish figure records to NDEx and fill their ``ndex`` fields (see the package docstring)."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from os import PathLike
from typing import Any

from tqdm import tqdm

from ..errors import PublishError
from .client import NdexClient
from .decision import Account
from .journal import PublishJournal
from .options import PublishOptions
from .report import PublishReport
from .run import PublishRun

__all__ = ["NdexPublisher"]


def _journal_name(server: str, username: str) -> str:
    """A file name for the journal of one server and account (no user info, no path separators)."""
    host = re.sub(r"^[a-z]+://", "", server.lower()).rsplit("@", 1)[-1]
    return re.sub(r"[^A-Za-z0-9.-]+", "_", f"{host}--{username.lower()}") + ".jsonl"


class NdexPublisher:
    """Publish PFOCR figure records as NDEx networks and fill their ``ndex`` fields.

    ``server`` (base URL), ``username``, ``password``; ``options`` a :class:`PublishOptions`, or its fields
    as keyword arguments (``visibility="PRIVATE"``, ``workers=8``, …). ``echo`` receives the one-line
    messages of the run (default: stderr); ``progress`` shows a progress bar; ``style`` replaces the
    bundled CX2 style.

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
        options: PublishOptions | None = None,
        *,
        echo: Callable[[str], None] | None = None,
        progress: bool = False,
        style: dict[str, Any] | None = None,
        journal_name: str | None = None,
        **option_fields: Any,
    ) -> None:
        unknown = set(option_fields) - PublishOptions.names()
        if unknown:
            raise TypeError(f"unknown publish option(s): {', '.join(sorted(unknown))}")
        self.options = dataclasses.replace(options or PublishOptions(), **option_fields)
        self.server, self.username = server.rstrip("/"), username
        self._password = password
        self.echo = echo or (lambda line: tqdm.write(line, file=sys.stderr))
        self.progress = progress
        self.style = style
        # One journal per server and account; ``journal_name`` names it when the URL changes from run to run
        # (the embedded sandbox listens on a new port each time).
        self._journal_path = self.options.state_dir / (journal_name or _journal_name(self.server, username))
        self._journal: PublishJournal | None = None
        self._client: NdexClient | None = None

    def __repr__(self) -> str:
        return f"NdexPublisher({self.server!r}, {self.username!r}, visibility={self.options.visibility!r})"

    @property
    def journal(self) -> PublishJournal:
        """This server's and account's journal, read on first use (a publish run reads it again under its lock)."""
        if self._journal is None:
            self._journal = PublishJournal(self._journal_path)
        return self._journal

    @property
    def client(self) -> NdexClient:
        """The NDEx client (made on first use)."""
        if self._client is None:
            self._client = NdexClient(self.server, self.username, self._password, self.options)
        return self._client

    def publish(self, paths: Iterable[str | PathLike[str]]) -> PublishReport:
        """Publish every record under ``paths``; return the report (never raises for one figure).

        Raises :class:`PublishError` before touching anything when the server or credentials are unusable.
        """
        return self._run(paths, upload=True)

    def status(self, paths: Iterable[str | PathLike[str]]) -> PublishReport:
        """Say, for every record under ``paths``, what the server holds for it; upload and write nothing."""
        return self._run(paths, upload=False)

    def _run(self, paths: Iterable[str | PathLike[str]], *, upload: bool) -> PublishReport:
        from ..layout import iter_record_paths

        dry_run = upload and self.options.dry_run
        command = "publish" if upload else "status"
        report = PublishReport(self.server, self.username, dry_run, command)
        account = Account(self.username)
        client = None
        if not dry_run:
            client = self.client
            account = Account(self.username, client.check_account())
        with self._exclusive() if upload and not dry_run else contextlib.nullcontext():
            if upload and not dry_run:  # read under the lock: another run may have written it until now
                self._journal = PublishJournal(self._journal_path)
            run = PublishRun(
                client=client,
                options=self.options,
                account=account,
                journal=self.journal,
                report=report,
                echo=self.echo,
                style=self.style,
                upload=upload,
                progress=self.progress,
            )
            try:
                run.execute(iter_record_paths(paths, on_error=run.input_error))
            finally:
                run.close()
        return report

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold a lock on the journal: two runs sharing it could both create a figure's network."""
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            yield
            return
        lock_path = self._journal_path.with_suffix(".lock")
        try:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(lock_path, "a")  # noqa: SIM115 - held for the run, closed by the with below
        except OSError as err:
            raise PublishError(f"cannot use the state folder: {err.strerror or err}", lock_path.parent) from None
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise PublishError(
                    "another publish run is using this state; wait for it to finish", self._journal_path
                ) from None
            yield
