"""Fixtures of the ``itsm`` command's tests: one small demo database per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from itsm_core.cli.app import cli


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a one-month demo database (demo.db) and its report (report/)."""
    folder = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(
        cli,
        [
            "demo",
            "--months",
            "1",
            "--seed",
            "7",
            "--db",
            f"sqlite:///{folder / 'demo.db'}",
            "--out",
            str(folder / "report"),
        ],
    )
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="session")
def demo_url(demo_dir: Path) -> str:
    """The URL of the demo database."""
    return f"sqlite:///{demo_dir / 'demo.db'}"


# the PostgreSQL fixtures of the storage tests (skip without a server, fail under CI)
from tests.storage.conftest import pg_schemas, pg_url, postgres_url  # noqa: E402, F401
