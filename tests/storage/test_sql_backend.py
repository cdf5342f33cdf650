"""What only the SQL backend has: URL options, its schema, drivers, the typing of values."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from itsm_core import ConflictError, StorageError, ValidationError
from itsm_core.areas import aggregate_specs
from itsm_core.storage.base import AggregateSpec, IndexField, Measure, Query, Where
from itsm_core.storage.sqlalchemy import SqlBackend, build_metadata, parse_url
from itsm_core.storage.sqlalchemy import engine as engine_module
from itsm_core.storage.sqlalchemy.engine import make_engine, shown_url
from itsm_core.storage.sqlalchemy.migrate import upgrade
from itsm_core.testing.contract import ITEM_SPEC, T0, Item
from tests.ci import require_module

# -- URLs ----------------------------------------------------------------------


def test_url_options_are_taken_out_of_the_url() -> None:
    options = parse_url("sqlite:///x.db?itsm_auto_migrate=false")
    assert options.auto_migrate is False
    assert options.url.render_as_string() == "sqlite:///x.db"
    assert parse_url("sqlite:///x.db").auto_migrate is None
    assert parse_url("sqlite://").is_sqlite_memory
    assert not parse_url("sqlite:///x.db").is_sqlite_memory


def test_bare_postgresql_url_uses_psycopg() -> None:
    options = parse_url("postgresql://u:pw@127.0.0.1/db?itsm_auto_migrate=yes")
    assert options.url.drivername == "postgresql+psycopg"
    assert options.auto_migrate is True


@pytest.mark.parametrize(
    "url",
    ["sqlite:///x.db?itsm_auto_migrate=maybe", "sqlite:///x.db?itsm_pool=3", "not a url"],
)
def test_bad_urls_raise_validation_error(url: str) -> None:
    with pytest.raises(ValidationError):
        parse_url(url)


def test_shown_url_hides_the_password() -> None:
    assert "pw" not in shown_url("postgresql+psycopg://u:pw@127.0.0.1/db")


def test_missing_postgres_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg → ImportError
    with pytest.raises(StorageError, match=r"itsm-core\[postgres\]"):
        make_engine("postgresql+psycopg://u@127.0.0.1/db")


def test_other_postgres_drivers_point_to_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "asyncpg", None)
    with pytest.raises(StorageError, match=r"postgresql\+psycopg://") as info:
        make_engine("postgresql+asyncpg://u@127.0.0.1/db")
    assert "asyncpg" in str(info.value)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a server that hangs)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        server.close()


def test_a_postgres_server_that_never_answers_fails_fast(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_module("psycopg")
    assert engine_module.DEFAULT_CONNECT_TIMEOUT == 10
    monkeypatch.setattr(engine_module, "DEFAULT_CONNECT_TIMEOUT", 2)
    started = time.monotonic()
    with pytest.raises(StorageError, match="timeout") as info:
        SqlBackend(f"postgresql+psycopg://u@127.0.0.1:{silent_server}/db", [ITEM_SPEC])
    assert time.monotonic() - started < 8
    assert f"127.0.0.1:{silent_server}" in str(info.value)


def test_the_url_sets_the_postgres_connect_timeout(silent_server: int) -> None:
    require_module("psycopg")
    url = f"postgresql+psycopg://u@127.0.0.1:{silent_server}/db?connect_timeout=2"
    started = time.monotonic()
    with pytest.raises(StorageError, match="timeout"):
        SqlBackend(url, [ITEM_SPEC])
    assert time.monotonic() - started < 8


# -- the schema ----------------------------------------------------------------


def _spec(kind: str, *fields: IndexField[Item]) -> AggregateSpec[Item]:
    return AggregateSpec(kind, Item, ITEM_SPEC.to_record, ITEM_SPEC.from_record, fields)


@pytest.mark.parametrize(
    "spec",
    [
        _spec("Bad-Kind"),
        _spec("fine", IndexField("version", "int", lambda i: i.version)),
        _spec("fine", IndexField("Name", "str", lambda i: i.name)),
        _spec("k" * 40, IndexField("f" * 20, "str", lambda i: i.name)),
        _spec("fine", IndexField("n", "decimal", lambda i: i.name)),  # type: ignore[arg-type]
    ],
    ids=["kind", "reserved", "field", "too-long", "type"],
)
def test_specs_that_cannot_be_tables_are_refused(spec: AggregateSpec[Item]) -> None:
    with pytest.raises(ValidationError):
        build_metadata([spec])


def test_two_specs_of_one_kind_are_refused() -> None:
    with pytest.raises(ValidationError, match="two specs"):
        build_metadata([ITEM_SPEC, ITEM_SPEC])


def test_a_kind_the_migrations_do_not_know_gets_its_table(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    backend = SqlBackend(sqlite_url, [*aggregate_specs(), ITEM_SPEC])
    try:
        with backend.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("a"))
            uow.commit()
        with backend.unit_of_work() as uow:
            assert uow.get(ITEM_SPEC, "a").id == "a"
    finally:
        backend.close()


def test_datetimes_are_stored_in_utc(sqlite_url: str) -> None:
    backend = SqlBackend(sqlite_url, [ITEM_SPEC])
    try:
        shanghai = datetime(2025, 1, 6, 17, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        with backend.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("a", due_at=shanghai))
            uow.commit()
        with backend.engine.connect() as connection:
            raw = connection.exec_driver_sql(
                "SELECT due_at FROM itsm_contract_item WHERE id = 'a'"
            ).scalar_one()
        assert str(raw).startswith("2025-01-06 09:00:00")
    finally:
        backend.close()


@pytest.mark.postgres
def test_postgres_columns(pg_url: str) -> None:
    backend = SqlBackend(pg_url, [ITEM_SPEC], auto_migrate=True)
    try:
        with backend.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT column_name, data_type, collation_name FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND table_name = 'itsm_contract_item'"
                )
            ).all()
        columns = {name: (kind, collation) for name, kind, collation in rows}
        assert columns["record"][0] == "jsonb"
        assert columns["due_at"][0] == "timestamp with time zone"
        assert columns["name"][1] == "C"
        assert columns["id"][1] == "C"
    finally:
        backend.close()


# -- values --------------------------------------------------------------------


@pytest.fixture
def backend(sqlite_url: str) -> SqlBackend:
    backend = SqlBackend(sqlite_url, [ITEM_SPEC])
    with backend.unit_of_work() as uow:
        uow.save(ITEM_SPEC, Item.create("a", name="a", size=1, due_at=T0))
        uow.commit()
    return backend


@pytest.mark.parametrize(
    "where",
    [
        Where("due_at", "lt", datetime(2025, 1, 1)),  # naive on purpose
        Where("due_at", "eq", "2025-01-01"),
        Where("size", "eq", "one"),
        Where("name", "in", ("a", 1)),
        Where("active", "eq", 1),
    ],
    ids=["naive", "text-for-datetime", "text-for-int", "int-for-str", "int-for-bool"],
)
def test_values_that_do_not_fit_the_field_are_refused(backend: SqlBackend, where: Where) -> None:
    try:
        with backend.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.find(ITEM_SPEC, Query((where,)))
    finally:
        backend.close()


def test_sum_of_a_text_field_is_refused(backend: SqlBackend) -> None:
    try:
        with backend.unit_of_work() as uow, pytest.raises(ValidationError, match="sum"):
            uow.aggregate(ITEM_SPEC, Query(), [], [Measure("x", "sum", "name")])
    finally:
        backend.close()


def test_after_a_conflict_reads_work_and_writes_are_refused(backend: SqlBackend) -> None:
    try:
        stale = Item.create("a")
        with backend.unit_of_work() as uow:
            with pytest.raises(ConflictError):
                uow.save(ITEM_SPEC, stale)
            assert uow.get(ITEM_SPEC, "a").name == "a"
            with pytest.raises(ConflictError, match="rolled back"):
                uow.save(ITEM_SPEC, Item.create("b"))
            with pytest.raises(ConflictError, match="rolled back"):
                uow.commit()
        with backend.unit_of_work() as uow:
            assert uow.count(ITEM_SPEC) == 1
    finally:
        backend.close()


def test_outbox_survives_reopening(sqlite_url: str) -> None:
    backend = SqlBackend(sqlite_url, [ITEM_SPEC])
    with backend.unit_of_work() as uow:
        uow.save(ITEM_SPEC, Item.create("a"))
        (event,) = uow.commit()
    backend.outbox_failed(event.event_id, "hook", "down", T0 + timedelta(minutes=5))
    backend.close()
    again = SqlBackend(sqlite_url, [ITEM_SPEC])
    try:
        (entry,) = again.outbox_pending(T0 + timedelta(minutes=5))
        assert entry.event.event_id == event.event_id
        assert dict(entry.attempts) == {"hook": 1}
        assert entry.next_attempt_at["hook"] == T0 + timedelta(minutes=5)
        assert entry.next_attempt_at["hook"].tzinfo is not None
    finally:
        again.close()


def test_repr_hides_the_password() -> None:
    backend = SqlBackend("sqlite://", [ITEM_SPEC])
    try:
        assert repr(backend) == "SqlBackend('sqlite://')"
    finally:
        backend.close()


# -- sqlite:// (one in-memory database) ------------------------------------------


def test_in_memory_sqlite_is_one_database_shared_by_threads() -> None:
    backend = SqlBackend("sqlite://", [ITEM_SPEC])
    try:
        with backend.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("a"))
            uow.commit()
        errors: list[BaseException] = []

        def bump(times: int) -> None:
            try:
                for _ in range(times):
                    while True:
                        try:
                            with backend.unit_of_work() as uow:
                                item = uow.get(ITEM_SPEC, "a")
                                item.bump()
                                uow.save(ITEM_SPEC, item)
                                uow.commit()
                            break
                        except ConflictError:
                            continue
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=bump, args=(20,)) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        with backend.unit_of_work() as uow:
            assert uow.get(ITEM_SPEC, "a").counter == 60
        assert len(backend.outbox_pending(datetime.now(UTC), limit=100)) == 61
    finally:
        backend.close()


def test_closed_sqlite_store_refuses_the_outbox(tmp_path: Path) -> None:
    backend = SqlBackend(f"sqlite:///{tmp_path / 'x.db'}", [ITEM_SPEC])
    backend.close()
    with pytest.raises(StorageError, match="closed"):
        backend.outbox_pending(T0)
