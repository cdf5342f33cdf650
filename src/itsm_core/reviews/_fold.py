"""A review's history folded into plain facts, for its seed records."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent

__all__ = ["fold"]


def fold(events: Iterable[DomainEvent]) -> dict[str, Any]:
    """Return the facts of one review's events (oldest first).

    :raises ValidationError: for no events, or events of another kind or of several reviews.
    """
    history = list(events)
    if not history:
        raise ValidationError(
            "a review's records need its history; no events given", field="events"
        )
    ids = {e.aggregate_id for e in history}
    kinds = {e.aggregate_kind for e in history}
    if kinds != {"service_review"} or len(ids) != 1:
        raise ValidationError(
            f"the events must be one service review's; got kinds {sorted(kinds)} and "
            f"{len(ids)} aggregate id(s)",
            field="events",
        )
    facts: dict[str, Any] = {
        "review_id": history[0].aggregate_id,
        "version": history[-1].aggregate_version,
        "reschedules": [],
        "campaign_ids": [],
        "participants": [],
        "topics": [],
        "agenda": [],
        "attended": [],
        "opinions": [],
        "problems": [],
        "actions": [],
        "state": None,
    }
    for e in history:
        p = dict(e.payload)
        name = e.name.split(".", 1)[1]
        who = e.actor_id
        at = e.occurred_at.isoformat()
        facts["state"] = p.get("to", facts["state"])
        if name == "planned":
            facts.update(
                {k: p.get(k) for k in (
                    "customer", "plan_id", "project_manager", "form", "scheduled_at",
                    "due_at", "period_start", "period_end",
                )},
                planned_by=who, planned_at=at,
            )  # fmt: skip
        elif name == "prepared":
            facts.update(
                {k: p.get(k) for k in (
                    "scope", "topics", "agenda", "participants", "form", "location", "third_party",
                )},
                prepared_by=who, prepared_at=at,
            )  # fmt: skip
        elif name == "rescheduled":
            facts["reschedules"].append({**p, "by": who, "at": at})
            facts.update(scheduled_at=p.get("scheduled_at"), due_at=p.get("due_at"))
        elif name == "held":
            facts.update(
                attended=p.get("attended", []), opinions=p.get("opinions", []),
                record=p.get("record"), held_by=who, held_at=at,
            )  # fmt: skip
        elif name == "minuted":
            facts.update(minutes=p.get("minutes"), minuted_by=who, minuted_at=at)
        elif name == "reported":
            facts.update(
                summary=p.get("summary"), problems=p.get("problems", []),
                actions=p.get("actions", []), reported_by=who, reported_at=at,
            )  # fmt: skip
        elif name == "campaign_opened":
            facts["campaign_ids"].append(p.get("campaign_id"))
        elif name == "closed":
            facts.update(closed_at=at, close_note=p.get("note"))
        elif name == "cancelled":
            facts.update(cancelled_at=at, cancel_reason=p.get("reason"))
    return facts
