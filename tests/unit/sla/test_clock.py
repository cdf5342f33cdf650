"""The SLA clock: start, pause/resume, stop, change of target, reset, catching up."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from itsm_core import SYSTEM, AccessDenied, FrozenClock, InvalidTransition, ValidationError
from itsm_core.calendars import BusinessCalendar
from itsm_core.kernel.errors import CalendarDataMissing
from itsm_core.sla import CLOCK_LIFECYCLE, CLOCK_SPEC, ClockAction, ClockState, SlaClock, Target
from itsm_core.sla.model import level_amount

from .clock_support import (
    CN,
    DESK,
    ENGINEER,
    MANAGER,
    MON,
    SH,
    H,
    Notifier,
    lookup,
    make_core,
    target,
)


def start(at: datetime = MON + H, tgt: Target | None = None, **kw: object) -> SlaClock:
    return SlaClock.start(
        clock_id="c1",
        subject_kind="ticket",
        subject_id="T-1",
        target=tgt or target(4),
        calendars=lookup,
        actor=DESK,
        at=at,
        **kw,  # type: ignore[arg-type]
    )


def names(clock: SlaClock) -> list[str]:
    return [e.name.removeprefix("sla_clock.") for e in clock.pending_events]


# --------------------------------------------------------------------------- the table


def test_lifecycle_table() -> None:
    assert CLOCK_LIFECYCLE.terminal == {ClockState.STOPPED}
    assert CLOCK_LIFECYCLE.allowed(ClockState.PAUSED) >= {"resume", "stop", "reset"}
    assert "pause" not in CLOCK_LIFECYCLE.allowed(ClockState.PAUSED)
    assert CLOCK_LIFECYCLE.targets(ClockState.PAUSED, "reset") is ClockState.RUNNING
    assert ClockState.PAUSED.zh == "已暂停"
    assert ClockAction.RESET.en == "reset"


# --------------------------------------------------------------------------- start


def test_start_on_a_calendar_with_a_lunch_break() -> None:
    clock = start(MON + H)  # Monday 10:00, 4 business hours
    assert clock.state is ClockState.RUNNING
    assert clock.due_at == datetime(2025, 9, 22, 15, 30, tzinfo=SH)
    # 50 % = 2 h: due exactly at the lunch closing, not at the reopening
    assert clock.next_due_at == datetime(2025, 9, 22, 12, 0, tzinfo=SH)
    assert names(clock) == ["started"]
    event = clock.pending_events[0]
    assert event.payload["subject_id"] == "T-1"
    assert event.payload["due_at"] == clock.due_at.isoformat()
    assert clock.version == 1


def test_level_instants() -> None:
    clock = start(MON + H)
    expected = ["12:00", "14:30", "15:06", "15:30"]
    instants = [CN.add(MON + H, level_amount(clock.budget, lv)) for lv in clock.levels]
    assert [t.strftime("%H:%M") for t in instants] == expected


def test_start_refuses_bad_input() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        start(datetime(2025, 9, 22, 10))
    with pytest.raises(ValidationError, match="subject_id"):
        SlaClock.start(
            clock_id="c", subject_kind="ticket", subject_id=" ", target=target(),
            calendars=lookup, actor=DESK, at=MON,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="no calendar 'nope'"):
        start(tgt=target(calendar="nope"))


def test_working_day_target_skips_national_day() -> None:
    # the callback within one working day, handled on the last day before National Day
    handled = datetime(2025, 9, 30, 15, 0, tzinfo=SH)
    tgt = Target("", "", "callback", working_days=1, calendar="cn")
    clock = start(handled, tgt)
    assert clock.due_at == datetime(2025, 10, 9, 15, 0, tzinfo=SH)
    assert clock.budget == CN.between(handled, clock.due_at) == timedelta(hours=7.5)


# --------------------------------------------------------------------------- pause/resume


def test_paused_time_is_not_counted() -> None:
    clock = start(MON + H)
    clock.pause("waiting for the customer", calendars=lookup, actor=DESK, at=MON + 2 * H)
    assert clock.state is ClockState.PAUSED
    assert clock.due_at is None and clock.next_due_at is None  # a paused clock has no due
    tuesday_10 = datetime(2025, 9, 23, 10, 0, tzinfo=SH)
    assert clock.elapsed(tuesday_10, lookup) == H
    clock.resume(calendars=lookup, actor=DESK, at=tuesday_10)
    assert clock.due_at == datetime(2025, 9, 23, 14, 30, tzinfo=SH)
    assert clock.next_due_at == datetime(2025, 9, 23, 11, 0, tzinfo=SH)  # 2 h: 1 h left
    resumed = clock.pending_events[-1]
    assert resumed.name == "sla_clock.resumed"
    # Mon 11-12, 13:30-18, Tue 9-10: 6.5 business hours paused, in business time
    assert resumed.payload["paused_us"] == 6.5 * 3600 * 1_000_000
    replay = clock.replay(tuesday_10 + H, lookup)
    assert replay.elapsed == 2 * H and replay.paused == timedelta(hours=6.5)


def test_pause_needs_a_reason_and_a_running_clock() -> None:
    clock = start()
    with pytest.raises(ValidationError, match="reason"):
        clock.pause("  ", calendars=lookup, actor=DESK, at=MON + 2 * H)
    with pytest.raises(InvalidTransition, match="'resume' is not allowed in state 'running'"):
        clock.resume(calendars=lookup, actor=DESK, at=MON + 2 * H)
    clock.pause("waiting", calendars=lookup, actor=DESK, at=MON + 2 * H)
    with pytest.raises(InvalidTransition, match="allowed in 'paused'"):
        clock.pause("again", calendars=lookup, actor=DESK, at=MON + 3 * H)


def test_the_log_only_runs_forwards() -> None:
    clock = start(MON + 2 * H)
    with pytest.raises(ValidationError, match="only runs forwards"):
        clock.pause("x", calendars=lookup, actor=DESK, at=MON + H)
    assert clock.state is ClockState.RUNNING and len(clock.log) == 1


# --------------------------------------------------------------------------- stop


def test_stop_met() -> None:
    clock = start()
    clock.stop("resolved", calendars=lookup, actor=ENGINEER, at=MON + 2 * H)
    assert clock.state is ClockState.STOPPED and clock.met is True
    assert clock.next_due_at is None
    assert names(clock) == ["started", "stopped"]
    assert clock.pending_events[-1].payload["met"] is True
    with pytest.raises(InvalidTransition, match="terminal"):
        clock.stop(calendars=lookup, actor=ENGINEER, at=MON + 3 * H)


def test_stop_catches_up_on_levels_no_tick_has_fired() -> None:
    clock = start(MON + H)  # due 15:30
    evening = datetime(2025, 9, 22, 17, 0, tzinfo=SH)
    clock.stop(calendars=lookup, actor=ENGINEER, at=evening)
    assert names(clock) == ["started", "warning", "warning", "warning", "breached", "stopped"]
    assert clock.met is False
    assert clock.breached_at == datetime(2025, 9, 22, 15, 30, tzinfo=SH)
    stopped = clock.pending_events[-1].payload
    assert stopped["lateness_us"] == 1.5 * 3600 * 1_000_000
    warnings = [e.payload["due_at"] for e in clock.pending_events if e.name.endswith("warning")]
    assert warnings == [
        "2025-09-22T12:00:00+08:00",
        "2025-09-22T14:30:00+08:00",
        "2025-09-22T15:06:00+08:00",
    ]


def test_a_breached_clock_keeps_running_so_lateness_is_measured() -> None:
    clock = start(MON + H)
    late = datetime(2025, 9, 23, 10, 0, tzinfo=SH)
    assert clock.fire_due(late, calendars=lookup, actor=SYSTEM) == 4
    assert clock.state is ClockState.RUNNING and clock.breached
    assert clock.next_due_at is None and clock.due_at == clock.breached_at
    status = clock.status(late, lookup)
    assert status.lateness == timedelta(hours=3.5)  # 15:30-18:00 and 09:00-10:00
    assert status.remaining == -timedelta(hours=3.5) and status.fraction > 1


# --------------------------------------------------------------------------- change of target


def test_priority_change_carries_elapsed_time_over() -> None:
    clock = start(MON + H, target(16, priority="P3"))
    at = MON + 3 * H  # 12:00: 2 h elapsed
    clock.change_target(target(4, priority="P1"), "P3 → P1", calendars=lookup, actor=DESK, at=at)
    assert clock.priority == "P1" and clock.budget == 4 * H
    assert clock.elapsed(at, lookup) == 2 * H
    # 50 % of 4 h = 2 h is reached already: it fires at the change
    assert clock.fired == (0.5,)
    assert names(clock)[-2:] == ["target_changed", "warning"]
    assert clock.pending_events[-1].payload["due_at"] == at.isoformat()
    assert clock.due_at == datetime(2025, 9, 22, 15, 30, tzinfo=SH)
    changed = clock.pending_events[-2].payload
    assert changed["from"]["priority"] == "P3" and changed["elapsed_us"] == 2 * 3600e6


def test_a_larger_target_rearms_warnings_and_clears_the_breach() -> None:
    clock = start(MON + H, target(2, priority="P1"))  # due 13:30 (12:00 + lunch)
    clock.fire_due(datetime(2025, 9, 22, 14, 0, tzinfo=SH), calendars=lookup, actor=SYSTEM)
    assert clock.breached
    at = datetime(2025, 9, 22, 14, 0, tzinfo=SH)  # 2.5 h elapsed
    clock.change_target(target(8, priority="P3"), calendars=lookup, actor=DESK, at=at)
    assert not clock.breached and clock.fired == ()
    assert clock.pending_events[-1].payload["breach_cleared"] is True
    assert clock.next_due_at == datetime(2025, 9, 22, 15, 30, tzinfo=SH)  # 4 h of 8 h


def test_change_target_while_paused_and_to_another_calendar() -> None:
    clock = start(MON + H)
    clock.pause("waiting", calendars=lookup, actor=DESK, at=MON + 2 * H)
    clock.change_target(target(4, calendar="default"), calendars=lookup, actor=DESK, at=MON + 5 * H)
    assert clock.state is ClockState.PAUSED and clock.calendar == "default"
    saturday = datetime(2025, 9, 27, 10, 0, tzinfo=SH)
    clock.resume(calendars=lookup, actor=DESK, at=saturday)
    # 1 h counted on the CN calendar, then 24×7 from Saturday 10:00
    assert clock.due_at == saturday + 3 * H
    assert clock.replay(saturday + H, lookup).elapsed == 2 * H


def test_change_target_refuses_another_kind_of_promise() -> None:
    clock = start()
    with pytest.raises(ValidationError, match="needs its own clock"):
        clock.change_target(target(kind="response"), calendars=lookup, actor=DESK, at=MON + 2 * H)


# --------------------------------------------------------------------------- reset


def test_reset_needs_a_reason_and_is_recorded() -> None:
    clock = start(MON + H)
    with pytest.raises(ValidationError, match="reason"):
        clock.reset("", calendars=lookup, actor=MANAGER, at=MON + 4 * H)
    clock.pause("waiting", calendars=lookup, actor=DESK, at=datetime(2025, 9, 22, 16, tzinfo=SH))
    tuesday = datetime(2025, 9, 23, 9, 0, tzinfo=SH)
    clock.reset("wrongly classified", calendars=lookup, actor=MANAGER, at=tuesday)
    assert clock.state is ClockState.RUNNING and clock.resets == 1
    assert clock.fired == () and not clock.breached
    assert clock.elapsed(tuesday + H, lookup) == H
    assert clock.due_at == datetime(2025, 9, 23, 14, 30, tzinfo=SH)
    reset = clock.pending_events[-1]
    assert reset.name == "sla_clock.reset"
    assert reset.payload["reason"] == "wrongly classified"
    assert reset.payload["previous_breached_at"] is not None  # breached at 15:30 before
    assert [e.action for e in clock.log][-1] is ClockAction.RESET
    # the levels that came due before the reset fired before it
    assert names(clock).count("breached") == 1


# --------------------------------------------------------------------------- atomicity


def test_a_refused_computation_changes_nothing() -> None:
    clock = start(datetime(2026, 12, 28, 9, 0, tzinfo=SH))
    before = CLOCK_SPEC.to_record(clock)
    events = len(clock.pending_events)
    with pytest.raises(CalendarDataMissing):
        clock.stop(calendars=lookup, actor=DESK, at=datetime(2027, 1, 5, tzinfo=SH))
    assert CLOCK_SPEC.to_record(clock) == before and len(clock.pending_events) == events


# --------------------------------------------------------------------------- official data


def test_a_deadline_past_official_data_raises_clearly() -> None:
    late_december = datetime(2026, 12, 30, 9, 0, tzinfo=SH)
    with pytest.raises(CalendarDataMissing, match="2027") as info:
        start(late_december, target(40))
    assert info.value.year == 2027


def test_unofficial_years_allowed_go_on_with_a_warning_on_the_clock() -> None:
    lenient = CN.replace(allow_unofficial_years=True)
    calendars = {"cn": lenient}
    late_december = datetime(2026, 12, 30, 9, 0, tzinfo=SH)
    clock = SlaClock.start(
        clock_id="c", subject_kind="ticket", subject_id="T", target=target(40),
        calendars=calendars.__getitem__, actor=DESK, at=late_december,
    )  # fmt: skip
    assert clock.unofficial_years == (2027,)
    assert names(clock) == ["started", "calendar_warning"]
    warning = clock.pending_events[-1].payload
    assert warning["years"] == (2027,) and "2027" in warning["message"]
    assert "调休" in warning["message_zh"] or "2027" in warning["message_zh"]
    # a later computation on the same year does not warn again
    clock.pause("x", calendars=calendars.__getitem__, actor=DESK, at=late_december + H)
    assert names(clock)[-1] == "paused"


# --------------------------------------------------------------------------- storage


def test_record_round_trip() -> None:
    clock = start(MON + H)
    clock.pause("waiting", calendars=lookup, actor=DESK, at=MON + 2 * H)
    clock.resume(calendars=lookup, actor=DESK, at=MON + 5 * H)
    clock.fire_due(MON + 6 * H, calendars=lookup, actor=SYSTEM)
    assert clock.fired == (0.5,)
    record = CLOCK_SPEC.to_record(clock)
    again = CLOCK_SPEC.from_record(record)
    assert CLOCK_SPEC.to_record(again) == record
    assert again.replay(MON + 6 * H, lookup) == clock.replay(MON + 6 * H, lookup)
    values = CLOCK_SPEC.index_values(clock)
    assert values["state"] == "running" and values["breached"] is False


def test_level_amount() -> None:
    assert level_amount(4 * H, 0.5) == 2 * H
    assert level_amount(4 * H, 1.0) == 4 * H
    assert level_amount(timedelta(microseconds=1), 0.1) == timedelta(microseconds=1)


# --------------------------------------------------------------------------- the service


def test_service_commands_and_roles() -> None:
    clock = FrozenClock(MON + H)
    core = make_core(clock)
    c = core.sla.start(DESK, subject_kind="ticket", subject_id="T-9", target=target(4))
    with pytest.raises(ValidationError, match="already has an open 'resolution' clock"):
        core.sla.start(DESK, subject_kind="ticket", subject_id="T-9", target=target(8))
    clock.advance(hours=1)
    core.sla.pause(ENGINEER, c.id, reason="waiting for spare part")
    clock.advance(hours=2)
    core.sla.resume(ENGINEER, c.id)
    with pytest.raises(AccessDenied, match="reset an SLA clock"):
        core.sla.reset(ENGINEER, c.id, reason="mine")
    core.sla.reset(MANAGER, c.id, reason="re-logged")
    status = core.sla.status(SYSTEM, c.id)
    assert status.elapsed == timedelta(0) and status.state is ClockState.RUNNING
    core.sla.stop(ENGINEER, c.id, reason="fixed")
    assert core.sla.get(SYSTEM, c.id).met is True
    history = [e.name for e in core.sla.history(SYSTEM, c.id)]
    assert history == [
        "sla_clock.started",
        "sla_clock.paused",
        "sla_clock.resumed",
        "sla_clock.reset",
        "sla_clock.stopped",
    ]
    # a stopped clock no longer blocks a new one for the same promise
    core.sla.start(DESK, subject_kind="ticket", subject_id="T-9", target=target(8))
    assert len(core.sla.find(SYSTEM, subject_id="T-9")) == 2
    assert len(core.sla.find(SYSTEM, subject_id="T-9", open_only=True)) == 1


def test_service_start_from_an_agreement_and_change_priority() -> None:
    clock = FrozenClock(MON + H)
    core = make_core(clock)
    agreement = core.sla.define_agreement(
        MANAGER.__class__("om", ["operations_manager"]),
        name="ACME SLA",
        kind="sla",
        counterparty="ACME",
        targets=[target(16, priority="P3"), target(4, priority="P1")],
    )
    c = core.sla.start(
        DESK,
        subject_kind="ticket",
        subject_id="T-1",
        target="resolution",
        agreement_id=agreement.id,
        service="desktop",
        priority="P3",
        handler="eng-1",
        customer="ACME",
    )
    assert c.agreement_id == agreement.id and c.budget == 16 * H
    clock.advance(hours=2)  # 12:00, 2 h elapsed
    c = core.sla.change_priority(DESK, c.id, priority="P1")
    assert c.budget == 4 * H and c.fired == (0.5,)
    assert core.sla.status(SYSTEM, c.id).elapsed == 2 * H
    with pytest.raises(ValidationError, match="its priorities there: P1, P3"):
        core.sla.change_priority(DESK, c.id, priority="P9")
    with pytest.raises(ValidationError, match="give agreement_id, service and priority"):
        core.sla.start(DESK, subject_kind="ticket", subject_id="T-2", target="resolution")
    adhoc = core.sla.start(DESK, subject_kind="ticket", subject_id="T-3", target=target())
    with pytest.raises(ValidationError, match="ad-hoc target"):
        core.sla.change_priority(DESK, adhoc.id, priority="P1")
    notifier_free = core.sla.find(SYSTEM, handler="eng-1")
    assert [x.id for x in notifier_free] == [c.id]


def test_unknown_calendar_names_the_registered_ones() -> None:
    core = make_core(FrozenClock(MON))
    with pytest.raises(ValidationError, match="registered: cn, default"):
        core.sla.start(DESK, subject_kind="t", subject_id="1", target=target(calendar="tokyo"))
    with pytest.raises(ValidationError, match="BusinessCalendar"):
        core.calendars.register("x", object())  # type: ignore[arg-type]
    core.calendars.register("tokyo", BusinessCalendar.from_country("JP", timezone="Asia/Tokyo"))
    assert "tokyo" in core.calendars.names()


def test_events_reach_itsm_on_event_notifiers() -> None:
    notifier = Notifier()
    clock = FrozenClock(MON + H)
    core = make_core(clock, notifier)
    c = core.sla.start(DESK, subject_kind="ticket", subject_id="T-1", target=target(4))
    clock.advance(hours=8)
    core.sla.stop(ENGINEER, c.id)
    assert notifier.sla_events() == [
        "sla_clock.started",
        "sla_clock.warning",
        "sla_clock.warning",
        "sla_clock.warning",
        "sla_clock.breached",
        "sla_clock.stopped",
    ]
    assert [w.percent for w in notifier.warnings] == [50, 75, 90]


def test_levels_fired_by_a_change_carry_the_new_deadline() -> None:
    clock = start(MON + H, target(16, priority="P3"))
    clock.change_target(target(4, priority="P1"), calendars=lookup, actor=DESK, at=MON + 3 * H)
    warning = clock.pending_events[-1]
    assert warning.name == "sla_clock.warning"
    assert warning.payload["deadline"] == datetime(2025, 9, 22, 15, 30, tzinfo=SH).isoformat()


# --------------------------------------------------------------------------- edge cases

US = timedelta(microseconds=1)


def test_a_level_fires_at_its_exact_instant_not_a_microsecond_before() -> None:
    clock = start(MON + H)  # 50 % at 12:00
    noon = datetime(2025, 9, 22, 12, 0, tzinfo=SH)
    assert clock.next_due_at == noon
    assert clock.fire_due(noon - US, calendars=lookup, actor=SYSTEM) == 0
    assert clock.fire_due(noon, calendars=lookup, actor=SYSTEM) == 1
    assert clock.fired == (0.5,) and clock.pending_events[-1].payload["due_at"] == noon.isoformat()
    assert clock.fire_due(noon, calendars=lookup, actor=SYSTEM) == 0  # and only once


def test_a_pause_during_the_breach_keeps_the_mark_and_stops_the_lateness() -> None:
    clock = start(MON + H)  # due 15:30
    clock.pause("waiting for the customer", calendars=lookup, actor=DESK, at=MON + 8 * H)
    assert names(clock)[-2:] == ["breached", "paused"]  # caught up before the pause
    assert clock.breached_at == datetime(2025, 9, 22, 15, 30, tzinfo=SH)
    assert clock.due_at is None and clock.next_due_at is None
    tuesday = datetime(2025, 9, 23, 11, 0, tzinfo=SH)
    assert clock.status(tuesday, lookup).lateness == 1.5 * H  # 15:30-17:00, then paused
    clock.resume(calendars=lookup, actor=DESK, at=tuesday)
    assert clock.breached_at == datetime(2025, 9, 22, 15, 30, tzinfo=SH)  # not moved
    assert clock.due_at == clock.breached_at and clock.next_due_at is None
    assert clock.status(tuesday + H, lookup).lateness == 2.5 * H
    assert clock.fire_due(tuesday + 5 * H, calendars=lookup, actor=SYSTEM) == 0
    assert names(clock).count("breached") == 1


def test_resuming_after_the_year_of_the_last_official_data() -> None:
    december = datetime(2026, 12, 30, 10, 0, tzinfo=SH)
    january = datetime(2027, 1, 4, 10, 0, tzinfo=SH)
    clock = start(december, target(2))
    clock.pause("waiting", calendars=lookup, actor=DESK, at=december + H)
    before = CLOCK_SPEC.to_record(clock)
    with pytest.raises(CalendarDataMissing, match="2027") as caught:
        clock.resume(calendars=lookup, actor=DESK, at=january)
    assert caught.value.year == 2027
    assert CLOCK_SPEC.to_record(clock) == before  # refused: nothing changed
    lenient = {"cn": CN.replace(allow_unofficial_years=True)}.__getitem__
    clock.resume(calendars=lenient, actor=DESK, at=january)
    assert clock.state is ClockState.RUNNING and clock.unofficial_years == (2027,)
    assert names(clock)[-2:] == ["resumed", "calendar_warning"]
    assert clock.due_at == january + H  # 1 h counted in 2026, 1 h left
    assert clock.replay(january + H, lenient).paused == CN.replace(
        allow_unofficial_years=True
    ).between(december + H, january)


def test_a_smaller_target_that_is_already_missed_breaches_at_the_change() -> None:
    clock = start(MON + H, target(16, priority="P3"))
    at = datetime(2025, 9, 22, 16, 0, tzinfo=SH)  # 4.5 h elapsed
    clock.change_target(target(2, priority="P1"), calendars=lookup, actor=DESK, at=at)
    assert names(clock)[-5:] == ["target_changed", "warning", "warning", "warning", "breached"]
    assert clock.breached_at == at and clock.due_at == at and clock.next_due_at is None
    breach = clock.pending_events[-1].payload
    assert breach["due_at"] == breach["deadline"] == at.isoformat()
    assert clock.status(at + H, lookup).lateness == 3.5 * H  # 4.5 h + 1 h against 2 h
    clock.stop(calendars=lookup, actor=DESK, at=at + H)
    assert clock.met is False
    with pytest.raises(InvalidTransition, match="terminal"):
        clock.stop(calendars=lookup, actor=DESK, at=at + 2 * H)


def test_a_plain_mapping_lookup_gets_typed_errors() -> None:
    calendars = {"cn": CN}

    def start_on(calendars: object, tgt: Target | None = None, clock_id: str = "c1") -> SlaClock:
        return SlaClock.start(
            clock_id=clock_id, subject_kind="ticket", subject_id="T-1", target=tgt or target(),
            calendars=calendars, actor=DESK, at=MON + H,  # type: ignore[arg-type]
        )  # fmt: skip

    with pytest.raises(ValidationError, match="no business calendar named 'mars'") as caught:
        start_on(calendars.__getitem__, target(calendar="mars"))
    assert caught.value.field == "calendar"
    with pytest.raises(ValidationError, match="gave int for 'cn', not a BusinessCalendar"):
        start_on(lambda name: 5)
    with pytest.raises(ValidationError, match="calendars must be a function") as caught:
        start_on(calendars)
    assert caught.value.field == "calendars"
    with pytest.raises(ValidationError, match="clock_id must be a non-empty string"):
        start_on(lookup, clock_id=" ")
    clock = start_on(calendars.__getitem__)
    before = CLOCK_SPEC.to_record(clock)
    with pytest.raises(ValidationError, match="no business calendar named 'cn'"):
        clock.pause("x", calendars={}.__getitem__, actor=DESK, at=MON + 2 * H)
    with pytest.raises(ValidationError, match="no business calendar named 'cn'"):
        clock.elapsed(MON + 2 * H, {}.__getitem__)
    assert CLOCK_SPEC.to_record(clock) == before
