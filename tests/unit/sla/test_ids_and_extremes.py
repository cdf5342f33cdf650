"""SLA ids are type-checked, and a command racing another is a conflict.

Every method that takes a clock or agreement id refuses a non-string with a
ValidationError on every backend; a command whose clock was changed by
another process meanwhile raises ConflictError, never "at is before the
clock's last entry".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from itsm_core import ConflictError, FrozenClock, ItsmCore, ValidationError

from .clock_support import DESK, MON, RM, H, make_core, target


@pytest.fixture(params=["memory", "sqlite"])
def core(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ItsmCore]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'sla.db'}"
    with make_core(FrozenClock(MON + H), storage_url=url) as core:
        yield core


def _started(core: ItsmCore) -> tuple[str, str]:
    agreement = core.sla.define_agreement(
        RM, name="年度协议", kind="sla", counterparty="ACME", targets=[target(4)]
    )
    clock = core.sla.start(
        DESK,
        subject_kind="ticket",
        subject_id="T-1",
        target="resolution",
        agreement_id=agreement.id,
        service="desktop",
        priority="P2",
    )
    return clock.id, agreement.id


BY_ID: dict[str, Callable[[ItsmCore, Any], object]] = {
    "get": lambda c, i: c.sla.get(RM, i),
    "status": lambda c, i: c.sla.status(RM, i),
    "history": lambda c, i: c.sla.history(RM, i),
    "pause": lambda c, i: c.sla.pause(DESK, i, reason="等待用户"),
    "resume": lambda c, i: c.sla.resume(DESK, i),
    "stop": lambda c, i: c.sla.stop(DESK, i, reason="已解决"),
    "reset": lambda c, i: c.sla.reset(DESK, i, reason="重新受理"),
    "recalculate": lambda c, i: c.sla.recalculate(DESK, i),
    "change_target": lambda c, i: c.sla.change_target(DESK, i, target=target(8)),
    "change_priority": lambda c, i: c.sla.change_priority(DESK, i, priority="P1"),
    "get_agreement": lambda c, i: c.sla.get_agreement(RM, i),
    "get_target": lambda c, i: c.sla.get_target(
        RM, i, service="desktop", priority="P2", kind="resolution"
    ),
    "set_target": lambda c, i: c.sla.set_target(RM, i, target=target(2)),
    "remove_target": lambda c, i: c.sla.remove_target(
        RM, i, service="desktop", priority="P2", kind="resolution"
    ),
    "set_service_period": lambda c, i: c.sla.set_service_period(RM, i, period=None),
}


@pytest.mark.parametrize("bad", [["x"], 2**64, None, 7], ids=["list", "huge", "none", "int"])
@pytest.mark.parametrize("call", BY_ID, ids=list(BY_ID))
def test_an_id_that_is_not_a_string_is_a_validation_error(
    core: ItsmCore, call: str, bad: object
) -> None:
    with pytest.raises(ValidationError):
        BY_ID[call](core, bad)


class _Racing(FrozenClock):
    """A clock whose first reading lets another process change the clock meanwhile."""

    def __init__(self, at: datetime, meanwhile: Callable[[], object]) -> None:
        super().__init__(at)
        self.meanwhile: Callable[[], object] | None = meanwhile

    def now(self) -> datetime:
        if self.meanwhile is not None:
            run, self.meanwhile = self.meanwhile, None
            run()
        return super().now()


def test_a_command_racing_another_is_a_conflict(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    with make_core(FrozenClock(MON + H), storage_url=url) as other:
        clock_id, _ = _started(other)
        later = MON + 2 * H
        racing = _Racing(MON + H, lambda: other.sla.pause(DESK, clock_id, reason="x", at=later))
        with make_core(racing, storage_url=url) as core, pytest.raises(ConflictError):
            core.sla.pause(DESK, clock_id, reason="等待用户")


def test_a_clock_a_little_behind_the_last_entry_acts_at_that_entry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    with make_core(FrozenClock(MON + 2 * H), storage_url=url) as ahead:
        clock_id, _ = _started(ahead)
        ahead.sla.pause(DESK, clock_id, reason="等待用户")
    with make_core(FrozenClock(MON + H), storage_url=url) as behind:
        resumed = behind.sla.resume(DESK, clock_id)
        assert resumed.log[-1].at == MON + 2 * H
        moved = behind.sla.change_target(DESK, clock_id, target=target(8))
        assert moved.log[-1].at == MON + 2 * H
