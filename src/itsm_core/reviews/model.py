"""The service review: one customer service review, from its plan to its report
(the service review process).

A :class:`ServiceReview` is planned for a customer and the period it covers,
prepared (scope, topics, agenda, form, the invited participants and their
parts), held (who attended, their opinions and suggestions, the review
record), minuted by the coordinator and reported by the project manager —
the problems found and the actions planned, each raised as an improvement
item — then closed. Until it is held it may be rescheduled or cancelled.

Each method follows one order, so that a refused command changes nothing:
the state table (:data:`~itsm_core.reviews.lifecycle.LIFECYCLE`), then the
rule and the inputs, and only then the machine fires, the fields are set and
exactly one event ``service_review.<recorded>`` is recorded, whose payload
holds what the seed records are rebuilt from. Roles are checked by the
service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate, require_forward
from itsm_core.kernel.clock import aware_field, require_aware
from itsm_core.kernel.errors import AttendanceIncomplete, ValidationError
from itsm_core.reviews._attendance import describe_missing, missing_attendance
from itsm_core.reviews.enums import ReviewForm, ReviewState
from itsm_core.reviews.lifecycle import LIFECYCLE, OPEN_STATES, RECORDED
from itsm_core.reviews.values import (
    Opinion,
    Participant,
    Reschedule,
    ReviewAction,
    ReviewProblem,
    optional_text,
    parse_all,
    text,
)

__all__ = ["ServiceReview"]


def _text_validator(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    text(value, attribute.name)


def _state(value: object) -> ReviewState:
    return ReviewState.parse(value, "state")


def _form(value: object) -> ReviewForm:
    return ReviewForm.parse(value, "form")


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


def _texts(values: object, field: str) -> tuple[str, ...]:
    return tuple(text(v, field) for v in parse_all(values, lambda v: v, field))


def _after(at: datetime, value: datetime, field: str, what: str) -> datetime:
    require_aware(value, field)
    if value <= at:
        raise ValidationError(
            f"{field} ({value.isoformat()}) must be after {what} ({at.isoformat()})", field=field
        )
    return value


def _participant_facts(p: Participant) -> dict[str, Any]:
    return {"person": p.person, "role": p.role.value, "organisation": p.organisation}


def _action_facts(a: ReviewAction) -> dict[str, Any]:
    return {
        "description": a.description,
        "owner": a.owner,
        "due_at": a.due_at.isoformat(),
        "quality_indicators": [q.to_dict() for q in a.quality_indicators],
        "service": a.service,
        "improvement_id": a.improvement_id,
    }


@attrs.define(eq=False, kw_only=True)
class ServiceReview(Aggregate):
    """One customer service review and how it went.

    Build one with :meth:`plan`; every other change goes through a method
    named after its lifecycle event.

    :param state: where it stands.
    :param customer: the customer reviewed.
    :param plan_id: the review plan that scheduled it, if any.
    :param project_manager: the project manager who leads it (actor id).
    :param form: meeting, video or phone conference, or opinions gathered by a third party.
    :param scheduled_at: when it is to be held.
    :param due_at: by when it must be held (its due clock's deadline).
    :param period_start: the start of the period it covers.
    :param period_end: the end of the period it covers (exclusive).
    :param calendar: the business calendar its due clock runs on.
    :param planned_by: who planned it.
    :param planned_at: when.
    :param scope: the scope of the review (回顾范围).
    :param topics: the topics (议题): business needs, SLA fulfilment, workload, scope...
    :param agenda: the agenda items, in order (回顾议程).
    :param participants: who is invited and in which part (参与人员名单).
    :param location: where, or the conference line.
    :param third_party: the organisation gathering the opinions (third-party form).
    :param prepared_at: when it was (last) prepared.
    :param attended: who attended (or, with the third-party form, took part).
    :param opinions: the participants' situations, opinions and suggestions.
    :param record: the review record (服务回顾记录).
    :param held_at: when it was held.
    :param minutes: the minutes (回顾活动纪要), by the coordinator.
    :param minuted_at: when.
    :param summary: the review report's summary (服务回顾报告).
    :param problems: the problems found.
    :param actions: the actions planned (服务改进行动计划), each with its improvement item.
    :param reported_at: when it was reported.
    :param campaign_ids: the satisfaction campaigns it opened.
    :param reschedules: every move to another time, oldest first.
    :param concluded_at: when it was closed or cancelled.
    :param cancel_reason: why it was cancelled.
    :param updated_at: the time of the latest change.
    """

    KIND: ClassVar[str] = "service_review"

    state: ReviewState = attrs.field(default=ReviewState.PLANNED, converter=_state)
    customer: str = attrs.field(validator=_text_validator)
    plan_id: str | None = None
    project_manager: str = attrs.field(validator=_text_validator)
    form: ReviewForm = attrs.field(default=ReviewForm.MEETING, converter=_form)
    scheduled_at: datetime = attrs.field(validator=aware_field())
    due_at: datetime = attrs.field(validator=aware_field())
    period_start: datetime = attrs.field(validator=aware_field())
    period_end: datetime = attrs.field(validator=aware_field())
    calendar: str = "default"
    planned_by: str = attrs.field(validator=_text_validator)
    planned_at: datetime = attrs.field(validator=aware_field())
    scope: str = ""
    topics: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    agenda: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    participants: tuple[Participant, ...] = attrs.field(default=(), converter=_tuple)
    location: str | None = None
    third_party: str | None = None
    prepared_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    attended: tuple[Participant, ...] = attrs.field(default=(), converter=_tuple)
    opinions: tuple[Opinion, ...] = attrs.field(default=(), converter=_tuple)
    record: str = ""
    held_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    minutes: str = ""
    minuted_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    summary: str = ""
    problems: tuple[ReviewProblem, ...] = attrs.field(default=(), converter=_tuple)
    actions: tuple[ReviewAction, ...] = attrs.field(default=(), converter=_tuple)
    reported_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    campaign_ids: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    reschedules: tuple[Reschedule, ...] = attrs.field(default=(), converter=_tuple)
    concluded_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))
    cancel_reason: str | None = None
    updated_at: datetime = attrs.field(validator=aware_field())

    # ------------------------------------------------------------------ reading

    @property
    def is_open(self) -> bool:
        """True until the review is closed or cancelled."""
        return self.state in OPEN_STATES

    def is_overdue(self, at: datetime) -> bool:
        """True if it is not yet held (nor cancelled) and its due instant lies before ``at``."""
        waiting = self.state in (ReviewState.PLANNED, ReviewState.PREPARED)
        return waiting and self.due_at < require_aware(at, "at")

    def participant(self, person: str) -> Participant | None:
        """The invited participant ``person``, or None."""
        for p in self.participants:
            if p.person == person:
                return p
        return None

    # ------------------------------------------------------------------ helpers

    def _begin(self, event: str, at: datetime) -> None:
        LIFECYCLE.check(self, event)
        require_forward(at, self.updated_at, "the review")

    def _apply(self, event: str, actor: Actor, at: datetime, payload: Mapping[str, Any]) -> None:
        source = self.state
        LIFECYCLE.fire(self, event)
        self.updated_at = at
        self._record(
            RECORDED[event],
            actor,
            at,
            {
                "event": event,
                "from": source.value,
                "to": self.state.value,
                "customer": self.customer,
                **payload,
            },
        )

    # ------------------------------------------------------------------ planning

    @classmethod
    def plan(
        cls,
        actor: Actor,
        at: datetime,
        *,
        review_id: str,
        customer: str,
        scheduled_at: datetime,
        due_at: datetime,
        period_start: datetime,
        period_end: datetime,
        project_manager: str,
        form: ReviewForm | str = ReviewForm.MEETING,
        plan_id: str | None = None,
        calendar: str = "default",
    ) -> ServiceReview:
        """Plan a review (its one event is ``service_review.planned``).

        :raises ValidationError: for a missing or malformed field, a naive
            instant, a scheduled time not after ``at``, a due instant before
            the scheduled time, or a period that ends before it starts.
        """
        require_aware(at, "at")
        when = _after(at, scheduled_at, "scheduled_at", "the planning")
        due = require_aware(due_at, "due_at")
        if due < when:
            raise ValidationError(
                f"due_at ({due.isoformat()}) must not be before scheduled_at "
                f"({when.isoformat()})",
                field="due_at",
            )
        start = require_aware(period_start, "period_start")
        end = _after(start, period_end, "period_end", "period_start")
        review = cls(
            id=text(review_id, "review_id"),
            customer=text(customer, "customer"),
            plan_id=optional_text(plan_id, "plan_id"),
            project_manager=text(project_manager, "project_manager"),
            form=form,
            scheduled_at=when,
            due_at=due,
            period_start=start,
            period_end=end,
            calendar=text(calendar, "calendar"),
            planned_by=actor.id,
            planned_at=at,
            updated_at=at,
        )
        review._record(
            "planned",
            actor,
            at,
            {
                "event": "plan",
                "from": None,
                "to": review.state.value,
                "customer": review.customer,
                "plan_id": review.plan_id,
                "project_manager": review.project_manager,
                "form": review.form.value,
                "scheduled_at": when.isoformat(),
                "due_at": due.isoformat(),
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "calendar": review.calendar,
            },
        )
        return review

    def prepare(
        self,
        actor: Actor,
        at: datetime,
        *,
        scope: str,
        topics: object,
        agenda: object,
        participants: object,
        form: ReviewForm | str | None = None,
        location: str | None = None,
        third_party: str | None = None,
    ) -> None:
        """Record the arrangement: scope, topics, agenda, form and invited participants.

        Preparing again revises the whole arrangement.

        :raises InvalidTransition: unless planned or prepared.
        :raises ValidationError: for no topic, agenda item or participant, a
            person invited twice, or a third-party form without the third party.
        """
        self._begin("prepare", at)
        how = self.form if form is None else ReviewForm.parse(form, "form")
        what = text(scope, "scope")
        subjects = _texts(topics, "topics")
        items = _texts(agenda, "agenda")
        invited = parse_all(participants, Participant.parse, "participants")
        for field, values in (("topics", subjects), ("agenda", items), ("participants", invited)):
            if not values:
                raise ValidationError(f"a review's {field} must not be empty", field=field)
        persons = [p.person for p in invited]
        twice = sorted({p for p in persons if persons.count(p) > 1})
        if twice:
            raise ValidationError(
                f"each person is invited once, in one part; invited more than once: "
                f"{', '.join(twice)}",
                field="participants",
            )
        gatherer = optional_text(third_party, "third_party")
        if how is ReviewForm.THIRD_PARTY and gatherer is None:
            raise ValidationError(
                "the third-party form needs the third party that gathers the customer's "
                "opinions (third_party)",
                field="third_party",
            )
        place = optional_text(location, "location")
        self._apply(
            "prepare",
            actor,
            at,
            {
                "scope": what,
                "topics": list(subjects),
                "agenda": list(items),
                "participants": [_participant_facts(p) for p in invited],
                "form": how.value,
                "location": place,
                "third_party": gatherer,
                "scheduled_at": self.scheduled_at.isoformat(),
                "period_start": self.period_start.isoformat(),
                "period_end": self.period_end.isoformat(),
            },
        )
        self.scope, self.topics, self.agenda = what, subjects, items
        self.participants, self.form, self.location = invited, how, place
        self.third_party = gatherer
        self.prepared_at = at

    def reschedule(
        self, actor: Actor, at: datetime, *, scheduled_at: datetime, due_at: datetime, reason: str
    ) -> None:
        """Move the review to another time, with the reason (it keeps its state).

        :raises InvalidTransition: unless planned or prepared.
        :raises ValidationError: for a new time not after ``at``, a due instant
            before it, or no reason.
        """
        self._begin("reschedule", at)
        when = _after(at, scheduled_at, "scheduled_at", "the rescheduling")
        due = require_aware(due_at, "due_at")
        if due < when:
            raise ValidationError(
                f"due_at ({due.isoformat()}) must not be before scheduled_at "
                f"({when.isoformat()})",
                field="due_at",
            )
        why = text(reason, "reason")
        entry = Reschedule(at, actor.id, self.scheduled_at, when, why)
        self._apply(
            "reschedule",
            actor,
            at,
            {
                "previous": self.scheduled_at.isoformat(),
                "scheduled_at": when.isoformat(),
                "due_at": due.isoformat(),
                "reason": why,
            },
        )
        self.scheduled_at, self.due_at = when, due
        self.reschedules = (*self.reschedules, entry)

    # ------------------------------------------------------------------ holding

    def hold(
        self,
        actor: Actor,
        at: datetime,
        *,
        attended: object,
        record: str,
        opinions: object = (),
    ) -> None:
        """Record the review as held: who attended, their opinions, the review record.

        ``attended`` names invited persons (their ``person``) or gives
        :class:`Participant` values for people who came uninvited. The
        attendance rule (:mod:`itsm_core.reviews._attendance`) must hold.

        :raises InvalidTransition: unless prepared.
        :raises AttendanceIncomplete: naming who is missing.
        :raises ValidationError: for an unknown person, an opinion by someone
            who neither attended nor was invited, or an empty record.
        """
        self._begin("hold", at)
        present = tuple(self._attendee(v) for v in parse_all(attended, lambda v: v, "attended"))
        persons = [p.person for p in present]
        twice = sorted({p for p in persons if persons.count(p) > 1})
        if twice:
            raise ValidationError(
                f"each person attends once; named more than once: {', '.join(twice)}",
                field="attended",
            )
        said = parse_all(opinions, Opinion.parse, "opinions")
        known = {p.person for p in (*self.participants, *present)}
        strangers = sorted({o.by for o in said} - known)
        if strangers:
            raise ValidationError(
                f"opinions are by participants; not invited nor attended: {', '.join(strangers)}",
                field="opinions",
            )
        written = text(record, "record")
        missing = missing_attendance(self.form, present, said, self.participants)
        if missing:
            raise AttendanceIncomplete(describe_missing(self.form, missing), missing=missing)
        self._apply(
            "hold",
            actor,
            at,
            {
                "form": self.form.value,
                "attended": [_participant_facts(p) for p in present],
                "opinions": [
                    {"by": o.by, "kind": o.kind.value, "text": o.text} for o in said
                ],
                "record": written,
            },
        )
        self.attended, self.opinions, self.record = present, said, written
        self.held_at = at

    def _attendee(self, value: object) -> Participant:
        if isinstance(value, str):
            found = self.participant(value.strip())
            if found is None:
                invited = ", ".join(p.person for p in self.participants) or "none"
                raise ValidationError(
                    f"{value!r} was not invited; invited: {invited} (give a Participant "
                    "for someone who came uninvited)",
                    field="attended",
                )
            return found
        return Participant.parse(value)

    def minute(self, actor: Actor, at: datetime, *, minutes: str) -> None:
        """Record the minutes the coordinator wrote from the review record (回顾活动纪要).

        :raises InvalidTransition: unless held.
        """
        self._begin("minute", at)
        written = text(minutes, "minutes")
        self._apply("minute", actor, at, {"minutes": written})
        self.minutes = written
        self.minuted_at = at

    # ------------------------------------------------------------------ reporting

    def check_report(
        self, at: datetime, problems: object, actions: object
    ) -> tuple[tuple[ReviewProblem, ...], tuple[ReviewAction, ...]]:
        """Check a report before its actions are raised; return the parsed problems and actions.

        :raises InvalidTransition: unless minuted.
        :raises ValidationError: for a malformed problem or action, or an
            action already raised, or due not after ``at``.
        """
        self._begin("report", at)
        found = parse_all(problems, ReviewProblem.parse, "problems")
        planned = parse_all(actions, ReviewAction.parse, "actions")
        for a in planned:
            if a.improvement_id is not None:
                raise ValidationError(
                    "an action's improvement item is raised by the report; give actions "
                    "without improvement_id",
                    field="actions",
                )
            _after(at, a.due_at, "action due_at", "the report")
        return found, planned

    def report(
        self,
        actor: Actor,
        at: datetime,
        *,
        summary: str,
        problems: object,
        actions: object,
    ) -> None:
        """Record the review report: the problems found and the actions planned.

        The service raises each action's improvement item first and passes
        the actions with their ``improvement_id``.

        :raises InvalidTransition: unless minuted.
        :raises ValidationError: for an empty summary, a malformed problem or action.
        """
        self._begin("report", at)
        written = text(summary, "summary")
        found = parse_all(problems, ReviewProblem.parse, "problems")
        planned = parse_all(actions, ReviewAction.parse, "actions")
        self._apply(
            "report",
            actor,
            at,
            {
                "summary": written,
                "problems": [{"description": p.description, "service": p.service} for p in found],
                "actions": [_action_facts(a) for a in planned],
                "notify": ["improvement_owner"] if planned else [],
            },
        )
        self.summary, self.problems, self.actions = written, found, planned
        self.reported_at = at

    def close(self, actor: Actor, at: datetime, *, note: str | None = None) -> None:
        """Close the reported review.

        :raises InvalidTransition: unless reported.
        """
        self._begin("close", at)
        said = optional_text(note, "note")
        self._apply("close", actor, at, {"note": said})
        self.concluded_at = at

    def cancel(self, actor: Actor, at: datetime, *, reason: str) -> None:
        """Cancel the review before it is held, with the reason.

        :raises InvalidTransition: once it is held.
        """
        self._begin("cancel", at)
        why = text(reason, "reason")
        self._apply("cancel", actor, at, {"reason": why})
        self.cancel_reason = why
        self.concluded_at = at

    def record_campaign(self, actor: Actor, at: datetime, *, campaign_id: str) -> None:
        """Record the satisfaction campaign the review opened.

        :raises InvalidTransition: unless held, minuted or reported.
        """
        self._begin("open_campaign", at)
        key = text(campaign_id, "campaign_id")
        self._apply("open_campaign", actor, at, {"campaign_id": key})
        self.campaign_ids = (*self.campaign_ids, key)
