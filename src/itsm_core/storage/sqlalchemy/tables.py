"""The SQL schema, built from the aggregate specs.

Per aggregate kind one table ``itsm_<kind>``: ``id`` (primary key),
``version`` (optimistic concurrency), ``record`` (the spec's JSON-able
record; ``JSONB`` on PostgreSQL) and one typed, indexed column per
:class:`~itsm_core.storage.specs.IndexField`. Besides them, the tables every
store has: ``itsm_events`` (the audit trail, with the
idempotency key of the command that stored each event; append-only: the
migrations add triggers refusing UPDATE and DELETE), ``itsm_outbox`` (committed
events until every notifier has them, then done until purged; with the
lease of the relay claiming each) and ``itsm_outbox_delivery`` (per
notifier: delivered or failed, attempts, next retry).

Strings compare and sort by code point, as Python does (``COLLATE "C"`` on
PostgreSQL; SQLite's default ``BINARY`` already does). Datetimes are stored
in UTC and come back timezone-aware in UTC.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from itsm_core.kernel.errors import ValidationError
from itsm_core.storage.base import AggregateSpec, IndexType

__all__ = [
    "COMPOSITE_INDEXES",
    "DATA_KEYS",
    "EVENTS",
    "OUTBOX",
    "OUTBOX_DELIVERY",
    "RESERVED_COLUMNS",
    "TABLE_PREFIX",
    "VERSION_TABLE",
    "AggregateTables",
    "add_aggregate_table",
    "build_metadata",
    "check_aggregate_table",
    "check_aggregate_tables",
    "column_type",
    "core_metadata",
    "library_metadata",
    "table_name",
]

TABLE_PREFIX = "itsm_"
"""Every table of the library starts with this prefix."""

VERSION_TABLE = "itsm_alembic_version"
"""Alembic's revision marker, named so it never collides with an application's own."""

RESERVED_COLUMNS = frozenset({"id", "version", "record"})
"""Column names an index field may not take."""

COMPOSITE_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    # the open clock of a subject's promise: SlaService.start's duplicate check
    # and every "the clock of this complaint" lookup (revision 0007)
    "sla_clock": (("subject_kind", "subject_id", "target"),),
}
"""Per aggregate kind, the index fields that are indexed together as well.

One column's index does not serve a lookup by several: on 100k clocks of one
subject kind and promise, the database would walk every row of the kind (or
of the order column) to find the one subject. A kind's table gets an index
``ix_<table>_<field>_<field>…`` over each tuple whose fields it indexes.
"""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_IDENTIFIER = 63  # PostgreSQL's limit

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _text() -> sa.types.TypeEngine[str]:
    """A string compared byte-wise (code point order), as Python compares ``str``."""
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return sa.DateTime(timezone=True)


def _serial() -> sa.types.TypeEngine[int]:
    # SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def column_type(index_type: IndexType) -> sa.types.TypeEngine[Any]:
    """Return the column type of an index field type.

    :raises ValidationError: for a type the interface does not define.
    """
    if index_type == "str":
        return _text()
    if index_type == "int":
        return sa.BigInteger()
    if index_type == "float":
        return sa.Double()
    if index_type == "bool":
        return sa.Boolean()
    if index_type == "datetime":
        return _instant()
    raise ValidationError(
        f"unknown index type {index_type!r}; allowed: str, int, float, bool, datetime",
        field="type",
    )


def _check_name(name: str, what: str) -> None:
    if not _NAME.match(name):
        raise ValidationError(
            f"{what} {name!r} cannot name a SQL table or column: use lower-case letters, "
            "digits and underscores, starting with a letter",
            field=what,
        )


def table_name(kind: str) -> str:
    """Return the table of an aggregate kind: ``itsm_<kind>``.

    :raises ValidationError: if ``kind`` is not a plain lower-case identifier.
    """
    _check_name(kind, "kind")
    return f"{TABLE_PREFIX}{kind}"


def check_aggregate_table(spec: AggregateSpec[Any]) -> str:
    """Return the table name of ``spec``'s kind once its names can be SQL identifiers.

    :raises ValidationError: for a kind or field name that cannot be a SQL
        identifier, a reserved column name, or a name too long for PostgreSQL.
    """
    name = table_name(spec.kind)
    for field in spec.index:
        _check_name(field.name, "field")
        if field.name in RESERVED_COLUMNS:
            raise ValidationError(
                f"{spec.kind}: index field {field.name!r} collides with a column every "
                f"aggregate table has ({', '.join(sorted(RESERVED_COLUMNS))}); rename it",
                field=field.name,
            )
        index_name = f"ix_{name}_{field.name}"
        if len(index_name) > _MAX_IDENTIFIER:
            raise ValidationError(
                f"{spec.kind}: the index name {index_name!r} is longer than "
                f"{_MAX_IDENTIFIER} characters; shorten the kind or the field name",
                field=field.name,
            )
    return name


def add_aggregate_table(metadata: sa.MetaData, spec: AggregateSpec[Any]) -> sa.Table:
    """Add the table of one aggregate kind to ``metadata`` and return it.

    :raises ValidationError: for a kind or field name that cannot be a SQL
        identifier, a reserved column name, or a name too long for PostgreSQL.
    """
    name = check_aggregate_table(spec)
    columns: list[sa.Column[Any]] = [
        sa.Column("id", _text(), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("record", _json(), nullable=False),
    ]
    for field in spec.index:
        columns.append(sa.Column(field.name, column_type(field.type), nullable=True, index=True))
    indexed = {f.name for f in spec.index}
    together = [
        sa.Index(f"ix_{name}_{'_'.join(fields)}", *fields)
        for fields in COMPOSITE_INDEXES.get(spec.kind, ())
        if set(fields) <= indexed
    ]
    return sa.Table(name, metadata, *columns, *together)


class AggregateTables(dict[str, sa.Table]):
    """The tables of a store's aggregate kinds by kind, each built on first use.

    Building every kind's table (its columns, indexes and their names) is
    most of what opening a SQL store costs, and a process may use a few
    kinds only: ``tables[kind]`` adds the kind's table to ``metadata`` the
    first time it is asked for. Every spec's names are checked at once
    (:func:`check_aggregate_tables`), so a bad spec still fails the open.

    :param metadata: the metadata the tables join (the core tables' one).
    :param specs: the store's specs by kind; another kind raises ``KeyError``.
    """

    def __init__(self, metadata: sa.MetaData, specs: Mapping[str, AggregateSpec[Any]]) -> None:
        super().__init__()
        self._metadata = metadata
        self._specs = specs
        self._lock = threading.Lock()

    def __missing__(self, kind: str) -> sa.Table:
        spec = self._specs[kind]
        with self._lock:  # two threads asking at once build the table once
            table = self._metadata.tables.get(table_name(kind))
            if table is None:
                table = add_aggregate_table(self._metadata, spec)
            self[kind] = table
        return table


def check_aggregate_tables(specs: Iterable[AggregateSpec[Any]]) -> dict[str, str]:
    """Return ``{kind: table name}`` of ``specs`` once every name can be a SQL identifier.

    :raises ValidationError: for two specs of one kind, or a spec whose names
        cannot be SQL identifiers.
    """
    names: dict[str, str] = {}
    for spec in specs:
        if spec.kind in names:
            raise ValidationError(f"two specs for the aggregate kind {spec.kind!r}", field="kind")
        names[spec.kind] = check_aggregate_table(spec)
    return names


def core_metadata() -> sa.MetaData:
    """Return a metadata holding only the tables every store has."""
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    sa.Table(
        "itsm_events",
        metadata,
        sa.Column("event_id", _text(), primary_key=True),
        sa.Column("aggregate_kind", _text(), nullable=False),
        sa.Column("aggregate_id", _text(), nullable=False),
        sa.Column("aggregate_version", sa.BigInteger(), nullable=False),
        sa.Column("name", _text(), nullable=False),
        sa.Column("occurred_at", _instant(), nullable=False),
        sa.Column("actor_id", _text(), nullable=False),
        sa.Column("body", _json(), nullable=False),
        # the idempotency key of the command that committed the event, if it had one;
        # the command's name and target, and the event's ordinal within the command
        sa.Column("command_key", _text(), nullable=True),
        sa.Column("command_seq", sa.BigInteger(), nullable=True),
        sa.Column("command", _text(), nullable=True),
        sa.Column("command_target", _text(), nullable=True),
        # one event per version of an aggregate: also stops two concurrent writers
        sa.UniqueConstraint("aggregate_kind", "aggregate_id", "aggregate_version"),
        # one run per key: a second run of a keyed command cannot store its events
        sa.Index("ix_itsm_events_command_key", "command_key", "command_seq", unique=True),
    )
    sa.Table(
        "itsm_outbox",
        metadata,
        sa.Column("seq", _serial(), primary_key=True, autoincrement=True),
        sa.Column(
            "event_id",
            _text(),
            sa.ForeignKey("itsm_events.event_id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("done_at", _instant(), nullable=True),
        # the lease of the relay working on the entry (None: nobody claims it)
        sa.Column("claimed_until", _instant(), nullable=True),
        sa.Index("ix_itsm_outbox_pending", "done_at", "seq"),
    )
    sa.Table(
        "itsm_outbox_delivery",
        metadata,
        sa.Column(
            "event_id",
            _text(),
            sa.ForeignKey("itsm_outbox.event_id"),
            primary_key=True,
        ),
        sa.Column("notifier", _text(), primary_key=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("delivered_at", _instant(), nullable=True),
        sa.Column("next_attempt_at", _instant(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    # encryption at rest: each aggregate's data key, wrapped by an application key
    sa.Table(
        "itsm_data_keys",
        metadata,
        sa.Column("aggregate_kind", _text(), primary_key=True),
        sa.Column("aggregate_id", _text(), primary_key=True),
        sa.Column("key_id", _text(), nullable=False),
        sa.Column("wrapped_key", sa.Text(), nullable=False),
    )
    return metadata


EVENTS = "itsm_events"
OUTBOX = "itsm_outbox"
OUTBOX_DELIVERY = "itsm_outbox_delivery"
DATA_KEYS = "itsm_data_keys"


def build_metadata(specs: Iterable[AggregateSpec[Any]]) -> sa.MetaData:
    """Return the metadata of the core tables plus one table per spec.

    :raises ValidationError: for two specs of one kind, or a spec whose names
        cannot be SQL identifiers.
    """
    specs = list(specs)
    check_aggregate_tables(specs)
    metadata = core_metadata()
    for spec in specs:
        add_aggregate_table(metadata, spec)
    return metadata


def library_metadata(specs: Sequence[AggregateSpec[Any]]) -> sa.MetaData:
    """Return the metadata the migrations create: core tables and the library's aggregates.

    :param specs: the library's aggregate specs
        (:func:`itsm_core.areas.aggregate_specs`; storage knows no area).
    """
    return build_metadata(specs)
