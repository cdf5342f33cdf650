"""SLA clocks on real business calendars (:mod:`itsm_core.calendars`).

Agreements (:class:`Agreement`: SLA, OLA, underpinning contract) hold
:class:`Target` s per service and priority; an :class:`SlaClock` measures one
promise for one subject on a named calendar, with a replayable pause log,
warnings at 50/75/90 %, the breach and its escalation chain
(:data:`BREACH_CHAIN`); :class:`SlaService` (``core.sla``) runs them and its
``tick`` fires what has come due, each exactly once. Agreements also carry the
contract's :class:`ServicePeriod` and its notices.
"""

# Agreements, targets and the SLA clock.
from itsm_core.sla.agreements import (
    DEFAULT_CALENDAR,
    DEFAULT_THRESHOLDS,
    Agreement,
    AgreementKind,
    Target,
    TargetKind,
)
from itsm_core.sla.clock import ClockEntry, ClockReplay, ClockStatus, SlaClock
from itsm_core.sla.clock_lifecycle import CLOCK_LIFECYCLE, ClockAction, ClockState
from itsm_core.sla.notifications import (
    BREACH_CHAIN,
    EscalationStep,
    NotificationLevel,
    SlaNotification,
)
from itsm_core.sla.periods import PeriodNoticeKind, ServicePeriod, ServicePeriodNotice
from itsm_core.sla.service import SlaService, TickFailure, TickReport
from itsm_core.sla.storage import AGREEMENT_SPEC, CLOCK_SPEC

__all__ = [
    "AGREEMENT_SPEC",
    "BREACH_CHAIN",
    "CLOCK_LIFECYCLE",
    "CLOCK_SPEC",
    "DEFAULT_CALENDAR",
    "DEFAULT_THRESHOLDS",
    "Agreement",
    "AgreementKind",
    "ClockAction",
    "ClockEntry",
    "ClockReplay",
    "ClockState",
    "ClockStatus",
    "EscalationStep",
    "NotificationLevel",
    "PeriodNoticeKind",
    "ServicePeriod",
    "ServicePeriodNotice",
    "SlaClock",
    "SlaNotification",
    "SlaService",
    "Target",
    "TargetKind",
    "TickFailure",
    "TickReport",
]
