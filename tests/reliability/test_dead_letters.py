"""A delivery that keeps failing is parked as a dead letter: listed and retryable."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsm_core import AccessDenied, Actor, FrozenClock, ItsmCore, NotFound, Role
from itsm_core.kernel.events import REDACTED
from itsm_core.outbox import Backoff
from itsm_core.testing import RecordingNotifier

from .conftest import RM, SPECIALIST, T0

OM = Actor("om-1", [Role.OPERATIONS_MANAGER], "运维经理")


def test_a_failing_delivery_is_parked_listed_and_retried(url: str) -> None:
    broken = RecordingNotifier("broken", failures=10)
    clock = FrozenClock(T0)
    policy = Backoff(base=timedelta(seconds=10), max_attempts=3)
    with ItsmCore(
        url, clock=clock, plugins=[broken], load_entrypoints=False, backoff=policy
    ) as core:
        complaint = core.complaints.receive(
            SPECIALIST,
            customer="华东电网",
            complainant={"name": "内部员工王小明", "contact": "13800001234"},
            origin="internal",
            channel="hotline",
            source="complaint_channel",
            summary="故障处理超时三次",
            party_complained_about="二线网络组",
        )
        for _ in range(5):
            clock.advance(hours=1)
            core.relay()
        assert broken.events == []
        (letter,) = core.dead_letters(OM)
        assert letter.notifier == "broken" and letter.attempts == 3
        assert letter.event.aggregate_id == complaint.id
        assert letter.event.payload["complainant"] == REDACTED
        clock.advance(days=30)
        assert core.relay().claimed == 0  # parked: not retried by itself
        with pytest.raises(AccessDenied):
            core.dead_letters(RM)
        with pytest.raises(AccessDenied):
            core.retry_dead_letter(RM, letter.event.event_id, "broken")
        with pytest.raises(NotFound):
            core.retry_dead_letter(OM, letter.event.event_id, "nobody")
        broken.failures = 0
        core.retry_dead_letter(OM, letter.event.event_id, "broken")
        assert [e.event_id for e in broken.events] == [letter.event.event_id]
        assert core.dead_letters(OM) == []
