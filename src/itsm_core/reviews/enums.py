"""The service review's codes: where a review stands, its form, who takes part, the cadence."""

from __future__ import annotations

from itsm_core.kernel.labels import Labelled

__all__ = [
    "Cadence",
    "OpinionKind",
    "ParticipantRole",
    "PlanState",
    "ReviewForm",
    "ReviewState",
]


class ReviewState(Labelled):
    """Where a service review stands in the service review process."""

    PLANNED = "planned", "已计划", "planned"
    PREPARED = "prepared", "已准备", "prepared"
    HELD = "held", "已举行", "held"
    MINUTED = "minuted", "已形成纪要", "minuted"
    REPORTED = "reported", "已出报告", "reported"
    CLOSED = "closed", "已关闭", "closed"
    CANCELLED = "cancelled", "已取消", "cancelled"


class ReviewForm(Labelled):
    """How the review is held: a meeting, a video or phone conference, or by a third party."""

    MEETING = "meeting", "会议", "meeting"
    VIDEO = "video", "视频会议", "video conference"
    PHONE = "phone", "电话会议", "phone conference"
    THIRD_PARTY = "third_party", "第三方机构收集意见", "opinions gathered by a third party"


class ParticipantRole(Labelled):
    """The part a participant takes in a review."""

    CUSTOMER_REPRESENTATIVE = (
        "customer_representative",
        "关键客户代表",
        "customer's key representative",
    )
    PROJECT_MANAGER = "project_manager", "项目经理", "project manager"
    OPERATIONS_MANAGER = "operations_manager", "运维经理", "operations manager"
    INCIDENT_MANAGER = "incident_manager", "事件经理", "incident manager"
    OPERATIONS_DIRECTOR = "operations_director", "运营总监", "operations director"
    COORDINATOR = "coordinator", "协调员", "coordinator"
    OTHER = "other", "其他", "other"


class OpinionKind(Labelled):
    """What a participant said (参与人员的情况反映、意见和建议)."""

    SITUATION = "situation", "情况反映", "situation reported"
    OPINION = "opinion", "意见", "opinion"
    SUGGESTION = "suggestion", "建议", "suggestion"


class Cadence(Labelled):
    """How often a customer's reviews are held (服务回顾计划)."""

    MONTHLY = "monthly", "月度", "monthly"
    QUARTERLY = "quarterly", "季度", "quarterly"
    ANNUAL = "annual", "年度", "annual"

    @property
    def months(self) -> int:
        """The length of one period in months."""
        return {"monthly": 1, "quarterly": 3, "annual": 12}[self.value]


class PlanState(Labelled):
    """Whether a review plan still schedules reviews."""

    ACTIVE = "active", "执行中", "active"
    ENDED = "ended", "已结束", "ended"
