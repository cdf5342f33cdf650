"""How complaints and praise are stored: records and index fields.

The records are derived from the entities' attrs fields (see
:meth:`~itsm_core.storage.AggregateSpec.of`). The index fields are what the public
queries use (by state, customer, party complained about, source; open and
overdue improvements; callbacks due). The complainant is deliberately *not*
indexed: a column with an internal complainant's identity would leak it.
"""

from __future__ import annotations

from datetime import datetime

from itsm_core.complaints.enums import ComplaintState
from itsm_core.complaints.model import Complaint, Praise
from itsm_core.storage.base import AggregateSpec, IndexField

__all__ = ["COMPLAINT_SPEC", "PRAISE_SPEC"]


def _improvement_open(c: Complaint) -> bool:
    return c.improvement is not None and c.improvement.is_open


def _improvement_due(c: Complaint) -> datetime | None:
    return c.improvement.due_at if c.improvement is not None else None


def _improvement_owner(c: Complaint) -> str | None:
    return c.improvement.owner if c.improvement is not None else None


_AWAITING_CALLBACK = frozenset({ComplaintState.HANDLED, ComplaintState.FEEDBACK_GIVEN})


def _callback_pending(c: Complaint) -> bool:
    return c.callback_due_at is not None and c.state in _AWAITING_CALLBACK


COMPLAINT_SPEC: AggregateSpec[Complaint] = AggregateSpec.of(
    Complaint,
    kind=Complaint.KIND,
    record_version=1,
    index=(
        IndexField("state", "str", lambda c: c.state.value),
        IndexField("origin", "str", lambda c: c.origin.value),
        IndexField("channel", "str", lambda c: c.channel.value),
        IndexField("source", "str", lambda c: c.source.value),
        IndexField("severity", "str", lambda c: c.severity.value),
        IndexField("customer", "str", lambda c: c.customer),
        IndexField("party_complained_about", "str", lambda c: c.party_complained_about),
        IndexField("relationship_manager", "str", lambda c: c.relationship_manager),
        IndexField("source_ref", "str", lambda c: c.source_ref),
        IndexField("verdict", "str", lambda c: c.verdict.value if c.verdict else None),
        IndexField("received_at", "datetime", lambda c: c.received_at),
        IndexField("updated_at", "datetime", lambda c: c.updated_at),
        IndexField("closed", "bool", lambda c: c.is_closed),
        IndexField("improvement_open", "bool", _improvement_open),
        IndexField("improvement_due_at", "datetime", _improvement_due),
        IndexField("improvement_owner", "str", _improvement_owner),
        IndexField("callback_pending", "bool", _callback_pending),
        IndexField("callback_due_at", "datetime", lambda c: c.callback_due_at),
        IndexField("closed_at", "datetime", lambda c: c.closed_at),
    ),
)
"""The storage spec of complaints (kind ``"complaint"``)."""


PRAISE_SPEC: AggregateSpec[Praise] = AggregateSpec.of(
    Praise,
    kind=Praise.KIND,
    record_version=1,
    index=(
        IndexField("customer", "str", lambda p: p.customer),
        IndexField("praised_party", "str", lambda p: p.praised_party),
        IndexField("channel", "str", lambda p: p.channel.value),
        IndexField("received_at", "datetime", lambda p: p.received_at),
    ),
)
"""The storage spec of praise (kind ``"praise"``), apart from complaints."""
