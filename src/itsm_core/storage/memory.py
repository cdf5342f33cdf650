"""The in-memory backend (``memory://``): for tests, demos and single-process tools.

An entity whose record holds only immutable values is kept as a *snapshot*
(:mod:`itsm_core.storage.memory_snapshot`): the tuple of its record's
values as loading the record would give them, shared by nothing that can
change. Any other entity is kept as its record (the spec's JSON-able dict),
pickled. Either way a loaded entity never shares state with the store (each
load builds a new one), a saved one can be changed by its caller without
changing what was staged, and the same rules check what is stored. A unit of
work that is not committed leaves no trace. Events are stored as they are:
they are immutable. One lock makes each commit atomic, and each outbox
claim: relays in several threads never claim the same entry. The outbox is
indexed for claims (:mod:`itsm_core.storage.memory_outbox`).
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

import attrs

from itsm_core.kernel.clock import ALWAYS_AWARE
from itsm_core.kernel.errors import ConflictError, NotFound, StorageError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.idempotency import CommandStamp, StoredCommand
from itsm_core.kernel.own_ids import own_id
from itsm_core.kernel.text import text_problem
from itsm_core.storage.base import (
    AggregateSpec,
    Measure,
    OutboxEntry,
    OutboxOutcome,
    Query,
    check_id,
    check_value,
    lease_end,
    validate_aggregate,
)
from itsm_core.storage.evaluate import aggregate_rows, compile_query, select
from itsm_core.storage.memory_index import IndexValues, SortedIndex, choose_range
from itsm_core.storage.memory_outbox import MemoryOutbox
from itsm_core.storage.memory_snapshot import Plan, Snapshots, kept_zones, take_snapshot

__all__ = ["MemoryBackend", "MemoryUnitOfWork"]

E = TypeVar("E")


@attrs.define(slots=True)
class _Row:
    keys: tuple[str, ...]  # the record's keys, one tuple shared by the rows of one shape
    record: Any  # the record's values, pickled (bytes); or the entity's snapshot
    values: IndexValues
    version: int
    plan: Plan | None = None  # how to rebuild the entity from its snapshot

    def load(self, spec: AggregateSpec[E], plan: Plan | None) -> E:
        """Rebuild the entity from its snapshot, or from a fresh copy of the record.

        :param plan: ``spec``'s snapshot plan; another spec (a record mapping
            of its own, another record version) reads the snapshot's record.
        """
        if self.plan is not None:
            entity: E = self.plan.load(self.record)
            if plan is self.plan:
                return entity
            return spec.from_record(self.plan.spec.to_record(entity))  # as its record reads
        values = pickle.loads(self.record)  # our own bytes
        return spec.from_record(dict(zip(self.keys, values, strict=True)))


@attrs.define
class _Staged:
    spec: AggregateSpec[Any]
    entity: Any
    row: _Row
    expected: int
    events: tuple[DomainEvent, ...]


_EXACT = {"str": "str", "bool": "bool", "float": "float", "int": "int"}
"""Index types whose values of exactly that class are kept as they are (strings checked)."""


def _index_values(spec: AggregateSpec[Any]) -> Callable[[Any], IndexValues]:
    """entity → ``{field: value}`` of ``spec``'s index, each checked as :func:`check_value` does.

    Written out field by field for the spec: a value of exactly its field's
    type is kept as it is (a string, bool or float; an int within 64 bits; an
    instant as snapshots keep them), the strings checked together at the
    end; anything else goes through :func:`check_value`.
    """
    positions = {f.name: i for i, f in enumerate(spec.index)}
    scope: dict[str, Any] = {
        "check": check_value,
        "problem": text_problem,
        "datetime": datetime,
        "ZONES": kept_zones(),
        "AWARE": ALWAYS_AWARE,
        "Values": IndexValues,
        "positions": positions,
        "str": str,
        "bool": bool,
        "float": float,
        "int": int,
        "LOW": -(2**63),
        "HIGH": 2**63,
    }
    lines = ["def index(entity):", "    texts = []"]
    for i, f in enumerate(spec.index):
        scope[f"X{i}"] = f.extract
        scope[f"T{i}"] = f.type
        scope[f"L{i}"] = f"{spec.kind}.{f.name}"
        v = f"v{i}"
        lines.append(f"    {v} = X{i}(entity)")
        lines.append(f"    if {v} is not None:")
        exact = _EXACT.get(f.type)
        if exact == "str":
            lines.append(f"        if {v}.__class__ is str: texts.append({v})")
            lines.append(f"        else: {v} = check(T{i}, {v}, L{i})")
        elif exact == "int":
            lines.append(f"        if {v}.__class__ is not int or not LOW <= {v} < HIGH:")
            lines.append(f"            {v} = check(T{i}, {v}, L{i})")
        elif exact is not None:
            lines.append(f"        if {v}.__class__ is not {exact}: {v} = check(T{i}, {v}, L{i})")
        elif f.type == "datetime":
            lines.append(  # kept_instant or require_aware's sure case, written out
                f"        if not ({v}.__class__ is datetime and (id({v}.tzinfo) in ZONES "
                f"or {v}.tzinfo.__class__ in AWARE) and 1 < {v}.year < 9999): "
                f"{v} = check(T{i}, {v}, L{i})"
            )
        else:
            lines.append(f"        {v} = check(T{i}, {v}, L{i})")
    values = "".join(f"v{i}, " for i in range(len(spec.index)))
    if spec.index:
        lines.append("    if texts and problem(''.join(texts)) is not None:")
        for i in range(len(spec.index)):  # raises, naming the field
            lines.append(f"        check(T{i}, v{i}, L{i})")
    lines.append(f"    return Values(positions, ({values}))")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<index {spec.kind}>", "exec"), scope)
    index: Callable[[Any], IndexValues] = scope["index"]
    return index


def _version_of(entity: Any) -> tuple[int, int, tuple[DomainEvent, ...]]:
    version = int(entity.version)
    pending: tuple[DomainEvent, ...] = tuple(getattr(entity, "pending_events", ()))
    return version - len(pending), version, pending


class MemoryBackend:
    """A store in this process's memory.

    :param url: ``memory://`` (anything after the scheme names the store, for messages).
    :param specs: the aggregate kinds to store.
    """

    def __init__(self, url: str, specs: Sequence[AggregateSpec[Any]]) -> None:
        self.url = url
        self.specs = {s.kind: s for s in specs}
        self._lock = threading.RLock()
        self._rows: dict[str, dict[str, _Row]] = {s.kind: {} for s in specs}
        # by kind, then id: each aggregate's events, oldest first (a tuple: no spare room)
        self._events: dict[str, dict[str, tuple[DomainEvent, ...]]] = {}
        self._outbox = MemoryOutbox()
        self._commands: dict[str, StoredCommand] = {}  # by idempotency key
        self._indexes: dict[tuple[str, str], SortedIndex] = {}
        self._shapes: dict[tuple[str, ...], tuple[str, ...]] = {}  # record keys, shared
        self._snapshots = Snapshots()
        self._indexers: dict[str, tuple[AggregateSpec[Any], Callable[[Any], IndexValues]]] = {}
        self._index_names: dict[str, tuple[AggregateSpec[Any], frozenset[str]]] = {}
        self._closed = False

    def _indexer(self, spec: AggregateSpec[Any]) -> Callable[[Any], IndexValues]:
        """The function giving an entity's checked index values (one per spec)."""
        found = self._indexers.get(spec.kind)
        if found is None or found[0] is not spec:
            found = self._indexers[spec.kind] = (spec, _index_values(spec))
        return found[1]

    def _shape(self, keys: tuple[str, ...]) -> tuple[str, ...]:
        """The one stored tuple equal to ``keys`` (records of one shape share their keys)."""
        return self._shapes.setdefault(keys, keys)

    #: Below this many rows a scan is cheaper than building a sorted index.
    INDEX_THRESHOLD = 64

    def _plan(self, spec: AggregateSpec[Any], query: Query) -> list[str] | None:
        """Return candidate ids from the narrowest sorted index, or None to scan.

        Call with the lock held.
        """
        table = self._rows[spec.kind]
        if len(table) < self.INDEX_THRESHOLD:
            return None
        names = self._index_names.get(spec.kind)
        if names is None or names[0] is not spec:
            names = self._index_names[spec.kind] = (spec, frozenset(f.name for f in spec.index))
        conditions = choose_range(query, names[1])
        if not conditions:
            return None
        best: tuple[int, SortedIndex, int, int] | None = None
        for cond in conditions:
            key = (spec.kind, cond.field)
            index = self._indexes.get(key)
            if index is None:
                index = SortedIndex((rid, row.values.get(cond.field)) for rid, row in table.items())
                self._indexes[key] = index
            lo, hi = index.bounds(cond)
            if best is None or hi - lo < best[0]:
                best = (hi - lo, index, lo, hi)
        assert best is not None
        _, index, lo, hi = best
        return index.ids(lo, hi)

    def _table(self, spec: AggregateSpec[Any]) -> dict[str, _Row]:
        try:
            return self._rows[spec.kind]
        except KeyError:
            known = ", ".join(sorted(self._rows)) or "none"
            raise StorageError(
                f"this store was not opened for {spec.kind!r} aggregates; it stores: {known}"
            ) from None

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"the store {self.url!r} is closed")

    def unit_of_work(self) -> MemoryUnitOfWork:
        """Open a unit of work."""
        self._check_open()
        return MemoryUnitOfWork(self)

    def outbox_pending(self, now: datetime, limit: int = 100) -> list[OutboxEntry]:
        """The entries not yet done, without claiming them; oldest first.

        Entries where a notifier waits for a retry later than ``now`` come
        after the others, so that a failing notifier never holds back new events.
        """
        with self._lock:
            self._check_open()
            return self._outbox.pending(now, limit)

    def outbox_claim(
        self,
        now: datetime,
        limit: int,
        lease: timedelta,
        event_ids: Collection[str] | None = None,
    ) -> list[OutboxEntry]:
        """Claim up to ``limit`` claimable entries until ``now + lease`` (see the protocol)."""
        until = lease_end(now, lease)
        with self._lock:
            self._check_open()
            return self._outbox.claim(now, limit, until, event_ids)

    def outbox_delivered(self, event_id: str, notifier: str, at: datetime) -> None:
        """Record a delivery (ignored once the entry is done)."""
        with self._lock:
            self._check_open()
            self._outbox.delivered(event_id, notifier)

    def outbox_failed(self, event_id: str, notifier: str, error: str, retry_at: datetime) -> None:
        """Record a failed delivery (ignored once the entry is done)."""
        with self._lock:
            self._check_open()
            self._outbox.failed(event_id, notifier, retry_at)

    def outbox_release(self, event_id: str, claimed_until: datetime) -> None:
        """End the claim lasting until ``claimed_until``, if it is still the entry's claim."""
        with self._lock:
            self._check_open()
            self._outbox.release(event_id, claimed_until)

    def outbox_done(self, event_id: str, at: datetime) -> None:
        """Move a fully delivered entry out of the pending list; it is kept until purged."""
        with self._lock:
            self._check_open()
            self._outbox.done(event_id, at)

    def outbox_settle(self, outcomes: Sequence[OutboxOutcome], at: datetime) -> None:
        """Record a relay pass's outcomes at once (see the protocol)."""
        with self._lock:
            self._check_open()
            self._outbox.settle(outcomes, at)

    def outbox_purge(self, done_before: datetime) -> int:
        """Forget the entries done before ``done_before``; return how many."""
        with self._lock:
            self._check_open()
            return self._outbox.purge(done_before)

    def close(self) -> None:
        """Close the store; later work (units of work, reads, the outbox) is refused."""
        with self._lock:
            self._closed = True


class MemoryUnitOfWork:
    """A unit of work over a :class:`MemoryBackend`."""

    def __init__(self, backend: MemoryBackend) -> None:
        self._backend = backend
        self._staged: dict[tuple[str, str], _Staged] = {}
        self._stamp: CommandStamp | None = None
        self._loaded: dict[int, tuple[Any, tuple[Any, ...]]] = {}  # id → (entity, snapshot)
        self._done_rule: Callable[[DomainEvent], datetime | None] | None = None
        self._done_ids: set[str] = set()

    def _load(self, spec: AggregateSpec[E], row: _Row) -> E:
        """The entity of ``row``; one rebuilt from a snapshot is remembered with it."""
        entity = row.load(spec, self._backend._snapshots.plan(spec))
        if row.plan is not None:
            self._loaded[id(entity)] = (entity, row.record)
        return entity

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def _row(self, spec: AggregateSpec[Any], entity_id: str) -> _Row | None:
        staged = self._staged.get((spec.kind, entity_id))
        if staged is not None:
            self._backend._check_open()
            return staged.row
        with self._backend._lock:
            self._backend._check_open()
            return self._backend._table(spec).get(entity_id)

    def get(self, spec: AggregateSpec[E], entity_id: str) -> E:
        """Load one entity."""
        row = self._row(spec, check_id(entity_id))
        if row is None:
            raise NotFound(spec.kind, entity_id)
        return self._load(spec, row)

    def _rows(self, spec: AggregateSpec[Any], query: Query | None = None) -> dict[str, _Row]:
        """The rows ``query`` may match: all of them, or the candidates of a sorted index.

        Rows staged in this unit of work replace their stored versions, and are
        all candidates (the caller tests every row against the whole query).
        """
        backend = self._backend
        with backend._lock:
            backend._check_open()
            table = backend._table(spec)
            plan = None if query is None else backend._plan(spec, query)
            rows = dict(table) if plan is None else {rid: table[rid] for rid in plan}
        if self._staged:
            kind = spec.kind
            rows.update((rid, st.row) for (k, rid), st in self._staged.items() if k == kind)
        return rows

    def find(self, spec: AggregateSpec[E], query: Query = Query()) -> list[E]:  # noqa: B008
        """Load the entities matching ``query``."""
        query.validate(spec)
        rows = self._rows(spec, query)
        if len(rows) > 1:
            ids = select(query, ((rid, r.values) for rid, r in rows.items()))
        else:  # one candidate at most (a lookup by a narrow index): nothing to order
            test = compile_query(query)
            end = None if query.limit is None else query.offset + query.limit
            ids = [rid for rid, r in rows.items() if test(rid, r.values)][query.offset : end]
        return [self._load(spec, rows[i]) for i in ids]

    def count(self, spec: AggregateSpec[Any], query: Query = Query()) -> int:  # noqa: B008
        """Count the entities matching ``query``."""
        query.validate(spec)
        rows = self._rows(spec, query)
        test = compile_query(query)
        return sum(1 for rid, r in rows.items() if test(rid, r.values))

    def aggregate(
        self,
        spec: AggregateSpec[Any],
        query: Query,
        group_by: Sequence[str],
        measures: Sequence[Measure],
    ) -> list[dict[str, Any]]:
        """Group and measure in one pass over the matching rows."""
        validate_aggregate(spec, query, group_by, measures)
        rows = self._rows(spec, query)
        test = compile_query(query)
        return aggregate_rows(
            (r.values for rid, r in rows.items() if test(rid, r.values)),
            group_by,
            measures,
        )

    def save(self, spec: AggregateSpec[E], entity: E) -> None:
        """Stage ``entity`` and its pending events.

        :raises ValidationError: if an indexed value does not fit its field's
            type (nothing is staged).
        """
        self._backend._check_open()
        self._backend._table(spec)
        values = self._backend._indexer(spec)(entity)
        expected, version, events = _version_of(entity)
        entity_id = check_id(getattr(entity, "id"), f"{spec.kind}.id")  # noqa: B009
        if expected == 0:  # a new entity: its id follows the one rule of ids
            own_id(entity_id, f"{spec.kind}.id")
        key = (spec.kind, entity_id)
        previous = self._staged.get(key)
        if previous is not None:
            expected = previous.expected
            known = {e.event_id for e in events}
            events = tuple(e for e in previous.events if e.event_id not in known) + events
        plan = self._backend._snapshots.plan(spec)
        snapshot = None
        if plan is not None:
            loaded = self._loaded.get(id(entity))
            before = loaded[1] if loaded is not None and loaded[0] is entity else None
            snapshot = take_snapshot(plan, entity, before)
        if snapshot is not None:
            row = _Row((), snapshot, values, version, plan)
        else:
            record = spec.to_record(entity)
            row = _Row(
                self._backend._shape(tuple(record)),
                pickle.dumps(tuple(record.values()), pickle.HIGHEST_PROTOCOL),
                values,
                version,
            )
        self._staged[key] = _Staged(spec, entity, row, expected, events)

    def history(self, kind: str, aggregate_id: str) -> list[DomainEvent]:
        """Stored events of one aggregate, oldest first."""
        check_id(kind, "kind")
        check_id(aggregate_id, "aggregate_id")
        with self._backend._lock:
            self._backend._check_open()
            return list(self._backend._events.get(kind, {}).get(aggregate_id, ()))

    def outbox_done_at(self, rule: Callable[[DomainEvent], datetime | None]) -> set[str]:
        """Store the outbox entry of each event for which ``rule`` gives an instant as done then.

        For the relay after a command (:meth:`OutboxRelay.done_at_commit
        <itsm_core.outbox.OutboxRelay.done_at_commit>`): an entry nobody is
        to receive would be claimed and marked done right after the commit;
        stored done, the pass is not needed. Returns the set of the ids of the
        events stored done, filled by the commit (a rolled-back unit of work
        stores none of them).
        """
        self._done_rule = rule
        return self._done_ids

    def stamp(self, command: CommandStamp) -> None:
        """Store the events of this unit of work with ``command``'s idempotency key."""
        self._stamp = command

    def command_events(self, key: str) -> StoredCommand | None:
        """The command stored with the idempotency key ``key``, or None."""
        with self._backend._lock:
            self._backend._check_open()
            return self._backend._commands.get(key)

    def _check_stamp(self) -> None:
        stamp = self._stamp
        if stamp is None or not any(staged.events for staged in self._staged.values()):
            return
        stored = self._backend._commands.get(stamp.key)
        if stored is not None and len(stored.events) > stamp.seq:
            raise ConflictError(
                f"idempotency key {stamp.key!r}: another run of {stored.command} stored its "
                "change meanwhile; retry with the same key for its answer",
                kind="command",
                entity_id=stamp.key,
            )

    def _keep_stamp(self, events: list[DomainEvent]) -> None:
        stamp = self._stamp
        if stamp is None or not events:
            return
        stored = self._backend._commands.get(stamp.key)
        before = () if stored is None else stored.events
        self._backend._commands[stamp.key] = StoredCommand(
            stamp.key, stamp.command, stamp.target, (*before, *events)
        )

    def commit(self) -> list[DomainEvent]:
        """Check every version, then store rows, events and outbox entries atomically."""
        backend = self._backend
        committed: list[DomainEvent] = []
        rule = self._done_rule
        done: dict[str, datetime] = {}
        if rule is not None:  # asked before the lock: the rule calls the dispatchers
            for staged in self._staged.values():
                for event in staged.events:
                    at = rule(event)
                    if at is not None:
                        done[event.event_id] = at
        with backend._lock:
            backend._check_open()
            self._check_stamp()
            for (kind, rid), staged in self._staged.items():
                current = backend._rows[kind].get(rid)
                actual = current.version if current is not None else 0
                if actual != staged.expected:
                    what = "already exists" if staged.expected == 0 else "was changed meanwhile"
                    raise ConflictError(
                        f"{kind} {rid!r} {what}: expected stored version {staged.expected}, "
                        f"found {actual}; reload it and try again",
                        kind=kind,
                        entity_id=rid,
                        expected=staged.expected,
                        actual=actual,
                    )
            for (kind, rid), staged in self._staged.items():
                backend._rows[kind][rid] = staged.row
                if backend._indexes:
                    for (ikind, field), index in backend._indexes.items():
                        if ikind == kind:
                            index.update(rid, staged.row.values.get(field))
                if staged.events:
                    history = backend._events.setdefault(kind, {})
                    history[rid] = history.get(rid, ()) + staged.events
                    backend._outbox.add(staged.events, done)
                    committed.extend(staged.events)
            self._keep_stamp(committed)
        self._done_ids.update(done)
        for staged in self._staged.values():
            mark: Any = getattr(staged.entity, "mark_stored", None)
            if callable(mark):
                mark()
        self._staged.clear()
        self._loaded.clear()
        return committed

    def rollback(self) -> None:
        """Drop everything staged."""
        self._staged.clear()
        self._loaded.clear()
