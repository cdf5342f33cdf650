"""The entities of satisfaction analysis and their value objects, in one place.

The model is made of small modules, each with one job, re-exported here:

* :mod:`itsm_core.satisfaction.analysis.targets`: the
  :class:`SatisfactionTarget` of a service (or of one customer of it), its
  critical lines (临界线) as :class:`LevelRule` s, the :class:`AlertLevel` a
  figure falls in, the :class:`TargetMetric` it is measured by, and the
  :class:`Deviation` of a figure from its target;
* :mod:`itsm_core.satisfaction.analysis.standings`: the
  :class:`SatisfactionStanding` of a service (or customer) evaluation after
  evaluation, with each :class:`SubjectResult`, the :class:`LevelCrossing` s
  (in a :class:`CrossingDirection`) and the :class:`Evaluation` that reports
  them.

Targets and standings are versioned entities without a lifecycle (every change
is one event), so the analysis has no transition tables. The figures the
reports return are in :mod:`~itsm_core.satisfaction.analysis.results`,
:mod:`~itsm_core.satisfaction.analysis.weights`,
:mod:`~itsm_core.satisfaction.analysis.watchlists` and
:mod:`~itsm_core.satisfaction.analysis.kpis`.
"""

from itsm_core.satisfaction.analysis.standings import (
    CrossingDirection,
    Evaluation,
    LevelCrossing,
    SatisfactionStanding,
    SubjectResult,
)
from itsm_core.satisfaction.analysis.targets import (
    AlertLevel,
    Deviation,
    LevelRule,
    SatisfactionTarget,
    TargetMetric,
)

__all__ = [
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
]
