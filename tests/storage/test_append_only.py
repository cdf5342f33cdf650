"""The events are append-only in the database: a raw UPDATE or DELETE is refused.

Revision 0009 adds triggers (PostgreSQL and SQLite). The library never
updates or deletes an event: the outbox purge removes outbox and delivery
rows only. Downgrading below 0009 removes the triggers, and below 0008 the
idempotency keys, keeping every event.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from itsm_core.areas import aggregate_specs
from itsm_core.storage.sqlalchemy import SqlBackend, make_engine
from itsm_core.storage.sqlalchemy.migrate import downgrade, schema_diff, upgrade
from itsm_core.storage.sqlalchemy.tables import library_metadata
from itsm_core.testing.contract import ITEM_SPEC, T0, Item


@pytest.fixture
def store(empty_db_url: str) -> tuple[str, list[str]]:
    upgrade(empty_db_url)
    backend = SqlBackend(empty_db_url, [ITEM_SPEC])
    try:
        with backend.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("a"))
            uow.save(ITEM_SPEC, Item.create("b"))
            ids = [e.event_id for e in uow.commit()]
        for event_id in ids:
            backend.outbox_done(event_id, T0)
        assert backend.outbox_purge(T0 + timedelta(days=1)) == 2  # the outbox only
    finally:
        backend.close()
    return empty_db_url, ids


def _events(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(
                connection.exec_driver_sql("SELECT event_id FROM itsm_events ORDER BY event_id")
                .scalars()
            )
    finally:
        engine.dispose()


def _run(url: str, statement: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE itsm_events SET name = 'rewritten'",
        "UPDATE itsm_events SET command_key = 'late'",
        "DELETE FROM itsm_events",
    ],
)
def test_a_raw_change_of_an_event_is_refused(
    store: tuple[str, list[str]], statement: str
) -> None:
    url, ids = store
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        _run(url, statement)
    assert _events(url) == sorted(ids)


def test_a_new_event_is_still_appended(store: tuple[str, list[str]]) -> None:
    url, ids = store
    backend = SqlBackend(url, [ITEM_SPEC])
    try:
        with backend.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("c"))
            ids += [e.event_id for e in uow.commit()]
    finally:
        backend.close()
    assert _events(url) == sorted(ids)


def test_downgrading_below_the_triggers_and_keys_keeps_the_events(
    store: tuple[str, list[str]],
) -> None:
    url, ids = store
    downgrade(url, "0007")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("itsm_events")}
        assert not {"command_key", "command_seq", "command", "command_target"} & columns
        assert _events(url) == sorted(ids)
        _run(url, "UPDATE itsm_events SET name = name")  # no trigger any more
        upgrade(url)
        with engine.connect() as connection:
            diff = schema_diff(connection, library_metadata(aggregate_specs()))
        # the test's own kind (itsm_contract_item) is not the library's
        assert [d for d in diff if "itsm_contract_item" not in repr(d)] == []
    finally:
        engine.dispose()
    assert _events(url) == sorted(ids)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        _run(url, "DELETE FROM itsm_events")
