"""Figures per group, combined channels, changes, response rates — all through aggregate."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from itsm_core import AccessDenied, ValidationError
from itsm_core.satisfaction.analysis import (
    ChannelWeights,
    Dimension,
    LevelRule,
    MissingChannels,
    Trend,
)
from itsm_core.satisfaction.analysis.sources import AnalysisSources

from .fakes import (
    COORDINATOR,
    DIRECTOR,
    ENGINEER,
    INVITATIONS,
    MANAGER,
    QUALITY,
    RESPONSES,
    make_analysis,
    make_runtime,
    many,
    response,
    responses,
    store,
)

DIMS = ["service", "customer", "channel", "engineer", "period"]


def seeded():  # type: ignore[no-untyped-def]
    runtime = make_runtime()
    rows = []
    for i, (svc, cust, chan, eng, per) in enumerate(
        itertools.product(
            ["desktop", "network"],
            ["acme", "globex"],
            ["ticket", "callback", "survey"],
            ["e1", None],
            ["2026-04", "2026-05"],
        )
    ):
        for j in range(i % 4 + 1):
            rows.append(
                response(
                    service=svc,
                    customer=cust,
                    channel=chan,
                    engineer=eng,
                    period=per,
                    normalised=[1.0, 0.75, 0.5, 0.25][(i + j) % 4],
                )
            )
    store(runtime, RESPONSES, rows)
    return runtime, rows


@pytest.mark.parametrize(
    "group_by",
    [combo for r in range(len(DIMS) + 1) for combo in itertools.combinations(DIMS, r)],
    ids=lambda c: "+".join(c) or "none",
)
def test_any_grouping_matches_a_direct_count(group_by: tuple[str, ...]) -> None:
    runtime, rows = seeded()
    sat = make_analysis(runtime)
    found = sat.analysis.figures(QUALITY, ["2026-04", "2026-05"], group_by=group_by)
    expected: dict[tuple[str | None, ...], list[dict[str, object]]] = {}
    for row in rows:
        expected.setdefault(tuple(row[d] for d in group_by), []).append(row)  # type: ignore[misc]
    assert len(found) == len(expected)
    for fig in found:
        members = expected[tuple(fig.key[d] for d in group_by)]
        assert fig.n == len(members)
        top = sum(1 for m in members if m["top_box"])
        assert fig.csat == pytest.approx(100 * top / len(members))
        assert fig.mean == pytest.approx(sum(m["normalised"] for m in members) / len(members))  # type: ignore[misc]
        assert fig.nps is None
    assert sum(f.n for f in found) == len(rows)
    # never a response loaded: only aggregate over the responses
    calls = runtime.storage.calls  # type: ignore[attr-defined]
    assert calls[("find", "satisfaction_response")] == 0
    assert calls[("get", "satisfaction_response")] == 0
    assert calls[("aggregate", "satisfaction_response")] == 1


def test_filters_and_nps_only_from_eligible_responses() -> None:
    runtime = make_runtime()
    responses(
        runtime,
        *[response(channel="survey", nps=score) for score in (10, 9, 8, 7, 6, 0)],
        *many(4, 4, channel="ticket"),
        response(service="network"),
    )
    sat = make_analysis(runtime)
    (everything,) = sat.analysis.figures(MANAGER, "2026-05", service="desktop")
    assert everything.n == 10
    assert everything.tally.nps_n == 6
    assert everything.nps == pytest.approx(100 * (2 - 2) / 6)
    by_channel = {
        f.key["channel"]: f
        for f in sat.analysis.figures(MANAGER, "2026-05", group_by=["channel"], service="desktop")
    }
    assert by_channel["ticket"].nps is None
    assert by_channel["survey"].nps == 0.0
    (network,) = sat.analysis.figures(MANAGER, "2026-05", service=["network"])
    assert network.n == 1
    assert sat.analysis.figures(MANAGER, "2026-05", customer="nobody") == ()
    text = everything.describe("zh")
    assert "满意率" in text and "样本量小" in text
    assert "CSAT" in everything.describe("en") and "small sample" in everything.describe("en")
    assert everything.to_dict()["n"] == 10


def test_deviation_from_the_target_of_the_service() -> None:
    runtime = make_runtime()
    responses(runtime, *many(40, 30), *many(10, 10, customer="globex"))
    sat = make_analysis(runtime)
    sat.targets.set_target(
        DIRECTOR, "desktop", target=90, levels=[LevelRule("green", 90), LevelRule("red")]
    )
    sat.targets.set_target(
        DIRECTOR,
        "desktop",
        customer="acme",
        target=70,
        levels=[LevelRule("green", 70), LevelRule("red")],
    )
    (overall,) = sat.analysis.figures(QUALITY, "2026-05", group_by=["service"])
    assert overall.deviation is not None
    assert overall.deviation.target == 90
    assert overall.deviation.difference == pytest.approx(80 - 90)
    assert overall.deviation.below_target
    per_customer = {
        f.key["customer"]: f
        for f in sat.analysis.figures(QUALITY, "2026-05", group_by=["service", "customer"])
    }
    assert per_customer["acme"].deviation is not None
    assert per_customer["acme"].deviation.target == 70  # its own target
    assert per_customer["globex"].deviation is not None
    assert per_customer["globex"].deviation.target == 90  # the service's
    (by_channel,) = sat.analysis.figures(QUALITY, "2026-05", group_by=["channel"])
    assert by_channel.deviation is None  # several services pooled: no target applies
    (one_service,) = sat.analysis.figures(QUALITY, "2026-05", service="desktop")
    assert one_service.deviation is not None and "目标" in one_service.describe()


def test_combined_channels_with_weights() -> None:
    runtime = make_runtime()
    responses(
        runtime,
        *many(10, 10, channel="ticket"),
        *many(10, 0, channel="callback"),
        *many(5, 5, channel="ticket", service="network"),
    )
    weights = ChannelWeights({"ticket": 1, "callback": 3, "survey": 2})
    sat = make_analysis(runtime, weights=weights)
    combined = {
        c.key["service"]: c for c in sat.analysis.combined(MANAGER, "2026-05", group_by=["service"])
    }
    desktop = combined["desktop"]
    assert desktop.csat == pytest.approx(25.0)
    assert desktop.weighted.channels_missing == ("survey",)
    assert desktop.weighted.coverage == pytest.approx(4 / 6)
    assert desktop.n == 20 and desktop.nps is None
    assert combined["network"].csat == 100.0
    strict = ChannelWeights(weights.weights, MissingChannels.STRICT)
    (refused,) = sat.analysis.combined(MANAGER, "2026-05", weights=strict, service="desktop")
    assert refused.csat is None
    assert "加权渠道" in desktop.describe() and "weighted" in desktop.describe("en")
    with pytest.raises(ValidationError, match="channel"):
        sat.analysis.combined(MANAGER, "2026-05", group_by=["channel"])
    with pytest.raises(ValidationError, match="weights"):
        make_analysis(runtime).analysis.combined(MANAGER, "2026-05")


def test_changes_against_the_previous_period() -> None:
    runtime = make_runtime()
    responses(
        runtime,
        *many(100, 60, period="2026-04"),
        *many(100, 90, period="2026-05"),
        *many(10, 5, period="2026-04", service="network"),
        *many(10, 6, period="2026-05", service="network"),
        *many(10, 6, period="2026-05", service="storage"),
    )
    sat = make_analysis(runtime)
    changes = {
        c.key["service"]: c for c in sat.analysis.changes(MANAGER, "2026-05", group_by=["service"])
    }
    desktop = changes["desktop"]
    assert desktop.previous_period == "2026-04"
    assert desktop.csat_change == pytest.approx(30.0)
    assert desktop.significant and desktop.trend is Trend.IMPROVED
    assert not desktop.small_sample
    network = changes["network"]
    assert network.trend is Trend.STABLE and network.small_sample
    assert changes["storage"].trend is Trend.INSUFFICIENT_DATA
    assert changes["storage"].csat_change is None
    assert "显著上升" in desktop.describe() and "significantly improved" in desktop.describe("en")
    assert desktop.to_dict()["trend"] == "improved"
    (declined,) = sat.analysis.changes(MANAGER, "2026-04", service="desktop")
    assert declined.trend is Trend.INSUFFICIENT_DATA  # nothing in 2026-03
    with pytest.raises(ValidationError, match="period"):
        sat.analysis.changes(MANAGER, "2026-05", group_by=["period"])


def test_response_rates_of_surveys() -> None:
    runtime = make_runtime()
    invited = datetime(2026, 5, 2, 1, tzinfo=UTC)
    store(
        runtime,
        INVITATIONS,
        [
            {"campaign_id": "c1", "customer": "acme", "invited_at": invited, "responded": 1},
            {"campaign_id": "c1", "customer": "acme", "invited_at": invited, "responded": 0},
            {"campaign_id": "c1", "customer": "globex", "invited_at": invited, "responded": 1},
            {"campaign_id": "c2", "customer": "acme", "invited_at": invited, "responded": 0},
            # 2026-04-30 17:00 UTC is 2026-05-01 01:00 in Shanghai: a May invitation
            {
                "campaign_id": "c2",
                "customer": "acme",
                "invited_at": datetime(2026, 4, 30, 17, tzinfo=UTC),
                "responded": 1,
            },
            {
                "campaign_id": "c3",
                "customer": "acme",
                "invited_at": datetime(2026, 4, 10, tzinfo=UTC),
                "responded": 1,
            },
        ],
    )
    responses(
        runtime,
        response(channel="survey", campaign_id="c1"),
        response(channel="survey", campaign_id="c1", customer="globex"),
        response(channel="ticket"),
    )
    sat = make_analysis(runtime)
    rates = {r.key["campaign"]: r.rate for r in sat.analysis.response_rates(MANAGER, "2026-05")}
    assert rates["c1"].numerator == 2 and rates["c1"].denominator == 3
    assert rates["c2"].value == 0.5
    assert "c3" not in rates
    by_customer = {
        (r.key["customer"], r.key["period"]): r.rate
        for r in sat.analysis.response_rates(
            MANAGER, ["2026-04", "2026-05"], group_by=["customer", "period"]
        )
    }
    assert by_customer[("acme", "2026-05")].value == pytest.approx(2 / 4)
    assert by_customer[("acme", "2026-04")].value == 1.0
    # attached to figures when the grouping allows it
    figures = {
        (f.key["customer"], f.key["channel"]): f
        for f in sat.analysis.figures(MANAGER, "2026-05", group_by=["customer", "channel"])
    }
    survey_rate = figures[("acme", "survey")].response_rate
    assert survey_rate is not None and survey_rate.value == pytest.approx(2 / 4)
    assert figures[("acme", "ticket")].response_rate is None
    assert "回复率" in figures[("acme", "survey")].describe()
    (by_service,) = sat.analysis.figures(MANAGER, "2026-05", group_by=["service"])
    assert by_service.response_rate is None
    text = sat.analysis.response_rates(MANAGER, "2026-05")[0].describe("en")
    assert "response rate" in text


def test_figures_read_invitations_only_for_groups_with_a_rate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = make_runtime()
    invited = datetime(2026, 5, 2, 1, tzinfo=UTC)
    store(
        runtime,
        INVITATIONS,
        [{"campaign_id": "c1", "customer": "acme", "invited_at": invited, "responded": 1}],
    )
    responses(runtime, response(channel="ticket"), response(channel="callback"))
    sat = make_analysis(runtime)
    reads: list[tuple[object, ...]] = []
    read_rates = AnalysisSources.invitation_rates

    def counted(self: AnalysisSources, *args: Any) -> Any:
        reads.append(args)
        return read_rates(self, *args)

    monkeypatch.setattr(AnalysisSources, "invitation_rates", counted)
    by_channel = sat.analysis.figures(MANAGER, "2026-05", group_by=["customer", "channel"])
    assert [f.response_rate for f in by_channel] == [None, None]
    assert reads == []  # no group of the survey channel: the invitations are not read
    assert sat.analysis.figures(MANAGER, "2026-04", group_by=["customer"]) == ()
    assert reads == []  # no group at all
    responses(runtime, response(channel="survey", campaign_id="c1"))
    by_channel = sat.analysis.figures(MANAGER, "2026-05", group_by=["customer", "channel"])
    rates = {f.key["channel"]: f.response_rate for f in by_channel}
    assert rates["ticket"] is None and rates["callback"] is None
    survey = rates["survey"]
    assert survey is not None and survey.value == 1.0
    assert len(reads) == 1
    (overall,) = sat.analysis.figures(MANAGER, "2026-05", group_by=["customer"])
    assert overall.response_rate is not None and overall.response_rate.value == 1.0
    assert len(reads) == 2


def test_who_may_read_and_bad_inputs() -> None:
    runtime = make_runtime()
    sat = make_analysis(runtime)
    for actor in (MANAGER, DIRECTOR, QUALITY, COORDINATOR):
        assert sat.analysis.figures(actor, "2026-05") == ()
    with pytest.raises(AccessDenied, match="relationship_manager"):
        sat.analysis.figures(ENGINEER, "2026-05")
    with pytest.raises(ValidationError, match="YYYY-MM"):
        sat.analysis.figures(MANAGER, "2026-13")
    with pytest.raises(ValidationError, match="allowed"):
        sat.analysis.figures(MANAGER, "2026-05", group_by=["colour"])
    with pytest.raises(ValidationError, match="at least one period"):
        sat.analysis.figures(MANAGER, [])
    with pytest.raises(ValidationError, match="empty filter"):
        sat.analysis.figures(MANAGER, "2026-05", service=[])
    assert Dimension.CHANNEL.zh == "渠道"


def test_survey_answers_filtered_by_question() -> None:
    runtime = make_runtime()
    responses(
        runtime,
        *many(10, 9, channel="survey", campaign_id="c1", question="overall"),
        *many(10, 2, channel="survey", campaign_id="c1", question="speed"),
    )
    sat = make_analysis(runtime)
    (every_answer,) = sat.analysis.figures(MANAGER, "2026-05", campaign="c1")
    assert every_answer.n == 20
    (overall,) = sat.analysis.figures(MANAGER, "2026-05", campaign="c1", question="overall")
    assert (overall.n, overall.csat) == (10, 90.0)
    (change,) = sat.analysis.changes(MANAGER, "2026-05", question="speed")
    assert change.current.n == 10
    by_campaign = sat.analysis.figures(MANAGER, "2026-05", group_by=["campaign"])
    assert [f.key["campaign"] for f in by_campaign] == ["c1"]


def test_malformed_groupings_and_filters_are_validation_errors() -> None:
    runtime = make_runtime()
    responses(runtime, *many(4, 3))
    sat = make_analysis(runtime)
    with pytest.raises(ValidationError, match="group_by: give a dimension") as caught:
        sat.analysis.figures(MANAGER, "2026-05", group_by=5)  # type: ignore[arg-type]
    assert caught.value.field == "group_by"
    for bad in (5, b"desktop", {"desktop": 1}):
        with pytest.raises(ValidationError, match="service: filter by one value") as caught:
            sat.analysis.figures(MANAGER, "2026-05", service=bad)  # type: ignore[arg-type]
        assert caught.value.field == "service"
    with pytest.raises(ValidationError, match="non-empty strings, got 5"):
        sat.analysis.figures(MANAGER, "2026-05", customer=["acme", 5])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="service: filter by one value"):
        sat.targets.evaluate(QUALITY, "2026-05", service=5)  # type: ignore[arg-type]
    # a channel that does not exist is named, with the four that do
    for call in (
        lambda: sat.analysis.figures(MANAGER, "2026-05", channel="fax"),
        lambda: sat.analysis.figures(MANAGER, "2026-05", channel=["ticket", "phone"]),
        lambda: sat.analysis.changes(MANAGER, "2026-05", channel="fax"),
    ):
        with pytest.raises(ValidationError, match="allowed: survey, monthly, ticket, callback"):
            call()
    (ticket,) = sat.analysis.figures(MANAGER, "2026-05", channel=["ticket"])
    assert (ticket.n, ticket.csat) == (4, 75.0)


def test_combined_weights_must_be_channel_weights() -> None:
    runtime = make_runtime()
    responses(runtime, *many(4, 3))
    sat = make_analysis(runtime)
    with pytest.raises(ValidationError, match="ChannelWeights") as caught:
        sat.analysis.combined(MANAGER, "2026-05", weights={"ticket": 1})  # type: ignore[arg-type]
    assert caught.value.field == "weights"
    with pytest.raises(ValidationError, match="ChannelWeights"):
        make_analysis(runtime, weights={"ticket": 1})
