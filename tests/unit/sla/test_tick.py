"""The tick: every warning and breach that came due fires exactly once, at a cost that
follows what is due; the breach chain reaches plug-ins as distinct notifications."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from itsm_core import SYSTEM, FrozenClock, ItsmCore
from itsm_core.calendars import BusinessCalendar, CalendarRegistry
from itsm_core.kernel.errors import ConflictError, ValidationError
from itsm_core.sla import (
    BREACH_CHAIN,
    CLOCK_SPEC,
    ClockKeeper,
    EscalationStep,
    NotificationLevel,
    SlaService,
)
from itsm_core.sla import tick as sla_tick
from itsm_core.storage.memory import MemoryUnitOfWork

from .clock_support import CN, DESK, ENGINEER, MANAGER, MON, SH, H, Notifier, make_core, target

MONDAY_10 = MON + H  # a 4 h target from here: 12:00, 14:30, 15:06, due 15:30


def _setup(*plugins: object) -> tuple[FrozenClock, ItsmCore]:
    clock = FrozenClock(MONDAY_10)
    return clock, make_core(clock, *plugins)


def _start(core: ItsmCore, subject: str = "T-1", hours: float = 4, **kw: Any) -> str:
    return core.sla.start(
        DESK,
        subject_kind="ticket",
        subject_id=subject,
        target=target(hours, **kw),
        handler="eng-1",
        customer="ACME",
    ).id


def test_each_level_fires_once_in_order() -> None:
    notifier = Notifier()
    clock, core = _setup(notifier)
    clock_id = _start(core)
    assert core.sla.tick(SYSTEM).fired == 0
    clock.set(datetime(2025, 9, 22, 12, 0, tzinfo=SH))
    report = core.sla.tick(SYSTEM)
    assert (report.warnings, report.breaches, report.clocks) == (1, 0, 1)
    assert core.sla.tick(SYSTEM).fired == 0  # twice: nothing more
    clock.set(datetime(2025, 9, 23, 9, 0, tzinfo=SH))  # late: three levels at once
    report = core.sla.tick(SYSTEM)
    assert (report.warnings, report.breaches) == (2, 1)
    assert [e.payload["percent"] for e in report.events] == [75, 90, 100]
    assert core.sla.tick(SYSTEM).fired == 0
    assert [n.percent for n in notifier.warnings] == [50, 75, 90]
    assert [n.due_at.strftime("%H:%M") for n in notifier.warnings] == ["12:00", "14:30", "15:06"]
    assert all(n.step is EscalationStep.SERVICE_DESK for n in notifier.warnings)
    assert all(n.level is NotificationLevel.WARNING for n in notifier.warnings)
    stored = core.sla.get(SYSTEM, clock_id)
    assert stored.breached_at == datetime(2025, 9, 22, 15, 30, tzinfo=SH)
    assert stored.next_due_at is None and stored.state.value == "running"


def test_the_breach_chain_is_three_distinct_notifications() -> None:
    notifier = Notifier()
    clock, core = _setup(notifier)
    clock_id = _start(core)
    clock.set(datetime(2025, 9, 22, 16, 0, tzinfo=SH))
    core.sla.tick(SYSTEM)
    assert notifier.steps() == list(BREACH_CHAIN)
    assert [s.value for s in BREACH_CHAIN] == ["service_desk", "superior", "customer"]
    assert EscalationStep.SUPERIOR.zh == "升级至处理人上级"
    keys = {n.key for n in notifier.breaches}
    assert len(keys) == 3
    first = notifier.breaches[0]
    assert first.level is NotificationLevel.BREACH and first.threshold == 1.0
    assert (first.clock_id, first.subject_id, first.handler, first.customer) == (
        clock_id,
        "T-1",
        "eng-1",
        "ACME",
    )
    assert first.budget == 4 * H and first.deadline == first.due_at
    assert "T-1" in first.message("zh") and "超时" in first.message("zh")
    assert "superior" in notifier.breaches[1].message("en")
    assert "75%" in notifier.warnings[1].message("en")
    assert "预警" in notifier.warnings[0].message()


def test_a_failing_step_is_retried_alone_and_never_undoes_the_breach() -> None:
    notifier = Notifier(
        fail_when=lambda call: (
            call.hook == "itsm_sla_breach" and call.value.step is EscalationStep.SUPERIOR
        )
    )
    clock, core = _setup(notifier)
    clock_id = _start(core)
    clock.set(datetime(2025, 9, 22, 16, 0, tzinfo=SH))
    report = core.sla.tick(SYSTEM)
    assert report.breaches == 1
    assert core.sla.get(SYSTEM, clock_id).breached  # committed despite the failure
    assert notifier.steps() == [EscalationStep.SERVICE_DESK, EscalationStep.CUSTOMER]
    notifier.fail_when = None
    assert core.relay().delivered == 0  # the retry waits for its backoff
    clock.advance(minutes=5)
    core.relay()
    assert notifier.steps() == [
        EscalationStep.SERVICE_DESK,
        EscalationStep.CUSTOMER,
        EscalationStep.SUPERIOR,
    ]
    tried = [c.value.step for c in notifier.attempts if c.hook == "itsm_sla_breach"]
    assert tried.count(EscalationStep.SERVICE_DESK) == 1  # not repeated
    assert core.sla.tick(SYSTEM).fired == 0


def test_after_a_restart_nothing_fires_twice() -> None:
    notifier = Notifier()
    clock, core = _setup(notifier)
    _start(core)
    clock.set(datetime(2025, 9, 22, 14, 30, tzinfo=SH))
    assert core.sla.tick(SYSTEM).warnings == 2
    restarted = SlaService(core.runtime, ClockKeeper(core.calendars))  # state is in the store
    assert restarted.tick(SYSTEM).fired == 0
    clock.set(datetime(2025, 9, 22, 15, 30, tzinfo=SH))
    report = restarted.tick(SYSTEM)
    assert (report.warnings, report.breaches) == (1, 1)
    assert [n.percent for n in notifier.warnings] == [50, 75, 90]


def test_the_cost_follows_what_is_due(monkeypatch: pytest.MonkeyPatch) -> None:
    clock, core = _setup()
    for i in range(60):
        _start(core, f"slow-{i}", hours=400)
    due = [_start(core, f"fast-{i}", hours=1) for i in range(3)]
    loaded: list[str] = []
    original = CLOCK_SPEC.from_record

    def counting(record: Any) -> Any:
        loaded.append(record["subject_id"])
        return original(record)

    monkeypatch.setattr(sla_tick, "CLOCK_SPEC", attrs.evolve(CLOCK_SPEC, from_record=counting))
    clock.set(datetime(2025, 9, 22, 11, 0, tzinfo=SH))
    report = core.sla.tick(SYSTEM)
    assert report.clocks == 3 and report.warnings == 9 and report.breaches == 3
    assert sorted(loaded) == ["fast-0", "fast-1", "fast-2"]
    assert {e.aggregate_id for e in report.events} == set(due)


def test_due_clocks_are_taken_in_batches_oldest_first() -> None:
    clock, core = _setup()
    ids = [_start(core, f"T-{i}", hours=1 + i / 100) for i in range(25)]
    clock.set(datetime(2025, 9, 23, 9, 0, tzinfo=SH))
    report = core.sla.tick(SYSTEM, batch_size=10)
    assert report.clocks == 25 and report.breaches == 25
    breached = [e.aggregate_id for e in report.events if e.name == "sla_clock.breached"]
    assert breached == ids  # by next_due_at
    assert core.sla.tick(SYSTEM, batch_size=10).clocks == 0


def test_paused_and_stopped_clocks_are_not_due() -> None:
    clock, core = _setup()
    paused = _start(core, "P")
    stopped = _start(core, "S")
    core.sla.pause(ENGINEER, paused, reason="waiting for the customer")
    core.sla.stop(ENGINEER, stopped)
    clock.set(datetime(2025, 9, 25, 9, 0, tzinfo=SH))
    assert core.sla.tick(SYSTEM).clocks == 0
    clock.advance(hours=1)
    core.sla.resume(ENGINEER, paused)
    clock.advance(hours=2)
    assert core.sla.tick(SYSTEM).warnings == 1  # 2 h counted since the resume


def test_a_conflicting_batch_is_left_to_the_next_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    clock, core = _setup()
    _start(core)
    clock.set(datetime(2025, 9, 22, 16, 0, tzinfo=SH))
    real_commit = MemoryUnitOfWork.commit
    calls = {"n": 0}

    def flaky(self: MemoryUnitOfWork) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConflictError("changed meanwhile")
        return real_commit(self)

    monkeypatch.setattr(MemoryUnitOfWork, "commit", flaky)
    report = core.sla.tick(SYSTEM)
    assert report.conflicts == 1 and report.fired == 0
    report = core.sla.tick(SYSTEM)
    assert report.breaches == 1 and report.warnings == 3


def test_a_calendar_problem_takes_the_clock_out_until_recalculated() -> None:
    clock, core = _setup()
    clock_id = _start(core, hours=4)
    # the provider replaces the calendar with one whose data ends before the due year
    core.calendars.register("cn", BusinessCalendar.china(official_until=2024))
    clock.set(datetime(2025, 9, 22, 16, 0, tzinfo=SH))
    report = core.sla.tick(SYSTEM)
    assert len(report.failures) == 1 and "2025" in report.failures[0].error
    stored = core.sla.get(SYSTEM, clock_id)
    assert stored.calendar_problem and stored.next_due_at is None
    assert [e.name for e in core.sla.history(SYSTEM, clock_id)][-1] == "sla_clock.calendar_problem"
    assert core.sla.tick(SYSTEM).failures == ()  # out of the queue: no busy loop
    core.calendars.register("cn", CN)
    core.sla.recalculate(MANAGER, clock_id)
    stored = core.sla.get(SYSTEM, clock_id)
    assert stored.calendar_problem is None and stored.breached  # caught up at once


def _year_end_clock(notifier: Notifier) -> tuple[FrozenClock, ItsmCore, str]:
    """A 4 h clock from Monday 28 December 2026 10:00; the provider then closes the
    afternoon and the rest of the year, so its later levels fall in 2027 (no data)."""
    clock = FrozenClock(datetime(2026, 12, 28, 10, 0, tzinfo=SH))
    core = make_core(clock, notifier)
    clock_id = _start(core)
    assert core.sla.get(SYSTEM, clock_id).next_due_at == datetime(2026, 12, 28, 12, 0, tzinfo=SH)
    closed = CN.with_date_hours("2026-12-28", ["09:00-12:00"]).with_extra_holidays(
        "2026-12-29", "2026-12-30", "2026-12-31"
    )
    core.calendars.register("cn", closed)
    return clock, core, clock_id


def test_levels_due_before_a_calendar_problem_still_fire() -> None:
    notifier = Notifier()
    clock, core, clock_id = _year_end_clock(notifier)
    clock.set(datetime(2026, 12, 28, 12, 30, tzinfo=SH))
    report = core.sla.tick(SYSTEM)
    assert len(report.failures) == 1 and "2027" in report.failures[0].error
    assert report.warnings == 1  # the 50 % warning came due at 12:00, before the problem
    stored = core.sla.get(SYSTEM, clock_id)
    assert stored.fired == (0.5,) and stored.calendar_problem and stored.next_due_at is None
    names = [e.name for e in core.sla.history(SYSTEM, clock_id)]
    assert names[-2:] == ["sla_clock.warning", "sla_clock.calendar_problem"]
    assert [n.percent for n in notifier.warnings] == [50]
    assert core.sla.tick(SYSTEM).fired == 0  # out of the queue; nothing fires twice


def test_a_later_command_puts_a_suspended_clock_back_in_the_queue() -> None:
    notifier = Notifier()
    clock, core, clock_id = _year_end_clock(notifier)
    clock.set(datetime(2026, 12, 28, 12, 30, tzinfo=SH))
    assert len(core.sla.tick(SYSTEM).failures) == 1
    # 2027 is published; the desk pauses and resumes the clock without recalculating
    published = core.calendars.get("cn").with_official_year(2027, holidays=["2027-01-01"])
    core.calendars.register("cn", published)
    core.sla.pause(DESK, clock_id, reason="waiting for the customer")
    resumed = core.sla.resume(DESK, clock_id)
    assert resumed.calendar_problem is None
    assert resumed.due_at == datetime(2027, 1, 4, 11, 0, tzinfo=SH)
    assert resumed.next_due_at == datetime(2027, 1, 4, 10, 0, tzinfo=SH)  # 75 %
    clock.set(datetime(2027, 1, 4, 12, 0, tzinfo=SH))
    report = core.sla.tick(SYSTEM)
    assert (report.warnings, report.breaches) == (2, 1)
    assert core.sla.get(SYSTEM, clock_id).breached_at == datetime(2027, 1, 4, 11, 0, tzinfo=SH)


def test_recalculate_moves_due_instants_when_a_calendar_changes() -> None:
    _clock, core = _setup()
    clock_id = _start(core, hours=8)
    assert core.sla.get(SYSTEM, clock_id).due_at == datetime(2025, 9, 23, 10, 30, tzinfo=SH)
    # the provider closes Tuesday 23 September (e.g. an office move)
    core.calendars.register("cn", CN.with_extra_holidays("2025-09-23"))
    assert core.sla.recalculate_calendar(MANAGER, "cn") == 1
    stored = core.sla.get(SYSTEM, clock_id)
    assert stored.due_at == datetime(2025, 9, 24, 10, 30, tzinfo=SH)
    assert [e.name for e in core.sla.history(SYSTEM, clock_id)][-1] == "sla_clock.recalculated"


def test_tick_defaults_to_the_runtime_clock_and_needs_aware_instants() -> None:
    clock, core = _setup()
    _start(core)
    with pytest.raises(ValueError, match="timezone-aware"):
        core.sla.tick(SYSTEM, at=datetime(2025, 9, 23, 9, 0))
    assert core.sla.tick(SYSTEM, at=datetime(2025, 9, 23, 9, 0, tzinfo=SH)).breaches == 1
    assert core.sla.tick(SYSTEM).fired == 0 and core.sla.tick(SYSTEM).at == clock.now()
    with pytest.raises(ValueError, match="batch_size"):
        SlaService(core.runtime, ClockKeeper(core.calendars), batch_size=0)


def test_tick_and_find_refuse_bad_arguments_by_name() -> None:
    clock, core = _setup()
    clock_id = _start(core)
    clock.set(datetime(2025, 9, 23, 9, 0, tzinfo=SH))
    for size in (0, -1, "10", 2.5, True):
        with pytest.raises(ValidationError, match="batch_size must be a positive int") as e:
            core.sla.tick(SYSTEM, batch_size=size)  # type: ignore[arg-type]
        assert e.value.field == "batch_size"
    assert core.sla.get(SYSTEM, clock_id).fired == ()  # a refused tick fires nothing
    assert core.sla.tick(SYSTEM, batch_size=1).breaches == 1
    with pytest.raises(ValidationError, match="breached must be True, False or None"):
        core.sla.find(SYSTEM, breached="yes")  # type: ignore[arg-type]
    for limit in (-1, "5"):
        with pytest.raises(ValidationError, match="limit must be a non-negative int") as e:
            core.sla.find(SYSTEM, limit=limit)  # type: ignore[arg-type]
        assert e.value.field == "limit"
    assert [c.id for c in core.sla.find(SYSTEM, breached=True, limit=1)] == [clock_id]
    with pytest.raises(ValidationError, match="clock_id must be a non-empty string"):
        core.sla.start(DESK, subject_kind="ticket", subject_id="T-9", target=target(), clock_id=9)  # type: ignore[arg-type]
    assert core.sla.find(SYSTEM, subject_id="T-9") == []
    with pytest.raises(ValidationError, match="calendars must map names"):
        CalendarRegistry(calendars=[CN])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"must be an itsm_core\.calendars\.CalendarRegistry"):
        ClockKeeper({"cn": CN})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"must be an itsm_core\.sla\.keeper\.ClockKeeper"):
        SlaService(core.runtime, core.calendars)  # type: ignore[arg-type]
    with (
        core.storage.unit_of_work() as uow,
        pytest.raises(ValidationError, match="subject_kind must be a string"),
    ):
        ClockKeeper(core.calendars).open_clock_in(uow, 5, "T-1", "resolution")  # type: ignore[arg-type]


def test_fire_due_on_a_stopped_clock_does_nothing() -> None:
    _clock, core = _setup()
    clock_id = _start(core)
    core.sla.stop(ENGINEER, clock_id)
    stopped = core.sla.get(SYSTEM, clock_id)
    assert (
        stopped.fire_due(MON + timedelta(days=3), calendars=core.calendars.get, actor=SYSTEM) == 0
    )


def test_itsm_sla_warning_and_itsm_sla_breach_reach_a_plugin() -> None:
    pager = Notifier()
    clock, core = _setup(pager)
    _start(core, "T-7")
    clock.set(datetime(2025, 9, 22, 15, 30, tzinfo=SH))
    core.sla.tick(SYSTEM)
    # a pager acts on the service-desk step only
    pages = [
        (c.hook.removeprefix("itsm_sla_"), c.value.subject_id, c.value.percent)
        for c in pager.calls
        if c.hook == "itsm_sla_warning"
        or (c.hook == "itsm_sla_breach" and c.value.step is EscalationStep.SERVICE_DESK)
    ]
    assert pages == [
        ("warning", "T-7", 50),
        ("warning", "T-7", 75),
        ("warning", "T-7", 90),
        ("breach", "T-7", 100),
    ]


def test_ticks_survive_a_real_restart_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/itsm.db?itsm_auto_migrate=true"
    clock = FrozenClock(MONDAY_10)
    first = make_core(clock, storage_url=url)
    clock_id = _start(first)
    clock.set(datetime(2025, 9, 22, 14, 30, tzinfo=SH))
    assert first.sla.tick(SYSTEM).warnings == 2
    first.close()
    notifier = Notifier()
    second = make_core(clock, notifier, storage_url=url)
    assert second.sla.tick(SYSTEM).fired == 0
    clock.set(datetime(2025, 9, 23, 9, 0, tzinfo=SH))
    report = second.sla.tick(SYSTEM)
    assert (report.warnings, report.breaches) == (1, 1)
    assert [n.percent for n in notifier.warnings] == [90]
    assert notifier.steps() == list(BREACH_CHAIN)
    stored = second.sla.get(SYSTEM, clock_id)
    assert stored.fired == (0.5, 0.75, 0.9, 1.0)
    assert stored.replay(clock.now(), second.calendars.get).elapsed == stored.elapsed(
        clock.now(), second.calendars.get
    )
    second.close()
