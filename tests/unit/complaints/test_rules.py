"""Every rule of the complaint process refuses what it must, and a refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from itsm_core import (
    FrozenClock,
    InvalidTransition,
    ItsmCore,
    ItsmError,
    NotFound,
    ValidationError,
)
from itsm_core.complaints import ComplaintService, ComplaintState, Origin
from itsm_core.complaints.lifecycle import LIFECYCLE, TRANSITIONS, allowed_events

from .conftest import (
    GM,
    HANDLER,
    OWNER,
    RM,
    SPECIALIST,
    T0,
    at_state,
    history,
    intake,
    item_id,
    item_of,
    receive,
    stored_items,
    stored_record,
    walk,
)

S = ComplaintState


def refused(
    core: ItsmCore,
    complaint_id: str,
    call: Callable[[], Any],
    error: type[ItsmError],
    match: str | None = None,
) -> ItsmError:
    """Assert that ``call`` raises ``error`` and that nothing stored changed."""
    before = stored_record(core, complaint_id)
    items = stored_items(core)
    events = len(history(core, complaint_id))
    with pytest.raises(error, match=match) as info:
        call()
    assert stored_record(core, complaint_id) == before
    assert stored_items(core) == items
    assert len(history(core, complaint_id)) == events
    return info.value


def test_an_external_complaint_is_never_transferred(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = at_state(service, S.INVESTIGATING)
    err = refused(
        core,
        c.id,
        lambda: service.judge(
            SPECIALIST, c.id, verdict="transferred", reason="x", business_unit="财务事业部"
        ),
        InvalidTransition,
        "external complaint can never be transferred",
    )
    assert isinstance(err, InvalidTransition)
    assert err.event == "judge_transferred"
    assert err.state == "investigating"
    assert "judge_transferred" not in err.allowed
    assert {"judge_valid", "judge_invalid", "record_finding"} <= set(err.allowed)


def test_an_internal_complaint_has_no_apology_step(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = at_state(service, S.REGISTERED, Origin.INTERNAL)
    refused(
        core,
        c.id,
        lambda: service.apologise(HANDLER, c.id, apology="sorry"),
        InvalidTransition,
        "internal complaint has no apology step",
    )


@pytest.mark.parametrize("command", ["resolve", "escalate"])
def test_an_external_complaint_needs_the_apology_before_resolution(
    core: ItsmCore, service: ComplaintService, command: str
) -> None:
    c = at_state(service, S.REGISTERED)
    kwargs = {"resolution": "x"} if command == "resolve" else {"reason": "x"}
    refused(
        core,
        c.id,
        lambda: getattr(service, command)(HANDLER, c.id, **kwargs),
        InvalidTransition,
        "apology recorded before",
    )


def test_judging_needs_a_finding(core: ItsmCore, service: ComplaintService) -> None:
    c = receive(service)
    service.dispatch(RM, c.id)
    refused(
        core,
        c.id,
        lambda: service.judge(SPECIALIST, c.id, verdict="valid", reason="x"),
        InvalidTransition,
        "judged by the findings",
    )


def test_a_transferred_complaint_names_its_business_unit(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = at_state(service, S.INVESTIGATING, Origin.INTERNAL)
    refused(
        core,
        c.id,
        lambda: service.judge(SPECIALIST, c.id, verdict="transferred", reason="x"),
        ValidationError,
        "business unit",
    )
    refused(
        core,
        c.id,
        lambda: service.judge(
            SPECIALIST, c.id, verdict="valid", reason="x", business_unit="财务事业部"
        ),
        ValidationError,
        "only with the verdict 'transferred'",
    )


def test_an_unknown_verdict_names_the_allowed_ones(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = at_state(service, S.INVESTIGATING)
    refused(
        core,
        c.id,
        lambda: service.judge(SPECIALIST, c.id, verdict="maybe", reason="x"),
        ValidationError,
        "allowed: invalid, valid, transferred",
    )


def test_the_first_miss_needs_an_extended_period(core: ItsmCore, service: ComplaintService) -> None:
    c = at_state(service, S.IMPROVING)
    refused(
        core,
        c.id,
        lambda: service.improvements.follow_up(
            SPECIALIST, item_id(service, c.id), met=False, note="未完成"
        ),
        ValidationError,
        "extended period",
    )


def test_the_period_is_extended_once_only(core: ItsmCore, service: ComplaintService) -> None:
    c = at_state(service, S.IMPROVEMENT_EXTENDED)
    refused(
        core,
        c.id,
        lambda: service.improvements.follow_up(
            SPECIALIST,
            item_id(service, c.id),
            met=False,
            note="again",
            new_period=timedelta(days=3),
        ),
        ValidationError,
        "extended once only",
    )


def test_a_met_improvement_is_not_extended(core: ItsmCore, service: ComplaintService) -> None:
    c = at_state(service, S.IMPROVING)
    refused(
        core,
        c.id,
        lambda: service.improvements.follow_up(
            SPECIALIST, item_id(service, c.id), met=True, note="ok", new_period=timedelta(days=3)
        ),
        ValidationError,
        "not extended",
    )


def test_an_improvement_period_is_a_duration_or_a_due_instant(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = at_state(service, S.RESOLVED)
    base = {
        "cause": "c",
        "description": "d",
        "quality_indicators": ["超时率: ≤ 2%"],
        "owner": OWNER.id,
    }
    refused(
        core, c.id, lambda: service.require_improvement(SPECIALIST, c.id, **base), ValidationError
    )
    refused(
        core,
        c.id,
        lambda: service.require_improvement(
            SPECIALIST, c.id, **base, period=timedelta(days=1), due_at=T0 + timedelta(days=2)
        ),
        ValidationError,
        "not both",
    )
    refused(
        core,
        c.id,
        lambda: service.require_improvement(SPECIALIST, c.id, **base, period=timedelta(0)),
        ValidationError,
        "longer than zero",
    )
    refused(
        core,
        c.id,
        lambda: service.require_improvement(SPECIALIST, c.id, **base, due_at=T0 - timedelta(1)),
        ValidationError,
        "must be after issued_at",
    )
    refused(
        core,
        c.id,
        lambda: service.require_improvement(
            SPECIALIST, c.id, **{**base, "quality_indicators": []}, period=timedelta(days=1)
        ),
        ValidationError,
        "at least one quality indicator",
    )
    c = service.require_improvement(SPECIALIST, c.id, **base, due_at=T0 + timedelta(days=3))
    assert item_of(service, c.id).due_at == T0 + timedelta(days=3)


def test_a_dissatisfied_callback_needs_the_reason(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = at_state(service, S.FEEDBACK_GIVEN)
    refused(
        core,
        c.id,
        lambda: service.callback(RM, c.id, satisfied=False),
        ValidationError,
        "record the reason",
    )


def test_closed_is_terminal(core: ItsmCore, service: ComplaintService) -> None:
    c = at_state(service, S.CLOSED)
    assert allowed_events(S.CLOSED, Origin.EXTERNAL) == frozenset()
    calls: list[Callable[[], Any]] = [
        lambda: service.dispatch(RM, c.id),
        lambda: service.record_finding(SPECIALIST, c.id, finding="x"),
        lambda: service.judge(SPECIALIST, c.id, verdict="valid", reason="x"),
        lambda: service.give_feedback(SPECIALIST, c.id, result="x"),
        lambda: service.callback(RM, c.id, satisfied=True),
        lambda: service.close(SPECIALIST, c.id),
        lambda: service.decide(GM, c.id, decision="x"),
    ]
    for call in calls:
        err = refused(core, c.id, call, InvalidTransition, "terminal state")
        assert isinstance(err, InvalidTransition) and err.allowed == ()


@pytest.mark.parametrize("row", TRANSITIONS, ids=lambda t: f"{t.source.value}-{t.event}")
def test_every_event_is_refused_in_every_other_state(row: Any) -> None:
    for state in S:
        if any(t.source is state and t.event == row.event for t in TRANSITIONS):
            continue
        assert LIFECYCLE.targets(state, row.event) is None


def test_the_history_runs_forwards(core: ItsmCore, service: ComplaintService) -> None:
    c = receive(service)
    refused(
        core,
        c.id,
        lambda: service.dispatch(RM, c.id, at=T0 - timedelta(minutes=1)),
        ValidationError,
        "runs forwards",
    )


def test_naive_datetimes_are_refused(core: ItsmCore, service: ComplaintService) -> None:
    c = receive(service)
    refused(
        core,
        c.id,
        lambda: service.dispatch(RM, c.id, at=datetime(2026, 3, 2, 10, 0)),
        ValidationError,
        "timezone-aware",
    )
    with pytest.raises(ValidationError, match="timezone-aware"):
        service.receive(SPECIALIST, **intake(), at=datetime(2026, 3, 2, 10))


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("customer", "  ", "customer must be a non-empty string"),
        ("summary", "", "summary must be a non-empty string"),
        ("party_complained_about", None, "party_complained_about"),
        ("origin", "partner", "allowed: external, internal"),
        ("channel", "carrier pigeon", "allowed: hotline"),
        ("source", "gossip", "allowed: complaint_channel"),
        ("severity", "critical", "allowed: general, major"),
        ("complainant", 42, "complainant must be"),
    ],
)
def test_receipt_validates_its_fields(
    core: ItsmCore, service: ComplaintService, field: str, value: Any, match: str
) -> None:
    with pytest.raises(ValidationError, match=match):
        service.receive(SPECIALIST, **intake(**{field: value}))
    assert service.find(SPECIALIST) == []


def test_blank_texts_are_refused_and_change_nothing(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = at_state(service, S.INVESTIGATING)
    refused(
        core,
        c.id,
        lambda: service.record_finding(SPECIALIST, c.id, finding="   "),
        ValidationError,
        "finding",
    )
    refused(
        core,
        c.id,
        lambda: service.judge(SPECIALIST, c.id, verdict="valid", reason=""),
        ValidationError,
        "reason",
    )


def test_unknown_complaints_are_not_found(service: ComplaintService) -> None:
    with pytest.raises(NotFound, match="no complaint with id 'cmp-nope'"):
        service.dispatch(RM, "cmp-nope")
    with pytest.raises(NotFound):
        service.get(SPECIALIST, "cmp-nope")
    with pytest.raises(NotFound):
        service.history(SPECIALIST, "cmp-nope")
    with pytest.raises(ValidationError):
        service.get(SPECIALIST, "")


def test_each_change_adds_exactly_one_event_and_one_version(
    core: ItsmCore, service: ComplaintService, clock: FrozenClock
) -> None:
    c = receive(service)
    steps = ["dispatch", "finding", "judge_valid", "project", "apologise", "resolve", "improve"]
    steps += ["progress", "extend", "met", "feedback", "satisfied"]
    version = c.version
    item_version = 0
    for name in steps:
        clock.advance(hours=1)
        c = walk(service, c.id, [name])
        events = history(core, c.id)
        if c.improvement_id is not None:  # the item records one event per change of its own
            item = service.improvements.get(SPECIALIST, c.improvement_id)
            item_events = service.improvements.history(SPECIALIST, item.id)
            assert item.version in (item_version, item_version + 1)
            assert item.version == len(item_events) == item_events[-1].aggregate_version
            item_version = item.version
        if name == "progress":  # the owner's report changes the item, not the complaint
            assert c.version == version == len(events)
            assert item_events[-1].occurred_at == clock.now()
            continue
        assert c.version == version + 1 == len(events)
        assert events[-1].aggregate_version == c.version
        assert events[-1].occurred_at == clock.now()
        version = c.version


def test_the_state_table_is_one_machine_with_the_tables_rows() -> None:
    machine = LIFECYCLE.machine
    for row in TRANSITIONS:
        assert LIFECYCLE.targets(row.source, row.event) is row.dest
        assert row.event in machine.events
    assert {t.source for t in TRANSITIONS} | {t.dest for t in TRANSITIONS} == set(S)
    assert LIFECYCLE.initial is S.RECEIVED


def test_every_state_is_reachable_and_closed_is_reachable_from_every_state() -> None:
    edges: dict[S, set[S]] = {s: set() for s in S}
    for t in TRANSITIONS:
        edges[t.source].add(t.dest)

    def reach(start: S) -> set[S]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    assert reach(S.RECEIVED) == set(S)
    for state in S:
        assert S.CLOSED in reach(state)


def test_transfer_rows_are_internal_only() -> None:
    for t in TRANSITIONS:
        if t.dest in (S.TRANSFERRED, S.TRANSFER_ESCALATED) or t.source is S.TRANSFERRED:
            assert t.origins == frozenset({Origin.INTERNAL})
        if t.event == "apologise":
            assert t.origins == frozenset({Origin.EXTERNAL})


def test_states_and_verdicts_have_chinese_and_english_labels() -> None:
    from itsm_core.complaints import (
        ComplaintChannel,
        ComplaintSource,
        EscalationLevel,
        EscalationStage,
        HandlingLevel,
        Severity,
        Verdict,
    )

    for enum in (
        S,
        Origin,
        ComplaintChannel,
        ComplaintSource,
        Severity,
        Verdict,
        HandlingLevel,
        EscalationLevel,
        EscalationStage,
    ):
        for member in enum:
            assert member.zh and member.en
            assert member.zh != member.value
    assert S.RECEIVED.zh == "已受理"
    assert Verdict.TRANSFERRED.zh == "转交投诉"
    assert ComplaintSource.SATISFACTION.zh == "满意度“非常不满意”"
    assert Origin.INTERNAL.label("en") == "internal complaint"


def test_walk_helpers_reach_what_they_claim(service: ComplaintService) -> None:
    c = at_state(service, S.TRANSFER_ESCALATED, Origin.INTERNAL)
    assert c.state is S.TRANSFER_ESCALATED
    c = walk(service, receive(service).id, ["dispatch"])
    assert c.state is S.INVESTIGATING
