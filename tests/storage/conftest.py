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

POSTGRES_ENV = "ITSM_TEST_POSTGRES_URL"


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


class PgSchemas:
    """Creates throw-away PostgreSQL schemas and gives URLs that use them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.created: list[str] = []

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
        if _ci():
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
    """specs → a new store in a new schema (migrated); closed and dropped afterwards."""
    made: list[tuple[SqlBackend, str]] = []

    def make(specs: Sequence[AggregateSpec[Any]]) -> SqlBackend:
        url = pg_schemas.new_url()
        backend = SqlBackend(url, specs, auto_migrate=True)
        made.append((backend, url))
        return backend

    yield make
    for backend, url in made:
        backend.close()
        pg_schemas.drop(PgSchemas.schema_of(url))


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
