"""Customer communications: notices and proactive feedback.

Use it through the facade: ``core.communications`` is a
:class:`CommunicationsService` with two sub-services.
``core.communications.notices`` sends change notices and planned-outage
announcements to the customers a change affects, calls the key and main
affected customers and records every acknowledgement;
``core.communications.feedback`` keeps the customers of key customers'
requests, important requests and urgent incidents informed at an agreed
interval; ``core.communications.relationships`` analyses a customer's
recurring requests and records what it proposes as improvement items.
Notices and feedback run their promises on SLA clocks; the lifecycles are data
(:data:`NOTICE_TRANSITIONS`, :data:`FEEDBACK_TRANSITIONS`).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itsm_core.communications.enums import (
        ContactChannel,
        FeedbackReason,
        FeedbackState,
        NoticeKind,
        NoticeState,
        ProposalKind,
    )
    from itsm_core.communications.lifecycle import (
        FEEDBACK_LIFECYCLE,
        FEEDBACK_TRANSITIONS,
        NOTICE_LIFECYCLE,
        NOTICE_TRANSITIONS,
    )
    from itsm_core.communications.model import (
        CallAttempt,
        CustomerNotice,
        ProactiveFeedback,
        ProgressUpdate,
        Recipient,
    )
    from itsm_core.communications.notices import NoticeService
    from itsm_core.communications.proactive import FeedbackService
    from itsm_core.communications.relationship import (
        Cause,
        Proposal,
        Recurrence,
        RelationshipAnalysis,
    )
    from itsm_core.communications.relationships import RelationshipService
    from itsm_core.communications.service import CommunicationsService
    from itsm_core.communications.storage import (
        COMMUNICATION_SPECS,
        FEEDBACK_SPEC,
        NOTICE_SPEC,
        RELATIONSHIP_SPEC,
    )
else:
    from itsm_core.kernel.lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "itsm_core.communications.enums": (
                "ContactChannel",
                "FeedbackReason",
                "FeedbackState",
                "NoticeKind",
                "NoticeState",
                "ProposalKind",
            ),
            "itsm_core.communications.lifecycle": (
                "FEEDBACK_LIFECYCLE",
                "FEEDBACK_TRANSITIONS",
                "NOTICE_LIFECYCLE",
                "NOTICE_TRANSITIONS",
            ),
            "itsm_core.communications.model": (
                "CallAttempt",
                "CustomerNotice",
                "ProactiveFeedback",
                "ProgressUpdate",
                "Recipient",
            ),
            "itsm_core.communications.notices": ("NoticeService",),
            "itsm_core.communications.proactive": ("FeedbackService",),
            "itsm_core.communications.relationship": (
                "Cause",
                "Proposal",
                "Recurrence",
                "RelationshipAnalysis",
            ),
            "itsm_core.communications.relationships": ("RelationshipService",),
            "itsm_core.communications.service": ("CommunicationsService",),
            "itsm_core.communications.storage": (
                "COMMUNICATION_SPECS",
                "FEEDBACK_SPEC",
                "NOTICE_SPEC",
                "RELATIONSHIP_SPEC",
            ),
        },
    )

__all__ = [
    "COMMUNICATION_SPECS",
    "FEEDBACK_LIFECYCLE",
    "FEEDBACK_SPEC",
    "FEEDBACK_TRANSITIONS",
    "NOTICE_LIFECYCLE",
    "NOTICE_SPEC",
    "NOTICE_TRANSITIONS",
    "RELATIONSHIP_SPEC",
    "CallAttempt",
    "Cause",
    "CommunicationsService",
    "ContactChannel",
    "CustomerNotice",
    "FeedbackReason",
    "FeedbackService",
    "FeedbackState",
    "NoticeKind",
    "NoticeService",
    "NoticeState",
    "ProactiveFeedback",
    "ProgressUpdate",
    "Proposal",
    "ProposalKind",
    "Recipient",
    "Recurrence",
    "RelationshipAnalysis",
    "RelationshipService",
]
