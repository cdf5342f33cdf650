"""Complaints from receipt to a verified improvement, and praise (the complaint process).

Use it through the facade: ``core.complaints`` is a :class:`ComplaintService`.
The lifecycle is data (:data:`~itsm_core.complaints.lifecycle.TRANSITIONS`);
the four seed records are rebuilt from the history
(:mod:`itsm_core.complaints.records`).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itsm_core.complaints._fields import ComplaintFields
    from itsm_core.complaints.access import complaint_id_for
    from itsm_core.complaints.enums import (
        ComplaintChannel,
        ComplaintSource,
        ComplaintState,
        EscalationLevel,
        EscalationStage,
        HandlingLevel,
        Origin,
        Severity,
        Verdict,
    )
    from itsm_core.complaints.lifecycle import LIFECYCLE, TRANSITIONS, Transition
    from itsm_core.complaints.model import (
        Complainant,
        Complaint,
        ComplaintCallback,
        Escalation,
        Finding,
        Praise,
        Statement,
    )
    from itsm_core.complaints.policy import ComplaintPolicy
    from itsm_core.complaints.records import RecordField, RecordKind, RecordTable, SeedRecord
    from itsm_core.complaints.service import ComplaintService
    from itsm_core.complaints.storage import COMPLAINT_SPEC, PRAISE_SPEC
else:
    from itsm_core.kernel.lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "itsm_core.complaints._fields": ("ComplaintFields",),
            "itsm_core.complaints.access": ("complaint_id_for",),
            "itsm_core.complaints.enums": (
                "ComplaintChannel",
                "ComplaintSource",
                "ComplaintState",
                "EscalationLevel",
                "EscalationStage",
                "HandlingLevel",
                "Origin",
                "Severity",
                "Verdict",
            ),
            "itsm_core.complaints.lifecycle": ("LIFECYCLE", "TRANSITIONS", "Transition"),
            "itsm_core.complaints.model": (
                "Complainant",
                "Complaint",
                "ComplaintCallback",
                "Escalation",
                "Finding",
                "Praise",
                "Statement",
            ),
            "itsm_core.complaints.policy": ("ComplaintPolicy",),
            "itsm_core.complaints.records": (
                "RecordField",
                "RecordKind",
                "RecordTable",
                "SeedRecord",
            ),
            "itsm_core.complaints.service": ("ComplaintService",),
            "itsm_core.complaints.storage": ("COMPLAINT_SPEC", "PRAISE_SPEC"),
        },
    )

__all__ = [
    "COMPLAINT_SPEC",
    "LIFECYCLE",
    "PRAISE_SPEC",
    "TRANSITIONS",
    "Complainant",
    "Complaint",
    "ComplaintCallback",
    "ComplaintChannel",
    "ComplaintFields",
    "ComplaintPolicy",
    "ComplaintService",
    "ComplaintSource",
    "ComplaintState",
    "Escalation",
    "EscalationLevel",
    "EscalationStage",
    "Finding",
    "HandlingLevel",
    "Origin",
    "Praise",
    "RecordField",
    "RecordKind",
    "RecordTable",
    "SeedRecord",
    "Severity",
    "Statement",
    "Transition",
    "Verdict",
    "complaint_id_for",
]
