"""An independent model of the complaint process (DOMAIN §1–§2), for the stateful test.

Written from the domain's text, not from ``itsm_core.complaints.lifecycle``: no
table, role set or helper of the library is imported. States are plain strings
(the library's state codes, compared by value). The model answers one question:
given a complaint's state, origin, severity and findings, what does a command by
an actor holding some roles do — move it to a new state, or be refused with
which error.

The order of refusals: an actor who holds no role that may give the command at
all is refused access; then a command that does not apply in the state (or to
the origin) is an invalid transition; then an actor without the role this
complaint needs (a major complaint is handled by the service team lead) is
refused access; then a judgement without findings is an invalid transition; then
badly formed arguments (a follow-up's new period) are a validation error.
"""

from __future__ import annotations

from typing import Any

import attrs

from itsm_core import AccessDenied, InvalidTransition, Role, ValidationError

__all__ = [
    "CHOICES",
    "COMMAND_ROLES",
    "RECEIVERS",
    "Complaint",
    "apply",
    "expected",
    "next_state",
    "roles_here",
]

# §1 roles, as the process assigns the steps
SPEC = Role.COMPLAINT_SPECIALIST  # receives, investigates, judges, tracks, calls back
RM = Role.RELATIONSHIP_MANAGER  # dispatches, decides validity, verifies with the customer
HANDLER = Role.INCIDENT_HANDLER  # the superior of the party: helps resolve, apologises
LEAD = Role.SERVICE_TEAM_LEAD  # escalation level; a major complaint goes straight here
GM = Role.GENERAL_MANAGER_OFFICE  # escalation level: decides what is escalated to it
UNIT = Role.BUSINESS_UNIT  # handles a transferred internal complaint

RECEIVERS = frozenset({SPEC, Role.SERVICE_DESK, Role.SYSTEM})
"""Who records a complaint: the specialist, the desk (which decides what is a formal
complaint), and the system (a "very dissatisfied" response opens one automatically)."""

_HANDLING = frozenset({SPEC, HANDLER, LEAD})
_MAJOR_HANDLING = frozenset({SPEC, LEAD})

COMMAND_ROLES: dict[str, frozenset[Role]] = {
    "dispatch": frozenset({RM}),  # step 1: the relationship manager dispatches
    "record_finding": frozenset({SPEC}),  # step 2
    "judge": frozenset({SPEC, RM}),  # step 3: validity for the manager's area
    "explain": frozenset({SPEC}),  # step 4: the specialist explains
    "close": frozenset({SPEC}),  # step 4: and closes
    "record_business_unit_result": frozenset({SPEC, HANDLER, UNIT}),  # step 5
    "decide": frozenset({GM}),  # steps 5-6: the general manager's office decides
    "register_project": frozenset({SPEC}),  # step 6: 立项
    "apologise": _HANDLING,  # step 6: specialist and incident handler apologise
    "resolve": _HANDLING,
    "escalate": _HANDLING,
    "require_improvement": frozenset({SPEC}),  # step 7
    "improvements.follow_up": frozenset({SPEC}),  # step 8: the specialist follows up
    "improvements.decide": frozenset({GM}),  # step 8: the office decides
    "give_feedback": frozenset({SPEC, RM}),  # step 9: the result is reported
    "callback": frozenset({SPEC, RM}),  # step 9: a callback verifies it
}
"""Every role that may give each command in some state."""


@attrs.define
class Complaint:
    """What the model knows of one complaint."""

    origin: str  # "external" / "internal"
    severity: str  # "major" needs the service team lead for handling
    state: str = "received"
    findings: int = 0


def roles_here(command: str, c: Complaint) -> frozenset[Role]:
    if command in ("apologise", "resolve", "escalate") and c.severity == "major":
        return _MAJOR_HANDLING
    return COMMAND_ROLES[command]


def next_state(c: Complaint, command: str, kw: dict[str, Any], reopen: bool) -> str | None:
    """The state ``command`` leads to from ``c.state`` (None: the process has no such step)."""
    s, internal = c.state, c.origin == "internal"
    if command == "dispatch":
        return "investigating" if s == "received" else None
    if command == "record_finding":
        return s if s == "investigating" else None
    if command == "judge":
        verdict = str(getattr(kw["verdict"], "value", kw["verdict"]))
        if s != "investigating" or (verdict == "transferred" and not internal):
            return None  # an external complaint can never be transferred
        return verdict  # invalid / valid / transferred
    if command == "explain":
        return "explained" if s == "invalid" else None
    if command == "close":
        return "closed" if s == "explained" else None
    if command == "record_business_unit_result":
        if s != "transferred":
            return None
        return "handled" if kw["resolved"] else "transfer_escalated"
    if command == "decide":
        return {"transfer_escalated": "handled", "escalated": "resolved"}.get(s)
    if command == "register_project":
        return "registered" if s == "valid" else None
    if command == "apologise":  # external only
        return "apologised" if s == "registered" and not internal else None
    if command in ("resolve", "escalate"):
        # internal: no apology step; external: the apology comes first
        ready = s == ("registered" if internal else "apologised")
        return ("resolved" if command == "resolve" else "escalated") if ready else None
    if command == "require_improvement":
        return "improving" if s == "resolved" else None
    if command == "improvements.follow_up":
        if kw["met"]:
            return "handled" if s in ("improving", "improvement_extended") else None
        # not done: extended once, then escalated to the office
        return {"improving": "improvement_extended",
                "improvement_extended": "improvement_escalated"}.get(s)  # fmt: skip
    if command == "improvements.decide":
        if s != "improvement_escalated":
            return None
        return "improvement_extended" if "new_period" in kw else "handled"
    if command == "give_feedback":
        return "feedback_given" if s == "handled" else None
    if command == "callback":
        if s != "feedback_given":
            return None
        return "investigating" if not kw["satisfied"] and reopen else "closed"
    raise AssertionError(f"the model has no command {command!r}")


def expected(
    c: Complaint, roles: frozenset[Role], command: str, kw: dict[str, Any], reopen: bool
) -> str | type[Exception]:
    """The state the command leads to, or the class of error that refuses it."""
    if roles.isdisjoint(COMMAND_ROLES[command]):
        return AccessDenied
    dest = next_state(c, command, kw, reopen)
    if dest is None:
        return InvalidTransition
    if roles.isdisjoint(roles_here(command, c)):
        return AccessDenied
    if command == "judge" and c.findings == 0:
        return InvalidTransition  # the verdict is given by the findings
    if command == "improvements.follow_up":
        extending = dest == "improvement_extended"
        if extending != ("new_period" in kw):
            return ValidationError  # a new period exactly when the period is extended
    return dest


def apply(c: Complaint, command: str, dest: str) -> None:
    """Record a command's success in the model."""
    if command == "record_finding":
        c.findings += 1
    if command == "callback" and dest == "investigating":
        c.findings = 0  # reopened: a new investigation needs its own findings
    c.state = dest


CHOICES: dict[str, list[dict[str, Any]]] = {
    "judge": [{"verdict": v} for v in ("invalid", "valid", "transferred")],
    "record_business_unit_result": [{"resolved": True}, {"resolved": False}],
    "improvements.follow_up": [{"met": True}, {"met": False}, {"met": False, "new_period": 1}],
    "improvements.decide": [{}, {"new_period": 1}],
    "callback": [{"satisfied": True}, {"satisfied": False}],
}
"""The argument choices that select among a command's outcomes (for steering)."""
