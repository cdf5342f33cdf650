"""The tick: fire every warning, breach and service-period notice that has come due.

:class:`Ticker` does the work of :meth:`SlaService.tick
<itsm_core.sla.SlaService.tick>`: due clocks are found by their indexed
``next_due_at`` (``<= now``, oldest first, a batch per transaction, claimed
with ``Query(lock=True)`` so that concurrent ticks share the work), agreements
by their ``next_notice_at``; each batch is written with :func:`save_all`
(one executemany per statement on the SQL store); the cost follows what is
due, never how many clocks are open. What it did is a :class:`TickReport`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

import attrs

from itsm_core.kernel.actors import SYSTEM
from itsm_core.kernel.errors import ConflictError, ItsmError, ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.runtime import Runtime
from itsm_core.sla.clock import SlaClock
from itsm_core.sla.keeper import ClockKeeper
from itsm_core.sla.storage import AGREEMENT_SPEC, CLOCK_SPEC
from itsm_core.storage.base import AggregateSpec, Query, UnitOfWork, Where

__all__ = ["TickFailure", "TickReport", "Ticker", "batch_size", "save_all"]

E = TypeVar("E")


def save_all(uow: UnitOfWork, spec: AggregateSpec[E], entities: Sequence[E]) -> None:
    """Save ``entities`` of one kind: in one batch where the store offers ``save_many``.

    The SQL store writes the batch in a few executemany statements (see
    :meth:`SqlUnitOfWork.save_many
    <itsm_core.storage.sqlalchemy.unit_of_work.SqlUnitOfWork.save_many>`);
    any other store saves them one after the other.
    """
    save_many = getattr(uow, "save_many", None)
    if callable(save_many):
        save_many(spec, entities)
        return
    for entity in entities:
        uow.save(spec, entity)


@attrs.frozen
class TickFailure:
    """A clock whose due instant could not be computed during a tick.

    The levels that came due before the problem fire; then the clock records
    ``sla_clock.calendar_problem`` and leaves the tick queue until
    :meth:`SlaService.recalculate <itsm_core.sla.SlaService.recalculate>` (or a
    later command that computes its due instants, such as a resume or a change
    of target) puts it back.
    """

    clock_id: str
    error: str


@attrs.frozen
class TickReport:
    """What one :meth:`SlaService.tick <itsm_core.sla.SlaService.tick>` did.

    :param at: the instant the tick ran for.
    :param warnings: warnings fired.
    :param breaches: breaches fired.
    :param period_notices: service-period notices fired.
    :param clocks: due clocks processed.
    :param agreements: agreements with due notices processed.
    :param failures: clocks taken out of the queue for a calendar problem.
    :param conflicts: batches left to the next tick because another process
        changed one of their clocks meanwhile.
    :param events: the events recorded, in order (redacted for the actor who
        ran the tick, as every read of the SLA service).
    """

    at: datetime
    warnings: int = 0
    breaches: int = 0
    period_notices: int = 0
    clocks: int = 0
    agreements: int = 0
    failures: tuple[TickFailure, ...] = ()
    conflicts: int = 0
    events: tuple[DomainEvent, ...] = ()

    @property
    def fired(self) -> int:
        """Warnings, breaches and period notices together."""
        return self.warnings + self.breaches + self.period_notices


def batch_size(value: object) -> int:
    """Return ``value`` as a batch size (due clocks per transaction).

    :raises ValidationError: unless a positive int.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            f"batch_size must be a positive int (due clocks per transaction), got {value!r}",
            field="batch_size",
        )
    return value


class Ticker:
    """Runs ticks over the store of ``runtime``.

    The levels and notices fire as the :data:`~itsm_core.kernel.actors.SYSTEM`
    actor: they are the library's doing, whoever runs the tick.

    :param runtime: the facade's runtime.
    :param clocks: the clock keeper (for the calendars).
    """

    def __init__(self, runtime: Runtime, clocks: ClockKeeper) -> None:
        self.runtime = runtime
        self.clocks = clocks

    def run(self, when: datetime, size: int) -> TickReport:
        """Fire what is due at ``when``, ``size`` clocks (or agreements) per transaction."""
        events: list[DomainEvent] = []
        failures: list[TickFailure] = []
        conflicts = 0
        clocks = agreements = 0
        seen: set[str] = set()
        while True:
            query = Query(
                (Where("next_due_at", "le", when),), ("next_due_at",), limit=size, lock=True
            )
            try:
                with self.runtime.transaction() as uow:
                    batch = uow.find(CLOCK_SPEC, query)
                    fresh = [c for c in batch if c.id not in seen]
                    for clock in fresh:
                        seen.add(clock.id)
                        self._tick_clock(clock, when, failures)
                    save_all(uow, CLOCK_SPEC, fresh)
                    staged = [e for c in fresh for e in c.pending_events]
            except ConflictError:
                conflicts += 1
                break
            events.extend(staged)
            clocks += len(fresh)
            if len(batch) < size or not fresh:
                break
        seen.clear()
        while True:
            query = Query(
                (Where("next_notice_at", "le", when),), ("next_notice_at",), limit=size, lock=True
            )
            try:
                with self.runtime.transaction() as uow:
                    batch_a = uow.find(AGREEMENT_SPEC, query)
                    fresh_a = [a for a in batch_a if a.id not in seen]
                    for agreement in fresh_a:
                        seen.add(agreement.id)
                        agreement.fire_notices(when, actor=SYSTEM)
                    save_all(uow, AGREEMENT_SPEC, fresh_a)
                    staged = [e for a in fresh_a for e in a.pending_events]
            except ConflictError:
                conflicts += 1
                break
            events.extend(staged)
            agreements += len(fresh_a)
            if len(batch_a) < size or not fresh_a:
                break
        names = [e.name for e in events]
        return TickReport(
            at=when,
            warnings=names.count("sla_clock.warning"),
            breaches=names.count("sla_clock.breached"),
            period_notices=names.count("sla_agreement.period_notice"),
            clocks=clocks,
            agreements=agreements,
            failures=tuple(failures),
            conflicts=conflicts,
            events=tuple(events),
        )

    def _tick_clock(self, clock: SlaClock, when: datetime, failures: list[TickFailure]) -> None:
        lookup = self.clocks.calendar
        try:
            clock.fire_due(when, calendars=lookup, actor=SYSTEM)
        except ItsmError as exc:
            problem = f"{type(exc).__name__}: {exc}"
            clock.suspend_ticks(problem, actor=SYSTEM, at=when, calendars=lookup)
            failures.append(TickFailure(clock.id, problem))
