"""The labelled enumerations of the complaint area.

Every member is its code string and carries a Chinese (``zh``) and an English
(``en``) display label, e.g. ``Origin.INTERNAL.zh == "内部投诉"``.
"""

from __future__ import annotations

from itsm_core.kernel.labels import Labelled

__all__ = [
    "ComplaintChannel",
    "ComplaintSource",
    "ComplaintState",
    "EscalationLevel",
    "EscalationStage",
    "HandlingLevel",
    "Origin",
    "Severity",
    "Verdict",
]


class Origin(Labelled):
    """Who complains: a customer (external) or staff of the provider (internal)."""

    EXTERNAL = "external", "外部投诉", "external complaint"
    INTERNAL = "internal", "内部投诉", "internal complaint"


class ComplaintChannel(Labelled):
    """How the complaint reached the provider: the single complaint channel."""

    HOTLINE = "hotline", "热线电话", "hotline"
    EMAIL = "email", "电子邮件", "e-mail"
    IM = "im", "即时通讯", "instant messaging"
    WEB_FORM = "web_form", "网站表单", "web form"
    FAX = "fax", "传真", "fax"
    IN_PERSON = "in_person", "当面", "in person"
    SYSTEM = "system", "系统触发", "system trigger"


class ComplaintSource(Labelled):
    """What triggered the complaint: a channel, a report, a callback, a score."""

    COMPLAINT_CHANNEL = "complaint_channel", "投诉渠道", "complaint channel"
    TEAM_LEAD_REPORT = (
        "team_lead_report",
        "向运维团队负责人或更高领导投诉",
        "report to the team lead or higher",
    )
    CALLBACK = "callback", "回访不满意", "dissatisfied at callback"
    SATISFACTION = "satisfaction", "满意度“非常不满意”", "satisfaction rated very dissatisfied"
    BUSINESS_MANAGER = "business_manager", "业务经理直接投诉", "business manager directly"
    SERIOUS_INCIDENT = (
        "serious_incident",
        "严重损害用户利益的恶性事件",
        "serious incident against the customer's interests",
    )


class Severity(Labelled):
    """How grave the complaint is; a major one goes to the service team lead."""

    GENERAL = "general", "一般投诉", "general"
    MAJOR = "major", "重大投诉", "major"


class Verdict(Labelled):
    """The judgement after investigation (complaint process, step 3)."""

    INVALID = "invalid", "无效投诉", "invalid"
    VALID = "valid", "有效投诉", "valid"
    TRANSFERRED = "transferred", "转交投诉", "transferred"


class HandlingLevel(Labelled):
    """Who handles a dispatched complaint."""

    SERVICE_GROUP = "service_group", "服务小组", "service group"
    SERVICE_TEAM_LEAD = "service_team_lead", "服务团队负责人", "service team lead"


class EscalationLevel(Labelled):
    """Where a complaint is escalated to."""

    SERVICE_TEAM_LEAD = "service_team_lead", "服务团队负责人", "service team lead"
    GENERAL_MANAGER_OFFICE = "general_manager_office", "总经理室", "general manager's office"


class EscalationStage(Labelled):
    """At which point of the lifecycle a complaint was escalated."""

    DISPATCH = "dispatch", "分派时升级(重大投诉)", "at dispatch (major complaint)"
    RESOLUTION = "resolution", "当前问题未能解决", "immediate problem not resolved"
    TRANSFER = "transfer", "事业部处理后仍未解决", "unresolved after the business unit's handling"
    IMPROVEMENT = (
        "improvement",
        "第二次跟进时改进仍未完成",
        "improvement not done at the second follow-up",
    )


class ComplaintState(Labelled):
    """The states of a complaint, step by step of the complaint process."""

    RECEIVED = "received", "已受理", "received"
    INVESTIGATING = "investigating", "调查中", "investigating"
    INVALID = "invalid", "无效投诉", "judged invalid"
    EXPLAINED = "explained", "已致歉并解释", "apologised and explained"
    TRANSFERRED = "transferred", "已转交事业部", "transferred to the business unit"
    TRANSFER_ESCALATED = (
        "transfer_escalated",
        "转交未解决·升级总经理室",
        "unresolved after transfer, escalated to the general manager's office",
    )
    VALID = "valid", "有效投诉", "judged valid"
    REGISTERED = "registered", "已立项", "registered as a project"
    APOLOGISED = "apologised", "已致歉", "apologised"
    ESCALATED = (
        "escalated",
        "未能解决·升级总经理室",
        "unresolved, escalated to the general manager's office",
    )
    RESOLVED = "resolved", "当前问题已解决", "immediate problem resolved"
    IMPROVING = "improving", "改进中", "improvement in progress"
    IMPROVEMENT_EXTENDED = "improvement_extended", "改进周期已延长", "improvement period extended"
    IMPROVEMENT_ESCALATED = (
        "improvement_escalated",
        "改进未完成·递交总经理室",
        "improvement not done, escalated to the general manager's office",
    )
    HANDLED = "handled", "处理完成·待反馈", "handled, awaiting feedback"
    FEEDBACK_GIVEN = "feedback_given", "已反馈·待回访", "feedback given, awaiting callback"
    CLOSED = "closed", "已关闭", "closed"
