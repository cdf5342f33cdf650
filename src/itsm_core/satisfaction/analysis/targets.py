"""Satisfaction targets, critical lines (临界线) and the measures to take at each level.

For each service — optionally for one customer of it — the provider sets a
target and critical lines, and the measures to take at each level. A
target is stored as a :class:`SatisfactionTarget`: a simple
versioned entity without a lifecycle; every change is one event, so its
history is the record of who set what, when.

The levels are given as *bands*, from the best down::

    levels=(
        LevelRule(AlertLevel.GREEN, at_least=90, measures="keep the routine"),
        LevelRule(AlertLevel.YELLOW, at_least=80, measures="call back every dissatisfied response"),
        LevelRule(AlertLevel.RED, measures="operations manager visits the customer"),
    )

A value at or above a band's ``at_least`` (and below the band above) is at
that band's level; the last band has no ``at_least`` and takes everything
below. The ``at_least`` values are the critical lines. The *target* is a
separate figure: a value below it raises an improvement action, whatever its
level.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol
from urllib.parse import quote

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.clock import require_aware, require_duration
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.labels import Labelled, Language
from itsm_core.kernel.text import check_text

__all__ = [
    "DEFAULT_IMPROVEMENT_PERIOD",
    "AlertLevel",
    "Deviation",
    "HasFigures",
    "LevelRule",
    "SatisfactionTarget",
    "TargetMetric",
    "level_rules",
    "target_id",
]


class AlertLevel(Labelled):
    """The level of a satisfaction figure against its critical lines, best first."""

    GREEN = "green", "绿色（正常）", "green (normal)"
    YELLOW = "yellow", "黄色（预警）", "yellow (warning)"
    ORANGE = "orange", "橙色（严重）", "orange (serious)"
    RED = "red", "红色（告警）", "red (critical)"

    @property
    def severity(self) -> int:
        """0 for the best level, larger for worse ones."""
        return list(type(self)).index(self)


class HasFigures(Protocol):
    """Anything that offers the three target metrics (a tally, a weighted combination)."""

    @property
    def csat(self) -> float | None: ...

    @property
    def index(self) -> float | None: ...

    @property
    def nps(self) -> float | None: ...


class TargetMetric(Labelled):
    """Which figure a target and its critical lines are set on."""

    CSAT = "csat", "满意率（满意及以上占比）", "CSAT (top-box %)"
    INDEX = "index", "满意度指数（0–100）", "satisfaction index (mean normalised score, 0-100)"
    NPS = "nps", "净推荐值", "net promoter score"

    @property
    def bounds(self) -> tuple[float, float]:
        """The range of the metric: 0–100, or −100…100 for NPS."""
        return (-100.0, 100.0) if self is TargetMetric.NPS else (0.0, 100.0)

    def value_of(self, figures: HasFigures) -> float | None:
        """Return this metric's value from ``figures`` (None without data)."""
        if self is TargetMetric.CSAT:
            return figures.csat
        if self is TargetMetric.INDEX:
            return figures.index
        return figures.nps


def _level(value: object) -> AlertLevel:
    return AlertLevel.parse(value, "level")


def _optional_number(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(
            f"at_least must be a finite number or None, got {value!r}", field="at_least"
        )
    return float(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            f"measures must be text, got {type(value).__name__}", field="measures"
        )
    return value.strip()


@attrs.frozen
class LevelRule:
    """One band of levels: its level, its critical line and the measures to take.

    :param level: the level of this band.
    :param at_least: the critical line: values at or above it (and below the
        band above) are in this band; None for the last band.
    :param measures: what to do at this level (措施), shown to people.
    """

    level: AlertLevel = attrs.field(converter=_level)
    at_least: float | None = attrs.field(default=None, converter=_optional_number)
    measures: str = attrs.field(default="", converter=_text)

    def to_dict(self) -> dict[str, Any]:
        """Return the band as JSON-able data."""
        return {"level": self.level.value, "at_least": self.at_least, "measures": self.measures}


@attrs.frozen
class Deviation:
    """How far a figure is from its target.

    :param metric: the metric compared.
    :param target: the target value.
    :param value: the measured value.
    """

    metric: TargetMetric
    target: float
    value: float

    @property
    def difference(self) -> float:
        """``value - target`` (negative when below target)."""
        return self.value - self.target

    @property
    def below_target(self) -> bool:
        """True if the value is below the target."""
        return self.value < self.target

    def describe(self, lang: Language = "zh") -> str:
        """Return a display line, e.g. ``满意率 85.0，目标 90.0，偏差 -5.0``."""
        name = self.metric.label(lang)
        if lang == "zh":
            return f"{name} {self.value:.1f}，目标 {self.target:.1f}，偏差 {self.difference:+.1f}"
        return (
            f"{name} {self.value:.1f}, target {self.target:.1f}, deviation {self.difference:+.1f}"
        )


DEFAULT_IMPROVEMENT_PERIOD = timedelta(days=30)
"""How long an improvement owner has for an item raised below target, unless set."""


def _period(value: object) -> timedelta:
    period = require_duration(value, "improvement_period")
    if period <= timedelta(0):
        raise ValidationError(
            "improvement_period must be longer than zero", field="improvement_period"
        )
    return period


def target_id(service: str, customer: str | None) -> str:
    """Return the id of the target of ``service`` (for ``customer``, or all customers)."""
    check_text(service, "service")
    if customer is not None:
        check_text(customer, "customer")
    who = "*" if customer is None else quote(customer, safe="")
    return f"sat-target:{quote(service, safe='')}:{who}"


def required_text(value: object, name: str) -> str:
    """Return ``value`` stripped if it is a non-empty string, else raise :class:`ValidationError`.

    Stripped as satisfaction capture strips the service and customer of a
    response, so that a target set for ``" desktop"`` applies to ``desktop``.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} must be a non-empty string, got {value!r}", field=name)
    return check_text(value.strip(), name)


def optional_text(value: object, name: str) -> str | None:
    """Return ``value`` if it is None or a non-empty string, else raise."""
    return None if value is None else required_text(value, name)


def level_rules(levels: object) -> list[LevelRule]:
    """Return ``levels`` (an iterable of :class:`LevelRule`) as a list.

    :raises ValidationError: if ``levels`` is not a list of bands.
    """
    if not isinstance(levels, Iterable) or isinstance(levels, str | bytes | LevelRule | Mapping):
        raise ValidationError(
            "levels must be a list of LevelRule bands, best first, e.g. "
            f"[LevelRule('green', 90), LevelRule('red')]; got {levels!r}",
            field="levels",
        )
    return list(levels)


def _check_definition(
    metric: TargetMetric, target: object, levels: Sequence[LevelRule]
) -> tuple[float, tuple[LevelRule, ...]]:
    low, high = metric.bounds
    if isinstance(target, bool) or not isinstance(target, int | float) or not math.isfinite(target):
        raise ValidationError(f"target must be a number, got {target!r}", field="target")
    if not low <= target <= high:
        raise ValidationError(
            f"target {target} is outside the range of {metric.value} ({low:g}..{high:g})",
            field="target",
        )
    rules = tuple(levels)
    if not rules:
        raise ValidationError(
            "levels: give at least one band, e.g. (LevelRule('green', 90), LevelRule('red'))",
            field="levels",
        )
    for rule in rules:
        if not isinstance(rule, LevelRule):
            raise ValidationError(
                f"levels must be LevelRule values, got {type(rule).__name__}", field="levels"
            )
    if rules[-1].at_least is not None:
        raise ValidationError(
            "levels: the last band takes every value below the others and has no at_least; "
            f"got at_least={rules[-1].at_least:g} on {rules[-1].level.value!r}",
            field="levels",
        )
    previous: LevelRule | None = None
    for rule in rules:
        if rule.at_least is None and rule is not rules[-1]:
            raise ValidationError(
                f"levels: only the last band may omit at_least ({rule.level.value!r} does)",
                field="levels",
            )
        if rule.at_least is not None and not low <= rule.at_least <= high:
            raise ValidationError(
                f"levels: critical line {rule.at_least:g} of {rule.level.value!r} is outside "
                f"the range of {metric.value} ({low:g}..{high:g})",
                field="levels",
            )
        if previous is not None:
            if rule.level.severity <= previous.level.severity:
                raise ValidationError(
                    "levels: bands go from the best level to the worst, each worse than the "
                    f"one above; {rule.level.value!r} follows {previous.level.value!r}",
                    field="levels",
                )
            if (
                rule.at_least is not None
                and previous.at_least is not None
                and rule.at_least >= previous.at_least
            ):
                raise ValidationError(
                    "levels: critical lines must fall from band to band; "
                    f"{rule.at_least:g} ({rule.level.value}) is not below "
                    f"{previous.at_least:g} ({previous.level.value})",
                    field="levels",
                )
        previous = rule
    return float(target), rules


@attrs.define(eq=False, kw_only=True)
class SatisfactionTarget(Aggregate):
    """The satisfaction target of a service (for one customer, or for all of them).

    Create one with :meth:`create`; change it with :meth:`revise` and
    :meth:`retire`. Its id is :func:`target_id` of the service and customer,
    so there is at most one target per service and customer.

    :param service: the service the target is for.
    :param customer: the customer, or None for every customer of the service.
    :param metric: the metric of the target and the critical lines.
    :param target: the target value.
    :param levels: the bands of levels, best first (see the module).
    :param owner: the improvement owner (改进负责人) of the improvement items
        raised when the figure is below target (an actor id).
    :param improvement_period: how long the owner has for such an item.
    :param active: False once retired.
    :param updated_by: who set it last.
    :param updated_at: when it was set last.
    """

    KIND: ClassVar[str] = "satisfaction_target"

    service: str
    customer: str | None = None
    metric: TargetMetric = TargetMetric.CSAT
    target: float = 0.0
    levels: tuple[LevelRule, ...] = ()
    owner: str = ""
    improvement_period: timedelta = DEFAULT_IMPROVEMENT_PERIOD
    active: bool = True
    updated_by: str = ""
    updated_at: datetime | None = None

    @classmethod
    def create(
        cls,
        *,
        service: str,
        customer: str | None,
        metric: TargetMetric | str,
        target: float,
        levels: Iterable[LevelRule],
        owner: str | None = None,
        improvement_period: timedelta = DEFAULT_IMPROVEMENT_PERIOD,
        actor: Actor,
        at: datetime,
    ) -> SatisfactionTarget:
        """Define a new target.

        :param owner: the improvement owner (default: ``actor``).
        :param improvement_period: how long the owner has for an item (default 30 days).
        :raises ValidationError: for a bad service, metric, target, bands or period.
        """
        service_ = required_text(service, "service")
        customer_ = optional_text(customer, "customer")
        metric_ = TargetMetric.parse(metric, "metric")
        value, rules = _check_definition(metric_, target, level_rules(levels))
        owner_ = actor.id if owner is None else required_text(owner, "owner")
        period = _period(improvement_period)
        require_aware(at, "at")
        entity = cls(
            id=target_id(service_, customer_),
            service=service_,
            customer=customer_,
            metric=metric_,
            target=value,
            levels=rules,
            owner=owner_,
            improvement_period=period,
        )
        entity._apply(value, metric_, rules, actor, at)
        entity._record("set", actor, at, entity._payload())
        return entity

    def revise(
        self,
        *,
        metric: TargetMetric | str,
        target: float,
        levels: Iterable[LevelRule],
        owner: str | None = None,
        improvement_period: timedelta | None = None,
        actor: Actor,
        at: datetime,
    ) -> bool:
        """Change the target (and re-activate a retired one).

        :param owner: a new improvement owner (None keeps the current one).
        :param improvement_period: a new period (None keeps the current one).
        :returns: False (and records nothing) when nothing changes.
        :raises ValidationError: for a bad metric, target, bands or period.
        """
        metric_ = TargetMetric.parse(metric, "metric")
        value, rules = _check_definition(metric_, target, level_rules(levels))
        owner_ = self.owner if owner is None else required_text(owner, "owner")
        period = (
            self.improvement_period if improvement_period is None else _period(improvement_period)
        )
        require_aware(at, "at")
        same = (metric_, value, rules, owner_, period) == (
            self.metric,
            self.target,
            self.levels,
            self.owner,
            self.improvement_period,
        )
        if self.active and same:
            return False
        self._apply(value, metric_, rules, actor, at)
        self.owner = owner_
        self.improvement_period = period
        self.active = True
        self._record("revised", actor, at, self._payload())
        return True

    def retire(self, *, actor: Actor, at: datetime) -> bool:
        """Stop using this target; its standings are no longer evaluated.

        :returns: False when it was already retired.
        """
        require_aware(at, "at")
        if not self.active:
            return False
        self.active = False
        self.updated_by = actor.id
        self.updated_at = at
        self._record("retired", actor, at, {"service": self.service, "customer": self.customer})
        return True

    def _apply(
        self,
        value: float,
        metric: TargetMetric,
        rules: tuple[LevelRule, ...],
        actor: Actor,
        at: datetime,
    ) -> None:
        self.metric = metric
        self.target = value
        self.levels = rules
        self.updated_by = actor.id
        self.updated_at = at

    def _payload(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "customer": self.customer,
            "metric": self.metric.value,
            "target": self.target,
            "levels": [r.to_dict() for r in self.levels],
            "owner": self.owner,
            "improvement_period": self.improvement_period.total_seconds(),
        }

    @property
    def critical_lines(self) -> tuple[float, ...]:
        """The critical lines (临界线), highest first."""
        return tuple(r.at_least for r in self.levels if r.at_least is not None)

    @property
    def best(self) -> LevelRule:
        """The band of the best level."""
        return self.levels[0]

    def classify(self, value: float | None) -> LevelRule | None:
        """Return the band ``value`` falls in; None when there is no value."""
        if value is None:
            return None
        for rule in self.levels:
            if rule.at_least is None or value >= rule.at_least:
                return rule
        return self.levels[-1]  # pragma: no cover - the last band has no line

    def rule_for(self, level: AlertLevel) -> LevelRule | None:
        """Return the band of ``level``, if this target has one."""
        for rule in self.levels:
            if rule.level is level:
                return rule
        return None

    def deviation(self, value: float | None) -> Deviation | None:
        """Return how far ``value`` is from the target; None when there is no value."""
        return None if value is None else Deviation(self.metric, self.target, value)
