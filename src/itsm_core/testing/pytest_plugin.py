"""The pytest plug-in of ``itsm-core[testing]``: fixtures for applications' test suites.

Installed with the package (entry point ``pytest11``), so every pytest run in
an environment that has ``itsm-core`` offers these fixtures, without a
``conftest.py`` line (elsewhere: ``pytest -p itsm_core.testing.pytest_plugin``):

``itsm_clock``
    a :class:`~itsm_core.kernel.clock.FrozenClock` at :data:`CLOCK_START`
    (move it with ``set`` / ``advance``).
``itsm_notifier``
    a :class:`~itsm_core.testing.RecordingNotifier`: what the relay delivered.
``itsm_core_memory``, ``itsm_core_sqlite``, ``itsm_core_postgres``
    an :class:`~itsm_core.ItsmCore` on that store, with the clock and the
    notifier above, closed after the test. SQLite is a new file in the test's
    ``tmp_path``. PostgreSQL uses the server named by the environment variable
    :data:`POSTGRES_ENV` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``,
    needs ``itsm-core[postgres]``): each test gets a schema of its own,
    migrated, and dropped afterwards; without the variable the test is
    skipped, saying so.
``itsm_core_each``
    the same test once per store (``memory``, ``sqlite``, ``postgres``).
``itsm_core_options``
    override it in your ``conftest.py`` to pass more keyword arguments to
    every core above (``plugins`` are added to the notifier; installed
    entry-point plug-ins are not loaded unless you pass
    ``load_entrypoints=True``).

Every fixture name starts with ``itsm_``, so the plug-in does not shadow the
fixtures of a suite. The fixtures import the library only when used.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from itsm_core.facade import ItsmCore
    from itsm_core.kernel.clock import FrozenClock
    from itsm_core.testing.recording import RecordingNotifier

__all__ = [
    "BACKENDS",
    "CLOCK_START",
    "POSTGRES_ENV",
    "itsm_clock",
    "itsm_core_each",
    "itsm_core_memory",
    "itsm_core_options",
    "itsm_core_postgres",
    "itsm_core_sqlite",
    "itsm_notifier",
]

CLOCK_START = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
"""Where ``itsm_clock`` stands when a test starts: Wednesday 1 April 2026, 09:00 in Beijing."""

POSTGRES_ENV = "ITSM_TEST_POSTGRES_URL"
"""The environment variable naming the PostgreSQL server of ``itsm_core_postgres``."""

BACKENDS: tuple[str, ...] = ("memory", "sqlite", "postgres")
"""The stores ``itsm_core_each`` runs a test on."""


@pytest.fixture
def itsm_clock() -> FrozenClock:
    """A frozen clock at :data:`CLOCK_START`, for the cores of this plug-in."""
    from itsm_core.kernel.clock import FrozenClock

    return FrozenClock(CLOCK_START)


@pytest.fixture
def itsm_notifier() -> RecordingNotifier:
    """A recording notifier plugged into the cores of this plug-in."""
    from itsm_core.testing.recording import RecordingNotifier

    return RecordingNotifier()


@pytest.fixture
def itsm_core_options() -> dict[str, Any]:
    """More keyword arguments for :class:`~itsm_core.ItsmCore`; override it to configure."""
    return {}


def _open_core(
    url: str,
    clock: FrozenClock,
    notifier: RecordingNotifier,
    options: dict[str, Any],
) -> ItsmCore:
    from itsm_core.facade import ItsmCore

    settings = dict(options)
    plugins = [notifier, *settings.pop("plugins", ())]
    settings.setdefault("clock", clock)
    settings.setdefault("load_entrypoints", False)
    return ItsmCore(url, plugins=plugins, **settings)


@pytest.fixture
def itsm_core_memory(
    itsm_clock: FrozenClock,
    itsm_notifier: RecordingNotifier,
    itsm_core_options: dict[str, Any],
) -> Iterator[ItsmCore]:
    """A core on ``memory://``."""
    with _open_core("memory://", itsm_clock, itsm_notifier, itsm_core_options) as core:
        yield core


@pytest.fixture
def itsm_core_sqlite(
    tmp_path: Path,
    itsm_clock: FrozenClock,
    itsm_notifier: RecordingNotifier,
    itsm_core_options: dict[str, Any],
) -> Iterator[ItsmCore]:
    """A core on a new SQLite file in ``tmp_path`` (migrated when opened)."""
    url = f"sqlite:///{tmp_path / 'itsm-core.db'}"
    with _open_core(url, itsm_clock, itsm_notifier, itsm_core_options) as core:
        yield core


@pytest.fixture
def itsm_core_postgres(
    itsm_clock: FrozenClock,
    itsm_notifier: RecordingNotifier,
    itsm_core_options: dict[str, Any],
) -> Iterator[ItsmCore]:
    """A core on a PostgreSQL schema of this test's own; skipped unless ``POSTGRES_ENV`` is set."""
    server = os.environ.get(POSTGRES_ENV, "").strip()
    if not server:
        pytest.skip(
            f"itsm_core_postgres needs a PostgreSQL server: set {POSTGRES_ENV}, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    schema = f"itsm_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, poolclass=sa.pool.NullPool)
    try:
        try:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        except Exception as exc:
            shown = make_url(server).render_as_string(hide_password=True)
            pytest.fail(f"{POSTGRES_ENV}={shown} is set but unusable: {exc}", pytrace=False)
        url = make_url(server).update_query_dict(
            {"options": f"-csearch_path={schema}", "itsm_auto_migrate": "true"}
        )
        try:
            core = _open_core(
                url.render_as_string(hide_password=False),
                itsm_clock,
                itsm_notifier,
                itsm_core_options,
            )
            with core:
                yield core
        finally:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def itsm_core_each(request: pytest.FixtureRequest) -> ItsmCore:
    """A core on each store in turn: the test runs once per entry of :data:`BACKENDS`."""
    core: ItsmCore = request.getfixturevalue(f"itsm_core_{request.param}")
    return core
