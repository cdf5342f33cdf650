"""The cast of ``itsm demo``: one provider's people, customers, services and scenarios.

Everything here is data; :mod:`itsm_core.cli.demo` plays it through the
library's public API. The complaint scenarios are generators: each ``yield n``
waits ``n`` days before the next step, so a complaint's path spans the weeks
its steps would take.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from random import Random

from itsm_core import Actor, ItsmCore

__all__ = [
    "CUSTOMERS",
    "SERVICES",
    "Cast",
    "Scenario",
    "complaint_scenario",
]

Scenario = Iterator[int]
"""A complaint's path: each value is the number of days to wait for the next step."""

CUSTOMERS: tuple[tuple[str, str, bool, float, float], ...] = (
    # id, name, key customer, satisfaction at the start, change over a year
    ("hdgrid", "华东电网信息中心", True, 0.86, +0.04),
    ("szmetro", "苏州轨道交通", True, 0.80, -0.25),
    ("zjbank", "浙江农商银行", False, 0.84, 0.0),
    ("nbport", "宁波港务集团", False, 0.70, +0.15),
    ("hzhosp", "杭州市第一医院", False, 0.88, 0.0),
    ("jsedu", "江苏省教育考试院", False, 0.78, -0.05),
)

SERVICES: tuple[tuple[str, str, str], ...] = (
    # id, team, incident handler of the team
    ("desktop", "桌面运维组", "ih-desktop"),
    ("network", "二线网络组", "ih-network"),
    ("datacenter", "机房运维组", "ih-dc"),
    ("application", "应用运维组", "ih-app"),
)

LEVELS = ("非常满意", "满意", "一般", "不满意", "非常不满意")


class Cast:
    """The provider's staff in the demo, one actor per role."""

    specialist = Actor("cs-01", ["complaint_specialist"], "投诉专员 孙丽")
    manager = Actor("rm-01", ["relationship_manager"], "用户关系经理 李强")
    handler = Actor("ih-network", ["incident_handler"], "二线网络组组长 王磊")
    owner = Actor("io-01", ["improvement_owner"], "改进负责人 赵敏")
    team_lead = Actor("tl-01", ["service_team_lead"], "服务团队负责人 周杰")
    gm = Actor("gm-01", ["general_manager_office"], "总经理室 陈总")
    desk = Actor("desk-01", ["service_desk"], "服务台 小陈")
    coordinator = Actor("coord-01", ["coordinator"], "协调员 小周")
    ops_manager = Actor("om-01", ["operations_manager"], "运维经理 王经理")
    project_manager = Actor("pm-01", ["project_manager"], "项目经理 赵经理")
    quality = Actor("qs-01", ["quality_specialist"], "质控专员 钱女士")


def level_for(rng: Random, quality: float) -> str:
    """A five-level answer around ``quality`` (0..1, the share satisfied or better)."""
    draw = rng.random()
    if draw < quality * 0.45:
        return LEVELS[0]
    if draw < quality:
        return LEVELS[1]
    if draw < quality + (1 - quality) * 0.6:
        return LEVELS[2]
    if draw < quality + (1 - quality) * 0.97:
        return LEVELS[3]
    return LEVELS[4]


PATHS = (
    "valid",
    "invalid",
    "extended",
    "valid",
    "transferred",
    "escalated",
    "reopened",
    "valid",
    "internal",
    "major",
    "extended_escalated",
    "transferred_unresolved",
)
"""The paths of the complaint process, in the order the demo cycles through them."""

_SUMMARIES = {
    "desktop": ("打印机故障两天未修复", "电脑重装后数据丢失", "工程师上门迟到且态度冷淡"),
    "network": ("VPN 一周内中断两次", "专线故障处理超时，未及时通报进展", "无线网络频繁掉线"),
    "datacenter": ("机房空调告警未及时处理", "巡检报告连续两月缺失", "UPS 切换导致业务中断"),
    "application": ("报表系统每周一上午无法访问", "升级后考勤系统数据错乱", "补丁变更未提前通知"),
}


def complaint_scenario(
    core: ItsmCore, rng: Random, path: str, customer: str, service: str, team: str, handler: str
) -> Scenario:
    """Play one complaint along ``path`` (see :data:`PATHS`); yields days to wait."""
    c, cs, rm = core.complaints, Cast.specialist, Cast.manager
    internal = path in ("internal", "transferred", "transferred_unresolved")
    summary = rng.choice(_SUMMARIES[service])
    complainant: dict[str, str] = (
        {"name": rng.choice(("张工", "刘工", "吴工")), "organisation": "运维二部"}
        if internal
        else {"name": rng.choice(("李女士", "王先生", "陈经理", "赵主任")), "contact": "电话"}
    )
    complaint = c.receive(
        cs,
        customer="本公司" if internal else customer,
        complainant=complainant,
        origin="internal" if internal else "external",
        channel=rng.choice(("hotline", "email", "web_form", "im")),
        source="complaint_channel" if rng.random() < 0.8 else "business_manager",
        summary=summary,
        party_complained_about=team,
        severity="major" if path == "major" else "general",
        relationship_manager=rm.id,
    )
    cid = complaint.id
    yield 1
    c.dispatch(rm, cid, handler=handler)
    c.record_finding(cs, cid, finding=f"调查{team}工单及值班记录")
    yield rng.randint(1, 3)
    if path == "invalid":
        c.judge(cs, cid, verdict="invalid", reason="属正常维护窗口，已提前通知")
        c.explain(cs, cid, apology="对造成的不便表示歉意", explanation="维护已按协议提前三天通知")
        c.close(cs, cid)
        return
    if path.startswith("transferred"):
        c.judge(cs, cid, verdict="transferred", reason="属事业部职责", business_unit="财务事业部")
        yield rng.randint(3, 6)
        resolved = path == "transferred"
        c.record_business_unit_result(cs, cid, resolved=resolved, result="事业部已处理")
        if not resolved:
            yield 2
            c.decide(Cast.gm, cid, decision="由总经理室协调，调整变更评审流程")
        yield 1
        c.give_feedback(cs, cid, result="已告知处理结果")
        c.callback(rm, cid, satisfied=True)
        return
    c.judge(cs, cid, verdict="valid", reason="调查属实")
    c.register_project(cs, cid)
    acting = Cast.team_lead if path == "major" else Actor(handler, ["incident_handler"])
    if not internal:
        c.apologise(acting, cid, apology="当面致歉并说明原因")
    yield 1
    if path == "escalated":
        c.escalate(acting, cid, reason="需跨部门协调备件采购")
        yield 3
        c.decide(Cast.gm, cid, decision="批准紧急采购备件")
    else:
        c.resolve(acting, cid, resolution="当前问题已解决")
    complaint = c.require_improvement(
        cs,
        cid,
        cause="流程缺少检查环节",
        description="增加每周巡检并通报进展",
        quality_indicators=[("重复故障", "30 天内 0 次")],
        owner=Cast.owner.id,
        period=timedelta(days=10),
        business_unit="运维事业部",
    )
    item = complaint.improvement_id
    assert item is not None
    yield 5
    core.improvements.report_progress(Cast.owner, item, note="已排班，模板评审中")
    if path.startswith("extended"):
        yield 12  # the period runs out: warnings and the breach chain fire on the tick
        core.improvements.follow_up(
            cs, item, met=False, note="尚未完成", new_period=timedelta(days=7)
        )
        if path == "extended_escalated":
            yield 9
            core.improvements.follow_up(cs, item, met=False, note="第二次跟踪仍未完成")
            yield 2
            core.improvements.decide(Cast.gm, item, decision="认可现有改进，结案")
        else:
            yield 5
            core.improvements.follow_up(cs, item, met=True, note="指标已达到")
    else:
        yield rng.randint(3, 7)
        core.improvements.follow_up(cs, item, met=True, note="指标已达到")
    yield 1
    c.give_feedback(cs, cid, result="已告知改进结果")
    if path == "reopened":  # the provider's policy reopens a dissatisfied complaint
        c.callback(rm, cid, satisfied=False, reason="客户认为问题仍会复发")
        yield 2
        c.record_finding(cs, cid, finding="复查：故障未再发生，巡检已执行")
        c.judge(cs, cid, verdict="invalid", reason="复查确认问题已解决")
        c.explain(cs, cid, apology="再次致歉", explanation="复查结果及巡检记录已提供给客户")
        c.close(cs, cid)
        return
    c.callback(rm, cid, satisfied=True)
