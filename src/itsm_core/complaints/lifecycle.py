"""The complaint lifecycle as data: one row per ``(event, source state)``.

:data:`TRANSITIONS` is the whole table. Each row names the event, the state
it leaves and the state it enters, the domain event it records
(``complaint.<recorded>``), the roles that may fire it, the origins
(external / internal) it applies to, and the service method that fires it
(``improvements.follow_up`` / ``improvements.decide``: the complaint moves on
when its improvement item, ``core.improvements``, is followed up or decided).
:data:`LIFECYCLE` is the one shared ``transitions`` machine built from it
(kernel :class:`~itsm_core.kernel.lifecycle.Lifecycle`); tests are driven by the
same table.

The paths (the complaint process, steps 1–10)::

    received ─dispatch→ investigating (record_finding ↺)
      ├─judge_invalid→ invalid ─explain→ explained ─close→ closed
      ├─judge_transferred→ transferred            (internal only)
      │     ├─business_unit_resolved→ handled
      │     └─business_unit_unresolved→ transfer_escalated ─decide→ handled
      └─judge_valid→ valid ─register→ registered (立项)
            ├─apologise→ apologised                (external only)
            ├─resolve→ resolved      (internal from registered, external from apologised)
            └─escalate→ escalated ─decide→ resolved
    resolved ─require_improvement→ improving          (its improvement item is issued)
      ├─improvement_met→ handled                       (the item is met)
      └─extend_improvement→ improvement_extended       (the item is extended)
            ├─improvement_met→ handled
            └─escalate_improvement→ improvement_escalated
                  ├─improvement_decided→ handled      (the office decides the item)
                  └─grant_period→ improvement_extended   (the office grants a new period)
    handled ─give_feedback→ feedback_given
      ├─close_satisfied→ closed
      ├─close_dissatisfied→ closed            (the provider's policy: close)
      └─reopen→ investigating                 (the provider's policy: reopen)

``closed`` is terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import attrs

from itsm_core.complaints.enums import ComplaintState, Origin, Severity
from itsm_core.kernel.actors import Actor, Role
from itsm_core.kernel.errors import AccessDenied, InvalidTransition
from itsm_core.kernel.lifecycle import Lifecycle, Stateful

__all__ = [
    "COMMANDS",
    "LIFECYCLE",
    "TRANSITIONS",
    "Transition",
    "allowed_events",
    "authorise",
    "check",
    "command_roles",
    "refuse",
    "roles_for",
    "transition",
]

S = ComplaintState
BOTH: frozenset[Origin] = frozenset(Origin)
EXTERNAL: frozenset[Origin] = frozenset({Origin.EXTERNAL})
INTERNAL: frozenset[Origin] = frozenset({Origin.INTERNAL})

SPECIALIST = frozenset({Role.COMPLAINT_SPECIALIST})
JUDGES = frozenset({Role.COMPLAINT_SPECIALIST, Role.RELATIONSHIP_MANAGER})
HANDLERS = frozenset({Role.COMPLAINT_SPECIALIST, Role.INCIDENT_HANDLER, Role.SERVICE_TEAM_LEAD})
MAJOR_HANDLERS = frozenset({Role.COMPLAINT_SPECIALIST, Role.SERVICE_TEAM_LEAD})
BUSINESS_UNIT = frozenset({Role.COMPLAINT_SPECIALIST, Role.INCIDENT_HANDLER, Role.BUSINESS_UNIT})
GM_OFFICE = frozenset({Role.GENERAL_MANAGER_OFFICE})
VERIFIERS = frozenset({Role.COMPLAINT_SPECIALIST, Role.RELATIONSHIP_MANAGER})

FOLLOW_UP = "improvements.follow_up"
"""The command that follows a complaint's improvement item up (``core.improvements``)."""
ITEM_DECIDE = "improvements.decide"
"""The command by which the office decides an escalated improvement item."""

NO_TRANSFER_EXTERNAL = (
    "an external complaint can never be transferred; judge it valid or invalid"
)
NO_APOLOGY_INTERNAL = (
    "an internal complaint has no apology step; resolve or escalate it"
)
APOLOGY_FIRST = (
    "an external complaint needs the apology recorded before the problem is resolved "
    "or escalated; record it with 'apologise'"
)


@attrs.frozen
class Transition:
    """One row of the complaint table.

    :param event: the lifecycle event.
    :param source: the state it leaves.
    :param dest: the state it enters (equal to ``source`` for a recorded fact
        such as a finding).
    :param recorded: the domain event's name after ``complaint.``.
    :param command: the :class:`~itsm_core.complaints.ComplaintService` method
        that fires it.
    :param roles: the roles, any one of which may fire it.
    :param origins: the origins it applies to.
    :param origin_rule: why it is refused for the other origin.
    :param major_roles: the roles for a major complaint, when they differ
        (a major complaint is handled by the service team lead).
    """

    event: str
    source: ComplaintState
    dest: ComplaintState
    recorded: str
    command: str
    roles: frozenset[Role]
    origins: frozenset[Origin] = BOTH
    origin_rule: str = ""
    major_roles: frozenset[Role] | None = None


def _t(
    event: str,
    source: ComplaintState,
    dest: ComplaintState,
    recorded: str,
    command: str,
    roles: frozenset[Role],
    origins: frozenset[Origin] = BOTH,
    origin_rule: str = "",
    major_roles: frozenset[Role] | None = None,
) -> Transition:
    return Transition(
        event, source, dest, recorded, command, roles, origins, origin_rule, major_roles
    )


def _table() -> tuple[Transition, ...]:
    # a function, so that a test can build the table afresh and compare it
    # with the complaint process as the domain states it
    return (
        # receipt and investigation (complaint process, steps 1-2)
        _t("dispatch", S.RECEIVED, S.INVESTIGATING, "dispatched", "dispatch",
           frozenset({Role.RELATIONSHIP_MANAGER})),
        _t("record_finding", S.INVESTIGATING, S.INVESTIGATING, "finding_recorded",
           "record_finding", SPECIALIST),
        # judgement (step 3)
        _t("judge_invalid", S.INVESTIGATING, S.INVALID, "judged", "judge", JUDGES),
        _t("judge_valid", S.INVESTIGATING, S.VALID, "judged", "judge", JUDGES),
        _t("judge_transferred", S.INVESTIGATING, S.TRANSFERRED, "judged", "judge", JUDGES,
           INTERNAL, NO_TRANSFER_EXTERNAL),
        # invalid path (step 4)
        _t("explain", S.INVALID, S.EXPLAINED, "explained", "explain", SPECIALIST),
        _t("close", S.EXPLAINED, S.CLOSED, "closed", "close", SPECIALIST),
        # transferred path (step 5)
        _t("business_unit_resolved", S.TRANSFERRED, S.HANDLED, "business_unit_resolved",
           "record_business_unit_result", BUSINESS_UNIT, INTERNAL, NO_TRANSFER_EXTERNAL),
        _t("business_unit_unresolved", S.TRANSFERRED, S.TRANSFER_ESCALATED,
           "business_unit_unresolved", "record_business_unit_result", BUSINESS_UNIT, INTERNAL,
           NO_TRANSFER_EXTERNAL),
        _t("decide", S.TRANSFER_ESCALATED, S.HANDLED, "gm_decided", "decide", GM_OFFICE,
           INTERNAL, NO_TRANSFER_EXTERNAL),
        # valid path (step 6)
        _t("register", S.VALID, S.REGISTERED, "registered", "register_project", SPECIALIST),
        _t("apologise", S.REGISTERED, S.APOLOGISED, "apologised", "apologise", HANDLERS,
           EXTERNAL, NO_APOLOGY_INTERNAL, MAJOR_HANDLERS),
        _t("resolve", S.REGISTERED, S.RESOLVED, "resolved", "resolve", HANDLERS,
           INTERNAL, APOLOGY_FIRST, MAJOR_HANDLERS),
        _t("resolve", S.APOLOGISED, S.RESOLVED, "resolved", "resolve", HANDLERS,
           EXTERNAL, NO_APOLOGY_INTERNAL, MAJOR_HANDLERS),
        _t("escalate", S.REGISTERED, S.ESCALATED, "escalated", "escalate", HANDLERS,
           INTERNAL, APOLOGY_FIRST, MAJOR_HANDLERS),
        _t("escalate", S.APOLOGISED, S.ESCALATED, "escalated", "escalate", HANDLERS,
           EXTERNAL, NO_APOLOGY_INTERNAL, MAJOR_HANDLERS),
        _t("decide", S.ESCALATED, S.RESOLVED, "gm_decided", "decide", GM_OFFICE),
        # improvement and its tracking (steps 7-8): the item's follow-up and decision
        # (core.improvements) move the complaint on
        _t("require_improvement", S.RESOLVED, S.IMPROVING, "improvement_required",
           "require_improvement", SPECIALIST),
        _t("improvement_met", S.IMPROVING, S.HANDLED, "improvement_met", FOLLOW_UP, SPECIALIST),
        _t("extend_improvement", S.IMPROVING, S.IMPROVEMENT_EXTENDED, "improvement_extended",
           FOLLOW_UP, SPECIALIST),
        _t("improvement_met", S.IMPROVEMENT_EXTENDED, S.HANDLED, "improvement_met", FOLLOW_UP,
           SPECIALIST),
        _t("escalate_improvement", S.IMPROVEMENT_EXTENDED, S.IMPROVEMENT_ESCALATED,
           "improvement_escalated", FOLLOW_UP, SPECIALIST),
        _t("improvement_decided", S.IMPROVEMENT_ESCALATED, S.HANDLED, "gm_decided", ITEM_DECIDE,
           GM_OFFICE),
        _t("grant_period", S.IMPROVEMENT_ESCALATED, S.IMPROVEMENT_EXTENDED, "gm_decided",
           ITEM_DECIDE, GM_OFFICE),
        # feedback, callback and closure (steps 9-10)
        _t("give_feedback", S.HANDLED, S.FEEDBACK_GIVEN, "feedback_given", "give_feedback",
           VERIFIERS),
        _t("close_satisfied", S.FEEDBACK_GIVEN, S.CLOSED, "closed", "callback", VERIFIERS),
        _t("close_dissatisfied", S.FEEDBACK_GIVEN, S.CLOSED, "closed", "callback", VERIFIERS),
        _t("reopen", S.FEEDBACK_GIVEN, S.INVESTIGATING, "reopened", "callback", VERIFIERS),
    )  # fmt: skip


TRANSITIONS: tuple[Transition, ...] = _table()
"""Every transition of the complaint lifecycle."""

LIFECYCLE: Lifecycle[ComplaintState] = Lifecycle(
    "complaint",
    ComplaintState,
    ComplaintState.RECEIVED,
    [(t.event, t.source, t.dest) for t in TRANSITIONS],
)
"""The one shared state machine of complaints."""

_BY_KEY: Mapping[tuple[ComplaintState, str], Transition] = {
    (t.source, t.event): t for t in TRANSITIONS
}
if len(_BY_KEY) != len(TRANSITIONS):  # pragma: no cover - a table error
    raise RuntimeError("the complaint table has two rows for one (state, event)")


def _commands() -> Mapping[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for t in TRANSITIONS:
        events = found.setdefault(t.command, [])
        if t.event not in events:
            events.append(t.event)
    return {k: tuple(v) for k, v in found.items()}


COMMANDS: Mapping[str, tuple[str, ...]] = _commands()
"""Service method name → the lifecycle events it may fire."""


def transition(state: ComplaintState, event: str) -> Transition | None:
    """Return the row for ``event`` in ``state``, or None when the table has none."""
    return _BY_KEY.get((state, event))


def allowed_events(state: ComplaintState, origin: Origin) -> frozenset[str]:
    """Return the events allowed in ``state`` for a complaint of ``origin``."""
    return frozenset(t.event for t in TRANSITIONS if t.source is state and origin in t.origins)


class _Complaintish(Stateful, Protocol):
    state: ComplaintState
    origin: Origin
    severity: Severity


def refuse(entity: _Complaintish, event: str, reason: str | None = None) -> InvalidTransition:
    """Return (not raise) the :class:`InvalidTransition` for ``event`` on ``entity``.

    The allowed events named are those of the entity's state *and* origin.
    """
    state = entity.state
    return InvalidTransition(
        entity=LIFECYCLE.entity,
        state=state.value,
        event=event,
        allowed=allowed_events(state, entity.origin),
        reason=reason,
    )


def check(entity: _Complaintish, event: str) -> Transition:
    """Return the row for ``event``, or raise when the state or the origin forbids it.

    :raises InvalidTransition: naming the state, the event, the allowed events
        and, for a rule of origin, why.
    """
    row = transition(entity.state, event)
    if row is None:
        raise refuse(entity, event)
    if entity.origin not in row.origins:
        raise refuse(entity, event, row.origin_rule)
    return row


def roles_for(row: Transition, severity: Severity) -> frozenset[Role]:
    """Return the roles that may fire ``row`` on a complaint of ``severity``."""
    if severity is Severity.MAJOR and row.major_roles is not None:
        return row.major_roles
    return row.roles


def authorise(row: Transition, entity: _Complaintish, actor: Actor) -> None:
    """Raise :class:`AccessDenied` unless ``actor`` may fire ``row`` on ``entity``."""
    roles = roles_for(row, entity.severity)
    if not actor.has(*roles):
        names = ", ".join(f"{r.value} ({r.zh})" for r in sorted(roles))
        held = ", ".join(sorted(r.value for r in actor.roles)) or "none"
        what = f"complaint: {row.event!r}"
        if entity.severity is Severity.MAJOR and row.major_roles is not None:
            what += " on a major complaint (handled by the service team lead)"
        raise AccessDenied(
            f"{what} needs one of the roles: {names}; actor {actor.id!r} holds: {held}",
            required=sorted(r.value for r in roles),
        )


def command_roles(command: str) -> frozenset[Role]:
    """Return every role that may fire some event of the service method ``command``."""
    roles: set[Role] = set()
    for t in TRANSITIONS:
        if t.command == command:
            roles |= t.roles
    return frozenset(roles)

