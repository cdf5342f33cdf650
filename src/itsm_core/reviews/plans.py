"""The review plan: a customer's reviews on a cadence, scheduled on the business calendar.

A :class:`ReviewPlan` (服务回顾计划) says how often a customer's services are
reviewed — monthly, quarterly or annually — from the start of the first
period it covers. The review of each period is scheduled on the first working
day on or after the period's end (on the plan's business calendar, at the
plan's time of day in the calendar's zone), and is due ``grace_days`` working
days later. The plan keeps ``ahead`` reviews scheduled in advance: scheduling
(on creation, then ``core.reviews.schedule``) plans the reviews of the next
periods until that many are waiting; a period whose review date has already
passed is skipped (and named in the event).

The plan changes only through :data:`~itsm_core.reviews.lifecycle.PLAN_LIFECYCLE`:
active (it schedules), then ended.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import attrs

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate, require_forward
from itsm_core.kernel.clock import aware_field, require_aware
from itsm_core.kernel.errors import CalendarError, ValidationError
from itsm_core.reviews.enums import Cadence, PlanState, ReviewForm
from itsm_core.reviews.lifecycle import PLAN_LIFECYCLE
from itsm_core.reviews.values import optional_text, text

__all__ = ["ReviewPlan", "ScheduledPeriod", "first_working_day", "period_bounds"]

_TIME = r"^([01]\d|2[0-3]):([0-5]\d)$"  # compiled (and cached by re) on first use
_SEARCH_DAYS = 60


def _text_validator(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    text(value, attribute.name)


def _count(minimum: int) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ValidationError(
                f"{attribute.name} must be a whole number of at least {minimum}, got {value!r}",
                field=attribute.name,
            )

    return check


def _time_of_day(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, str) or not re.match(_TIME, value):
        raise ValidationError(
            f"time_of_day must be 'HH:MM' (24-hour clock), got {value!r}", field="time_of_day"
        )


def _plan_state(value: object) -> PlanState:
    return PlanState.parse(value, "state")


def _cadence(value: object) -> Cadence:
    return Cadence.parse(value, "cadence")


def _form(value: object) -> ReviewForm:
    return ReviewForm.parse(value, "form")


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def period_bounds(first: date, cadence: Cadence, index: int) -> tuple[date, date]:
    """The first day of period ``index`` (0-based) and the first day after it."""
    return (
        _add_months(first, index * cadence.months),
        _add_months(first, (index + 1) * cadence.months),
    )


def first_working_day(calendar: BusinessCalendar, day: date) -> date:
    """The first working day on or after ``day`` on ``calendar``.

    :raises CalendarError: if none falls within 60 days.
    :raises CalendarDataMissing: for a year without official holiday data.
    """
    for offset in range(_SEARCH_DAYS):
        candidate = day + timedelta(days=offset)
        if calendar.is_working_day(candidate):
            return candidate
    raise CalendarError(
        f"the calendar has no working day within {_SEARCH_DAYS} days from {day.isoformat()}"
    )


@attrs.frozen
class ScheduledPeriod:
    """When the review of one period of a plan is held and due.

    :param index: the period's number (0 for the first).
    :param period_start: the period's start (midnight in the calendar's zone).
    :param period_end: the start of the next period.
    :param scheduled_at: when its review is scheduled (a working day).
    :param due_at: by when it must be held.
    """

    index: int
    period_start: datetime
    period_end: datetime
    scheduled_at: datetime
    due_at: datetime


@attrs.define(eq=False, kw_only=True)
class ReviewPlan(Aggregate):
    """A customer's review cadence and the reviews it scheduled.

    :param state: active or ended.
    :param customer: the customer reviewed.
    :param cadence: monthly, quarterly or annual.
    :param first_period_start: the start of the first period covered.
    :param project_manager: who leads the reviews (actor id).
    :param time_of_day: when reviews are held, ``"HH:MM"`` in the calendar's zone.
    :param form: the form reviews are planned in.
    :param calendar: the business calendar reviews are scheduled on.
    :param grace_days: working days after the scheduled time until a review is due.
    :param ahead: how many reviews are kept scheduled in advance.
    :param scheduled: how many periods were scheduled (or skipped) so far.
    :param review_ids: the reviews it scheduled, oldest first.
    :param created_by: who created it.
    :param created_at: when.
    :param updated_at: the time of the latest change.
    :param ended_at: when it was ended.
    :param end_reason: why.
    """

    KIND: ClassVar[str] = "review_plan"

    state: PlanState = attrs.field(default=PlanState.ACTIVE, converter=_plan_state)
    customer: str = attrs.field(validator=_text_validator)
    cadence: Cadence = attrs.field(converter=_cadence)
    first_period_start: datetime = attrs.field(validator=aware_field())
    project_manager: str = attrs.field(validator=_text_validator)
    time_of_day: str = attrs.field(default="10:00", validator=_time_of_day)
    form: ReviewForm = attrs.field(default=ReviewForm.MEETING, converter=_form)
    calendar: str = attrs.field(default="default", validator=_text_validator)
    grace_days: int = attrs.field(default=1, validator=_count(0))
    ahead: int = attrs.field(default=1, validator=_count(1))
    scheduled: int = 0
    review_ids: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    created_by: str = attrs.field(validator=_text_validator)
    created_at: datetime = attrs.field(validator=aware_field())
    updated_at: datetime = attrs.field(validator=aware_field())
    ended_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    end_reason: str | None = None

    @property
    def is_active(self) -> bool:
        """True while the plan schedules reviews."""
        return self.state is PlanState.ACTIVE

    def _begin(self, event: str, at: datetime) -> None:
        PLAN_LIFECYCLE.check(self, event)
        require_forward(at, self.updated_at, "the plan")

    @classmethod
    def create(cls, actor: Actor, at: datetime, *, plan_id: str, **fields: Any) -> ReviewPlan:
        """Create a plan (its one event is ``review_plan.created``).

        :raises ValidationError: for a missing or malformed field.
        """
        require_aware(at, "at")
        plan = cls(
            id=text(plan_id, "plan_id"),
            created_by=actor.id,
            created_at=at,
            updated_at=at,
            **fields,
        )
        plan._record(
            "created",
            actor,
            at,
            {
                "event": "create",
                "from": None,
                "to": plan.state.value,
                "customer": plan.customer,
                "cadence": plan.cadence.value,
                "first_period_start": plan.first_period_start.isoformat(),
                "project_manager": plan.project_manager,
                "time_of_day": plan.time_of_day,
                "form": plan.form.value,
                "calendar": plan.calendar,
                "grace_days": plan.grace_days,
                "ahead": plan.ahead,
            },
        )
        return plan

    def period(self, calendar: BusinessCalendar, index: int) -> ScheduledPeriod:
        """When the review of period ``index`` is held and due, on ``calendar``.

        :raises CalendarDataMissing: for a year without official holiday data.
        """
        zone: ZoneInfo = calendar.timezone
        first = self.first_period_start.astimezone(zone).date()
        start, end = period_bounds(first, self.cadence, index)
        hour, minute = (int(x) for x in self.time_of_day.split(":"))
        day = first_working_day(calendar, end)
        scheduled_at = datetime.combine(day, time(hour, minute), tzinfo=zone)
        due_at = (
            calendar.add_working_days(scheduled_at, self.grace_days)
            if self.grace_days
            else scheduled_at
        )
        return ScheduledPeriod(
            index,
            datetime.combine(start, time(0), tzinfo=zone),
            datetime.combine(end, time(0), tzinfo=zone),
            scheduled_at,
            due_at,
        )

    def record_scheduled(
        self, actor: Actor, at: datetime, *, reviews: tuple[tuple[str, ScheduledPeriod], ...],
        skipped: tuple[ScheduledPeriod, ...],
    ) -> None:  # fmt: skip
        """Record the reviews just scheduled (``review_plan.scheduled``).

        :raises InvalidTransition: once the plan is ended.
        """
        self._begin("schedule", at)
        PLAN_LIFECYCLE.fire(self, "schedule")
        self.updated_at = at
        self._record(
            "scheduled",
            actor,
            at,
            {
                "event": "schedule",
                "from": self.state.value,
                "to": self.state.value,
                "customer": self.customer,
                "reviews": [
                    {
                        "review_id": key,
                        "index": p.index,
                        "scheduled_at": p.scheduled_at.isoformat(),
                        "period_start": p.period_start.isoformat(),
                        "period_end": p.period_end.isoformat(),
                    }
                    for key, p in reviews
                ],
                "skipped": [
                    {"index": p.index, "scheduled_at": p.scheduled_at.isoformat()} for p in skipped
                ],
            },
        )
        self.scheduled += len(reviews) + len(skipped)
        self.review_ids = (*self.review_ids, *(key for key, _ in reviews))

    def end(self, actor: Actor, at: datetime, *, reason: str | None = None) -> None:
        """End the plan: it schedules no more reviews (those scheduled stay).

        :raises InvalidTransition: once ended.
        """
        self._begin("end", at)
        why = optional_text(reason, "reason")
        PLAN_LIFECYCLE.fire(self, "end")
        self.updated_at = at
        self._record(
            "ended",
            actor,
            at,
            {"event": "end", "from": "active", "to": self.state.value, "reason": why},
        )
        self.ended_at = at
        self.end_reason = why
