"""itsm_core: the domain core of business relationship management for IT service providers.

Complaints from receipt to a verified improvement, customer satisfaction on
four channels, service reviews, and SLA clocks on real business calendars,
as China's ITSS / ISO 20000 practice defines them.
"""

from itsm_core.actors import SYSTEM, Actor, Role
from itsm_core.clock import Clock, FrozenClock, SystemClock
from itsm_core.complaints import (
    Channel,
    Complainant,
    Complaint,
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
from itsm_core.errors import (
    AccessDenied,
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
from itsm_core.events import DomainEvent
from itsm_core.facade import ItsmCore
from itsm_core.hookspecs import hookimpl
from itsm_core.improvements import ImprovementItem, QualityIndicator
from itsm_core.labels import Labelled
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

__version__ = "0.1.0"

__all__ = [
    "SYSTEM",
    "AccessDenied",
    "Actor",
    "Answer",
    "CalendarDataMissing",
    "CalendarError",
    "CallbackOutcome",
    "CampaignMotive",
    "Channel",
    "Clock",
    "Complainant",
    "Complaint",
    "ComplaintPolicy",
    "ComplaintService",
    "ComplaintSource",
    "ComplaintState",
    "ConflictError",
    "CustomerProfile",
    "DomainError",
    "DomainEvent",
    "FrozenClock",
    "ImprovementItem",
    "InvalidTransition",
    "ItsmCore",
    "ItsmError",
    "Labelled",
    "NotFound",
    "Origin",
    "PluginError",
    "Praise",
    "QualityIndicator",
    "Question",
    "RecordKind",
    "Respondent",
    "Role",
    "Satisfaction",
    "SatisfactionPolicy",
    "SatisfactionService",
    "Scale",
    "SchemaOutOfDate",
    "Score",
    "SeedRecord",
    "ServiceRecord",
    "Severity",
    "StorageError",
    "SurveyMethod",
    "SystemClock",
    "UnknownBackend",
    "ValidationError",
    "Verdict",
    "__version__",
    "get_scale",
    "hookimpl",
]
