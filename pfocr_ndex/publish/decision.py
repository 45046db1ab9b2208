"""The per-figure decision: one pure function from what is known about a figure to what to do with it.

:func:`decide` takes the figure's content digest, what the database names (the record's ``ndex`` field and
``_data/ndex_map.tsv``), what this machine's journal says, what the server's summaries say and the run's
options, and returns an :class:`Action`. It does no I/O; the run gathers the facts, calls it, and carries
the action out (``publish``) or only reports it (``status``).

The rules, in order:

1. The record and the map name different networks: a conflict (``force`` takes the record's).
2. The network to work on is the one the database names, else the one this machine made (journal), else
   this account's newest network carrying the figure's ``figid`` attribute (after a lost create: only those
   created since it was sent); never a network that was replaced, nor, when resolving a lost create, a
   read-only, DOI or certified one. None: create one.
3. That network, by its summary: not on the server (or not readable) → the journal's own network is made
   again, anything else is reported ``skipped-missing``; another account's → ``skipped-foreign``; one that
   says it shows another figure → ``conflict`` (nothing is uploaded over another figure's network); a DOI
   or certified one → ``skipped-doi`` (never modified). ``replace_foreign`` creates a new network in place
   of a missing, foreign, DOI or certified one, and the record then points to it.
4. Own network: still loading → wait; same content digest as ours → unchanged (system properties fixed if
   they differ); otherwise update it, clearing and restoring its read-only flag if set. A flag this
   machine cleared and did not restore (a killed run) is restored.

>>> from pfocr_ndex.publish.journal import FigureState
>>> from pfocr_ndex.publish.summary import NetworkInfo
>>> me = Account("wikipathways", None)
>>> facts = Facts("PMC1__f1", "d1", record_uuid="u1", map_uuid=None, journal=FigureState(),
...               summaries={"u1": NetworkInfo("u1", owner="wikipathways", completed=True, read_only=True,
...                                            pfocr_id="PMC1__f1")})
>>> action = decide(facts, PublishOptions(), me)
>>> action.kind, action.uuid, action.unlock, action.situation
('update', 'u1', True, 'read-only')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .journal import FigureState
from .options import PublishOptions
from .summary import NetworkInfo

__all__ = ["SITUATIONS", "Account", "Action", "Facts", "decide"]

# How far the local clock may be ahead of the server's when a lost create is looked up by creation time.
CLOCK_SKEW_MS = 3_600_000

ActionKind = Literal["create", "update", "unchanged", "wait", "skip", "lookup"]

# What ``status`` reports for a figure (and why publish acts as it does).
SITUATIONS = {
    "no-network": "no network yet",
    "current": "current (the server holds this content)",
    "changed": "content changed",
    "read-only": "content changed, own read-only network",
    "loading": "still loading on the server",
    "failed-load": "the server failed to load it",
    "doi": "has a DOI or is certified (never modified)",
    "foreign": "another account's network",
    "missing": "not on the server",
    "conflict": "conflict (names another figure's network, or record and map disagree)",
}


@dataclass(frozen=True)
class Account:
    """The account publishing: its user name (NDEx matches names lower-cased) and user UUID if known."""

    name: str
    uuid: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.lower())

    def owns(self, info: NetworkInfo) -> bool:
        """Whether this account owns the network."""
        return info.owned_by(self.name, self.uuid)


@dataclass(frozen=True)
class Facts:
    """Everything :func:`decide` needs about one figure.

    ``summaries``: what the server said about the networks the database or journal name (a UUID absent from
    it is not on the server, or not readable). ``candidates``: this account's networks carrying the figure's
    ``figid`` attribute, ``None`` while not looked up (decide then asks for them before creating anything).
    """

    figid: str
    digest: str
    record_uuid: str | None
    map_uuid: str | None
    journal: FigureState
    summaries: Mapping[str, NetworkInfo] = field(default_factory=dict)
    candidates: tuple[NetworkInfo, ...] | None = None

    def uuids(self) -> set[str]:
        """The UUIDs whose summaries the decision may need."""
        return {u for u in (self.record_uuid, self.map_uuid, self.journal.uuid) if u}


@dataclass(frozen=True)
class Action:
    """What to do with one figure.

    ``kind``: ``create`` (a new network, ``replaces`` the one the record named, if any), ``update``
    (``unlock``: clear the read-only flag first and set it again after), ``unchanged`` (set ``properties``,
    if any), ``wait`` (the network is loading: look again later), ``skip`` (``outcome`` says why: nothing
    is sent), ``lookup`` (the account's networks must be looked up first). ``relock``: set the read-only
    flag of ``uuid`` again at the end (a run killed after clearing it).
    """

    kind: ActionKind
    situation: str
    uuid: str | None = None
    outcome: str | None = None
    unlock: bool = False
    relock: bool = False
    replaces: str | None = None
    properties: Mapping[str, str] = field(default_factory=dict)
    detail: str = ""

    @property
    def restores_read_only(self) -> bool:
        """Whether the network's read-only flag is to be set again once the action is done (or has failed)."""
        return self.unlock or self.relock


def system_properties(info: NetworkInfo, options: PublishOptions) -> dict[str, str]:
    """The system properties to set so the network has the run's visibility and index level."""
    wanted: dict[str, str] = {}
    if info.visibility != options.visibility:
        wanted["visibility"] = options.visibility
    if options.index_level and info.index_level != options.index_level:
        wanted["index_level"] = options.index_level
    return wanted


def _skip(outcome: str, situation: str, uuid: str | None, detail: str) -> Action:
    return Action("skip", situation, uuid, outcome=outcome, detail=detail)


def _adoptable(facts: Facts, account: Account, excluded: set[str]) -> list[NetworkInfo]:
    """This account's networks carrying the figure's figid that may be taken as its network, newest first."""
    pending_since = facts.journal.pending_since if facts.journal.pending_hash else None
    found = []
    for info in facts.candidates or ():
        if info.uuid in excluded or info.figid != facts.figid or not account.owns(info) or info.doi or info.certified:
            continue
        # a lost create: only networks created since it was sent, never a locked one
        if pending_since is not None and (info.read_only or (info.creation_time or 0) < pending_since - CLOCK_SKEW_MS):
            continue
        found.append(info)
    return sorted(found, key=lambda info: info.creation_time or 0, reverse=True)


def _create(
    facts: Facts,
    options: PublishOptions,
    account: Account,
    situation: str,
    replaces: str | None,
    detail: str,
    gone: str | None = None,
) -> Action:
    """Create, unless this account already holds a network for the figure (a lost create, another machine).

    ``gone``: a network the server's summary just said is not there (an older listing may still show it).
    """
    if facts.candidates is None:
        return Action("lookup", situation)
    excluded = {u for u in (replaces, facts.journal.replaced, gone) if u}
    found = _adoptable(facts, account, excluded)
    if found:
        info = found[0]
        note = f"found {info.uuid} among this account's networks"
        if len(found) > 1:
            note += f" ({len(found)} carry this figid; the newest is used)"
        adopted = Facts(facts.figid, facts.digest, None, None, facts.journal, {info.uuid: info}, ())
        return _own(adopted, info, options, adopted_note=note, replaces=replaces)
    return Action("create", situation, replaces=replaces, detail=detail)


def _own(
    facts: Facts, info: NetworkInfo, options: PublishOptions, *, adopted_note: str = "", replaces: str | None = None
) -> Action:
    relock = facts.journal.unlocked == info.uuid and not info.read_only
    # errorMessage is final, completed or not (ndex-rest: a failed index task leaves completed false)
    if info.error:
        detail = f"the server failed to load it ({info.error}); uploading again"
        return Action(
            "update", "failed-load", info.uuid, unlock=info.read_only, relock=relock, replaces=replaces, detail=detail
        )
    if not info.completed:
        return Action("wait", "loading", info.uuid, relock=relock, replaces=replaces, detail=adopted_note)
    if info.digest == facts.digest:
        properties = system_properties(info, options)
        return Action(
            "unchanged",
            "current",
            info.uuid,
            relock=relock,
            replaces=replaces,
            properties=properties,
            detail=adopted_note,
        )
    situation = "read-only" if info.read_only else "changed"
    return Action(
        "update", situation, info.uuid, unlock=info.read_only, relock=relock, replaces=replaces, detail=adopted_note
    )


def decide(facts: Facts, options: PublishOptions, account: Account) -> Action:
    """What to do with one figure (see the module docstring for the rules)."""
    journal = facts.journal
    record, listed = facts.record_uuid, facts.map_uuid
    if record and listed and record != listed and not options.force:
        return _skip(
            "conflict",
            "conflict",
            record,
            f"the record names {record} but _data/ndex_map.tsv names {listed}; nothing uploaded "
            "(--force publishes to the record's network)",
        )
    named = record or listed
    if named and journal.uuid and named == journal.replaced:
        named = None  # the record still names the network this machine replaced: ours is the journal's
    target = named or journal.uuid
    if target is None:
        return _create(facts, options, account, "no-network", None, "")
    info = facts.summaries.get(target)

    def not_ours(situation: str, why: str, left: str) -> Action:
        """A network this account must not change: replaced by a new one with ``replace_foreign``, else left."""
        if options.replace_foreign:
            return _create(facts, options, account, situation, target, f"replaces {target}: {why}")
        return _skip(f"skipped-{situation}", situation, target, f"{left} (--replace-foreign publishes a new network)")

    if info is None:
        if target == journal.uuid:
            detail = f"this machine's earlier network {target} is gone"
            return _create(facts, options, account, "missing", None, detail, gone=target)
        return not_ours(
            "missing", "not on this server", "not on this server, or not readable by this account; left as it is"
        )
    if not account.owns(info):
        owner = f"owned by {info.owner}" if info.owner else "another account's"
        return not_ours("foreign", owner, f"{owner}; left as it is")
    if info.figure_id and info.figure_id != facts.figid:
        return _skip(
            "conflict",
            "conflict",
            target,
            f"network {target} is figure {info.figure_id}'s, not this one's; nothing uploaded (fix the ndex field)",
        )
    if info.doi or info.certified:
        what = f"has DOI {info.doi}" if info.doi else "is certified"
        return not_ours("doi", f"it {what}", f"{what}: never modified")
    return _own(facts, info, options)
