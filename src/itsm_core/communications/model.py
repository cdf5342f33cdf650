"""The entities and value objects of customer communications, in one place.

* :mod:`itsm_core.communications.notice`: :class:`CustomerNotice`, a change
  notice or planned-outage announcement with its recipients;
* :mod:`itsm_core.communications.feedback`: :class:`ProactiveFeedback`, the
  progress updates owed to the customer of one request;
* :mod:`itsm_core.communications.relationship`: :class:`RelationshipAnalysis`,
  a customer relationship analysis, with its :class:`Recurrence`,
  :class:`Cause` and :class:`Proposal` values;
* :mod:`itsm_core.communications.values`: :class:`Recipient`,
  :class:`CallAttempt`, :class:`ProgressUpdate`.
"""

from itsm_core.communications.feedback import ProactiveFeedback
from itsm_core.communications.notice import CustomerNotice
from itsm_core.communications.relationship import (
    Cause,
    Proposal,
    Recurrence,
    RelationshipAnalysis,
)
from itsm_core.communications.values import CallAttempt, ProgressUpdate, Recipient

__all__ = [
    "CallAttempt",
    "Cause",
    "CustomerNotice",
    "ProactiveFeedback",
    "ProgressUpdate",
    "Proposal",
    "Recipient",
    "Recurrence",
    "RelationshipAnalysis",
]
