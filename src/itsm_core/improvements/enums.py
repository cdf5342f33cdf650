"""The improvement item's codes: where it came from and where it stands."""

from __future__ import annotations

from itsm_core.kernel.labels import Labelled

__all__ = ["ImprovementSource", "ImprovementState"]


class ImprovementSource(Labelled):
    """What raised an improvement item."""

    COMPLAINT = "complaint", "投诉", "complaint"
    SERVICE_REVIEW = "service_review", "服务回顾", "service review"
    SATISFACTION = "satisfaction", "满意度", "satisfaction"
    TREND_ANALYSIS = "trend_analysis", "趋势分析", "trend analysis"
    RELATIONSHIP_ANALYSIS = (
        "relationship_analysis",
        "客户关系分析",
        "customer relationship analysis",
    )


class ImprovementState(Labelled):
    """Where an improvement item stands."""

    PROPOSED = "proposed", "已提出", "proposed"
    APPROVED = "approved", "已批准", "approved"
    IN_PROGRESS = "in_progress", "改进中", "in progress"
    VERIFYING = "verifying", "待跟踪验证", "awaiting verification"
    EXTENDED = "extended", "已延期", "extended"
    ESCALATED = "escalated", "已递交总经理室", "escalated to the general manager's office"
    DONE = "done", "已按质量指标完成", "done to the quality indicators"
    DECIDED = "decided", "总经理室已决定", "decided by the general manager's office"
    CANCELLED = "cancelled", "已取消", "cancelled"
