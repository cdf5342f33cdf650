"""Customer service reviews (the service review process): plans, reviews, their records.

Use it through the facade: ``core.reviews`` is a :class:`ReviewService`. A
review is planned (by hand or by a customer's :class:`ReviewPlan`), prepared,
held (under the attendance rule), minuted, reported — its actions become
improvement items of source ``service_review`` — and closed; the lifecycle
is data (:data:`~itsm_core.reviews.lifecycle.TRANSITIONS`).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itsm_core.reviews.enums import (
        Cadence,
        OpinionKind,
        ParticipantRole,
        PlanState,
        ReviewForm,
        ReviewState,
    )
    from itsm_core.reviews.lifecycle import LIFECYCLE, PLAN_LIFECYCLE, ROLES, TRANSITIONS
    from itsm_core.reviews.model import ServiceReview
    from itsm_core.reviews.plans import ReviewPlan, ScheduledPeriod
    from itsm_core.reviews.records import ReviewRecord, ReviewRecordKind
    from itsm_core.reviews.service import ReviewService
    from itsm_core.reviews.storage import PLAN_SPEC, REVIEW_SPEC
    from itsm_core.reviews.values import (
        Opinion,
        Participant,
        Reschedule,
        ReviewAction,
        ReviewProblem,
    )
else:
    from itsm_core.kernel.lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "itsm_core.reviews.enums": (
                "Cadence",
                "OpinionKind",
                "ParticipantRole",
                "PlanState",
                "ReviewForm",
                "ReviewState",
            ),
            "itsm_core.reviews.lifecycle": ("LIFECYCLE", "PLAN_LIFECYCLE", "ROLES", "TRANSITIONS"),
            "itsm_core.reviews.model": ("ServiceReview",),
            "itsm_core.reviews.plans": ("ReviewPlan", "ScheduledPeriod"),
            "itsm_core.reviews.records": ("ReviewRecord", "ReviewRecordKind"),
            "itsm_core.reviews.service": ("ReviewService",),
            "itsm_core.reviews.storage": ("PLAN_SPEC", "REVIEW_SPEC"),
            "itsm_core.reviews.values": (
                "Opinion",
                "Participant",
                "Reschedule",
                "ReviewAction",
                "ReviewProblem",
            ),
        },
    )

__all__ = [
    "LIFECYCLE",
    "PLAN_LIFECYCLE",
    "PLAN_SPEC",
    "REVIEW_SPEC",
    "ROLES",
    "TRANSITIONS",
    "Cadence",
    "Opinion",
    "OpinionKind",
    "Participant",
    "ParticipantRole",
    "PlanState",
    "Reschedule",
    "ReviewAction",
    "ReviewForm",
    "ReviewPlan",
    "ReviewProblem",
    "ReviewRecord",
    "ReviewRecordKind",
    "ReviewService",
    "ReviewState",
    "ScheduledPeriod",
    "ServiceReview",
]
