"""What every use-case service shares: the clock, the store, the plug-ins, the relay."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import attrs
import pluggy

from itsm_core.kernel.clock import Clock
from itsm_core.kernel.events import DomainEvent
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
        """
        with self.storage.unit_of_work() as uow:
            yield uow
            events: list[DomainEvent] = uow.commit()
        if events and self.auto_relay:
            self._relay_within_deadline(len(events))

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
