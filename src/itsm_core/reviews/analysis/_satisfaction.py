"""The satisfaction part of the pack and the trends, read through satisfaction analysis (internal).

Nothing is recomputed here: the figures, the changes and their tests come
from ``core.satisfaction.analysis`` (one aggregate over the responses each),
the targets and critical lines from ``core.satisfaction.targets``. The
acting role is checked by those services too.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.reviews.analysis.pack import SatisfactionLine
from itsm_core.satisfaction.analysis.evaluation import TargetService
from itsm_core.satisfaction.analysis.results import GroupFigures, PeriodChange
from itsm_core.satisfaction.analysis.service import SatisfactionAnalysis
from itsm_core.satisfaction.analysis.targets import SatisfactionTarget, target_id

__all__ = ["Satisfaction"]


@attrs.frozen
class Satisfaction:
    """The satisfaction services the review analysis reads.

    :param analysis: ``core.satisfaction.analysis``.
    :param targets: ``core.satisfaction.targets``.
    """

    analysis: SatisfactionAnalysis
    targets: TargetService

    def lines(
        self,
        actor: Actor,
        periods: Sequence[str],
        *,
        customer: str,
        services: Sequence[str],
    ) -> tuple[SatisfactionLine, ...]:
        """Per service and channel: figures over ``periods``, target, level, last month's change."""
        service = list(services) or None
        dims = ("service", "channel")
        figures = self.analysis.figures(
            actor, periods, group_by=dims, customer=customer, service=service
        )
        changes = self.analysis.changes(
            actor, periods[-1], group_by=dims, customer=customer, service=service
        )
        by_key: dict[tuple[str | None, str | None], PeriodChange] = {
            (c.key.get("service"), c.key.get("channel")): c for c in changes
        }
        targets = {t.id: t for t in self.targets.find(actor, service=service)}
        return tuple(
            self._line(f, by_key.get((f.key.get("service"), f.key.get("channel"))), targets,
                       customer)
            for f in figures
        )  # fmt: skip

    def by_service_and_month(
        self,
        actor: Actor,
        periods: Sequence[str],
        *,
        customer: str | None,
        services: Sequence[str],
    ) -> tuple[GroupFigures, ...]:
        """The figures of each service in each of ``periods`` (one aggregate)."""
        return self.analysis.figures(
            actor,
            periods,
            group_by=("service", "period"),
            customer=customer,
            service=list(services) or None,
        )

    @staticmethod
    def _line(
        figures: GroupFigures,
        change: PeriodChange | None,
        targets: dict[str, SatisfactionTarget],
        customer: str,
    ) -> SatisfactionLine:
        service = figures.key.get("service")
        target = None
        if service is not None:
            target = targets.get(target_id(service, customer)) or targets.get(
                target_id(service, None)
            )
        line = SatisfactionLine(
            service=service,
            channel=figures.key.get("channel"),
            n=figures.n,
            csat=figures.csat,
            margin=figures.margin,
            index=figures.index,
            small_sample=figures.small_sample,
        )
        if target is not None:
            value = target.metric.value_of(figures)
            rule = target.classify(value)
            line = attrs.evolve(
                line,
                metric=target.metric,
                target=target.target,
                value=value,
                deviation=None if value is None else value - target.target,
                level=None if rule is None else rule.level,
                measures="" if rule is None else rule.measures,
            )
        if change is not None:
            line = attrs.evolve(
                line,
                previous_period=change.previous_period,
                last_csat=change.current.csat,
                previous_csat=change.previous.csat,
                p_value=change.p_value,
                trend=change.trend,
                small_sample=line.small_sample or change.small_sample,
            )
        return line
