"""The reading half of the SQL unit of work: its connection, queries and history.

:class:`SqlReads` loads entities and events in the unit of work's
transaction, opening sealed values (:mod:`itsm_core.storage.sealing`) as it
reads; :class:`~itsm_core.storage.sqlalchemy.unit_of_work.SqlUnitOfWork`
adds the writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from itsm_core.kernel.errors import NotFound
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.idempotency import StoredCommand
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
from itsm_core.storage.sqlalchemy.engine import MAX_ROWS

if TYPE_CHECKING:
    from itsm_core.storage.sqlalchemy.backend import SqlBackend

__all__ = ["SqlReads"]

E = TypeVar("E")

P_ID = "Where_id"
P_EXPECTED = "Where_version"
"""The bound parameters of a version-checked update's WHERE (and of a get by id): column
names are lower case, so these never collide with a column's
(see :mod:`~itsm_core.storage.sqlalchemy.tables`)."""


def _sort_key(key: tuple[Any, ...]) -> tuple[tuple[bool, str], ...]:
    # the same group order as the in-memory backend
    return tuple((v is None, str(v)) for v in key)


class SqlReads:
    """Reads in a unit of work's transaction (the attributes are the unit of work's)."""

    _backend: SqlBackend
    _connection: sa.Connection | None
    _locked: bool
    _sealing: Sealing | None
    _stored: dict[tuple[str, str], tuple[int, dict[str, Any]]]
    """Per entity read: its stored version and index values (see :meth:`SqlUnitOfWork.save`)."""

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
            row = connection.execute(statement, {P_ID: entity_id}).first()
        if row is None:
            raise NotFound(spec.kind, entity_id)
        self._stored[(spec.kind, entity_id)] = self._backend.stored_index(spec, row)
        return spec.from_record(self._open(spec.kind, [row.record])[0])

    def find(self, spec: AggregateSpec[E], query: Query = Query()) -> list[E]:  # noqa: B008
        """Load the entities matching ``query``, in its order.

        ``query.lock`` claims the rows on PostgreSQL (``FOR UPDATE SKIP
        LOCKED``): another unit of work's claimed rows are skipped until it ends.
        Claimed rows are read with their version and index columns, as
        :meth:`get` reads them, so that saving them sets only the index
        columns that change.
        """
        backend = self._backend
        table = backend.table(spec)
        columns = [table.c.id, *backend._stored_columns(spec)] if query.lock else []
        statement = sa.select(table.c.record, *columns).where(*self._where(spec, table, query))
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
        if query.lock and backend.dialect == "postgresql":
            statement = statement.with_for_update(skip_locked=True, of=table)
        rows = self._execute(statement, f"querying {spec.kind}").all()
        if query.lock:
            stored = self._stored
            for row in rows:
                stored[(spec.kind, row.id)] = backend.stored_index(spec, row)
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
