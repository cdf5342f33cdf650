"""Proactive feedback ends when its request's service record closes: one test per rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsm_core import FrozenClock, ItsmCore
from itsm_core.communications import FeedbackState
from itsm_core.communications import proactive as proactive_module
from itsm_core.kernel.actors import SYSTEM
from itsm_core.kernel.errors import AccessDenied, InvalidTransition
from itsm_core.sla import TargetKind
from itsm_core.testing import RecordingNotifier

from .conftest import CUSTOMER, DESK, ENGINEER, T0
from .test_feedback import HOUR, started


def opened(core: ItsmCore, record_id: str = "INC-7") -> None:
    core.satisfaction.service_records.register(
        DESK, record_id, customer="BETA", service="email", opened_at=T0 - HOUR
    )


def closed(core: ItsmCore, record_id: str = "INC-7") -> None:
    records = core.satisfaction.service_records
    records.resolve(DESK, record_id)
    records.close(DESK, record_id)


def _clocks(core: ItsmCore) -> list[str]:
    return [c.state.value for c in core.sla.find(DESK, subject_kind="proactive_feedback")]


def test_run_due_ends_the_feedback_of_a_closed_request(
    core: ItsmCore, clock: FrozenClock
) -> None:
    opened(core)
    feedback = started(core)
    clock.advance(HOUR)
    closed(core)
    clock.advance(timedelta(minutes=5))
    report = core.run_due()
    assert report.feedback_ended == 1 and "feedback ended 1" in report.describe()
    ended = core.communications.feedback.get(DESK, feedback.id)
    assert ended.state is FeedbackState.CLOSED and ended.next_due_at is None
    assert ended.closed_at == T0 + HOUR  # when the request closed, not when the sweep ran
    assert _clocks(core) == ["stopped"]
    last = core.communications.feedback.history(DESK, feedback.id)[-1]
    assert last.name == "proactive_feedback.request_closed"
    assert last.payload["reason"] == "the request closed"
    assert last.payload["request_closed_at"] == (T0 + HOUR).isoformat()


def test_the_sweep_is_idempotent(core: ItsmCore, clock: FrozenClock) -> None:
    opened(core)
    feedback = started(core)
    closed(core)
    sweep = core.communications.feedback.close_for_closed_requests
    assert [f.id for f in sweep(SYSTEM)] == [feedback.id]
    assert sweep(SYSTEM) == []
    assert core.run_due().feedback_ended == 0
    names = [e.name for e in core.communications.feedback.history(DESK, feedback.id)]
    assert names.count("proactive_feedback.request_closed") == 1


def test_no_warning_follows_for_updates_nobody_owes(
    core: ItsmCore, clock: FrozenClock, recorder: RecordingNotifier
) -> None:
    opened(core)
    started(core)
    closed(core)
    clock.advance(5 * HOUR)  # the first update was due 2 h after the start
    core.run_due()
    owed = [
        n for n in recorder.calls_of("itsm_sla_warning", "itsm_sla_breach")
        if n.target is TargetKind.PROGRESS_UPDATE
    ]  # fmt: skip
    assert owed == []


def test_an_update_after_the_request_closed_is_refused(
    core: ItsmCore, clock: FrozenClock
) -> None:
    opened(core)
    feedback = started(core)
    closed(core)
    with pytest.raises(InvalidTransition, match=r"request 'INC-7' closed at .*no more updates"):
        core.communications.feedback.update(DESK, feedback.id, summary="仍在处理")
    kept = core.communications.feedback.get(DESK, feedback.id)
    assert kept.updates == () and kept.version == feedback.version
    assert kept.state is FeedbackState.ACTIVE  # until the sweep ends it


def test_feedback_of_open_or_unknown_requests_is_left_alone(core: ItsmCore) -> None:
    opened(core)
    open_one = started(core)
    elsewhere = started(core, record_id="REQ-9", reason="important_request")  # not a record
    assert core.communications.feedback.close_for_closed_requests(SYSTEM) == []
    for feedback in (open_one, elsewhere):
        assert core.communications.feedback.get(DESK, feedback.id).is_active
    updated = core.communications.feedback.update(DESK, open_one.id, summary="已定位原因")
    assert len(updated.updates) == 1


def test_the_sweep_reads_batch_after_batch(
    core: ItsmCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(proactive_module, "_BATCH", 2)
    for n in range(5):
        opened(core, f"INC-{n}")
        started(core, record_id=f"INC-{n}")
    for n in (0, 1, 3):
        closed(core, f"INC-{n}")
    ended = core.communications.feedback.close_for_closed_requests(SYSTEM)
    assert sorted(f.record_id for f in ended) == ["INC-0", "INC-1", "INC-3"]
    active = core.communications.feedback.find(DESK, state="active")
    assert sorted(f.record_id for f in active) == ["INC-2", "INC-4"]


def test_only_the_desk_its_managers_and_the_system_sweep(core: ItsmCore) -> None:
    for who in (ENGINEER, CUSTOMER):
        with pytest.raises(AccessDenied):
            core.communications.feedback.close_for_closed_requests(who)
