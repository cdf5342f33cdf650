"""Use cases: service records and callbacks (daily sampling, the register, monthly
callbacks)."""

from __future__ import annotations

from datetime import date, datetime, time

from itsm_core.kernel.actors import Actor, require_role
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ConflictError, ValidationError
from itsm_core.kernel.ids import new_id
from itsm_core.satisfaction.callback_clocks import SUBJECT_KIND as CLOCK_SUBJECT_KIND
from itsm_core.satisfaction.callbacks import (
    Callback,
    CallbackResult,
    SamplingReport,
    daily_sample,
)
from itsm_core.satisfaction.lifecycle import CALLBACK
from itsm_core.satisfaction.model import (
    CallbackKind,
    CallbackOutcome,
    CallbackState,
    CallbackStatus,
    Channel,
    ServiceRecordState,
    Subject,
    SubjectKind,
    as_day,
    as_period,
    optional_text,
    require_text,
    zone,
)
from itsm_core.satisfaction.responses import Response
from itsm_core.satisfaction.scales import Scale
from itsm_core.satisfaction.service_base import (
    CALLBACK_ROLES,
    READ_ROLES,
    RECORD_ROLES,
    SCHEDULING_ROLES,
    UseCases,
    load_or_none,
)
from itsm_core.satisfaction.service_records import ServiceRecord
from itsm_core.satisfaction.storage import (
    CALLBACK_SPEC,
    CUSTOMER_SPEC,
    RESPONSE_SPEC,
    SERVICE_RECORD_SPEC,
)
from itsm_core.sla.agreements import TargetKind
from itsm_core.sla.clock import SlaClock
from itsm_core.storage.base import Query, UnitOfWork

__all__ = ["CallbackUseCases"]


class CallbackUseCases(UseCases):
    """Service records and callbacks (part of ``core.satisfaction``)."""

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
            if load_or_none(uow, SERVICE_RECORD_SPEC, record.id) is not None:
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
                callback_id = f"callback-recheck-{record.id}-{record.reopened_count}"
                if load_or_none(uow, CALLBACK_SPEC, callback_id) is None:
                    self._new_record_callback(
                        uow,
                        actor,
                        record,
                        CallbackKind.RECHECK,
                        callback_id,
                        now,
                        handler=self._first_caller(uow, record, actor),
                    )
                record.schedule_callback(actor, now, callback_id=callback_id, recheck=True)
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
                if load_or_none(uow, CALLBACK_SPEC, callback_id) is not None:
                    skipped.append((record_id, "a callback from this day's sample exists already"))
                    continue
                if record.callback_status in (CallbackStatus.DUE, CallbackStatus.RECHECK_DUE):
                    skipped.append(
                        (record_id, f"a callback is due already: {record.last_callback_id}")
                    )
                    continue
                callback = self._new_record_callback(
                    uow, actor, record, CallbackKind.DAILY, callback_id, now, sample_day=the_day
                )
                record.schedule_callback(actor, now, callback_id=callback.id)
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
                uow, actor, record, CallbackKind.DAILY, new_id("callback-"), now
            )
            record.schedule_callback(actor, now, callback_id=callback.id)
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
        promise = self.callback_clocks.promise(
            start,
            self.policy.monthly_callback_working_days,
            thresholds=self.policy.callback_warning_thresholds,
        )
        created: list[Callback] = []
        with self.runtime.transaction() as uow:
            for profile in uow.find(CUSTOMER_SPEC, Query.eq(key=1)):
                callback_id = f"callback-monthly-{month}-{profile.id}"
                if load_or_none(uow, CALLBACK_SPEC, callback_id) is not None:
                    continue
                callback = Callback(
                    id=callback_id,
                    kind=CallbackKind.MONTHLY,
                    customer=profile.id,
                    period=month,
                    due_at=promise.due_at,
                    scheduled_at=now,
                )
                callback.register(actor, now)
                uow.save(CALLBACK_SPEC, callback)
                self.callback_clocks.start(
                    uow, actor, callback, promise, at=start, handler=self._coordinator(actor)
                )
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
            self.callback_clocks.stop(
                uow, actor, callback, at=when, reason=f"callback made ({result_outcome.value})"
            )
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

    def _first_caller(self, uow: UnitOfWork, record: ServiceRecord, actor: Actor) -> str | None:
        """Who made the callback that sent ``record`` back (else the actor if coordinator)."""
        if record.last_callback_id is not None:
            previous = load_or_none(uow, CALLBACK_SPEC, record.last_callback_id)
            if previous is not None and previous.done_by is not None:
                return previous.done_by
        return self._coordinator(actor)

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
            self.callback_clocks.stop(
                uow, actor, callback, at=when, reason=f"callback cancelled: {callback.reason}"
            )
            if callback.service_record_id is not None:
                record = load_or_none(uow, SERVICE_RECORD_SPEC, callback.service_record_id)
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

    def callback_clock(self, actor: Actor, callback_id: str) -> SlaClock | None:
        """Return the SLA clock of a callback (see
        :mod:`~itsm_core.satisfaction.callback_clocks`), or None if it runs none
        (no SLA service, or a callback due at zero working days).

        :raises NotFound: if there is no such callback.
        """
        require_role(actor, *READ_ROLES, action="read a callback")
        with self.runtime.storage.unit_of_work() as uow:
            callback = self._get(uow, CALLBACK_SPEC, callback_id)
            if self.sla is None:
                return None
            clocks = self.sla.find_in(
                uow,
                subject_kind=CLOCK_SUBJECT_KIND,
                subject_id=callback.id,
                target=TargetKind.CALLBACK,
            )
        return clocks[-1] if clocks else None

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


def callback_refusal(callback: Callback) -> Exception:
    """The error for recording a callback that is no longer due."""
    return CALLBACK.refuse(callback, "complete", f"the callback is {callback.state.value} already")
