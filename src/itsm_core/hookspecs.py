"""Every hook of ``itsm_core``, in one place.

Plug-ins implement these with :data:`itsm_core.hookimpl` and are found
through the entry-point group ``itsm_core`` (or passed to the facade as
``plugins=[...]``). Hook names start with ``itsm_``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.markers import PROJECT, hookimpl, hookspec
from itsm_core.storage.base import BackendFactory

if TYPE_CHECKING:
    from itsm_core.desk.notices import FlagNotice
    from itsm_core.satisfaction.analysis.model import LevelCrossing
    from itsm_core.sla.notifications import SlaNotification
    from itsm_core.sla.periods import ServicePeriodNotice

__all__ = [
    "PROJECT",
    "hookimpl",
    "hookspec",
    "itsm_knowledge_flag_raised",
    "itsm_on_event",
    "itsm_register_storage",
    "itsm_satisfaction_level_crossed",
    "itsm_service_period_notice",
    "itsm_service_record_returned",
    "itsm_sla_breach",
    "itsm_sla_warning",
]



@hookspec
def itsm_register_storage(register: Callable[[str, BackendFactory], None]) -> None:
    """Register storage backends by URL scheme.

    Called once when a facade opens its store. Call ``register(scheme, factory)``
    for each scheme the plug-in handles (e.g. ``"sqlite"``,
    ``"postgresql+psycopg"``); ``factory(url, specs)`` returns a
    :class:`~itsm_core.storage.StorageBackend`. Two plug-ins claiming one
    scheme is a :class:`~itsm_core.kernel.errors.PluginError`.

    :param register: the registration callback.
    """


@hookspec
def itsm_on_event(event: DomainEvent) -> None:
    """Receive one committed domain event (a notifier).

    Called by the outbox relay after the change is committed, at least once
    per event and notifier: use ``event.event_id`` as the idempotency key.
    The event is redacted (an internal complainant's identity never reaches
    a notifier). Each implementation is called on its own: one that raises is
    retried later with backoff and does not stop the others; it never undoes
    the committed change.

    :param event: the committed, redacted event.
    """


@hookspec
def itsm_service_record_returned(
    record_id: str,
    reason: str,
    customer: str,
    service: str,
    engineer: str | None,
    callback_id: str,
    returned_at: datetime,
) -> None:
    """A callback found a service record's problem not really solved: the
    front end sends the request back to the engineer in the ticketing tool.

    Delivered through the outbox after the return is committed (from the
    domain event ``service_record.returned``, which ``itsm_on_event``
    notifiers also receive): at least once per implementation, each on its
    own; one that raises is retried later with backoff and never undoes the
    commit. ``callback_id`` is unique per return: use it as the idempotency
    key. A second callback is due once the engineer resolves it again.

    :param record_id: the service record's id (the ticket id in the provider's tool).
    :param reason: why the customer says it is not solved.
    :param customer: the customer's id.
    :param service: the service of the record.
    :param engineer: the engineer who handled it (None if unknown).
    :param callback_id: the callback that found it not solved.
    :param returned_at: when it was returned (timezone-aware).
    """


@hookspec
def itsm_knowledge_flag_raised(notice: FlagNotice) -> None:
    """Route a knowledge flag of the service desk to the person who decides on it.

    The desk flags a knowledge article it used on a request (it helped, or it
    is flawed, with a suggestion) or a closed request worth a knowledge entry
    (with a suggestion). The flag goes to ``notice.route_to``: the article's
    author, who improves the article, or the request's last handler, who
    writes it up for the knowledge base; they accept or reject it with
    :meth:`core.desk.accept <itsm_core.desk.DeskService.accept>` /
    :meth:`reject <itsm_core.desk.DeskService.reject>`. Delivered through the
    outbox after the flag is committed (from the domain event
    ``knowledge_flag.raised``, which ``itsm_on_event`` notifiers also
    receive): at least once per implementation, each on its own; one that
    raises is retried later with backoff and never undoes the commit.
    ``notice.key`` is the idempotency key.

    :param notice: the flag, its kind, who decides, the request, the article
        and the suggestion (:class:`~itsm_core.desk.FlagNotice`).
    """


@hookspec
def itsm_satisfaction_level_crossed(crossing: LevelCrossing) -> None:
    """React to a service or customer crossing a satisfaction critical line (临界线).

    :meth:`TargetService.evaluate
    <itsm_core.satisfaction.analysis.evaluation.TargetService.evaluate>`
    records a crossing when a level differs from the previous evaluation's (the
    first evaluation is compared with the target's best level). Delivered
    through the outbox after the evaluation is committed (from the domain
    event ``satisfaction_standing.level_crossed``, which ``itsm_on_event``
    notifiers also receive): at least once per implementation, each on its
    own; one that raises is retried later with backoff and never undoes the
    commit. ``crossing.event_id`` is the idempotency key.

    :param crossing: the service and customer, the period, the previous and
        new :class:`~itsm_core.satisfaction.analysis.targets.AlertLevel`, the
        value against the target, and the measures to take at the new level.
    """


@hookspec
def itsm_sla_warning(notification: SlaNotification) -> None:
    """React to an SLA clock reaching a warning threshold (50 %, 75 %, 90 % by default).

    Called by the outbox relay after the clock's ``sla_clock.warning`` event is
    committed (by :meth:`SlaService.tick <itsm_core.sla.SlaService.tick>` or by a
    command that caught up), once per warning, at least once: use
    ``notification.key`` as the idempotency key. The notification is addressed
    to the service desk (``notification.step`` is ``service_desk``), which
    chases the handler. An implementation that raises is retried later with
    backoff, never stops the others, and never undoes the committed change.

    :param notification: the clock, subject, target, level reached, the instant
        it was reached and the deadline (:class:`~itsm_core.sla.SlaNotification`).
    """


@hookspec
def itsm_sla_breach(notification: SlaNotification) -> None:
    """Act on one step of the breach chain when a promised time is broken.

    Called by the outbox relay after the clock's ``sla_clock.breached`` event is
    committed, once per step of :data:`~itsm_core.sla.BREACH_CHAIN`, in order:
    ``service_desk`` (notify the desk, which chases the handler), ``superior``
    (escalate to the handler's superior), ``customer`` (tell and reassure the
    customer). Handle the steps you deliver and ignore the others. Each step is
    delivered and retried on its own, at least once: use ``notification.key``
    (event id and step) as the idempotency key. An implementation that raises
    never undoes the committed breach.

    :param notification: the breach, with ``step`` naming who is to act
        (:class:`~itsm_core.sla.SlaNotification`).
    """


@hookspec
def itsm_service_period_notice(notice: ServicePeriodNotice) -> None:
    """Send the customer a notice that a contract's service period starts or ends soon.

    Called by the outbox relay after the agreement's ``sla_agreement.period_notice``
    event is committed by :meth:`SlaService.tick <itsm_core.sla.SlaService.tick>`
    (服务期监管流程, the service period supervision): once when the period starts and once the
    configured number of days before it ends, at least once per implementation
    (``notice.key`` is the idempotency key), retried with backoff if it raises.

    :param notice: the agreement, the counterparty, the period and which notice
        (:class:`~itsm_core.sla.ServicePeriodNotice`).
    """
