"""The codes of customer communications: notices, channels, proactive feedback."""

from __future__ import annotations

from itsm_core.kernel.labels import Labelled

__all__ = [
    "ContactChannel",
    "FeedbackReason",
    "FeedbackState",
    "NoticeKind",
    "NoticeState",
    "ProposalKind",
]


class NoticeKind(Labelled):
    """What a customer notice announces."""

    #: A change to the service (变更通告).
    CHANGE = "change", "变更通告", "change notice"
    #: A planned outage (计划性停机公告).
    PLANNED_OUTAGE = "planned_outage", "计划性停机公告", "planned outage announcement"


class NoticeState(Labelled):
    """Where a customer notice stands."""

    #: Written, not yet sent: the recipients may still change.
    DRAFT = "draft", "草稿", "draft"
    #: Sent to its recipients; calls and acknowledgements are recorded.
    ISSUED = "issued", "已发布", "issued"
    #: Done: every recipient was reached, or the reason why not is recorded.
    CLOSED = "closed", "已关闭", "closed"
    #: Withdrawn, with a reason.
    CANCELLED = "cancelled", "已取消", "cancelled"


class ContactChannel(Labelled):
    """How a customer is told."""

    #: A phone call: key customers and the main affected customers are called.
    PHONE = "phone", "电话", "phone"
    #: A written notice by e-mail (the e-mail notifier).
    EMAIL = "email", "邮件", "e-mail"
    #: A written notice to the customer's system or messaging (the webhook notifier).
    WEBHOOK = "webhook", "系统推送", "webhook"


class FeedbackReason(Labelled):
    """Why a request gets proactive progress updates."""

    #: The customer is a key customer of the register (重要客户).
    KEY_CUSTOMER = "key_customer", "重要客户", "key customer"
    #: The request is an important request (重要请求).
    IMPORTANT_REQUEST = "important_request", "重要请求", "important request"
    #: The request is an urgent incident (紧急事件).
    URGENT_INCIDENT = "urgent_incident", "紧急事件", "urgent incident"


class FeedbackState(Labelled):
    """Where the proactive feedback of one request stands."""

    #: Updates are due at the agreed interval (主动反馈中).
    ACTIVE = "active", "主动反馈中", "updates due"
    #: The request closed: no more updates are due.
    CLOSED = "closed", "已关闭", "closed"


class ProposalKind(Labelled):
    """What a customer relationship analysis proposes for a recurring problem."""

    #: Improve the provider's own service (主动改善服务).
    IMPROVEMENT = "improvement", "服务改善", "service improvement"
    #: Offer the customer a value-added service (增值服务).
    VALUE_ADDED_SERVICE = "value_added_service", "增值服务", "value-added service"
