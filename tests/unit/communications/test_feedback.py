"""Proactive feedback: one test per rule (who gets it, the interval, the clock, closing)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsm_core import FrozenClock, ItsmCore
from itsm_core.communications import ContactChannel, FeedbackState, ProactiveFeedback
from itsm_core.kernel.errors import AccessDenied, ConflictError, InvalidTransition, ValidationError
from itsm_core.sla import TargetKind
from itsm_core.testing import RecordingNotifier

from .conftest import DESK, ENGINEER, T0

HOUR = timedelta(hours=1)


def started(core: ItsmCore, **overrides: object) -> ProactiveFeedback:
    fields: dict[str, object] = {
        "record_id": "INC-7",
        "customer": "BETA",
        "reason": "urgent_incident",
        "interval": 2 * HOUR,
        "handler": "eng-1",
        "summary": "邮件系统中断",
    }
    fields.update(overrides)
    return core.communications.feedback.start(DESK, **fields)  # type: ignore[arg-type]


def _clocks(core: ItsmCore) -> list[str]:
    return [c.state.value for c in core.sla.find(DESK, subject_kind="proactive_feedback")]


def test_the_first_update_is_due_one_interval_of_business_time_later(core: ItsmCore) -> None:
    feedback = started(core)
    assert feedback.state is FeedbackState.ACTIVE
    assert feedback.next_due_at == T0 + 2 * HOUR  # 09:00 + 2 working hours on a Monday
    clock = core.sla.find(DESK, subject_id=feedback.id)[0]
    assert (clock.target, clock.budget, clock.customer) == (
        TargetKind.PROGRESS_UPDATE, 2 * HOUR, "BETA",
    )  # fmt: skip


def test_the_interval_runs_on_the_business_calendar(core: ItsmCore, clock: FrozenClock) -> None:
    clock.set(T0 + timedelta(hours=8, minutes=30))  # 17:30, half an hour before the day ends
    feedback = started(core, interval=HOUR)
    assert feedback.next_due_at == T0 + timedelta(days=1, minutes=30)  # Tuesday 09:30


def test_a_key_customer_is_one_of_the_register(core: ItsmCore) -> None:
    assert started(core, customer="ACME", reason="key_customer").customer == "ACME"
    with pytest.raises(ValidationError, match="not a key customer"):
        started(core, record_id="REQ-2", customer="BETA", reason="key_customer")


@pytest.mark.parametrize(
    ("field", "value"),
    [("interval", timedelta(0)), ("interval", 2), ("reason", "curious"), ("record_id", " "),
     ("calendar", "mars")],
)  # fmt: skip
def test_bad_input_is_refused_and_nothing_is_stored(
    core: ItsmCore, field: str, value: object
) -> None:
    with pytest.raises(ValidationError):
        started(core, **{field: value})
    assert core.communications.feedback.find(DESK) == []
    assert _clocks(core) == []


def test_a_request_has_one_active_feedback(core: ItsmCore) -> None:
    started(core)
    with pytest.raises(ConflictError, match="active feedback already"):
        started(core)


def test_each_update_is_recorded_and_the_next_is_due(core: ItsmCore, clock: FrozenClock) -> None:
    feedback = started(core)
    clock.advance(2 * HOUR)
    after = core.communications.feedback.update(
        DESK, feedback.id, summary="已定位故障，正在更换硬盘", channel="email"
    )
    assert [(u.summary, u.channel, u.on_time) for u in after.updates] == [
        ("已定位故障，正在更换硬盘", ContactChannel.EMAIL, True)
    ]
    assert after.next_due_at == T0 + timedelta(hours=5, minutes=30)  # 14:30, over lunch
    assert _clocks(core) == ["stopped", "running"]


def test_a_missed_update_warns_the_desk(
    core: ItsmCore, clock: FrozenClock, recorder: RecordingNotifier
) -> None:
    feedback = started(core)
    clock.advance(3 * HOUR)
    core.sla.tick(DESK)
    warned = [
        n for n in recorder.calls_of("itsm_sla_warning", "itsm_sla_breach")
        if n.target is TargetKind.PROGRESS_UPDATE
    ]  # fmt: skip
    assert [n.percent for n in warned][:3] == [50, 75, 90]
    assert warned[3].step.value == "service_desk" and warned[3].subject_id == feedback.id
    late = core.communications.feedback.update(DESK, feedback.id, summary="仍在处理")
    assert not late.updates[0].on_time and late.missed == 1
    assert [n.id for n in core.communications.feedback.find(DESK, customer="BETA")] == [
        feedback.id
    ]


def test_the_desk_lists_the_updates_due(core: ItsmCore) -> None:
    first = started(core)
    started(core, record_id="REQ-9", interval=4 * HOUR, reason="important_request")
    found = core.communications.feedback.find(DESK, due_before=T0 + 3 * HOUR)
    assert [f.id for f in found] == [first.id]


def test_closing_ends_the_updates_and_stops_the_clock(core: ItsmCore) -> None:
    feedback = started(core)
    closed = core.communications.feedback.close(DESK, feedback.id, reason="请求已关闭")
    assert closed.state is FeedbackState.CLOSED and closed.next_due_at is None
    assert _clocks(core) == ["stopped"]
    with pytest.raises(InvalidTransition):
        core.communications.feedback.update(DESK, feedback.id, summary="x")
    assert started(core).record_id == "INC-7"  # a new round may start after closing


def test_an_update_needs_a_summary(core: ItsmCore) -> None:
    feedback = started(core)
    with pytest.raises(ValidationError, match="summary"):
        core.communications.feedback.update(DESK, feedback.id, summary="")
    assert core.communications.feedback.get(DESK, feedback.id).version == 1


def test_an_engineer_gives_updates_but_does_not_start_them(core: ItsmCore) -> None:
    feedback = started(core)
    assert core.communications.feedback.update(ENGINEER, feedback.id, summary="s").updates
    with pytest.raises(AccessDenied):
        core.communications.feedback.start(
            ENGINEER, record_id="R", customer="C", reason="urgent_incident", interval=HOUR
        )
