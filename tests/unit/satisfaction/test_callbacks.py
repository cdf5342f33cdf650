"""Callbacks: reproducible daily sampling, due times, the register, returns and rechecks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core import (
    AccessDenied,
    InvalidTransition,
    ValidationError,
    calendars,
)
from itsm_core.calendars import BusinessCalendar
from itsm_core.satisfaction import (
    CallbackKind,
    CallbackOutcome,
    CallbackState,
    CallbackStatus,
    Channel,
    ServiceRecordState,
    WeekdayCalendar,
    WorkingCalendar,
    daily_sample,
    sample_size,
)
from itsm_core.testing import HookCall, RecordingNotifier

from ._support import COORD, DESK, ENG, OM, RM, SH, T0, closed_record, make_core

# -- sampling -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "rate", "size"),
    [
        (0, 0.2, 0),
        (1, 0.2, 1),
        (2, 0.2, 1),
        (10, 0.2, 2),
        (12, 0.2, 2),
        (13, 0.2, 3),
        (10, 0.25, 3),
        (7, 1.0, 7),
        (100, 0.01, 1),
        (1000, 0.05, 50),
    ],
)
def test_sample_size_rounds_half_up_with_at_least_one(
    population: int, rate: float, size: int
) -> None:
    assert sample_size(population, rate) == size


@pytest.mark.parametrize("rate", [0, -0.1, 1.5, True, "0.2"])
def test_sample_rate_must_be_in_0_1(rate: Any) -> None:
    with pytest.raises(ValidationError, match="rate"):
        sample_size(10, rate)


ids = st.lists(st.text("ABCDEF0123456789", min_size=1, max_size=8), max_size=200, unique=True)
rates = st.floats(0.01, 1.0)
days = st.dates(date(2025, 1, 1), date(2027, 12, 31))


@given(ids, rates, days, st.randoms())
def test_daily_sample_is_reproducible_and_order_independent(
    record_ids: list[str], rate: float, day: date, rnd: Any
) -> None:
    first = daily_sample(record_ids, day=day, rate=rate, seed="provider-x")
    shuffled = list(record_ids)
    rnd.shuffle(shuffled)
    assert daily_sample(shuffled, day=day.isoformat(), rate=rate, seed="provider-x") == first
    assert set(first) <= set(record_ids)
    assert first == sorted(first)


@given(ids, rates)
def test_daily_sample_is_at_the_configured_rate(record_ids: list[str], rate: float) -> None:
    n = len(record_ids)
    k = len(daily_sample(record_ids, day="2026-05-11", rate=rate, seed="s"))
    if n == 0:
        assert k == 0
    elif n * rate < 0.5:
        assert k == 1
    else:
        assert abs(k - n * rate) <= 0.5 + 1e-6


def test_samples_differ_by_day_and_seed() -> None:
    population = [f"T{i:04}" for i in range(500)]
    a = daily_sample(population, day="2026-05-11", rate=0.1, seed="s")
    assert a != daily_sample(population, day="2026-05-12", rate=0.1, seed="s")
    assert a != daily_sample(population, day="2026-05-11", rate=0.1, seed="t")


def test_sampling_the_days_closed_records_schedules_callbacks_once() -> None:
    core, _ = make_core(callback_sample_rate=0.25)
    for i in range(8):
        closed_record(core, f"T{i}")
    # closed the next local day (00:30 Shanghai), not in the population of the 11th
    closed_record(core, "LATE", closed_at=datetime(2026, 5, 12, 0, 30, tzinfo=SH))
    report = core.satisfaction.callbacks.sample_daily(COORD, day=date(2026, 5, 11))
    assert (report.day, report.population, report.rate) == ("2026-05-11", 8, 0.25)
    assert len(report.selected) == 2 == len(report.scheduled)
    assert list(report.selected) == daily_sample(
        [f"T{i}" for i in range(8)], day="2026-05-11", rate=0.25, seed="itsm_core"
    )
    for cb in report.scheduled:
        assert cb.kind is CallbackKind.DAILY and cb.state is CallbackState.DUE
        assert cb.sample_day == "2026-05-11" and cb.contact == "alice"
        record = core.satisfaction.service_records.get(OM, cb.service_record_id or "")
        assert record.callback_status is CallbackStatus.DUE
        assert record.last_callback_id == cb.id
    again = core.satisfaction.callbacks.sample_daily(COORD, day="2026-05-11")
    assert again.selected == report.selected and again.scheduled == ()
    assert len(again.skipped) == 2
    assert len(core.satisfaction.callbacks.find(COORD, state="due")) == 2


def test_sampling_an_empty_day_and_roles() -> None:
    core, _ = make_core()
    report = core.satisfaction.callbacks.sample_daily(COORD, day="2026-05-10")
    assert (report.population, report.selected) == (0, ())
    with pytest.raises(AccessDenied, match="sample daily callbacks"):
        core.satisfaction.callbacks.sample_daily(ENG, day="2026-05-10")
    with pytest.raises(ValidationError, match="calendar date"):
        core.satisfaction.callbacks.sample_daily(COORD, day=T0)  # type: ignore[arg-type]


# -- due times ------------------------------------------------------------------------


def test_weekday_calendar() -> None:
    cal = WeekdayCalendar()
    assert isinstance(cal, WorkingCalendar)
    assert isinstance(cal, BusinessCalendar)  # one calendar type across the library
    assert WorkingCalendar is calendars.WorkingCalendar
    fri = datetime(2026, 5, 15, 15, 0, tzinfo=SH)
    assert cal.add_working_days(fri, 1) == datetime(2026, 5, 18, 15, 0, tzinfo=SH)
    assert cal.add_working_days(fri, 0) == fri
    sat = datetime(2026, 5, 16, 10, 0, tzinfo=SH)
    assert cal.add_working_days(sat, 1) == datetime(2026, 5, 19, 0, 0, tzinfo=SH)
    with pytest.raises(ValidationError):
        cal.add_working_days(fri, -1)


def test_callback_is_due_one_working_day_after_handling() -> None:
    core, _ = make_core()
    resolved = datetime(2026, 5, 15, 16, 0, tzinfo=SH)  # Friday
    closed_record(core, "T1", resolved_at=resolved, closed_at=resolved + timedelta(hours=1))
    cb = core.satisfaction.callbacks.schedule(COORD, "T1")
    assert cb.due_at == datetime(2026, 5, 18, 16, 0, tzinfo=SH)


def test_the_facade_passes_the_providers_business_calendar() -> None:
    core, _ = make_core()
    core.satisfaction.calendar = BusinessCalendar.china()
    resolved = datetime(2026, 4, 30, 15, 0, tzinfo=SH)  # before the May Day holidays
    closed_record(core, "T1", resolved_at=resolved, closed_at=resolved + timedelta(hours=1))
    cb = core.satisfaction.callbacks.schedule(COORD, "T1")
    assert cb.due_at == datetime(2026, 5, 6, 15, 0, tzinfo=SH)
    from itsm_core import FrozenClock, ItsmCore

    with ItsmCore(
        clock=FrozenClock(T0), load_entrypoints=False, calendar=BusinessCalendar.china()
    ) as other:
        assert isinstance(other.satisfaction.calendar, BusinessCalendar)


def test_schedule_callback_refusals() -> None:
    core, _ = make_core()
    core.satisfaction.service_records.register(
        DESK, "OPEN", customer="acme", service="d", opened_at=T0
    )
    with pytest.raises(ValidationError, match="resolved or closed"):
        core.satisfaction.callbacks.schedule(COORD, "OPEN")
    closed_record(core, "T1")
    core.satisfaction.callbacks.schedule(COORD, "T1")
    from itsm_core import ConflictError

    with pytest.raises(ConflictError, match="due for service record"):
        core.satisfaction.callbacks.schedule(COORD, "T1")


# -- the register ---------------------------------------------------------------------


RETURNED = "itsm_service_record_returned"


def front_end(failures: int | None = None) -> RecordingNotifier:
    """A front end acting on returned records; fails the first ``failures`` (all by default)."""

    def down(call: HookCall) -> bool:
        return call.hook == RETURNED and (failures is None or recorder.failed < failures)

    recorder = RecordingNotifier("front-end", fail_when=down)
    return recorder


def test_solved_callback_confirms_the_record_and_records_the_score() -> None:
    core, _ = make_core()
    closed_record(core, "T1")
    cb = core.satisfaction.callbacks.schedule(COORD, "T1")
    result = core.satisfaction.callbacks.record_outcome(
        COORD, cb.id, outcome="solved", score="very_satisfied", comment="很好"
    )
    assert result.callback.state is CallbackState.DONE
    assert result.callback.outcome is CallbackOutcome.SOLVED
    assert result.record is not None and result.record.callback_status is CallbackStatus.CONFIRMED
    assert result.response is not None
    assert result.response.channel is Channel.CALLBACK
    assert (result.response.respondent, result.response.engineer) == ("alice", "eng-li")
    assert result.callback.response_id == result.response.id
    assert not result.returned
    with pytest.raises(InvalidTransition, match="done already"):
        core.satisfaction.callbacks.record_outcome(COORD, cb.id, outcome="solved")
    assert core.satisfaction.callbacks.find(COORD, state="due") == []


def test_not_really_solved_returns_the_record_and_a_second_callback_gates_closing() -> None:
    returns = front_end(failures=1)
    core, clock = make_core(plugins=[returns])
    closed_record(core, "T1")
    cb = core.satisfaction.callbacks.schedule(COORD, "T1")
    clock.advance(hours=2)
    with pytest.raises(ValidationError, match="reason"):
        core.satisfaction.callbacks.record_outcome(COORD, cb.id, outcome="not_solved")
    result = core.satisfaction.callbacks.record_outcome(
        COORD, cb.id, outcome="not_solved", reason="打印机仍然卡纸"
    )
    assert result.returned
    record = core.satisfaction.service_records.get(OM, "T1")
    assert record.state is ServiceRecordState.RETURNED
    assert record.callback_status is CallbackStatus.RETURNED
    assert (record.reopened_count, record.resolved_at, record.closed_at) == (1, None, None)
    # the failing hook did not undo the commit; the relay retries it
    assert returns.calls_of(RETURNED) == []
    assert "service_record.returned" in returns.names()
    clock.advance(minutes=5)
    core.relay()
    assert returns.calls_of(RETURNED) == [
        {
            "record_id": "T1",
            "reason": "打印机仍然卡纸",
            "customer": "acme",
            "service": "desktop",
            "engineer": "eng-li",
            "callback_id": cb.id,
            "returned_at": T0 + timedelta(hours=2),
        }
    ]
    core.relay()
    assert len(returns.calls_of(RETURNED)) == 1  # delivered once
    # the engineer fixes it again: a second callback is due, closing waits for it
    clock.advance(hours=3)
    record = core.satisfaction.service_records.resolve(ENG, "T1", resolution="换了定影器")
    assert record.callback_status is CallbackStatus.RECHECK_DUE
    (recheck,) = core.satisfaction.callbacks.find(COORD, kind="recheck", state="due")
    assert recheck.service_record_id == "T1"
    assert recheck.due_at == clock.now() + timedelta(days=1)
    with pytest.raises(InvalidTransition, match="second callback"):
        core.satisfaction.service_records.close(DESK, "T1")
    core.satisfaction.callbacks.record_outcome(COORD, recheck.id, outcome="solved", score=4)
    closed = core.satisfaction.service_records.close(DESK, "T1")
    assert closed.state is ServiceRecordState.CLOSED
    assert closed.callback_status is CallbackStatus.CONFIRMED
    assert closed.reopened_count == 1


def test_a_raising_returned_hook_never_undoes_the_commit_without_auto_relay() -> None:
    core, _ = make_core(plugins=[front_end()])
    core.runtime.auto_relay = False
    closed_record(core, "T1")
    cb = core.satisfaction.callbacks.schedule(COORD, "T1")
    core.satisfaction.callbacks.record_outcome(COORD, cb.id, outcome="not_solved", reason="no")
    report = core.relay()
    assert any("itsm_service_record_returned" in f.notifier for f in report.failures)
    assert core.satisfaction.service_records.get(OM, "T1").state is ServiceRecordState.RETURNED


def test_unreachable_is_an_attempt_and_the_callback_stays_due() -> None:
    core, clock = make_core()
    closed_record(core, "T1")
    cb = core.satisfaction.callbacks.schedule(COORD, "T1")
    result = core.satisfaction.callbacks.record_outcome(
        COORD, cb.id, outcome="unreachable", reason="无人接听"
    )
    assert result.callback.state is CallbackState.DUE
    assert [(a.by, a.note) for a in result.callback.attempts] == [("coord-1", "无人接听")]
    with pytest.raises(ValidationError, match="no score"):
        core.satisfaction.callbacks.record_outcome(COORD, cb.id, outcome="unreachable", score=3)
    clock.advance(days=3)
    assert [
        c.id for c in core.satisfaction.callbacks.find(COORD, due_before=clock.now(), state="due")
    ] == [cb.id]
    assert core.satisfaction.callbacks.get(COORD, cb.id).is_overdue(clock.now())


def test_cancel_and_roles_of_the_register() -> None:
    core, _ = make_core()
    closed_record(core, "T1")
    cb = core.satisfaction.callbacks.schedule(COORD, "T1")
    with pytest.raises(AccessDenied, match="record a callback"):
        core.satisfaction.callbacks.record_outcome(ENG, cb.id, outcome="solved")
    cancelled = core.satisfaction.callbacks.cancel(COORD, cb.id, reason="客户要求不再回访")
    assert cancelled.state is CallbackState.CANCELLED
    assert core.satisfaction.service_records.get(OM, "T1").callback_status is CallbackStatus.NONE
    assert core.satisfaction.callbacks.schedule(COORD, "T1").id != cb.id  # may be planned again
    with pytest.raises(InvalidTransition):
        core.satisfaction.callbacks.cancel(COORD, cb.id, reason="again")
    assert cb.id in [c.id for c in core.satisfaction.callbacks.find(OM, service_record_id="T1")]


def test_monthly_callbacks_for_key_customers() -> None:
    core, _ = make_core(monthly_callback_working_days=3)
    sat = core.satisfaction
    sat.customers.register(RM, "acme", name="ACME 集团", key=True)
    sat.customers.register(RM, "globex", name="Globex")
    created = sat.callbacks.schedule_monthly(COORD, period="2026-06")
    assert [(c.customer, c.kind, c.period) for c in created] == [
        ("acme", CallbackKind.MONTHLY, "2026-06")
    ]
    # 2026-06-01 is a Monday: three weekdays later
    assert created[0].due_at == datetime(2026, 6, 4, 0, 0, tzinfo=SH)
    assert sat.callbacks.schedule_monthly(COORD, period="2026-06") == []
    with pytest.raises(ValidationError, match="service it rates"):
        sat.callbacks.record_outcome(
            COORD, created[0].id, outcome="solved", score=5, respondent="zhao"
        )
    result = sat.callbacks.record_outcome(
        COORD, created[0].id, outcome="solved", score=5, respondent="zhao", service="desktop"
    )
    assert result.record is None and result.response is not None
    assert (result.response.subject.kind.value, result.response.subject.ref) == ("month", "2026-06")
    with pytest.raises(ValidationError, match="YYYY-MM"):
        sat.callbacks.schedule_monthly(COORD, period="June")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sample_size("3", 0.5), "population must be a whole number"),
        (lambda: sample_size(2.5, 0.5), "population must be a whole number"),
        (lambda: sample_size(-1, 0.5), "population must be a whole number"),
        (lambda: daily_sample(["T1"], day="2026-13-01", rate=0.5, seed="s"), "calendar date"),
        (lambda: daily_sample(["T1"], day="x", rate=0.5, seed="s"), "calendar date"),
        (lambda: daily_sample("T1", day="2026-05-11", rate=0.5, seed="s"), "collection"),
        (lambda: daily_sample(5, day="2026-05-11", rate=0.5, seed="s"), "collection"),
        (lambda: daily_sample(["T1", 2], day="2026-05-11", rate=0.5, seed="s"), "strings"),
        (lambda: daily_sample(["T1"], day="2026-05-11", rate=0.5, seed=1), "seed"),
    ],
)
def test_sampling_inputs_are_checked(call: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        call()


def test_a_callback_finding_a_reopened_record_unsolved_leaves_no_callback_due() -> None:
    # the record is reopened in the ticketing tool after its callback was scheduled
    core, clock = make_core()
    closed_record(core, "T-REOPEN")
    cb = core.satisfaction.callbacks.schedule(COORD, "T-REOPEN")
    core.satisfaction.service_records.reopen(DESK, "T-REOPEN", reason="再次报修")
    clock.advance(hours=1)
    core.satisfaction.callbacks.record_outcome(COORD, cb.id, outcome="not_solved", reason="仍卡纸")
    record = core.satisfaction.service_records.get(DESK, "T-REOPEN")
    # with the engineer already: open, and no callback stands due any more
    assert (record.state, record.callback_status) == (
        ServiceRecordState.OPEN,
        CallbackStatus.RETURNED,
    )
    # once resolved, the second callback is due and the record cannot close before it
    clock.advance(hours=1)
    resolved = core.satisfaction.service_records.resolve(DESK, "T-REOPEN", resolution="换纸盒")
    assert resolved.callback_status is CallbackStatus.RECHECK_DUE
    due = core.satisfaction.callbacks.find(COORD, service_record_id="T-REOPEN", state="due")
    assert [c.kind for c in due] == [CallbackKind.RECHECK]
    with pytest.raises(InvalidTransition):
        core.satisfaction.service_records.close(DESK, "T-REOPEN")
