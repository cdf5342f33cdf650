"""The SQL backend: aggregates, events and the outbox in SQLite or PostgreSQL.

:class:`SqlBackend` opens the store, converts index values to columns and
back, and runs the outbox; each unit of work
(:class:`~itsm_core.storage.sqlalchemy.unit_of_work.SqlUnitOfWork`) is one
database transaction on its own connection.
"""

from __future__ import annotations

import enum
import functools
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from itsm_core.kernel.errors import (
    ItsmError,
    StorageError,
)
from itsm_core.kernel.events import DomainEvent
from itsm_core.storage.base import (
    AggregateSpec,
    IndexType,
    OutboxEntry,
    OutboxOutcome,
    check_value,
    lease_end,
)
from itsm_core.storage.sealing import EncryptionKeys, Sealing, open_unkeyed
from itsm_core.storage.sqlalchemy.engine import (
    MAX_ROWS,
    describe_error,
    make_engine,
    parse_url,
    shown_url,
)
from itsm_core.storage.sqlalchemy.migrate import create_tables, ensure_schema
from itsm_core.storage.sqlalchemy.sealed import (
    SqlDataKeys,
    rewrap_data_keys,
    seal_clear_records,
)
from itsm_core.storage.sqlalchemy.tables import (
    DATA_KEYS,
    EVENTS,
    OUTBOX,
    OUTBOX_DELIVERY,
    build_metadata,
    table_name,
)
from itsm_core.storage.sqlalchemy.unit_of_work import SqlUnitOfWork

__all__ = ["SqlBackend"]

E = TypeVar("E")

_SUPPORTED = ("sqlite", "postgresql")
_MAX_ERROR_TEXT = 2000


@attrs.frozen
class _OutboxStatements:
    """The outbox statements of one store (see :attr:`SqlBackend._outbox_sql`)."""

    pending_due: Any
    pending_waiting: Any
    claim: Any
    claim_among: Any
    bodies: Any
    deliveries: Any
    delivered: Any
    failed: Any
    release: Any
    done: Any


@attrs.frozen
class _SaveStatements:
    """The statements that write one aggregate kind, built once (see :meth:`SqlBackend._save_sql`).

    Every value is a bound parameter: a save only executes, and SQLAlchemy
    compiles each statement once per set of columns. ``insert`` and
    ``update`` return the id of the row written (none: a conflict);
    ``update_many`` is the same update without RETURNING, for an executemany
    whose row count says whether every row was written. ``get`` loads one
    record by ``Where_id``.
    """

    insert: Any
    update: Any
    update_many: Any
    get: Any


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


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
        self._events_insert = sa.insert(self._events)
        self._outbox_insert = sa.insert(self._outbox)
        self._save_statements: dict[str, _SaveStatements] = {}
        self._data_keys = self.metadata.tables[DATA_KEYS]
        self._keys: EncryptionKeys | None = None
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

    # -- encryption at rest ---------------------------------------------------

    def use_encryption(self, keys: EncryptionKeys) -> None:
        """Seal confidential values with ``keys`` from now on (:mod:`itsm_core.storage.sealing`)."""
        self._keys = keys

    def rotate_encryption_keys(self) -> tuple[str, int, int]:
        """Re-wrap every data key under the current key and seal records stored in clear.

        :return: ``(current key id, data keys re-wrapped, records sealed)``.
        :raises StorageError: if the store was opened without encryption keys.
        """
        keys = self._require_keys()
        with self._begin("rotating the encryption keys") as connection:
            rewrapped = rewrap_data_keys(self, keys, connection)
            sealed = seal_clear_records(self, keys, connection)
        return keys.current, rewrapped, sealed

    def open_events(self, connection: sa.Connection, bodies: list[Any]) -> list[Any]:
        """Return stored event ``bodies`` with their sealed values opened."""
        sealing = self.sealing(connection)
        if sealing is None:
            check = open_unkeyed("an event")
            return [check(b) for b in bodies]
        return sealing.open_events(bodies)

    def _require_keys(self) -> EncryptionKeys:
        if self._keys is None:
            raise StorageError(
                f"the store {self._shown!r} was opened without encryption keys "
                "(ItsmCore(..., encryption_keys=EncryptionKeys(...)))"
            )
        return self._keys

    def sealing(self, connection: sa.Connection) -> Sealing | None:
        """The sealing of a transaction on ``connection`` (None without keys)."""
        if self._keys is None:
            return None
        return Sealing(self._keys, SqlDataKeys(connection, self._data_keys))

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
                f"{doing} failed on {self._shown!r}: {describe_error(exc)}"
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

    def _save_sql(self, spec: AggregateSpec[Any]) -> _SaveStatements:
        """The write statements of ``spec``'s kind, built on first use.

        The version-checked update takes the row's id and the version it
        must still have as ``Where_id`` and ``Where_version`` (column names
        are lower case: they never collide); the columns to set are the
        other keys of the parameters.
        """
        statements = self._save_statements.get(spec.kind)
        if statements is None:
            table = self.table(spec)
            where_id = sa.bindparam("Where_id", type_=table.c.id.type)
            update = (
                sa.update(table)
                .where(table.c.id == where_id)
                .where(table.c.version == sa.bindparam("Where_version", type_=sa.BigInteger()))
            )
            statements = _SaveStatements(
                insert=self._insert(table)
                .on_conflict_do_nothing(index_elements=[table.c.id])
                .returning(table.c.id),
                update=update.returning(table.c.id),
                update_many=update,
                get=sa.select(table.c.record).where(table.c.id == where_id),
            )
            self._save_statements[spec.kind] = statements
        return statements

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
        among = candidates.where(free.c.event_id.in_(sa.bindparam("p_ids", expanding=True)))
        if self.dialect == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True, of=free)
            among = among.with_for_update(skip_locked=True, of=free)

        def claim_of(chosen: Any) -> Any:
            return (
                sa.update(o)
                .where(o.c.seq.in_(chosen.scalar_subquery()))
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
            claim=claim_of(candidates),
            claim_among=claim_of(among),
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
        bodies = dict(zip(bodies, self.open_events(connection, list(bodies.values())), strict=True))
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
        limit = min(limit, MAX_ROWS)
        with self._begin("reading the outbox") as connection:
            rows = list(connection.execute(sql.pending_due, {"p_at": at, "p_limit": limit}))
            if len(rows) < limit:
                seen = {r.event_id for r in rows}
                more = connection.execute(
                    sql.pending_waiting, {"p_at": at, "p_limit": limit - len(rows)}
                )
                rows.extend(r for r in more if r.event_id not in seen)
            return self._entries(connection, rows, now)

    def outbox_claim(
        self,
        now: datetime,
        limit: int,
        lease: timedelta,
        event_ids: Collection[str] | None = None,
    ) -> list[OutboxEntry]:
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
        ids = None if event_ids is None else sorted(set(event_ids))
        if limit <= 0 or ids == []:
            self._check_open()
            return []
        params: dict[str, Any] = {
            "p_at": self._instant(now, "now"),
            "p_until": self._instant(until, "claimed_until"),
            "p_limit": min(limit, MAX_ROWS),
        }
        statement = self._outbox_sql.claim
        if ids is not None:
            params["p_ids"] = ids
            statement = self._outbox_sql.claim_among
        with self._begin("claiming outbox entries") as connection:
            rows = list(connection.execute(statement, params))
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

    def outbox_settle(self, outcomes: Sequence[OutboxOutcome], at: datetime) -> None:
        """Record a relay pass's outcomes in one transaction (see the protocol).

        Each kind of mark is one batched statement (deliveries, failures, done,
        releases, in that order).
        """
        sql = self._outbox_sql
        when = self._instant(at, "at")
        delivered: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        done: list[dict[str, Any]] = []
        released: list[dict[str, Any]] = []
        for outcome in outcomes:
            event_id = outcome.event_id
            for notifier in outcome.delivered:
                delivered.append({
                    "p_event_id": event_id, "p_notifier": notifier, "p_attempts": 0,
                    "p_delivered_at": when,
                })  # fmt: skip
            for failure in outcome.failed:
                failed.append({
                    "p_event_id": event_id, "p_notifier": failure.notifier, "p_attempts": 1,
                    "p_next_attempt_at": self._instant(failure.retry_at, "retry_at"),
                    "p_last_error": failure.error[:_MAX_ERROR_TEXT],
                })  # fmt: skip
            if outcome.done:
                done.append({"p_event_id": event_id, "p_done_at": when})
            elif outcome.claimed_until is not None:
                until = self._instant(outcome.claimed_until, "claimed_until")
                released.append({"p_event_id": event_id, "p_until": until})
        batches = (
            (sql.delivered, delivered),
            (sql.failed, failed),
            (sql.done, done),
            (sql.release, released),
        )
        if not any(params for _, params in batches):
            self._check_open()
            return
        with self._begin("recording a relay pass") as connection:
            for statement, params in batches:
                if params:
                    connection.execute(statement, params)

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
