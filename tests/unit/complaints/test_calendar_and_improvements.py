"""Periods on a business calendar; improvement requirements; storage round trips."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from itsm_core import FrozenClock, ItsmCore, ValidationError
from itsm_core.calendars import BusinessCalendar, WorkingCalendar
from itsm_core.complaints import (
    COMPLAINT_SPEC,
    PRAISE_SPEC,
    ComplaintPolicy,
    ComplaintService,
    ComplaintState,
    Origin,
)
from itsm_core.improvements import QualityIndicator

from .conftest import PATHS, RM, SPECIALIST, TZ, at_state, item_of, receive, stored, walk

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
    # 9 h on Friday, then 13 whole weekdays and 15 h: Thursday 26 March, 15:00
    assert item_of(service, c.id).due_at == datetime(2026, 3, 26, 15, 0, tzinfo=TZ)
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
    # 14 days of business time at 7.5 h a day
    assert item_of(core.complaints, c.id).due_at > FRIDAY_3PM + timedelta(days=30)


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


# ---------------------------------------------------------------- improvement requirements


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
    assert item_of(service, c.id).quality_indicators == (QualityIndicator("超时率", "≤ 2%"),)


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
