"""Several processes and threads on one store: no lost update, disjoint claims, no lost event.

Relays in several processes share one backlog: each delivers what it
claimed, so every event reaches the notifier once; a relay killed
mid-delivery leaves its claim to expire, and the event is delivered later.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from itsm_core import SYSTEM, Actor, ItsmCore
from itsm_core.storage.base import Query, Where
from itsm_core.storage.sqlalchemy import SqlBackend
from itsm_core.testing.contract import ITEM_SPEC, T0, Item

from ._workers import (
    FileRecorder,
    WithItems,
    commit_then_die,
    increment,
    relay_backlog,
    relay_then_die,
    report_progress,
    tick,
)

AUDITOR = Actor("qa", ["quality_specialist"], "质控专员")

SPAWN = multiprocessing.get_context("spawn")


def _collect(workers: list[Any], results: Any, timeout: float = 180) -> list[Any]:
    """Start the workers, gather one result from each, and join them; fail fast if one dies."""
    for w in workers:
        w.start()
    out: list[Any] = []
    deadline = time.monotonic() + timeout
    while len(out) < len(workers):
        try:
            out.append(results.get(timeout=0.5))
            continue
        except queue.Empty:
            pass
        dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
        if dead:
            pytest.fail(f"a worker process failed (exit codes {dead}); its error is above")
        if time.monotonic() > deadline:
            pytest.fail("the worker processes did not finish")
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    return out


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """An empty database, its schema created."""
    url = str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
    SqlBackend(url, [ITEM_SPEC], auto_migrate=True).close()
    return url


def test_processes_updating_the_same_items_lose_no_update(store_url: str) -> None:
    processes, rounds, item_ids = 4, 5, ["a", "b"]
    backend = SqlBackend(store_url, [ITEM_SPEC])
    try:
        with backend.unit_of_work() as uow:
            for item_id in item_ids:
                uow.save(ITEM_SPEC, Item.create(item_id))
            uow.commit()
        barrier = SPAWN.Barrier(processes)
        results = SPAWN.Queue()
        workers = [
            SPAWN.Process(target=increment, args=(store_url, item_ids, rounds, barrier, results))
            for _ in range(processes)
        ]
        conflicts = _collect(workers, results)
        increments = processes * rounds
        with backend.unit_of_work() as uow:
            for item_id in item_ids:
                item = uow.get(ITEM_SPEC, item_id)
                assert item.counter == increments
                assert item.version == increments + 1
                versions = [e.aggregate_version for e in uow.history(Item.KIND, item_id)]
                assert versions == list(range(1, increments + 2))
        # every conflict was reported to its writer: at least the staged first round
        assert sum(conflicts) >= processes - 1
        assert len(backend.outbox_pending(T0, limit=1000)) == len(item_ids) * (increments + 1)
    finally:
        backend.close()


def test_processes_reporting_on_the_same_improvement_lose_no_report(store_url: str) -> None:
    from itsm_core import FrozenClock
    from itsm_core.complaints import ComplaintState
    from tests.unit.complaints.conftest import SPECIALIST, at_state
    from tests.unit.complaints.conftest import T0 as MONDAY

    processes, rounds = 3, 4
    with ItsmCore(store_url, clock=FrozenClock(MONDAY), load_entrypoints=False) as core:
        complaint = at_state(core.complaints, ComplaintState.IMPROVING)
        item_id = complaint.improvement_id
        assert item_id is not None
        before = core.improvements.get(SPECIALIST, item_id).version
        complaint_version = complaint.version
    barrier = SPAWN.Barrier(processes)
    results = SPAWN.Queue()
    workers = [
        SPAWN.Process(target=report_progress, args=(store_url, item_id, rounds, barrier, results))
        for _ in range(processes)
    ]
    conflicts = _collect(workers, results)
    with ItsmCore(store_url, load_entrypoints=False) as core:
        after = core.improvements.get(SPECIALIST, item_id)
        history = core.improvements.history(SPECIALIST, item_id)
        assert core.complaints.get(SPECIALIST, complaint.id).version == complaint_version
    notes = [p.note for p in after.progress]
    assert len(notes) == len(set(notes)) == processes * rounds
    assert after.version == before + processes * rounds
    assert [e.aggregate_version for e in history] == list(range(1, after.version + 1))
    assert sum(conflicts) >= processes - 1


@pytest.mark.postgres
def test_locked_queries_claim_disjoint_rows(pg_url: str) -> None:
    backend = SqlBackend(pg_url, [ITEM_SPEC], auto_migrate=True)
    try:
        with backend.unit_of_work() as uow:
            for n in range(9):
                uow.save(ITEM_SPEC, Item.create(f"c{n}", due_at=T0 + timedelta(minutes=n)))
            uow.commit()
        due = Query((Where("due_at", "le", T0 + timedelta(hours=1)),), order_by=("due_at",))
        claim = Query(due.where, due.order_by, limit=3, lock=True)
        workers = 3
        barrier = threading.Barrier(workers)
        claimed: list[list[str]] = []
        errors: list[BaseException] = []

        def tick() -> None:
            try:
                with backend.unit_of_work() as uow:
                    items = uow.find(ITEM_SPEC, claim)
                    claimed.append([i.id for i in items])
                    barrier.wait(timeout=30)  # every worker holds its claim now
                    for item in items:
                        item.bump()
                        uow.save(ITEM_SPEC, item)
                    uow.commit()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=tick) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        assert sorted(len(c) for c in claimed) == [3, 3, 3]
        flat = [i for c in claimed for i in c]
        assert sorted(flat) == [f"c{n}" for n in range(9)]  # disjoint and complete
        with backend.unit_of_work() as uow:
            assert {i.counter for i in uow.find(ITEM_SPEC)} == {1}
            # once the claims are released, an unlocked reader sees every row again
            assert len(uow.find(ITEM_SPEC, due)) == 9
    finally:
        backend.close()


@pytest.mark.postgres
def test_concurrent_sla_ticks_fire_each_level_once(pg_url: str) -> None:
    from itsm_core import FrozenClock
    from tests.unit.sla.clock_support import DESK, MON, SH, H, make_core, target

    clocks, processes = 10, 3
    with make_core(FrozenClock(MON + H), storage_url=f"{pg_url}&itsm_auto_migrate=true") as core:
        ids = [
            core.sla.start(
                DESK,
                subject_kind="ticket",
                subject_id=f"T-{n}",
                target=target(4),
                handler="eng-1",
                customer="ACME",
            ).id
            for n in range(clocks)
        ]
    late = datetime(2025, 9, 23, 9, 0, tzinfo=SH)  # every warning and the breach are due
    barrier = SPAWN.Barrier(processes)
    results = SPAWN.Queue()
    workers = [
        SPAWN.Process(target=tick, args=(pg_url, late, barrier, results)) for _ in range(processes)
    ]
    reports = _collect(workers, results)
    assert sum(r[0] for r in reports) == 3 * clocks  # 50 %, 75 %, 90 %
    assert sum(r[1] for r in reports) == clocks
    assert sum(r[2] for r in reports) == clocks  # each clock ticked by one process
    assert sum(r[3] for r in reports) == 0  # claims never collide
    with make_core(FrozenClock(late), storage_url=pg_url) as core:
        assert core.sla.tick(SYSTEM).fired == 0
        for clock_id in ids:
            names = [e.name for e in core.history(AUDITOR, "sla_clock", clock_id)]
            assert names.count("sla_clock.warning") == 3
            assert names.count("sla_clock.breached") == 1


@pytest.mark.postgres
def test_a_claimed_row_is_skipped_not_waited_for(pg_url: str) -> None:
    backend = SqlBackend(pg_url, [ITEM_SPEC], auto_migrate=True)
    try:
        with backend.unit_of_work() as uow:
            uow.save(ITEM_SPEC, Item.create("only", due_at=T0))
            uow.commit()
        claim = Query((Where("due_at", "le", T0),), lock=True)
        with backend.unit_of_work() as first, backend.unit_of_work() as second:
            assert [i.id for i in first.find(ITEM_SPEC, claim)] == ["only"]
            assert second.find(ITEM_SPEC, claim) == []
            assert [i.id for i in second.find(ITEM_SPEC, Query(claim.where))] == ["only"]
    finally:
        backend.close()


def test_event_committed_before_a_crash_is_delivered_later(store_url: str, tmp_path: Path) -> None:
    recorder = tmp_path / "received.jsonl"
    marker = tmp_path / "event_id"
    child = SPAWN.Process(target=commit_then_die, args=(store_url, str(recorder), str(marker)))
    child.start()
    child.join(timeout=120)
    assert child.exitcode == -signal.SIGKILL
    event_id = marker.read_text(encoding="utf-8")
    assert FileRecorder(recorder).received() == []  # the child died before any relay

    with ItsmCore(
        f"items+{store_url}",
        plugins=[FileRecorder(recorder), WithItems()],
        load_entrypoints=False,
    ) as core:
        report = core.relay()
        assert report.delivered == 1
        assert core.relay().delivered == 0  # done: not delivered twice
        (event,) = core.history(AUDITOR, Item.KIND, "survivor")
    assert [r["event_id"] for r in FileRecorder(recorder).received()] == [event_id]
    assert event.event_id == event_id


def _backlog(url: str, count: int) -> list[str]:
    """Commit ``count`` new items (one event each) without relaying; return the event ids."""
    backend = SqlBackend(url, [ITEM_SPEC])
    try:
        with backend.unit_of_work() as uow:
            for n in range(count):
                uow.save(ITEM_SPEC, Item.create(f"b{n:03d}"))
            return [e.event_id for e in uow.commit()]
    finally:
        backend.close()


@pytest.mark.postgres
def test_relays_in_several_processes_deliver_each_event_once(pg_url: str, tmp_path: Path) -> None:
    SqlBackend(pg_url, [ITEM_SPEC], auto_migrate=True).close()
    processes, backlog = 4, 60
    event_ids = _backlog(pg_url, backlog)
    barrier = SPAWN.Barrier(processes)
    results = SPAWN.Queue()
    recorders = [tmp_path / f"received-{n}.jsonl" for n in range(processes)]
    workers = [
        SPAWN.Process(target=relay_backlog, args=(pg_url, str(path), barrier, results))
        for path in recorders
    ]
    reports = _collect(workers, results)
    per_process = [[r["event_id"] for r in FileRecorder(path).received()] for path in recorders]
    counts = Counter(e for received in per_process for e in received)
    duplicates = {e: n for e, n in counts.items() if n > 1}
    assert duplicates == {}
    assert sorted(counts) == sorted(event_ids)  # every event, exactly once
    assert sum(claimed for _, _, claimed in reports) == backlog
    assert sum(1 for received in per_process if received) >= 2  # the work was shared
    backend = SqlBackend(pg_url, [ITEM_SPEC])
    try:
        assert backend.outbox_pending(datetime.now(UTC)) == []
    finally:
        backend.close()


def test_a_relay_killed_mid_delivery_is_taken_over_when_its_lease_expires(
    store_url: str, tmp_path: Path
) -> None:
    lease = 3.0
    (event_id,) = _backlog(store_url, 1)
    marker = tmp_path / "dying"
    child = SPAWN.Process(target=relay_then_die, args=(store_url, str(marker), lease))
    child.start()
    child.join(timeout=120)
    assert child.exitcode == -signal.SIGKILL
    claimed_id, killed_at = marker.read_text(encoding="utf-8").split()
    assert claimed_id == event_id
    recorder = FileRecorder(tmp_path / "received.jsonl")
    with ItsmCore(
        f"items+{store_url}",
        plugins=[recorder, WithItems()],
        load_entrypoints=False,
        auto_relay=False,
    ) as core:
        (entry,) = core.storage.outbox_pending(core.clock.now())
        assert entry.claimed_until is not None  # the dead relay's claim
        assert entry.delivered == frozenset()
        passes = []
        deadline = time.monotonic() + 60
        while not recorder.received() and time.monotonic() < deadline:
            report = core.relay()
            passes.append((time.time(), report.claimed))
            if not report.claimed:
                time.sleep(0.1)
        delivered_at, claimed = passes[-1]
        assert claimed == 1
        # nobody took the entry while the lease lasted, somebody did right after it
        assert passes[0][1] == 0
        assert delivered_at >= float(killed_at) + lease - 0.5
        assert delivered_at <= entry.claimed_until.timestamp() + 2
        assert core.relay().claimed == 0
        assert core.storage.outbox_pending(core.clock.now()) == []
    assert [r["event_id"] for r in recorder.received()] == [event_id]


@pytest.mark.postgres
def test_a_claim_skips_entries_locked_by_another_claim_without_waiting(pg_url: str) -> None:
    backend = SqlBackend(pg_url, [ITEM_SPEC], auto_migrate=True)
    try:
        first, second = _backlog(pg_url, 2)
        claimed: list[str] = []
        with backend.engine.connect() as other:
            # another relay's claim statement holds the first row at this moment
            other.execute(
                sa.text("SELECT seq FROM itsm_outbox WHERE event_id = :id FOR UPDATE"),
                {"id": first},
            )
            worker = threading.Thread(
                target=lambda: claimed.extend(
                    e.event.event_id for e in backend.outbox_claim(T0, 10, timedelta(minutes=1))
                )
            )
            worker.start()
            worker.join(timeout=20)
            assert not worker.is_alive(), "the claim waited for the locked row"
            other.rollback()
        assert claimed == [second]
        assert [e.event.event_id for e in backend.outbox_claim(T0, 10, timedelta(minutes=1))] == [
            first
        ]
    finally:
        backend.close()
