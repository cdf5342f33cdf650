"""How complaints and praise are stored: records and index fields.

The records are derived from the entities' attrs fields (see
:meth:`~itsm_core.storage.AggregateSpec.of`). Record version 2 refers to the
complaint's improvement item by id (``improvement_id``); version 1, the shape
of 0.1.0, embedded the item (``improvement``). Revision 0004 moves embedded
items out into the improvement register; the upcaster reads a record of
either shape. The index fields are what the public queries use (by state,
customer, party complained about, source; the improvement item; callbacks
due; since revision 0006 the number of escalations and the hours from
receipt to closure, which trend analysis sums in the database). The
complainant is deliberately *not* indexed: a column with an internal
complainant's identity would leak it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itsm_core.storage.base import AggregateSpec, IndexField

if TYPE_CHECKING:
    import itsm_core.complaints.praise
    from itsm_core.complaints.model import Complaint

__all__ = ["COMPLAINT_SPEC", "PRAISE_SPEC", "hours_to_close"]


def _complaint_v1_to_v2(record: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (0.1.0) embedded the improvement item; version 2 keeps its id."""
    embedded = record.pop("improvement", None)
    if "improvement_id" not in record:
        record["improvement_id"] = embedded["id"] if isinstance(embedded, dict) else None
    return record


# the codes of ComplaintState.HANDLED and FEEDBACK_GIVEN (compared as codes, the
# index fields as the rest, so the specs load no enumeration before first use)
_AWAITING_CALLBACK = frozenset({"handled", "feedback_given"})


def hours_to_close(c: Complaint) -> float | None:
    """Wall-clock hours from receipt to closure; None while the complaint is open."""
    if c.closed_at is None:
        return None
    return (c.closed_at - c.received_at).total_seconds() / 3600


def _callback_pending(c: Complaint) -> bool:
    return c.callback_due_at is not None and c.state._value_ in _AWAITING_CALLBACK


# (a member's code is read as ``_value_``: the same string as ``.value``, without
# the enumeration's property lookup, on every save)
COMPLAINT_SPEC: AggregateSpec[Complaint] = AggregateSpec.of(
    "itsm_core.complaints.model:Complaint",
    kind="complaint",
    record_version=2,
    upcasters={1: _complaint_v1_to_v2},
    confidential=lambda c: ("complainant",) if c.is_confidential else (),
    index=(
        IndexField("state", "str", lambda c: c.state._value_),
        IndexField("origin", "str", lambda c: c.origin._value_),
        IndexField("channel", "str", lambda c: c.channel._value_),
        IndexField("source", "str", lambda c: c.source._value_),
        IndexField("severity", "str", lambda c: c.severity._value_),
        IndexField("customer", "str", lambda c: c.customer),
        IndexField("party_complained_about", "str", lambda c: c.party_complained_about),
        IndexField("relationship_manager", "str", lambda c: c.relationship_manager),
        IndexField("source_ref", "str", lambda c: c.source_ref),
        IndexField("verdict", "str", lambda c: None if c.verdict is None else c.verdict._value_),
        IndexField("received_at", "datetime", lambda c: c.received_at),
        IndexField("updated_at", "datetime", lambda c: c.updated_at),
        IndexField("closed", "bool", lambda c: c.is_closed),
        IndexField("improvement_id", "str", lambda c: c.improvement_id),
        IndexField("callback_pending", "bool", _callback_pending),
        IndexField("callback_due_at", "datetime", lambda c: c.callback_due_at),
        IndexField("closed_at", "datetime", lambda c: c.closed_at),
        IndexField("escalations", "int", lambda c: len(c.escalations)),
        IndexField("hours_to_close", "float", hours_to_close),
    ),
)
"""The storage spec of complaints (kind ``"complaint"``)."""


PRAISE_SPEC: AggregateSpec[itsm_core.complaints.praise.Praise] = AggregateSpec.of(
    "itsm_core.complaints.praise:Praise",
    kind="praise",
    record_version=1,
    index=(
        IndexField("customer", "str", lambda p: p.customer),
        IndexField("praised_party", "str", lambda p: p.praised_party),
        IndexField("channel", "str", lambda p: p.channel.value),
        IndexField("received_at", "datetime", lambda p: p.received_at),
    ),
)
"""The storage spec of praise (kind ``"praise"``), apart from complaints."""
