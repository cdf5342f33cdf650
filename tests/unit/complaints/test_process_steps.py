"""The complaint table is the complaint process of the domain, step by step.

The expected table below is written from the complaint process (received,
investigating, judged, the invalid / transferred / valid paths, improvement and
its tracking, feedback and callback, closed) and the roles of the complaint
area, not taken from the code. The table is built afresh here (``_table()``,
the builder the module runs once at import), so a change to any row or to the
builder shows.
"""

from __future__ import annotations

from typing import NamedTuple

import attrs
import pytest

from itsm_core import Role
from itsm_core.complaints import ComplaintState, Origin
from itsm_core.complaints import lifecycle as table

S = ComplaintState
R = Role
EXTERNAL, INTERNAL = frozenset({Origin.EXTERNAL}), frozenset({Origin.INTERNAL})
BOTH = frozenset(Origin)

# Who acts (roles of the complaint area):
SPECIALIST = {R.COMPLAINT_SPECIALIST}  # records, investigates, explains, tracks, closes
#: validity is decided by the specialist or the relationship manager of the area
JUDGES = {R.COMPLAINT_SPECIALIST, R.RELATIONSHIP_MANAGER}
#: the specialist and the incident handler apologise and resolve; the service
#: team lead, the escalation level of a major complaint, may too
HANDLERS = {R.COMPLAINT_SPECIALIST, R.INCIDENT_HANDLER, R.SERVICE_TEAM_LEAD}
#: a major complaint goes straight to the service team lead (with the specialist)
MAJOR = {R.COMPLAINT_SPECIALIST, R.SERVICE_TEAM_LEAD}
#: the business unit handles a transferred complaint; the specialist or the
#: incident handler may record its result
BUSINESS_UNIT = {R.BUSINESS_UNIT, R.COMPLAINT_SPECIALIST, R.INCIDENT_HANDLER}
GM_OFFICE = {R.GENERAL_MANAGER_OFFICE}
#: the result is verified with the complainant by the specialist or the relationship manager
VERIFIERS = {R.COMPLAINT_SPECIALIST, R.RELATIONSHIP_MANAGER}


class Step(NamedTuple):
    dest: ComplaintState
    recorded: str  # the domain event, complaint.<recorded>
    command: str  # the service method (improvements.*: on the complaint's item)
    roles: set[Role]
    origins: frozenset[Origin] = BOTH
    major: set[Role] | None = None


PROCESS: dict[tuple[ComplaintState, str], Step] = {
    # 1-2: received, dispatched by the relationship manager, investigated
    (S.RECEIVED, "dispatch"): Step(
        S.INVESTIGATING, "dispatched", "dispatch", {R.RELATIONSHIP_MANAGER}
    ),
    (S.INVESTIGATING, "record_finding"): Step(
        S.INVESTIGATING, "finding_recorded", "record_finding", SPECIALIST
    ),
    # 3: the verdict; "transferred" for an internal complaint only
    (S.INVESTIGATING, "judge_invalid"): Step(S.INVALID, "judged", "judge", JUDGES),
    (S.INVESTIGATING, "judge_valid"): Step(S.VALID, "judged", "judge", JUDGES),
    (S.INVESTIGATING, "judge_transferred"): Step(
        S.TRANSFERRED, "judged", "judge", JUDGES, INTERNAL
    ),
    # 4: invalid: apologise and explain, then close
    (S.INVALID, "explain"): Step(S.EXPLAINED, "explained", "explain", SPECIALIST),
    (S.EXPLAINED, "close"): Step(S.CLOSED, "closed", "close", SPECIALIST),
    # 5: transferred: the business unit handles it; unresolved -> the GM's office
    (S.TRANSFERRED, "business_unit_resolved"): Step(
        S.HANDLED,
        "business_unit_resolved",
        "record_business_unit_result",
        BUSINESS_UNIT,
        INTERNAL,
    ),
    (S.TRANSFERRED, "business_unit_unresolved"): Step(
        S.TRANSFER_ESCALATED,
        "business_unit_unresolved",
        "record_business_unit_result",
        BUSINESS_UNIT,
        INTERNAL,
    ),
    (S.TRANSFER_ESCALATED, "decide"): Step(S.HANDLED, "gm_decided", "decide", GM_OFFICE, INTERNAL),
    # 6: valid: registered as a project; external: apology first; resolve or escalate
    (S.VALID, "register"): Step(S.REGISTERED, "registered", "register_project", SPECIALIST),
    (S.REGISTERED, "apologise"): Step(
        S.APOLOGISED, "apologised", "apologise", HANDLERS, EXTERNAL, MAJOR
    ),
    (S.REGISTERED, "resolve"): Step(S.RESOLVED, "resolved", "resolve", HANDLERS, INTERNAL, MAJOR),
    (S.APOLOGISED, "resolve"): Step(S.RESOLVED, "resolved", "resolve", HANDLERS, EXTERNAL, MAJOR),
    (S.REGISTERED, "escalate"): Step(
        S.ESCALATED, "escalated", "escalate", HANDLERS, INTERNAL, MAJOR
    ),
    (S.APOLOGISED, "escalate"): Step(
        S.ESCALATED, "escalated", "escalate", HANDLERS, EXTERNAL, MAJOR
    ),
    (S.ESCALATED, "decide"): Step(S.RESOLVED, "gm_decided", "decide", GM_OFFICE),
    # 7: improvement requirements issued to the business units
    (S.RESOLVED, "require_improvement"): Step(
        S.IMPROVING, "improvement_required", "require_improvement", SPECIALIST
    ),
    # 8: tracking: met -> handled; not met -> extended once; not met again -> GM's office
    (S.IMPROVING, "improvement_met"): Step(
        S.HANDLED, "improvement_met", "improvements.follow_up", SPECIALIST
    ),
    (S.IMPROVING, "extend_improvement"): Step(
        S.IMPROVEMENT_EXTENDED, "improvement_extended", "improvements.follow_up", SPECIALIST
    ),
    (S.IMPROVEMENT_EXTENDED, "improvement_met"): Step(
        S.HANDLED, "improvement_met", "improvements.follow_up", SPECIALIST
    ),
    (S.IMPROVEMENT_EXTENDED, "escalate_improvement"): Step(
        S.IMPROVEMENT_ESCALATED, "improvement_escalated", "improvements.follow_up", SPECIALIST
    ),
    (S.IMPROVEMENT_ESCALATED, "improvement_decided"): Step(
        S.HANDLED, "gm_decided", "improvements.decide", GM_OFFICE
    ),
    (S.IMPROVEMENT_ESCALATED, "grant_period"): Step(
        S.IMPROVEMENT_EXTENDED, "gm_decided", "improvements.decide", GM_OFFICE
    ),
    # 9-10: feedback, callback; satisfied or not it closes, or (by policy) reopens
    (S.HANDLED, "give_feedback"): Step(
        S.FEEDBACK_GIVEN, "feedback_given", "give_feedback", VERIFIERS
    ),
    (S.FEEDBACK_GIVEN, "close_satisfied"): Step(S.CLOSED, "closed", "callback", VERIFIERS),
    (S.FEEDBACK_GIVEN, "close_dissatisfied"): Step(S.CLOSED, "closed", "callback", VERIFIERS),
    (S.FEEDBACK_GIVEN, "reopen"): Step(S.INVESTIGATING, "reopened", "callback", VERIFIERS),
}

#: Each service method and the events it may fire, in the order of the process.
COMMANDS: dict[str, tuple[str, ...]] = {
    "dispatch": ("dispatch",),
    "record_finding": ("record_finding",),
    "judge": ("judge_invalid", "judge_valid", "judge_transferred"),
    "explain": ("explain",),
    "close": ("close",),
    "record_business_unit_result": ("business_unit_resolved", "business_unit_unresolved"),
    "decide": ("decide",),
    "register_project": ("register",),
    "apologise": ("apologise",),
    "resolve": ("resolve",),
    "escalate": ("escalate",),
    "require_improvement": ("require_improvement",),
    "improvements.follow_up": ("improvement_met", "extend_improvement", "escalate_improvement"),
    "improvements.decide": ("improvement_decided", "grant_period"),
    "give_feedback": ("give_feedback",),
    "callback": ("close_satisfied", "close_dissatisfied", "reopen"),
}


def built() -> dict[tuple[ComplaintState, str], table.Transition]:
    rows = table._table()
    found = {(t.source, t.event): t for t in rows}
    assert len(found) == len(rows), "two rows for one (state, event)"
    return found


def test_the_table_has_the_steps_of_the_process_and_no_others() -> None:
    assert set(built()) == set(PROCESS)


def test_each_step_leads_where_the_process_goes_and_records_its_event() -> None:
    for key, row in built().items():
        step = PROCESS[key]
        assert (row.dest, row.recorded, row.command) == step[:3], key


def test_each_step_is_given_by_the_roles_the_process_names() -> None:
    for key, row in built().items():
        step = PROCESS[key]
        assert row.roles == step.roles, key
        assert row.major_roles == (None if step.major is None else frozenset(step.major)), key


def test_each_step_applies_to_the_origins_the_process_names() -> None:
    for key, row in built().items():
        assert row.origins == PROCESS[key].origins, key


def test_a_step_for_one_origin_says_why_the_other_is_refused() -> None:
    for (source, event), row in built().items():
        reason = row.origin_rule.lower()
        if row.origins == BOTH:
            assert reason == "", (source, event)
        elif S.TRANSFERRED in (source, row.dest) or source is S.TRANSFER_ESCALATED:
            # an external complaint can never be transferred
            assert "external" in reason and "transferred" in reason, (source, event)
        elif row.origins == EXTERNAL:
            # an internal complaint has no apology step
            assert "internal" in reason and "no apology" in reason, (source, event)
        else:
            # an external complaint apologises before it is resolved or escalated
            assert row.origins == INTERNAL and source is S.REGISTERED
            assert "external" in reason and "apology" in reason and "before" in reason, event


def test_the_module_table_is_the_built_one() -> None:
    assert table._table() == table.TRANSITIONS


def test_each_service_method_fires_the_events_of_its_steps_once_each() -> None:
    assert dict(table._commands()) == COMMANDS
    assert dict(table.COMMANDS) == COMMANDS


def test_a_service_method_may_be_given_by_a_role_of_any_of_its_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # in the process every method's steps share one set of roles; were they to
    # differ, the method would still admit the roles of each of its steps
    for command, events in COMMANDS.items():
        roles = set().union(*(PROCESS[k].roles for k in PROCESS if k[1] in events))
        assert table.command_roles(command) == roles, command
    # the callback's verifiers split over its three steps: each role gives one of them
    split = {
        "close_satisfied": frozenset({R.COMPLAINT_SPECIALIST}),
        "close_dissatisfied": frozenset({R.RELATIONSHIP_MANAGER}),
        "reopen": frozenset({R.RELATIONSHIP_MANAGER}),
    }
    rows = tuple(
        attrs.evolve(t, roles=split[t.event]) if t.event in split else t for t in table._table()
    )
    monkeypatch.setattr(table, "TRANSITIONS", rows)
    assert table.command_roles("callback") == VERIFIERS
