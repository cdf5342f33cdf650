"""The SQL side of encryption at rest: the wrapped data keys and key rotation.

The data keys live in ``itsm_data_keys``, one row per aggregate that holds a
confidential value: ``(aggregate_kind, aggregate_id)``, the id of the
application's key that wraps it, and the wrapped key. A data key is written in
the same transaction as the first sealed value it protects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from itsm_core.storage.sealing import SEALED_FIELDS, DataKeyRef, EncryptionKeys, Sealing

if TYPE_CHECKING:
    from itsm_core.storage.sqlalchemy.backend import SqlBackend

__all__ = ["SqlDataKeys", "rewrap_data_keys", "seal_clear_records"]


class SqlDataKeys:
    """The data keys of one transaction (a :class:`~itsm_core.storage.sealing.DataKeyStore`)."""

    def __init__(self, connection: sa.Connection, table: sa.Table) -> None:
        self._connection = connection
        self._table = table

    def load(self, refs: Iterable[DataKeyRef]) -> dict[DataKeyRef, tuple[str, str]]:
        """Return the wrapped data keys of those of ``refs`` that have one."""
        by_kind: dict[str, list[str]] = defaultdict(list)
        for kind, aggregate_id in refs:
            by_kind[kind].append(aggregate_id)
        t = self._table
        found: dict[DataKeyRef, tuple[str, str]] = {}
        for kind, ids in by_kind.items():
            for start in range(0, len(ids), 500):
                rows = self._connection.execute(
                    sa.select(t.c.aggregate_id, t.c.key_id, t.c.wrapped_key)
                    .where(t.c.aggregate_kind == kind)
                    .where(t.c.aggregate_id.in_(ids[start : start + 500]))
                )
                for row in rows:
                    found[(kind, row.aggregate_id)] = (row.key_id, row.wrapped_key)
        return found

    def add(self, ref: DataKeyRef, key_id: str, wrapped: str) -> None:
        """Store a new wrapped data key."""
        self._connection.execute(
            sa.insert(self._table).values(
                aggregate_kind=ref[0], aggregate_id=ref[1], key_id=key_id, wrapped_key=wrapped
            )
        )


def rewrap_data_keys(
    backend: SqlBackend, keys: EncryptionKeys, connection: sa.Connection
) -> int:
    """Re-wrap every data key not wrapped by ``keys.current`` under it; return how many.

    In the caller's transaction (``connection``). The sealed values themselves
    (records and the append-only events) are not touched.
    """
    t = backend._data_keys
    changed = 0
    rows: list[Any] = list(
        connection.execute(
            sa.select(t.c.aggregate_kind, t.c.aggregate_id, t.c.key_id, t.c.wrapped_key)
            .where(t.c.key_id != keys.current)
            .with_for_update()
        )
    )
    for row in rows:
        ref = (row.aggregate_kind, row.aggregate_id)
        key_id, wrapped = keys.wrap(ref, keys.unwrap(ref, row.key_id, row.wrapped_key))
        connection.execute(
            sa.update(t)
            .where(t.c.aggregate_kind == ref[0])
            .where(t.c.aggregate_id == ref[1])
            .values(key_id=key_id, wrapped_key=wrapped)
        )
        changed += 1
    return changed


def seal_clear_records(
    backend: SqlBackend, keys: EncryptionKeys, connection: sa.Connection
) -> int:
    """Seal the confidential fields of records stored in clear (before keys were given).

    Only the record changes (not its version): it says the same, now sealed.
    Events written in clear stay as they are: the events table is append-only.

    :return: how many records were sealed.
    """
    sealed_count = 0
    sealing = Sealing(keys, SqlDataKeys(connection, backend._data_keys))
    for kind, spec in backend.specs.items():
        if spec.confidential is None:
            continue
        table = backend._tables[kind]
        rows = list(connection.execute(sa.select(table.c.id, table.c.record)))
        for row in rows:
            record = dict(row.record)
            if SEALED_FIELDS in record:
                continue
            fields = spec.sealed_fields(spec.from_record(record))
            if not fields:
                continue
            connection.execute(
                sa.update(table)
                .where(table.c.id == row.id)
                .values(record=sealing.seal_record(kind, record, fields))
            )
            sealed_count += 1
    return sealed_count
