"""The complaint service's plumbing: load, change and save one complaint in a unit of work.

:class:`ComplaintUnit` is what every use case of
:class:`~itsm_core.complaints.ComplaintService` shares: the role check before
anything is read, the unit of work, the instant of the change, the area rule
of the policy, the callback promise of a complaint handed over as handled,
the views and events redacted for the reader, and the idempotent receipt.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from itsm_core.complaints.access import (
    READERS,
    check_area,
    complaint_id_for,
    may_see_complainant,
)
from itsm_core.complaints.enums import ComplaintSource, ComplaintState
from itsm_core.complaints.lifecycle import (
    COMMANDS,
    TRANSITIONS,
    command_roles,
    roles_for,
    transition,
)
from itsm_core.complaints.model import Complaint, text
from itsm_core.complaints.policy import ComplaintPolicy
from itsm_core.complaints.praise import Praise
from itsm_core.complaints.promises import ComplaintPromises, Promise
from itsm_core.complaints.storage import COMPLAINT_SPEC, PRAISE_SPEC
from itsm_core.improvements import IMPROVEMENT_SPEC
from itsm_core.kernel.actors import Actor, Role, require_role
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import AccessDenied, ConflictError, NotFound, ValidationError
from itsm_core.kernel.events import DomainEvent, visible_to
from itsm_core.kernel.ids import new_id
from itsm_core.runtime import Runtime
from itsm_core.storage.base import AggregateSpec, Query, UnitOfWork

__all__ = ["ComplaintUnit"]

T = TypeVar("T")


@functools.cache
def _command_roles(name: str) -> tuple[Role, ...]:
    """The roles that may give the command ``name``, sorted (the table is constant)."""
    return tuple(sorted(command_roles(name)))


class ComplaintUnit:
    """Loads, changes and saves complaints for the service's use cases.

    :param runtime: the facade's runtime.
    :param policy: the provider's complaint policy.
    :param promises: the complaint's promises and their clocks.
    """

    def __init__(
        self, runtime: Runtime, policy: ComplaintPolicy, promises: ComplaintPromises
    ) -> None:
        self.runtime = runtime
        self.policy = policy
        self.promises = promises

    @staticmethod
    def checked(policy: object) -> ComplaintPolicy:
        """``policy``, or the default policy for None.

        :raises ValidationError: for anything but a :class:`ComplaintPolicy` or None.
        """
        if policy is not None and not isinstance(policy, ComplaintPolicy):
            raise ValidationError(
                "policy must be a ComplaintPolicy or None, got a value of type "
                f"{type(policy).__name__}",
                field="policy",
            )
        return policy or ComplaintPolicy()

    # ------------------------------------------------------------------ views

    def now(self, at: datetime | None) -> datetime:
        """``at`` checked, or the clock's now."""
        return self.runtime.clock.now() if at is None else require_aware(at, "at")

    def view(self, actor: Actor, entity: Complaint) -> Complaint:
        """The complaint as ``actor`` may see it (``entity`` is a loaded one, detached from
        the store: shown as it is unless its complainant is hidden from ``actor``)."""
        if not entity.is_confidential or may_see_complainant(actor):
            return entity
        return entity.redacted()

    def events(self, actor: Actor, events: Iterable[DomainEvent]) -> list[DomainEvent]:
        """The events as ``actor`` may see them."""
        return visible_to(actor, events)

    def read(self, actor: Actor, action: str) -> Actor:
        """Refuse an actor who may not read complaints (a customer, no role).

        :raises AccessDenied: naming the roles that may.
        """
        return require_role(actor, *sorted(READERS), action=action)

    # ------------------------------------------------------------------ changes

    def change(
        self,
        actor: Actor,
        complaint_id: str,
        name: str,
        at: datetime | None,
        apply: Callable[[UnitOfWork, Complaint, datetime], None],
    ) -> Complaint:
        """Load, change (and settle the clocks), save — all in one unit of work.

        :param name: the command, for its roles and the area rule.
        :param apply: the change, given the unit of work, the complaint and the instant.
        """
        require_role(actor, *_command_roles(name), action=f"complaint: {name}")
        key = text(complaint_id, "complaint_id")
        given = None if at is None else require_aware(at, "at")
        with self.runtime.transaction() as uow:
            entity = uow.get(COMPLAINT_SPEC, key)
            # "now" is read after loading, and never before the last change:
            # another process may have committed a moment ago by a clock a
            # little ahead of ours; an explicit ``at`` is checked by the entity.
            when = given if given is not None else max(self.runtime.clock.now(), entity.updated_at)
            check_area(self.policy.assigned_relationship_manager_only, actor, entity, name)
            apply(uow, entity, when)
            uow.save(COMPLAINT_SPEC, entity)
        return self.view(actor, entity)

    def simple(
        self,
        actor: Actor,
        complaint_id: str,
        name: str,
        at: datetime | None,
        apply: Callable[[Complaint, datetime], None],
    ) -> Complaint:
        """:meth:`change` for a change that involves no clock."""
        return self.change(actor, complaint_id, name, at, lambda _u, c, w: apply(c, w))

    def run(
        self, actor: Actor, complaint_id: str, at: datetime | None, name: str, /, **kwargs: Any
    ) -> Complaint:
        """:meth:`simple` for the complaint's method ``name``, given ``kwargs``."""
        return self.simple(
            actor, complaint_id, name, at, lambda c, w: getattr(c, name)(actor, w, **kwargs)
        )

    def handover(
        self,
        actor: Actor,
        complaint_id: str,
        at: datetime | None,
        name: str,
        why: str,
        event: str,
        /,
        **kwargs: Any,
    ) -> Complaint:
        """:meth:`run` for a method that may hand the complaint over as handled.

        ``why`` is the reason the clocks log; ``event`` the row the change fires.

        When the row of ``event`` leads to ``handled``, the callback promise is
        computed and its clock started in the same unit of work, and the method
        is given its due instant (``callback_due_at``); a callback recorded
        stops the callback clock.
        """

        def apply(uow: UnitOfWork, c: Complaint, when: datetime) -> None:
            before = c.state
            row = transition(before, event)
            handled = row is not None and row.dest is ComplaintState.HANDLED
            callback = self.promises.callback(uow, c, when) if handled else Promise(when)
            if name != "callback":
                kwargs["callback_due_at"] = callback.due_at
            getattr(c, name)(actor, when, **kwargs)
            self.promises.settle(uow, actor, c, before, when, callback=callback, reason=why)

        return self.change(actor, complaint_id, name, at, apply)

    # ------------------------------------------------------------------ receipt

    def receive(
        self, actor: Actor, when: datetime, source: ComplaintSource, fields: Mapping[str, Any]
    ) -> Complaint:
        """Record a complaint; with a ``source_ref``, the same trigger gives the same one."""
        source_ref = fields.get("source_ref")
        if source_ref is not None:
            complaint_id = complaint_id_for(source, source_ref)
            existing = self._existing(complaint_id)
            if existing is not None:
                return self.view(actor, existing)
        else:
            complaint_id = new_id("cmp-")
        entity = Complaint.receive(actor, when, complaint_id=complaint_id, source=source, **fields)
        try:
            with self.runtime.transaction() as uow:
                uow.save(COMPLAINT_SPEC, entity)
        except ConflictError:
            existing = self._existing(complaint_id) if source_ref is not None else None
            if existing is None:
                raise
            return self.view(actor, existing)
        return self.view(actor, entity)

    def record_praise(self, actor: Actor, at: datetime | None, **fields: Any) -> Praise:
        """Record praise taken on the complaint hotline (the role is checked by the caller)."""
        praise = Praise.record(actor, self.now(at), praise_id=new_id("prs-"), **fields)
        with self.runtime.transaction() as uow:
            uow.save(PRAISE_SPEC, praise)
        return praise

    def load(self, spec: AggregateSpec[T], key: str) -> T:
        """One stored aggregate of ``spec``.

        :raises NotFound: if there is none such.
        """
        with self.runtime.storage.unit_of_work() as uow:
            return uow.get(spec, key)

    def search(self, spec: AggregateSpec[T], query: Query) -> list[T]:
        """The stored aggregates of ``spec`` matching ``query``."""
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(spec, query)

    def _existing(self, complaint_id: str) -> Complaint | None:
        with self.runtime.storage.unit_of_work() as uow:
            try:
                return uow.get(COMPLAINT_SPEC, complaint_id)
            except NotFound:
                return None

    # ------------------------------------------------------------------ reading

    def history(self, actor: Actor, complaint_id: str) -> list[DomainEvent]:
        """The complaint's events, redacted for ``actor``.

        :raises NotFound: if there is no such complaint.
        """
        key = text(complaint_id, "complaint_id")
        with self.runtime.storage.unit_of_work() as uow:
            events = uow.history(COMPLAINT_SPEC.kind, key)
        if not events:
            raise NotFound(COMPLAINT_SPEC.kind, key)
        return self.events(actor, events)

    def record_events(self, actor: Actor, complaint_id: str) -> list[DomainEvent]:
        """The complaint's events and its improvement items', redacted for ``actor``."""
        events = self.history(actor, complaint_id)
        items: list[str] = []
        for e in events:
            if e.name == "complaint.improvement_required":
                embedded = e.payload.get("improvement")  # a history stored before items
                found = embedded.get("id") if isinstance(embedded, Mapping) else None
                found = e.payload.get("improvement_id") or found
                if isinstance(found, str):
                    items.append(found)
        with self.runtime.storage.unit_of_work() as uow:
            for item_id in dict.fromkeys(items):
                events.extend(self.events(actor, uow.history(IMPROVEMENT_SPEC.kind, item_id)))
        return events

    def allowed(self, actor: Actor, complaint: Complaint) -> tuple[str, ...]:
        """The commands ``actor`` may give on ``complaint`` now (see ``allowed_commands``)."""
        names: list[str] = []
        for name, events in COMMANDS.items():
            if not self._may_give(actor, complaint, name):
                continue
            for t in TRANSITIONS:
                if (
                    t.event in events
                    and t.source is complaint.state
                    and complaint.origin in t.origins
                    and actor.has(*roles_for(t, complaint.severity))
                ):
                    names.append(name)
                    break
        return tuple(names)

    def _may_give(self, actor: Actor, complaint: Complaint, name: str) -> bool:
        if name == "judge" and len(complaint.findings) <= complaint.findings_at_reopen:
            return False
        try:
            check_area(self.policy.assigned_relationship_manager_only, actor, complaint, name)
        except AccessDenied:
            return False
        return True
