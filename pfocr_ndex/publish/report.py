"""The report of a publish (or status) run: each figure's outcome, UUID and reason, counts and a summary line.

Each run writes its own JSON file (:func:`default_report_path`): two runs never overwrite each other's.

>>> report = PublishReport("https://www.ndexbio.org", "wikipathways")
>>> report.add(FigureOutcome("PMC1__f1", "_figures/PMC1__f1.md", "created", "0626a9a9-df0c-11ea-99da-0ac135e8bacf"))
>>> report.counts()["created"], report.failed
(1, 0)
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from ..fsutil import atomic_write_text

__all__ = ["DRY_RUN_OUTCOMES", "OUTCOMES", "FigureOutcome", "PublishReport", "default_report_path"]

OUTCOMES = (
    "created",
    "updated",
    "unchanged",
    "skipped-doi",
    "skipped-foreign",
    "skipped-missing",
    "conflict",
    "failed",
)
DRY_RUN_OUTCOMES = ("would-create", "would-update", "unchanged", "conflict", "failed")
STATUS_OUTCOME = "status"
# Outcomes printed as a line each while the run goes (the others are only counted).
NOTEWORTHY = frozenset({"skipped-doi", "skipped-foreign", "skipped-missing", "conflict", "failed"})


@dataclass
class FigureOutcome:
    """What happened to one figure: ``outcome`` (one of ``OUTCOMES``), the network ``uuid``, why (``detail``).

    ``situation`` is the figure's situation on the server (``decision.SITUATIONS``), when it was looked up.
    """

    figid: str
    path: str
    outcome: str
    uuid: str | None = None
    detail: str = ""
    situation: str = ""


@dataclass
class PublishReport:
    """All figures' outcomes of one run, with counts and a one-line summary."""

    server: str
    username: str
    dry_run: bool = False
    command: str = "publish"
    figures: list[FigureOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # run-level problems (a network set that could not be made …)
    stopped: str | None = None  # why the run stopped early (the account is out of disk space)

    def add(self, outcome: FigureOutcome) -> None:
        """Record one figure's outcome."""
        self.figures.append(outcome)

    def counts(self) -> dict[str, int]:
        """Figures per outcome (every outcome of the run's kind listed, zeros included)."""
        counts = Counter(f.outcome for f in self.figures)
        names = DRY_RUN_OUTCOMES if self.dry_run else OUTCOMES
        return {name: counts.get(name, 0) for name in names} | {
            name: n for name, n in counts.items() if name not in names
        }

    def situations(self) -> dict[str, int]:
        """Figures per situation on the server (``status``)."""
        return dict(Counter(f.situation for f in self.figures if f.situation))

    @property
    def failed(self) -> int:
        """How many figures failed."""
        return sum(1 for f in self.figures if f.outcome == "failed")

    def summary(self) -> str:
        """One line: where, and how many figures ended how."""
        where = f"{self.server} as {self.username}"
        parts = [f"{n} {name}" for name, n in self.counts().items() if n or name in ("created", "failed")]
        verb = "dry run (nothing contacted) for" if self.dry_run else "published to"
        return f"{verb} {where}: " + ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, figures sorted by path."""
        return {
            "command": self.command,
            "server": self.server,
            "username": self.username,
            "dry_run": self.dry_run,
            "counts": self.counts(),
            "situations": self.situations(),
            "notes": self.notes,
            "stopped": self.stopped,
            "figures": [asdict(f) for f in sorted(self.figures, key=lambda f: f.path)],
        }

    def write(self, path: str | PathLike[str]) -> None:
        """Write the report as JSON (atomic)."""
        atomic_write_text(path, json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n")


def default_report_path(state_dir: str | PathLike[str], command: str = "publish") -> Path:
    """``<state_dir>/reports/<command>-<UTC time>-<pid>.json``: one file per run.

    >>> default_report_path(".pfocr-ndex").parent.as_posix()
    '.pfocr-ndex/reports'
    """
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return Path(state_dir) / "reports" / f"{command}-{stamp}-{os.getpid()}.json"
