"""sla clock subject index: one index over a clock's subject and promise

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 15:30:00.000000

Adds ``ix_itsm_sla_clock_subject_kind_subject_id_target`` over
``(subject_kind, subject_id, target)``: the lookup of a subject's open clock
(the duplicate check of ``SlaService.start``, a complaint's or an improvement
item's clock) then reads the subject's few rows, whatever the number of
clocks of the same kind; with one index per column, SQLite without
statistics walked every clock of the subject kind. Indexes only: no data
changes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_itsm_sla_clock_subject_kind_subject_id_target"


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("itsm_sla_clock", schema=None) as batch_op:
        batch_op.create_index(_INDEX, ["subject_kind", "subject_id", "target"], unique=False)


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("itsm_sla_clock", schema=None) as batch_op:
        batch_op.drop_index(_INDEX)
