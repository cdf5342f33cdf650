"""The outbox relay: delivers committed events to notifier hooks, at least once.

Every committed event goes to each ``itsm_on_event`` implementation. An area
can also route some events to dedicated hooks (the SLA clock's warnings and
breaches go to ``itsm_sla_warning`` / ``itsm_sla_breach``): it adds a
*dispatcher* (:meth:`OutboxRelay.add_dispatcher`), a function that turns a
committed event into :class:`HookCall` s. Each call is delivered and retried
exactly like a notifier: tracked per implementation and per call, so one
failing call is retried later without repeating the others.

Several relays (threads, processes) may run on one store: each pass claims
its entries for a lease, so two relays never work on the same entry at the
same time, and an entry whose relay died is taken over when its lease
expires. Done entries stay in the store until
:meth:`~itsm_core.storage.StorageBackend.outbox_purge` removes them
(:meth:`itsm_core.ItsmCore.purge_outbox`).
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs
import pluggy

from itsm_core.kernel.clock import Clock
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.storage.base import OutboxEntry, StorageBackend

__all__ = [
    "DEFAULT_LEASE",
    "Backoff",
    "DeliveryFailure",
    "Dispatcher",
    "HookCall",
    "OutboxRelay",
    "RelayReport",
]

log = logging.getLogger("itsm_core.outbox")

DEFAULT_LEASE = timedelta(seconds=60)
"""How long a relay pass holds the entries it claimed, unless told otherwise."""


def _duration(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise ValidationError(
            f"Backoff.{attribute.name} must be a timedelta of zero or more, got {value!r}",
            field=attribute.name,
        )


def _factor(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 1
    ):
        raise ValidationError(
            f"Backoff.factor must be a finite number of at least 1, got {value!r}",
            field="factor",
        )


@attrs.frozen
class Backoff:
    """Exponential backoff for failed deliveries: ``base * factor**(attempt-1)``, capped.

    :param base: the wait after the first failure.
    :param factor: how much longer each further wait is (at least 1).
    :param cap: the longest wait, however many failures there were.
    :raises ValidationError: for a negative duration or a factor below 1.
    """

    base: timedelta = attrs.field(default=timedelta(seconds=5), validator=_duration)
    factor: float = attrs.field(default=2.0, validator=_factor)
    cap: timedelta = attrs.field(default=timedelta(hours=1), validator=_duration)

    def delay(self, attempt: int) -> timedelta:
        """Return the wait after the ``attempt``-th failure (1-based).

        Never more than ``cap``, however many attempts failed (a notifier down
        for weeks keeps being retried every ``cap``).
        """
        cap = self.cap.total_seconds()
        try:
            seconds = self.base.total_seconds() * self.factor ** max(0, attempt - 1)
        except OverflowError:
            seconds = math.inf
        return timedelta(seconds=min(seconds, cap))


@attrs.frozen
class DeliveryFailure:
    """One notifier that raised for one event."""

    event_id: str
    notifier: str
    error: str
    retry_at: datetime


@attrs.frozen
class HookCall:
    """One delivery of a committed event to a dedicated hook (besides ``itsm_on_event``).

    :param hook: the hook's name, e.g. ``"itsm_sla_breach"``.
    :param kwargs: the hook's arguments by name.
    :param key: tells several calls of one hook for one event apart (e.g. the
        escalation step); empty when there is one call.
    """

    hook: str
    kwargs: Mapping[str, Any] = attrs.field(factory=dict)
    key: str = ""


#: Turns a committed (redacted) event into the dedicated hook calls it needs.
Dispatcher = Callable[[DomainEvent], Iterable[HookCall]]


@attrs.frozen
class RelayReport:
    """What one relay pass did.

    :param delivered: deliveries that succeeded.
    :param failures: deliveries that failed (each retried later).
    :param waiting: deliveries of the claimed entries put off because their
        retry is not due yet (entries with nothing due are not claimed, so
        they do not count here).
    :param claimed: outbox entries this pass claimed.
    """

    delivered: int = 0
    failures: tuple[DeliveryFailure, ...] = ()
    waiting: int = 0
    claimed: int = 0


class OutboxRelay:
    """Delivers outbox entries to every ``itsm_on_event`` implementation.

    Each pass *claims* the entries it works on
    (:meth:`~itsm_core.storage.StorageBackend.outbox_claim`) for ``lease``:
    relays in other threads or processes skip them meanwhile, so an event
    is normally delivered to each notifier once, however many relays run.
    If a relay dies mid-delivery its lease expires and another relay takes
    the entry over: nothing is lost (at least once).

    Each notifier is called on its own. A notifier that raises is recorded
    with a retry time (exponential backoff) and the others still get the
    event; an event leaves the outbox once every notifier has it.

    :param storage: the backend whose outbox to read.
    :param plugins: the plug-in manager with the notifiers.
    :param clock: the time source for retry times and leases.
    :param backoff: the retry policy.
    :param dispatchers: functions routing events to dedicated hooks
        (see :meth:`add_dispatcher`).
    :param lease: how long a pass may work on the entries it claimed; set it
        well above the time a pass of ``limit`` entries takes (mind your
        notifiers' timeouts). A pass stops before an entry whose lease has
        run out and leaves it to the next claim.
    """

    def __init__(
        self,
        storage: StorageBackend,
        plugins: pluggy.PluginManager,
        clock: Clock,
        backoff: Backoff | None = None,
        dispatchers: Iterable[Dispatcher] = (),
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        if lease <= timedelta(0):
            raise ValidationError(f"the lease must be positive, got {lease!r}", field="lease")
        self.storage = storage
        self.plugins = plugins
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.lease = lease
        self._dispatchers: list[Dispatcher] = []
        for dispatcher in dispatchers:
            self.add_dispatcher(dispatcher)

    def add_dispatcher(self, dispatcher: Dispatcher) -> None:
        """Route committed events to dedicated hooks as well (once per dispatcher).

        ``dispatcher(event)`` returns the :class:`HookCall` s for the event (none for
        events it does not handle). Each call goes to every implementation of its
        hook and is tracked like a notifier, under the name
        ``"<plug-in>:<hook>[:<key>]"``. A dispatcher that raises is recorded as a
        failed delivery of the event and retried with backoff.

        :param dispatcher: the routing function.
        """
        if dispatcher not in self._dispatchers:
            self._dispatchers.append(dispatcher)

    def deliveries(
        self, event: DomainEvent, notifiers: list[tuple[str, Any]] | None = None
    ) -> list[tuple[str, Any, Mapping[str, Any]]]:
        """Return ``(delivery name, hookimpl, arguments)`` of every delivery ``event`` needs.

        :param event: the (redacted) event.
        :param notifiers: the ``itsm_on_event`` implementations, if already known.
        """
        args: Mapping[str, Any] = {"event": event}
        if notifiers is None:
            notifiers = self.notifiers()
        found = [(name, impl, args) for name, impl in notifiers]
        for dispatcher in self._dispatchers:
            for call in dispatcher(event):
                caller = getattr(self.plugins.hook, call.hook)
                suffix = f":{call.key}" if call.key else ""
                for impl in caller.get_hookimpls():
                    name = f"{impl.plugin_name}:{call.hook}{suffix}"
                    found.append((name, impl, call.kwargs))
        return found

    def notifiers(self) -> list[tuple[str, Any]]:
        """Return ``(name, hookimpl)`` of every registered notifier."""
        impls = self.plugins.hook.itsm_on_event.get_hookimpls()
        return [(impl.plugin_name, impl) for impl in impls]

    def run(self, limit: int = 100) -> RelayReport:
        """Claim up to ``limit`` entries with something due now and deliver them.

        Each entry ends done (every notifier has it) or released (a notifier
        failed or waits for its retry: the entry is claimable again when a
        retry is due). Returns what happened; never raises for a notifier.
        """
        now = self.clock.now()
        notifiers = self.notifiers()
        entries = self.storage.outbox_claim(now, limit, self.lease)
        tally = _Tally()
        unfinished = {entry.event.event_id: entry for entry in entries}
        try:
            for entry in entries:
                until = entry.claimed_until
                if until is not None and self.clock.now() >= until:
                    break  # the lease ran out: another relay may hold these entries now
                complete = self._deliver(entry, now, notifiers, tally)
                event_id = entry.event.event_id
                if complete:
                    self.storage.outbox_done(event_id, now)
                elif until is not None:
                    self.storage.outbox_release(event_id, until)
                del unfinished[event_id]
        except BaseException:
            for entry in unfinished.values():
                if entry.claimed_until is not None:
                    with contextlib.suppress(Exception):  # the lease expires anyway
                        self.storage.outbox_release(entry.event.event_id, entry.claimed_until)
            raise
        if entries:
            log.debug(
                "relay pass: %d claimed, %d delivered, %d failed, %d waiting",
                len(entries), tally.delivered, len(tally.failures), tally.waiting,
            )  # fmt: skip
        return RelayReport(
            delivered=tally.delivered,
            failures=tuple(tally.failures),
            waiting=tally.waiting,
            claimed=len(entries),
        )

    def _fail(
        self, entry: OutboxEntry, name: str, exc: Exception, now: datetime, tally: _Tally
    ) -> None:
        event_id = entry.event.event_id
        when = now + self.backoff.delay(entry.attempts.get(name, 0) + 1)
        text = f"{type(exc).__name__}: {exc}"
        self.storage.outbox_failed(event_id, name, text, when)
        log.warning(
            "delivering event %s (%s) to %s failed with %s; retry at %s",
            event_id, entry.event.name, name, type(exc).__name__, when.isoformat(),
        )  # fmt: skip; the message is not logged: it may quote the event
        tally.failures.append(DeliveryFailure(event_id, name, text, when))

    def _deliver(
        self,
        entry: OutboxEntry,
        now: datetime,
        notifiers: list[tuple[str, Any]],
        tally: _Tally,
    ) -> bool:
        """Deliver one claimed entry to whoever lacks it; return whether all have it."""
        event: DomainEvent = entry.event.redacted()
        retry_dispatch = entry.next_attempt_at.get("dispatcher")
        if retry_dispatch is not None and retry_dispatch > now:
            tally.waiting += 1
            return False
        try:
            deliveries = self.deliveries(event, notifiers)
        except Exception as exc:  # a routing bug must not lose the event
            self._fail(entry, "dispatcher", exc, now, tally)
            return False
        complete = True
        for name, impl, args in deliveries:
            if name in entry.delivered:
                continue
            retry_at = entry.next_attempt_at.get(name)
            if retry_at is not None and retry_at > now:
                complete = False
                tally.waiting += 1
                continue
            try:
                impl.function(*[args[a] for a in impl.argnames])
            except Exception as exc:  # a notifier's failure must not escape
                complete = False
                self._fail(entry, name, exc, now, tally)
            else:
                tally.delivered += 1
                self.storage.outbox_delivered(event.event_id, name, now)
                log.debug("delivered event %s (%s) to %s", event.event_id, event.name, name)
        return complete


@attrs.define
class _Tally:
    delivered: int = 0
    waiting: int = 0
    failures: list[DeliveryFailure] = attrs.field(factory=list)
