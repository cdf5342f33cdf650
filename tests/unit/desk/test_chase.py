"""The desk's daily chase list and the progress it notes on open requests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsm_core import FrozenClock, ItsmCore
from itsm_core.kernel.errors import AccessDenied, InvalidTransition, NotFound, ValidationError

from .conftest import CUSTOMER, DESK, DESK2, ENGINEER, RM, T0, closed, record


def test_every_open_request_per_desk_member_least_recently_updated_first(
    core: ItsmCore, clock: FrozenClock
) -> None:
    clock.set(T0 - timedelta(hours=5))
    record(core, "A-2", desk_agent=DESK.id)
    clock.set(T0 - timedelta(hours=6))
    record(core, "A-1", desk_agent=DESK.id)
    record(core, "B-1", desk_agent=DESK2.id)
    record(core, "N-1")
    closed(core, "A-closed", desk_agent=DESK.id)
    clock.set(T0)
    chase = core.desk.chase_list(DESK)
    assert [(m.desk_agent, [r.id for r in m.records]) for m in chase.members] == [
        (DESK.id, ["A-1", "A-2"]),
        (DESK2.id, ["B-1"]),
        (None, ["N-1"]),  # nobody follows it: last
    ]
    mine = core.desk.chase_list(DESK, desk_agent=DESK.id)
    assert [m.desk_agent for m in mine.members] == [DESK.id]


def test_resolved_and_returned_requests_are_still_chased(core: ItsmCore) -> None:
    record(core, "R-1", desk_agent=DESK.id)
    core.satisfaction.service_records.resolve(ENGINEER, "R-1", resolution="重启")
    [member] = core.desk.chase_list(DESK).members
    assert [(r.id, r.state.value) for r in member.records] == [("R-1", "resolved")]
    core.satisfaction.service_records.close(DESK, "R-1")
    assert core.desk.chase_list(DESK).members == ()


def test_a_noted_progress_moves_the_request_out_of_not_updated_today(
    core: ItsmCore, clock: FrozenClock
) -> None:
    clock.set(T0 - timedelta(days=1))
    record(core, "R-1", desk_agent=DESK.id)
    record(core, "R-2", desk_agent=DESK.id)
    clock.set(T0)
    [member] = core.desk.chase_list(DESK).members
    assert [r.id for r in member.not_updated_today] == ["R-1", "R-2"]
    noted = core.desk.note_progress(DESK, "R-1", note="方案待审批")
    assert (noted.progress_note, noted.updated_at, noted.state.value) == ("方案待审批", T0, "open")
    [member] = core.desk.chase_list(DESK).members
    assert [r.id for r in member.records] == ["R-2", "R-1"]
    assert [r.id for r in member.not_updated_today] == ["R-2"]
    assert core.satisfaction.service_records.history(RM, "R-1")[-1].name == (
        "service_record.progress_noted"
    )


def test_noting_progress_can_hand_the_request_to_another_desk_member(core: ItsmCore) -> None:
    record(core, "R-1", desk_agent=DESK.id)
    core.desk.note_progress(DESK, "R-1", note="交接", desk_agent=DESK2.id)
    [member] = core.desk.chase_list(DESK).members
    assert member.desk_agent == DESK2.id


def test_a_closed_request_is_not_chased(core: ItsmCore) -> None:
    closed(core, "C-1")
    with pytest.raises(InvalidTransition, match="closed"):
        core.desk.note_progress(DESK, "C-1", note="x")
    assert core.satisfaction.service_records.get(RM, "C-1").progress_note is None


def test_progress_needs_a_note_a_record_and_a_desk_role(core: ItsmCore) -> None:
    record(core, "R-1")
    with pytest.raises(ValidationError):
        core.desk.note_progress(DESK, "R-1", note="  ")
    with pytest.raises(NotFound):
        core.desk.note_progress(DESK, "R-none", note="x")
    with pytest.raises(AccessDenied):
        core.desk.note_progress(ENGINEER, "R-1", note="x")
    with pytest.raises(AccessDenied):
        core.desk.chase_list(CUSTOMER)
    assert core.satisfaction.service_records.get(RM, "R-1").version == 1


def test_the_day_starts_in_the_provider_s_zone(core: ItsmCore, clock: FrozenClock) -> None:
    clock.set(T0.replace(hour=0, minute=30))  # 00:30 in Shanghai: 16:30 UTC the day before
    record(core, "R-1", desk_agent=DESK.id)
    [member] = core.desk.chase_list(DESK, at=T0).members
    assert member.not_updated_today == ()
    assert member.day_start == T0.replace(hour=0, minute=0)


def test_describe_shows_member_record_state_and_last_update(core: ItsmCore) -> None:
    record(core, "R-1", desk_agent=DESK.id)
    assert core.desk.chase_list(DESK).describe("zh") == "desk-li: R-1 处理中 2026-06-01T09:00+08:00"
