"""Review analysis (review pack, trends, progress reports): ``core.reviews.analysis``.

The review pack of a customer and period (SLA fulfilment, complaints,
satisfaction against targets, open improvement items), the result and trend
analysis whose findings become improvement items, and the improvement
progress reports sent to customers. Everything is counted with ``aggregate``
over index fields; satisfaction figures come from
``core.satisfaction.analysis``.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itsm_core.reviews.analysis._satisfaction import Satisfaction
    from itsm_core.reviews.analysis._trends import ReportedProblem
    from itsm_core.reviews.analysis.model import (
        ComplaintFigures,
        ComplaintMonth,
        Count,
        Evidence,
        Finding,
        FindingKind,
        FollowUpLine,
        ImprovementLine,
        ImprovementSummary,
        NoteLine,
        PartyComplaints,
        ProgressContent,
        ProgressItem,
        ProgressReport,
        ReviewPack,
        SatisfactionLine,
        ServiceTrend,
        SlaFulfilment,
        SlaMonth,
        TrendAnalysis,
    )
    from itsm_core.reviews.analysis.service import ReviewAnalysis, ReviewReader
    from itsm_core.reviews.analysis.storage import (
        ANALYSIS_SPECS,
        PROGRESS_REPORT_SPEC,
        TREND_ANALYSIS_SPEC,
    )
else:
    from itsm_core.kernel.lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "itsm_core.reviews.analysis._satisfaction": ("Satisfaction",),
            "itsm_core.reviews.analysis._trends": ("ReportedProblem",),
            "itsm_core.reviews.analysis.model": (
                "ComplaintFigures",
                "ComplaintMonth",
                "Count",
                "Evidence",
                "Finding",
                "FindingKind",
                "FollowUpLine",
                "ImprovementLine",
                "ImprovementSummary",
                "NoteLine",
                "PartyComplaints",
                "ProgressContent",
                "ProgressItem",
                "ProgressReport",
                "ReviewPack",
                "SatisfactionLine",
                "ServiceTrend",
                "SlaFulfilment",
                "SlaMonth",
                "TrendAnalysis",
            ),
            "itsm_core.reviews.analysis.service": ("ReviewAnalysis", "ReviewReader"),
            "itsm_core.reviews.analysis.storage": (
                "ANALYSIS_SPECS",
                "PROGRESS_REPORT_SPEC",
                "TREND_ANALYSIS_SPEC",
            ),
        },
    )

__all__ = [
    "ANALYSIS_SPECS",
    "PROGRESS_REPORT_SPEC",
    "TREND_ANALYSIS_SPEC",
    "ComplaintFigures",
    "ComplaintMonth",
    "Count",
    "Evidence",
    "Finding",
    "FindingKind",
    "FollowUpLine",
    "ImprovementLine",
    "ImprovementSummary",
    "NoteLine",
    "PartyComplaints",
    "ProgressContent",
    "ProgressItem",
    "ProgressReport",
    "ReportedProblem",
    "ReviewAnalysis",
    "ReviewPack",
    "ReviewReader",
    "Satisfaction",
    "SatisfactionLine",
    "ServiceTrend",
    "SlaFulfilment",
    "SlaMonth",
    "TrendAnalysis",
]
