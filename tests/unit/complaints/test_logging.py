"""The library's logs: one logger per area, ids and states only, never a confidential value."""

from __future__ import annotations

import logging

import pytest

from itsm_core import FrozenClock, ItsmCore
from itsm_core.complaints import ComplaintState, Origin
from itsm_core.testing import RecordingNotifier

from .conftest import CONTACT, IDENTITY, SPECIALIST, intake, walk

INTERNAL_PATH = [
    "dispatch",
    "finding",
    "judge_valid",
    "project",
    "resolve",
    "improve",
    "progress",
    "met",
    "feedback",
    "satisfied",
]


def test_the_library_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("itsm_core").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


def test_an_internal_complaints_flow_logs_ids_and_steps_but_never_the_identity(
    clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    failing = RecordingNotifier(failures=1)
    core = ItsmCore("memory://", clock=clock, plugins=[failing], load_entrypoints=False)
    secrets = [IDENTITY, CONTACT, "运维二部", "故障处理超时三次", "工单记录显示三次超时"]
    with caplog.at_level(logging.DEBUG, logger="itsm_core"):
        complaint = core.complaints.receive(SPECIALIST, **intake(origin=Origin.INTERNAL))
        done = walk(core.complaints, complaint.id, INTERNAL_PATH)
        core.relay()
    assert done.state is ComplaintState.CLOSED
    assert caplog.records
    for record in caplog.records:
        text = record.getMessage()
        for secret in secrets:
            assert secret not in text, (record.name, text)
        if record.exc_info is not None:  # pragma: no cover - none is expected
            assert not any(s in caplog.text for s in secrets)
    by_logger = {r.name for r in caplog.records}
    assert {"itsm_core.complaints", "itsm_core.improvements", "itsm_core.outbox"} <= by_logger
    messages = [r.getMessage() for r in caplog.records]
    assert f"complaint {complaint.id} v1: complaint.received by {SPECIALIST.id}" in messages
    assert any(
        m.startswith(f"complaint {complaint.id}: judge") and "investigating -> " in m
        for m in messages
    )
    assert any(r.levelno == logging.WARNING and "failed with OSError" in r.getMessage()
               for r in caplog.records if r.name == "itsm_core.outbox")  # fmt: skip
    assert any("delivered event" in m for m in messages)
