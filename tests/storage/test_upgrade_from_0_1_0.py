"""A database written by release 0.1.0 upgrades with every aggregate and event kept.

``tests/fixtures/itsm-0.1.0.sqlite`` was written by 0.1.0's public API
(``tests/fixtures/make_0_1_0_db.py`` says how to rebuild it). Each test
works on a copy: on SQLite as it is, on PostgreSQL after copying its rows
into a schema at 0.1.0's revision. The migrations run to the head, and then
today's code must load every aggregate (through each spec and through the
public API) and still hold every event.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from itsm_core import Actor, ItsmCore, Role
from itsm_core.areas import aggregate_specs
from itsm_core.complaints import COMPLAINT_SPEC
from itsm_core.sla import CLOCK_SPEC
from itsm_core.storage.records import RECORD_VERSION_KEY
from itsm_core.storage.sqlalchemy.migrate import current_revision, head_revision, upgrade
from itsm_core.storage.sqlalchemy.tables import VERSION_TABLE

FIXTURE = Path(__file__).parents[1] / "fixtures" / "itsm-0.1.0.sqlite"
REVISION_0_1_0 = "0003"
SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
DESK = Actor("desk-1", [Role.SERVICE_DESK, Role.COORDINATOR, Role.OPERATIONS_MANAGER], "服务台")
QUALITY = Actor("qs-1", [Role.QUALITY_SPECIALIST], "质控专员")
ADDED_SINCE = {
    "itsm_improvement_item",
    "itsm_service_review",
    "itsm_review_plan",
    "itsm_trend_analysis",
    "itsm_improvement_progress_report",
    "itsm_knowledge_flag",
    "itsm_customer_contact",
    "itsm_customer_notice",
    "itsm_proactive_feedback",
    "itsm_relationship_analysis",
}
"""The tables of kinds added since 0.1.0 (0004 fills the first with the items it moves out)."""


def _snapshot(engine: sa.Engine) -> tuple[dict[str, list[str]], Counter[tuple[str, str]], set[str]]:
    """Ids per aggregate table, events per aggregate, and every event id, as stored."""
    with engine.connect() as connection:
        tables = [
            t
            for t in sa.inspect(connection).get_table_names()
            if t.startswith("itsm_")
            and t not in {VERSION_TABLE, "itsm_data_keys"}
            and "outbox" not in t
        ]
        ids = {
            t: sorted(connection.exec_driver_sql(f'SELECT id FROM "{t}"').scalars())
            for t in tables
            if t != "itsm_events"
        }
        rows = connection.exec_driver_sql(
            "SELECT aggregate_kind, aggregate_id, event_id FROM itsm_events"
        ).all()
    return ids, Counter((r[0], r[1]) for r in rows), {r[2] for r in rows}


def _copy_to(target_url: str, source: sa.Engine) -> None:
    """Copy every row of the 0.1.0 database into ``target_url`` (a schema at 0.1.0's revision)."""
    upgrade(target_url, REVISION_0_1_0)
    target = sa.create_engine(target_url, poolclass=sa.pool.NullPool)
    try:
        metadata, old = sa.MetaData(), sa.MetaData()
        metadata.reflect(target)
        old.reflect(source)
        order = ["itsm_events", "itsm_outbox", "itsm_outbox_delivery"]
        names = [n for n in metadata.tables if n.startswith("itsm_") and n != VERSION_TABLE]
        names.sort(key=lambda n: (order.index(n) if n in order else len(order), n))
        with source.connect() as read, target.begin() as write:
            for name in names:
                table = metadata.tables[name]
                rows = [dict(r) for r in read.execute(sa.select(old.tables[name])).mappings()]
                for row in rows:
                    for key, value in row.items():
                        if isinstance(value, datetime):  # SQLite holds naive UTC
                            row[key] = value.replace(tzinfo=UTC)
                        elif isinstance(value, str) and isinstance(table.c[key].type, sa.JSON):
                            row[key] = json.loads(value)
                if rows:
                    write.execute(table.insert(), rows)
            # the outbox's sequence goes on after the copied rows, as it would have
            write.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('itsm_outbox', 'seq'), max(seq)) "
                "FROM itsm_outbox"
            )
    finally:
        target.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def old_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """``(url, snapshot before the upgrade)`` of a copy of the 0.1.0 database."""
    copy = tmp_path / "itsm-0.1.0.sqlite"
    shutil.copyfile(FIXTURE, copy)
    sqlite_url = f"sqlite:///{copy}"
    engine = sa.create_engine(sqlite_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            assert current_revision(connection) == REVISION_0_1_0
        before = _snapshot(engine)
        if request.param == "sqlite":
            yield sqlite_url, before
            return
        url = str(request.getfixturevalue("pg_url"))
        _copy_to(url, engine)
        yield url, before
    finally:
        engine.dispose()


def test_every_aggregate_and_event_of_0_1_0_is_kept(old_db: tuple[str, Any]) -> None:
    url, (ids, events, event_ids) = old_db
    upgrade(url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        after_ids, after_events, after_event_ids = _snapshot(engine)
    finally:
        engine.dispose()
    # every event of 0.1.0 is kept; revision 0004 adds one per improvement item it moved
    # out of a complaint or a standing into the register, and nothing else
    assert event_ids <= after_event_ids
    moved = {agg for (kind, agg) in after_events if kind == "improvement_item"}
    assert moved and set(after_ids["itsm_improvement_item"]) == moved
    assert all(after_events[("improvement_item", i)] == 1 for i in moved)
    assert len(after_event_ids - event_ids) == len(moved)
    assert {k: n for k, n in after_events.items() if k[0] != "improvement_item"} == events
    core = ItsmCore(url, load_entrypoints=False)
    try:
        loaded: Counter[str] = Counter()
        with core.storage.unit_of_work() as uow:
            for spec in aggregate_specs():
                table = f"itsm_{spec.kind}"
                for entity_id in ids.get(table, ()):
                    entity: Any = uow.get(spec, entity_id)
                    assert entity.id == entity_id
                    history = uow.history(spec.kind, entity_id)
                    assert len(history) == events[(spec.kind, entity_id)] == entity.version
                    spec.index_values(entity)
                    json.dumps(spec.to_record(entity))
                    loaded[spec.kind] += 1
        # every table of 0.1.0 is a kind of today's, and each of its rows loaded
        assert {f"itsm_{kind}" for kind in loaded} == set(ids) == set(after_ids) - ADDED_SINCE
        assert all(not after_ids[t] for t in ADDED_SINCE - {"itsm_improvement_item"})
        assert all(loaded[t.removeprefix("itsm_")] == len(ids[t]) for t in ids)
        assert {kind for kind, _ in events} == set(loaded)  # every kind had events
        assert sum(events.values()) == len(event_ids) == 196
        _read_through_the_public_api(core, ids)
        _index_columns_are_filled(core)
        _change_after_the_upgrade(core, ids)
    finally:
        core.close()


def _read_through_the_public_api(core: ItsmCore, ids: dict[str, list[str]]) -> None:
    complaints = [core.complaints.get(SPECIALIST, i) for i in ids["itsm_complaint"]]
    states = Counter(c.state.value for c in complaints)
    assert states["closed"] == 2 and states["improvement_extended"] == 1
    assert any(c.origin.value == "internal" and c.verdict for c in complaints)
    assert any(c.reopened for c in complaints)
    assert all(core.complaints.history(SPECIALIST, c.id) for c in complaints)
    (praise,) = ids["itsm_praise"]
    assert core.complaints.get_praise(SPECIALIST, praise).summary == "夜间抢修及时"
    clocks = [core.sla.get(DESK, i) for i in ids["itsm_sla_clock"]]
    assert {"running", "paused", "stopped"} <= {c.state.value for c in clocks}
    assert any(c.breached_at is not None for c in clocks)
    assert core.sla.get_agreement(DESK, "agr-sla").targets
    sat = core.satisfaction
    assert sat.customers.get(DESK, "acme").key
    assert {sat.service_records.get(DESK, i).id for i in ids["itsm_service_record"]}
    assert all(sat.callbacks.get(DESK, i).kind for i in ids["itsm_service_callback"])
    (campaign,) = ids["itsm_survey_campaign"]
    assert sat.surveys.get(DESK, campaign).state.value == "closed"
    items = core.improvements.find(QUALITY, source_kind="satisfaction")
    assert items and all(i.progress for i in items)
    held = {i for s in sat.targets.find_standings(QUALITY) for i in s.improvements}
    assert held == {i.id for i in items}
    complaint_items = core.improvements.find(SPECIALIST, source_kind="complaint")
    by_complaint = {i.source_ref: i for i in complaint_items}
    for c in complaints:
        if c.improvement_id is not None:
            assert by_complaint[c.id].id == c.improvement_id


def _index_columns_are_filled(core: ItsmCore) -> None:
    """Revision 0006 fills the columns it adds from the records: each equals its spec's value."""
    engine = sa.create_engine(core.storage.url, poolclass=sa.pool.NullPool)  # type: ignore[attr-defined]
    checked = Counter[str]()
    try:
        with engine.connect() as connection, core.storage.unit_of_work() as uow:
            for spec, names in (
                (COMPLAINT_SPEC, ("escalations", "hours_to_close")),
                (CLOCK_SPEC, ("lateness_hours",)),
            ):
                rows = connection.execute(
                    sa.text(f"SELECT id, {', '.join(names)} FROM itsm_{spec.kind}")
                ).all()
                for row in rows:
                    expected = spec.index_values(uow.get(spec, row[0]))
                    for n, name in enumerate(names, start=1):
                        assert row[n] == pytest.approx(expected[name]), (spec.kind, row[0], name)
                        checked[name] += row[n] is not None
    finally:
        engine.dispose()
    # the fixture has closed complaints, an escalated one, and stopped clocks
    assert checked["hours_to_close"] and checked["escalations"] and checked["lateness_hours"]


def _change_after_the_upgrade(core: ItsmCore, ids: dict[str, list[str]]) -> None:
    """An aggregate of the old shape changes and is saved in the current one."""
    (paused,) = (c for c in ids["itsm_sla_clock"] if core.sla.get(DESK, c).state.value == "paused")
    before = core.sla.get(DESK, paused)
    resumed = core.sla.resume(DESK, paused, at=before.log[-1].at)
    assert resumed.state.value == "running" and resumed.budget == before.budget
    engine = sa.create_engine(core.storage.url, poolclass=sa.pool.NullPool)  # type: ignore[attr-defined]
    try:
        with engine.connect() as connection:
            record = connection.execute(
                sa.text("SELECT record FROM itsm_sla_clock WHERE id = :id"), {"id": paused}
            ).scalar_one()
    finally:
        engine.dispose()
    record = json.loads(record) if isinstance(record, str) else record
    assert record[RECORD_VERSION_KEY] == 2 and "budget_us" not in record
