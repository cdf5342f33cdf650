"""core.run_due: every scheduled job in one call; several workers fire each due thing once."""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from itsm_core import SYSTEM, AccessDenied, Actor, FrozenClock, ValidationError
from itsm_core.storage.sqlalchemy.migrate import upgrade
from itsm_core.testing import RecordingNotifier
from tests.cli._due_world import (
    CLOCKS,
    DAY,
    DESK,
    RECORDS,
    build,
    make_core,
    run_due_in_child,
)

SPAWN = multiprocessing.get_context("spawn")
AUDITOR = Actor("qs-1", ["quality_specialist"])


def test_run_due_runs_every_job_and_then_nothing_is_due() -> None:
    clock = FrozenClock(DAY)
    notifier = RecordingNotifier()
    with make_core("memory://", clock, (notifier,)) as core:
        build(core, clock)
        report = core.run_due()
        assert report.expired_invitations == 2  # invited 20 days ago, valid for 14
        assert report.sampled_day == "2025-10-11"
        assert report.daily_callbacks == RECORDS
        assert report.monthly_period == "2025-10" and report.monthly_callbacks == 1
        assert report.tick is not None
        # the tickets' clocks and the monthly callback's (due on the fifth working day)
        assert report.tick.warnings == 3 * (CLOCKS + 1)
        assert report.tick.breaches == CLOCKS + 1
        assert report.relayed > 0 and report.deferred == ()
        assert "warnings 12" in report.describe()
        again = core.run_due()
        assert again.done == 0
        assert len(core.satisfaction.callbacks.find(DESK)) == RECORDS + 1


def test_run_due_reminds_the_respondents_of_open_campaigns() -> None:
    clock = FrozenClock(DAY)
    with make_core("memory://", clock) as core:
        build(core, clock)
        clock.set(DAY.replace(day=26))  # four days after the invitations: a reminder is due
        report = core.run_due()
        assert report.reminders == 2 and report.expired_invitations == 0


def test_run_due_checks_its_actor_and_instant() -> None:
    with make_core("memory://", FrozenClock(DAY)) as core:
        assert core.run_due(DESK).at == DAY
        with pytest.raises(AccessDenied):
            core.run_due(Actor("c", ["customer"]))
        with pytest.raises(ValidationError):
            core.run_due(SYSTEM, at=datetime(2025, 1, 1))
        with pytest.raises(ValidationError):
            core.run_due(purge_after=-1)  # type: ignore[arg-type]


def _collect(workers: list[Any], results: Any) -> list[dict[str, Any]]:
    for w in workers:
        w.start()
    try:
        return [results.get(timeout=180) for _ in workers]
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.kill()


@pytest.mark.postgres
def test_two_workers_on_postgresql_fire_each_due_thing_once(pg_url: str, tmp_path: Path) -> None:
    upgrade(pg_url)
    clock = FrozenClock(DAY)
    with make_core(pg_url, clock) as core:
        build(core, clock)
    processes = 2
    barrier = SPAWN.Barrier(processes)
    results = SPAWN.Queue()
    recorders = [tmp_path / f"received-{n}.jsonl" for n in range(processes)]
    workers = [
        SPAWN.Process(target=run_due_in_child, args=(pg_url, str(path), barrier, results))
        for path in recorders
    ]
    reports = _collect(workers, results)
    assert sum(r["warnings"] for r in reports) == 3 * (CLOCKS + 1)
    assert sum(r["breaches"] for r in reports) == CLOCKS + 1
    assert sum(r["daily"] for r in reports) == RECORDS
    assert sum(r["monthly"] for r in reports) == 1
    assert sum(r["expired"] for r in reports) == 2
    received = [
        json.loads(line)["event_id"]
        for path in recorders
        if path.exists()
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert {e: n for e, n in Counter(received).items() if n > 1} == {}
    with make_core(pg_url, FrozenClock(clock.now())) as core:
        callbacks = core.satisfaction.callbacks.find(DESK)
        assert len(callbacks) == RECORDS + 1
        for clock_ in core.sla.find(AUDITOR, subject_kind="ticket"):
            names = [e.name for e in core.history(AUDITOR, "sla_clock", clock_.id)]
            assert names.count("sla_clock.warning") == 3
            assert names.count("sla_clock.breached") == 1
        late = core.run_due()  # what a deferred job left is done now, once
        assert late.tick is not None and late.tick.fired == 0
        assert late.daily_callbacks == 0 and late.monthly_callbacks == 0
        assert len(core.satisfaction.callbacks.find(DESK)) == RECORDS + 1
