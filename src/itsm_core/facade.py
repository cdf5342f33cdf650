"""The facade an application creates once: ``ItsmCore("sqlite:///itsm.db")``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import attrs

from itsm_core.areas import AreaServices, AreaSettings, aggregate_specs
from itsm_core.calendars.registry import CalendarRegistry
from itsm_core.kernel.actors import STAFF_ROLES, SYSTEM, Actor, Role, require_role
from itsm_core.kernel.api import command
from itsm_core.kernel.clock import Clock, SystemClock, require_aware
from itsm_core.kernel.errors import ConflictError, ValidationError
from itsm_core.plugins import make_plugin_manager, open_storage, storage_schemes
from itsm_core.storage.base import AggregateSpec

if TYPE_CHECKING:
    from itsm_core.calendars import BusinessCalendar
    from itsm_core.communications import CommunicationsService
    from itsm_core.complaints import ComplaintPolicy, ComplaintService
    from itsm_core.desk import DeskService
    from itsm_core.improvements import ImprovementService
    from itsm_core.kernel.events import DomainEvent
    from itsm_core.outbox import Backoff, DeadLetter, RelayReport
    from itsm_core.reviews import ReviewService
    from itsm_core.runtime import Runtime
    from itsm_core.satisfaction import ChannelWeights, SatisfactionPolicy, SatisfactionService
    from itsm_core.sla import SlaService
    from itsm_core.sla.tick import TickReport
    from itsm_core.storage.sealing import EncryptionKeys, KeyRotation

__all__ = ["OUTBOX_ROLES", "DueReport", "ItsmCore"]

OUTBOX_ROLES = (Role.OPERATIONS_MANAGER, Role.OPERATIONS_DIRECTOR, Role.SYSTEM)
"""Who may list and retry dead letters."""

_RELAY_DEADLINE = 10.0  # itsm_core.runtime.AUTO_RELAY_DEADLINE, without loading the runtime


@attrs.frozen
class DueReport:
    """What one :meth:`ItsmCore.run_due` did.

    :param at: the instant the jobs ran for.
    :param expired_invitations: survey invitations marked expired.
    :param reminders: survey reminders recorded (over every open campaign).
    :param complaints_opened: very dissatisfied responses whose complaint the
        sweep opened (normally none: they open at once).
    :param sampled_day: the local day whose daily callback sample was taken.
    :param daily_callbacks: callbacks scheduled from that sample.
    :param monthly_period: the month whose key-customer callbacks were scheduled.
    :param monthly_callbacks: monthly callbacks scheduled now.
    :param feedback_ended: proactive feedback ended because its request's
        service record closed (``communications.feedback.close_for_closed_requests``).
    :param tick: what the SLA tick fired.
    :param relayed: deliveries to notifiers that succeeded.
    :param relay_failures: deliveries that failed (retried later).
    :param purged: done outbox entries removed.
    :param deferred: the jobs left to the next run because another worker
        changed the same records meanwhile (a conflict; nothing fired twice).
    """

    at: datetime
    expired_invitations: int = 0
    reminders: int = 0
    complaints_opened: int = 0
    sampled_day: str = ""
    daily_callbacks: int = 0
    monthly_period: str = ""
    monthly_callbacks: int = 0
    tick: TickReport | None = None
    feedback_ended: int = 0
    relayed: int = 0
    relay_failures: int = 0
    purged: int = 0
    deferred: tuple[str, ...] = ()

    @property
    def done(self) -> int:
        """How many things happened in all (0: nothing was due)."""
        fired = self.tick.fired if self.tick is not None else 0
        return (
            self.expired_invitations
            + self.reminders
            + self.complaints_opened
            + self.daily_callbacks
            + self.monthly_callbacks
            + self.feedback_ended
            + fired
            + self.relayed
            + self.purged
        )

    def describe(self) -> str:
        """One line of what ran, e.g. for a worker's log."""
        from itsm_core.sla.tick import TickReport

        tick = self.tick or TickReport(at=self.at)
        parts = [
            f"{self.at.isoformat()}:",
            f"expired {self.expired_invitations}",
            f"reminded {self.reminders}",
            f"callbacks {self.daily_callbacks} ({self.sampled_day})",
            f"monthly {self.monthly_callbacks} ({self.monthly_period})",
            f"warnings {tick.warnings}",
            f"breaches {tick.breaches}",
            f"notices {tick.period_notices}",
            f"relayed {self.relayed}",
            f"purged {self.purged}",
        ]
        if self.complaints_opened:
            parts.append(f"complaints opened {self.complaints_opened}")
        if self.feedback_ended:
            parts.append(f"feedback ended {self.feedback_ended}")
        if self.relay_failures:
            parts.append(f"delivery failures {self.relay_failures}")
        if self.deferred:
            parts.append("deferred " + ", ".join(self.deferred))
        return " ".join(parts)


class ItsmCore:
    """The library's entry point: one per application (or per tenant).

    :param storage_url: where to keep data: ``memory://`` (default),
        ``sqlite:///path.db``, ``postgresql+psycopg://user@host/db``, or any
        scheme an installed plug-in registers.
    :param clock: the time source (default: the system clock, UTC).
    :param plugins: extra plug-in objects or modules (notifiers, backends).
    :param load_entrypoints: also load plug-ins installed under the
        ``itsm_core`` entry-point group.
    :param auto_relay: deliver committed events to notifiers right after each
        command (turn off to relay from a worker with :meth:`relay`).
    :param relay_deadline: with ``auto_relay``, how long a command waits for
        the notifiers, at most (seconds, default
        :data:`~itsm_core.runtime.AUTO_RELAY_DEADLINE`); a slower pass goes on
        in the background.
    :param backoff: retry policy for failing notifiers.
    :param complaint_policy: the provider's complaint choices (e.g. reopen on
        a dissatisfied callback); see :class:`~itsm_core.complaints.ComplaintPolicy`.
    :param calendar: the provider's business calendar (e.g.
        ``BusinessCalendar.china()``), registered in :attr:`calendars` as
        ``"default"``: SLA clocks, complaint improvement periods and callback
        promises run on it (the complaint policy may name another registered
        calendar); default 24×7 in UTC.
    :param calendars: more calendars by name (in :attr:`calendars`), for targets
        that name them.
    :param satisfaction_policy: the provider's satisfaction settings (zone,
        callback sampling rate, anti-fatigue window...); see
        :class:`~itsm_core.satisfaction.SatisfactionPolicy`. Satisfaction
        callbacks are due on ``calendar`` (default: Monday–Friday, registered
        as the calendar ``"satisfaction"``) and run on SLA clocks.
    :param satisfaction_weights: the weight of each satisfaction channel in
        combined figures, target evaluation and watch lists (default: all
        responses pooled); see
        :class:`~itsm_core.satisfaction.analysis.ChannelWeights`.
    :param encryption_keys: seal confidential values at rest (an internal
        complainant's identity, in records and events) with these keys
        (:class:`~itsm_core.storage.sealing.EncryptionKeys`, the ``encryption``
        extra) on a store that supports it (the SQL backend). Without keys the
        identity is stored in clear.
    """

    def __init__(
        self,
        storage_url: str = "memory://",
        *,
        clock: Clock | None = None,
        plugins: Iterable[object] = (),
        load_entrypoints: bool = True,
        auto_relay: bool = True,
        relay_deadline: float = _RELAY_DEADLINE,
        backoff: Backoff | None = None,
        complaint_policy: ComplaintPolicy | None = None,
        calendar: BusinessCalendar | None = None,
        calendars: Mapping[str, BusinessCalendar] | None = None,
        satisfaction_policy: SatisfactionPolicy | None = None,
        satisfaction_weights: ChannelWeights | None = None,
        encryption_keys: EncryptionKeys | None = None,
    ) -> None:
        self.plugins = make_plugin_manager(plugins, load_entrypoints=load_entrypoints)
        if clock is not None and not isinstance(clock, Clock):
            raise ValidationError(
                f"clock must have a now() method (e.g. itsm_core.FrozenClock), "
                f"got {type(clock).__name__}",
                field="clock",
            )
        self.clock: Clock = clock or SystemClock()
        self.specs: Sequence[AggregateSpec[Any]] = aggregate_specs()
        self.storage = open_storage(self.plugins, storage_url, self.specs)
        try:
            if encryption_keys is not None:
                from itsm_core.storage.sealing import use_encryption

                use_encryption(self.storage, encryption_keys)
            if backoff is not None:
                from itsm_core.outbox import Backoff

                if not isinstance(backoff, Backoff):
                    raise ValidationError(
                        "backoff must be an itsm_core.outbox.Backoff, "
                        f"got {type(backoff).__name__}",
                        field="backoff",
                    )
            if satisfaction_policy is not None:
                from itsm_core.satisfaction.policy import SatisfactionPolicy

                if not isinstance(satisfaction_policy, SatisfactionPolicy):
                    raise ValidationError(
                        "satisfaction_policy must be an itsm_core.satisfaction.SatisfactionPolicy, "
                        f"got {type(satisfaction_policy).__name__}",
                        field="satisfaction_policy",
                    )
            if (
                not isinstance(relay_deadline, int | float)
                or isinstance(relay_deadline, bool)
                or not 0 < relay_deadline < float("inf")
            ):
                raise ValidationError(
                    f"relay_deadline must be positive seconds, got {relay_deadline!r}",
                    field="relay_deadline",
                )
            self._calendars = CalendarRegistry(calendar, calendars)
            if complaint_policy is not None:
                from itsm_core.complaints.policy import ComplaintPolicy

                if not isinstance(complaint_policy, ComplaintPolicy):
                    raise ValidationError(
                        "complaint_policy must be an itsm_core.complaints.ComplaintPolicy, "
                        f"got {type(complaint_policy).__name__}",
                        field="complaint_policy",
                    )
                self._calendars.get(complaint_policy.sla_calendar)  # an unknown name fails now
            if satisfaction_weights is not None:
                from itsm_core.satisfaction.analysis.weights import ChannelWeights

                if not isinstance(satisfaction_weights, ChannelWeights):
                    raise ValidationError(
                        "satisfaction_weights must be an itsm_core.satisfaction.ChannelWeights, "
                        f"got {type(satisfaction_weights).__name__}",
                        field="satisfaction_weights",
                    )
            self._settings = AreaSettings(
                complaint_policy, calendar, satisfaction_policy, satisfaction_weights
            )
            self._relay_settings = (backoff, auto_relay, float(relay_deadline))
            self._services: AreaServices | None = None
            self._lock = threading.Lock()
        except BaseException:
            self.storage.close()  # a refused setting must not leave the store open
            raise

    def _areas(self) -> AreaServices:
        """The areas' services, built together on the first use of one of them.

        Opening a store loads no area's services; the first command pays for
        them once. They are built together since they are wired together
        (one area's items followed by another, the hooks the relay routes
        events to, the calendars the satisfaction area registers).
        """
        with self._lock:
            if self._services is None:
                from itsm_core.outbox import OutboxRelay
                from itsm_core.runtime import Runtime

                backoff, auto_relay, deadline = self._relay_settings
                relay = OutboxRelay(self.storage, self.plugins, self.clock, backoff)
                runtime = Runtime(
                    self.clock, self.storage, self.plugins, relay, auto_relay, deadline
                )
                self._services = AreaServices(runtime, self._calendars, self._settings)
            return self._services

    @cached_property
    def runtime(self) -> Runtime:
        """What every use-case service shares: the clock, the store, the plug-ins, the relay."""
        return self._areas().runtime

    @cached_property
    def calendars(self) -> CalendarRegistry:
        """The business calendars by name (configuration: ``register``, ``get``, ``names``)."""
        return self._areas().calendars

    @cached_property
    def sla(self) -> SlaService:
        """Agreements, SLA clocks and the tick (SLA and time promises)."""
        return self._areas().sla

    @cached_property
    def improvements(self) -> ImprovementService:
        """The improvement register: items of every source."""
        return self._areas().improvements

    @cached_property
    def complaints(self) -> ComplaintService:
        """Complaints and praise (the complaint process)."""
        return self._areas().complaints

    @cached_property
    def satisfaction(self) -> SatisfactionService:
        """Satisfaction on four channels: surveys, service records, callbacks,
        responses, customers; analysis (figures, watch lists, desk KPIs) and
        targets (critical lines, evaluation)."""
        return self._areas().satisfaction

    @cached_property
    def reviews(self) -> ReviewService:
        """Customer service reviews: plans, reviews, their seed records;
        ``analysis``: the review pack, trend analysis, progress reports."""
        return self._areas().reviews

    @cached_property
    def desk(self) -> DeskService:
        """The service desk: the customer's view from a caller's number or
        address, the daily chase list, customer contacts, knowledge flags
        and the articles' effectiveness."""
        return self._areas().desk

    @cached_property
    def communications(self) -> CommunicationsService:
        """Customer communications: ``notices`` (change notices, planned-outage
        announcements), ``feedback`` (proactive progress updates) and
        ``relationships`` (customer relationship analyses)."""
        return self._areas().communications

    @property
    def storage_schemes(self) -> list[str]:
        """The URL schemes of the installed storage backends."""
        return storage_schemes(self.plugins)

    def relay(self, limit: int = 100) -> RelayReport:
        """Deliver committed events that are due to the notifiers (retries included).

        :param limit: at most this many outbox entries in this pass (a positive integer).
        :raises ValidationError: for a limit that is not a positive integer.
        """
        if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
            raise ValidationError(f"limit must be a positive integer, got {limit!r}", field="limit")
        return self.runtime.relay.run(limit)

    def rotate_encryption_keys(self, actor: Actor = SYSTEM) -> KeyRotation:
        """Re-wrap every data key under the current encryption key; seal what is in clear.

        Run it after making a new key current (keep the old one among the
        :class:`~itsm_core.storage.sealing.EncryptionKeys` until this returns;
        afterwards it may be destroyed). It also seals the confidential record
        fields stored before the store had keys. One transaction: all or nothing.

        :param actor: the system (key management is an operator's job, not a role's).
        :raises AccessDenied: for any actor but the system.
        :raises StorageError: if the store was opened without ``encryption_keys``,
            or a stored data key is wrapped by a key not given.
        """
        from itsm_core.storage.sealing import rotate_keys

        require_role(actor, Role.SYSTEM, action="rotate the encryption keys")
        return rotate_keys(self.storage)

    def purge_outbox(self, older_than: timedelta) -> int:
        """Remove outbox entries done more than ``older_than`` ago, with their delivery records.

        Run it from time to time (e.g. daily, ``timedelta(days=30)``): done
        entries are kept until then for inspection. Pending entries and the
        events (the history) are never removed.

        :return: how many entries were removed.
        :raises ValidationError: if ``older_than`` is not a timedelta, or is negative.
        """
        if not isinstance(older_than, timedelta) or older_than < timedelta(0):
            raise ValidationError(
                f"older_than must be a timedelta of zero or more, got {older_than!r}",
                field="older_than",
            )
        try:
            cutoff = self.clock.now() - older_than
        except OverflowError:  # before the year 1: nothing was done that long ago
            return 0
        return self.storage.outbox_purge(cutoff)

    @command
    def run_due(
        self,
        actor: Actor = SYSTEM,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
        purge_after: timedelta = timedelta(days=30),
        relay_limit: int = 100,
    ) -> DueReport:
        """Run every scheduled job that is due; a worker calls it every minute or so.

        In order: expire survey invitations past their expiry
        (``satisfaction.surveys.expire_invitations``), remind the respondents of
        every open campaign (``surveys.remind``), open the complaints responses
        called for but did not get (``responses.open_pending_complaints``), take
        yesterday's daily callback sample (``callbacks.sample_daily``, the local
        day in the satisfaction policy's zone), schedule this month's callbacks
        of key customers (``callbacks.schedule_monthly``), end the proactive
        feedback of requests whose service record closed
        (``communications.feedback.close_for_closed_requests``, so their update
        clocks stop before the tick), fire the SLA warnings,
        breaches and notices due (``sla.tick``), deliver the outbox to the
        notifiers (:meth:`relay`, until nothing is due) and remove done outbox
        entries older than ``purge_after`` (:meth:`purge_outbox`).

        Every job is idempotent, so running this often is cheap and running it
        late catches up. The jobs act as the library
        (:data:`~itsm_core.kernel.actors.SYSTEM`) whoever calls: what they record
        is the system's doing. Several workers may run it at once on
        PostgreSQL: the tick and the relay claim their rows (``SKIP LOCKED``), and
        a job that meets another worker's change (a
        :class:`~itsm_core.kernel.errors.ConflictError`) is left to the next run
        and named in :attr:`DueReport.deferred`; nothing fires twice.

        :param actor: who runs the jobs: the system or the service desk
            (:data:`~itsm_core.sla.roles.TICK_ROLES`); default the system.
        :param at: the instant to run for (default: now).
        :param purge_after: how long done outbox entries are kept.
        :param relay_limit: outbox entries per relay pass.
        :raises AccessDenied: without one of the tick roles.
        :raises ValidationError: for a naive ``at`` or a negative ``purge_after``.
        """
        from itsm_core.sla.roles import TICK_ROLES

        require_role(actor, *TICK_ROLES, action="run the scheduled jobs")
        when = require_aware(self.clock.now() if at is None else at, "at")
        if not isinstance(purge_after, timedelta) or purge_after < timedelta(0):
            raise ValidationError(
                f"purge_after must be a timedelta of zero or more, got {purge_after!r}",
                field="purge_after",
            )
        sat = self.satisfaction
        zone = _zone(sat.policy.timezone)
        local = when.astimezone(zone)
        yesterday = (local - timedelta(days=1)).date().isoformat()
        month = local.strftime("%Y-%m")
        deferred: list[str] = []
        counts: dict[str, int] = {}

        def job(name: str, run: Callable[[], int]) -> None:
            try:
                counts[name] = run()
            except ConflictError:
                deferred.append(name)
                counts[name] = 0

        def remind_all() -> int:
            campaigns = sat.surveys.find(SYSTEM, state="open")
            return sum(len(sat.surveys.remind(SYSTEM, c.id, at=when)) for c in campaigns)

        job("expire_invitations", lambda: len(sat.surveys.expire_invitations(SYSTEM, at=when)))
        job("remind", remind_all)
        job(
            "open_pending_complaints",
            lambda: len(sat.responses.open_pending_complaints(SYSTEM, at=when)),
        )
        job(
            "sample_daily_callbacks",
            lambda: len(sat.callbacks.sample_daily(SYSTEM, day=yesterday, at=when).scheduled),
        )
        job(
            "schedule_monthly_callbacks",
            lambda: len(sat.callbacks.schedule_monthly(SYSTEM, period=month, at=when)),
        )
        job(
            "close_feedback_of_closed_requests",
            lambda: len(
                self.communications.feedback.close_for_closed_requests(SYSTEM, at=when)
            ),
        )
        tick = self.sla.tick(SYSTEM, at=when)
        if tick.conflicts:
            deferred.append("sla.tick")
        delivered = failures = 0
        for _ in range(100):  # at most 100 passes per run; the next run carries on
            relayed = self.relay(relay_limit)
            delivered += relayed.delivered
            failures += len(relayed.failures)
            if relayed.claimed < relay_limit:
                break
        purged = self.storage.outbox_purge(when - purge_after)
        return DueReport(
            at=when,
            expired_invitations=counts["expire_invitations"],
            reminders=counts["remind"],
            complaints_opened=counts["open_pending_complaints"],
            sampled_day=yesterday,
            daily_callbacks=counts["sample_daily_callbacks"],
            monthly_period=month,
            monthly_callbacks=counts["schedule_monthly_callbacks"],
            tick=attrs.evolve(tick, events=()),
            feedback_ended=counts["close_feedback_of_closed_requests"],
            relayed=delivered,
            relay_failures=failures,
            purged=purged,
            deferred=tuple(deferred),
        )

    def dead_letters(self, actor: Actor) -> list[DeadLetter]:
        """Return the deliveries parked after too many failed attempts, oldest event first.

        A delivery is parked after :attr:`Backoff.max_attempts
        <itsm_core.outbox.Backoff.max_attempts>` failures (a notifier that can
        never deliver an event, e.g. to an address it cannot use) instead of
        being retried forever; it stays in the outbox until retried. Events are
        redacted for ``actor``.

        :param actor: an operations manager, operations director or the system.
        :raises AccessDenied: for any other actor.
        """
        from itsm_core.kernel.events import visible_to

        require_role(actor, *OUTBOX_ROLES, action="list dead letters")
        letters = self.runtime.relay.dead_letters(self.clock.now())
        return [
            attrs.evolve(letter, event=visible_to(actor, [letter.event])[0]) for letter in letters
        ]

    def retry_dead_letter(self, actor: Actor, event_id: str, notifier: str) -> None:
        """Try a parked delivery once more (now, or at the next relay without ``auto_relay``).

        If it fails again it is parked again.

        :raises AccessDenied: unless an operations manager, operations director or the system.
        :raises NotFound: if that delivery is not parked.
        """
        require_role(actor, *OUTBOX_ROLES, action="retry a dead letter")
        for name, value in (("event_id", event_id), ("notifier", notifier)):
            if not isinstance(value, str) or not value:
                raise ValidationError(
                    f"{name} must be a non-empty string, got {value!r}", field=name
                )
        self.runtime.relay.retry_dead_letter(event_id, notifier, self.clock.now(), actor.id)
        if self.runtime.auto_relay:
            self.runtime.relay.run()

    def history(self, actor: Actor, kind: str, aggregate_id: str) -> list[DomainEvent]:
        """Return the stored events of one aggregate of any kind, oldest first.

        The audit trail (留痕) across areas, for the provider's staff. Confidential
        payload values (an internal complainant's identity) are replaced by
        :data:`~itsm_core.kernel.events.REDACTED` for every role but the
        complaint specialist. Each area's service has its own ``history`` for
        its aggregates.

        :param actor: who reads; a customer may not.
        :param kind: the aggregate kind, e.g. ``"complaint"`` or ``"sla_clock"``.
        :param aggregate_id: the aggregate's id.
        :raises AccessDenied: for an actor with only the customer role.
        :raises ValidationError: for a kind or id that is not a non-empty string.
        """
        from itsm_core.kernel.events import visible_to

        require_role(actor, *STAFF_ROLES, action="read the history of an aggregate")
        for name, value in (("kind", kind), ("aggregate_id", aggregate_id)):
            if not isinstance(value, str) or not value:
                raise ValidationError(
                    f"{name} must be a non-empty string, got {value!r}", field=name
                )
        with self.storage.unit_of_work() as uow:
            events = uow.history(kind, aggregate_id)
        return visible_to(actor, events)

    def close(self) -> None:
        """Close the store."""
        self.storage.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _zone(value: str | tzinfo) -> tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(value) if isinstance(value, str) else value
