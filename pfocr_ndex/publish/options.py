"""How a publish run behaves: every option and tuning knob, with its default defined once (the CLI imports them)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from ..errors import PfocrError
from ..http import check_deadline

__all__ = ["FOLDER_LIMIT", "INDEX_LEVELS", "VISIBILITIES", "PublishOptions"]

VISIBILITIES = ("PUBLIC", "PRIVATE", "UNLISTED")
INDEX_LEVELS = ("NONE", "META", "ALL")
FOLDER_LIMIT = (
    100_000  # NDEx: items per folder (a network set), ndex-rest docs/specifications/FOLDER_SHORTCUT_SPECIFICATION.md
)
MAX_WORKERS = 32


def check_workers(workers: int) -> int:
    """``workers`` if it is a usable number of concurrent uploads, else ``PfocrError``."""
    if not 1 <= workers <= MAX_WORKERS:
        raise PfocrError(f"workers must be between 1 and {MAX_WORKERS}, not {workers}")
    return workers


@dataclass(frozen=True)
class PublishOptions:
    """Options of :class:`~pfocr_ndex.publish.NdexPublisher` (and of ``pfocr-ndex publish``/``status``).

    What to do:
      ``visibility`` of the networks (``PUBLIC``, ``PRIVATE``, ``UNLISTED``); ``index_level`` (``NONE``,
      ``META``, ``ALL``; ``None`` leaves the server's); ``network_set`` name (split into "<name> (part N)"
      sets of ``set_limit`` networks); ``replace_foreign``: publish a new network for a figure whose
      record names a network this account may not change (another account's, a DOI or certified one,
      or one not on the server); ``force``: when the record and ``_data/ndex_map.tsv`` name different
      networks, use the record's (otherwise the figure is reported as a conflict); ``fill``: write UUIDs
      back into the records and the map; ``dry_run``: contact nothing, say what would be done.

    How: ``workers`` concurrent uploads (and as many threads building networks); ``state_dir`` for the
    journal and reports; ``retries`` and
    ``backoff`` (seconds, doubled each retry, full jitter) for transient failures; ``timeout`` (total
    seconds for one ordinary call) and ``upload_timeout`` (one upload); ``poll_interval`` between
    verification polls and ``verify_timeout`` before an unfinished load counts as failed; ``lookup_batch``
    ids per batch-summary request; ``max_unverified`` uploads waiting for the server to load them (NDEx
    loads one network at a time: more only queue up there); ``set_batch`` networks added to the network set
    per request; ``map_flush_every`` figures between writes of ``_data/ndex_map.tsv``; ``lost_grace``: seconds
    before a lost create is looked up a second time.

    >>> PublishOptions(workers=0)
    Traceback (most recent call last):
    pfocr_ndex.errors.PfocrError: workers must be between 1 and 32, not 0
    """

    visibility: str = "PUBLIC"
    index_level: str | None = None
    network_set: str | None = None
    replace_foreign: bool = False
    force: bool = False
    fill: bool = True
    dry_run: bool = False
    workers: int = 4
    state_dir: Path = Path(".pfocr-ndex")
    retries: int = 6
    backoff: float = 0.5
    timeout: float = 60.0
    upload_timeout: float = 300.0
    poll_interval: float = 0.5
    verify_timeout: float = 900.0
    lookup_batch: int = 500
    max_unverified: int = 1000
    set_batch: int = 1000
    set_limit: int = FOLDER_LIMIT
    map_flush_every: int = 1000
    lost_grace: float = 10.0

    def __post_init__(self) -> None:
        if self.visibility not in VISIBILITIES:
            raise PfocrError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {self.visibility!r}")
        if self.index_level is not None and self.index_level not in INDEX_LEVELS:
            raise PfocrError(f"index level must be one of {', '.join(INDEX_LEVELS)}, not {self.index_level!r}")
        check_workers(self.workers)
        for name in ("timeout", "upload_timeout", "poll_interval", "verify_timeout"):
            try:
                check_deadline(getattr(self, name), name.replace("_", " "))
            except (TypeError, ValueError) as err:
                raise PfocrError(str(err)) from None
        if not 1 <= self.lookup_batch <= 2000:  # ndex-rest's batch summary limit
            raise PfocrError(f"lookup batch must be between 1 and 2000, not {self.lookup_batch}")
        object.__setattr__(self, "state_dir", Path(self.state_dir))
        object.__setattr__(self, "set_limit", min(self.set_limit, FOLDER_LIMIT))

    @classmethod
    def names(cls) -> frozenset[str]:
        """The option names (for ``NdexPublisher(**options)``)."""
        return frozenset(f.name for f in fields(cls))
