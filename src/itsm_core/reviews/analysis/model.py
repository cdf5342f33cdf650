"""The entities and value objects of review analysis, in one place.

* :mod:`~itsm_core.reviews.analysis.pack`: the :class:`ReviewPack` and its parts;
* :mod:`~itsm_core.reviews.analysis.trends`: the :class:`TrendAnalysis`
  aggregate (kind ``trend_analysis``), its :class:`Finding` s and tables;
* :mod:`~itsm_core.reviews.analysis.progress`: the :class:`ProgressContent`
  of an improvement progress report and the :class:`ProgressReport` aggregate
  (kind ``improvement_progress_report``) recording that it was sent.

The two aggregates have no lifecycle (every change is one event), so review
analysis has no transition tables.
"""

from itsm_core.reviews.analysis.pack import (
    ComplaintFigures,
    Count,
    ImprovementLine,
    ImprovementSummary,
    ReviewPack,
    SatisfactionLine,
    SlaFulfilment,
)
from itsm_core.reviews.analysis.progress import (
    FollowUpLine,
    NoteLine,
    ProgressContent,
    ProgressItem,
    ProgressReport,
)
from itsm_core.reviews.analysis.trends import (
    ComplaintMonth,
    Evidence,
    Finding,
    FindingKind,
    PartyComplaints,
    ServiceTrend,
    SlaMonth,
    TrendAnalysis,
)

__all__ = [
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
]
