"""The per-figure decision (a pure function): expected actions for each situation, and invariants over every
combination of what the database, the journal, the server and the options can say."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace

import pytest

from pfocr_ndex.publish.decision import CLOCK_SKEW_MS, SITUATIONS, Account, Action, Facts, decide
from pfocr_ndex.publish.journal import FigureState
from pfocr_ndex.publish.options import PublishOptions
from pfocr_ndex.publish.summary import NetworkInfo, network_info

FIG = "PMC1__f1"
DIGEST = "d" * 64
ME = Account("WikiPathways", "user-me")
A, B, C, D = (f"{n}0000000-0000-0000-0000-000000000000" for n in "abcd")


def net(uuid: str, **fields: object) -> NetworkInfo:
    """An own, loaded, current network of this figure, with ``fields`` changed."""
    base: dict[str, object] = {
        "owner": "wikipathways",
        "owner_uuid": "user-me",
        "completed": True,
        "figid": FIG,
        "digest": DIGEST,
        "visibility": "PUBLIC",
        "creation_time": 10_000_000,
    }
    return NetworkInfo(uuid, **{**base, **fields})  # type: ignore[arg-type]


def facts(
    record: str | None = None,
    listed: str | None = None,
    journal: FigureState | None = None,
    summaries: dict[str, NetworkInfo] | None = None,
    candidates: tuple[NetworkInfo, ...] | None = (),
) -> Facts:
    return Facts(FIG, DIGEST, record, listed, journal or FigureState(), summaries or {}, candidates)


def run(f: Facts, **options: object) -> Action:
    return decide(f, PublishOptions(**options), ME)  # type: ignore[arg-type]


# --- expected actions -------------------------------------------------------------------------------------------


def test_no_network_anywhere_creates_after_looking_the_account_up() -> None:
    assert run(facts(candidates=None)).kind == "lookup"
    action = run(facts())
    assert (action.kind, action.situation, action.replaces) == ("create", "no-network", None)


def test_current_own_network_is_unchanged_and_gets_the_runs_visibility() -> None:
    action = run(facts(record=A, summaries={A: net(A, visibility="PRIVATE")}), index_level="META")
    assert (action.kind, action.uuid, action.situation) == ("unchanged", A, "current")
    assert dict(action.properties) == {"visibility": "PUBLIC", "index_level": "META"}


def test_changed_content_updates_in_place() -> None:
    action = run(facts(record=A, summaries={A: net(A, digest="other")}))
    assert (action.kind, action.uuid, action.unlock, action.situation) == ("update", A, False, "changed")


def test_own_read_only_network_is_unlocked_updated_and_relocked() -> None:
    # a 2020 network of this account: only pfocrId, no digest
    info = net(A, figid=None, pfocr_id=FIG, digest=None, read_only=True)
    action = run(facts(record=A, summaries={A: info}))
    assert (action.kind, action.unlock, action.situation) == ("update", True, "read-only")


def test_a_flag_a_killed_run_left_cleared_is_restored() -> None:
    journal = FigureState(uuid=A, unlocked=A)
    action = run(facts(record=A, journal=journal, summaries={A: net(A)}))
    assert (action.kind, action.relock) == ("unchanged", True)
    action = run(facts(record=A, journal=journal, summaries={A: net(A, digest="old")}))
    assert (action.kind, action.unlock, action.relock) == ("update", False, True)


@pytest.mark.parametrize(
    ("info", "outcome", "situation"),
    [
        (net(A, owner="someone", owner_uuid="user-other"), "skipped-foreign", "foreign"),
        (net(A, doi="10.18119/N9X"), "skipped-doi", "doi"),
        (net(A, certified=True), "skipped-doi", "doi"),
        (net(A, figid="PMC2__other"), "conflict", "conflict"),
        (net(A, figid=None, pfocr_id="PMC2__other"), "conflict", "conflict"),
        (None, "skipped-missing", "missing"),
    ],
)
def test_networks_this_account_must_not_change_are_skipped(
    info: NetworkInfo | None, outcome: str, situation: str
) -> None:
    action = run(facts(record=A, summaries={A: info} if info else {}))
    assert (action.kind, action.outcome, action.uuid, action.situation) == ("skip", outcome, A, situation)
    if info is not None and info.doi:
        assert info.doi in action.detail


@pytest.mark.parametrize(
    "info",
    [net(A, owner="someone", owner_uuid="user-other"), net(A, doi="10.18119/N9X"), net(A, certified=True), None],
)
def test_replace_foreign_creates_a_new_network_instead(info: NetworkInfo | None) -> None:
    action = run(facts(record=A, summaries={A: info} if info else {}), replace_foreign=True)
    assert (action.kind, action.replaces) == ("create", A)


def test_replace_foreign_never_replaces_another_figures_network() -> None:
    action = run(facts(record=A, summaries={A: net(A, figid="PMC2__other")}), replace_foreign=True)
    assert (action.kind, action.outcome) == ("skip", "conflict")


def test_record_and_map_disagreeing_is_a_conflict_unless_forced() -> None:
    f = facts(record=A, listed=B, summaries={A: net(A), B: net(B)})
    action = run(f)
    assert (action.kind, action.outcome) == ("skip", "conflict")
    assert A in action.detail and B in action.detail and "--force" in action.detail
    assert (run(f, force=True).kind, run(f, force=True).uuid) == ("unchanged", A)


def test_an_empty_record_takes_the_maps_network() -> None:
    action = run(facts(listed=B, summaries={B: net(B, digest="old")}))
    assert (action.kind, action.uuid) == ("update", B)


def test_this_machines_network_that_is_gone_is_made_again() -> None:
    action = run(facts(journal=FigureState(uuid=C, published_hash=DIGEST)))
    assert (action.kind, action.replaces, action.situation) == ("create", None, "missing")
    assert C in action.detail


def test_the_network_replaced_earlier_is_not_looked_at_again() -> None:
    journal = FigureState(uuid=C, replaced=A)
    action = run(facts(record=A, journal=journal, summaries={C: net(C)}))  # the record was never filled
    assert (action.kind, action.uuid) == ("unchanged", C)


def test_loading_network_is_waited_for_and_a_failed_load_uploaded_again() -> None:
    assert run(facts(record=A, summaries={A: net(A, completed=False)})).kind == "wait"
    failed = run(facts(record=A, summaries={A: net(A, completed=False, error="Value x is not a string.")}))
    assert (failed.kind, failed.situation) == ("update", "failed-load")
    assert "Value x is not a string." in failed.detail


def test_a_network_this_account_holds_for_the_figure_is_adopted_not_duplicated() -> None:
    older, newer = net(C, creation_time=1, digest="old"), net(D, creation_time=2)
    action = run(facts(candidates=(older, newer)))
    assert (action.kind, action.uuid) == ("unchanged", D)
    assert "2 carry this figid" in action.detail


def test_lost_create_is_found_only_among_networks_created_since() -> None:
    since = 50 * CLOCK_SKEW_MS
    journal = FigureState(pending_hash=DIGEST, pending_since=since)
    before = net(C, creation_time=since - CLOCK_SKEW_MS - 1)
    after = net(D, creation_time=since + 5)
    assert run(facts(journal=journal, candidates=(before,))).kind == "create"
    assert run(facts(journal=journal, candidates=(before, after))).uuid == D
    locked = replace(after, read_only=True)
    assert run(facts(journal=journal, candidates=(locked,))).kind == "create"


def test_lost_create_under_replace_foreign_is_never_bound_to_the_replaced_network() -> None:
    journal = FigureState(pending_hash=DIGEST, pending_since=0, replaced=A)
    old = net(A, owner="wikipathways", figid=FIG, creation_time=10**9)  # carries the figid, and is newer
    mine = net(D, creation_time=5)
    f = facts(
        record=A,
        journal=journal,
        summaries={A: replace(old, owner_uuid="user-other", owner="x")},
        candidates=(old, mine),
    )
    action = run(f, replace_foreign=True)
    assert (action.kind, action.uuid, action.replaces) == ("unchanged", D, A)


def test_owner_names_are_compared_lower_cased_when_no_owner_uuid() -> None:
    info = net(A, owner="wikipathways", owner_uuid=None)
    assert decide(facts(record=A, summaries={A: info}), PublishOptions(), Account("WikiPathways")).kind == "unchanged"


# --- invariants over every combination ----------------------------------------------------------------------------

SERVER_STATES: dict[str, NetworkInfo | None] = {
    "absent": None,
    "current": net(A),
    "changed": net(A, digest="old"),
    "read-only": net(A, digest="old", read_only=True),
    "read-only-current": net(A, read_only=True),
    "loading": net(A, completed=False, digest=None),
    "failed": net(A, error="boom"),
    "foreign": net(A, owner="other", owner_uuid="user-other"),
    "doi": net(A, doi="10.1/x", read_only=True),
    "certified": net(A, certified=True),
    "other-figure": net(A, figid="PMC9__x"),
    "2020": net(A, figid=None, pfocr_id=FIG, digest=None, read_only=True),
}
JOURNALS = {
    "empty": FigureState(),
    "ours": FigureState(uuid=A, published_hash=DIGEST),
    "replaced": FigureState(uuid=C, replaced=A),
    "pending": FigureState(pending_hash=DIGEST, pending_since=10_000_000),
    "unlocked": FigureState(uuid=A, unlocked=A),
}
CANDIDATES: dict[str, tuple[NetworkInfo, ...] | None] = {
    "unlisted": None,
    "none": (),
    "mine": (net(D, creation_time=20_000_000),),
    "replaced-one": (net(A, creation_time=20_000_000),),
}


def _combinations() -> Iterator[tuple[str, Facts, PublishOptions]]:
    for (rec, lst), (jname, journal), (sname, state), (cname, cands), replace_foreign, force in itertools.product(
        [(None, None), (A, None), (None, A), (A, A), (A, B)],
        JOURNALS.items(),
        SERVER_STATES.items(),
        CANDIDATES.items(),
        [False, True],
        [False, True],
    ):
        summaries = {A: state} if state else {}
        summaries.setdefault(C, net(C))
        f = facts(rec, lst, journal, summaries, cands)
        options = PublishOptions(replace_foreign=replace_foreign, force=force)
        yield f"{rec}-{lst}-{jname}-{sname}-{cname}-{replace_foreign}-{force}", f, options


COMBINATIONS = list(_combinations())


def test_every_combination_is_covered() -> None:
    assert len(COMBINATIONS) == 5 * 5 * 12 * 4 * 2 * 2


def test_invariants_hold_for_every_combination() -> None:
    broken = []
    for name, f, options in COMBINATIONS:
        try:
            _check_invariants(f, options)
        except (AssertionError, StopIteration) as err:
            broken.append(f"{name}: {err}")
    assert broken == []


def _check_invariants(f: Facts, options: PublishOptions) -> None:
    action = decide(f, options, ME)
    assert action.situation in SITUATIONS
    # the network decided on: the summary of a UUID the database or journal names, else an adopted candidate
    adopted = action.uuid is not None and action.uuid not in f.uuids()
    touched = (
        next(c for c in f.candidates or () if c.uuid == action.uuid) if adopted else f.summaries.get(action.uuid or "")
    )
    if action.kind in ("update", "unchanged", "wait"):
        # only own, unfrozen networks of this figure are ever written to (or adopted)
        assert touched is not None
        assert ME.owns(touched) and not touched.doi and not touched.certified
        assert touched.figure_id in (None, FIG)
        if adopted:
            assert action.uuid not in (f.record_uuid, f.map_uuid, f.journal.replaced)
    if action.kind == "update":
        assert touched is not None and action.unlock == touched.read_only
    if action.kind == "unchanged":
        assert touched is not None and touched.digest == DIGEST and touched.completed
    if action.kind == "create":
        assert f.candidates is not None  # the account was looked up first
        assert action.replaces is None or options.replace_foreign
        gone = f.uuids() - set(f.summaries)  # named, and the server said they are not there
        assert not any(
            c.figid == FIG
            and ME.owns(c)
            and not c.doi
            and c.uuid not in {action.replaces, f.journal.replaced, *gone}
            and (not f.journal.pending_hash or not c.read_only)
            for c in f.candidates
        ), "an own network for this figure existed: it must be adopted, not duplicated"
    if f.record_uuid and f.map_uuid and f.record_uuid != f.map_uuid and not options.force:
        assert (action.kind, action.outcome) == ("skip", "conflict")
    if action.kind == "skip":
        assert action.outcome in ("skipped-foreign", "skipped-doi", "skipped-missing", "conflict")
        assert action.uuid is not None and action.detail


# --- summaries ----------------------------------------------------------------------------------------------------


def test_v3_and_v2_summaries_read_the_same() -> None:
    v3 = {
        "uuid": A.upper(),
        "owner": "WikiPathways",
        "ownerUUID": "user-me",
        "completed": True,
        "nodeCount": 3,
        "edgeCount": 0,
        "isReadOnly": False,
        "isCertified": False,
        "doi": "10.1/x",
        "visibility": "PUBLIC",
        "properties": {"figid": {"t": "string", "v": FIG}, "__pfocrDigest": {"t": "string", "v": DIGEST}},
    }
    v2 = {k: v for k, v in v3.items() if k not in ("uuid", "properties")} | {
        "externalId": A,
        "isValid": True,
        "properties": [
            {"predicateString": "figid", "dataType": "string", "value": FIG, "subNetworkId": None},
            {"predicateString": "__pfocrDigest", "dataType": "string", "value": DIGEST, "subNetworkId": None},
        ],
    }
    assert network_info(v3) == network_info(v2)
    info = network_info(v3)
    assert info is not None
    assert (info.uuid, info.owner, info.figid, info.digest, info.doi) == (A, "wikipathways", FIG, DIGEST, "10.1/x")


def test_a_summary_without_id_is_ignored_and_odd_values_are_not_trusted() -> None:
    assert network_info({"name": "x"}) is None
    info = network_info({"uuid": A, "completed": "true", "nodeCount": True, "properties": [1, {"x": 2}]})
    assert info is not None and (info.completed, info.node_count, info.figid) == (False, None, None)
