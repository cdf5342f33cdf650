"""Service periods (seed 004): a notice when the period starts and N days before it ends."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from itsm_core import SYSTEM, FrozenClock, ValidationError
from itsm_core.sla import PeriodNoticeKind, ServicePeriod

from .clock_support import RM, SH, Notifier, make_core

START = datetime(2025, 10, 1, tzinfo=SH)
END = datetime(2026, 9, 30, 23, 59, tzinfo=SH)


def test_period_validation_and_notice_instants() -> None:
    period = ServicePeriod(START, END, notice_days_before_end=30)
    assert period.notice_at("start") == START
    assert period.notice_at(PeriodNoticeKind.ENDING) == END - timedelta(days=30)
    assert ServicePeriod.from_dict(period.to_dict()) == period
    short = ServicePeriod(START, START + timedelta(days=10), notice_days_before_end=30)
    assert short.notice_at("ending") == START  # never before the start
    with pytest.raises(ValidationError, match="must end after it starts"):
        ServicePeriod(END, START)
    with pytest.raises(ValidationError, match="timezone-aware"):
        ServicePeriod(datetime(2025, 10, 1), END)
    with pytest.raises(ValidationError, match="non-negative int"):
        ServicePeriod(START, END, notice_days_before_end=-1)
    with pytest.raises(ValidationError, match="allowed: start, ending"):
        period.notice_at("middle")
    assert PeriodNoticeKind.ENDING.zh == "服务期即将结束通知"


def test_more_notice_days_than_a_datetime_can_hold_mean_the_start() -> None:
    period = ServicePeriod(START, END, notice_days_before_end=10**9)
    assert period.notice_at("ending") == START
    core = make_core(FrozenClock(START))
    agreement = core.sla.define_agreement(
        RM, name="协议", kind="sla", counterparty="华东电网", period=period
    )
    assert agreement.next_notice_at == START


def test_from_dict_refuses_bad_input_by_field() -> None:
    good = ServicePeriod(START, END).to_dict()
    for data, message, field in (
        ({**good, "start": "soon"}, "needs start as an ISO 8601 instant", "start"),
        ({"start": good["start"]}, "needs end as an ISO 8601 instant", "end"),
        ({**good, "end": "2026-09-30"}, "timezone-aware", "end"),
        ({**good, "notice_days_before_end": "30"}, "non-negative int", "notice_days_before_end"),
        ([], "must be a mapping", "data"),
    ):
        with pytest.raises(ValidationError, match=message) as caught:
            ServicePeriod.from_dict(data)  # type: ignore[arg-type]
        assert caught.value.field == field


def test_each_notice_fires_once_through_the_tick() -> None:
    notifier = Notifier()
    clock = FrozenClock(datetime(2025, 9, 1, tzinfo=SH))
    core = make_core(clock, notifier)
    agreement = core.sla.define_agreement(
        RM,
        name="2025-2026 运维服务合同",
        kind="sla",
        counterparty="华东电网",
        period=ServicePeriod(START, END, notice_days_before_end=30),
    )
    assert core.sla.get_agreement(SYSTEM, agreement.id).next_notice_at == START
    assert core.sla.tick(SYSTEM).period_notices == 0
    clock.set(START + timedelta(hours=1))
    report = core.sla.tick(SYSTEM)
    assert (report.period_notices, report.agreements) == (1, 1)
    assert core.sla.tick(SYSTEM).period_notices == 0
    assert core.sla.get_agreement(SYSTEM, agreement.id).next_notice_at == END - timedelta(days=30)
    clock.set(END - timedelta(days=29))
    assert core.sla.tick(SYSTEM).period_notices == 1
    clock.set(END + timedelta(days=1))
    assert core.sla.tick(SYSTEM).period_notices == 0
    assert [n.kind for n in notifier.notices] == [PeriodNoticeKind.START, PeriodNoticeKind.ENDING]
    start_notice, ending = notifier.notices
    assert start_notice.counterparty == "华东电网" and start_notice.agreement_id == agreement.id
    assert "服务期自 2025-10-01 开始" in start_notice.message()
    assert "starts on 2025-10-01" in start_notice.message("en")
    assert ending.days_left == 30 and "剩余 30 天" in ending.message("zh")
    assert "ends on 2026-09-30" in ending.message("en")
    assert core.sla.get_agreement(SYSTEM, agreement.id).next_notice_at is None


def test_a_late_tick_sends_both_in_order_and_a_renewal_sends_them_again() -> None:
    notifier = Notifier()
    clock = FrozenClock(datetime(2026, 9, 15, tzinfo=SH))
    core = make_core(clock, notifier)
    agreement = core.sla.define_agreement(
        RM, name="合同", kind="sla", counterparty="C", period=ServicePeriod(START, END)
    )
    report = core.sla.tick(SYSTEM)
    assert report.period_notices == 2
    assert [n.kind.value for n in notifier.notices] == ["start", "ending"]
    renewal = ServicePeriod(END, END + timedelta(days=365), notice_days_before_end=60)
    core.sla.set_service_period(RM, agreement.id, period=renewal)
    clock.set(END + timedelta(days=1))
    assert core.sla.tick(SYSTEM).period_notices == 1
    assert notifier.notices[-1].period_start == END
    core.sla.set_service_period(RM, agreement.id, period=None)
    assert core.sla.get_agreement(SYSTEM, agreement.id).next_notice_at is None


def test_itsm_service_period_notice_reaches_a_plugin_once_per_notice() -> None:
    letters = Notifier()
    clock = FrozenClock(END)
    core = make_core(clock, letters)
    core.sla.define_agreement(
        RM, name="合同", kind="sla", counterparty="C", period=ServicePeriod(START, END)
    )
    core.sla.tick(SYSTEM)
    core.sla.tick(SYSTEM)
    core.relay()
    # the customer service centre's letters (发函)
    sent = [f"{n.kind.value}:{n.counterparty}:{n.key}" for n in letters.notices]
    assert [s.split(":")[:2] for s in sent] == [["start", "C"], ["ending", "C"]]
    assert len(set(sent)) == 2
