"""improvement items

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 10:02:58.430657

Improvement items become aggregates of their own (``itsm_improvement_item``).
Besides the schema, the upgrade moves the data: every improvement a
complaint or a satisfaction standing held inside its record becomes an item
row (with one ``improvement_item.migrated`` event, its version 1), the
complaint's record keeps the item's id (``improvement_id``), the standing's
the ids of its items, and the SLA clock of a complaint's improvement period
is the item's (subject kind ``improvement_item``). The downgrade puts the
items back into their complaints and standings (the items' events stay: they
are history). Both use SQLAlchemy Core
only, so they run on every backend the library migrates.
"""

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from itsm_core.storage.sqlalchemy.migrations.aggregate_tables import (
    create_aggregate_table,
    drop_aggregate_table,
)

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_ITEM_FIELDS = (
    "state:str source_kind:str source_ref:str owner:str open:bool due_at:datetime "
    "issued_at:datetime service:str customer:str business_unit:str"
)
"""The index fields of ``itsm_improvement_item`` as this revision creates them."""


def upgrade() -> None:
    """Upgrade the schema."""
    create_aggregate_table("improvement_item", _ITEM_FIELDS)

    with op.batch_alter_table("itsm_complaint", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "improvement_id",
                sa.String().with_variant(sa.String(collation="C"), "postgresql"),
                nullable=True,
            )
        )
        batch_op.drop_index(batch_op.f("ix_itsm_complaint_improvement_due_at"))
        batch_op.drop_index(batch_op.f("ix_itsm_complaint_improvement_open"))
        batch_op.drop_index(batch_op.f("ix_itsm_complaint_improvement_owner"))
        batch_op.create_index(
            batch_op.f("ix_itsm_complaint_improvement_id"), ["improvement_id"], unique=False
        )
        batch_op.drop_column("improvement_due_at")
        batch_op.drop_column("improvement_owner")
        batch_op.drop_column("improvement_open")

    with op.batch_alter_table("itsm_satisfaction_standing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_itsm_satisfaction_standing_open_improvements"))
        batch_op.drop_column("open_improvements")

    _move_items_out(op.get_bind())


def downgrade() -> None:
    """Downgrade the schema."""
    _move_items_back(op.get_bind())
    with op.batch_alter_table("itsm_satisfaction_standing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("open_improvements", sa.BigInteger(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_itsm_satisfaction_standing_open_improvements"),
            ["open_improvements"],
            unique=False,
        )

    with op.batch_alter_table("itsm_complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("improvement_open", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("improvement_owner", _TEXT, nullable=True))
        batch_op.add_column(
            sa.Column("improvement_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.drop_index(batch_op.f("ix_itsm_complaint_improvement_id"))
        batch_op.create_index(
            batch_op.f("ix_itsm_complaint_improvement_owner"), ["improvement_owner"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_itsm_complaint_improvement_open"), ["improvement_open"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_itsm_complaint_improvement_due_at"), ["improvement_due_at"], unique=False
        )
        batch_op.drop_column("improvement_id")

    drop_aggregate_table("improvement_item", _ITEM_FIELDS)
    _restore_index_columns(op.get_bind())


# ---------------------------------------------------------------- the data

_TEXT = sa.String().with_variant(sa.String(collation="C"), "postgresql")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_INSTANT = sa.DateTime(timezone=True)
_META = sa.MetaData()

_ITEMS = sa.Table(
    "itsm_improvement_item",
    _META,
    sa.Column("id", _TEXT, primary_key=True),
    sa.Column("version", sa.BigInteger()),
    sa.Column("record", _JSON),
    *(
        sa.Column(name, _TEXT)
        for name in (
            "state",
            "source_kind",
            "source_ref",
            "owner",
            "service",
            "customer",
            "business_unit",
        )
    ),
    sa.Column("open", sa.Boolean()),
    sa.Column("due_at", _INSTANT),
    sa.Column("issued_at", _INSTANT),
)
_COMPLAINTS = sa.Table(
    "itsm_complaint",
    _META,
    sa.Column("id", _TEXT, primary_key=True),
    sa.Column("record", _JSON),
    sa.Column("improvement_id", _TEXT),
)
_COMPLAINTS_BEFORE = sa.Table(  # the index columns 0003 had, put back by the downgrade
    "itsm_complaint",
    sa.MetaData(),
    sa.Column("id", _TEXT, primary_key=True),
    sa.Column("record", _JSON),
    sa.Column("improvement_open", sa.Boolean()),
    sa.Column("improvement_owner", _TEXT),
    sa.Column("improvement_due_at", _INSTANT),
)
_STANDINGS = sa.Table(
    "itsm_satisfaction_standing",
    _META,
    sa.Column("id", _TEXT, primary_key=True),
    sa.Column("record", _JSON),
)
_STANDINGS_BEFORE = sa.Table(
    "itsm_satisfaction_standing",
    sa.MetaData(),
    sa.Column("id", _TEXT, primary_key=True),
    sa.Column("record", _JSON),
    sa.Column("open_improvements", sa.BigInteger()),
)
_CLOCKS = sa.Table(
    "itsm_sla_clock",
    _META,
    sa.Column("id", _TEXT, primary_key=True),
    sa.Column("record", _JSON),
    sa.Column("subject_kind", _TEXT),
    sa.Column("subject_id", _TEXT),
    sa.Column("target", _TEXT),
)
_EVENTS = sa.Table(
    "itsm_events",
    _META,
    sa.Column("event_id", _TEXT, primary_key=True),
    sa.Column("aggregate_kind", _TEXT),
    sa.Column("aggregate_id", _TEXT),
    sa.Column("aggregate_version", sa.BigInteger()),
    sa.Column("name", _TEXT),
    sa.Column("occurred_at", _INSTANT),
    sa.Column("actor_id", _TEXT),
    sa.Column("body", _JSON),
)

#: The statuses an embedded item had, and the states an item has now.
_STATE = {"open": "in_progress", "met": "done"}
_STATUS = {"in_progress": "open", "verifying": "open", "done": "met", "proposed": "open",
           "approved": "open", "cancelled": "decided"}  # fmt: skip
_OPEN = frozenset({"in_progress", "verifying", "extended"})
_ITEM_KIND = "improvement_item"
_ITEM_KEYS = (
    "id", "source_kind", "source_ref", "description", "quality_indicators", "owner",
    "issued_by", "issued_at", "due_at", "business_unit", "cause", "extensions",
    "follow_ups", "progress", "decision", "decided_by", "concluded_at",
)  # fmt: skip


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _column_instant(bind: sa.Connection, value: object) -> datetime | None:
    """An instant as the SQL backend stores it: UTC (naive on SQLite)."""
    moment = _instant(value)
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None) if bind.dialect.name == "sqlite" else moment


def _rows(bind: sa.Connection, table: sa.Table) -> Iterator[Any]:
    yield from bind.execute(sa.select(table).order_by(table.c.id)).all()


def _last_change(item: Mapping[str, Any]) -> datetime:
    """The instant of an embedded item's latest change (its migrated event's time)."""
    moments = [_instant(item.get("issued_at")), _instant(item.get("concluded_at"))]
    for key in ("follow_ups", "progress"):
        for entry in item.get(key) or ():
            if isinstance(entry, Mapping):
                moments.append(_instant(entry.get("at")))
    known = [m for m in moments if m is not None]
    return max(known) if known else datetime(1970, 1, 1, tzinfo=UTC)


def _item_record(
    legacy: Mapping[str, Any], source_kind: str, source_ref: str, customer: str | None,
    service: str | None,
) -> dict[str, Any]:  # fmt: skip
    record = {key: legacy.get(key) for key in _ITEM_KEYS}
    record.update(
        version=1,
        state=_STATE.get(str(legacy.get("status") or "open"), legacy.get("status")),
        source_kind=legacy.get("source_kind") or source_kind,
        source_ref=legacy.get("source_ref") or source_ref,
        business_unit=legacy.get("business_unit") or "",
        cause=legacy.get("cause") or "",
        extensions=int(legacy.get("extensions") or 0),
        follow_ups=list(legacy.get("follow_ups") or ()),
        progress=list(legacy.get("progress") or ()),
        quality_indicators=list(legacy.get("quality_indicators") or ()),
        service=service,
        customer=customer,
        updated_at=_last_change(legacy).isoformat(),
        cancel_reason=None,
    )
    return record


def _insert_item(bind: sa.Connection, record: dict[str, Any]) -> bool:
    """Insert one migrated item and its event; False if it is there already."""
    key = record["id"]
    if bind.execute(sa.select(_ITEMS.c.id).where(_ITEMS.c.id == key)).first() is not None:
        return False
    # after a downgrade and an upgrade the item's events are there: it carries on after them
    before = bind.execute(
        sa.select(sa.func.max(_EVENTS.c.aggregate_version)).where(
            _EVENTS.c.aggregate_kind == _ITEM_KIND, _EVENTS.c.aggregate_id == key
        )
    ).scalar()
    version = int(before or 0) + 1
    record["version"] = version
    bind.execute(
        _ITEMS.insert().values(
            id=key,
            version=version,
            record=record,
            state=record["state"],
            source_kind=record["source_kind"],
            source_ref=record["source_ref"],
            owner=record["owner"],
            service=record["service"],
            customer=record["customer"],
            business_unit=record["business_unit"] or None,
            open=record["state"] in _OPEN,
            due_at=_column_instant(bind, record["due_at"]),
            issued_at=_column_instant(bind, record["issued_at"]),
        )
    )
    at = _instant(record["updated_at"]) or datetime(1970, 1, 1, tzinfo=UTC)
    actor = str(record.get("issued_by") or "system")
    event_id = str(uuid.uuid4())
    payload = {
        "event": "migrate",
        "from": None,
        "to": record["state"],
        "item_id": key,
        "source_kind": record["source_kind"],
        "source_ref": record["source_ref"],
        "owner": record["owner"],
        "due_at": record["due_at"],
    }
    body = {
        "event_id": event_id,
        "aggregate_kind": _ITEM_KIND,
        "aggregate_id": key,
        "aggregate_version": version,
        "name": f"{_ITEM_KIND}.migrated",
        "occurred_at": at.isoformat(),
        "actor_id": actor,
        "actor_roles": [],
        "payload": payload,
        "confidential": [],
    }
    bind.execute(
        _EVENTS.insert().values(
            event_id=event_id,
            aggregate_kind=_ITEM_KIND,
            aggregate_id=key,
            aggregate_version=version,
            name=body["name"],
            occurred_at=_column_instant(bind, at.isoformat()),
            actor_id=actor,
            body=body,
        )
    )
    return True


def _move_items_out(bind: sa.Connection) -> None:
    """Each embedded improvement becomes an item row; its holder keeps the id."""
    for row in _rows(bind, _COMPLAINTS):
        record = dict(row.record or {})
        legacy = record.pop("improvement", None)
        item_id = record.get("improvement_id")
        if isinstance(legacy, Mapping) and legacy.get("id"):
            item = _item_record(legacy, "complaint", row.id, record.get("customer"), None)
            _insert_item(bind, item)
            item_id = item["id"]
            _repoint_clock(bind, row.id, item_id)
        record["improvement_id"] = item_id
        bind.execute(
            _COMPLAINTS.update()
            .where(_COMPLAINTS.c.id == row.id)
            .values(record=record, improvement_id=item_id)
        )
    for row in _rows(bind, _STANDINGS):
        record = dict(row.record or {})
        ids: list[str] = []
        for legacy in record.get("improvements") or ():
            if isinstance(legacy, str):
                ids.append(legacy)
                continue
            if not isinstance(legacy, Mapping) or not legacy.get("id"):
                continue
            item = _item_record(
                legacy, "satisfaction", row.id, record.get("customer"), record.get("service")
            )
            _insert_item(bind, item)
            ids.append(item["id"])
        record["improvements"] = ids
        bind.execute(_STANDINGS.update().where(_STANDINGS.c.id == row.id).values(record=record))


def _repoint_clock(bind: sa.Connection, complaint_id: str, item_id: str) -> None:
    """The improvement clock of a complaint measures its item's period now."""
    query = sa.select(_CLOCKS).where(
        _CLOCKS.c.subject_kind == "complaint",
        _CLOCKS.c.subject_id == complaint_id,
        _CLOCKS.c.target == "improvement",
    )
    for clock in bind.execute(query).all():
        record = dict(clock.record or {})
        record.update(subject_kind=_ITEM_KIND, subject_id=item_id)
        bind.execute(
            _CLOCKS.update()
            .where(_CLOCKS.c.id == clock.id)
            .values(record=record, subject_kind=_ITEM_KIND, subject_id=item_id)
        )


def _legacy_item(record: Mapping[str, Any]) -> dict[str, Any]:
    legacy = {key: record.get(key) for key in _ITEM_KEYS}
    state = str(record.get("state") or "in_progress")
    legacy["status"] = _STATUS.get(state, state)
    return legacy


def _move_items_back(bind: sa.Connection) -> None:
    """Put every complaint's and standing's items back into its record."""
    items = {row.id: dict(row.record or {}) for row in _rows(bind, _ITEMS)}
    for row in _rows(bind, _COMPLAINTS):
        record = dict(row.record or {})
        item_id = record.pop("improvement_id", None)
        item = items.get(item_id) if isinstance(item_id, str) else None
        record["improvement"] = None if item is None else _legacy_item(item)
        if item is not None:
            _repoint_clock_back(bind, row.id, item["id"])
        bind.execute(_COMPLAINTS.update().where(_COMPLAINTS.c.id == row.id).values(record=record))
    for row in _rows(bind, _STANDINGS):
        record = dict(row.record or {})
        embedded = []
        for item_id in record.get("improvements") or ():
            item = items.get(item_id) if isinstance(item_id, str) else None
            if item is not None:
                embedded.append(_legacy_item(item))
        record["improvements"] = embedded
        bind.execute(_STANDINGS.update().where(_STANDINGS.c.id == row.id).values(record=record))
    # the items' events stay: they are the history (0003 does not read them; the outbox may)


def _repoint_clock_back(bind: sa.Connection, complaint_id: str, item_id: str) -> None:
    query = sa.select(_CLOCKS).where(
        _CLOCKS.c.subject_kind == _ITEM_KIND, _CLOCKS.c.subject_id == item_id
    )
    for clock in bind.execute(query).all():
        record = dict(clock.record or {})
        record.update(subject_kind="complaint", subject_id=complaint_id)
        bind.execute(
            _CLOCKS.update()
            .where(_CLOCKS.c.id == clock.id)
            .values(record=record, subject_kind="complaint", subject_id=complaint_id)
        )


def _restore_index_columns(bind: sa.Connection) -> None:
    """Fill the index columns 0003 had from the records put back."""
    for row in _rows(bind, _COMPLAINTS_BEFORE):
        item = (row.record or {}).get("improvement")
        if not isinstance(item, Mapping):
            continue
        bind.execute(
            _COMPLAINTS_BEFORE.update()
            .where(_COMPLAINTS_BEFORE.c.id == row.id)
            .values(
                improvement_open=item.get("status") in ("open", "extended"),
                improvement_owner=item.get("owner"),
                improvement_due_at=_column_instant(bind, item.get("due_at")),
            )
        )
    for row in _rows(bind, _STANDINGS_BEFORE):
        improvements = (row.record or {}).get("improvements") or ()
        count = sum(
            1
            for i in improvements
            if isinstance(i, Mapping) and i.get("status") in ("open", "extended")
        )
        bind.execute(
            _STANDINGS_BEFORE.update()
            .where(_STANDINGS_BEFORE.c.id == row.id)
            .values(open_improvements=count)
        )
