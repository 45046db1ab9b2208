"""Publish figure networks to NDEx: create or update, verify, then fill the records' ``ndex`` fields.

One figure → one network, for good:

- a record whose ``ndex`` field (or ``_data/ndex_map.tsv`` row) names a network this account owns updates
  that network in place, after checking that it is this figure's (its ``figid``/``pfocrId``); a read-only
  one is unlocked, updated and locked again; an empty field creates one;
- networks this account must not change (another account's, a DOI or certified one, one not on the server)
  are reported and left alone, or replaced by a new one with ``replace_foreign=True``;
- every network carries the digest of its content, so the server's summaries say what is current: a re-run,
  on any machine, uploads only what changed;
- a create whose answer was lost is found among the account's networks instead of being made twice.

The package: ``options`` (every knob, defaults defined once), ``client`` (the NDEx HTTP layer: deadlines,
error classification, retries), ``summary`` (reading v2/v3 summaries), ``journal`` (crash safety),
``decision`` (the per-figure decision, a pure function), ``run`` (the pipeline), ``report``.

Example (a local sandbox server, no NDEx account needed)::

    >>> from pfocr_ndex.sandbox import local_sandbox                        # doctest: +SKIP
    >>> with local_sandbox(".ndex-sandbox") as credentials:                 # doctest: +SKIP
    ...     publisher = NdexPublisher(credentials.server, credentials.username, credentials.password)
    ...     print(publisher.publish(["examples/pfocr"]).summary())
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the lazy names below are, for type checkers
    from ..errors import PublishError
    from .decision import SITUATIONS
    from .journal import PublishJournal
    from .options import FOLDER_LIMIT, INDEX_LEVELS, VISIBILITIES, PublishOptions
    from .publisher import NdexPublisher
    from .report import FigureOutcome, PublishReport, default_report_path
    from .run import PreparedFigure, prepare_figure

# name → module; imported on first use, so that the CLI can read the options' defaults without importing
# ndex2 (and pandas with it, half a second).
_EXPORTS = {
    "NdexPublisher": "publisher",
    "PublishOptions": "options",
    "FOLDER_LIMIT": "options",
    "INDEX_LEVELS": "options",
    "VISIBILITIES": "options",
    "SITUATIONS": "decision",
    "FigureOutcome": "report",
    "PublishReport": "report",
    "default_report_path": "report",
    "PublishJournal": "journal",
    "PreparedFigure": "run",
    "prepare_figure": "run",
    "PublishError": "_errors",
}

__all__ = [
    "FOLDER_LIMIT",
    "INDEX_LEVELS",
    "SITUATIONS",
    "VISIBILITIES",
    "FigureOutcome",
    "NdexPublisher",
    "PreparedFigure",
    "PublishError",
    "PublishJournal",
    "PublishOptions",
    "PublishReport",
    "default_report_path",
    "prepare_figure",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pfocr_ndex.publish' has no attribute {name!r}")
    if module == "_errors":
        from ..errors import PublishError

        value: Any = PublishError
    else:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
