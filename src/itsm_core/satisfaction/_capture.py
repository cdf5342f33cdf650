"""What the satisfaction sub-services share: settings, role sets, response building,
the complaint trigger and the callback clocks.

One :class:`Capture` is built by :class:`~itsm_core.satisfaction.service.SatisfactionService`
and handed to each of its sub-services (composition: no sub-service inherits from another).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

from itsm_core.calendars.working import WorkingCalendar
from itsm_core.complaints.enums import Origin
from itsm_core.complaints.storage import COMPLAINT_SPEC
from itsm_core.kernel.actors import STAFF_ROLES, SYSTEM, Actor, Role
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import AccessDenied, ConflictError, NotFound, ValidationError
from itsm_core.kernel.events import DomainEvent, may_see_confidential, visible_to
from itsm_core.runtime import Runtime
from itsm_core.satisfaction._values import optional_text, require_text
from itsm_core.satisfaction.callback_clocks import CallbackClocks
from itsm_core.satisfaction.enums import CallbackKind, Channel, Subject, SubjectKind
from itsm_core.satisfaction.model import Callback, Response, ServiceRecord
from itsm_core.satisfaction.policy import SatisfactionPolicy
from itsm_core.satisfaction.scales import Scale, Score
from itsm_core.satisfaction.storage import CALLBACK_SPEC, RESPONSE_SPEC
from itsm_core.satisfaction.triggers import (
    ComplaintOpener,
    complaint_request,
    satisfaction_hook_calls,
)
from itsm_core.sla.keeper import ClockKeeper
from itsm_core.storage.base import AggregateSpec, Query, UnitOfWork

__all__ = [
    "CALLBACK_ROLES",
    "CAMPAIGN_ROLES",
    "COMPLAINT_SWEEP_ROLES",
    "CUSTOMER_ROLES",
    "MONTHLY_ROLES",
    "ON_BEHALF_ROLES",
    "READ_ROLES",
    "RECORD_ROLES",
    "RESPONSE_ROLES",
    "SCHEDULING_ROLES",
    "STAFF_ROLES",
    "SURVEY_ROLES",
    "TICKET_SCORE_ROLES",
    "Capture",
    "FatiguePolicy",
    "about_internal_complaint",
    "load_or_none",
    "same_score",
    "view",
]

log = logging.getLogger("itsm_core.satisfaction")

E = TypeVar("E")

_R = Role
CAMPAIGN_ROLES = (
    _R.OPERATIONS_MANAGER,
    _R.PROJECT_MANAGER,
    _R.RELATIONSHIP_MANAGER,
    _R.QUALITY_SPECIALIST,
)
ON_BEHALF_ROLES = (*CAMPAIGN_ROLES, _R.COORDINATOR, _R.SERVICE_DESK)
SURVEY_ROLES = (_R.CUSTOMER, *ON_BEHALF_ROLES)
MONTHLY_ROLES = (_R.CUSTOMER, _R.PROJECT_MANAGER)
TICKET_SCORE_ROLES = (_R.CUSTOMER, _R.ENGINEER, _R.SERVICE_DESK, _R.COORDINATOR, _R.SYSTEM)
RESPONSE_ROLES = (
    _R.CUSTOMER,
    *ON_BEHALF_ROLES,
    _R.COMPLAINT_SPECIALIST,
    _R.ENGINEER,
    _R.SYSTEM,
)
CALLBACK_ROLES = (_R.COORDINATOR, _R.SERVICE_DESK)
SCHEDULING_ROLES = (_R.COORDINATOR, _R.SERVICE_DESK, _R.SYSTEM)
RECORD_ROLES = (_R.SERVICE_DESK, _R.COORDINATOR, _R.ENGINEER, _R.SYSTEM)
CUSTOMER_ROLES = (_R.RELATIONSHIP_MANAGER, _R.OPERATIONS_MANAGER, _R.PROJECT_MANAGER, _R.SYSTEM)
COMPLAINT_SWEEP_ROLES = (_R.SYSTEM, _R.COMPLAINT_SPECIALIST, _R.OPERATIONS_MANAGER)
READ_ROLES = (
    *ON_BEHALF_ROLES,
    _R.ENGINEER,
    _R.OPERATIONS_DIRECTOR,
    _R.INCIDENT_MANAGER,
    _R.COMPLAINT_SPECIALIST,
    _R.SYSTEM,
)

FatiguePolicy = Literal["skip", "refuse"]


def about_internal_complaint(uow: UnitOfWork, subject: Subject) -> bool:
    """True if ``subject`` is an internal complaint: its respondent's identity is confidential."""
    if subject.kind is not SubjectKind.COMPLAINT or not subject.ref:
        return False
    complaint = load_or_none(uow, COMPLAINT_SPEC, subject.ref)
    return complaint is not None and complaint.origin is Origin.INTERNAL


def view(actor: Actor, response: Response) -> Response:
    """``response`` as ``actor`` may read it (a confidential respondent redacted)."""
    return response if may_see_confidential(actor) else response.redacted()


def load_or_none(uow: UnitOfWork, spec: AggregateSpec[E], entity_id: str) -> E | None:
    """Return the stored entity, or None if there is none with that id."""
    try:
        return uow.get(spec, entity_id)
    except NotFound:
        return None


def same_score(a: Score, b: Score) -> bool:
    """True if two scores are the same value on the same scale."""
    return a.scale == b.scale and a.raw == b.raw


class Capture:
    """The shared state and helpers of the satisfaction sub-services.

    See :class:`~itsm_core.satisfaction.service.SatisfactionService` for the parameters.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        policy: SatisfactionPolicy | None = None,
        calendar: WorkingCalendar | None = None,
        complaints: ComplaintOpener | None = None,
        sla: ClockKeeper | None = None,
    ) -> None:
        self.runtime = runtime
        self.policy = policy or SatisfactionPolicy()
        self.sla = sla
        self.callback_clocks = CallbackClocks(sla, calendar, self.policy.timezone)
        self.complaints = complaints
        runtime.relay.add_dispatcher(satisfaction_hook_calls)

    @property
    def calendar(self) -> WorkingCalendar:
        """The business calendar callbacks are due on (see
        :mod:`~itsm_core.satisfaction.callback_clocks`); assign another to change it."""
        return self.callback_clocks.calendar

    @calendar.setter
    def calendar(self, value: WorkingCalendar) -> None:
        self.callback_clocks.calendar = value

    def now(self, at: datetime | None = None, name: str = "at") -> datetime:
        return require_aware(at, name) if at is not None else self.runtime.clock.now()

    def get(self, uow: UnitOfWork, spec: AggregateSpec[E], entity_id: str) -> E:
        require_text(entity_id, f"{spec.kind} id")
        return uow.get(spec, entity_id)

    def history(
        self, actor: Actor, spec: AggregateSpec[Any], entity_id: str
    ) -> list[DomainEvent]:
        """Return the stored events of one entity, oldest first, as ``actor`` may read them.

        :raises NotFound: if there is no such entity.
        """
        with self.runtime.storage.unit_of_work() as uow:
            self.get(uow, spec, entity_id)
            return visible_to(actor, uow.history(spec.kind, entity_id))

    def respondent(self, actor: Actor, respondent: str | None, fallback: str | None) -> str:
        """Customers score for themselves; staff name the respondent."""
        if actor.has(Role.CUSTOMER) and not actor.has(*STAFF_ROLES):
            if respondent is not None and respondent != actor.id:
                raise AccessDenied(
                    f"a customer gives scores only as themselves: actor {actor.id!r} "
                    f"cannot answer for {respondent!r}",
                    required=[r.value for r in ON_BEHALF_ROLES],
                )
            return actor.id
        chosen = respondent if respondent is not None else fallback
        if chosen is None:
            raise ValidationError(
                "respondent is required: name the person who gave the score", field="respondent"
            )
        return require_text(chosen, "respondent")

    def comment(self, score: Score, comment: str | None) -> str | None:
        text = optional_text(comment, "comment")
        if text is None and self.policy.comment_required(score.normalised):
            raise ValidationError(
                f"a comment is required for a score at or below "
                f"{self.policy.comment_required_at_or_below:g} (normalised); "
                f"got {score.level!r} on {score.scale} ({score.normalised:.2f})",
                field="comment",
            )
        return text

    def complaint_source(self, channel: Channel, score: Score) -> str | None:
        if channel is Channel.CALLBACK:
            dissatisfied = score.dissatisfied and self.policy.dissatisfied_callback_opens_complaint
            return "callback" if score.very_dissatisfied or dissatisfied else None
        return "satisfaction" if score.very_dissatisfied else None

    def build_response(
        self,
        actor: Actor,
        *,
        response_id: str,
        channel: Channel,
        customer: str,
        service: str,
        subject: Subject,
        respondent: str,
        scale: Scale,
        score: object,
        comment: str | None,
        responded_at: datetime,
        engineer: str | None = None,
        campaign_id: str | None = None,
        question: str | None = None,
        submission_id: str | None = None,
    ) -> Response:
        scored = scale.score(score)
        return Response(
            id=response_id,
            channel=channel,
            customer=require_text(customer, "customer"),
            service=require_text(service, "service"),
            subject=subject,
            respondent=respondent,
            score=scored,
            comment=self.comment(scored, comment),
            responded_at=require_aware(responded_at, "responded_at"),
            timezone=self.policy.timezone,
            engineer=optional_text(engineer, "engineer"),
            campaign_id=campaign_id,
            question=question,
            submission_id=submission_id or response_id,
            recorded_by=actor.id,
            complaint_source=self.complaint_source(channel, scored),
        )

    def store_response(self, actor: Actor, response: Response, at: datetime) -> Response:
        """Store a new response, or return the stored one for an identical retry."""
        with self.runtime.transaction() as uow:
            existing = load_or_none(uow, RESPONSE_SPEC, response.id)
            if existing is not None:
                if (
                    same_score(existing.score, response.score)
                    and existing.respondent == response.respondent
                ):
                    stored = existing
                else:
                    raise ConflictError(
                        f"response {response.id!r} is already recorded with "
                        f"{existing.score.level!r} on {existing.score.scale} by "
                        f"{existing.respondent!r}; a second, different score for the same "
                        "thing needs its own response_id",
                        kind=Response.KIND,
                        entity_id=response.id,
                    )
            else:
                response.confidential = about_internal_complaint(uow, response.subject)
                response.register(actor, at)
                uow.save(RESPONSE_SPEC, response)
                stored = response
        return self.trigger([stored])[0]

    def trigger(self, responses: Sequence[Response], at: datetime | None = None) -> list[Response]:
        """Open the complaints the (committed) ``responses`` call for; return them updated.

        :param at: when the complaints are linked (default now).
        """
        pending: dict[str, Response] = {}
        for r in responses:
            if r.complaint_pending:
                best = pending.get(r.submission_id)
                if best is None or r.score.normalised < best.score.normalised:
                    pending[r.submission_id] = r
        if not pending:
            return list(responses)
        linked: dict[str, str] = {}
        for submission, r in pending.items():
            complaint_id = self.open_complaint(r)
            if complaint_id is not None:
                linked[submission] = complaint_id
        if not linked:
            return list(responses)
        updated: dict[str, Response] = {}
        at = self.now(at)
        for submission, complaint_id in linked.items():
            try:
                with self.runtime.transaction() as uow:
                    query = Query.eq(submission_id=submission, complaint_pending=1)
                    for r in uow.find(RESPONSE_SPEC, query):
                        if r.link_complaint(SYSTEM, complaint_id, at):
                            uow.save(RESPONSE_SPEC, r)
                        updated[r.id] = r
            except ConflictError:  # linked concurrently by another worker: fine
                log.info("responses of submission %r were linked concurrently", submission)
        return [updated.get(r.id, r) for r in responses]

    def open_complaint(self, response: Response) -> str | None:
        opener = self.complaints
        if opener is None:
            log.warning(
                "response %r calls for a complaint but no complaint service is set; "
                "it waits for open_pending_complaints()",
                response.id,
            )
            return None
        try:
            complaint = opener.receive(SYSTEM, **complaint_request(response))
        except Exception:  # the response is committed; the sweep retries later
            log.exception("opening the complaint for response %r failed", response.id)
            return None
        complaint_id = getattr(complaint, "id", complaint)
        return str(complaint_id) if complaint_id is not None else None

    def first_caller(self, uow: UnitOfWork, record: ServiceRecord, actor: Actor) -> str | None:
        """Who made the callback that sent ``record`` back (else the actor if coordinator)."""
        if record.last_callback_id is not None:
            previous = load_or_none(uow, CALLBACK_SPEC, record.last_callback_id)
            if previous is not None and previous.done_by is not None:
                return previous.done_by
        return self.coordinator(actor)

    def coordinator(self, actor: Actor) -> str | None:
        """The actor's id if they act as coordinator (the callback clock's handler)."""
        return actor.id if actor.has(Role.COORDINATOR) else None

    def new_record_callback(
        self,
        uow: UnitOfWork,
        actor: Actor,
        record: ServiceRecord,
        kind: CallbackKind,
        callback_id: str,
        at: datetime,
        *,
        sample_day: str | None = None,
        handler: str | None = None,
    ) -> Callback:
        """Create, register and save a record's callback and start its SLA clock in ``uow``.

        :param handler: the clock's handler (default: the actor if coordinator).
        """
        handled = record.handled_at or at
        promise = self.callback_clocks.promise(
            handled,
            self.policy.callback_due_working_days,
            service=record.service,
            thresholds=self.policy.callback_warning_thresholds,
        )
        callback = Callback(
            id=callback_id,
            kind=kind,
            customer=record.customer,
            service=record.service,
            service_record_id=record.id,
            engineer=record.engineer,
            contact=record.requester,
            sample_day=sample_day,
            due_at=promise.due_at,
            scheduled_at=at,
        )
        callback.register(actor, at)
        uow.save(CALLBACK_SPEC, callback)
        self.callback_clocks.start(
            uow,
            actor,
            callback,
            promise,
            at=handled,
            handler=handler if handler is not None else self.coordinator(actor),
        )
        return callback
