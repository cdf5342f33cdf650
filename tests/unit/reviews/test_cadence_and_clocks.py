"""Review plans schedule reviews on working days; a review's due clock starts, stops, breaches."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from itsm_core import SYSTEM, FrozenClock, ItsmCore
from itsm_core.calendars import BusinessCalendar
from itsm_core.kernel.errors import AccessDenied, InvalidTransition, ValidationError
from itsm_core.reviews import Cadence, ReviewState
from itsm_core.reviews.plans import first_working_day, period_bounds
from itsm_core.sla import TargetKind
from itsm_core.testing import RecordingNotifier

from .conftest import COORD, PM, T0, TZ, planned, prepared

CHINA = BusinessCalendar.china()


def test_cadence_labels_and_lengths() -> None:
    assert [(c.zh, c.months) for c in Cadence] == [("月度", 1), ("季度", 3), ("年度", 12)]
    assert period_bounds(date(2026, 1, 31), Cadence.MONTHLY, 1) == (
        date(2026, 2, 28),
        date(2026, 3, 31),
    )
    annual = period_bounds(date(2026, 1, 1), Cadence.ANNUAL, 0)
    assert annual == (date(2026, 1, 1), date(2027, 1, 1))


def test_a_review_after_the_national_day_falls_on_the_first_working_day(core: ItsmCore) -> None:
    # Q3 2026 ends on 1 October, in the National Day holiday (1-7 October 2026, official data)
    plan = core.reviews.create_plan(
        PM, customer="ACME", cadence="quarterly",
        first_period_start=datetime(2026, 7, 1, tzinfo=TZ), time_of_day="14:30",
    )  # fmt: skip
    (review_id,) = plan.review_ids
    review = core.reviews.get(PM, review_id)
    assert review.scheduled_at == datetime(2026, 10, 8, 14, 30, tzinfo=TZ)
    assert first_working_day(CHINA, date(2026, 10, 1)) == date(2026, 10, 8)
    assert CHINA.is_working_day(review.scheduled_at.date())
    assert review.period_start == datetime(2026, 7, 1, tzinfo=TZ)
    assert review.period_end == datetime(2026, 10, 1, tzinfo=TZ)
    assert review.plan_id == plan.id and review.state is ReviewState.PLANNED
    assert review.due_at == datetime(2026, 10, 9, 14, 30, tzinfo=TZ)


def test_a_weekend_review_date_moves_to_monday(core: ItsmCore) -> None:
    # the monthly period ending 1 August 2026 (a Saturday)
    plan = core.reviews.create_plan(
        PM, customer="ACME", cadence=Cadence.MONTHLY,
        first_period_start=datetime(2026, 7, 1, tzinfo=TZ),
    )  # fmt: skip
    review = core.reviews.get(PM, plan.review_ids[0])
    assert review.scheduled_at == datetime(2026, 8, 3, 10, 0, tzinfo=TZ)


def test_the_plan_keeps_ahead_reviews_scheduled_and_skips_past_periods(
    core: ItsmCore, clock: FrozenClock
) -> None:
    plan = core.reviews.create_plan(
        PM, customer="ACME", cadence="monthly", ahead=2,
        first_period_start=datetime(2026, 3, 1, tzinfo=TZ),  # March and April are past
    )  # fmt: skip
    reviews = [core.reviews.get(PM, r) for r in plan.review_ids]
    # May's review falls on 1 June 10:00, after now (1 June 09:00)
    assert [r.period_start.month for r in reviews] == [5, 6]
    assert plan.scheduled == 4  # two periods skipped, two scheduled
    events = core.reviews.history(PM, reviews[0].id)
    assert events[0].name == "service_review.planned"
    assert core.reviews.schedule(PM, plan.id).review_ids == plan.review_ids  # nothing to add
    clock.advance(timedelta(days=40))  # both review dates (1 June, 1 July) have passed
    topped = core.reviews.schedule(PM, plan.id)
    added = [core.reviews.get(PM, r) for r in topped.review_ids[2:]]
    assert [r.period_start.month for r in added] == [7, 8]
    with pytest.raises(AccessDenied):
        core.reviews.schedule(COORD, plan.id)
    ended = core.reviews.end_plan(PM, plan.id, reason="contract ended")
    with pytest.raises(InvalidTransition):
        core.reviews.schedule(PM, ended.id)
    assert [p.id for p in core.reviews.find_plans(PM, customer="ACME", active=False)] == [plan.id]


def test_bad_plans_are_refused(core: ItsmCore) -> None:
    start = datetime(2026, 7, 1, tzinfo=TZ)
    for bad in ({"cadence": "weekly"}, {"time_of_day": "25:00"}, {"ahead": 0},
                {"calendar": "nowhere"}, {"first_period_start": datetime(2026, 7, 1)}):  # fmt: skip
        fields = {"customer": "ACME", "cadence": "quarterly", "first_period_start": start, **bad}
        with pytest.raises(ValidationError):
            core.reviews.create_plan(PM, **fields)  # type: ignore[arg-type]
    assert core.reviews.find_plans(PM) == []


# -- the due clock -----------------------------------------------------------------------


def _clock(core: ItsmCore, review_id: str) -> list[object]:
    return core.sla.find(PM, subject_kind="service_review", subject_id=review_id)


def test_the_due_clock_starts_when_planned_and_stops_when_held(core: ItsmCore) -> None:
    review = prepared(core)
    (clock,) = core.sla.find(PM, subject_id=review.id)
    assert clock.target is TargetKind.REVIEW and clock.state.value == "running"
    assert clock.due_at == review.due_at
    core.reviews.hold(PM, review.id, attended=["zhao", "pm-1", "om-1"], record="r",
                      at=review.scheduled_at)  # fmt: skip
    (clock,) = core.sla.find(PM, subject_id=review.id)
    assert clock.state.value == "stopped" and clock.breached_at is None


def test_the_due_clock_stops_when_cancelled_and_follows_a_reschedule(core: ItsmCore) -> None:
    review = planned(core)
    new = review.scheduled_at + timedelta(days=14)
    moved = core.reviews.reschedule(PM, review.id, scheduled_at=new, reason="customer away")
    (clock,) = core.sla.find(PM, subject_id=review.id)
    assert clock.due_at == moved.due_at and clock.state.value == "running"
    core.reviews.cancel(PM, review.id, reason="no longer needed")
    (clock,) = core.sla.find(PM, subject_id=review.id)
    assert clock.state.value == "stopped"


def test_an_overdue_review_breaches_through_the_tick(
    core: ItsmCore, clock: FrozenClock, recorder: RecordingNotifier
) -> None:
    review = planned(core)
    clock.advance(timedelta(days=10))
    core.sla.tick(SYSTEM)
    warnings = recorder.calls_of("itsm_sla_warning")
    breaches = recorder.calls_of("itsm_sla_breach")
    assert warnings and breaches
    assert {n.subject_id for n in breaches} == {review.id}
    assert {n.target for n in breaches} == {TargetKind.REVIEW}
    assert core.reviews.find(PM, state=["planned", "prepared"], due_before=clock.now())[0].id == (
        review.id
    )
    assert core.reviews.get(PM, review.id).is_overdue(clock.now())


def test_without_the_sla_service_no_clock_runs() -> None:
    from itsm_core.reviews import ReviewService

    with ItsmCore("memory://", clock=FrozenClock(T0), load_entrypoints=False) as core:
        service = ReviewService(core.runtime)
        review = service.plan(PM, customer="ACME", scheduled_at=T0 + timedelta(days=2),
                              period_start=T0 - timedelta(days=90), period_end=T0)  # fmt: skip
        assert core.sla.find(PM, subject_id=review.id) == []
        assert review.due_at == T0 + timedelta(days=3)  # 24×7: one day later
