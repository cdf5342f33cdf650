"""A small world with an aggregate of every kind, for the fuzzing and fault tests.

:func:`seed` fills a facade through its public commands: customers, an
agreement and SLA clocks, service records, a callback, scores, complaints in
several states, praise, an improvement item, reviews and a review plan,
survey campaigns with invitations, a satisfaction target and a trend
analysis. It returns the ids of what it made, which the fuzzer draws from.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
from hypothesis import strategies as st

from itsm_core import Actor, ItsmCore, Question, Role
from itsm_core.kernel.actors import STAFF_ROLES
from itsm_core.satisfaction import LevelRule
from itsm_core.sla import ServicePeriod, Target

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""When the world is made (a Monday morning)."""

ADMIN = Actor("admin-1", sorted(STAFF_ROLES), "管理员")
"""One person with every staff role: makes the world without being refused."""

ACTORS: tuple[Actor, ...] = (
    ADMIN,
    *(Actor(f"{role.value}-1", [role], role.zh) for role in Role),
    Actor("C1-rep", [Role.CUSTOMER], "客户代表"),
)
"""Who calls the fuzzed commands: everyone at once, each role alone, a customer."""

CALLERS = st.integers(0, 2).flatmap(lambda n: st.just(ADMIN) if n else st.sampled_from(ACTORS))
"""An actor for a fuzzed call: two times in three the one allowed everything."""

SERVICES = ("desktop", "network")
CUSTOMERS = ("C1", "C2")


@attrs.define(eq=False)
class World:
    """The ids of what :func:`seed` made, by the name of the parameter that takes them."""

    ids: dict[str, list[str]] = attrs.field(factory=dict)

    def add(self, name: str, value: str) -> None:
        self.ids.setdefault(name, []).append(value)


def seed(core: ItsmCore) -> World:
    """Make the world in ``core`` (a facade on a clock at :data:`T0`)."""
    world = World()
    sat, a = core.satisfaction, ADMIN
    for cid, key in zip(CUSTOMERS, (True, False), strict=True):
        sat.customers.register(a, cid, name=f"客户{cid}", key=key)
        world.add("customer", cid)
    targets = [
        Target(service, priority, "resolution", timedelta(hours=hours))
        for service in SERVICES
        for priority, hours in (("P1", 4), ("P2", 8))
    ]
    agreement = core.sla.define_agreement(
        a,
        name="年度运维服务协议",
        kind="sla",
        counterparty="客户C1",
        targets=targets,
        period=ServicePeriod(T0 - timedelta(days=60), T0 + timedelta(days=300)),
    )
    world.add("agreement_id", agreement.id)
    for n, priority in enumerate(("P1", "P2", "P1")):
        clock = core.sla.start(
            a,
            subject_kind="ticket",
            subject_id=f"INC-{n}",
            target="resolution",
            agreement_id=agreement.id,
            service="desktop",
            priority=priority,
            handler="eng-1",
            customer="C1",
        )
        world.add("clock_id", clock.id)
    core.sla.pause(a, world.ids["clock_id"][1], reason="等待客户")
    core.sla.stop(a, world.ids["clock_id"][2], reason="已解决")
    sat.targets.set_target(
        a,
        "desktop",
        target=85,
        owner="operations_manager-1",
        levels=[LevelRule("green", 85, "保持"), LevelRule("red", None, "拜访客户")],
    )
    for n in range(3):
        opened = T0 - timedelta(days=3 - n, hours=2)
        sat.service_records.register(
            a,
            f"REQ-{n}",
            customer=CUSTOMERS[n % 2],
            service="desktop",
            engineer="eng-1",
            requester=f"{CUSTOMERS[n % 2]}-user",
            resolution="已处理",
            opened_at=opened,
            resolved_at=opened + timedelta(hours=1),
            closed_at=opened + timedelta(hours=2) if n == 2 else None,
        )
        world.add("record_id", f"REQ-{n}")
    callback = sat.callbacks.schedule(a, "REQ-0")
    world.add("callback_id", callback.id)
    sat.responses.record_ticket_score(a, "REQ-2", score="satisfied", respondent="C1-user")
    sat.responses.record_monthly_score(
        a, customer="C1", service="desktop", month="2026-02", score="dissatisfied",
        respondent="C1-manager",
    )
    _complaints(core, world)
    _reviews(core, world)
    campaign = sat.surveys.create_campaign(
        a,
        title="季度满意度调查",
        motive="periodic",
        service="desktop",
        target_customers=list(CUSTOMERS),
        questions=[Question("overall", "总体是否满意?", "five_level")],
    )
    world.add("campaign_id", campaign.id)
    opened = sat.surveys.create_campaign(
        a,
        title="变更后调查",
        motive="after_major_change",
        service="network",
        target_customers=list(CUSTOMERS),
        questions=[Question("overall", "总体是否满意?", "five_level")],
    )
    sat.surveys.open_campaign(a, opened.id)
    invited = sat.surveys.invite(a, opened.id, respondents=[("C1", "C1-rep"), ("C2", "C2-rep")])
    world.add("campaign_id", opened.id)
    for invitation in invited.invited:
        world.add("token", invitation.token)
    contact = core.desk.add_contact(a, customer="C1", name="张工", phone="010-12345678")
    world.add("contact_id", contact.id)
    flag = core.desk.flag_case(a, "REQ-2", suggestion="补充打印机驱动的知识文章")
    world.add("flag_id", flag.id)
    analysis = core.reviews.analysis.analyse(a, periods=["2026-01", "2026-02"], min_complaints=1)
    world.add("analysis_id", analysis.id)
    world.add("name", "default")
    world.add("period", "2026-02")
    world.add("service", "desktop")
    return world


def _complaints(core: ItsmCore, world: World) -> None:
    c, a = core.complaints, ADMIN
    for n in range(3):
        complaint = c.receive(
            a,
            customer=CUSTOMERS[n % 2],
            complainant={"name": "李女士", "contact": "电话"},
            origin="external",
            channel="hotline",
            source="complaint_channel",
            summary=f"打印机第{n}次故障未修复",
            party_complained_about="桌面运维组",
            relationship_manager="relationship_manager-1",
        )
        world.add("complaint_id", complaint.id)
    _first, second, third = world.ids["complaint_id"]
    c.dispatch(a, second, handler="incident_handler-1")
    c.record_finding(a, second, finding="调查工单记录")
    for cid in (third,):
        c.dispatch(a, cid, handler="incident_handler-1")
        c.record_finding(a, cid, finding="调查属实")
        c.judge(a, cid, verdict="valid", reason="调查属实")
        c.register_project(a, cid)
        c.apologise(a, cid, apology="当面致歉")
        c.resolve(a, cid, resolution="已解决")
        complaint = c.require_improvement(
            a,
            cid,
            cause="缺少巡检",
            description="每周巡检",
            quality_indicators=[("重复故障", "30 天内 0 次")],
            owner="improvement_owner-1",
            period=timedelta(days=10),
        )
        assert complaint.improvement_id is not None
        world.add("item_id", complaint.improvement_id)
    item = core.improvements.propose(
        a,
        source_kind="service_review",
        source_ref="R-2026-1",
        description="提高桌面服务满意度",
        quality_indicators=[("满意度", "85%")],
        owner="improvement_owner-1",
        period=timedelta(days=30),
    )
    world.add("item_id", item.id)
    c.record_praise(a, customer="C1", praised_party="桌面运维组", summary="周末加班恢复业务")


def _reviews(core: ItsmCore, world: World) -> None:
    r, a = core.reviews, ADMIN
    for n in range(2):
        review = r.plan(
            a,
            customer="C1",
            scheduled_at=T0 + timedelta(days=7 + n),
            period_start=T0 - timedelta(days=90),
            period_end=T0 - timedelta(days=1),
        )
        world.add("review_id", review.id)
    r.prepare(
        a,
        world.ids["review_id"][1],
        scope="季度服务回顾",
        topics=["SLA 完成情况"],
        agenda=["SLA 报告"],
        participants=[("C1-rep", "customer_representative"), (a.id, "project_manager")],
    )
    plan = r.create_plan(a, customer="C2", cadence="quarterly", first_period_start=T0)
    world.add("plan_id", plan.id)
