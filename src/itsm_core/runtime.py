"""What every use-case service shares: the clock, the store, the plug-ins, the relay."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import attrs
import pluggy

from itsm_core.kernel.clock import Clock
from itsm_core.kernel.errors import StorageError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.idempotency import CommandReplay, CommandScope, current_scope
from itsm_core.outbox import OutboxRelay
from itsm_core.storage.base import StorageBackend, UnitOfWork

__all__ = ["AUTO_RELAY_DEADLINE", "Runtime"]

log = logging.getLogger("itsm_core.outbox")

AUTO_RELAY_DEADLINE = 10.0
"""How long a command waits, at most, for the relay pass that follows its commit (seconds).

With ``auto_relay`` the pass runs on a thread of its own: a command returns
when the pass is done or after this deadline, whichever comes first, so a
slow receiver cannot stall it. A pass still running goes on in the
background; whatever it does not deliver stays in the outbox for the next
relay (delivery is at least once, as always).
"""


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
            if scope is not None:
                self._stamp(uow, scope)
            yield uow
            events: list[DomainEvent] = uow.commit()
        if scope is not None:
            scope.committed += len(events)
        if events and self.auto_relay:
            self._relay_within_deadline(len(events))

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

    def _relay_within_deadline(self, count: int) -> None:
        done = threading.Event()

        def run() -> None:
            try:
                self.relay.run()
            except Exception:  # committed: a later relay delivers what this one could not
                log.warning(
                    "relaying %d committed event(s) failed; they stay in the outbox "
                    "for the next relay",
                    count,
                    exc_info=True,
                )
            finally:
                done.set()

        threading.Thread(target=run, name="itsm-core-relay", daemon=True).start()
        if not done.wait(self.relay_deadline):
            log.warning(
                "the relay after a command took longer than %g s (a slow notifier?); the "
                "command returns, the pass goes on in the background",
                self.relay_deadline,
            )
