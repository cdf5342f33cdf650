"""itsm_core: the domain core of business relationship management for IT service providers.

Complaints from receipt to a verified improvement, customer satisfaction on
four channels, service reviews, and SLA clocks on real business calendars,
as China's ITSS / ISO 20000 practice defines them.

The library logs under ``itsm_core`` (one child logger per area, see
:mod:`itsm_core.kernel.logs`), which has a :class:`logging.NullHandler`.
"""

import logging

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
    AttendanceIncomplete,
    CalendarDataMissing,
    CalendarError,
    ConflictError,
    DomainError,
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
    "ImprovementItem",
    "ImprovementService",
    "ImprovementSource",
    "ImprovementState",
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
