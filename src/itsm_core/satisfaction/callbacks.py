"""The callback register (回访登记表): ``core.satisfaction.callbacks``.

A :class:`CallbackService` samples each day's closed service records for
callbacks, schedules one for a record outside the sample and each key
customer's monthly callback, records what a callback found (a score
opens a complaint when very dissatisfied; a problem not really solved sends
the record back to the engineer) and cancels one. Each callback runs on an
SLA clock (:mod:`~itsm_core.satisfaction.callback_clocks`). The sample itself
is :mod:`~itsm_core.satisfaction.sampling`.
"""

from __future__ import annotations

from datetime import date, datetime, time

from itsm_core.kernel.actors import Actor, require_role
from itsm_core.kernel.api import command, read
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ConflictError, ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.ids import new_id
from itsm_core.satisfaction._capture import (
    CALLBACK_ROLES,
    READ_ROLES,
    SCHEDULING_ROLES,
    Capture,
    about_internal_complaint,
    load_or_none,
)
from itsm_core.satisfaction._values import as_day, as_period, require_text, zone
from itsm_core.satisfaction.callback_clocks import SUBJECT_KIND as CLOCK_SUBJECT_KIND
from itsm_core.satisfaction.enums import (
    CallbackKind,
    CallbackOutcome,
    CallbackState,
    CallbackStatus,
    Channel,
    ServiceRecordState,
    Subject,
    SubjectKind,
)
from itsm_core.satisfaction.lifecycle import CALLBACK
from itsm_core.satisfaction.model import Callback, Response, ServiceRecord
from itsm_core.satisfaction.sampling import CallbackResult, SamplingReport, daily_sample
from itsm_core.satisfaction.scales import Scale
from itsm_core.satisfaction.storage import (
    CALLBACK_SPEC,
    CUSTOMER_SPEC,
    RESPONSE_SPEC,
    SERVICE_RECORD_SPEC,
)
from itsm_core.sla.agreements import TargetKind
from itsm_core.sla.clock import SlaClock
from itsm_core.storage.base import Query

__all__ = ["CallbackService", "callback_refusal"]


class CallbackService:
    """The callback register: ``core.satisfaction.callbacks``.

    :param capture: what the satisfaction sub-services share.
    """

    def __init__(self, capture: Capture) -> None:
        self._capture = capture

    @command
    def sample_daily(
        self,
        actor: Actor,
        *,
        day: date | str,
        rate: float | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> SamplingReport:
        """Pick the day's callback sample and schedule a callback for each record picked.

        The population is every service record closed on the local ``day``;
        the sample is reproducible (see :mod:`itsm_core.satisfaction.sampling`).
        Running it twice for a day schedules nothing new. Run it after the day
        is over, so that the population is complete.

        :param actor: coordinator, service desk or system (a daily job).
        :param day: the local day, a ``date`` or ``"YYYY-MM-DD"``.
        :param rate: the rate (default: the policy's ``callback_sample_rate``).
        :param at: when the callbacks are scheduled (default now).
        """
        require_role(actor, *SCHEDULING_ROLES, action="sample daily callbacks")
        the_day = as_day(day).isoformat()
        use_rate = self._capture.policy.callback_sample_rate if rate is None else rate
        now = self._capture.now(at)
        scheduled: list[Callback] = []
        skipped: list[tuple[str, str]] = []
        with self._capture.runtime.transaction() as uow:
            records = {r.id: r for r in uow.find(SERVICE_RECORD_SPEC, Query.eq(closed_day=the_day))}
            selected = daily_sample(
                records, day=the_day, rate=use_rate, seed=self._capture.policy.sampling_seed
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
                callback = self._capture.new_record_callback(
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

    @command
    def schedule(
        self,
        actor: Actor,
        record_id: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Callback:
        """Schedule a callback for one record outside the daily sample (the coordinator's
        choice, e.g. a sensitive request).

        :raises ValidationError: if the record is not resolved or closed.
        :raises ConflictError: if a callback is due for it already.
        """
        require_role(actor, *SCHEDULING_ROLES, action="schedule a callback")
        now = self._capture.now(at)
        with self._capture.runtime.transaction() as uow:
            record = self._capture.get(uow, SERVICE_RECORD_SPEC, record_id)
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
            callback = self._capture.new_record_callback(
                uow, actor, record, CallbackKind.DAILY, new_id("callback-"), now
            )
            record.schedule_callback(actor, now, callback_id=callback.id)
            uow.save(SERVICE_RECORD_SPEC, record)
        return callback

    @command
    def schedule_monthly(
        self,
        actor: Actor,
        *,
        period: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> list[Callback]:
        """Schedule this month's callback of every key customer (004 "月度回访").

        Each is due ``monthly_callback_working_days`` working days after the
        month starts (local midnight of the 1st). Running it twice schedules nothing new.

        :param actor: coordinator, service desk or system (a monthly job).
        :param period: the month, ``"YYYY-MM"``.
        :param at: when they are scheduled (default now).
        :return: the callbacks scheduled now.
        """
        require_role(actor, *SCHEDULING_ROLES, action="schedule monthly callbacks")
        month = as_period(period)
        now = self._capture.now(at)
        start = datetime.combine(
            date.fromisoformat(month + "-01"), time(0), zone(self._capture.policy.timezone)
        )
        promise = self._capture.callback_clocks.promise(
            start,
            self._capture.policy.monthly_callback_working_days,
            thresholds=self._capture.policy.callback_warning_thresholds,
        )
        created: list[Callback] = []
        with self._capture.runtime.transaction() as uow:
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
                self._capture.callback_clocks.start(
                    uow,
                    actor,
                    callback,
                    promise,
                    at=start,
                    handler=self._capture.coordinator(actor),
                )
                created.append(callback)
        return created

    @command
    def record_outcome(
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
        idempotency_key: str | None = None,
    ) -> CallbackResult:
        """Record a callback in the register (回访登记表).

        * ``unreachable``: an attempt is noted; the callback stays due.
        * ``solved``: done; the record's ``callback_state`` becomes ``confirmed``
          (a returned record may now close).
        * ``not_solved`` (``reason`` required): done; the record goes back to
          the engineer (``itsm_service_record_returned`` is delivered through
          the outbox after the commit) and a second callback will be due once it is resolved again.
          A record reopened since the callback was scheduled is with the engineer already:
          only its ``callback_state`` becomes ``returned`` (no callback stays due), and the
          second callback is due once it is resolved.

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
        when = self._capture.now(at)
        response: Response | None = None
        record: ServiceRecord | None = None
        returned = False
        with self._capture.runtime.transaction() as uow:
            callback = self._capture.get(uow, CALLBACK_SPEC, callback_id)
            if result_outcome is CallbackOutcome.UNREACHABLE:
                if score is not None:
                    raise ValidationError("an unreachable customer gives no score", field="score")
                callback.attempt(actor, when, note=reason or comment)
                uow.save(CALLBACK_SPEC, callback)
                return CallbackResult(callback=callback)
            if callback.state is not CallbackState.DUE:
                raise callback_refusal(callback)
            if callback.service_record_id is not None:
                record = self._capture.get(uow, SERVICE_RECORD_SPEC, callback.service_record_id)
            if score is not None:
                response = self._callback_response(
                    actor,
                    callback,
                    record,
                    score=score,
                    scale=self._capture.policy.scale(scale),
                    respondent=respondent,
                    comment=comment,
                    service=service,
                    at=when,
                )
                response.confidential = about_internal_complaint(uow, response.subject)
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
            self._capture.callback_clocks.stop(
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
                else:  # reopened since the callback was scheduled: with the engineer already
                    record.note_not_solved(
                        actor, when, callback_id=callback.id, reason=callback.reason or ""
                    )
                uow.save(SERVICE_RECORD_SPEC, record)
        if response is not None:
            response = self._capture.trigger([response])[0]
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
        return self._capture.build_response(
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

    @command
    def cancel(
        self,
        actor: Actor,
        callback_id: str,
        *,
        reason: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Callback:
        """Cancel a due callback (the customer asked not to be called...).

        A record whose pending callback is cancelled goes back to
        ``callback_state`` ``none`` (a returned record may then close without
        its second callback; the reason stays in the history).
        """
        require_role(actor, *CALLBACK_ROLES, action="cancel a callback")
        when = self._capture.now(at)
        with self._capture.runtime.transaction() as uow:
            callback = self._capture.get(uow, CALLBACK_SPEC, callback_id)
            callback.cancel(actor, when, reason=reason)
            uow.save(CALLBACK_SPEC, callback)
            self._capture.callback_clocks.stop(
                uow, actor, callback, at=when, reason=f"callback cancelled: {callback.reason}"
            )
            if callback.service_record_id is not None:
                record = load_or_none(uow, SERVICE_RECORD_SPEC, callback.service_record_id)
                if record is not None and record.cancel_callback(
                    actor, when, callback_id=callback.id, reason=callback.reason or ""
                ):
                    uow.save(SERVICE_RECORD_SPEC, record)
        return callback

    @read
    def get(self, actor: Actor, callback_id: str) -> Callback:
        """Return one callback.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a callback")
        with self._capture.runtime.storage.unit_of_work() as uow:
            return self._capture.get(uow, CALLBACK_SPEC, callback_id)

    @read
    def history(self, actor: Actor, callback_id: str) -> list[DomainEvent]:
        """Return the events of one callback, oldest first.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a callback's history")
        return self._capture.history(actor, CALLBACK_SPEC, callback_id)

    @read
    def get_clock(self, actor: Actor, callback_id: str) -> SlaClock | None:
        """Return the SLA clock of a callback (see
        :mod:`~itsm_core.satisfaction.callback_clocks`), or None if it runs none
        (no SLA service, or a callback due at zero working days).

        :raises NotFound: if there is no such callback.
        """
        require_role(actor, *READ_ROLES, action="read a callback")
        with self._capture.runtime.storage.unit_of_work() as uow:
            callback = self._capture.get(uow, CALLBACK_SPEC, callback_id)
            if self._capture.sla is None:
                return None
            clocks = self._capture.sla.find_in(
                uow,
                subject_kind=CLOCK_SUBJECT_KIND,
                subject_id=callback.id,
                target=TargetKind.CALLBACK,
            )
        return clocks[-1] if clocks else None

    @read
    def find(
        self,
        actor: Actor,
        *,
        service_record_id: str | None = None,
        customer: str | None = None,
        sample_day: date | str | None = None,
        period: str | None = None,
        kind: CallbackKind | str | None = None,
        state: CallbackState | str | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
    ) -> list[Callback]:
        """Return the callback register's entries matching every filter given, soonest
        due first. ``state="due"`` is the coordinator's work list.

        :param service_record_id: only those about this service record.
        :param customer: only this customer's.
        :param sample_day: only those of this day's sample.
        :param period: only the monthly callbacks of this month, ``"YYYY-MM"``.
        :param kind: only this kind (daily, recheck, monthly).
        :param state: only those in this state (due, done, cancelled).
        :param due_before: only those due before this instant (e.g. now, with
            ``state="due"``: the overdue ones).
        :param limit: at most this many.
        """
        require_role(actor, *READ_ROLES, action="read the callback register")
        query = Query.eq(
            service_record_id=service_record_id,
            customer=customer,
            sample_day=as_day(sample_day).isoformat() if sample_day is not None else None,
            period=as_period(period) if period is not None else None,
            kind=CallbackKind.parse(kind, "kind").value if kind is not None else None,
            state=CallbackState.parse(state, "state").value if state is not None else None,
        )
        if due_before is not None:
            query = query.filter("due_at", "lt", require_aware(due_before, "due_before"))
        with self._capture.runtime.storage.unit_of_work() as uow:
            return uow.find(CALLBACK_SPEC, Query(query.where, ("due_at",), limit))


def callback_refusal(callback: Callback) -> Exception:
    """The error for recording a callback that is no longer due."""
    return CALLBACK.refuse(callback, "complete", f"the callback is {callback.state.value} already")
