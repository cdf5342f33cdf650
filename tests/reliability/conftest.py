"""Facades on memory and on a SQLite file, for the reliability tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from itsm_core import Actor, FrozenClock, ItsmCore, Role
from itsm_core.testing import RecordingNotifier

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
