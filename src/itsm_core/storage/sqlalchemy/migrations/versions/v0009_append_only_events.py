"""the events are append-only in the database too

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 15:35:00.000000

Triggers refuse every ``UPDATE`` and ``DELETE`` of ``itsm_events``: the
history is written once and never rewritten, whoever holds a connection.
PostgreSQL: one trigger function, raising ``restrict_violation``; SQLite:
``BEFORE UPDATE`` and ``BEFORE DELETE`` triggers that ``RAISE(ABORT, …)``.
The outbox purge deletes outbox and delivery rows only, never events.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "itsm_events is append-only: the history is never updated or deleted"

_PG_FUNCTION = f"""
CREATE FUNCTION itsm_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    """Upgrade the schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER itsm_events_append_only BEFORE UPDATE OR DELETE ON itsm_events "
            "FOR EACH ROW EXECUTE FUNCTION itsm_events_append_only()"
        )
        return
    for action in ("update", "delete"):
        op.execute(
            f"CREATE TRIGGER itsm_events_no_{action} BEFORE {action.upper()} ON itsm_events "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade() -> None:
    """Downgrade the schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS itsm_events_append_only ON itsm_events")
        op.execute("DROP FUNCTION IF EXISTS itsm_events_append_only()")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS itsm_events_no_{action}")
