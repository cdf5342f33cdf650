"""encryption at rest: the data keys

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:50:00.000000

``itsm_data_keys`` holds, for each aggregate with a confidential value, its
data key wrapped by one of the application's keys. No data moves: a store
seals values only once the application gives it keys.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sa.String().with_variant(sa.String(collation="C"), "postgresql")


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "itsm_data_keys",
        sa.Column("aggregate_kind", _TEXT, nullable=False),
        sa.Column("aggregate_id", _TEXT, nullable=False),
        sa.Column("key_id", _TEXT, nullable=False),
        sa.Column("wrapped_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("aggregate_kind", "aggregate_id", name=op.f("pk_itsm_data_keys")),
    )


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_table("itsm_data_keys")
