"""The service desk's enumerations: knowledge flags and their states."""

from __future__ import annotations

from itsm_core.kernel.labels import Labelled

__all__ = ["FlagKind", "FlagState"]


class FlagKind(Labelled):
    """What the desk flags (评价知识、案例库): an article's effectiveness, or a case."""

    ARTICLE_HELPED = "article_helped", "知识有效", "article helped"
    ARTICLE_FLAWED = "article_flawed", "知识有不足", "article flawed"
    REPRESENTATIVE_CASE = "representative_case", "典型案例", "representative case"


class FlagState(Labelled):
    """Where a knowledge flag stands with the person it was routed to."""

    RAISED = "raised", "已标识", "raised"
    ACCEPTED = "accepted", "已采纳", "accepted"
    REJECTED = "rejected", "未采纳", "rejected"
