"""Responses on the ticket, monthly and other channels; the response spec's index fields."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from itsm_core import AccessDenied, Actor, ConflictError, NotFound, ValidationError
from itsm_core.satisfaction import RESPONSE_SPEC, Channel, SatisfactionPolicy, SubjectKind

from ._support import COORD, DESK, ENG, OM, PM, QS, SH, T0, closed_record, customer_actor, make_core

AUDITOR = Actor("qa", ["quality_specialist"], "质控专员")

RESPONSE_FIELDS = {
    "channel": "str",
    "customer": "str",
    "service": "str",
    "engineer": "str",
    "period": "str",
    "responded_at": "datetime",
    "scale": "str",
    "normalised": "float",
    "top_box": "int",
    "promoter": "int",
    "detractor": "int",
    "nps_eligible": "int",
    "campaign_id": "str",
    "subject_kind": "str",
    "subject_ref": "str",
    "respondent": "str",
}


def test_response_spec_has_the_agreed_index_fields() -> None:
    types = {f.name: f.type for f in RESPONSE_SPEC.index}
    for name, kind in RESPONSE_FIELDS.items():
        assert types[name] == kind, name
    assert RESPONSE_SPEC.kind == "satisfaction_response"


def test_ticket_score_records_channel_subject_engineer_and_raw_and_normalised() -> None:
    core, _ = make_core()
    closed_record(core, "T1")
    resp = core.satisfaction.responses.record_ticket_score(
        customer_actor("alice"), "T1", score="满意", comment="快"
    )
    assert resp.channel is Channel.TICKET
    assert (resp.customer, resp.service, resp.engineer) == ("acme", "desktop", "eng-li")
    assert (resp.subject.kind, resp.subject.ref) == (SubjectKind.SERVICE_RECORD, "T1")
    assert (resp.score.scale, resp.score.raw, resp.score.normalised) == ("five_level", 4, 0.75)
    assert resp.respondent == "alice"
    assert resp.responded_at == T0
    assert resp.comment == "快"
    assert resp.complaint_id is None
    stored = core.satisfaction.responses.get(OM, resp.id)
    assert stored.score == resp.score
    values = RESPONSE_SPEC.index_values(stored)
    assert values["period"] == "2026-05"
    assert values["top_box"] == 1 and values["promoter"] == 0 and values["nps_eligible"] == 0
    assert values["campaign_id"] is None
    events = core.history(AUDITOR, "satisfaction_response", resp.id)
    assert [e.name for e in events] == ["satisfaction_response.recorded"]


def test_period_is_the_local_month_in_the_configured_zone() -> None:
    core, clock = make_core()
    closed_record(core, "T1")
    # 2026-05-31 17:30 UTC is already June in Shanghai, still May in New York
    at = datetime(2026, 5, 31, 17, 30, tzinfo=ZoneInfo("UTC"))
    clock.set(at + timedelta(hours=1))
    resp = core.satisfaction.responses.record_ticket_score(
        DESK, "T1", score=5, respondent="alice", at=at
    )
    assert resp.period == "2026-06"
    ny, clock = make_core(timezone="America/New_York")
    closed_record(ny, "T1")
    assert ny.satisfaction.responses.record_ticket_score(
        DESK, "T1", score=5, respondent="alice", at=at
    ).period == ("2026-05")


def test_ticket_score_needs_a_handled_record() -> None:
    core, _ = make_core()
    core.satisfaction.service_records.register(
        DESK, "T2", customer="acme", service="desktop", opened_at=T0 - timedelta(hours=1)
    )
    with pytest.raises(ValidationError, match="resolved or closed"):
        core.satisfaction.responses.record_ticket_score(DESK, "T2", score=5, respondent="alice")
    with pytest.raises(NotFound):
        core.satisfaction.responses.record_ticket_score(DESK, "nope", score=5, respondent="alice")


def test_ticket_score_respondent_rules() -> None:
    core, _ = make_core()
    closed_record(core, "T1", requester=None)
    with pytest.raises(ValidationError, match="respondent is required"):
        core.satisfaction.responses.record_ticket_score(DESK, "T1", score=5)
    with pytest.raises(AccessDenied, match="only as themselves"):
        core.satisfaction.responses.record_ticket_score(
            customer_actor("bob"), "T1", score=5, respondent="alice"
        )
    with pytest.raises(ValidationError, match="cannot score their own"):
        core.satisfaction.responses.record_ticket_score(ENG, "T1", score=5, respondent="eng-li")
    with pytest.raises(AccessDenied, match="record a service ticket score"):
        core.satisfaction.responses.record_ticket_score(OM, "T1", score=5, respondent="alice")
    resp = core.satisfaction.responses.record_ticket_score(ENG, "T1", score=5, respondent="alice")
    assert resp.recorded_by == "eng-li"


def test_out_of_range_score_is_refused_and_nothing_is_stored() -> None:
    core, _ = make_core(default_scale="score_1_5")
    closed_record(core, "T1")
    with pytest.raises(ValidationError, match="whole numbers 1–5"):
        core.satisfaction.responses.record_ticket_score(DESK, "T1", score=6, respondent="alice")
    assert core.satisfaction.responses.find(OM) == []


def test_a_retry_returns_the_stored_response_and_a_different_score_conflicts() -> None:
    core, clock = make_core()
    closed_record(core, "T1")
    first = core.satisfaction.responses.record_ticket_score(DESK, "T1", score=4, respondent="alice")
    clock.advance(minutes=5)
    again = core.satisfaction.responses.record_ticket_score(
        DESK, "T1", score="satisfied", respondent="alice"
    )
    assert again.id == first.id and again.responded_at == first.responded_at
    with pytest.raises(ConflictError, match="already recorded"):
        core.satisfaction.responses.record_ticket_score(DESK, "T1", score=2, respondent="alice")
    assert len(core.satisfaction.responses.find(OM)) == 1


def test_comment_required_at_or_below_the_configured_level() -> None:
    core, _ = make_core(comment_required_at_or_below=0.25)
    for n in (1, 2, 3):
        closed_record(core, f"T{n}")
    with pytest.raises(ValidationError, match="comment is required") as info:
        core.satisfaction.responses.record_ticket_score(
            DESK, "T1", score="dissatisfied", respondent="alice"
        )
    assert info.value.field == "comment"
    with pytest.raises(ValidationError, match="comment is required"):
        core.satisfaction.responses.record_ticket_score(
            DESK, "T1", score=2, respondent="alice", comment="  "
        )
    ok = core.satisfaction.responses.record_ticket_score(
        DESK, "T1", score="dissatisfied", respondent="alice", comment="等了两天"
    )
    assert ok.comment == "等了两天"
    assert (
        core.satisfaction.responses.record_ticket_score(
            DESK, "T2", score="neutral", respondent="alice"
        ).comment
        is None
    )


def test_policy_comment_threshold_on_the_seed_scale() -> None:
    policy = SatisfactionPolicy(comment_required_at_or_below=1 / 3)
    assert policy.comment_required(0.0) and policy.comment_required(1 / 3)
    assert not policy.comment_required(2 / 3)
    assert not SatisfactionPolicy().comment_required(0.0)


def test_monthly_score_one_per_customer_service_and_month() -> None:
    core, clock = make_core()
    resp = core.satisfaction.responses.record_monthly_score(
        PM, customer="acme", service="desktop", month="2026-04", score=5, respondent="zhao"
    )
    assert resp.channel is Channel.MONTHLY
    assert (resp.subject.kind, resp.subject.ref) == (SubjectKind.MONTH, "2026-04")
    assert resp.period == "2026-05"  # the month it was given in
    clock.advance(days=1)
    assert (
        core.satisfaction.responses.record_monthly_score(
            PM, customer="acme", service="desktop", month="2026-04", score=5, respondent="zhao"
        ).id
        == resp.id
    )
    me = customer_actor("zhao")
    other = core.satisfaction.responses.record_monthly_score(
        me, customer="acme", service="network", month="2026-04", score="一般"
    )
    assert other.respondent == "zhao"
    with pytest.raises(ValidationError, match="YYYY-MM"):
        core.satisfaction.responses.record_monthly_score(
            PM, customer="acme", service="desktop", month="2026-4", score=5, respondent="zhao"
        )
    with pytest.raises(AccessDenied):
        core.satisfaction.responses.record_monthly_score(
            COORD, customer="acme", service="x", month="2026-04", score=5, respondent="zhao"
        )


def test_generic_response_with_idempotency_key_and_no_survey_channel() -> None:
    core, _ = make_core()
    resp = core.satisfaction.responses.record_response(
        QS,
        channel="callback",
        customer="acme",
        service="complaint-handling",
        subject_kind="complaint",
        subject_ref="cmp-1",
        score="satisfied",
        respondent="alice",
        response_id="cmp-1-callback",
    )
    assert resp.id == "cmp-1-callback"
    assert resp.subject.kind is SubjectKind.COMPLAINT
    again = core.satisfaction.responses.record_response(
        QS,
        channel="callback",
        customer="acme",
        service="complaint-handling",
        subject_kind="complaint",
        subject_ref="cmp-1",
        score=4,
        respondent="alice",
        response_id="cmp-1-callback",
    )
    assert again.id == resp.id
    with pytest.raises(ValidationError, match="invitation token"):
        core.satisfaction.responses.record_response(
            QS,
            channel="survey",
            customer="acme",
            service="s",
            subject_kind="campaign",
            subject_ref="c",
            score=4,
            respondent="alice",
        )
    with pytest.raises(ValidationError, match="allowed: service_record"):
        core.satisfaction.responses.record_response(
            QS,
            channel="ticket",
            customer="acme",
            service="s",
            subject_kind="planet",
            subject_ref="c",
            score=4,
            respondent="alice",
        )


def test_naive_instants_are_refused() -> None:
    core, _ = make_core()
    closed_record(core, "T1")
    with pytest.raises(ValidationError, match="timezone-aware"):
        core.satisfaction.responses.record_ticket_score(
            DESK, "T1", score=4, respondent="alice", at=datetime(2026, 5, 11, 10)
        )


def test_listing_responses_by_index_fields() -> None:
    core, clock = make_core()
    for n in range(3):
        closed_record(core, f"T{n}", service="desktop" if n else "network")
        core.satisfaction.responses.record_ticket_score(
            DESK, f"T{n}", score=3 + n, respondent="alice"
        )
        clock.advance(hours=1)
    assert [r.subject.ref for r in core.satisfaction.responses.find(OM, service="desktop")] == [
        "T1",
        "T2",
    ]
    assert len(core.satisfaction.responses.find(OM, channel="ticket", period="2026-05")) == 3
    assert core.satisfaction.responses.find(OM, period="2026-06") == []
    assert len(core.satisfaction.responses.find(OM, limit=2)) == 2
    with pytest.raises(AccessDenied):
        core.satisfaction.responses.find(customer_actor("alice"))
    assert SH.key == "Asia/Shanghai"


def test_a_subject_reference_must_be_text_and_nothing_is_stored_otherwise() -> None:
    core, _ = make_core()
    for ref in (5, ["T1"], b"T1"):
        with pytest.raises(ValidationError, match="subject_ref must be a string") as caught:
            core.satisfaction.responses.record_response(
                DESK,
                channel="ticket",
                customer="acme",
                service="desktop",
                subject_kind="review",
                subject_ref=ref,  # type: ignore[arg-type]
                score=4,
                respondent="alice",
            )
        assert caught.value.field == "subject_ref"
    assert core.satisfaction.responses.find(OM) == []
    stored = core.satisfaction.responses.record_response(
        DESK,
        channel="ticket",
        customer="acme",
        service="desktop",
        subject_kind="review",
        subject_ref=" R-1 ",
        score=4,
        respondent="alice",
    )
    assert stored.subject.ref == "R-1"
    assert [r.id for r in core.satisfaction.responses.find(OM, subject_ref="R-1")] == [stored.id]


@pytest.mark.parametrize("flag", ["no", 0, None])
def test_the_policy_flags_are_booleans(flag: object) -> None:
    with pytest.raises(ValidationError, match="True or False") as caught:
        SatisfactionPolicy(dissatisfied_callback_opens_complaint=flag)  # type: ignore[arg-type]
    assert caught.value.field == "dissatisfied_callback_opens_complaint"
    assert not SatisfactionPolicy(
        dissatisfied_callback_opens_complaint=False
    ).dissatisfied_callback_opens_complaint
