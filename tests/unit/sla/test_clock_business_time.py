"""The provider's business calendar reaches every promise through the facade: SLA clocks,
complaint improvement periods and callbacks, satisfaction callbacks (CN National Day 2025)."""

from __future__ import annotations

from datetime import datetime, timedelta

from itsm_core import SYSTEM, Actor, FrozenClock, ItsmCore, Role
from itsm_core.calendars import BusinessCalendar
from itsm_core.sla import Target

from .clock_support import SH

SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST])
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER])
HANDLER = Actor("ih-1", [Role.INCIDENT_HANDLER])
DESK = Actor("desk-1", [Role.SERVICE_DESK])

#: Tuesday 30 September 2025, 15:00: the last working afternoon before National Day
#: (1-8 October are holidays; Saturday 11 October is a makeup working day).
EVE = datetime(2025, 9, 30, 15, 0, tzinfo=SH)


def _core(clock: FrozenClock) -> ItsmCore:
    return ItsmCore(clock=clock, load_entrypoints=False, calendar=BusinessCalendar.china())


def _resolved_complaint(core: ItsmCore) -> str:
    s = core.complaints
    c = s.receive(
        SPECIALIST,
        customer="华东电网",
        complainant={"name": "客户李女士", "contact": "13800001234"},
        origin="external",
        channel="hotline",
        source="complaint_channel",
        summary="故障处理超时三次",
        party_complained_about="二线网络组",
        relationship_manager=RM.id,
    )
    s.dispatch(RM, c.id, handler=HANDLER.id)
    s.record_finding(SPECIALIST, c.id, finding="工单记录显示三次超时")
    s.judge(SPECIALIST, c.id, verdict="valid", reason="调查属实")
    s.register_project(SPECIALIST, c.id, project_ref="TS-2025-001")
    s.apologise(HANDLER, c.id, apology="当面致歉")
    s.resolve(HANDLER, c.id, resolution="已恢复业务")
    return c.id


def test_the_facade_wires_one_calendar_everywhere() -> None:
    core = _core(FrozenClock(EVE))
    assert core.complaints.calendar is core.calendars.get()
    assert core.satisfaction.calendar is core.calendars.get()
    plain = ItsmCore(clock=FrozenClock(EVE), load_entrypoints=False)
    assert core.calendars.get().country == "CN"
    assert plain.calendars.get().is_open(datetime(2025, 10, 1, 3, 0, tzinfo=SH))  # 24×7
    assert plain.complaints.calendar is plain.calendars.get()  # one 24×7 default


def test_improvement_period_and_callback_skip_national_day() -> None:
    clock = FrozenClock(EVE)
    core = _core(clock)
    complaint_id = _resolved_complaint(core)
    c = core.complaints.require_improvement(
        SPECIALIST,
        complaint_id,
        cause="人手不足",
        description="增加值班",
        quality_indicators=[("超时率", "≤ 2%")],
        owner="owner-1",
        period=timedelta(hours=16),  # two working days of business time
    )
    # 15:00-18:00 on 30 Sep (3 h), then 9 Oct (7.5 h), then 5.5 h on Friday 10 Oct
    assert c.improvement_id is not None
    item = core.improvements.get(SPECIALIST, c.improvement_id)
    assert item.due_at == datetime(2025, 10, 10, 16, 0, tzinfo=SH)
    clock.set(datetime(2025, 9, 30, 17, 0, tzinfo=SH))
    core.improvements.follow_up(SPECIALIST, item.id, met=True, note="按质量指标完成")
    c = core.complaints.get(SPECIALIST, complaint_id)
    # the callback within one working day: the same point of the next working day
    assert c.callback_due_at == datetime(2025, 10, 9, 17, 0, tzinfo=SH)


def test_satisfaction_callback_due_skips_national_day() -> None:
    core = _core(FrozenClock(EVE))
    core.satisfaction.service_records.register(
        DESK,
        "INC-1",
        customer="华东电网",
        service="desktop",
        opened_at=EVE - timedelta(hours=3),
        resolved_at=EVE,
        engineer="eng-1",
    )
    callback = core.satisfaction.callbacks.schedule(DESK, "INC-1")
    assert callback.due_at == datetime(2025, 10, 9, 15, 0, tzinfo=SH)


def test_an_sla_callback_clock_on_the_provider_calendar() -> None:
    clock = FrozenClock(EVE)
    core = _core(clock)
    promise = Target("", "", "callback", working_days=1)  # on the "default" calendar
    c = core.sla.start(DESK, subject_kind="service_record", subject_id="INC-1", target=promise)
    assert c.due_at == datetime(2025, 10, 9, 15, 0, tzinfo=SH)
    clock.set(datetime(2025, 10, 8, 23, 0, tzinfo=SH))
    assert core.sla.tick(SYSTEM).fired == 0  # the holiday week does not count
    clock.set(datetime(2025, 10, 9, 15, 0, tzinfo=SH))
    report = core.sla.tick(SYSTEM)
    assert (report.warnings, report.breaches) == (3, 1)
