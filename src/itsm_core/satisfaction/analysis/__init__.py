"""Satisfaction analysis: statistics, targets and critical lines, watch lists, KPIs.

Figures per service, customer, channel, engineer and period — CSAT with its
margin of error, the mean normalised score, NPS, response rates — channels
combined with weights, change against the previous period with a
significance test, targets with critical lines (临界线) and the measures at
each level, level crossings and improvement items, the watch lists for
focused care, and the service desk's KPIs. Everything is computed with
``aggregate`` over index fields, so the database does the counting.

Two services share one :class:`AnalysisSources`: ``core.satisfaction.analysis``
(a :class:`SatisfactionAnalysis`: figures and watch lists, all reports) and
``core.satisfaction.targets`` (a :class:`TargetService`: targets, evaluation,
standings).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itsm_core.satisfaction.analysis.evaluation import TargetService
    from itsm_core.satisfaction.analysis.kpis import DeskKpi, KpiFigures
    from itsm_core.satisfaction.analysis.model import (
        AlertLevel,
        CrossingDirection,
        Deviation,
        Evaluation,
        LevelCrossing,
        LevelRule,
        SatisfactionStanding,
        SatisfactionTarget,
        SubjectResult,
        TargetMetric,
    )
    from itsm_core.satisfaction.analysis.periods import period_window, previous_period
    from itsm_core.satisfaction.analysis.queries import Dimension
    from itsm_core.satisfaction.analysis.results import (
        GroupFigures,
        PeriodChange,
        RateFigures,
        Trend,
    )
    from itsm_core.satisfaction.analysis.service import SatisfactionAnalysis
    from itsm_core.satisfaction.analysis.sources import (
        AnalysisSources,
        KeyCustomerSource,
        key_customers_from,
    )
    from itsm_core.satisfaction.analysis.standings import level_crossing_hook_calls
    from itsm_core.satisfaction.analysis.statistics import (
        SMALL_SAMPLE,
        Interval,
        Rate,
        Tally,
        ZTest,
        nps,
        two_proportion_z_test,
        wilson_interval,
    )
    from itsm_core.satisfaction.analysis.storage import ANALYSIS_SPECS, STANDING_SPEC, TARGET_SPEC
    from itsm_core.satisfaction.analysis.watchlists import (
        PeriodLevel,
        WatchEntry,
        WatchList,
        WatchReason,
    )
    from itsm_core.satisfaction.analysis.weights import (
        ChannelWeights,
        CombinedFigures,
        MissingChannels,
        WeightedFigures,
    )
else:
    from itsm_core.kernel.lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "itsm_core.satisfaction.analysis.evaluation": ("TargetService",),
            "itsm_core.satisfaction.analysis.kpis": ("DeskKpi", "KpiFigures"),
            "itsm_core.satisfaction.analysis.model": (
                "AlertLevel",
                "CrossingDirection",
                "Deviation",
                "Evaluation",
                "LevelCrossing",
                "LevelRule",
                "SatisfactionStanding",
                "SatisfactionTarget",
                "SubjectResult",
                "TargetMetric",
            ),
            "itsm_core.satisfaction.analysis.periods": ("period_window", "previous_period"),
            "itsm_core.satisfaction.analysis.queries": ("Dimension",),
            "itsm_core.satisfaction.analysis.results": (
                "GroupFigures",
                "PeriodChange",
                "RateFigures",
                "Trend",
            ),
            "itsm_core.satisfaction.analysis.service": ("SatisfactionAnalysis",),
            "itsm_core.satisfaction.analysis.sources": (
                "AnalysisSources",
                "KeyCustomerSource",
                "key_customers_from",
            ),
            "itsm_core.satisfaction.analysis.standings": ("level_crossing_hook_calls",),
            "itsm_core.satisfaction.analysis.statistics": (
                "SMALL_SAMPLE",
                "Interval",
                "Rate",
                "Tally",
                "ZTest",
                "nps",
                "two_proportion_z_test",
                "wilson_interval",
            ),
            "itsm_core.satisfaction.analysis.storage": (
                "ANALYSIS_SPECS",
                "STANDING_SPEC",
                "TARGET_SPEC",
            ),
            "itsm_core.satisfaction.analysis.watchlists": (
                "PeriodLevel",
                "WatchEntry",
                "WatchList",
                "WatchReason",
            ),
            "itsm_core.satisfaction.analysis.weights": (
                "ChannelWeights",
                "CombinedFigures",
                "MissingChannels",
                "WeightedFigures",
            ),
        },
    )

__all__ = [
    "ANALYSIS_SPECS",
    "SMALL_SAMPLE",
    "STANDING_SPEC",
    "TARGET_SPEC",
    "AlertLevel",
    "AnalysisSources",
    "ChannelWeights",
    "CombinedFigures",
    "CrossingDirection",
    "DeskKpi",
    "Deviation",
    "Dimension",
    "Evaluation",
    "GroupFigures",
    "Interval",
    "KeyCustomerSource",
    "KpiFigures",
    "LevelCrossing",
    "LevelRule",
    "MissingChannels",
    "PeriodChange",
    "PeriodLevel",
    "Rate",
    "RateFigures",
    "SatisfactionAnalysis",
    "SatisfactionStanding",
    "SatisfactionTarget",
    "SubjectResult",
    "Tally",
    "TargetMetric",
    "TargetService",
    "Trend",
    "WatchEntry",
    "WatchList",
    "WatchReason",
    "WeightedFigures",
    "ZTest",
    "key_customers_from",
    "level_crossing_hook_calls",
    "nps",
    "period_window",
    "previous_period",
    "two_proportion_z_test",
    "wilson_interval",
]
