"""Role checks: AccessDenied names the role required; nothing changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from itsm_core import SYSTEM, AccessDenied, Actor, ItsmCore, Role
from itsm_core.complaints import ComplaintService, ComplaintState, Origin, Severity
from itsm_core.complaints.lifecycle import TRANSITIONS, Transition, command_roles, roles_for

from .conftest import (
    COORDINATOR,
    CUSTOMER,
    DESK,
    HANDLER,
    NOBODY,
    OTHER_OWNER,
    OWNER,
    RM,
    SPECIALIST,
    TEAM_LEAD,
    at_state,
    give,
    history,
    intake,
    item_id,
    receive,
    stored_items,
    stored_record,
    walk,
)

S = ComplaintState

# Well-formed arguments per service command, for the state each row leaves.
ARGS: dict[str, dict[str, Any]] = {
    "dispatch": {},
    "record_finding": {"finding": "f"},
    "explain": {"apology": "a", "explanation": "e"},
    "close": {},
    "register_project": {},
    "apologise": {"apology": "a"},
    "resolve": {"resolution": "r"},
    "escalate": {"reason": "r"},
    "decide": {"decision": "d"},
    "improvements.decide": {"decision": "d"},
    "require_improvement": {
        "cause": "c",
        "description": "d",
        "quality_indicators": ["超时率: ≤ 2%"],
        "owner": OWNER.id,
        "period": timedelta(days=3),
    },
    "give_feedback": {"result": "r"},
}
EVENT_ARGS: dict[str, dict[str, Any]] = {
    "judge_invalid": {"verdict": "invalid", "reason": "r"},
    "judge_valid": {"verdict": "valid", "reason": "r"},
    "judge_transferred": {"verdict": "transferred", "reason": "r", "business_unit": "财务事业部"},
    "business_unit_resolved": {"resolved": True, "result": "r"},
    "business_unit_unresolved": {"resolved": False, "result": "r"},
    "improvement_met": {"met": True, "note": "n"},
    "extend_improvement": {"met": False, "note": "n", "new_period": timedelta(days=2)},
    "escalate_improvement": {"met": False, "note": "n"},
    "grant_period": {"decision": "d", "new_period": timedelta(days=2)},
    "close_satisfied": {"satisfied": True},
    "close_dissatisfied": {"satisfied": False, "reason": "r"},
    "reopen": {"satisfied": False, "reason": "r"},
}


def args_for(row: Transition) -> dict[str, Any]:
    return EVENT_ARGS.get(row.event, ARGS.get(row.command, {}))


def origin_for(row: Transition) -> Origin:
    return (
        Origin.INTERNAL
        if Origin.INTERNAL in row.origins and len(row.origins) == 1
        else (Origin.EXTERNAL)
    )


def actor_for(role: Role) -> Actor:
    return Actor(OWNER.id if role is Role.IMPROVEMENT_OWNER else f"{role.value}-9", [role])


def reachable(row: Transition) -> bool:
    # the reopen row needs a reopening policy; its roles equal close_dissatisfied's
    return row.event != "reopen"


ROWS = [t for t in TRANSITIONS if reachable(t)]


@pytest.mark.parametrize("row", ROWS, ids=lambda t: f"{t.source.value}-{t.event}")
def test_every_row_refuses_every_role_it_does_not_name(
    core: ItsmCore, service: ComplaintService, row: Transition
) -> None:
    c = at_state(service, row.source, origin_for(row))
    allowed = roles_for(row, Severity.GENERAL)
    for role in Role:
        if role in allowed:
            continue
        before = stored_record(core, c.id), stored_items(core)
        with pytest.raises(AccessDenied) as info:
            give(service, row.command, actor_for(role), c.id, **args_for(row))
        assert set(info.value.required) & {r.value for r in allowed}
        assert "needs one of the roles" in str(info.value) or "only the improvement owner" in str(
            info.value
        )
        assert (stored_record(core, c.id), stored_items(core)) == before


@pytest.mark.parametrize("row", ROWS, ids=lambda t: f"{t.source.value}-{t.event}")
def test_every_row_admits_each_role_it_names(service: ComplaintService, row: Transition) -> None:
    for role in roles_for(row, Severity.GENERAL):
        c = at_state(service, row.source, origin_for(row))
        after = give(service, row.command, actor_for(role), c.id, **args_for(row))
        assert after.state is row.dest
        assert after.version == c.version + 1


def test_access_is_checked_before_the_complaint_is_read(service: ComplaintService) -> None:
    with pytest.raises(AccessDenied, match="relationship_manager"):
        service.dispatch(SPECIALIST, "cmp-does-not-exist")


def test_the_message_names_the_roles_required_and_held(service: ComplaintService) -> None:
    c = receive(service)
    with pytest.raises(AccessDenied) as info:
        service.dispatch(COORDINATOR, c.id)
    text = str(info.value)
    assert "relationship_manager (用户关系经理)" in text
    assert "holds: coordinator" in text
    assert info.value.required == ("relationship_manager",)


def test_a_major_complaint_is_handled_by_the_service_team_lead(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = at_state(service, S.REGISTERED, severity=Severity.MAJOR)
    before = stored_record(core, c.id)
    with pytest.raises(AccessDenied, match="major complaint") as info:
        service.apologise(HANDLER, c.id, apology="a")
    assert set(info.value.required) == {"complaint_specialist", "service_team_lead"}
    assert stored_record(core, c.id) == before
    c = service.apologise(TEAM_LEAD, c.id, apology="a")
    with pytest.raises(AccessDenied):
        service.resolve(HANDLER, c.id, resolution="r")
    assert service.resolve(SPECIALIST, c.id, resolution="r").state is S.RESOLVED


def test_only_the_named_improvement_owner_reports_progress(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = at_state(service, S.IMPROVING)
    item = item_id(service, c.id)
    before = stored_record(core, c.id), stored_items(core)
    with pytest.raises(AccessDenied, match="only the improvement owner named"):
        service.improvements.report_progress(OTHER_OWNER, item, note="n")
    assert (stored_record(core, c.id), stored_items(core)) == before
    assert service.improvements.report_progress(OWNER, item, note="n").progress[-1].note == "n"


@pytest.mark.parametrize("actor", [SPECIALIST, DESK, SYSTEM])
def test_receivers(service: ComplaintService, actor: Actor) -> None:
    assert service.receive(actor, **intake()).state is S.RECEIVED


@pytest.mark.parametrize("actor", [RM, HANDLER, CUSTOMER, NOBODY, COORDINATOR])
def test_others_may_not_receive(service: ComplaintService, actor: Actor) -> None:
    with pytest.raises(AccessDenied, match="complaint_specialist"):
        service.receive(actor, **intake())
    assert service.find(SPECIALIST) == []


@pytest.mark.parametrize("actor", [CUSTOMER, NOBODY])
def test_customers_and_roleless_actors_read_nothing(
    service: ComplaintService, actor: Actor
) -> None:
    c = receive(service)
    for call in (
        lambda: service.get(actor, c.id),
        lambda: service.history(actor, c.id),
        lambda: service.find(actor),
        lambda: service.record(actor, c.id, "registration_form"),
        lambda: service.records(actor, c.id),
        lambda: service.allowed_commands(actor, c.id),
        lambda: service.improvements.find(actor),
        lambda: service.find_praise(actor),
    ):
        with pytest.raises(AccessDenied):
            call()


def test_the_actor_must_be_an_actor(service: ComplaintService) -> None:
    from itsm_core import ValidationError

    with pytest.raises(ValidationError, match=r"actor must be an itsm_core\.Actor"):
        service.receive("spec-1", **intake())  # type: ignore[arg-type]


def test_allowed_commands_follow_state_origin_and_role(service: ComplaintService) -> None:
    c = at_state(service, S.INVESTIGATING)
    assert service.allowed_commands(SPECIALIST, c.id) == ("record_finding", "judge")
    assert service.allowed_commands(RM, c.id) == ("judge",)
    assert service.allowed_commands(HANDLER, c.id) == ()
    r = at_state(service, S.REGISTERED, Origin.INTERNAL)
    assert set(service.allowed_commands(HANDLER, r.id)) == {"resolve", "escalate"}
    e = at_state(service, S.REGISTERED)
    assert set(service.allowed_commands(HANDLER, e.id)) == {"apologise"}


def test_allowed_commands_know_the_rules_that_depend_on_who_acts(
    service: ComplaintService,
) -> None:
    c = at_state(service, S.IMPROVING)
    item = item_id(service, c.id)
    assert service.allowed_commands(OWNER, c.id) == ()  # the owner acts on the item
    assert service.improvements.allowed_commands(OWNER, item) == ("report_progress", "submit")
    assert service.improvements.allowed_commands(OTHER_OWNER, item) == ()
    assert service.allowed_commands(SPECIALIST, c.id) == ("improvements.follow_up",)
    assert service.improvements.allowed_commands(SPECIALIST, item) == ("follow_up",)
    d = walk(service, receive(service).id, ["dispatch"])
    assert d.findings == ()
    assert service.allowed_commands(SPECIALIST, d.id) == ("record_finding",)
    assert service.allowed_commands(RM, d.id) == ()
    m = at_state(service, S.REGISTERED, severity=Severity.MAJOR)
    assert service.allowed_commands(HANDLER, m.id) == ()
    assert service.allowed_commands(TEAM_LEAD, m.id) == ("apologise",)
    # every command listed is accepted with well-formed arguments
    assert service.improvements.report_progress(OWNER, item, note="n").version == 2
    for actor, complaint, command, kwargs in [
        (SPECIALIST, c, "improvements.follow_up", {"met": True, "note": "n"}),
        (TEAM_LEAD, m, "apologise", {"apology": "a"}),
    ]:
        assert (
            give(service, command, actor, complaint.id, **kwargs).version == complaint.version + 1
        )


def test_command_roles_cover_every_row() -> None:
    for row in TRANSITIONS:
        assert row.roles <= command_roles(row.command)
        if row.major_roles is not None:
            assert row.major_roles <= row.roles
    assert history  # the helper is importable for the other tests


# ---------------------------------------------------------------- the relationship manager's area


OTHER_RM = Actor("rm-2", [Role.RELATIONSHIP_MANAGER], "另一区域的用户关系经理")


@pytest.fixture
def area_core(clock: Any) -> ItsmCore:
    from itsm_core.complaints import ComplaintPolicy

    return ItsmCore(
        "memory://",
        clock=clock,
        load_entrypoints=False,
        complaint_policy=ComplaintPolicy(assigned_relationship_manager_only=True),
    )


def test_by_default_any_relationship_manager_may_act(service: ComplaintService) -> None:
    c = receive(service)
    assert service.dispatch(OTHER_RM, c.id).state is S.INVESTIGATING
    assert service.get(SPECIALIST, c.id).relationship_manager == RM.id


@pytest.mark.parametrize(
    ("state", "command", "kwargs"),
    [
        (S.RECEIVED, "dispatch", {}),
        (S.INVESTIGATING, "judge", {"verdict": "valid", "reason": "r"}),
        (S.HANDLED, "give_feedback", {"result": "r"}),
        (S.FEEDBACK_GIVEN, "callback", {"satisfied": True}),
    ],
)
def test_with_the_area_policy_a_relationship_manager_acts_on_their_own_complaints_only(
    area_core: ItsmCore, state: ComplaintState, command: str, kwargs: dict[str, Any]
) -> None:
    service = area_core.complaints
    c = at_state(service, state)
    before = stored_record(area_core, c.id)
    with pytest.raises(AccessDenied, match="own area only") as info:
        getattr(service, command)(OTHER_RM, c.id, **kwargs)
    assert "assigned to 'rm-1', not to 'rm-2'" in str(info.value)
    assert "relationship_manager" not in info.value.required
    assert stored_record(area_core, c.id) == before
    assert command not in service.allowed_commands(OTHER_RM, c.id)
    assert command in service.allowed_commands(RM, c.id)
    # the assigned relationship manager, and the specialist where the row admits one, may
    assert getattr(service, command)(RM, c.id, **kwargs).version == c.version + 1


def test_with_the_area_policy_the_specialist_is_not_bound_to_an_area(
    area_core: ItsmCore,
) -> None:
    service = area_core.complaints
    c = at_state(service, S.INVESTIGATING)
    both = Actor("spec-rm", [Role.COMPLAINT_SPECIALIST, Role.RELATIONSHIP_MANAGER])
    assert service.judge(both, c.id, verdict="valid", reason="r").judged_by == both.id


def test_a_complaint_without_a_relationship_manager_is_assigned_at_dispatch(
    area_core: ItsmCore,
) -> None:
    service = area_core.complaints
    c = service.receive(SPECIALIST, **intake(relationship_manager=None))
    assert c.relationship_manager is None
    assert "dispatch" in service.allowed_commands(OTHER_RM, c.id)
    c = service.dispatch(OTHER_RM, c.id)
    assert c.relationship_manager == OTHER_RM.id
    assert [x.id for x in service.find(SPECIALIST, relationship_manager=OTHER_RM.id)] == [c.id]
    service.record_finding(SPECIALIST, c.id, finding="f")
    with pytest.raises(AccessDenied, match="assigned to 'rm-2'"):
        service.judge(RM, c.id, verdict="valid", reason="r")
    assert service.judge(OTHER_RM, c.id, verdict="valid", reason="r").state is S.VALID
    assert history(area_core, c.id)[1].payload["relationship_manager"] == OTHER_RM.id
    for kind in ("registration_form", "supervision_record"):
        assert service.record(RM, c.id, kind).value("relationship_manager") == OTHER_RM.id
