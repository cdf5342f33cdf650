"""What the revisions use to create and drop aggregate tables, one line per table.

An aggregate table is ``itsm_<kind>`` with ``id`` (the primary key),
``version`` and ``record`` (JSON; ``JSONB`` on PostgreSQL), and one nullable,
indexed column per index field. A revision lists the index fields of each
table as ``"name:type"`` words and calls :func:`create_aggregate_table` or
:func:`drop_aggregate_table`, instead of spelling every column out.

The column types here are frozen: a revision that has run must create the
same schema forever. They match
:func:`itsm_core.storage.sqlalchemy.tables.column_type` today; when that
changes, a new revision alters the columns, and these stay as they are.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from itsm_core.kernel.errors import ValidationError

__all__ = ["COLUMN_TYPES", "create_aggregate_table", "drop_aggregate_table"]


def _text() -> sa.types.TypeEngine[Any]:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")


COLUMN_TYPES: dict[str, Any] = {
    "str": _text,
    "int": sa.BigInteger,
    "float": sa.Double,
    "bool": sa.Boolean,
    "datetime": lambda: sa.DateTime(timezone=True),
}
"""Index field type → column type, as the revisions create them."""


def _fields(fields: str) -> list[tuple[str, str]]:
    """``"state:str due_at:datetime"`` → ``[("state", "str"), ("due_at", "datetime")]``.

    :raises ValidationError: for a word that is not ``name:type`` with a known type.
    """
    pairs = [tuple(word.split(":")) for word in fields.split()]
    for pair in pairs:
        if len(pair) != 2 or pair[1] not in COLUMN_TYPES:
            raise ValidationError(
                f"an index field is 'name:type' with a type of {', '.join(COLUMN_TYPES)}; "
                f"got {':'.join(pair)!r}",
                field="fields",
            )
    return [(name, kind) for name, kind in pairs]


def create_aggregate_table(kind: str, fields: str) -> None:
    """Create ``itsm_<kind>`` with its index field columns and their indexes.

    :param kind: the aggregate kind.
    :param fields: the index fields, ``"name:type"`` separated by blanks, in column order.
    """
    table = f"itsm_{kind}"
    op.create_table(
        table,
        sa.Column("id", _text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column(
            "record",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        *(sa.Column(name, COLUMN_TYPES[t](), nullable=True) for name, t in _fields(fields)),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, _ in sorted(_fields(fields)):
            batch_op.create_index(batch_op.f(f"ix_{table}_{name}"), [name], unique=False)


def drop_aggregate_table(kind: str, fields: str) -> None:
    """Drop ``itsm_<kind>`` and the indexes of its index fields."""
    table = f"itsm_{kind}"
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, _ in sorted(_fields(fields), reverse=True):
            batch_op.drop_index(batch_op.f(f"ix_{table}_{name}"))
    op.drop_table(table)
