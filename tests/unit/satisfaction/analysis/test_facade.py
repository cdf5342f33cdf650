"""The analysis through the facade, over what satisfaction capture really stores."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itsm_core import SYSTEM, Actor, FrozenClock, ItsmCore
from itsm_core.satisfaction import (
    RESPONSE_SPEC,
    AlertLevel,
    ChannelWeights,
    LevelRule,
    Question,
    Respondent,
    Response,
    Tally,
    Trend,
)
from itsm_core.testing import RecordingNotifier
from itsm_core.testing import satisfaction as st_sat

SH = ZoneInfo("Asia/Shanghai")
MAY = datetime(2026, 5, 11, 9, 0, tzinfo=SH)

DESK = Actor("desk-1", ["service_desk"])
RM = Actor("rm-1", ["relationship_manager"])
OM = Actor("om-1", ["operations_manager"])
QS = Actor("qs-1", ["quality_specialist"])


def scores(
    core: ItsmCore,
    customer: str,
    channel: str,
    values: list[int],
    *,
    service: str = "desktop",
    engineer: str | None = "eng-li",
) -> None:
    for value in values:
        core.satisfaction.responses.record_response(
            DESK,
            channel=channel,
            customer=customer,
            service=service,
            subject_kind="service_record",
            subject_ref=None,
            score=value,
            respondent=f"{customer}-user",
            engineer=engineer,
        )


@pytest.fixture(params=["memory", "sqlite"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both in-process stores: the SQL one computes ``aggregate`` with GROUP BY."""
    return "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'itsm.db'}"


def test_a_programme_through_the_facade(url: str) -> None:
    clock = FrozenClock(MAY)
    listener = RecordingNotifier()
    core = ItsmCore(
        url,
        clock=clock,
        plugins=[listener],
        load_entrypoints=False,
        satisfaction_weights=ChannelWeights({"ticket": 1, "callback": 1}),
    )
    sat = core.satisfaction
    core.satisfaction.customers.register(RM, "acme", name="Acme", key=True)
    core.satisfaction.customers.register(RM, "globex", name="Globex")
    sat.targets.set_target(
        OM,
        "desktop",
        target=85,
        levels=[
            LevelRule("green", 85, "keep"),
            LevelRule("yellow", 70, "call"),
            LevelRule("red", None, "visit"),
        ],
    )
    # April: acme fine; globex poor
    clock.set(datetime(2026, 4, 10, 10, tzinfo=SH))
    scores(core, "acme", "ticket", [5, 5, 4, 4, 5, 4, 3])
    scores(core, "globex", "ticket", [2, 3, 2, 4, 3])
    scores(core, "globex", "callback", [2, 2, 3])
    # May: both better
    clock.set(MAY)
    scores(core, "acme", "ticket", [5, 5, 5, 4, 5])
    scores(core, "globex", "ticket", [4, 5, 4, 4, 3])
    scores(core, "globex", "callback", [4, 4, 5])

    by_customer = {
        f.key["customer"]: f
        for f in sat.analysis.figures(QS, ["2026-04", "2026-05"], group_by=["customer", "period"])
        if f.key["period"] == "2026-04"
    }
    assert by_customer["acme"].csat == pytest.approx(100 * 6 / 7)
    assert by_customer["globex"].csat == pytest.approx(100 * 1 / 8)
    assert by_customer["globex"].mean == pytest.approx(
        (0.25 + 0.5 + 0.25 + 0.75 + 0.5 + 0.25 + 0.25 + 0.5) / 8
    )
    (engineer,) = sat.analysis.figures(QS, "2026-05", group_by=["engineer"])
    assert engineer.key["engineer"] == "eng-li" and engineer.n == 13

    april = sat.targets.evaluate(QS, "2026-04")
    levels = {r.customer: r.level for r in april.results}
    assert levels == {None: AlertLevel.RED, "acme": AlertLevel.GREEN, "globex": AlertLevel.RED}
    may = sat.targets.evaluate(QS, "2026-05")
    levels = {r.customer: r.level for r in may.results}
    assert levels["globex"] is AlertLevel.GREEN
    crossings = listener.calls_of("itsm_satisfaction_level_crossed")
    assert {(c.customer, c.level) for c in crossings} >= {
        ("globex", AlertLevel.RED),
        ("globex", AlertLevel.GREEN),
    }
    assert "satisfaction_standing.level_crossed" in listener.names()
    items = core.improvements.find(QS, source_kind="satisfaction", is_open=True)
    assert len(items) == 2  # April: the service and globex
    assert {i.customer for i in items} == {None, "globex"}
    # each item's period runs on an SLA clock, the item as its subject
    clocks = core.sla.find(SYSTEM, subject_kind="improvement_item")
    assert sorted(c.subject_id for c in clocks) == sorted(i.id for i in items)

    (change,) = sat.analysis.changes(QS, "2026-05", customer="globex")
    assert change.trend in (Trend.IMPROVED, Trend.STABLE) and change.small_sample
    # 1/8 top box in April, 7/8 in May: pooled p = 1/2, z = 0.75 / sqrt(1/4 * 2/8) = 3
    assert (change.previous.n, change.previous.top_box) == (8, 1)
    assert (change.current.n, change.current.top_box) == (8, 7)
    assert change.test is not None and change.test.z == pytest.approx(3.0)
    assert change.p_value == pytest.approx(0.0027, abs=1e-4)
    assert change.trend is Trend.IMPROVED and change.csat_change == pytest.approx(75.0)

    watch = sat.analysis.watch_list(RM, "2026-05", window=2)
    assert [e.customer for e in watch.key_customers] == ["acme"]
    assert [e.customer for e in watch.low_satisfaction] == ["globex"]


def test_response_rates_and_kpis_through_the_facade(url: str) -> None:
    clock = FrozenClock(MAY)
    core = ItsmCore(url, clock=clock, load_entrypoints=False)
    sat = core.satisfaction
    core.satisfaction.customers.register(RM, "acme", name="Acme")
    campaign = core.satisfaction.surveys.create_campaign(
        OM,
        title="after the outage",
        motive="major_incident",
        service="desktop",
        questions=[Question("overall", "How satisfied are you overall?")],
        target_customers=["acme"],
    )
    core.satisfaction.surveys.open_campaign(OM, campaign.id)
    report = core.satisfaction.surveys.invite(
        OM, campaign.id, respondents=[Respondent("acme", f"p{i}") for i in range(4)]
    )
    token = report.invited[0].token
    core.satisfaction.surveys.submit_survey(QS, token, answers={"overall": 4})
    (rate,) = sat.analysis.response_rates(QS, "2026-05")
    assert rate.key["campaign"] == campaign.id
    assert (rate.rate.numerator, rate.rate.denominator) == (1, 4)
    (survey,) = sat.analysis.figures(QS, "2026-05", group_by=["customer", "channel"])
    assert survey.key["channel"] == "survey"
    assert survey.response_rate is not None and survey.response_rate.value == 0.25

    closed = MAY + timedelta(hours=4)
    for i in range(10):
        core.satisfaction.service_records.register(
            DESK,
            f"sr-{i}",
            customer="acme",
            service="desktop",
            engineer="eng-li",
            opened_at=MAY,
            resolved_at=MAY + timedelta(hours=1),
            closed_at=closed,
            first_contact=i < 7,
            reopened_count=1 if i < 2 else 0,
            resolution="replaced the cable" if i < 6 else None,
        )
    (kpis,) = sat.analysis.desk_kpis(QS, "2026-05")
    assert kpis.closed == 10
    assert kpis.first_contact_resolution.value == 0.7
    assert kpis.one_time_fix.value == 0.8
    assert kpis.record_completeness.value is not None
    # complete: engineer, resolution and the three instants in order (6 of the 10)
    assert kpis.record_completeness.value == 0.6
    assert (kpis.first_contact, kpis.reopened, kpis.complete) == (7, 2, 6)


APRIL_MAY = st_sat.aware_datetimes(
    datetime(2026, 3, 31, 16, tzinfo=ZoneInfo("UTC")),
    datetime(2026, 5, 31, 15, 59, tzinfo=ZoneInfo("UTC")),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st_sat.responses(responded=APRIL_MAY), max_size=40))
def test_two_periods_together_equal_the_sum_of_each_on_stored_responses(
    stored: list[Response],
) -> None:
    core = ItsmCore(clock=FrozenClock(MAY), load_entrypoints=False)
    with core.storage.unit_of_work() as uow:
        for response in stored:
            uow.save(RESPONSE_SPEC, response)
        uow.commit()
    sat = core.satisfaction

    def tallies(periods: list[str]) -> dict[tuple[str | None, ...], Tally]:
        figures = sat.analysis.figures(QS, periods, group_by=["service", "channel"])
        return {(f.key["service"], f.key["channel"]): f.tally for f in figures}

    both = tallies(["2026-04", "2026-05"])
    summed: dict[tuple[str | None, ...], Tally] = {}
    for period in ("2026-04", "2026-05"):
        for key, tally in tallies([period]).items():
            summed[key] = summed.get(key, Tally()) + tally
    assert set(both) == set(summed)
    for key, tally in both.items():
        other = summed[key]
        assert (tally.n, tally.top_box, tally.nps_n) == (other.n, other.top_box, other.nps_n)
        assert (tally.promoters, tally.detractors) == (other.promoters, other.detractors)
        assert tally.normalised_sum == pytest.approx(other.normalised_sum)
        assert tally.csat is not None and 0 <= tally.csat <= 100
        assert tally.nps is None or -100 <= tally.nps <= 100
    # and against the responses themselves: every one is counted once, top box as scored
    assert sum(t.n for t in both.values()) == len(stored)
    assert sum(t.top_box for t in both.values()) == sum(r.score.top_box for r in stored)
