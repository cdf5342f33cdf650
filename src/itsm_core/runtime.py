"""What every use-case service shares: the clock, the store, the plug-ins, the relay."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import attrs
import pluggy

from itsm_core.kernel.clock import Clock
from itsm_core.kernel.errors import StorageError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.idempotency import CommandReplay, CommandScope, current_scope
from itsm_core.outbox import OutboxRelay, RelayPass
from itsm_core.storage.base import OutboxEntry, StorageBackend, UnitOfWork

__all__ = ["AUTO_RELAY_DEADLINE", "Runtime"]

log = logging.getLogger("itsm_core.outbox")

AUTO_RELAY_DEADLINE = 10.0
"""How long a command waits, at most, for the relay pass that follows its commit (seconds).

With ``auto_relay`` the pass delivers the events the command committed. Its
notifier calls run on a relay thread: a command returns when the pass is
done or after this deadline, whichever comes first, so a slow receiver
cannot stall it. A pass still running goes on in the background; whatever it
does not deliver stays in the outbox for the next relay (delivery is at
least once, as always). A pass that has no notifier to call (nobody
receives these events) is only recorded, on the command's own thread; on a
store that can, the entries of such events are written done with the
command's commit instead, and no pass runs for them at all.
"""


class _Workers:
    """Relay threads kept for the next command, so a pass costs no thread start.

    A job goes to an idle worker, or to a new one when all are busy (a pass
    stuck on a slow receiver never holds back the next command's pass). A
    worker that finds itself one of more than ``keep`` idle ones, or idle for
    ``idle_seconds``, ends. Workers are daemon threads: they never keep the
    process alive.
    """

    def __init__(self, keep: int = 2, idle_seconds: float = 60.0) -> None:
        self._keep = keep
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._idle: list[queue.SimpleQueue[Callable[[], None]]] = []

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` on an idle worker, or on a new one."""
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(
                target=self._work, args=(inbox,), name="itsm-core-relay", daemon=True
            ).start()
        inbox.put(job)

    def _work(self, inbox: queue.SimpleQueue[Callable[[], None]]) -> None:
        while True:
            try:
                job = inbox.get(timeout=self._idle_seconds)
            except queue.Empty:
                with self._lock:
                    if inbox in self._idle:
                        self._idle.remove(inbox)
                        return
                job = inbox.get()  # handed a job just now
            job()
            with self._lock:
                if len(self._idle) >= self._keep:
                    return
                self._idle.append(inbox)


@attrs.define
class _Marks:
    """How a command's unit of work wrote its outbox entries (see ``Runtime._mark_at_commit``)."""

    done: set[str] = attrs.field(factory=set)
    claimed: set[str] = attrs.field(factory=set)
    until: datetime | None = None


@attrs.define
class Runtime:
    """The services' shared context, built by :class:`~itsm_core.ItsmCore`.

    :param clock: the time source.
    :param storage: the open backend.
    :param plugins: this facade's plug-in manager.
    :param relay: the outbox relay.
    :param auto_relay: relay committed events right after each command.
    :param relay_deadline: how long a command waits for that relay, at most
        (seconds; see :data:`AUTO_RELAY_DEADLINE`).
    """

    clock: Clock
    storage: StorageBackend
    plugins: pluggy.PluginManager
    relay: OutboxRelay
    auto_relay: bool = True
    relay_deadline: float = AUTO_RELAY_DEADLINE
    _workers: _Workers = attrs.field(factory=_Workers, init=False, repr=False)

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """Open a unit of work; commit it if the block ends normally, then relay.

        An exception inside the block rolls everything back. Relaying happens
        after the commit, never raises, and is waited for at most
        :attr:`relay_deadline` seconds: the command succeeded once its
        change is committed. A failing notifier is retried with backoff; if
        the relay itself fails (the database went away after the commit, say),
        the error is logged on the ``itsm_core.outbox`` logger and the events
        stay in the outbox for the next relay.

        Inside a command given an idempotency key
        (:mod:`itsm_core.kernel.idempotency`), the events committed are
        stamped with the key; and the command's first unit of work asks the
        store for the key first: when it is stored, the command was done
        before, and :class:`~itsm_core.kernel.idempotency.CommandReplay`
        stops it before anything is read or changed.
        """
        scope = current_scope()
        with self.storage.unit_of_work() as uow:
            marks = self._mark_at_commit(uow) if self.auto_relay else None
            if scope is not None:
                self._stamp(uow, scope)
            yield uow
            events: list[DomainEvent] = uow.commit()
        if scope is not None:
            scope.committed += len(events)
        if events and self.auto_relay:
            self._relay_within_deadline(events, marks)

    def _mark_at_commit(self, uow: UnitOfWork) -> _Marks | None:
        """Have ``uow`` write its outbox entries as the pass after the command takes them.

        That pass claims the command's entries, and marks done at once those
        nobody is to receive: each a transaction of its own. A store whose
        unit of work offers ``outbox_done_at`` writes the latter done with
        their events, one that offers ``outbox_claim_until`` the others
        claimed for the pass; the pass then delivers those from the
        committed events. None when the store offers neither.
        """
        done_at = getattr(uow, "outbox_done_at", None)
        claim_until = getattr(uow, "outbox_claim_until", None)
        if not callable(done_at) and not callable(claim_until):
            return None
        marks = _Marks()
        if callable(done_at):
            rule = self.relay.done_at_commit()
            if rule is not None:
                marks.done = done_at(rule)
        if callable(claim_until):

            def until() -> datetime:  # read at the first write, as the pass would after it
                if marks.until is None:
                    marks.until = self.relay.claim_at_commit()
                return marks.until

            marks.claimed = claim_until(until)
        return marks

    def _stamp(self, uow: UnitOfWork, scope: CommandScope) -> None:
        if not callable(getattr(uow, "command_events", None)):
            raise StorageError(
                f"the store {self.storage.url!r} does not keep idempotency keys (its unit of "
                "work has no stamp / command_events): give the command no idempotency_key, "
                "or use a backend that keeps them"
            )
        if not scope.committed:
            stored = uow.command_events(scope.key)
            if stored is not None:
                raise CommandReplay(scope, stored)
        uow.stamp(scope.stamp())

    def _relay_within_deadline(self, events: list[DomainEvent], marks: _Marks | None) -> None:
        """Deliver ``events`` (committed): inline if nobody is called, else on a worker."""
        claimed: list[OutboxEntry] = []
        if marks is not None:
            events = [e for e in events if e.event_id not in marks.done]
            claimed = [
                OutboxEntry(e, claimed_until=marks.until)
                for e in events
                if e.event_id in marks.claimed and marks.until is not None
            ]
            events = [e for e in events if e.event_id not in marks.claimed]
            if not events and not claimed:
                return  # every entry was written done
        try:
            relay_pass = self.relay.prepare(
                event_ids=[e.event_id for e in events], claimed=claimed
            )
            if not relay_pass.calls:
                relay_pass.deliver()  # only records the pass: no receiver to wait for
                return
        except Exception:  # committed: a later relay delivers what this one could not
            self._relay_failed(len(events) + len(claimed))
            return
        self._deliver_within_deadline(relay_pass, len(events) + len(claimed))

    def _relay_failed(self, count: int) -> None:
        log.warning(
            "relaying %d committed event(s) failed; they stay in the outbox for the next relay",
            count,
            exc_info=True,
        )

    def _deliver_within_deadline(self, relay_pass: RelayPass, count: int) -> None:
        done = threading.Event()

        def run() -> None:
            try:
                relay_pass.deliver()
            except Exception:  # committed: a later relay delivers what this one could not
                self._relay_failed(count)
            finally:
                done.set()

        self._workers.submit(run)
        if not done.wait(self.relay_deadline):
            log.warning(
                "the relay after a command took longer than %g s (a slow notifier?); the "
                "command returns, the pass goes on in the background",
                self.relay_deadline,
            )
