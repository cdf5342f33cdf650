"""What plug-ins receive when a promise is at risk or broken.

When a promised time is broken, the system notifies the service desk
automatically; the desk chases the handler, escalates to the handler's
superior, and tells and reassures the customer. The library delivers this
**breach chain** as three distinct notifications, one per
:class:`EscalationStep`, through the hook ``itsm_sla_breach``; a plug-in acts
on the steps it handles (a pager for the desk, a mail to the superior, an SMS
to the customer). Warnings (50 %, 75 %, 90 % by default) go to the service desk
through ``itsm_sla_warning``.

Delivery comes from the committed domain events (``sla_clock.warning``,
``sla_clock.breached``, ``sla_agreement.period_notice``) through the outbox
relay (:func:`sla_hook_calls` is the relay's dispatcher): at least once per
plug-in and step, retried with backoff when a plug-in raises, never undoing the
committed change. :attr:`SlaNotification.key` is the idempotency key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from itsm_core.kernel.codec import optional_instant
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.labels import Labelled, Language
from itsm_core.outbox import HookCall
from itsm_core.sla.agreements import TargetKind
from itsm_core.sla.periods import PeriodNoticeKind, ServicePeriodNotice

__all__ = [
    "BREACH_CHAIN",
    "EscalationStep",
    "NotificationLevel",
    "SlaNotification",
    "sla_hook_calls",
]


class NotificationLevel(Labelled):
    """How serious a notification is."""

    #: A warning threshold was reached; the promise still holds.
    WARNING = "warning", "预警", "warning"
    #: The promised time has passed (超时).
    BREACH = "breach", "超时", "breach"


class EscalationStep(Labelled):
    """One step of the breach chain: the desk, the handler's superior, the customer."""

    #: Notify the service desk, which chases the handler (通知服务台督促).
    SERVICE_DESK = "service_desk", "通知服务台", "notify the service desk"
    #: Escalate to the handler's superior (通告升级给处理人相关领导).
    SUPERIOR = "superior", "升级至处理人上级", "escalate to the handler's superior"
    #: Tell and reassure the customer (通告客户，对客户进行安抚).
    CUSTOMER = "customer", "通知并安抚客户", "inform and reassure the customer"


#: The breach chain, in order: each step is a distinct ``itsm_sla_breach`` call.
BREACH_CHAIN: tuple[EscalationStep, ...] = (
    EscalationStep.SERVICE_DESK,
    EscalationStep.SUPERIOR,
    EscalationStep.CUSTOMER,
)


@attrs.frozen
class SlaNotification:
    """One notification of the SLA clock, for one step.

    :param key: the idempotency key: the event id, plus ``":<step>"`` for a breach.
    :param event_id: the committed event it comes from.
    :param level: warning or breach.
    :param step: who is to act (a warning always goes to the service desk).
    :param threshold: the level reached, as a fraction of the target (1.0 = breach).
    :param clock_id: the SLA clock.
    :param subject_kind: what the clock is for (``"ticket"``, ``"complaint"``...).
    :param subject_id: its id.
    :param target: which promise.
    :param service: the target's service.
    :param priority: the target's priority.
    :param agreement_id: the agreement the target comes from, if any.
    :param handler: who handles the subject, if the clock knows.
    :param customer: the customer to inform, if the clock knows.
    :param budget: the promised business time.
    :param due_at: the instant the level was reached.
    :param deadline: the instant the target is (or was) due.
    :param occurred_at: when the clock recorded it (the tick that found it due).
    """

    key: str
    event_id: str
    level: NotificationLevel
    step: EscalationStep
    threshold: float
    clock_id: str
    subject_kind: str
    subject_id: str
    target: TargetKind
    service: str
    priority: str
    agreement_id: str | None
    handler: str | None
    customer: str | None
    budget: timedelta
    due_at: datetime
    deadline: datetime | None
    occurred_at: datetime

    @property
    def percent(self) -> int:
        """The level in per cent (50, 75, 90, 100)."""
        return round(self.threshold * 100)

    def message(self, lang: Language = "zh") -> str:
        """A one-line text for a message to the step's recipient.

        :param lang: ``"zh"`` (default) or ``"en"``.
        """
        subject = f"{self.subject_kind} {self.subject_id}"
        what = self.target.label(lang)
        due = self.due_at.isoformat(timespec="minutes")
        if lang == "en":
            if self.level is NotificationLevel.WARNING:
                return (
                    f"SLA warning: {subject} has used {self.percent}% of its {what} "
                    f"({self.service}/{self.priority}) at {due}"
                )
            return f"SLA breach: {subject} missed its {what} at {due} — {self.step.en}"
        if self.level is NotificationLevel.WARNING:
            return (
                f"SLA 预警：{subject} 的{what}已用去 {self.percent}%"
                f"（{self.service}/{self.priority}，{due}）"
            )
        return f"SLA 超时：{subject} 的{what}已于 {due} 超时——{self.step.zh}"

    @classmethod
    def from_event(cls, event: DomainEvent, step: EscalationStep) -> SlaNotification:
        """Build the notification for ``step`` from a ``sla_clock.warning`` / ``breached`` event.

        :param event: the committed event.
        :param step: the escalation step.
        """
        p: Mapping[str, Any] = event.payload
        breach = event.name.endswith(".breached")
        due_at = optional_instant(p["due_at"])
        assert due_at is not None
        return cls(
            key=f"{event.event_id}:{step.value}" if breach else event.event_id,
            event_id=event.event_id,
            level=NotificationLevel.BREACH if breach else NotificationLevel.WARNING,
            step=step,
            threshold=float(p["level"]),
            clock_id=event.aggregate_id,
            subject_kind=p["subject_kind"],
            subject_id=p["subject_id"],
            target=TargetKind(p["target"]),
            service=p.get("service", ""),
            priority=p.get("priority", ""),
            agreement_id=p.get("agreement_id"),
            handler=p.get("handler"),
            customer=p.get("customer"),
            budget=timedelta(microseconds=int(p["budget_us"])),
            due_at=due_at,
            deadline=optional_instant(p.get("deadline")),
            occurred_at=event.occurred_at,
        )


def period_notice_from_event(event: DomainEvent) -> ServicePeriodNotice:
    """Build the :class:`~itsm_core.sla.ServicePeriodNotice` of a ``period_notice`` event."""
    p = event.payload
    return ServicePeriodNotice(
        event_id=event.event_id,
        key=event.event_id,
        kind=PeriodNoticeKind(p["notice"]),
        agreement_id=event.aggregate_id,
        agreement_name=p["name"],
        agreement_kind=p["kind"],
        counterparty=p["counterparty"],
        period_start=datetime.fromisoformat(p["period_start"]),
        period_end=datetime.fromisoformat(p["period_end"]),
        due_at=datetime.fromisoformat(p["due_at"]),
        occurred_at=event.occurred_at,
    )


def sla_hook_calls(event: DomainEvent) -> list[HookCall]:
    """The outbox dispatcher of the SLA area: which dedicated hooks an event goes to.

    * ``sla_clock.warning`` → one ``itsm_sla_warning(notification)``;
    * ``sla_clock.breached`` → ``itsm_sla_breach(notification)`` once per step of
      :data:`BREACH_CHAIN`, in order;
    * ``sla_agreement.period_notice`` → one ``itsm_service_period_notice(notice)``.

    :param event: a committed (redacted) event.
    """
    if event.name == "sla_clock.warning":
        notification = SlaNotification.from_event(event, EscalationStep.SERVICE_DESK)
        return [HookCall("itsm_sla_warning", {"notification": notification})]
    if event.name == "sla_clock.breached":
        return [
            HookCall(
                "itsm_sla_breach",
                {"notification": SlaNotification.from_event(event, step)},
                step.value,
            )
            for step in BREACH_CHAIN
        ]
    if event.name == "sla_agreement.period_notice":
        return [HookCall("itsm_service_period_notice", {"notice": period_notice_from_event(event)})]
    return []
