"""SLA clocks on real business calendars (:mod:`itsm_core.calendars`).

Agreements (:class:`Agreement`: SLA, OLA, underpinning contract) hold
:class:`Target` s per service and priority; an :class:`SlaClock` measures one
promise for one subject on a named calendar, with a replayable pause log,
warnings at 50/75/90 %, the breach and its escalation chain
(:data:`BREACH_CHAIN`); :class:`SlaService` (``core.sla``) runs them and its
``tick`` fires what has come due, each exactly once. Agreements also carry the
contract's :class:`ServicePeriod` and its notices.

The area has the shape of every area: :mod:`~itsm_core.sla.model` (the
entities, made of small modules), :mod:`~itsm_core.sla.lifecycle` (the clock's
transition table), :mod:`~itsm_core.sla.service` (the use cases) and
:mod:`~itsm_core.sla.storage`; :mod:`~itsm_core.sla.keeper` runs clocks in
another area's unit of work, :mod:`~itsm_core.sla.tick` does the tick's work.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Agreements, targets and the SLA clock.
    from itsm_core.sla.agreements import (
        DEFAULT_CALENDAR,
        DEFAULT_THRESHOLDS,
        Agreement,
        AgreementKind,
        Target,
        TargetKind,
    )
    from itsm_core.sla.clock import SlaClock
    from itsm_core.sla.clock_log import ClockEntry, ClockReplay, ClockStatus
    from itsm_core.sla.keeper import ClockKeeper
    from itsm_core.sla.lifecycle import CLOCK_LIFECYCLE, ClockAction, ClockState
    from itsm_core.sla.notifications import (
        BREACH_CHAIN,
        EscalationStep,
        NotificationLevel,
        SlaNotification,
    )
    from itsm_core.sla.periods import PeriodNoticeKind, ServicePeriod, ServicePeriodNotice
    from itsm_core.sla.service import SlaService
    from itsm_core.sla.storage import AGREEMENT_SPEC, CLOCK_SPEC
    from itsm_core.sla.tick import TickFailure, TickReport
else:
    from itsm_core.kernel.lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "itsm_core.sla.agreements": (
                "DEFAULT_CALENDAR",
                "DEFAULT_THRESHOLDS",
                "Agreement",
                "AgreementKind",
                "Target",
                "TargetKind",
            ),
            "itsm_core.sla.clock": ("SlaClock",),
            "itsm_core.sla.clock_log": ("ClockEntry", "ClockReplay", "ClockStatus"),
            "itsm_core.sla.keeper": ("ClockKeeper",),
            "itsm_core.sla.lifecycle": ("CLOCK_LIFECYCLE", "ClockAction", "ClockState"),
            "itsm_core.sla.notifications": (
                "BREACH_CHAIN",
                "EscalationStep",
                "NotificationLevel",
                "SlaNotification",
            ),
            "itsm_core.sla.periods": ("PeriodNoticeKind", "ServicePeriod", "ServicePeriodNotice"),
            "itsm_core.sla.service": ("SlaService",),
            "itsm_core.sla.storage": ("AGREEMENT_SPEC", "CLOCK_SPEC"),
            "itsm_core.sla.tick": ("TickFailure", "TickReport"),
        },
    )

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
    "ClockKeeper",
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
