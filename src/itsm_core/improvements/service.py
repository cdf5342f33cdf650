"""The improvement register's use cases, as ``core.improvements.<command>``.

Every method takes the acting :class:`~itsm_core.kernel.actors.Actor` first.
Commands check the role (for the item's source, :data:`~itsm_core.improvements.lifecycle.RULES`),
load the item in a unit of work, let it check the state table and the
rules, run its SLA clock and let the area that raised it follow the change —
a complaint moves on when its item is done or decided — and commit all of it
together. A refused command changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from itsm_core.calendars.working import WorkingCalendar
from itsm_core.improvements._register import ImprovementRegister, one_of, positive
from itsm_core.improvements.enums import ImprovementSource, ImprovementState
from itsm_core.improvements.lifecycle import LIFECYCLE, RULES, SourceRules
from itsm_core.improvements.model import ImprovementItem
from itsm_core.improvements.storage import IMPROVEMENT_SPEC
from itsm_core.kernel.actors import STAFF_ROLES, Actor, Role, require_role
from itsm_core.kernel.api import command, read, report
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import AccessDenied, InvalidTransition, NotFound, ValidationError
from itsm_core.kernel.events import DomainEvent, visible_to
from itsm_core.runtime import Runtime
from itsm_core.sla.keeper import ClockKeeper
from itsm_core.storage.base import Query, UnitOfWork, Where

__all__ = ["COMMANDS", "READERS", "ImprovementService"]

READERS: frozenset[Role] = STAFF_ROLES
"""Who may read the register: the provider's staff and the system, not customers."""

COMMANDS: dict[str, tuple[str, ...]] = {
    "approve": ("approve",),
    "start": ("start",),
    "report_progress": ("report_progress",),
    "submit": ("submit",),
    "follow_up": ("meet", "extend", "escalate"),
    "decide": ("decide", "grant_period"),
    "cancel": ("cancel",),
}
"""Service command → the lifecycle events it may fire."""

_OWNER_COMMANDS = frozenset({"start", "report_progress", "submit"})


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)
    return value.strip()


def _name(value: object, field: str) -> str | None:
    return None if value is None else _text(value, field)




def _all_roles(command_name: str) -> list[Role]:
    roles: set[Role] = set()
    for rules in RULES.values():
        roles |= rules.roles(command_name)
    return sorted(roles)


class ImprovementService:
    """The improvement register: items of every source, from raising to conclusion.

    Built by :class:`~itsm_core.ItsmCore` as ``core.improvements``.

    :param runtime: the facade's runtime (clock, store, plug-ins).
    :param sla: the SLA clock keeper (the facade passes the one of
        ``core.sla``): items' periods run on its clocks.
    :param calendar: without an SLA service, the calendar periods are
        computed on (default 24×7 in UTC).
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        sla: ClockKeeper | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self.runtime = runtime
        self.keeper = ImprovementRegister(sla, calendar)
        """The internal collaborator that raises and changes items in another
        area's unit of work (as :class:`~itsm_core.sla.keeper.ClockKeeper` does
        for SLA clocks); not part of the public API."""

    # ------------------------------------------------------------------ helpers

    def _rules(self, actor: Actor, item: ImprovementItem, command_name: str) -> SourceRules:
        rules = RULES[item.source_kind]
        roles = rules.roles(command_name)
        what = f"improvement item: {command_name!r} on an item of source {item.source_kind.value!r}"
        if not roles:
            raise InvalidTransition(
                entity=LIFECYCLE.entity,
                state=item.state.value,
                event=command_name,
                allowed=LIFECYCLE.allowed(item.state) - set(COMMANDS[command_name]),
                reason=f"items of source {item.source_kind.value!r} are concluded by their "
                "follow-up or the general manager's office's decision, never cancelled",
            )
        if not actor.has(*roles):
            names = ", ".join(f"{r.value} ({r.zh})" for r in sorted(roles)) or "none"
            held = ", ".join(sorted(r.value for r in actor.roles)) or "none"
            raise AccessDenied(
                f"{what} needs one of the roles: {names}; actor {actor.id!r} holds: {held}",
                required=sorted(r.value for r in roles),
            )
        if command_name in _OWNER_COMMANDS and rules.owner_only and actor.id != item.owner:
            raise AccessDenied(
                f"{what}: only the improvement owner named in the item ({item.owner!r}) "
                f"may; actor {actor.id!r} is not",
                required=[Role.IMPROVEMENT_OWNER.value],
            )
        return rules

    def _change(
        self,
        actor: Actor,
        item_id: str,
        command_name: str,
        at: datetime | None,
        apply: Callable[[UnitOfWork, ImprovementItem, datetime], str],
        reason: str = "",
    ) -> ImprovementItem:
        require_role(actor, *_all_roles(command_name), action=f"improvement item: {command_name}")
        key = _text(item_id, "item_id")
        given = None if at is None else require_aware(at, "at")
        with self.runtime.transaction() as uow:
            item = uow.get(IMPROVEMENT_SPEC, key)
            self._rules(actor, item, command_name)
            when = given if given is not None else max(self.runtime.clock.now(), item.updated_at)
            self.keeper.change(
                uow, actor, item, when, lambda i: apply(uow, i, when), reason=reason
            )
        return item

    def _due(self, at: datetime, period: timedelta | None, due_at: datetime | None) -> datetime:
        one_of(period, due_at, "period")
        if period is not None:
            calendar = self.keeper.clocks.calendar(self.keeper.terms.calendar)
            return calendar.add(at, positive(period, "period"))
        return require_aware(due_at, "due_at")

    # ------------------------------------------------------------------ raising

    @command
    def propose(
        self,
        actor: Actor,
        *,
        source_kind: ImprovementSource | str,
        source_ref: str,
        description: str,
        quality_indicators: object,
        owner: str,
        period: timedelta | None = None,
        due_at: datetime | None = None,
        business_unit: str | None = None,
        cause: str | None = None,
        service: str | None = None,
        customer: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ImprovementItem:
        """Propose an improvement item (e.g. from a service review or a trend analysis).

        It waits for approval (:meth:`approve`); its owner then starts it
        (:meth:`start`) and its period's clock runs. Complaint and satisfaction
        items are raised by their areas (``core.complaints.require_improvement``,
        a satisfaction evaluation), not here.

        :param source_kind: what raised it: ``service_review`` or ``trend_analysis``.
        :param source_ref: the raising record's id (e.g. the review's).
        :param description: what is to be improved (改进要求).
        :param quality_indicators: the targets (质量指标), at least one.
        :param owner: the improvement owner's actor id (改进负责人).
        :param period: the period as business time from now…
        :param due_at: …or the due instant (exactly one of the two).
        :param business_unit: the business unit it is issued to.
        :param cause: the analysis it rests on.
        :param service: the service it concerns.
        :param customer: the customer it concerns.
        :returns: the proposed item.
        :raises AccessDenied: unless the actor may propose items of that source.
        :raises ValidationError: for a source raised by its own area, or a
            missing or malformed field.
        """
        kind = ImprovementSource.parse(source_kind, "source_kind")
        rules = RULES[kind]
        require_role(actor, *sorted(rules.propose), action=f"improvement item: propose ({kind})")
        if rules.raised_by_area:
            where = {
                ImprovementSource.COMPLAINT: "core.complaints.require_improvement",
                ImprovementSource.SATISFACTION: "the satisfaction evaluation",
            }[kind]
            raise ValidationError(
                f"items of source {kind.value!r} are raised by their area ({where}); "
                "propose here: service_review, trend_analysis",
                field="source_kind",
            )
        when = self.runtime.clock.now() if at is None else require_aware(at, "at")
        due = self._due(when, period, due_at)
        with self.runtime.transaction() as uow:
            item = self.keeper.raise_item(
                uow,
                actor,
                when,
                source_kind=kind,
                source_ref=source_ref,
                description=description,
                quality_indicators=quality_indicators,
                owner=owner,
                due_at=due,
                issue=False,
                business_unit=business_unit,
                cause=cause,
                service=service,
                customer=customer,
            )
        return item

    @command
    def approve(
        self,
        actor: Actor,
        item_id: str,
        *,
        note: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ImprovementItem:
        """Approve a proposed item.

        :raises AccessDenied: unless the actor may approve items of its source.
        :raises InvalidTransition: unless it is proposed.
        """

        def apply(_uow: UnitOfWork, item: ImprovementItem, when: datetime) -> str:
            item.approve(actor, when, note=note)
            return "approve"

        return self._change(actor, item_id, "approve", at, apply)

    @command
    def start(
        self,
        actor: Actor,
        item_id: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ImprovementItem:
        """The owner starts an approved item; its period's clock starts.

        :raises AccessDenied: unless the actor is the item's owner.
        :raises InvalidTransition: unless it is approved, or once its due instant has passed.
        """

        def apply(_uow: UnitOfWork, item: ImprovementItem, when: datetime) -> str:
            item.start(actor, when)
            return "start"

        return self._change(actor, item_id, "start", at, apply)

    # ------------------------------------------------------------------ the owner's work

    @command
    def report_progress(
        self,
        actor: Actor,
        item_id: str,
        *,
        note: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ImprovementItem:
        """Record the owner's progress on the item.

        For complaint and general items only the owner named in the item may;
        for satisfaction items, the roles that follow them up may too.

        :raises AccessDenied: unless the actor may report on the item.
        :raises InvalidTransition: unless the item is in progress or extended.
        """

        def apply(_uow: UnitOfWork, item: ImprovementItem, when: datetime) -> str:
            item.report_progress(actor, when, note=note)
            return "report_progress"

        return self._change(actor, item_id, "report_progress", at, apply)

    @command
    def submit(
        self,
        actor: Actor,
        item_id: str,
        *,
        note: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ImprovementItem:
        """The owner reports the work done: the item awaits its follow-up (verifying).

        :raises AccessDenied: as :meth:`report_progress`.
        :raises InvalidTransition: unless the item is in progress or extended.
        """

        def apply(_uow: UnitOfWork, item: ImprovementItem, when: datetime) -> str:
            item.submit(actor, when, note=note)
            return "submit"

        return self._change(actor, item_id, "submit", at, apply)

    # ------------------------------------------------------------------ tracking

    @command
    def follow_up(
        self,
        actor: Actor,
        item_id: str,
        *,
        met: bool,
        note: str,
        new_period: timedelta | None = None,
        new_due_at: datetime | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ImprovementItem:
        """Follow the item up against its requirement and indicators (改进质量跟踪).

        - met → done (a complaint's item: the complaint is handled);
        - not met at the first follow-up → the period is extended: give
          ``new_period`` (business time from now) or ``new_due_at``; the
          clock carries the elapsed business time over;
        - not met again → escalated to the general manager's office.

        :raises AccessDenied: unless the actor follows up items of its source
            (a complaint's: the complaint specialist).
        :raises InvalidTransition: unless in progress, verifying or extended.
        :raises ValidationError: for a missing extension, or one where none is allowed.
        """
        said = _text(note, "note")

        def apply(uow: UnitOfWork, item: ImprovementItem, when: datetime) -> str:
            event = item.follow_up_event(met, new_period is not None or new_due_at is not None)
            LIFECYCLE.check(item, event)
            extension = self.keeper.extension(uow, item, when, new_period, new_due_at)
            extend_to = None if extension is None else extension.due_at
            item.follow_up(actor, when, met=met, note=said, extend_to=extend_to)
            if extension is not None:
                self.keeper.carry_over(uow, actor, item, when, extension, said)
            return event

        reason = f"follow-up ({'met' if met is True else 'not met'}): {said}"
        return self._change(actor, item_id, "follow_up", at, apply, reason)

    @command
    def decide(
        self,
        actor: Actor,
        item_id: str,
        *,
        decision: str,
        new_period: timedelta | None = None,
        new_due_at: datetime | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ImprovementItem:
        """Record the general manager's office's decision on an escalated item.

        Without a new period the item is concluded (``decided``; a complaint's
        complaint is handled). With ``new_period`` or ``new_due_at`` the office
        grants a new period: the item is extended again and its clock carries on.

        :raises AccessDenied: unless the actor is the general manager's office.
        :raises InvalidTransition: unless the item is escalated.
        :raises ValidationError: for both ``new_period`` and ``new_due_at``, or a
            period not longer than zero.
        """
        said = _text(decision, "decision")

        def apply(uow: UnitOfWork, item: ImprovementItem, when: datetime) -> str:
            event = "decide" if new_period is None and new_due_at is None else "grant_period"
            LIFECYCLE.check(item, event)
            extension = self.keeper.extension(uow, item, when, new_period, new_due_at)
            extend_to = None if extension is None else extension.due_at
            item.decide(actor, when, decision=said, extend_to=extend_to)
            if extension is not None:
                self.keeper.carry_over(uow, actor, item, when, extension, said)
            return event

        reason = f"decided by the general manager's office: {said}"
        return self._change(actor, item_id, "decide", at, apply, reason)

    @command
    def cancel(
        self,
        actor: Actor,
        item_id: str,
        *,
        reason: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> ImprovementItem:
        """Cancel an item with the reason; its clock stops.

        A complaint's item is concluded by its follow-up or the office's
        decision and cannot be cancelled.

        :raises AccessDenied: unless the actor may cancel items of its source.
        :raises InvalidTransition: once it is done, decided or cancelled.
        """
        why = _text(reason, "reason")

        def apply(_uow: UnitOfWork, item: ImprovementItem, when: datetime) -> str:
            item.cancel(actor, when, reason=why)
            return "cancel"

        return self._change(actor, item_id, "cancel", at, apply, f"cancelled: {why}")

    # ------------------------------------------------------------------ reading

    def _read(self, actor: Actor, action: str) -> None:
        require_role(actor, *sorted(READERS), action=action)

    @read
    def get(self, actor: Actor, item_id: str) -> ImprovementItem:
        """Return one item.

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is no such item.
        """
        self._read(actor, "improvement item: read")
        with self.runtime.storage.unit_of_work() as uow:
            return uow.get(IMPROVEMENT_SPEC, _text(item_id, "item_id"))

    @read
    def history(self, actor: Actor, item_id: str) -> list[DomainEvent]:
        """Return the item's events, oldest first.

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is no such item.
        """
        self._read(actor, "improvement item: read the history")
        key = _text(item_id, "item_id")
        with self.runtime.storage.unit_of_work() as uow:
            events = uow.history(IMPROVEMENT_SPEC.kind, key)
        if not events:
            raise NotFound(IMPROVEMENT_SPEC.kind, key)
        return visible_to(actor, events)

    @read
    def find(
        self,
        actor: Actor,
        *,
        source_kind: ImprovementSource | str | Iterable[ImprovementSource | str] | None = None,
        source_ref: str | None = None,
        owner: str | None = None,
        state: ImprovementState | str | Iterable[ImprovementState | str] | None = None,
        is_open: bool | None = None,
        due_before: datetime | None = None,
        service: str | None = None,
        customer: str | None = None,
        business_unit: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[ImprovementItem]:
        """Return the items matching every criterion given, oldest first.

        ``is_open=True, due_before=now`` are the overdue items; ``owner`` with
        ``is_open=True`` an owner's work in hand.

        :raises AccessDenied: for a customer or an actor without a role.
        :raises ValidationError: for an unknown code, a name that is not a
            non-empty string, an ``is_open`` that is not a bool, a naive datetime,
            or a ``limit`` / ``offset`` that is not a non-negative int.
        """
        self._read(actor, "improvement item: find")
        where: list[Where] = []
        for field, codes in (
            ("source_kind", ImprovementSource.codes(source_kind, "source_kind")),
            ("state", ImprovementState.codes(state, "state")),
        ):
            if codes is not None:
                where.append(Where(field, "in", codes))
        for field, value in (
            ("source_ref", source_ref),
            ("owner", owner),
            ("service", service),
            ("customer", customer),
            ("business_unit", business_unit),
        ):
            name = _name(value, field)
            if name is not None:
                where.append(Where(field, "eq", name))
        if is_open is not None:
            if not isinstance(is_open, bool):
                raise ValidationError(
                    f"is_open must be True, False or None, got {is_open!r}", field="is_open"
                )
            where.append(Where("open", "eq", is_open))
        if due_before is not None:
            where.append(Where("due_at", "lt", require_aware(due_before, "due_before")))
        for label, count, optional in (("limit", limit, True), ("offset", offset, False)):
            if (count is None and optional) or (
                isinstance(count, int) and not isinstance(count, bool) and count >= 0
            ):
                continue
            raise ValidationError(f"{label} must be a non-negative int, got {count!r}", field=label)
        query = Query(tuple(where), order_by=("issued_at",), limit=limit, offset=offset)
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(IMPROVEMENT_SPEC, query)

    @report
    def allowed_commands(self, actor: Actor, item_id: str) -> tuple[str, ...]:
        """Return the commands ``actor`` may give on the item now (for a UI).

        A command is listed when one of its events is allowed in the item's
        state, the actor holds a role for it on items of this source, and —
        for the owner's commands — the actor is the named owner where the
        source says so.

        :raises AccessDenied: for a customer or an actor without a role.
        :raises NotFound: if there is no such item.
        """
        item = self.get(actor, item_id)
        allowed = LIFECYCLE.allowed(item.state)
        names: list[str] = []
        for name, events in COMMANDS.items():
            if not allowed.intersection(events):
                continue
            try:
                self._rules(actor, item, name)
            except (AccessDenied, InvalidTransition):
                continue
            names.append(name)
        return tuple(names)
