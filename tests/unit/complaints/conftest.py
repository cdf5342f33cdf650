"""Fixtures and path helpers for the complaint tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from itsm_core import Actor, DomainEvent, FrozenClock, ItsmCore, Role
from itsm_core.complaints import (
    COMPLAINT_SPEC,
    Complaint,
    ComplaintChannel,
    ComplaintPolicy,
    ComplaintService,
    ComplaintSource,
    ComplaintState,
    Origin,
    Severity,
)
from itsm_core.improvements import IMPROVEMENT_SPEC, ImprovementItem
from itsm_core.storage import Query
from itsm_core.testing import RecordingNotifier

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday

SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER], "用户关系经理")
HANDLER = Actor("ih-1", [Role.INCIDENT_HANDLER], "事件处理人")
TEAM_LEAD = Actor("stl-1", [Role.SERVICE_TEAM_LEAD], "服务团队负责人")
GM = Actor("gm-1", [Role.GENERAL_MANAGER_OFFICE], "总经理室")
BU = Actor("bu-1", [Role.BUSINESS_UNIT], "事业部")
OWNER = Actor("owner-1", [Role.IMPROVEMENT_OWNER], "改进负责人")
OTHER_OWNER = Actor("owner-2", [Role.IMPROVEMENT_OWNER], "另一改进负责人")
DESK = Actor("desk-1", [Role.SERVICE_DESK], "服务台")
COORDINATOR = Actor("coord-1", [Role.COORDINATOR], "协调员")
CUSTOMER = Actor("cust-1", [Role.CUSTOMER], "客户")
NOBODY = Actor("nobody-1", [], "无角色")

IDENTITY = "内部员工王小明-7731"
"""An internal complainant's name: must be seen by the complaint specialist alone."""
CONTACT = "13800001234"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def core(clock: FrozenClock, recorder: RecordingNotifier) -> ItsmCore:
    return ItsmCore("memory://", clock=clock, plugins=[recorder], load_entrypoints=False)


@pytest.fixture
def reopening_core(clock: FrozenClock, recorder: RecordingNotifier) -> ItsmCore:
    return ItsmCore(
        "memory://",
        clock=clock,
        plugins=[recorder],
        load_entrypoints=False,
        complaint_policy=ComplaintPolicy(reopen_on_dissatisfied=True),
    )


@pytest.fixture
def service(core: ItsmCore) -> ComplaintService:
    return core.complaints


def intake(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments for ``receive``; internal complaints carry the secret identity."""
    origin = Origin.parse(overrides.get("origin", Origin.EXTERNAL))
    base: dict[str, Any] = {
        "customer": "华东电网",
        "complainant": {
            "name": IDENTITY if origin is Origin.INTERNAL else "客户李女士",
            "contact": CONTACT,
            "organisation": "运维二部" if origin is Origin.INTERNAL else "华东电网信息中心",
        },
        "origin": origin,
        "channel": ComplaintChannel.HOTLINE,
        "source": ComplaintSource.COMPLAINT_CHANNEL,
        "summary": "故障处理超时三次，未及时告知进展",
        "party_complained_about": "二线网络组",
        "severity": Severity.GENERAL,
        "relationship_manager": RM.id,
    }
    base.update(overrides)
    return base


def item_id(service: ComplaintService, complaint_id: str) -> str:
    """The id of the complaint's improvement item."""
    found = service.get(SPECIALIST, complaint_id).improvement_id
    assert found is not None, "no improvement item is issued for this complaint"
    return found


def item_of(service: ComplaintService, complaint_id: str) -> ImprovementItem:
    """The complaint's improvement item, as the specialist reads it."""
    return service.improvements.get(SPECIALIST, item_id(service, complaint_id))


def give(
    service: ComplaintService, command: str, actor: Actor, complaint_id: str, **kwargs: Any
) -> Complaint:
    """Give a command of the complaint's table: a service method, or
    ``improvements.follow_up`` / ``improvements.decide`` on its item."""
    if command.startswith("improvements."):
        method = getattr(service.improvements, command.removeprefix("improvements."))
        method(actor, item_id(service, complaint_id), **kwargs)
        return service.get(SPECIALIST, complaint_id)
    result: Complaint = getattr(service, command)(actor, complaint_id, **kwargs)
    return result


def stored(core: ItsmCore, complaint_id: str) -> Complaint:
    """Load the complaint as stored (unredacted), bypassing the service."""
    with core.storage.unit_of_work() as uow:
        return uow.get(COMPLAINT_SPEC, complaint_id)


def stored_record(core: ItsmCore, complaint_id: str) -> dict[str, Any]:
    return COMPLAINT_SPEC.to_record(stored(core, complaint_id))


def stored_items(core: ItsmCore) -> list[dict[str, Any]]:
    """Every stored improvement item's record, with its event count."""
    with core.storage.unit_of_work() as uow:
        items = uow.find(IMPROVEMENT_SPEC, Query(()))
        return [
            {**IMPROVEMENT_SPEC.to_record(i), "events": len(uow.history(i.KIND, i.id))}
            for i in items
        ]


def history(core: ItsmCore, complaint_id: str) -> list[DomainEvent]:
    with core.storage.unit_of_work() as uow:
        return uow.history("complaint", complaint_id)


Step = Callable[[ComplaintService, str], Any]

# Steps of the paths, by the state they lead to.
STEPS: dict[str, Step] = {
    "dispatch": lambda s, i: s.dispatch(RM, i, handler=HANDLER.id),
    "finding": lambda s, i: s.record_finding(SPECIALIST, i, finding="工单记录显示三次超时"),
    "judge_valid": lambda s, i: s.judge(SPECIALIST, i, verdict="valid", reason="调查属实"),
    "judge_invalid": lambda s, i: s.judge(SPECIALIST, i, verdict="invalid", reason="超出服务范围"),
    "judge_transferred": lambda s, i: s.judge(
        SPECIALIST, i, verdict="transferred", reason="属财务事业部", business_unit="财务事业部"
    ),
    "explain": lambda s, i: s.explain(
        SPECIALIST, i, apology="给您带来不便，深表歉意", explanation="该系统不在合同服务范围内"
    ),
    "close": lambda s, i: s.close(SPECIALIST, i),
    "bu_resolved": lambda s, i: s.record_business_unit_result(
        BU, i, resolved=True, result="事业部已调整流程"
    ),
    "bu_unresolved": lambda s, i: s.record_business_unit_result(
        BU, i, resolved=False, result="事业部无法解决"
    ),
    "project": lambda s, i: s.register_project(SPECIALIST, i, project_ref="TS-2026-001"),
    "apologise": lambda s, i: s.apologise(HANDLER, i, apology="向客户当面致歉"),
    "resolve": lambda s, i: s.resolve(HANDLER, i, resolution="已恢复业务并补发报告"),
    "escalate": lambda s, i: s.escalate(HANDLER, i, reason="需要更换设备，超出授权"),
    "decide": lambda s, i: s.decide(GM, i, decision="批准更换设备，由运维经理负责"),
    "improve": lambda s, i: s.require_improvement(
        SPECIALIST,
        i,
        cause="二线值班人手不足",
        description="增加夜间值班并建立进展通报机制",
        quality_indicators=[("故障进展通报", "每2小时一次"), ("超时率", "≤ 2%")],
        owner=OWNER.id,
        period=timedelta(days=14),
        business_unit="运维事业部",
    ),
    "progress": lambda s, i: s.improvements.report_progress(
        OWNER, item_id(s, i), note="已排班，待培训"
    ),
    "met": lambda s, i: s.improvements.follow_up(
        SPECIALIST, item_id(s, i), met=True, note="按质量指标完成"
    ),
    "extend": lambda s, i: s.improvements.follow_up(
        SPECIALIST, item_id(s, i), met=False, note="培训未完成", new_period=timedelta(days=7)
    ),
    "not_met_again": lambda s, i: s.improvements.follow_up(
        SPECIALIST, item_id(s, i), met=False, note="仍未完成"
    ),
    "decide_item": lambda s, i: s.improvements.decide(
        GM, item_id(s, i), decision="总经理室决定结案"
    ),
    "feedback": lambda s, i: s.give_feedback(SPECIALIST, i, result="已增加夜间值班"),
    "satisfied": lambda s, i: s.callback(RM, i, satisfied=True),
    "dissatisfied": lambda s, i: s.callback(RM, i, satisfied=False, reason="响应仍然偏慢"),
}

# Paths to each state, from a freshly received complaint.
TO_INVESTIGATING = ["dispatch", "finding"]
PATHS: dict[tuple[ComplaintState, Origin], list[str]] = {
    (ComplaintState.RECEIVED, Origin.EXTERNAL): [],
    (ComplaintState.INVESTIGATING, Origin.EXTERNAL): TO_INVESTIGATING,
    (ComplaintState.INVALID, Origin.EXTERNAL): [*TO_INVESTIGATING, "judge_invalid"],
    (ComplaintState.EXPLAINED, Origin.EXTERNAL): [*TO_INVESTIGATING, "judge_invalid", "explain"],
    (ComplaintState.TRANSFERRED, Origin.INTERNAL): [*TO_INVESTIGATING, "judge_transferred"],
    (ComplaintState.TRANSFER_ESCALATED, Origin.INTERNAL): [
        *TO_INVESTIGATING,
        "judge_transferred",
        "bu_unresolved",
    ],
    (ComplaintState.VALID, Origin.EXTERNAL): [*TO_INVESTIGATING, "judge_valid"],
    (ComplaintState.REGISTERED, Origin.EXTERNAL): [*TO_INVESTIGATING, "judge_valid", "project"],
    (ComplaintState.REGISTERED, Origin.INTERNAL): [*TO_INVESTIGATING, "judge_valid", "project"],
    (ComplaintState.APOLOGISED, Origin.EXTERNAL): [
        *TO_INVESTIGATING,
        "judge_valid",
        "project",
        "apologise",
    ],
    (ComplaintState.ESCALATED, Origin.EXTERNAL): [
        *TO_INVESTIGATING,
        "judge_valid",
        "project",
        "apologise",
        "escalate",
    ],
    (ComplaintState.RESOLVED, Origin.EXTERNAL): [
        *TO_INVESTIGATING,
        "judge_valid",
        "project",
        "apologise",
        "resolve",
    ],
}
PATHS[(ComplaintState.IMPROVING, Origin.EXTERNAL)] = [
    *PATHS[(ComplaintState.RESOLVED, Origin.EXTERNAL)],
    "improve",
]
PATHS[(ComplaintState.IMPROVEMENT_EXTENDED, Origin.EXTERNAL)] = [
    *PATHS[(ComplaintState.IMPROVING, Origin.EXTERNAL)],
    "extend",
]
PATHS[(ComplaintState.IMPROVEMENT_ESCALATED, Origin.EXTERNAL)] = [
    *PATHS[(ComplaintState.IMPROVEMENT_EXTENDED, Origin.EXTERNAL)],
    "not_met_again",
]
PATHS[(ComplaintState.HANDLED, Origin.EXTERNAL)] = [
    *PATHS[(ComplaintState.IMPROVING, Origin.EXTERNAL)],
    "met",
]
PATHS[(ComplaintState.FEEDBACK_GIVEN, Origin.EXTERNAL)] = [
    *PATHS[(ComplaintState.HANDLED, Origin.EXTERNAL)],
    "feedback",
]
PATHS[(ComplaintState.CLOSED, Origin.EXTERNAL)] = [
    *PATHS[(ComplaintState.FEEDBACK_GIVEN, Origin.EXTERNAL)],
    "satisfied",
]


def receive(service: ComplaintService, **overrides: Any) -> Complaint:
    return service.receive(SPECIALIST, **intake(**overrides))


def walk(service: ComplaintService, complaint_id: str, steps: list[str]) -> Complaint:
    """Run the named steps in order; return the complaint as the specialist sees it."""
    for name in steps:
        STEPS[name](service, complaint_id)
    return service.get(SPECIALIST, complaint_id)


def at_state(
    service: ComplaintService,
    state: ComplaintState,
    origin: Origin = Origin.EXTERNAL,
    **overrides: Any,
) -> Complaint:
    """Receive a complaint and walk it to ``state``."""
    key = (state, origin)
    if key not in PATHS and origin is Origin.INTERNAL:
        steps = [s for s in PATHS[(state, Origin.EXTERNAL)] if s != "apologise"]
    else:
        steps = PATHS[key]
    c = receive(service, origin=origin, **overrides)
    c = walk(service, c.id, steps)
    assert c.state is state
    return c
