"""The relay claims what it delivers: relays at once never share an entry; purging done ones."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from itsm_core import SYSTEM, Actor, DomainEvent, FrozenClock, ItsmCore, ValidationError, hookimpl
from itsm_core.outbox import DEFAULT_LEASE, Backoff, OutboxRelay
from itsm_core.plugins import make_plugin_manager
from itsm_core.runtime import Runtime
from itsm_core.storage.base import AggregateSpec, BackendFactory
from itsm_core.storage.memory import MemoryBackend
from itsm_core.testing import RecordingNotifier

from .toy import LAMP_SPEC, Lamp

AUDITOR = Actor("qa", ["quality_specialist"], "质控专员")

AT = datetime(2026, 5, 4, 10, tzinfo=UTC)


class Recorder:
    """Records every event under a lock, for relays in threads; optionally slow, or
    running ``action`` before each delivery (which a RecordingNotifier does not do)."""

    def __init__(self, delay: float = 0.0, action: Callable[[DomainEvent], None] | None = None):
        self.delay = delay
        self.action = action
        self.events: list[DomainEvent] = []
        self._lock = threading.Lock()

    @hookimpl
    def itsm_on_event(self, event: DomainEvent) -> None:
        if self.action is not None:
            self.action(event)
        time.sleep(self.delay)
        with self._lock:
            self.events.append(event)


def commit_lamps(storage: MemoryBackend, count: int) -> list[str]:
    """Commit ``count`` lamps switched on (one event each) without relaying; return the ids."""
    ids = []
    for n in range(count):
        with storage.unit_of_work() as uow:
            lamp = Lamp(id=f"l{n:03d}", room="101")
            lamp.switch_on(SYSTEM, AT)
            uow.save(LAMP_SPEC, lamp)
            ids.extend(e.event_id for e in uow.commit())
    return ids


def relay_on(
    storage: MemoryBackend, clock: FrozenClock, *plugins: object, **options: Any
) -> OutboxRelay:
    pm = make_plugin_manager(plugins, load_entrypoints=False)
    return OutboxRelay(storage, pm, clock, Backoff(base=timedelta(seconds=10)), **options)


def test_relays_in_threads_deliver_each_event_once() -> None:
    storage = MemoryBackend("memory://", [LAMP_SPEC])
    clock = FrozenClock(AT)
    ids = commit_lamps(storage, 40)
    recorder = Recorder(delay=0.002)
    relays = [relay_on(storage, clock, recorder) for _ in range(4)]
    barrier = threading.Barrier(len(relays))
    claimed: list[int] = []
    errors: list[BaseException] = []

    def work(relay: OutboxRelay) -> None:
        try:
            barrier.wait(timeout=30)
            while (report := relay.run(limit=3)).claimed:
                claimed.append(report.claimed)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(r,)) for r in relays]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    counts = Counter(e.event_id for e in recorder.events)
    assert sorted(counts) == sorted(ids)
    assert set(counts.values()) == {1}  # no duplicates
    assert sum(claimed) == len(ids)
    assert storage.outbox_pending(clock.now()) == []


def test_a_failed_entry_is_released_and_retried_at_its_time_not_at_the_lease_end() -> None:
    storage = MemoryBackend("memory://", [LAMP_SPEC])
    clock = FrozenClock(AT)
    (event_id,) = commit_lamps(storage, 1)
    good, flaky = RecordingNotifier("good"), RecordingNotifier("flaky", failures=1)
    relay = relay_on(storage, clock, good, flaky, lease=timedelta(hours=1))
    first = relay.run()
    assert (first.claimed, first.delivered, len(first.failures)) == (1, 1, 1)
    (entry,) = storage.outbox_pending(clock.now())
    assert entry.claimed_until is None  # released at the end of the pass
    assert relay.run().claimed == 0  # the retry is not due yet
    clock.advance(seconds=10)
    second = relay.run()
    assert (second.claimed, second.delivered, second.failures) == (1, 1, ())
    assert [e.event_id for e in flaky.events] == [event_id]
    assert [e.event_id for e in good.events] == [event_id]  # not delivered twice
    assert storage.outbox_pending(clock.now()) == []


def test_a_pass_stops_when_its_lease_runs_out() -> None:
    storage = MemoryBackend("memory://", [LAMP_SPEC])
    clock = FrozenClock(AT)
    first, second = commit_lamps(storage, 2)
    lease = timedelta(seconds=30)
    # the first delivery takes the whole lease
    recorder = Recorder(action=lambda event: clock.advance(seconds=30))
    relay = relay_on(storage, clock, recorder, lease=lease)
    report = relay.run()
    assert (report.claimed, report.delivered) == (2, 1)
    assert [e.event_id for e in recorder.events] == [first]
    # the second entry was left alone: its lease has expired, anyone may claim it
    (entry,) = storage.outbox_pending(clock.now())
    assert entry.event.event_id == second
    assert entry.claimed_until == AT + lease
    recorder.action = None
    assert relay.run().delivered == 1
    assert [e.event_id for e in recorder.events] == [first, second]


def test_an_interrupted_pass_releases_what_it_did_not_finish() -> None:
    storage = MemoryBackend("memory://", [LAMP_SPEC])
    clock = FrozenClock(AT)
    ids = commit_lamps(storage, 3)

    def interrupt(event: DomainEvent) -> None:
        raise KeyboardInterrupt

    relay = relay_on(storage, clock, Recorder(action=interrupt))
    with pytest.raises(KeyboardInterrupt):
        relay.run()
    assert [e.claimed_until for e in storage.outbox_pending(clock.now())] == [None] * 3
    assert [e.event.event_id for e in storage.outbox_claim(clock.now(), 10, DEFAULT_LEASE)] == ids


def test_the_lease_must_be_positive() -> None:
    storage = MemoryBackend("memory://", [LAMP_SPEC])
    with pytest.raises(ValidationError, match="lease"):
        relay_on(storage, FrozenClock(AT), lease=timedelta(0))


class LampStorage:
    """Opens ``lamps://`` as a memory store that also keeps lamps."""

    @hookimpl
    def itsm_register_storage(self, register: Callable[[str, BackendFactory], None]) -> None:
        def make(url: str, specs: Sequence[AggregateSpec[Any]]) -> MemoryBackend:
            return MemoryBackend(url, [*specs, LAMP_SPEC])

        register("lamps", make)


def switch_on(rt: Runtime, lamp_id: str) -> None:
    with rt.transaction() as uow:
        lamp = Lamp(id=lamp_id, room="101")
        lamp.switch_on(SYSTEM, rt.clock.now())
        uow.save(LAMP_SPEC, lamp)


def test_purge_outbox_removes_entries_done_long_enough_ago() -> None:
    clock = FrozenClock(AT)
    recorder = RecordingNotifier()
    core = ItsmCore(
        "lamps://", clock=clock, plugins=[LampStorage(), recorder], load_entrypoints=False
    )
    switch_on(core.runtime, "old")  # relayed and done at AT
    clock.advance(days=10)
    switch_on(core.runtime, "recent")  # done at AT + 10 days
    core.runtime.auto_relay = False
    switch_on(core.runtime, "pending")  # not relayed: stays pending
    clock.advance(days=20)
    assert core.purge_outbox(timedelta(days=30)) == 0  # "old" is exactly 30 days old
    clock.advance(seconds=1)
    assert core.purge_outbox(timedelta(days=30)) == 1
    assert core.purge_outbox(timedelta(0)) == 1
    assert core.purge_outbox(timedelta(0)) == 0
    (entry,) = core.storage.outbox_pending(clock.now())
    assert entry.event.aggregate_id == "pending"
    kept = [len(core.history(AUDITOR, "lamp", i)) for i in ("old", "recent", "pending")]
    assert kept == [1, 1, 1]
    with pytest.raises(ValidationError, match="older_than"):
        core.purge_outbox(timedelta(seconds=-1))
