"""Shared helpers for the SLA clock, agreement, tick and period tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from itsm_core import Actor, FrozenClock, ItsmCore, Role
from itsm_core.calendars import BusinessCalendar
from itsm_core.kernel.errors import ValidationError
from itsm_core.sla import EscalationStep, ServicePeriodNotice, SlaNotification, Target
from itsm_core.testing import RecordingNotifier

SH = ZoneInfo("Asia/Shanghai")

#: Monday 2025-09-22 09:00 in Shanghai. That week Sunday 28 September is a makeup
#: working day (调休); National Day runs 1-8 October; Saturday 11 October is worked.
MON = datetime(2025, 9, 22, 9, 0, tzinfo=SH)

#: Mainland China, Mon-Fri 09:00-12:00 and 13:30-18:00, official data to 2026.
CN = BusinessCalendar.china()
#: Always open, in Shanghai time.
ALWAYS = BusinessCalendar.always_open("Asia/Shanghai")

CALENDARS = {"default": ALWAYS, "cn": CN}


def lookup(name: str) -> BusinessCalendar:
    """A calendar lookup for entity-level tests."""
    try:
        return CALENDARS[name]
    except KeyError:
        raise ValidationError(f"no calendar {name!r}", field="calendar") from None


DESK = Actor("desk-1", [Role.SERVICE_DESK], "服务台")
ENGINEER = Actor("eng-1", [Role.ENGINEER], "工程师")
MANAGER = Actor("im-1", [Role.INCIDENT_MANAGER], "事件经理")
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER], "用户关系经理")
CUSTOMER = Actor("cust-1", [Role.CUSTOMER], "客户")

H = timedelta(hours=1)


def target(
    hours: float = 4,
    *,
    kind: str = "resolution",
    service: str = "desktop",
    priority: str = "P2",
    calendar: str = "cn",
    thresholds: Iterable[float] = (0.5, 0.75, 0.9),
) -> Target:
    """A target of ``hours`` business hours."""
    return Target(
        service,
        priority,
        kind,
        timedelta(hours=hours),
        calendar=calendar,
        thresholds=tuple(thresholds),
    )


class Notifier(RecordingNotifier):
    """A recording notifier with the SLA area's deliveries by kind."""

    @property
    def warnings(self) -> list[SlaNotification]:
        return self.calls_of("itsm_sla_warning")

    @property
    def breaches(self) -> list[SlaNotification]:
        return self.calls_of("itsm_sla_breach")

    @property
    def notices(self) -> list[ServicePeriodNotice]:
        return self.calls_of("itsm_service_period_notice")

    def steps(self) -> list[EscalationStep]:
        return [n.step for n in self.breaches]

    def sla_events(self) -> list[str]:
        return [name for name in self.names() if name.startswith("sla_")]


def make_core(
    clock: FrozenClock,
    *plugins: object,
    calendar: BusinessCalendar | None = None,
    storage_url: str = "memory://",
) -> ItsmCore:
    """A facade with the CN calendar registered as ``"cn"``."""
    return ItsmCore(
        storage_url,
        clock=clock,
        plugins=list(plugins),
        load_entrypoints=False,
        calendar=calendar,
        calendars={"cn": CN},
    )
