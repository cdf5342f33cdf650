"""SLA ids are type-checked, and a command racing another is a conflict.

Every method that takes a clock or agreement id refuses a non-string with a
ValidationError on every backend; a command whose clock was changed by
another process meanwhile raises ConflictError, never "at is before the
clock's last entry".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from itsm_core import FrozenClock, ItsmCore, ValidationError

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
