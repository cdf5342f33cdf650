"""The SLA service's reads and reports: what ``core.sla`` shows.

:class:`SlaReads` is the part of :class:`~itsm_core.sla.SlaService` that
changes nothing: agreements and their targets, clocks, their status and
history (events redacted for the reader's role).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.kernel.actors import Actor, require_role
from itsm_core.kernel.api import read, report
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.events import DomainEvent, visible_to
from itsm_core.runtime import Runtime
from itsm_core.sla.agreements import Agreement, AgreementKind, Target, TargetKind
from itsm_core.sla.clock import SlaClock
from itsm_core.sla.clock_log import ClockStatus
from itsm_core.sla.keeper import ClockKeeper
from itsm_core.sla.lifecycle import ClockState
from itsm_core.sla.roles import READ_ROLES
from itsm_core.sla.storage import AGREEMENT_SPEC, CLOCK_SPEC
from itsm_core.storage.base import Query

__all__ = ["SlaReads"]


class SlaReads:
    """The reads and reports of the SLA service (its base class)."""

    runtime: Runtime
    _clocks: ClockKeeper

    @read
    def get_agreement(self, actor: Actor, agreement_id: str) -> Agreement:
        """Return one agreement.

        :raises NotFound: if there is none with that id.
        :raises AccessDenied: without one of :data:`~itsm_core.sla.roles.READ_ROLES`.
        """
        self._reader(actor, "read an agreement")
        with self.runtime.storage.unit_of_work() as uow:
            return uow.get(AGREEMENT_SPEC, agreement_id)

    @read
    def find_agreements(
        self,
        actor: Actor,
        *,
        kind: AgreementKind | str | None = None,
        counterparty: str | None = None,
    ) -> list[Agreement]:
        """Return the agreements of a kind and/or counterparty, by name.

        :raises AccessDenied: without one of the read roles.
        """
        self._reader(actor, "find agreements")
        query = Query.eq(
            kind=None if kind is None else AgreementKind.parse(kind, "kind").value,
            counterparty=counterparty,
        )
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(AGREEMENT_SPEC, attrs.evolve(query, order_by=("name",)))

    @read
    def get_target(
        self,
        actor: Actor,
        agreement_id: str,
        *,
        service: str,
        priority: str,
        kind: TargetKind | str,
    ) -> Target:
        """Return the target an agreement promises for (service, priority, kind).

        :raises ValidationError: naming the services, priorities or kinds that exist.
        :raises NotFound: if there is no such agreement.
        :raises AccessDenied: without one of the read roles.
        """
        return self.get_agreement(actor, agreement_id).target_for(service, priority, kind)

    @read
    def get(self, actor: Actor, clock_id: str) -> SlaClock:
        """Return one clock.

        :raises NotFound: if there is none with that id.
        :raises AccessDenied: without one of :data:`~itsm_core.sla.roles.READ_ROLES`.
        """
        self._reader(actor, "read an SLA clock")
        with self.runtime.storage.unit_of_work() as uow:
            return uow.get(CLOCK_SPEC, clock_id)

    @report
    def status(self, actor: Actor, clock_id: str, *, at: datetime | None = None) -> ClockStatus:
        """Return a clock's elapsed and remaining business time at ``at`` (default: now).

        :raises NotFound: if there is no such clock.
        :raises AccessDenied: without one of the read roles.
        """
        when = self._at(at)
        return self.get(actor, clock_id).status(when, self._lookup)

    @read
    def find(
        self,
        actor: Actor,
        *,
        subject_kind: str | None = None,
        subject_id: str | None = None,
        target: TargetKind | str | None = None,
        state: ClockState | str | None = None,
        agreement_id: str | None = None,
        handler: str | None = None,
        breached: bool | None = None,
        due_before: datetime | None = None,
        open_only: bool = False,
        limit: int | None = None,
    ) -> list[SlaClock]:
        """Return the clocks matching every filter given, by start time.

        :param subject_kind: e.g. ``"ticket"``.
        :param subject_id: the subject's id.
        :param target: the kind of promise.
        :param state: running, paused or stopped.
        :param agreement_id: clocks on one agreement.
        :param handler: clocks of one handler.
        :param breached: only breached (True) or not breached (False) clocks.
        :param due_before: running clocks whose deadline is before this instant.
        :param open_only: only running and paused clocks.
        :param limit: at most this many.
        :raises AccessDenied: without one of the read roles.
        """
        self._reader(actor, "find SLA clocks")
        with self.runtime.storage.unit_of_work() as uow:
            return self._clocks.find_in(
                uow,
                subject_kind=subject_kind,
                subject_id=subject_id,
                target=target,
                state=state,
                agreement_id=agreement_id,
                handler=handler,
                breached=breached,
                due_before=due_before,
                open_only=open_only,
                limit=limit,
            )

    @read
    def history(self, actor: Actor, clock_id: str) -> list[DomainEvent]:
        """Return the events of one clock, oldest first, redacted for ``actor``.

        Confidential payload values are replaced by
        :data:`~itsm_core.kernel.events.REDACTED` unless the actor may see them
        (:func:`~itsm_core.sla.roles.may_see_confidential`).

        :raises AccessDenied: without one of the read roles.
        """
        self._reader(actor, "read an SLA clock's history")
        with self.runtime.storage.unit_of_work() as uow:
            events = uow.history(SlaClock.KIND, clock_id)
        return visible_to(actor, events)

    # ------------------------------------------------------------------ internals

    def _lookup(self, name: str) -> BusinessCalendar:
        return self._clocks.calendar(name)

    def _reader(self, actor: Actor, action: str) -> Actor:
        return require_role(actor, *READ_ROLES, action=action)

    def _at(self, at: datetime | None) -> datetime:
        if at is None:
            return require_aware(self.runtime.clock.now(), "now")
        return require_aware(at, "at")
