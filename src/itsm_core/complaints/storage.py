"""How complaints and praise are stored: records and index fields.

The record is the whole state as JSON-able data and round-trips exactly
through :func:`complaint_from_record`. The index fields are what the public
queries use (by state, customer, party complained about, source; the
improvement item; callbacks due). The complainant is deliberately *not*
indexed: a column with an internal complainant's identity would leak it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from itsm_core.complaints.enums import ComplaintState
from itsm_core.complaints.model import Complaint
from itsm_core.complaints.praise import Praise
from itsm_core.complaints.values import Complainant, ComplaintCallback, Escalation, Statement
from itsm_core.kernel.codec import iso, optional_instant
from itsm_core.storage.base import AggregateSpec, IndexField

__all__ = [
    "COMPLAINT_SPEC",
    "PRAISE_SPEC",
    "complaint_from_record",
    "complaint_to_record",
    "praise_from_record",
    "praise_to_record",
]


def _statement(value: Statement | None) -> dict[str, Any] | None:
    return None if value is None else value.to_dict()


def _statement_from(value: Mapping[str, Any] | None) -> Statement | None:
    return None if value is None else Statement.from_dict(value)


def complaint_to_record(c: Complaint) -> dict[str, Any]:
    """Return the whole state of ``c`` as JSON-able data."""
    return {
        "id": c.id,
        "version": c.version,
        "state": c.state.value,
        "origin": c.origin.value,
        "channel": c.channel.value,
        "source": c.source.value,
        "severity": c.severity.value,
        "customer": c.customer,
        "complainant": c.complainant.to_dict(),
        "party_complained_about": c.party_complained_about,
        "summary": c.summary,
        "received_at": c.received_at.isoformat(),
        "received_by": c.received_by,
        "updated_at": c.updated_at.isoformat(),
        "source_ref": c.source_ref,
        "relationship_manager": c.relationship_manager,
        "handling_level": c.handling_level.value if c.handling_level else None,
        "handler": c.handler,
        "dispatched_at": iso(c.dispatched_at),
        "dispatched_by": c.dispatched_by,
        "findings": [f.to_dict() for f in c.findings],
        "verdict": c.verdict.value if c.verdict else None,
        "verdict_reason": c.verdict_reason,
        "judged_at": iso(c.judged_at),
        "judged_by": c.judged_by,
        "apology": _statement(c.apology),
        "explanation": _statement(c.explanation),
        "business_unit": c.business_unit,
        "business_unit_result": _statement(c.business_unit_result),
        "project_ref": c.project_ref,
        "registered_at": iso(c.registered_at),
        "resolution": _statement(c.resolution),
        "escalations": [e.to_dict() for e in c.escalations],
        "improvement_id": c.improvement_id,
        "handled_at": iso(c.handled_at),
        "callback_due_at": iso(c.callback_due_at),
        "feedback": _statement(c.feedback),
        "callbacks": [cb.to_dict() for cb in c.callbacks],
        "reopened": c.reopened,
        "findings_at_reopen": c.findings_at_reopen,
        "closed_at": iso(c.closed_at),
        "closed_by": c.closed_by,
    }


def complaint_from_record(r: Mapping[str, Any]) -> Complaint:
    """Rebuild a complaint from :func:`complaint_to_record` output."""
    return Complaint(
        id=r["id"],
        version=int(r["version"]),
        state=r["state"],
        origin=r["origin"],
        channel=r["channel"],
        source=r["source"],
        severity=r["severity"],
        customer=r["customer"],
        complainant=Complainant.from_dict(r["complainant"]),
        party_complained_about=r["party_complained_about"],
        summary=r["summary"],
        received_at=datetime.fromisoformat(r["received_at"]),
        received_by=r["received_by"],
        updated_at=datetime.fromisoformat(r["updated_at"]),
        source_ref=r.get("source_ref"),
        relationship_manager=r.get("relationship_manager"),
        handling_level=r.get("handling_level"),
        handler=r.get("handler"),
        dispatched_at=optional_instant(r.get("dispatched_at")),
        dispatched_by=r.get("dispatched_by"),
        findings=[Statement.from_dict(f) for f in r.get("findings", ())],
        verdict=r.get("verdict"),
        verdict_reason=r.get("verdict_reason"),
        judged_at=optional_instant(r.get("judged_at")),
        judged_by=r.get("judged_by"),
        apology=_statement_from(r.get("apology")),
        explanation=_statement_from(r.get("explanation")),
        business_unit=r.get("business_unit"),
        business_unit_result=_statement_from(r.get("business_unit_result")),
        project_ref=r.get("project_ref"),
        registered_at=optional_instant(r.get("registered_at")),
        resolution=_statement_from(r.get("resolution")),
        escalations=[Escalation.from_dict(e) for e in r.get("escalations", ())],
        improvement_id=r.get("improvement_id"),
        handled_at=optional_instant(r.get("handled_at")),
        callback_due_at=optional_instant(r.get("callback_due_at")),
        feedback=_statement_from(r.get("feedback")),
        callbacks=[ComplaintCallback.from_dict(cb) for cb in r.get("callbacks", ())],
        reopened=int(r.get("reopened", 0)),
        findings_at_reopen=int(r.get("findings_at_reopen", 0)),
        closed_at=optional_instant(r.get("closed_at")),
        closed_by=r.get("closed_by"),
    )


_AWAITING_CALLBACK = frozenset({ComplaintState.HANDLED, ComplaintState.FEEDBACK_GIVEN})


def _callback_pending(c: Complaint) -> bool:
    return c.callback_due_at is not None and c.state in _AWAITING_CALLBACK


COMPLAINT_SPEC: AggregateSpec[Complaint] = AggregateSpec(
    kind=Complaint.KIND,
    entity_type=Complaint,
    to_record=complaint_to_record,
    from_record=complaint_from_record,
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
        IndexField("improvement_id", "str", lambda c: c.improvement_id),
        IndexField("callback_pending", "bool", _callback_pending),
        IndexField("callback_due_at", "datetime", lambda c: c.callback_due_at),
        IndexField("closed_at", "datetime", lambda c: c.closed_at),
    ),
)
"""The storage spec of complaints (kind ``"complaint"``)."""


def praise_to_record(p: Praise) -> dict[str, Any]:
    """Return the whole state of ``p`` as JSON-able data."""
    return {
        "id": p.id,
        "version": p.version,
        "customer": p.customer,
        "praised_party": p.praised_party,
        "summary": p.summary,
        "channel": p.channel.value,
        "praiser": p.praiser,
        "received_at": p.received_at.isoformat(),
        "received_by": p.received_by,
    }


def praise_from_record(r: Mapping[str, Any]) -> Praise:
    """Rebuild praise from :func:`praise_to_record` output."""
    return Praise(
        id=r["id"],
        version=int(r["version"]),
        customer=r["customer"],
        praised_party=r["praised_party"],
        summary=r["summary"],
        channel=r["channel"],
        praiser=r.get("praiser", ""),
        received_at=datetime.fromisoformat(r["received_at"]),
        received_by=r["received_by"],
    )


PRAISE_SPEC: AggregateSpec[Praise] = AggregateSpec(
    kind=Praise.KIND,
    entity_type=Praise,
    to_record=praise_to_record,
    from_record=praise_from_record,
    index=(
        IndexField("customer", "str", lambda p: p.customer),
        IndexField("praised_party", "str", lambda p: p.praised_party),
        IndexField("channel", "str", lambda p: p.channel.value),
        IndexField("received_at", "datetime", lambda p: p.received_at),
    ),
)
"""The storage spec of praise (kind ``"praise"``), apart from complaints."""
