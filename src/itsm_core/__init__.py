"""itsm_core: the domain core of business relationship management for IT service providers.

Complaints from receipt to a verified improvement, customer satisfaction on
four channels, service reviews, and SLA clocks on real business calendars,
as China's ITSS / ISO 20000 practice defines them.

``import itsm_core`` is cheap: the names below are loaded on first use, and
so are the names of each area's package. ``from itsm_core import ItsmCore``
loads the areas' storage specs, which name their entity classes by import
path: opening a store loads no entity, and the areas' services (with their
entities) are loaded on the facade's first use of one. So a
tool that only needs part of the library, such as the schema command, does
not pay for the rest.

The library logs under ``itsm_core`` (one child logger per area, see
:mod:`itsm_core.kernel.logs`), which has a :class:`logging.NullHandler`.
"""

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from itsm_core.calendars import BusinessCalendar
    from itsm_core.complaints import (
        Complainant,
        Complaint,
        ComplaintChannel,
        ComplaintPolicy,
        ComplaintService,
        ComplaintSource,
        ComplaintState,
        Origin,
        Praise,
        RecordKind,
        SeedRecord,
        Severity,
        Verdict,
    )
    from itsm_core.facade import ItsmCore
    from itsm_core.hookspecs import hookimpl
    from itsm_core.improvements import (
        ImprovementItem,
        ImprovementService,
        ImprovementSource,
        ImprovementState,
        QualityIndicator,
    )
    from itsm_core.kernel.actors import SYSTEM, Actor, Role
    from itsm_core.kernel.clock import Clock, FrozenClock, SystemClock
    from itsm_core.kernel.errors import (
        AccessDenied,
        AlreadyDone,
        AttendanceIncomplete,
        CalendarDataMissing,
        CalendarError,
        ConflictError,
        DomainError,
        IdempotencyKeyReused,
        InvalidRow,
        InvalidTransition,
        ItsmError,
        NotFound,
        PluginError,
        SchemaOutOfDate,
        StorageError,
        UnknownBackend,
        ValidationError,
    )
    from itsm_core.kernel.events import DomainEvent
    from itsm_core.kernel.labels import Labelled
    from itsm_core.kernel.retry import retry_on_conflict
    from itsm_core.reviews import (
        Cadence,
        ParticipantRole,
        ReviewForm,
        ReviewPlan,
        ReviewService,
        ReviewState,
        ServiceReview,
    )
    from itsm_core.satisfaction import (
        Answer,
        CallbackOutcome,
        CampaignMotive,
        CustomerProfile,
        Question,
        Respondent,
        Satisfaction,
        SatisfactionPolicy,
        SatisfactionService,
        Scale,
        Score,
        ServiceRecord,
        SurveyMethod,
        get_scale,
    )
    from itsm_core.sla import (
        Agreement,
        AgreementKind,
        ClockState,
        EscalationStep,
        ServicePeriod,
        ServicePeriodNotice,
        SlaClock,
        SlaNotification,
        SlaService,
        Target,
        TargetKind,
    )
    from itsm_core.storage.sealing import EncryptionKeys, KeyRotation

__version__ = "0.2.0"

logging.getLogger("itsm_core").addHandler(logging.NullHandler())

__all__ = [
    "SYSTEM",
    "AccessDenied",
    "Actor",
    "Agreement",
    "AgreementKind",
    "AlreadyDone",
    "Answer",
    "AttendanceIncomplete",
    "BusinessCalendar",
    "Cadence",
    "CalendarDataMissing",
    "CalendarError",
    "CallbackOutcome",
    "CampaignMotive",
    "Clock",
    "ClockState",
    "Complainant",
    "Complaint",
    "ComplaintChannel",
    "ComplaintPolicy",
    "ComplaintService",
    "ComplaintSource",
    "ComplaintState",
    "ConflictError",
    "CustomerProfile",
    "DomainError",
    "DomainEvent",
    "EncryptionKeys",
    "EscalationStep",
    "FrozenClock",
    "IdempotencyKeyReused",
    "ImprovementItem",
    "ImprovementService",
    "ImprovementSource",
    "ImprovementState",
    "InvalidRow",
    "InvalidTransition",
    "ItsmCore",
    "ItsmError",
    "KeyRotation",
    "Labelled",
    "NotFound",
    "Origin",
    "ParticipantRole",
    "PluginError",
    "Praise",
    "QualityIndicator",
    "Question",
    "RecordKind",
    "Respondent",
    "ReviewForm",
    "ReviewPlan",
    "ReviewService",
    "ReviewState",
    "Role",
    "Satisfaction",
    "SatisfactionPolicy",
    "SatisfactionService",
    "Scale",
    "SchemaOutOfDate",
    "Score",
    "SeedRecord",
    "ServicePeriod",
    "ServicePeriodNotice",
    "ServiceRecord",
    "ServiceReview",
    "Severity",
    "SlaClock",
    "SlaNotification",
    "SlaService",
    "StorageError",
    "SurveyMethod",
    "SystemClock",
    "Target",
    "TargetKind",
    "UnknownBackend",
    "ValidationError",
    "Verdict",
    "__version__",
    "get_scale",
    "hookimpl",
    "retry_on_conflict",
]

_EXPORTS: dict[str, str] = {
    "AccessDenied": "itsm_core.kernel.errors",
    "AlreadyDone": "itsm_core.kernel.errors",
    "EncryptionKeys": "itsm_core.storage.sealing",
    "KeyRotation": "itsm_core.storage.sealing",
    "IdempotencyKeyReused": "itsm_core.kernel.errors",
    "Actor": "itsm_core.kernel.actors",
    "Agreement": "itsm_core.sla",
    "AgreementKind": "itsm_core.sla",
    "Answer": "itsm_core.satisfaction",
    "AttendanceIncomplete": "itsm_core.kernel.errors",
    "BusinessCalendar": "itsm_core.calendars",
    "Cadence": "itsm_core.reviews",
    "CalendarDataMissing": "itsm_core.kernel.errors",
    "CalendarError": "itsm_core.kernel.errors",
    "CallbackOutcome": "itsm_core.satisfaction",
    "CampaignMotive": "itsm_core.satisfaction",
    "Clock": "itsm_core.kernel.clock",
    "ClockState": "itsm_core.sla",
    "Complainant": "itsm_core.complaints",
    "Complaint": "itsm_core.complaints",
    "ComplaintChannel": "itsm_core.complaints",
    "ComplaintPolicy": "itsm_core.complaints",
    "ComplaintService": "itsm_core.complaints",
    "ComplaintSource": "itsm_core.complaints",
    "ComplaintState": "itsm_core.complaints",
    "ConflictError": "itsm_core.kernel.errors",
    "CustomerProfile": "itsm_core.satisfaction",
    "DomainError": "itsm_core.kernel.errors",
    "DomainEvent": "itsm_core.kernel.events",
    "EscalationStep": "itsm_core.sla",
    "FrozenClock": "itsm_core.kernel.clock",
    "ImprovementItem": "itsm_core.improvements",
    "ImprovementService": "itsm_core.improvements",
    "ImprovementSource": "itsm_core.improvements",
    "ImprovementState": "itsm_core.improvements",
    "InvalidRow": "itsm_core.kernel.errors",
    "InvalidTransition": "itsm_core.kernel.errors",
    "ItsmCore": "itsm_core.facade",
    "ItsmError": "itsm_core.kernel.errors",
    "Labelled": "itsm_core.kernel.labels",
    "NotFound": "itsm_core.kernel.errors",
    "Origin": "itsm_core.complaints",
    "ParticipantRole": "itsm_core.reviews",
    "PluginError": "itsm_core.kernel.errors",
    "Praise": "itsm_core.complaints",
    "QualityIndicator": "itsm_core.improvements",
    "Question": "itsm_core.satisfaction",
    "RecordKind": "itsm_core.complaints",
    "Respondent": "itsm_core.satisfaction",
    "ReviewForm": "itsm_core.reviews",
    "ReviewPlan": "itsm_core.reviews",
    "ReviewService": "itsm_core.reviews",
    "ReviewState": "itsm_core.reviews",
    "Role": "itsm_core.kernel.actors",
    "SYSTEM": "itsm_core.kernel.actors",
    "Satisfaction": "itsm_core.satisfaction",
    "SatisfactionPolicy": "itsm_core.satisfaction",
    "SatisfactionService": "itsm_core.satisfaction",
    "Scale": "itsm_core.satisfaction",
    "SchemaOutOfDate": "itsm_core.kernel.errors",
    "Score": "itsm_core.satisfaction",
    "SeedRecord": "itsm_core.complaints",
    "ServicePeriod": "itsm_core.sla",
    "ServicePeriodNotice": "itsm_core.sla",
    "ServiceRecord": "itsm_core.satisfaction",
    "ServiceReview": "itsm_core.reviews",
    "Severity": "itsm_core.complaints",
    "SlaClock": "itsm_core.sla",
    "SlaNotification": "itsm_core.sla",
    "SlaService": "itsm_core.sla",
    "StorageError": "itsm_core.kernel.errors",
    "SurveyMethod": "itsm_core.satisfaction",
    "SystemClock": "itsm_core.kernel.clock",
    "Target": "itsm_core.sla",
    "TargetKind": "itsm_core.sla",
    "UnknownBackend": "itsm_core.kernel.errors",
    "ValidationError": "itsm_core.kernel.errors",
    "Verdict": "itsm_core.complaints",
    "get_scale": "itsm_core.satisfaction",
    "hookimpl": "itsm_core.hookspecs",
    "retry_on_conflict": "itsm_core.kernel.retry",
}
"""Each public name and the module that defines it, loaded on first use."""


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'itsm_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
