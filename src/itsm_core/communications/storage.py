"""How customer notices and proactive feedback are stored: the records and the index fields.

The records are derived from the entities' attrs fields (see
:meth:`~itsm_core.storage.AggregateSpec.of`). Revision 0010 creates the three tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itsm_core.storage.base import AggregateSpec, IndexField

if TYPE_CHECKING:
    from itsm_core.communications.feedback import ProactiveFeedback
    from itsm_core.communications.notice import CustomerNotice
    from itsm_core.communications.relationship import RelationshipAnalysis

__all__ = ["COMMUNICATION_SPECS", "FEEDBACK_SPEC", "NOTICE_SPEC", "RELATIONSHIP_SPEC"]


NOTICE_SPEC: AggregateSpec[CustomerNotice] = AggregateSpec.of(
    "itsm_core.communications.notice:CustomerNotice",
    kind="customer_notice",
    record_version=1,
    index=(
        IndexField("state", "str", lambda n: n.state.value),
        IndexField("notice_kind", "str", lambda n: n.kind.value),
        IndexField("change_id", "str", lambda n: n.change_id),
        IndexField("open", "bool", lambda n: n.is_open),
        IndexField("starts_at", "datetime", lambda n: n.starts_at),
        IndexField("created_at", "datetime", lambda n: n.created_at),
        IndexField("issued_at", "datetime", lambda n: n.issued_at),
        IndexField("recipient_count", "int", lambda n: len(n.recipients)),
        IndexField("to_call", "int", lambda n: len(n.to_call)),
    ),
)
"""The storage spec of customer notices (kind ``"customer_notice"``)."""

FEEDBACK_SPEC: AggregateSpec[ProactiveFeedback] = AggregateSpec.of(
    "itsm_core.communications.feedback:ProactiveFeedback",
    kind="proactive_feedback",
    record_version=1,
    index=(
        IndexField("state", "str", lambda f: f.state.value),
        IndexField("record_id", "str", lambda f: f.record_id),
        IndexField("customer", "str", lambda f: f.customer),
        IndexField("reason", "str", lambda f: f.reason.value),
        IndexField("next_due_at", "datetime", lambda f: f.next_due_at),
        IndexField("created_at", "datetime", lambda f: f.created_at),
        IndexField("missed", "int", lambda f: f.missed),
    ),
)
"""The storage spec of proactive feedback (kind ``"proactive_feedback"``)."""

RELATIONSHIP_SPEC: AggregateSpec[RelationshipAnalysis] = AggregateSpec.of(
    "itsm_core.communications.relationship:RelationshipAnalysis",
    kind="relationship_analysis",
    record_version=1,
    index=(
        IndexField("customer", "str", lambda a: a.customer),
        IndexField("run_by", "str", lambda a: a.run_by),
        IndexField("run_at", "datetime", lambda a: a.run_at),
        IndexField("period_start", "datetime", lambda a: a.period_start),
        IndexField("period_end", "datetime", lambda a: a.period_end),
        IndexField("proposal_count", "int", lambda a: len(a.proposals)),
    ),
)
"""The storage spec of customer relationship analyses (kind ``"relationship_analysis"``)."""

COMMUNICATION_SPECS: tuple[AggregateSpec[Any], ...] = (
    NOTICE_SPEC,
    FEEDBACK_SPEC,
    RELATIONSHIP_SPEC,
)
"""Every aggregate kind of customer communications."""
