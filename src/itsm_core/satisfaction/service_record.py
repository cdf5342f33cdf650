"""A service record (服务单): a request handled in the provider's ticketing tool.

Service records are the library's minimal reference to a request handled
in the provider's own ticketing tool. The ticketing tool stays the system of
record for the request itself; this library keeps what satisfaction needs:
who the customer and engineer were, when the request was opened, resolved and
closed, whether it was resolved at first contact, how often it was reopened,
and where it stands with callbacks.

**Record completeness** (工作记录完整率, a desk indicator): a record is *complete*
when it names the engineer, has a non-blank resolution, and has its opened,
resolved and closed instants, in that order.

**Callbacks**: a record sampled for a daily callback has
``callback_state`` ``due``. If the customer says the problem is not really
solved, the record is *returned* to the engineer (its reopened count goes up,
its resolved and closed instants are cleared); once the engineer resolves it
again a second callback is due (``recheck_due``), and the record cannot close
until that callback confirms it is solved.

**Following up** (the desk's daily chase): a record names the desk member
who follows it (``desk_agent``) and what it asks for (``kind``: a failure or
another request). ``updated_at`` is the instant of its latest change, and
:meth:`ServiceRecord.note_progress` records what the desk learned when it
chased the request without changing its state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.satisfaction._values import (
    DEFAULT_TIMEZONE,
    local_day,
    local_period,
    optional_text,
    require_text,
)
from itsm_core.satisfaction.enums import CallbackStatus, RequestKind, ServiceRecordState
from itsm_core.satisfaction.lifecycle import CALLBACK_STATUS, SERVICE_RECORD

__all__ = ["ServiceRecord", "check_order"]


def check_order(
    opened_at: datetime, resolved_at: datetime | None, closed_at: datetime | None
) -> None:
    """Raise :class:`ValidationError` unless opened ≤ resolved ≤ closed (where given)."""
    require_aware(opened_at, "opened_at")
    if resolved_at is not None:
        require_aware(resolved_at, "resolved_at")
        if resolved_at < opened_at:
            raise ValidationError(
                f"resolved_at ({resolved_at.isoformat()}) is before opened_at "
                f"({opened_at.isoformat()})",
                field="resolved_at",
            )
    if closed_at is not None:
        require_aware(closed_at, "closed_at")
        floor = resolved_at or opened_at
        if closed_at < floor:
            raise ValidationError(
                f"closed_at ({closed_at.isoformat()}) is before "
                f"{'resolved_at' if resolved_at else 'opened_at'} ({floor.isoformat()})",
                field="closed_at",
            )


@attrs.define(eq=False, kw_only=True)
class ServiceRecord(Aggregate):
    """A request handled in the provider's ticketing tool, as satisfaction needs it.

    :param id: the ticket's id in the provider's tool.
    :param customer: the customer (organisation) id.
    :param service: the service the request belongs to.
    :param engineer: the engineer who handled it.
    :param requester: the person who asked (the one to call back), if known.
    :param summary: a one-line summary of the request.
    :param resolution: how it was resolved.
    :param opened_at: when the request was opened.
    :param resolved_at: when it was resolved (None while open or returned).
    :param closed_at: when it was closed (None until closed).
    :param first_contact: resolved at first contact (首问解决).
    :param reopened_count: how often it was reopened or returned after a callback.
    :param state: the :class:`~itsm_core.satisfaction.enums.ServiceRecordState`.
    :param callback_status: where it stands with callbacks.
    :param timezone: the provider's zone, in which :attr:`closed_day` is counted.
    :param kind: what the request asks for (a failure first among closed ones), if known.
    :param desk_agent: the desk member who follows the request (the daily chase).
    :param updated_at: the instant of the record's latest change (set by every event).
    :param progress_note: what the desk last learned when it chased the request.
    """

    KIND = "service_record"

    customer: str
    service: str
    engineer: str | None = None
    requester: str | None = None
    summary: str | None = None
    resolution: str | None = None
    opened_at: datetime
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    first_contact: bool = False
    reopened_count: int = 0
    state: ServiceRecordState = ServiceRecordState.OPEN
    callback_status: CallbackStatus = CallbackStatus.NONE
    last_callback_id: str | None = None
    last_return_reason: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    kind: RequestKind | None = None
    desk_agent: str | None = None
    updated_at: datetime | None = None
    progress_note: str | None = None

    def _record(
        self,
        name: str,
        actor: Actor,
        at: datetime,
        payload: Mapping[str, Any] | None = None,
        confidential: Iterable[str] = (),
    ) -> DomainEvent:
        event = super()._record(name, actor, at, payload, confidential)
        if self.updated_at is None or at > self.updated_at:
            self.updated_at = at
        return event

    @property
    def is_open(self) -> bool:
        """True until the record is closed (open, resolved or returned)."""
        return self.state is not ServiceRecordState.CLOSED

    @property
    def closed_day(self) -> str | None:
        """The local date of :attr:`closed_at`, ``"YYYY-MM-DD"`` (None if not closed)."""
        return local_day(self.closed_at, self.timezone) if self.closed_at else None

    @property
    def closed_period(self) -> str | None:
        """The local month of :attr:`closed_at`, ``"YYYY-MM"`` (None if not closed)."""
        return local_period(self.closed_at, self.timezone) if self.closed_at else None

    @property
    def handled_at(self) -> datetime | None:
        """When the work was handled: resolved, else closed (callbacks are due from here)."""
        return self.resolved_at or self.closed_at

    @property
    def complete(self) -> bool:
        """True if the record has every required field: engineer, resolution, the three
        instants, in order."""
        if not self.engineer or not self.resolution:
            return False
        if self.resolved_at is None or self.closed_at is None:
            return False
        return self.opened_at <= self.resolved_at <= self.closed_at

    def _facts(self) -> dict[str, object]:
        return {
            "customer": self.customer,
            "service": self.service,
            "engineer": self.engineer,
            "state": self.state.value,
            "opened_at": self.opened_at,
            "resolved_at": self.resolved_at,
            "closed_at": self.closed_at,
            "first_contact": self.first_contact,
            "reopened_count": self.reopened_count,
            "kind": None if self.kind is None else self.kind.value,
            "desk_agent": self.desk_agent,
        }

    def register(self, actor: Actor, at: datetime) -> None:
        """Validate a new record (built open), take it to the state its instants say
        (closed if ``closed_at``, resolved if ``resolved_at``), record ``registered``."""
        event = (
            "register_closed"
            if self.closed_at is not None
            else "register_resolved"
            if self.resolved_at is not None
            else None
        )
        if event is not None:
            SERVICE_RECORD.check(self, event)
        check_order(self.opened_at, self.resolved_at, self.closed_at)
        if self.reopened_count < 0:
            raise ValidationError(
                f"reopened_count must be >= 0, got {self.reopened_count}", field="reopened_count"
            )
        if event is not None:
            SERVICE_RECORD.fire(self, event)
        self._record("registered", actor, at, self._facts())

    def resolve(
        self,
        actor: Actor,
        at: datetime,
        *,
        resolved_at: datetime,
        resolution: str | None = None,
        engineer: str | None = None,
        first_contact: bool | None = None,
    ) -> None:
        """The engineer resolved the request (again, after a return)."""
        SERVICE_RECORD.check(self, "resolve")
        check_order(self.opened_at, resolved_at, None)
        text = optional_text(resolution, "resolution")
        who = optional_text(engineer, "engineer")
        SERVICE_RECORD.fire(self, "resolve")
        self.resolved_at = resolved_at
        self.resolution = text or self.resolution
        self.engineer = who or self.engineer
        if first_contact is not None:
            self.first_contact = bool(first_contact)
        self._record("resolved", actor, at, self._facts())

    def close(self, actor: Actor, at: datetime, *, closed_at: datetime) -> None:
        """Close the record; refused while a second callback is due after a return."""
        SERVICE_RECORD.check(self, "close")
        if self.callback_status is CallbackStatus.RECHECK_DUE:
            raise SERVICE_RECORD.refuse(
                self,
                "close",
                "the record was returned after a callback and a second callback "
                f"({self.last_callback_id}) is due before it can close",
            )
        check_order(self.opened_at, self.resolved_at, closed_at)
        SERVICE_RECORD.fire(self, "close")
        self.closed_at = closed_at
        self._record("closed", actor, at, self._facts())

    def reopen(self, actor: Actor, at: datetime, *, reason: str) -> None:
        """The request was reopened in the ticketing tool."""
        SERVICE_RECORD.check(self, "reopen")
        text = require_text(reason, "reason")
        SERVICE_RECORD.fire(self, "reopen")
        self.reopened_count += 1
        self.resolved_at = None
        self.closed_at = None
        self._record("reopened", actor, at, {**self._facts(), "reason": text})

    def schedule_callback(
        self, actor: Actor, at: datetime, *, callback_id: str, recheck: bool = False
    ) -> None:
        """Note that a callback (a second one if ``recheck``) is due for this record."""
        CALLBACK_STATUS.fire(self, "schedule_recheck" if recheck else "schedule")
        self.last_callback_id = callback_id
        self._record(
            "callback_scheduled",
            actor,
            at,
            {"callback_id": callback_id, "callback_state": self.callback_status.value},
        )

    def confirm_solved(self, actor: Actor, at: datetime, *, callback_id: str) -> None:
        """A callback confirmed the problem is solved."""
        CALLBACK_STATUS.fire(self, "confirm")
        self.last_callback_id = callback_id
        self._record("callback_confirmed", actor, at, {"callback_id": callback_id})

    def cancel_callback(self, actor: Actor, at: datetime, *, callback_id: str, reason: str) -> bool:
        """The due callback ``callback_id`` was cancelled: no callback is planned any more.

        Cancelling a second callback after a return lets the record close
        without it; the reason stays in the history. Return False (and record
        nothing) if ``callback_id`` is not the record's pending callback.
        """
        pending = CALLBACK_STATUS.allowed(self.callback_status)
        if self.last_callback_id != callback_id or "cancel" not in pending:
            return False
        CALLBACK_STATUS.fire(self, "cancel")
        self._record(
            "callback_cancelled", actor, at, {"callback_id": callback_id, "reason": reason}
        )
        return True

    def note_not_solved(self, actor: Actor, at: datetime, *, callback_id: str, reason: str) -> None:
        """A callback found the problem not really solved while the record is open again
        (reopened since the callback was scheduled): it is with the engineer already, so
        only its callback status changes — to returned, and resolving it makes a second
        callback due."""
        CALLBACK_STATUS.fire(self, "return")
        self.last_callback_id = callback_id
        self.last_return_reason = require_text(reason, "reason")
        self._record(
            "callback_not_solved",
            actor,
            at,
            {"callback_id": callback_id, "reason": self.last_return_reason},
        )

    def return_to_engineer(
        self, actor: Actor, at: datetime, *, callback_id: str, reason: str
    ) -> None:
        """A callback found the problem not really solved: back to the engineer."""
        SERVICE_RECORD.check(self, "return")
        CALLBACK_STATUS.check(self, "return")
        text = require_text(reason, "reason")
        SERVICE_RECORD.fire(self, "return")
        CALLBACK_STATUS.fire(self, "return")
        self.reopened_count += 1
        self.resolved_at = None
        self.closed_at = None
        self.last_callback_id = callback_id
        self.last_return_reason = text
        self._record(
            "returned",
            actor,
            at,
            {**self._facts(), "callback_id": callback_id, "reason": text},
        )

    def note_progress(
        self, actor: Actor, at: datetime, *, note: str, desk_agent: str | None = None
    ) -> None:
        """The desk chased the request: record what it learned (and who follows it now).

        The state does not change; a closed record is not chased any more.
        """
        if not self.is_open:
            raise SERVICE_RECORD.refuse(
                self, "note_progress", "a closed record is not chased any more"
            )
        text = require_text(note, "note")
        who = optional_text(desk_agent, "desk_agent")
        self.progress_note = text
        self.desk_agent = who or self.desk_agent
        self._record(
            "progress_noted", actor, at, {"note": text, "desk_agent": self.desk_agent}
        )
