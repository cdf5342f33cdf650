"""The relay after a command on SQL stores: its entries are written as the pass takes them.

With ``auto_relay``, the pass after a command claims the command's entries
and marks done at once those whose event no notifier and no dispatched hook
is to receive. The SQL store writes such entries done with the event (the
command is one transaction, the outbox ends as the pass would leave it) and
the others claimed for the pass, which delivers them from the committed
events and settles (two transactions): every event somebody is to receive
still goes through a pass, at least once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from itsm_core import SYSTEM, Actor, DomainEvent, FrozenClock, ItsmCore, hookimpl
from itsm_core.outbox import HookCall
from itsm_core.sla import SlaNotification, Target
from itsm_core.testing import RecordingNotifier

AT = datetime(2026, 5, 4, 10, tzinfo=UTC)
LI = Actor("li", ["complaint_specialist"], "李专员")
FAST = Target("desktop", "P1", "resolution", timedelta(hours=1))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    found: str = request.getfixturevalue(name)
    return found if request.param == "sqlite" else f"{found}&itsm_auto_migrate=true"


def _core(url: str, *plugins: object) -> ItsmCore:
    return ItsmCore(url, clock=FrozenClock(AT), plugins=list(plugins), load_entrypoints=False)


@pytest.fixture
def commits() -> list[str]:
    """The COMMITs of a facade's engine (filled once :func:`_count` listens)."""
    return []


def _count(core: ItsmCore, commits: list[str]) -> None:
    engine = core.storage.engine  # type: ignore[attr-defined]
    sa.event.listen(engine, "commit", lambda connection: commits.append("commit"))


def _receive(core: ItsmCore) -> Any:
    return core.complaints.receive(
        LI, customer="ACME", complainant="王先生", origin="external", channel="hotline",
        source="complaint_channel", summary="VPN down", party_complained_about="network team",
    )  # fmt: skip


def _outbox(core: ItsmCore) -> list[dict[str, Any]]:
    table = core.storage._outbox  # type: ignore[attr-defined]
    with core.storage.engine.connect() as connection:  # type: ignore[attr-defined]
        return [dict(r._mapping) for r in connection.execute(table.select())]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def test_a_command_nobody_listens_to_is_one_transaction_and_its_entries_are_done(
    url: str, commits: list[str]
) -> None:
    core = _core(url)
    try:
        _count(core, commits)
        complaint = _receive(core)
        assert commits == ["commit"]
        rows = _outbox(core)
        assert len(rows) == len(core.complaints.history(LI, complaint.id)) > 0
        # as the pass would leave them: done at the facade's now, unclaimed, no deliveries
        assert {_aware(r["done_at"]) for r in rows} == {AT}
        assert {r["claimed_until"] for r in rows} == {None}
        assert core.storage.outbox_pending(AT) == []
        assert core.relay().claimed == 0
    finally:
        core.close()


def test_a_notifier_gets_every_event_through_a_pass(url: str, commits: list[str]) -> None:
    recorder = RecordingNotifier()
    core = _core(url, recorder)
    try:
        _count(core, commits)
        complaint = _receive(core)
        # the command (its entries written claimed for the pass) and the pass's settle
        assert len(commits) == 2
        history = core.complaints.history(LI, complaint.id)
        assert [e.event_id for e in recorder.events] == [e.event_id for e in history]
        assert core.storage.outbox_pending(AT) == []
    finally:
        core.close()


class BreachDesk:
    """Implements only ``itsm_sla_breach``: warnings go to nobody, breaches to it."""

    def __init__(self) -> None:
        self.received: list[SlaNotification] = []

    @hookimpl
    def itsm_sla_breach(self, notification: SlaNotification) -> None:
        self.received.append(notification)


def test_a_dispatched_hook_gets_its_events_and_the_others_are_done_at_commit(url: str) -> None:
    desk = BreachDesk()
    core = _core(url, desk)
    try:
        clock = core.sla.start(SYSTEM, subject_kind="ticket", subject_id="T-1", target=FAST)
        core.clock.advance(hours=2)  # type: ignore[attr-defined]
        report = core.sla.tick(SYSTEM)
        assert report.breaches == 1 and report.warnings > 0
        (breach,) = [e for e in report.events if e.name == "sla_clock.breached"]
        steps = [n.step for n in desk.received]
        assert len(steps) == len(set(steps)) > 0  # each step once
        assert {n.event_id for n in desk.received} == {breach.event_id}
        assert {n.clock_id for n in desk.received} == {clock.id}
        assert core.storage.outbox_pending(core.clock.now()) == []
        assert core.relay().claimed == 0
    finally:
        core.close()


def test_a_dispatcher_that_fails_leaves_its_event_to_the_pass(url: str) -> None:
    calls: list[str] = []

    def broken(event: DomainEvent) -> list[HookCall]:
        calls.append(event.event_id)
        if event.name == "complaint.received":
            raise RuntimeError("a routing bug")
        return []

    core = _core(url)
    try:
        core.runtime.relay.add_dispatcher(broken)
        complaint = _receive(core)
        (received,) = [
            e for e in core.complaints.history(LI, complaint.id) if e.name == "complaint.received"
        ]
        (entry,) = core.storage.outbox_pending(AT)
        assert entry.event.event_id == received.event_id
        assert "dispatcher" in entry.next_attempt_at  # the pass recorded the failure
        assert received.event_id in calls
    finally:
        core.close()


def test_entries_claimed_at_commit_go_to_another_relay_when_the_lease_ends(url: str) -> None:
    recorder = RecordingNotifier("later")
    core = _core(url, recorder)
    try:
        settle = core.runtime.relay.settle
        core.runtime.relay.settle = lambda outcomes, at: None  # type: ignore[method-assign]
        complaint = _receive(core)  # delivered, but the pass never records it
        core.runtime.relay.settle = settle  # type: ignore[method-assign]
        history = [e.event_id for e in core.complaints.history(LI, complaint.id)]
        entries = core.storage.outbox_pending(AT)
        assert [e.event.event_id for e in entries] == history
        lease = core.runtime.relay.lease
        assert {e.claimed_until for e in entries} == {AT + lease}  # claimed with the commit
        assert core.relay().claimed == 0  # nobody else takes them while the lease lasts
        core.clock.advance(lease)  # type: ignore[attr-defined]
        again = core.relay()
        assert again.claimed == len(history)
        assert [e.event_id for e in recorder.events] == history * 2  # at least once
        assert core.storage.outbox_pending(core.clock.now()) == []
    finally:
        core.close()
