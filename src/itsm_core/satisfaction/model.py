"""The entities of customer satisfaction and their value objects, in one place.

The model is made of small modules, each with one job, re-exported here:

* :mod:`itsm_core.satisfaction.service_record`: the :class:`ServiceRecord`
  (服务单), a request handled in the provider's ticketing tool, as satisfaction
  follows it through resolution, closure and callbacks;
* :mod:`itsm_core.satisfaction.callback`: the :class:`Callback`, one entry of
  the callback register (回访登记表), and its :class:`CallbackAttempt` s;
* :mod:`itsm_core.satisfaction.customer_profile`: the :class:`CustomerProfile`,
  one customer of the customer register (key customers, 重要客户);
* :mod:`itsm_core.satisfaction.response`: the :class:`Response`, one score
  given on one channel;
* :mod:`itsm_core.satisfaction.campaigns`: the survey :class:`Campaign` and its
  :class:`Invitation` s, with the questionnaire's :class:`Question` s and what a
  campaign reports.

The enumerations (channels, subjects, states) are re-exported here from
:mod:`itsm_core.satisfaction.enums`; the scales a score is given on are
:mod:`itsm_core.satisfaction.scales`; the entities' transition tables are
:mod:`itsm_core.satisfaction.lifecycle`. The entities of the analysis (targets and
standings) are in :mod:`itsm_core.satisfaction.analysis.model`.
"""

from itsm_core.satisfaction.callback import Callback, CallbackAttempt
from itsm_core.satisfaction.campaigns import (
    Answer,
    Campaign,
    Invitation,
    InvitationReport,
    Question,
    Respondent,
    ResponseRate,
    SkippedRespondent,
)
from itsm_core.satisfaction.customer_profile import CustomerProfile
from itsm_core.satisfaction.enums import (
    CallbackKind,
    CallbackOutcome,
    CallbackState,
    CallbackStatus,
    CampaignMotive,
    CampaignState,
    Channel,
    InvitationState,
    RequestKind,
    ServiceRecordState,
    Subject,
    SubjectKind,
    SurveyMethod,
)
from itsm_core.satisfaction.response import Response
from itsm_core.satisfaction.service_record import ServiceRecord, check_order

__all__ = [
    "Answer",
    "Callback",
    "CallbackAttempt",
    "CallbackKind",
    "CallbackOutcome",
    "CallbackState",
    "CallbackStatus",
    "Campaign",
    "CampaignMotive",
    "CampaignState",
    "Channel",
    "CustomerProfile",
    "Invitation",
    "InvitationReport",
    "InvitationState",
    "Question",
    "RequestKind",
    "Respondent",
    "Response",
    "ResponseRate",
    "ServiceRecord",
    "ServiceRecordState",
    "SkippedRespondent",
    "Subject",
    "SubjectKind",
    "SurveyMethod",
    "check_order",
]
