"""The storage interface every backend implements.

The domain never talks to a database directly. It describes each kind of
aggregate with an :class:`AggregateSpec` (how an entity becomes a JSON-able
record and back, and which fields are indexed for queries) and works inside
a :class:`UnitOfWork`: load, change, save, commit. A commit stores the
entities, their new events and one outbox row per event in one transaction,
or nothing at all. A save whose entity was changed by someone else since it
was loaded raises :class:`~itsm_core.kernel.errors.ConflictError`.

Queries and aggregates are expressed over the indexed fields only, so a SQL
backend can answer them with indexed columns and ``GROUP BY`` in the database.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self, TypeVar, get_args

import attrs

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.text import text_problem
from itsm_core.storage.checks import IndexType, check_id, check_value
from itsm_core.storage.outbox_entries import (
    FailedDelivery,
    OutboxEntry,
    OutboxOutcome,
    lease_end,
)
from itsm_core.storage.records import Upcaster
from itsm_core.storage.specs import AggregateSpec, IndexField

if TYPE_CHECKING:  # the protocols' types: the backends load them
    from itsm_core.kernel.events import DomainEvent
    from itsm_core.kernel.idempotency import CommandStamp, StoredCommand

__all__ = [
    "AggregateSpec",
    "BackendFactory",
    "FailedDelivery",
    "IndexField",
    "IndexType",
    "Measure",
    "Op",
    "OutboxEntry",
    "OutboxOutcome",
    "Query",
    "StorageBackend",
    "UnitOfWork",
    "Upcaster",
    "Where",
    "check_id",
    "check_value",
    "lease_end",
    "settle_one_by_one",
    "validate_aggregate",
]

T = TypeVar("T")
E = TypeVar("E")

Op = Literal["eq", "ne", "in", "lt", "le", "gt", "ge", "is_null", "not_null"]
_OPS: frozenset[str] = frozenset(get_args(Op))
MeasureFn = Literal["count", "sum", "min", "max"]
_MEASURE_FNS: frozenset[str] = frozenset(get_args(MeasureFn))
_SUMMABLE: frozenset[str] = frozenset({"int", "float", "bool"})


@attrs.frozen
class Where:
    """One condition: ``field op value`` (``value`` is a tuple for ``in``)."""

    field: str
    op: Op
    value: Any = None


@attrs.frozen
class Query:
    """A query over the indexed fields of one aggregate kind.

    :param where: conditions, all of which must hold.
    :param order_by: field names, ``"-name"`` for descending; ``id`` breaks ties.
    :param limit: at most this many results.
    :param offset: skip this many first.
    :param lock: claim the matching rows for this unit of work, skipping rows
        another unit of work has claimed (``SELECT … FOR UPDATE SKIP LOCKED``
        on PostgreSQL; a no-op where one process owns the store).
    """

    where: tuple[Where, ...] = ()
    order_by: tuple[str, ...] = ()
    limit: int | None = None
    offset: int = 0
    lock: bool = False

    @classmethod
    def eq(cls, **fields: Any) -> Query:
        """Return a query matching every ``field=value`` given (None values are ignored)."""
        return cls(tuple(Where(k, "eq", v) for k, v in fields.items() if v is not None))

    def filter(self, field: str, op: Op, value: Any = None) -> Query:
        """Return this query with one more condition."""
        return attrs.evolve(self, where=(*self.where, Where(field, op, value)))

    def validate(self, spec: AggregateSpec[Any]) -> None:
        """Raise :class:`ValidationError` unless every backend can answer the query.

        Refused: a condition that is not a :class:`Where`, an unknown field or
        operator, ``in`` without a collection, a value that does not fit its
        field's type (see :func:`check_value`), an ``order_by`` that is not a
        sequence of field names, and a ``limit`` or ``offset`` that is not a
        non-negative integer.
        """
        if not _plainly_valid(self, spec):
            self._validate(spec)

    def _validate(self, spec: AggregateSpec[Any]) -> None:
        """:meth:`validate`, every check spelled out (raises, naming the problem)."""
        if not isinstance(self.where, tuple | list):
            raise ValidationError(
                f"where must be a tuple of Where conditions, got {type(self.where).__name__}",
                field="where",
            )
        for w in self.where:
            if not isinstance(w, Where):
                raise ValidationError(
                    f"a condition must be a Where(field, op, value), got {w!r}", field="where"
                )
            index_type: IndexType = "str" if w.field == "id" else spec.field(w.field).type
            if w.op not in _OPS:
                raise ValidationError(
                    f"unknown operator {w.op!r}; allowed: {', '.join(sorted(_OPS))}", field="op"
                )
            label = f"{spec.kind}.{w.field}"
            if w.op == "in":
                if not isinstance(w.value, tuple | list | frozenset | set):
                    raise ValidationError("operator 'in' needs a tuple of values", field=w.field)
                for value in w.value:
                    check_value(index_type, value, label)
            elif w.op not in ("is_null", "not_null"):
                check_value(index_type, w.value, label)
        if isinstance(self.order_by, str) or not isinstance(self.order_by, tuple | list):
            raise ValidationError(
                f"order_by must be a tuple of field names such as ('name', '-id'), "
                f"got {self.order_by!r}",
                field="order_by",
            )
        for name in self.order_by:
            if not isinstance(name, str):
                raise ValidationError(f"order_by holds field names, got {name!r}", field="order_by")
            if name.lstrip("-") != "id":
                spec.field(name.lstrip("-"))
        if self.limit is not None and (
            not isinstance(self.limit, int) or isinstance(self.limit, bool) or self.limit < 0
        ):
            raise ValidationError(
                f"limit must be None or a non-negative integer, got {self.limit!r}", field="limit"
            )
        if not isinstance(self.offset, int) or isinstance(self.offset, bool) or self.offset < 0:
            raise ValidationError(
                f"offset must be a non-negative integer, got {self.offset!r}", field="offset"
            )


_TYPES: dict[int, tuple[AggregateSpec[Any], Mapping[str, IndexType]]] = {}
"""Each spec's ``{indexed field: type}`` (``id`` a string), by the spec's id."""


def _field_types(spec: AggregateSpec[Any]) -> Mapping[str, IndexType]:
    found = _TYPES.get(id(spec))
    if found is None or found[0] is not spec:
        types: dict[str, IndexType] = {f.name: f.type for f in spec.index}
        types.setdefault("id", "str")
        found = _TYPES[id(spec)] = (spec, types)
    return found[1]


_PLAIN_OPS = frozenset({"eq", "ne", "lt", "le", "gt", "ge"})


def _plainly_valid(query: Query, spec: AggregateSpec[Any]) -> bool:
    """Whether ``query`` passes every check of :meth:`Query.validate` in its common form:
    plain comparisons with values of exactly their field's type (False: not shown so,
    the full checks decide and name the problem)."""
    types = _field_types(spec)
    limit, offset = query.limit, query.offset
    if query.where.__class__ is not tuple or query.order_by.__class__ is not tuple:
        return False
    if not (limit is None or (limit.__class__ is int and limit >= 0)):
        return False
    if offset.__class__ is not int or offset < 0:
        return False
    for w in query.where:
        if w.__class__ is not Where or w.op not in _PLAIN_OPS:
            return False
        kind = types.get(w.field)
        value = w.value
        cls = value.__class__
        if kind is None:
            return False
        if value is None:
            continue
        if kind == "str":
            if cls is not str or text_problem(value) is not None:
                return False
        elif kind == "datetime":
            if cls is not datetime or value.utcoffset() is None or not 1 < value.year < 9999:
                return False
        elif kind == "bool":
            if cls is not bool:
                return False
        elif cls is not int or not -(2**63) <= value < 2**63:  # int, float
            return False
    for name in query.order_by:
        if name.__class__ is not str or name.lstrip("-") not in types:
            return False
    return True


@attrs.frozen
class Measure:
    """One aggregate measure: ``count`` of rows, or ``sum``/``min``/``max`` of a field."""

    name: str
    fn: MeasureFn
    field: str | None = None


def validate_aggregate(
    spec: AggregateSpec[Any],
    query: Query,
    group_by: Sequence[str],
    measures: Sequence[Measure],
) -> None:
    """Raise :class:`ValidationError` unless every backend can compute the aggregate.

    Checks the query (:meth:`Query.validate`); that ``group_by`` names indexed
    fields; that each measure is a :class:`Measure` with a known function
    (``count``, ``sum``, ``min``, ``max``), names an indexed field unless it
    counts, sums only ``int``, ``float`` or ``bool`` fields; and that no two
    result columns (group fields and measure names) share a name.
    """
    query.validate(spec)
    if isinstance(group_by, str) or not isinstance(group_by, Sequence):
        raise ValidationError(
            f"group_by must be a sequence of field names, got {group_by!r}", field="group_by"
        )
    names: list[str] = []
    for name in group_by:
        if not isinstance(name, str):
            raise ValidationError(f"group_by holds field names, got {name!r}", field="group_by")
        spec.field(name)
        names.append(name)
    for m in measures:
        if not isinstance(m, Measure):
            raise ValidationError(
                f"a measure must be a Measure(name, fn, field), got {m!r}", field="measures"
            )
        if m.fn not in _MEASURE_FNS:
            raise ValidationError(
                f"measure {m.name!r}: unknown function {m.fn!r}; "
                f"allowed: {', '.join(sorted(_MEASURE_FNS))}",
                field="measures",
            )
        if m.fn != "count":
            if not isinstance(m.field, str) or not m.field:
                raise ValidationError(f"measure {m.name!r}: {m.fn} needs a field", field="measures")
            f = spec.field(m.field)
            if m.fn == "sum" and f.type not in _SUMMABLE:
                raise ValidationError(
                    f"sum needs a number or bool field; {spec.kind}.{f.name} is {f.type}",
                    field=f.name,
                )
        names.append(m.name)
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise ValidationError(
            f"the result columns {', '.join(map(repr, clashes))} appear more than once "
            "(group fields and measure names must all differ)",
            field="measures",
        )


class UnitOfWork(Protocol):
    """One transaction: read, stage changes, then commit them all or none."""

    def get(self, spec: AggregateSpec[E], entity_id: str) -> E:
        """Load one entity; :class:`~itsm_core.kernel.errors.NotFound` if there is none."""
        ...

    def find(self, spec: AggregateSpec[E], query: Query = ...) -> list[E]:
        """Load the entities matching ``query``."""
        ...

    def count(self, spec: AggregateSpec[Any], query: Query = ...) -> int:
        """Count the entities matching ``query``."""
        ...

    def aggregate(
        self,
        spec: AggregateSpec[Any],
        query: Query,
        group_by: Sequence[str],
        measures: Sequence[Measure],
    ) -> list[dict[str, Any]]:
        """Group the matching entities and compute ``measures`` per group.

        Each result row holds the ``group_by`` fields and one value per measure
        (``sum`` of no rows is 0, ``min``/``max`` of no values None).
        """
        ...

    def save(self, spec: AggregateSpec[E], entity: E) -> None:
        """Stage ``entity`` (new or changed) and its pending events for the commit."""
        ...

    def history(self, kind: str, aggregate_id: str) -> list[DomainEvent]:
        """Return the stored events of one aggregate, oldest first."""
        ...

    def stamp(self, command: CommandStamp) -> None:
        """Store the events this unit of work commits with ``command``'s idempotency key.

        The events are numbered on from ``command.seq`` in the order they
        commit. The store keeps each (key, number) once: a commit holding one
        already stored raises :class:`~itsm_core.kernel.errors.ConflictError`
        (another run of the same command got there first) and stores nothing.
        """
        ...

    def command_events(self, key: str) -> StoredCommand | None:
        """Return the command stored with the idempotency key ``key``, or None."""
        ...

    def commit(self) -> list[DomainEvent]:
        """Store everything staged atomically; return the events committed."""
        ...

    def rollback(self) -> None:
        """Drop everything staged."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class StorageBackend(Protocol):
    """A store of aggregates, their events and the outbox."""

    url: str

    def unit_of_work(self) -> UnitOfWork:
        """Open a unit of work (use it as a context manager)."""
        ...

    def outbox_pending(self, now: datetime, limit: int = 100) -> list[OutboxEntry]:
        """Look at the entries not yet done, without claiming them (at most ``limit``).

        Oldest first (in commit order), except that entries where a notifier
        waits for a retry later than ``now`` come after all the others.
        Claimed entries are included, with their ``claimed_until``. This is a
        view for tests and monitoring; the relay takes its work with
        :meth:`outbox_claim`.
        """
        ...

    def outbox_claim(
        self,
        now: datetime,
        limit: int,
        lease: timedelta,
        event_ids: Collection[str] | None = None,
    ) -> list[OutboxEntry]:
        """Claim up to ``limit`` entries for one relay, until ``now + lease``, and return them.

        With ``event_ids``, only entries of those events are candidates (the
        relay after a command claims the events it committed); the rules below
        hold for them alike, and ids of events not pending are ignored.

        An entry is claimable when it is not done, nobody claims it (it has
        no claim, or its ``claimed_until`` is not later than ``now``: an
        expired lease counts as none), and something is due: it has no
        failed delivery waiting for a retry, or at least one whose retry
        time is not later than ``now``. An entry whose every failed delivery
        waits for a retry later than ``now`` is not claimed before the
        earliest of those times.

        Order: oldest first (in commit order), except that entries where a
        notifier waits for a retry later than ``now`` come after all the
        others, so that a failing notifier never holds back new events.

        Claiming is atomic: two calls at once, from threads or processes,
        never return the same entry while its lease lasts. Each returned
        entry carries ``claimed_until = now + lease``. The claim ends with
        :meth:`outbox_done`, :meth:`outbox_release` or when the lease
        expires (a relay that died mid-delivery loses nothing: its entries
        become claimable again). :meth:`outbox_delivered` and
        :meth:`outbox_failed` record progress and keep the claim.

        :raises ValidationError: if ``lease`` is not positive.
        """
        ...

    def outbox_delivered(self, event_id: str, notifier: str, at: datetime) -> None:
        """Record that ``notifier`` received the event (the claim, if any, stays).

        Ignored once the entry is done or purged.
        """
        ...

    def outbox_failed(self, event_id: str, notifier: str, error: str, retry_at: datetime) -> None:
        """Record a failed delivery (one more attempt) and when to try again.

        The claim, if any, stays. Ignored once the entry is done or purged.
        """
        ...

    def outbox_release(self, event_id: str, claimed_until: datetime) -> None:
        """End the claim that lasts until ``claimed_until``; the entry stays pending.

        A relay calls it when it is through with an entry it claimed that is
        not done (a notifier failed or waits for a retry): the entry can be
        claimed again as soon as something of it is due. Ignored when the
        entry is done, purged, not claimed, or claimed anew (with another
        ``claimed_until``, after this lease expired): a late relay never
        ends someone else's claim.
        """
        ...

    def outbox_done(self, event_id: str, at: datetime) -> None:
        """Record that every notifier has the event: it leaves the pending list.

        Ends any claim on the entry. The done entry is kept (with its
        delivery records) until :meth:`outbox_purge` removes it; marks on it
        are ignored from now on.
        """
        ...

    def outbox_settle(self, outcomes: Sequence[OutboxOutcome], at: datetime) -> None:
        """Record what a relay pass did with the entries it claimed, in one transaction.

        For each outcome, in this order: every delivery (as
        :meth:`outbox_delivered` at ``at``), every failure (as
        :meth:`outbox_failed`), then :meth:`outbox_done` at ``at`` if the
        outcome is done, else :meth:`outbox_release` of its ``claimed_until``
        (when given). Outcomes of entries done or purged are ignored. All of it
        commits together: a relay pass costs one claim and one settle,
        however many entries and notifiers it handled.

        A backend without this method still works: the relay then makes those
        calls one by one (:func:`settle_one_by_one`).
        """
        ...

    def outbox_purge(self, done_before: datetime) -> int:
        """Remove the entries done before ``done_before`` with their delivery records.

        Entries not done are never removed, and the events stay: they are the
        aggregates' history. Returns how many entries were removed.
        """
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


BackendFactory = Callable[[str, Sequence[AggregateSpec[Any]]], StorageBackend]
"""Builds a backend from a URL and the aggregate kinds it must store."""


def settle_one_by_one(
    backend: StorageBackend, outcomes: Sequence[OutboxOutcome], at: datetime
) -> None:
    """Record ``outcomes`` with the single-entry outbox calls, one call per mark.

    What :meth:`StorageBackend.outbox_settle` does in one transaction, for a
    backend written before that method existed (each call its own transaction).
    """
    for outcome in outcomes:
        for notifier in outcome.delivered:
            backend.outbox_delivered(outcome.event_id, notifier, at)
        for failure in outcome.failed:
            backend.outbox_failed(
                outcome.event_id, failure.notifier, failure.error, failure.retry_at
            )
        if outcome.done:
            backend.outbox_done(outcome.event_id, at)
        elif outcome.claimed_until is not None:
            backend.outbox_release(outcome.event_id, outcome.claimed_until)


def iter_specs(specs: Sequence[AggregateSpec[Any]]) -> Iterator[tuple[str, AggregateSpec[Any]]]:
    """Yield ``(kind, spec)`` pairs; used by backends to index their specs."""
    for spec in specs:
        yield spec.kind, spec
