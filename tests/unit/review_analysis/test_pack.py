"""The review pack: one test per rule of what it counts, and how it is asked for."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from itsm_core import AccessDenied, FrozenClock, ItsmCore, NotFound, ValidationError
from itsm_core.reviews.analysis import ReviewAnalysis
from itsm_core.satisfaction import AlertLevel
from tests.unit.review_analysis.support import (
    CUSTOMER,
    CUSTOMER_ACTOR,
    DESK,
    ENGINEER,
    OM,
    PM,
    at,
    clock_for,
    complaint,
    reported_review,
    scores,
    set_target,
)

Q2 = ["2026-04", "2026-05", "2026-06"]


def test_sla_counts_stopped_clocks_met_or_breached_with_their_lateness(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    clock_for(core, clock, at(4, 6), hours=2)  # met
    clock_for(core, clock, at(4, 7), hours=6)  # 2 h late
    clock_for(core, clock, at(5, 7), hours=9)  # 5 h late
    clock_for(core, clock, at(5, 8), hours=1, kind="response", budget_hours=2)
    clock_for(core, clock, at(7, 8), hours=9)  # after the period
    clock_for(core, clock, at(4, 9), hours=9, customer="其他客户")
    clock.set(at(7, 10))
    (response, resolution) = ra.pack(PM, customer=CUSTOMER, periods=Q2).sla  # in TargetKind order
    assert (resolution.target.value, resolution.measured, resolution.met) == ("resolution", 3, 1)
    assert resolution.breached == 2 and resolution.fulfilment == pytest.approx(100 / 3)
    assert resolution.lateness_hours == pytest.approx(7.0)
    assert resolution.max_lateness_hours == pytest.approx(5.0)
    assert resolution.mean_lateness_hours == pytest.approx(3.5)
    assert (response.target.value, response.measured, response.met, response.breached) == (
        "response", 1, 1, 0,
    )  # fmt: skip


def test_sla_counts_a_clock_breached_in_the_period_still_running_apart(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    from itsm_core.sla import Target

    clock.set(at(6, 1))
    core.sla.start(
        DESK,
        subject_kind="ticket",
        subject_id="t-open",
        target=Target("desktop", "P2", "resolution", timedelta(hours=4)),
        customer=CUSTOMER,
    )
    clock.set(at(6, 2))
    core.sla.tick(DESK)
    (line,) = ra.pack(PM, customer=CUSTOMER, periods=Q2).sla
    assert (line.measured, line.breached_open, line.lateness_hours) == (0, 1, 0.0)


def test_sla_and_satisfaction_are_limited_to_the_services_given(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    clock_for(core, clock, at(4, 6), hours=2, service="desktop")
    clock_for(core, clock, at(4, 7), hours=2, service="network")
    scores(core, clock, at(4, 8), [5, 4], service="network")
    scores(core, clock, at(4, 8), [5], service="desktop")
    pack = ra.pack(PM, customer=CUSTOMER, periods=Q2, services="network")
    assert pack.services == ("network",)
    assert [line.measured for line in pack.sla] == [1]
    assert [(s.service, s.n) for s in pack.satisfaction] == [("network", 2)]


def test_complaints_by_verdict_source_and_party_with_escalations(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    valid = ("dispatch", "finding", "valid", "project", "apologise")
    complaint(core, clock, at(4, 3), steps=(*valid, "escalate"))
    complaint(core, clock, at(4, 5), steps=("dispatch", "finding", "invalid", "explain", "close"))
    complaint(core, clock, at(5, 5), source="callback", steps=valid)
    complaint(core, clock, at(6, 5), party="服务台")
    complaint(core, clock, at(7, 5))  # after the period
    complaint(core, clock, at(5, 6), customer="其他客户")
    c = ra.pack(PM, customer=CUSTOMER, periods=Q2).complaints
    assert (c.received, c.closed, c.open, c.escalated, c.escalations) == (4, 1, 3, 1, 1)
    assert {x.value: x.count for x in c.by_verdict} == {"valid": 2, "invalid": 1, None: 1}
    assert {x.value: x.count for x in c.by_source} == {"complaint_channel": 3, "callback": 1}
    assert [(x.value, x.count) for x in c.by_party] == [("二线网络组", 3), ("服务台", 1)]


def test_complaint_items_open_and_overdue_now(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    steps = ("dispatch", "finding", "valid", "project", "apologise", "resolve", "improve")
    complaint(core, clock, at(4, 3), steps=steps)  # 14 days: overdue by July
    complaint(core, clock, at(6, 25), steps=steps)  # not due yet on July 1
    clock.set(at(7, 1))
    c = ra.pack(PM, customer=CUSTOMER, periods=Q2).complaints
    assert (c.improvements_open, c.improvements_overdue) == (2, 1)


def test_satisfaction_per_channel_against_target_critical_line_and_trend(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    set_target(core)
    scores(core, clock, at(5, 10), [5] * 30)
    scores(core, clock, at(6, 10), [5] * 10 + [2] * 20)
    scores(core, clock, at(6, 11), [5, 5, 4], channel="callback")
    lines = {s.channel: s for s in ra.pack(PM, customer=CUSTOMER, periods=Q2).satisfaction}
    ticket = lines["ticket"]
    assert ticket.n == 60 and ticket.csat == pytest.approx(100 * 40 / 60)
    assert ticket.target == 85 and ticket.deviation == pytest.approx(100 * 40 / 60 - 85)
    assert ticket.level is AlertLevel.RED and ticket.measures == "上门拜访"
    assert (ticket.previous_csat, ticket.last_csat) == (100.0, pytest.approx(100 / 3))
    assert ticket.trend.value == "declined" and ticket.p_value is not None
    callback = lines["callback"]
    assert callback.level is AlertLevel.GREEN and callback.trend.value == "insufficient_data"


def test_satisfaction_comes_from_the_satisfaction_analysis(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    scores(core, clock, at(4, 10), [5, 4, 3, 2, 1])
    clock.set(at(7, 1))
    (line,) = ra.pack(PM, customer=CUSTOMER, periods=Q2).satisfaction
    (figures,) = core.satisfaction.analysis.figures(
        PM, Q2, group_by=["service", "channel"], customer=CUSTOMER
    )
    assert (line.n, line.csat, line.margin, line.index) == (
        figures.n, figures.csat, figures.margin, figures.index,
    )  # fmt: skip


def test_open_improvement_items_of_every_source(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    steps = ("dispatch", "finding", "valid", "project", "apologise", "resolve", "improve")
    complaint(core, clock, at(4, 3), steps=steps)
    clock.set(at(6, 1))
    proposed = core.improvements.propose(
        OM,
        source_kind="service_review",
        source_ref="rev-1",
        description="夜间值班",
        quality_indicators=[("响应", "≤ 15 分钟")],
        owner="owner-1",
        period=timedelta(days=60),
        customer=CUSTOMER,
    )
    clock.set(at(7, 1))
    imp = ra.pack(PM, customer=CUSTOMER, periods=Q2).improvements
    assert imp.open == 2 and imp.overdue == 1
    assert {c.value: c.count for c in imp.by_state} == {"in_progress": 1, "proposed": 1}
    assert [i.id for i in imp.items][-1] == proposed.id
    assert [i.overdue for i in imp.items] == [True, False]


def test_a_pack_for_a_review_covers_its_customer_and_the_months_of_its_period(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    complaint(core, clock, at(4, 3))
    complaint(core, clock, at(3, 30))
    review = reported_review(core, reported=at(7, 3), problems=[{"description": "响应慢"}])
    pack = ra.pack(PM, review=review)
    assert (pack.review_id, pack.customer, pack.periods) == (review, CUSTOMER, tuple(Q2))
    assert pack.complaints.received == 1
    with pytest.raises(NotFound):
        ra.pack(PM, review="rev-missing")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "customer"),
        ({"customer": CUSTOMER}, "periods"),
        ({"customer": CUSTOMER, "periods": "2026-13"}, "periods"),
        ({"customer": CUSTOMER, "periods": ["2026-04", "2026-06"]}, "periods"),
        ({"customer": CUSTOMER, "periods": ["2020-01", "2026-06"]}, "periods"),
        ({"customer": " ", "periods": "2026-04"}, "customer"),
        ({"customer": CUSTOMER, "periods": "2026-04", "services": []}, "services"),
        ({"customer": CUSTOMER, "periods": "2026-04", "review": "rev-1"}, "review"),
    ],
)
def test_bad_arguments_are_typed_errors_naming_the_field(
    ra: ReviewAnalysis, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        ra.pack(PM, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize("actor", [CUSTOMER_ACTOR, ENGINEER])
def test_only_the_people_who_prepare_reviews_compile_packs(
    ra: ReviewAnalysis, actor: object
) -> None:
    with pytest.raises(AccessDenied):
        ra.pack(actor, customer=CUSTOMER, periods="2026-04")  # type: ignore[arg-type]


def test_the_pack_is_json_and_markdown_in_both_languages(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    set_target(core)
    complaint(core, clock, at(4, 3), steps=("dispatch", "finding", "valid"))
    clock_for(core, clock, at(4, 6), hours=6)
    scores(core, clock, at(4, 10), [5, 4, 3])
    pack = ra.pack(PM, customer=CUSTOMER, periods=Q2)
    data = json.loads(json.dumps(pack.as_dict()))
    assert data["complaints"]["received"] == 1 and data["complaints"]["open"] == 1
    assert data["sla"][0]["fulfilment"] == 0.0 and data["periods"] == Q2
    zh, en = pack.markdown("zh"), pack.markdown("en")
    assert "# 服务回顾资料: 华东电网" in zh and "解决时限" in zh and "有效投诉 1" in zh
    assert "# Service review pack: 华东电网" in en and "resolution time" in en
    with pytest.raises(ValidationError):
        pack.markdown("fr")  # type: ignore[arg-type]
