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

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import attrs
import sqlalchemy as sa

from itsm_core.kernel.errors import ConflictError, StorageError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.idempotency import CommandStamp
from itsm_core.kernel.own_ids import own_id
from itsm_core.storage.base import (
    AggregateSpec,
    check_id,
)
from itsm_core.storage.records import encoded_record, json_text
from itsm_core.storage.sealing import Sealing
from itsm_core.storage.sqlalchemy.engine import describe_error
from itsm_core.storage.sqlalchemy.reads import P_EXPECTED, P_ID, SqlReads
from itsm_core.storage.sqlalchemy.store import JsonText

if TYPE_CHECKING:
    from itsm_core.storage.sqlalchemy.backend import SqlBackend

__all__ = ["SqlUnitOfWork"]

E = TypeVar("E")


@attrs.frozen
class _Row:
    """One entity's write: its statement's parameters and what it stores.

    ``record`` is the record written (sealed where the store seals); the
    parameters may hold it as its JSON text (see :class:`JsonText`).
    """

    entity: Any
    entity_id: str
    expected: int
    version: int
    events: tuple[DomainEvent, ...]
    params: dict[str, Any]
    insert: bool
    record: Any


@attrs.define
class _Written:
    entity: Any
    version: int
    event_ids: set[str]


def _version_of(entity: Any) -> tuple[int, int, tuple[DomainEvent, ...]]:
    version = int(entity.version)
    pending: tuple[DomainEvent, ...] = tuple(getattr(entity, "pending_events", ()))
    return version - len(pending), version, pending


class SqlUnitOfWork(SqlReads):
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
        self._stored: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self._events: list[DomainEvent] = []
        self._failed: ConflictError | None = None
        self._stamp: CommandStamp | None = None
        self._stamped = 0  # events written with the stamp so far
        self._sealing: Sealing | None = None
        self._done_rule: Callable[[DomainEvent], datetime | None] | None = None
        self._done_ids: set[str] = set()
        self._claim_until: Callable[[], datetime] | None = None
        self._claimed_ids: set[str] = set()

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

    def _staged_row(self, spec: AggregateSpec[Any], entity: Any, *, encode: bool = False) -> _Row:
        """Check ``entity`` and turn it into the parameters of its statement.

        With ``encode`` (the batch path, whose statements take :class:`JsonText`),
        the record goes in as its JSON text, encoded once for the text rule's
        check and the database both.
        """
        backend = self._backend
        sql = backend._save_sql(spec)
        expected, version, events = _version_of(entity)
        entity_id = check_id(getattr(entity, "id"), f"{spec.kind}.id")  # noqa: B009
        if expected == 0:  # a new entity: its id follows the one rule of ids
            own_id(entity_id, f"{spec.kind}.id")
        written = self._written.get((spec.kind, entity_id))
        if written is not None:
            expected = written.version
            events = tuple(e for e in events if e.event_id not in written.event_ids)
        params: dict[str, Any] = {
            name: to_db(extract(entity), label) for name, extract, to_db, label in sql.index
        }
        sealing = self._sealer()
        value: Any
        if sealing is not None:
            record = sealing.seal_record(
                spec.kind, spec.to_record(entity), spec.sealed_fields(entity)
            )
            text = json_text(record) if encode else None
        elif encode:
            record, text = encoded_record(spec, entity)
        else:
            record, text = spec.to_record(entity), None
        value = record if text is None else JsonText(text)
        params.update(version=version, record=value)
        if written is None and expected == 0:
            params["id"] = entity_id
            return _Row(entity, entity_id, expected, version, events, params, True, record)
        params.update({P_ID: entity_id, P_EXPECTED: expected})
        return _Row(entity, entity_id, expected, version, events, params, False, record)

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
        key = (spec.kind, row.entity_id)
        params = row.params
        stored = self._stored.get(key)
        if stored is not None and stored[0] == row.expected and not row.insert:
            # the row has the version read, so the index values read: set the changed ones
            unchanged = self._backend.unchanged_columns(params, stored[1])
            params = {k: v for k, v in params.items() if k not in unchanged}
        with self._writing(spec, row.entity_id, row.expected):
            # RETURNING tells reliably whether the row was written (rowcount
            # is not reported by every driver for every statement)
            statement = sql.insert if row.insert else sql.update
            if connection.execute(statement, params).first() is None:
                raise self._conflict(spec.kind, row.entity_id, row.expected)
            if row.events:
                self._write_events(connection, row.events)
        self._stored[key] = (row.version, {f.name: row.params[f.name] for f in spec.index})
        self._remember(spec, [row])

    def save_many(self, spec: AggregateSpec[E], entities: Sequence[E]) -> None:
        """Write many entities of one kind and their events: the batch path.

        The same as :meth:`save` for each entity in turn, in a handful of
        statements: the new entities in one ``INSERT … ON CONFLICT DO NOTHING``
        and the changed ones in one version-checked ``UPDATE``, each run as
        an executemany whose row count says whether every row was written,
        and every event and outbox row in one executemany each. Values are checked first: a value
        that does not fit its field raises
        :class:`~itsm_core.kernel.errors.ValidationError` and nothing of the
        batch is written.

        :raises ConflictError: if one of them was changed by someone else since
            it was loaded, or a new entity's id is taken; the unit of work is
            then rolled back.
        """
        self._refuse_if_failed()
        rows = [self._staged_row(spec, entity, encode=True) for entity in entities]
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
                result = self._backend._run_many(
                    connection, sql.insert_many, [r.params for r in inserts]
                )
                if result.rowcount != len(inserts):
                    raise self._taken(spec, inserts)
            for group in self._update_groups(spec, updates):
                result = self._backend._run_many(
                    connection, sql.update_many, [params for _, params in group]
                )
                if result.rowcount != len(group):
                    raise self._conflict_in(spec, [row for row, _ in group])
            events = [e for r in rows for e in r.events]
            if events:
                self._write_events(connection, events)
        for row in rows:
            self._stored[(spec.kind, row.entity_id)] = (
                row.version,
                {f.name: row.params[f.name] for f in spec.index},
            )
        self._remember(spec, rows)

    def _update_groups(
        self, spec: AggregateSpec[Any], rows: Sequence[_Row]
    ) -> list[list[tuple[_Row, dict[str, Any]]]]:
        """The updates of ``rows``, grouped by the columns each sets.

        As :meth:`save` does, an update leaves out the index columns that keep
        the value read in this unit of work (by a locking :meth:`find` or a
        :meth:`get`); the rows that set the same columns are one executemany
        (a tick's clocks change the same few columns: one group).
        """
        groups: dict[tuple[str, ...], list[tuple[_Row, dict[str, Any]]]] = {}
        stored_of = self._stored
        unchanged_columns = self._backend.unchanged_columns
        for row in rows:
            params = row.params
            stored = stored_of.get((spec.kind, row.entity_id))
            if stored is not None and stored[0] == row.expected:
                unchanged = unchanged_columns(params, stored[1])
                if unchanged:
                    params = {k: v for k, v in params.items() if k not in unchanged}
            groups.setdefault(tuple(params), []).append((row, params))
        return list(groups.values())

    def _taken(self, spec: AggregateSpec[Any], rows: Sequence[_Row]) -> ConflictError:
        """The conflict of a batched insert that did not insert every row.

        The transaction is rolled back first: the ids still stored then are
        the ones that were taken, and the first of them in the batch is named.
        """
        self.rollback()
        table = self._backend._tables[spec.kind]
        ids = [r.entity_id for r in rows]
        taken: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            statement = sa.select(table.c.id).where(table.c.id.in_(chunk))
            taken.update(row.id for row in self._execute(statement, "reading ids"))
        row = next((r for r in rows if r.entity_id in taken), rows[0])
        return self._conflict(spec.kind, row.entity_id, row.expected)

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
            (r for r in rows if stored.get(r.entity_id) != (r.version, r.record)),
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
        naive = backend._sqlite
        rows: list[dict[str, Any]] = []
        occurred: Any = None
        at: Any = None
        for e in events:
            # an event's occurred_at is aware (DomainEvent checks it): stored in UTC,
            # converted once for the events of one instant (a command's, a tick's)
            if e.occurred_at is not occurred:
                occurred = e.occurred_at
                at = occurred.astimezone(UTC)
                at = at.replace(tzinfo=None) if naive else at
            body = e.to_dict()
            rows.append(
                {
                    "event_id": e.event_id,
                    "aggregate_kind": e.aggregate_kind,
                    "aggregate_id": e.aggregate_id,
                    "aggregate_version": e.aggregate_version,
                    "name": e.name,
                    "occurred_at": at,
                    "actor_id": e.actor_id,
                    "body": body if sealing is None else sealing.seal_event(body),
                }
            )
        if self._stamp is not None:
            for i, row in enumerate(rows):
                row.update(self._stamp_of(i))
            self._stamped += len(events)
        backend._write_many(connection, backend._events_insert, rows)
        backend._write_many(connection, backend._outbox_insert, self._outbox_rows(events, now))

    def _outbox_rows(self, events: Sequence[DomainEvent], now: Any) -> list[dict[str, Any]]:
        """The outbox rows of ``events``: done already where :meth:`outbox_done_at` says so."""
        rule, lease = self._done_rule, self._claim_until
        if rule is None and lease is None:
            return [{"event_id": e.event_id, "created_at": now} for e in events]
        until = None  # the lease's end, read for the first entry written claimed
        rows = []
        for e in events:
            at = rule(e) if rule is not None else None
            claim = None
            if at is not None:
                self._done_ids.add(e.event_id)
                at = self._backend._instant(at, "done_at")
            elif lease is not None:
                if until is None:
                    until = self._backend._instant(lease(), "claimed_until")
                self._claimed_ids.add(e.event_id)
                claim = until
            rows.append(
                {"event_id": e.event_id, "created_at": now, "done_at": at, "claimed_until": claim}
            )
        return rows

    def outbox_done_at(self, rule: Callable[[DomainEvent], datetime | None]) -> set[str]:
        """Write the outbox entry of each event for which ``rule`` gives an instant as done then.

        For the relay after a command (:meth:`OutboxRelay.done_at_commit
        <itsm_core.outbox.OutboxRelay.done_at_commit>`): an entry nobody is
        to receive would be claimed and marked done right after the commit;
        written done, it costs no more transactions. Call it before the first
        save. Returns the set of the ids of the events written done, filled
        as they are written (a rolled-back unit of work commits none of them).
        """
        self._done_rule = rule
        return self._done_ids

    def outbox_claim_until(self, until: Callable[[], datetime]) -> set[str]:
        """Write the outbox entries (those not written done) claimed until ``until()``.

        For the relay after a command: the pass would claim the command's
        entries right after the commit, in a transaction of its own; claimed
        as they are written, they commit claimed, and the pass delivers them
        from the committed events. ``until()`` is read as entries are written
        (the caller gives the same lease end to every entry of a command). If
        the process dies before the pass ends, the claim expires then and
        another relay delivers them (at least once). Call it before the first
        save. Returns the set of the ids of the events written claimed,
        filled as they are written.
        """
        self._claim_until = until
        return self._claimed_ids

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
        self._stored.clear()
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
        self._stored.clear()
        self._events.clear()
        self._sealing = None  # data keys made in this transaction exist only if it commits
        connection = self._connection
        if connection is not None and connection.in_transaction():
            with self._backend._wrap_errors("rolling back"):
                connection.rollback()
