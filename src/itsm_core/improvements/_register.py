"""The register inside a unit of work: raising and changing items, their clocks, their sources.

:class:`ImprovementRegister` is what the services share. An area that raises
an item (a complaint requiring an improvement, a satisfaction evaluation
below target) calls :meth:`ImprovementRegister.issue` in its own unit of
work, so the raising record and the item commit together or not at all. The
improvement service changes items through :meth:`ImprovementRegister.change`,
which runs the item's SLA clock and lets the raising area follow the change
(a complaint moves on when its item is done or decided) — in the same unit
of work.

The item's period runs on an :class:`~itsm_core.sla.SlaClock` (subject kind
``improvement_item``, target kind ``improvement``) from the moment it is
issued or started: its warnings and breach reach the usual SLA hooks. An
extension (or a new period granted by the general manager's office) changes
the clock's target with the elapsed business time carried over; met,
decided or cancelled stops it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from itsm_core.calendars.working import WorkingCalendar
from itsm_core.improvements.enums import ImprovementSource, ImprovementState
from itsm_core.improvements.model import ImprovementItem
from itsm_core.improvements.storage import IMPROVEMENT_SPEC
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.clock import require_aware, require_duration
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.ids import new_id
from itsm_core.sla.agreements import DEFAULT_CALENDAR, Target, TargetKind
from itsm_core.sla.keeper import ClockKeeper
from itsm_core.sla.promises import Promise, PromiseClocks, PromiseTerms
from itsm_core.storage.base import UnitOfWork

__all__ = ["SUBJECT_KIND", "ImprovementRegister", "ItemChange", "SourceListener"]

SUBJECT_KIND = "improvement_item"
"""The subject kind of an item's SLA clock."""

_ZERO = timedelta(0)
_STOPS = frozenset({"meet", "decide", "cancel"})
_CARRIES = frozenset({"extend", "grant_period"})


@attrs.frozen
class ItemChange:
    """One change of an item, as its raising area sees it.

    :param item: the item after the change.
    :param event: the lifecycle event fired (``meet``, ``extend``, ``decide``...).
    :param before: the state before.
    :param actor: who acted.
    :param at: when.
    """

    item: ImprovementItem
    event: str
    before: ImprovementState
    actor: Actor
    at: datetime


class SourceListener(Protocol):
    """What an area registers to follow the changes of the items it raised."""

    def __call__(self, uow: UnitOfWork, change: ItemChange) -> None:
        """Follow ``change`` in ``uow`` (raise to refuse it: nothing commits)."""


def positive(value: timedelta, what: str) -> timedelta:
    """Return ``value`` if it is a duration longer than zero.

    :raises ValidationError: otherwise.
    """
    span = require_duration(value, what)
    if span <= _ZERO:
        raise ValidationError(f"{what} must be longer than zero", field=what)
    return span


def one_of(period: timedelta | None, due_at: datetime | None, what: str) -> None:
    """Refuse both or neither of a period and a due instant.

    :raises ValidationError: naming ``what``.
    """
    if (period is None) == (due_at is None):
        raise ValidationError(
            f"give the {what} either as a business duration (a timedelta) or as an "
            "explicit due instant, not both and not neither",
            field=what,
        )


class ImprovementRegister:
    """Raises and changes items inside a caller's unit of work.

    :param sla: the SLA clock keeper: items' periods are computed on its
        calendars and run on its clocks. None: computed on ``calendar``, no clock.
    :param calendar: the calendar without the SLA service (default 24×7 in UTC).
    :param terms: where a clock's target comes from when the raising area
        gives none (default: service ``"improvement"`` on the calendar ``"default"``).
    """

    def __init__(
        self,
        sla: ClockKeeper | None,
        calendar: WorkingCalendar | None = None,
        terms: PromiseTerms | None = None,
    ) -> None:
        self.sla = sla
        self.clocks = PromiseClocks(sla, calendar)
        self.terms = terms or PromiseTerms("improvement", DEFAULT_CALENDAR)
        self._listeners: dict[ImprovementSource, SourceListener] = {}

    def listen(self, source_kind: ImprovementSource, listener: SourceListener) -> None:
        """Let the area of ``source_kind`` follow each change of its items."""
        self._listeners[source_kind] = listener

    # ------------------------------------------------------------------ raising

    def raise_item(
        self,
        uow: UnitOfWork,
        actor: Actor,
        at: datetime,
        *,
        source_kind: ImprovementSource | str,
        source_ref: str,
        description: str,
        quality_indicators: object,
        owner: str,
        due_at: datetime,
        issue: bool = True,
        promise: Promise | None = None,
        business_unit: str | None = None,
        cause: str | None = None,
        service: str | None = None,
        customer: str | None = None,
        item_id: str | None = None,
    ) -> ImprovementItem:
        """Raise an item in ``uow`` (issued at once, or proposed); an issued item's clock starts.

        :param promise: the period's clock target as the raising area computed
            it (its agreement, its priority); default: the business time up to
            ``due_at`` on the default calendar.
        :raises ValidationError: for a missing or malformed field.
        """
        item = ImprovementItem.raise_item(
            actor,
            at,
            item_id=item_id or new_id("imp-"),
            source_kind=source_kind,
            source_ref=source_ref,
            description=description,
            quality_indicators=quality_indicators,
            owner=owner,
            due_at=due_at,
            issue=issue,
            business_unit=business_unit,
            cause=cause,
            service=service,
            customer=customer,
        )
        if issue:
            self._start_clock(uow, actor, item, at, promise)
        uow.save(IMPROVEMENT_SPEC, item)
        return item

    # ------------------------------------------------------------------ changing

    def change(
        self,
        uow: UnitOfWork,
        actor: Actor,
        item: ImprovementItem,
        at: datetime,
        apply: Callable[[ImprovementItem], str],
        *,
        reason: str = "",
    ) -> ImprovementItem:
        """Change ``item`` (``apply`` returns the event it fired), run its clock, tell its source.

        :raises ValidationError: as the clock or the source refuses.
        """
        before = item.state
        event = apply(item)
        if event == "start":
            self._start_clock(uow, actor, item, at, None)
        elif event in _STOPS:
            self.clocks.stop(
                uow, actor, subject_kind=SUBJECT_KIND, subject_id=item.id,
                kind=TargetKind.IMPROVEMENT, at=at, reason=reason or event,
            )  # fmt: skip
        listener = self._listeners.get(item.source_kind)
        if listener is not None and item.state is not before:
            listener(uow, ItemChange(item, event, before, actor, at))
        uow.save(IMPROVEMENT_SPEC, item)
        return item

    def extension(
        self,
        uow: UnitOfWork,
        item: ImprovementItem,
        at: datetime,
        period: timedelta | None,
        due_at: datetime | None,
    ) -> Promise | None:
        """The extended (or newly granted) period from ``at``; None if neither is given.

        Computed on the calendar of the item's running clock.

        :raises ValidationError: for both, a period not longer than zero, or a
            due instant with no business time before it.
        """
        if period is None and due_at is None:
            return None
        one_of(period, due_at, "new_period")
        clock = self.clocks.open_clock(uow, SUBJECT_KIND, item.id, TargetKind.IMPROVEMENT)
        name = self.terms.calendar if clock is None else clock.calendar
        calendar = self.clocks.calendar(name)
        if period is not None:
            span = positive(period, "new_period")
            due = calendar.add(at, span)
        else:
            due = require_aware(due_at, "new_due_at")
            if self.sla is None or due <= at:
                return Promise(due)  # not after ``at``: the item refuses it
            span = self.clocks.span(name, at, due)
        if clock is None:
            return self.clocks.promise(due, None)
        target = Target(
            clock.service,
            clock.priority,
            TargetKind.IMPROVEMENT,
            span,
            calendar=clock.calendar,
            thresholds=clock.thresholds,
        )
        return self.clocks.promise(due, target, clock.agreement_id)

    def carry_over(
        self, uow: UnitOfWork, actor: Actor, item: ImprovementItem, at: datetime,
        promise: Promise, reason: str,
    ) -> None:  # fmt: skip
        """Extend the item's clock by ``promise``, the elapsed business time carried over."""
        sla, target = self.sla, promise.target
        if sla is None or target is None or target.duration is None:
            return
        clock = self.clocks.open_clock(uow, SUBJECT_KIND, item.id, TargetKind.IMPROVEMENT)
        if clock is None:
            return
        elapsed = clock.elapsed(at, sla.calendar)
        carried = attrs.evolve(target, duration=elapsed + target.duration)
        sla.change_target_in(uow, actor, clock.id, carried, reason=reason, at=at)

    # ------------------------------------------------------------------ clocks

    def _start_clock(
        self,
        uow: UnitOfWork,
        actor: Actor,
        item: ImprovementItem,
        at: datetime,
        promise: Promise | None,
    ) -> None:
        if self.sla is None:
            return
        if promise is None:
            span = self.clocks.calendar(self.terms.calendar).between(at, item.due_at)
            if span <= _ZERO:
                return  # no business time before the due instant: nothing to measure
            target = self.terms.target("general", TargetKind.IMPROVEMENT, duration=span)
            promise = Promise(item.due_at, target)
        self.clocks.start(
            uow,
            actor,
            promise,
            subject_kind=SUBJECT_KIND,
            subject_id=item.id,
            at=at,
            handler=item.owner,
            customer=item.customer,
        )
