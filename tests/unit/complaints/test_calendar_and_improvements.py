"""Periods on a business calendar; the general improvement item; storage round trips."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core import FrozenClock, InvalidTransition, ItsmCore, ValidationError
from itsm_core.calendars import BusinessCalendar, WorkingCalendar
from itsm_core.complaints import (
    COMPLAINT_SPEC,
    PRAISE_SPEC,
    ComplaintPolicy,
    ComplaintService,
    ComplaintState,
    Origin,
)
from itsm_core.improvements import (
    ImprovementItem,
    ImprovementSource,
    ImprovementStatus,
    QualityIndicator,
    quality_indicators,
)

from .conftest import PATHS, RM, SPECIALIST, TZ, at_state, receive, stored, walk

S = ComplaintState
FRIDAY_3PM = datetime(2026, 3, 6, 15, 0, tzinfo=TZ)


class RecordingCalendar:
    """A Monday-Friday, whole-day calendar for tests that records the calls made to it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, datetime, Any]] = []
        self.inner = BusinessCalendar("Asia/Shanghai", {"mon-fri": ["00:00-24:00"]})

    def add(self, start: datetime, duration: timedelta, /) -> datetime:
        self.calls.append(("add", start, duration))
        return self.inner.add(start, duration)

    def between(self, start: datetime, end: datetime, /) -> timedelta:
        self.calls.append(("between", start, end))
        return self.inner.between(start, end)

    def add_working_days(self, start: datetime, days: int, /) -> datetime:
        self.calls.append(("add_working_days", start, days))
        return self.inner.add_working_days(start, days)


def test_the_wall_clock_calendar_is_24x7() -> None:
    cal = BusinessCalendar.always_open("UTC", name="24×7")
    assert isinstance(cal, WorkingCalendar)
    assert cal.add(FRIDAY_3PM, timedelta(hours=10)) == FRIDAY_3PM + timedelta(hours=10)
    assert cal.add_working_days(FRIDAY_3PM, 1) == FRIDAY_3PM + timedelta(days=1)
    with pytest.raises(ValidationError):
        cal.add_working_days(FRIDAY_3PM, -1)
    with pytest.raises(ValidationError):
        cal.add_working_days(FRIDAY_3PM, True)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        cal.add(datetime(2026, 3, 6), timedelta(1))


def test_the_service_computes_due_instants_on_its_calendar() -> None:
    cal = RecordingCalendar()
    core = ItsmCore("memory://", clock=FrozenClock(FRIDAY_3PM), load_entrypoints=False)
    service = ComplaintService(core.runtime, calendar=cal)
    assert service.calendar is cal
    c = at_state(service, S.IMPROVING)
    assert ("add", FRIDAY_3PM, timedelta(days=14)) in cal.calls
    assert c.improvement is not None
    # 9 h on Friday, then 13 whole weekdays and 15 h: Thursday 26 March, 15:00
    assert c.improvement.due_at == datetime(2026, 3, 26, 15, 0, tzinfo=TZ)
    c = walk(service, c.id, ["met"])
    # handled on a Friday: the callback is due on Monday
    assert c.callback_due_at == datetime(2026, 3, 9, 15, 0, tzinfo=TZ)


def test_the_sla_business_calendar_fits() -> None:
    cal = BusinessCalendar("Asia/Shanghai", {"mon-fri": ["09:00-12:00", "13:30-18:00"]})
    assert isinstance(cal, WorkingCalendar)
    core = ItsmCore(
        "memory://", clock=FrozenClock(FRIDAY_3PM), load_entrypoints=False, calendar=cal
    )
    c = at_state(core.complaints, S.HANDLED)
    assert c.callback_due_at == datetime(2026, 3, 9, 15, 0, tzinfo=TZ)
    assert c.improvement is not None
    # 14 days of business time at 7.5 h a day
    assert c.improvement.due_at > FRIDAY_3PM + timedelta(days=30)


def test_the_callback_promise_is_configurable() -> None:
    core = ItsmCore(
        "memory://",
        clock=FrozenClock(FRIDAY_3PM),
        load_entrypoints=False,
        complaint_policy=ComplaintPolicy(callback_working_days=2),
    )
    c = at_state(core.complaints, S.HANDLED)
    assert c.callback_due_at == FRIDAY_3PM + timedelta(days=2)
    with pytest.raises(ValidationError, match="callback_working_days"):
        ComplaintPolicy(callback_working_days=-1)


def test_a_calendar_without_the_methods_is_refused(core: ItsmCore) -> None:
    with pytest.raises(ValidationError, match="add_working_days"):
        ComplaintService(core.runtime, calendar=object())  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["no", "false", 0, 1, None])
def test_the_reopen_policy_is_a_bool(value: Any) -> None:
    # "no" is truthy: accepted, it would reopen every dissatisfied complaint
    with pytest.raises(ValidationError, match="reopen_on_dissatisfied must be True or False"):
        ComplaintPolicy(reopen_on_dissatisfied=value)
    assert ComplaintPolicy(reopen_on_dissatisfied=True).reopen_on_dissatisfied is True


def test_the_policy_must_be_a_policy(core: ItsmCore) -> None:
    with pytest.raises(ValidationError, match="policy must be a ComplaintPolicy or None"):
        ComplaintService(core.runtime, policy={"reopen_on_dissatisfied": True})  # type: ignore[arg-type]


# ---------------------------------------------------------------- improvement items

T = FRIDAY_3PM


def item(**overrides: Any) -> ImprovementItem:
    fields: dict[str, Any] = {
        "id": "imp-1",
        "source_kind": ImprovementSource.COMPLAINT,
        "source_ref": "cmp-1",
        "description": "建立进展通报机制",
        "quality_indicators": ["通报频率: 每2小时"],
        "owner": "owner-1",
        "issued_by": "spec-1",
        "issued_at": T,
        "due_at": T + timedelta(days=7),
    }
    fields.update(overrides)
    return ImprovementItem(**fields)


def test_an_item_is_a_general_value_for_any_source() -> None:
    for source in ImprovementSource:
        assert item(source_kind=source.value).source_kind is source
    review = item(source_kind="service_review", source_ref="rev-3")
    assert review.is_open and not review.is_overdue(T + timedelta(days=7))
    assert review.is_overdue(T + timedelta(days=8))


def test_an_item_follows_up_extends_escalates_and_is_decided() -> None:
    a = item()
    b = a.followed_up(
        T + timedelta(days=8), "spec-1", met=False, note="n", extend_to=T + timedelta(days=15)
    )
    assert (b.status, b.extensions, b.due_at) == (
        ImprovementStatus.EXTENDED,
        1,
        T + timedelta(days=15),
    )
    assert a.status is ImprovementStatus.OPEN  # immutable
    c = b.followed_up(T + timedelta(days=16), "spec-1", met=False, note="again")
    assert c.status is ImprovementStatus.ESCALATED and not c.is_open
    with pytest.raises(InvalidTransition, match="not open"):
        c.followed_up(T + timedelta(days=17), "spec-1", met=True, note="x")
    d = c.decided(T + timedelta(days=18), "gm-1", "换人")
    assert (d.status, d.decision, d.decided_by) == (ImprovementStatus.DECIDED, "换人", "gm-1")
    with pytest.raises(InvalidTransition, match="only an escalated item"):
        d.decided(T + timedelta(days=19), "gm-1", "again")
    m = a.followed_up(T + timedelta(days=1), "spec-1", met=True, note="ok")
    assert m.status is ImprovementStatus.MET and m.concluded_at == T + timedelta(days=1)
    with pytest.raises(InvalidTransition):
        m.with_progress(T + timedelta(days=2), "owner-1", "late")


def test_item_validation() -> None:
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
        item().followed_up(T + timedelta(days=2), "s", met=False, note="n", extend_to=T)
    with pytest.raises(ValidationError, match="not extended"):
        item().followed_up(T, "s", met=True, note="n", extend_to=T + timedelta(days=9))


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


def test_a_requirement_takes_indicators_as_a_mapping_of_name_to_target(
    service: ComplaintService,
) -> None:
    from .conftest import OWNER

    c = at_state(service, S.RESOLVED)
    c = service.require_improvement(
        SPECIALIST,
        c.id,
        cause="c",
        description="d",
        quality_indicators={"超时率": "≤ 2%"},
        owner=OWNER.id,
        period=timedelta(days=3),
    )
    assert c.improvement is not None
    assert c.improvement.quality_indicators == (QualityIndicator("超时率", "≤ 2%"),)


@settings(max_examples=30)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(1, 100)), max_size=3),
)
def test_items_round_trip_through_dicts(steps: list[tuple[bool, int]]) -> None:
    current = item()
    at = T
    for met, hours in steps:
        if not current.is_open:
            break
        at += timedelta(hours=hours)
        extend = None if met or current.extensions else at + timedelta(days=1)
        current = current.followed_up(at, "s", met=met, note="n", extend_to=extend)
        current = current.with_progress(at, "owner-1", "p") if current.is_open else current
    assert ImprovementItem.from_dict(current.to_dict()) == current


# ---------------------------------------------------------------- storage round trips


@pytest.mark.parametrize("key", sorted(PATHS, key=str), ids=lambda k: f"{k[0].value}-{k[1].value}")
def test_every_reachable_complaint_round_trips_through_its_record(
    core: ItsmCore, service: ComplaintService, key: tuple[S, Origin]
) -> None:
    c = at_state(service, key[0], key[1])
    entity = stored(core, c.id)
    record = COMPLAINT_SPEC.to_record(entity)
    again = COMPLAINT_SPEC.from_record(record)
    assert COMPLAINT_SPEC.to_record(again) == record
    assert COMPLAINT_SPEC.index_values(again) == COMPLAINT_SPEC.index_values(entity)
    for field in COMPLAINT_SPEC.index:
        value = field.extract(entity)
        if field.type == "datetime" and value is not None:
            assert value.tzinfo is not None


def test_praise_round_trips(service: ComplaintService) -> None:
    p = service.record_praise(SPECIALIST, customer="c", praised_party="p", summary="s")
    record = PRAISE_SPEC.to_record(p)
    assert PRAISE_SPEC.to_record(PRAISE_SPEC.from_record(record)) == record


def test_a_stale_write_is_a_conflict(core: ItsmCore, service: ComplaintService) -> None:
    from itsm_core import ConflictError

    c = receive(service)
    stale = stored(core, c.id)
    service.dispatch(RM, c.id)
    stale.dispatch(RM, stale.updated_at)
    with pytest.raises(ConflictError), core.storage.unit_of_work() as uow:
        uow.save(COMPLAINT_SPEC, stale)
        uow.commit()
    assert stored(core, c.id).version == 2
