"""A complaint's promises run on SLA clocks: the improvement period and the callback.

On a mainland-China calendar (Mon-Fri 09:00-12:00, 13:30-18:00): National Day
2025 runs 1-8 October, Saturday 11 October is a makeup working day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from itsm_core import SYSTEM, FrozenClock, ItsmCore
from itsm_core.calendars import BusinessCalendar
from itsm_core.complaints import (
    COMPLAINT_SPEC,
    Complaint,
    ComplaintPolicy,
    ComplaintService,
    ComplaintState,
    Origin,
)
from itsm_core.complaints.promises import SUBJECT_KIND, promised_instant
from itsm_core.improvements import SUBJECT_KIND as ITEM_SUBJECT
from itsm_core.kernel.errors import InvalidTransition, ValidationError
from itsm_core.sla import (
    ClockKeeper,
    ClockState,
    EscalationStep,
    SlaClock,
    Target,
)
from itsm_core.storage.base import AggregateSpec
from itsm_core.testing import RecordingNotifier

from .conftest import BU, GM, OWNER, RM, SPECIALIST, TZ, at_state, item_id, item_of, stored, walk

S = ComplaintState
#: Tuesday 30 September 2025, 15:00: the last working afternoon before National Day.
EVE = datetime(2025, 9, 30, 15, 0, tzinfo=TZ)
CN = BusinessCalendar.china()
H = timedelta(hours=1)


def sla_calls(desk: RecordingNotifier) -> list[tuple[str, str, str, int, str]]:
    """The SLA warnings and breach steps the desk received, in order, in short."""
    return [
        (
            c.hook.removeprefix("itsm_sla_"),
            c.value.subject_kind,
            c.value.target.value,
            c.value.percent,
            c.value.step.value,
        )
        for c in desk.calls
        if c.hook in ("itsm_sla_warning", "itsm_sla_breach")
    ]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(EVE)


@pytest.fixture
def desk() -> RecordingNotifier:
    return RecordingNotifier()


def make_core(clock: FrozenClock, desk: RecordingNotifier, **kwargs: Any) -> ItsmCore:
    return ItsmCore(
        "memory://",
        clock=clock,
        plugins=[desk],
        load_entrypoints=False,
        calendar=CN,
        **kwargs,
    )


@pytest.fixture
def core(clock: FrozenClock, desk: RecordingNotifier) -> ItsmCore:
    return make_core(clock, desk)


def require(service: ComplaintService, complaint_id: str, **period: Any) -> Any:
    return service.require_improvement(
        SPECIALIST,
        complaint_id,
        cause="夜间二线人手不足",
        description="增加夜间值班",
        quality_indicators=[("超时率", "≤ 2%")],
        owner=OWNER.id,
        **period,
    )


def clocks(core: ItsmCore, complaint_id: str, kind: str | None = None) -> list[SlaClock]:
    """The complaint's clocks, and its improvement items' (their period's clock)."""
    found = core.sla.find(SYSTEM, subject_kind=SUBJECT_KIND, subject_id=complaint_id, target=kind)
    for item in core.improvements.find(SPECIALIST, source_ref=complaint_id):
        found += core.sla.find(SYSTEM, subject_kind=ITEM_SUBJECT, subject_id=item.id, target=kind)
    return found


def follow_up(core: ItsmCore, complaint_id: str, **kwargs: Any) -> Complaint:
    """Follow the complaint's improvement item up; return the complaint."""
    core.improvements.follow_up(SPECIALIST, item_id(core.complaints, complaint_id), **kwargs)
    return core.complaints.get(SPECIALIST, complaint_id)


def decide_item(core: ItsmCore, complaint_id: str, **kwargs: Any) -> Complaint:
    """The office decides the complaint's escalated improvement item; return the complaint."""
    core.improvements.decide(GM, item_id(core.complaints, complaint_id), **kwargs)
    return core.complaints.get(SPECIALIST, complaint_id)


def only(core: ItsmCore, complaint_id: str, kind: str) -> SlaClock:
    found = clocks(core, complaint_id, kind)
    assert len(found) == 1, found
    return found[0]


def improving(core: ItsmCore, hours: float = 16) -> str:
    """A complaint whose improvement of ``hours`` business hours was required at EVE."""
    c = at_state(core.complaints, S.RESOLVED)
    require(core.complaints, c.id, period=timedelta(hours=hours))
    return c.id


# ---------------------------------------------------------------- the improvement clock


def test_requiring_an_improvement_starts_its_clock_on_the_cn_calendar(core: ItsmCore) -> None:
    cid = improving(core)
    c = stored(core, cid)
    # 15:00-18:00 on 30 Sep (3 h); 1-8 Oct are holidays; 9 Oct (7.5 h); 5.5 h on 10 Oct
    due = datetime(2025, 10, 10, 16, 0, tzinfo=TZ)
    assert item_of(core.complaints, cid).due_at == due
    clock = only(core, cid, "improvement")
    assert (clock.state, clock.due_at, clock.budget) == (ClockState.RUNNING, due, 16 * H)
    assert (clock.calendar, clock.thresholds) == ("default", (0.5, 0.75, 0.9))
    assert (clock.service, clock.priority) == ("complaint", "general")
    assert (clock.handler, clock.customer) == (OWNER.id, c.customer)
    assert clock.started_at == EVE
    assert [e.actor_id for e in core.sla.history(SYSTEM, clock.id)] == [SPECIALIST.id]
    assert clocks(core, cid, "callback") == []


def test_warnings_and_the_breach_chain_fire_through_the_hooks(
    core: ItsmCore, clock: FrozenClock, desk: RecordingNotifier
) -> None:
    cid = improving(core)
    clock.set(datetime(2025, 10, 8, 23, 0, tzinfo=TZ))
    assert core.sla.tick(SYSTEM).fired == 0  # the holiday week does not count
    clock.set(datetime(2025, 10, 9, 15, 30, tzinfo=TZ))  # 3 h + 5 h = 50 %
    report = core.sla.tick(SYSTEM)
    assert (report.warnings, report.breaches) == (1, 0)
    assert sla_calls(desk) == [("warning", ITEM_SUBJECT, "improvement", 50, "service_desk")]
    clock.set(datetime(2025, 10, 10, 16, 0, tzinfo=TZ))
    report = core.sla.tick(SYSTEM)
    assert (report.warnings, report.breaches) == (2, 1)
    assert [c[0] for c in sla_calls(desk)] == ["warning"] * 3 + ["breach"] * 3
    assert [c[4] for c in sla_calls(desk)[3:]] == [s.value for s in EscalationStep]
    assert core.sla.tick(SYSTEM).fired == 0  # each level once
    breached = only(core, cid, "improvement")
    assert breached.breached_at == datetime(2025, 10, 10, 16, 0, tzinfo=TZ)
    assert breached.state is ClockState.RUNNING  # lateness is measured until stopped


def test_the_extension_changes_the_target_carrying_the_elapsed_time_over(
    core: ItsmCore, clock: FrozenClock
) -> None:
    cid = improving(core)
    clock.set(datetime(2025, 10, 10, 17, 0, tzinfo=TZ))  # 1 h past the due instant
    core.sla.tick(SYSTEM)
    c = follow_up(core, cid, met=False, note="培训未完成", new_period=timedelta(hours=8))
    # 17:00-18:00 Friday, then Saturday 11 Oct is a makeup working day: 09:00-12:00, 13:30-17:30
    extended = datetime(2025, 10, 11, 17, 30, tzinfo=TZ)
    assert c.state is S.IMPROVEMENT_EXTENDED
    assert item_of(core.complaints, c.id).due_at == extended
    ticking = only(core, cid, "improvement")  # the same clock carries on
    assert (ticking.budget, ticking.due_at) == (17 * H + 8 * H, extended)
    assert ticking.breached_at is None  # the promise in force is the extended period
    names = [e.name for e in core.sla.history(SYSTEM, ticking.id)]
    assert names.count("sla_clock.breached") == 1  # the first period's breach stays on record
    assert names[-1] == "sla_clock.target_changed"
    assert "培训未完成" in core.sla.history(SYSTEM, ticking.id)[-1].payload["reason"]


def test_an_extension_to_an_explicit_instant(core: ItsmCore, clock: FrozenClock) -> None:
    cid = improving(core)
    clock.set(datetime(2025, 10, 10, 9, 0, tzinfo=TZ))  # 10.5 h counted
    new_due = datetime(2025, 10, 13, 12, 0, tzinfo=TZ)  # Monday noon
    c = follow_up(core, cid, met=False, note="未完成", new_due_at=new_due)
    assert item_of(core.complaints, c.id).due_at == new_due
    ticking = only(core, cid, "improvement")
    assert ticking.due_at == new_due
    # Friday 7.5 h, Saturday (makeup day) 7.5 h, Monday 3 h
    assert ticking.budget == 10.5 * H + 18 * H


def test_met_stops_the_clock_and_nothing_fires_afterwards(
    core: ItsmCore, clock: FrozenClock, desk: RecordingNotifier
) -> None:
    cid = improving(core)
    clock.set(datetime(2025, 10, 9, 10, 0, tzinfo=TZ))
    c = follow_up(core, cid, met=True, note="按质量指标完成")
    stopped = only(core, cid, "improvement")
    assert (stopped.state, stopped.met, stopped.stopped_at) == (
        ClockState.STOPPED,
        True,
        clock.now(),
    )
    assert "按质量指标完成" in core.sla.history(SYSTEM, stopped.id)[-1].payload["reason"]
    clock.set(datetime(2025, 12, 31, 12, 0, tzinfo=TZ))
    core.sla.tick(SYSTEM)
    assert not [call for call in sla_calls(desk) if call[2] == "improvement"]
    assert c.state is S.HANDLED


def test_a_missed_period_met_late_is_recorded_as_missed(core: ItsmCore, clock: FrozenClock) -> None:
    cid = improving(core)
    clock.set(datetime(2025, 10, 10, 17, 0, tzinfo=TZ))  # no tick ran: the stop catches up
    follow_up(core, cid, met=False, note="未完成", new_period=4 * H)
    clock.set(datetime(2025, 10, 13, 10, 0, tzinfo=TZ))  # past the extended instant
    follow_up(core, cid, met=True, note="完成")
    stopped = only(core, cid, "improvement")
    assert stopped.met is False
    assert stopped.breached_at == datetime(2025, 10, 11, 12, 0, tzinfo=TZ)


def test_an_explicit_due_instant_maps_onto_its_business_time(core: ItsmCore) -> None:
    c = at_state(core.complaints, S.RESOLVED)
    saturday_evening = datetime(2025, 10, 18, 20, 0, tzinfo=TZ)  # not a working time
    c = require(core.complaints, c.id, due_at=saturday_evening)
    assert item_of(core.complaints, c.id).due_at == saturday_evening
    ticking = only(core, c.id, "improvement")
    assert ticking.budget == CN.between(EVE, saturday_evening)
    # the business time has run at the last closing before the instant
    assert ticking.due_at == datetime(2025, 10, 17, 18, 0, tzinfo=TZ)


def test_a_due_instant_without_business_time_is_refused(core: ItsmCore) -> None:
    c = at_state(core.complaints, S.RESOLVED)
    closing = datetime(2025, 9, 30, 18, 0, tzinfo=TZ)
    holiday = datetime(2025, 10, 5, 12, 0, tzinfo=TZ)  # only National Day in between
    with pytest.raises(ValidationError, match="leaves no business time"):
        require(core.complaints, c.id, due_at=holiday, at=closing)
    assert stored(core, c.id).state is S.RESOLVED
    c = require(core.complaints, c.id, due_at=holiday)  # from 15:00: 3 h on 30 Sep
    assert only(core, c.id, "improvement").budget == 3 * H


def test_the_office_decision_stops_the_clock(core: ItsmCore, clock: FrozenClock) -> None:
    cid = improving(core)
    clock.set(datetime(2025, 10, 10, 17, 0, tzinfo=TZ))
    follow_up(core, cid, met=False, note="未完成", new_period=4 * H)
    clock.set(datetime(2025, 10, 13, 10, 0, tzinfo=TZ))
    c = follow_up(core, cid, met=False, note="仍未完成")
    assert c.state is S.IMPROVEMENT_ESCALATED
    assert only(core, cid, "improvement").state is ClockState.RUNNING  # still measured
    clock.set(datetime(2025, 10, 14, 10, 0, tzinfo=TZ))
    c = decide_item(core, cid, decision="更换改进负责人，结案")
    stopped = only(core, cid, "improvement")
    assert stopped.state is ClockState.STOPPED and stopped.met is False
    assert "更换改进负责人" in core.sla.history(SYSTEM, stopped.id)[-1].payload["reason"]
    assert only(core, cid, "callback").started_at == clock.now()
    assert c.callback_due_at == only(core, cid, "callback").due_at


# ---------------------------------------------------------------- the callback clock


def test_the_callback_clock_starts_when_handled_and_stops_at_the_callback(
    core: ItsmCore, clock: FrozenClock
) -> None:
    cid = improving(core)
    clock.set(datetime(2025, 9, 30, 17, 0, tzinfo=TZ))
    c = follow_up(core, cid, met=True, note="完成")
    callback = only(core, cid, "callback")
    # one working day of business time: 17:00-18:00, then 9 Oct until 17:00
    assert c.callback_due_at == callback.due_at == datetime(2025, 10, 9, 17, 0, tzinfo=TZ)
    assert callback.budget == 7.5 * H
    assert (callback.handler, callback.working_days) == (RM.id, 1)
    walk(core.complaints, cid, ["feedback"])
    clock.set(datetime(2025, 10, 9, 11, 0, tzinfo=TZ))
    walk(core.complaints, cid, ["satisfied"])
    done = only(core, cid, "callback")
    assert (done.state, done.met) == (ClockState.STOPPED, True)
    assert "satisfied" in core.sla.history(SYSTEM, done.id)[-1].payload["reason"]


def test_a_late_callback_breaches(
    core: ItsmCore, clock: FrozenClock, desk: RecordingNotifier
) -> None:
    cid = improving(core)
    clock.set(datetime(2025, 9, 30, 17, 0, tzinfo=TZ))
    walk(core.complaints, cid, ["met", "feedback"])
    clock.set(datetime(2025, 10, 10, 9, 0, tzinfo=TZ))
    core.sla.tick(SYSTEM)
    assert ("breach", "complaint", "callback", 100, "customer") in sla_calls(desk)
    walk(core.complaints, cid, ["dissatisfied"])
    assert only(core, cid, "callback").met is False


def test_the_clock_starts_the_same_way_after_a_transfer(core: ItsmCore) -> None:
    c = at_state(core.complaints, S.TRANSFERRED, Origin.INTERNAL)
    c = core.complaints.record_business_unit_result(BU, c.id, resolved=True, result="已处理")
    assert c.callback_due_at == only(core, c.id, "callback").due_at
    assert clocks(core, c.id, "improvement") == []


def test_a_reopened_complaint_stops_its_callback_clock(
    clock: FrozenClock, desk: RecordingNotifier
) -> None:
    core = make_core(clock, desk, complaint_policy=ComplaintPolicy(reopen_on_dissatisfied=True))
    cid = improving(core)
    walk(core.complaints, cid, ["met", "feedback", "dissatisfied"])
    assert stored(core, cid).state is S.INVESTIGATING
    assert only(core, cid, "callback").state is ClockState.STOPPED


def test_no_callback_clock_for_a_callback_at_the_next_opening(
    clock: FrozenClock, desk: RecordingNotifier
) -> None:
    core = make_core(clock, desk, complaint_policy=ComplaintPolicy(callback_working_days=0))
    clock.set(datetime(2025, 9, 30, 19, 0, tzinfo=TZ))
    c = at_state(core.complaints, S.HANDLED)
    assert c.callback_due_at == datetime(2025, 10, 9, 9, 0, tzinfo=TZ)
    assert clocks(core, c.id, "callback") == []


# ---------------------------------------------------------------- one unit of work


class _FailingSave:
    """A unit of work whose save of one kind fails (a lost connection, say)."""

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


@pytest.fixture
def failing(core: ItsmCore, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    real = core.storage.unit_of_work

    def arm(kind: str) -> None:
        monkeypatch.setattr(core.storage, "unit_of_work", lambda: _FailingSave(real(), kind))

    yield arm
    monkeypatch.setattr(core.storage, "unit_of_work", real)


def test_a_failing_complaint_save_leaves_no_clock(core: ItsmCore, failing: Any) -> None:
    c = at_state(core.complaints, S.RESOLVED)
    failing(COMPLAINT_SPEC.kind)
    with pytest.raises(RuntimeError):
        require(core.complaints, c.id, period=16 * H)
    assert clocks(core, c.id) == []
    assert stored(core, c.id).version == c.version


def test_a_failing_clock_save_leaves_the_complaint_unchanged(
    core: ItsmCore, failing: Any, clock: FrozenClock
) -> None:
    cid = improving(core)
    before = stored(core, cid)
    failing("sla_clock")
    clock.set(datetime(2025, 10, 9, 10, 0, tzinfo=TZ))
    with pytest.raises(RuntimeError):
        follow_up(core, cid, met=True, note="完成")
    after = stored(core, cid)
    assert (after.state, after.version) == (before.state, before.version)
    assert only(core, cid, "improvement").state is ClockState.RUNNING


def test_a_refused_clock_start_refuses_the_complaint_change(
    core: ItsmCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = at_state(core.complaints, S.RESOLVED)

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise ValidationError("already has an open 'improvement' clock", field="target")

    monkeypatch.setattr(core.improvements.keeper.clocks, "start", refuse)
    with pytest.raises(ValidationError, match="already has an open 'improvement' clock"):
        require(core.complaints, c.id, period=16 * H)
    assert stored(core, c.id).state is S.RESOLVED
    assert core.improvements.find(SPECIALIST, source_ref=c.id) == []
    assert clocks(core, c.id) == []


# ---------------------------------------------------------------- targets and wiring


def test_an_agreement_gives_the_targets(clock: FrozenClock, desk: RecordingNotifier) -> None:
    policy = ComplaintPolicy(agreement_id="agr-complaints")
    always = BusinessCalendar.always_open("Asia/Shanghai")
    core = make_core(clock, desk, complaint_policy=policy, calendars={"24x7": always})
    core.sla.define_agreement(
        RM,
        agreement_id="agr-complaints",
        name="投诉处理承诺",
        kind="sla",
        counterparty="华东电网",
        targets=[
            Target("complaint", "general", "improvement", 10 * H, thresholds=(0.8,)),
            Target("complaint", "general", "callback", working_days=2, calendar="24x7"),
        ],
    )
    c = at_state(core.complaints, S.RESOLVED)
    c = require(core.complaints, c.id)  # the agreement's period
    improvement = only(core, c.id, "improvement")
    assert (improvement.budget, improvement.thresholds) == (10 * H, (0.8,))
    assert improvement.agreement_id == "agr-complaints"
    assert item_of(core.complaints, c.id).due_at == improvement.due_at
    require_other = at_state(core.complaints, S.RESOLVED, customer="y")
    require(core.complaints, require_other.id, period=2 * H)
    assert only(core, require_other.id, "improvement").thresholds == (0.8,)
    c = walk(core.complaints, c.id, ["met"])
    callback = only(core, c.id, "callback")
    assert (callback.calendar, callback.working_days) == ("24x7", 2)
    assert c.callback_due_at == EVE + timedelta(days=2)
    core.sla.remove_target(
        RM, "agr-complaints", service="complaint", priority="general", kind="callback"
    )
    other = require_other.id
    with pytest.raises(ValidationError, match="no 'callback' target"):
        follow_up(core, other, met=True, note="完成")
    assert stored(core, other).state is S.IMPROVING
    assert only(core, other, "improvement").state is ClockState.RUNNING


def test_the_policy_names_the_calendar_and_thresholds(
    clock: FrozenClock, desk: RecordingNotifier
) -> None:
    always = BusinessCalendar.always_open("Asia/Shanghai")
    policy = ComplaintPolicy(sla_calendar="24x7", warning_thresholds=(0.25, 0.5))
    core = make_core(clock, desk, complaint_policy=policy, calendars={"24x7": always})
    assert core.complaints.calendar is always
    cid = improving(core)
    ticking = only(core, cid, "improvement")
    assert (ticking.calendar, ticking.thresholds) == ("24x7", (0.25, 0.5))
    assert ticking.due_at == EVE + 16 * H
    with pytest.raises(ValidationError, match="thresholds"):
        ComplaintPolicy(warning_thresholds=(0.9, 0.5))
    with pytest.raises(ValidationError, match="sla_calendar"):
        ComplaintPolicy(sla_calendar=" ")
    with pytest.raises(ValidationError, match="no business calendar named 'nope'"):
        make_core(clock, desk, complaint_policy=ComplaintPolicy(sla_calendar="nope"))


def test_without_the_sla_service_no_clock_runs(core: ItsmCore) -> None:
    standalone = ComplaintService(core.runtime, calendar=CN)
    c = at_state(standalone, S.RESOLVED)
    c = require(standalone, c.id, period=16 * H)
    assert item_of(standalone, c.id).due_at == datetime(2025, 10, 10, 16, 0, tzinfo=TZ)
    assert clocks(core, c.id) == []
    with pytest.raises(ValidationError, match="not both"):
        ComplaintService(core.runtime, calendar=CN, sla=ClockKeeper(core.calendars))
    with pytest.raises(ValidationError, match="needs the SLA service"):
        ComplaintService(core.runtime, policy=ComplaintPolicy(agreement_id="agr-1"))


def test_the_promised_instant_is_the_clocks_deadline() -> None:
    evening = datetime(2025, 9, 30, 19, 0, tzinfo=TZ)  # after closing
    one_day = Target("", "", "callback", working_days=1)
    # add_working_days gives 10 Oct 09:00; the business time has run at 9 Oct 18:00
    assert CN.add_working_days(evening, 1) == datetime(2025, 10, 10, 9, 0, tzinfo=TZ)
    assert promised_instant(CN, evening, one_day) == datetime(2025, 10, 9, 18, 0, tzinfo=TZ)
    assert promised_instant(CN, EVE, Target("", "", "improvement", 3 * H)) == datetime(
        2025, 9, 30, 18, 0, tzinfo=TZ
    )


# ---------------------------------------------------------------- the office grants a new period


def escalated(core: ItsmCore, clock: FrozenClock) -> str:
    """An improvement not done at its second follow-up, awaiting the office."""
    cid = improving(core)
    clock.set(datetime(2025, 10, 10, 17, 0, tzinfo=TZ))
    follow_up(core, cid, met=False, note="未完成", new_period=4 * H)
    clock.set(datetime(2025, 10, 13, 10, 0, tzinfo=TZ))
    follow_up(core, cid, met=False, note="仍未完成")
    return cid


def test_the_office_may_grant_a_new_period(core: ItsmCore, clock: FrozenClock) -> None:
    cid = escalated(core, clock)
    clock.set(datetime(2025, 10, 14, 10, 0, tzinfo=TZ))
    c = decide_item(core, cid, decision="再给一天，周三前完成", new_period=7.5 * H)
    new_due = datetime(2025, 10, 15, 10, 0, tzinfo=TZ)
    assert c.state is S.IMPROVEMENT_EXTENDED
    item = item_of(core.complaints, cid)
    assert (item.state.value, item.due_at, item.extensions) == ("extended", new_due, 2)
    assert (item.decision, item.decided_by, item.concluded_at) == (
        "再给一天，周三前完成",
        GM.id,
        None,
    )
    assert c.pending_escalation is None
    assert c.escalations[-1].decision == "再给一天，周三前完成"
    ticking = only(core, cid, "improvement")
    assert (ticking.state, ticking.due_at, ticking.breached_at) == (
        ClockState.RUNNING,
        new_due,
        None,
    )
    assert clocks(core, cid, "callback") == []
    sheet = core.complaints.record(SPECIALIST, cid, "improvement_tracking_sheet")
    assert (sheet.value("improvement_status"), sheet.value("due_at")) == (
        "extended",
        new_due.isoformat(),
    )
    assert sheet.value("gm_decision") == "再给一天，周三前完成"
    clock.set(datetime(2025, 10, 15, 9, 0, tzinfo=TZ))
    c = follow_up(core, cid, met=True, note="完成")
    assert c.state is S.HANDLED
    assert only(core, cid, "improvement").met is True
    assert only(core, cid, "callback").state is ClockState.RUNNING


def test_not_done_in_the_granted_period_it_goes_back_to_the_office(
    core: ItsmCore, clock: FrozenClock
) -> None:
    cid = escalated(core, clock)
    clock.set(datetime(2025, 10, 14, 10, 0, tzinfo=TZ))
    decide_item(core, cid, decision="再给一天", new_due_at=datetime(2025, 10, 15, 18, 0, tzinfo=TZ))
    clock.set(datetime(2025, 10, 16, 10, 0, tzinfo=TZ))
    with pytest.raises(ValidationError, match="extended once only"):
        follow_up(core, cid, met=False, note="n", new_period=H)
    c = follow_up(core, cid, met=False, note="仍未完成")
    assert c.state is S.IMPROVEMENT_ESCALATED
    c = decide_item(core, cid, decision="更换改进负责人")
    assert c.state is S.HANDLED
    assert item_of(core.complaints, cid).state.value == "decided"
    assert only(core, cid, "improvement").met is False


def test_a_new_period_is_only_for_an_improvement_escalation(
    core: ItsmCore, clock: FrozenClock
) -> None:
    c = at_state(core.complaints, S.TRANSFER_ESCALATED, Origin.INTERNAL)
    with pytest.raises(TypeError):
        core.complaints.decide(GM, c.id, decision="d", new_period=H)  # type: ignore[call-arg]
    assert stored(core, c.id).state is S.TRANSFER_ESCALATED
    cid = improving(core)
    with pytest.raises(InvalidTransition, match="'grant_period' is not allowed"):
        decide_item(core, cid, decision="d", new_period=H)
    assert stored(core, cid).state is S.IMPROVING
    cid = escalated(core, clock)
    with pytest.raises(ValidationError, match="not both"):
        decide_item(core, cid, decision="d", new_period=H, new_due_at=EVE + timedelta(days=30))
    with pytest.raises(InvalidTransition, match=r"core\.improvements\.decide"):
        core.complaints.decide(GM, cid, decision="d")
    assert stored(core, cid).state is S.IMPROVEMENT_ESCALATED
