"""Result and trend analysis: a test per finding rule, proposing items, roles, history."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from itsm_core import AccessDenied, FrozenClock, ItsmCore, NotFound, ValidationError
from itsm_core.reviews.analysis import FindingKind, ReviewAnalysis
from tests.unit.review_analysis.support import (
    CUSTOMER,
    DIRECTOR,
    OM,
    OWNER,
    PM,
    SPECIALIST,
    at,
    clock_for,
    complaint,
    reported_review,
    scores,
)

Q2 = ["2026-04", "2026-05", "2026-06"]
INVALID = ("dispatch", "finding", "invalid", "explain", "close")
INDICATORS = [("同类投诉", "0 次/季度")]


def kinds(analysis: object) -> dict[str, FindingKind]:
    return {f.key: f.kind for f in analysis.findings}  # type: ignore[attr-defined]


def test_a_party_complained_about_repeatedly_is_a_finding_invalid_ones_not_counted(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    complaint(core, clock, at(4, 3))
    complaint(core, clock, at(5, 3), source="callback")
    complaint(core, clock, at(4, 4), party="服务台")
    complaint(core, clock, at(4, 5), party="服务台", steps=INVALID)
    analysis = ra.analyse(OM, periods=Q2, customer=CUSTOMER)
    assert "party:二线网络组" in kinds(analysis) and "party:服务台" not in kinds(analysis)
    found = analysis.finding("party:二线网络组")
    assert found.figure("complaints") == 2 and found.figure("source:callback") == 1
    assert found.periods == tuple(Q2)
    desk = next(p for p in analysis.parties if p.party == "服务台")
    assert (desk.complaints, desk.counted) == (2, 1)
    assert ra.analyse(OM, periods=Q2, customer=CUSTOMER, min_complaints=3).findings == ()


def test_complaints_rising_when_the_last_month_has_more_than_every_earlier_one(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    complaint(core, clock, at(4, 3), party="a")
    complaint(core, clock, at(5, 3), party="b")
    for day in (3, 4, 5):
        complaint(core, clock, at(6, day), party=f"p{day}")
    analysis = ra.analyse(OM, periods=Q2, customer=CUSTOMER)
    assert kinds(analysis)["complaints_rising"] is FindingKind.COMPLAINTS_RISING
    assert [m.received for m in analysis.complaint_months] == [1, 1, 3]
    assert analysis.finding("complaints_rising").figure("complaints", "2026-06") == 3
    complaint(core, clock, at(5, 4), party="c")
    complaint(core, clock, at(5, 5), party="d")
    assert "complaints_rising" not in kinds(ra.analyse(OM, periods=Q2, customer=CUSTOMER))


def test_time_to_close_by_month(core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis) -> None:
    complaint(core, clock, at(4, 3), steps=INVALID)  # closed 5 h after receipt
    complaint(core, clock, at(4, 10), steps=("dispatch", "finding", "invalid", "explain"))
    clock.set(at(5, 10))
    (explained,) = core.complaints.find(SPECIALIST, state="explained")
    core.complaints.close(SPECIALIST, explained.id)
    april, may, june = ra.analyse(OM, periods=Q2, customer=CUSTOMER).complaint_months
    assert (april.received, april.closed, april.mean_hours_to_close) == (2, 1, 5.0)
    assert (may.received, may.closed) == (0, 1)
    assert may.max_hours_to_close == pytest.approx(30 * 24)
    assert (june.closed, june.mean_hours_to_close) == (0, None)


def test_a_significant_decline_of_a_service_s_satisfaction_is_a_finding(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    scores(core, clock, at(4, 10), [5] * 30)
    scores(core, clock, at(6, 10), [5] * 10 + [3] * 20)
    scores(core, clock, at(4, 10), [5] * 5, service="network")
    scores(core, clock, at(6, 10), [5] * 4 + [3], service="network")
    analysis = ra.analyse(OM, periods=Q2, customer=CUSTOMER)
    trends = {t.service: t for t in analysis.satisfaction}
    assert trends["desktop"].trend.value == "declined" and trends["desktop"].p_value < 0.05
    assert trends["network"].trend.value == "stable"
    assert set(kinds(analysis)) == {"satisfaction:desktop"}
    found = analysis.finding("satisfaction:desktop")
    assert found.service == "desktop" and found.figure("csat", "2026-04") == 100.0


def test_one_month_is_compared_with_the_month_before(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    scores(core, clock, at(5, 10), [5] * 30)
    scores(core, clock, at(6, 10), [3] * 30)
    (trend,) = ra.analyse(OM, periods="2026-06", customer=CUSTOMER).satisfaction
    assert (trend.first_period, trend.last_period, trend.trend.value) == (
        "2026-05", "2026-06", "declined",
    )  # fmt: skip


def test_a_significant_rise_of_sla_breaches_is_a_finding(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    for day in range(1, 11):
        clock_for(core, clock, at(4, day), hours=1)
        clock_for(core, clock, at(6, day), hours=6)
    analysis = ra.analyse(OM, periods=Q2, customer=CUSTOMER)
    rates = {(m.period, m.target.value): m.breach_rate for m in analysis.sla_months}
    assert rates == {("2026-04", "resolution"): 0.0, ("2026-06", "resolution"): 100.0}
    assert kinds(analysis) == {"sla:resolution": FindingKind.SLA_BREACHES_RISING}
    assert analysis.finding("sla:resolution").figure("p_value") < 0.05


def test_each_problem_of_a_review_reported_in_the_window_is_a_finding(
    core: ItsmCore, ra: ReviewAnalysis
) -> None:
    review = reported_review(
        core,
        reported=at(6, 20),
        problems=[{"description": "夜间响应慢", "service": "desktop"}, {"description": "报告晚"}],
    )
    reported_review(core, reported=at(7, 20), problems=[{"description": "窗口之后"}])
    reported_review(core, reported=at(6, 21), problems=[{"description": "别的客户"}],
                    customer="其他客户")  # fmt: skip
    analysis = ra.analyse(OM, periods=Q2, customer=CUSTOMER)
    first = analysis.finding(f"review:{review}:1")
    assert (first.kind, first.description, first.service) == (
        FindingKind.REVIEW_PROBLEM, "夜间响应慢", "desktop",
    )  # fmt: skip
    assert set(kinds(analysis)) == {f"review:{review}:1", f"review:{review}:2"}
    everyone = ra.analyse(OM, periods=Q2)
    assert len([k for k in kinds(everyone) if k.startswith("review:")]) == 3


def test_a_finding_becomes_a_proposed_improvement_item_in_one_call(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    complaint(core, clock, at(4, 3))
    complaint(core, clock, at(5, 3))
    analysis = ra.analyse(OM, periods=Q2, customer=CUSTOMER)
    clock.set(at(7, 2))
    after = ra.propose_improvement(
        OM, analysis.id, finding="party:二线网络组", owner=OWNER.id,
        quality_indicators=INDICATORS, period=timedelta(days=30),
    )  # fmt: skip
    found = after.finding("party:二线网络组")
    assert found.item_id is not None and found.proposed_by == OM.id
    item = core.improvements.get(OM, found.item_id)
    assert (item.state.value, item.source_kind.value, item.source_ref) == (
        "proposed", "trend_analysis", analysis.id,
    )  # fmt: skip
    assert item.customer == CUSTOMER and "二线网络组" in item.description
    assert ra.get(OM, analysis.id).finding("party:二线网络组").item_id == item.id
    history = ra.history(DIRECTOR, analysis.id)
    names = [e.name for e in history]
    assert names == ["trend_analysis.run", "trend_analysis.improvement_proposed"]
    assert history[0].actor_id == OM.id and history[1].payload["item_id"] == item.id


def test_a_finding_is_proposed_once_and_must_exist(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    complaint(core, clock, at(4, 3))
    complaint(core, clock, at(5, 3))
    analysis = ra.analyse(OM, periods=Q2, customer=CUSTOMER)
    args = {"owner": OWNER.id, "quality_indicators": INDICATORS, "due_at": at(8, 1)}
    ra.propose_improvement(OM, analysis.id, finding="party:二线网络组", **args)
    with pytest.raises(ValidationError, match="already"):
        ra.propose_improvement(OM, analysis.id, finding="party:二线网络组", **args)
    with pytest.raises(ValidationError, match="its findings: party:二线网络组"):
        ra.propose_improvement(OM, analysis.id, finding="party:x", **args)
    with pytest.raises(ValidationError, match="not both"):
        ra.propose_improvement(
            OM, analysis.id, finding="party:二线网络组", owner=OWNER.id,
            quality_indicators=INDICATORS, due_at=at(8, 1), period=timedelta(days=3),
        )  # fmt: skip
    with pytest.raises(NotFound):
        ra.propose_improvement(OM, "tra-missing", finding="party:x", **args)
    assert len(core.improvements.find(OM, source_kind="trend_analysis")) == 1


def test_a_refused_proposal_changes_nothing(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    complaint(core, clock, at(4, 3))
    complaint(core, clock, at(5, 3))
    analysis = ra.analyse(OM, periods=Q2, customer=CUSTOMER)
    with pytest.raises(ValidationError):
        ra.propose_improvement(
            OM, analysis.id, finding="party:二线网络组", owner=OWNER.id,
            quality_indicators=[], due_at=at(8, 1),
        )  # fmt: skip
    assert ra.get(OM, analysis.id).version == 1
    assert core.improvements.find(OM, source_kind="trend_analysis") == []


def test_roles_the_operations_manager_runs_and_proposes(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    with pytest.raises(AccessDenied):
        ra.analyse(PM, periods=Q2)
    complaint(core, clock, at(4, 3))
    complaint(core, clock, at(5, 3))
    analysis = ra.analyse(DIRECTOR, periods=Q2, customer=CUSTOMER)
    with pytest.raises(AccessDenied):
        ra.propose_improvement(
            PM, analysis.id, finding="party:二线网络组", owner=OWNER.id,
            quality_indicators=INDICATORS, due_at=at(8, 1),
        )  # fmt: skip
    assert ra.get(PM, analysis.id).run_by == DIRECTOR.id  # the project manager reads


def test_stored_analyses_are_found_by_customer_and_who_ran_them(
    core: ItsmCore, ra: ReviewAnalysis
) -> None:
    first = ra.analyse(OM, periods=Q2, customer=CUSTOMER)
    ra.analyse(DIRECTOR, periods=Q2)
    assert [a.id for a in ra.find(OM, customer=CUSTOMER)] == [first.id]
    assert len(ra.find(OM, run_by=DIRECTOR.id)) == 1 and len(ra.find(OM)) == 2
    with pytest.raises(NotFound):
        ra.get(OM, "tra-missing")


def test_bad_arguments_are_typed_errors(ra: ReviewAnalysis) -> None:
    for kwargs, field in (
        ({"periods": "2026-4"}, "periods"),
        ({"periods": Q2, "min_complaints": 0}, "min_complaints"),
        ({"periods": Q2, "alpha": 1.5}, "alpha"),
        ({"periods": Q2, "customer": ""}, "customer"),
    ):
        with pytest.raises(ValidationError) as caught:
            ra.analyse(OM, **kwargs)  # type: ignore[arg-type]
        assert caught.value.field == field


def test_the_analysis_is_json_and_markdown(
    core: ItsmCore, clock: FrozenClock, ra: ReviewAnalysis
) -> None:
    complaint(core, clock, at(4, 3))
    complaint(core, clock, at(5, 3))
    analysis = ra.analyse(OM, periods=Q2, customer=CUSTOMER)
    data = json.loads(json.dumps(analysis.as_dict()))
    assert data["findings"][0]["key"] == "party:二线网络组" and "_pending" not in data
    assert "重复被投诉对象" in analysis.markdown("zh")
    assert "party complained about repeatedly" in analysis.markdown("en")
