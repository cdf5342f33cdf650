"""With auto_relay, a slow notifier cannot stall a command beyond the relay deadline."""

from __future__ import annotations

import threading
import time

import pytest

from itsm_core import DomainEvent, FrozenClock, ItsmCore, ValidationError, hookimpl

from .conftest import SPECIALIST, T0


class _Slow:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.delivered = threading.Event()

    @hookimpl
    def itsm_on_event(self, event: DomainEvent) -> None:
        time.sleep(self.seconds)
        self.delivered.set()


def test_a_slow_notifier_does_not_stall_the_command(url: str) -> None:
    slow = _Slow(3.0)
    with ItsmCore(
        url, clock=FrozenClock(T0), plugins=[slow], load_entrypoints=False, relay_deadline=0.3
    ) as core:
        started = time.monotonic()
        core.complaints.receive(
            SPECIALIST,
            customer="华东电网",
            complainant={"name": "客户李女士", "contact": "13800001234"},
            origin="external",
            channel="hotline",
            source="complaint_channel",
            summary="故障处理超时三次",
            party_complained_about="二线网络组",
        )
        assert time.monotonic() - started < 2.0
        assert slow.delivered.wait(10)  # the pass went on in the background


@pytest.mark.parametrize("deadline", [0, -1, float("inf"), "2", True])
def test_a_bad_deadline_is_refused(deadline: object) -> None:
    with pytest.raises(ValidationError, match="relay_deadline"):
        ItsmCore(load_entrypoints=False, relay_deadline=deadline)  # type: ignore[arg-type]
