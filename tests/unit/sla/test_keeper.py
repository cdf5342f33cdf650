"""ClockKeeper: the clocks another area runs inside its own unit of work."""

from __future__ import annotations

import pytest

from itsm_core import SYSTEM, FrozenClock, ValidationError
from itsm_core.sla import ClockKeeper, ClockState

from .clock_support import DESK, MON, H, make_core, target


class _Refused(Exception):
    pass


def test_a_clock_commits_or_rolls_back_with_the_callers_unit_of_work() -> None:
    core = make_core(FrozenClock(MON))
    keeper = ClockKeeper(core.calendars)
    with pytest.raises(_Refused), core.runtime.transaction() as uow:
        keeper.start_in(
            uow, DESK, subject_kind="complaint", subject_id="C-1", target=target(), at=MON
        )
        assert keeper.open_clock_in(uow, "complaint", "C-1", "resolution") is not None
        raise _Refused  # the caller's own change fails: nothing is stored
    assert core.sla.find(SYSTEM, subject_id="C-1") == []
    with core.runtime.transaction() as uow:
        started = keeper.start_in(
            uow, DESK, subject_kind="complaint", subject_id="C-1", target=target(), at=MON
        )
    assert [c.id for c in core.sla.find(SYSTEM, subject_id="C-1")] == [started.id]
    with core.runtime.transaction() as uow:
        keeper.change_target_in(uow, DESK, started.id, target(8), reason="longer", at=MON + H)
        keeper.stop_in(uow, DESK, started.id, reason="done", at=MON + 2 * H)
        assert keeper.open_clock_in(uow, " complaint ", " C-1 ", "resolution") is None
    stopped = core.sla.get(SYSTEM, started.id)
    assert stopped.state is ClockState.STOPPED and stopped.budget == 8 * H
    names = [e.name for e in core.sla.history(SYSTEM, started.id)]
    assert names == ["sla_clock.started", "sla_clock.target_changed", "sla_clock.stopped"]


def test_the_keeper_refuses_what_the_service_refuses() -> None:
    core = make_core(FrozenClock(MON))
    keeper = ClockKeeper(core.calendars)
    with core.runtime.transaction() as uow:
        keeper.start_in(uow, DESK, subject_kind="ticket", subject_id="T-1", target=target(), at=MON)
    with (
        core.runtime.transaction() as uow,
        pytest.raises(ValidationError, match="already has an open 'resolution' clock"),
    ):
        keeper.start_in(uow, DESK, subject_kind="ticket", subject_id="T-1", target=target(), at=MON)
    with (
        core.runtime.transaction() as uow,
        pytest.raises(ValidationError, match="no business calendar named 'mars'"),
    ):
        keeper.start_in(
            uow,
            DESK,
            subject_kind="ticket",
            subject_id="T-2",
            target=target(calendar="mars"),
            at=MON,
        )
    with (
        core.runtime.transaction() as uow,
        pytest.raises(ValidationError, match="target must be a Target"),
    ):
        keeper.start_in(
            uow, DESK, subject_kind="ticket", subject_id="T-3", target="resolution", at=MON
        )  # type: ignore[arg-type]
    with (
        core.runtime.transaction() as uow,
        pytest.raises(ValueError, match="timezone-aware"),
    ):
        keeper.stop_in(uow, DESK, "slc-x", at=MON.replace(tzinfo=None))
    assert len(core.sla.find(SYSTEM)) == 1  # what was refused changed nothing


def test_the_keeper_looks_calendars_up_in_the_registry_at_every_use() -> None:
    core = make_core(FrozenClock(MON))
    keeper = ClockKeeper(core.calendars)
    assert keeper.calendar() is core.calendars.get("default")
    replaced = core.calendars.get("cn").replace(allow_unofficial_years=True)
    core.calendars.register("cn", replaced)
    assert keeper.calendar("cn") is replaced
