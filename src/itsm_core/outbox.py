"""The outbox relay: delivers committed events to notifier hooks, at least once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs
import pluggy

from itsm_core.clock import Clock
from itsm_core.events import DomainEvent
from itsm_core.storage.base import StorageBackend

__all__ = ["Backoff", "DeliveryFailure", "OutboxRelay", "RelayReport"]


@attrs.frozen
class Backoff:
    """Exponential backoff for failed deliveries: ``base * factor**(attempt-1)``, capped."""

    base: timedelta = timedelta(seconds=5)
    factor: float = 2.0
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempt: int) -> timedelta:
        """Return the wait after the ``attempt``-th failure (1-based)."""
        seconds = self.base.total_seconds() * self.factor ** max(0, attempt - 1)
        return min(timedelta(seconds=seconds), self.cap)


@attrs.frozen
class DeliveryFailure:
    """One notifier that raised for one event."""

    event_id: str
    notifier: str
    error: str
    retry_at: datetime


@attrs.frozen
class RelayReport:
    """What one relay pass did."""

    delivered: int = 0
    failures: tuple[DeliveryFailure, ...] = ()
    waiting: int = 0


class OutboxRelay:
    """Delivers outbox entries to every ``itsm_on_event`` implementation.

    Each notifier is called on its own. A notifier that raises is recorded
    with a retry time (exponential backoff) and the others still get the
    event; an event leaves the outbox once every notifier has it.

    :param storage: the backend whose outbox to read.
    :param plugins: the plug-in manager with the notifiers.
    :param clock: the time source for retry times.
    :param backoff: the retry policy.
    """

    def __init__(
        self,
        storage: StorageBackend,
        plugins: pluggy.PluginManager,
        clock: Clock,
        backoff: Backoff | None = None,
    ) -> None:
        self.storage = storage
        self.plugins = plugins
        self.clock = clock
        self.backoff = backoff or Backoff()

    def notifiers(self) -> list[tuple[str, Any]]:
        """Return ``(name, hookimpl)`` of every registered notifier."""
        impls = self.plugins.hook.itsm_on_event.get_hookimpls()
        return [(impl.plugin_name, impl) for impl in impls]

    def run(self, limit: int = 100) -> RelayReport:
        """Deliver what is due now; return what happened. Never raises for a notifier."""
        now = self.clock.now()
        notifiers = self.notifiers()
        delivered = 0
        waiting = 0
        failures: list[DeliveryFailure] = []
        for entry in self.storage.outbox_pending(now, limit):
            event: DomainEvent = entry.event.redacted()
            complete = True
            for name, impl in notifiers:
                if name in entry.delivered:
                    continue
                retry_at = entry.next_attempt_at.get(name)
                if retry_at is not None and retry_at > now:
                    complete = False
                    waiting += 1
                    continue
                try:
                    args = {"event": event}
                    impl.function(*[args[a] for a in impl.argnames])
                except Exception as exc:  # a notifier's failure must not escape
                    complete = False
                    attempt = entry.attempts.get(name, 0) + 1
                    when = now + self.backoff.delay(attempt)
                    text = f"{type(exc).__name__}: {exc}"
                    self.storage.outbox_failed(event.event_id, name, text, when)
                    failures.append(DeliveryFailure(event.event_id, name, text, when))
                else:
                    delivered += 1
                    self.storage.outbox_delivered(event.event_id, name, now)
            if complete:
                self.storage.outbox_done(event.event_id, now)
        return RelayReport(delivered=delivered, failures=tuple(failures), waiting=waiting)
