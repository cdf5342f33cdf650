"""Code run in child processes (spawned) by the concurrency and crash tests."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from itsm_core import SYSTEM, ConflictError, ItsmCore, ValidationError, hookimpl
from itsm_core.kernel.events import DomainEvent
from itsm_core.storage.base import AggregateSpec, BackendFactory, StorageBackend
from itsm_core.storage.sqlalchemy import SqlBackend
from itsm_core.testing.contract import ITEM_SPEC, Item


class FileRecorder:
    """A notifier that appends every event it receives to a file (one JSON line each)."""

    plugin_name = "file-recorder"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @hookimpl
    def itsm_on_event(self, event: DomainEvent) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"event_id": event.event_id, "name": event.name}) + "\n")
            out.flush()
            os.fsync(out.fileno())

    def received(self) -> list[dict[str, Any]]:
        """The events recorded so far."""
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()]


class SlowRecorder(FileRecorder):
    """A file recorder whose every delivery takes a few milliseconds, so relays overlap."""

    @hookimpl
    def itsm_on_event(self, event: DomainEvent) -> None:
        time.sleep(0.005)
        super().itsm_on_event(event)


class DieOnDelivery:
    """A notifier (named like the recorder) that writes the time, then kills its process."""

    plugin_name = "file-recorder"

    def __init__(self, marker: str | Path) -> None:
        self.marker = Path(marker)

    @hookimpl
    def itsm_on_event(self, event: DomainEvent) -> None:
        self.marker.write_text(f"{event.event_id} {time.time()}", encoding="utf-8")
        os.kill(os.getpid(), signal.SIGKILL)


class WithItems:
    """A storage plug-in: ``items+<sql url>`` opens the SQL backend with the toy items too."""

    plugin_name = "with-items"

    @hookimpl
    def itsm_register_storage(self, register: Callable[[str, BackendFactory], None]) -> None:
        def factory(url: str, specs: Sequence[AggregateSpec[Any]]) -> StorageBackend:
            return SqlBackend(url.removeprefix("items+"), [*specs, ITEM_SPEC], auto_migrate=True)

        register("items", factory)


def increment(url: str, item_ids: list[str], rounds: int, barrier: Any, results: Any) -> None:
    """Add one to each item's counter ``rounds`` times, retrying on conflicts.

    In the first round every process loads the first item, then waits for the
    others before saving: all but one of them must get a conflict.
    """
    backend = SqlBackend(url, [ITEM_SPEC])
    conflicts = 0
    try:
        for n in range(rounds):
            for item_id in item_ids:
                first = n == 0 and item_id == item_ids[0]
                while True:
                    try:
                        with backend.unit_of_work() as uow:
                            item = uow.get(ITEM_SPEC, item_id)
                            if first:
                                first = False
                                barrier.wait(timeout=60)
                            item.bump()
                            uow.save(ITEM_SPEC, item)
                            uow.commit()
                        break
                    except ConflictError:
                        conflicts += 1
    finally:
        backend.close()
    results.put(conflicts)


def commit_then_die(url: str, recorder: str, marker: str) -> None:
    """Commit one new item through the facade, write its event id, then get killed."""
    core = ItsmCore(
        f"items+{url}",
        plugins=[FileRecorder(recorder), WithItems()],
        load_entrypoints=False,
        auto_relay=False,
    )
    with core.runtime.transaction() as uow:
        item = Item.create("survivor", name="committed before the crash")
        (event,) = item.pending_events
        uow.save(ITEM_SPEC, item)
    Path(marker).write_text(event.event_id, encoding="utf-8")
    os.kill(os.getpid(), signal.SIGKILL)


def report_progress(url: str, item_id: str, rounds: int, barrier: Any, results: Any) -> None:
    """Report progress on one improvement item ``rounds`` times through the facade, retrying
    conflicts.

    The first save of each process waits for the others: they all loaded the
    same version, so all but one get a conflict.
    """
    from itsm_core.storage.sqlalchemy.backend import SqlUnitOfWork
    from tests.unit.complaints.conftest import OWNER

    original = SqlUnitOfWork.save
    first = [True]

    def save(self: SqlUnitOfWork, spec: AggregateSpec[Any], entity: Any) -> None:
        if first[0]:
            first[0] = False
            barrier.wait(timeout=60)
        original(self, spec, entity)

    SqlUnitOfWork.save = save  # type: ignore[method-assign]
    conflicts = 0
    with ItsmCore(url, load_entrypoints=False, auto_relay=False) as core:
        for n in range(rounds):
            while True:
                try:
                    core.improvements.report_progress(OWNER, item_id, note=f"{os.getpid()}/{n}")
                    break
                except ConflictError:
                    conflicts += 1
                except ValidationError as exc:
                    # the command read the clock, then another process committed a later
                    # change before this one loaded the item: its history must run
                    # forwards, so the command is refused; try again, as after a conflict
                    if "runs forwards" not in str(exc):
                        raise
    results.put(conflicts)


def tick(url: str, now: datetime, barrier: Any, results: Any) -> None:
    """Run one SLA tick at ``now`` in small batches, starting together with the others."""
    from itsm_core import FrozenClock
    from tests.unit.sla.clock_support import make_core

    with make_core(FrozenClock(now), storage_url=url) as core:
        barrier.wait(timeout=60)
        report = core.sla.tick(SYSTEM, batch_size=2)
    results.put((report.warnings, report.breaches, report.clocks, report.conflicts))


def relay_backlog(url: str, recorder: str, barrier: Any, results: Any) -> None:
    """Relay the shared backlog in small passes, starting with the others, until it is done."""
    core = ItsmCore(
        f"items+{url}",
        plugins=[SlowRecorder(recorder), WithItems()],
        load_entrypoints=False,
        auto_relay=False,
    )
    passes = claimed = 0
    with core:
        barrier.wait(timeout=60)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            report = core.relay(limit=3)
            passes += 1
            claimed += report.claimed
            if report.claimed == 0:
                if not core.storage.outbox_pending(core.clock.now(), limit=1):
                    break
                time.sleep(0.01)  # the rest is claimed by the others
    results.put((os.getpid(), passes, claimed))


def relay_then_die(url: str, marker: str, lease_seconds: float) -> None:
    """Claim the backlog with a short lease and get killed in the middle of the first delivery."""
    core = ItsmCore(
        f"items+{url}",
        plugins=[DieOnDelivery(marker), WithItems()],
        load_entrypoints=False,
        auto_relay=False,
    )
    core.runtime.relay.lease = timedelta(seconds=lease_seconds)
    core.relay()
