"""How improvement items are stored: the record and the index fields.

The record is the whole state as JSON-able data and round-trips exactly
through :func:`item_from_record`. The index fields are what the register's
queries use: source kind and reference, owner, state, due instant, service
and customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from itsm_core.improvements.model import ImprovementItem
from itsm_core.improvements.values import FollowUp, ProgressNote, QualityIndicator
from itsm_core.kernel.codec import instant, iso, optional_instant
from itsm_core.storage.base import AggregateSpec, IndexField

__all__ = ["IMPROVEMENT_SPEC", "item_from_record", "item_to_record"]


def item_to_record(item: ImprovementItem) -> dict[str, Any]:
    """Return the whole state of ``item`` as JSON-able data."""
    return {
        "id": item.id,
        "version": item.version,
        "state": item.state.value,
        "source_kind": item.source_kind.value,
        "source_ref": item.source_ref,
        "description": item.description,
        "quality_indicators": [q.to_dict() for q in item.quality_indicators],
        "owner": item.owner,
        "issued_by": item.issued_by,
        "issued_at": item.issued_at.isoformat(),
        "due_at": item.due_at.isoformat(),
        "business_unit": item.business_unit,
        "cause": item.cause,
        "service": item.service,
        "customer": item.customer,
        "updated_at": item.updated_at.isoformat(),
        "extensions": item.extensions,
        "follow_ups": [f.to_dict() for f in item.follow_ups],
        "progress": [p.to_dict() for p in item.progress],
        "decision": item.decision,
        "decided_by": item.decided_by,
        "concluded_at": iso(item.concluded_at),
        "cancel_reason": item.cancel_reason,
    }


def item_from_record(r: Mapping[str, Any]) -> ImprovementItem:
    """Rebuild an item from :func:`item_to_record` output."""
    return ImprovementItem(
        id=r["id"],
        version=int(r["version"]),
        state=r["state"],
        source_kind=r["source_kind"],
        source_ref=r["source_ref"],
        description=r["description"],
        quality_indicators=[QualityIndicator.from_dict(q) for q in r["quality_indicators"]],
        owner=r["owner"],
        issued_by=r["issued_by"],
        issued_at=instant(r["issued_at"]),
        due_at=instant(r["due_at"]),
        business_unit=r.get("business_unit", ""),
        cause=r.get("cause", ""),
        service=r.get("service"),
        customer=r.get("customer"),
        updated_at=instant(r["updated_at"]),
        extensions=int(r.get("extensions", 0)),
        follow_ups=[FollowUp.from_dict(f) for f in r.get("follow_ups", ())],
        progress=[ProgressNote.from_dict(p) for p in r.get("progress", ())],
        decision=r.get("decision"),
        decided_by=r.get("decided_by"),
        concluded_at=optional_instant(r.get("concluded_at")),
        cancel_reason=r.get("cancel_reason"),
    )


IMPROVEMENT_SPEC: AggregateSpec[ImprovementItem] = AggregateSpec(
    kind=ImprovementItem.KIND,
    entity_type=ImprovementItem,
    to_record=item_to_record,
    from_record=item_from_record,
    index=(
        IndexField("state", "str", lambda i: i.state.value),
        IndexField("source_kind", "str", lambda i: i.source_kind.value),
        IndexField("source_ref", "str", lambda i: i.source_ref),
        IndexField("owner", "str", lambda i: i.owner),
        IndexField("open", "bool", lambda i: i.is_open),
        IndexField("due_at", "datetime", lambda i: i.due_at),
        IndexField("issued_at", "datetime", lambda i: i.issued_at),
        IndexField("service", "str", lambda i: i.service),
        IndexField("customer", "str", lambda i: i.customer),
        IndexField("business_unit", "str", lambda i: i.business_unit or None),
    ),
)
"""The storage spec of improvement items (kind ``"improvement_item"``)."""
