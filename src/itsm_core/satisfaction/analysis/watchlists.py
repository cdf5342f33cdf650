"""Watch lists for focused care (重点关怀): low-satisfaction customers and key customers.

The service desk keeps a list of customers with low satisfaction and a list
of key customers, and improves satisfaction by caring for both.

A customer is on the **low-satisfaction** list for a service when its figure
over a *window* of periods (the periods pooled, e.g. the last three months)
is below a critical line of the target that applies to it (its own target,
else the service's): by default below the first critical line, i.e. at any
level other than the best. A provider without targets can give a plain
threshold instead. Pooling the window rather than requiring every month below
keeps a customer with few responses a month from flickering on and off.

Every **key customer** is listed with its figures over the same window, all
services together, and whether it is also on the low-satisfaction list.
"""

from __future__ import annotations

from typing import Any

import attrs

from itsm_core.kernel.labels import Labelled, Language
from itsm_core.satisfaction.analysis._format import number, small_sample_note
from itsm_core.satisfaction.analysis.targets import AlertLevel, Deviation, TargetMetric

__all__ = ["PeriodLevel", "WatchEntry", "WatchList", "WatchReason"]


class WatchReason(Labelled):
    """Why a customer is on a watch list."""

    LOW_SATISFACTION = "low_satisfaction", "满意度低的客户", "low-satisfaction customer"
    KEY_CUSTOMER = "key_customer", "重要客户", "key customer"


@attrs.frozen
class PeriodLevel:
    """One period of a watch entry's window.

    :param period: the period.
    :param value: the metric's value in it (None without responses).
    :param n: responses.
    :param level: the level by the critical lines (None without a value or target).
    """

    period: str
    value: float | None
    n: int
    level: AlertLevel | None = None


@attrs.frozen
class WatchEntry:
    """One customer on a watch list.

    :param customer: the customer.
    :param reason: why it is listed.
    :param service: the service (None: all services together).
    :param window: the periods pooled, oldest first.
    :param metric: the metric shown.
    :param value: its value over the window.
    :param n: responses over the window.
    :param level: the level over the window (None without a target).
    :param measures: the measures to take at that level.
    :param deviation: how far the value is from the target.
    :param by_period: the value and level period by period.
    :param also_low: for a key customer: it is on the low-satisfaction list too.
    """

    customer: str
    reason: WatchReason
    service: str | None
    window: tuple[str, ...]
    metric: TargetMetric
    value: float | None
    n: int
    level: AlertLevel | None = None
    measures: str = ""
    deviation: Deviation | None = None
    by_period: tuple[PeriodLevel, ...] = ()
    also_low: bool = False

    @property
    def small_sample(self) -> bool:
        """True if fewer than 30 responses are behind the value."""
        return self.n < 30

    def describe(self, lang: Language = "zh") -> str:
        """Return a display line in ``lang``."""
        span = f"{self.window[0]}~{self.window[-1]}" if self.window else ""
        if lang == "zh":
            who = f"客户 {self.customer}" + (f" / 服务 {self.service}" if self.service else "")
            value = number(self.value)
            line = f"{self.reason.zh}: {who}，{span} {self.metric.zh} {value}，样本 {self.n}"
            if self.level is not None:
                line += f"，{self.level.zh}"
            if self.measures:
                line += f"；措施：{self.measures}"
            if self.also_low:
                line += "；同时列入满意度低的客户"
        else:
            who = f"customer {self.customer}" + (
                f" / service {self.service}" if self.service else ""
            )
            line = (
                f"{self.reason.en}: {who}, {span} {self.metric.en} {number(self.value)}, n={self.n}"
            )
            if self.level is not None:
                line += f", {self.level.en}"
            if self.measures:
                line += f"; measures: {self.measures}"
            if self.also_low:
                line += "; also a low-satisfaction customer"
        return line + small_sample_note(self.small_sample, lang)

    def to_dict(self) -> dict[str, Any]:
        """Return the entry as JSON-able data."""
        return {
            "customer": self.customer,
            "reason": self.reason.value,
            "service": self.service,
            "window": list(self.window),
            "metric": self.metric.value,
            "value": self.value,
            "n": self.n,
            "level": None if self.level is None else self.level.value,
            "measures": self.measures,
            "target": None if self.deviation is None else self.deviation.target,
            "by_period": [
                {
                    "period": p.period,
                    "value": p.value,
                    "n": p.n,
                    "level": None if p.level is None else p.level.value,
                }
                for p in self.by_period
            ],
            "also_low": self.also_low,
        }


@attrs.frozen
class WatchList:
    """Both watch lists of one period.

    :param period: the last period of the window.
    :param window: the periods pooled, oldest first.
    :param low_satisfaction: the low-satisfaction customers, worst level first.
    :param key_customers: the key customers.
    """

    period: str
    window: tuple[str, ...]
    low_satisfaction: tuple[WatchEntry, ...] = ()
    key_customers: tuple[WatchEntry, ...] = ()

    @property
    def customers(self) -> tuple[str, ...]:
        """Every customer on either list, sorted."""
        return tuple(sorted({e.customer for e in (*self.low_satisfaction, *self.key_customers)}))

    def describe(self, lang: Language = "zh") -> str:
        """Return the lists as display text, one entry per line."""
        title = (
            f"重点关怀名单 {self.window[0]}~{self.window[-1]}"
            if lang == "zh"
            else f"Focused-care watch list {self.window[0]}~{self.window[-1]}"
        )
        lines = [title]
        lines += [e.describe(lang) for e in self.low_satisfaction]
        lines += [e.describe(lang) for e in self.key_customers]
        return "\n".join(lines)
