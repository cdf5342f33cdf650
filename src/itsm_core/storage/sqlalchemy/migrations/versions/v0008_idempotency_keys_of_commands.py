"""idempotency keys: the command that stored each event

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 15:30:00.000000

Adds to ``itsm_events`` the idempotency key of the command that committed
the event (``command_key``, None for a command given none), the event's
ordinal within that command (``command_seq``), the command's name
(``command``) and what it acted on (``command_target``), with a unique index
on (key, ordinal): one run per key. Events stored before have no key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sa.String().with_variant(sa.String(collation="C"), "postgresql")


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("itsm_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("command_key", _TEXT, nullable=True))
        batch_op.add_column(sa.Column("command_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("command", _TEXT, nullable=True))
        batch_op.add_column(sa.Column("command_target", _TEXT, nullable=True))
        batch_op.create_index(
            "ix_itsm_events_command_key", ["command_key", "command_seq"], unique=True
        )


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("itsm_events", schema=None) as batch_op:
        batch_op.drop_index("ix_itsm_events_command_key")
        batch_op.drop_column("command_target")
        batch_op.drop_column("command")
        batch_op.drop_column("command_seq")
        batch_op.drop_column("command_key")
