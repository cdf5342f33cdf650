"""How trend analyses and progress reports are stored: their aggregate specs.

The records are derived from the entities' attrs fields (see
:meth:`~itsm_core.storage.AggregateSpec.of`), the compiled content
included: a stored analysis or report shows what was found or sent then,
whatever the records say later. Revision 0006 creates both tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itsm_core.storage.base import AggregateSpec, IndexField

if TYPE_CHECKING:
    from itsm_core.reviews.analysis.progress import ProgressReport
    from itsm_core.reviews.analysis.trends import TrendAnalysis

__all__ = ["ANALYSIS_SPECS", "PROGRESS_REPORT_SPEC", "TREND_ANALYSIS_SPEC"]


TREND_ANALYSIS_SPEC: AggregateSpec[TrendAnalysis] = AggregateSpec.of(
    "itsm_core.reviews.analysis.trends:TrendAnalysis",
    kind="trend_analysis",
    record_version=1,
    index=(
        IndexField("customer", "str", lambda a: a.customer),
        IndexField("run_by", "str", lambda a: a.run_by),
        IndexField("run_at", "datetime", lambda a: a.run_at),
        IndexField("period_from", "str", lambda a: a.periods[0]),
        IndexField("period_to", "str", lambda a: a.periods[-1]),
    ),
)
"""The storage spec of trend analyses (kind ``"trend_analysis"``)."""

PROGRESS_REPORT_SPEC: AggregateSpec[ProgressReport] = AggregateSpec.of(
    "itsm_core.reviews.analysis.progress:ProgressReport",
    kind="improvement_progress_report",
    record_version=1,
    index=(
        IndexField("customer", "str", lambda r: r.customer),
        IndexField("sent_by", "str", lambda r: r.sent_by),
        IndexField("sent_at", "datetime", lambda r: r.sent_at),
        IndexField("period_from", "str", lambda r: r.periods[0]),
        IndexField("period_to", "str", lambda r: r.periods[-1]),
    ),
)
"""The storage spec of progress reports as sent (kind ``"improvement_progress_report"``)."""

ANALYSIS_SPECS: tuple[AggregateSpec[Any], ...] = (TREND_ANALYSIS_SPEC, PROGRESS_REPORT_SPEC)
"""Every aggregate kind of the review analysis."""
