"""The review's rules: roles per step, the attendance rule, bad input, reports and campaigns."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from itsm_core import ItsmCore
from itsm_core.improvements import ImprovementSource, ImprovementState
from itsm_core.kernel.errors import (
    AccessDenied,
    AttendanceIncomplete,
    InvalidTransition,
    NotFound,
    ValidationError,
)
from itsm_core.reviews import ReviewState
from itsm_core.satisfaction.enums import CampaignMotive
from itsm_core.satisfaction.model import Question

from .conftest import (
    COORD,
    CUSTOMER,
    NOBODY,
    OD,
    OM,
    OTHER_CUSTOMER,
    PM,
    T0,
    action,
    held,
    minuted,
    planned,
    prepared,
)

# -- roles per step ----------------------------------------------------------------------


@pytest.mark.parametrize("actor", [COORD, OM, OD, CUSTOMER, NOBODY])
def test_only_the_project_manager_plans(core: ItsmCore, actor: object) -> None:
    with pytest.raises(AccessDenied):
        core.reviews.plan(
            actor,  # type: ignore[arg-type]
            customer="ACME",
            scheduled_at=T0 + timedelta(days=3),
            period_start=T0 - timedelta(days=90),
            period_end=T0,
        )
    assert core.reviews.find(PM) == []


def test_the_project_manager_and_the_coordinator_prepare(core: ItsmCore) -> None:
    review = planned(core)
    with pytest.raises(AccessDenied):
        core.reviews.prepare(OM, review.id, scope="s", topics=["t"], agenda=["a"],
                             participants=[("zhao", "customer_representative")])  # fmt: skip
    done = core.reviews.prepare(PM, review.id, scope="s", topics=["t"], agenda=["a"],
                                participants=[("zhao", "customer_representative")])  # fmt: skip
    assert done.state is ReviewState.PREPARED
    again = core.reviews.prepare(COORD, review.id, scope="s2", topics=["t"], agenda=["a"],
                                 participants=[("zhao", "customer_representative")])  # fmt: skip
    assert again.scope == "s2"


def test_only_the_coordinator_writes_the_minutes(core: ItsmCore) -> None:
    review = held(core)
    for actor in (PM, OM):
        with pytest.raises(AccessDenied):
            core.reviews.minute(actor, review.id, minutes="m")
    assert core.reviews.minute(COORD, review.id, minutes="m").state is ReviewState.MINUTED


def test_only_the_project_manager_reports_and_closes(core: ItsmCore) -> None:
    review = minuted(core)
    with pytest.raises(AccessDenied):
        core.reviews.report(COORD, review.id, summary="s")
    reported = core.reviews.report(PM, review.id, summary="s")
    assert reported.state is ReviewState.REPORTED
    with pytest.raises(AccessDenied):
        core.reviews.close(COORD, review.id)
    assert core.reviews.close(PM, review.id).state is ReviewState.CLOSED


def test_holding_is_for_the_project_manager_or_the_coordinator(core: ItsmCore) -> None:
    review = prepared(core)
    with pytest.raises(AccessDenied):
        core.reviews.hold(OM, review.id, attended=["zhao", "pm-1", "om-1"], record="r")
    done = core.reviews.hold(COORD, review.id, attended=["zhao", "pm-1", "om-1"], record="r")
    assert done.state is ReviewState.HELD


def test_cancel_with_a_reason_before_holding_only(core: ItsmCore) -> None:
    review = prepared(core)
    with pytest.raises(AccessDenied):
        core.reviews.cancel(COORD, review.id, reason="x")
    with pytest.raises(ValidationError):
        core.reviews.cancel(PM, review.id, reason="  ")
    done = core.reviews.cancel(PM, review.id, reason="customer reorganised")
    assert done.state is ReviewState.CANCELLED and done.cancel_reason == "customer reorganised"
    other = held(core)
    with pytest.raises(InvalidTransition):
        core.reviews.cancel(PM, other.id, reason="too late")


def test_reschedule_keeps_the_state_and_records_the_move(core: ItsmCore) -> None:
    review = prepared(core)
    new = review.scheduled_at + timedelta(days=7)
    moved = core.reviews.reschedule(COORD, review.id, scheduled_at=new, reason="customer away")
    assert moved.state is ReviewState.PREPARED
    assert moved.scheduled_at == new and moved.due_at > new
    assert moved.reschedules[-1].previous == review.scheduled_at
    assert moved.participants == review.participants
    with pytest.raises(ValidationError):
        core.reviews.reschedule(PM, review.id, scheduled_at=T0 - timedelta(days=1), reason="x")


# -- the attendance rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("attended", "missing"),
    [
        (["pm-1", "om-1"], ("customer_representative",)),
        (["zhao", "om-1"], ("project_manager",)),
        (["zhao", "pm-1"], ("operations_manager|incident_manager",)),
        (["zhao", "pm-1", "od-1", "coord-1"], ("operations_manager|incident_manager",)),
        (["od-1"], ("customer_representative", "project_manager",
                    "operations_manager|incident_manager")),
    ],
)  # fmt: skip
def test_a_refused_hold_names_who_is_missing_and_changes_nothing(
    core: ItsmCore, attended: list[str], missing: tuple[str, ...]
) -> None:
    review = prepared(core)
    before = core.reviews.history(PM, review.id)
    with pytest.raises(AttendanceIncomplete) as refused:
        core.reviews.hold(PM, review.id, attended=attended, record="r")
    assert refused.value.missing == missing
    assert isinstance(refused.value, ValidationError)
    after = core.reviews.get(PM, review.id)
    assert after.state is ReviewState.PREPARED and after.attended == ()
    assert core.reviews.history(PM, review.id) == before
    clocks = core.sla.find(PM, subject_id=review.id)
    assert [c.state.value for c in clocks] == ["running"]


@pytest.mark.parametrize("relationship", ["om-1", "im-1"])
def test_one_relationship_representative_is_enough(core: ItsmCore, relationship: str) -> None:
    review = prepared(core)
    done = core.reviews.hold(PM, review.id, attended=["zhao", "pm-1", relationship], record="r")
    assert done.state is ReviewState.HELD
    assert {p.person for p in done.attended} == {"zhao", "pm-1", relationship}


def test_the_operations_director_is_optional_and_uninvited_attendees_count(
    core: ItsmCore,
) -> None:
    review = prepared(core, participants=[("zhao", "customer_representative"),
                                          ("pm-1", "project_manager")])  # fmt: skip
    stand_in = {"person": "im-9", "role": "incident_manager"}
    done = core.reviews.hold(PM, review.id, attended=["zhao", "pm-1", stand_in], record="r")
    assert done.state is ReviewState.HELD
    with pytest.raises(ValidationError, match="not invited"):
        other = prepared(core)
        core.reviews.hold(PM, other.id, attended=["zhao", "pm-1", "stranger"], record="r")


def test_third_party_form_counts_the_customer_when_their_opinions_were_gathered(
    core: ItsmCore,
) -> None:
    with pytest.raises(ValidationError, match="third_party"):
        prepared(core, form="third_party")
    review = prepared(core, form="third_party", third_party="赛迪调研")
    # listed as attended, but no opinion of theirs: not counted
    with pytest.raises(AttendanceIncomplete) as refused:
        core.reviews.hold(PM, review.id, attended=["zhao", "pm-1", "om-1"], record="r")
    assert refused.value.missing == ("customer_representative",)
    assert "opinion" in str(refused.value)
    # the PM and a relationship representative still have to take part
    with pytest.raises(AttendanceIncomplete) as refused:
        core.reviews.hold(PM, review.id, attended=["pm-1"], record="r",
                          opinions=[("zhao", "opinion", "响应慢")])  # fmt: skip
    assert refused.value.missing == ("operations_manager|incident_manager",)
    done = core.reviews.hold(PM, review.id, attended=["pm-1", "im-1"], record="r",
                             opinions=[("zhao", "opinion", "响应慢")])  # fmt: skip
    assert done.state is ReviewState.HELD


def test_opinions_are_by_participants_and_each_person_attends_once(core: ItsmCore) -> None:
    review = prepared(core)
    with pytest.raises(ValidationError, match="more than once"):
        core.reviews.hold(PM, review.id, attended=["zhao", "pm-1", "om-1", "zhao"], record="r")
    with pytest.raises(ValidationError, match="opinions"):
        core.reviews.hold(PM, review.id, attended=["zhao", "pm-1", "om-1"], record="r",
                          opinions=[("stranger", "opinion", "x")])  # fmt: skip


# -- bad input ---------------------------------------------------------------------------


def test_naive_datetimes_are_rejected(core: ItsmCore) -> None:
    with pytest.raises(ValidationError):
        core.reviews.plan(PM, customer="ACME", scheduled_at=datetime(2026, 6, 5, 10),
                          period_start=T0 - timedelta(days=90), period_end=T0)  # fmt: skip
    review = planned(core)
    with pytest.raises(ValidationError):
        core.reviews.cancel(PM, review.id, reason="x", at=datetime(2026, 6, 2))
    with pytest.raises(ValidationError):
        core.reviews.find(PM, scheduled_before=datetime(2026, 6, 2))


@pytest.mark.parametrize(
    "change",
    [
        {"customer": ""},
        {"form": "carrier_pigeon"},
        {"period_end": T0 - timedelta(days=200)},
        {"due_at": T0 + timedelta(days=1)},
        {"scheduled_at": T0 - timedelta(hours=1)},
    ],
)
def test_bad_plans_are_typed_errors(core: ItsmCore, change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        planned(core, **change)
    assert core.reviews.find(PM) == []


def test_bad_preparation_and_unknown_ids(core: ItsmCore) -> None:
    review = planned(core)
    for bad in (
        {"topics": []},
        {"participants": [("zhao", "king")]},
        {"participants": [("zhao", "customer_representative"), ("zhao", "project_manager")]},
        {"participants": "zhao"},
    ):
        fields = {"scope": "s", "topics": ["t"], "agenda": ["a"],
                  "participants": [("zhao", "customer_representative")], **bad}  # fmt: skip
        with pytest.raises(ValidationError):
            core.reviews.prepare(PM, review.id, **fields)  # type: ignore[arg-type]
    assert core.reviews.get(PM, review.id).state is ReviewState.PLANNED
    with pytest.raises(NotFound):
        core.reviews.get(PM, "rev-missing")
    with pytest.raises(InvalidTransition):
        core.reviews.hold(PM, review.id, attended=["zhao"], record="r")
    with pytest.raises(ValidationError):
        core.reviews.find(PM, state="unknown")


# -- report: actions become improvement items -------------------------------------------


def test_actions_become_proposed_improvement_items_of_source_service_review(
    core: ItsmCore,
) -> None:
    review = minuted(core)
    reported = core.reviews.report(
        PM, review.id, summary="one problem",
        problems=["network outages", {"description": "slow desk", "service": "desk"}],
        actions=[action(), action(description="desk staffing", owner="desk-lead", service="desk")],
    )  # fmt: skip
    assert [p.service for p in reported.problems] == [None, "desk"]
    ids = [a.improvement_id for a in reported.actions]
    assert all(ids)
    items = core.improvements.find(PM, source_ref=review.id)
    assert sorted(i.id for i in items) == sorted(ids)  # type: ignore[type-var]
    for item in items:
        assert item.source_kind is ImprovementSource.SERVICE_REVIEW
        assert item.state is ImprovementState.PROPOSED
        assert item.customer == "ACME"


def test_a_refused_report_raises_no_item(core: ItsmCore) -> None:
    review = minuted(core)
    with pytest.raises(ValidationError):
        core.reviews.report(PM, review.id, summary="s",
                            actions=[action(), action(due_at=T0 - timedelta(days=1))])  # fmt: skip
    with pytest.raises(ValidationError):
        core.reviews.report(PM, review.id, summary="s", actions=[{"description": "x"}])
    assert core.improvements.find(PM, source_ref=review.id) == []
    assert core.reviews.get(PM, review.id).state is ReviewState.MINUTED


# -- campaigns ---------------------------------------------------------------------------


def test_a_review_opens_a_campaign_of_motive_service_review(core: ItsmCore) -> None:
    review = planned(core)
    questions = [Question("overall", "总体满意度", "score_1_5")]
    with pytest.raises(InvalidTransition):
        core.reviews.open_campaign(PM, review.id, title="t", service="desk", questions=questions)
    review = held(core)
    with pytest.raises(AccessDenied):
        core.reviews.open_campaign(COORD, review.id, title="t", service="desk",
                                   questions=questions)  # fmt: skip
    done = core.reviews.open_campaign(OM, review.id, title="Q2 回顾后满意度调查",
                                      service="desk", questions=questions)  # fmt: skip
    (campaign_id,) = done.campaign_ids
    campaign = core.satisfaction.surveys.get(OM, campaign_id)
    assert campaign.motive is CampaignMotive.SERVICE_REVIEW
    assert campaign.related_ref == review.id
    assert campaign.target_customers == ("ACME",)


# -- reading -----------------------------------------------------------------------------


def test_a_customer_reads_only_the_reviews_they_are_invited_to(core: ItsmCore) -> None:
    review = prepared(core)
    assert core.reviews.get(CUSTOMER, review.id).id == review.id
    with pytest.raises(AccessDenied):
        core.reviews.get(OTHER_CUSTOMER, review.id)
    with pytest.raises(AccessDenied):
        core.reviews.find(CUSTOMER)
    with pytest.raises(AccessDenied):
        core.reviews.history(CUSTOMER, review.id)
    with pytest.raises(AccessDenied):
        core.reviews.get(NOBODY, review.id)


def test_find_by_state_customer_and_period(core: ItsmCore) -> None:
    first = planned(core)
    second = planned(core, customer="BETA", period_start=datetime(2025, 1, 1, tzinfo=T0.tzinfo),
                     period_end=datetime(2025, 4, 1, tzinfo=T0.tzinfo))  # fmt: skip
    assert [r.id for r in core.reviews.find(PM, customer="ACME")] == [first.id]
    in_2025 = core.reviews.find(PM, period_from=datetime(2025, 1, 1, tzinfo=T0.tzinfo),
                                period_before=datetime(2026, 1, 1, tzinfo=T0.tzinfo))  # fmt: skip
    assert [r.id for r in in_2025] == [second.id]
    assert len(core.reviews.find(PM, state=["planned", "prepared"], is_open=True)) == 2
    events = core.reviews.history(PM, first.id)
    assert [e.name for e in events] == ["service_review.planned"]


def test_rescheduling_is_for_the_project_manager_or_the_coordinator(core: ItsmCore) -> None:
    review = planned(core)
    new = review.scheduled_at + timedelta(days=1)
    with pytest.raises(AccessDenied):
        core.reviews.reschedule(OM, review.id, scheduled_at=new, reason="x")
    with pytest.raises(ValidationError):
        core.reviews.reschedule(PM, review.id, scheduled_at=new, reason="")
    assert core.reviews.get(PM, review.id).reschedules == ()


def test_the_history_runs_forwards_and_actions_take_known_fields(core: ItsmCore) -> None:
    review = prepared(core)
    with pytest.raises(ValidationError, match="forwards"):
        core.reviews.cancel(PM, review.id, reason="x", at=T0 - timedelta(days=1))
    other = minuted(core)
    with pytest.raises(ValidationError, match="no field"):
        core.reviews.report(PM, other.id, summary="s", actions=[action(colour="red")])
    with pytest.raises(ValidationError, match="quality indicator"):
        core.reviews.report(PM, other.id, summary="s", actions=[action(quality_indicators=[])])
    events = [e.name for e in core.reviews.history(PM, other.id)]
    assert events == [
        "service_review.planned",
        "service_review.prepared",
        "service_review.held",
        "service_review.minuted",
    ]
