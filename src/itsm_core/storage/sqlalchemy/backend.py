"""The SQL backend: aggregates, events and the outbox in SQLite or PostgreSQL.

:class:`SqlBackend` opens the store, converts index values to columns and
back, and runs the outbox; each unit of work
(:class:`~itsm_core.storage.sqlalchemy.unit_of_work.SqlUnitOfWork`) is one
database transaction on its own connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import sqlalchemy as sa

from itsm_core.kernel.errors import (
    StorageError,
)
from itsm_core.storage.base import (
    AggregateSpec,
)
from itsm_core.storage.sealing import EncryptionKeys
from itsm_core.storage.sqlalchemy.engine import (
    make_engine,
    parse_url,
    shown_url,
)
from itsm_core.storage.sqlalchemy.migrate import create_tables, ensure_schema
from itsm_core.storage.sqlalchemy.outbox import SqlOutbox
from itsm_core.storage.sqlalchemy.sealed import (
    rewrap_data_keys,
    seal_clear_records,
)
from itsm_core.storage.sqlalchemy.tables import (
    DATA_KEYS,
    EVENTS,
    OUTBOX,
    OUTBOX_DELIVERY,
    AggregateTables,
    check_aggregate_tables,
    core_metadata,
)

if TYPE_CHECKING:
    from itsm_core.storage.sqlalchemy.unit_of_work import SqlUnitOfWork
else:  # loaded by the first unit of work (or this name's first use): opening needs none
    from itsm_core.kernel.lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__, {"itsm_core.storage.sqlalchemy.unit_of_work": ("SqlUnitOfWork",)}
    )

__all__ = ["SqlBackend"]

E = TypeVar("E")

_SUPPORTED = ("sqlite", "postgresql")


@attrs.frozen
class _SaveStatements:
    """The statements that write one aggregate kind, built once (see :meth:`SqlBackend._save_sql`).

    Every value is a bound parameter: a save only executes, and SQLAlchemy
    compiles each statement once per set of columns. ``insert`` and
    ``update`` return the id of the row written (none: a conflict);
    ``insert_many`` and ``update_many`` are the same statements without
    RETURNING, for an executemany whose row count says whether every row was
    written (the driver runs them as one prepared statement, where a RETURNING
    would make them one long multi-row statement to parse for each batch).
    ``get`` loads one record by ``Where_id``, with the row's version and
    index columns (what :meth:`SqlBackend.unchanged_columns` compares a save with).
    ``index`` holds each index field's name, reader, conversion to its column
    (:meth:`SqlStore.column_value`) and label (``kind.field``, for messages).
    """

    insert: Any
    update: Any
    insert_many: Any
    update_many: Any
    get: Any
    index: tuple[tuple[str, Callable[[Any], Any], Callable[[Any, str], Any], str], ...] = ()


class SqlBackend(SqlOutbox):
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
        self._table_names = check_aggregate_tables(specs)
        self.metadata = core_metadata()
        self.specs: dict[str, AggregateSpec[Any]] = {s.kind: s for s in specs}
        self._tables: dict[str, sa.Table] = AggregateTables(self.metadata, self.specs)
        self._events = self.metadata.tables[EVENTS]
        self._outbox = self.metadata.tables[OUTBOX]
        self._delivery = self.metadata.tables[OUTBOX_DELIVERY]
        self._events_insert = sa.insert(self._events)
        self._outbox_insert = sa.insert(self._outbox)
        self._save_statements: dict[str, _SaveStatements] = {}
        self._driver_statements = {}
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
            missing = [k for k, name in self._table_names.items() if name not in existing]
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

    def _require_keys(self) -> EncryptionKeys:
        if self._keys is None:
            raise StorageError(
                f"the store {self._shown!r} was opened without encryption keys "
                "(ItsmCore(..., encryption_keys=EncryptionKeys(...)))"
            )
        return self._keys

    def table(self, spec: AggregateSpec[Any]) -> sa.Table:
        """Return the table of ``spec``'s kind.

        :raises StorageError: if this store was not opened for that kind.
        """
        try:
            return self._tables[spec.kind]
        except KeyError:
            known = ", ".join(sorted(self.specs)) or "none"
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
            insert = self._insert(table).on_conflict_do_nothing(index_elements=[table.c.id])
            statements = _SaveStatements(
                insert=insert.returning(table.c.id),
                update=update.returning(table.c.id),
                insert_many=insert,
                update_many=update,
                get=sa.select(table.c.record, *self._stored_columns(spec)).where(
                    table.c.id == where_id
                ),
                index=tuple(
                    (f.name, f.extract, self.column_value(f.type), f"{spec.kind}.{f.name}")
                    for f in spec.index
                ),
            )
            self._save_statements[spec.kind] = statements
        return statements

    def _stored_columns(self, spec: AggregateSpec[Any]) -> list[sa.Column[Any]]:
        """The version and index columns of ``spec``'s table, as a load reads them."""
        table = self.table(spec)
        return [table.c.version, *(table.c[f.name] for f in spec.index)]

    @staticmethod
    def stored_index(spec: AggregateSpec[Any], row: Any) -> tuple[int, dict[str, Any]]:
        """The version and index column values of a row read with :meth:`_stored_columns`."""
        values = row._mapping
        return int(values["version"]), {f.name: values[f.name] for f in spec.index}

    @staticmethod
    def unchanged_columns(params: dict[str, Any], stored: dict[str, Any]) -> list[str]:
        """The index columns of an update's ``params`` that keep their ``stored`` value.

        An update leaves them out: SQLite rewrites every index of a column in
        the SET list, changed or not (a page of the write-ahead log each).
        Values are compared as the columns hold them; only an equal value is
        left out, so a value of another type is written.
        """
        return [
            name
            for name, value in stored.items()
            if name in params
            and type(params[name]) is type(value)
            and params[name] == value
        ]

    # -- StorageBackend -------------------------------------------------------

    def unit_of_work(self) -> SqlUnitOfWork:
        """Open a unit of work (one transaction; use it as a context manager)."""
        from itsm_core.storage.sqlalchemy.unit_of_work import SqlUnitOfWork

        self._check_open()
        return SqlUnitOfWork(self)

    def close(self) -> None:
        """Close the store: release its connections; later use is refused."""
        self._closed = True
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"SqlBackend({self._shown!r})"
