"""Service records (服务单) as satisfaction follows them: ``core.satisfaction.service_records``.

A :class:`ServiceRecordService` registers the requests handled in the
provider's ticketing tool (an import, or the desk entering them) and follows
them through resolution, closing and reopening; the callbacks
(:mod:`~itsm_core.satisfaction.callbacks`) and ticket scores
(:mod:`~itsm_core.satisfaction.responses`) come from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from itsm_core.kernel.actors import Actor, require_role
from itsm_core.kernel.api import command, read
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ConflictError, ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.own_ids import own_id
from itsm_core.satisfaction._bulk import (
    BatchReport,
    at_row,
    check_rows,
    conflict,
    duplicate_row,
    stored_by_id,
)
from itsm_core.satisfaction._capture import READ_ROLES, RECORD_ROLES, Capture, load_or_none
from itsm_core.satisfaction._values import as_day, as_period, optional_text, require_text
from itsm_core.satisfaction.enums import (
    CallbackKind,
    CallbackStatus,
    RequestKind,
)
from itsm_core.satisfaction.model import ServiceRecord
from itsm_core.satisfaction.storage import CALLBACK_SPEC, SERVICE_RECORD_SPEC
from itsm_core.sla.tick import save_all
from itsm_core.storage.base import Query

__all__ = ["ServiceRecordService"]

_REQUIRED = ("record_id", "customer", "service", "opened_at")
_OPTIONAL = (
    "engineer",
    "requester",
    "summary",
    "resolution",
    "resolved_at",
    "closed_at",
    "first_contact",
    "reopened_count",
    "kind",
    "desk_agent",
    "at",
)


class ServiceRecordService:
    """Service records: ``core.satisfaction.service_records``.

    :param capture: what the satisfaction sub-services share.
    """

    def __init__(self, capture: Capture) -> None:
        self._capture = capture

    @command
    def register(
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
        kind: RequestKind | str | None = None,
        desk_agent: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
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
        :param kind: what the request asks for (:class:`RequestKind`: a failure...).
        :param desk_agent: the desk member who follows the request.
        :param at: when registered (default now).
        :raises ValidationError: for instants out of order or naive.
        :raises ConflictError: if the id is registered already.
        """
        require_role(actor, *RECORD_ROLES, action="register a service record")
        record = self._build(
            actor,
            self._capture.now(at),
            record_id=record_id,
            customer=customer,
            service=service,
            opened_at=opened_at,
            engineer=engineer,
            requester=requester,
            summary=summary,
            resolution=resolution,
            resolved_at=resolved_at,
            closed_at=closed_at,
            first_contact=first_contact,
            reopened_count=reopened_count,
            kind=kind,
            desk_agent=desk_agent,
        )
        with self._capture.runtime.transaction() as uow:
            if load_or_none(uow, SERVICE_RECORD_SPEC, record.id) is not None:
                raise ConflictError(
                    f"service record {record.id!r} is registered already",
                    kind=ServiceRecord.KIND,
                    entity_id=record.id,
                )
            uow.save(SERVICE_RECORD_SPEC, record)
        return record

    @command
    def register_many(
        self,
        actor: Actor,
        *,
        records: Sequence[Mapping[str, Any]],
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> BatchReport:
        """Register many service records in one transaction (an import from the ticketing tool).

        Each row is a mapping of :meth:`register`'s arguments (``record_id``,
        ``customer``, ``service``, ``opened_at`` required; ``at`` optional) and is
        checked as :meth:`register` checks it. The first bad row raises and nothing
        is stored.

        :param actor: service desk, coordinator, engineer or system (an import).
        :param records: the rows, at most :data:`~itsm_core.satisfaction.MAX_BATCH`.
        :param at: when registered, for rows without their own ``at`` (default now).
        :return: the ids stored, in row order.
        :raises InvalidRow: for a bad row (its index in ``row``), or an id given twice.
        :raises ConflictError: if a row's id is registered already (nothing stored).
        """
        require_role(actor, *RECORD_ROLES, action="register service records")
        rows = check_rows(records, "records", required=_REQUIRED, optional=_OPTIONAL)
        default_at = self._capture.now(at)
        built: list[ServiceRecord] = []
        first: dict[str, int] = {}
        for index, row in enumerate(rows):
            with at_row(index, "records"):
                row_at = row.pop("at", None)
                when = self._capture.now(row_at) if row_at is not None else default_at
                record = self._build(actor, when, **row)
            if record.id in first:
                raise duplicate_row("service record", record.id, first[record.id], index, "records")
            first[record.id] = index
            built.append(record)
        with self._capture.runtime.transaction() as uow:
            taken = stored_by_id(uow, SERVICE_RECORD_SPEC, list(first))
            for index, record in enumerate(built):
                if record.id in taken:
                    raise conflict(
                        ServiceRecord.KIND,
                        record.id,
                        index,
                        "records",
                        f"service record {record.id!r} is registered already",
                    )
            save_all(uow, SERVICE_RECORD_SPEC, built)
        return BatchReport(ServiceRecord.KIND, stored=tuple(r.id for r in built))

    def _build(
        self,
        actor: Actor,
        when: datetime,
        *,
        record_id: str,
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
        kind: RequestKind | str | None = None,
        desk_agent: str | None = None,
    ) -> ServiceRecord:
        """Check one record's values and return it registered (not stored yet)."""
        if isinstance(reopened_count, bool) or not isinstance(reopened_count, int):
            raise ValidationError(
                f"reopened_count must be a whole number, got {reopened_count!r}",
                field="reopened_count",
            )
        record = ServiceRecord(
            id=own_id(record_id, "record_id"),
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
            timezone=self._capture.policy.timezone,
            kind=None if kind is None else RequestKind.parse(kind, "kind"),
            desk_agent=optional_text(desk_agent, "desk_agent"),
        )
        record.register(actor, when)
        return record

    @command
    def resolve(
        self,
        actor: Actor,
        record_id: str,
        *,
        resolution: str | None = None,
        engineer: str | None = None,
        first_contact: bool | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceRecord:
        """The engineer resolved the request; after a return, a second callback becomes due
        (one working day later) and the record cannot close before it confirms the fix.

        :param at: when it was resolved (default now).
        :raises InvalidTransition: unless the record is open or returned.
        """
        require_role(actor, *RECORD_ROLES, action="resolve a service record")
        when = now = self._capture.now(at)
        with self._capture.runtime.transaction() as uow:
            record = self._capture.get(uow, SERVICE_RECORD_SPEC, record_id)
            # returned by a callback (also while reopened): a second callback becomes due
            was_returned = record.callback_status is CallbackStatus.RETURNED
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
                    self._capture.new_record_callback(
                        uow,
                        actor,
                        record,
                        CallbackKind.RECHECK,
                        callback_id,
                        now,
                        handler=self._capture.first_caller(uow, record, actor),
                    )
                record.schedule_callback(actor, now, callback_id=callback_id, recheck=True)
            uow.save(SERVICE_RECORD_SPEC, record)
        return record

    @command
    def close(
        self,
        actor: Actor,
        record_id: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceRecord:
        """Close a resolved record.

        :param at: when it was closed (default now).
        :raises InvalidTransition: unless resolved, or while a second callback is due.
        """
        require_role(actor, *RECORD_ROLES, action="close a service record")
        when = now = self._capture.now(at)
        with self._capture.runtime.transaction() as uow:
            record = self._capture.get(uow, SERVICE_RECORD_SPEC, record_id)
            record.close(actor, now, closed_at=when)
            uow.save(SERVICE_RECORD_SPEC, record)
        return record

    @command
    def reopen(
        self,
        actor: Actor,
        record_id: str,
        *,
        reason: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceRecord:
        """The request was reopened in the ticketing tool (counts against one-time fix).

        :raises InvalidTransition: unless resolved or closed.
        """
        require_role(actor, *RECORD_ROLES, action="reopen a service record")
        when = self._capture.now(at)
        with self._capture.runtime.transaction() as uow:
            record = self._capture.get(uow, SERVICE_RECORD_SPEC, record_id)
            record.reopen(actor, when, reason=reason)
            uow.save(SERVICE_RECORD_SPEC, record)
        return record

    @read
    def get(self, actor: Actor, record_id: str) -> ServiceRecord:
        """Return one service record.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a service record")
        with self._capture.runtime.storage.unit_of_work() as uow:
            return self._capture.get(uow, SERVICE_RECORD_SPEC, record_id)

    @read
    def find(
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
        with self._capture.runtime.storage.unit_of_work() as uow:
            return uow.find(SERVICE_RECORD_SPEC, Query(query.where, ("id",), limit))

    @read
    def history(self, actor: Actor, record_id: str) -> list[DomainEvent]:
        """Return the events of one service record, oldest first.

        :raises NotFound: if there is none such.
        """
        require_role(actor, *READ_ROLES, action="read a service record's history")
        return self._capture.history(actor, SERVICE_RECORD_SPEC, record_id)
