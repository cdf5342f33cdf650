"""How CSAT moved against the previous period: the verdict of a period change's test.

Its own module, so that the entities recording a trend (a review's trend
analysis) load without the figures and statistics that compute it.
"""

from __future__ import annotations

from itsm_core.kernel.labels import Labelled

__all__ = ["Trend"]


class Trend(Labelled):
    """How CSAT moved against the previous period."""

    IMPROVED = "improved", "显著上升", "significantly improved"
    DECLINED = "declined", "显著下降", "significantly declined"
    STABLE = "stable", "无显著变化", "no significant change"
    INSUFFICIENT_DATA = "insufficient_data", "数据不足", "insufficient data"
