"""A scenario for the review analysis tests: one customer's quarter, on any store."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from itsm_core import Actor, FrozenClock, ItsmCore, Role
from itsm_core.reviews.analysis import ReviewAnalysis
from itsm_core.satisfaction import LevelRule
from itsm_core.sla import Target

SH = ZoneInfo("Asia/Shanghai")
CUSTOMER = "华东电网"

SPECIALIST = Actor("spec-1", [Role.COMPLAINT_SPECIALIST], "投诉专员")
RM = Actor("rm-1", [Role.RELATIONSHIP_MANAGER], "用户关系经理")
HANDLER = Actor("ih-1", [Role.INCIDENT_HANDLER], "事件处理人")
PM = Actor("pm-1", [Role.PROJECT_MANAGER], "项目经理")
OM = Actor("om-1", [Role.OPERATIONS_MANAGER], "运维经理")
DIRECTOR = Actor("od-1", [Role.OPERATIONS_DIRECTOR], "运营总监")
DESK = Actor("desk-1", [Role.SERVICE_DESK], "服务台")
OWNER = Actor("owner-1", [Role.IMPROVEMENT_OWNER], "改进负责人")
ENGINEER = Actor("eng-1", [Role.ENGINEER], "工程师")
CUSTOMER_ACTOR = Actor("cust-1", [Role.CUSTOMER], "客户")

IDENTITY = "内部员工王小明-7731"
"""An internal complainant's name: it must appear in no pack, trend or report."""


def analysis_of(core: ItsmCore) -> ReviewAnalysis:
    """``core.reviews.analysis``."""
    return core.reviews.analysis


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SH)


def complaint(
    core: ItsmCore,
    clock: FrozenClock,
    when: datetime,
    *,
    party: str = "二线网络组",
    source: str = "complaint_channel",
    origin: str = "external",
    customer: str = CUSTOMER,
    steps: tuple[str, ...] = (),
) -> str:
    """Receive a complaint at ``when`` and walk it through ``steps`` an hour apart."""
    clock.set(when)
    name = IDENTITY if origin == "internal" else "客户李女士"
    c = core.complaints.receive(
        SPECIALIST,
        customer=customer,
        complainant={"name": name, "contact": "13800001234"},
        origin=origin,
        channel="hotline",
        source=source,
        summary="故障处理超时，未及时告知进展",
        party_complained_about=party,
        relationship_manager=RM.id,
    )
    s = core.complaints
    actions: dict[str, Any] = {
        "dispatch": lambda: s.dispatch(RM, c.id, handler=HANDLER.id),
        "finding": lambda: s.record_finding(SPECIALIST, c.id, finding="工单记录显示超时"),
        "valid": lambda: s.judge(SPECIALIST, c.id, verdict="valid", reason="调查属实"),
        "invalid": lambda: s.judge(SPECIALIST, c.id, verdict="invalid", reason="超出范围"),
        "explain": lambda: s.explain(SPECIALIST, c.id, apology="抱歉", explanation="不在范围内"),
        "close": lambda: s.close(SPECIALIST, c.id),
        "project": lambda: s.register_project(SPECIALIST, c.id, project_ref="TS-1"),
        "apologise": lambda: s.apologise(HANDLER, c.id, apology="当面致歉"),
        "escalate": lambda: s.escalate(HANDLER, c.id, reason="超出授权"),
        "resolve": lambda: s.resolve(HANDLER, c.id, resolution="已恢复"),
        "improve": lambda: s.require_improvement(
            SPECIALIST,
            c.id,
            cause="值班人手不足",
            description="增加夜间值班",
            quality_indicators=[("进展通报", "每2小时一次")],
            owner=OWNER.id,
            period=timedelta(days=14),
        ),
    }
    for i, step in enumerate(steps, start=1):
        clock.set(when + timedelta(hours=i))
        actions[step]()
    return c.id


def clock_for(
    core: ItsmCore,
    clock: FrozenClock,
    start: datetime,
    *,
    hours: float,
    budget_hours: float = 4,
    kind: str = "resolution",
    customer: str = CUSTOMER,
    service: str = "desktop",
) -> str:
    """A clock of ``budget_hours`` started at ``start`` and stopped ``hours`` later."""
    clock.set(start)
    c = core.sla.start(
        DESK,
        subject_kind="ticket",
        subject_id=f"t-{start.isoformat()}-{hours}-{kind}",
        target=Target(service, "P2", kind, timedelta(hours=budget_hours)),
        customer=customer,
    )
    clock.set(start + timedelta(hours=hours))
    core.sla.tick(DESK)
    core.sla.stop(DESK, c.id, reason="resolved")
    return c.id


def scores(
    core: ItsmCore,
    clock: FrozenClock,
    when: datetime,
    values: list[int],
    *,
    channel: str = "ticket",
    service: str = "desktop",
    customer: str = CUSTOMER,
) -> None:
    clock.set(when)
    for value in values:
        core.satisfaction.responses.record_response(
            DESK,
            channel=channel,
            customer=customer,
            service=service,
            subject_kind="service_record",
            subject_ref=None,
            score=value,
            respondent=f"{customer}-user",
        )


def set_target(core: ItsmCore) -> None:
    core.satisfaction.targets.set_target(
        OM,
        "desktop",
        target=85,
        levels=[
            LevelRule("green", 85, "保持"),
            LevelRule("yellow", 70, "电话回访"),
            LevelRule("red", None, "上门拜访"),
        ],
    )


COORD = Actor("coord-1", [Role.COORDINATOR], "协调员")


def reported_review(
    core: ItsmCore,
    *,
    reported: datetime,
    problems: list[dict[str, Any]],
    customer: str = CUSTOMER,
    period: tuple[datetime, datetime] = (at(4, 1, 0), at(7, 1, 0)),
) -> str:
    """Store a service review reported at ``reported`` with ``problems``, through its model."""
    from itsm_core.kernel.ids import new_id
    from itsm_core.reviews import REVIEW_SPEC, ServiceReview

    start = reported - timedelta(days=3)
    review = ServiceReview.plan(
        PM,
        start,
        review_id=new_id("rev-"),
        customer=customer,
        scheduled_at=start + timedelta(days=1),
        due_at=reported + timedelta(days=5),
        period_start=period[0],
        period_end=period[1],
        project_manager=PM.id,
    )
    review.prepare(
        PM,
        start + timedelta(hours=1),
        scope="季度服务回顾",
        topics=["SLA 完成情况"],
        agenda=["SLA 报告"],
        participants=[
            {"person": "zhao", "role": "customer_representative"},
            {"person": PM.id, "role": "project_manager"},
            {"person": OM.id, "role": "operations_manager"},
        ],
    )
    review.hold(PM, start + timedelta(days=1), attended=["zhao", PM.id, OM.id], record="回顾记录")
    review.minute(COORD, start + timedelta(days=2), minutes="回顾活动纪要")
    review.report(PM, reported, summary="回顾报告", problems=problems, actions=[])
    with core.runtime.transaction() as uow:
        uow.save(REVIEW_SPEC, review)
    return review.id
