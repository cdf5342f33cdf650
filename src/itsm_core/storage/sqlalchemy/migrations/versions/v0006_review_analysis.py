"""review analysis: trend analyses, progress reports, complaint and clock figures

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:20:00.000000

Creates ``itsm_trend_analysis`` and ``itsm_improvement_progress_report``, and
adds three index columns the review pack and the trend analysis sum in the
database: a complaint's ``escalations`` (how many) and ``hours_to_close``
(wall-clock hours from receipt to closure), and an SLA clock's
``lateness_hours`` (the business time a stopped clock ran past its budget).
The upgrade fills the new columns from the stored records (of either record
shape); the records themselves do not change. SQLAlchemy Core only, so it
runs on every backend the library migrates.
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from itsm_core.storage.sqlalchemy.migrations.aggregate_tables import (
    create_aggregate_table,
    drop_aggregate_table,
)

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TREND_FIELDS = "customer:str run_by:str run_at:datetime period_from:str period_to:str"
_REPORT_FIELDS = "customer:str sent_by:str sent_at:datetime period_from:str period_to:str"


def upgrade() -> None:
    """Upgrade the schema."""
    create_aggregate_table("trend_analysis", _TREND_FIELDS)
    create_aggregate_table("improvement_progress_report", _REPORT_FIELDS)
    with op.batch_alter_table("itsm_complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalations", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("hours_to_close", sa.Double(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_itsm_complaint_escalations"), ["escalations"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_itsm_complaint_hours_to_close"), ["hours_to_close"], unique=False
        )
    with op.batch_alter_table("itsm_sla_clock", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lateness_hours", sa.Double(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_itsm_sla_clock_lateness_hours"), ["lateness_hours"], unique=False
        )
    _backfill(op.get_bind())


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("itsm_sla_clock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_itsm_sla_clock_lateness_hours"))
        batch_op.drop_column("lateness_hours")
    with op.batch_alter_table("itsm_complaint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_itsm_complaint_hours_to_close"))
        batch_op.drop_index(batch_op.f("ix_itsm_complaint_escalations"))
        batch_op.drop_column("hours_to_close")
        batch_op.drop_column("escalations")
    drop_aggregate_table("improvement_progress_report", _REPORT_FIELDS)
    drop_aggregate_table("trend_analysis", _TREND_FIELDS)


# ---------------------------------------------------------------- the data

_TEXT = sa.String().with_variant(sa.String(collation="C"), "postgresql")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_META = sa.MetaData()
_COMPLAINTS = sa.Table(
    "itsm_complaint",
    _META,
    sa.Column("id", _TEXT, primary_key=True),
    sa.Column("record", _JSON),
    sa.Column("escalations", sa.BigInteger()),
    sa.Column("hours_to_close", sa.Double()),
)
_CLOCKS = sa.Table(
    "itsm_sla_clock",
    _META,
    sa.Column("id", _TEXT, primary_key=True),
    sa.Column("record", _JSON),
    sa.Column("lateness_hours", sa.Double()),
)
_HOUR_US = 3_600_000_000


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _micros(record: dict[str, Any], *names: str) -> int | None:
    for name in names:
        value = record.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


def _rows(bind: sa.Connection, table: sa.Table) -> Iterator[Any]:
    yield from bind.execute(sa.select(table.c.id, table.c.record).order_by(table.c.id)).all()


def hours_to_close(record: dict[str, Any]) -> float | None:
    """A complaint record's hours from receipt to closure (None while open)."""
    received, closed = _instant(record.get("received_at")), _instant(record.get("closed_at"))
    if received is None or closed is None:
        return None
    return (closed - received).total_seconds() / 3600


def lateness_hours(record: dict[str, Any]) -> float | None:
    """A clock record's lateness in hours (version 1 or 2 of its shape; None unless stopped)."""
    if record.get("state") != "stopped" or not record.get("stopped_at"):
        return None
    elapsed = _micros(record, "elapsed_before", "elapsed_before_us")
    budget = _micros(record, "budget", "budget_us")
    if elapsed is None or budget is None:
        return None
    return max(elapsed - budget, 0) / _HOUR_US


def _backfill(bind: sa.Connection) -> None:
    """Fill the new columns from each stored record."""
    for row in _rows(bind, _COMPLAINTS):
        record = dict(row.record or {})
        escalations = record.get("escalations")
        bind.execute(
            _COMPLAINTS.update()
            .where(_COMPLAINTS.c.id == row.id)
            .values(
                escalations=len(escalations) if isinstance(escalations, list) else 0,
                hours_to_close=hours_to_close(record),
            )
        )
    for row in _rows(bind, _CLOCKS):
        late = lateness_hours(dict(row.record or {}))
        if late is not None:
            bind.execute(
                _CLOCKS.update().where(_CLOCKS.c.id == row.id).values(lateness_hours=late)
            )
