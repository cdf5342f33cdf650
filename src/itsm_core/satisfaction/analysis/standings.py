"""Where each service and customer stands against its target, evaluation after evaluation.

Evaluating a period classifies every service (and every customer of it) by
its target's critical lines. The last classification of each is kept as a
:class:`SatisfactionStanding`, so the next evaluation knows whether a level
was *crossed*; and a figure below target raises an improvement requirement
(an :class:`~itsm_core.improvements.ImprovementItem` of the improvement
register, source ``satisfaction``), at most one per subject and period, in
the evaluation's unit of work; the standing keeps the ids of the items it
raised, and ``core.improvements`` follows them up.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

import attrs

from itsm_core.improvements import ImprovementItem, ImprovementSource, QualityIndicator
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.labels import Labelled, Language
from itsm_core.kernel.text import check_text
from itsm_core.satisfaction.analysis._format import number, small_sample_note
from itsm_core.satisfaction.analysis.targets import AlertLevel, Deviation, TargetMetric

if TYPE_CHECKING:
    import itsm_core.outbox

__all__ = [
    "LEVEL_CROSSED",
    "CrossingDirection",
    "Evaluation",
    "LevelCrossing",
    "SatisfactionStanding",
    "SubjectResult",
    "improvement_id",
    "level_crossing_hook_calls",
    "standing_id",
]


def standing_id(service: str, customer: str | None) -> str:
    """Return the id of the standing of ``service`` (for ``customer``, or overall)."""
    check_text(service, "service")
    if customer is not None:
        check_text(customer, "customer")
    who = "*" if customer is None else quote(customer, safe="")
    return f"sat-standing:{quote(service, safe='')}:{who}"


def improvement_id(standing: str, period: str) -> str:
    """Return the id of the improvement item a standing raises for ``period``."""
    return f"{standing}@{period}"


def _subject_label(service: str, customer: str | None, lang: Language) -> str:
    if lang == "zh":
        return f"服务 {service}" + ("（全部客户）" if customer is None else f" / 客户 {customer}")
    return f"service {service}" + (" (all customers)" if customer is None else f" / {customer}")


@attrs.frozen
class SubjectResult:
    """The classification of one service (or one customer of it) in one period.

    :param service: the service.
    :param customer: the customer, or None for the service overall.
    :param period: the period evaluated.
    :param target_id: the target applied (the customer's own, or the service's).
    :param metric: the target's metric.
    :param value: the metric's value (None when there is no figure, e.g. a
        strict weighting with a channel missing).
    :param n: the responses behind it.
    :param margin: the 95 % margin of CSAT, in percentage points.
    :param level: the level by the critical lines (None without a value).
    :param measures: the measures to take at that level.
    :param deviation: how far the value is from the target.
    """

    service: str
    customer: str | None
    period: str
    target_id: str
    metric: TargetMetric
    value: float | None
    n: int
    margin: float | None
    level: AlertLevel | None
    measures: str
    deviation: Deviation | None

    @property
    def below_target(self) -> bool:
        """True if the value is below the target."""
        return self.deviation is not None and self.deviation.below_target

    @property
    def small_sample(self) -> bool:
        """True if fewer than 30 responses are behind the value."""
        return self.n < 30

    def describe(self, lang: Language = "zh") -> str:
        """Return a display line in ``lang``."""
        who = _subject_label(self.service, self.customer, lang)
        level = "—" if self.level is None else self.level.label(lang)
        dev = "" if self.deviation is None else self.deviation.describe(lang)
        sep = "，" if lang == "zh" else ", "
        n_text = f"样本 {self.n}" if lang == "zh" else f"n={self.n}"
        return (
            f"{self.period} {who}: {level}{sep}{dev}{sep}{n_text}"
            f"{small_sample_note(self.small_sample, lang)}"
        )


class CrossingDirection(Labelled):
    """Which way a level was crossed."""

    WORSENED = "worsened", "恶化", "worsened"
    IMPROVED = "improved", "好转", "improved"


@attrs.frozen
class LevelCrossing:
    """A service or customer moved to another level since the previous evaluation.

    The first evaluation of a subject is compared with the best level of its
    target: a subject first seen below the first critical line has crossed it.

    :param service: the service.
    :param customer: the customer, or None for the service overall.
    :param period: the period evaluated.
    :param previous_period: the period of the previous evaluation (None: first).
    :param previous_level: the level before (None: first evaluation).
    :param level: the level now.
    :param metric: the target's metric.
    :param value: the metric's value now.
    :param target: the target value.
    :param n: the responses behind the value.
    :param measures: the measures to take at the new level.
    :param standing_id: the standing that recorded it.
    :param event_id: the id of the ``satisfaction_standing.level_crossed`` event.
    """

    service: str
    customer: str | None
    period: str
    previous_period: str | None
    previous_level: AlertLevel | None
    level: AlertLevel
    metric: TargetMetric
    value: float
    target: float
    n: int
    measures: str
    standing_id: str
    event_id: str

    @classmethod
    def from_event(cls, event: DomainEvent) -> LevelCrossing:
        """Rebuild the crossing from its ``satisfaction_standing.level_crossed`` event."""
        p = event.payload
        previous = p.get("previous_level")
        return cls(
            service=p["service"],
            customer=p.get("customer"),
            period=p["period"],
            previous_period=p.get("previous_period"),
            previous_level=None if previous is None else AlertLevel(previous),
            level=AlertLevel(p["level"]),
            metric=TargetMetric(p["metric"]),
            value=float(p["value"]),
            target=float(p["target"]),
            n=int(p["n"]),
            measures=p.get("measures") or "",
            standing_id=event.aggregate_id,
            event_id=event.event_id,
        )

    @property
    def direction(self) -> CrossingDirection:
        """Worsened (a worse level than before) or improved."""
        before = 0 if self.previous_level is None else self.previous_level.severity
        return (
            CrossingDirection.WORSENED
            if self.level.severity > before
            else CrossingDirection.IMPROVED
        )

    def describe(self, lang: Language = "zh") -> str:
        """Return a display line in ``lang``."""
        who = _subject_label(self.service, self.customer, lang)
        before = "—" if self.previous_level is None else self.previous_level.label(lang)
        value = number(self.value)
        if lang == "zh":
            return (
                f"{self.period} {who}: {before} → {self.level.zh}（{self.direction.zh}，"
                f"{self.metric.zh} {value}）；措施：{self.measures or '—'}"
            )
        return (
            f"{self.period} {who}: {before} → {self.level.en} ({self.direction.en}, "
            f"{self.metric.en} {value}); measures: {self.measures or '—'}"
        )


@attrs.frozen
class Evaluation:
    """What evaluating one period found and did.

    :param period: the period evaluated.
    :param results: every subject classified.
    :param crossings: the levels crossed since the previous evaluation.
    :param improvements: the improvement items raised (below target).
    """

    period: str
    results: tuple[SubjectResult, ...] = ()
    crossings: tuple[LevelCrossing, ...] = ()
    improvements: tuple[ImprovementItem, ...] = ()


@attrs.define(eq=False, kw_only=True)
class SatisfactionStanding(Aggregate):
    """The last classification of one service (or one customer of it), and its improvements.

    :param service: the service.
    :param customer: the customer, or None for the service overall.
    :param target_id: the target last applied.
    :param metric: its metric.
    :param period: the period last evaluated.
    :param level: the level then.
    :param value: the metric's value then.
    :param n: the responses behind it.
    :param target: the target value then.
    :param evaluated_at: when it was evaluated.
    :param improvements: the ids of the improvement items raised, oldest first.
    """

    KIND: ClassVar[str] = "satisfaction_standing"

    service: str
    customer: str | None = None
    target_id: str = ""
    metric: TargetMetric = TargetMetric.CSAT
    period: str | None = None
    level: AlertLevel | None = None
    value: float | None = None
    n: int = 0
    target: float | None = None
    evaluated_at: datetime | None = None
    improvements: tuple[str, ...] = ()

    @classmethod
    def new(cls, service: str, customer: str | None) -> SatisfactionStanding:
        """Return a standing not evaluated yet."""
        return cls(id=standing_id(service, customer), service=service, customer=customer)

    @property
    def below_target(self) -> bool:
        """True if the last value was below the target."""
        return self.value is not None and self.target is not None and self.value < self.target

    def evaluate(
        self,
        result: SubjectResult,
        *,
        best: AlertLevel,
        owner: str,
        improvement_period: timedelta,
        actor: Actor,
        at: datetime,
    ) -> tuple[LevelCrossing | None, dict[str, Any] | None]:
        """Take in one period's classification.

        Records ``level_crossed`` when the level differs from the previous
        evaluation (for the first, from ``best``), else ``evaluated``; nothing
        when nothing changed, or when ``result`` is of an earlier period than
        the last one evaluated (history is not rewritten). A value below target
        raises one improvement item per period.

        :param result: the classification (with a value and a level).
        :param best: the best level of the target applied.
        :param owner: the improvement owner of a raised item.
        :param improvement_period: how long the owner has for it.
        :param actor: who evaluates.
        :param at: when.
        :returns: the crossing, and the item to raise (the arguments of
            :meth:`~itsm_core.improvements.ImprovementRegister.raise_item`); either None.
        """
        if result.level is None or result.value is None or result.deviation is None:
            raise ValidationError("only a classified result can be taken in", field="result")
        if self.period is not None and result.period < self.period:
            return None, None
        previous_level, previous_period = self.level, self.period
        crossed = result.level is not (previous_level or best)
        item: dict[str, Any] | None = None
        item_key = improvement_id(self.id, result.period)
        if result.below_target and item_key not in self.improvements:
            item = self._improvement_item(result, item_key, owner, improvement_period, actor, at)
        unchanged = (
            not crossed
            and item is None
            and (self.period, self.value, self.n, self.target_id, self.target)
            == (result.period, result.value, result.n, result.target_id, result.deviation.target)
        )
        if unchanged:
            return None, None
        self.target_id = result.target_id
        self.metric = result.metric
        self.period = result.period
        self.level = result.level
        self.value = result.value
        self.n = result.n
        self.target = result.deviation.target
        self.evaluated_at = at
        if item is not None:
            self.improvements = (*self.improvements, item_key)
        payload = {
            "service": self.service,
            "customer": self.customer,
            "period": result.period,
            "previous_period": previous_period,
            "level": result.level.value,
            "previous_level": None if previous_level is None else previous_level.value,
            "metric": result.metric.value,
            "value": result.value,
            "target": result.deviation.target,
            "n": result.n,
            "below_target": result.below_target,
            "measures": result.measures,
            "improvement_id": None if item is None else item_key,
        }
        event = self._record("level_crossed" if crossed else "evaluated", actor, at, payload)
        crossing = None
        if crossed:
            crossing = LevelCrossing(
                service=self.service,
                customer=self.customer,
                period=result.period,
                previous_period=previous_period,
                previous_level=previous_level,
                level=result.level,
                metric=result.metric,
                value=result.value,
                target=result.deviation.target,
                n=result.n,
                measures=result.measures,
                standing_id=self.id,
                event_id=event.event_id,
            )
        return crossing, item

    def _improvement_item(
        self,
        result: SubjectResult,
        item_key: str,
        owner: str,
        improvement_period: timedelta,
        actor: Actor,
        at: datetime,
    ) -> dict[str, Any]:
        assert result.deviation is not None and result.level is not None
        dev = result.deviation
        who = _subject_label(self.service, self.customer, "zh")
        description = (
            f"{result.period} {who} {dev.describe('zh')}，低于目标；"
            f"级别 {result.level.zh}，措施：{result.measures or '按改进计划执行'}"
        )
        return {
            "item_id": item_key,
            "source_kind": ImprovementSource.SATISFACTION,
            "source_ref": self.id,
            "description": description,
            "quality_indicators": (QualityIndicator(result.metric.zh, f"≥ {dev.target:g}"),),
            "owner": owner,
            "due_at": at + improvement_period,
            "cause": f"{result.metric.en} {dev.value:.1f} below target {dev.target:g}",
            "service": self.service,
            "customer": self.customer,
        }


LEVEL_CROSSED = f"{SatisfactionStanding.KIND}.level_crossed"
"""The name of the event recorded when a standing crosses a level."""


def level_crossing_hook_calls(event: DomainEvent) -> list[itsm_core.outbox.HookCall]:
    """The outbox dispatcher of satisfaction analysis.

    * ``satisfaction_standing.level_crossed`` → one
      ``itsm_satisfaction_level_crossed(crossing)``.

    :param event: a committed (redacted) event.
    """
    if event.name != LEVEL_CROSSED:
        return []
    from itsm_core.outbox import HookCall  # the outbox loads with the areas' services

    return [
        HookCall("itsm_satisfaction_level_crossed", {"crossing": LevelCrossing.from_event(event)})
    ]
