"""Idempotency keys: a retried command is answered from the store, never done twice.

The lost acknowledgement: the COMMIT reaches the database, then the
connection fails, so the command raises StorageError although its change is
stored. A retry with the same idempotency key is answered from the store.
Checked on memory, SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from itsm_core import (
    Actor,
    AlreadyDone,
    Complaint,
    ConflictError,
    FrozenClock,
    IdempotencyKeyReused,
    ItsmCore,
    Role,
    StorageError,
    ValidationError,
    retry_on_conflict,
)
from itsm_core.complaints.storage import COMPLAINT_SPEC
from itsm_core.sla import Target
from itsm_core.storage.memory import MemoryUnitOfWork
from itsm_core.storage.sqlalchemy import SqlBackend
from itsm_core.storage.sqlalchemy.migrate import upgrade
from itsm_core.storage.sqlalchemy.unit_of_work import SqlUnitOfWork

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER], "用户关系经理")
DESK = Actor("desk-1", [Role.SERVICE_DESK], "服务台")


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    url = str(request.getfixturevalue("pg_url"))
    upgrade(url)
    return url


@pytest.fixture
def core(store_url: str) -> Iterator[ItsmCore]:
    with ItsmCore(store_url, clock=FrozenClock(T0), load_entrypoints=False) as core:
        yield core


def _receive(core: ItsmCore, actor: Actor = SPECIALIST, **kwargs: Any) -> Complaint:
    return core.complaints.receive(
        actor,
        customer="华东电网",
        complainant={"name": "内部员工王小明", "contact": "13800001234"},
        origin="internal",
        channel="hotline",
        source="complaint_channel",
        summary="故障处理超时三次",
        party_complained_about="二线网络组",
        **kwargs,
    )


def _lose_one_acknowledgement(core: ItsmCore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The next COMMIT is done, then fails as a dropped connection would."""
    lost: list[int] = []
    storage = core.storage
    if isinstance(storage, SqlBackend):
        dialect = storage.engine.dialect
        original = dialect.do_commit

        def do_commit(dbapi_connection: Any) -> None:
            original(dbapi_connection)
            if not lost:
                lost.append(1)
                if storage.dialect == "sqlite":
                    raise sqlite3.OperationalError("disk I/O error")
                import psycopg

                raise psycopg.OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr(dialect, "do_commit", do_commit)
        return lost
    commit = MemoryUnitOfWork.commit

    def memory_commit(self: MemoryUnitOfWork) -> Any:
        events = commit(self)
        if not lost:
            lost.append(1)
            raise StorageError("committing failed: the acknowledgement was lost")
        return events

    monkeypatch.setattr(MemoryUnitOfWork, "commit", memory_commit)
    return lost


def test_a_receipt_whose_acknowledgement_was_lost_is_answered_by_its_retry(
    core: ItsmCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = _lose_one_acknowledgement(core, monkeypatch)
    with pytest.raises(StorageError):
        _receive(core, idempotency_key="receipt-1")
    assert lost
    stored = core.complaints.find(SPECIALIST)
    assert len(stored) == 1  # the change is there although the command failed
    again = _receive(core, idempotency_key="receipt-1")
    assert again.id == stored[0].id
    assert again.complainant == stored[0].complainant
    assert len(core.complaints.find(SPECIALIST)) == 1
    assert [e.name for e in core.complaints.history(SPECIALIST, again.id)] == [
        "complaint.received"
    ]


def test_a_finding_whose_acknowledgement_was_lost_is_recorded_once(
    core: ItsmCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    complaint = _receive(core)
    core.complaints.dispatch(RM, complaint.id)
    _lose_one_acknowledgement(core, monkeypatch)
    with pytest.raises(StorageError):
        core.complaints.record_finding(
            SPECIALIST, complaint.id, finding="线路老化", idempotency_key="finding-1"
        )
    answer = core.complaints.record_finding(
        SPECIALIST, complaint.id, finding="线路老化", idempotency_key="finding-1"
    )
    assert len(answer.findings) == 1
    assert _record(answer) == _record(core.complaints.get(SPECIALIST, complaint.id))
    history = core.complaints.history(SPECIALIST, complaint.id)
    assert [e.name for e in history].count("complaint.finding_recorded") == 1


def _record(complaint: Complaint) -> dict[str, Any]:
    return COMPLAINT_SPEC.to_record(complaint)


def test_a_retry_is_answered_as_the_actor_may_see_it(core: ItsmCore) -> None:
    first = _receive(core, idempotency_key="receipt-2")
    assert first.complainant.name == "内部员工王小明"
    assert _record(_receive(core, idempotency_key="receipt-2")) == _record(first)
    # the answer is the service's own read, redacted as that read redacts
    by_desk = _receive(core, DESK, idempotency_key="receipt-2")
    assert by_desk.id == first.id
    assert _record(by_desk) == _record(core.complaints.get(DESK, first.id))
    assert "内部员工王小明" not in str(_record(by_desk))


def test_a_command_without_a_key_is_done_again(core: ItsmCore) -> None:
    _receive(core)
    _receive(core)
    assert len(core.complaints.find(SPECIALIST)) == 2


def test_a_key_names_one_command(core: ItsmCore) -> None:
    complaint = _receive(core, idempotency_key="shared")
    core.complaints.dispatch(RM, complaint.id)
    with pytest.raises(IdempotencyKeyReused, match=r"ComplaintService\.receive") as refused:
        core.complaints.record_finding(
            SPECIALIST, complaint.id, finding="f", idempotency_key="shared"
        )
    assert refused.value.field == "idempotency_key"
    assert core.complaints.get(SPECIALIST, complaint.id).findings == ()


def test_a_key_names_one_target(core: ItsmCore) -> None:
    first, second = _receive(core), _receive(core)
    for complaint in (first, second):
        core.complaints.dispatch(RM, complaint.id)
    core.complaints.record_finding(SPECIALIST, first.id, finding="f", idempotency_key="k")
    with pytest.raises(IdempotencyKeyReused, match=repr(first.id)):
        core.complaints.record_finding(SPECIALIST, second.id, finding="f", idempotency_key="k")
    assert core.complaints.get(SPECIALIST, second.id).findings == ()


@pytest.mark.parametrize("key", ["", " k", "a\nb", "x" * 201, 7])
def test_a_key_follows_the_id_rule(core: ItsmCore, key: Any) -> None:
    with pytest.raises(ValidationError, match="idempotency_key"):
        _receive(core, idempotency_key=key)
    assert core.complaints.find(SPECIALIST) == []


def _clock(core: ItsmCore, **kwargs: Any) -> str:
    target = Target("desktop", "P2", "resolution", timedelta(hours=4))
    clock = core.sla.start(DESK, subject_kind="ticket", subject_id="T-1", target=target, **kwargs)
    return clock.id


def test_a_batch_whose_report_is_not_kept_says_it_was_done(core: ItsmCore) -> None:
    _clock(core)
    report = core.sla.tick(DESK, at=T0 + timedelta(hours=5), idempotency_key="tick-1")
    assert report.breaches == 1
    with pytest.raises(AlreadyDone, match="tick-1") as done:
        core.sla.tick(DESK, at=T0 + timedelta(hours=5), idempotency_key="tick-1")
    assert done.value.event_ids == tuple(e.event_id for e in report.events)


def test_a_keyed_command_that_changes_nothing_stores_no_key(core: ItsmCore) -> None:
    report = core.sla.tick(DESK, at=T0, idempotency_key="idle-tick")
    assert report.events == ()
    assert core.sla.tick(DESK, at=T0, idempotency_key="idle-tick").events == ()


def _race(monkeypatch: pytest.MonkeyPatch, parties: int) -> None:
    """Every keyed run looks its key up before any of them stores it."""
    barrier = threading.Barrier(parties, timeout=20)
    for cls in (MemoryUnitOfWork, SqlUnitOfWork):
        original: Callable[..., Any] = cls.command_events

        def looked_up(self: Any, key: str, original: Callable[..., Any] = original) -> Any:
            found = original(self, key)
            if found is None:
                barrier.wait()
            return found

        monkeypatch.setattr(cls, "command_events", looked_up)


def test_two_runs_with_one_key_at_once_store_one_change(
    core: ItsmCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _race(monkeypatch, 2)  # two threads, each on a connection of its own (SQL)
    outcomes: list[object] = []

    def run() -> None:
        try:
            outcomes.append(_receive(core, idempotency_key="race-1"))
        except (ConflictError, StorageError) as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    monkeypatch.undo()
    assert len(core.complaints.find(SPECIALIST)) == 1
    assert sum(isinstance(o, Complaint) for o in outcomes) == 1
    assert all(isinstance(o, Complaint | ConflictError) for o in outcomes), outcomes
    # the loser's retry is answered from the store
    answer = retry_on_conflict(lambda: _receive(core, idempotency_key="race-1"))
    assert answer.id == core.complaints.find(SPECIALIST)[0].id
