"""The enumerations and the subject of a response: channels, subjects,
campaign motives and methods, and the states and outcomes of satisfaction capture.

Every one is a :class:`~itsm_core.kernel.labels.Labelled` enum: an English
code and a Chinese label.
"""

from __future__ import annotations

import attrs

from itsm_core.kernel.labels import Labelled
from itsm_core.satisfaction._values import optional_text

__all__ = [
    "CallbackKind",
    "CallbackOutcome",
    "CallbackState",
    "CallbackStatus",
    "CampaignMotive",
    "CampaignState",
    "Channel",
    "InvitationState",
    "RequestKind",
    "ServiceRecordState",
    "Subject",
    "SubjectKind",
    "SurveyMethod",
]


class Channel(Labelled):
    """The four channels through which satisfaction is learned."""

    SURVEY = "survey", "满意度调查", "satisfaction survey"
    MONTHLY = "monthly", "客户月度评分", "customer monthly score"
    TICKET = "ticket", "服务单评分", "service ticket score"
    CALLBACK = "callback", "回访评分", "callback score"


class SubjectKind(Labelled):
    """What a response rates."""

    SERVICE_RECORD = "service_record", "服务单", "service record"
    COMPLAINT = "complaint", "投诉", "complaint"
    REVIEW = "review", "服务回顾", "service review"
    MONTH = "month", "月度服务", "month of service"
    CAMPAIGN = "campaign", "满意度调查", "survey campaign"


def _subject_kind(value: object) -> SubjectKind:
    return SubjectKind.parse(value, "subject_kind")


def _subject_ref(value: object) -> str | None:
    return optional_text(value, "subject_ref")


@attrs.frozen
class Subject:
    """What a response rates: a kind and, where there is one, a reference.

    :param kind: the :class:`SubjectKind`.
    :param ref: the id of the thing rated (service record id, complaint id,
        review id, ``"YYYY-MM"`` for a month, campaign id); stripped, blank is None.
    :raises ValidationError: for an unknown kind or a reference that is not text.
    """

    kind: SubjectKind = attrs.field(converter=_subject_kind)
    ref: str | None = attrs.field(default=None, converter=_subject_ref)


class CampaignMotive(Labelled):
    """Why a survey is run, from a major incident to the annual key-customer survey."""

    MAJOR_INCIDENT = "major_incident", "突发事件处理后", "after a major incident"
    BEFORE_MAJOR_CHANGE = "before_major_change", "重大变更前", "before a major change"
    AFTER_MAJOR_CHANGE = "after_major_change", "重大变更后", "after a major change"
    PERIODIC = "periodic", "原定的定期调查", "periodic survey"
    CUSTOMER_REQUEST = "customer_request", "客户要求", "customer request"
    AGREED_PLAN = "agreed_plan", "与客户商定的调查计划", "plan agreed with the customer"
    SERVICE_REVIEW = "service_review", "服务回顾", "service review"
    MANAGER_DECISION = "manager_decision", "管理者认为有必要", "manager's decision"
    ANNUAL_KEY_CUSTOMERS = (
        "annual_key_customers",
        "年度关键客户满意度调查",
        "annual key-customer survey",
    )


class SurveyMethod(Labelled):
    """How a survey reaches the respondents."""

    INTERVIEW = "interview", "访谈", "interview"
    MAIL = "mail", "通信(邮件/问卷)", "mail"
    PHONE = "phone", "电话", "phone"
    WEB = "web", "在线问卷", "web form"


class CampaignState(Labelled):
    """The states of a survey campaign."""

    DRAFT = "draft", "草拟", "draft"
    OPEN = "open", "调查中", "open"
    CLOSED = "closed", "已结束", "closed"
    ANALYSED = "analysed", "已分析", "analysed"


class InvitationState(Labelled):
    """The states of one respondent's survey invitation."""

    INVITED = "invited", "已邀请", "invited"
    RESPONDED = "responded", "已回复", "responded"
    EXPIRED = "expired", "已过期", "expired"


class RequestKind(Labelled):
    """What a service record asks for: a failure (故障) or another request.

    The customer's view lists closed failures before the other closed
    requests; a record registered without a kind has none (``None``).
    """

    FAILURE = "failure", "故障", "failure"
    SERVICE_REQUEST = "service_request", "服务请求", "service request"
    CONSULTATION = "consultation", "咨询", "consultation"
    CHANGE = "change", "变更请求", "change request"


class ServiceRecordState(Labelled):
    """The states of a service record (服务单) as this library follows it."""

    OPEN = "open", "处理中", "open"
    RESOLVED = "resolved", "已解决", "resolved"
    CLOSED = "closed", "已关闭", "closed"
    RETURNED = "returned", "回访未解决·已退回工程师", "returned to the engineer"


class CallbackStatus(Labelled):
    """Where a service record stands with callbacks (its ``callback_state``)."""

    NONE = "none", "未安排回访", "no callback planned"
    DUE = "due", "待回访", "callback due"
    CONFIRMED = "confirmed", "回访确认已解决", "confirmed solved at callback"
    RETURNED = "returned", "回访未解决·已退回", "not solved at callback, returned"
    RECHECK_DUE = "recheck_due", "待再次回访", "second callback due"


class CallbackKind(Labelled):
    """Why a callback is made (004: daily and monthly callbacks)."""

    DAILY = "daily", "日回访", "daily callback"
    RECHECK = "recheck", "再次回访", "second callback after a return"
    MONTHLY = "monthly", "关键客户月度回访", "key-customer monthly callback"


class CallbackState(Labelled):
    """The states of one callback in the callback register."""

    DUE = "due", "待回访", "due"
    DONE = "done", "已回访", "done"
    CANCELLED = "cancelled", "已取消", "cancelled"


class CallbackOutcome(Labelled):
    """What a callback found."""

    SOLVED = "solved", "已解决", "solved"
    NOT_SOLVED = "not_solved", "未真正解决", "not really solved"
    UNREACHABLE = "unreachable", "未联系上", "could not reach the customer"
