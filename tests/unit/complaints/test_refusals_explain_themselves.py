"""A refused complaint command says what was refused and why.

A step the state does not allow names the complaint, its state, the event and
the events allowed there. A step the actor may not take names the roles that
may (code and Chinese label), the roles the actor holds, and, for a major
complaint, that the service team lead handles it (003 §3.3 b).
"""

from __future__ import annotations

import pytest

from itsm_core import AccessDenied, Actor, InvalidTransition, ItsmCore, Role
from itsm_core.complaints import ComplaintService, ComplaintState, Severity
from itsm_core.complaints.lifecycle import authorise, transition

from .conftest import SPECIALIST, at_state, receive, stored_record

S = ComplaintState


def listed(*roles: Role) -> str:
    """The roles as a refusal lists them: code and Chinese label, in code order."""
    return ", ".join(f"{r.value} ({r.zh})" for r in sorted(roles, key=lambda r: r.value))


def test_a_step_out_of_turn_names_the_complaint_state_event_and_allowed_steps(
    service: ComplaintService,
) -> None:
    c = receive(service)
    with pytest.raises(InvalidTransition) as info:
        service.close(SPECIALIST, c.id)
    err = info.value
    assert (err.entity, err.state, err.event) == ("complaint", "received", "close")
    assert err.allowed == ("dispatch",)
    assert str(err).startswith("complaint: event 'close' is not allowed in state 'received'")


def test_a_major_complaint_refusal_names_the_team_lead_and_what_the_actor_holds(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = at_state(service, S.REGISTERED, severity=Severity.MAJOR)
    handler = Actor("ih-7", [Role.INCIDENT_HANDLER, Role.COORDINATOR], "事件处理人")
    before = stored_record(core, c.id)
    with pytest.raises(AccessDenied) as info:
        service.apologise(handler, c.id, apology="当面致歉")
    text = str(info.value)
    assert text.startswith(
        "complaint: 'apologise' on a major complaint (handled by the service team lead) "
    )
    major = (Role.COMPLAINT_SPECIALIST, Role.SERVICE_TEAM_LEAD)
    assert f"needs one of the roles: {listed(*major)};" in text
    assert text.endswith("actor 'ih-7' holds: coordinator, incident_handler")
    assert info.value.required == ("complaint_specialist", "service_team_lead")
    assert stored_record(core, c.id) == before


def test_a_general_complaint_refusal_does_not_speak_of_a_major_one(
    service: ComplaintService,
) -> None:
    c = at_state(service, S.REGISTERED)
    row = transition(S.REGISTERED, "apologise")
    assert row is not None and row.major_roles is not None
    coordinator = Actor("co-7", [Role.COORDINATOR, Role.ENGINEER], "协调员")
    with pytest.raises(AccessDenied) as info:
        authorise(row, c, coordinator)
    text = str(info.value)
    handlers = (Role.COMPLAINT_SPECIALIST, Role.INCIDENT_HANDLER, Role.SERVICE_TEAM_LEAD)
    assert text == (
        f"complaint: 'apologise' needs one of the roles: {listed(*handlers)}; "
        "actor 'co-7' holds: coordinator, engineer"
    )
    assert "major" not in text


def test_an_actor_without_roles_is_said_to_hold_none(service: ComplaintService) -> None:
    c = receive(service)
    row = transition(S.RECEIVED, "dispatch")
    assert row is not None
    with pytest.raises(AccessDenied) as info:
        authorise(row, c, Actor("x-1", [], "无角色"))
    assert str(info.value).endswith("actor 'x-1' holds: none")
    assert info.value.required == ("relationship_manager",)


def test_an_actor_with_a_role_of_the_step_is_admitted(service: ComplaintService) -> None:
    c = at_state(service, S.REGISTERED, severity=Severity.MAJOR)
    row = transition(S.REGISTERED, "apologise")
    assert row is not None
    lead = Actor("stl-7", [Role.ENGINEER, Role.SERVICE_TEAM_LEAD], "服务团队负责人")
    assert authorise(row, c, lead) is None
