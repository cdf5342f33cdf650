"""Facades on memory and on a SQLite file, and seeded stages, for the reliability tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from itsm_core import Actor, FrozenClock, ItsmCore, Role
from itsm_core.testing import RecordingNotifier
from tests.storage.conftest import PgSchemas, pg_schemas, postgres_url  # noqa: F401

from ._stage import Stage

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER], "用户关系经理")
DESK = Actor("desk-1", [Role.SERVICE_DESK], "服务台")


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture(params=["memory", "sqlite"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'itsm.db'}"


@pytest.fixture
def core(url: str, recorder: RecordingNotifier) -> Iterator[ItsmCore]:
    with ItsmCore(
        url, clock=FrozenClock(T0), plugins=[recorder], load_entrypoints=False
    ) as core:
        yield core


# -- the fuzzing and fault-injection suites -----------------------------------------


def long_run() -> bool:
    """True under the ``long`` hypothesis profile (periodic runs), else the small CI budget."""
    return settings.get_current_profile_name() == "long"


def suite_settings(examples: int) -> settings:
    """``examples`` per test, derandomized (the same calls every run) except in long runs."""
    return settings(
        max_examples=examples,
        derandomize=not long_run(),
        database=None if not long_run() else settings.default.database,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


def _stage(request: pytest.FixtureRequest, tmp: pytest.TempPathFactory) -> Iterator[Stage]:
    if request.param == "memory":
        url = "memory://"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp.mktemp('stage') / 'itsm.db'}"
    else:
        schemas: PgSchemas = request.getfixturevalue("pg_schemas")
        url = schemas.lease()
    made = Stage(url)
    try:
        yield made
    finally:
        made.close()
        if request.param == "postgres":
            schemas.give_back(url)


POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


@pytest.fixture(scope="module", params=["memory", "sqlite", POSTGRES])
def stage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stage]:
    """The seeded world on memory, on a SQLite file, or in a PostgreSQL schema of its own."""
    yield from _stage(request, tmp_path_factory)


@pytest.fixture(scope="module", params=["sqlite", POSTGRES])
def sql_stage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stage]:
    """The seeded world on a SQLite file or in a PostgreSQL schema of its own."""
    yield from _stage(request, tmp_path_factory)
