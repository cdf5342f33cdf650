"""The SQL store's plumbing, shared by the backend and its outbox.

:class:`SqlStore` holds what every part of the SQL backend uses: the open
check, the serialising lock of ``sqlite://``, the translation of database
errors into :class:`~itsm_core.kernel.errors.StorageError`, transactions,
the conversion of index values to columns and back, and the opening of
sealed event bodies. :class:`~itsm_core.storage.sqlalchemy.backend.SqlBackend`
sets its attributes when it opens the store.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from itsm_core.kernel.errors import ItsmError, StorageError
from itsm_core.kernel.text import text_problem
from itsm_core.storage.base import AggregateSpec, IndexType, check_value
from itsm_core.storage.sealing import EncryptionKeys, Sealing, open_unkeyed
from itsm_core.storage.sqlalchemy.engine import describe_error
from itsm_core.storage.sqlalchemy.sealed import SqlDataKeys

__all__ = ["DriverStatement", "JsonText", "SqlStore"]


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


_UNSET = object()


class JsonText:
    """A JSON column's value already encoded (its text): a :class:`DriverStatement` writes
    the text as it is instead of encoding the value again.

    :param text: the JSON text.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _json_or_text(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The bind processor of a JSON column that passes a :class:`JsonText` through as text."""

    def json_value(value: Any) -> Any:
        return value.text if value.__class__ is JsonText else process(value)

    return json_value


class DriverStatement:
    """A statement compiled once and run as the driver's own executemany.

    For the writes of a batch (a tick's clocks, events and outbox rows):
    :meth:`sqlalchemy.engine.Connection.execute` would build and convert
    every row's parameters again; here each value goes through its column
    type's own bind processor (what SQLAlchemy would do; a JSON value given
    as :class:`JsonText` is written as that text), and the rows go to
    the driver in one :meth:`~sqlalchemy.engine.Connection.exec_driver_sql`
    (SQLAlchemy's events and error translation included). The stored values
    are those :meth:`~sqlalchemy.engine.Connection.execute` stores.

    :param engine: the store's engine (its dialect compiles the statement).
    :param statement: an INSERT or UPDATE taking bound parameters.
    :param keys: the parameter names each row gives (every row the same).
    """

    def __init__(self, engine: sa.Engine, statement: Any, keys: tuple[str, ...]) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        self.sql: str = compiled.string
        self.positional: bool = bool(compiled.positional)
        binds = compiled.binds
        missing = set(binds) - set(keys)
        if missing:
            raise ValueError(f"the statement needs {sorted(missing)} besides {list(keys)}")
        names = compiled.positiontup if self.positional else [k for k in keys if k in binds]
        self.names = tuple(names)
        processors = []
        for name in names:
            column_type = binds[name].type
            process = column_type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None and isinstance(column_type, sa.JSON):
                process = _json_or_text(process)
            processors.append(process)
        self.processors = tuple(processors)

    def values(self, params: list[dict[str, Any]]) -> Iterator[list[Any]]:
        """The converted values of each row of ``params``, in the order of :attr:`names`.

        A value that is the very object of the row before in its column (the
        instant every outbox row of a batch was written at) is converted once.
        """
        names = self.names
        converted = [(i, f, [_UNSET, None]) for i, f in enumerate(self.processors) if f is not None]
        for p in params:
            values = [p[n] for n in names]
            for i, f, last in converted:
                v = values[i]
                if v is last[0]:
                    values[i] = last[1]
                else:
                    last[0] = v
                    values[i] = last[1] = f(v)
            yield values

    def rows(self, params: list[dict[str, Any]]) -> list[Any]:
        """The driver's parameters of ``params`` (tuples or dicts, as its paramstyle wants)."""
        if self.positional:
            return [tuple(values) for values in self.values(params)]
        names = self.names
        return [dict(zip(names, values, strict=True)) for values in self.values(params)]

    def run(self, connection: sa.Connection, params: list[dict[str, Any]]) -> Any:
        """Execute for every row of ``params``; return the result (its ``rowcount``)."""
        return connection.exec_driver_sql(self.sql, self.rows(params))

    def copy(
        self, connection: sa.Connection, table: sa.Table, params: list[dict[str, Any]]
    ) -> None:
        """Write the rows of ``params`` into ``table`` with PostgreSQL's ``COPY … FROM STDIN``.

        For an INSERT without ON CONFLICT or RETURNING (a batch's events and
        outbox rows): the values are those :meth:`run` sends, the rows one
        stream instead of a statement each. A database error is SQLAlchemy's,
        as :meth:`run` raises it (a lost connection invalidated).
        """
        quote = connection.dialect.identifier_preparer.quote
        sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in self.names)}) FROM STDIN"
        driver = connection.connection.driver_connection
        dialect = connection.dialect
        error: type[Exception] = dialect.loaded_dbapi.Error
        try:
            with driver.cursor() as cursor, cursor.copy(sql) as stream:  # type: ignore[union-attr]
                for values in self.values(params):
                    stream.write_row(values)
        except error as exc:
            if dialect.is_disconnect(exc, driver, None):  # type: ignore[arg-type]
                connection.invalidate(exc)
            raise sa.exc.DBAPIError.instance(sql, None, exc, error, dialect=dialect) from exc


class SqlStore:
    """What the parts of the SQL backend share (its attributes are set when it opens)."""

    url: str
    engine: sa.Engine
    dialect: str
    metadata: sa.MetaData
    specs: dict[str, AggregateSpec[Any]]
    _shown: str
    _sqlite: bool
    _closed: bool
    _serial_lock: threading.RLock | None
    _tables: dict[str, sa.Table]
    _events: sa.Table
    _outbox: sa.Table
    _delivery: sa.Table
    _data_keys: sa.Table
    _keys: EncryptionKeys | None
    _driver_statements: dict[tuple[int, tuple[str, ...]], DriverStatement]

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
            raise StorageError(f"{doing} failed on {self._shown!r}: {describe_error(exc)}") from exc

    @contextmanager
    def _begin(self, doing: str) -> Iterator[sa.Connection]:
        self._check_open()
        with self._wrap_errors(doing), self._serial(), self.engine.begin() as connection:
            yield connection

    def _insert(self, table: sa.Table) -> Any:
        if self.dialect == "postgresql":
            return pg_dialect.insert(table)
        return sqlite_dialect.insert(table)

    def column_value(self, index_type: IndexType) -> Callable[[Any, str], Any]:
        """Return ``to_db`` for one index type, with a fast path for the common values.

        A plain ``str`` without a refused character, a ``bool``, an ``int`` or
        ``float`` of 64 bits, an aware ``datetime`` and None are converted at
        once; anything else (an enumeration member, a value that does not fit)
        goes through :meth:`to_db`, which converts or raises as always.
        """
        to_db = self.to_db
        naive = self._sqlite

        if index_type == "str":

            def value_str(value: Any, name: str) -> Any:
                if value.__class__ is str and text_problem(value) is None:
                    return value
                return None if value is None else to_db(value, "str", name)

            return value_str
        if index_type == "datetime":

            def value_instant(value: Any, name: str) -> Any:
                if value.__class__ is datetime and value.utcoffset() is not None:
                    instant = value.astimezone(UTC)
                    return instant.replace(tzinfo=None) if naive else instant
                return None if value is None else to_db(value, "datetime", name)

            return value_instant
        if index_type == "bool":
            return lambda value, name: (
                value if value.__class__ is bool or value is None else to_db(value, "bool", name)
            )
        if index_type == "float":
            return lambda value, name: (
                value if value.__class__ is float or value is None else to_db(value, "float", name)
            )
        return lambda value, name: to_db(value, index_type, name)

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

    def _run_many(
        self, connection: sa.Connection, statement: Any, params: list[dict[str, Any]]
    ) -> Any:
        """Run ``statement`` for every row of ``params`` as a :class:`DriverStatement`.

        Every row has the keys of the first. Returns the result (its ``rowcount``).
        """
        return self._driver(statement, tuple(params[0])).run(connection, params)

    def _driver(self, statement: Any, keys: tuple[str, ...]) -> DriverStatement:
        """The :class:`DriverStatement` of ``statement`` for rows with ``keys``, built once."""
        cache_key = (id(statement), keys)
        driver = self._driver_statements.get(cache_key)
        if driver is None:
            driver = DriverStatement(self.engine, statement, keys)
            self._driver_statements[cache_key] = driver
        return driver

    def _write_many(
        self, connection: sa.Connection, statement: Any, params: list[dict[str, Any]]
    ) -> None:
        """Run the plain INSERT ``statement`` (no conflict handled, nothing returned) for
        every row of ``params``.

        On PostgreSQL the rows go in one ``COPY`` (:meth:`DriverStatement.copy`),
        elsewhere in the driver's executemany (:meth:`_run_many`).
        """
        if not params:
            return
        if self.dialect != "postgresql":
            self._run_many(connection, statement, params)
            return
        self._driver(statement, tuple(params[0])).copy(connection, statement.table, params)

    def _now(self) -> Any:
        now = datetime.now(UTC)
        return now.replace(tzinfo=None) if self._sqlite else now

    def _instant(self, value: datetime, name: str) -> Any:
        return self.to_db(value, "datetime", name)

    # -- encryption at rest -----------------------------------------------------

    def open_events(self, connection: sa.Connection, bodies: list[Any]) -> list[Any]:
        """Return stored event ``bodies`` with their sealed values opened."""
        sealing = self.sealing(connection)
        if sealing is None:
            check = open_unkeyed("an event")
            return [check(b) for b in bodies]
        return sealing.open_events(bodies)

    def sealing(self, connection: sa.Connection) -> Sealing | None:
        """The sealing of a transaction on ``connection`` (None without keys)."""
        if self._keys is None:
            return None
        return Sealing(self._keys, SqlDataKeys(connection, self._data_keys))
