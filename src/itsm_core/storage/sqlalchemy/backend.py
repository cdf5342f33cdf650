"""The SQL backend: aggregates, events and the outbox in SQLite or PostgreSQL.

Each unit of work is one database transaction on its own connection. A save
writes at once (so queries in the same unit of work see it) and checks the
version in the same statement: ``UPDATE … WHERE id = :id AND version =
:expected``; no row updated means somebody else changed the entity, and the
whole unit of work is rolled back with a :class:`~itsm_core.kernel.errors.ConflictError`.
A new entity is an ``INSERT … ON CONFLICT DO NOTHING``: an id already taken is
a conflict too. The entity's events and one outbox row per event are written
in the same transaction, so they commit with the state or not at all.
"""

from __future__ import annotations

import enum
import functools
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from itsm_core.kernel.errors import (
    ConflictError,
    ItsmError,
    NotFound,
    StorageError,
)
from itsm_core.kernel.events import DomainEvent
from itsm_core.storage.base import (
    AggregateSpec,
    IndexType,
    Measure,
    OutboxEntry,
    Query,
    Where,
    check_value,
    lease_end,
    validate_aggregate,
)
from itsm_core.storage.sqlalchemy.engine import make_engine, parse_url, shown_url
from itsm_core.storage.sqlalchemy.migrate import create_tables, ensure_schema
from itsm_core.storage.sqlalchemy.tables import (
    EVENTS,
    OUTBOX,
    OUTBOX_DELIVERY,
    build_metadata,
    table_name,
)

__all__ = ["SqlBackend", "SqlUnitOfWork"]

E = TypeVar("E")

_SUPPORTED = ("sqlite", "postgresql")
_MAX_ERROR_TEXT = 2000


@attrs.frozen
class _OutboxStatements:
    """The outbox statements of one store (see :attr:`SqlBackend._outbox_sql`)."""

    pending_due: Any
    pending_waiting: Any
    claim: Any
    bodies: Any
    deliveries: Any
    delivered: Any
    failed: Any
    release: Any
    done: Any


@attrs.define
class _Written:
    entity: Any
    version: int
    event_ids: set[str]


def _version_of(entity: Any) -> tuple[int, int, tuple[DomainEvent, ...]]:
    version = int(entity.version)
    pending: tuple[DomainEvent, ...] = tuple(getattr(entity, "pending_events", ()))
    return version - len(pending), version, pending


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _sort_key(key: tuple[Any, ...]) -> tuple[tuple[bool, str], ...]:
    # the same group order as the in-memory backend
    return tuple((v is None, str(v)) for v in key)


class SqlBackend:
    """A store in a SQLite or PostgreSQL database.

    :param url: ``sqlite:///path.db``, ``sqlite://`` (in memory, one
        connection: for tests), ``postgresql+psycopg://user@host/db``. The URL
        option ``itsm_auto_migrate=true|false`` overrides the default of
        ``auto_migrate``.
    :param specs: the aggregate kinds to store.
    :param auto_migrate: when the database has no ``itsm_*`` tables at all,
        create them by running the migrations to the head. Default: on for
        SQLite, off for PostgreSQL (run ``itsm-core-db upgrade URL`` there, as
        part of deploying). A database at another revision is never changed:
        it raises :class:`~itsm_core.kernel.errors.SchemaOutOfDate`.
    :param engine_options: passed on to :func:`sqlalchemy.create_engine`
        (e.g. ``pool_size``).
    :raises SchemaOutOfDate: naming the command that upgrades the database.
    :raises StorageError: if the database cannot be reached or its driver is missing.

    Aggregate kinds that are not the library's own (a plug-in's, a test's)
    have no migration: their table is created from the spec when missing.
    """

    def __init__(
        self,
        url: str,
        specs: Sequence[AggregateSpec[Any]],
        *,
        auto_migrate: bool | None = None,
        engine_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.url = url
        options = parse_url(url)
        self._shown = shown_url(options.url)
        self.metadata = build_metadata(specs)
        self.specs: dict[str, AggregateSpec[Any]] = {s.kind: s for s in specs}
        self._tables = {kind: self.metadata.tables[table_name(kind)] for kind in self.specs}
        self._events = self.metadata.tables[EVENTS]
        self._outbox = self.metadata.tables[OUTBOX]
        self._delivery = self.metadata.tables[OUTBOX_DELIVERY]
        self.engine = make_engine(options, **dict(engine_options or {}))
        self.dialect = self.engine.dialect.name
        self._sqlite = self.dialect == "sqlite"
        # ``sqlite://`` is a single shared connection: one unit of work at a time
        self._serial_lock = threading.RLock() if options.is_sqlite_memory else None
        self._closed = False
        if self.dialect not in _SUPPORTED:
            self.engine.dispose()
            raise StorageError(
                f"the SQL backend supports SQLite and PostgreSQL, not {self.dialect!r} "
                f"({self._shown})"
            )
        if auto_migrate is None:
            auto_migrate = (
                options.auto_migrate if options.auto_migrate is not None else self._sqlite
            )
        try:
            self._prepare(auto_migrate)
        except BaseException:
            self.engine.dispose()
            raise

    # -- set-up -------------------------------------------------------------

    def _prepare(self, auto_migrate: bool) -> None:
        with self._wrap_errors("opening the store"), self._serial():
            ensure_schema(self.engine, self.url, auto_migrate=auto_migrate)
            with self.engine.connect() as connection:
                existing = set(sa.inspect(connection).get_table_names())
            missing = [k for k, t in self._tables.items() if t.name not in existing]
            if missing:  # kinds the shipped migrations do not know (a plug-in's own)
                create_tables(self.engine, [self._tables[k] for k in missing])

    # -- plumbing -----------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"the store {self._shown!r} is closed")

    @contextmanager
    def _serial(self) -> Iterator[None]:
        if self._serial_lock is None:
            yield
            return
        with self._serial_lock:
            yield

    @contextmanager
    def _wrap_errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except ItsmError:
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(
                f"{doing} failed on {self._shown!r}: {type(exc).__name__}: {exc}"
            ) from exc

    @contextmanager
    def _begin(self, doing: str) -> Iterator[sa.Connection]:
        self._check_open()
        with self._wrap_errors(doing), self._serial(), self.engine.begin() as connection:
            yield connection

    def table(self, spec: AggregateSpec[Any]) -> sa.Table:
        """Return the table of ``spec``'s kind.

        :raises StorageError: if this store was not opened for that kind.
        """
        try:
            return self._tables[spec.kind]
        except KeyError:
            known = ", ".join(sorted(self._tables)) or "none"
            raise StorageError(
                f"this store was not opened for {spec.kind!r} aggregates; it stores: {known}"
            ) from None

    def _insert(self, table: sa.Table) -> Any:
        if self.dialect == "postgresql":
            return pg_dialect.insert(table)
        return sqlite_dialect.insert(table)

    def to_db(self, value: Any, index_type: IndexType, name: str) -> Any:
        """Convert a Python value of an index field into what the column stores.

        Datetimes go in as UTC (naive UTC on SQLite, which has no zones).

        :raises ValidationError: for a value that does not fit the field's type.
        """
        value = check_value(index_type, value, name)
        if value is None:
            return None
        if index_type == "datetime":
            instant = value.astimezone(UTC)
            return instant.replace(tzinfo=None) if self._sqlite else instant
        return _plain(value)

    @staticmethod
    def from_db(value: Any, index_type: IndexType) -> Any:
        """Convert a stored column value back (datetimes come back aware, in UTC)."""
        if value is None:
            return None
        if index_type == "datetime":
            if value.tzinfo is None:
                return value.replace(tzinfo=UTC)
            return value.astimezone(UTC)
        if index_type == "int":
            return int(value)
        if index_type == "float":
            return float(value)
        if index_type == "bool":
            return bool(value)
        return value

    def _now(self) -> Any:
        now = datetime.now(UTC)
        return now.replace(tzinfo=None) if self._sqlite else now

    def _instant(self, value: datetime, name: str) -> Any:
        return self.to_db(value, "datetime", name)

    # -- StorageBackend -------------------------------------------------------

    def unit_of_work(self) -> SqlUnitOfWork:
        """Open a unit of work (one transaction; use it as a context manager)."""
        self._check_open()
        return SqlUnitOfWork(self)

    def _retry_tests(self, outbox: Any, at: Any) -> tuple[Any, Any, Any]:
        """``(waiting, due, failed)`` about the failed deliveries of an ``outbox`` row.

        ``waiting``: one waits for a retry later than ``at``; ``due``: one may
        be retried at ``at``; ``failed``: there is one that waits for a retry.
        """
        d = self._delivery
        failed = (
            sa.exists()
            .where(d.c.event_id == outbox.c.event_id)
            .where(d.c.delivered_at.is_(None))
            .where(d.c.next_attempt_at.is_not(None))
        )
        return (
            failed.where(d.c.next_attempt_at > at),
            failed.where(d.c.next_attempt_at <= at),
            failed,
        )

    @functools.cached_property
    def _outbox_sql(self) -> _OutboxStatements:
        """The outbox statements, built once: the relay runs them after every command.

        Values come as bound parameters (``p_at``, ``p_until``, ``p_limit``,
        ``p_event_id``...), so each call only executes (SQLAlchemy caches the
        compiled form).
        """
        o, e, d = self._outbox, self._events, self._delivery
        at = sa.bindparam("p_at", type_=o.c.claimed_until.type)
        limit = sa.bindparam("p_limit", type_=sa.Integer())
        event_id = sa.bindparam("p_event_id", type_=o.c.event_id.type)

        waiting, _, _ = self._retry_tests(o, at)
        pending = (
            sa.select(o.c.event_id, o.c.seq, o.c.claimed_until)
            .where(o.c.done_at.is_(None))
            .order_by(o.c.seq)
        )

        free = o.alias("free")
        free_waiting, due, failed = self._retry_tests(free, at)
        candidates = (
            sa.select(free.c.seq)
            .where(free.c.done_at.is_(None))
            .where(sa.or_(free.c.claimed_until.is_(None), free.c.claimed_until <= at))
            .where(sa.or_(~failed, due))
            .order_by(sa.case((free_waiting, 1), else_=0), free.c.seq)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True, of=free)
        claim = (
            sa.update(o)
            .where(o.c.seq.in_(candidates.scalar_subquery()))
            .values(claimed_until=sa.bindparam("p_until", type_=o.c.claimed_until.type))
            .returning(o.c.event_id, o.c.seq, o.c.claimed_until)
        )

        def mark(values: dict[str, Any], on_conflict: dict[str, Any]) -> Any:
            """Upsert one delivery row, if the entry is still pending."""
            source = sa.select(
                o.c.event_id, *(sa.bindparam(f"p_{k}", type_=d.c[k].type) for k in values)
            ).where(o.c.event_id == event_id, o.c.done_at.is_(None))
            return (
                self._insert(d)
                .from_select(["event_id", *values], source)
                .on_conflict_do_update(
                    index_elements=[d.c.event_id, d.c.notifier], set_=on_conflict
                )
            )

        ids: Any = sa.bindparam("p_ids", expanding=True)
        return _OutboxStatements(
            pending_due=pending.where(~waiting).limit(limit),
            pending_waiting=pending.where(waiting).limit(limit),
            claim=claim,
            bodies=sa.select(e.c.event_id, e.c.body).where(e.c.event_id.in_(ids)),
            deliveries=sa.select(d).where(d.c.event_id.in_(ids)),
            delivered=mark(
                {"notifier": None, "attempts": None, "delivered_at": None},
                {"delivered_at": sa.bindparam("p_delivered_at"), "next_attempt_at": None},
            ),
            failed=mark(
                {"notifier": None, "attempts": None, "next_attempt_at": None, "last_error": None},
                {
                    "attempts": d.c.attempts + 1,
                    "next_attempt_at": sa.bindparam("p_next_attempt_at"),
                    "last_error": sa.bindparam("p_last_error"),
                },
            ),
            release=(
                sa.update(o)
                .where(o.c.event_id == event_id)
                .where(o.c.done_at.is_(None))
                .where(o.c.claimed_until == sa.bindparam("p_until", type_=o.c.claimed_until.type))
                .values(claimed_until=None)
            ),
            done=(
                sa.update(o)
                .where(o.c.event_id == event_id)
                .where(o.c.done_at.is_(None))
                .values(
                    done_at=sa.bindparam("p_done_at", type_=o.c.done_at.type), claimed_until=None
                )
            ),
        )

    def _entries(
        self, connection: sa.Connection, rows: Sequence[Any], now: datetime
    ) -> list[OutboxEntry]:
        """Build the entries of outbox ``rows`` (``event_id``, ``seq``, ``claimed_until``).

        Ordered by commit, entries where a notifier waits for a later retry last.
        """
        sql = self._outbox_sql
        ids = [r.event_id for r in rows]
        if not ids:
            return []
        bodies: dict[str, Any] = {
            row.event_id: row.body for row in connection.execute(sql.bodies, {"p_ids": ids})
        }
        deliveries: dict[str, list[Any]] = {i: [] for i in ids}
        for row in connection.execute(sql.deliveries, {"p_ids": ids}):
            deliveries[row.event_id].append(row)
        entries: list[tuple[bool, int, OutboxEntry]] = []
        for row in rows:
            rows_d = deliveries[row.event_id]
            retries = {
                r.notifier: self.from_db(r.next_attempt_at, "datetime")
                for r in rows_d
                if r.delivered_at is None and r.next_attempt_at is not None
            }
            entry = OutboxEntry(
                event=DomainEvent.from_dict(bodies[row.event_id]),
                delivered=frozenset(r.notifier for r in rows_d if r.delivered_at is not None),
                attempts={r.notifier: int(r.attempts) for r in rows_d if r.attempts},
                next_attempt_at=retries,
                claimed_until=self.from_db(row.claimed_until, "datetime"),
            )
            waiting = any(at > now for at in retries.values())
            entries.append((waiting, int(row.seq), entry))
        entries.sort(key=lambda w: (w[0], w[1]))
        return [entry for _, _, entry in entries]

    def outbox_pending(self, now: datetime, limit: int = 100) -> list[OutboxEntry]:
        """The entries not yet done, without claiming them (claimed ones included).

        Oldest first, except that entries where a notifier waits for a retry
        later than ``now`` come after the others: a failing notifier never
        holds back new events.
        """
        if limit <= 0:
            return []
        sql = self._outbox_sql
        at = self._instant(now, "now")
        with self._begin("reading the outbox") as connection:
            rows = list(connection.execute(sql.pending_due, {"p_at": at, "p_limit": limit}))
            if len(rows) < limit:
                seen = {r.event_id for r in rows}
                more = connection.execute(
                    sql.pending_waiting, {"p_at": at, "p_limit": limit - len(rows)}
                )
                rows.extend(r for r in more if r.event_id not in seen)
            return self._entries(connection, rows, now)

    def outbox_claim(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxEntry]:
        """Claim up to ``limit`` entries until ``now + lease`` and return them.

        One statement, ``UPDATE itsm_outbox SET claimed_until = … WHERE seq IN
        (SELECT … LIMIT n) RETURNING …``: on PostgreSQL the inner select takes
        its rows ``FOR UPDATE SKIP LOCKED``, so relays claiming at once get
        disjoint entries without waiting for each other (and a row claimed
        meanwhile is checked again, and skipped); SQLite runs the statement
        under its write lock. Which entries and in which order: see
        :meth:`~itsm_core.storage.StorageBackend.outbox_claim`.
        """
        until = lease_end(now, lease)
        if limit <= 0:
            self._check_open()
            return []
        params = {
            "p_at": self._instant(now, "now"),
            "p_until": self._instant(until, "claimed_until"),
            "p_limit": limit,
        }
        with self._begin("claiming outbox entries") as connection:
            rows = list(connection.execute(self._outbox_sql.claim, params))
            return self._entries(connection, rows, now)

    def _run(self, doing: str, statement: Any, params: dict[str, Any]) -> None:
        with self._begin(doing) as connection:
            connection.execute(statement, params)

    def outbox_delivered(self, event_id: str, notifier: str, at: datetime) -> None:
        """Record that ``notifier`` received the event (ignored once the entry is done)."""
        self._run(
            "recording a delivery",
            self._outbox_sql.delivered,
            {
                "p_event_id": event_id,
                "p_notifier": notifier,
                "p_attempts": 0,
                "p_delivered_at": self._instant(at, "at"),
            },
        )

    def outbox_failed(self, event_id: str, notifier: str, error: str, retry_at: datetime) -> None:
        """Record a failed delivery and when to try again (ignored once the entry is done)."""
        self._run(
            "recording a failed delivery",
            self._outbox_sql.failed,
            {
                "p_event_id": event_id,
                "p_notifier": notifier,
                "p_attempts": 1,
                "p_next_attempt_at": self._instant(retry_at, "retry_at"),
                "p_last_error": error[:_MAX_ERROR_TEXT],
            },
        )

    def outbox_release(self, event_id: str, claimed_until: datetime) -> None:
        """End the claim lasting until ``claimed_until``, if it is still the entry's claim."""
        self._run(
            "releasing an outbox entry",
            self._outbox_sql.release,
            {"p_event_id": event_id, "p_until": self._instant(claimed_until, "claimed_until")},
        )

    def outbox_done(self, event_id: str, at: datetime) -> None:
        """Record that every notifier has the event; it leaves the pending list, unclaimed."""
        self._run(
            "closing an outbox entry",
            self._outbox_sql.done,
            {"p_event_id": event_id, "p_done_at": self._instant(at, "at")},
        )

    def outbox_purge(self, done_before: datetime) -> int:
        """Delete the entries done before ``done_before`` and their delivery rows.

        The events stay. Delivery rows go first (they refer to the entries);
        an entry done while this runs keeps its rows and is left for the next
        purge. Returns how many entries were deleted.
        """
        o, d = self._outbox, self._delivery
        cutoff = self._instant(done_before, "done_before")
        old = sa.select(o.c.event_id).where(o.c.done_at.is_not(None), o.c.done_at < cutoff)
        with self._begin("purging the outbox") as connection:
            connection.execute(sa.delete(d).where(d.c.event_id.in_(old.scalar_subquery())))
            result = connection.execute(
                sa.delete(o)
                .where(o.c.done_at.is_not(None), o.c.done_at < cutoff)
                .where(~sa.exists().where(d.c.event_id == o.c.event_id))
            )
            return int(result.rowcount)

    def close(self) -> None:
        """Close the store: release its connections; later use is refused."""
        self._closed = True
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"SqlBackend({self._shown!r})"


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
        table = self._backend.table(spec)
        row = self._execute(
            sa.select(table.c.record).where(table.c.id == entity_id), f"loading {spec.kind}"
        ).first()
        if row is None:
            raise NotFound(spec.kind, entity_id)
        return spec.from_record(row.record)

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
            statement = statement.limit(query.limit)
        if query.offset:
            statement = statement.offset(query.offset)
        if query.lock and self._backend.dialect == "postgresql":
            statement = statement.with_for_update(skip_locked=True, of=table)
        rows = self._execute(statement, f"querying {spec.kind}")
        return [spec.from_record(row.record) for row in rows]

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
        e = self._backend._events
        rows = self._execute(
            sa.select(e.c.body)
            .where(e.c.aggregate_kind == kind)
            .where(e.c.aggregate_id == aggregate_id)
            .order_by(e.c.aggregate_version),
            "reading history",
        )
        return [DomainEvent.from_dict(row.body) for row in rows]

    # -- writes -------------------------------------------------------------

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

    def save(self, spec: AggregateSpec[E], entity: E) -> None:
        """Write ``entity`` (new or changed) and its pending events in this transaction.

        :raises ConflictError: if the entity was changed by someone else since
            it was loaded, or a new entity's id is taken; the unit of work is
            then rolled back.
        """
        self._refuse_if_failed()
        backend = self._backend
        table = backend.table(spec)
        expected, version, events = _version_of(entity)
        entity_id = str(getattr(entity, "id"))  # noqa: B009
        key = (spec.kind, entity_id)
        written = self._written.get(key)
        if written is not None:
            expected = written.version
            events = tuple(e for e in events if e.event_id not in written.event_ids)
        values: dict[str, Any] = {
            f.name: backend.to_db(f.extract(entity), f.type, f"{spec.kind}.{f.name}")
            for f in spec.index
        }
        values.update(version=version, record=spec.to_record(entity))
        if written is None and expected == 0:
            statement: Any = (
                backend._insert(table)
                .values(id=entity_id, **values)
                .on_conflict_do_nothing(index_elements=[table.c.id])
                .returning(table.c.id)
            )
        else:
            statement = (
                sa.update(table)
                .where(table.c.id == entity_id)
                .where(table.c.version == expected)
                .values(**values)
                .returning(table.c.id)
            )
        connection = self._conn()
        try:
            # RETURNING tells reliably whether the row was written (rowcount
            # is not reported by every driver for every statement)
            if connection.execute(statement).first() is None:
                raise self._conflict(spec.kind, entity_id, expected)
            if events:
                self._write_events(connection, events)
        except sa.exc.IntegrityError as exc:
            error = ConflictError(
                f"{spec.kind} {entity_id!r}: another writer stored the same version or event "
                f"meanwhile; reload it and try again ({exc.orig})",
                kind=spec.kind,
                entity_id=entity_id,
                expected=expected,
            )
            self._abandon(error)
            raise error from exc
        except sa.exc.SQLAlchemyError as exc:
            self.rollback()
            raise StorageError(
                f"saving {spec.kind} {entity_id!r} failed on {backend._shown!r}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if written is None:
            written = _Written(entity=entity, version=version, event_ids=set())
            self._written[key] = written
        written.entity = entity
        written.version = version
        written.event_ids.update(e.event_id for e in events)
        self._events.extend(events)

    def _write_events(self, connection: sa.Connection, events: Sequence[DomainEvent]) -> None:
        backend = self._backend
        now = backend._now()
        connection.execute(
            sa.insert(backend._events),
            [
                {
                    "event_id": e.event_id,
                    "aggregate_kind": e.aggregate_kind,
                    "aggregate_id": e.aggregate_id,
                    "aggregate_version": e.aggregate_version,
                    "name": e.name,
                    "occurred_at": backend.to_db(e.occurred_at, "datetime", "occurred_at"),
                    "actor_id": e.actor_id,
                    "body": e.to_dict(),
                }
                for e in events
            ],
        )
        connection.execute(
            sa.insert(backend._outbox),
            [{"event_id": e.event_id, "created_at": now} for e in events],
        )

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
                self.rollback()
                raise
        committed = list(self._events)
        for written in self._written.values():
            mark: Any = getattr(written.entity, "mark_stored", None)
            if callable(mark):
                mark()
        self._written.clear()
        self._events.clear()
        return committed

    def rollback(self) -> None:
        """Drop everything written in this unit of work."""
        self._written.clear()
        self._events.clear()
        connection = self._connection
        if connection is not None and connection.in_transaction():
            with self._backend._wrap_errors("rolling back"):
                connection.rollback()
