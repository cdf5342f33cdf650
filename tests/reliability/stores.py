"""Stores on every backend for the stateful tests: memory, SQLite, PostgreSQL.

A stateful test runs many short examples; creating and migrating a database for
each costs more than the example. :class:`Stores` therefore *leases* a migrated
SQLite file or PostgreSQL schema, and on return deletes its rows and keeps it
for the next example. PostgreSQL is used when ``ITSM_TEST_POSTGRES_URL`` is set;
without it its tests skip, and under ``CI=true`` they fail (see ``tests/ci.py``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from itsm_core.storage.sqlalchemy.migrate import upgrade
from tests.ci import in_ci
from tests.storage.conftest import POSTGRES_ENV, PgSchemas

__all__ = ["BACKENDS", "Stores", "machine_settings", "stores_fixture"]

BACKENDS = ("memory", "sqlite", "postgresql")


def machine_settings(
    backend: str, *, examples: int, steps: int, sql_examples: int, sql_steps: int
) -> settings:
    """Few examples: ``examples`` of ``steps`` on memory, fewer and shorter on a database."""
    memory = backend == "memory"
    scale = 10 if settings.get_current_profile_name() == "long" else 1  # periodic runs
    return settings(
        max_examples=scale * (examples if memory else sql_examples),
        stateful_step_count=steps if memory else sql_steps,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


class _SqliteFiles:
    """Fresh migrated SQLite files, each a copy of one migrated template.

    A copy is cheaper than migrating, and unlike emptying a used file it
    needs no DELETE of the events, which the append-only triggers refuse.
    """

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="itsm-stateful-"))
        self.template: Path | None = None
        self.count = 0

    def lease(self) -> str:
        if self.template is None:
            self.template = self.folder / "template.db"
            upgrade(f"sqlite:///{self.template}")
        self.count += 1
        path = self.folder / f"store-{self.count}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def give_back(self, url: str) -> None:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)

    def close(self) -> None:
        for path in self.folder.glob("*"):
            path.unlink()
        self.folder.rmdir()


class Stores:
    """Lends store URLs of one backend to the examples of a stateful test."""

    def __init__(self) -> None:
        self._sqlite: _SqliteFiles | None = None
        self._pg: PgSchemas | None = None

    def require(self, backend: str) -> None:
        """Skip (fail under CI) a PostgreSQL test without a configured server."""
        if backend != "postgresql" or self._pg is not None:
            return
        url = os.environ.get(POSTGRES_ENV, "").strip()
        if not url:
            message = f"the PostgreSQL run needs {POSTGRES_ENV}"
            if in_ci():
                pytest.fail(f"{message}; CI must not skip it", pytrace=False)
            pytest.skip(message)
        self._pg = PgSchemas(url)

    def lease(self, backend: str) -> str:
        if backend == "memory":
            return "memory://"
        if backend == "sqlite":
            if self._sqlite is None:
                self._sqlite = _SqliteFiles()
            return self._sqlite.lease()
        self.require(backend)
        assert self._pg is not None
        return self._pg.lease()

    def give_back(self, backend: str, url: str) -> None:
        if backend == "sqlite" and self._sqlite is not None:
            self._sqlite.give_back(url)
        elif backend == "postgresql" and self._pg is not None:
            self._pg.give_back(url)

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            self._pg.drop()
            self._pg.admin.dispose()


_SHARED: list[Stores] = []


@pytest.fixture(scope="session", name="stores")
def stores_fixture() -> Stores:
    """The lender of this process, shared by every module that imports this fixture."""
    if not _SHARED:
        _SHARED.append(Stores())
        atexit.register(_SHARED[0].close)
    return _SHARED[0]
