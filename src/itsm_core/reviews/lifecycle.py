"""The service review's lifecycle as data, and who may fire each event (the service review process).

::

    planned ─prepare→ prepared ─hold→ held ─minute→ minuted ─report→ reported ─close→ closed
    prepared ─prepare→ prepared                  (the arrangement revised)
    planned | prepared ─reschedule→ (same state) (moved to a new time, with a reason)
    planned | prepared ─cancel→ cancelled        (with a reason)
    held | minuted | reported ─open_campaign→ (same state)   (a satisfaction campaign)

Rescheduling is a self-transition: the review keeps its state — a prepared
review keeps its arrangement, participants and agenda — and moves to the new
time; the move and its reason are recorded (``reschedules``) and the
review's due clock is re-targeted. ``closed`` and ``cancelled`` are
terminal.

Roles (:data:`ROLES`) follow the service review process: the project manager leads — plans,
prepares, holds, reports, closes, cancels; the coordinator assists — may
prepare, reschedule and record the holding, and writes the minutes
(回顾活动纪要) alone. A satisfaction campaign of motive "service review" is
opened by the project manager or the operations manager (who manages
satisfaction in the satisfaction process).

A review plan (:class:`~itsm_core.reviews.plans.ReviewPlan`) is active until
it is ended (:data:`PLAN_LIFECYCLE`).
"""

from __future__ import annotations

from collections.abc import Mapping

from itsm_core.kernel.actors import Role
from itsm_core.kernel.lifecycle import Lifecycle
from itsm_core.reviews.enums import PlanState, ReviewState

__all__ = [
    "LIFECYCLE",
    "OPEN_STATES",
    "PLAN_LIFECYCLE",
    "PLAN_ROLES",
    "PLAN_TRANSITIONS",
    "RECORDED",
    "ROLES",
    "TRANSITIONS",
]

S = ReviewState

Row = tuple[str, ReviewState | tuple[ReviewState, ...], ReviewState]

TRANSITIONS: tuple[Row, ...] = (
    ("prepare", (S.PLANNED, S.PREPARED), S.PREPARED),
    ("reschedule", S.PLANNED, S.PLANNED),
    ("reschedule", S.PREPARED, S.PREPARED),
    ("hold", S.PREPARED, S.HELD),
    ("minute", S.HELD, S.MINUTED),
    ("report", S.MINUTED, S.REPORTED),
    ("close", S.REPORTED, S.CLOSED),
    ("cancel", (S.PLANNED, S.PREPARED), S.CANCELLED),
    ("open_campaign", S.HELD, S.HELD),
    ("open_campaign", S.MINUTED, S.MINUTED),
    ("open_campaign", S.REPORTED, S.REPORTED),
)
"""Every transition: ``(event, source state or states, destination)``."""

LIFECYCLE: Lifecycle[ReviewState] = Lifecycle(
    "service review", ReviewState, ReviewState.PLANNED, TRANSITIONS
)
"""The one shared state machine of service reviews."""

RECORDED: Mapping[str, str] = {
    "prepare": "prepared",
    "reschedule": "rescheduled",
    "hold": "held",
    "minute": "minuted",
    "report": "reported",
    "close": "closed",
    "cancel": "cancelled",
    "open_campaign": "campaign_opened",
}
"""Lifecycle event → the recorded event's name after ``service_review.``
(the first event of every review is ``service_review.planned``)."""

OPEN_STATES: frozenset[ReviewState] = frozenset(
    {S.PLANNED, S.PREPARED, S.HELD, S.MINUTED, S.REPORTED}
)
"""The states of a review not yet closed or cancelled."""

_PM = Role.PROJECT_MANAGER
_COORDINATOR = Role.COORDINATOR

ROLES: Mapping[str, frozenset[Role]] = {
    "plan": frozenset({_PM}),
    "prepare": frozenset({_PM, _COORDINATOR}),
    "reschedule": frozenset({_PM, _COORDINATOR}),
    "hold": frozenset({_PM, _COORDINATOR}),
    "minute": frozenset({_COORDINATOR}),
    "report": frozenset({_PM}),
    "close": frozenset({_PM}),
    "cancel": frozenset({_PM}),
    "open_campaign": frozenset({_PM, Role.OPERATIONS_MANAGER}),
}
"""Who may give each command (the project manager leads, the coordinator assists)."""

PLAN_TRANSITIONS: tuple[tuple[str, PlanState, PlanState], ...] = (
    ("schedule", PlanState.ACTIVE, PlanState.ACTIVE),
    ("end", PlanState.ACTIVE, PlanState.ENDED),
)
"""A plan schedules reviews while active; once ended it schedules none."""

PLAN_LIFECYCLE: Lifecycle[PlanState] = Lifecycle(
    "review plan", PlanState, PlanState.ACTIVE, PLAN_TRANSITIONS
)
"""The state machine of review plans."""

PLAN_ROLES: frozenset[Role] = frozenset({_PM})
"""Who creates, schedules and ends review plans: the project manager, who prepares reviews."""
