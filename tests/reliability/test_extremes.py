"""Extreme numbers and instants are answered, or refused with a ValidationError."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from itsm_core import ItsmCore, ValidationError
from itsm_core.kernel.clock import require_aware
from itsm_core.sla import Target
from itsm_core.storage import Query, Where

from .conftest import DESK, RM, SPECIALIST, T0

#: The last minute of year 9999 at UTC-14: the year 10000 in UTC.
LATEST = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=14)))
HUGE = [2**63, 2**64]


@pytest.mark.parametrize("limit", HUGE)
def test_huge_limits_mean_no_limit(core: ItsmCore, limit: int) -> None:
    assert core.complaints.find(SPECIALIST, limit=limit) == []
    assert core.satisfaction.responses.find(RM, limit=limit) == []
    assert core.sla.find(RM, limit=limit) == []
    assert core.relay(limit).claimed == 0


def test_purge_outbox_with_the_longest_timedelta(core: ItsmCore) -> None:
    assert core.purge_outbox(timedelta.max) == 0


def test_an_instant_beyond_the_utc_calendar_is_refused() -> None:
    with pytest.raises(ValidationError, match="at"):
        require_aware(LATEST, "at")


def _clock(core: ItsmCore) -> str:
    target = Target("desktop", "P2", "resolution", timedelta(hours=4))
    return core.sla.start(DESK, subject_kind="ticket", subject_id="T-1", target=target).id


def test_status_at_the_latest_instant_is_refused(core: ItsmCore) -> None:
    clock_id = _clock(core)
    with pytest.raises(ValidationError, match="at"):
        core.sla.status(RM, clock_id, at=LATEST)


def test_tick_at_the_latest_instant_is_refused(core: ItsmCore) -> None:
    _clock(core)
    with pytest.raises(ValidationError, match="at"):
        core.sla.tick(DESK, at=LATEST)
    assert core.sla.tick(DESK, at=T0).events == ()


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**64])
def test_whole_numbers_beyond_64_bits_are_refused(url: str, value: int) -> None:
    from itsm_core.storage.memory import MemoryBackend
    from itsm_core.storage.sqlalchemy import SqlBackend
    from itsm_core.testing.contract import ITEM_SPEC, Item

    memory = url.startswith("memory")
    backend: Any = MemoryBackend(url, [ITEM_SPEC]) if memory else SqlBackend(url, [ITEM_SPEC])
    try:
        with backend.unit_of_work() as uow:
            with pytest.raises(ValidationError, match="64 bits"):
                uow.find(ITEM_SPEC, Query((Where("size", "eq", value),)))
            with pytest.raises(ValidationError, match="64 bits"):
                uow.save(ITEM_SPEC, Item.create("a", size=value))
    finally:
        backend.close()
