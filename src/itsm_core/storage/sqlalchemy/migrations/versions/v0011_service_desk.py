"""service desk: knowledge flags, customer contacts, what the desk follows on service records

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 15:40:00.000000

Creates ``itsm_knowledge_flag`` and ``itsm_customer_contact`` (the caller's
phone number and e-mail address, normalised, are indexed columns), and adds
three index columns to ``itsm_service_record``: ``kind`` (a failure or
another request), ``desk_agent`` (the desk member who follows it) and
``updated_at`` (its latest change). The upgrade fills ``updated_at`` from the
stored records (the latest of their opened, resolved and closed instants,
as record version 2 upcasts them); the records themselves do not change.
SQLAlchemy Core only, so it runs on every backend the library migrates.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from itsm_core.storage.sqlalchemy.migrations.aggregate_tables import (
    create_aggregate_table,
    drop_aggregate_table,
)

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FLAG_FIELDS = (
    "kind:str state:str article:str record_id:str customer:str route_to:str raised_by:str "
    "raised_at:datetime uses:int resolved:int"
)
"""The index fields of ``itsm_knowledge_flag`` as this revision creates them."""

_CONTACT_FIELDS = "customer:str phone:str email:str"
"""The index fields of ``itsm_customer_contact`` as this revision creates them."""

_TEXT = sa.String().with_variant(sa.String(collation="C"), "postgresql")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_RECORDS = sa.Table(
    "itsm_service_record",
    sa.MetaData(),
    sa.Column("id", _TEXT, primary_key=True),
    sa.Column("record", _JSON),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    """Upgrade the schema."""
    create_aggregate_table("knowledge_flag", _FLAG_FIELDS)
    create_aggregate_table("customer_contact", _CONTACT_FIELDS)
    with op.batch_alter_table("itsm_service_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", _TEXT, nullable=True))
        batch_op.add_column(sa.Column("desk_agent", _TEXT, nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        for name in ("desk_agent", "kind", "updated_at"):
            batch_op.create_index(
                batch_op.f(f"ix_itsm_service_record_{name}"), [name], unique=False
            )
    _backfill(op.get_bind())


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("itsm_service_record", schema=None) as batch_op:
        for name in ("updated_at", "kind", "desk_agent"):
            batch_op.drop_index(batch_op.f(f"ix_itsm_service_record_{name}"))
        batch_op.drop_column("updated_at")
        batch_op.drop_column("desk_agent")
        batch_op.drop_column("kind")
    drop_aggregate_table("customer_contact", _CONTACT_FIELDS)
    drop_aggregate_table("knowledge_flag", _FLAG_FIELDS)


def latest_instant(record: dict[str, object]) -> datetime | None:
    """The latest of a service record's opened, resolved and closed instants."""
    found: datetime | None = None
    for name in ("opened_at", "resolved_at", "closed_at"):
        value = record.get(name)
        if not isinstance(value, str) or not value:
            continue
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            continue
        moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        found = moment if found is None or moment > found else found
    return found


def _backfill(bind: sa.Connection) -> None:
    """Fill ``updated_at`` from each stored service record."""
    rows = bind.execute(sa.select(_RECORDS.c.id, _RECORDS.c.record).order_by(_RECORDS.c.id))
    for row in rows.all():
        record = dict(row.record or {})
        when = record.get("updated_at")
        moment = latest_instant({"opened_at": when}) if isinstance(when, str) else None
        moment = moment or latest_instant(record)
        if moment is not None:
            bind.execute(
                _RECORDS.update().where(_RECORDS.c.id == row.id).values(updated_at=moment)
            )
