"""The improvement item as an aggregate: its table, its rules, its record."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core import Actor, InvalidTransition, Role, ValidationError
from itsm_core.improvements import (
    IMPROVEMENT_SPEC,
    LIFECYCLE,
    TRANSITIONS,
    ImprovementItem,
    ImprovementSource,
    ImprovementState,
    QualityIndicator,
    quality_indicators,
)

TZ = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 3, 6, 15, 0, tzinfo=TZ)
SPEC = Actor("spec-1", [Role.COMPLAINT_SPECIALIST])
GM = Actor("gm-1", [Role.GENERAL_MANAGER_OFFICE])
OWNER = Actor("owner-1", [Role.IMPROVEMENT_OWNER])
S = ImprovementState


def item(issue: bool = True, **overrides: Any) -> ImprovementItem:
    fields: dict[str, Any] = {
        "item_id": "imp-1",
        "source_kind": ImprovementSource.COMPLAINT,
        "source_ref": "cmp-1",
        "description": "建立进展通报机制",
        "quality_indicators": ["通报频率: 每2小时"],
        "owner": "owner-1",
        "due_at": T + timedelta(days=7),
    }
    fields.update(overrides)
    return ImprovementItem.raise_item(SPEC, T, issue=issue, **fields)


def test_an_item_is_a_general_register_entry_for_any_source() -> None:
    for source in ImprovementSource:
        assert item(source_kind=source.value).source_kind is source
    review = item(source_kind="service_review", source_ref="rev-3")
    assert review.is_open and not review.is_overdue(T + timedelta(days=7))
    assert review.is_overdue(T + timedelta(days=8))
    assert (review.state, review.version) == (S.IN_PROGRESS, 1)
    assert review.pending_events[0].name == "improvement_item.issued"
    proposed = item(issue=False)
    assert (proposed.state, proposed.is_open) == (S.PROPOSED, False)
    assert proposed.pending_events[0].name == "improvement_item.proposed"


def test_an_item_follows_up_extends_escalates_and_is_decided() -> None:
    a = item()
    a.follow_up(SPEC, T + timedelta(days=8), met=False, note="n", extend_to=T + timedelta(days=15))
    assert (a.state, a.extensions, a.due_at) == (S.EXTENDED, 1, T + timedelta(days=15))
    assert a.follow_ups[0].due_at == T + timedelta(days=7)
    assert a.version == 2  # one event per change
    a.follow_up(SPEC, T + timedelta(days=16), met=False, note="again", extend_to=None)
    assert a.state is S.ESCALATED and not a.is_open
    with pytest.raises(InvalidTransition, match="not allowed in state 'escalated'"):
        a.follow_up(SPEC, T + timedelta(days=17), met=True, note="x", extend_to=None)
    a.decide(GM, T + timedelta(days=18), decision="换人")
    assert (a.state, a.decision, a.decided_by) == (S.DECIDED, "换人", "gm-1")
    assert a.concluded_at == T + timedelta(days=18)
    with pytest.raises(InvalidTransition, match="terminal state"):
        a.decide(GM, T + timedelta(days=19), decision="again")
    m = item()
    m.follow_up(SPEC, T + timedelta(days=1), met=True, note="ok", extend_to=None)
    assert m.state is S.DONE and m.concluded_at == T + timedelta(days=1)
    with pytest.raises(InvalidTransition):
        m.report_progress(OWNER, T + timedelta(days=2), note="late")
    assert [e.name.split(".")[1] for e in a.pending_events] == [
        "issued",
        "extended",
        "escalated",
        "decided",
    ]


def test_the_office_may_grant_a_new_period_once_escalated() -> None:
    a = item()
    a.follow_up(SPEC, T + timedelta(days=8), met=False, note="n", extend_to=T + timedelta(days=9))
    a.follow_up(SPEC, T + timedelta(days=10), met=False, note="n", extend_to=None)
    a.decide(GM, T + timedelta(days=11), decision="再给一周", extend_to=T + timedelta(days=18))
    assert (a.state, a.extensions, a.due_at, a.concluded_at) == (
        S.EXTENDED,
        2,
        T + timedelta(days=18),
        None,
    )
    with pytest.raises(ValidationError, match="extended once only"):
        a.follow_up(SPEC, T + timedelta(days=19), met=False, note="n", extend_to=T + timedelta(30))
    a.follow_up(SPEC, T + timedelta(days=19), met=False, note="仍未完成", extend_to=None)
    assert a.state is S.ESCALATED


def test_the_owner_submits_the_work_for_verification() -> None:
    a = item()
    a.report_progress(OWNER, T + timedelta(days=1), note="已排班")
    a.submit(OWNER, T + timedelta(days=2), note="已完成，请验证")
    assert a.state is S.VERIFYING and a.is_open
    assert [p.note for p in a.progress] == ["已排班", "已完成，请验证"]
    with pytest.raises(InvalidTransition):
        a.report_progress(OWNER, T + timedelta(days=3), note="x")
    a.follow_up(SPEC, T + timedelta(days=3), met=False, note="n", extend_to=T + timedelta(9))
    assert a.state is S.EXTENDED
    a.submit(OWNER, T + timedelta(days=4), note="again")
    a.follow_up(SPEC, T + timedelta(days=5), met=False, note="n", extend_to=None)
    assert a.state is S.ESCALATED  # verifying after an extension: not met again escalates


def test_a_proposed_item_is_approved_and_started() -> None:
    a = item(issue=False, source_kind="service_review")
    with pytest.raises(InvalidTransition, match="allowed in 'proposed'"):
        a.start(OWNER, T + timedelta(days=1))
    a.approve(GM, T + timedelta(hours=1), note="同意")
    a.start(OWNER, T + timedelta(days=1))
    assert (a.state, a.version) == (S.IN_PROGRESS, 3)
    late = item(issue=False, source_kind="service_review")
    late.approve(GM, T + timedelta(hours=1))
    with pytest.raises(InvalidTransition, match="due instant"):
        late.start(OWNER, T + timedelta(days=7))
    assert late.state is S.APPROVED


def test_cancelled_with_a_reason() -> None:
    a = item()
    with pytest.raises(ValidationError, match="reason"):
        a.cancel(GM, T + timedelta(days=1), reason=" ")
    assert (a.state, a.version) == (S.IN_PROGRESS, 1)
    a.cancel(GM, T + timedelta(days=1), reason="需求已取消")
    assert (a.state, a.cancel_reason, a.is_open) == (S.CANCELLED, "需求已取消", False)
    with pytest.raises(InvalidTransition, match="terminal"):
        a.cancel(GM, T + timedelta(days=2), reason="again")


def test_item_validation_and_time() -> None:
    with pytest.raises(ValidationError, match="due_at"):
        item(due_at=T)
    with pytest.raises(ValidationError, match="description"):
        item(description=" ")
    with pytest.raises(ValidationError, match="at least one quality indicator"):
        item(quality_indicators=[])
    with pytest.raises(ValidationError, match="quality indicator"):
        item(quality_indicators=[42])
    with pytest.raises(ValidationError, match="allowed: complaint"):
        item(source_kind="rumour")
    with pytest.raises(ValidationError, match="must be after the follow-up"):
        item().follow_up(SPEC, T + timedelta(days=2), met=False, note="n", extend_to=T)
    with pytest.raises(ValidationError, match="not extended"):
        item().follow_up(SPEC, T, met=True, note="n", extend_to=T + timedelta(days=9))
    with pytest.raises(ValidationError, match=r"naive|timezone"):
        item().report_progress(OWNER, datetime(2026, 3, 7, 9, 0), note="n")
    a = item()
    with pytest.raises(ValidationError, match="history runs forwards"):
        a.report_progress(OWNER, T - timedelta(hours=1), note="n")
    with pytest.raises(ValidationError, match="met must be True or False"):
        a.follow_up(SPEC, T, met="yes", note="n", extend_to=None)  # type: ignore[arg-type]
    assert (a.version, a.progress, a.follow_ups) == (1, (), ())


def test_quality_indicator_forms() -> None:
    expected = QualityIndicator("超时率", "≤ 2%")
    assert quality_indicators("超时率: ≤ 2%") == (expected,)
    assert quality_indicators(["超时率：≤ 2%"]) == (expected,)
    assert quality_indicators([("超时率", "≤ 2%")]) == (expected,)
    assert quality_indicators({"name": "超时率", "target": "≤ 2%"}) == (expected,)
    assert quality_indicators(expected) == (expected,)
    assert quality_indicators({"超时率": "≤ 2%", "通报频率": "每2小时"}) == (
        expected,
        QualityIndicator("通报频率", "每2小时"),
    )
    with pytest.raises(ValidationError, match="at least one quality indicator"):
        quality_indicators({})
    with pytest.raises(ValidationError, match="quality indicator target must be a non-empty"):
        quality_indicators({"超时率": 2})
    with pytest.raises(ValidationError, match="quality indicator name must be a non-empty"):
        quality_indicators({"target": "≤ 2%"})


@pytest.mark.parametrize("row", TRANSITIONS, ids=lambda r: r[0])
def test_every_event_is_refused_in_every_other_state(row: Any) -> None:
    event, sources, _dest = row
    allowed = {sources} if isinstance(sources, S) else set(sources)
    for step in LIFECYCLE.steps:
        if step.event == event:
            allowed |= set(step.sources)
    for state in S:
        assert (event in LIFECYCLE.allowed(state)) is (state in allowed)


def test_the_table_reaches_every_state_and_ends_in_done_decided_or_cancelled() -> None:
    reached = {LIFECYCLE.initial} | {s.dest for s in LIFECYCLE.steps}
    assert reached == set(S)
    assert LIFECYCLE.terminal == {S.DONE, S.DECIDED, S.CANCELLED}
    for state in S:
        assert state.zh and state.en and state.value


@settings(max_examples=30)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 100)), max_size=3))
def test_items_round_trip_through_their_records(steps: list[tuple[bool, int]]) -> None:
    current = item(business_unit="运维事业部", cause="人手不足", customer="华东电网")
    at = T
    for met, hours in steps:
        if not current.is_open:
            break
        at += timedelta(hours=hours)
        extend = None if met or current.extensions else at + timedelta(days=1)
        current.follow_up(SPEC, at, met=met, note="n", extend_to=extend)
        if current.is_open:
            current.report_progress(OWNER, at, note="p")
    record = IMPROVEMENT_SPEC.to_record(current)
    again = IMPROVEMENT_SPEC.from_record(record)
    assert IMPROVEMENT_SPEC.to_record(again) == record
    assert IMPROVEMENT_SPEC.index_values(again) == IMPROVEMENT_SPEC.index_values(current)
