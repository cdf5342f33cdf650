"""service reviews and review plans

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 12:45:00.000000

Service reviews (``itsm_service_review``) and the review plans that schedule
them (``itsm_review_plan``) get their aggregate tables. No data moves: both
kinds are new.
"""

from collections.abc import Sequence

from itsm_core.storage.sqlalchemy.migrations.aggregate_tables import (
    create_aggregate_table,
    drop_aggregate_table,
)

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_REVIEW_FIELDS = (
    "state:str customer:str plan_id:str project_manager:str form:str open:bool "
    "scheduled_at:datetime due_at:datetime period_start:datetime period_end:datetime "
    "held_at:datetime reported_at:datetime problem_count:int action_count:int"
)
"""The index fields of ``itsm_service_review`` as this revision creates them."""

_PLAN_FIELDS = "state:str customer:str cadence:str project_manager:str created_at:datetime"
"""The index fields of ``itsm_review_plan`` as this revision creates them."""


def upgrade() -> None:
    """Upgrade the schema."""
    create_aggregate_table("service_review", _REVIEW_FIELDS)
    create_aggregate_table("review_plan", _PLAN_FIELDS)


def downgrade() -> None:
    """Downgrade the schema."""
    drop_aggregate_table("review_plan", _PLAN_FIELDS)
    drop_aggregate_table("service_review", _REVIEW_FIELDS)
