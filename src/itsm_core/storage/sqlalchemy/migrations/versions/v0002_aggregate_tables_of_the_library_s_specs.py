"""Aggregate tables of the library's specs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:40:34.293647
"""

from collections.abc import Sequence

from itsm_core.storage.sqlalchemy.migrations.aggregate_tables import (
    create_aggregate_table,
    drop_aggregate_table,
)

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: kind -> its index fields as "name:type", in column order (as the specs had them at 0002)
TABLES: dict[str, str] = {
    "complaint": (
        "state:str origin:str channel:str source:str severity:str customer:str "
        "party_complained_about:str relationship_manager:str source_ref:str verdict:str "
        "received_at:datetime updated_at:datetime closed:bool improvement_open:bool "
        "improvement_due_at:datetime improvement_owner:str callback_pending:bool "
        "callback_due_at:datetime closed_at:datetime"
    ),
    "customer_profile": "name:str key:int key_since:datetime",
    "praise": "customer:str praised_party:str channel:str received_at:datetime",
    "satisfaction_response": (
        "channel:str customer:str service:str engineer:str period:str responded_at:datetime "
        "scale:str raw:int normalised:float top_box:int dissatisfied:int "
        "very_dissatisfied:int promoter:int detractor:int nps_eligible:int campaign_id:str "
        "question:str subject_kind:str subject_ref:str respondent:str submission_id:str "
        "complaint_pending:int complaint_id:str"
    ),
    "satisfaction_standing": (
        "service:str customer:str period:str level:str below_target:bool open_improvements:int"
    ),
    "satisfaction_target": "service:str customer:str metric:str active:bool",
    "service_callback": (
        "kind:str customer:str service:str service_record_id:str engineer:str state:str "
        "sample_day:str period:str outcome:str due_at:datetime done_at:datetime"
    ),
    "service_record": (
        "customer:str service:str engineer:str state:str opened_at:datetime "
        "resolved_at:datetime closed_at:datetime closed_day:str closed_period:str "
        "first_contact:int reopened:int reopened_count:int complete:int callback_state:str"
    ),
    "sla_agreement": (
        "name:str kind:str counterparty:str period_start:datetime period_end:datetime "
        "next_notice_at:datetime"
    ),
    "sla_clock": (
        "subject_kind:str subject_id:str target:str service:str priority:str agreement_id:str "
        "calendar:str state:str handler:str customer:str breached:bool breached_at:datetime "
        "started_at:datetime due_at:datetime next_due_at:datetime stopped_at:datetime"
    ),
    "survey_campaign": (
        "state:str motive:str service:str created_at:datetime opened_at:datetime closed_at:datetime"
    ),
    "survey_invitation": (
        "campaign_id:str customer:str respondent:str token:str state:str invited_at:datetime "
        "expires_at:datetime responded:int reminders:int"
    ),
}


def upgrade() -> None:
    """Upgrade the schema."""
    for kind, fields in TABLES.items():
        create_aggregate_table(kind, fields)


def downgrade() -> None:
    """Downgrade the schema."""
    for kind, fields in reversed(TABLES.items()):
        drop_aggregate_table(kind, fields)
