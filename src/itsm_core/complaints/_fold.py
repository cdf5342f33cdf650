"""Folding a complaint's history — and its improvement items' — into what the records show.

The fold reads the events oldest first. Complaint events give the
complaint's facts; ``improvement_item`` events give the requirement, the
owner's progress, the follow-ups and the decision. A history stored before
improvement items were aggregates of their own carries those facts in the
complaint's own events, which the fold still reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from itsm_core.complaints.enums import ComplaintState, EscalationLevel, EscalationStage
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent

__all__ = ["Facts", "fold"]

ITEM_KIND = "improvement_item"
_LEGACY = {"open": "in_progress", "met": "done"}


@attrs.define
class Facts:
    """What the history says so far (the fold's accumulator)."""

    complaint_id: str = ""
    version: int = 0
    complaint_state: str | None = None
    item_starts: dict[str, datetime] = attrs.field(factory=dict)
    item_since: datetime | None = None
    now: datetime | None = None
    received: dict[str, Any] = attrs.field(factory=dict)
    dispatch: dict[str, Any] = attrs.field(factory=dict)
    findings: list[dict[str, Any]] = attrs.field(factory=list)
    judgement: dict[str, Any] = attrs.field(factory=dict)
    apology: dict[str, Any] = attrs.field(factory=dict)
    explanation: str | None = None
    business_unit: dict[str, Any] = attrs.field(factory=dict)
    registration: dict[str, Any] = attrs.field(factory=dict)
    resolution: dict[str, Any] = attrs.field(factory=dict)
    escalations: list[dict[str, Any]] = attrs.field(factory=list)
    improvement: dict[str, Any] = attrs.field(factory=dict)
    follow_ups: list[dict[str, Any]] = attrs.field(factory=list)
    progress: list[dict[str, Any]] = attrs.field(factory=list)
    improvement_status: str | None = None
    improvement_due: str | None = None
    improvement_decision: str | None = None
    extensions: int = 0
    handled_at: str | None = None
    callback_due_at: str | None = None
    feedback: dict[str, Any] = attrs.field(factory=dict)
    callbacks: list[dict[str, Any]] = attrs.field(factory=list)
    reopened: int = 0
    closure: dict[str, Any] = attrs.field(factory=dict)


def fold(events: Iterable[DomainEvent]) -> Facts:
    """Fold a complaint's events and its items' (any order; sorted by time here).

    :raises ValidationError: for no complaint event, events of another kind,
        of several complaints, or of an item raised by another record.
    """
    facts = Facts()
    ordered = sorted(events, key=lambda e: e.occurred_at)  # stable: ties keep their order
    for ev in ordered:
        if ev.aggregate_kind == ITEM_KIND:
            continue
        if ev.aggregate_kind != "complaint":
            raise ValidationError(
                "seed records are built from complaint and improvement item events; "
                f"got a {ev.aggregate_kind!r} event",
                field="events",
            )
        if facts.complaint_id and ev.aggregate_id != facts.complaint_id:
            raise ValidationError(
                "seed records are built from the events of one complaint", field="events"
            )
        facts.complaint_id = ev.aggregate_id
    if not facts.complaint_id:
        raise ValidationError(
            "no events: a seed record needs the complaint's history", field="events"
        )
    for ev in ordered:  # when each item's own events begin (a migrated item: after the move)
        if ev.aggregate_kind == ITEM_KIND and not ev.name.endswith(".migrated"):
            facts.item_starts.setdefault(ev.aggregate_id, ev.occurred_at)
    for ev in ordered:
        p = dict(ev.payload)
        facts.now = ev.occurred_at
        at = ev.occurred_at.isoformat()
        name = ev.name.split(".", 1)[1]
        if ev.aggregate_kind == ITEM_KIND:
            if p.get("source_ref") != facts.complaint_id:
                raise ValidationError(
                    f"improvement item {ev.aggregate_id!r} was not raised by complaint "
                    f"{facts.complaint_id!r}",
                    field="events",
                )
            p.setdefault("item_id", ev.aggregate_id)
            _apply_item(facts, name, p, at, ev.actor_id)
            continue
        facts.version = ev.aggregate_version
        facts.complaint_state = p.get("to", facts.complaint_state)
        _apply(facts, name, p, at, ev.actor_id)
    return facts


def _apply_item(facts: Facts, name: str, p: dict[str, Any], at: str, who: str) -> None:
    """One event of the complaint's improvement item."""
    if name == "migrated":  # its facts are in the complaint's own (older) events
        return
    facts.item_since = facts.item_starts.get(str(p["item_id"]))
    if name in ("issued", "proposed"):
        facts.improvement = {**p, "id": p.get("item_id")}
        facts.follow_ups, facts.progress = [], []
        facts.improvement_due = p.get("due_at")
        facts.improvement_decision = None
        facts.extensions = 0
    elif name in ("progress_reported", "submitted"):
        facts.progress.append({"at": at, "by": who, "note": p.get("note")})
    elif name in ("met", "extended", "escalated"):
        facts.follow_ups.append(
            {
                "at": at,
                "by": who,
                "met": bool(p.get("met")),
                "note": p.get("note"),
                "due_at": p.get("due_at"),
                "extended_to": p.get("extended_to"),
            }
        )
    elif name in ("decided", "period_granted"):
        facts.improvement_decision = p.get("decision")
    if p.get("extended_to"):
        facts.improvement_due = p.get("extended_to")
        facts.extensions += 1
    facts.improvement_status = p.get("to", facts.improvement_status)


def _apply(facts: Facts, name: str, p: dict[str, Any], at: str, who: str) -> None:
    if name == "received":
        facts.received = {**p, "at": at, "by": who}
    elif name == "dispatched":
        facts.dispatch = {**p, "at": at, "by": who}
        if p.get("relationship_manager") and not facts.received.get("relationship_manager"):
            # received without one: the dispatching relationship manager took it
            facts.received["relationship_manager"] = p["relationship_manager"]
        if p.get("escalated_to"):
            facts.escalations.append(
                {
                    "at": at,
                    "by": who,
                    "level": p["escalated_to"],
                    "stage": EscalationStage.DISPATCH.value,
                    "reason": "major complaint: to the service team lead",
                    "decision": None,
                    "decided_at": None,
                }
            )
    elif name == "finding_recorded":
        facts.findings.append({"at": at, "by": who, "finding": p.get("finding")})
    elif name == "judged":
        facts.judgement = {**p, "at": at, "by": who}
    elif name == "explained":
        facts.apology = {"text": p.get("apology"), "at": at, "by": who}
        facts.explanation = p.get("explanation")
    elif name in ("business_unit_resolved", "business_unit_unresolved"):
        facts.business_unit = {**p, "resolved": name == "business_unit_resolved", "at": at}
        if name == "business_unit_unresolved":
            facts.escalations.append(
                _escalation(at, who, EscalationStage.TRANSFER, p.get("result"))
            )
        else:
            facts.handled_at, facts.callback_due_at = at, p.get("callback_due_at")
    elif name == "registered":
        facts.registration = {"project_ref": p.get("project_ref"), "at": at, "by": who}
    elif name == "apologised":
        facts.apology = {"text": p.get("apology"), "at": at, "by": who}
    elif name == "resolved":
        facts.resolution = {"text": p.get("resolution"), "at": at, "by": who}
    elif name == "escalated":
        facts.escalations.append(_escalation(at, who, EscalationStage.RESOLUTION, p.get("reason")))
    elif name == "gm_decided":
        for esc in reversed(facts.escalations):
            if (
                esc["level"] == EscalationLevel.GENERAL_MANAGER_OFFICE.value
                and not esc["decided_at"]
            ):
                esc.update(decision=p.get("decision"), decided_at=at)
                break
        if p.get("stage") == EscalationStage.IMPROVEMENT.value and _legacy(facts):
            if p.get("extended_to"):  # the office granted a new period
                facts.improvement_status = "extended"
                facts.improvement_due = p.get("extended_to")
                facts.extensions += 1
            else:
                facts.improvement_status = "decided"
            facts.improvement_decision = p.get("decision")
        if p.get("to") == ComplaintState.HANDLED.value:
            facts.handled_at, facts.callback_due_at = at, p.get("callback_due_at")
    elif name == "improvement_required":
        _required(facts, p)
    elif name == "improvement_progress_reported":  # a history stored before items were their own
        facts.progress.append({"at": at, "by": who, "note": p.get("note")})
    elif name in ("improvement_met", "improvement_extended", "improvement_escalated"):
        if name == "improvement_met":
            facts.handled_at, facts.callback_due_at = at, p.get("callback_due_at")
        elif name == "improvement_escalated":
            facts.escalations.append(
                _escalation(at, who, EscalationStage.IMPROVEMENT, p.get("note"))
            )
        if _legacy(facts):
            _legacy_follow_up(facts, name, p, at, who)
    elif name == "feedback_given":
        facts.feedback = {"text": p.get("result"), "at": at, "by": who}
    elif name == "closed":
        if p.get("satisfied") is not None:
            facts.callbacks.append(_callback(at, who, p, reopened=False))
        outcome = (
            "invalid"
            if p.get("path") == "invalid" and p.get("satisfied") is None
            else ("satisfied" if p.get("satisfied") else "dissatisfied")
        )
        facts.closure = {"at": at, "by": who, "outcome": outcome}
    elif name == "reopened":
        facts.callbacks.append(_callback(at, who, p, reopened=True))
        facts.reopened += 1
        facts.judgement = {}
        facts.handled_at = facts.callback_due_at = None


def _escalation(at: str, who: str, stage: EscalationStage, reason: Any) -> dict[str, Any]:
    return {
        "at": at,
        "by": who,
        "level": EscalationLevel.GENERAL_MANAGER_OFFICE.value,
        "stage": stage.value,
        "reason": reason,
        "decision": None,
        "decided_at": None,
    }


def _callback(at: str, who: str, p: Mapping[str, Any], *, reopened: bool) -> dict[str, Any]:
    return {
        "at": at,
        "by": who,
        "satisfied": bool(p.get("satisfied")),
        "reason": p.get("reason"),
        "reopened": reopened,
    }


def _required(facts: Facts, p: Mapping[str, Any]) -> None:
    legacy = p.get("improvement")
    if isinstance(legacy, Mapping):  # stored before items were their own aggregates
        item = dict(legacy)
        facts.item_since = facts.item_starts.get(str(item.get("id")))
        facts.improvement = item
        facts.improvement_status = _LEGACY.get(item.get("status", ""), item.get("status"))
        facts.improvement_due = item.get("due_at")
    elif facts.improvement.get("id") != p.get("improvement_id"):
        facts.item_since = facts.item_starts.get(str(p.get("improvement_id")))
        facts.improvement = {
            "id": p.get("improvement_id"),
            "owner": p.get("owner"),
            "due_at": p.get("due_at"),
        }
        facts.improvement_due = p.get("due_at")
        facts.improvement_status = None
    else:
        return  # its item's events came first
    facts.follow_ups, facts.progress = [], []
    facts.improvement_decision = None
    facts.extensions = 0


def _legacy_follow_up(facts: Facts, name: str, p: Mapping[str, Any], at: str, who: str) -> None:
    facts.follow_ups.append(
        {
            "at": at,
            "by": who,
            "met": bool(p.get("met")),
            "note": p.get("note"),
            "due_at": p.get("due_at"),
            "extended_to": p.get("extended_to"),
        }
    )
    if name == "improvement_met":
        facts.improvement_status = "done"
    elif name == "improvement_extended":
        facts.improvement_status = "extended"
        facts.improvement_due = p.get("extended_to")
        facts.extensions += 1
    else:
        facts.improvement_status = "escalated"


def _legacy(facts: Facts) -> bool:
    """True if the improvement's facts come from the complaint's own event now.

    A history stored before items were aggregates of their own records the
    follow-ups and the decision in the complaint's events; once the item
    records its own events, they carry those facts.
    """
    since = facts.item_since
    return since is None or (facts.now is not None and facts.now < since)
