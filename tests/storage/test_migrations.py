"""Migrations: an empty database reaches the head, the models match it, old schemas are refused."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from importlib import metadata
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from itsm_core import ItsmCore, SchemaOutOfDate, StorageError, ValidationError
from itsm_core.areas import aggregate_specs
from itsm_core.schema import main
from itsm_core.storage.sqlalchemy import SqlBackend, make_engine
from itsm_core.storage.sqlalchemy.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    schema_diff,
    stamp,
    upgrade,
)
from itsm_core.storage.sqlalchemy.tables import VERSION_TABLE, library_metadata, table_name
from itsm_core.testing.contract import ITEM_SPEC, T0, Item


@pytest.fixture
def engine(empty_db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(empty_db_url)
    yield engine
    engine.dispose()


def _tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names())


def _revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return current_revision(connection)


def _diff(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        return schema_diff(connection, library_metadata(aggregate_specs()))


def test_upgrade_creates_every_table_of_the_library(empty_db_url: str, engine: sa.Engine) -> None:
    assert _tables(engine) == set()
    upgrade(empty_db_url)
    expected = {"itsm_events", "itsm_outbox", "itsm_outbox_delivery", "itsm_data_keys"}
    expected.add(VERSION_TABLE)
    expected |= {table_name(spec.kind) for spec in aggregate_specs()}
    assert _tables(engine) == expected
    assert _revision(engine) == head_revision()


def test_models_match_the_migrated_schema(empty_db_url: str, engine: sa.Engine) -> None:
    upgrade(empty_db_url)
    assert _diff(engine) == [], (
        "the aggregate specs and the migrations differ: generate a revision with "
        "`itsm-core-db revision -m '<what changed>'` and review it"
    )


def test_downgrade_to_base_and_upgrade_again(empty_db_url: str, engine: sa.Engine) -> None:
    upgrade(empty_db_url)
    downgrade(empty_db_url, "base")
    assert _tables(engine) == {VERSION_TABLE}
    assert _revision(engine) is None
    upgrade(empty_db_url)
    assert _revision(engine) == head_revision()
    assert _diff(engine) == []


def test_outbox_claims_survive_a_downgrade_and_upgrade_of_0003(
    empty_db_url: str, engine: sa.Engine
) -> None:
    upgrade(empty_db_url)
    backend = SqlBackend(empty_db_url, [ITEM_SPEC])
    try:
        with backend.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("a"))
            uow.save(ITEM_SPEC, Item.create("b"))
            first, second = (e.event_id for e in uow.commit())
        backend.outbox_failed(first, "hook", "down", T0)
        assert len(backend.outbox_claim(T0, 10, timedelta(minutes=1))) == 2
    finally:
        backend.close()
    downgrade(empty_db_url, "0002")  # drops the claims, keeps the entries
    with engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("itsm_outbox")}
    assert "claimed_until" not in columns
    upgrade(empty_db_url)
    backend = SqlBackend(empty_db_url, [ITEM_SPEC])
    try:
        entries = backend.outbox_claim(T0, 10, timedelta(minutes=1))
        assert [e.event.event_id for e in entries] == [first, second]
        assert dict(entries[0].attempts) == {"hook": 1}
    finally:
        backend.close()


def test_upgrade_at_head_changes_nothing(empty_db_url: str, engine: sa.Engine) -> None:
    upgrade(empty_db_url)
    before = _tables(engine)
    upgrade(empty_db_url)
    assert _tables(engine) == before


def test_concurrent_upgrades_of_an_empty_database(empty_db_url: str, engine: sa.Engine) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        try:
            barrier.wait()
            upgrade(empty_db_url)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _revision(engine) == head_revision()


def test_sqlite_store_creates_its_schema(sqlite_url: str) -> None:
    backend = SqlBackend(sqlite_url, [ITEM_SPEC])
    try:
        with backend.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
            assert table_name(ITEM_SPEC.kind) in sa.inspect(connection).get_table_names()
    finally:
        backend.close()


def test_facade_opens_a_new_sqlite_file(sqlite_url: str) -> None:
    with ItsmCore(sqlite_url, load_entrypoints=False) as core:
        assert type(core.storage).__name__ == "SqlBackend"
    with ItsmCore(sqlite_url, load_entrypoints=False) as core:  # and again, at head
        assert core.storage.url == sqlite_url


def test_sqlite_auto_migration_can_be_turned_off(sqlite_url: str) -> None:
    with pytest.raises(SchemaOutOfDate, match="itsm-core-db upgrade") as info:
        SqlBackend(f"{sqlite_url}?itsm_auto_migrate=false", [ITEM_SPEC])
    assert "no itsm_core tables yet" in str(info.value)


@pytest.mark.postgres
def test_postgres_is_not_migrated_unless_asked(pg_url: str) -> None:
    with pytest.raises(SchemaOutOfDate, match="itsm-core-db upgrade") as info:
        SqlBackend(pg_url, [ITEM_SPEC])
    assert "itsm_auto_migrate=true" in str(info.value)
    separator = "&" if "?" in pg_url else "?"
    backend = SqlBackend(f"{pg_url}{separator}itsm_auto_migrate=true", [ITEM_SPEC])
    backend.close()
    SqlBackend(pg_url, [ITEM_SPEC]).close()  # now at head


def test_older_schema_is_refused_naming_the_upgrade_command(
    empty_db_url: str, engine: sa.Engine
) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision())
    previous = head.down_revision  # the chain's order, whatever the numbers
    assert isinstance(previous, str)
    upgrade(empty_db_url, previous)
    with pytest.raises(SchemaOutOfDate, match="itsm-core-db upgrade") as info:
        SqlBackend(empty_db_url, [ITEM_SPEC], auto_migrate=True)
    assert previous in str(info.value)
    assert head_revision() in str(info.value)
    assert _revision(engine) == previous  # nothing was changed


def test_newer_schema_is_refused(empty_db_url: str, engine: sa.Engine) -> None:
    upgrade(empty_db_url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    with pytest.raises(SchemaOutOfDate, match="does not know"):
        SqlBackend(empty_db_url, [ITEM_SPEC], auto_migrate=True)


def test_tables_without_a_revision_are_refused(empty_db_url: str, engine: sa.Engine) -> None:
    upgrade(empty_db_url)
    stamp(empty_db_url, "base")
    with pytest.raises(SchemaOutOfDate, match="itsm-core-db stamp"):
        SqlBackend(empty_db_url, [ITEM_SPEC], auto_migrate=True)


def test_password_is_not_shown_in_errors() -> None:
    url = "postgresql+psycopg://itsm:s3cret@127.0.0.1:1/none?connect_timeout=1"
    with pytest.raises(StorageError, match=r"cannot|failed") as info:
        SqlBackend(url, [ITEM_SPEC])
    assert "s3cret" not in str(info.value)


def test_command_upgrade_current_check(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _command_round_trip(sqlite_url, capsys)


@pytest.mark.postgres
def test_command_upgrade_current_check_on_postgresql(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # the tool opens PostgreSQL without a pool: no pool sizes may reach the engine
    _command_round_trip(pg_url, capsys)


def _command_round_trip(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", sqlite_url]) == 1
    assert "itsm-core-db upgrade" in capsys.readouterr().err
    assert main(["upgrade", sqlite_url]) == 0
    assert main(["current", sqlite_url]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == head_revision()
    assert main(["check", sqlite_url]) == 0
    assert main(["diff", sqlite_url]) == 0
    assert main(["heads"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == head_revision()
    assert main(["downgrade", sqlite_url, "base"]) == 0
    assert main(["current", sqlite_url]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "none"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["upgrade", "{url}", "nosuchrev"], r"'nosuchrev'.*revisions of this version: 0001"),
        (["downgrade", "{url}", "nosuchrev"], r"'nosuchrev'.*\(head \d+\)"),
        (["stamp", "{url}", "zzz"], r"'zzz'.*'base'"),
        (["check", "sqlite:///{missing}/x.db"], r"directory .*missing.* does not exist"),
        (["upgrade", "memory://"], r"'memory://'.*sqlite:///path\.db"),
        (["current", "not a url"], r"cannot parse the storage URL"),
    ],
    ids=["unknown-revision", "downgrade-unknown", "stamp-unknown", "no-directory", "memory", "bad"],
)
def test_command_errors_are_one_clear_line(
    sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    expected: str,
) -> None:
    argv = [a.format(url=sqlite_url, missing=tmp_path / "missing") for a in args]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("itsm-core-db: ")
    assert re.search(expected, err), err
    assert "Traceback" not in err
    assert not (tmp_path / "missing").exists()


def test_a_sqlite_file_in_a_missing_directory_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"directory .* does not exist; create it first"):
        ItsmCore(f"sqlite:///{tmp_path / 'nowhere' / 'itsm.db'}", load_entrypoints=False)
    assert not (tmp_path / "nowhere").exists()


def test_command_runs_as_a_program(sqlite_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "itsm_core.storage.sqlalchemy.migrate", "upgrade", sqlite_url],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    scripts = {e.name: e.value for e in metadata.entry_points(group="console_scripts")}
    assert scripts.get("itsm-core-db") == "itsm_core.schema:main"


def test_command_diff_shows_what_differs(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_itsm_outbox_pending")
    engine.dispose()
    assert main(["diff", sqlite_url]) == 1
    assert "ix_itsm_outbox_pending" in capsys.readouterr().out


def test_the_revisions_table_helper_refuses_a_field_it_cannot_type() -> None:
    from itsm_core.storage.sqlalchemy.migrations.aggregate_tables import _fields

    assert _fields("state:str  due_at:datetime\n n:int") == [
        ("state", "str"),
        ("due_at", "datetime"),
        ("n", "int"),
    ]
    for bad in ("state", "state:text", "a:b:c"):
        with pytest.raises(ValidationError, match="'name:type'"):
            _fields(bad)
