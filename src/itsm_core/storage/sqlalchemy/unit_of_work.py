"""The SQL backend's unit of work: one database transaction on its own connection.

A save writes at once (so queries in the same unit of work see it) and
checks the version in the same statement: ``UPDATE … WHERE id = :id AND
version = :expected``; no row updated means somebody else changed the
entity, and the whole unit of work is rolled back with a
:class:`~itsm_core.kernel.errors.ConflictError`. A new entity is an
``INSERT … ON CONFLICT DO NOTHING``: an id already taken is a conflict too.
The entity's events and one outbox row per event are written in the same
transaction, so they commit with the state or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import attrs
import sqlalchemy as sa

from itsm_core.kernel.errors import ConflictError, NotFound, StorageError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.idempotency import CommandStamp, StoredCommand
from itsm_core.kernel.own_ids import own_id
from itsm_core.storage.base import (
    AggregateSpec,
    IndexType,
    Measure,
    Query,
    Where,
    check_id,
    validate_aggregate,
)
from itsm_core.storage.sealing import Sealing, open_unkeyed
from itsm_core.storage.sqlalchemy.engine import MAX_ROWS, describe_error

if TYPE_CHECKING:
    from itsm_core.storage.sqlalchemy.backend import SqlBackend

__all__ = ["SqlUnitOfWork"]

E = TypeVar("E")


_P_ID = "Where_id"
_P_EXPECTED = "Where_version"
"""The bound parameters of a version-checked update's WHERE: column names are lower case,
so these never collide with a column's (see :mod:`~itsm_core.storage.sqlalchemy.tables`)."""


@attrs.frozen
class _Row:
    """One entity's write: its statement's parameters and what it stores."""

    entity: Any
    entity_id: str
    expected: int
    version: int
    events: tuple[DomainEvent, ...]
    params: dict[str, Any]
    insert: bool


@attrs.define
class _Written:
    entity: Any
    version: int
    event_ids: set[str]


def _version_of(entity: Any) -> tuple[int, int, tuple[DomainEvent, ...]]:
    version = int(entity.version)
    pending: tuple[DomainEvent, ...] = tuple(getattr(entity, "pending_events", ()))
    return version - len(pending), version, pending


def _sort_key(key: tuple[Any, ...]) -> tuple[tuple[bool, str], ...]:
    # the same group order as the in-memory backend
    return tuple((v is None, str(v)) for v in key)


class SqlUnitOfWork:
    """A unit of work over a :class:`SqlBackend`: one transaction on one connection.

    After a :class:`~itsm_core.kernel.errors.ConflictError` everything staged is
    rolled back; saving or committing again raises the conflict again (open a
    new unit of work to retry). Reads still work.
    """

    def __init__(self, backend: SqlBackend) -> None:
        self._backend = backend
        self._connection: sa.Connection | None = None
        self._locked = False
        self._written: dict[tuple[str, str], _Written] = {}
        self._events: list[DomainEvent] = []
        self._failed: ConflictError | None = None
        self._stamp: CommandStamp | None = None
        self._stamped = 0  # events written with the stamp so far
        self._sealing: Sealing | None = None

    # -- connection -----------------------------------------------------------

    def _conn(self) -> sa.Connection:
        backend = self._backend
        backend._check_open()
        if self._connection is None:
            lock = backend._serial_lock
            if lock is not None and not self._locked:
                lock.acquire()
                self._locked = True
            try:
                with backend._wrap_errors("connecting"):
                    self._connection = backend.engine.connect()
            except BaseException:
                self._release()
                raise
        return self._connection

    def _release(self) -> None:
        if self._locked and self._backend._serial_lock is not None:
            self._locked = False
            self._backend._serial_lock.release()

    def _execute(self, statement: Any, doing: str) -> sa.CursorResult[Any]:
        connection = self._conn()
        with self._backend._wrap_errors(doing):
            return connection.execute(statement)

    def close(self) -> None:
        """Roll back anything not committed and give the connection back."""
        try:
            self.rollback()
        finally:
            if self._connection is not None:
                try:
                    self._connection.close()
                finally:
                    self._connection = None
                    self._release()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- encryption at rest ---------------------------------------------------

    def _sealer(self) -> Sealing | None:
        """The sealing of this transaction (None when the store has no keys)."""
        if self._sealing is None:
            self._sealing = self._backend.sealing(self._conn())
        return self._sealing

    def _open(self, kind: str, records: list[Any]) -> list[Any]:
        sealing = self._sealer()
        if sealing is None:
            check = open_unkeyed(f"a {kind} record")
            return [check(r) for r in records]
        return sealing.open_records(kind, records)

    # -- queries ------------------------------------------------------------

    def _column(
        self, spec: AggregateSpec[Any], table: sa.Table, name: str
    ) -> tuple[Any, IndexType]:
        if name == "id":
            return table.c.id, "str"
        index_type = spec.field(name).type
        return table.c[name], index_type

    def _condition(self, spec: AggregateSpec[Any], table: sa.Table, cond: Where) -> Any:
        column, index_type = self._column(spec, table, cond.field)
        label = f"{spec.kind}.{cond.field}"
        if cond.op == "is_null":
            return column.is_(None)
        if cond.op == "not_null":
            return column.is_not(None)
        if cond.op == "in":
            values = [self._backend.to_db(v, index_type, label) for v in cond.value]
            present = [v for v in values if v is not None]
            parts = [column.in_(present)] if present else []
            if len(present) < len(values):
                parts.append(column.is_(None))
            return sa.or_(*parts) if parts else sa.false()
        value = self._backend.to_db(cond.value, index_type, label)
        if cond.op == "ne":
            if value is None:
                return column.is_not(None)
            return sa.or_(column != value, column.is_(None))
        if value is None:
            return sa.false()
        value = sa.literal(value, column.type)  # a bound value, also for bools
        if cond.op == "eq":
            return column == value
        if cond.op == "lt":
            return column < value
        if cond.op == "le":
            return column <= value
        if cond.op == "gt":
            return column > value
        return column >= value

    def _where(self, spec: AggregateSpec[Any], table: sa.Table, query: Query) -> list[Any]:
        query.validate(spec)
        return [self._condition(spec, table, w) for w in query.where]

    def get(self, spec: AggregateSpec[E], entity_id: str) -> E:
        """Load one entity; :class:`~itsm_core.kernel.errors.NotFound` if there is none."""
        statement = self._backend._save_sql(spec).get
        check_id(entity_id)
        connection = self._conn()
        with self._backend._wrap_errors(f"loading {spec.kind}"):
            row = connection.execute(statement, {_P_ID: entity_id}).first()
        if row is None:
            raise NotFound(spec.kind, entity_id)
        return spec.from_record(self._open(spec.kind, [row.record])[0])

    def find(self, spec: AggregateSpec[E], query: Query = Query()) -> list[E]:  # noqa: B008
        """Load the entities matching ``query``, in its order.

        ``query.lock`` claims the rows on PostgreSQL (``FOR UPDATE SKIP
        LOCKED``): another unit of work's claimed rows are skipped until it ends.
        """
        table = self._backend.table(spec)
        statement = sa.select(table.c.record).where(*self._where(spec, table, query))
        order: list[Any] = []
        for name in query.order_by:
            column, _ = self._column(spec, table, name.lstrip("-"))
            if name.startswith("-"):
                order.append(column.desc().nulls_first())
            else:
                order.append(column.asc().nulls_last())
        order.append(table.c.id.asc())
        statement = statement.order_by(*order)
        if query.limit is not None:
            statement = statement.limit(min(query.limit, MAX_ROWS))
        if query.offset:
            if query.offset > MAX_ROWS:
                return []  # past every row there can be
            statement = statement.offset(query.offset)
        if query.lock and self._backend.dialect == "postgresql":
            statement = statement.with_for_update(skip_locked=True, of=table)
        rows = self._execute(statement, f"querying {spec.kind}")
        records = self._open(spec.kind, [row.record for row in rows])
        return [spec.from_record(record) for record in records]

    def count(self, spec: AggregateSpec[Any], query: Query = Query()) -> int:  # noqa: B008
        """Count the entities matching ``query`` (its order and slice do not matter)."""
        table = self._backend.table(spec)
        statement = (
            sa.select(sa.func.count()).select_from(table).where(*self._where(spec, table, query))
        )
        return int(self._execute(statement, f"counting {spec.kind}").scalar_one())

    def aggregate(
        self,
        spec: AggregateSpec[Any],
        query: Query,
        group_by: Sequence[str],
        measures: Sequence[Measure],
    ) -> list[dict[str, Any]]:
        """Group the matching entities and compute ``measures`` per group, in the database.

        ``sum`` of no values is 0, ``min``/``max`` of no values None; with no
        ``group_by`` and no matching row the result is empty. Groups are
        ordered as the in-memory backend orders them.

        :raises ValidationError: for an unknown field, or ``sum`` of a field
            that is not a number or a bool.
        """
        backend = self._backend
        table = backend.table(spec)
        validate_aggregate(spec, query, group_by, measures)
        conditions = self._where(spec, table, query)
        groups = [(name, *self._column(spec, table, name)) for name in group_by]
        columns: list[Any] = [col.label(f"g{i}") for i, (_, col, _) in enumerate(groups)]
        columns.append(sa.func.count().label("n"))
        kinds: list[IndexType | None] = []
        for i, m in enumerate(measures):
            if m.fn == "count":
                columns.append(sa.func.count().label(f"m{i}"))
                kinds.append(None)
                continue
            f = spec.field(m.field or "")
            col: Any = table.c[f.name]
            if f.type == "bool":
                col = sa.cast(col, sa.Integer)
            if m.fn == "sum":
                columns.append(sa.func.sum(col).label(f"m{i}"))
            elif m.fn == "min":
                columns.append(sa.func.min(col).label(f"m{i}"))
            else:
                columns.append(sa.func.max(col).label(f"m{i}"))
            kinds.append(f.type)
        statement = sa.select(*columns).select_from(table).where(*conditions)
        if groups:
            statement = statement.group_by(*(col for _, col, _ in groups))
        out: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        for row in self._execute(statement, f"aggregating {spec.kind}").mappings():
            if not groups and not row["n"]:
                continue
            key = tuple(backend.from_db(row[f"g{i}"], t) for i, (_, _, t) in enumerate(groups))
            result: dict[str, Any] = dict(zip(group_by, key, strict=True))
            for i, (m, kind) in enumerate(zip(measures, kinds, strict=True)):
                value = row[f"m{i}"]
                if m.fn == "count":
                    result[m.name] = int(value)
                elif m.fn == "sum":
                    if value is None:
                        result[m.name] = 0
                    elif kind == "float":
                        result[m.name] = float(value)
                    else:
                        result[m.name] = int(value)
                else:
                    assert kind is not None
                    result[m.name] = backend.from_db(value, kind)
            out.append((key, result))
        out.sort(key=lambda kr: _sort_key(kr[0]))
        return [r for _, r in out]

    def history(self, kind: str, aggregate_id: str) -> list[DomainEvent]:
        """Return the stored events of one aggregate, oldest first."""
        check_id(kind, "kind")
        check_id(aggregate_id, "aggregate_id")
        e = self._backend._events
        rows = self._execute(
            sa.select(e.c.body)
            .where(e.c.aggregate_kind == kind)
            .where(e.c.aggregate_id == aggregate_id)
            .order_by(e.c.aggregate_version),
            "reading history",
        )
        bodies = self._backend.open_events(self._conn(), [row.body for row in rows])
        return [DomainEvent.from_dict(body) for body in bodies]

    def command_events(self, key: str) -> StoredCommand | None:
        """Return the command stored with the idempotency key ``key``, or None."""
        e = self._backend._events
        rows = self._execute(
            sa.select(e.c.body, e.c.command, e.c.command_target)
            .where(e.c.command_key == key)
            .order_by(e.c.command_seq),
            "reading an idempotency key",
        ).all()
        if not rows:
            return None
        bodies = self._backend.open_events(self._conn(), [row.body for row in rows])
        events = tuple(DomainEvent.from_dict(body) for body in bodies)
        return StoredCommand(key, rows[0].command, rows[0].command_target, events)

    # -- writes -------------------------------------------------------------

    def stamp(self, command: CommandStamp) -> None:
        """Write the events of this unit of work with ``command``'s idempotency key."""
        self._stamp = command
        self._stamped = 0

    def _refuse_if_failed(self) -> None:
        if self._failed is not None:
            failed = self._failed
            raise ConflictError(
                f"this unit of work was rolled back after a conflict ({failed}); "
                "open a new one to try again",
                kind=failed.kind,
                entity_id=failed.entity_id,
                expected=failed.expected,
                actual=failed.actual,
            )

    def _conflict(self, kind: str, entity_id: str, expected: int) -> ConflictError:
        table = self._backend._tables[kind]
        row = self._execute(
            sa.select(table.c.version).where(table.c.id == entity_id), "reading a version"
        ).first()
        actual = int(row.version) if row is not None else 0
        what = "already exists" if expected == 0 else "was changed meanwhile"
        error = ConflictError(
            f"{kind} {entity_id!r} {what}: expected stored version {expected}, "
            f"found {actual}; reload it and try again",
            kind=kind,
            entity_id=entity_id,
            expected=expected,
            actual=actual,
        )
        self._abandon(error)
        return error

    def _abandon(self, error: ConflictError) -> None:
        self.rollback()
        self._failed = error

    def _staged_row(self, spec: AggregateSpec[Any], entity: Any) -> _Row:
        """Check ``entity`` and turn it into the parameters of its statement."""
        backend = self._backend
        backend.table(spec)
        expected, version, events = _version_of(entity)
        entity_id = check_id(getattr(entity, "id"), f"{spec.kind}.id")  # noqa: B009
        if expected == 0:  # a new entity: its id follows the one rule of ids
            own_id(entity_id, f"{spec.kind}.id")
        written = self._written.get((spec.kind, entity_id))
        if written is not None:
            expected = written.version
            events = tuple(e for e in events if e.event_id not in written.event_ids)
        params: dict[str, Any] = {
            f.name: backend.to_db(f.extract(entity), f.type, f"{spec.kind}.{f.name}")
            for f in spec.index
        }
        record = spec.to_record(entity)
        sealing = self._sealer()
        if sealing is not None:
            record = sealing.seal_record(spec.kind, record, spec.sealed_fields(entity))
        params.update(version=version, record=record)
        if written is None and expected == 0:
            params["id"] = entity_id
            return _Row(entity, entity_id, expected, version, events, params, insert=True)
        params.update({_P_ID: entity_id, _P_EXPECTED: expected})
        return _Row(entity, entity_id, expected, version, events, params, insert=False)

    def save(self, spec: AggregateSpec[E], entity: E) -> None:
        """Write ``entity`` (new or changed) and its pending events in this transaction.

        :raises ConflictError: if the entity was changed by someone else since
            it was loaded, or a new entity's id is taken; the unit of work is
            then rolled back.
        """
        self._refuse_if_failed()
        row = self._staged_row(spec, entity)
        sql = self._backend._save_sql(spec)
        connection = self._conn()
        with self._writing(spec, row.entity_id, row.expected):
            # RETURNING tells reliably whether the row was written (rowcount
            # is not reported by every driver for every statement)
            statement = sql.insert if row.insert else sql.update
            if connection.execute(statement, row.params).first() is None:
                raise self._conflict(spec.kind, row.entity_id, row.expected)
            if row.events:
                self._write_events(connection, row.events)
        self._remember(spec, [row])

    def save_many(self, spec: AggregateSpec[E], entities: Sequence[E]) -> None:
        """Write many entities of one kind and their events: the batch path.

        The same as :meth:`save` for each entity in turn, in a handful of
        statements: the new entities in one ``INSERT … ON CONFLICT DO NOTHING
        RETURNING id`` over all their rows, the changed ones in one
        version-checked ``UPDATE`` run as an executemany, and every event and
        outbox row in one executemany each. Values are checked first: a value
        that does not fit its field raises
        :class:`~itsm_core.kernel.errors.ValidationError` and nothing of the
        batch is written.

        :raises ConflictError: if one of them was changed by someone else since
            it was loaded, or a new entity's id is taken; the unit of work is
            then rolled back.
        """
        self._refuse_if_failed()
        rows = [self._staged_row(spec, entity) for entity in entities]
        if not rows:
            return
        ids = [r.entity_id for r in rows]
        counts = self._backend.engine.dialect.supports_sane_multi_rowcount
        if len(set(ids)) < len(ids) or not counts:
            for entity in entities:  # the same entity twice: one save after the other
                self.save(spec, entity)
            return
        sql = self._backend._save_sql(spec)
        connection = self._conn()
        inserts = [r for r in rows if r.insert]
        updates = [r for r in rows if not r.insert]
        first = rows[0]
        with self._writing(spec, first.entity_id, first.expected):
            if inserts:
                result = connection.execute(sql.insert, [r.params for r in inserts])
                stored = set(result.scalars().all())
                for row in inserts:
                    if row.entity_id not in stored:
                        raise self._conflict(spec.kind, row.entity_id, row.expected)
            if updates:
                result = connection.execute(sql.update_many, [r.params for r in updates])
                if result.rowcount != len(updates):
                    raise self._conflict_in(spec, updates)
            events = [e for r in rows for e in r.events]
            if events:
                self._write_events(connection, events)
        self._remember(spec, rows)

    def _conflict_in(self, spec: AggregateSpec[Any], rows: Sequence[_Row]) -> ConflictError:
        """The conflict of a batched update that did not update every row.

        A row is ours when it has our version and our record: the first row
        that is not is the stale one (a row another writer left exactly as
        ours would be is not told apart; the first of the batch is named then).
        """
        table = self._backend._tables[spec.kind]
        stored = {
            row.id: (int(row.version), row.record)
            for row in self._execute(
                sa.select(table.c.id, table.c.version, table.c.record).where(
                    table.c.id.in_([r.entity_id for r in rows])
                ),
                "reading versions",
            )
        }
        stale = next(
            (
                r
                for r in rows
                if stored.get(r.entity_id) != (r.version, r.params["record"])
            ),
            rows[0],
        )
        return self._conflict(spec.kind, stale.entity_id, stale.expected)

    @contextmanager
    def _writing(self, spec: AggregateSpec[Any], entity_id: str, expected: int) -> Iterator[None]:
        """Turn database errors of a write into the library's (rolled back)."""
        try:
            yield
        except sa.exc.IntegrityError as exc:
            error = ConflictError(
                f"{spec.kind} {entity_id!r}: another writer stored the same version or event "
                f"meanwhile; reload it and try again ({describe_error(exc)})",
                kind=spec.kind,
                entity_id=entity_id,
                expected=expected,
            )
            self._abandon(error)
            raise error from exc
        except sa.exc.SQLAlchemyError as exc:
            self.rollback()
            raise StorageError(
                f"saving {spec.kind} {entity_id!r} failed on {self._backend._shown!r}: "
                f"{describe_error(exc)}"
            ) from exc

    def _remember(self, spec: AggregateSpec[Any], rows: Sequence[_Row]) -> None:
        for row in rows:
            key = (spec.kind, row.entity_id)
            written = self._written.get(key)
            if written is None:
                written = _Written(entity=row.entity, version=row.version, event_ids=set())
                self._written[key] = written
            written.entity = row.entity
            written.version = row.version
            written.event_ids.update(e.event_id for e in row.events)
            self._events.extend(row.events)

    def _write_events(self, connection: sa.Connection, events: Sequence[DomainEvent]) -> None:
        backend = self._backend
        now = backend._now()
        sealing = self._sealer()
        seal = sealing.seal_event if sealing is not None else (lambda body: body)
        connection.execute(
            backend._events_insert,
            [
                {
                    "event_id": e.event_id,
                    "aggregate_kind": e.aggregate_kind,
                    "aggregate_id": e.aggregate_id,
                    "aggregate_version": e.aggregate_version,
                    "name": e.name,
                    "occurred_at": backend.to_db(e.occurred_at, "datetime", "occurred_at"),
                    "actor_id": e.actor_id,
                    "body": seal(e.to_dict()),
                    **self._stamp_of(i),
                }
                for i, e in enumerate(events)
            ],
        )
        self._stamped += len(events) if self._stamp is not None else 0
        connection.execute(
            backend._outbox_insert,
            [{"event_id": e.event_id, "created_at": now} for e in events],
        )

    def _stamp_of(self, index: int) -> dict[str, Any]:
        stamp = self._stamp
        if stamp is None:
            return {}
        return {
            "command_key": stamp.key,
            "command_seq": stamp.seq + self._stamped + index,
            "command": stamp.command,
            "command_target": stamp.target,
        }

    def commit(self) -> list[DomainEvent]:
        """Commit the transaction: entities, events and outbox rows together.

        :return: the events committed, in the order they were saved.
        :raises ConflictError: if a save of this unit of work conflicted.
        :raises StorageError: if the store is closed or the database refuses
            (then nothing is committed).
        """
        self._backend._check_open()
        self._refuse_if_failed()
        connection = self._connection
        if connection is not None and connection.in_transaction():
            try:
                with self._backend._wrap_errors("committing"):
                    connection.commit()
            except BaseException:
                self._abort_commit(connection)
                raise
        committed = list(self._events)
        for written in self._written.values():
            mark: Any = getattr(written.entity, "mark_stored", None)
            if callable(mark):
                mark()
        self._written.clear()
        self._events.clear()
        self._sealing = None  # data keys made in this transaction exist only if it commits
        return committed

    def _abort_commit(self, connection: sa.Connection) -> None:
        """Undo a COMMIT the database refused.

        The driver may keep the transaction open after a failed COMMIT
        (SQLite's "database is locked"), while SQLAlchemy already considers it
        ended and skips the pool's reset: the next unit of work on this
        connection would commit the refused writes too. Roll back at the
        driver; if even that fails, the connection is discarded.
        """
        self._written.clear()
        self._events.clear()
        self._sealing = None  # data keys made in this transaction exist only if it commits
        try:
            if connection.in_transaction():
                connection.rollback()
            else:
                connection.connection.driver_connection.rollback()  # type: ignore[union-attr]
        except Exception:
            connection.invalidate()

    def rollback(self) -> None:
        """Drop everything written in this unit of work."""
        self._written.clear()
        self._events.clear()
        self._sealing = None  # data keys made in this transaction exist only if it commits
        connection = self._connection
        if connection is not None and connection.in_transaction():
            with self._backend._wrap_errors("rolling back"):
                connection.rollback()
