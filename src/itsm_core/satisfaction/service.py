"""Use cases of satisfaction capture: :class:`SatisfactionService` (``core.satisfaction``).

Every public method takes the acting :class:`~itsm_core.actors.Actor` first and
checks their role (DOMAIN §1, seed 000 §7.2.4):

========================================  =============================================
survey campaigns (create, open, invite,   operations manager (运维经理, responsible for
remind, close, mark analysed)             satisfaction), project manager, relationship
                                          manager, quality specialist (质控专员)
survey answers by token                   the invited customer; or the staff above,
                                          coordinator or service desk on their behalf
                                          (interview, phone)
customer monthly score                    the customer; the project manager (项目经理)
service ticket score                      the customer; the engineer (工程师), service
                                          desk or coordinator entering it; the system
                                          (imported from the ticketing tool)
callback sampling, scheduling             coordinator (协调岗), service desk, system
callback register (record, cancel)        coordinator, service desk
service records (register, resolve,       service desk, coordinator, engineer, system
close, reopen)
customer register (key customers)         relationship manager, operations manager,
                                          project manager, system
reading                                   the staff roles above, operations director,
                                          incident manager, complaint specialist, system
========================================  =============================================
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Literal, TypeVar

from itsm_core.actors import SYSTEM, Actor, Role, require_role
from itsm_core.clock import require_aware
from itsm_core.errors import AccessDenied, ConflictError, NotFound, ValidationError
from itsm_core.ids import new_id
from itsm_core.runtime import Runtime
from itsm_core.satisfaction.callbacks import (
    Callback,
    CallbackResult,
    SamplingReport,
    WeekdayCalendar,
    WorkingCalendar,
    daily_sample,
)
from itsm_core.satisfaction.campaigns import (
    Answer,
    Campaign,
    Invitation,
    InvitationReport,
    Question,
    Respondent,
    ResponseRate,
    SkippedRespondent,
    new_token,
)
from itsm_core.satisfaction.customers import CustomerProfile
from itsm_core.satisfaction.lifecycle import CALLBACK, CAMPAIGN, INVITATION
from itsm_core.satisfaction.model import (
    CallbackKind,
    CallbackOutcome,
    CallbackState,
    CallbackStatus,
    CampaignMotive,
    CampaignState,
    Channel,
    InvitationState,
    ServiceRecordState,
    Subject,
    SubjectKind,
    SurveyMethod,
    as_day,
    as_period,
    optional_text,
    require_text,
    zone,
)
from itsm_core.satisfaction.policy import SatisfactionPolicy
from itsm_core.satisfaction.responses import Response
from itsm_core.satisfaction.scales import Scale, Score
from itsm_core.satisfaction.service_records import ServiceRecord
from itsm_core.satisfaction.storage import (
    CALLBACK_SPEC,
    CAMPAIGN_SPEC,
    CUSTOMER_SPEC,
    INVITATION_SPEC,
    RESPONSE_SPEC,
    SERVICE_RECORD_SPEC,
)
from itsm_core.satisfaction.triggers import (
    ComplaintOpener,
    complaint_request,
    satisfaction_hook_calls,
)
from itsm_core.storage.base import AggregateSpec, Query, UnitOfWork

__all__ = ["SatisfactionService"]

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
STAFF_ROLES = frozenset(r for r in Role if r is not Role.CUSTOMER)

FatiguePolicy = Literal["skip", "refuse"]


def _load(uow: UnitOfWork, spec: AggregateSpec[E], entity_id: str) -> E | None:
    try:
        return uow.get(spec, entity_id)
    except NotFound:
        return None


def _same_score(a: Score, b: Score) -> bool:
    return a.scale == b.scale and a.raw == b.raw


class SatisfactionService:
    """Satisfaction capture: scales, the four channels, campaigns, service records,
    callbacks and the complaint trigger.

    Built by the facade as ``core.satisfaction``.

    :param runtime: the shared runtime (clock, store, plug-ins).
    :param policy: the provider's settings (default :class:`SatisfactionPolicy`).
    :param calendar: the provider's business calendar for callback due times
        (default: :class:`~itsm_core.satisfaction.callbacks.WeekdayCalendar`
        in the policy's zone).
    :param complaints: opens complaints for very dissatisfied responses (the
        facade passes its complaint service); None: the responses wait in
        :meth:`open_pending_complaints` until one is set.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        policy: SatisfactionPolicy | None = None,
        calendar: WorkingCalendar | None = None,
        complaints: ComplaintOpener | None = None,
    ) -> None:
        self.runtime = runtime
        self.policy = policy or SatisfactionPolicy()
        self.calendar: WorkingCalendar = calendar or WeekdayCalendar(self.policy.timezone)
        self.complaints = complaints
        runtime.relay.add_dispatcher(satisfaction_hook_calls)

    # -- helpers ---------------------------------------------------------------------

    def _now(self, at: datetime | None = None, name: str = "at") -> datetime:
        return require_aware(at, name) if at is not None else self.runtime.clock.now()

    def _get(self, uow: UnitOfWork, spec: AggregateSpec[E], entity_id: str) -> E:
        require_text(entity_id, f"{spec.kind} id")
        return uow.get(spec, entity_id)

    def _respondent(self, actor: Actor, respondent: str | None, fallback: str | None) -> str:
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

    def _comment(self, score: Score, comment: str | None) -> str | None:
        text = optional_text(comment, "comment")
        if text is None and self.policy.comment_required(score.normalised):
            raise ValidationError(
                f"a comment is required for a score at or below "
                f"{self.policy.comment_required_at_or_below:g} (normalised); "
                f"got {score.level!r} on {score.scale} ({score.normalised:.2f})",
                field="comment",
            )
        return text

    def _complaint_source(self, channel: Channel, score: Score) -> str | None:
        if channel is Channel.CALLBACK:
            dissatisfied = score.dissatisfied and self.policy.dissatisfied_callback_opens_complaint
            return "callback" if score.very_dissatisfied or dissatisfied else None
        return "satisfaction" if score.very_dissatisfied else None

    def _build_response(
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
            comment=self._comment(scored, comment),
            responded_at=require_aware(responded_at, "responded_at"),
            timezone=self.policy.timezone,
            engineer=optional_text(engineer, "engineer"),
            campaign_id=campaign_id,
            question=question,
            submission_id=submission_id or response_id,
            recorded_by=actor.id,
            complaint_source=self._complaint_source(channel, scored),
        )

    def _store_response(self, actor: Actor, response: Response, at: datetime) -> Response:
        """Store a new response, or return the stored one for an identical retry."""
        with self.runtime.transaction() as uow:
            existing = _load(uow, RESPONSE_SPEC, response.id)
            if existing is not None:
                if (
                    _same_score(existing.score, response.score)
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
                response.register(actor, at)
                uow.save(RESPONSE_SPEC, response)
                stored = response
        return self._trigger([stored])[0]

    # -- complaint trigger ---------------------------------------------------------------

    def _trigger(self, responses: Sequence[Response]) -> list[Response]:
        """Open the complaints the (committed) ``responses`` call for; return them updated."""
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
            complaint_id = self._open_complaint(r)
            if complaint_id is not None:
                linked[submission] = complaint_id
        if not linked:
            return list(responses)
        updated: dict[str, Response] = {}
        at = self.runtime.clock.now()
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

    def _open_complaint(self, response: Response) -> str | None:
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

    def open_pending_complaints(self, actor: Actor, *, limit: int = 100) -> list[Response]:
        """Open the complaints that responses called for but did not get yet.

        Run it from a periodic job: it catches up after a crash between the
        response's commit and the complaint, or after a complaint service was
        configured late. Exactly one complaint per submission, however often it runs.

        :param actor: system, complaint specialist or operations manager.
        :param limit: at most this many responses per run.
        :return: the responses handled (linked to their complaint where it opened).
        """
        require_role(actor, *COMPLAINT_SWEEP_ROLES, action="open pending complaints")
        with self.runtime.storage.unit_of_work() as uow:
            query = Query.eq(complaint_pending=1)
            pending = uow.find(RESPONSE_SPEC, Query(query.where, ("responded_at",), limit))
        return self._trigger(pending)

    # -- customers --------------------------------------------------------------------

    def register_customer(
        self,
        actor: Actor,
        customer: str,
        *,
        name: str,
        key: bool = False,
        note: str | None = None,
        at: datetime | None = None,
    ) -> CustomerProfile:
        """Add a customer to the register (key customers get monthly callbacks).

        :param actor: relationship manager, operations manager, project manager or system.
        :param customer: the customer id used in responses and service records.
        :param name: the display name.
        :param key: a key customer (重要客户).
        :param note: why.
        :param at: when (default now).
        :raises ConflictError: if the customer is registered already.
        """
        require_role(actor, *CUSTOMER_ROLES, action="register a customer")
        when = self._now(at)
        profile = CustomerProfile(
            id=require_text(customer, "customer"),
            name=require_text(name, "name"),
            key=bool(key),
            note=optional_text(note, "note"),
        )
        with self.runtime.transaction() as uow:
            if _load(uow, CUSTOMER_SPEC, profile.id) is not None:
                raise ConflictError(
                    f"customer {profile.id!r} is registered already; use set_key_customer",
                    kind=CustomerProfile.KIND,
                    entity_id=profile.id,
                )
            profile.register(actor, when)
            uow.save(CUSTOMER_SPEC, profile)
        return profile

    def set_key_customer(
        self,
        actor: Actor,
        customer: str,
        *,
        key: bool = True,
        note: str | None = None,
        at: datetime | None = None,
    ) -> CustomerProfile:
        """Set (or clear, with ``key=False``) a customer's key-customer flag.

        :raises NotFound: if the customer is not registered.
        """
        require_role(actor, *CUSTOMER_ROLES, action="set a key customer")
        when = self._now(at)
        with self.runtime.transaction() as uow:
            profile = self._get(uow, CUSTOMER_SPEC, customer)
            if profile.set_key(actor, when, key=key, note=note):
                uow.save(CUSTOMER_SPEC, profile)
        return profile

    def customer(self, actor: Actor, customer: str) -> CustomerProfile:
        """Return a registered customer.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a customer")
        with self.runtime.storage.unit_of_work() as uow:
            return self._get(uow, CUSTOMER_SPEC, customer)

    def key_customers(self, actor: Actor) -> list[CustomerProfile]:
        """Return the key customers, by id."""
        require_role(actor, *READ_ROLES, action="list key customers")
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(CUSTOMER_SPEC, Query.eq(key=1))

    def is_key_customer(self, actor: Actor, customer: str) -> bool:
        """True if ``customer`` is registered as a key customer."""
        require_role(actor, *READ_ROLES, action="read a customer")
        with self.runtime.storage.unit_of_work() as uow:
            profile = _load(uow, CUSTOMER_SPEC, require_text(customer, "customer"))
        return profile is not None and profile.key

    # -- service records -----------------------------------------------------------------

    def register_service_record(
        self,
        actor: Actor,
        record_id: str,
        *,
        customer: str,
        service: str,
        opened_at: datetime,
        engineer: str | None = None,
        requester: str | None = None,
        summary: str | None = None,
        resolution: str | None = None,
        resolved_at: datetime | None = None,
        closed_at: datetime | None = None,
        first_contact: bool = False,
        reopened_count: int = 0,
        at: datetime | None = None,
    ) -> ServiceRecord:
        """Register a request handled in the provider's ticketing tool.

        Its state follows from the instants given: closed if ``closed_at``,
        resolved if ``resolved_at``, else open.

        :param actor: service desk, coordinator, engineer or system (an import).
        :param record_id: the ticket's id in the provider's tool.
        :param customer: the customer id.
        :param service: the service.
        :param opened_at: when the request was opened.
        :param engineer: who handled it.
        :param requester: who asked (the person to call back).
        :param summary: a one-line summary.
        :param resolution: how it was resolved.
        :param resolved_at: when resolved.
        :param closed_at: when closed.
        :param first_contact: resolved at first contact.
        :param reopened_count: reopened so far.
        :param at: when registered (default now).
        :raises ValidationError: for instants out of order or naive.
        :raises ConflictError: if the id is registered already.
        """
        require_role(actor, *RECORD_ROLES, action="register a service record")
        when = self._now(at)
        if isinstance(reopened_count, bool) or not isinstance(reopened_count, int):
            raise ValidationError(
                f"reopened_count must be a whole number, got {reopened_count!r}",
                field="reopened_count",
            )
        record = ServiceRecord(
            id=require_text(record_id, "record_id"),
            customer=require_text(customer, "customer"),
            service=require_text(service, "service"),
            engineer=optional_text(engineer, "engineer"),
            requester=optional_text(requester, "requester"),
            summary=optional_text(summary, "summary"),
            resolution=optional_text(resolution, "resolution"),
            opened_at=require_aware(opened_at, "opened_at"),
            resolved_at=resolved_at,
            closed_at=closed_at,
            first_contact=bool(first_contact),
            reopened_count=reopened_count,
            timezone=self.policy.timezone,
        )
        record.register(actor, when)
        with self.runtime.transaction() as uow:
            if _load(uow, SERVICE_RECORD_SPEC, record.id) is not None:
                raise ConflictError(
                    f"service record {record.id!r} is registered already",
                    kind=ServiceRecord.KIND,
                    entity_id=record.id,
                )
            uow.save(SERVICE_RECORD_SPEC, record)
        return record

    def resolve_service_record(
        self,
        actor: Actor,
        record_id: str,
        *,
        resolved_at: datetime | None = None,
        resolution: str | None = None,
        engineer: str | None = None,
        first_contact: bool | None = None,
    ) -> ServiceRecord:
        """The engineer resolved the request; after a return, a second callback becomes due
        (one working day later) and the record cannot close before it confirms the fix.

        :raises InvalidTransition: unless the record is open or returned.
        """
        require_role(actor, *RECORD_ROLES, action="resolve a service record")
        now = self._now()
        when = self._now(resolved_at, "resolved_at")
        with self.runtime.transaction() as uow:
            record = self._get(uow, SERVICE_RECORD_SPEC, record_id)
            was_returned = record.state is ServiceRecordState.RETURNED
            record.resolve(
                actor,
                now,
                resolved_at=when,
                resolution=resolution,
                engineer=engineer,
                first_contact=first_contact,
            )
            if was_returned:
                callback = self._new_record_callback(
                    actor,
                    record,
                    CallbackKind.RECHECK,
                    f"callback-recheck-{record.id}-{record.reopened_count}",
                    now,
                )
                if _load(uow, CALLBACK_SPEC, callback.id) is None:
                    uow.save(CALLBACK_SPEC, callback)
                record.schedule_callback(actor, now, callback_id=callback.id, recheck=True)
            uow.save(SERVICE_RECORD_SPEC, record)
        return record

    def close_service_record(
        self, actor: Actor, record_id: str, *, closed_at: datetime | None = None
    ) -> ServiceRecord:
        """Close a resolved record.

        :raises InvalidTransition: unless resolved, or while a second callback is due.
        """
        require_role(actor, *RECORD_ROLES, action="close a service record")
        now = self._now()
        when = self._now(closed_at, "closed_at")
        with self.runtime.transaction() as uow:
            record = self._get(uow, SERVICE_RECORD_SPEC, record_id)
            record.close(actor, now, closed_at=when)
            uow.save(SERVICE_RECORD_SPEC, record)
        return record

    def reopen_service_record(
        self, actor: Actor, record_id: str, *, reason: str, at: datetime | None = None
    ) -> ServiceRecord:
        """The request was reopened in the ticketing tool (counts against one-time fix).

        :raises InvalidTransition: unless resolved or closed.
        """
        require_role(actor, *RECORD_ROLES, action="reopen a service record")
        when = self._now(at)
        with self.runtime.transaction() as uow:
            record = self._get(uow, SERVICE_RECORD_SPEC, record_id)
            record.reopen(actor, when, reason=reason)
            uow.save(SERVICE_RECORD_SPEC, record)
        return record

    def service_record(self, actor: Actor, record_id: str) -> ServiceRecord:
        """Return one service record.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a service record")
        with self.runtime.storage.unit_of_work() as uow:
            return self._get(uow, SERVICE_RECORD_SPEC, record_id)

    def service_records(
        self,
        actor: Actor,
        *,
        customer: str | None = None,
        service: str | None = None,
        engineer: str | None = None,
        closed_day: date | str | None = None,
        closed_period: str | None = None,
        callback_state: CallbackStatus | str | None = None,
        limit: int | None = None,
    ) -> list[ServiceRecord]:
        """Return the service records matching every filter given, by id."""
        require_role(actor, *READ_ROLES, action="list service records")
        query = Query.eq(
            customer=customer,
            service=service,
            engineer=engineer,
            closed_day=as_day(closed_day).isoformat() if closed_day is not None else None,
            closed_period=as_period(closed_period) if closed_period is not None else None,
            callback_state=(
                CallbackStatus.parse(callback_state, "callback_state").value
                if callback_state is not None
                else None
            ),
        )
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(SERVICE_RECORD_SPEC, Query(query.where, ("id",), limit))

    # -- callbacks -------------------------------------------------------------------

    def _due(self, start: datetime, days: int) -> datetime:
        return require_aware(self.calendar.add_working_days(start, days), "due_at")

    def _new_record_callback(
        self,
        actor: Actor,
        record: ServiceRecord,
        kind: CallbackKind,
        callback_id: str,
        at: datetime,
        sample_day: str | None = None,
    ) -> Callback:
        handled = record.handled_at or at
        callback = Callback(
            id=callback_id,
            kind=kind,
            customer=record.customer,
            service=record.service,
            service_record_id=record.id,
            engineer=record.engineer,
            contact=record.requester,
            sample_day=sample_day,
            due_at=self._due(handled, self.policy.callback_due_working_days),
            scheduled_at=at,
        )
        callback.register(actor, at)
        return callback

    def sample_daily_callbacks(
        self, actor: Actor, day: date | str, *, rate: float | None = None
    ) -> SamplingReport:
        """Pick the day's callback sample and schedule a callback for each record picked.

        The population is every service record closed on the local ``day``;
        the sample is reproducible (see :mod:`itsm_core.satisfaction.callbacks`).
        Running it twice for a day schedules nothing new. Run it after the day
        is over, so that the population is complete.

        :param actor: coordinator, service desk or system (a daily job).
        :param day: the local day, a ``date`` or ``"YYYY-MM-DD"``.
        :param rate: the rate (default: the policy's ``callback_sample_rate``).
        """
        require_role(actor, *SCHEDULING_ROLES, action="sample daily callbacks")
        the_day = as_day(day).isoformat()
        use_rate = self.policy.callback_sample_rate if rate is None else rate
        now = self._now()
        scheduled: list[Callback] = []
        skipped: list[tuple[str, str]] = []
        with self.runtime.transaction() as uow:
            records = {r.id: r for r in uow.find(SERVICE_RECORD_SPEC, Query.eq(closed_day=the_day))}
            selected = daily_sample(
                records, day=the_day, rate=use_rate, seed=self.policy.sampling_seed
            )
            for record_id in selected:
                record = records[record_id]
                callback_id = f"callback-{the_day}-{record_id}"
                if _load(uow, CALLBACK_SPEC, callback_id) is not None:
                    skipped.append((record_id, "a callback from this day's sample exists already"))
                    continue
                if record.callback_status in (CallbackStatus.DUE, CallbackStatus.RECHECK_DUE):
                    skipped.append(
                        (record_id, f"a callback is due already: {record.last_callback_id}")
                    )
                    continue
                callback = self._new_record_callback(
                    actor, record, CallbackKind.DAILY, callback_id, now, sample_day=the_day
                )
                record.schedule_callback(actor, now, callback_id=callback.id)
                uow.save(CALLBACK_SPEC, callback)
                uow.save(SERVICE_RECORD_SPEC, record)
                scheduled.append(callback)
        return SamplingReport(
            day=the_day,
            population=len(records),
            rate=use_rate,
            selected=tuple(selected),
            scheduled=tuple(scheduled),
            skipped=tuple(skipped),
        )

    def schedule_callback(
        self, actor: Actor, record_id: str, *, at: datetime | None = None
    ) -> Callback:
        """Schedule a callback for one record outside the daily sample (the coordinator's
        choice, e.g. a sensitive request).

        :raises ValidationError: if the record is not resolved or closed.
        :raises ConflictError: if a callback is due for it already.
        """
        require_role(actor, *SCHEDULING_ROLES, action="schedule a callback")
        now = self._now(at)
        with self.runtime.transaction() as uow:
            record = self._get(uow, SERVICE_RECORD_SPEC, record_id)
            if record.state not in (ServiceRecordState.RESOLVED, ServiceRecordState.CLOSED):
                raise ValidationError(
                    f"service record {record.id!r} is {record.state.value!r}: a callback "
                    "follows the handling (resolved or closed)",
                    field="record_id",
                )
            if record.callback_status in (CallbackStatus.DUE, CallbackStatus.RECHECK_DUE):
                raise ConflictError(
                    f"a callback is due for service record {record.id!r} already: "
                    f"{record.last_callback_id}",
                    kind=Callback.KIND,
                    entity_id=record.last_callback_id or "",
                )
            callback = self._new_record_callback(
                actor, record, CallbackKind.DAILY, new_id("callback-"), now
            )
            record.schedule_callback(actor, now, callback_id=callback.id)
            uow.save(CALLBACK_SPEC, callback)
            uow.save(SERVICE_RECORD_SPEC, record)
        return callback

    def schedule_monthly_callbacks(self, actor: Actor, period: str) -> list[Callback]:
        """Schedule this month's callback of every key customer (004 "月度回访").

        Each is due ``monthly_callback_working_days`` working days after the
        month starts (local midnight of the 1st). Running it twice schedules nothing new.

        :param actor: coordinator, service desk or system (a monthly job).
        :param period: the month, ``"YYYY-MM"``.
        :return: the callbacks scheduled now.
        """
        require_role(actor, *SCHEDULING_ROLES, action="schedule monthly callbacks")
        month = as_period(period)
        now = self._now()
        start = datetime.combine(
            date.fromisoformat(month + "-01"), time(0), zone(self.policy.timezone)
        )
        due = self._due(start, self.policy.monthly_callback_working_days)
        created: list[Callback] = []
        with self.runtime.transaction() as uow:
            for profile in uow.find(CUSTOMER_SPEC, Query.eq(key=1)):
                callback_id = f"callback-monthly-{month}-{profile.id}"
                if _load(uow, CALLBACK_SPEC, callback_id) is not None:
                    continue
                callback = Callback(
                    id=callback_id,
                    kind=CallbackKind.MONTHLY,
                    customer=profile.id,
                    period=month,
                    due_at=due,
                    scheduled_at=now,
                )
                callback.register(actor, now)
                uow.save(CALLBACK_SPEC, callback)
                created.append(callback)
        return created

    def record_callback(
        self,
        actor: Actor,
        callback_id: str,
        *,
        outcome: CallbackOutcome | str,
        score: object = None,
        scale: str | Scale | None = None,
        respondent: str | None = None,
        comment: str | None = None,
        reason: str | None = None,
        service: str | None = None,
        at: datetime | None = None,
    ) -> CallbackResult:
        """Record a callback in the register (回访登记表).

        * ``unreachable``: an attempt is noted; the callback stays due.
        * ``solved``: done; the record's ``callback_state`` becomes ``confirmed``
          (a returned record may now close).
        * ``not_solved`` (``reason`` required): done; the record goes back to
          the engineer (``itsm_service_record_returned`` is delivered through
          the outbox after the commit) and a second callback will be due once it is resolved again.

        A ``score`` given is recorded as a callback-channel response; scored
        very dissatisfied (or dissatisfied, when the policy says so) it opens a
        complaint with source ``callback``.

        :param actor: coordinator or service desk.
        :param callback_id: the callback.
        :param outcome: ``solved``, ``not_solved`` or ``unreachable``.
        :param score: the customer's score (optional).
        :param scale: its scale (default: the policy's).
        :param respondent: who answered (default: the record's requester).
        :param comment: the customer's comment.
        :param reason: why not solved (required then); a note for an attempt.
        :param service: the service a monthly callback's score rates (required then).
        :param at: when (default now).
        """
        require_role(actor, *CALLBACK_ROLES, action="record a callback")
        result_outcome = CallbackOutcome.parse(outcome, "outcome")
        when = self._now(at)
        response: Response | None = None
        record: ServiceRecord | None = None
        returned = False
        with self.runtime.transaction() as uow:
            callback = self._get(uow, CALLBACK_SPEC, callback_id)
            if result_outcome is CallbackOutcome.UNREACHABLE:
                if score is not None:
                    raise ValidationError("an unreachable customer gives no score", field="score")
                callback.attempt(actor, when, note=reason or comment)
                uow.save(CALLBACK_SPEC, callback)
                return CallbackResult(callback=callback)
            if callback.state is not CallbackState.DUE:
                raise callback_refusal(callback)
            if callback.service_record_id is not None:
                record = self._get(uow, SERVICE_RECORD_SPEC, callback.service_record_id)
            if score is not None:
                response = self._callback_response(
                    actor,
                    callback,
                    record,
                    score=score,
                    scale=self.policy.scale(scale),
                    respondent=respondent,
                    comment=comment,
                    service=service,
                    at=when,
                )
                response.register(actor, when)
                uow.save(RESPONSE_SPEC, response)
            callback.complete(
                actor,
                when,
                outcome=result_outcome,
                reason=reason,
                response_id=response.id if response else None,
            )
            uow.save(CALLBACK_SPEC, callback)
            if record is not None:
                if result_outcome is CallbackOutcome.SOLVED:
                    record.confirm_solved(actor, when, callback_id=callback.id)
                elif record.state in (ServiceRecordState.RESOLVED, ServiceRecordState.CLOSED):
                    record.return_to_engineer(
                        actor, when, callback_id=callback.id, reason=callback.reason or ""
                    )
                    returned = True
                uow.save(SERVICE_RECORD_SPEC, record)
        if response is not None:
            response = self._trigger([response])[0]
        return CallbackResult(
            callback=callback, response=response, record=record, returned=returned
        )

    def _callback_response(
        self,
        actor: Actor,
        callback: Callback,
        record: ServiceRecord | None,
        *,
        score: object,
        scale: Scale,
        respondent: str | None,
        comment: str | None,
        service: str | None,
        at: datetime,
    ) -> Response:
        if record is not None:
            subject = Subject(SubjectKind.SERVICE_RECORD, record.id)
            rated_service = service or record.service
        else:
            subject = Subject(SubjectKind.MONTH, callback.period)
            if service is None:
                raise ValidationError(
                    "a monthly callback's score needs the service it rates", field="service"
                )
            rated_service = service
        who = respondent or callback.contact or (record.requester if record else None)
        if who is None:
            raise ValidationError(
                "respondent is required: the callback names no contact person",
                field="respondent",
            )
        return self._build_response(
            actor,
            response_id=f"response-{callback.id}",
            channel=Channel.CALLBACK,
            customer=callback.customer,
            service=rated_service,
            subject=subject,
            respondent=require_text(who, "respondent"),
            scale=scale,
            score=score,
            comment=comment,
            responded_at=at,
            engineer=callback.engineer,
        )

    def cancel_callback(
        self, actor: Actor, callback_id: str, *, reason: str, at: datetime | None = None
    ) -> Callback:
        """Cancel a due callback (the customer asked not to be called...).

        A record whose pending callback is cancelled goes back to
        ``callback_state`` ``none`` (a returned record may then close without
        its second callback; the reason stays in the history).
        """
        require_role(actor, *CALLBACK_ROLES, action="cancel a callback")
        when = self._now(at)
        with self.runtime.transaction() as uow:
            callback = self._get(uow, CALLBACK_SPEC, callback_id)
            callback.cancel(actor, when, reason=reason)
            uow.save(CALLBACK_SPEC, callback)
            if callback.service_record_id is not None:
                record = _load(uow, SERVICE_RECORD_SPEC, callback.service_record_id)
                if record is not None and record.cancel_callback(
                    actor, when, callback_id=callback.id, reason=callback.reason or ""
                ):
                    uow.save(SERVICE_RECORD_SPEC, record)
        return callback

    def callback(self, actor: Actor, callback_id: str) -> Callback:
        """Return one callback.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a callback")
        with self.runtime.storage.unit_of_work() as uow:
            return self._get(uow, CALLBACK_SPEC, callback_id)

    def due_callbacks(
        self,
        actor: Actor,
        *,
        due_before: datetime | None = None,
        kind: CallbackKind | str | None = None,
        customer: str | None = None,
        limit: int | None = None,
    ) -> list[Callback]:
        """Return the callbacks still due, soonest first (the coordinator's work list).

        :param due_before: only those due before this instant (e.g. now: the overdue ones).
        :param kind: only this kind (daily, recheck, monthly).
        :param customer: only this customer's.
        """
        require_role(actor, *READ_ROLES, action="list due callbacks")
        query = Query.eq(
            state=CallbackState.DUE.value,
            kind=CallbackKind.parse(kind, "kind").value if kind is not None else None,
            customer=customer,
        )
        if due_before is not None:
            query = query.filter("due_at", "lt", require_aware(due_before, "due_before"))
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(CALLBACK_SPEC, Query(query.where, ("due_at",), limit))

    def callbacks(
        self,
        actor: Actor,
        *,
        service_record_id: str | None = None,
        customer: str | None = None,
        sample_day: date | str | None = None,
        period: str | None = None,
    ) -> list[Callback]:
        """Return the callback register's entries matching every filter given, by due time."""
        require_role(actor, *READ_ROLES, action="read the callback register")
        query = Query.eq(
            service_record_id=service_record_id,
            customer=customer,
            sample_day=as_day(sample_day).isoformat() if sample_day is not None else None,
            period=as_period(period) if period is not None else None,
        )
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(CALLBACK_SPEC, Query(query.where, ("due_at",)))

    # -- scores on the ticket and monthly channels, and any other subject ------------------

    def record_ticket_score(
        self,
        actor: Actor,
        record_id: str,
        score: object,
        *,
        scale: str | Scale | None = None,
        respondent: str | None = None,
        comment: str | None = None,
        at: datetime | None = None,
    ) -> Response:
        """Record the customer's score of one service (服务单评分), after it is resolved.

        One score per record and handling round: recording the same score
        again returns the stored response (a safe retry); a different one is a
        :class:`~itsm_core.errors.ConflictError`.

        :param actor: the customer, or the engineer / service desk / coordinator
            entering it, or the system importing it.
        :param record_id: the service record.
        :param score: the value on the scale.
        :param scale: the scale (default: the policy's).
        :param respondent: who scored (default: the record's requester; a
            customer actor is always the respondent).
        :param comment: the customer's comment.
        :param at: when the customer scored (default now).
        :raises ValidationError: for a score not on the scale, a record still
            open, a missing comment where required, or an engineer scoring
            their own work.
        """
        require_role(actor, *TICKET_SCORE_ROLES, action="record a service ticket score")
        when = self._now(at)
        use_scale = self.policy.scale(scale)
        with self.runtime.storage.unit_of_work() as uow:
            record = self._get(uow, SERVICE_RECORD_SPEC, record_id)
        if record.state not in (ServiceRecordState.RESOLVED, ServiceRecordState.CLOSED):
            raise ValidationError(
                f"service record {record.id!r} is {record.state.value!r}: it is scored once "
                "the service is done (resolved or closed)",
                field="record_id",
            )
        who = self._respondent(actor, respondent, record.requester)
        if record.engineer is not None and who == record.engineer:
            raise ValidationError(
                f"the engineer {who!r} cannot score their own service record", field="respondent"
            )
        response = self._build_response(
            actor,
            response_id=f"response-ticket-{record.id}-{record.reopened_count}",
            channel=Channel.TICKET,
            customer=record.customer,
            service=record.service,
            subject=Subject(SubjectKind.SERVICE_RECORD, record.id),
            respondent=who,
            scale=use_scale,
            score=score,
            comment=comment,
            responded_at=when,
            engineer=record.engineer,
        )
        return self._store_response(actor, response, self._now())

    def record_monthly_score(
        self,
        actor: Actor,
        *,
        customer: str,
        service: str,
        month: str,
        score: object,
        scale: str | Scale | None = None,
        respondent: str | None = None,
        comment: str | None = None,
        at: datetime | None = None,
    ) -> Response:
        """Record the customer's monthly score of a service (客户月度评分).

        One per customer, service and month rated (a retry with the same score
        returns the stored response). The response's ``period`` is the month
        it was given in; ``subject_ref`` is the month rated.

        :param actor: the customer, or the project manager entering the form.
        :param month: the month rated, ``"YYYY-MM"``.
        """
        require_role(actor, *MONTHLY_ROLES, action="record a customer monthly score")
        when = self._now(at)
        rated = as_period(month, "month")
        cust = require_text(customer, "customer")
        svc = require_text(service, "service")
        response = self._build_response(
            actor,
            response_id=f"response-monthly-{cust}-{svc}-{rated}",
            channel=Channel.MONTHLY,
            customer=cust,
            service=svc,
            subject=Subject(SubjectKind.MONTH, rated),
            respondent=self._respondent(actor, respondent, None),
            scale=self.policy.scale(scale),
            score=score,
            comment=comment,
            responded_at=when,
        )
        return self._store_response(actor, response, self._now())

    def record_response(
        self,
        actor: Actor,
        *,
        channel: Channel | str,
        customer: str,
        service: str,
        subject_kind: SubjectKind | str,
        subject_ref: str | None,
        score: object,
        scale: str | Scale | None = None,
        respondent: str | None = None,
        comment: str | None = None,
        engineer: str | None = None,
        response_id: str | None = None,
        at: datetime | None = None,
    ) -> Response:
        """Record a response on any channel about any subject (e.g. the complainant's
        satisfaction with a complaint's handling, or a review).

        Survey answers go through :meth:`submit_survey`; use this for the
        ticket, monthly and callback channels only when the dedicated methods do
        not fit (e.g. an import).

        :param response_id: an idempotency key: recording it again with the
            same score returns the stored response.
        :raises ValidationError: for the survey channel (use a campaign).
        """
        require_role(actor, *RESPONSE_ROLES, action="record a satisfaction response")
        chan = Channel.parse(channel, "channel")
        if chan is Channel.SURVEY:
            raise ValidationError(
                "survey answers are submitted with an invitation token (submit_survey)",
                field="channel",
            )
        when = self._now(at)
        rid = require_text(response_id, "response_id") if response_id is not None else None
        response = self._build_response(
            actor,
            response_id=rid or new_id("response-"),
            channel=chan,
            customer=customer,
            service=service,
            subject=Subject(SubjectKind.parse(subject_kind, "subject_kind"), subject_ref),
            respondent=self._respondent(actor, respondent, None),
            scale=self.policy.scale(scale),
            score=score,
            comment=comment,
            responded_at=when,
            engineer=engineer,
        )
        return self._store_response(actor, response, self._now())

    def response(self, actor: Actor, response_id: str) -> Response:
        """Return one response.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a satisfaction response")
        with self.runtime.storage.unit_of_work() as uow:
            return self._get(uow, RESPONSE_SPEC, response_id)

    def responses(
        self,
        actor: Actor,
        *,
        channel: Channel | str | None = None,
        customer: str | None = None,
        service: str | None = None,
        engineer: str | None = None,
        period: str | None = None,
        campaign_id: str | None = None,
        subject_kind: SubjectKind | str | None = None,
        subject_ref: str | None = None,
        limit: int | None = None,
    ) -> list[Response]:
        """Return the responses matching every filter given, oldest first."""
        require_role(actor, *READ_ROLES, action="list satisfaction responses")
        query = Query.eq(
            channel=Channel.parse(channel, "channel").value if channel is not None else None,
            customer=customer,
            service=service,
            engineer=engineer,
            period=as_period(period) if period is not None else None,
            campaign_id=campaign_id,
            subject_kind=(
                SubjectKind.parse(subject_kind, "subject_kind").value
                if subject_kind is not None
                else None
            ),
            subject_ref=subject_ref,
        )
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(RESPONSE_SPEC, Query(query.where, ("responded_at",), limit))

    # -- survey campaigns --------------------------------------------------------------------

    def create_campaign(
        self,
        actor: Actor,
        *,
        title: str,
        motive: CampaignMotive | str,
        service: str,
        questions: Iterable[Question],
        target_customers: Iterable[str] | None = None,
        method: SurveyMethod | str = SurveyMethod.WEB,
        related_ref: str | None = None,
        at: datetime | None = None,
    ) -> Campaign:
        """Draft a survey campaign.

        :param actor: operations manager, project manager, relationship manager
            or quality specialist.
        :param title: a short title.
        :param motive: why (:class:`~itsm_core.satisfaction.model.CampaignMotive`).
        :param service: the service surveyed.
        :param questions: the questionnaire.
        :param target_customers: the customers surveyed; for the annual
            key-customer survey the default is every key customer.
        :param method: interview, mail, phone or web.
        :param related_ref: the incident, change or review that prompted it.
        :param at: when (default now).
        """
        require_role(actor, *CAMPAIGN_ROLES, action="create a survey campaign")
        when = self._now(at)
        why = CampaignMotive.parse(motive, "motive")
        how = SurveyMethod.parse(method, "method")
        targets: Iterable[str]
        if target_customers is None:
            if why is CampaignMotive.ANNUAL_KEY_CUSTOMERS:
                with self.runtime.storage.unit_of_work() as uow:
                    targets = [c.id for c in uow.find(CUSTOMER_SPEC, Query.eq(key=1))]
            else:
                targets = ()
        else:
            targets = target_customers
        campaign = Campaign(
            id=new_id("campaign-"),
            title=require_text(title, "title"),
            motive=why,
            method=how,
            service=require_text(service, "service"),
            target_customers=tuple(targets),
            questions=tuple(questions),
            related_ref=optional_text(related_ref, "related_ref"),
            created_by=actor.id,
            created_at=when,
        )
        campaign.register(actor, when)
        with self.runtime.transaction() as uow:
            uow.save(CAMPAIGN_SPEC, campaign)
        return campaign

    def revise_campaign(
        self,
        actor: Actor,
        campaign_id: str,
        *,
        title: str | None = None,
        target_customers: Iterable[str] | None = None,
        questions: Iterable[Question] | None = None,
    ) -> Campaign:
        """Change a draft campaign's title, targets or questionnaire."""
        require_role(actor, *CAMPAIGN_ROLES, action="revise a survey campaign")
        when = self._now()
        with self.runtime.transaction() as uow:
            campaign = self._get(uow, CAMPAIGN_SPEC, campaign_id)
            campaign.revise(
                actor, when, title=title, target_customers=target_customers, questions=questions
            )
            uow.save(CAMPAIGN_SPEC, campaign)
        return campaign

    def open_campaign(self, actor: Actor, campaign_id: str) -> Campaign:
        """Open a draft campaign (it needs a question and a target customer)."""
        require_role(actor, *CAMPAIGN_ROLES, action="open a survey campaign")
        when = self._now()
        with self.runtime.transaction() as uow:
            campaign = self._get(uow, CAMPAIGN_SPEC, campaign_id)
            campaign.open(actor, when)
            uow.save(CAMPAIGN_SPEC, campaign)
        return campaign

    def close_campaign(self, actor: Actor, campaign_id: str) -> Campaign:
        """Close an open campaign; its unanswered invitations expire."""
        require_role(actor, *CAMPAIGN_ROLES, action="close a survey campaign")
        when = self._now()
        with self.runtime.transaction() as uow:
            campaign = self._get(uow, CAMPAIGN_SPEC, campaign_id)
            campaign.close(actor, when)
            uow.save(CAMPAIGN_SPEC, campaign)
            query = Query.eq(campaign_id=campaign.id, state=InvitationState.INVITED.value)
            for invitation in uow.find(INVITATION_SPEC, query):
                invitation.expire(actor, when)
                uow.save(INVITATION_SPEC, invitation)
        return campaign

    def mark_campaign_analysed(
        self, actor: Actor, campaign_id: str, *, summary: str | None = None
    ) -> Campaign:
        """Mark a closed campaign analysed, with a summary of the findings."""
        require_role(actor, *CAMPAIGN_ROLES, action="mark a survey campaign analysed")
        when = self._now()
        with self.runtime.transaction() as uow:
            campaign = self._get(uow, CAMPAIGN_SPEC, campaign_id)
            campaign.mark_analysed(actor, when, summary)
            uow.save(CAMPAIGN_SPEC, campaign)
        return campaign

    def campaign(self, actor: Actor, campaign_id: str) -> Campaign:
        """Return one campaign.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a survey campaign")
        with self.runtime.storage.unit_of_work() as uow:
            return self._get(uow, CAMPAIGN_SPEC, campaign_id)

    def campaigns(
        self,
        actor: Actor,
        *,
        state: CampaignState | str | None = None,
        motive: CampaignMotive | str | None = None,
        service: str | None = None,
    ) -> list[Campaign]:
        """Return the campaigns matching every filter given, newest first."""
        require_role(actor, *READ_ROLES, action="list survey campaigns")
        query = Query.eq(
            state=CampaignState.parse(state, "state").value if state is not None else None,
            motive=CampaignMotive.parse(motive, "motive").value if motive is not None else None,
            service=service,
        )
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(CAMPAIGN_SPEC, Query(query.where, ("-created_at",)))

    def invite(
        self,
        actor: Actor,
        campaign_id: str,
        respondents: Iterable[Respondent | tuple[str, str]],
        *,
        on_fatigue: FatiguePolicy = "skip",
    ) -> InvitationReport:
        """Invite respondents to an open campaign, each with a unique token.

        Anti-fatigue: nobody is surveyed twice within the policy's
        ``survey_fatigue_days`` (any campaign). With ``on_fatigue="skip"`` such
        respondents are left out and listed in the report; with ``"refuse"``
        nobody is invited and a :class:`~itsm_core.errors.ValidationError`
        names them. Someone already invited to this campaign is skipped.

        :param actor: operations manager, project manager, relationship manager
            or quality specialist.
        :param respondents: :class:`Respondent` s or ``(customer, person)`` pairs;
            every customer must be a campaign target.
        :raises ValidationError: for a customer not targeted, or fatigue with ``"refuse"``.
        :raises InvalidTransition: unless the campaign is open.
        """
        require_role(actor, *CAMPAIGN_ROLES, action="invite survey respondents")
        if on_fatigue not in ("skip", "refuse"):
            raise ValidationError(
                f"on_fatigue must be 'skip' or 'refuse', got {on_fatigue!r}", field="on_fatigue"
            )
        people = [self._as_respondent(r) for r in respondents]
        now = self._now()
        window = timedelta(days=self.policy.survey_fatigue_days)
        invited: list[Invitation] = []
        skipped: list[SkippedRespondent] = []
        with self.runtime.transaction() as uow:
            campaign = self._get(uow, CAMPAIGN_SPEC, campaign_id)
            CAMPAIGN.check(campaign, "invite")
            strangers = sorted({p.customer for p in people} - set(campaign.target_customers))
            if strangers:
                raise ValidationError(
                    f"customers not targeted by campaign {campaign.id!r}: "
                    f"{', '.join(strangers)}; its targets: {', '.join(campaign.target_customers)}",
                    field="respondents",
                )
            seen: set[str] = set()
            tokens: set[str] = set()
            for person in people:
                if person.person in seen:
                    skipped.append(SkippedRespondent(person, "listed twice in this round"))
                    continue
                seen.add(person.person)
                before = uow.find(
                    INVITATION_SPEC,
                    Query(Query.eq(respondent=person.person).where, ("-invited_at",)),
                )
                if any(i.campaign_id == campaign.id for i in before):
                    skipped.append(SkippedRespondent(person, "already invited to this campaign"))
                    continue
                recent = [
                    i
                    for i in before
                    if self.policy.survey_fatigue_days and i.invited_at > now - window
                ]
                if recent:
                    last = recent[0].invited_at
                    skipped.append(
                        SkippedRespondent(
                            person,
                            f"surveyed within the last {self.policy.survey_fatigue_days} days "
                            f"(invited {last.isoformat()} to campaign {recent[0].campaign_id})",
                            last,
                        )
                    )
                    continue
                invitation = Invitation(
                    id=new_id("invitation-"),
                    campaign_id=campaign.id,
                    customer=person.customer,
                    respondent=person.person,
                    contact=person.contact,
                    token=self._unique_token(uow, tokens),
                    invited_at=now,
                    expires_at=now + self.policy.invitation_valid_for,
                    invited_by=actor.id,
                )
                invitation.register(actor, now)
                invited.append(invitation)
            fatigued = [s for s in skipped if s.last_invited_at is not None]
            if fatigued and on_fatigue == "refuse":
                names = ", ".join(f"{s.respondent.person} ({s.reason})" for s in fatigued)
                raise ValidationError(
                    f"anti-fatigue window of {self.policy.survey_fatigue_days} days: {names}; "
                    "nobody was invited (use on_fatigue='skip' to invite the others)",
                    field="respondents",
                )
            for invitation in invited:
                uow.save(INVITATION_SPEC, invitation)
        return InvitationReport(invited=tuple(invited), skipped=tuple(skipped))

    @staticmethod
    def _as_respondent(value: Respondent | tuple[str, str]) -> Respondent:
        if isinstance(value, Respondent):
            return value
        if isinstance(value, tuple) and len(value) == 2:
            return Respondent(value[0], value[1])
        raise ValidationError(
            f"a respondent is a Respondent or a (customer, person) pair, got {value!r}",
            field="respondents",
        )

    @staticmethod
    def _unique_token(uow: UnitOfWork, taken: set[str]) -> str:
        for _ in range(8):
            token = new_token()
            if token not in taken and uow.count(INVITATION_SPEC, Query.eq(token=token)) == 0:
                taken.add(token)
                return token
        raise ConflictError(
            "could not draw a unique invitation token; try again"
        )  # pragma: no cover

    def remind(self, actor: Actor, campaign_id: str) -> list[Invitation]:
        """Record a reminder for every unanswered, unexpired invitation that may get one.

        An invitation gets at most the policy's ``max_reminders``, and only when
        its last contact is at least ``reminder_gap`` ago. The front end sends
        the reminders returned (each carries its token).

        :raises InvalidTransition: unless the campaign is open.
        """
        require_role(actor, *CAMPAIGN_ROLES, action="remind survey respondents")
        now = self._now()
        reminded: list[Invitation] = []
        with self.runtime.transaction() as uow:
            campaign = self._get(uow, CAMPAIGN_SPEC, campaign_id)
            CAMPAIGN.check(campaign, "invite")
            query = Query.eq(campaign_id=campaign.id, state=InvitationState.INVITED.value)
            for invitation in uow.find(INVITATION_SPEC, query):
                if invitation.is_expired(now):
                    continue
                if len(invitation.reminders) >= self.policy.max_reminders:
                    continue
                if now - invitation.last_contact < self.policy.reminder_gap:
                    continue
                invitation.remind(actor, now)
                uow.save(INVITATION_SPEC, invitation)
                reminded.append(invitation)
        return reminded

    def expire_invitations(self, actor: Actor) -> int:
        """Mark every unanswered invitation past its expiry as expired; return how many."""
        require_role(actor, *SCHEDULING_ROLES, *CAMPAIGN_ROLES, action="expire invitations")
        now = self._now()
        with self.runtime.transaction() as uow:
            query = Query.eq(state=InvitationState.INVITED.value).filter("expires_at", "le", now)
            expired = uow.find(INVITATION_SPEC, query)
            for invitation in expired:
                invitation.expire(actor, now)
                uow.save(INVITATION_SPEC, invitation)
        return len(expired)

    def invitation(self, actor: Actor, invitation_id: str) -> Invitation:
        """Return one invitation (with its token, for the front end).

        :raises NotFound: if there is none such.
        """
        require_role(actor, *CAMPAIGN_ROLES, _R.SYSTEM, action="read a survey invitation")
        with self.runtime.storage.unit_of_work() as uow:
            return self._get(uow, INVITATION_SPEC, invitation_id)

    def invitations(self, actor: Actor, campaign_id: str) -> list[Invitation]:
        """Return a campaign's invitations, by invitation time."""
        require_role(actor, *CAMPAIGN_ROLES, _R.SYSTEM, action="list survey invitations")
        with self.runtime.storage.unit_of_work() as uow:
            query = Query(Query.eq(campaign_id=campaign_id).where, ("invited_at",))
            return uow.find(INVITATION_SPEC, query)

    def response_rate(self, actor: Actor, campaign_id: str) -> ResponseRate:
        """Return how many of the campaign's invitations were answered."""
        require_role(actor, *READ_ROLES, action="read a campaign's response rate")
        with self.runtime.storage.unit_of_work() as uow:
            self._get(uow, CAMPAIGN_SPEC, campaign_id)
            invited = uow.count(INVITATION_SPEC, Query.eq(campaign_id=campaign_id))
            responded = uow.count(INVITATION_SPEC, Query.eq(campaign_id=campaign_id, responded=1))
        return ResponseRate(invited=invited, responded=responded)

    def submit_survey(
        self,
        actor: Actor,
        token: str,
        answers: Mapping[str, object],
        *,
        comment: str | None = None,
        at: datetime | None = None,
    ) -> list[Response]:
        """Submit a survey with an invitation's token: one response per answered question.

        :param actor: the invited customer (as themselves), or staff entering
            an interview or phone survey on their behalf.
        :param token: the invitation's token.
        :param answers: question code → value on the question's scale (or an
            :class:`~itsm_core.satisfaction.campaigns.Answer` with its own comment).
        :param comment: a comment on the whole survey (it also satisfies a
            required comment).
        :param at: when answered (default now).
        :raises ValidationError: for an unknown token or question, a required
            question unanswered, a score not on its scale, a missing comment.
        :raises InvalidTransition: for a used or expired token, or a campaign not open.
        :raises AccessDenied: for a customer using someone else's token.
        """
        require_role(actor, *SURVEY_ROLES, action="submit a survey")
        when = self._now(at)
        if not isinstance(answers, Mapping) or not answers:
            raise ValidationError("answers must map question codes to scores", field="answers")
        with self.runtime.transaction() as uow:
            invitation = self._invitation_by_token(uow, token)
            on_behalf = actor.has(*ON_BEHALF_ROLES)
            if not on_behalf and invitation.respondent != actor.id:
                raise AccessDenied(
                    f"this invitation is {invitation.respondent!r}'s; actor {actor.id!r} "
                    "may not answer it",
                    required=[r.value for r in ON_BEHALF_ROLES],
                )
            if invitation.state is InvitationState.RESPONDED:
                raise INVITATION.refuse(
                    invitation,
                    "respond",
                    "this invitation was used already "
                    f"({invitation.responded_at.isoformat() if invitation.responded_at else ''})",
                )
            campaign = self._get(uow, CAMPAIGN_SPEC, invitation.campaign_id)
            CAMPAIGN.check(campaign, "respond")
            if invitation.state is InvitationState.INVITED and when >= invitation.expires_at:
                raise INVITATION.refuse(
                    invitation,
                    "respond",
                    f"the invitation expired at {invitation.expires_at.isoformat()}",
                )
            responses = list(
                self._survey_responses(actor, campaign, invitation, answers, comment, when)
            )
            invitation.respond(actor, when)
            uow.save(INVITATION_SPEC, invitation)
            for response in responses:
                response.register(actor, when)
                uow.save(RESPONSE_SPEC, response)
        return self._trigger(responses)

    @staticmethod
    def _invitation_by_token(uow: UnitOfWork, token: object) -> Invitation:
        if not isinstance(token, str) or not token.strip():
            raise ValidationError("token must be a non-blank string", field="token")
        found = uow.find(INVITATION_SPEC, Query.eq(token=token.strip()))
        if not found:
            raise ValidationError(
                "unknown survey token: it matches no invitation (check the link)", field="token"
            )
        return found[0]

    def _survey_responses(
        self,
        actor: Actor,
        campaign: Campaign,
        invitation: Invitation,
        answers: Mapping[str, object],
        comment: str | None,
        at: datetime,
    ) -> Iterator[Response]:
        for code in answers:
            campaign.question(code)
        missing = [q.code for q in campaign.questions if q.required and answers.get(q.code) is None]
        if missing:
            raise ValidationError(
                f"required questions not answered: {', '.join(missing)}", field="answers"
            )
        overall = optional_text(comment, "comment")
        for question in campaign.questions:
            value = answers.get(question.code)
            if value is None:
                continue
            own = None
            if isinstance(value, Answer):
                own = optional_text(value.comment, "comment")
                value = value.score
            try:
                response = self._build_response(
                    actor,
                    response_id=f"response-{invitation.id}-{question.code}",
                    channel=Channel.SURVEY,
                    customer=invitation.customer,
                    service=question.service or campaign.service,
                    subject=Subject(SubjectKind.CAMPAIGN, campaign.id),
                    respondent=invitation.respondent,
                    scale=self.policy.scale(question.scale),
                    score=value,
                    comment=own or overall,
                    responded_at=at,
                    campaign_id=campaign.id,
                    question=question.code,
                    submission_id=invitation.id,
                )
            except ValidationError as exc:
                raise ValidationError(
                    f"question {question.code!r}: {exc}", field=exc.field
                ) from None
            yield response


def callback_refusal(callback: Callback) -> Exception:
    """The error for recording a callback that is no longer due."""
    return CALLBACK.refuse(callback, "complete", f"the callback is {callback.state.value} already")
