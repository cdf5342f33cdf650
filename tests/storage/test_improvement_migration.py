"""Revision 0004: improvements held inside complaints and standings become items of their own.

A database at 0003 — as 0.1.0 wrote it — holds each complaint's improvement
inside the complaint's record (and each satisfaction standing's items inside
the standing's). The upgrade moves them out into ``itsm_improvement_item``
rows, the holders keep the ids, and the library carries on with them; the
downgrade puts them back.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from itsm_core import SYSTEM, Actor, FrozenClock, ItsmCore, Role
from itsm_core.complaints import ComplaintState
from itsm_core.improvements import ImprovementState
from itsm_core.storage.sqlalchemy import make_engine
from itsm_core.storage.sqlalchemy.migrate import downgrade, upgrade

SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST])
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER])
GM = Actor("gm-1", [Role.GENERAL_MANAGER_OFFICE])
QUALITY = Actor("qc-1", [Role.QUALITY_SPECIALIST])
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CID = "cmp-legacy-1"
ITEM = "imp-legacy-1"
SAT_ITEM = "sat-standing:desktop:*@2026-04"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _legacy_item() -> dict[str, Any]:
    """An improvement as 0.1.0 embedded it: not met once, extended (status ``extended``)."""
    return {
        "id": ITEM,
        "source_kind": "complaint",
        "source_ref": CID,
        "description": "增加夜间值班",
        "quality_indicators": [{"name": "超时率", "target": "≤ 2%"}],
        "owner": "owner-1",
        "issued_by": SPECIALIST.id,
        "issued_at": _iso(T0 + timedelta(hours=5)),
        "due_at": _iso(T0 + timedelta(days=21)),
        "business_unit": "运维事业部",
        "cause": "人手不足",
        "status": "extended",
        "extensions": 1,
        "follow_ups": [
            {
                "at": _iso(T0 + timedelta(days=14)),
                "by": SPECIALIST.id,
                "met": False,
                "note": "培训未完成",
                "due_at": _iso(T0 + timedelta(days=14, hours=5)),
                "extended_to": _iso(T0 + timedelta(days=21)),
            }
        ],
        "progress": [{"at": _iso(T0 + timedelta(days=2)), "by": "owner-1", "note": "已排班"}],
        "decision": None,
        "decided_by": None,
        "concluded_at": None,
    }


def _legacy_complaint() -> dict[str, Any]:
    return {
        "id": CID,
        "version": 10,
        "state": "improvement_extended",
        "origin": "external",
        "channel": "hotline",
        "source": "complaint_channel",
        "severity": "general",
        "customer": "华东电网",
        "complainant": {"name": "李女士", "contact": "", "organisation": ""},
        "party_complained_about": "二线网络组",
        "summary": "故障处理超时",
        "received_at": _iso(T0),
        "received_by": SPECIALIST.id,
        "updated_at": _iso(T0 + timedelta(days=14)),
        "source_ref": None,
        "relationship_manager": RM.id,
        "handling_level": "service_group",
        "handler": "ih-1",
        "dispatched_at": _iso(T0 + timedelta(hours=1)),
        "dispatched_by": RM.id,
        "findings": [{"at": _iso(T0 + timedelta(hours=2)), "by": SPECIALIST.id, "text": "超时"}],
        "verdict": "valid",
        "verdict_reason": "属实",
        "judged_at": _iso(T0 + timedelta(hours=3)),
        "judged_by": SPECIALIST.id,
        "apology": {"at": _iso(T0 + timedelta(hours=4)), "by": "ih-1", "text": "致歉"},
        "project_ref": CID,
        "registered_at": _iso(T0 + timedelta(hours=3)),
        "resolution": {"at": _iso(T0 + timedelta(hours=4)), "by": "ih-1", "text": "已恢复"},
        "improvement": _legacy_item(),
    }


def _legacy_standing() -> dict[str, Any]:
    item = _legacy_item()
    item.update(
        id=SAT_ITEM,
        source_kind="satisfaction",
        source_ref="sat-standing:desktop:*",
        status="open",
        extensions=0,
        follow_ups=[],
        progress=[],
    )
    return {
        "id": "sat-standing:desktop:*",
        "version": 1,
        "service": "desktop",
        "customer": None,
        "target_id": "sat-target:desktop:*",
        "metric": "csat",
        "period": "2026-04",
        "level": "red",
        "value": 70.0,
        "n": 80,
        "target": 85.0,
        "evaluated_at": _iso(T0),
        "improvements": [item],
    }


def _event(version: int, name: str, at: datetime, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "aggregate_kind": "complaint",
        "aggregate_id": CID,
        "aggregate_version": version,
        "name": f"complaint.{name}",
        "occurred_at": _iso(at),
        "actor_id": SPECIALIST.id,
        "actor_roles": ["complaint_specialist"],
        "payload": payload,
        "confidential": [],
    }


def _legacy_events() -> list[dict[str, Any]]:
    """The complaint events 0.1.0 recorded for the improvement (progress and follow-up included)."""
    return [
        _event(1, "received", T0, {"event": "receive", "to": "received", "customer": "华东电网"}),
        _event(
            2,
            "improvement_required",
            T0 + timedelta(hours=5),
            {
                "to": "improving",
                "improvement": {
                    **_legacy_item(),
                    "status": "open",
                    "extensions": 0,
                    "follow_ups": [],
                    "progress": [],
                    "due_at": _iso(T0 + timedelta(days=14, hours=5)),
                },
            },
        ),
        _event(
            3,
            "improvement_progress_reported",
            T0 + timedelta(days=2),
            {"to": "improving", "improvement_id": ITEM, "note": "已排班"},
        ),
        _event(
            4,
            "improvement_extended",
            T0 + timedelta(days=14),
            {
                "to": "improvement_extended",
                "improvement_id": ITEM,
                "met": False,
                "note": "培训未完成",
                "due_at": _iso(T0 + timedelta(days=14, hours=5)),
                "extended_to": _iso(T0 + timedelta(days=21)),
            },
        ),
    ]


def _insert(connection: sa.Connection, table: str, values: dict[str, Any]) -> None:
    reflected = sa.Table(table, sa.MetaData(), autoload_with=connection)
    known = {c.name for c in reflected.columns}
    connection.execute(reflected.insert().values({k: v for k, v in values.items() if k in known}))


def _naive_utc(engine: sa.Engine, moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if engine.dialect.name == "sqlite" else moment


def _write_0003(url: str) -> None:
    """A database at 0003 holding a complaint and a standing, each with an embedded item."""
    upgrade(url, "0003")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            complaint = _legacy_complaint()
            _insert(
                connection,
                "itsm_complaint",
                {
                    "id": CID,
                    "version": 4,
                    "record": {**complaint, "version": 4},
                    "state": complaint["state"],
                    "customer": complaint["customer"],
                    "closed": False,
                    "improvement_open": True,
                    "improvement_owner": "owner-1",
                    "improvement_due_at": _naive_utc(engine, T0 + timedelta(days=21)),
                    "received_at": _naive_utc(engine, T0),
                    "updated_at": _naive_utc(engine, T0 + timedelta(days=14)),
                },
            )
            standing = _legacy_standing()
            _insert(
                connection,
                "itsm_satisfaction_standing",
                {
                    "id": standing["id"],
                    "version": 1,
                    "record": standing,
                    "service": "desktop",
                    "period": "2026-04",
                    "level": "red",
                    "below_target": True,
                    "open_improvements": 1,
                },
            )
            for body in _legacy_events():
                _insert(
                    connection,
                    "itsm_events",
                    {
                        **{k: body[k] for k in ("event_id", "aggregate_kind", "aggregate_id")},
                        "aggregate_version": body["aggregate_version"],
                        "name": body["name"],
                        "occurred_at": _naive_utc(
                            engine, datetime.fromisoformat(body["occurred_at"])
                        ),
                        "actor_id": body["actor_id"],
                        "body": body,
                    },
                )
    finally:
        engine.dispose()


def test_embedded_improvements_become_items_and_the_library_carries_on(
    empty_db_url: str,
) -> None:
    _write_0003(empty_db_url)
    upgrade(empty_db_url)
    clock = FrozenClock(T0 + timedelta(days=20))
    with ItsmCore(empty_db_url, clock=clock, load_entrypoints=False) as core:
        complaint = core.complaints.get(SPECIALIST, CID)
        assert (complaint.state, complaint.improvement_id) == (
            ComplaintState.IMPROVEMENT_EXTENDED,
            ITEM,
        )
        item = core.improvements.get(SPECIALIST, ITEM)
        assert (item.state, item.extensions, item.owner) == (
            ImprovementState.EXTENDED,
            1,
            "owner-1",
        )
        assert (item.source_kind.value, item.source_ref, item.customer) == (
            "complaint",
            CID,
            "华东电网",
        )
        assert [f.note for f in item.follow_ups] == ["培训未完成"]
        assert [e.name for e in core.improvements.history(SPECIALIST, ITEM)] == [
            "improvement_item.migrated"
        ]
        found = core.improvements.find(SPECIALIST, owner="owner-1", is_open=True)
        assert [i.id for i in found] == [ITEM, SAT_ITEM]
        assert [c.id for c in core.complaints.find(RM, improvement_id=ITEM)] == [CID]
        sat = core.improvements.get(QUALITY, SAT_ITEM)
        assert (sat.state, sat.source_kind.value, sat.service) == (
            ImprovementState.IN_PROGRESS,
            "satisfaction",
            "desktop",
        )
        (standing,) = core.satisfaction.targets.find_standings(QUALITY, service="desktop")
        assert standing.improvements == (SAT_ITEM,)
        # the tracking sheet is still rebuilt from the history stored before items
        sheet = core.complaints.record(SPECIALIST, CID, "improvement_tracking_sheet")
        assert sheet.value("improvement_id") == ITEM
        assert sheet.value("improvement_status") == "extended"
        assert [r[3].value for r in sheet.table("follow_ups").rows] == ["培训未完成"]
        assert [r[2].value for r in sheet.table("progress").rows] == ["已排班"]
        # the library carries on: not met again, the office decides, the complaint is handled
        core.improvements.report_progress(
            Actor("owner-1", [Role.IMPROVEMENT_OWNER]), ITEM, note="n"
        )
        core.improvements.follow_up(SPECIALIST, ITEM, met=False, note="仍未完成")
        assert core.complaints.get(SPECIALIST, CID).state is ComplaintState.IMPROVEMENT_ESCALATED
        core.improvements.decide(GM, ITEM, decision="结案")
        assert core.complaints.get(SPECIALIST, CID).state is ComplaintState.HANDLED
        sheet = core.complaints.record(SPECIALIST, CID, "improvement_tracking_sheet")
        assert sheet.value("improvement_status") == "decided"
        assert len(sheet.table("follow_ups").rows) == 2
        assert [r[2].value for r in sheet.table("progress").rows] == ["已排班", "n"]


def test_a_downgrade_puts_the_items_back_and_an_upgrade_moves_them_out_again(
    empty_db_url: str,
) -> None:
    upgrade(empty_db_url)
    clock = FrozenClock(T0)
    with ItsmCore(empty_db_url, clock=clock, load_entrypoints=False) as core:
        c = core.complaints.receive(
            SPECIALIST, customer="华东电网", complainant="李女士", origin="external",
            channel="hotline", source="complaint_channel", summary="超时",
            party_complained_about="二线", relationship_manager=RM.id,
        )  # fmt: skip
        core.complaints.dispatch(RM, c.id)
        core.complaints.record_finding(SPECIALIST, c.id, finding="f")
        core.complaints.judge(SPECIALIST, c.id, verdict="valid", reason="r")
        core.complaints.register_project(SPECIALIST, c.id)
        core.complaints.apologise(SPECIALIST, c.id, apology="a")
        core.complaints.resolve(SPECIALIST, c.id, resolution="r")
        c = core.complaints.require_improvement(
            SPECIALIST, c.id, cause="c", description="d", quality_indicators=["a: b"],
            owner="owner-1", period=timedelta(days=3),
        )  # fmt: skip
        item_id = c.improvement_id
        assert item_id is not None
        (clock_before,) = core.sla.find(SYSTEM, subject_kind="improvement_item", subject_id=item_id)
    downgrade(empty_db_url, "0003")
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                sa.text("SELECT record, improvement_owner FROM itsm_complaint WHERE id = :id"),
                {"id": c.id},
            ).one()
            record = row.record if isinstance(row.record, dict) else json.loads(row.record)
            assert record["improvement"]["id"] == item_id
            assert record["improvement"]["status"] == "open"
            assert "improvement_id" not in record
            assert row.improvement_owner == "owner-1"
            clock_row = connection.execute(
                sa.text("SELECT subject_kind, subject_id FROM itsm_sla_clock WHERE id = :id"),
                {"id": clock_before.id},
            ).one()
            assert tuple(clock_row) == ("complaint", c.id)
    finally:
        engine.dispose()
    upgrade(empty_db_url)
    with ItsmCore(empty_db_url, clock=clock, load_entrypoints=False) as core:
        assert core.complaints.get(SPECIALIST, c.id).improvement_id == item_id
        (clock_after,) = core.sla.find(SYSTEM, subject_kind="improvement_item", subject_id=item_id)
        assert clock_after.id == clock_before.id
        item = core.improvements.follow_up(SPECIALIST, item_id, met=True, note="done")
        assert item.state is ImprovementState.DONE
        assert core.sla.get(SYSTEM, clock_before.id).met is True
        assert core.complaints.get(SPECIALIST, c.id).state is ComplaintState.HANDLED
