"""Fixtures for the storage tests: stores on memory, SQLite files and PostgreSQL.

PostgreSQL tests run when ``ITSM_TEST_POSTGRES_URL`` is set (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Without it they skip,
except under ``CI=true``, where they fail: CI must not skip them. A URL that
is set but unreachable fails them too. Every store lives in a schema of its
own (``search_path``), dropped afterwards, so repeated and parallel runs do
not collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from itsm_core.storage.base import AggregateSpec
from itsm_core.storage.sqlalchemy import SqlBackend
from itsm_core.storage.sqlalchemy.migrate import upgrade
from itsm_core.storage.sqlalchemy.tables import VERSION_TABLE
from tests.ci import in_ci

POSTGRES_ENV = "ITSM_TEST_POSTGRES_URL"


class PgSchemas:
    """Creates throw-away PostgreSQL schemas and gives URLs that use them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.created: list[str] = []
        self.free: list[str] = []

    def new_url(self) -> str:
        """Create an empty schema and return the URL whose search_path is it."""
        name = f"itsm_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        with self.admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        self.created.append(name)
        url = make_url(self.url).update_query_dict({"options": f"-csearch_path={name}"})
        return url.render_as_string(hide_password=False)

    def drop(self, name: str | None = None) -> None:
        """Drop one schema (by default every one created), waiting at most 10 s for locks."""
        names = [name] if name else list(self.created)
        with self.admin.connect() as connection:
            connection.exec_driver_sql("SET lock_timeout = '10s'")
            for schema in names:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                connection.commit()
                if schema in self.created:
                    self.created.remove(schema)

    def lease(self) -> str:
        """Return the URL of a migrated schema holding no rows (reused between tests)."""
        if self.free:
            return self.free.pop()
        url = self.new_url()
        upgrade(url)
        return url

    def give_back(self, url: str) -> None:
        """Delete every row of a leased schema and keep it for the next test."""
        schema = self.schema_of(url)
        with self.admin.connect() as connection:
            connection.exec_driver_sql("SET lock_timeout = '10s'")
            # the events are append-only (a trigger refuses DELETE); emptying a
            # throw-away schema for the next test runs as a replica, without triggers
            connection.exec_driver_sql("SET session_replication_role = replica")
            tables = connection.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = :schema "
                    "AND tablename LIKE 'itsm\\_%' AND tablename != :marker"
                ),
                {"schema": schema, "marker": VERSION_TABLE},
            ).scalars()
            # children first (foreign keys); DELETE is much faster than TRUNCATE on tiny tables
            first = ["itsm_outbox_delivery", "itsm_outbox", "itsm_events"]
            names = sorted(tables, key=lambda t: (first.index(t) if t in first else 3, t))
            for name in names:
                connection.exec_driver_sql(f'DELETE FROM "{schema}"."{name}"')
            connection.commit()
        self.free.append(url)

    @staticmethod
    def schema_of(url: str) -> str:
        """Return the schema a URL of :meth:`new_url` uses."""
        options = make_url(url).query["options"]
        text = options if isinstance(options, str) else options[-1]
        return text.split("=", 1)[1]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL server's URL; skip (fail under CI) when it is not configured."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        if in_ci():
            pytest.fail(
                f"{POSTGRES_ENV} is not set, but CI=true: the PostgreSQL storage tests must "
                "run in CI (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
                pytrace=False,
            )
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV}, "
            "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        pytest.fail(f"{POSTGRES_ENV}={shown} is set but unreachable: {exc}", pytrace=False)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def pg_schemas(postgres_url: str) -> Iterator[PgSchemas]:
    """Throw-away schemas on the test server, all dropped at the end of the session."""
    schemas = PgSchemas(postgres_url)
    try:
        yield schemas
    finally:
        schemas.drop()
        schemas.admin.dispose()


@pytest.fixture
def pg_url(pg_schemas: PgSchemas) -> Iterator[str]:
    """A URL of an empty PostgreSQL schema of this test's own."""
    url = pg_schemas.new_url()
    yield url
    pg_schemas.drop(PgSchemas.schema_of(url))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A URL of a new SQLite file."""
    return f"sqlite:///{tmp_path / 'itsm.db'}"


Maker = Callable[[Sequence[AggregateSpec[Any]]], SqlBackend]


@pytest.fixture
def pg_factory(pg_schemas: PgSchemas) -> Iterator[Maker]:
    """specs → a new, empty store in a schema of its own; closed and emptied afterwards."""
    made: list[tuple[SqlBackend, str]] = []

    def make(specs: Sequence[AggregateSpec[Any]]) -> SqlBackend:
        url = pg_schemas.lease()
        try:
            backend = SqlBackend(url, specs)
        except BaseException:
            pg_schemas.drop(PgSchemas.schema_of(url))
            raise
        made.append((backend, url))
        return backend

    yield make
    for backend, url in made:
        backend.close()
        pg_schemas.give_back(url)


@pytest.fixture
def sqlite_factory(tmp_path: Path) -> Iterator[Maker]:
    """specs → a new store in a new SQLite file; closed afterwards."""
    made: list[SqlBackend] = []

    def make(specs: Sequence[AggregateSpec[Any]]) -> SqlBackend:
        backend = SqlBackend(f"sqlite:///{tmp_path / f'store{len(made)}.db'}", specs)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))
