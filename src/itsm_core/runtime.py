"""What every use-case service shares: the clock, the store, the plug-ins, the relay."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import attrs
import pluggy

from itsm_core.kernel.clock import Clock
from itsm_core.kernel.events import DomainEvent
from itsm_core.outbox import OutboxRelay
from itsm_core.storage.base import StorageBackend, UnitOfWork

__all__ = ["Runtime"]

log = logging.getLogger("itsm_core.outbox")


@attrs.define
class Runtime:
    """The services' shared context, built by :class:`~itsm_core.ItsmCore`.

    :param clock: the time source.
    :param storage: the open backend.
    :param plugins: this facade's plug-in manager.
    :param relay: the outbox relay.
    :param auto_relay: relay committed events right after each command.
    """

    clock: Clock
    storage: StorageBackend
    plugins: pluggy.PluginManager
    relay: OutboxRelay
    auto_relay: bool = True

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """Open a unit of work; commit it if the block ends normally, then relay.

        An exception inside the block rolls everything back. Relaying happens
        after the commit and never raises: the command succeeded once its
        change is committed. A failing notifier is retried with backoff; if
        the relay itself fails (the database went away after the commit, say),
        the error is logged on the ``itsm_core.outbox`` logger and the events
        stay in the outbox for the next relay.
        """
        with self.storage.unit_of_work() as uow:
            yield uow
            events: list[DomainEvent] = uow.commit()
        if events and self.auto_relay:
            try:
                self.relay.run()
            except Exception:  # committed: a later relay delivers what this one could not
                log.warning(
                    "relaying %d committed event(s) failed; they stay in the outbox "
                    "for the next relay",
                    len(events),
                    exc_info=True,
                )
