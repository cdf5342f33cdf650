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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from itsm_core.kernel.errors import ItsmError, StorageError
from itsm_core.storage.base import AggregateSpec, IndexType, check_value
from itsm_core.storage.sealing import EncryptionKeys, Sealing, open_unkeyed
from itsm_core.storage.sqlalchemy.engine import describe_error
from itsm_core.storage.sqlalchemy.sealed import SqlDataKeys

__all__ = ["SqlStore"]


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


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
