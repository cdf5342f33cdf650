"""The service reviews' use cases, as ``core.reviews.<command>`` (the service review process).

Every method takes the acting :class:`~itsm_core.kernel.actors.Actor` first.
Commands check the role (:data:`~itsm_core.reviews.lifecycle.ROLES`), load
the review in a unit of work, let it check the state table and the rules,
run its due clock, raise its actions as improvement items and commit all of
it together. A refused command changes nothing.

The reads and reports (and who may read) are in :class:`~itsm_core.reviews._reads.ReviewReads`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.improvements._register import ImprovementRegister
from itsm_core.improvements.enums import ImprovementSource
from itsm_core.kernel.actors import Actor, require_role
from itsm_core.kernel.api import command
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.ids import new_id
from itsm_core.reviews._due import DueClocks
from itsm_core.reviews._reads import ReviewReads
from itsm_core.reviews.analysis import ReviewAnalysis, Satisfaction
from itsm_core.reviews.analysis.service import DEFAULT_ZONE
from itsm_core.reviews.enums import Cadence, ReviewForm, ReviewState
from itsm_core.reviews.lifecycle import LIFECYCLE, PLAN_ROLES, ROLES
from itsm_core.reviews.model import ServiceReview
from itsm_core.reviews.plans import ReviewPlan, ScheduledPeriod
from itsm_core.reviews.storage import PLAN_SPEC, REVIEW_SPEC
from itsm_core.reviews.values import ReviewAction, text
from itsm_core.runtime import Runtime
from itsm_core.satisfaction.enums import CampaignMotive, SurveyMethod
from itsm_core.satisfaction.model import Question
from itsm_core.satisfaction.service import SatisfactionService
from itsm_core.satisfaction.surveys import SurveyService
from itsm_core.sla.keeper import ClockKeeper
from itsm_core.storage.base import Query, UnitOfWork, Where

__all__ = ["ReviewService"]

_WAITING = (ReviewState.PLANNED.value, ReviewState.PREPARED.value)
_MAX_PERIODS = 1000


class ReviewService(ReviewReads):
    """Customer service reviews: plans, reviews from planning to report, their records.

    Built by :class:`~itsm_core.ItsmCore` as ``core.reviews``.

    :param runtime: the facade's runtime (clock, store, plug-ins).
    :param sla: the SLA clock keeper: reviews' due clocks run on its clocks and
        reviews are scheduled on its calendars.
    :param improvements: the improvement register the reports' actions are
        raised in (the facade passes ``core.improvements.keeper``).
    :param surveys: the satisfaction survey service campaigns are opened with
        (the facade passes ``core.satisfaction.surveys``).
    :param calendar: without an SLA service, the calendar reviews are scheduled on.
    :param satisfaction: the satisfaction service whose analysis and targets the
        review pack and the trend analysis read (the facade passes
        ``core.satisfaction``); None: they have no satisfaction part.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        sla: ClockKeeper | None = None,
        improvements: ImprovementRegister | None = None,
        surveys: SurveyService | None = None,
        calendar: BusinessCalendar | None = None,
        satisfaction: SatisfactionService | None = None,
    ) -> None:
        self.runtime = runtime
        self._clocks = DueClocks(sla, calendar)
        self._improvements = improvements or ImprovementRegister(sla)
        self._surveys = surveys
        self.analysis = ReviewAnalysis(
            runtime,
            satisfaction=None
            if satisfaction is None
            else Satisfaction(satisfaction.analysis, satisfaction.targets),
            improvements=self._improvements,
            timezone=DEFAULT_ZONE if satisfaction is None else satisfaction.policy.timezone,
        )
        """The review pack, the result and trend analysis, improvement progress reports."""

    # ------------------------------------------------------------------ helpers

    def _when(self, at: datetime | None) -> datetime | None:
        return None if at is None else require_aware(at, "at")

    def _change(
        self,
        actor: Actor,
        review_id: str,
        command_name: str,
        at: datetime | None,
        apply: Callable[[UnitOfWork, ServiceReview, datetime], None],
    ) -> ServiceReview:
        require_role(actor, *sorted(ROLES[command_name]), action=f"service review: {command_name}")
        key = text(review_id, "review_id")
        given = self._when(at)
        with self.runtime.transaction() as uow:
            review = uow.get(REVIEW_SPEC, key)
            when = given if given is not None else max(self.runtime.clock.now(), review.updated_at)
            apply(uow, review, when)
            uow.save(REVIEW_SPEC, review)
        return review

    def _new_review(
        self,
        uow: UnitOfWork,
        actor: Actor,
        when: datetime,
        *,
        customer: str,
        scheduled_at: datetime,
        due_at: datetime | None,
        period_start: datetime,
        period_end: datetime,
        project_manager: str,
        form: ReviewForm | str,
        plan_id: str | None,
        calendar: str,
    ) -> ServiceReview:
        scheduled = require_aware(scheduled_at, "scheduled_at")
        due = (
            self._clocks.calendar(calendar).add_working_days(scheduled, 1)
            if due_at is None
            else due_at
        )
        review = ServiceReview.plan(
            actor,
            when,
            review_id=new_id("rev-"),
            customer=customer,
            scheduled_at=scheduled,
            due_at=due,
            period_start=period_start,
            period_end=period_end,
            project_manager=project_manager,
            form=form,
            plan_id=plan_id,
            calendar=calendar,
        )
        self._clocks.start(uow, actor, review, when)
        uow.save(REVIEW_SPEC, review)
        return review

    # ------------------------------------------------------------------ planning

    @command
    def plan(
        self,
        actor: Actor,
        *,
        customer: str,
        scheduled_at: datetime,
        period_start: datetime,
        period_end: datetime,
        due_at: datetime | None = None,
        form: ReviewForm | str = ReviewForm.MEETING,
        project_manager: str | None = None,
        calendar: str = "default",
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceReview:
        """Plan one review by hand (from the work plan or as needed; preparing a review).

        Its due clock (SLA target kind ``review``) starts now and runs to ``due_at``.

        :param customer: the customer reviewed.
        :param scheduled_at: when it is to be held.
        :param period_start: the start of the period it covers.
        :param period_end: the end of that period (exclusive).
        :param due_at: by when it must be held (default: one working day after
            ``scheduled_at`` on ``calendar``).
        :param form: meeting, video, phone or third_party.
        :param project_manager: who leads it (default: the actor).
        :param calendar: the business calendar its clock runs on.
        :raises AccessDenied: unless the actor is a project manager.
        :raises ValidationError: for a naive instant, a time not after now, a
            due instant before the scheduled time, an empty period.
        """
        require_role(actor, *sorted(ROLES["plan"]), action="service review: plan")
        when = self.runtime.clock.now() if at is None else require_aware(at, "at")
        with self.runtime.transaction() as uow:
            review = self._new_review(
                uow,
                actor,
                when,
                customer=customer,
                scheduled_at=scheduled_at,
                due_at=due_at,
                period_start=period_start,
                period_end=period_end,
                project_manager=actor.id if project_manager is None else project_manager,
                form=form,
                plan_id=None,
                calendar=calendar,
            )
        return review

    @command
    def create_plan(
        self,
        actor: Actor,
        *,
        customer: str,
        cadence: Cadence | str,
        first_period_start: datetime,
        project_manager: str | None = None,
        time_of_day: str = "10:00",
        form: ReviewForm | str = ReviewForm.MEETING,
        calendar: str = "default",
        grace_days: int = 1,
        ahead: int = 1,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ReviewPlan:
        """Create a customer's review plan (服务回顾计划) and schedule its first reviews.

        The review of each period falls on the first working day on or after
        the period's end, at ``time_of_day`` in the calendar's zone, and is due
        ``grace_days`` working days later; ``ahead`` reviews are kept scheduled.

        :param cadence: monthly, quarterly or annual.
        :param first_period_start: the start of the first period covered.
        :raises AccessDenied: unless the actor is a project manager.
        :raises ValidationError: for a malformed field or an unknown calendar.
        """
        require_role(actor, *sorted(PLAN_ROLES), action="review plan: create")
        when = self.runtime.clock.now() if at is None else require_aware(at, "at")
        self._clocks.calendar(text(calendar, "calendar"))
        plan = ReviewPlan.create(
            actor,
            when,
            plan_id=new_id("rplan-"),
            customer=text(customer, "customer"),
            cadence=cadence,
            first_period_start=require_aware(first_period_start, "first_period_start"),
            project_manager=actor.id if project_manager is None else project_manager,
            time_of_day=time_of_day,
            form=form,
            calendar=calendar,
            grace_days=grace_days,
            ahead=ahead,
        )
        with self.runtime.transaction() as uow:
            self._schedule(uow, actor, plan, when)
            uow.save(PLAN_SPEC, plan)
        return plan

    @command
    def schedule(
        self,
        actor: Actor,
        plan_id: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ReviewPlan:
        """Schedule the plan's next reviews until ``ahead`` of them are waiting.

        :raises AccessDenied: unless the actor is a project manager.
        :raises InvalidTransition: once the plan is ended.
        :raises NotFound: if there is no such plan.
        """
        require_role(actor, *sorted(PLAN_ROLES), action="review plan: schedule")
        key = text(plan_id, "plan_id")
        given = self._when(at)
        with self.runtime.transaction() as uow:
            plan = uow.get(PLAN_SPEC, key)
            when = given if given is not None else max(self.runtime.clock.now(), plan.updated_at)
            self._schedule(uow, actor, plan, when)
            uow.save(PLAN_SPEC, plan)
        return plan

    def _schedule(self, uow: UnitOfWork, actor: Actor, plan: ReviewPlan, when: datetime) -> None:
        waiting = 0
        if plan.version > 1 or plan.review_ids:
            query = Query((Where("plan_id", "eq", plan.id), Where("state", "in", _WAITING)))
            waiting = sum(1 for r in uow.find(REVIEW_SPEC, query) if r.scheduled_at > when)
        calendar = self._clocks.calendar(plan.calendar)
        made: list[tuple[str, ScheduledPeriod]] = []
        skipped: list[ScheduledPeriod] = []
        index = plan.scheduled
        while waiting + len(made) < plan.ahead and index < plan.scheduled + _MAX_PERIODS:
            period = plan.period(calendar, index)
            index += 1
            if period.scheduled_at <= when:
                skipped.append(period)
                continue
            review = self._new_review(
                uow,
                actor,
                when,
                customer=plan.customer,
                scheduled_at=period.scheduled_at,
                due_at=period.due_at,
                period_start=period.period_start,
                period_end=period.period_end,
                project_manager=plan.project_manager,
                form=plan.form,
                plan_id=plan.id,
                calendar=plan.calendar,
            )
            made.append((review.id, period))
        plan.record_scheduled(actor, when, reviews=tuple(made), skipped=tuple(skipped))

    @command
    def end_plan(
        self,
        actor: Actor,
        plan_id: str,
        *,
        reason: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ReviewPlan:
        """End a plan: it schedules no more reviews (those already scheduled stay).

        :raises AccessDenied: unless the actor is a project manager.
        :raises InvalidTransition: once ended.
        """
        require_role(actor, *sorted(PLAN_ROLES), action="review plan: end")
        key = text(plan_id, "plan_id")
        given = self._when(at)
        with self.runtime.transaction() as uow:
            plan = uow.get(PLAN_SPEC, key)
            when = given if given is not None else max(self.runtime.clock.now(), plan.updated_at)
            plan.end(actor, when, reason=reason)
            uow.save(PLAN_SPEC, plan)
        return plan

    # ------------------------------------------------------------------ the review's steps

    @command
    def prepare(
        self,
        actor: Actor,
        review_id: str,
        *,
        scope: str,
        topics: Iterable[str],
        agenda: Iterable[str],
        participants: Iterable[Any],
        form: ReviewForm | str | None = None,
        location: str | None = None,
        third_party: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceReview:
        """Record the arrangement (回顾活动安排表, 参与人员名单, 回顾议程; preparing a review).

        :param participants: :class:`~itsm_core.reviews.values.Participant`
            values, ``(person, role)`` pairs or mappings.
        :param form: the form, if it changes (default: as planned).
        :param third_party: who gathers the opinions (required for the third-party form).
        :raises AccessDenied: unless project manager or coordinator.
        :raises InvalidTransition: unless planned or prepared.
        """

        def apply(_uow: UnitOfWork, review: ServiceReview, when: datetime) -> None:
            review.prepare(
                actor, when, scope=scope, topics=topics, agenda=agenda,
                participants=participants, form=form, location=location, third_party=third_party,
            )  # fmt: skip

        return self._change(actor, review_id, "prepare", at, apply)

    @command
    def reschedule(
        self,
        actor: Actor,
        review_id: str,
        *,
        scheduled_at: datetime,
        reason: str,
        due_at: datetime | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceReview:
        """Move a review not yet held to a new time; its due clock is re-targeted.

        :param due_at: the new due instant (default: one working day after the new time).
        :raises AccessDenied: unless project manager or coordinator.
        :raises InvalidTransition: unless planned or prepared.
        """

        def apply(uow: UnitOfWork, review: ServiceReview, when: datetime) -> None:
            new = require_aware(scheduled_at, "scheduled_at")
            due = (
                self._clocks.calendar(review.calendar).add_working_days(new, 1)
                if due_at is None
                else due_at
            )
            review.reschedule(actor, when, scheduled_at=new, due_at=due, reason=reason)
            why = f"rescheduled: {review.reschedules[-1].reason}"
            self._clocks.retarget(uow, actor, review, when, why)

        return self._change(actor, review_id, "reschedule", at, apply)

    @command
    def hold(
        self,
        actor: Actor,
        review_id: str,
        *,
        attended: Iterable[Any],
        record: str,
        opinions: Iterable[Any] = (),
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceReview:
        """Record the review as held (服务回顾记录, holding the review); its due clock stops.

        Held only if attended by the customer's key representative, the
        project manager and the operations manager or the incident manager
        (one is enough); see :mod:`itsm_core.reviews._attendance` for the
        third-party form.

        :param attended: invited persons, or Participant values for others.
        :param record: the review record.
        :param opinions: :class:`~itsm_core.reviews.values.Opinion` values,
            ``(by, kind, text)`` triples or mappings.
        :raises AccessDenied: unless project manager or coordinator.
        :raises InvalidTransition: unless prepared.
        :raises AttendanceIncomplete: naming who is missing; nothing is stored.
        """

        def apply(uow: UnitOfWork, review: ServiceReview, when: datetime) -> None:
            review.hold(actor, when, attended=attended, record=record, opinions=opinions)
            self._clocks.stop(uow, actor, review, when, "held")

        return self._change(actor, review_id, "hold", at, apply)

    @command
    def minute(
        self,
        actor: Actor,
        review_id: str,
        *,
        minutes: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceReview:
        """Record the minutes the coordinator wrote (回顾活动纪要, writing the review up).

        :raises AccessDenied: unless the actor is a coordinator.
        :raises InvalidTransition: unless held.
        """

        def apply(_uow: UnitOfWork, review: ServiceReview, when: datetime) -> None:
            review.minute(actor, when, minutes=minutes)

        return self._change(actor, review_id, "minute", at, apply)

    @command
    def report(
        self,
        actor: Actor,
        review_id: str,
        *,
        summary: str,
        problems: Iterable[Any] = (),
        actions: Iterable[Any] = (),
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceReview:
        """Record the review report (服务回顾报告) and raise its actions (服务改进行动计划).

        Each action becomes an improvement item of source ``service_review``
        (proposed, awaiting approval, as the register's rules for that source
        say), in the same unit of work; the review keeps the items' ids.

        :param problems: :class:`~itsm_core.reviews.values.ReviewProblem`
            values, descriptions or mappings.
        :param actions: :class:`~itsm_core.reviews.values.ReviewAction` values
            or mappings (description, owner, due_at, quality_indicators, service).
        :raises AccessDenied: unless the actor is a project manager.
        :raises InvalidTransition: unless minuted.
        :raises ValidationError: for a malformed problem or action, or an action
            due not after the report.
        """

        def apply(uow: UnitOfWork, review: ServiceReview, when: datetime) -> None:
            found, planned = review.check_report(when, problems, actions)
            raised: list[ReviewAction] = []
            for a in planned:
                item = self._improvements.raise_item(
                    uow, actor, when, source_kind=ImprovementSource.SERVICE_REVIEW,
                    source_ref=review.id, description=a.description,
                    quality_indicators=a.quality_indicators, owner=a.owner, due_at=a.due_at,
                    issue=False, service=a.service, customer=review.customer,
                )  # fmt: skip
                raised.append(ReviewAction(
                    description=a.description, owner=a.owner, due_at=a.due_at,
                    quality_indicators=a.quality_indicators, service=a.service,
                    improvement_id=item.id,
                ))  # fmt: skip
            review.report(actor, when, summary=summary, problems=found, actions=raised)

        return self._change(actor, review_id, "report", at, apply)

    @command
    def close(
        self,
        actor: Actor,
        review_id: str,
        *,
        note: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceReview:
        """Close a reported review.

        :raises AccessDenied: unless the actor is a project manager.
        :raises InvalidTransition: unless reported.
        """

        def apply(_uow: UnitOfWork, review: ServiceReview, when: datetime) -> None:
            review.close(actor, when, note=note)

        return self._change(actor, review_id, "close", at, apply)

    @command
    def cancel(
        self,
        actor: Actor,
        review_id: str,
        *,
        reason: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceReview:
        """Cancel a review not yet held, with the reason; its due clock stops.

        :raises AccessDenied: unless the actor is a project manager.
        :raises InvalidTransition: once it is held.
        """

        def apply(uow: UnitOfWork, review: ServiceReview, when: datetime) -> None:
            review.cancel(actor, when, reason=reason)
            self._clocks.stop(uow, actor, review, when, f"cancelled: {review.cancel_reason}")

        return self._change(actor, review_id, "cancel", at, apply)

    @command
    def open_campaign(
        self,
        actor: Actor,
        review_id: str,
        *,
        title: str,
        service: str,
        questions: Iterable[Question],
        method: SurveyMethod | str = SurveyMethod.WEB,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceReview:
        """Open a satisfaction campaign of motive "service review" for the review's customer.

        The campaign is drafted with ``core.satisfaction.surveys.create_campaign``
        (related to the review, targeting its customer); the review then
        records the campaign's id. The two are stored one after the other: a
        campaign whose recording failed still names the review (``related_ref``).

        :raises AccessDenied: unless project manager or operations manager.
        :raises InvalidTransition: unless held, minuted or reported.
        :raises ValidationError: without the satisfaction service.
        """
        roles = sorted(ROLES["open_campaign"])
        require_role(actor, *roles, action="service review: open a campaign")
        if self._surveys is None:
            raise ValidationError(
                "opening a campaign needs the satisfaction service (core.reviews from ItsmCore)",
                field="surveys",
            )
        current = self.get(actor, review_id)
        LIFECYCLE.check(current, "open_campaign")
        campaign = self._surveys.create_campaign(
            actor, title=title, motive=CampaignMotive.SERVICE_REVIEW, service=service,
            questions=questions, target_customers=[current.customer], method=method,
            related_ref=current.id, at=at,
        )  # fmt: skip

        def apply(_uow: UnitOfWork, review: ServiceReview, when: datetime) -> None:
            review.record_campaign(actor, when, campaign_id=campaign.id)

        return self._change(actor, review_id, "open_campaign", at, apply)
