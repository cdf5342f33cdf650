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

**Retries and dead letters.** A failed delivery is retried after the
:class:`Backoff` wait, shortened at random by up to ``jitter`` (so relays
that failed together do not retry in lockstep), never longer than ``cap``.
After ``max_attempts`` failed attempts (default 25: about a day with the
default waits) the delivery is *parked*: it is not retried any more, and is
listed by :meth:`itsm_core.ItsmCore.dead_letters` until someone retries it
(:meth:`itsm_core.ItsmCore.retry_dead_letter`, one more attempt). A notifier
that can never deliver an event (an address it cannot use) no longer retries
it every hour forever. Parking uses the outbox's own columns: a parked
delivery's next attempt is :data:`PARKED`.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
import random
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pluggy

from itsm_core.kernel.clock import Clock
from itsm_core.kernel.errors import NotFound, ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.storage.base import (
    FailedDelivery,
    OutboxEntry,
    OutboxOutcome,
    StorageBackend,
    lease_end,
    settle_one_by_one,
)

__all__ = [
    "DEFAULT_LEASE",
    "PARKED",
    "Backoff",
    "DeadLetter",
    "DeliveryFailure",
    "Dispatcher",
    "HookCall",
    "OutboxRelay",
    "RelayPass",
    "RelayReport",
]

log = logging.getLogger("itsm_core.outbox")

DEFAULT_LEASE = timedelta(seconds=60)
"""How long a relay pass holds the entries it claimed, unless told otherwise."""

PARKED = datetime(9999, 1, 1, tzinfo=UTC)
"""The next attempt of a parked delivery (a dead letter): never, until retried."""


def _attempts(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError(
            f"Backoff.max_attempts must be a whole number of at least 1, got {value!r}",
            field=attribute.name,
        )


def _jitter(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not 0 <= value < 1
    ):
        raise ValidationError(
            f"Backoff.jitter must be a fraction from 0 to below 1, got {value!r}",
            field=attribute.name,
        )


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
    :param max_attempts: failed attempts after which a delivery is parked as a
        dead letter (default 25: about a day of retries with the default waits).
    :param jitter: each wait is shortened at random by up to this fraction
        (default 0.1), so relays that failed together do not retry in lockstep.
    :raises ValidationError: for a negative duration, a factor below 1, fewer
        than 1 attempt, or a jitter outside 0 to below 1.
    """

    base: timedelta = attrs.field(default=timedelta(seconds=5), validator=_duration)
    factor: float = attrs.field(default=2.0, validator=_factor)
    cap: timedelta = attrs.field(default=timedelta(hours=1), validator=_duration)
    max_attempts: int = attrs.field(default=25, validator=_attempts)
    jitter: float = attrs.field(default=0.1, validator=_jitter)

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

    def wait(self, attempt: int, draw: Callable[[], float] = random.random) -> timedelta:
        """Return the wait after the ``attempt``-th failure: :meth:`delay` less up to ``jitter``.

        :param draw: a random number from 0 to below 1 (for tests).
        """
        return self.delay(attempt) * (1 - self.jitter * draw())

    def parks(self, attempts: int) -> bool:
        """True if a delivery that failed ``attempts`` times is parked (a dead letter)."""
        return attempts >= self.max_attempts


@attrs.frozen
class DeliveryFailure:
    """One notifier that raised for one event."""

    event_id: str
    notifier: str
    error: str
    retry_at: datetime
    parked: bool = False


@attrs.frozen
class DeadLetter:
    """A delivery parked after too many failed attempts (see :class:`Backoff`).

    :param event: the event (redacted for the reader).
    :param notifier: the delivery's name (a notifier, or ``plug-in:hook``).
    :param attempts: how many attempts failed.
    """

    event: DomainEvent
    notifier: str
    attempts: int


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
        self._settles_at_once = callable(getattr(storage, "outbox_settle", None))
        self._claims_given = _takes(storage, "outbox_claim", "event_ids")
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
        for call, impls in self._hook_calls(event):
            suffix = f":{call.key}" if call.key else ""
            for impl in impls:
                found.append((f"{impl.plugin_name}:{call.hook}{suffix}", impl, call.kwargs))
        return found

    def _hook_calls(self, event: DomainEvent) -> Iterator[tuple[HookCall, list[Any]]]:
        """Each dedicated hook call the dispatchers route ``event`` to, with the hook's
        implementations (none: nobody receives that call)."""
        for dispatcher in self._dispatchers:
            for call in dispatcher(event):
                yield call, getattr(self.plugins.hook, call.hook).get_hookimpls()

    def notifiers(self) -> list[tuple[str, Any]]:
        """Return ``(name, hookimpl)`` of every registered notifier."""
        impls = self.plugins.hook.itsm_on_event.get_hookimpls()
        return [(impl.plugin_name, impl) for impl in impls]

    def claim_at_commit(self) -> datetime:
        """The end of the lease of entries claimed as their command writes them (now + lease).

        The pass after a command claims the command's entries; a store can
        write them claimed until this instant with the command instead
        (:meth:`prepare` then takes them as ``claimed``).
        """
        return lease_end(self.clock.now(), self.lease)

    def done_at_commit(self) -> Callable[[DomainEvent], datetime | None] | None:
        """A test for the events of a command about to commit: which need no pass at all.

        The pass after a command marks an entry done at once when nobody is to
        receive its event: no notifier, and no dispatcher routes it to a hook
        with an implementation. Such an entry can be written done with its
        event instead (the relay after a command then claims only the others).
        Returns ``None`` when every event needs a pass (a notifier is
        registered); else a function giving, for an event, the instant its
        entry is done (now), or ``None`` when a pass must deliver it (or a
        dispatcher raised: the pass records that failure and retries it).
        """
        notifiers = self.notifiers()
        if notifiers:
            return None
        clock = self.clock

        def done_at(event: DomainEvent) -> datetime | None:
            try:  # no notifier: a delivery only if a hook call has an implementation
                if any(impls for _, impls in self._hook_calls(event.redacted())):
                    return None
            except Exception:  # a routing bug: the pass records it and retries
                return None
            return clock.now()

        return done_at

    def run(self, limit: int = 100, *, event_ids: Collection[str] | None = None) -> RelayReport:
        """Claim up to ``limit`` entries with something due now and deliver them.

        Each entry ends done (every notifier has it) or released (a notifier
        failed or waits for its retry: the entry is claimable again when a
        retry is due). Returns what happened; never raises for a notifier.

        :param limit: at most this many entries.
        :param event_ids: claim only the entries of these events (the relay
            after a command delivers what the command committed).
        """
        return self.prepare(limit, event_ids=event_ids).deliver()

    def prepare(
        self,
        limit: int = 100,
        *,
        event_ids: Collection[str] | None = None,
        claimed: Sequence[OutboxEntry] = (),
    ) -> RelayPass:
        """Claim the entries of a pass and work out whom each must reach; deliver nothing yet.

        Calls no notifier (the dispatchers run, to route the events): a pass
        with nothing to deliver (:attr:`RelayPass.calls` is 0) only has to
        be recorded, which :meth:`RelayPass.deliver` does without waiting on
        anyone. Arguments as for :meth:`run`; ``claimed`` are entries the
        pass holds already (written claimed with their command's commit, see
        :meth:`claim_at_commit`): they come first, and with ``event_ids``
        empty nothing else is claimed.
        """
        now = self.clock.now()
        if event_ids is not None and not self._claims_given:
            event_ids = None  # a backend from before claims of given events: a plain pass
        entries = list(claimed)
        if event_ids is None:
            entries += self.storage.outbox_claim(now, limit, self.lease)
        elif event_ids:
            entries += self.storage.outbox_claim(now, limit, self.lease, event_ids)
        notifiers = self.notifiers() if entries else []
        return RelayPass(self, now, [self._plan(entry, now, notifiers) for entry in entries])

    def settle(self, outcomes: list[OutboxOutcome], at: datetime) -> None:
        """Record a pass's outcomes: in one transaction, or one by one on an older backend."""
        if not outcomes:
            return
        if self._settles_at_once:
            self.storage.outbox_settle(outcomes, at)
        else:
            settle_one_by_one(self.storage, outcomes, at)

    def _plan(
        self, entry: OutboxEntry, now: datetime, notifiers: list[tuple[str, Any]]
    ) -> _Planned:
        """Work out the deliveries ``entry`` needs now (its routing failure, if any)."""
        event: DomainEvent = entry.event.redacted()
        planned = _Planned(entry, event)
        retry_dispatch = entry.next_attempt_at.get("dispatcher")
        if retry_dispatch is not None and retry_dispatch > now:
            planned.waiting = 1
            return planned
        try:
            deliveries = self.deliveries(event, notifiers)
        except Exception as exc:  # a routing bug must not lose the event
            planned.routing_error = exc
            return planned
        for name, impl, args in deliveries:
            if name in entry.delivered:
                continue
            retry_at = entry.next_attempt_at.get(name)
            if retry_at is not None and retry_at > now:
                planned.waiting += 1
                continue
            planned.calls.append((name, impl, args))
        return planned

    def _fail(
        self, entry: OutboxEntry, name: str, exc: Exception, now: datetime, tally: _Tally
    ) -> FailedDelivery:
        """Log and count a failed delivery; return it, for the pass's record."""
        event_id = entry.event.event_id
        attempts = entry.attempts.get(name, 0) + 1
        parked = self.backoff.parks(attempts)
        when = PARKED if parked else now + self.backoff.wait(attempts)
        text = f"{type(exc).__name__}: {exc}"
        if parked:
            log.error(
                "delivering event %s (%s) to %s failed %d times with %s; it is parked as a "
                "dead letter (ItsmCore.dead_letters, retry_dead_letter)",
                event_id, entry.event.name, name, attempts, type(exc).__name__,
            )  # fmt: skip; the message is not logged: it may quote the event
        else:
            log.warning(
                "delivering event %s (%s) to %s failed with %s; retry at %s",
                event_id, entry.event.name, name, type(exc).__name__, when.isoformat(),
            )  # fmt: skip; the message is not logged: it may quote the event
        tally.failures.append(DeliveryFailure(event_id, name, text, when, parked))
        return FailedDelivery(name, text, when)

    def dead_letters(self, now: datetime) -> list[DeadLetter]:
        """Return every parked delivery (unredacted events), oldest event first."""
        found: list[DeadLetter] = []
        for entry in self.storage.outbox_pending(now, limit=2**62):
            for name, at in sorted(entry.next_attempt_at.items()):
                if at >= PARKED and name not in entry.delivered:
                    found.append(DeadLetter(entry.event, name, entry.attempts.get(name, 0)))
        return found

    def retry_dead_letter(self, event_id: str, notifier: str, now: datetime, by: str) -> None:
        """Make a parked delivery due now, for one more attempt.

        :raises NotFound: if that delivery is not parked.
        """
        for letter in self.dead_letters(now):
            if letter.event.event_id == event_id and letter.notifier == notifier:
                self.storage.outbox_failed(event_id, notifier, f"retry requested by {by}", now)
                return
        raise NotFound("dead letter", f"{event_id}/{notifier}")



def _takes(obj: object, method: str, parameter: str) -> bool:
    """Whether ``obj.method`` takes ``parameter`` (a backend from before it may not)."""
    try:
        params = inspect.signature(getattr(obj, method)).parameters
    except (AttributeError, TypeError, ValueError):
        return False
    return parameter in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


@attrs.define
class _Planned:
    """One claimed entry of a pass: the (redacted) event and the deliveries due now."""

    entry: OutboxEntry
    event: DomainEvent
    calls: list[tuple[str, Any, Mapping[str, Any]]] = attrs.field(factory=list)
    waiting: int = 0
    routing_error: Exception | None = None


class RelayPass:
    """The entries a relay pass claimed, with whom each must reach (:meth:`OutboxRelay.prepare`).

    :meth:`deliver` calls the notifiers and records the whole pass with one
    :meth:`~itsm_core.storage.StorageBackend.outbox_settle`.
    """

    def __init__(self, relay: OutboxRelay, now: datetime, planned: list[_Planned]) -> None:
        self._relay = relay
        self._now = now
        self._planned = planned
        self.calls = sum(len(p.calls) for p in planned)
        """How many notifier calls the pass will make (0: it only records)."""

    def deliver(self) -> RelayReport:
        """Deliver every claimed entry to whoever lacks it; record the pass; report.

        Each entry ends done or released. A pass stops before an entry whose
        lease has run out, leaving it to the next claim. If the pass is
        interrupted (an exception that is not a notifier's), what it did is
        recorded and the entries it did not finish are released.
        """
        relay, now = self._relay, self._now
        tally = _Tally()
        outcomes: list[OutboxOutcome] = []
        finished = 0
        try:
            for planned in self._planned:
                until = planned.entry.claimed_until
                if until is not None and relay.clock.now() >= until:
                    break  # the lease ran out: another relay may hold these entries now
                outcomes.append(self._deliver(planned, tally))
                finished += 1
        except BaseException:
            outcomes.extend(
                OutboxOutcome(p.entry.event.event_id, p.entry.claimed_until)
                for p in self._planned[finished:]
                if p.entry.claimed_until is not None
            )
            with contextlib.suppress(Exception):  # the leases expire anyway
                relay.settle(outcomes, now)
            raise
        relay.settle(outcomes, now)
        if self._planned:
            log.debug(
                "relay pass: %d claimed, %d delivered, %d failed, %d waiting",
                len(self._planned), tally.delivered, len(tally.failures), tally.waiting,
            )  # fmt: skip
        return RelayReport(
            delivered=tally.delivered,
            failures=tuple(tally.failures),
            waiting=tally.waiting,
            claimed=len(self._planned),
        )

    def _deliver(self, planned: _Planned, tally: _Tally) -> OutboxOutcome:
        """Call each notifier ``planned`` needs; return the entry's outcome."""
        relay, now = self._relay, self._now
        entry, event = planned.entry, planned.event
        until = entry.claimed_until
        tally.waiting += planned.waiting
        if planned.routing_error is not None:
            failure = relay._fail(entry, "dispatcher", planned.routing_error, now, tally)
            return OutboxOutcome(event.event_id, until, failed=(failure,))
        complete = planned.waiting == 0
        delivered: list[str] = []
        failed: list[FailedDelivery] = []
        for name, impl, args in planned.calls:
            try:
                impl.function(*[args[a] for a in impl.argnames])
            except Exception as exc:  # a notifier's failure must not escape
                complete = False
                failed.append(relay._fail(entry, name, exc, now, tally))
            else:
                tally.delivered += 1
                delivered.append(name)
                log.debug("delivered event %s (%s) to %s", event.event_id, event.name, name)
        return OutboxOutcome(event.event_id, until, tuple(delivered), tuple(failed), complete)


@attrs.define
class _Tally:
    delivered: int = 0
    waiting: int = 0
    failures: list[DeliveryFailure] = attrs.field(factory=list)
