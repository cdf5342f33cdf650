"""Callbacks run on SLA clocks: one working day after handling, warnings and the breach chain.

On a mainland-China calendar (Mon-Fri 09:00-12:00, 13:30-18:00): National Day
2025 runs 1-8 October, Sunday 28 September and Saturday 11 October are makeup
working days.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from itsm_core import SYSTEM, FrozenClock, ItsmCore
from itsm_core.calendars import BusinessCalendar
from itsm_core.kernel.errors import ValidationError
from itsm_core.satisfaction import (
    CALLBACK_SPEC,
    SERVICE_RECORD_SPEC,
    CallbackState,
    CallbackStatus,
    SatisfactionPolicy,
    SatisfactionService,
)
from itsm_core.satisfaction.callback_clocks import CALLBACK_CALENDAR, SUBJECT_KIND
from itsm_core.sla import BREACH_CHAIN, ClockState, SlaClock, TargetKind
from itsm_core.storage.base import AggregateSpec
from itsm_core.testing import RecordingNotifier

from ._support import COORD, DESK, ENG, OM, RM, SH

CN = BusinessCalendar.china()
H = timedelta(hours=1)
#: Tuesday 30 September 2025, 15:00: the last working afternoon before National Day.
EVE = datetime(2025, 9, 30, 15, 0, tzinfo=SH)
#: One working day later: Thursday 9 October, 15:00 (1-8 October are holidays).
DUE = datetime(2025, 10, 9, 15, 0, tzinfo=SH)


SLA_HOOKS = ("itsm_sla_warning", "itsm_sla_breach")
"""The hooks a service desk acts on: SLA warnings and breach steps."""


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2025, 10, 1, 9, 0, tzinfo=SH))  # the morning after


@pytest.fixture
def desk() -> RecordingNotifier:
    return RecordingNotifier()


def make_core(
    clock: FrozenClock,
    desk: RecordingNotifier | None = None,
    storage_url: str = "memory://",
    **kw: Any,
) -> ItsmCore:
    policy = SatisfactionPolicy(timezone="Asia/Shanghai", **kw.pop("policy", {}))
    return ItsmCore(
        storage_url,
        clock=clock,
        plugins=[desk] if desk is not None else [],
        load_entrypoints=False,
        calendar=kw.pop("calendar", CN),
        satisfaction_policy=policy,
        **kw,
    )


@pytest.fixture
def core(clock: FrozenClock, desk: RecordingNotifier) -> Iterator[ItsmCore]:
    with make_core(clock, desk) as c:
        yield c


def handled_record(core: ItsmCore, record_id: str = "T1", resolved_at: datetime = EVE) -> None:
    core.satisfaction.service_records.register(
        DESK,
        record_id,
        customer="acme",
        service="desktop",
        engineer="eng-li",
        requester="alice",
        resolution="换了网线",
        opened_at=resolved_at - 2 * H,
        resolved_at=resolved_at,
        closed_at=resolved_at + H,
    )


def clocks_of(core: ItsmCore, callback_id: str) -> list[SlaClock]:
    return core.sla.find(SYSTEM, subject_kind=SUBJECT_KIND, subject_id=callback_id)


def only_clock(core: ItsmCore, callback_id: str) -> SlaClock:
    (found,) = clocks_of(core, callback_id)
    return found


def sampled(core: ItsmCore, day: str = "2025-09-30") -> str:
    report = core.satisfaction.callbacks.sample_daily(COORD, day=day, rate=1.0)
    (callback,) = report.scheduled
    return callback.id


# -- scheduling starts a clock ----------------------------------------------------------


def test_the_daily_sample_starts_a_clock_one_working_day_after_handling(core: ItsmCore) -> None:
    handled_record(core)
    cb_id = sampled(core)
    callback = core.satisfaction.callbacks.get(OM, cb_id)
    c = only_clock(core, cb_id)
    assert (c.subject_kind, c.subject_id, c.target) == (
        "service_callback",
        cb_id,
        TargetKind.CALLBACK,
    )
    assert c.started_at == EVE  # the promise runs from the handling, not from the sampling
    assert c.due_at == DUE == callback.due_at  # National Day is skipped
    assert c.budget == 7.5 * H  # 15:00-18:00 on the eve, 09:00-12:00 and 13:30-15:00 on the 9th
    assert (c.handler, c.customer, c.service, c.calendar) == (
        "coord-1",
        "acme",
        "desktop",
        "default",
    )
    assert c.working_days == 1
    assert c.state is ClockState.RUNNING
    found = core.satisfaction.callbacks.get_clock(OM, cb_id)
    assert found is not None and found.id == c.id


def test_a_callback_scheduled_by_hand_gets_a_clock_too(core: ItsmCore) -> None:
    handled_record(core)
    callback = core.satisfaction.callbacks.schedule(DESK, "T1")
    c = only_clock(core, callback.id)
    assert c.due_at == DUE == callback.due_at
    assert c.handler is None  # the service desk scheduled it: the coordinator is not known


def test_the_makeup_working_day_counts(clock: FrozenClock) -> None:
    saturday = datetime(2025, 10, 11, 10, 0, tzinfo=SH)  # a makeup working day
    clock.set(saturday + 2 * H)
    with make_core(clock) as core:
        handled_record(core, resolved_at=saturday)
        callback = core.satisfaction.callbacks.schedule(COORD, "T1")
    assert callback.due_at == datetime(2025, 10, 13, 10, 0, tzinfo=SH)  # Monday, not Tuesday


def test_handled_after_hours_is_due_at_the_last_closing(clock: FrozenClock) -> None:
    evening = datetime(2025, 10, 9, 20, 0, tzinfo=SH)  # Thursday after closing
    clock.set(evening + 2 * H)
    with make_core(clock) as core:
        handled_record(core, resolved_at=evening)
        callback = core.satisfaction.callbacks.schedule(COORD, "T1")
        c = only_clock(core, callback.id)
    # one working day of business time (Friday 09:00-18:00 less lunch) has run at 18:00
    assert c.due_at == callback.due_at == datetime(2025, 10, 10, 18, 0, tzinfo=SH)


def test_the_policy_sets_the_clocks_thresholds(clock: FrozenClock) -> None:
    with make_core(clock, policy={"callback_warning_thresholds": [0.8]}) as core:
        handled_record(core)
        assert only_clock(core, sampled(core)).thresholds == (0.8,)
    with pytest.raises(ValidationError, match="callback_warning_thresholds") as err:
        SatisfactionPolicy(callback_warning_thresholds=(0.9, 0.5))
    assert err.value.field == "callback_warning_thresholds"


def test_zero_working_days_runs_no_clock(clock: FrozenClock) -> None:
    with make_core(clock, policy={"callback_due_working_days": 0}) as core:
        handled_record(core)
        cb_id = sampled(core)
        assert clocks_of(core, cb_id) == []
        assert core.satisfaction.callbacks.get_clock(OM, cb_id) is None
        assert core.satisfaction.callbacks.get(OM, cb_id).due_at == EVE


# -- late callbacks set off warnings and the breach chain -------------------------------


def test_a_late_callback_fires_the_warnings_and_the_breach_chain(
    core: ItsmCore, clock: FrozenClock, desk: RecordingNotifier
) -> None:
    handled_record(core)
    cb_id = sampled(core)
    assert core.sla.tick(SYSTEM, at=datetime(2025, 10, 8, 23, 0, tzinfo=SH)).fired == 0  # holidays
    report = core.sla.tick(SYSTEM, at=DUE + timedelta(minutes=1))
    assert (report.warnings, report.breaches) == (3, 1)
    assert [n.percent for n in desk.calls_of(*SLA_HOOKS)] == [50, 75, 90, 100, 100, 100]
    assert [n.step for n in desk.calls_of("itsm_sla_breach")] == list(BREACH_CHAIN)
    breach = desk.calls_of("itsm_sla_breach")[0]
    assert (breach.subject_kind, breach.subject_id, breach.target) == (
        "service_callback",
        cb_id,
        TargetKind.CALLBACK,
    )
    assert (breach.handler, breach.customer, breach.deadline) == ("coord-1", "acme", DUE)
    assert core.sla.tick(SYSTEM, at=DUE + H).fired == 0  # each level once
    # the late callback is made: the clock stops, missed
    clock.set(DUE + 2 * H)
    core.satisfaction.callbacks.record_outcome(COORD, cb_id, outcome="solved", score=4)
    stopped = only_clock(core, cb_id)
    assert stopped.state is ClockState.STOPPED
    assert stopped.breached_at == DUE


# -- recording or cancelling stops the clock --------------------------------------------


@pytest.mark.parametrize("outcome", ["solved", "not_solved"])
def test_recording_the_callback_stops_its_clock(
    core: ItsmCore, clock: FrozenClock, desk: RecordingNotifier, outcome: str
) -> None:
    handled_record(core)
    cb_id = sampled(core)
    clock.set(datetime(2025, 10, 9, 10, 0, tzinfo=SH))
    core.satisfaction.callbacks.record_outcome(
        COORD, cb_id, outcome=outcome, reason="仍然断网" if outcome == "not_solved" else None
    )
    stopped = only_clock(core, cb_id)
    assert (stopped.state, stopped.stopped_at, stopped.breached_at) == (
        ClockState.STOPPED,
        clock.now(),
        None,
    )
    assert (
        f"callback made ({outcome})" in core.sla.history(SYSTEM, stopped.id)[-1].payload["reason"]
    )
    assert core.sla.tick(SYSTEM, at=DUE + 24 * H).breaches == 0
    assert desk.calls_of("itsm_sla_breach") == []


def test_an_unreachable_customer_leaves_the_clock_running(
    core: ItsmCore, clock: FrozenClock
) -> None:
    handled_record(core)
    cb_id = sampled(core)
    core.satisfaction.callbacks.record_outcome(
        COORD, cb_id, outcome="unreachable", reason="无人接听"
    )
    assert only_clock(core, cb_id).state is ClockState.RUNNING
    assert core.sla.tick(SYSTEM, at=DUE + H).breaches == 1


def test_cancelling_the_callback_stops_its_clock(
    core: ItsmCore, clock: FrozenClock, desk: RecordingNotifier
) -> None:
    handled_record(core)
    cb_id = sampled(core)
    core.satisfaction.callbacks.cancel(COORD, cb_id, reason="客户要求不再回访")
    stopped = only_clock(core, cb_id)
    assert stopped.state is ClockState.STOPPED
    assert "客户要求不再回访" in core.sla.history(SYSTEM, stopped.id)[-1].payload["reason"]
    assert core.sla.tick(SYSTEM, at=DUE + 24 * H).fired == 0
    assert desk.calls_of(*SLA_HOOKS) == []


# -- the return flow's second callback --------------------------------------------------


def test_the_second_callback_after_a_return_gets_its_own_clock(
    core: ItsmCore, clock: FrozenClock, desk: RecordingNotifier
) -> None:
    handled_record(core)
    first = sampled(core)
    core.satisfaction.callbacks.record_outcome(
        COORD, first, outcome="not_solved", reason="仍然断网"
    )
    assert only_clock(core, first).state is ClockState.STOPPED
    fixed = datetime(2025, 10, 9, 16, 0, tzinfo=SH)
    clock.set(fixed)
    record = core.satisfaction.service_records.resolve(ENG, "T1", resolution="换了交换机端口")
    assert record.callback_status is CallbackStatus.RECHECK_DUE
    second = record.last_callback_id
    assert second is not None and second != first
    c = only_clock(core, second)
    assert (c.state, c.started_at) == (ClockState.RUNNING, fixed)
    # one working day after the new handling; Saturday 11 October is a makeup working day
    assert (
        c.due_at
        == core.satisfaction.callbacks.get(OM, second).due_at
        == datetime(2025, 10, 10, 16, 0, tzinfo=SH)
    )
    assert c.handler == "coord-1"  # who made the first callback, not the engineer
    assert only_clock(core, first).state is ClockState.STOPPED  # one clock per callback
    core.sla.tick(SYSTEM, at=datetime(2025, 10, 10, 17, 0, tzinfo=SH))
    assert [n.subject_id for n in desk.calls_of("itsm_sla_breach")] == [second] * 3
    clock.set(datetime(2025, 10, 10, 17, 30, tzinfo=SH))
    core.satisfaction.callbacks.record_outcome(COORD, second, outcome="solved", score=5)
    assert only_clock(core, second).state is ClockState.STOPPED
    assert core.satisfaction.service_records.close(DESK, "T1").callback_status is (
        CallbackStatus.CONFIRMED
    )


# -- monthly callbacks ------------------------------------------------------------------


def test_a_key_customers_monthly_callback_runs_from_the_months_start(
    core: ItsmCore, clock: FrozenClock
) -> None:
    core.satisfaction.customers.register(RM, "acme", name="ACME", key=True)
    clock.set(datetime(2025, 9, 29, 9, 0, tzinfo=SH))  # planned before the month starts
    (monthly,) = core.satisfaction.callbacks.schedule_monthly(COORD, period="2025-10")
    c = only_clock(core, monthly.id)
    assert c.started_at == datetime(2025, 10, 1, 0, 0, tzinfo=SH)
    assert (c.service, c.customer, c.handler) == ("", "acme", "coord-1")
    # five working days after National Day: 9, 10, 11 (makeup), 13 and 14 October
    assert c.due_at == monthly.due_at == datetime(2025, 10, 14, 18, 0, tzinfo=SH)
    # made before the month began: the clock stops at its start, met
    core.satisfaction.callbacks.record_outcome(
        COORD, monthly.id, outcome="solved", score=5, respondent="zhao", service="desktop"
    )
    stopped = only_clock(core, monthly.id)
    assert (stopped.state, stopped.stopped_at) == (ClockState.STOPPED, c.started_at)
    assert stopped.breached_at is None


# -- atomicity --------------------------------------------------------------------------


class _FailingSave:
    """A unit of work whose save of one kind fails, as a lost connection would."""

    def __init__(self, inner: Any, kind: str) -> None:
        self.inner, self.kind = inner, kind

    def __enter__(self) -> _FailingSave:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.inner.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def save(self, spec: AggregateSpec[Any], entity: Any) -> None:
        if spec.kind == self.kind:
            raise RuntimeError("the connection was lost")
        self.inner.save(spec, entity)


def arm(core: ItsmCore, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    real = core.storage.unit_of_work
    monkeypatch.setattr(core.storage, "unit_of_work", lambda: _FailingSave(real(), kind))


@pytest.fixture(params=["memory", "sqlite"])
def any_core(
    request: pytest.FixtureRequest, clock: FrozenClock, tmp_path: Path
) -> Iterator[ItsmCore]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'itsm.db'}"
    with make_core(clock, storage_url=url) as c:
        yield c


@pytest.mark.parametrize("failing", [SlaClock.KIND, SERVICE_RECORD_SPEC.kind])
def test_a_failed_scheduling_leaves_neither_callback_nor_clock(
    any_core: ItsmCore, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    handled_record(any_core)
    arm(any_core, monkeypatch, failing)
    with pytest.raises(RuntimeError):
        any_core.satisfaction.callbacks.sample_daily(COORD, day="2025-09-30", rate=1.0)
    monkeypatch.undo()
    assert any_core.satisfaction.callbacks.find(OM, service_record_id="T1") == []
    assert any_core.sla.find(SYSTEM, subject_kind=SUBJECT_KIND) == []
    record = any_core.satisfaction.service_records.get(OM, "T1")
    assert record.callback_status is CallbackStatus.NONE


@pytest.mark.parametrize("failing", [SlaClock.KIND, SERVICE_RECORD_SPEC.kind])
def test_a_failed_recording_leaves_the_callback_due_and_its_clock_running(
    any_core: ItsmCore, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    handled_record(any_core)
    cb_id = sampled(any_core)
    arm(any_core, monkeypatch, failing)
    with pytest.raises(RuntimeError):
        any_core.satisfaction.callbacks.record_outcome(COORD, cb_id, outcome="solved")
    monkeypatch.undo()
    assert any_core.satisfaction.callbacks.get(OM, cb_id).state is CallbackState.DUE
    assert only_clock(any_core, cb_id).state is ClockState.RUNNING


def test_a_failed_clock_stop_leaves_the_callback_uncancelled(
    any_core: ItsmCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    handled_record(any_core)
    cb_id = sampled(any_core)
    arm(any_core, monkeypatch, SlaClock.KIND)
    with pytest.raises(RuntimeError):
        any_core.satisfaction.callbacks.cancel(COORD, cb_id, reason="客户要求")
    monkeypatch.undo()
    assert any_core.satisfaction.callbacks.get(OM, cb_id).state is CallbackState.DUE
    assert only_clock(any_core, cb_id).state is ClockState.RUNNING


def test_a_failed_callback_save_starts_no_recheck_clock(
    core: ItsmCore, monkeypatch: pytest.MonkeyPatch, clock: FrozenClock
) -> None:
    handled_record(core)
    first = sampled(core)
    core.satisfaction.callbacks.record_outcome(
        COORD, first, outcome="not_solved", reason="仍然断网"
    )
    clock.set(datetime(2025, 10, 9, 16, 0, tzinfo=SH))
    arm(core, monkeypatch, CALLBACK_SPEC.kind)
    with pytest.raises(RuntimeError):
        core.satisfaction.service_records.resolve(ENG, "T1", resolution="换了交换机端口")
    monkeypatch.undo()
    assert core.sla.find(SYSTEM, subject_kind=SUBJECT_KIND, open_only=True) == []
    assert (
        core.satisfaction.service_records.get(OM, "T1").callback_status is CallbackStatus.RETURNED
    )


# -- calendars and the service on its own -----------------------------------------------


def test_without_the_sla_service_callbacks_run_no_clock(core: ItsmCore) -> None:
    standalone = SatisfactionService(core.runtime, calendar=CN)
    assert standalone.sla is None
    handled_record(core)
    callback = standalone.callbacks.schedule(COORD, "T1")
    assert callback.due_at == DUE  # add_working_days on the calendar given
    assert standalone.callbacks.get_clock(OM, callback.id) is None
    assert core.sla.find(SYSTEM, subject_kind=SUBJECT_KIND) == []
    standalone.callbacks.record_outcome(COORD, callback.id, outcome="solved")
    assert standalone.callbacks.get(OM, callback.id).state is CallbackState.DONE


def test_which_calendar_the_clocks_run_on(clock: FrozenClock) -> None:
    # no calendar: Monday-Friday in the policy's zone, registered as "satisfaction"
    with make_core(clock, calendar=None) as core:
        assert core.calendars.names() == ["default", CALLBACK_CALENDAR]
        assert core.satisfaction.calendar is core.calendars.get(CALLBACK_CALENDAR)
        handled_record(core)
        c = only_clock(core, sampled(core))
        assert c.calendar == CALLBACK_CALENDAR
        assert c.due_at == datetime(2025, 10, 1, 15, 0, tzinfo=SH)  # no holidays on Mon-Fri
        # assigning a calendar registers it under the same name; later callbacks use it
        core.satisfaction.calendar = CN
        assert core.calendars.get(CALLBACK_CALENDAR) is CN
        handled_record(core, "T2")
        assert core.satisfaction.callbacks.schedule(COORD, "T2").due_at == DUE
    # a calendar registered as "satisfaction" is the callbacks' own
    with make_core(clock, calendar=None, calendars={CALLBACK_CALENDAR: CN}) as core:
        assert core.satisfaction.calendar is CN
    # a calendar that is not a BusinessCalendar cannot run SLA clocks
    with make_core(clock) as core:

        class Plain:
            def add(self, start: datetime, duration: timedelta, /) -> datetime:
                return start + duration

            def between(self, start: datetime, end: datetime, /) -> timedelta:
                return end - start

            def add_working_days(self, start: datetime, days: int, /) -> datetime:
                return start + timedelta(days=days)

        with pytest.raises(ValidationError, match="BusinessCalendar"):
            core.satisfaction.calendar = Plain()
        assert core.satisfaction.calendar is CN
