"""customer notices, proactive feedback and customer relationship analyses

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 15:30:00.000000

Customer notices (``itsm_customer_notice``: change notices and planned-outage
announcements with their recipients) and proactive feedback
(``itsm_proactive_feedback``: progress updates due per request) and customer
relationship analyses (``itsm_relationship_analysis``) get their aggregate
tables. No data moves: both kinds are new.
"""

from collections.abc import Sequence

from itsm_core.storage.sqlalchemy.migrations.aggregate_tables import (
    create_aggregate_table,
    drop_aggregate_table,
)

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_NOTICE_FIELDS = (
    "state:str notice_kind:str change_id:str open:bool starts_at:datetime "
    "created_at:datetime issued_at:datetime recipient_count:int to_call:int"
)
"""The index fields of ``itsm_customer_notice`` as this revision creates them."""

_FEEDBACK_FIELDS = (
    "state:str record_id:str customer:str reason:str next_due_at:datetime "
    "created_at:datetime missed:int"
)
"""The index fields of ``itsm_proactive_feedback`` as this revision creates them."""

_RELATIONSHIP_FIELDS = (
    "customer:str run_by:str run_at:datetime period_start:datetime period_end:datetime "
    "proposal_count:int"
)
"""The index fields of ``itsm_relationship_analysis`` as this revision creates them."""


def upgrade() -> None:
    """Upgrade the schema."""
    create_aggregate_table("customer_notice", _NOTICE_FIELDS)
    create_aggregate_table("proactive_feedback", _FEEDBACK_FIELDS)
    create_aggregate_table("relationship_analysis", _RELATIONSHIP_FIELDS)


def downgrade() -> None:
    """Downgrade the schema."""
    drop_aggregate_table("relationship_analysis", _RELATIONSHIP_FIELDS)
    drop_aggregate_table("proactive_feedback", _FEEDBACK_FIELDS)
    drop_aggregate_table("customer_notice", _NOTICE_FIELDS)
