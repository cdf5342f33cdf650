"""Proactive feedback: ``core.communications.feedback``.

For key customers, important requests and urgent incidents the desk gives
the customer progress updates at an agreed interval until the request
closes. ``start`` opens the promise for one request and its first update's
SLA clock (target kind ``progress_update``); ``update`` records an update,
stops that clock (met, or missed if it breached) and starts the next;
``close`` ends it when the request closes. When the request is a service
record of ``core.satisfaction``, the feedback also ends by itself:
``close_for_closed_requests`` (run by :meth:`itsm_core.ItsmCore.run_due`)
ends the active feedback of every closed record (``request_closed``) and
stops its clock, and ``update`` is refused once the record is closed. A
missed update warns the desk through ``itsm_sla_warning`` and the breach
chain of ``itsm_sla_breach``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from itsm_core.communications._base import Shared, is_key_customer, limit_of
from itsm_core.communications.enums import ContactChannel, FeedbackReason, FeedbackState
from itsm_core.communications.feedback import ProactiveFeedback
from itsm_core.communications.lifecycle import FEEDBACK_ROLES, READERS
from itsm_core.communications.storage import FEEDBACK_SPEC
from itsm_core.communications.values import text
from itsm_core.kernel.actors import Actor, require_role
from itsm_core.kernel.api import command, read
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ConflictError, InvalidTransition, ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.ids import new_id
from itsm_core.kernel.own_ids import own_id
from itsm_core.satisfaction.enums import ServiceRecordState
from itsm_core.satisfaction.service_record import ServiceRecord
from itsm_core.satisfaction.storage import SERVICE_RECORD_SPEC
from itsm_core.storage.base import Query, UnitOfWork, Where

__all__ = ["FeedbackService"]

_BATCH = 200
"""How many active feedback one query of the sweep looks at."""


def _closed_records(uow: UnitOfWork, record_ids: Iterable[str]) -> dict[str, ServiceRecord]:
    """The closed service records among ``record_ids``, by id (one indexed query)."""
    ids = tuple(sorted(set(record_ids)))
    if not ids:
        return {}
    query = Query(
        (Where("id", "in", ids), Where("state", "eq", ServiceRecordState.CLOSED.value))
    )
    return {r.id: r for r in uow.find(SERVICE_RECORD_SPEC, query)}


def _refuse_if_request_closed(uow: UnitOfWork, feedback: ProactiveFeedback) -> None:
    record = _closed_records(uow, (feedback.record_id,)).get(feedback.record_id)
    if record is None:
        return
    closed = record.closed_at.isoformat() if record.closed_at else "already"
    raise InvalidTransition(
        entity="proactive feedback",
        state=feedback.state.value,
        event="update",
        allowed=("close", "request_closed"),
        reason=(
            f"request {feedback.record_id!r} closed at {closed}: no more updates are due; "
            "the feedback ends with it (run_due or close_for_closed_requests)"
        ),
    )


class FeedbackService:
    """Progress updates owed to customers: ``core.communications.feedback``.

    :param shared: what the communications services share.
    """

    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    @command
    def start(
        self,
        actor: Actor,
        *,
        record_id: str,
        customer: str,
        reason: FeedbackReason | str,
        interval: timedelta,
        calendar: str = "default",
        handler: str | None = None,
        summary: str | None = None,
        feedback_id: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ProactiveFeedback:
        """Promise a request's customer progress updates every ``interval`` of business time.

        The first update is due ``interval`` after now, on an SLA clock.

        :param record_id: the request's id (a service record or incident in
            the provider's tool).
        :param customer: the customer to keep informed.
        :param reason: ``key_customer`` (the customer must be a key customer of
            the register), ``important_request`` or ``urgent_incident``.
        :param interval: the agreed business time between updates.
        :param calendar: the business calendar the interval runs on.
        :param handler: who handles the request.
        :param summary: what the request is about.
        :param feedback_id: an id of your own (default a new ``fbk-…`` id).
        :raises AccessDenied: unless the service desk, a relationship,
            operations or incident manager, or the system.
        :raises ValidationError: for a malformed field, an unknown calendar, or
            the reason ``key_customer`` for a customer that is not one.
        :raises ConflictError: if the request has active feedback already.
        """
        require_role(actor, *sorted(FEEDBACK_ROLES["start"]), action="start proactive feedback")
        when = self._shared.now(at)
        key = new_id("fbk-") if feedback_id is None else own_id(feedback_id, "feedback_id")
        why = FeedbackReason.parse(reason, "reason")
        record = text(record_id, "record_id")
        who = text(customer, "customer")
        zone = text(calendar, "calendar")
        if not isinstance(interval, timedelta) or interval <= timedelta(0):
            raise ValidationError(
                f"interval must be a positive timedelta of business time, got {interval!r}",
                field="interval",
            )
        first = self._shared.clocks.due(zone, when, interval)
        with self._shared.runtime.transaction() as uow:
            if why is FeedbackReason.KEY_CUSTOMER and not is_key_customer(uow, who):
                raise ValidationError(
                    f"customer {who!r} is not a key customer of the customer register; give "
                    "the reason important_request or urgent_incident, or register it as key",
                    field="reason",
                )
            active = uow.find(
                FEEDBACK_SPEC,
                Query.eq(record_id=record, state=FeedbackState.ACTIVE.value),
            )
            if active:
                raise ConflictError(
                    f"request {record!r} has active feedback already ({active[0].id}); "
                    "update or close it",
                    kind=ProactiveFeedback.KIND,
                    entity_id=active[0].id,
                )
            feedback = ProactiveFeedback.start(
                actor,
                when,
                feedback_id=key,
                next_due_at=first,
                record_id=record,
                customer=who,
                reason=why,
                interval=interval,
                calendar=zone,
                handler=handler,
                summary=summary,
            )
            self._shared.clocks.start_update(uow, actor, feedback, when)
            uow.save(FEEDBACK_SPEC, feedback)
        return feedback

    @command
    def update(
        self,
        actor: Actor,
        feedback_id: str,
        *,
        summary: str,
        channel: ContactChannel | str = ContactChannel.PHONE,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ProactiveFeedback:
        """Record a progress update given to the customer; the next is due one interval later.

        The update's clock stops (met, or missed if it breached) and the next starts.

        :param summary: what the customer was told.
        :param channel: phone, email or webhook.
        :raises InvalidTransition: once closed, or once the request's service
            record is closed (the message says so).
        :raises ValidationError: for an empty summary or an unknown channel.
        """

        def apply(uow: UnitOfWork, feedback: ProactiveFeedback, when: datetime) -> None:
            if feedback.is_active:
                _refuse_if_request_closed(uow, feedback)
            clocks = self._shared.clocks
            due = clocks.due(feedback.calendar, when, feedback.interval)
            feedback.update(actor, when, summary=summary, channel=channel, next_due_at=due)
            clocks.stop_update(uow, actor, feedback, when, "a progress update was given")
            clocks.start_update(uow, actor, feedback, when)

        return self._shared.change(
            actor, FEEDBACK_SPEC, feedback_id, FEEDBACK_ROLES["update"],
            "proactive feedback: update", at, apply,
        )  # fmt: skip

    @command
    def close(
        self,
        actor: Actor,
        feedback_id: str,
        *,
        reason: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ProactiveFeedback:
        """The request closed: no more updates are due; the clock stops.

        :raises InvalidTransition: once closed.
        """

        def apply(uow: UnitOfWork, feedback: ProactiveFeedback, when: datetime) -> None:
            feedback.close(actor, when, reason=reason)
            self._shared.clocks.stop_update(uow, actor, feedback, when, "the request closed")

        return self._shared.change(
            actor, FEEDBACK_SPEC, feedback_id, FEEDBACK_ROLES["close"],
            "proactive feedback: close", at, apply,
        )  # fmt: skip

    @command
    def close_for_closed_requests(
        self,
        actor: Actor,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> list[ProactiveFeedback]:
        """End the active feedback of every request whose service record is closed.

        Each ends ``request_closed`` (event ``proactive_feedback.request_closed``)
        at the record's close, or at its own latest change if that is later, and
        its update clock stops there, so no warning or breach follows for an
        update nobody owes. :meth:`itsm_core.ItsmCore.run_due` runs it before the
        SLA tick. Idempotent: ended feedback is not active any more. It reads
        the active feedback by its indexed state and their records by id, a batch
        at a time; feedback whose request is not a service record is left alone.

        :param actor: the system, the service desk, a relationship, operations
            or incident manager.
        :returns: the feedback ended now, in the order of their next update due.
        :raises AccessDenied: for any other actor.
        """
        require_role(
            actor, *sorted(FEEDBACK_ROLES["close_for_closed_requests"]),
            action="end the feedback of closed requests",
        )  # fmt: skip
        when = self._shared.now(at)
        ended: list[ProactiveFeedback] = []
        active = Where("state", "eq", FeedbackState.ACTIVE.value)
        offset = 0
        while True:
            with self._shared.runtime.transaction() as uow:
                batch = uow.find(
                    FEEDBACK_SPEC,
                    Query((active,), ("next_due_at", "created_at"), limit=_BATCH, offset=offset),
                )
                closed = _closed_records(uow, (f.record_id for f in batch))
                for feedback in batch:
                    record = closed.get(feedback.record_id)
                    if record is None:
                        continue
                    closed_at = record.closed_at or when
                    end = max(feedback.updated_at, min(closed_at, when))
                    feedback.end_with_request(actor, end, closed_at=closed_at)
                    self._shared.clocks.stop_update(
                        uow, actor, feedback, end, "the request closed"
                    )
                    uow.save(FEEDBACK_SPEC, feedback)
                    ended.append(feedback)
            if len(batch) < _BATCH:
                return ended
            offset += _BATCH - sum(1 for f in batch if f.record_id in closed)

    @read
    def get(self, actor: Actor, feedback_id: str) -> ProactiveFeedback:
        """Return one request's feedback (the provider's staff).

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is none such.
        """
        return self._shared.get(actor, FEEDBACK_SPEC, feedback_id, "read proactive feedback")

    @read
    def find(
        self,
        actor: Actor,
        *,
        state: FeedbackState | str | None = None,
        customer: str | None = None,
        record_id: str | None = None,
        reason: FeedbackReason | str | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
    ) -> list[ProactiveFeedback]:
        """Return the feedback matching every filter given, the next update due first.

        :param state: active or closed.
        :param customer: one customer's.
        :param record_id: one request's.
        :param reason: key_customer, important_request or urgent_incident.
        :param due_before: active feedback whose next update is due before this
            instant (the desk's list of updates to give).
        :param limit: at most this many.
        :raises AccessDenied: for a customer or an actor without a role.
        """
        require_role(actor, *sorted(READERS), action="find proactive feedback")
        where: list[Where] = []
        if state is not None:
            where.append(Where("state", "eq", FeedbackState.parse(state, "state").value))
        if customer is not None:
            where.append(Where("customer", "eq", text(customer, "customer")))
        if record_id is not None:
            where.append(Where("record_id", "eq", text(record_id, "record_id")))
        if reason is not None:
            where.append(Where("reason", "eq", FeedbackReason.parse(reason, "reason").value))
        if due_before is not None:
            where.append(Where("state", "eq", FeedbackState.ACTIVE.value))
            where.append(Where("next_due_at", "lt", require_aware(due_before, "due_before")))
        query = Query(tuple(where), ("next_due_at", "created_at"), limit=limit_of(limit))
        with self._shared.runtime.storage.unit_of_work() as uow:
            return uow.find(FEEDBACK_SPEC, query)

    @read
    def history(self, actor: Actor, feedback_id: str) -> list[DomainEvent]:
        """Return the feedback's events, oldest first (the provider's staff).

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is none such.
        """
        return self._shared.history(actor, FEEDBACK_SPEC, feedback_id, "read feedback history")
