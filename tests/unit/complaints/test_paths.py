"""Every path of the complaint process, end to end through the service."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsm_core import FrozenClock, InvalidTransition, ItsmCore
from itsm_core.complaints import (
    ComplaintService,
    ComplaintState,
    EscalationLevel,
    EscalationStage,
    HandlingLevel,
    Origin,
    Severity,
    Verdict,
)
from itsm_core.improvements import ImprovementState

from .conftest import (
    GM,
    HANDLER,
    OWNER,
    RM,
    SPECIALIST,
    TEAM_LEAD,
    history,
    item_id,
    item_of,
    receive,
    walk,
)

S = ComplaintState


def names(core: ItsmCore, complaint_id: str) -> list[str]:
    return [e.name for e in history(core, complaint_id)]


def test_receipt_records_the_complaint_and_notifies_the_relationship_manager(
    core: ItsmCore, service: ComplaintService, recorder
) -> None:
    c = receive(service)
    assert c.state is S.RECEIVED
    assert c.version == 1
    assert c.received_by == SPECIALIST.id
    events = history(core, c.id)
    assert [e.name for e in events] == ["complaint.received"]
    assert events[0].payload["notify"] == ("relationship_manager",)
    assert events[0].payload["relationship_manager"] == RM.id
    assert [e.name for e in recorder.events] == ["complaint.received"]


def test_invalid_path_apology_and_explanation_then_closed(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = receive(service)
    c = walk(service, c.id, ["dispatch", "finding", "judge_invalid"])
    assert (c.state, c.verdict) == (S.INVALID, Verdict.INVALID)
    c = walk(service, c.id, ["explain"])
    assert c.state is S.EXPLAINED
    assert c.apology is not None and c.explanation is not None
    c = walk(service, c.id, ["close"])
    assert c.state is S.CLOSED
    assert c.closed_by == SPECIALIST.id
    assert names(core, c.id) == [
        "complaint.received",
        "complaint.dispatched",
        "complaint.finding_recorded",
        "complaint.judged",
        "complaint.explained",
        "complaint.closed",
    ]


def test_transferred_path_resolved_by_the_business_unit(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = receive(service, origin=Origin.INTERNAL)
    c = walk(service, c.id, ["dispatch", "finding", "judge_transferred"])
    assert (c.state, c.business_unit) == (S.TRANSFERRED, "财务事业部")
    c = walk(service, c.id, ["bu_resolved"])
    assert c.state is S.HANDLED
    assert c.handled_at is not None and c.callback_due_at == c.handled_at + timedelta(days=1)
    c = walk(service, c.id, ["feedback", "satisfied"])
    assert c.state is S.CLOSED


def test_transferred_path_unresolved_goes_to_the_general_managers_office(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = receive(service, origin=Origin.INTERNAL)
    c = walk(service, c.id, ["dispatch", "finding", "judge_transferred", "bu_unresolved"])
    assert c.state is S.TRANSFER_ESCALATED
    pending = c.pending_escalation
    assert pending is not None
    assert (pending.level, pending.stage) == (
        EscalationLevel.GENERAL_MANAGER_OFFICE,
        EscalationStage.TRANSFER,
    )
    c = walk(service, c.id, ["decide"])
    assert c.state is S.HANDLED
    assert c.pending_escalation is None
    assert c.escalations[-1].decision == "批准更换设备，由运维经理负责"
    assert c.escalations[-1].decided_by == GM.id
    c = walk(service, c.id, ["feedback", "satisfied"])
    assert c.state is S.CLOSED


def test_valid_external_path_with_apology_improvement_and_callback(
    core: ItsmCore, service: ComplaintService, clock: FrozenClock
) -> None:
    c = receive(service)
    c = walk(service, c.id, ["dispatch", "finding", "judge_valid", "project"])
    assert (c.state, c.project_ref) == (S.REGISTERED, "TS-2026-001")
    c = walk(service, c.id, ["apologise"])
    assert c.state is S.APOLOGISED and c.apology is not None
    assert c.apology.by == HANDLER.id
    c = walk(service, c.id, ["resolve", "improve"])
    assert c.state is S.IMPROVING
    item = item_of(service, c.id)
    assert item.owner == OWNER.id
    assert item.source_ref == c.id
    assert item.due_at == clock.now() + timedelta(days=14)
    assert [q.name for q in item.quality_indicators] == ["故障进展通报", "超时率"]
    c = walk(service, c.id, ["progress", "met"])
    assert c.state is S.HANDLED
    assert item_of(service, c.id).state is ImprovementState.DONE
    c = walk(service, c.id, ["feedback", "satisfied"])
    assert c.state is S.CLOSED
    assert c.callbacks[-1].satisfied is True
    assert names(core, c.id)[-1] == "complaint.closed"
    # the progress report is the item's event: the complaint does not change for it
    assert c.version == len(history(core, c.id)) == 11
    events = service.improvements.history(SPECIALIST, item.id)
    assert [e.name for e in events] == [
        "improvement_item.issued",
        "improvement_item.progress_reported",
        "improvement_item.met",
    ]


def test_valid_internal_path_has_no_apology_step(service: ComplaintService) -> None:
    c = receive(service, origin=Origin.INTERNAL)
    c = walk(service, c.id, ["dispatch", "finding", "judge_valid", "project", "resolve"])
    assert c.state is S.RESOLVED
    assert c.apology is None


def test_unresolved_problem_escalates_and_the_decision_leads_on_to_improvement(
    service: ComplaintService,
) -> None:
    c = receive(service)
    c = walk(service, c.id, ["dispatch", "finding", "judge_valid", "project", "apologise"])
    c = walk(service, c.id, ["escalate"])
    assert c.state is S.ESCALATED
    assert c.pending_escalation is not None
    assert c.pending_escalation.stage is EscalationStage.RESOLUTION
    c = walk(service, c.id, ["decide"])
    assert c.state is S.RESOLVED
    assert c.escalations[-1].decision is not None
    c = walk(service, c.id, ["improve"])
    assert c.state is S.IMPROVING


def test_internal_unresolved_problem_escalates_without_apology(service: ComplaintService) -> None:
    c = receive(service, origin=Origin.INTERNAL)
    c = walk(service, c.id, ["dispatch", "finding", "judge_valid", "project", "escalate"])
    assert c.state is S.ESCALATED


def test_major_complaint_escalates_to_the_service_team_lead_at_dispatch(
    core: ItsmCore, service: ComplaintService, recorder
) -> None:
    c = receive(service, severity=Severity.MAJOR)
    c = service.dispatch(RM, c.id, handler=TEAM_LEAD.id)
    assert c.handling_level is HandlingLevel.SERVICE_TEAM_LEAD
    assert [(e.level, e.stage) for e in c.escalations] == [
        (EscalationLevel.SERVICE_TEAM_LEAD, EscalationStage.DISPATCH)
    ]
    event = history(core, c.id)[-1]
    assert event.payload["escalated_to"] == "service_team_lead"
    assert event.payload["notify"] == ("service_team_lead",)
    # the service team lead handles it
    c = walk(service, c.id, ["finding", "judge_valid", "project"])
    service.apologise(TEAM_LEAD, c.id, apology="团队负责人致歉")
    c = service.resolve(TEAM_LEAD, c.id, resolution="团队负责人协调解决")
    assert c.state is S.RESOLVED


def test_severity_can_be_regraded_at_dispatch(service: ComplaintService) -> None:
    c = receive(service)
    c = service.dispatch(RM, c.id, severity="major")
    assert c.severity is Severity.MAJOR
    assert c.handling_level is HandlingLevel.SERVICE_TEAM_LEAD
    d = receive(service, severity=Severity.MAJOR)
    d = service.dispatch(RM, d.id, severity=Severity.GENERAL)
    assert d.handling_level is HandlingLevel.SERVICE_GROUP
    assert d.escalations == ()


def test_improvement_not_met_is_extended_once_then_met(
    service: ComplaintService, clock: FrozenClock
) -> None:
    c = receive(service)
    c = walk(
        service,
        c.id,
        ["dispatch", "finding", "judge_valid", "project", "apologise", "resolve", "improve"],
    )
    first_due = item_of(service, c.id).due_at
    clock.advance(days=15)
    c = walk(service, c.id, ["extend"])
    assert c.state is S.IMPROVEMENT_EXTENDED
    item = item_of(service, c.id)
    assert item.extensions == 1
    assert item.due_at == clock.now() + timedelta(days=7)
    assert item.follow_ups[0].due_at == first_due
    c = walk(service, c.id, ["progress", "met"])
    assert c.state is S.HANDLED


def test_improvement_not_met_at_second_follow_up_goes_to_the_gm_office(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = receive(service)
    steps = ["dispatch", "finding", "judge_valid", "project", "apologise", "resolve"]
    c = walk(service, c.id, [*steps, "improve", "extend", "not_met_again"])
    assert c.state is S.IMPROVEMENT_ESCALATED
    assert item_of(service, c.id).state is ImprovementState.ESCALATED
    assert c.pending_escalation is not None
    assert c.pending_escalation.stage is EscalationStage.IMPROVEMENT
    service.improvements.decide(GM, item_id(service, c.id), decision="批准更换设备，由运维经理负责")
    c = service.get(SPECIALIST, c.id)
    assert c.state is S.HANDLED
    assert c.pending_escalation is None
    assert c.escalations[-1].decision == "批准更换设备，由运维经理负责"
    item = item_of(service, c.id)
    assert item.state is ImprovementState.DECIDED
    assert item.decision == "批准更换设备，由运维经理负责"
    assert names(core, c.id)[-1] == "complaint.gm_decided"
    c = walk(service, c.id, ["feedback", "satisfied"])
    assert c.state is S.CLOSED


def test_dissatisfied_callback_records_the_reason_and_closes(
    core: ItsmCore, service: ComplaintService
) -> None:
    c = receive(service)
    steps = ["dispatch", "finding", "judge_valid", "project", "apologise", "resolve", "improve"]
    c = walk(service, c.id, [*steps, "met", "feedback", "dissatisfied"])
    assert c.state is S.CLOSED
    assert c.callbacks[-1].satisfied is False
    assert c.callbacks[-1].reason == "响应仍然偏慢"
    last = history(core, c.id)[-1]
    assert last.name == "complaint.closed"
    assert last.payload["event"] == "close_dissatisfied"


def test_dissatisfied_callback_reopens_where_the_policy_says_so(
    reopening_core: ItsmCore,
) -> None:
    service = reopening_core.complaints
    c = receive(service)
    steps = ["dispatch", "finding", "judge_valid", "project", "apologise", "resolve", "improve"]
    c = walk(service, c.id, [*steps, "met", "feedback", "dissatisfied"])
    assert c.state is S.INVESTIGATING
    assert c.reopened == 1
    assert c.verdict is None
    assert c.callbacks[-1].reopened is True
    assert history(reopening_core, c.id)[-1].name == "complaint.reopened"
    # a new investigation: the old findings do not judge it again
    assert c.findings_at_reopen == len(c.findings) == 1
    assert "judge" not in service.allowed_commands(SPECIALIST, c.id)
    version = c.version
    with pytest.raises(InvalidTransition, match="record at least one new finding"):
        service.judge(SPECIALIST, c.id, verdict="valid", reason="同上")
    assert service.get(SPECIALIST, c.id).version == version
    # the reopened complaint runs the lifecycle again and can close
    c = walk(
        service, c.id, ["finding", "judge_valid", "project", "apologise", "resolve", "improve"]
    )
    c = walk(service, c.id, ["met", "feedback", "satisfied"])
    assert c.state is S.CLOSED


def test_the_relationship_manager_may_judge_validity(service: ComplaintService) -> None:
    c = receive(service)
    c = walk(service, c.id, ["dispatch", "finding"])
    c = service.judge(RM, c.id, verdict=Verdict.VALID, reason="经核实属实")
    assert c.judged_by == RM.id


def test_closed_is_terminal_for_every_command(service: ComplaintService) -> None:
    from itsm_core.complaints.lifecycle import LIFECYCLE

    assert LIFECYCLE.terminal == frozenset({S.CLOSED})
