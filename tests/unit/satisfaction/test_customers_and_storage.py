"""The customer register, and the storage specs: records round-trip, indexes aggregate."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import find, given
from hypothesis.errors import HypothesisWarning

from itsm_core import AccessDenied, Actor, ConflictError, NotFound
from itsm_core.satisfaction import (
    CUSTOMER_SPEC,
    RESPONSE_SPEC,
    SERVICE_RECORD_SPEC,
    Question,
    Response,
    ServiceRecord,
    satisfaction_specs,
)
from itsm_core.storage.base import AggregateSpec, Measure, Query
from itsm_core.testing import satisfaction as st_sat

from ._support import COORD, DESK, ENG, OM, RM, T0, closed_record, customer_actor, make_core

AUDITOR = Actor("qa", ["quality_specialist"], "质控专员")


def test_customer_register_and_key_flag() -> None:
    core, clock = make_core()
    sat = core.satisfaction
    acme = sat.customers.register(RM, "acme", name="ACME 集团", key=True, note="战略客户")
    assert (acme.key, acme.key_since) == (True, T0)
    with pytest.raises(ConflictError, match="registered already"):
        sat.customers.register(RM, "acme", name="again")
    sat.customers.register(OM, "globex", name="Globex")
    assert not sat.customers.get(COORD, "globex").key
    assert [c.id for c in sat.customers.find(COORD, key=False)] == ["globex"]
    with pytest.raises(NotFound):
        sat.customers.get(COORD, "unknown")
    clock.advance(days=1)
    globex = sat.customers.set_key(OM, "globex", note="续约")
    assert (globex.key, globex.key_since) == (True, T0 + timedelta(days=1))
    sat.customers.set_key(OM, "globex")  # unchanged: no event
    assert len(core.history(AUDITOR, "customer_profile", "globex")) == 2
    assert [e.name for e in sat.customers.history(COORD, "globex")] == [
        "customer_profile.registered",
        "customer_profile.key_changed",
    ]
    assert [c.id for c in sat.customers.find(COORD, key=True)] == ["acme", "globex"]
    sat.customers.set_key(OM, "acme", key=False)
    assert sat.customers.get(COORD, "acme").key_since is None
    assert [c.id for c in sat.customers.find(COORD, key=True)] == ["globex"]
    with pytest.raises(NotFound):
        sat.customers.set_key(OM, "nobody")
    with pytest.raises(AccessDenied, match="register a customer"):
        sat.customers.register(ENG, "x", name="X")
    with pytest.raises(AccessDenied):
        sat.customers.find(customer_actor("alice"), key=True)


def roundtrip(spec: AggregateSpec[Any], entity: Any) -> None:
    record = spec.to_record(entity)
    json.dumps(record)  # JSON-able
    again = spec.from_record(json.loads(json.dumps(record)))
    assert spec.to_record(again) == record
    assert spec.index_values(again) == spec.index_values(entity)


@given(st_sat.responses())
def test_responses_round_trip(response: Response) -> None:
    roundtrip(RESPONSE_SPEC, response)
    values = RESPONSE_SPEC.index_values(response)
    assert values["nps_eligible"] in (0, 1) and values["top_box"] in (0, 1)
    assert values["promoter"] <= values["nps_eligible"]
    assert values["detractor"] <= values["nps_eligible"]
    assert 0.0 <= values["normalised"] <= 1.0
    assert len(values["period"]) == 7


@given(st_sat.service_records())
def test_service_records_round_trip(record: ServiceRecord) -> None:
    roundtrip(SERVICE_RECORD_SPEC, record)
    values = SERVICE_RECORD_SPEC.index_values(record)
    assert (values["closed_day"] is None) == (record.closed_at is None)
    assert values["complete"] == int(record.complete)
    if values["complete"]:
        assert record.engineer and record.resolution and record.closed_at


def test_every_kind_round_trips_after_a_full_programme() -> None:
    core, clock = make_core()
    sat = core.satisfaction
    sat.customers.register(RM, "acme", name="ACME", key=True)
    closed_record(core, "T1")
    clock.advance(hours=4)
    cb = sat.callbacks.schedule(COORD, "T1")
    sat.callbacks.record_outcome(COORD, cb.id, outcome="unreachable", reason="忙线")
    sat.callbacks.record_outcome(
        COORD, cb.id, outcome="not_solved", reason="仍故障", score=2, comment="慢"
    )
    sat.service_records.resolve(ENG, "T1", resolution="再次处理")
    campaign = sat.surveys.create_campaign(
        OM,
        title="t",
        motive="periodic",
        service="desktop",
        target_customers=["acme"],
        questions=[Question("q", "总体", "stars_5")],
    )
    sat.surveys.open_campaign(OM, campaign.id)
    (inv,) = sat.surveys.invite(OM, campaign.id, respondents=[("acme", "alice")]).invited
    clock.advance(days=4)
    sat.surveys.remind(OM, campaign.id)
    sat.surveys.submit_survey(customer_actor("alice"), inv.token, answers={"q": "4星"})
    sat.surveys.close_campaign(OM, campaign.id)
    specs = {s.kind: s for s in satisfaction_specs()}
    with core.storage.unit_of_work() as uow:
        for kind, spec in specs.items():
            found = uow.find(spec)
            assert found, kind
            for entity in found:
                roundtrip(spec, entity)
    assert sorted(specs) == [
        "customer_profile",
        "satisfaction_response",
        "service_callback",
        "service_record",
        "survey_campaign",
        "survey_invitation",
    ]
    assert CUSTOMER_SPEC.index_values(sat.customers.get(OM, "acme"))["key"] == 1


def test_statistics_can_be_computed_in_the_store_over_the_index() -> None:
    core, _ = make_core()
    for n, score in enumerate([5, 4, 1, 3]):
        closed_record(core, f"T{n}")
        core.satisfaction.responses.record_ticket_score(
            DESK, f"T{n}", score=score, respondent="alice"
        )
    with core.storage.unit_of_work() as uow:
        (row,) = uow.aggregate(
            RESPONSE_SPEC,
            Query.eq(channel="ticket", period="2026-05"),
            ["service"],
            [
                Measure("n", "count"),
                Measure("top", "sum", "top_box"),
                Measure("sum", "sum", "normalised"),
            ],
        )
    assert row == {"service": "desktop", "n": 4, "top": 2, "sum": 1.0 + 0.75 + 0.0 + 0.5}


def test_strategies_take_a_strategy_of_instants_without_warning() -> None:
    may = st_sat.aware_datetimes(datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 2, tzinfo=UTC))
    with warnings.catch_warnings():
        warnings.simplefilter("error", HypothesisWarning)
        response = find(st_sat.responses(responded=may), lambda r: True)
        record = find(st_sat.service_records(opened=may), lambda r: True)
    assert (
        datetime(2026, 5, 1, tzinfo=UTC)
        <= response.responded_at
        <= datetime(2026, 5, 2, tzinfo=UTC)
    )
    assert record.opened_at.month == 5
