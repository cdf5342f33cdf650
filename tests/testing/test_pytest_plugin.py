"""The pytest plug-in's fixtures, used directly and from a sample suite run by pytester."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from itsm_core import FrozenClock, ItsmCore
from itsm_core.testing import RecordingNotifier, strategies
from itsm_core.testing.pytest_plugin import BACKENDS, CLOCK_START, POSTGRES_ENV
from tests.ci import in_ci

INTAKE = {
    "customer": "华东电网",
    "complainant": {"name": "客户李女士"},
    "origin": "external",
    "channel": "hotline",
    "source": "complaint_channel",
    "summary": "故障处理超时",
    "party_complained_about": "二线网络组",
}


def test_the_clock_is_frozen_at_the_start(itsm_clock: FrozenClock) -> None:
    assert itsm_clock.now() == CLOCK_START
    itsm_clock.advance(hours=2)
    assert itsm_clock.now() == CLOCK_START + timedelta(hours=2)


def test_the_memory_core_uses_the_clock_and_the_notifier(
    itsm_core_memory: ItsmCore, itsm_clock: FrozenClock, itsm_notifier: RecordingNotifier
) -> None:
    assert itsm_core_memory.storage.url == "memory://"
    complaint = itsm_core_memory.complaints.receive(strategies.receiver(), **INTAKE)
    assert complaint.received_at == itsm_clock.now()
    assert itsm_notifier.names() == ["complaint.received"]


def test_the_sqlite_core_is_a_file_in_tmp_path(
    itsm_core_sqlite: ItsmCore, tmp_path: pytest.TempPathFactory
) -> None:
    assert itsm_core_sqlite.storage.url.startswith(f"sqlite:///{tmp_path}")
    complaint = itsm_core_sqlite.complaints.receive(strategies.receiver(), **INTAKE)
    assert itsm_core_sqlite.complaints.get(strategies.receiver(), complaint.id).version == 1


@pytest.fixture(autouse=True)
def _postgres_runs_in_ci() -> None:
    """Under CI=true the PostgreSQL cases here must run: fail instead of the plug-in's skip."""
    if not os.environ.get(POSTGRES_ENV) and in_ci():
        pytest.fail(f"{POSTGRES_ENV} is not set, but CI=true: the PostgreSQL tests must run")


@pytest.mark.postgres
def test_the_postgres_core_has_a_schema_of_its_own(
    itsm_core_postgres: ItsmCore, itsm_notifier: RecordingNotifier
) -> None:
    assert "search_path" in itsm_core_postgres.storage.url
    complaint = itsm_core_postgres.complaints.receive(strategies.receiver(), **INTAKE)
    assert itsm_core_postgres.complaints.get(strategies.receiver(), complaint.id).version == 1
    assert itsm_notifier.names() == ["complaint.received"]


def test_each_runs_on_every_store(
    itsm_core_each: ItsmCore, request: pytest.FixtureRequest
) -> None:
    name = request.node.callspec.params["itsm_core_each"]
    assert name in BACKENDS
    scheme = {"memory": "memory", "sqlite": "sqlite", "postgres": "postgresql"}[name]
    assert itsm_core_each.storage.url.startswith(scheme)


SAMPLE = '''
import pytest
from itsm_core.testing import RecordingNotifier


@pytest.fixture
def itsm_core_options():
    return {"plugins": [RecordingNotifier(name="extra")]}


def test_options_reach_the_core(itsm_core_memory, itsm_notifier):
    hook = itsm_core_memory.plugins.hook.itsm_on_event
    names = {impl.plugin_name for impl in hook.get_hookimpls()}
    assert names == {"recording", "extra"}


def test_postgres_skips_without_the_variable(itsm_core_postgres):
    raise AssertionError("not reached")


def test_each(itsm_core_each):
    assert itsm_core_each.storage is not None
'''


def test_a_suite_gets_the_fixtures_and_a_clear_skip(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(POSTGRES_ENV, raising=False)
    pytester.makepyfile(test_sample=SAMPLE)
    result = pytester.runpytest("-p", "itsm_core.testing.pytest_plugin", "-rs")
    result.assert_outcomes(passed=3, skipped=2)
    result.stdout.fnmatch_lines(
        [f"*itsm_core_postgres needs a PostgreSQL server: set {POSTGRES_ENV}*"]
    )


def test_fixtures_are_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "itsm_core.testing.pytest_plugin", "--fixtures")
    for name in ("itsm_clock", "itsm_notifier", "itsm_core_memory", "itsm_core_each"):
        result.stdout.fnmatch_lines([f"{name}*"])


def test_an_unusable_server_fails_clearly(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(POSTGRES_ENV, "postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    pytester.makepyfile(test_pg="def test_pg(itsm_core_postgres):\n    pass\n")
    result = pytester.runpytest("-p", "itsm_core.testing.pytest_plugin")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*{POSTGRES_ENV}=*127.0.0.1:1/none is set but unusable*"])
    assert "secret" not in result.stdout.str()
